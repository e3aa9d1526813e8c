//! What can go wrong with a library operation, each message saying what to do next.

use std::path::PathBuf;

use thiserror::Error;
use uuid::Uuid;

use crate::script::{ScriptErrors, ValidationError};

#[derive(Debug, Error)]
pub enum LibraryError {
    #[error("no script `{key}` in the library: `ward script list` shows the ids and names")]
    NotFound { key: String },
    #[error(
        "several scripts are named `{name}` ({}): name the one you mean by its id",
        id_list(.ids)
    )]
    Ambiguous { name: String, ids: Vec<Uuid> },
    #[error(
        "`{name}` is a built-in script and cannot be changed or deleted: duplicate it and \
         change the copy"
    )]
    ReadOnly { name: String },
    #[error(
        "the library already has a script named `{name}` (id {id}): choose another name in the \
         manifest, or edit that script"
    )]
    NameTaken { name: String, id: Uuid },
    #[error("the script was refused:\n{0}")]
    Invalid(ScriptErrors),
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error("failed to {what} `{}`: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the library entry `{}` is damaged ({reason}): restore it from a backup, or delete the \
         folder",
        path.display()
    )]
    Corrupt { path: PathBuf, reason: String },
}

fn id_list(ids: &[Uuid]) -> String {
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    ids.join(", ")
}
