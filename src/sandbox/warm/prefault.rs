//! The pages a job touches, learnt once from a rehearsal job and brought in by each child while
//! it waits for its job, so that the job itself does not stop at a page fault for each of them.
//!
//! A fork copies no page-table entries for code mapped from a file, and shares written memory
//! until either side writes to it: a child running a trivial job takes about 400 faults, on the
//! interpreter's compiled code, ward's own code and the memory it writes. A child that has
//! brought those pages in with two system calls per range starts its job without them.
#![allow(unsafe_code)]

use std::io::{self, Read, Write};
use std::ops::Range;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::time::{Duration, Instant};

/// Never more than this many pages are brought in (64 MiB), whatever a rehearsal touched.
const MAX_PAGES: usize = 16 * 1024;
/// The rehearsal's report, bounded so that a broken one cannot fill the parent's memory.
const MAX_REPORT: u64 = 1 << 20;
const PRESENT: u64 = 1 << 63;
/// Mapped by this process alone: after the fork, written (copied), first allocated, or a page
/// of a file no other process maps.
const EXCLUSIVE: u64 = 1 << 56;
/// A page of a file (or shared memory): a private page that was written is no longer one.
const FILE: u64 = 1 << 61;

/// A readable mapping of this process, with which of its pages were present before the fork.
struct Mapping {
    pages: Range<usize>,
    writable: bool,
    present: Vec<bool>,
}

/// The process's memory as the rehearsal's parent saw it just before forking it.
pub struct Snapshot {
    mappings: Vec<Mapping>,
}

/// Ranges of pages, in page numbers, to bring in readable or writable.
#[derive(Default)]
pub struct WorkingSet {
    read: Vec<Range<usize>>,
    write: Vec<Range<usize>>,
}

fn page_size() -> usize {
    rustix::param::page_size()
}

/// The pagemap entries of `pages` of this process.
fn entries(pagemap: &std::fs::File, pages: &Range<usize>) -> io::Result<Vec<u64>> {
    let mut raw = vec![0u8; pages.len() * 8];
    pagemap.read_exact_at(&mut raw, pages.start as u64 * 8)?;
    Ok(raw
        .chunks_exact(8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
        .collect())
}

impl Snapshot {
    /// Reads this process's readable mappings and which of their pages are present. Mappings
    /// named in brackets other than the heap (`[stack]`, `[vvar]`, `[vdso]`) are left out: the
    /// kernel's cannot be faulted in, and the stack is the parent's own.
    pub fn take() -> io::Result<Self> {
        let maps = std::fs::read_to_string("/proc/self/maps")?;
        let pagemap = std::fs::File::open("/proc/self/pagemap")?;
        let page = page_size();
        let mut mappings = Vec::new();
        for line in maps.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(range), Some(perms)) = (fields.first(), fields.get(1)) else {
                continue;
            };
            let special = fields
                .get(5)
                .is_some_and(|name| name.starts_with('[') && *name != "[heap]");
            // Shared mappings are left alone: faulting one in writable would dirty its file.
            if special || !perms.starts_with('r') || !perms.ends_with('p') {
                continue;
            }
            let Some((start, end)) = range.split_once('-') else {
                continue;
            };
            let (Ok(start), Ok(end)) = (
                usize::from_str_radix(start, 16),
                usize::from_str_radix(end, 16),
            ) else {
                continue;
            };
            let pages = start / page..end / page;
            let present = entries(&pagemap, &pages)?
                .into_iter()
                .map(|entry| entry & PRESENT != 0)
                .collect();
            mappings.push(Mapping {
                pages,
                writable: perms.as_bytes().get(1) == Some(&b'w'),
                present,
            });
        }
        Ok(Self { mappings })
    }

    /// In the rehearsal, once its job is done: the pages it wrote to, and the pages it read
    /// that the fork did not map for it: every page of a read-only mapping it used, and the
    /// pages of a writable one that were not present before the fork.
    pub fn touched(&self) -> io::Result<WorkingSet> {
        let pagemap = std::fs::File::open("/proc/self/pagemap")?;
        let mut set = WorkingSet::default();
        let mut counted = 0;
        for mapping in &self.mappings {
            let now = entries(&pagemap, &mapping.pages)?;
            for (i, entry) in now.into_iter().enumerate() {
                let present = entry & PRESENT != 0;
                let written =
                    mapping.writable && present && entry & EXCLUSIVE != 0 && entry & FILE == 0;
                // A fork copies the page-table entries of a mapping only once it holds memory
                // of its own (it was written); read-only ones, code above all, start empty.
                let read = !written && present && (!mapping.writable || !mapping.present[i]);
                if !(written || read) || counted == MAX_PAGES {
                    continue;
                }
                counted += 1;
                let page = mapping.pages.start + i;
                let ranges = if written {
                    &mut set.write
                } else {
                    &mut set.read
                };
                match ranges.last_mut() {
                    Some(last) if last.end == page => last.end += 1,
                    _ => ranges.push(page..page + 1),
                }
            }
        }
        Ok(set)
    }
}

impl WorkingSet {
    /// Sends the set to the rehearsal's parent: one record of three little-endian numbers
    /// (writable, first page, end page) per range.
    pub fn send(&self, to: &mut impl Write) -> io::Result<()> {
        let mut out = Vec::new();
        for (writable, ranges) in [(0u64, &self.read), (1, &self.write)] {
            for range in ranges {
                for n in [writable, range.start as u64, range.end as u64] {
                    out.extend_from_slice(&n.to_le_bytes());
                }
            }
        }
        to.write_all(&out)
    }

    /// Reads what [`Self::send`] wrote, until the rehearsal closes its end or `within` has
    /// passed.
    pub fn receive(from: &mut (impl Read + AsRawFd), within: Duration) -> io::Result<Self> {
        let deadline = Instant::now() + within;
        let mut raw = Vec::new();
        let mut chunk = [0u8; 1 << 14];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if !wait_readable(from, left) {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the rehearsal did not report in time",
                ));
            }
            match from.read(&mut chunk)? {
                0 => break,
                n if raw.len() as u64 + n as u64 > MAX_REPORT => {
                    return Err(io::Error::other("the rehearsal's report is too large"));
                }
                n => raw.extend_from_slice(&chunk[..n]),
            }
        }
        let mut set = Self::default();
        for record in raw.chunks_exact(24) {
            let n = |i: usize| -> usize {
                let bytes = record[i * 8..i * 8 + 8].try_into().unwrap_or_default();
                usize::try_from(u64::from_le_bytes(bytes)).unwrap_or(0)
            };
            let range = n(1)..n(2);
            if n(0) == 1 {
                set.write.push(range);
            } else {
                set.read.push(range);
            }
        }
        Ok(set)
    }

    pub fn pages(&self) -> usize {
        self.read.iter().chain(&self.write).map(Range::len).sum()
    }

    /// Faults the set in, readable or writable. A range that is no longer mapped as it was is
    /// refused by the kernel and skipped: this only saves time, it changes no memory.
    pub fn bring_in(&self) {
        let page = page_size();
        for (advice, ranges) in [
            (libc::MADV_POPULATE_READ, &self.read),
            (libc::MADV_POPULATE_WRITE, &self.write),
        ] {
            for range in ranges {
                // SAFETY: populating faults pages in as a read or a write of each would, without
                // changing their contents; an address that is not mapped fails the call.
                unsafe {
                    libc::madvise(
                        (range.start * page) as *mut libc::c_void,
                        range.len() * page,
                        advice,
                    );
                }
            }
        }
    }
}

/// Whether `socket` has something to read now, without waiting.
pub fn readable(socket: &impl AsRawFd) -> bool {
    wait_readable(socket, Duration::ZERO)
}

/// Whether `fd` has something to read (or has reached its end) within `within`.
fn wait_readable(fd: &impl AsRawFd, within: Duration) -> bool {
    let mut poll = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let timeout = i32::try_from(within.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: one valid `pollfd`, for a descriptor the caller holds open.
    unsafe { libc::poll(&mut poll, 1, timeout) == 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A private mapping of `pages` pages, unmapped when dropped.
    struct Mapped {
        at: *mut libc::c_void,
        len: usize,
    }

    impl Mapped {
        fn new(pages: usize, prot: i32, file: Option<&std::fs::File>) -> Self {
            let len = pages * page_size();
            let (flags, fd) = match file {
                Some(file) => (libc::MAP_PRIVATE, file.as_raw_fd()),
                None => (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1),
            };
            // SAFETY: a new mapping at an address the kernel chooses.
            let at = unsafe { libc::mmap(std::ptr::null_mut(), len, prot, flags, fd, 0) };
            assert_ne!(at, libc::MAP_FAILED, "{}", io::Error::last_os_error());
            Self { at, len }
        }

        fn page(&self, i: usize) -> usize {
            self.at as usize / page_size() + i
        }
    }

    impl Drop for Mapped {
        fn drop(&mut self) {
            // SAFETY: the mapping made in `new`, no longer borrowed.
            unsafe { libc::munmap(self.at, self.len) };
        }
    }

    fn covers(ranges: &[Range<usize>], page: usize) -> bool {
        ranges.iter().any(|r| r.contains(&page))
    }

    #[test]
    fn a_page_written_after_the_snapshot_is_learnt_as_written() {
        let mapped = Mapped::new(8, libc::PROT_READ | libc::PROT_WRITE, None);
        let snapshot = Snapshot::take().unwrap();
        // SAFETY: page 3 lies inside the writable mapping.
        unsafe { ((mapped.page(3) * page_size()) as *mut u8).write_volatile(1) };
        let set = snapshot.touched().unwrap();
        assert!(covers(&set.write, mapped.page(3)));
        assert!(!covers(&set.write, mapped.page(5)), "never touched");
    }

    #[test]
    fn a_file_page_read_after_the_snapshot_is_learnt_as_read() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&vec![7u8; 64 * page_size()]).unwrap();
        // Read-only like compiled code, and writable like the interpreter's memory image.
        for prot in [libc::PROT_READ, libc::PROT_READ | libc::PROT_WRITE] {
            let mapped = Mapped::new(64, prot, Some(&file));
            let snapshot = Snapshot::take().unwrap();
            let at = (mapped.page(40) * page_size()) as *const u8;
            // SAFETY: page 40 lies inside the readable mapping of a file that long.
            assert_eq!(unsafe { at.read_volatile() }, 7);
            let set = snapshot.touched().unwrap();
            assert!(covers(&set.read, mapped.page(40)), "prot {prot}");
            assert!(!covers(&set.write, mapped.page(40)), "prot {prot}");
        }
    }

    #[test]
    fn a_read_only_page_used_before_the_snapshot_is_still_learnt() {
        // A fork leaves a child none of the parent's pages of compiled code, present or not.
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&vec![7u8; 64 * page_size()]).unwrap();
        let mapped = Mapped::new(64, libc::PROT_READ, Some(&file));
        let at = (mapped.page(4) * page_size()) as *const u8;
        // SAFETY: page 4 lies inside the readable mapping of a file that long.
        assert_eq!(unsafe { at.read_volatile() }, 7);
        let snapshot = Snapshot::take().unwrap();
        // SAFETY: as above.
        assert_eq!(unsafe { at.read_volatile() }, 7);
        let set = snapshot.touched().unwrap();
        assert!(covers(&set.read, mapped.page(4)));
        // The kernel maps a few neighbours of a page read from a file, never this far.
        assert!(!covers(&set.read, mapped.page(40)), "never touched");
    }

    #[test]
    fn bringing_pages_in_maps_them_and_leaves_them_as_they_were() {
        let mapped = Mapped::new(4, libc::PROT_READ | libc::PROT_WRITE, None);
        let set = WorkingSet {
            read: Vec::new(),
            write: std::iter::once(mapped.page(0)..mapped.page(4)).collect(),
        };
        set.bring_in();
        let pagemap = std::fs::File::open("/proc/self/pagemap").unwrap();
        let now = entries(&pagemap, &(mapped.page(0)..mapped.page(4))).unwrap();
        assert!(now.iter().all(|entry| entry & PRESENT != 0), "{now:x?}");
        // SAFETY: the mapping is `len` bytes long and readable.
        let bytes = unsafe { std::slice::from_raw_parts(mapped.at as *const u8, mapped.len) };
        assert!(bytes.iter().all(|b| *b == 0));
    }

    #[test]
    fn a_report_crosses_the_pipe_and_a_silent_rehearsal_times_out() {
        let sent = WorkingSet {
            read: vec![10..12, 20..21],
            write: std::iter::once(30..40).collect(),
        };
        let (mut reader, mut writer) = std::io::pipe().unwrap();
        sent.send(&mut writer).unwrap();
        drop(writer);
        let got = WorkingSet::receive(&mut reader, Duration::from_secs(5)).unwrap();
        assert_eq!((got.read, got.write), (sent.read, sent.write));

        let (mut reader, _writer) = std::io::pipe().unwrap();
        let silent = WorkingSet::receive(&mut reader, Duration::from_millis(20));
        assert_eq!(
            silent.err().map(|e| e.kind()),
            Some(io::ErrorKind::TimedOut)
        );
    }
}
