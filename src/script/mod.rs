//! Scripts as administrators write them: the manifest that describes a
//! script, the typed parameters it takes, and the shape of what it returns.
//!
//! ward reads the definitions-file format of the EDR consoles it replaces, so
//! a script exported from one of them uploads unchanged.
//!
//! - `params`: the eight parameter types, turning command-line text or API
//!   JSON into values of those types, and binding a run's values to the
//!   declared parameters.
//! - `manifest`: reading a definitions file into a validated [`Manifest`]
//!   (reporting every problem at once), writing it back as canonical JSON,
//!   and drafting one from a Python signature.
//! - `builtin`: the ten built-in scripts, embedded in the binary.
//! - `output`: pairing what an entry point returned with its declared
//!   output, reporting any mismatch rather than converting.
//!
//! - `validate`: upload-time checks run by the guest CPython itself (syntax and
//!   indentation, imports against the supported-module list, the entry point
//!   against its manifest).
//! - `library`: scripts with their metadata behind a storage trait (a folder
//!   today), the built-ins read-only.
//!
//! The sandbox binds parameters before a run and the server shapes results
//! after it; policy reads a manifest's [`Outcome`]. Only `validate` (through
//! the sandbox) and `library` (through its storage) reach beyond memory.

mod builtin;
mod library;
mod manifest;
mod output;
mod params;
mod validate;

pub use builtin::{BUILTINS, Builtin, builtin};
pub use library::{
    BUILTIN_AUTHOR, FolderStorage, Library, LibraryError, LibraryStorage, Script, ScriptRecord,
    builtin_id,
};
pub use manifest::{
    EntryPoint, MAX_MANIFEST_BYTES, MAX_TIMEOUT_SECS, Manifest, ManifestError, ManifestErrors,
    Outcome, OutputField, OutputSpec, Platform,
};
pub use output::{FILES_TO_GET, ShapedField, ShapedOutput, ShapedValue};
pub use params::{ParamError, ParamErrors, ParamSpec, ParamType, bind_json_params, bind_params};
pub use validate::{
    DraftError, Function, Import, MAX_SCRIPT_BYTES, ModuleOrigin, Param, ParamKind, ReturnKind,
    ReturnShape, ScriptError, ScriptErrors, ScriptOutline, SourceWarning, SupportedModules,
    SyntaxFault, ValidationError, ValidationReport, draft_manifest, outline, supported_modules,
    validate_script,
};
