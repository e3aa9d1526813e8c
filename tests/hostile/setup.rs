//! What the host does around a hostile run besides running it: the links and pipes `plant:`
//! lines ask for, the swap of a file for a link while the script waits, and the release of any
//! host thread left blocked on a planted pipe.

use std::os::unix::fs::OpenOptionsExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rustix::fs::FileType;

use super::attempt::{Plant, PlantKind};
use super::world::{World, io};

impl World {
    /// Makes what a `plant:` line asks for.
    pub fn plant(&self, plant: &Plant) -> Result<(), String> {
        let (path, target) = (self.fill(&plant.path), self.fill(&plant.target));
        match plant.kind {
            PlantKind::Symlink => std::os::unix::fs::symlink(&target, &path),
            PlantKind::Hardlink => std::fs::hard_link(&target, &path),
            PlantKind::Fifo => {
                let mode = rustix::fs::Mode::from_raw_mode(0o600);
                rustix::fs::mknodat(rustix::fs::CWD, &path, FileType::Fifo, mode, 0)
                    .map_err(std::io::Error::from)
            }
        }
        .map_err(io("plant a link or pipe"))
    }

    /// Waits for the script to create `{ROOT}/ready`, swaps `path` for a symbolic link to
    /// `target`, then creates `{ROOT}/go`.
    pub async fn swap_when_ready(&self, path: &str, target: &str) -> Result<(), String> {
        let (path, target) = (self.fill(path), self.fill(target));
        let ready = self.path("root/ready");
        for _ in 0..400 {
            if ready.exists() {
                std::fs::remove_file(&path).map_err(io("remove the swapped file"))?;
                std::os::unix::fs::symlink(&target, &path).map_err(io("plant the swap"))?;
                return std::fs::write(self.path("root/go"), "").map_err(io("write go"));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Err("the script never created {ROOT}/ready".into())
    }
}

/// Opens every planted pipe for writing once dropped, or after eight seconds if the run never
/// returns, so that no host thread stays blocked reading one.
pub struct PipeRelease {
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl World {
    pub fn release_pipes_later(&self, plants: &[Plant]) -> PipeRelease {
        let pipes: Vec<String> = plants
            .iter()
            .filter(|p| p.kind == PlantKind::Fifo)
            .map(|p| self.fill(&p.path))
            .collect();
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            while !flag.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(8) {
                std::thread::sleep(Duration::from_millis(20));
            }
            for pipe in pipes {
                // Fails with ENXIO when no reader waits, which is what this wants.
                let _ = std::fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
                    .open(pipe);
            }
        });
        PipeRelease {
            done,
            thread: Some(thread),
        }
    }
}

impl Drop for PipeRelease {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
