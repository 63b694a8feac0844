//! The record life cycle: the owning office's bulk import, create,
//! update, delete and merge, and the receiver's acknowledgement of a
//! deletion it read from its change feed. Each call runs as the bridge's
//! typed request (`fldm_client::bridge::Request`), the path of
//! `fldm_client_call_json`.

use std::ffi::c_char;

use ::fldm_client::bridge::{self, ActionArg, Request};
use serde_json::Value;

use super::{context, fldm_change, fldm_client};
use crate::error::{Result, fldm_error};
use crate::person::fldm_person;
use crate::ptr::{arg, call, opt_arg, opt_out_arg, out_arg, run};

/// A record as the JSON value of a request.
fn record(p: &fldm_person) -> Result<Value> {
    serde_json::to_value(&p.inner)
        .map_err(|e| bridge::Error::Internal(format!("encoding a record: {e}")).into())
}

/// Bulk import of a file (owning office): JSON lines or an XML list
/// (`<fldm:personen>`). `format`: `"json"`, `"xml"`, or NULL to take it
/// from the file name (`.xml` is XML, anything else JSON lines); another
/// value is `FLDM_E_INVALID_ARGUMENT` with field `format`. Records are
/// keyed by the owner's key (AZR-Nummer, else Aktenzeichen), sent in
/// batches and created, updated or left unchanged; an `fldm_id` in the
/// file is ignored.
///
/// `*out_report_json` is the import report:
/// `{"created":N,"updated":N,"unchanged":N,"refused":N,"batches":N,
/// "refusals":[{"index":N,"field":"...","reason":"..."}]}`, `index` the
/// 0-based position in the file. A record that cannot be decoded is
/// refused before sending (reason `invalid`) and the import goes on. A
/// file that cannot be opened is `FLDM_E_IO`; input that cannot be read
/// any further (malformed XML, invalid UTF-8) stops the import with
/// `FLDM_E_XML` / `FLDM_E_JSON` / `FLDM_E_IO` naming the record index,
/// and only the batches sent before it are imported (running the import
/// again after fixing the file reports them `unchanged`).
///
/// # Safety
/// `client` is live; the strings are NUL-terminated or NULL where allowed;
/// `out_report_json` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_import_file(
    client: *const fldm_client,
    path: *const c_char,
    format: *const c_char,
    purpose: *const c_char,
    case_reference: *const c_char,
    out_report_json: *mut *mut c_char,
) -> *mut fldm_error {
    let args = (
        arg(client, "client"),
        arg(path, "path"),
        opt_arg(format, "format"),
        context(purpose, case_reference),
    );
    let out = out_arg(out_report_json, "out_report_json");
    // SAFETY: caller contract.
    unsafe {
        call(args, out, |(cl, path, format, (purpose, case))| {
            let format = format.map(bridge::parse_import_format).transpose()?;
            cl.respond(Request::ImportFile {
                purpose: purpose.into(),
                case_reference: case.map(Into::into),
                path: path.into(),
                format,
            })
        })
    }
}

/// Import one record (owning office): a batch of one, keyed, upserted and
/// reported like a record of `fldm_client_import_file`; its `fldm_id` is
/// ignored (make it with `fldm_person_from_import_json`).
/// `*out_report_json` is the import report of that file function, with
/// `index` 0. A refusal is not an error: it is in the report (`refused`
/// 1, the field and the reason).
///
/// # Safety
/// `client` and `person` are live; the strings are NUL-terminated or NULL
/// where allowed; `out_report_json` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_import_person(
    client: *const fldm_client,
    person: *const fldm_person,
    purpose: *const c_char,
    case_reference: *const c_char,
    out_report_json: *mut *mut c_char,
) -> *mut fldm_error {
    let args = (
        arg(client, "client"),
        arg(person, "person"),
        context(purpose, case_reference),
    );
    let out = out_arg(out_report_json, "out_report_json");
    // SAFETY: caller contract.
    unsafe {
        call(args, out, |(cl, person, (purpose, case))| {
            cl.respond(Request::ImportPersons {
                purpose: purpose.into(),
                case_reference: case.map(Into::into),
                records: vec![record(person)?],
            })
        })
    }
}

/// Create a record (owning office). The hub assigns the FLDM id; the
/// person's own `fldm_id` is not sent (make it with
/// `fldm_person_from_import_json`). `*out_json` (if `out_json` is not
/// NULL) is the write result: `{"request_id", "decision", "fldm_id" (the
/// new id), "version", "changed"}`.
///
/// # Safety
/// `client` and `person` are live; the strings are NUL-terminated or NULL
/// where allowed; `out_json` is NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_create_person(
    client: *const fldm_client,
    person: *const fldm_person,
    purpose: *const c_char,
    case_reference: *const c_char,
    out_json: *mut *mut c_char,
) -> *mut fldm_error {
    let args = (
        arg(client, "client"),
        arg(person, "person"),
        context(purpose, case_reference),
    );
    // SAFETY: caller contract.
    unsafe {
        call(
            args,
            opt_out_arg(out_json),
            |(cl, person, (purpose, case))| {
                cl.respond(Request::CreatePerson {
                    purpose: purpose.into(),
                    case_reference: case.map(Into::into),
                    record: record(person)?,
                })
            },
        )
    }
}

/// Update a record (owning office): `patch` is a partial record whose
/// `fldm_id` names the record; the attributes present in it are set.
/// `expected_version`: the version the caller last read (from a write
/// result); the hub refuses the update with `FLDM_E_CONFLICT` (reason
/// `version_conflict`) if the record has another one. 0 = unconditional.
/// `*out_json` (if `out_json` is not NULL) is the write result
/// (`fldm_id`, `version`, `changed`, `decision`).
///
/// # Safety
/// `client` and `patch` are live; the strings are NUL-terminated or NULL
/// where allowed; `out_json` is NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_update_person(
    client: *const fldm_client,
    patch: *const fldm_person,
    expected_version: u64,
    purpose: *const c_char,
    case_reference: *const c_char,
    out_json: *mut *mut c_char,
) -> *mut fldm_error {
    let args = (
        arg(client, "client"),
        arg(patch, "patch"),
        context(purpose, case_reference),
    );
    // SAFETY: caller contract.
    unsafe {
        call(
            args,
            opt_out_arg(out_json),
            |(cl, patch, (purpose, case))| {
                cl.respond(Request::UpdatePerson {
                    purpose: purpose.into(),
                    case_reference: case.map(Into::into),
                    record: record(patch)?,
                    expected_version: (expected_version > 0).then_some(expected_version),
                })
            },
        )
    }
}

/// Delete a record (owning office) with a reason code: `frist`,
/// `wegzug`, `einbuergerung`, `tod`, `ausreise`, `doppelerfassung`,
/// `berichtigung`, `abgang` or `sonstiges` (another value is
/// `FLDM_E_INVALID_ARGUMENT` with field `reason`; nothing is sent). The
/// hub forgets the record, and every office that may read it gets a
/// tombstone in its change feed. `*out_json` (if `out_json` is not NULL)
/// is the delete result: `{"request_id", "decision", "fldm_id",
/// "deleted": {"reason", "at"}}`.
///
/// # Safety
/// `client` is live; the strings are NUL-terminated or NULL where
/// allowed; `out_json` is NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_delete_person(
    client: *const fldm_client,
    fldm_id: *const c_char,
    reason: *const c_char,
    purpose: *const c_char,
    case_reference: *const c_char,
    out_json: *mut *mut c_char,
) -> *mut fldm_error {
    let args = (
        arg(client, "client"),
        arg(fldm_id, "fldm_id"),
        arg(reason, "reason"),
        context(purpose, case_reference),
    );
    // SAFETY: caller contract.
    unsafe {
        call(
            args,
            opt_out_arg(out_json),
            |(cl, id, reason, (purpose, case))| {
                cl.respond(Request::DeletePerson {
                    purpose: purpose.into(),
                    case_reference: case.map(Into::into),
                    fldm_id: id.into(),
                    reason: bridge::parse_deletion_reason(reason)?,
                })
            },
        )
    }
}

/// Merge the record `duplicate` into `survivor` (owning office): the
/// survivor keeps its FLDM id, the duplicate is deleted with reason
/// `doppelerfassung` and its tombstone names the survivor
/// (`merged_into`). `*out_json` (if `out_json` is not NULL) is the merge
/// result: `{"request_id", "decision", "fldm_id", "version",
/// "duplicate", "deleted"}`.
///
/// # Safety
/// `client` is live; the strings are NUL-terminated or NULL where
/// allowed; `out_json` is NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_merge_persons(
    client: *const fldm_client,
    survivor: *const c_char,
    duplicate: *const c_char,
    purpose: *const c_char,
    case_reference: *const c_char,
    out_json: *mut *mut c_char,
) -> *mut fldm_error {
    let args = (
        arg(client, "client"),
        arg(survivor, "survivor"),
        arg(duplicate, "duplicate"),
        context(purpose, case_reference),
    );
    // SAFETY: caller contract.
    unsafe {
        call(
            args,
            opt_out_arg(out_json),
            |(cl, survivor, duplicate, (purpose, case))| {
                cl.respond(Request::MergePersons {
                    purpose: purpose.into(),
                    case_reference: case.map(Into::into),
                    survivor: survivor.into(),
                    duplicate: duplicate.into(),
                })
            },
        )
    }
}

/// Journal that this office acted on a deletion it read from its change
/// feed: it deleted its copy (`action` `"deleted"`, journaled as
/// operation `delete`) or relinked it to the surviving record of a merge
/// (`"relinked"`, operation `combine`). `relinked_to`: for `"relinked"`
/// the FLDM id the copy is now linked to, NULL for the change's
/// `fldm_change_merged_into`; must be NULL for `"deleted"`. Sends
/// nothing: appends one client-journal record with the purpose, the case
/// reference, the person and the tombstone's reason code (without a
/// journal, `fldm_client_config_set_no_journal`, it checks the arguments
/// and writes nothing).
///
/// Errors: `change` not a deletion, `action` unknown, `relinked_to`
/// missing (relinked, not a merge) or given (deleted):
/// `FLDM_E_INVALID_ARGUMENT` with field `change`, `action` or
/// `relinked_to`; the journal cannot be written: `FLDM_E_AUDIT`.
///
/// # Safety
/// `client` and `change` are live; the strings are NUL-terminated or NULL
/// where allowed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_acknowledge_deletion(
    client: *const fldm_client,
    change: *const fldm_change,
    action: *const c_char,
    relinked_to: *const c_char,
    purpose: *const c_char,
    case_reference: *const c_char,
) -> *mut fldm_error {
    let args = (
        arg(client, "client"),
        arg(change, "change"),
        arg(action, "action"),
        opt_arg(relinked_to, "relinked_to"),
        context(purpose, case_reference),
    );
    // SAFETY: caller contract.
    unsafe {
        run(args, |(cl, change, action, to, (purpose, case))| {
            let tombstone = change.tombstone()?;
            let action = bridge::parse_action(action)?;
            let to = match (action, to) {
                (ActionArg::Deleted, None) => None,
                (ActionArg::Deleted, Some(_)) => {
                    return Err(bridge::Error::request(
                        "relinked_to",
                        "relinked_to must be NULL for action \"deleted\"",
                    )
                    .into());
                }
                (ActionArg::Relinked, to) => {
                    let to = to.or(tombstone.merged_into.as_deref()).ok_or_else(|| {
                        bridge::Error::request(
                            "relinked_to",
                            "relinked_to is required for action \"relinked\" when the \
                             deletion is not a merge",
                        )
                    })?;
                    Some(to.to_string())
                }
            };
            Request::AcknowledgeDeletion {
                purpose: purpose.into(),
                case_reference: case.map(Into::into),
                fldm_id: change.fldm_id().into(),
                reason: tombstone.reason,
                at: tombstone.at.clone(),
                merged_into: tombstone.merged_into.clone(),
                action,
                to,
            }
            .run(&cl.client)?;
            Ok(())
        })
    }
}
