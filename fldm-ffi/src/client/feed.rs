//! The change feed: a reader that fetches pages as needed (the paging is
//! the client's `blocking::ChangeIter`), and its entries.

use std::ffi::c_char;

use ::fldm_client::blocking::ChangeIter;
use ::fldm_client::bridge::{self, view::Tombstone};
use ::fldm_client::wire::ChangeEntry;

use super::{context, fldm_client};
use crate::error::{Result, fldm_error};
use crate::person::fldm_person;
use crate::ptr::{Handle, arg, call, free, out_arg, peek, read, to_json};

/// A reader of the hub's change feed. Use from one thread at a time.
#[derive(Debug)]
pub struct fldm_change_feed {
    feed: ChangeIter,
}

impl Handle for fldm_change_feed {}

/// One change-feed entry: a change of a record (sequence number, changed
/// attribute names, the record as the office may see it) or its deletion,
/// a tombstone (`fldm_change_is_deletion`: reason, time, and for a merge
/// the surviving record). Immutable; free with `fldm_change_free`.
#[derive(Debug)]
pub struct fldm_change {
    inner: ChangeEntry,
    person: fldm_person,
}

impl Handle for fldm_change {}

impl fldm_change {
    /// A change of the feed, its record borrowed by C.
    pub(crate) fn new(inner: ChangeEntry) -> Result<Self> {
        // A tombstone carries no record: its person is the bare FLDM id.
        let person = match &inner.record {
            Some(r) => fldm_person::copy_of(r),
            None => fldm_person::copy_of(&tombstone_person(&inner.fldm_id)?),
        };
        Ok(fldm_change { inner, person })
    }

    /// The FLDM id of the person concerned.
    pub(crate) fn fldm_id(&self) -> &str {
        &self.inner.fldm_id
    }

    /// The tombstone of a deletion; for any other change an error naming
    /// `change`.
    pub(crate) fn tombstone(&self) -> Result<&Tombstone> {
        self.inner.deleted.as_ref().ok_or_else(|| {
            bridge::Error::request(
                "change",
                "the change is not a deletion (see fldm_change_is_deletion)",
            )
            .into()
        })
    }
}

/// Start reading the change feed after `cursor` (0: from the beginning).
/// Pages are fetched as needed by `fldm_change_feed_next`.
///
/// # Safety
/// `client` is live; the strings are NUL-terminated or NULL where allowed;
/// `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_changes(
    client: *const fldm_client,
    cursor: u64,
    purpose: *const c_char,
    case_reference: *const c_char,
    out: *mut *mut fldm_change_feed,
) -> *mut fldm_error {
    let args = (arg(client, "client"), context(purpose, case_reference));
    // SAFETY: caller contract.
    unsafe {
        call(args, out_arg(out, "out"), |(cl, (purpose, case))| {
            let ctx = bridge::context(purpose, case);
            let feed = cl.client.changes(cursor, ctx);
            Ok(fldm_change_feed { feed })
        })
    }
}

/// The next entry: `*out` is a new change, or NULL when the feed is
/// (currently) exhausted. After an error the feed ends; start a new one
/// from `fldm_change_feed_cursor` to resume.
///
/// # Safety
/// `feed` is live and used by one thread at a time; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_feed_next(
    feed: *mut fldm_change_feed,
    out: *mut *mut fldm_change,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe {
        call(arg(feed, "feed"), out_arg(out, "out"), |f| {
            let Some(entry) = f.feed.next() else {
                return Ok(None);
            };
            Ok(Some(fldm_change::new(entry?)?))
        })
    }
}

/// The cursor after the last entry returned; store it to resume later.
///
/// # Safety
/// `feed` is live; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_feed_cursor(
    feed: *const fldm_change_feed,
    out: *mut u64,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { read(feed, "feed", out, |f| Ok(f.feed.cursor())) }
}

/// Free a change feed. NULL is allowed.
///
/// # Safety
/// `feed` is NULL or a feed from this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_feed_free(feed: *mut fldm_change_feed) {
    // SAFETY: caller contract.
    unsafe { free(feed) }
}

/// The sequence number of a change (0 if `change` is NULL).
///
/// # Safety
/// `change` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_seq(change: *const fldm_change) -> u64 {
    // SAFETY: caller contract.
    unsafe { peek(change, |c| c.inner.seq) }
}

/// The record after the change, as the office may see it. Borrowed: valid
/// as long as `change`. NULL if `change` is NULL.
///
/// A deletion (`fldm_change_is_deletion`) carries no record: for it this
/// is a record with only the FLDM id (every other accessor writes NULL,
/// `fldm_person_attributes_json` gives `[]`), never the deleted data. Check `fldm_change_is_deletion` first, or use
/// `fldm_change_fldm_id`.
///
/// # Safety
/// `change` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_person(change: *const fldm_change) -> *const fldm_person {
    // SAFETY: caller contract.
    unsafe { peek(change, |c| std::ptr::from_ref(&c.person)) }
}

/// The change as JSON: `seq`, `fldm_id`, `changed` (attribute names),
/// `record`; a deletion has `seq`, `fldm_id` and `deleted` (`reason`,
/// `at`, `merged_into` for a merge) and no record.
///
/// # Safety
/// `change` is live; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_to_json(
    change: *const fldm_change,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { to_json(change, "change", out, |c| bridge::to_json(&c.inner)) }
}

/// The FLDM id of the person the change concerns (also of a deletion).
///
/// # Safety
/// `change` is live; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_fldm_id(
    change: *const fldm_change,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { read(change, "change", out, |c| Ok(c.fldm_id().to_string())) }
}

/// `*out` is true if the change is a deletion (a tombstone): the record
/// was deleted by its owner, by deadline or by a merge. The receiver must
/// delete its copy, or for a merge (`fldm_change_merged_into`) relink it
/// to the survivor, and say so with `fldm_client_acknowledge_deletion`.
///
/// # Safety
/// `change` is live; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_is_deletion(
    change: *const fldm_change,
    out: *mut bool,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { read(change, "change", out, |c| Ok(c.inner.deleted.is_some())) }
}

/// The reason code of a deletion: `frist`, `wegzug`, `einbuergerung`,
/// `tod`, `ausreise`, `doppelerfassung`, `berichtigung`, `abgang` or
/// `sonstiges`. Not a deletion: `FLDM_E_INVALID_ARGUMENT` with field
/// `change`.
///
/// # Safety
/// `change` is live; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_deletion_reason(
    change: *const fldm_change,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe {
        read(change, "change", out, |c| {
            Ok(c.tombstone()?.reason.as_str().to_string())
        })
    }
}

/// When the record was deleted (RFC 3339, UTC, milliseconds, e.g.
/// `2026-12-03T10:00:00.000Z`). Not a deletion: `FLDM_E_INVALID_ARGUMENT`
/// with field `change`.
///
/// # Safety
/// `change` is live; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_deleted_at(
    change: *const fldm_change,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { read(change, "change", out, |c| Ok(c.tombstone()?.at.clone())) }
}

/// For a deletion by merge, the FLDM id of the surviving record, to which
/// the receiver relinks its copy; NULL for every other change (other
/// deletions included).
///
/// # Safety
/// `change` is live; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_merged_into(
    change: *const fldm_change,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe {
        read(change, "change", out, |c| {
            Ok(c.inner.deleted.as_ref().and_then(|t| t.merged_into.clone()))
        })
    }
}

/// Free a change. NULL is allowed.
///
/// # Safety
/// `change` is NULL or a change from this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_free(change: *mut fldm_change) {
    // SAFETY: caller contract.
    unsafe { free(change) }
}

/// The record a tombstone stands for: only its FLDM id.
fn tombstone_person(fldm_id: &str) -> Result<fldm_core::record::Person, bridge::Error> {
    let id = fldm_core::ids::FldmId::parse(fldm_id).map_err(|k| {
        bridge::Error::from(fldm_core::Error::from(fldm_core::ValidationError::new(
            "fldm_id", k,
        )))
    })?;
    Ok(fldm_core::record::Person::new(id))
}
