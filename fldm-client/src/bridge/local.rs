//! Local work the faces share, without a hub: policy decisions, explain,
//! applying a permit to records, verifying journals and proof bundles,
//! and decoding arguments.

use std::path::Path;

use serde::de::DeserializeOwned;

use fldm_core::audit::{Bundle, PublicKey, verify_dir as core_verify_dir};
use fldm_core::codec::{json, xml};
use fldm_core::date::Datum;
use fldm_core::lifecycle::DeletionReason;
use fldm_core::policy::{self, Decision, Operation, Permit, Policy, Request};
use fldm_core::wire::CorrectionStatus;

use super::error::{Error, Result};
use super::request::{ActionArg, FormatArg};
use super::view::{BundleView, ExplainRowView, VerifyView};
use crate::client::Context;

/// The call context: purpose (Abrufzweck) and case reference
/// (Geschäftszeichen, if any).
pub fn context(purpose: &str, case_reference: Option<&str>) -> Context {
    let c = Context::new(purpose);
    match case_reference {
        Some(k) => c.case(k),
        None => c,
    }
}

/// Decode a JSON argument strictly (unknown fields are errors naming the
/// field; validated values are checked): a search query, an address, a
/// correction report.
pub fn parse_json<T: DeserializeOwned>(text: &str) -> Result<T> {
    Ok(json::decode::<T>(text, json::Strictness::Strict)?.0)
}

/// A correction status: `open`, `accepted` or `rejected`.
pub fn parse_correction_status(s: &str) -> Result<CorrectionStatus> {
    match s {
        "open" => Ok(CorrectionStatus::Open),
        "accepted" => Ok(CorrectionStatus::Accepted),
        "rejected" => Ok(CorrectionStatus::Rejected),
        _ => Err(Error::request(
            "status",
            "status must be open, accepted or rejected",
        )),
    }
}

/// An operation of the policy: `read`, `search`, `write`, `changes`,
/// `statistics`, `audit`.
pub fn parse_operation(s: &str) -> Result<Operation> {
    Operation::parse(s).ok_or_else(|| {
        Error::request(
            "operation",
            "operation must be one of read, search, write, changes, statistics, audit",
        )
    })
}

/// A deletion reason code (`frist`, `wegzug`, `einbuergerung`, `tod`,
/// `ausreise`, `doppelerfassung`, `berichtigung`, `abgang`, `sonstiges`);
/// an unknown code is [`Error::Request`] naming `reason`.
pub fn parse_deletion_reason(s: &str) -> Result<DeletionReason> {
    DeletionReason::parse(s).ok_or_else(|| {
        let codes: Vec<&str> = DeletionReason::ALL.iter().map(|r| r.as_str()).collect();
        Error::request(
            "reason",
            format!("reason must be one of {}", codes.join(", ")),
        )
    })
}

/// The format of an import file: `json` (JSON lines) or `xml`; anything
/// else is [`Error::Request`] naming `format`.
pub fn parse_import_format(s: &str) -> Result<FormatArg> {
    match s {
        "json" => Ok(FormatArg::Json),
        "xml" => Ok(FormatArg::Xml),
        _ => Err(Error::request("format", "format must be json or xml")),
    }
}

/// What a receiver did with its copy of a deleted record: `deleted` or
/// `relinked`; anything else is [`Error::Request`] naming `action`.
pub fn parse_action(s: &str) -> Result<ActionArg> {
    match s {
        "deleted" => Ok(ActionArg::Deleted),
        "relinked" => Ok(ActionArg::Relinked),
        _ => Err(Error::request(
            "action",
            "action must be deleted or relinked",
        )),
    }
}

fn parse_date(date: Option<&str>) -> Result<Datum> {
    match date {
        None => Ok(policy::today_utc()?),
        Some(d) => Datum::parse(d).map_err(|k| {
            Error::Core(fldm_core::Error::Validation(
                fldm_core::ValidationError::new("date", k),
            ))
        }),
    }
}

/// Decide a request locally: may `office` perform `operation` for
/// `purpose` with `case_reference` on `date` (`YYYY-MM-DD`, `None` =
/// today in UTC)? A denial is a decision, not an error.
pub fn decide(
    policy: &Policy,
    office: &str,
    operation: &str,
    purpose: Option<&str>,
    case_reference: Option<&str>,
    date: Option<&str>,
) -> Result<Decision> {
    let request = Request {
        office,
        operation: parse_operation(operation)?,
        purpose,
        case_reference,
        date: parse_date(date)?,
    };
    Ok(policy.decide(&request))
}

/// As [`decide`], with a denial as [`Error::Denied`].
pub fn permit(
    policy: &Policy,
    office: &str,
    operation: &str,
    purpose: Option<&str>,
    case_reference: Option<&str>,
    date: Option<&str>,
) -> Result<Permit> {
    match decide(policy, office, operation, purpose, case_reference, date)? {
        Decision::Permit(p) => Ok(p),
        Decision::Deny(d) => Err(Error::Denied {
            reason: d.reason.code().to_string(),
            message: d.message,
        }),
    }
}

/// Apply a permit to one JSON record (strictly decoded and validated); the
/// disclosure as compact JSON.
pub fn apply_json(permit: &Permit, record: &str) -> Result<String> {
    let p = json::person_from_json(record, json::Strictness::Strict)?;
    Ok(json::person_to_json(&permit.apply(&p)))
}

/// Apply a permit to one XML record (`<fldm:person>` document); the
/// disclosure as an XML document.
pub fn apply_xml(permit: &Permit, record: &str) -> Result<String> {
    let p = xml::person_from_xml(record)?;
    Ok(xml::person_to_xml(&permit.apply(&p)))
}

/// What `office` (`None`: all) receives for `purpose` (`None`: all), and why.
pub fn explain_rows(
    policy: &Policy,
    office: Option<&str>,
    purpose: Option<&str>,
) -> Vec<ExplainRowView> {
    policy
        .explain(office, purpose)
        .iter()
        .map(ExplainRowView::from)
        .collect()
}

/// [`explain_rows`] as text: `format` is `text`, `markdown`, `csv` (the
/// DSGVO Art. 30 matrix) or `json` (an array of [`ExplainRowView`]).
pub fn explain(
    policy: &Policy,
    office: Option<&str>,
    purpose: Option<&str>,
    format: &str,
) -> Result<String> {
    let rows = policy.explain(office, purpose);
    match format {
        "text" => Ok(policy::to_text(&rows)),
        "markdown" => Ok(policy::to_markdown(&rows)),
        "csv" => Ok(policy::to_csv(&rows)),
        "json" => to_json(&rows.iter().map(ExplainRowView::from).collect::<Vec<_>>()),
        _ => Err(Error::request(
            "format",
            "format must be one of text, markdown, csv, json",
        )),
    }
}

/// Verify the journal in `dir` with the owner's public key file. Intact:
/// the report; tampered: [`Error::Tampered`] listing every problem.
pub fn verify_dir(dir: &Path, public_key: &Path) -> Result<VerifyView> {
    let key = PublicKey::load(public_key)?;
    let r = core_verify_dir(dir, &key)?;
    if !r.is_intact() {
        return Err(Error::Tampered {
            problems: r.problems.iter().map(ToString::to_string).collect(),
        });
    }
    Ok(VerifyView::from(&r))
}

/// Verify an offline proof bundle (the JSON text of `fldm audit prove`)
/// with the owner's public key file; [`Error::BundleInvalid`] if the proof
/// or the signature does not verify.
pub fn verify_bundle(bundle_json: &str, public_key: &Path) -> Result<BundleView> {
    let key = PublicKey::load(public_key)?;
    let bundle = Bundle::from_json(bundle_json)?;
    bundle
        .verify(&key)
        .map_err(|p| Error::BundleInvalid(p.to_string()))?;
    Ok(BundleView::from(&bundle))
}

/// Any view as compact JSON.
pub fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(format!("encoding JSON: {e}")))
}
