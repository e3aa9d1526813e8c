//! Where ward keeps its files on this machine, decided in one place.
//!
//! Every location can be moved by an environment variable so that tests, services and several
//! installations on one host never share state by accident.

use std::path::PathBuf;

/// ward's persistent data (server store, agent state, audit log): `WARD_DATA_DIR`, else the
/// platform data directory (`~/.local/share/ward` on Linux).
pub fn data_dir() -> PathBuf {
    from_env("WARD_DATA_DIR")
        .or_else(|| dirs::data_local_dir().map(|d| d.join("ward")))
        .unwrap_or_else(|| std::env::temp_dir().join("ward-data"))
}

/// Compiled guest code and the materialised guest library: `WARD_CACHE_DIR`, else the platform
/// cache directory (`~/.cache/ward` on Linux). Safe to delete at any time; it is rebuilt.
pub fn cache_dir() -> PathBuf {
    from_env("WARD_CACHE_DIR")
        .or_else(|| dirs::cache_dir().map(|d| d.join("ward")))
        .unwrap_or_else(|| std::env::temp_dir().join("ward-cache"))
}

fn from_env(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}
