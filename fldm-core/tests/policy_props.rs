//! Properties of decisions and disclosures for random records, random
//! valid policies and random requests:
//!
//! - a disclosure never carries an attribute the deciding rule does not
//!   permit, and carries every permitted attribute the record has (modulo
//!   the rule's transformations);
//! - decisions and disclosures agree with a deliberately naive reference
//!   implementation written here: rule matching by scanning the rule list,
//!   and disclosure by filtering the record's JSON keys with the dotted
//!   attribute names.

mod support;

use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use serde_json::{Map, Value};

use fldm_core::attribute::{self, AttributeSet, CATALOGUE};
use fldm_core::date::Datum;
use fldm_core::policy::{Decision, DenyReason, Operation, Policy, Request};

const OFFICES: [&str; 3] = ["amt-a", "amt-b", "amt-c"];
const DECLARED: [&str; 2] = ["X01", "X02"];
const BUILTIN: [&str; 3] = ["26", "61", "70"];
const TRANSFORMATIONS: [&str; 3] = [
    "birth_date_year",
    "address_postcode_municipality",
    "first_nationality",
];

#[derive(Debug, Clone)]
struct RuleSpec {
    offices: Vec<&'static str>,
    operations: Vec<Operation>,
    purposes: Vec<&'static str>,
    /// Catalogue names or group names, as written in the file.
    attributes: Vec<&'static str>,
    transformations: Vec<&'static str>,
    case_required: bool,
}

#[derive(Debug, Clone)]
struct PolicySpec {
    rules: Vec<RuleSpec>,
}

fn attribute_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = CATALOGUE.iter().map(|a| a.name).collect();
    v.extend(attribute::groups());
    v
}

fn expand(names: &[&str]) -> AttributeSet {
    names
        .iter()
        .map(|n| AttributeSet::from_name(n).expect("catalogue name"))
        .fold(AttributeSet::empty(), AttributeSet::union)
}

fn transformation_targets(t: &str) -> &'static [&'static str] {
    match t {
        "birth_date_year" => &[
            "grundpersonalien.geburtsdatum",
            "weitere_personalien.aliaspersonalien",
        ],
        "address_postcode_municipality" => &["anschrift.aktuell", "anschrift.fruehere"],
        _ => &["grundpersonalien.staatsangehoerigkeiten"],
    }
}

fn arb_rule() -> impl Strategy<Value = RuleSpec> {
    let person_ops = subsequence(
        vec![
            Operation::Read,
            Operation::Search,
            Operation::Write,
            Operation::Changes,
        ],
        1..=4,
    );
    let other_ops = subsequence(vec![Operation::Statistics, Operation::Audit], 1..=2);
    let ops = prop_oneof![4 => person_ops, 1 => other_ops];
    let purposes: Vec<&'static str> = BUILTIN.iter().chain(DECLARED.iter()).copied().collect();
    (
        subsequence(OFFICES.to_vec(), 1..=3),
        ops,
        subsequence(purposes, 1..=3),
        subsequence(attribute_names(), 1..=8),
        subsequence(TRANSFORMATIONS.to_vec(), 0..=3),
        any::<bool>(),
    )
        .prop_map(
            |(offices, operations, purposes, attributes, transformations, case_required)| {
                let person = operations.iter().any(|o| o.has_attributes());
                let set = expand(&attributes);
                let transformations = if person {
                    transformations
                        .into_iter()
                        .filter(|t| {
                            !expand(transformation_targets(t))
                                .intersection(set)
                                .is_empty()
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                RuleSpec {
                    offices,
                    attributes: if person { attributes } else { Vec::new() },
                    operations,
                    purposes,
                    transformations,
                    case_required,
                }
            },
        )
}

fn arb_policy() -> impl Strategy<Value = PolicySpec> {
    prop::collection::vec(arb_rule(), 1..=5).prop_map(|rules| PolicySpec { rules })
}

fn quoted(v: &[&str]) -> String {
    v.iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The policy file of a spec. Every rule gets its own precedence (its
/// index), so overlaps are never ambiguous.
fn to_toml(spec: &PolicySpec) -> String {
    to_toml_ordered(spec, false)
}

/// The policy file with the `[[rule]]` tables in file order or reversed.
fn to_toml_ordered(spec: &PolicySpec, reverse: bool) -> String {
    let mut s = String::from(
        "format_version = 1\n[policy]\nid = \"prop\"\nvalid_from = 2026-01-01\nvalid_until = 2026-12-31\n",
    );
    for p in DECLARED {
        s.push_str(&format!(
            "[[purpose]]\ncode = \"{p}\"\nname = \"Zweck {p}\"\n"
        ));
    }
    for (i, o) in OFFICES.iter().enumerate() {
        s.push_str(&format!(
            "[[office]]\nid = \"{o}\"\nname = \"Amt {i}\"\ndvdv_id = \"ora:{i}\"\ncert_identity = \"{o}.example\"\n"
        ));
    }
    let mut order: Vec<usize> = (0..spec.rules.len()).collect();
    if reverse {
        order.reverse();
    }
    for i in order {
        let r = &spec.rules[i];
        let ops: Vec<&str> = r.operations.iter().map(|o| o.as_str()).collect();
        s.push_str(&format!(
            "[[rule]]\nid = \"r{i}\"\noffices = [{}]\noperations = [{}]\npurposes = [{}]\nattributes = [{}]\n\
             transformations = [{}]\ncase_reference_required = {}\nretention = \"{} months\"\nprecedence = {i}\n\
             [rule.legal_basis]\nlaw = \"AZRG\"\nsection = \"§ {i}\"\ncitation = \"Regel {i}\"\n",
            quoted(&r.offices),
            quoted(&ops),
            quoted(&r.purposes),
            quoted(&r.attributes),
            quoted(&r.transformations),
            r.case_required,
            i + 1
        ));
    }
    s
}

#[derive(Debug, Clone)]
struct Req {
    office: &'static str,
    op: Operation,
    purpose: Option<&'static str>,
    case: Option<&'static str>,
    date: &'static str,
}

fn arb_request() -> impl Strategy<Value = Req> {
    (
        prop_oneof![9 => select(OFFICES.to_vec()), 1 => Just("amt-x")],
        select(Operation::ALL.to_vec()),
        prop_oneof![
            1 => Just(None),
            1 => Just(Some("")),
            1 => Just(Some("99")),
            12 => select(vec!["26", "61", "70", "X01", "X02", "25"]).prop_map(Some),
        ],
        prop_oneof![Just(None), Just(Some("AZ-7")), Just(Some("  "))],
        prop_oneof![8 => Just("2026-06-30"), 1 => Just("2025-12-31"), 1 => Just("2027-01-01")],
    )
        .prop_map(|(office, op, purpose, case, date)| Req {
            office,
            op,
            purpose,
            case,
            date,
        })
}

/// Naive decision: scan the rules; the matching rule with the highest
/// precedence (= index) decides.
fn naive_decide(spec: &PolicySpec, r: &Req) -> Result<usize, DenyReason> {
    if r.date != "2026-06-30" {
        return Err(DenyReason::OutsideValidity);
    }
    if !OFFICES.contains(&r.office) {
        return Err(DenyReason::UnknownOffice);
    }
    let purpose = match r.purpose {
        None | Some("") => return Err(DenyReason::NoPurpose),
        Some(p) => p,
    };
    if !BUILTIN.contains(&purpose)
        && !DECLARED.contains(&purpose)
        && !["25", "27", "28", "62"].contains(&purpose)
    {
        return Err(DenyReason::UndeclaredPurpose);
    }
    let mut winner = None;
    for (i, rule) in spec.rules.iter().enumerate() {
        if rule.offices.contains(&r.office)
            && rule.operations.contains(&r.op)
            && rule.purposes.contains(&purpose)
        {
            winner = Some(i);
        }
    }
    let i = winner.ok_or(DenyReason::NoMatchingRule)?;
    if spec.rules[i].case_required && r.case.is_none_or(|c| c.trim().is_empty()) {
        return Err(DenyReason::CaseReferenceRequired);
    }
    Ok(i)
}

fn reduce_year(v: &mut Value) {
    if let Value::String(s) = v
        && s != "unbekannt"
    {
        s.truncate(4);
    }
}

fn reduce_address(v: &mut Value) -> bool {
    if let Value::Object(m) = v {
        m.retain(|k, _| k == "postleitzahl" || k == "ort");
        !m.is_empty()
    } else {
        false
    }
}

/// Naive disclosure: keep the JSON keys named by the permitted dotted
/// names (the catalogue names are the JSON paths), drop empty sections,
/// then apply the transformations to the JSON.
fn naive_disclose(record: &Value, names: &[&str], transformations: &[&str]) -> Value {
    let src = record.as_object().expect("object");
    let mut out = Map::new();
    out.insert("fldm_id".into(), src["fldm_id"].clone());
    for n in names {
        let parts: Vec<&str> = n.split('.').collect();
        match parts.as_slice() {
            [top] => {
                if let Some(v) = src.get(*top) {
                    out.insert((*top).to_string(), v.clone());
                }
            }
            [top, field] => {
                if let Some(v) = src.get(*top).and_then(|s| s.get(*field)) {
                    out.entry(top.to_string())
                        .or_insert_with(|| Value::Object(Map::new()))
                        .as_object_mut()
                        .expect("section")
                        .insert((*field).to_string(), v.clone());
                }
            }
            _ => panic!("unexpected name {n}"),
        }
    }
    for t in transformations {
        match *t {
            "birth_date_year" => {
                if let Some(g) = out
                    .get_mut("grundpersonalien")
                    .and_then(|g| g.get_mut("geburtsdatum"))
                {
                    reduce_year(g);
                }
                if let Some(Value::Array(a)) = out
                    .get_mut("weitere_personalien")
                    .and_then(|w| w.get_mut("aliaspersonalien"))
                {
                    for alias in a {
                        if let Some(d) = alias.get_mut("geburtsdatum") {
                            reduce_year(d);
                        }
                    }
                }
            }
            "address_postcode_municipality" => {
                if let Some(Value::Object(an)) = out.get_mut("anschrift") {
                    if let Some(a) = an.get_mut("aktuell")
                        && !reduce_address(a)
                    {
                        an.remove("aktuell");
                    }
                    if let Some(Value::Array(list)) = an.get_mut("fruehere") {
                        list.retain_mut(reduce_address);
                        if list.is_empty() {
                            an.remove("fruehere");
                        }
                    }
                    if an.is_empty() {
                        out.remove("anschrift");
                    }
                }
            }
            _ => {
                if let Some(Value::Array(a)) = out
                    .get_mut("grundpersonalien")
                    .and_then(|g| g.get_mut("staatsangehoerigkeiten"))
                {
                    a.truncate(1);
                }
            }
        }
    }
    Value::Object(out)
}

/// Expand group names to attribute names (as JSON paths).
fn expanded_names(names: &[&str]) -> Vec<&'static str> {
    expand(names).names()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn disclosures_are_exactly_the_permitted_attributes(
        spec in arb_policy(),
        person in support::arb_person(),
        requests in prop::collection::vec(arb_request(), 1..8),
    ) {
        let text = to_toml(&spec);
        let policy = Policy::from_str(&text, "prop.toml").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let record_json = serde_json::to_value(&person).expect("json");
        let present = attribute::present(&person);
        for r in &requests {
            let decision = policy.decide(&Request {
                office: r.office,
                operation: r.op,
                purpose: r.purpose,
                case_reference: r.case,
                date: Datum::parse(r.date).expect("date"),
            });
            let naive = naive_decide(&spec, r);
            match (&decision, naive) {
                (Decision::Deny(d), Err(reason)) => prop_assert_eq!(d.reason, reason),
                (Decision::Permit(p), Ok(i)) => {
                    prop_assert_eq!(p.rule_id(), format!("r{i}"));
                    let rule = &spec.rules[i];
                    let permitted = expand(&rule.attributes);
                    prop_assert_eq!(p.attributes(), permitted);
                    let d = p.apply(&person);
                    prop_assert_eq!(&d.fldm_id, &person.fldm_id);
                    let disclosed = attribute::present(&d);
                    // Nothing beyond the permit.
                    prop_assert!(disclosed.is_subset(&permitted), "disclosed {:?} permitted {:?}", disclosed, permitted);
                    // Everything permitted and present, except where a transformation may drop it.
                    let droppable = if rule.transformations.contains(&"address_postcode_municipality") {
                        expand(&["anschrift"])
                    } else {
                        AttributeSet::empty()
                    };
                    let must = AttributeSet::from_bits(present.intersection(permitted).bits() & !droppable.bits());
                    prop_assert!(must.is_subset(&disclosed), "missing {:?}", must.names());
                    // Untransformed attributes carry the record's value.
                    let touched = rule.transformations.iter()
                        .map(|t| expand(transformation_targets(t)))
                        .fold(AttributeSet::empty(), AttributeSet::union);
                    let plain = AttributeSet::from_bits(permitted.bits() & !touched.bits());
                    prop_assert_eq!(attribute::project(&d, plain), attribute::project(&person, plain));
                    // Differential: JSON key filtering gives the same disclosure.
                    let names = expanded_names(&rule.attributes);
                    let want = naive_disclose(&record_json, &names, &rule.transformations);
                    let got = serde_json::to_value(&d).expect("json");
                    prop_assert_eq!(got, want);
                }
                (got, want) => prop_assert!(false, "engine {:?} vs naive {:?} for {:?}", got, want, r),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The order of the rules in the file changes neither the hash nor any decision.
    #[test]
    fn rule_order_changes_neither_hash_nor_decisions(
        spec in arb_policy(),
        requests in prop::collection::vec(arb_request(), 1..16),
    ) {
        let a = Policy::from_str(&to_toml_ordered(&spec, false), "a.toml").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let b = Policy::from_str(&to_toml_ordered(&spec, true), "b.toml").map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(a.hash(), b.hash());
        for r in &requests {
            let req = Request {
                office: r.office,
                operation: r.op,
                purpose: r.purpose,
                case_reference: r.case,
                date: Datum::parse(r.date).expect("date"),
            };
            prop_assert_eq!(summary(&a.decide(&req)), summary(&b.decide(&req)));
        }
    }
}

/// What a decision says, without where the deciding rule is in its file.
fn summary(d: &Decision) -> String {
    match d {
        Decision::Permit(p) => format!(
            "permit {} {:?} {:?} {} {} {}",
            p.rule_id(),
            p.attributes(),
            p.transformations(),
            p.legal_basis(),
            p.case_reference_required(),
            p.policy_hash()
        ),
        Decision::Deny(d) => format!("deny {} {} {}", d.reason, d.message, d.policy_hash),
    }
}
