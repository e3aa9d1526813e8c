//! The hive in memory: five root keys, each a tree of keys holding values.
//!
//! Subkeys are kept sorted by lower-cased name, which is the order
//! enumeration returns them in, as Windows returns subkeys in name order.
//! Values are kept in the order they were first set, as Windows does.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use super::path::{Root, fold};
use super::value::RegValue;

/// One key: its name as first created, its values and its subkeys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Key {
    /// Case-preserved; empty for a root.
    pub name: String,
    /// Last change to the values or the list of subkeys, in nanoseconds
    /// since the Unix epoch; 0 when unknown.
    pub modified_ns: u64,
    /// Keyed by [`fold`] of the subkey's name.
    pub subkeys: BTreeMap<String, Key>,
    /// In the order first set; names are unique under [`fold`].
    pub values: Vec<(String, RegValue)>,
}

impl Key {
    pub fn new(name: &str, modified_ns: u64) -> Self {
        Key {
            name: name.to_owned(),
            modified_ns,
            subkeys: BTreeMap::new(),
            values: Vec::new(),
        }
    }

    /// The key at `parts` below this one.
    pub fn find(&self, parts: &[&str]) -> Option<&Key> {
        parts
            .iter()
            .try_fold(self, |key, part| key.subkeys.get(&fold(part)))
    }

    pub fn find_mut(&mut self, parts: &[&str]) -> Option<&mut Key> {
        parts
            .iter()
            .try_fold(self, |key, part| key.subkeys.get_mut(&fold(part)))
    }

    /// Where the value called `name` sits in [`Key::values`].
    pub fn value_index(&self, name: &str) -> Option<usize> {
        let folded = fold(name);
        self.values
            .iter()
            .position(|(existing, _)| fold(existing) == folded)
    }

    /// Sets a value, keeping the position and spelling of an existing one.
    pub fn set_value(&mut self, name: &str, value: RegValue, now: u64) {
        match self.value_index(name) {
            Some(index) => self.values[index].1 = value,
            None => self.values.push((name.to_owned(), value)),
        }
        self.modified_ns = now;
    }

    /// Creates the key at `parts` below this one and any key missing on the
    /// way; says whether the last one was new. Keys created get `now` as their
    /// time, and so does a key that gains a subkey.
    pub fn create(&mut self, parts: &[&str], now: u64) -> bool {
        let Some((first, rest)) = parts.split_first() else {
            return false;
        };
        let folded = fold(first);
        let created = !self.subkeys.contains_key(&folded);
        if created {
            self.modified_ns = now;
        }
        let child = self
            .subkeys
            .entry(folded)
            .or_insert_with(|| Key::new(first, now));
        if rest.is_empty() {
            created
        } else {
            child.create(rest, now)
        }
    }
}

/// The five root keys of a hive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Tree {
    roots: [Key; 5],
}

impl Tree {
    pub fn empty() -> Self {
        Tree {
            roots: Root::ALL.map(|_| Key::new("", 0)),
        }
    }

    pub fn root(&self, root: Root) -> &Key {
        &self.roots[root.index()]
    }

    pub fn root_mut(&mut self, root: Root) -> &mut Key {
        &mut self.roots[root.index()]
    }
}

/// The current time in nanoseconds since the Unix epoch, 0 if the clock is
/// set before it and `u64::MAX` past the year 2554.
pub(super) fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX)
        })
}
