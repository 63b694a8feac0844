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

/// Where each `[[rule]]` table starts, and its id, from the first pass;
/// and where the other tables start (a rule's region ends at the next one).
pub(super) struct Locations {
    rules: Vec<(usize, Option<String>)>,
    others: Vec<usize>,
}

pub(super) fn locations(root: &toml::de::DeTable<'_>) -> Locations {
    let mut loc = Locations {
        rules: Vec::new(),
        others: Vec::new(),
    };
    for (key, value) in root.iter() {
        let is_rule = key.get_ref() == "rule";
        let elements: Vec<&Spanned<toml::de::DeValue<'_>>> = match value.get_ref().as_array() {
            Some(arr) => arr.iter().collect(),
            None => vec![value],
        };
        for e in elements {
            if is_rule {
                let id = e
                    .get_ref()
                    .as_table()
                    .and_then(|t| t.get("id"))
                    .and_then(|v| v.get_ref().as_str())
                    .map(str::to_string);
                loc.rules.push((e.span().start, id));
            } else if e.get_ref().is_table() {
                loc.others.push(e.span().start);
            }
        }
    }
    loc
}

/// The id of the rule whose region contains `offset`, if any.
pub(super) fn locate_rule(loc: &Locations, offset: usize) -> Option<String> {
    let (start, id) = loc
        .rules
        .iter()
        .filter(|(start, _)| *start <= offset)
        .max_by_key(|(start, _)| *start)?;
    if loc.others.iter().any(|o| *o > *start && *o <= offset) {
        return None;
    }
    id.clone()
}
