//! The change feed: a reader that fetches pages as needed (the paging is
//! the client's `blocking::ChangeIter`), and its entries.

use std::ffi::c_char;

use ::fldm_client::blocking::ChangeIter;
use ::fldm_client::bridge;
use ::fldm_client::wire::ChangeEntry;

use super::context_args;
use super::fldm_client;
use crate::boundary::{fallible, guard};
use crate::error::fldm_error;
use crate::person::fldm_person;
use crate::ptr::{Out, free_box, handle, handle_mut, string_out};

/// A reader of the hub's change feed. Use from one thread at a time.
#[derive(Debug)]
pub struct fldm_change_feed {
    feed: ChangeIter,
}

/// One change-feed entry: sequence number, changed attribute names and the
/// record as the office may see it.
#[derive(Debug)]
pub struct fldm_change {
    inner: ChangeEntry,
    person: fldm_person,
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
    fallible(|| {
        // SAFETY: caller contract.
        let (cl, (purpose, case), out) = unsafe {
            (
                handle(client, "client")?,
                context_args(purpose, case_reference)?,
                Out::new(out, "out")?,
            )
        };
        let ctx = bridge::context(&purpose, case.as_deref());
        out.write_box(fldm_change_feed {
            feed: cl.client.changes(cursor, ctx),
        });
        Ok(())
    })
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
    fallible(|| {
        // SAFETY: caller contract.
        let (f, out) = unsafe { (handle_mut(feed, "feed")?, Out::new(out, "out")?) };
        match f.feed.next() {
            None => out.write(std::ptr::null_mut()),
            Some(entry) => {
                let e = entry?;
                let person = fldm_person {
                    inner: e.record.clone(),
                };
                out.write_box(fldm_change { inner: e, person });
            }
        }
        Ok(())
    })
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
    fallible(|| {
        // SAFETY: caller contract.
        let (f, out) = unsafe { (handle(feed, "feed")?, Out::new(out, "out")?) };
        out.write(f.feed.cursor());
        Ok(())
    })
}

/// Free a change feed. NULL is allowed.
///
/// # Safety
/// `feed` is NULL or a feed from this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_feed_free(feed: *mut fldm_change_feed) {
    // SAFETY: caller contract.
    guard(|| unsafe { free_box(feed) })
}

/// The sequence number of a change (0 if `change` is NULL).
///
/// # Safety
/// `change` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_seq(change: *const fldm_change) -> u64 {
    // SAFETY: caller contract.
    guard(|| unsafe { change.as_ref() }.map_or(0, |c| c.inner.seq))
}

/// The record after the change, as the office may see it. Borrowed: valid
/// as long as `change`. NULL if `change` is NULL.
///
/// # Safety
/// `change` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_person(change: *const fldm_change) -> *const fldm_person {
    // SAFETY: caller contract.
    guard(|| unsafe { change.as_ref() }.map_or(std::ptr::null(), |c| &c.person))
}

/// The change as JSON: `seq`, `changed` (attribute names), `record`.
///
/// # Safety
/// `change` is live; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_to_json(
    change: *const fldm_change,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { string_out(change, "change", out, |c| Ok(bridge::to_json(&c.inner)?)) }
}

/// Free a change. NULL is allowed.
///
/// # Safety
/// `change` is NULL or a change from this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_change_free(change: *mut fldm_change) {
    // SAFETY: caller contract.
    guard(|| unsafe { free_box(change) })
}
