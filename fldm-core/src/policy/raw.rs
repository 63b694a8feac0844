//! The raw shape of a policy file as serde reads it (every value a later
//! check may complain about keeps its span), and where its `[[rule]]`
//! tables are, so that an error can name its rule.

use serde::Deserialize;
use toml::Spanned;

pub(super) type S<T> = Spanned<T>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub(super) format_version: S<i64>,
    pub(super) policy: S<RawHeader>,
    #[serde(default)]
    pub(super) purpose: Vec<S<RawPurpose>>,
    #[serde(default)]
    pub(super) office: Vec<S<RawOffice>>,
    #[serde(default)]
    pub(super) rule: Vec<S<RawRule>>,
    #[serde(default)]
    pub(super) deletion: Vec<S<RawDeletion>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHeader {
    pub(super) id: S<String>,
    #[serde(default)]
    pub(super) description: String,
    pub(super) valid_from: S<toml::Value>,
    #[serde(default)]
    pub(super) valid_until: Option<S<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPurpose {
    pub(super) code: S<String>,
    pub(super) name: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOffice {
    pub(super) id: S<String>,
    pub(super) name: S<String>,
    pub(super) dvdv_id: S<String>,
    pub(super) cert_identity: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLegalBasis {
    pub(super) law: S<String>,
    pub(super) section: S<String>,
    pub(super) citation: S<String>,
}

pub(super) type List = S<Vec<S<String>>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub(super) id: S<String>,
    #[serde(default)]
    pub(super) description: String,
    pub(super) offices: List,
    pub(super) operations: List,
    pub(super) purposes: List,
    #[serde(default)]
    pub(super) attributes: Option<List>,
    #[serde(default)]
    pub(super) transformations: Option<List>,
    #[serde(default)]
    pub(super) case_reference_required: Option<bool>,
    #[serde(default)]
    pub(super) retention: Option<S<String>>,
    #[serde(default)]
    pub(super) retention_note: String,
    #[serde(default)]
    pub(super) precedence: Option<S<i64>>,
    pub(super) legal_basis: S<RawLegalBasis>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDeletion {
    pub(super) id: S<String>,
    #[serde(default)]
    pub(super) description: String,
    pub(super) start: S<String>,
    pub(super) period: S<String>,
    pub(super) period_start: S<String>,
    #[serde(default)]
    pub(super) owners: Option<List>,
    pub(super) legal_basis: S<RawLegalBasis>,
    #[serde(default)]
    pub(super) dpo_confirmed: bool,
}

/// Where each `[[rule]]` and `[[deletion]]` table starts, and its id, from
/// the first pass; and where the other tables (deletion tables included)
/// start (a rule's region ends at the next one).
pub(super) struct Locations {
    rules: Vec<(usize, Option<String>)>,
    deletions: Vec<(usize, Option<String>)>,
    others: Vec<usize>,
}

pub(super) fn locations(root: &toml::de::DeTable<'_>) -> Locations {
    let mut loc = Locations {
        rules: Vec::new(),
        deletions: Vec::new(),
        others: Vec::new(),
    };
    for (key, value) in root.iter() {
        let is_rule = key.get_ref() == "rule";
        let is_deletion = key.get_ref() == "deletion";
        let elements: Vec<&Spanned<toml::de::DeValue<'_>>> = match value.get_ref().as_array() {
            Some(arr) => arr.iter().collect(),
            None => vec![value],
        };
        for e in elements {
            let id = || {
                e.get_ref()
                    .as_table()
                    .and_then(|t| t.get("id"))
                    .and_then(|v| v.get_ref().as_str())
                    .map(str::to_string)
            };
            if is_rule {
                loc.rules.push((e.span().start, id()));
            } else if e.get_ref().is_table() {
                if is_deletion {
                    loc.deletions.push((e.span().start, id()));
                }
                loc.others.push(e.span().start);
            }
        }
    }
    loc
}

/// The id of the rule whose region contains `offset`, if any.
pub(super) fn locate_rule(loc: &Locations, offset: usize) -> Option<String> {
    locate(&loc.rules, loc, offset)
}

/// The id of the deletion rule whose region contains `offset`, if any.
pub(super) fn locate_deletion(loc: &Locations, offset: usize) -> Option<String> {
    locate(&loc.deletions, loc, offset)
}

/// The id of the table of `tables` whose region (up to the next table of
/// any kind) contains `offset`.
fn locate(tables: &[(usize, Option<String>)], loc: &Locations, offset: usize) -> Option<String> {
    let (start, id) = tables
        .iter()
        .filter(|(start, _)| *start <= offset)
        .max_by_key(|(start, _)| *start)?;
    let next = loc.others.iter().chain(loc.rules.iter().map(|(s, _)| s));
    if next.into_iter().any(|o| *o > *start && *o <= offset) {
        return None;
    }
    id.clone()
}
