//! Reading and validating policy files.
//!
//! Two passes over the text: the TOML parser (syntax errors, and the span of
//! every `[[rule]]` and `[[deletion]]` table so that an error can name its
//! rule), then serde
//! into the raw structures of `raw` with `deny_unknown_fields` and spans on
//! every value that a later check may complain about. Validation collects
//! all problems; each names the file, the line and (where there is one)
//! the rule.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use super::deletion::{self, DeletionRule};
use super::model::{
    ABRUFZWECK, DVDV_PRAEFIXE, LegalBasis, Office, Operation, Purpose, Retention, Rule,
    Transformation, Validity,
};
use super::raw::{List, RawFile, S, locate_deletion, locate_rule, locations};
use crate::attribute::AttributeSet;
use crate::date::Datum;

/// The policy format version this engine reads.
pub const FORMAT_VERSION: i64 = 1;

/// Largest policy file accepted, in bytes.
pub const MAX_POLICY_BYTES: usize = 4 << 20;

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFileError {
    /// File name as given to the loader.
    pub file: String,
    /// 1-based line (0 if the problem has no place in the file).
    pub line: usize,
    /// Id of the rule the problem is in, if any.
    pub rule: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PolicyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        if let Some(r) = &self.rule {
            write!(f, "rule {r:?}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyFileError {}

impl From<PolicyFileError> for crate::Error {
    fn from(e: PolicyFileError) -> Self {
        crate::Error::PolicyFile {
            file: e.file,
            line: e.line,
            rule: e.rule,
            message: e.message,
        }
    }
}

/// The validated content of a policy file.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub id: String,
    pub description: String,
    pub validity: Validity,
    pub purposes: Vec<Purpose>,
    pub offices: Vec<Office>,
    pub rules: Vec<Rule>,
    pub deletions: Vec<DeletionRule>,
}

pub(super) struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    pub(super) errors: Vec<PolicyFileError>,
}

impl Ctx<'_> {
    pub(super) fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        1 + self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    }

    pub(super) fn err(
        &mut self,
        span: Range<usize>,
        rule: Option<&str>,
        message: impl Into<String>,
    ) {
        let line = self.line(span.start);
        self.errors.push(PolicyFileError {
            file: self.file.to_string(),
            line,
            rule: rule.map(str::to_string),
            message: message.into(),
        });
    }
}

/// The entries of an optional list (none when the key is absent).
fn items(list: &Option<List>) -> &[S<String>] {
    list.as_ref().map_or(&[], |l| l.get_ref().as_slice())
}

pub(super) fn is_ident(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter().all(|&c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'_' | b'.')
        })
}

fn is_purpose_code(s: &str) -> bool {
    (1..=16).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_dvdv_id(s: &str) -> Result<(), String> {
    let Some((prefix, key)) = s.split_once(':') else {
        return Err(format!(
            "DVDV identifier {s:?} must have the form <Präfix>:<Kennung>"
        ));
    };
    if !DVDV_PRAEFIXE.contains(&prefix) {
        return Err(format!(
            "DVDV identifier {s:?}: prefix {prefix:?} is not in the DVDV prefix code list"
        ));
    }
    if key.is_empty()
        || key.len() > 64
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    {
        return Err(format!(
            "DVDV identifier {s:?}: the Kennung must be 1 to 64 characters A-Z, a-z, 0-9, '-', '_', '.', ':'"
        ));
    }
    Ok(())
}

pub(super) fn nonblank(s: &str) -> bool {
    !s.trim().is_empty() && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

fn date_value(v: &toml::Value) -> Option<Datum> {
    match v {
        toml::Value::String(s) => Datum::parse(s).ok(),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            let d = dt.date?;
            Datum::new(d.year, d.month, d.day).ok()
        }
        _ => None,
    }
}

/// Parse and validate. All problems are returned, sorted by line.
pub(crate) fn parse(text: &str, file: &str) -> Result<Parsed, Vec<PolicyFileError>> {
    let mut cx = Ctx {
        file,
        text,
        errors: Vec::new(),
    };
    if text.len() > MAX_POLICY_BYTES {
        cx.err(
            0..0,
            None,
            format!("policy file is larger than {MAX_POLICY_BYTES} bytes"),
        );
        return Err(cx.errors);
    }
    // Pass 1: syntax, and where the rules are.
    let locations = match toml::de::DeTable::parse(text) {
        Ok(root) => locations(root.get_ref()),
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            cx.err(
                span,
                None,
                format!("TOML syntax error: {}", e.message().trim()),
            );
            return Err(cx.errors);
        }
    };
    // Pass 2: structure.
    let raw: RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let rule = locate_rule(&locations, span.start);
            let message = e.message().trim();
            let message = match (&rule, locate_deletion(&locations, span.start)) {
                (None, Some(d)) => format!("deletion rule {d:?}: {message}"),
                _ => message.to_string(),
            };
            cx.err(span, rule.as_deref(), message);
            return Err(cx.errors);
        }
    };
    let parsed = validate(&mut cx, raw);
    if cx.errors.is_empty() {
        parsed.ok_or(cx.errors)
    } else {
        cx.errors.sort_by_key(|e| e.line);
        Err(cx.errors)
    }
}

fn validate(cx: &mut Ctx<'_>, raw: RawFile) -> Option<Parsed> {
    if *raw.format_version.get_ref() != FORMAT_VERSION {
        cx.err(
            raw.format_version.span(),
            None,
            format!(
                "unsupported format_version {} (this engine reads version {FORMAT_VERSION})",
                raw.format_version.get_ref()
            ),
        );
    }

    // Header.
    let header = raw.policy.into_inner();
    if !is_ident(header.id.get_ref()) {
        cx.err(
            header.id.span(),
            None,
            "policy id must be 1 to 64 characters a-z, 0-9, '-', '_', '.'",
        );
    }
    let from = date_value(header.valid_from.get_ref());
    if from.is_none() {
        cx.err(
            header.valid_from.span(),
            None,
            "valid_from must be a date YYYY-MM-DD",
        );
    }
    let until = match &header.valid_until {
        None => None,
        Some(v) => {
            let d = date_value(v.get_ref());
            if d.is_none() {
                cx.err(v.span(), None, "valid_until must be a date YYYY-MM-DD");
            }
            d
        }
    };
    if let (Some(f), Some(u), Some(v)) = (from, until, &header.valid_until)
        && u < f
    {
        cx.err(
            v.span(),
            None,
            format!("valid_until {u} is before valid_from {f}"),
        );
    }

    // Purposes: the built-in Abrufzweck codes, then the declared ones.
    let mut purposes: Vec<Purpose> = ABRUFZWECK
        .iter()
        .map(|(c, n)| Purpose {
            code: (*c).to_string(),
            name: (*n).to_string(),
            builtin: true,
        })
        .collect();
    let mut declared_line: HashMap<String, usize> = HashMap::new();
    for p in raw.purpose {
        let p = p.into_inner();
        let code = p.code.get_ref();
        if !is_purpose_code(code) {
            cx.err(
                p.code.span(),
                None,
                format!("purpose code {code:?} must be 1 to 16 characters A-Z, a-z, 0-9, '-', '_'"),
            );
            continue;
        }
        if ABRUFZWECK.iter().any(|(c, _)| c == code) {
            cx.err(
                p.code.span(),
                None,
                format!(
                    "purpose {code:?} is a built-in Abrufzweck code and must not be declared again"
                ),
            );
            continue;
        }
        if let Some(first) = declared_line.get(code) {
            cx.err(
                p.code.span(),
                None,
                format!("purpose {code:?} is declared twice (first on line {first})"),
            );
            continue;
        }
        if !nonblank(p.name.get_ref()) {
            cx.err(
                p.name.span(),
                None,
                format!("purpose {code:?} needs a name"),
            );
        }
        declared_line.insert(code.clone(), cx.line(p.code.span().start));
        purposes.push(Purpose {
            code: code.clone(),
            name: p.name.into_inner(),
            builtin: false,
        });
    }

    // Offices.
    let mut offices: Vec<Office> = Vec::new();
    let mut office_line: HashMap<String, usize> = HashMap::new();
    let mut cert_line: HashMap<String, usize> = HashMap::new();
    let mut dvdv_line: HashMap<String, usize> = HashMap::new();
    for o in raw.office {
        let o = o.into_inner();
        let id = o.id.get_ref().clone();
        let mut ok = true;
        if !is_ident(&id) {
            cx.err(
                o.id.span(),
                None,
                "office id must be 1 to 64 characters a-z, 0-9, '-', '_', '.'",
            );
            ok = false;
        } else if let Some(first) = office_line.get(&id) {
            cx.err(
                o.id.span(),
                None,
                format!("office {id:?} is declared twice (first on line {first})"),
            );
            ok = false;
        }
        if !nonblank(o.name.get_ref()) {
            cx.err(
                o.name.span(),
                None,
                format!("office {id:?} needs a display name"),
            );
        }
        if let Err(m) = is_dvdv_id(o.dvdv_id.get_ref()) {
            cx.err(o.dvdv_id.span(), None, format!("office {id:?}: {m}"));
        } else if let Some(first) = dvdv_line.get(o.dvdv_id.get_ref()) {
            cx.err(
                o.dvdv_id.span(),
                None,
                format!("office {id:?}: DVDV identifier is already used on line {first}"),
            );
        }
        let cn = o.cert_identity.get_ref();
        if cn.is_empty()
            || cn.len() > 255
            || cn.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            cx.err(
                o.cert_identity.span(),
                None,
                format!("office {id:?}: cert_identity must be 1 to 255 characters without spaces"),
            );
        } else if let Some(first) = cert_line.get(cn) {
            cx.err(
                o.cert_identity.span(),
                None,
                format!("office {id:?}: cert_identity is already mapped to another office on line {first}"),
            );
        }
        let line = cx.line(o.id.span().start);
        if ok {
            office_line.insert(id.clone(), line);
        }
        dvdv_line.insert(o.dvdv_id.get_ref().clone(), cx.line(o.dvdv_id.span().start));
        cert_line.insert(cn.clone(), cx.line(o.cert_identity.span().start));
        offices.push(Office {
            id,
            name: o.name.into_inner(),
            dvdv_id: o.dvdv_id.into_inner(),
            cert_identity: o.cert_identity.into_inner(),
        });
    }

    // Rules.
    let mut rules: Vec<Rule> = Vec::new();
    let mut rule_line: HashMap<String, usize> = HashMap::new();
    for r in raw.rule {
        let span = r.span();
        let r = r.into_inner();
        let before = cx.errors.len();
        let id = r.id.get_ref().clone();
        let rid = Some(id.as_str());
        if !is_ident(&id) {
            cx.err(
                r.id.span(),
                rid,
                "rule id must be 1 to 64 characters a-z, 0-9, '-', '_', '.'",
            );
        } else if let Some(first) = rule_line.get(&id) {
            cx.err(
                r.id.span(),
                rid,
                format!("duplicate rule id (first used on line {first})"),
            );
        } else {
            rule_line.insert(id.clone(), cx.line(r.id.span().start));
        }

        // Offices.
        let mut roffices: Vec<String> = Vec::new();
        if r.offices.get_ref().is_empty() {
            cx.err(r.offices.span(), rid, "rule names no office");
        }
        for o in r.offices.get_ref() {
            if !office_line.contains_key(o.get_ref()) {
                cx.err(o.span(), rid, format!("unknown office {:?}", o.get_ref()));
            } else if !roffices.contains(o.get_ref()) {
                roffices.push(o.get_ref().clone());
            }
        }
        roffices.sort();

        // Operations.
        let mut ops: Vec<Operation> = Vec::new();
        if r.operations.get_ref().is_empty() {
            cx.err(r.operations.span(), rid, "rule names no operation");
        }
        for o in r.operations.get_ref() {
            match Operation::parse(o.get_ref()) {
                Some(op) => {
                    if !ops.contains(&op) {
                        ops.push(op);
                    }
                }
                None => cx.err(
                    o.span(),
                    rid,
                    format!(
                        "unknown operation {:?} (expected one of read, search, write, changes, statistics, audit)",
                        o.get_ref()
                    ),
                ),
            }
        }
        ops.sort();
        let with_attrs = ops.iter().any(Operation::has_attributes);
        let without_attrs = ops.iter().any(|o| !o.has_attributes());
        if with_attrs && without_attrs {
            cx.err(
                r.operations.span(),
                rid,
                "statistics and audit disclose no person data and cannot share a rule with read, search, write or changes",
            );
        }
        let writes = ops.contains(&Operation::Write);

        // Purposes.
        let mut rpurposes: Vec<String> = Vec::new();
        if r.purposes.get_ref().is_empty() {
            cx.err(r.purposes.span(), rid, "rule names no purpose");
        }
        for p in r.purposes.get_ref() {
            if !purposes.iter().any(|k| &k.code == p.get_ref()) {
                cx.err(
                    p.span(),
                    rid,
                    format!(
                        "undeclared purpose {:?}: not a built-in Abrufzweck code and not declared in a [[purpose]] table",
                        p.get_ref()
                    ),
                );
            } else if !rpurposes.contains(p.get_ref()) {
                rpurposes.push(p.get_ref().clone());
            }
        }
        rpurposes.sort();

        // Attributes.
        let mut attrs = AttributeSet::empty();
        let attr_span = r
            .attributes
            .as_ref()
            .map(|a| a.span())
            .unwrap_or(span.clone());
        for a in items(&r.attributes) {
            match AttributeSet::from_name(a.get_ref()) {
                Some(s) => attrs = attrs.union(s),
                None if writes => {
                    let hint = if a.get_ref() == "fldm_id" {
                        " (the FLDM id is assigned by the hub)"
                    } else {
                        ""
                    };
                    cx.err(
                        a.span(),
                        rid,
                        format!(
                            "write right on attribute {:?}, which is not in the attribute catalogue{hint}",
                            a.get_ref()
                        ),
                    )
                }
                None => cx.err(
                    a.span(),
                    rid,
                    format!(
                        "unknown attribute or group {:?} (see docs/attributes.md)",
                        a.get_ref()
                    ),
                ),
            }
        }
        let attrs_given = r
            .attributes
            .as_ref()
            .is_some_and(|a| !a.get_ref().is_empty());
        if with_attrs && !attrs_given {
            cx.err(
                attr_span.clone(),
                rid,
                "empty attribute set: the rule grants no attribute",
            );
        }
        if !with_attrs && attrs_given {
            cx.err(
                attr_span.clone(),
                rid,
                "statistics and audit rules disclose no person data; remove the attributes",
            );
        }

        // Transformations.
        let mut transformations: Vec<Transformation> = Vec::new();
        for t in items(&r.transformations) {
            match Transformation::parse(t.get_ref()) {
                Some(tr) => {
                    if attrs_given && tr.attribute_set().intersection(attrs).is_empty() {
                        cx.err(
                            t.span(),
                            rid,
                            format!(
                                "transformation {:?} has no effect: the rule grants none of {}",
                                t.get_ref(),
                                tr.attributes().join(", ")
                            ),
                        );
                    }
                    if !transformations.contains(&tr) {
                        transformations.push(tr);
                    }
                }
                None => cx.err(
                    t.span(),
                    rid,
                    format!(
                        "unknown transformation {:?} (expected one of birth_date_year, address_postcode_municipality, first_nationality)",
                        t.get_ref()
                    ),
                ),
            }
        }
        transformations.sort();

        // Retention.
        let retention = match &r.retention {
            Some(s) => match Retention::parse(s.get_ref()) {
                Some(ret) => Some(ret),
                None => {
                    cx.err(
                        s.span(),
                        rid,
                        format!(
                            "retention {:?} must be \"<n> days\", \"<n> months\" or \"<n> years\"",
                            s.get_ref()
                        ),
                    );
                    None
                }
            },
            None => {
                if ops.iter().any(Operation::discloses_person_data) {
                    cx.err(
                        span.clone(),
                        rid,
                        "rule discloses person data but states no retention period (DSGVO Art. 30)",
                    );
                }
                None
            }
        };

        // Legal basis.
        let lb = r.legal_basis.into_inner();
        for (name, v) in [
            ("law", &lb.law),
            ("section", &lb.section),
            ("citation", &lb.citation),
        ] {
            if !nonblank(v.get_ref()) {
                cx.err(v.span(), rid, format!("legal_basis.{name} is empty"));
            }
        }

        if cx.errors.len() == before {
            rules.push(Rule {
                id,
                description: r.description,
                offices: roffices,
                operations: ops,
                purposes: rpurposes,
                legal_basis: LegalBasis {
                    law: lb.law.into_inner(),
                    section: lb.section.into_inner(),
                    citation: lb.citation.into_inner(),
                },
                attributes: attrs,
                transformations,
                case_reference_required: r.case_reference_required.unwrap_or(true),
                retention,
                retention_note: r.retention_note,
                precedence: r.precedence.as_ref().map(|p| *p.get_ref()),
                line: cx.line(span.start),
            });
        }
    }

    check_overlaps(cx, &rules);

    let deletions = deletion::validate(cx, raw.deletion, &office_line, &rule_line);

    Some(Parsed {
        id: header.id.into_inner(),
        description: header.description,
        validity: Validity { from: from?, until },
        purposes,
        offices,
        rules,
        deletions,
    })
}

/// Two rules that cover the same office, purpose and operation must grant
/// the same (attributes, transformations, case-reference requirement), or
/// differ in precedence.
fn check_overlaps(cx: &mut Ctx<'_>, rules: &[Rule]) {
    let mut seen: HashMap<(&str, Operation, &str), Vec<usize>> = HashMap::new();
    let mut reported: Vec<(usize, usize)> = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        for o in &r.offices {
            for op in &r.operations {
                for p in &r.purposes {
                    let earlier = seen.entry((o.as_str(), *op, p.as_str())).or_default();
                    for &j in earlier.iter() {
                        let first = &rules[j];
                        if first.grant_eq(r)
                            || first.effective_precedence() != r.effective_precedence()
                            || reported.contains(&(j, i))
                        {
                            continue;
                        }
                        reported.push((j, i));
                        cx.errors.push(PolicyFileError {
                            file: cx.file.to_string(),
                            line: r.line,
                            rule: Some(r.id.clone()),
                            message: format!(
                                "overlaps rule {:?} (line {}) for office {o:?}, purpose {p:?}, operation {op} \
                                 but grants a different set; give one of them an explicit, higher precedence",
                                first.id, first.line
                            ),
                        });
                    }
                    earlier.push(i);
                }
            }
        }
    }
}
