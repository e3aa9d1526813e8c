//! Errors raised while loading a policy, each pointing at the line and column
//! of the policy file that needs fixing.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// Where in a policy file a problem sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The policy's name as given to [`super::Policy::parse`], usually its path.
    pub source: String,
    /// One-based line, when the parser could tell.
    pub line: Option<usize>,
    /// One-based column in characters, when the parser could tell.
    pub column: Option<usize>,
}

impl Location {
    /// Converts a byte range reported by the TOML parser into line and column.
    pub(super) fn from_span(source: &str, text: &str, span: Option<Range<usize>>) -> Self {
        let Some(span) = span else {
            return Location {
                source: source.to_owned(),
                line: None,
                column: None,
            };
        };
        let (line, column) = line_column(text, span.start);
        Location {
            source: source.to_owned(),
            line: Some(line),
            column: Some(column),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(column) = self.column {
            write!(f, ":{column}")?;
        }
        Ok(())
    }
}

/// One-based line and character column of `offset`, clamped to the text.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |at| at + 1);
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;

    // Count characters, not bytes: skip UTF-8 continuation bytes.
    let column = before[line_start..]
        .iter()
        .filter(|b| (**b & 0xC0) != 0x80)
        .count()
        + 1;
    (line, column)
}

/// Why a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read policy file `{}`: {source}; check the path and that ward may read it", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    /// The file is not valid TOML or does not have the shape of a policy.
    #[error("{location}: {message}; see policies/README.md for the file format")]
    Syntax { location: Location, message: String },

    /// The file has the right shape but a value in it is not acceptable.
    #[error("{location}: {message}")]
    Invalid { location: Location, message: String },

    /// The caller handed in a protected path that is not absolute, so it
    /// could never match a request.
    #[error("protected path `{}` ({label}) is not absolute; give it as an absolute path", path.display())]
    ProtectedPathNotAbsolute { path: PathBuf, label: String },

    /// Listing ward's parent processes failed, so they could not be protected.
    #[error(
        "cannot read the parent of process {pid} from /proc/{pid}/stat: {source}; ward protects \
         its parent processes and needs /proc mounted and readable"
    )]
    ProcessAncestry { pid: u32, source: std::io::Error },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_from_one() {
        let text = "a\nbc\n\u{e9}d";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 3), (2, 2));
        assert_eq!(line_column(text, 7), (3, 2));
    }

    #[test]
    fn line_column_clamps_offsets_past_the_end() {
        assert_eq!(line_column("ab", 99), (1, 3));
    }

    #[test]
    fn location_without_position_prints_only_the_source() {
        let location = Location::from_span("p.toml", "", None);
        assert_eq!(location.to_string(), "p.toml");
    }
}
