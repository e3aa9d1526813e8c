//! Compiles ward's guest modules to bytecode once, with the guest interpreter itself, so that no
//! run compiles them from source.
//!
//! Runs read `/ward/lib` read-only and start with `-B`, so the interpreter never writes bytecode
//! for them: every run would compile the harness (and a script that imports `psutil` or `winreg`
//! would compile those, about 10 ms each in the guest). Here, once per guest library, a trusted
//! instance with the library's staging directory writable compiles each module to
//! `__pycache__/<name>.cpython-312.pyc`. The files are "unchecked hash" bytecode: the interpreter
//! loads them without comparing them to the source, which is right for a directory named after
//! its contents that nobody but ward's user can write, and whose files ward checks against their
//! SHA-256 at each load (see [`super::guest`]). No script ever runs in that instance.

use std::path::Path;

use wasmtime::{Engine, Linker, Module, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

use super::guest::GUEST_LIB;
use super::output::CappedPipe;

/// What the compiling instance runs: each module named on its command line, written beside the
/// sources where the import system looks for it.
const COMPILE: &str = "\
import py_compile, sys
for name in sys.argv[1:]:
    py_compile.compile(
        f'/ward/lib/{name}',
        doraise=True,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
";

/// Bytes of the compiler's error output kept for the message.
const STDERR_CAP: usize = 16 << 10;

/// Compiles `modules` (file names in `dir`) to bytecode in `dir/__pycache__`. The error says why
/// not; the caller carries on without bytecode, since runs then compile from source as before.
pub fn compile(
    engine: &Engine,
    module: &Module,
    dir: &Path,
    modules: &[&str],
) -> Result<(), String> {
    // wasmtime-wasi's blocking calls need a thread outside any async runtime the caller runs in.
    std::thread::scope(|scope| {
        scope
            .spawn(|| compile_here(engine, module, dir, modules))
            .join()
            .unwrap_or_else(|_| Err("the compiling thread panicked".into()))
    })
}

fn compile_here(
    engine: &Engine,
    module: &Module,
    dir: &Path,
    modules: &[&str],
) -> Result<(), String> {
    let stderr = CappedPipe::new(STDERR_CAP);
    let mut argv = vec!["/ward/lib/bin/python", "-I", "-S", "-c", COMPILE];
    argv.extend_from_slice(modules);
    let mut builder = WasiCtxBuilder::new();
    builder.args(&argv).stderr(stderr.clone());
    builder
        .preopened_dir(dir, GUEST_LIB, FsPerms::ReadWrite)
        .map_err(|e| format!("cannot map `{}`: {e}", dir.display()))?;

    let mut linker: Linker<WasiP1Ctx> = Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |ctx| ctx)
        .map_err(|e| format!("cannot link WASI: {e}"))?;
    let mut store = Store::new(engine, builder.build_p1());
    // Engines that check epochs would stop the instance at its first check without a deadline;
    // the epoch clock has not started yet, so any deadline ahead of it is never reached.
    store.set_epoch_deadline(1);
    let ended = linker
        .instantiate(&mut store, module)
        .and_then(|instance| instance.get_typed_func::<(), ()>(&mut store, "_start"))
        .and_then(|start| start.call(&mut store, ()));
    let code = match ended {
        Ok(()) => 0,
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => exit.0,
            None => return Err(format!("the interpreter stopped abnormally: {e:#}")),
        },
    };
    if code == 0 {
        return Ok(());
    }
    let (text, _) = stderr.take();
    Err(format!(
        "the interpreter exited with code {code}: {}",
        text.trim()
    ))
}
