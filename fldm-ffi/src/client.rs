//! The hub client: configuration, connection, calls, the change feed, and
//! the JSON-in/JSON-out entry point.

use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;

use ::fldm_client::wire::{
    ChangeEntry, CorrectionReport, CorrectionStatus, Disclosure, SearchRequest,
};
use ::fldm_client::{ChangeFeed, Context, HubClient, HubClientBuilder, RetryPolicy};
use fldm_core::record::Anschrift;
use serde_json::Value;
use tokio::runtime::Runtime;

use crate::error::{
    Error, FLDM_E_CONFIG, FLDM_E_INVALID_ARGUMENT, Result, fallible, fldm_error, guard,
};
use crate::person::fldm_person;
use crate::ptr::{Out, free_box, handle, handle_mut, opt_str_arg, str_arg};

/// Client configuration (a builder). Not thread-safe; free with
/// `fldm_client_config_free` after `fldm_client_new` (which copies it).
#[derive(Debug, Default, Clone)]
pub struct fldm_client_config {
    base_url: String,
    ca_file: Option<String>,
    cert_file: Option<String>,
    key_file: Option<String>,
    user: Option<String>,
    office: Option<String>,
    timeout_ms: Option<u64>,
    connect_timeout_ms: Option<u64>,
    max_attempts: Option<u32>,
    journal: Option<JournalConfig>,
}

#[derive(Debug, Clone)]
enum JournalConfig {
    None,
    Dir {
        dir: String,
        signing_key: Option<String>,
        pseudonym_key: Option<String>,
    },
}

/// A connected hub client: TLS configuration, connection pool, client-stage
/// audit journal and a small runtime of two worker threads. Thread-safe:
/// one client may be used from many threads at once.
pub struct fldm_client {
    rt: Arc<Runtime>,
    client: HubClient,
}

impl std::fmt::Debug for fldm_client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("fldm_client")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl fldm_client {
    fn block<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }
}

/// A disclosure received from the hub: the filtered record plus the
/// decision (rule, legal basis, policy hash). Immutable; free with
/// `fldm_disclosure_free`.
#[derive(Debug)]
pub struct fldm_disclosure {
    inner: Disclosure,
    person: fldm_person,
}

/// A reader of the hub's change feed. Use from one thread at a time.
pub struct fldm_change_feed {
    rt: Arc<Runtime>,
    feed: ChangeFeed,
}

impl std::fmt::Debug for fldm_change_feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("fldm_change_feed")
            .field("cursor", &self.feed.cursor())
            .finish_non_exhaustive()
    }
}

/// One change-feed entry: sequence number, changed attribute names and the
/// record as the office may see it.
#[derive(Debug)]
pub struct fldm_change {
    inner: ChangeEntry,
    person: fldm_person,
}

// --- configuration -------------------------------------------------------------------

/// A new configuration for the hub at `base_url` (`https://host:port`).
/// Required before `fldm_client_new`: CA, identity, user, and a journal
/// choice (`fldm_client_config_set_journal_dir` or
/// `fldm_client_config_set_no_journal`).
///
/// # Safety
/// `base_url` is NUL-terminated; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_config_new(
    base_url: *const c_char,
    out: *mut *mut fldm_client_config,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let (url, out) = unsafe { (str_arg(base_url, "base_url")?, Out::new(out, "out")?) };
        out.write_box(fldm_client_config {
            base_url: url.to_string(),
            ..fldm_client_config::default()
        });
        Ok(())
    })
}

/// Free a configuration. NULL is allowed.
///
/// # Safety
/// `config` is NULL or a configuration from this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_config_free(config: *mut fldm_client_config) {
    // SAFETY: caller contract.
    guard(|| unsafe { free_box(config) })
}

/// Shared body of the setters.
fn set(
    config: *mut fldm_client_config,
    apply: impl FnOnce(&mut fldm_client_config) -> Result<()>,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: the callers' contract (live configuration, one thread).
        let c = unsafe { handle_mut(config, "config")? };
        apply(c)
    })
}

/// The CA certificate file (PEM) the hub's certificate must chain to. Only
/// this CA is trusted, never the system store. The file is read by
/// `fldm_client_new`.
///
/// # Safety
/// `config` is live; `path` is NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_config_set_ca_file(
    config: *mut fldm_client_config,
    path: *const c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    let path = unsafe { str_arg(path, "path") };
    set(config, |c| {
        c.ca_file = Some(path?.to_string());
        Ok(())
    })
}

/// The office's client certificate chain and private key (PEM files).
///
/// # Safety
/// `config` is live; `cert_path` and `key_path` are NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_config_set_identity_files(
    config: *mut fldm_client_config,
    cert_path: *const c_char,
    key_path: *const c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    let (cert, key) = unsafe {
        (
            str_arg(cert_path, "cert_path"),
            str_arg(key_path, "key_path"),
        )
    };
    set(config, |c| {
        c.cert_file = Some(cert?.to_string());
        c.key_file = Some(key?.to_string());
        Ok(())
    })
}

/// The retrieving person (user id in the office's system), sent with every
/// request and written into both journals. Required.
///
/// # Safety
/// `config` is live; `user` is NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_config_set_user(
    config: *mut fldm_client_config,
    user: *const c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    let user = unsafe { str_arg(user, "user") };
    set(config, |c| {
        c.user = Some(user?.to_string());
        Ok(())
    })
}

/// The office id, recorded as the requesting office in the client journal
/// (the hub takes the office from the certificate, never from the client).
/// Required with `fldm_client_config_set_journal_dir`: without it
/// `fldm_client_new` fails with `FLDM_E_CONFIG` naming `office`.
///
/// # Safety
/// `config` is live; `office` is NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_config_set_office(
    config: *mut fldm_client_config,
    office: *const c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    let office = unsafe { str_arg(office, "office") };
    set(config, |c| {
        c.office = Some(office?.to_string());
        Ok(())
    })
}

/// Timeouts in milliseconds: of one attempt (default 30000) and of the
/// connect (default 10000). 0 keeps the default.
///
/// # Safety
/// `config` is live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_config_set_timeouts(
    config: *mut fldm_client_config,
    timeout_ms: u64,
    connect_timeout_ms: u64,
) -> *mut fldm_error {
    set(config, |c| {
        c.timeout_ms = (timeout_ms > 0).then_some(timeout_ms);
        c.connect_timeout_ms = (connect_timeout_ms > 0).then_some(connect_timeout_ms);
        Ok(())
    })
}

/// Attempts per idempotent call including the first (default 4; 1 = no
/// retries). Must be at least 1.
///
/// # Safety
/// `config` is live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_config_set_max_attempts(
    config: *mut fldm_client_config,
    max_attempts: u32,
) -> *mut fldm_error {
    set(config, |c| {
        if max_attempts == 0 {
            return Err(Error::new(
                FLDM_E_INVALID_ARGUMENT,
                "max_attempts must be at least 1",
            ));
        }
        c.max_attempts = Some(max_attempts);
        Ok(())
    })
}

/// Write the client-stage audit journal into `dir` (created if needed).
/// `signing_key_path`: Ed25519 PKCS#8 file for signed checkpoints (NULL:
/// no checkpoints). `pseudonym_key_path`: key for subject references (NULL:
/// generated in `dir` on first use).
///
/// # Safety
/// `config` is live; `dir` is NUL-terminated; the key paths are
/// NUL-terminated or NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_config_set_journal_dir(
    config: *mut fldm_client_config,
    dir: *const c_char,
    signing_key_path: *const c_char,
    pseudonym_key_path: *const c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    let args = unsafe {
        (
            str_arg(dir, "dir"),
            opt_str_arg(signing_key_path, "signing_key_path"),
            opt_str_arg(pseudonym_key_path, "pseudonym_key_path"),
        )
    };
    set(config, |c| {
        c.journal = Some(JournalConfig::Dir {
            dir: args.0?.to_string(),
            signing_key: args.1?.map(str::to_string),
            pseudonym_key: args.2?.map(str::to_string),
        });
        Ok(())
    })
}

/// Run without a client-stage journal (the hub still logs every access).
/// The choice must be explicit: a configuration with neither this nor a
/// journal directory is rejected by `fldm_client_new`.
///
/// # Safety
/// `config` is live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_config_set_no_journal(
    config: *mut fldm_client_config,
) -> *mut fldm_error {
    set(config, |c| {
        c.journal = Some(JournalConfig::None);
        Ok(())
    })
}

fn builder(c: &fldm_client_config) -> HubClientBuilder {
    let mut b = HubClientBuilder::new(c.base_url.clone());
    if let Some(p) = &c.ca_file {
        b = b.ca_pem_file(p);
    }
    if let (Some(cert), Some(key)) = (&c.cert_file, &c.key_file) {
        b = b.identity_pem_files(cert, key);
    }
    if let Some(u) = &c.user {
        b = b.user(u.clone());
    }
    if let Some(o) = &c.office {
        b = b.office(o.clone());
    }
    if let Some(t) = c.timeout_ms {
        b = b.timeout(Duration::from_millis(t));
    }
    if let Some(t) = c.connect_timeout_ms {
        b = b.connect_timeout(Duration::from_millis(t));
    }
    if let Some(n) = c.max_attempts {
        b = b.retry(RetryPolicy {
            max_attempts: n,
            ..RetryPolicy::default()
        });
    }
    match &c.journal {
        None => {}
        Some(JournalConfig::None) => b = b.without_journal(),
        Some(JournalConfig::Dir {
            dir,
            signing_key,
            pseudonym_key,
        }) => {
            b = b.journal_dir(dir);
            if let Some(k) = signing_key {
                b = b.journal_signing_key(k);
            }
            if let Some(k) = pseudonym_key {
                b = b.journal_pseudonym_key(k);
            }
        }
    }
    b
}

/// Connect: read the certificates, open the journal, start the runtime.
/// Nothing is sent yet. `FLDM_E_CONFIG` names the missing or unreadable
/// setting. The configuration is not consumed.
///
/// # Safety
/// `config` is live; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_new(
    config: *const fldm_client_config,
    out: *mut *mut fldm_client,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let (c, out) = unsafe { (handle(config, "config")?, Out::new(out, "out")?) };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("fldm-client")
            .build()
            .map_err(|e| Error::new(FLDM_E_CONFIG, format!("runtime: {e}")))?;
        let client = {
            let _guard = rt.enter();
            builder(c).build()?
        };
        out.write_box(fldm_client {
            rt: Arc::new(rt),
            client,
        });
        Ok(())
    })
}

/// Free a client: waits for its runtime to stop; the journal is closed.
/// NULL is allowed. Change feeds created from the client stay usable
/// until they are freed themselves.
///
/// # Safety
/// `client` is NULL or a client from this library, not yet freed, and no
/// other thread is using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_free(client: *mut fldm_client) {
    // SAFETY: caller contract.
    guard(|| unsafe { free_box(client) })
}

fn context(purpose: &str, case_reference: Option<&str>) -> Context {
    let c = Context::new(purpose);
    match case_reference {
        Some(k) => c.case(k),
        None => c,
    }
}

// --- calls -------------------------------------------------------------------------------

/// Get a person by FLDM id (`id_kind` 0) or AZR-Nummer (`id_kind` 1),
/// filtered to what the office may receive for `purpose` (Abrufzweck) with
/// `case_reference` (Geschäftszeichen, NULL if none).
///
/// # Safety
/// `client` is live; the strings are NUL-terminated or NULL where allowed;
/// `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_get_person(
    client: *const fldm_client,
    id: *const c_char,
    id_kind: i32,
    purpose: *const c_char,
    case_reference: *const c_char,
    out: *mut *mut fldm_disclosure,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let (cl, id, purpose, case, out) = unsafe {
            (
                handle(client, "client")?,
                str_arg(id, "id")?,
                str_arg(purpose, "purpose")?,
                opt_str_arg(case_reference, "case_reference")?,
                Out::new(out, "out")?,
            )
        };
        let ctx = context(purpose, case);
        let d = match id_kind {
            FLDM_ID_FLDM => cl.block(cl.client.get_person(id, &ctx))?,
            FLDM_ID_AZR => cl.block(cl.client.get_person_by_azr(id, &ctx))?,
            _ => {
                return Err(Error::new(
                    FLDM_E_INVALID_ARGUMENT,
                    "id_kind must be FLDM_ID_FLDM (0) or FLDM_ID_AZR (1)",
                ));
            }
        };
        out.write_box(disclosure(d));
        Ok(())
    })
}

/// `id_kind` of `fldm_client_get_person`: an FLDM id (`P` + 9 digits).
pub const FLDM_ID_FLDM: i32 = 0;
/// `id_kind` of `fldm_client_get_person`: an AZR-Nummer (12 digits).
pub const FLDM_ID_AZR: i32 = 1;

fn disclosure(d: Disclosure) -> fldm_disclosure {
    let person = fldm_person {
        inner: d.record.clone(),
    };
    fldm_disclosure { inner: d, person }
}

/// Free a disclosure. NULL is allowed.
///
/// # Safety
/// `disclosure` is NULL or a disclosure from this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_disclosure_free(disclosure: *mut fldm_disclosure) {
    // SAFETY: caller contract.
    guard(|| unsafe { free_box(disclosure) })
}

/// The disclosed record. Borrowed: valid as long as `disclosure`; do not
/// free it. NULL if `disclosure` is NULL.
///
/// # Safety
/// `disclosure` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_disclosure_person(
    disclosure: *const fldm_disclosure,
) -> *const fldm_person {
    // SAFETY: caller contract.
    guard(|| unsafe { disclosure.as_ref() }.map_or(std::ptr::null(), |d| &d.person))
}

/// The whole disclosure as JSON (`request_id`, `decision` with `rule_id`,
/// `legal_basis`, `policy_hash`, `attributes`, `transformations`, and
/// `record`), as sent by the hub.
///
/// # Safety
/// `disclosure` is live; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_disclosure_to_json(
    disclosure: *const fldm_disclosure,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let (d, out) = unsafe { (handle(disclosure, "disclosure")?, Out::new(out, "out")?) };
        out.write_string(to_json(&d.inner)?);
        Ok(())
    })
}

/// The deciding rule id and the legal basis, e.g. `§ 14 Abs. 1 AZRG`.
///
/// # Safety
/// `disclosure` is live; `out_rule_id` and `out_legal_basis` are valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_disclosure_decision(
    disclosure: *const fldm_disclosure,
    out_rule_id: *mut *mut c_char,
    out_legal_basis: *mut *mut c_char,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let (d, rule, basis) = unsafe {
            (
                handle(disclosure, "disclosure")?,
                Out::new(out_rule_id, "out_rule_id")?,
                Out::new(out_legal_basis, "out_legal_basis")?,
            )
        };
        let dec = &d.inner.decision;
        rule.write_string(dec.rule_id.clone());
        basis.write_string(format!(
            "{} {}",
            dec.legal_basis.section, dec.legal_basis.law
        ));
        Ok(())
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v)
        .map_err(|e| Error::new(crate::error::FLDM_E_INTERNAL, format!("encoding JSON: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| {
        Error::new(
            crate::error::FLDM_E_JSON,
            format!("invalid {what} JSON: {e}"),
        )
    })
}

fn decode_anschrift(text: &str) -> Result<Anschrift> {
    let (a, _) = fldm_core::codec::json::decode::<Anschrift>(
        text,
        fldm_core::codec::json::Strictness::Strict,
    )?;
    Ok(a)
}

/// Search by Grundpersonalien. `query_json`: `{"familienname": ...,
/// "vornamen": ..., "geburtsdatum": ..., "geschlecht": ...,
/// "staatsangehoerigkeit": ..., "limit": ...}` (all optional). `*out` is
/// the response JSON: `request_id`, `decision`, `candidates` (each with
/// `score`, `probability`, `matched_on`, `record`). Non-matching
/// candidates must be deleted at once (AZRG § 10 Abs. 3).
///
/// # Safety
/// `client` is live; the strings are NUL-terminated or NULL where allowed;
/// `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_search(
    client: *const fldm_client,
    query_json: *const c_char,
    purpose: *const c_char,
    case_reference: *const c_char,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let (cl, q, purpose, case, out) = unsafe {
            (
                handle(client, "client")?,
                str_arg(query_json, "query_json")?,
                str_arg(purpose, "purpose")?,
                opt_str_arg(case_reference, "case_reference")?,
                Out::new(out, "out")?,
            )
        };
        let q: SearchRequest = from_json(q, "search query")?;
        let r = cl.block(cl.client.search(&q, &context(purpose, case)))?;
        out.write_string(to_json(&r)?);
        Ok(())
    })
}

/// Write back the current address (housing office). `anschrift_json`: an
/// address object (`strasse`, `hausnummer`, `zusatz`, `postleitzahl`,
/// `ort`, `einzugsdatum`). `idempotency_key`: a stable key makes the write
/// safe to repeat (NULL: generated). `*out` (if `out` is not NULL) is the
/// write result JSON (`fldm_id`, `version`, `changed`, `decision`).
///
/// # Safety
/// `client` is live; the strings are NUL-terminated or NULL where allowed;
/// `out` is NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_update_address(
    client: *const fldm_client,
    fldm_id: *const c_char,
    anschrift_json: *const c_char,
    purpose: *const c_char,
    case_reference: *const c_char,
    idempotency_key: *const c_char,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let (cl, id, a, purpose, case, key) = unsafe {
            (
                handle(client, "client")?,
                str_arg(fldm_id, "fldm_id")?,
                str_arg(anschrift_json, "anschrift_json")?,
                str_arg(purpose, "purpose")?,
                opt_str_arg(case_reference, "case_reference")?,
                opt_str_arg(idempotency_key, "idempotency_key")?,
            )
        };
        // SAFETY: caller contract; NULL means "not wanted".
        let out = (!out.is_null()).then(|| unsafe { Out::new(out, "out") });
        let a = decode_anschrift(a)?;
        let r = cl.block(
            cl.client
                .update_address(id, &a, &context(purpose, case), key),
        )?;
        if let Some(out) = out {
            out?.write_string(to_json(&r)?);
        }
        Ok(())
    })
}

/// Report a correction (Berichtigung) to the owning office. `report_json`:
/// `{"attributes": ["grundpersonalien.familienname", ...], "note": "..."}`.
/// `*out` (if `out` is not NULL) is the correction JSON (`id`, `status`, ...).
///
/// # Safety
/// `client` is live; the strings are NUL-terminated or NULL where allowed;
/// `out` is NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_report_correction(
    client: *const fldm_client,
    fldm_id: *const c_char,
    report_json: *const c_char,
    purpose: *const c_char,
    case_reference: *const c_char,
    idempotency_key: *const c_char,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let (cl, id, r, purpose, case, key) = unsafe {
            (
                handle(client, "client")?,
                str_arg(fldm_id, "fldm_id")?,
                str_arg(report_json, "report_json")?,
                str_arg(purpose, "purpose")?,
                opt_str_arg(case_reference, "case_reference")?,
                opt_str_arg(idempotency_key, "idempotency_key")?,
            )
        };
        // SAFETY: caller contract; NULL means "not wanted".
        let out = (!out.is_null()).then(|| unsafe { Out::new(out, "out") });
        let report: CorrectionReport = from_json(r, "correction report")?;
        let c = cl.block(
            cl.client
                .report_correction(id, &report, &context(purpose, case), key),
        )?;
        if let Some(out) = out {
            out?.write_string(to_json(&c)?);
        }
        Ok(())
    })
}

/// Write a signed checkpoint of the client journal now (needs a signing
/// key; without a journal this does nothing).
///
/// # Safety
/// `client` is live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_journal_checkpoint(
    client: *const fldm_client,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let cl = unsafe { handle(client, "client")? };
        cl.client.journal_checkpoint()?;
        Ok(())
    })
}

// --- change feed -----------------------------------------------------------------------

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
        let (cl, purpose, case, out) = unsafe {
            (
                handle(client, "client")?,
                str_arg(purpose, "purpose")?,
                opt_str_arg(case_reference, "case_reference")?,
                Out::new(out, "out")?,
            )
        };
        out.write_box(fldm_change_feed {
            rt: Arc::clone(&cl.rt),
            feed: cl.client.changes(cursor, context(purpose, case)),
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
        let rt = Arc::clone(&f.rt);
        match rt.block_on(f.feed.next()) {
            None => out.write(std::ptr::null_mut()),
            Some(r) => {
                let e = r?;
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
    fallible(|| {
        // SAFETY: caller contract.
        let (c, out) = unsafe { (handle(change, "change")?, Out::new(out, "out")?) };
        out.write_string(to_json(&c.inner)?);
        Ok(())
    })
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

// --- JSON in / JSON out -------------------------------------------------------------------

fn field<'a>(req: &'a Value, name: &str) -> Result<&'a str> {
    opt_field(req, name)?.ok_or_else(|| {
        Error::new(
            FLDM_E_INVALID_ARGUMENT,
            format!("request field {name:?} is required"),
        )
    })
}

fn opt_field<'a>(req: &'a Value, name: &str) -> Result<Option<&'a str>> {
    match req.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::new(
            FLDM_E_INVALID_ARGUMENT,
            format!("request field {name:?} must be a string"),
        )),
    }
}

fn object<'a>(req: &'a Value, name: &str) -> Result<&'a Value> {
    req.get(name).filter(|v| v.is_object()).ok_or_else(|| {
        Error::new(
            FLDM_E_INVALID_ARGUMENT,
            format!("request field {name:?} must be an object"),
        )
    })
}

fn u64_field(req: &Value, name: &str, default: u64) -> Result<u64> {
    match req.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v.as_u64().ok_or_else(|| {
            Error::new(
                FLDM_E_INVALID_ARGUMENT,
                format!("request field {name:?} must be a non-negative integer"),
            )
        }),
    }
}

/// The operations of `fldm_client_call_json`.
const OPS: &str = "health, get_person, search, update_address, report_correction, corrections, \
     decide_correction, changes_page, access_report";

pub(crate) fn call_json(cl: &fldm_client, request: &str) -> Result<String> {
    let req: Value = from_json(request, "request")?;
    if !req.is_object() {
        return Err(Error::new(
            FLDM_E_INVALID_ARGUMENT,
            "the request must be a JSON object with an \"op\" field",
        ));
    }
    let op = field(&req, "op")?;
    let ctx = || -> Result<Context> {
        Ok(context(
            field(&req, "purpose")?,
            opt_field(&req, "case_reference")?,
        ))
    };
    let c = &cl.client;
    match op {
        "health" => to_json(&cl.block(c.health())?),
        "get_person" => {
            let ctx = ctx()?;
            let d = match (opt_field(&req, "fldm_id")?, opt_field(&req, "azr_nummer")?) {
                (Some(id), None) => cl.block(c.get_person(id, &ctx))?,
                (None, Some(azr)) => cl.block(c.get_person_by_azr(azr, &ctx))?,
                _ => {
                    return Err(Error::new(
                        FLDM_E_INVALID_ARGUMENT,
                        "get_person needs exactly one of \"fldm_id\" and \"azr_nummer\"",
                    ));
                }
            };
            to_json(&d)
        }
        "search" => {
            let q: SearchRequest = serde_json::from_value(object(&req, "query")?.clone())
                .map_err(|e| Error::new(crate::error::FLDM_E_JSON, format!("query: {e}")))?;
            to_json(&cl.block(c.search(&q, &ctx()?))?)
        }
        "update_address" => {
            let a = decode_anschrift(&object(&req, "anschrift")?.to_string())?;
            let r = cl.block(c.update_address(
                field(&req, "fldm_id")?,
                &a,
                &ctx()?,
                opt_field(&req, "idempotency_key")?,
            ))?;
            to_json(&r)
        }
        "report_correction" => {
            let report: CorrectionReport = serde_json::from_value(object(&req, "report")?.clone())
                .map_err(|e| Error::new(crate::error::FLDM_E_JSON, format!("report: {e}")))?;
            let r = cl.block(c.report_correction(
                field(&req, "fldm_id")?,
                &report,
                &ctx()?,
                opt_field(&req, "idempotency_key")?,
            ))?;
            to_json(&r)
        }
        "corrections" => {
            let status: Option<CorrectionStatus> = match req.get("status") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    serde_json::from_value(v.clone())
                        .map_err(|e| Error::new(FLDM_E_INVALID_ARGUMENT, format!("status: {e}")))?,
                ),
            };
            let list = cl.block(c.corrections(status, &ctx()?))?;
            to_json(&serde_json::json!({ "corrections": list }))
        }
        "access_report" => to_json(&cl.block(c.access_report(field(&req, "fldm_id")?, &ctx()?))?),
        "decide_correction" => {
            let id = match req.get("correction_id") {
                Some(v) => v.as_u64().ok_or_else(|| {
                    Error::new(
                        FLDM_E_INVALID_ARGUMENT,
                        "request field \"correction_id\" must be a non-negative integer",
                    )
                })?,
                None => {
                    return Err(Error::new(
                        FLDM_E_INVALID_ARGUMENT,
                        "request field \"correction_id\" is missing",
                    ));
                }
            };
            let status: CorrectionStatus =
                serde_json::from_value(Value::String(field(&req, "status")?.to_string()))
                    .map_err(|e| Error::new(FLDM_E_INVALID_ARGUMENT, format!("status: {e}")))?;
            to_json(&cl.block(c.decide_correction(
                id,
                status,
                &ctx()?,
                opt_field(&req, "idempotency_key")?,
            ))?)
        }
        "changes_page" => {
            let cursor = u64_field(&req, "cursor", 0)?;
            let limit = u32::try_from(u64_field(&req, "limit", 500)?).map_err(|_| {
                Error::new(
                    FLDM_E_INVALID_ARGUMENT,
                    "request field \"limit\" is too large",
                )
            })?;
            to_json(&cl.block(c.changes_page(cursor, limit, &ctx()?))?)
        }
        other => Err(Error::new(
            FLDM_E_INVALID_ARGUMENT,
            format!(
                "unknown op {:?}; expected one of {OPS}",
                other.chars().take(40).collect::<String>()
            ),
        )),
    }
}

/// One entry point for every client operation, JSON in and JSON out, so
/// that new operations need no new symbols. `request_json` is an object
/// with `"op"` and the operation's fields (see docs/c-api.md):
/// `health`; `get_person` (`fldm_id` or `azr_nummer`); `search` (`query`);
/// `update_address` (`fldm_id`, `anschrift`, `idempotency_key`?);
/// `report_correction` (`fldm_id`, `report`, `idempotency_key`?);
/// `corrections` (`status`?); `decide_correction` (`correction_id`,
/// `status`, `idempotency_key`?); `changes_page` (`cursor`?, `limit`?);
/// `access_report` (`fldm_id`). Every
/// op except `health` takes `purpose` and `case_reference`?. `*out_json`
/// is the hub's response object. Errors are the same as the typed calls'.
///
/// # Safety
/// `client` is live; `request_json` is NUL-terminated; `out_json` is valid
/// for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_call_json(
    client: *const fldm_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let (cl, req, out) = unsafe {
            (
                handle(client, "client")?,
                str_arg(request_json, "request_json")?,
                Out::new(out_json, "out_json")?,
            )
        };
        out.write_string(call_json(cl, req)?);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn handles_documented_as_thread_safe_are_send_and_sync() {
        fn sync<T: Send + Sync>() {}
        sync::<super::fldm_client>();
        sync::<super::fldm_person>();
        sync::<super::fldm_disclosure>();
        sync::<crate::policy::fldm_policy>();
        sync::<crate::policy::fldm_permit>();
    }
}
