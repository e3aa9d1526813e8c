//! Feeds a body of the agent protocol to each of its wire types, as the server reads what an
//! agent sends and the agent reads what the server answers. A body that decodes must survive
//! what happens to it next: the server stores a result as JSON and reads it back to show it,
//! shaped by the script's declared output; the agent keeps jobs and results on disk.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use ward::api::agent::{Accepted, Disabled, Enroll, Enrolled, Poll, ResultReport, StatusReport};
use ward::script::{BUILTINS, Manifest, OutputSpec, ParamType};

/// Decodes `bytes` as `T` and, when that works, checks that what ward writes back reads again.
fn round_trip<T: Serialize + DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    let value: T = serde_json::from_slice(bytes).ok()?;
    let stored = serde_json::to_string(&value).ok()?;
    match serde_json::from_str::<T>(&stored) {
        Ok(again) => Some(again),
        Err(e) => panic!(
            "{} does not read back after storing: {e}: {stored}",
            std::any::type_name::<T>()
        ),
    }
}

fuzz_target!(|bytes: &[u8]| {
    let _ = round_trip::<Enroll>(bytes);
    let _ = round_trip::<StatusReport>(bytes);
    let _ = round_trip::<Disabled>(bytes);
    let _ = round_trip::<Poll>(bytes);
    let _ = round_trip::<Enrolled>(bytes);
    let _ = round_trip::<Accepted>(bytes);

    if let Some(report) = round_trip::<ResultReport>(bytes) {
        let returned = report.result.return_value;
        let declared = BUILTINS
            .iter()
            .filter_map(|builtin| Manifest::parse(builtin.manifest.as_bytes()).ok())
            .filter_map(|manifest| manifest.entry_point().map(|entry| entry.output().clone()));
        let singles = ParamType::ALL.into_iter().map(OutputSpec::Single);
        for spec in declared.chain(singles) {
            let shaped = spec.shape(returned.clone());
            let _ = serde_json::to_value(&shaped.value);
        }
    }
});
