//! The built-in code tables agree with the published genericode lists in
//! `../shared/data/codelists/` (codes and names), and the genericode loader
//! reads every published list there.

use std::path::PathBuf;

use fldm_core::codes::{self, Geschlecht, genericode};

fn data_dir() -> PathBuf {
    let dir = std::env::var_os("FLDM_CODELIST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/codelists")
        });
    assert!(
        dir.is_dir(),
        "published code lists not found at {} (set FLDM_CODELIST_DIR)",
        dir.display()
    );
    dir
}

#[test]
fn builtin_nationalities_match_published_list() {
    let published = genericode::load_staatsangehoerigkeit(
        &data_dir().join("DESTATIS_Staatsangehoerigkeit_2024-08-01.xml"),
    )
    .expect("published list loads");
    let builtin = codes::builtin_staatsangehoerigkeit();
    assert_eq!(published.uri, builtin.uri);
    assert_eq!(published.version, builtin.version);
    assert_eq!(published.entries.len(), 211);
    assert_eq!(published.entries.len(), builtin.entries.len());
    for (p, b) in published.entries.iter().zip(builtin.entries.iter()) {
        assert_eq!(p.code, b.code);
        assert_eq!(p.name, b.name, "nationality name of {}", p.code);
        assert_eq!(p.name2, b.name2, "state name of {}", p.code);
    }
    // Spot checks against DOMAIN.md.
    for (code, name) in [
        ("000", "deutsch"),
        ("163", "türkisch"),
        ("166", "ukrainisch"),
        ("224", "eritreisch"),
        ("423", "afghanisch"),
        ("438", "irakisch"),
        ("439", "iranisch"),
        ("475", "syrisch"),
        ("997", "staatenlos"),
        ("998", "ungeklärt"),
        ("999", "ohne Angabe"),
    ] {
        assert_eq!(
            builtin.get(code).map(|e| e.name.as_str()),
            Some(name),
            "{code}"
        );
    }
}

#[test]
fn builtin_gender_list_matches_published_list() {
    let xml = std::fs::read_to_string(data_dir().join("XInneres_Geschlecht_1.xml")).expect("read");
    let g = genericode::parse(&xml, "XInneres_Geschlecht_1.xml").expect("parse");
    assert_eq!(g.canonical_uri, codes::GESCHLECHT_URI);
    assert_eq!(g.version, codes::GESCHLECHT_VERSION);
    let list = g
        .to_code_list("code", "beschreibung", None, "geschlecht")
        .expect("columns");
    let mut builtin: Vec<(&str, &str)> = Geschlecht::ALL
        .iter()
        .map(|g| (g.as_str(), g.beschreibung()))
        .collect();
    builtin.sort();
    let published: Vec<(&str, &str)> = list
        .entries
        .iter()
        .map(|e| (e.code.as_str(), e.name.as_str()))
        .collect();
    assert_eq!(published, builtin);
    assert!(Geschlecht::parse("u").is_err(), "there is no code u");
}

#[test]
fn every_published_list_parses() {
    let mut n = 0;
    for entry in std::fs::read_dir(data_dir()).expect("dir") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("xml") {
            continue;
        }
        let xml = std::fs::read_to_string(&path).expect("read");
        let g = genericode::parse(&xml, &path.display().to_string()).expect("parses");
        assert!(!g.rows.is_empty(), "{}", path.display());
        let key = g.key_column.clone().expect("key column");
        assert!(
            g.rows.iter().all(|r| r.contains_key(&key)),
            "{}",
            path.display()
        );
        n += 1;
    }
    assert_eq!(n, 5);
}

#[test]
fn a_newer_list_version_can_be_installed_at_run_time() {
    // A "newer" list: the published one with one code added and the version
    // bumped, as a later DESTATIS release would look.
    let xml =
        std::fs::read_to_string(data_dir().join("DESTATIS_Staatsangehoerigkeit_2024-08-01.xml"))
            .expect("read");
    let newer = xml
        .replacen("<Version>2024-08-01</Version>", "<Version>2099-01-01</Version>", 1)
        .replacen(
            "<SimpleCodeList>",
            "<SimpleCodeList><Row><Value ColumnRef=\"DESTATIS-Schluessel-Staatsangehoerigkeit\"><SimpleValue>111</SimpleValue></Value><Value ColumnRef=\"Staatsangehoerigkeit\"><SimpleValue>neu&amp;test</SimpleValue></Value></Row>",
            1,
        );
    let dir = std::env::temp_dir().join(format!("fldm-codelist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let file = dir.join("newer.xml");
    std::fs::write(&file, newer).expect("write");
    let list = genericode::load_staatsangehoerigkeit(&file).expect("newer list loads");
    assert_eq!(list.version, "2099-01-01");
    assert_eq!(list.get("111").map(|e| e.name.as_str()), Some("neu&test"));

    assert!(codes::Staatsangehoerigkeit::parse("111").is_err());
    codes::install_staatsangehoerigkeit(list).expect("install");
    assert!(codes::Staatsangehoerigkeit::parse("111").is_ok());
    assert_eq!(codes::staatsangehoerigkeit_list().version, "2099-01-01");
    codes::install_staatsangehoerigkeit((*codes::builtin_staatsangehoerigkeit()).clone())
        .expect("restore");
    assert!(codes::Staatsangehoerigkeit::parse("111").is_err());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn malformed_genericode_is_a_typed_error() {
    for bad in [
        "<gc:CodeList",
        "<!DOCTYPE x [<!ENTITY e \"x\">]><CodeList/>",
        "<CodeList><Identification><Version>1</Version></Identification></CodeList>",
        "<CodeList><Identification><CanonicalUri>&e;</CanonicalUri></Identification></CodeList>",
    ] {
        let e = genericode::parse(bad, "bad.xml").expect_err("must fail");
        assert!(matches!(e, fldm_core::Error::CodeList { .. }), "{e:?}");
        assert!(e.to_string().contains("bad.xml"));
    }
}
