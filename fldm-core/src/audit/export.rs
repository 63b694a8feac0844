//! Export of a journal as JSON lines and as XML (element names in
//! `docs/audit-format.md`).
//!
//! JSON lines: one line per entry, the entry's canonical JSON; a pruned
//! entry is `{"index":N,"pruned":true,"leaf_hash":"<hex>"}`.

use std::io::Write;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::canon::{self, hex};
use super::dates::{format_date, format_time_ms};
use super::read::ReadEntry;
use super::record::AuditRecord;
use crate::error::{Error, Result};

fn werr(e: std::io::Error) -> Error {
    Error::io("writing the export", e)
}

/// Write `entries` as JSON lines.
pub fn write_jsonl<W: Write>(entries: &[ReadEntry], mut out: W) -> Result<()> {
    let mut line = Vec::with_capacity(1024);
    for e in entries {
        line.clear();
        match e {
            ReadEntry::Entry(e) => line.extend_from_slice(&e.canonical_bytes()),
            ReadEntry::Pruned { index, leaf } => {
                line.extend_from_slice(b"{\"index\":");
                canon::push_u64(&mut line, *index);
                line.extend_from_slice(b",\"pruned\":true,\"leaf_hash\":");
                canon::push_hash(&mut line, leaf);
                line.push(b'}');
            }
        }
        line.push(b'\n');
        out.write_all(&line).map_err(werr)?;
    }
    out.flush().map_err(werr)
}

fn text<W: Write>(w: &mut Writer<W>, name: &str, value: &str) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))
        .map(|_| ())
}

fn opt<W: Write>(w: &mut Writer<W>, name: &str, value: Option<&str>) -> std::io::Result<()> {
    match value {
        Some(v) => text(w, name, v),
        None => Ok(()),
    }
}

fn write_record<W: Write>(w: &mut Writer<W>, r: &AuditRecord) -> std::io::Result<()> {
    text(w, "eventId", &r.event_id)?;
    text(w, "requestId", &r.request_id)?;
    w.create_element("time")
        .with_attribute(("ms", r.time_ms.to_string().as_str()))
        .write_text_content(BytesText::new(&format_time_ms(r.time_ms)))?;
    text(w, "stage", r.stage.as_str())?;
    text(w, "operation", r.operation.as_str())?;
    text(w, "requestingOffice", &r.requesting_office)?;
    text(w, "retrievingPerson", &r.retrieving_person)?;
    text(w, "responsiblePerson", &r.responsible_person)?;
    opt(w, "recipient", r.recipient.as_deref())?;
    text(w, "purpose", &r.purpose)?;
    opt(w, "caseReference", r.case_reference.as_deref())?;
    opt(w, "legalBasis", r.legal_basis.as_deref())?;
    opt(w, "ruleId", r.rule_id.as_deref())?;
    opt(w, "policyHash", r.policy_hash.as_deref())?;
    w.create_element("queryCriteria").write_inner_content(|w| {
        for c in &r.query_criteria {
            w.create_element("criterion")
                .with_attribute(("attribute", c.attribute.as_str()))
                .write_text_content(BytesText::new(&c.value_hmac))?;
        }
        Ok(())
    })?;
    w.create_element("disclosedAttributes")
        .write_inner_content(|w| {
            for a in &r.disclosed_attributes {
                text(w, "attribute", a)?;
            }
            Ok(())
        })?;
    opt(w, "payloadDigest", r.payload_digest.as_deref())?;
    opt(w, "subjectRef", r.subject_ref.as_deref())?;
    if !r.subject_refs.is_empty() {
        w.create_element("subjectRefs").write_inner_content(|w| {
            for s in &r.subject_refs {
                text(w, "ref", s)?;
            }
            Ok(())
        })?;
    }
    let outcome = w
        .create_element("outcome")
        .with_attribute(("kind", r.outcome.kind.as_str()));
    match &r.outcome.reason {
        Some(reason) => outcome
            .with_attribute(("reason", reason.as_str()))
            .write_empty()?,
        None => outcome.write_empty()?,
    };
    text(w, "retentionUntil", &format_date(r.retention_until))
}

/// Write `entries` as one XML document (UTF-8, indented).
pub fn write_xml<W: Write>(entries: &[ReadEntry], out: W) -> Result<()> {
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(werr)?;
    w.create_element("auditJournal")
        .with_attribute(("format", "fldm-audit/1"))
        .write_inner_content(|w| {
            for e in entries {
                match e {
                    ReadEntry::Entry(e) => {
                        let leaf = super::merkle::leaf_hash(&e.canonical_bytes());
                        w.create_element("entry")
                            .with_attribute(("index", e.index.to_string().as_str()))
                            .with_attribute(("prev", hex(&e.prev).as_str()))
                            .with_attribute(("leafHash", hex(&leaf).as_str()))
                            .write_inner_content(|w| write_record(w, &e.record))?;
                    }
                    ReadEntry::Pruned { index, leaf } => {
                        w.create_element("prunedEntry")
                            .with_attribute(("index", index.to_string().as_str()))
                            .with_attribute(("leafHash", hex(leaf).as_str()))
                            .write_empty()?;
                    }
                }
            }
            Ok(())
        })
        .map_err(werr)?;
    let mut inner = w.into_inner();
    inner.write_all(b"\n").map_err(werr)?;
    inner.flush().map_err(werr)
}
