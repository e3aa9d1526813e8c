//! The script library in a folder: the built-ins, adding, editing, duplicating and deleting,
//! and refusals that list every problem.

use ward::script::{BUILTINS, FolderStorage, Library, LibraryError, LibraryStorage, builtin_id};

use crate::common::sandbox;

const CODE: &str = "import os\n\ndef run(path):\n    return {'exists': os.path.exists(path)}\n";

fn manifest_named(name: &str) -> String {
    format!(
        r#"{{"name": "{name}", "description": "Tells whether a path exists.", "outcome": "Standard", "platform": "Linux,macOS", "timeout": 30, "entry_point": "run", "entry_point_definition": {{"input_params": [{{"name": "path", "type": "string"}}], "output_params": {{"type": "JSON", "value": [{{"name": "exists", "friendly_name": "Exists", "type": "boolean"}}]}}}}}}"#
    )
}

fn library() -> (tempfile::TempDir, Library<FolderStorage>) {
    let dir = tempfile::Builder::new()
        .prefix("ward-library-test-")
        .tempdir()
        .unwrap();
    let library = Library::new(FolderStorage::new(dir.path().join("library"))).unwrap();
    (dir, library)
}

#[test]
fn the_builtins_are_listed_from_the_start_created_by_ward() {
    let (_dir, library) = library();
    let records = library.list().unwrap();
    assert_eq!(records.len(), BUILTINS.len());
    for builtin in BUILTINS {
        let record = records.iter().find(|r| r.name() == builtin.name).unwrap();
        assert!(record.builtin);
        assert_eq!(record.created_by, "ward");
        assert_eq!(record.id, builtin_id(builtin.name));
        let by_id = library.get(&record.id.to_string()).unwrap();
        assert_eq!(by_id.code, builtin.code);
    }
    // Nothing is written for them.
    assert!(library.storage().list().unwrap().is_empty());
}

#[tokio::test]
async fn the_builtins_cannot_be_edited_or_deleted() {
    let (_dir, library) = library();
    let edited = library
        .edit(sandbox(), "delete_file", Some(CODE), None)
        .await;
    assert!(
        matches!(edited, Err(LibraryError::ReadOnly { .. })),
        "{edited:?}"
    );
    let deleted = library.delete("delete_file");
    assert!(
        matches!(deleted, Err(LibraryError::ReadOnly { .. })),
        "{deleted:?}"
    );
    assert_eq!(
        library.get("delete_file").unwrap().record.created_by,
        "ward"
    );
}

#[tokio::test]
async fn a_script_is_added_edited_duplicated_and_deleted() {
    let (dir, library) = library();
    let added = library
        .add(
            sandbox(),
            CODE,
            manifest_named("path_exists").as_bytes(),
            "alice",
        )
        .await
        .unwrap();
    assert_eq!(added.created_by, "alice");
    assert!(!added.builtin);
    let entry = dir.path().join("library").join(added.id.to_string());
    for file in ["script.py", "manifest.json", "meta.json"] {
        assert!(entry.join(file).is_file(), "{file}");
    }

    let fetched = library.get("path_exists").unwrap();
    assert_eq!(fetched.code, CODE);
    assert_eq!(fetched.record, added);
    assert_eq!(fetched.definitions().lines().count(), 1);

    let new_code = CODE.replace("exists(path)", "lexists(path)");
    let edited = library
        .edit(sandbox(), &added.id.to_string(), Some(&new_code), None)
        .await
        .unwrap();
    assert_eq!((edited.id, edited.created_by.as_str()), (added.id, "alice"));
    assert_ne!(edited.sha256, added.sha256);
    assert_eq!(library.get("path_exists").unwrap().code, new_code);

    let copy = library.duplicate("path_exists", "bob", None).unwrap();
    assert_eq!(copy.name(), "path_exists (copy)");
    assert_ne!(copy.id, added.id);
    assert_eq!(copy.created_by, "bob");
    assert_eq!(library.get(&copy.id.to_string()).unwrap().code, new_code);

    library.delete("path_exists").unwrap();
    assert!(matches!(
        library.get("path_exists"),
        Err(LibraryError::NotFound { .. })
    ));
    assert!(!entry.exists());
    assert!(library.get("path_exists (copy)").is_ok());
    assert_eq!(library.list().unwrap().len(), BUILTINS.len() + 1);
}

#[tokio::test]
async fn a_builtin_can_be_duplicated_into_an_editable_copy() {
    let (_dir, library) = library();
    let copy = library
        .duplicate("file_exists", "carol", Some("my_exists"))
        .unwrap();
    assert!(!copy.builtin);
    let edited = library
        .edit(
            sandbox(),
            "my_exists",
            None,
            Some(manifest_named("my_exists").as_bytes()),
        )
        .await;
    // The built-in's code takes `path` and returns a boolean, not the dictionary declared.
    let Err(LibraryError::Invalid(errors)) = edited else {
        panic!("the edit is refused: {edited:?}");
    };
    assert!(
        errors.0.iter().all(|e| e.code() == "output_mismatch"),
        "{errors}"
    );
    library.delete("my_exists").unwrap();
}

#[tokio::test]
async fn a_malformed_manifest_is_refused_with_every_problem_listed() {
    let (dir, library) = library();
    let manifest = r#"{"name": "", "description": 5, "outcome": "Risky", "platform": "Linux,BeOS", "timeout": -1, "entry_point": "run"}"#;
    let code = "import subprocess\ndef run():\n    return 1\n";
    let refused = library
        .add(sandbox(), code, manifest.as_bytes(), "alice")
        .await;
    let Err(LibraryError::Invalid(errors)) = refused else {
        panic!("the script is refused: {refused:?}");
    };
    let codes: Vec<&str> = errors.0.iter().map(|e| e.code()).collect();
    assert_eq!(codes[0], "unsupported_module", "{errors}");
    assert!(codes[1..].iter().all(|c| *c == "manifest"), "{errors}");
    assert!(
        codes.len() >= 6,
        "every manifest problem is listed: {errors}"
    );
    // Nothing is written for a refused script.
    assert!(!dir.path().join("library").exists());
}

#[tokio::test]
async fn names_are_unique_across_the_library() {
    let (_dir, library) = library();
    let taken = library
        .add(
            sandbox(),
            CODE,
            manifest_named("Delete_File").as_bytes(),
            "alice",
        )
        .await;
    assert!(
        matches!(taken, Err(LibraryError::NameTaken { .. })),
        "{taken:?}"
    );
}

#[tokio::test]
async fn code_changed_on_disk_is_detected() {
    let (dir, library) = library();
    let added = library
        .add(
            sandbox(),
            CODE,
            manifest_named("tampered").as_bytes(),
            "alice",
        )
        .await
        .unwrap();
    let script = dir
        .path()
        .join("library")
        .join(added.id.to_string())
        .join("script.py");
    std::fs::write(&script, "import os\nos.remove('/etc/passwd')\n").unwrap();
    let read = library.get("tampered");
    assert!(
        matches!(read, Err(LibraryError::Corrupt { .. })),
        "{read:?}"
    );
}
