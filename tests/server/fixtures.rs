//! Values tests build requests from: runs, hashes, manifests, a script.

use serde_json::{Value, json};
use ward::sandbox::{Outcome, RunResult};
use ward::status::Status;

/// A run that ended with `status` and returned `value`.
pub fn run_result(status: Status, value: Value) -> RunResult {
    RunResult {
        run_id: "test-run".into(),
        status,
        outcome: Outcome::Exited { code: 0 },
        error: (status != Status::CompletedSuccessfully).then(|| format!("the run ended {status}")),
        return_value: value,
        exception: None,
        exit_code: Some(0),
        stdout: "hello\n".into(),
        stdout_truncated: false,
        stderr: String::new(),
        stderr_truncated: false,
        files_to_get: Vec::new(),
        duration_ms: 5,
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Percent-encodes everything but letters and digits, for query strings.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A one-line manifest for an entry point `run(path)` returning a dictionary.
pub fn manifest(name: &str, outcome: &str, platform: &str) -> Value {
    json!({
        "name": name, "description": "A test script.", "outcome": outcome,
        "platform": platform, "timeout": 60, "entry_point": "run",
        "entry_point_definition": {
            "input_params": [{"name": "path", "type": "string"}],
            "output_params": {"type": "JSON", "value": [
                {"name": "size", "friendly_name": "Size", "type": "number"}
            ]}
        }
    })
}

pub const CODE: &str = "import os\n\ndef run(path):\n    return {'size': os.stat(path).st_size}\n";
