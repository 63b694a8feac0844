//! The client-stage audit journal.
//!
//! One record per hub call, written after the answer arrived and **before**
//! any data is handed to the application. If the record cannot be written,
//! the call fails with [`crate::Error::Audit`] and the data is discarded
//! (fail closed). The record shares the request id with the hub's record of
//! the same call, names the purpose, case reference, retrieving and
//! responsible person, the query criteria as keyed hashes, the attribute
//! names that actually arrived and the SHA-256 of the response body. It is
//! assembled by [`fldm_core::audit::RecordFacts::build`], as at the hub.

use fldm_core::audit::{Journal, PseudonymKey, RecordFacts, now_ms};

use crate::error::{Error, Result};

pub(crate) struct ClientJournal {
    pub(crate) journal: Journal,
    pub(crate) pseudonym: PseudonymKey,
}

impl std::fmt::Debug for ClientJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientJournal")
            .field("entries", &self.journal.len())
            .finish()
    }
}

impl ClientJournal {
    /// Append the record of `facts`, with the query `criteria` as
    /// (attribute, value) pairs (hashed here) and the response body
    /// `payload` (digested here).
    pub(crate) fn write(
        &self,
        mut facts: RecordFacts,
        criteria: &[(&str, String)],
        payload: Option<&[u8]>,
    ) -> Result<()> {
        facts.criteria = criteria
            .iter()
            .map(|(a, v)| self.pseudonym.criterion(a, v))
            .collect();
        let record = facts
            .build(&self.pseudonym, payload, now_ms())
            .map_err(Error::Audit)?;
        self.journal
            .append(&record)
            .map(|_| ())
            .map_err(Error::Audit)
    }
}
