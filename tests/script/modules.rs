//! The supported-module list, as the real interpreter computes it.

use ward::script::{ModuleOrigin, supported_modules};

use crate::common::sandbox;

#[tokio::test]
async fn the_supported_list_has_the_working_stdlib_and_wards_modules() {
    let modules = supported_modules(sandbox()).await.unwrap();
    let supported: Vec<(&str, ModuleOrigin)> = modules.supported().collect();
    for name in [
        "os", "json", "re", "pathlib", "hashlib", "datetime", "sqlite3", "zipfile",
    ] {
        assert!(
            supported.contains(&(name, ModuleOrigin::Stdlib)),
            "{name} works in the sandbox"
        );
    }
    for name in ["ward", "psutil", "winreg"] {
        assert!(supported.contains(&(name, ModuleOrigin::Ward)), "{name}");
    }
}

#[tokio::test]
async fn modules_that_cannot_work_under_wasi_are_set_aside_with_a_reason() {
    let modules = supported_modules(sandbox()).await.unwrap();
    let unsupported: Vec<(&str, &str)> = modules.unsupported().collect();
    for name in [
        "subprocess",
        "socket",
        "threading",
        "asyncio",
        "ctypes",
        "multiprocessing",
        "tkinter",
        "urllib.request",
    ] {
        let reason = unsupported.iter().find(|(n, _)| *n == name);
        assert!(
            reason.is_some_and(|(_, reason)| !reason.is_empty()),
            "{name} is refused with a reason"
        );
        assert!(!modules.is_supported(name), "{name}");
    }
    assert!(modules.is_supported("urllib.parse"));
    assert!(!modules.is_supported("requests"));
}

#[tokio::test]
async fn the_list_is_computed_once_per_process() {
    let first = supported_modules(sandbox()).await.unwrap();
    let second = supported_modules(sandbox()).await.unwrap();
    assert!(std::ptr::eq(first, second));
}
