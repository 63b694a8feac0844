//! Which writes a permit allows (`Permit::check_create`, `check_update`,
//! `check_address_write`, `check_correction`), with the reference policy.

use std::path::PathBuf;

use fldm_core::attribute::AttributeSet;
use fldm_core::date::Datum;
use fldm_core::ids::FldmId;
use fldm_core::policy::{Decision, Operation, Permit, Policy, Request, WriteRefusal};
use fldm_core::record::{Anschrift, NamePart, Person, Text};

fn permit(office: &str, op: Operation, purpose: &str, case: &str) -> Permit {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies/reference.toml");
    let policy = Policy::load(path).expect("reference policy loads");
    match policy.decide(&Request {
        office,
        operation: op,
        purpose: Some(purpose),
        case_reference: Some(case),
        date: Datum::parse("2026-06-01").expect("date"),
    }) {
        Decision::Permit(p) => p,
        Decision::Deny(d) => panic!("expected a permit, got {d}"),
    }
}

fn person(name: &str) -> Person {
    let mut p = Person::new(FldmId::parse("P42").expect("id"));
    p.grundpersonalien.familienname = Some(NamePart::parse(name).expect("name"));
    p
}

fn address() -> Anschrift {
    Anschrift {
        ort: Some(Text::parse("Köln").expect("ort")),
        ..Anschrift::default()
    }
}

#[test]
fn only_a_rule_covering_the_grundpersonalien_creates_records() {
    let owner = permit("auslaenderbehoerde", Operation::Write, "70", "ABH-1");
    assert_eq!(owner.check_create(), Ok(()));
    assert_eq!(owner.check_update(&person("Haddad")), Ok(()));
    let housing = permit("wohnungsamt", Operation::Write, "W01", "WA-1");
    let refused = housing.check_create().expect_err("housing");
    assert_eq!(refused.code(), "create_not_permitted");
    assert!(
        refused.to_string().contains("wohnungsamt-anschrift"),
        "{refused}"
    );
}

#[test]
fn updates_and_address_write_backs_stay_inside_the_write_rule() {
    let housing = permit("wohnungsamt", Operation::Write, "W01", "WA-1");
    let set = housing
        .check_address_write()
        .expect("housing writes addresses");
    assert_eq!(set.names(), ["anschrift.aktuell"]);
    let mut patch = Person::new(FldmId::parse("P42").expect("id"));
    patch.anschrift.aktuell = Some(address());
    assert_eq!(housing.check_update(&patch), Ok(()));
    let renamed = person("Neu");
    match housing.check_update(&renamed) {
        Err(WriteRefusal::AttributesNotPermitted(extra)) => {
            assert_eq!(extra.names(), ["grundpersonalien.familienname"]);
        }
        other => panic!("expected attributes_not_permitted, got {other:?}"),
    }
    // The Ausländerbehörde's write rule does not include the address
    // write-back of the housing office.
    let owner = permit("auslaenderbehoerde", Operation::Write, "70", "ABH-1");
    let owner_address = owner.check_address_write();
    assert_eq!(
        owner_address.is_ok(),
        owner.attributes().contains("anschrift.aktuell")
    );
}

#[test]
fn corrections_concern_only_attributes_the_office_receives() {
    let read = permit("wohnungsamt", Operation::Read, "W01", "WA-1");
    let received =
        AttributeSet::from_names("attributes", &["grundpersonalien.familienname".to_string()])
            .expect("names");
    assert_eq!(read.check_correction(received), Ok(()));
    let foreign =
        AttributeSet::from_names("attributes", &["weitere_personalien.religion".to_string()])
            .expect("names");
    let e = read.check_correction(foreign).expect_err("not received");
    assert_eq!(e.code(), "attributes_not_permitted");
    assert!(
        e.to_string().contains("weitere_personalien.religion"),
        "{e}"
    );
}
