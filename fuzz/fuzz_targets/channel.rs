//! Feeds what a guest writes to the host channel through ward's own framing (`Channel::accept`)
//! and request decoding (`Request::decode`), then decodes each request's arguments and carries
//! registry requests out against a fresh hive file, with the policy's word on each key, as the
//! dispatcher does.
//!
//! What the requests change must load again from the hive file, as the next run reads it.
//!
//! The first input byte sets the size of the guest's writes (1 to 256 bytes), so that requests
//! split across writes and several requests in one write are both reached.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use ward::capability::process::{KillSignal, parse_cpu_interval};
use ward::capability::registry::{Hive, RegValue, Root};
use ward::capability::{Channel, HostError, Request};
use ward::policy::{Operation, Policy, Protected, Request as PolicyRequest, Risk, Target};

/// The shipped policy, with a hive file of its own, private to this process.
fn setup() -> &'static (Policy, PathBuf) {
    static SETUP: OnceLock<(Policy, PathBuf)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let text = include_str!("../../policies/default.toml");
        let policy = Policy::parse(text, "default.toml", Protected::new());
        let policy = policy.unwrap_or_else(|e| panic!("the shipped policy does not parse: {e}"));
        let hive = std::env::temp_dir().join(format!("ward-fuzz-hive-{}.json", std::process::id()));
        (policy, hive)
    })
}

fn decode_args(request: &Request, hive: &mut Hive, policy: &Policy) -> Result<(), HostError> {
    let bad = |e: serde_json::Error| HostError::invalid(format!("bad arguments: {e}"));
    let field = |name: &str| request.args.get(name).cloned().unwrap_or(Value::Null);
    match request.op.as_str() {
        "process.list" | "process.get" | "process.kill" => {
            let interval: Option<f64> =
                serde_json::from_value(field("cpu_interval")).map_err(bad)?;
            let _ = parse_cpu_interval(interval);
            let _: Option<KillSignal> = serde_json::from_value(field("signal")).map_err(bad)?;
            Ok(())
        }
        op if op.starts_with("registry.") => {
            let root: Root = serde_json::from_value(field("root")).map_err(bad)?;
            let path: String = serde_json::from_value(field("path")).map_err(bad)?;
            let name: Option<String> = serde_json::from_value(field("name")).map_err(bad)?;
            let index: Option<usize> = serde_json::from_value(field("index")).map_err(bad)?;
            let type_code: Option<u32> = serde_json::from_value(field("type")).map_err(bad)?;
            let operation = match op {
                "registry.create_key" | "registry.set_value" => Operation::RegistryWrite,
                "registry.delete_key" | "registry.delete_value" => Operation::RegistryDelete,
                _ => Operation::RegistryRead,
            };
            let _ = policy.decide(&PolicyRequest {
                risk: Risk::HighRisk,
                operation,
                target: Target::RegistryKey(root.key_name(&path)),
            });

            let (path, name, index) = (
                path.as_str(),
                name.as_deref().unwrap_or(""),
                index.unwrap_or(0),
            );
            let _ = match op {
                "registry.open_key" => hive.key_exists(root, path).map(drop),
                "registry.create_key" => hive.create_key(root, path).map(drop),
                "registry.delete_key" => hive.delete_key(root, path),
                "registry.query_value" => hive.query_value(root, path, name).map(drop),
                "registry.set_value" => {
                    RegValue::from_wire(type_code.unwrap_or(u32::MAX), &field("value"))
                        .and_then(|value| hive.set_value(root, path, name, value))
                }
                "registry.delete_value" => hive.delete_value(root, path, name),
                "registry.enum_key" => hive.enum_key(root, path, index).map(drop),
                "registry.enum_value" => hive.enum_value(root, path, index).map(drop),
                "registry.query_info_key" => hive.query_info_key(root, path).map(drop),
                _ => Ok(()),
            };
            Ok(())
        }
        _ => Ok(()),
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Some((size, mut rest)) = bytes.split_first() else {
        return;
    };
    let (policy, hive_path) = setup();
    let Ok(mut hive) = Hive::open(hive_path) else {
        return;
    };

    let mut channel = Channel::default();
    while !rest.is_empty() {
        let write = &rest[..rest.len().min(usize::from(*size) + 1)];
        let (consumed, line) = channel.accept(write);
        assert!(
            consumed > 0 && consumed <= write.len(),
            "accept took {consumed} of {}",
            write.len()
        );
        rest = &rest[consumed..];
        if let Some(Ok(line)) = line
            && let Ok(request) = Request::decode(&line)
        {
            let _ = decode_args(&request, &mut hive, policy);
        }
    }
    // What the requests saved must load for the next run.
    if hive_path.exists()
        && let Err(e) = Hive::open(hive_path)
    {
        panic!("the hive saved by these requests does not load again: {e}");
    }
    // Each input starts from an empty hive, and none is left behind.
    let _ = std::fs::remove_file(hive_path);
});
