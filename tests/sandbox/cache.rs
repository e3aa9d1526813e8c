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

/// The guest library goes into the cache with bytecode compiled by the guest interpreter, which
/// runs load without reading (or compiling) the sources: a source changed after the fact is not
/// what runs.
#[test]
fn the_guest_library_is_cached_as_bytecode_that_runs_load() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = load_into(dir.path()).unwrap();
    let guest = guest_library(dir.path());
    let sources: Vec<String> = std::fs::read_dir(&guest)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".py"))
        .collect();
    assert!(
        sources.iter().any(|name| name == "ward_harness.py"),
        "{sources:?}"
    );
    for source in &sources {
        let stem = source.trim_end_matches(".py");
        let pyc = guest.join(format!("__pycache__/{stem}.cpython-312.pyc"));
        let bytes = std::fs::read(&pyc).unwrap_or_else(|e| panic!("{}: {e}", pyc.display()));
        // The flags word after the magic number: hash-based (bit 0), unchecked (bit 1 clear).
        assert_eq!(bytes[4..8], [1, 0, 0, 0], "{}", pyc.display());
    }

    std::fs::write(
        guest.join("ward_json.py"),
        "raise SystemExit('the source was compiled')\n",
    )
    .unwrap();
    assert_runs_psutil(&sandbox);
}

/// A library whose bytecode was cut short or swapped after ward wrote it is written again when
/// the engine next loads, rather than run (or left failing every run).
#[test]
fn a_guest_library_changed_after_the_fact_is_written_again() {
    let dir = tempfile::tempdir().unwrap();
    drop(load_into(dir.path()).unwrap());
    let guest = guest_library(dir.path());
    let pyc = |stem: &str| guest.join(format!("__pycache__/{stem}.cpython-312.pyc"));
    let harness = std::fs::read(pyc("ward_harness")).unwrap();
    std::fs::write(pyc("ward_harness"), &harness[..20]).unwrap();
    std::fs::copy(pyc("ward"), pyc("ward_json")).unwrap();

    let sandbox = load_into(dir.path()).unwrap();
    assert_eq!(std::fs::read(pyc("ward_harness")).unwrap(), harness);
    assert_runs_psutil(&sandbox);
}

/// The one library the engine wrote into the cache at `dir`.
fn guest_library(dir: &std::path::Path) -> std::path::PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("guest-")
        })
        .expect("the guest library was written")
}

/// Runs a script that imports ward's `psutil`, which needs the harness, `ward_channel` and
/// `ward_json` as well, and expects it to print.
fn assert_runs_psutil(sandbox: &ward::sandbox::Sandbox) {
    let job = ward::sandbox::Job {
        run_id: "bytecode".into(),
        filename: "script.py".into(),
        code: "import psutil\nprint('ran')\n".into(),
        mode: ward::sandbox::Mode::JustRun,
        risk: ward::policy::Risk::Standard,
    };
    let result = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(sandbox.run(
            &job,
            &ward::sandbox::Limits::default(),
            std::future::pending(),
        ))
        .unwrap();
    assert_eq!(
        result.stdout, "ran\n",
        "{:?} {}",
        result.error, result.stderr
    );
}
