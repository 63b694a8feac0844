//! The reference policy over a synthetic population of 10,000 persons:
//! the housing office receives exactly the seven identification attributes
//! (and the FLDM id every disclosure carries), checked on the typed
//! disclosure and on the keys of its JSON.

use std::collections::BTreeSet;
use std::path::PathBuf;

use fldm_core::attribute::{self, AttributeSet};
use fldm_core::codec::json;
use fldm_core::date::Datum;
use fldm_core::policy::{Operation, Policy, Request};

/// The attributes the housing office may receive (AZRG § 14 Abs. 1 Nr. 1 and
/// 6 with § 3 Abs. 1 Nr. 4), pinned here independently of the policy file.
const WOHNUNGSAMT: [&str; 7] = [
    "grundpersonalien.familienname",
    "grundpersonalien.geburtsname",
    "grundpersonalien.vornamen",
    "grundpersonalien.geburtsdatum",
    "anschrift.aktuell",
    "grundpersonalien.geschlecht",
    "grundpersonalien.staatsangehoerigkeiten",
];

/// Dotted paths of all leaf keys of a JSON object, down to the depth of
/// catalogue names (two levels), e.g. `grundpersonalien.vornamen`.
fn json_paths(v: &serde_json::Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (k, v) in v.as_object().expect("object") {
        match v.as_object() {
            Some(section) if k != "fldm_id" && k != "azr_nummer" => {
                for k2 in section.keys() {
                    out.insert(format!("{k}.{k2}"));
                }
            }
            _ => {
                out.insert(k.clone());
            }
        }
    }
    out
}

#[test]
fn wohnungsamt_receives_exactly_seven_attributes_over_10000_records() {
    let policy =
        Policy::load(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies/reference.toml"))
            .expect("reference policy");
    let persons = fldm_synth::population(10_000, 20_260_630);
    assert_eq!(persons.len(), 10_000);
    let allowed = AttributeSet::from_names("test", &WOHNUNGSAMT).expect("names");
    let mut allowed_keys: BTreeSet<String> = WOHNUNGSAMT.iter().map(|s| s.to_string()).collect();
    allowed_keys.insert("fldm_id".into());

    for purpose in ["W01"] {
        for op in [Operation::Read, Operation::Search, Operation::Changes] {
            let decision = policy.decide(&Request {
                office: "wohnungsamt",
                operation: op,
                purpose: Some(purpose),
                case_reference: Some("WA-2026-0001"),
                date: Datum::parse(fldm_synth::REFERENCE_DATE).expect("date"),
            });
            let permit = decision.permit().expect("wohnungsamt may read for W01");
            assert_eq!(permit.attributes(), allowed, "{op}");

            let mut seen = AttributeSet::empty();
            let mut seen_keys = BTreeSet::new();
            let mut out = Vec::new();
            for p in &persons {
                let d = permit.apply(p);
                assert_eq!(d.fldm_id, p.fldm_id);
                let disclosed = attribute::present(&d);
                // Exactly the permitted attributes the record has.
                assert_eq!(disclosed, attribute::present(p).intersection(allowed));
                // With the record's values (this rule has no transformation).
                assert_eq!(d, attribute::project(p, allowed));
                seen = seen.union(disclosed);
                out.push(d);
            }
            // Through the JSON output: keys of every disclosure line.
            let mut buf = Vec::new();
            json::write_jsonl(&mut buf, out.iter()).expect("write");
            let text = String::from_utf8(buf).expect("utf-8");
            assert_eq!(text.lines().count(), 10_000);
            for line in text.lines() {
                let v: serde_json::Value = serde_json::from_str(line).expect("json");
                let keys = json_paths(&v);
                assert!(keys.contains("fldm_id"));
                assert!(
                    keys.is_subset(&allowed_keys),
                    "unexpected keys {:?}",
                    keys.difference(&allowed_keys).collect::<Vec<_>>()
                );
                seen_keys.extend(keys);
            }
            // The population exercises all seven (so the test is not vacuous) ...
            assert_eq!(
                seen, allowed,
                "{op}: population lacks some permitted attribute"
            );
            assert_eq!(seen_keys, allowed_keys);
            // ... and the records carry much more that is filtered out.
            let all_present = persons
                .iter()
                .map(attribute::present)
                .fold(AttributeSet::empty(), AttributeSet::union);
            assert!(
                all_present.len() > allowed.len() + 10,
                "population has {} attributes",
                all_present.len()
            );
        }
    }
}

#[test]
fn other_purposes_and_offices_do_not_get_the_housing_set() {
    let policy =
        Policy::load(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies/reference.toml"))
            .expect("reference policy");
    let date = Datum::parse(fldm_synth::REFERENCE_DATE).expect("date");
    for purpose in ["25", "26", "27", "28", "61", "62", "70", "S01", "D01"] {
        let d = policy.decide(&Request {
            office: "wohnungsamt",
            operation: Operation::Read,
            purpose: Some(purpose),
            case_reference: Some("WA-1"),
            date,
        });
        assert!(
            !d.is_permit(),
            "wohnungsamt must not read for purpose {purpose}"
        );
    }
}
