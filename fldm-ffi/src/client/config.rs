//! `fldm_client_config`: the client options (`fldm_client::bridge::ClientOptions`)
//! set one by one from C.

use std::ffi::c_char;

use ::fldm_client::bridge::ClientOptions;

use crate::boundary::{fallible, guard};
use crate::error::{Error, FLDM_E_INVALID_ARGUMENT, Result, fldm_error};
use crate::ptr::{Out, free_box, handle_mut, opt_str_arg, str_arg};

/// Client configuration (a builder). Not thread-safe; free with
/// `fldm_client_config_free` after `fldm_client_new` (which copies it).
#[derive(Debug, Default, Clone)]
pub struct fldm_client_config {
    pub(crate) options: ClientOptions,
}

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
        let mut c = fldm_client_config::default();
        c.options.base_url = Some(url.to_string());
        out.write_box(c);
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

/// Shared body of the setters: checks the configuration, then `apply`.
///
/// # Safety
/// `config` is NULL or live and used by one thread.
unsafe fn set(
    config: *mut fldm_client_config,
    apply: impl FnOnce(&mut ClientOptions) -> Result<()>,
) -> *mut fldm_error {
    fallible(|| {
        // SAFETY: caller contract.
        let c = unsafe { handle_mut(config, "config")? };
        apply(&mut c.options)
    })
}

/// Shared body of the setters of one string.
///
/// # Safety
/// `config` is NULL or live and used by one thread; `value` is NULL or
/// NUL-terminated.
unsafe fn set_str(
    config: *mut fldm_client_config,
    value: *const c_char,
    name: &str,
    apply: impl FnOnce(&mut ClientOptions, &str),
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe {
        set(config, |o| {
            apply(o, str_arg(value, name)?);
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
    unsafe { set_str(config, path, "path", |o, v| o.ca = Some(v.into())) }
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
    unsafe {
        set(config, |o| {
            let (cert, key) = (
                str_arg(cert_path, "cert_path")?,
                str_arg(key_path, "key_path")?,
            );
            o.cert = Some(cert.into());
            o.key = Some(key.into());
            Ok(())
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
    unsafe { set_str(config, user, "user", |o, v| o.user = Some(v.into())) }
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
    unsafe { set_str(config, office, "office", |o, v| o.office = Some(v.into())) }
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
        set(config, |o| {
            o.timeout_ms = (timeout_ms > 0).then_some(timeout_ms);
            o.connect_timeout_ms = (connect_timeout_ms > 0).then_some(connect_timeout_ms);
            Ok(())
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
        set(config, |o| {
            if max_attempts == 0 {
                return Err(Error::new(
                    FLDM_E_INVALID_ARGUMENT,
                    "max_attempts must be at least 1",
                ));
            }
            o.max_attempts = Some(max_attempts);
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
    // SAFETY: caller contract.
    unsafe {
        set(config, |o| {
            let (dir, signing, pseudonym) = (
                str_arg(dir, "dir")?,
                opt_str_arg(signing_key_path, "signing_key_path")?,
                opt_str_arg(pseudonym_key_path, "pseudonym_key_path")?,
            );
            o.set_journal_dir(dir);
            o.journal_signing_key = signing.map(Into::into);
            o.journal_pseudonym_key = pseudonym.map(Into::into);
            Ok(())
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
    unsafe {
        set(config, |o| {
            o.set_no_journal();
            Ok(())
        })
    }
}
