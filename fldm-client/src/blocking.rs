//! The blocking facade: the same calls as [`crate::HubClient`], for code
//! without an async runtime (and for the C and Python bindings). It owns a
//! small multi-threaded Tokio runtime; do not call it from inside another
//! Tokio runtime.

use fldm_core::record::Anschrift;
use fldm_core::wire::{
    AccessReport, ChangeEntry, ChangesPage, Correction, CorrectionReport, CorrectionStatus,
    Disclosure, Health, SearchRequest, SearchResponse, WriteResult,
};

use crate::builder::HubClientBuilder;
use crate::client::{BulkReport, Context};
use crate::error::{Error, Result};

/// Blocking hub client.
#[derive(Debug)]
pub struct HubClient {
    inner: crate::client::HubClient,
    rt: tokio::runtime::Runtime,
}

impl HubClient {
    pub(crate) fn new(builder: HubClientBuilder) -> Result<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("fldm-client")
            .build()
            .map_err(|e| Error::Config {
                what: "runtime".into(),
                message: e.to_string(),
            })?;
        let inner = {
            let _guard = rt.enter();
            builder.build()?
        };
        Ok(HubClient { inner, rt })
    }

    /// The async client this facade drives.
    pub fn as_async(&self) -> &crate::client::HubClient {
        &self.inner
    }

    /// Hub health.
    pub fn health(&self) -> Result<Health> {
        self.rt.block_on(self.inner.health())
    }

    /// See [`crate::HubClient::get_person`].
    pub fn get_person(&self, fldm_id: &str, ctx: &Context) -> Result<Disclosure> {
        self.rt.block_on(self.inner.get_person(fldm_id, ctx))
    }

    /// See [`crate::HubClient::get_person_by_azr`].
    pub fn get_person_by_azr(&self, azr: &str, ctx: &Context) -> Result<Disclosure> {
        self.rt.block_on(self.inner.get_person_by_azr(azr, ctx))
    }

    /// See [`crate::HubClient::search`].
    pub fn search(&self, q: &SearchRequest, ctx: &Context) -> Result<SearchResponse> {
        self.rt.block_on(self.inner.search(q, ctx))
    }

    /// See [`crate::HubClient::update_address`].
    pub fn update_address(
        &self,
        fldm_id: &str,
        anschrift: &Anschrift,
        ctx: &Context,
        idempotency_key: Option<&str>,
    ) -> Result<WriteResult> {
        self.rt.block_on(
            self.inner
                .update_address(fldm_id, anschrift, ctx, idempotency_key),
        )
    }

    /// See [`crate::HubClient::report_correction`].
    pub fn report_correction(
        &self,
        fldm_id: &str,
        report: &CorrectionReport,
        ctx: &Context,
        idempotency_key: Option<&str>,
    ) -> Result<Correction> {
        self.rt.block_on(
            self.inner
                .report_correction(fldm_id, report, ctx, idempotency_key),
        )
    }

    /// See [`crate::HubClient::decide_correction`].
    pub fn decide_correction(
        &self,
        correction_id: u64,
        status: CorrectionStatus,
        ctx: &Context,
        idempotency_key: Option<&str>,
    ) -> Result<Correction> {
        self.rt.block_on(
            self.inner
                .decide_correction(correction_id, status, ctx, idempotency_key),
        )
    }

    /// See [`crate::HubClient::access_report`].
    pub fn access_report(&self, fldm_id: &str, ctx: &Context) -> Result<AccessReport> {
        self.rt.block_on(self.inner.access_report(fldm_id, ctx))
    }

    /// See [`crate::HubClient::corrections`].
    pub fn corrections(
        &self,
        status: Option<CorrectionStatus>,
        ctx: &Context,
    ) -> Result<Vec<Correction>> {
        self.rt.block_on(self.inner.corrections(status, ctx))
    }

    /// See [`crate::HubClient::changes_page`].
    pub fn changes_page(&self, cursor: u64, limit: u32, ctx: &Context) -> Result<ChangesPage> {
        self.rt
            .block_on(self.inner.changes_page(cursor, limit, ctx))
    }

    /// The change feed after `cursor` as an iterator.
    pub fn changes(&self, cursor: u64, ctx: Context) -> ChangeIter<'_> {
        ChangeIter {
            feed: self.inner.changes(cursor, ctx),
            rt: &self.rt,
        }
    }

    /// See [`crate::HubClient::sync_addresses`].
    pub fn sync_addresses(
        &self,
        batch_id: &str,
        updates: &[(String, Anschrift)],
        ctx: &Context,
        concurrency: usize,
        progress: impl FnMut(usize, usize),
    ) -> BulkReport {
        self.rt.block_on(
            self.inner
                .sync_addresses(batch_id, updates, ctx, concurrency, progress),
        )
    }

    /// Entries in the client journal.
    pub fn journal_len(&self) -> u64 {
        self.inner.journal_len()
    }

    /// Write a checkpoint of the client journal now.
    pub fn journal_checkpoint(&self) -> Result<()> {
        self.inner.journal_checkpoint()
    }
}

/// Iterator over the change feed (blocking).
#[derive(Debug)]
pub struct ChangeIter<'a> {
    feed: crate::client::ChangeFeed,
    rt: &'a tokio::runtime::Runtime,
}

impl ChangeIter<'_> {
    /// Cursor after the last entry returned.
    pub fn cursor(&self) -> u64 {
        self.feed.cursor()
    }
}

impl Iterator for ChangeIter<'_> {
    type Item = Result<ChangeEntry>;
    fn next(&mut self) -> Option<Self::Item> {
        self.rt.block_on(self.feed.next())
    }
}
