//! Target patterns a rule can name, and the checks a requested target must
//! pass before any rule is consulted.
//!
//! Paths are matched with `globset` (`*` stays within one component, `**`
//! crosses them), process names with plain globs, registry keys by
//! case-insensitive prefix at `\` boundaries.

use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};

/// Root keys of the registry, with the abbreviation each may be written as.
const REGISTRY_ROOTS: [(&str, &str); 5] = [
    ("HKEY_CLASSES_ROOT", "HKCR"),
    ("HKEY_CURRENT_USER", "HKCU"),
    ("HKEY_LOCAL_MACHINE", "HKLM"),
    ("HKEY_USERS", "HKU"),
    ("HKEY_CURRENT_CONFIG", "HKCC"),
];

/// An absolute path glob as written in a rule. As in `.gitignore`,
/// `/var/log/**` covers what is inside `/var/log` but not the directory
/// itself; name it too (`/var/log`) to allow listing it.
#[derive(Debug, Clone)]
pub(super) struct PathPattern {
    pub text: String,
    matcher: GlobMatcher,
}

impl PathPattern {
    pub fn new(text: &str) -> Result<Self, String> {
        let fix = "write it from the root with `/` separators, e.g. `/var/log/**`";
        let after_root = match text.as_bytes() {
            [b'/', ..] => &text[1..],
            [drive, b':', b'/', ..] if drive.is_ascii_alphabetic() => &text[3..],
            _ => return Err(format!("path glob `{text}` is not absolute; {fix}")),
        };
        if text.contains('\0') {
            return Err(format!("path glob `{text}` contains a NUL byte; remove it"));
        }
        if !after_root.is_empty() {
            for part in after_root.split('/') {
                if part.is_empty() || part == "." || part == ".." {
                    return Err(format!(
                        "path glob `{text}` has an empty, `.` or `..` component, so it could \
                         never match a normalised path; {fix}"
                    ));
                }
            }
        }

        let matcher = GlobBuilder::new(text)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| {
                format!(
                    "invalid path glob `{text}`: {}; fix the glob syntax",
                    e.kind()
                )
            })?
            .compile_matcher();
        Ok(PathPattern {
            text: text.to_owned(),
            matcher,
        })
    }

    pub fn matches(&self, path: &Path) -> bool {
        self.matcher.is_match(path)
    }

    /// Whether this glob could match something strictly inside `dir`, judged component by
    /// component; `**` and a glob that cannot be read count as "could".
    pub fn may_match_below(&self, dir: &Path) -> bool {
        let globs: Vec<&str> = self
            .text
            .split('/')
            .filter(|part| !part.is_empty())
            .collect();
        let names = dir.components().filter_map(|c| match c {
            Component::Normal(name) => Some(name.to_string_lossy()),
            _ => None,
        });
        let mut depth = 0;
        for name in names {
            let Some(glob) = globs.get(depth) else {
                return false;
            };
            if glob.contains("**") {
                return true;
            }
            let matches = GlobBuilder::new(glob)
                .literal_separator(true)
                .build()
                .map_or(true, |g| g.compile_matcher().is_match(name.as_ref()));
            if !matches {
                return false;
            }
            depth += 1;
        }
        globs.len() > depth
    }
}

/// A glob on process names, e.g. `python*`.
#[derive(Debug, Clone)]
pub(super) struct ProcessPattern {
    pub text: String,
    matcher: GlobMatcher,
}

impl ProcessPattern {
    pub fn new(text: &str) -> Result<Self, String> {
        if text.is_empty() || text.contains('\0') {
            return Err(format!(
                "process pattern `{text}` is empty or contains a NUL byte; write a name or a \
                 glob such as `python*`"
            ));
        }
        let glob = GlobBuilder::new(text)
            .backslash_escape(true)
            .build()
            .map_err(|e| {
                format!(
                    "invalid process pattern `{text}`: {}; fix the glob syntax",
                    e.kind()
                )
            })?;
        Ok(ProcessPattern {
            text: text.to_owned(),
            matcher: glob.compile_matcher(),
        })
    }

    pub fn matches(&self, name: &str) -> bool {
        self.matcher.is_match(name)
    }
}

/// A registry key prefix, matching the key itself and its subkeys.
#[derive(Debug, Clone)]
pub(super) struct RegistryPrefix {
    pub text: String,
    /// Root spelled out, lower-cased, no trailing `\`.
    key: String,
}

impl RegistryPrefix {
    pub fn new(text: &str) -> Result<Self, String> {
        let trimmed = text.strip_suffix('\\').unwrap_or(text);
        let key = normalize_key(trimmed).map_err(|why| format!("registry key `{text}` {why}"))?;
        Ok(RegistryPrefix {
            text: text.to_owned(),
            key,
        })
    }

    /// `normalized` is a key already passed through [`normalize_key`].
    pub fn matches(&self, normalized: &str) -> bool {
        match normalized.strip_prefix(&self.key) {
            Some(rest) => rest.is_empty() || rest.starts_with('\\'),
            None => false,
        }
    }
}

/// Spells out the root, lower-cases the key and rejects malformed keys, so
/// that `HKLM\SOFTWARE\Ward` and `HKEY_LOCAL_MACHINE\Software\ward` compare equal.
pub(super) fn normalize_key(key: &str) -> Result<String, String> {
    if key.contains('\0') {
        return Err("contains a NUL byte".to_owned());
    }
    let mut parts = key.split('\\');
    let root = parts.next().unwrap_or_default();
    let Some((full, _)) = REGISTRY_ROOTS
        .iter()
        .find(|(full, short)| root.eq_ignore_ascii_case(full) || root.eq_ignore_ascii_case(short))
    else {
        let roots: Vec<&str> = REGISTRY_ROOTS.iter().map(|(full, _)| *full).collect();
        return Err(format!(
            "does not start with a registry root ({})",
            roots.join(", ")
        ));
    };

    let mut normalized = full.to_lowercase();
    for part in parts {
        if part.is_empty() {
            return Err("has an empty component (`\\\\` or a trailing `\\`)".to_owned());
        }
        normalized.push('\\');
        normalized.push_str(&part.to_lowercase());
    }
    Ok(normalized)
}

/// Rejects a requested path that is relative, holds `..` or a NUL byte, and
/// rebuilds it from its components so that `//` and `/./` cannot dodge a glob.
pub(super) fn check_path(path: &Path) -> Result<PathBuf, &'static str> {
    if path.as_os_str().as_encoded_bytes().contains(&0) {
        return Err("invalid path: contains a NUL byte");
    }
    if !path.is_absolute() {
        return Err("invalid path: not absolute");
    }
    if path.components().any(|part| part == Component::ParentDir) {
        return Err("invalid path: contains `..`");
    }
    Ok(path.components().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_star_stays_within_one_component() -> Result<(), String> {
        let pattern = PathPattern::new("/home/*/Downloads/*")?;
        assert!(pattern.matches(Path::new("/home/ann/Downloads/a.txt")));
        assert!(!pattern.matches(Path::new("/home/ann/x/Downloads/a.txt")));
        assert!(!pattern.matches(Path::new("/home/ann/Downloads/sub/a.txt")));
        Ok(())
    }

    #[test]
    fn double_star_crosses_components_but_leaves_out_its_directory() -> Result<(), String> {
        let pattern = PathPattern::new("/var/log/**")?;
        assert!(pattern.matches(Path::new("/var/log/nginx/access.log")));
        assert!(!pattern.matches(Path::new("/var/log")));
        assert!(!pattern.matches(Path::new("/var/logs")));
        assert!(PathPattern::new("/**")?.matches(Path::new("/")));
        Ok(())
    }

    #[test]
    fn rejects_relative_dotted_and_broken_globs() {
        for bad in [
            "var/log/**",
            "/var/../etc",
            "/var//log",
            "/var/log/",
            "/a/[b",
            "",
        ] {
            assert!(PathPattern::new(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn bad_glob_error_shows_the_glob() {
        let message = PathPattern::new("/var/[log").err().unwrap_or_default();
        assert!(message.contains("`/var/[log`"), "{message}");
    }

    #[test]
    fn process_patterns_glob_on_the_name() -> Result<(), String> {
        let pattern = ProcessPattern::new("python*")?;
        assert!(pattern.matches("python3.12"));
        assert!(!pattern.matches("ipython"));
        Ok(())
    }

    #[test]
    fn registry_prefix_matches_only_at_separator_boundaries() -> Result<(), String> {
        let prefix = RegistryPrefix::new(r"HKEY_LOCAL_MACHINE\Software\Ward")?;
        assert!(prefix.matches(&normalize_key(r"HKEY_LOCAL_MACHINE\Software\Ward")?));
        assert!(prefix.matches(&normalize_key(r"HKLM\SOFTWARE\ward\Sub\Key")?));
        assert!(!prefix.matches(&normalize_key(r"HKLM\Software\Wardrobe")?));
        assert!(!prefix.matches(&normalize_key(r"HKLM\Software")?));
        Ok(())
    }

    #[test]
    fn registry_keys_need_a_known_root_and_no_empty_component() {
        assert!(normalize_key(r"HKEY_NOWHERE\x").is_err());
        assert!(normalize_key(r"HKLM\a\\b").is_err());
        assert!(normalize_key("HKLM\\a\0").is_err());
    }

    #[test]
    fn requested_paths_are_checked_and_normalised() {
        assert_eq!(
            check_path(Path::new("/var//./log")),
            Ok(PathBuf::from("/var/log"))
        );
        assert!(check_path(Path::new("var/log")).is_err());
        assert!(check_path(Path::new("/var/../etc/shadow")).is_err());
        assert!(check_path(Path::new("/etc/sha\0dow")).is_err());
    }
}
