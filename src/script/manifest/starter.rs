//! Drafting a manifest from a Python function signature, so that uploading a
//! script does not start from a blank definitions file. The guest interpreter
//! reads the signature; this module only maps it to manifest types.

use serde_json::{Map, Value, json};

use super::{Manifest, ManifestErrors, Platform};
use crate::script::params::ParamType;

/// The timeout of a drafted manifest, in seconds: the consoles' usual default.
const STARTER_TIMEOUT_SECS: u64 = 600;

impl Manifest {
    /// Drafts the manifest of `entry_point` in the script `script_name`.
    ///
    /// Each parameter is `(name, annotation, default)` as written in the
    /// `def` line, such as `("count", Some("int"), Some("5"))`. Its type comes
    /// from the annotation: `int` and `float` are `number`, `bool` is
    /// `boolean`, `str` is `string`, `IPv4Address`/`IPv6Address` are `ip`,
    /// `list[int]`, `list[float]`, `list[str]` and lists of addresses are the
    /// matching list types (`List[...]`, `typing.` prefixes, `Optional[X]`
    /// and `X | None` are understood). Without a usable annotation, a literal
    /// default gives the type (`True`, `5`, `'text'`); otherwise the type is
    /// `auto_detect`. Defaults serve only that purpose: the manifest format
    /// has no optional parameters.
    ///
    /// The other fields are defaults to review before upload: an empty
    /// description, outcome `Standard` (the narrower policy; high risk must
    /// be chosen on purpose), every platform, a 600-second timeout, and an
    /// `auto_detect` output. An empty `entry_point` drafts a script that just
    /// runs, which takes no parameters.
    ///
    /// # Errors
    ///
    /// The problems the same draft would have as an uploaded manifest: an
    /// empty script name, a function or parameter name the format refuses,
    /// parameters without an entry point.
    pub fn from_signature(
        script_name: &str,
        entry_point: &str,
        params: &[(&str, Option<&str>, Option<&str>)],
    ) -> Result<Manifest, ManifestErrors> {
        let mut definition = Map::new();
        if !params.is_empty() {
            let inputs = params
                .iter()
                .map(|&(name, annotation, default)| {
                    json!({"name": name, "type": param_type(annotation, default).as_str()})
                })
                .collect();
            definition.insert("input_params".into(), Value::Array(inputs));
        }
        if !entry_point.is_empty() {
            definition.insert(
                "output_params".into(),
                json!({"type": ParamType::AutoDetect.as_str(), "value": []}),
            );
        }
        let platforms: Vec<&str> = Platform::ALL.iter().map(|p| p.as_str()).collect();

        // The draft goes through the parser, so it is held to exactly the
        // rules an uploaded manifest is.
        let draft = json!({
            "name": script_name,
            "description": "",
            "outcome": "Standard",
            "platform": platforms.join(","),
            "timeout": STARTER_TIMEOUT_SECS,
            "entry_point": entry_point,
            "entry_point_definition": definition,
        });
        Manifest::parse(draft.to_string().as_bytes())
    }
}

fn param_type(annotation: Option<&str>, default: Option<&str>) -> ParamType {
    annotation
        .and_then(from_annotation)
        .or_else(|| default.and_then(from_default))
        .unwrap_or(ParamType::AutoDetect)
}

fn from_annotation(annotation: &str) -> Option<ParamType> {
    let compact: String = annotation.chars().filter(|c| !c.is_whitespace()).collect();
    let bare = compact.replace("typing.", "").replace("ipaddress.", "");
    let inner = unwrap_optional(&bare);

    let list_item = ["list[", "List[", "Sequence[", "tuple[", "Tuple["]
        .iter()
        .find_map(|open| inner.strip_prefix(open)?.strip_suffix(']'));
    if let Some(item) = list_item {
        // `tuple[int, ...]` is a tuple of any length of int.
        let item = item.strip_suffix(",...").unwrap_or(item);
        return match scalar(item)? {
            ParamType::Number => Some(ParamType::NumberList),
            ParamType::String => Some(ParamType::StringList),
            ParamType::Ip => Some(ParamType::IpList),
            _ => None,
        };
    }
    scalar(inner)
}

/// `X` from `Optional[X]`, `X|None` or `None|X`; anything else unchanged.
fn unwrap_optional(annotation: &str) -> &str {
    annotation
        .strip_prefix("Optional[")
        .and_then(|rest| rest.strip_suffix(']'))
        .or_else(|| annotation.strip_suffix("|None"))
        .or_else(|| annotation.strip_prefix("None|"))
        .unwrap_or(annotation)
}

fn scalar(annotation: &str) -> Option<ParamType> {
    match annotation {
        "int" | "float" => Some(ParamType::Number),
        "bool" => Some(ParamType::Boolean),
        "str" => Some(ParamType::String),
        "IPv4Address" | "IPv6Address" | "IPv4Address|IPv6Address" => Some(ParamType::Ip),
        _ => None,
    }
}

fn from_default(default: &str) -> Option<ParamType> {
    let default = default.trim();
    let quoted = ['\'', '"']
        .iter()
        .any(|&q| default.len() >= 2 && default.starts_with(q) && default.ends_with(q));
    if matches!(default, "True" | "False") {
        Some(ParamType::Boolean)
    } else if quoted {
        Some(ParamType::String)
    } else if default.parse::<i64>().is_ok() || default.parse::<f64>().is_ok_and(f64::is_finite) {
        Some(ParamType::Number)
    } else {
        None
    }
}
