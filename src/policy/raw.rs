//! The policy file exactly as written: serde types that refuse unknown fields
//! and keep the position of every value, so that validation can point at the
//! line to fix.
//!
//! Nothing here is trusted; `rule.rs` turns it into typed rules.

use serde::Deserialize;
use toml::Spanned;

/// Default for `[limits] max_retrieved_file_bytes`: 100 MiB.
pub const DEFAULT_MAX_RETRIEVED_FILE_BYTES: u64 = 100 * 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPolicy {
    /// Default: no allow rule, so nothing is allowed.
    #[serde(default)]
    pub allow: Vec<Spanned<RawRule>>,
    /// Default: no deny rule.
    #[serde(default)]
    pub deny: Vec<Spanned<RawRule>>,
    /// Default: every limit at its own default.
    #[serde(default)]
    pub limits: RawLimits,
}

/// One `[[allow]]` or `[[deny]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    /// Required in allow rules; in deny rules the default is every risk.
    pub risk: Option<Spanned<Vec<Spanned<String>>>>,
    /// Required: operation names or a group such as `file.*`.
    pub operations: Spanned<Vec<Spanned<String>>>,
    /// Default: none. Absolute path globs.
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    /// Default: none. Globs on process names.
    #[serde(default)]
    pub processes: Vec<Spanned<String>>,
    /// Default: none. Registry key prefixes.
    #[serde(default)]
    pub registry_keys: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLimits {
    /// Default: [`DEFAULT_MAX_RETRIEVED_FILE_BYTES`].
    #[serde(default = "default_max_retrieved_file_bytes")]
    pub max_retrieved_file_bytes: u64,
    /// Default: none, the host's own registry is used where there is one.
    #[serde(default)]
    pub registry_hive: Option<Spanned<String>>,
}

impl Default for RawLimits {
    fn default() -> Self {
        RawLimits {
            max_retrieved_file_bytes: DEFAULT_MAX_RETRIEVED_FILE_BYTES,
            registry_hive: None,
        }
    }
}

fn default_max_retrieved_file_bytes() -> u64 {
    DEFAULT_MAX_RETRIEVED_FILE_BYTES
}
