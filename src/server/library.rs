//! The script library as the server keeps it: the built-ins put in the store at start, and the
//! checks an uploaded or edited script passes before it is stored.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::state::ServerError;
use super::{ApiError, AppState};
use crate::api::scripts::{ScriptInfo, UploadScript};
use crate::db::{Db, NewScript, ScriptRow};
use crate::script::{
    BUILTIN_AUTHOR, BUILTINS, MAX_SCRIPT_BYTES, Manifest, builtin_id, validate_script,
};

/// Puts the built-in scripts of this ward in the store (added once, updated when this ward
/// ships a new version of one), under the same uid in every installation.
pub async fn seed_builtins(db: &Db, now: i64) -> Result<(), ServerError> {
    let mut builtins = Vec::new();
    for builtin in BUILTINS {
        let manifest = Manifest::parse(builtin.manifest.as_bytes()).map_err(|errors| {
            ServerError::Builtin {
                name: builtin.name.to_owned(),
                reason: errors.to_string(),
            }
        })?;
        builtins.push(new_script(&manifest, builtin.code, BUILTIN_AUTHOR, true));
    }
    let uid = |name: &str| builtin_id(name).simple().to_string();
    let taken = db.scripts_seed_builtins(builtins, uid, now).await?;
    for name in taken {
        tracing::warn!(
            script = %name,
            "the built-in script is not in the library: a user's script has its name"
        );
    }
    Ok(())
}

/// Checks an upload and makes it ready to store: the manifest must be valid, and, when the
/// server has a sandbox, the guest interpreter must accept the code (syntax, imports, entry
/// point). Every problem is listed in one 422.
pub async fn check_upload(
    state: &AppState,
    upload: UploadScript,
    created_by: &str,
) -> Result<NewScript, ApiError> {
    let manifest_bytes = match upload.manifest {
        Value::String(text) => text.into_bytes(),
        object @ Value::Object(_) => object.to_string().into_bytes(),
        _ => {
            return Err(ApiError::unprocessable(
                "`manifest` must be a JSON object, or the text of a definitions file as a string",
                "send the script's manifest, such as `ward script draft-manifest` writes it",
            ));
        }
    };
    if upload.code.len() > MAX_SCRIPT_BYTES {
        return Err(ApiError::too_large(
            format!(
                "the script is {} bytes, over the limit of {MAX_SCRIPT_BYTES}",
                upload.code.len()
            ),
            "move data out of the code, or split the script",
        ));
    }

    let manifest = match state.sandbox() {
        Some(sandbox) => {
            let report = validate_script(sandbox, "script.py", &upload.code, Some(&manifest_bytes))
                .await
                .map_err(ApiError::internal)?;
            let problems: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
            match report.manifest {
                Some(manifest) if problems.is_empty() => manifest,
                _ => return Err(refused(&problems)),
            }
        }
        None => Manifest::parse(&manifest_bytes).map_err(|errors| {
            refused(&errors.0.iter().map(ToString::to_string).collect::<Vec<_>>())
        })?,
    };
    Ok(new_script(&manifest, &upload.code, created_by, false))
}

fn refused(problems: &[String]) -> ApiError {
    ApiError::unprocessable(
        format!("the script was refused:\n{}", problems.join("\n")),
        "fix every problem listed and upload again",
    )
}

fn new_script(manifest: &Manifest, code: &str, created_by: &str, builtin: bool) -> NewScript {
    NewScript {
        name: manifest.name().to_owned(),
        description: manifest.description().to_owned(),
        outcome: manifest.outcome(),
        platforms: manifest.platforms().to_vec(),
        created_by: created_by.to_owned(),
        sha256: hex::encode(Sha256::digest(code.as_bytes())),
        code: code.to_owned(),
        manifest: manifest.to_single_line_json(),
        builtin,
    }
}

/// The stored manifest of a script or action, read back.
pub fn stored_manifest(text: &str) -> Result<Manifest, ApiError> {
    Manifest::parse(text.as_bytes())
        .map_err(|e| ApiError::internal(format!("a stored manifest no longer parses: {e}")))
}

/// What the API shows of a script.
pub fn info(row: &ScriptRow) -> ScriptInfo {
    let script = &row.script;
    ScriptInfo {
        script_uid: row.uid.clone(),
        name: script.name.clone(),
        description: script.description.clone(),
        outcome: script.outcome,
        platforms: script.platforms.clone(),
        created_by: script.created_by.clone(),
        modified_at: row.modified_at,
        sha256: script.sha256.clone(),
        builtin: script.builtin,
        deleted: row.deleted,
        manifest: serde_json::from_str(&script.manifest).unwrap_or(Value::Null),
    }
}
