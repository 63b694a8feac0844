//! The JSON entry point: one typed request per operation, decoded with
//! errors that name the field, run on a blocking client.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use fldm_core::codec::import::{ImportFormat, person_from_import_json};
use fldm_core::lifecycle::DeletionReason;
use fldm_core::record::{Anschrift, Person};
use fldm_core::wire::{CorrectionReport, CorrectionStatus, SearchRequest};

use super::error::{Error, Result};
use super::local::{context, to_json};
use super::view::{
    AccessReport, AcknowledgementView, ChangesPage, Correction, CorrectionsView, DeleteResult,
    Disclosure, Health, ImportReportView, MergeResult, SearchResult, Tombstone, WriteResult,
};
use crate::blocking::HubClient;
use crate::client::LocalAction;

/// The input format of `import_file`: `json` (JSON lines) or `xml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormatArg {
    /// JSON lines, one record per line.
    Json,
    /// An XML list document (`<fldm:personen>`).
    Xml,
}

impl From<FormatArg> for ImportFormat {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Json => ImportFormat::JsonLines,
            FormatArg::Xml => ImportFormat::Xml,
        }
    }
}

/// What a receiver did with its copy (`acknowledge_deletion`): `deleted`
/// or `relinked` (then `to` names the record it is linked to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionArg {
    /// The local copy was deleted.
    Deleted,
    /// The local copy was relinked to the survivor of a merge.
    Relinked,
}

/// Entries per page of `changes_page` when the request names no `limit`.
pub const DEFAULT_PAGE_LIMIT: u32 = 500;

/// One client operation, as sent to the JSON entry point
/// (`fldm_client_call_json` in C): an object whose `"op"` names the
/// operation, with that operation's fields. Every operation except
/// `health` takes `purpose` (required) and `case_reference` (optional).
/// Unknown fields are errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// Hub health: `{"op": "health"}`.
    Health {},
    /// Get a person by exactly one of `fldm_id` and `azr_nummer`.
    GetPerson {
        /// Purpose (Abrufzweck).
        purpose: String,
        /// Case reference (Geschäftszeichen).
        case_reference: Option<String>,
        /// FLDM id.
        fldm_id: Option<String>,
        /// AZR-Nummer.
        azr_nummer: Option<String>,
    },
    /// Search by Grundpersonalien.
    Search {
        /// Purpose (Abrufzweck).
        purpose: String,
        /// Case reference (Geschäftszeichen).
        case_reference: Option<String>,
        /// The query.
        query: SearchRequest,
    },
    /// Write back the current address (housing office).
    UpdateAddress {
        /// Purpose (Abrufzweck).
        purpose: String,
        /// Case reference (Geschäftszeichen).
        case_reference: Option<String>,
        /// The person.
        fldm_id: String,
        /// The new address.
        anschrift: Anschrift,
        /// Idempotency key (default: generated).
        idempotency_key: Option<String>,
    },
    /// Report a correction (Berichtigung) to the owning office.
    ReportCorrection {
        /// Purpose (Abrufzweck).
        purpose: String,
        /// Case reference (Geschäftszeichen).
        case_reference: Option<String>,
        /// The person.
        fldm_id: String,
        /// What is wrong.
        report: CorrectionReport,
        /// Idempotency key (default: generated).
        idempotency_key: Option<String>,
    },
    /// Corrections addressed to the calling office.
    Corrections {
        /// Purpose (Abrufzweck).
        purpose: String,
        /// Case reference (Geschäftszeichen).
        case_reference: Option<String>,
        /// Only corrections with this status.
        status: Option<CorrectionStatus>,
    },
    /// Accept or reject a correction (owning office only).
    DecideCorrection {
        /// Purpose (Abrufzweck).
        purpose: String,
        /// Case reference (Geschäftszeichen).
        case_reference: Option<String>,
        /// The correction.
        correction_id: u64,
        /// `accepted` or `rejected`.
        status: CorrectionStatus,
        /// Idempotency key (default: generated).
        idempotency_key: Option<String>,
    },
    /// One page of the change feed.
    ChangesPage {
        /// Purpose (Abrufzweck).
        purpose: String,
        /// Case reference (Geschäftszeichen).
        case_reference: Option<String>,
        /// Entries after this cursor (default 0: from the beginning).
        cursor: Option<u64>,
        /// Most entries (default [`DEFAULT_PAGE_LIMIT`]).
        limit: Option<u32>,
    },
    /// The data-subject access report (data-protection office).
    AccessReport {
        /// Purpose (Abrufzweck).
        purpose: String,
        /// Case reference (Geschäftszeichen).
        case_reference: Option<String>,
        /// The person.
        fldm_id: String,
    },
    /// Bulk import of records (owning office), keyed by AZR-Nummer, else
    /// Aktenzeichen; sent in batches. Answer: [`ImportReportView`].
    ImportPersons {
        /// Purpose (Abrufzweck).
        purpose: String,
        /// Case reference (Geschäftszeichen).
        case_reference: Option<String>,
        /// The records, each a record's JSON object (`fldm_id` not
        /// needed). A record that cannot be decoded is refused locally
        /// with its index, field and reason `invalid`.
        records: Vec<Value>,
    },
    /// Bulk import of a file: JSON lines or an XML list. Answer:
    /// [`ImportReportView`].
    ImportFile {
        /// Purpose (Abrufzweck).
        purpose: String,
        /// Case reference (Geschäftszeichen).
        case_reference: Option<String>,
        /// The file.
        path: String,
        /// `json` or `xml` (default: from the file name, `.xml` is XML).
        format: Option<FormatArg>,
    },
    /// Create a record (owning office); the hub assigns the FLDM id.
    CreatePerson {
        /// Purpose (Abrufzweck).
        purpose: String,
        /// Case reference (Geschäftszeichen).
        case_reference: Option<String>,
        /// The record's JSON object (`fldm_id` not needed).
        record: Value,
    },
    /// Update a record (owning office) with a partial record.
    UpdatePerson {
        /// Purpose (Abrufzweck).
        purpose: String,
        /// Case reference (Geschäftszeichen).
        case_reference: Option<String>,
        /// The partial record; its `fldm_id` names the record.
        record: Value,
        /// Refuse the update unless the record has this version.
        expected_version: Option<u64>,
    },
    /// Delete a record (owning office) with a reason code.
    DeletePerson {
        /// Purpose (Abrufzweck).
        purpose: String,
        /// Case reference (Geschäftszeichen).
        case_reference: Option<String>,
        /// The person.
        fldm_id: String,
        /// `frist`, `wegzug`, `einbuergerung`, `tod`, `ausreise`,
        /// `doppelerfassung`, `berichtigung`, `abgang` or `sonstiges`.
        reason: DeletionReason,
    },
    /// Merge a duplicate into the surviving record (owning office).
    MergePersons {
        /// Purpose (Abrufzweck).
        purpose: String,
        /// Case reference (Geschäftszeichen).
        case_reference: Option<String>,
        /// The record that stays.
        survivor: String,
        /// The record that is deleted (`doppelerfassung`).
        duplicate: String,
    },
    /// Journal that this office acted on a tombstone (no network).
    AcknowledgeDeletion {
        /// Purpose (Abrufzweck).
        purpose: String,
        /// Case reference (Geschäftszeichen).
        case_reference: Option<String>,
        /// The deleted person.
        fldm_id: String,
        /// The tombstone's reason code.
        reason: DeletionReason,
        /// The tombstone's time.
        at: String,
        /// The tombstone's survivor (merges).
        merged_into: Option<String>,
        /// `deleted` or `relinked`.
        action: ActionArg,
        /// `relinked` only: the FLDM id the copy is now linked to.
        to: Option<String>,
    },
}

/// The answer to a [`Request`]: the hub's view, as JSON the view's own form.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Response {
    /// `health`.
    Health(Health),
    /// `get_person`.
    Disclosure(Box<Disclosure>),
    /// `search`.
    Search(SearchResult),
    /// `update_address`.
    Write(WriteResult),
    /// `report_correction`, `decide_correction`.
    Correction(Correction),
    /// `corrections`.
    Corrections(CorrectionsView),
    /// `changes_page`.
    ChangesPage(ChangesPage),
    /// `access_report`.
    AccessReport(AccessReport),
    /// `import_persons`, `import_file`.
    Import(ImportReportView),
    /// `delete_person`.
    Delete(DeleteResult),
    /// `merge_persons`.
    Merge(MergeResult),
    /// `acknowledge_deletion`.
    Acknowledgement(AcknowledgementView),
}

impl Response {
    /// The response as compact JSON.
    pub fn to_json(&self) -> Result<String> {
        to_json(self)
    }
}

impl Request {
    /// Decode a request. Errors: malformed JSON is a JSON error with line
    /// and column; an unknown `op`, a missing field, a field of the wrong
    /// type or value, or an unknown field is [`Error::Request`] naming the
    /// field (messages never repeat the value).
    pub fn from_json(text: &str) -> Result<Request> {
        let value: Value =
            fldm_core::codec::json::decode(text, fldm_core::codec::json::Strictness::Strict)?.0;
        let Value::Object(obj) = &value else {
            return Err(Error::request(
                "op",
                "the request must be a JSON object with an \"op\" field",
            ));
        };
        let op = match obj.get("op") {
            Some(Value::String(op)) => op.as_str(),
            Some(_) => {
                return Err(Error::request(
                    "op",
                    "request field \"op\" must be a string",
                ));
            }
            None => {
                return Err(Error::request(
                    "op",
                    "request field \"op\" is required: it names the operation",
                ));
            }
        };
        let first = match serde_json::from_value::<Request>(value.clone()) {
            Ok(r) => return Ok(r),
            Err(e) => e.to_string(),
        };
        Err(request_error(obj, op, &first))
    }

    /// Run the request on `client` (blocking).
    pub fn run(&self, client: &HubClient) -> Result<Response> {
        use Request as R;
        Ok(match self {
            R::Health {} => Response::Health(client.health()?),
            R::GetPerson {
                purpose,
                case_reference,
                fldm_id,
                azr_nummer,
            } => {
                let ctx = context(purpose, case_reference.as_deref());
                Response::Disclosure(Box::new(match (fldm_id, azr_nummer) {
                    (Some(id), None) => client.get_person(id, &ctx)?,
                    (None, Some(azr)) => client.get_person_by_azr(azr, &ctx)?,
                    _ => {
                        return Err(Error::request(
                            "fldm_id",
                            "get_person needs exactly one of \"fldm_id\" and \"azr_nummer\"",
                        ));
                    }
                }))
            }
            R::Search {
                purpose,
                case_reference,
                query,
            } => Response::Search(
                client.search(query, &context(purpose, case_reference.as_deref()))?,
            ),
            R::UpdateAddress {
                purpose,
                case_reference,
                fldm_id,
                anschrift,
                idempotency_key,
            } => Response::Write(client.update_address(
                fldm_id,
                anschrift,
                &context(purpose, case_reference.as_deref()),
                idempotency_key.as_deref(),
            )?),
            R::ReportCorrection {
                purpose,
                case_reference,
                fldm_id,
                report,
                idempotency_key,
            } => Response::Correction(client.report_correction(
                fldm_id,
                report,
                &context(purpose, case_reference.as_deref()),
                idempotency_key.as_deref(),
            )?),
            R::Corrections {
                purpose,
                case_reference,
                status,
            } => Response::Corrections(CorrectionsView {
                corrections: client
                    .corrections(*status, &context(purpose, case_reference.as_deref()))?,
            }),
            R::DecideCorrection {
                purpose,
                case_reference,
                correction_id,
                status,
                idempotency_key,
            } => Response::Correction(client.decide_correction(
                *correction_id,
                *status,
                &context(purpose, case_reference.as_deref()),
                idempotency_key.as_deref(),
            )?),
            R::ChangesPage {
                purpose,
                case_reference,
                cursor,
                limit,
            } => Response::ChangesPage(client.changes_page(
                cursor.unwrap_or(0),
                limit.unwrap_or(DEFAULT_PAGE_LIMIT),
                &context(purpose, case_reference.as_deref()),
            )?),
            R::AccessReport {
                purpose,
                case_reference,
                fldm_id,
            } => Response::AccessReport(
                client.access_report(fldm_id, &context(purpose, case_reference.as_deref()))?,
            ),
            R::ImportPersons {
                purpose,
                case_reference,
                records,
            } => {
                let ctx = context(purpose, case_reference.as_deref());
                Response::Import(import_values(client, records, &ctx)?)
            }
            R::ImportFile {
                purpose,
                case_reference,
                path,
                format,
            } => {
                let ctx = context(purpose, case_reference.as_deref());
                let format = format.map(ImportFormat::from);
                let report = client.import_file(path, format, &ctx, |_| {})?;
                Response::Import(ImportReportView::from(&report))
            }
            R::CreatePerson {
                purpose,
                case_reference,
                record,
            } => {
                let p = person_from_import_json(&record.to_string())?;
                Response::Write(
                    client.create_person(&p, &context(purpose, case_reference.as_deref()))?,
                )
            }
            R::UpdatePerson {
                purpose,
                case_reference,
                record,
                expected_version,
            } => {
                if !record.get("fldm_id").is_some_and(Value::is_string) {
                    return Err(Error::request(
                        "record.fldm_id",
                        "update_person needs the record's \"fldm_id\"",
                    ));
                }
                let p: Person = super::local::parse_json(&record.to_string())?;
                Response::Write(client.update_person(
                    &p,
                    *expected_version,
                    &context(purpose, case_reference.as_deref()),
                )?)
            }
            R::DeletePerson {
                purpose,
                case_reference,
                fldm_id,
                reason,
            } => Response::Delete(client.delete_person(
                fldm_id,
                *reason,
                &context(purpose, case_reference.as_deref()),
            )?),
            R::MergePersons {
                purpose,
                case_reference,
                survivor,
                duplicate,
            } => Response::Merge(client.merge_persons(
                survivor,
                duplicate,
                &context(purpose, case_reference.as_deref()),
            )?),
            R::AcknowledgeDeletion {
                purpose,
                case_reference,
                fldm_id,
                reason,
                at,
                merged_into,
                action,
                to,
            } => {
                let local = match (action, to) {
                    (ActionArg::Deleted, None) => LocalAction::Deleted,
                    (ActionArg::Relinked, Some(to)) => LocalAction::Relinked { to: to.clone() },
                    (ActionArg::Deleted, Some(_)) => {
                        return Err(Error::request(
                            "to",
                            "request field \"to\" belongs to action \"relinked\" only",
                        ));
                    }
                    (ActionArg::Relinked, None) => {
                        return Err(Error::request(
                            "to",
                            "request field \"to\" is required for action \"relinked\"",
                        ));
                    }
                };
                let tombstone = Tombstone {
                    reason: *reason,
                    at: at.clone(),
                    merged_into: merged_into.clone(),
                };
                let ctx = context(purpose, case_reference.as_deref());
                client.acknowledge_deletion(fldm_id, &tombstone, local, &ctx)?;
                Response::Acknowledgement(AcknowledgementView {
                    fldm_id: fldm_id.clone(),
                    action: match action {
                        ActionArg::Deleted => "deleted",
                        ActionArg::Relinked => "relinked",
                    }
                    .to_string(),
                    to: to.clone(),
                    journaled: client.has_journal(),
                })
            }
        })
    }
}

/// Import records given as JSON values: each is decoded like a line of
/// an import file; one that cannot be decoded is refused locally (with
/// its index, field and reason `invalid`) and not sent.
fn import_values(
    client: &HubClient,
    records: &[Value],
    ctx: &crate::Context,
) -> Result<ImportReportView> {
    let mut local = Vec::new();
    let mut good = Vec::with_capacity(records.len());
    let mut positions = Vec::with_capacity(records.len());
    for (i, v) in records.iter().enumerate() {
        match person_from_import_json(&v.to_string()) {
            Ok(p) => {
                good.push(p);
                positions.push(i as u64);
            }
            Err(e) => local.push(fldm_core::wire::ImportItem {
                index: i as u64,
                outcome: fldm_core::wire::ImportOutcome::Refused,
                fldm_id: None,
                field: e.field().map(str::to_string),
                reason: Some(fldm_core::wire::ImportRefusal::Invalid),
            }),
        }
    }
    let mut report = client.import_persons(good, ctx)?;
    // Indices of the sent records are positions among them: map them
    // back to positions in `records`.
    for item in &mut report.refused {
        item.index = positions[item.index as usize];
    }
    for item in local {
        report.counts.add(item.outcome);
        report.refused.push(item);
    }
    report.refused.sort_by_key(|i| i.index);
    Ok(ImportReportView::from(&report))
}

/// Decode, run and encode one JSON request: the whole JSON entry point.
pub fn call_json(client: &HubClient, request: &str) -> Result<String> {
    Request::from_json(request)?.run(client)?.to_json()
}

/// The typed error for a request serde rejected with `message`. serde's
/// messages from inside a tagged enum do not carry the field's path, so
/// the field is found here: a required field of the request that the
/// object lacks, else the one key whose removal changes the error (serde stops at the first
/// invalid value, so only removing that one does).
fn request_error(obj: &Map<String, Value>, op: &str, message: &str) -> Error {
    let short: String = op.chars().take(40).collect();
    if let Some(rest) = message.strip_prefix(&format!("unknown variant `{op}`")) {
        let expected = rest.trim_start_matches(", ");
        return Error::request("op", format!("unknown op {short:?}; {expected}"));
    }
    if let Some(field) = quoted(message, "missing field `")
        && !obj.contains_key(field)
        && is_request_field(obj, field)
    {
        return Error::request(
            field,
            format!("request field {field:?} is required for op {short:?}"),
        );
    }
    for key in obj.keys().filter(|k| *k != "op") {
        let mut without = obj.clone();
        without.remove(key);
        if decode_error(without).is_none_or(|e| e != message) {
            return Error::request(
                key.as_str(),
                format!("request field {key:?}: {}", without_value(message)),
            );
        }
    }
    Error::Request {
        field: None,
        message: format!("invalid request: {}", without_value(message)),
    }
}

/// Whether `field` is a field of the request itself rather than of a
/// nested object: adding it does not make it an unknown field.
fn is_request_field(obj: &Map<String, Value>, field: &str) -> bool {
    let mut with = obj.clone();
    with.insert(field.to_string(), Value::Null);
    decode_error(with).is_none_or(|e| !e.starts_with(&format!("unknown field `{field}`")))
}

/// serde's message for `obj`, `None` if it decodes.
fn decode_error(obj: Map<String, Value>) -> Option<String> {
    serde_json::from_value::<Request>(Value::Object(obj))
        .err()
        .map(|e| e.to_string())
}

/// The name between `prefix` and the next backquote.
fn quoted<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    message.strip_prefix(prefix)?.split('`').next()
}

/// serde's message without the offending value (`invalid type: string
/// "…", expected u64` becomes `invalid type, expected u64`): values may
/// be personal data.
fn without_value(message: &str) -> String {
    for kind in ["invalid type", "invalid value", "invalid length"] {
        if message.starts_with(kind) {
            return match message.rfind(", expected ") {
                Some(at) => format!("{kind}{}", &message[at..]),
                None => kind.to_string(),
            };
        }
    }
    message.to_string()
}
