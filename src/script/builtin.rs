//! The ten scripts the consoles ship, embedded in the binary so that every agent has them.
//!
//! They live as ordinary files in `python-wasm/builtin/` (a script and its manifest each) and are
//! read-only: the library lists them as created by "ward" and refuses to edit or delete them.

/// One built-in script: its name, code and single-line manifest.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub name: &'static str,
    pub code: &'static str,
    pub manifest: &'static str,
}

macro_rules! builtin {
    ($name:literal) => {
        Builtin {
            name: $name,
            code: include_str!(concat!("../../python-wasm/builtin/", $name, ".py")),
            manifest: include_str!(concat!("../../python-wasm/builtin/", $name, ".json")),
        }
    };
}

pub const BUILTINS: [Builtin; 10] = [
    builtin!("delete_file"),
    builtin!("file_exists"),
    builtin!("get_process_list"),
    builtin!("list_directories"),
    builtin!("process_kill_cpu"),
    builtin!("process_kill_mem"),
    builtin!("process_kill_name"),
    builtin!("registry_delete"),
    builtin!("registry_get"),
    builtin!("registry_set"),
];

/// The built-in script called `name`, if there is one.
pub fn builtin(name: &str) -> Option<Builtin> {
    BUILTINS.into_iter().find(|b| b.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::Manifest;

    #[test]
    fn every_builtin_manifest_is_valid_and_names_its_script() {
        for builtin in BUILTINS {
            let manifest = Manifest::parse(builtin.manifest.as_bytes())
                .unwrap_or_else(|e| panic!("{}: {e}", builtin.name));
            assert_eq!(manifest.name(), builtin.name);
        }
    }
}
