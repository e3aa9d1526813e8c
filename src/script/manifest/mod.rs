//! Script manifests ("definitions files"): the single-line JSON that tells the
//! console and the agent what a script is called, how risky it is, where it
//! runs, how long it may take, and what its entry point takes and returns.
//!
//! The format is the one of the EDR consoles ward replaces, so their exported
//! scripts load unchanged. Reading a manifest goes in two stages: `text`
//! checks the bytes and parses JSON, `raw` holds the fields as written, and
//! `validate` with `definition` turn them into a [`Manifest`] or into every
//! problem found ([`ManifestErrors`]). `canonical` writes a manifest back and
//! `starter` drafts one from a Python signature. The library, the upload
//! checks and the sandbox read [`Manifest`]; policy reads its [`Outcome`].

mod canonical;
mod definition;
mod error;
mod raw;
mod starter;
mod text;
mod validate;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod refusals;
#[cfg(test)]
mod tests;

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::script::params::{ParamSpec, ParamType};

pub use error::{ManifestError, ManifestErrors};

/// Largest manifest accepted, in bytes. The consoles' manifests are well
/// under a kilobyte; the bound keeps a mistaken upload from being parsed.
pub const MAX_MANIFEST_BYTES: usize = 64 * 1024;

/// Longest `timeout` accepted, in seconds: 24 hours.
pub const MAX_TIMEOUT_SECS: u64 = 24 * 60 * 60;

/// How much harm a script can do, as declared by its author. Policy grants
/// high-risk scripts their own, usually wider, rules, and running one needs
/// its own permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Outcome {
    #[serde(rename = "Standard")]
    Standard,
    #[serde(rename = "High Risk")]
    HighRisk,
}

impl Outcome {
    /// The manifest spelling: `Standard` or `High Risk`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Standard => "Standard",
            Outcome::HighRisk => "High Risk",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operating system a script declares it runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Platform {
    Windows,
    #[serde(rename = "macOS")]
    MacOs,
    Linux,
}

impl Platform {
    /// Every platform, in the order manifests usually list them.
    pub const ALL: [Platform; 3] = [Platform::Windows, Platform::MacOs, Platform::Linux];

    /// The manifest spelling: `Windows`, `macOS` or `Linux`.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Windows => "Windows",
            Platform::MacOs => "macOS",
            Platform::Linux => "Linux",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated manifest. Only [`Manifest::parse`] and
/// [`Manifest::from_signature`] make one, so every value holds the rules the
/// parser checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    name: String,
    description: String,
    outcome: Outcome,
    platforms: Vec<Platform>,
    timeout_secs: u64,
    entry_point: Option<EntryPoint>,
}

/// The function a script's run calls, what it takes and what it returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPoint {
    name: String,
    inputs: Vec<ParamSpec>,
    output: OutputSpec,
}

/// What an entry point returns, as the manifest's `output_params` declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputSpec {
    /// One value of one type (`"type": "number"`, ...).
    Single(ParamType),
    /// A dictionary (`"type": "JSON"`) whose declared fields are listed in
    /// order; the script may return more keys than declared.
    Dictionary(Vec<OutputField>),
}

/// One declared field of a dictionary output.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OutputField {
    /// The key in the returned dictionary.
    pub name: String,
    /// The title the console shows for it.
    pub friendly_name: String,
    #[serde(rename = "type")]
    pub param_type: ParamType,
}

impl Manifest {
    /// Reads a manifest from the bytes of a definitions file.
    ///
    /// Never panics, whatever the bytes.
    ///
    /// # Errors
    ///
    /// Every problem found, not only the first: see [`ManifestError`] for
    /// the list. Problems with the text as a whole (size, encoding, JSON
    /// syntax) stop the reading early, as nothing after them can be checked.
    /// [`ManifestError::TooLarge`] is also given for a manifest whose canonical
    /// form ([`Manifest::to_single_line_json`]) with a final newline would be
    /// over the limit.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, ManifestErrors> {
        let mut errors = Vec::new();
        let manifest = text::read_json(bytes, &mut errors)
            .and_then(|json| validate::validate(json, &mut errors));
        match manifest {
            Some(manifest) if errors.is_empty() => {
                // The library stores the canonical form with a final newline. It spells out
                // implied parts, so it can be longer than the text given: it must fit the
                // limit too, or a stored manifest would not read back.
                let size = manifest.to_single_line_json().len() + 1;
                if size > MAX_MANIFEST_BYTES {
                    return Err(ManifestErrors(vec![ManifestError::TooLarge { size }]));
                }
                Ok(manifest)
            }
            _ => Err(ManifestErrors(errors)),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// May be empty.
    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// The declared platforms, in the manifest's order, each once, never
    /// empty.
    pub fn platforms(&self) -> &[Platform] {
        &self.platforms
    }

    pub fn supports(&self, platform: Platform) -> bool {
        self.platforms.contains(&platform)
    }

    /// Between one second and [`MAX_TIMEOUT_SECS`].
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }

    /// `None` for a script that just runs from top to bottom: it takes no
    /// parameters and returns nothing.
    pub fn entry_point(&self) -> Option<&EntryPoint> {
        self.entry_point.as_ref()
    }
}

impl EntryPoint {
    /// A Python identifier, not a keyword.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The declared parameters, in order, with distinct lower-case names.
    pub fn inputs(&self) -> &[ParamSpec] {
        &self.inputs
    }

    pub fn output(&self) -> &OutputSpec {
        &self.output
    }
}
