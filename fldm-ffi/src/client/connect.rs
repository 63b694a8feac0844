//! `fldm_client`: connect from a configuration, close, journal checkpoint.

use ::fldm_client::blocking::HubClient;

use super::config::fldm_client_config;
use crate::boundary::{fallible, guard};
use crate::error::fldm_error;
use crate::ptr::{Out, free_box, handle};

/// A connected hub client: TLS configuration, connection pool, client-stage
/// audit journal and a small runtime of two worker threads. Thread-safe:
/// one client may be used from many threads at once.
#[derive(Debug)]
pub struct fldm_client {
    pub(crate) client: HubClient,
}

/// Connect: read the certificates, open the journal, start the runtime.
/// Nothing is sent yet. `FLDM_E_CONFIG` names the missing or unreadable
/// setting (`fldm_error_field`). The configuration is not consumed.
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
        out.write_box(fldm_client {
            client: c.options.connect()?,
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
