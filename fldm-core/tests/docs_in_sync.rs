//! Documentation tables that are derived from code stay in step with it.
//! Run with `FLDM_BLESS=1` to rewrite them after a deliberate change.

use std::path::PathBuf;

fn docs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs")
}

const BEGIN: &str = "<!-- BEGIN CATALOGUE (generated from fldm_core::attribute::CATALOGUE) -->\n";
const END: &str = "<!-- END CATALOGUE -->";

#[test]
fn attribute_catalogue_table_is_current() {
    let path = docs().join("attributes.md");
    let text = std::fs::read_to_string(&path).expect("docs/attributes.md exists");
    let (head, rest) = text.split_once(BEGIN).expect("BEGIN marker");
    let (_, tail) = rest.split_once(END).expect("END marker");
    let expected = format!(
        "{head}{BEGIN}{}{END}{tail}",
        fldm_core::attribute::markdown_table()
    );
    if std::env::var_os("FLDM_BLESS").is_some() {
        std::fs::write(&path, &expected).expect("write");
        return;
    }
    assert!(
        text == expected,
        "docs/attributes.md is out of date; run FLDM_BLESS=1 cargo test -p fldm-core --test docs_in_sync"
    );
}
