//! The compiled-code cache and the interpreter check: what is loaded, what is refused, and why.

use std::io::{Seek, SeekFrom, Write};

use ward::sandbox::{EngineOptions, ModuleSource, Sandbox, SandboxError};

fn load_into(dir: &std::path::Path) -> Result<Sandbox, SandboxError> {
    Sandbox::load(&EngineOptions {
        interpreter: None,
        cache_dir: Some(dir.to_path_buf()),
    })
}

fn error_of(result: Result<Sandbox, SandboxError>) -> SandboxError {
    match result {
        Ok(_) => panic!("the engine was expected to refuse to load"),
        Err(error) => error,
    }
}

#[test]
fn a_cache_entry_changed_after_ward_wrote_it_is_rebuilt_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        load_into(dir.path()).unwrap().module_source(),
        ModuleSource::Compiled
    );
    assert_eq!(
        load_into(dir.path()).unwrap().module_source(),
        ModuleSource::Cache
    );

    let entry = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "cwasm"))
        .expect("a compiled entry was written");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(&entry)
        .unwrap();
    file.seek(SeekFrom::Start(4096)).unwrap();
    file.write_all(b"tampered").unwrap();
    drop(file);

    assert_eq!(
        load_into(dir.path()).unwrap().module_source(),
        ModuleSource::Compiled
    );
    assert_eq!(
        load_into(dir.path()).unwrap().module_source(),
        ModuleSource::Cache
    );
}

#[cfg(unix)]
#[test]
fn a_cache_directory_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let error = error_of(load_into(dir.path()));
    assert!(
        matches!(error, SandboxError::CacheNotPrivate { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("0700"), "{error}");
}

#[test]
fn an_interpreter_with_another_hash_is_refused_naming_both_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("python.wasm");
    std::fs::write(&fake, b"\0asm\x01\0\0\0 not the pinned interpreter").unwrap();
    let options = EngineOptions {
        interpreter: Some(fake),
        cache_dir: Some(dir.path().join("cache")),
    };
    let error = error_of(Sandbox::load(&options));
    let text = error.to_string();
    assert!(
        matches!(error, SandboxError::InterpreterHash { .. }),
        "{text}"
    );
    assert!(
        text.contains(ward::sandbox::interpreter::PINNED_SHA256),
        "{text}"
    );
    assert!(text.contains("python3 python-wasm/fetch.py"), "{text}");
}

#[test]
fn a_missing_interpreter_names_the_fetch_command() {
    let dir = tempfile::tempdir().unwrap();
    let options = EngineOptions {
        interpreter: Some(dir.path().join("absent.wasm")),
        cache_dir: Some(dir.path().join("cache")),
    };
    let text = error_of(Sandbox::load(&options)).to_string();
    assert!(
        text.contains("python3 python-wasm/fetch.py") && text.contains("absent.wasm"),
        "{text}"
    );
}
