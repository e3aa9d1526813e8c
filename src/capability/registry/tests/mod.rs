//! Tests of the hive: its operations, its values and its file.

mod file;
mod ops;
mod values;

use std::path::PathBuf;

use tempfile::TempDir;

use super::{Hive, RegistryError};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A fresh hive in its own temporary directory; the directory lives as long
/// as the returned guard.
fn new_hive() -> Result<(TempDir, Hive)> {
    let dir = tempfile::tempdir()?;
    let hive = Hive::open(dir.path().join("hive.json"))?;
    Ok((dir, hive))
}

/// The same hive as read back from its file.
fn reload(hive: &Hive) -> std::result::Result<Hive, RegistryError> {
    Hive::open(PathBuf::from(hive.path()))
}

/// The kind of the error `outcome` holds, or `"Ok"`.
fn kind_of<T>(outcome: std::result::Result<T, RegistryError>) -> &'static str {
    match outcome {
        Ok(_) => "Ok",
        Err(error) => error.kind(),
    }
}
