//! Feeds a definitions file to `Manifest::parse`, as script upload and the library read one,
//! and checks that an accepted manifest reads back equal from the form the library stores: its
//! canonical single line with a final newline.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ward::script::Manifest;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(manifest) = Manifest::parse(bytes) {
        let stored = format!("{}\n", manifest.to_single_line_json());
        let again = Manifest::parse(stored.as_bytes());
        assert_eq!(
            again.as_ref(),
            Ok(&manifest),
            "the stored form does not read back: {stored}"
        );
    }
});
