//! "What does office X get for purpose P, and why": explanation rows and
//! the processing matrix for the DSGVO Art. 30 records.

use super::model::{LegalBasis, Operation, Retention, Transformation};

/// One permitted (office, purpose, operation) with the deciding rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainRow {
    /// Office id.
    pub office: String,
    /// Office display name.
    pub office_name: String,
    /// Purpose code.
    pub purpose: String,
    /// Purpose name.
    pub purpose_name: String,
    /// Operation.
    pub operation: Operation,
    /// Deciding rule.
    pub rule_id: String,
    /// Permitted attributes (catalogue names, catalogue order).
    pub attributes: Vec<&'static str>,
    /// Transformations.
    pub transformations: Vec<Transformation>,
    /// Legal basis.
    pub legal_basis: LegalBasis,
    /// Whether a case reference is mandatory.
    pub case_reference_required: bool,
    /// Retention period of the received data.
    pub retention: Option<Retention>,
    /// Note on retention.
    pub retention_note: String,
}

impl ExplainRow {
    fn retention_text(&self) -> String {
        let mut s = self.retention.map(|r| r.to_string()).unwrap_or_default();
        if !self.retention_note.is_empty() {
            if !s.is_empty() {
                s.push_str("; ");
            }
            s.push_str(&self.retention_note);
        }
        s
    }

    fn transformations_text(&self) -> String {
        self.transformations
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Column names of [`to_csv`].
pub const CSV_COLUMNS: &[&str] = &[
    "office",
    "office_name",
    "purpose",
    "purpose_name",
    "operation",
    "attributes",
    "transformations",
    "legal_basis",
    "citation",
    "case_reference_required",
    "retention",
    "retention_note",
    "rule",
];

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The rows as CSV (RFC 4180, CRLF line ends, header line first).
/// Attributes and transformations are separated by spaces within their field.
pub fn to_csv(rows: &[ExplainRow]) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for r in rows {
        let fields = [
            r.office.clone(),
            r.office_name.clone(),
            r.purpose.clone(),
            r.purpose_name.clone(),
            r.operation.as_str().to_string(),
            r.attributes.join(" "),
            r.transformations_text(),
            r.legal_basis.short(),
            r.legal_basis.citation.clone(),
            r.case_reference_required.to_string(),
            r.retention.map(|x| x.to_string()).unwrap_or_default(),
            r.retention_note.clone(),
            r.rule_id.clone(),
        ];
        out.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace(['\r', '\n'], " ")
}

/// The rows as a Markdown table.
pub fn to_markdown(rows: &[ExplainRow]) -> String {
    let mut out = String::from(
        "| office | purpose | operation | attributes | transformations | legal basis | case reference | retention | rule |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let attrs = if r.attributes.is_empty() {
            "(no person data)".to_string()
        } else {
            r.attributes
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "| {} ({}) | {} {} | {} | {} | {} | {} | {} | {} | `{}` |\n",
            md(&r.office),
            md(&r.office_name),
            md(&r.purpose),
            md(&r.purpose_name),
            r.operation,
            attrs,
            md(&r.transformations_text()),
            md(&r.legal_basis.short()),
            if r.case_reference_required {
                "required"
            } else {
                "optional"
            },
            md(&r.retention_text()),
            md(&r.rule_id),
        ));
    }
    out
}

/// The rows as a plain-text report for people (`fldm policy explain`).
pub fn to_text(rows: &[ExplainRow]) -> String {
    let mut out = String::new();
    for r in rows {
        out.push_str(&format!(
            "{} ({}) - purpose {} ({}) - {}\n",
            r.office, r.office_name, r.purpose, r.purpose_name, r.operation
        ));
        out.push_str(&format!("  rule:            {}\n", r.rule_id));
        out.push_str(&format!("  legal basis:     {}\n", r.legal_basis.short()));
        out.push_str(&format!("  citation:        {}\n", r.legal_basis.citation));
        if r.attributes.is_empty() {
            out.push_str("  attributes:      (no person data)\n");
        } else {
            out.push_str(&format!("  attributes:      {}\n", r.attributes.len()));
            for a in &r.attributes {
                out.push_str(&format!("    - {a}\n"));
            }
        }
        if !r.transformations.is_empty() {
            out.push_str(&format!(
                "  transformations: {}\n",
                r.transformations_text()
            ));
        }
        out.push_str(&format!(
            "  case reference:  {}\n",
            if r.case_reference_required {
                "required"
            } else {
                "optional"
            }
        ));
        let ret = r.retention_text();
        if !ret.is_empty() {
            out.push_str(&format!("  retention:       {ret}\n"));
        }
        out.push('\n');
    }
    out
}
