//! Turning a request into an action ready to store: the script's current manifest (or a
//! snippet), parameters checked against the entry point, the timeout, the risk, and which
//! permissions running it takes.

use serde_json::{Map, Value};

use super::ApiError;
use super::auth::User;
use crate::api::actions::Targets;
use crate::api::people::Permission;
use crate::db::NewAction;
use crate::policy::Risk;
use crate::script::{
    MAX_SCRIPT_BYTES, MAX_TIMEOUT_SECS, Manifest, Outcome, Platform, bind_json_params,
};

/// The timeout of a snippet when none is given, in seconds.
const SNIPPET_TIMEOUT_SECS: u64 = 600;

/// An action ready to store, and what running it takes.
pub struct Plan {
    pub action: NewAction,
    /// `None` for a snippet, which runs on any platform.
    pub platforms: Option<Vec<Platform>>,
}

/// Any of these lets a user run something; the action or script named decides which it needs.
pub const RUN_ANY: &[Permission] = &[
    Permission::RunStandardScripts,
    Permission::RunHighRiskScripts,
];

/// The permissions running (and cancelling, aborting, rerunning) an action takes.
pub fn run_permissions(snippet: bool, risk: Risk) -> &'static [Permission] {
    match (snippet, risk) {
        (true, _) => &[
            Permission::RunHighRiskScripts,
            Permission::ScriptConfiguration,
        ],
        (false, Risk::HighRisk) => &[Permission::RunHighRiskScripts],
        (false, Risk::Standard) => &[Permission::RunStandardScripts],
    }
}

pub fn risk_of(manifest: &Manifest) -> Risk {
    match manifest.outcome() {
        Outcome::Standard => Risk::Standard,
        Outcome::HighRisk => Risk::HighRisk,
    }
}

/// Checks `parameters` against the manifest's entry point, listing every problem.
pub fn bind(
    manifest: &Manifest,
    parameters: &Map<String, Value>,
) -> Result<Map<String, Value>, Vec<String>> {
    match manifest.entry_point() {
        Some(entry) => bind_json_params(entry.inputs(), parameters)
            .map_err(|errors| errors.0.iter().map(ToString::to_string).collect()),
        None if parameters.is_empty() => Ok(Map::new()),
        None => Err(vec![format!(
            "the script `{}` runs from top to bottom and takes no parameters",
            manifest.name()
        )]),
    }
}

pub fn timeout_secs(timeout: Option<u64>, default: u64) -> Result<u64, ApiError> {
    let secs = timeout.unwrap_or(default);
    if (1..=MAX_TIMEOUT_SECS).contains(&secs) {
        return Ok(secs);
    }
    Err(ApiError::unprocessable(
        format!("a timeout of {secs} seconds is out of range"),
        format!("give between 1 and {MAX_TIMEOUT_SECS} seconds"),
    ))
}

pub fn script_plan(
    uid: &str,
    code: &str,
    manifest: &Manifest,
    parameters: Map<String, Value>,
    timeout: Option<u64>,
    targets: Targets,
    user: &User,
) -> Result<Plan, ApiError> {
    Ok(Plan {
        action: NewAction {
            script_uid: Some(uid.to_owned()),
            snippet: false,
            script_name: manifest.name().to_owned(),
            code: code.to_owned(),
            manifest: Some(manifest.to_single_line_json()),
            entry_point: manifest.entry_point().map_or("", |e| e.name()).to_owned(),
            parameters,
            timeout_secs: timeout_secs(timeout, manifest.timeout().as_secs())?,
            risk: risk_of(manifest),
            targets,
            created_by: user.name().to_owned(),
        },
        platforms: Some(manifest.platforms().to_vec()),
    })
}

/// A snippet runs from top to bottom, as a standard-risk script (it has no manifest to declare
/// otherwise), on any platform. Running one still needs the high-risk permission, as in the
/// consoles; whether it should also run at high risk is an open product decision.
pub fn snippet_plan(
    code: String,
    parameters: &Map<String, Value>,
    timeout: Option<u64>,
    targets: Targets,
    user: &User,
) -> Result<Plan, ApiError> {
    if !parameters.is_empty() {
        return Err(ApiError::unprocessable(
            "a snippet takes no parameters",
            "write the values into the snippet, or upload a script with a manifest",
        ));
    }
    if code.trim().is_empty() || code.len() > MAX_SCRIPT_BYTES {
        return Err(ApiError::unprocessable(
            format!("a snippet must hold between 1 and {MAX_SCRIPT_BYTES} bytes of code"),
            "send the code to run in `snippet`",
        ));
    }
    Ok(Plan {
        action: NewAction {
            script_uid: None,
            snippet: true,
            script_name: "snippet".to_owned(),
            code,
            manifest: None,
            entry_point: String::new(),
            parameters: Map::new(),
            timeout_secs: timeout_secs(timeout, SNIPPET_TIMEOUT_SECS)?,
            risk: Risk::Standard,
            targets,
            created_by: user.name().to_owned(),
        },
        platforms: None,
    })
}
