//! The modules a script may import: the standard-library modules that work in the sandbox, and
//! ward's own guest modules.
//!
//! "Work" is decided by the real interpreter, not by a list kept by hand: a guest run
//! (`ward_validate.modules`) lists the standard library the sandbox carries (the embedded
//! `python312.zip`, the built-in and the frozen modules), imports each, and sets aside a short,
//! commented list of modules that import but cannot do their job under WASI (processes,
//! threads, the network). The answer is computed once per process and never stored on disk, so
//! it always matches the interpreter in use.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Map;
use tokio::sync::OnceCell;

use super::guest::{Import, call};
use super::{ScriptError, ValidationError};
use crate::sandbox::Sandbox;

/// Where a supported module comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModuleOrigin {
    /// CPython's standard library.
    Stdlib,
    /// ward's guest modules: `ward`, `psutil` and `winreg`, which reach the host through
    /// policy-checked capabilities.
    Ward,
}

/// The modules scripts may import, and why the rest of the standard library is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupportedModules {
    /// Top-level module names, sorted.
    supported: BTreeMap<String, ModuleOrigin>,
    /// Standard-library modules (and a few submodules, such as `urllib.request`) that do not
    /// work, with the reason, sorted.
    unsupported: BTreeMap<String, String>,
}

/// What the guest answers.
#[derive(Deserialize)]
struct GuestModules {
    supported: Vec<SupportedEntry>,
    unsupported: Vec<UnsupportedEntry>,
}

#[derive(Deserialize)]
struct SupportedEntry {
    name: String,
    origin: ModuleOrigin,
}

#[derive(Deserialize)]
struct UnsupportedEntry {
    name: String,
    reason: String,
}

/// How long the guest may take to import the whole standard library.
const MODULES_TIMEOUT: Duration = Duration::from_secs(120);

static MODULES: OnceCell<SupportedModules> = OnceCell::const_new();

/// The supported modules, computed by `sandbox` on the first call of the process (one run of
/// about half a second) and shared afterwards. The interpreter is pinned by its hash, so every
/// sandbox of the process would give the same answer.
///
/// # Errors
///
/// [`ValidationError`] when the guest run failed; the next call tries again.
pub async fn supported_modules(
    sandbox: &Sandbox,
) -> Result<&'static SupportedModules, ValidationError> {
    MODULES
        .get_or_try_init(|| async {
            let answer: GuestModules =
                call(sandbox, "modules", Map::new(), MODULES_TIMEOUT).await?;
            Ok(SupportedModules {
                supported: answer
                    .supported
                    .into_iter()
                    .map(|entry| (entry.name, entry.origin))
                    .collect(),
                unsupported: answer
                    .unsupported
                    .into_iter()
                    .map(|entry| (entry.name, entry.reason))
                    .collect(),
            })
        })
        .await
}

impl SupportedModules {
    /// Every module a script may import, by name.
    pub fn supported(&self) -> impl Iterator<Item = (&str, ModuleOrigin)> {
        self.supported
            .iter()
            .map(|(name, origin)| (name.as_str(), *origin))
    }

    /// Every standard-library module that does not work, with the reason.
    pub fn unsupported(&self) -> impl Iterator<Item = (&str, &str)> {
        self.unsupported
            .iter()
            .map(|(name, reason)| (name.as_str(), reason.as_str()))
    }

    /// Whether `import module` (a dotted name) works in the sandbox.
    pub fn is_supported(&self, module: &str) -> bool {
        self.refusal(module, &[]).is_none()
    }

    /// The problem with one import, if it has one.
    pub(super) fn check(&self, import: &Import) -> Option<ScriptError> {
        if import.level > 0 {
            let module = if import.names.is_empty() {
                import.written()
            } else {
                format!(
                    "from {} import {}",
                    import.written(),
                    import.names.join(", ")
                )
            };
            return Some(ScriptError::RelativeImport {
                module,
                line: import.line,
            });
        }
        self.refusal(&import.module, &import.names)
            .map(|refusal| match refusal {
                Refusal::Unsupported { module, reason } => ScriptError::UnsupportedModule {
                    module,
                    line: import.line,
                    reason: reason.to_owned(),
                },
                Refusal::Unknown => ScriptError::UnknownModule {
                    module: import.module.clone(),
                    line: import.line,
                },
            })
    }

    /// Why `module` (with the `names` of a `from` import, which may be submodules) is refused.
    /// A refused submodule is looked for first, so that `from urllib import request` names
    /// `urllib.request`.
    fn refusal(&self, module: &str, names: &[String]) -> Option<Refusal<'_>> {
        let mut candidates: Vec<String> = names.iter().map(|n| format!("{module}.{n}")).collect();
        let mut prefix = String::new();
        for part in module.split('.') {
            if !prefix.is_empty() {
                prefix.push('.');
            }
            prefix.push_str(part);
            candidates.push(prefix.clone());
        }
        candidates.sort_by_key(|c| std::cmp::Reverse(c.len()));
        for candidate in candidates {
            if let Some(reason) = self.unsupported.get(&candidate) {
                return Some(Refusal::Unsupported {
                    module: candidate,
                    reason,
                });
            }
        }

        let top = module.split('.').next().unwrap_or(module);
        if self.supported.contains_key(top) {
            None
        } else {
            Some(Refusal::Unknown)
        }
    }
}

enum Refusal<'a> {
    Unsupported { module: String, reason: &'a str },
    Unknown,
}
