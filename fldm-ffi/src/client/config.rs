//! `fldm_client_config`: the client options (`fldm_client::bridge::ClientOptions`)
//! set one by one from C.

use std::ffi::c_char;

use ::fldm_client::bridge::ClientOptions;

use crate::error::{Error, FLDM_E_INVALID_ARGUMENT, fldm_error};
use crate::ptr::{Args, Handle, arg, call, free, opt_arg, out_arg, run};

/// Client configuration (a builder). Not thread-safe; free with
/// `fldm_client_config_free` after `fldm_client_new` (which copies it).
#[derive(Debug, Default, Clone)]
pub struct fldm_client_config {
    pub(crate) options: ClientOptions,
}

impl Handle for fldm_client_config {}

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
    // SAFETY: caller contract.
    unsafe {
        call(arg(base_url, "base_url"), out_arg(out, "out"), |url| {
            let mut c = fldm_client_config::default();
            c.options.base_url = Some(url.to_string());
            Ok(c)
        })
    }
}

/// Free a configuration. NULL is allowed.
///
/// # Safety
/// `config` is NULL or a configuration from this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_client_config_free(config: *mut fldm_client_config) {
    // SAFETY: caller contract.
    unsafe { free(config) }
}

/// Shared body of the setters: converts `config` and `args` (in that
/// order), then `apply`.
///
/// # Safety
/// `config` is NULL or live and used by one thread; `args` as
/// [`Args::convert`].
unsafe fn set<'a, A: Args<'a>>(
    config: *mut fldm_client_config,
    args: A,
    apply: impl FnOnce(&mut ClientOptions, A::Values),
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe {
        run((arg(config, "config"), args), |(c, values)| {
            apply(&mut c.options, values);
            Ok(())
        })
    }
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
    unsafe {
        set(config, arg(path, "path"), |o, path| {
            o.ca = Some(path.into())
        })
    }
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
    let args = (arg(cert_path, "cert_path"), arg(key_path, "key_path"));
    // SAFETY: caller contract.
    unsafe {
        set(config, args, |o, (cert, key)| {
            o.cert = Some(cert.into());
            o.key = Some(key.into());
        })
    }
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
    unsafe {
        set(config, arg(user, "user"), |o, user| {
            o.user = Some(user.into())
        })
    }
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
    unsafe {
        set(config, arg(office, "office"), |o, office| {
            o.office = Some(office.into())
        })
    }
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
    // SAFETY: caller contract.
    unsafe {
        set(config, (), |o, ()| {
            o.timeout_ms = (timeout_ms > 0).then_some(timeout_ms);
            o.connect_timeout_ms = (connect_timeout_ms > 0).then_some(connect_timeout_ms);
        })
    }
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
    // SAFETY: caller contract.
    unsafe {
        run(arg(config, "config"), |c| {
            if max_attempts == 0 {
                return Err(Error::new(
                    FLDM_E_INVALID_ARGUMENT,
                    "max_attempts must be at least 1",
                ));
            }
            c.options.max_attempts = Some(max_attempts);
            Ok(())
        })
    }
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
    let args = (
        arg(dir, "dir"),
        opt_arg(signing_key_path, "signing_key_path"),
        opt_arg(pseudonym_key_path, "pseudonym_key_path"),
    );
    // SAFETY: caller contract.
    unsafe {
        set(config, args, |o, (dir, signing, pseudonym)| {
            o.set_journal_dir(dir);
            o.journal_signing_key = signing.map(Into::into);
            o.journal_pseudonym_key = pseudonym.map(Into::into);
        })
    }
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
    // SAFETY: caller contract.
    unsafe { set(config, (), |o, ()| o.set_no_journal()) }
}
