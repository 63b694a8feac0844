//! The blocking facade: the same calls as [`crate::HubClient`], for code
//! without an async runtime, and the one runtime the C and Python faces
//! use (through [`crate::bridge`]). It owns a small multi-threaded Tokio
//! runtime (two worker threads), shared with the change-feed iterators it
//! creates; do not call it from inside another Tokio runtime.

use std::sync::Arc;

use std::path::Path;

use fldm_core::codec::import::ImportFormat;
use fldm_core::lifecycle::DeletionReason;
use fldm_core::record::{Anschrift, Person};
use fldm_core::wire::{
    AccessReport, ChangeEntry, ChangesPage, Correction, CorrectionReport, CorrectionStatus,
    DeleteResult, Disclosure, Health, ImportCounts, MergeResult, SearchRequest, SearchResponse,
    Tombstone, WriteResult,
};

use crate::builder::HubClientBuilder;
use crate::client::{BulkReport, Context, ImportReport, LocalAction};
use crate::error::{Error, Result};

/// Blocking hub client. Thread-safe: one client may be used from many
/// threads at once; each call blocks its thread.
#[derive(Debug)]
pub struct HubClient {
    inner: crate::client::HubClient,
    rt: Arc<tokio::runtime::Runtime>,
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
        Ok(HubClient {
            inner,
            rt: Arc::new(rt),
        })
    }

    /// Run one call of the async client on this facade's runtime.
    fn block_on<'a, F: std::future::Future>(
        &'a self,
        call: impl FnOnce(&'a crate::client::HubClient) -> F,
    ) -> F::Output {
        self.rt.block_on(call(&self.inner))
    }

    /// The async client this facade drives.
    pub fn as_async(&self) -> &crate::client::HubClient {
        &self.inner
    }

    /// Hub health.
    pub fn health(&self) -> Result<Health> {
        self.block_on(|c| c.health())
    }

    /// See [`crate::HubClient::get_person`].
    pub fn get_person(&self, fldm_id: &str, ctx: &Context) -> Result<Disclosure> {
        self.block_on(|c| c.get_person(fldm_id, ctx))
    }

    /// See [`crate::HubClient::get_person_by_azr`].
    pub fn get_person_by_azr(&self, azr: &str, ctx: &Context) -> Result<Disclosure> {
        self.block_on(|c| c.get_person_by_azr(azr, ctx))
    }

    /// See [`crate::HubClient::search`].
    pub fn search(&self, q: &SearchRequest, ctx: &Context) -> Result<SearchResponse> {
        self.block_on(|c| c.search(q, ctx))
    }

    /// See [`crate::HubClient::update_address`].
    pub fn update_address(
        &self,
        fldm_id: &str,
        anschrift: &Anschrift,
        ctx: &Context,
        idempotency_key: Option<&str>,
    ) -> Result<WriteResult> {
        self.block_on(|c| c.update_address(fldm_id, anschrift, ctx, idempotency_key))
    }

    /// See [`crate::HubClient::report_correction`].
    pub fn report_correction(
        &self,
        fldm_id: &str,
        report: &CorrectionReport,
        ctx: &Context,
        idempotency_key: Option<&str>,
    ) -> Result<Correction> {
        self.block_on(|c| c.report_correction(fldm_id, report, ctx, idempotency_key))
    }

    /// See [`crate::HubClient::decide_correction`].
    pub fn decide_correction(
        &self,
        correction_id: u64,
        status: CorrectionStatus,
        ctx: &Context,
        idempotency_key: Option<&str>,
    ) -> Result<Correction> {
        self.block_on(|c| c.decide_correction(correction_id, status, ctx, idempotency_key))
    }

    /// See [`crate::HubClient::access_report`].
    pub fn access_report(&self, fldm_id: &str, ctx: &Context) -> Result<AccessReport> {
        self.block_on(|c| c.access_report(fldm_id, ctx))
    }

    /// See [`crate::HubClient::corrections`].
    pub fn corrections(
        &self,
        status: Option<CorrectionStatus>,
        ctx: &Context,
    ) -> Result<Vec<Correction>> {
        self.block_on(|c| c.corrections(status, ctx))
    }

    /// See [`crate::HubClient::changes_page`].
    pub fn changes_page(&self, cursor: u64, limit: u32, ctx: &Context) -> Result<ChangesPage> {
        self.block_on(|c| c.changes_page(cursor, limit, ctx))
    }

    /// The change feed after `cursor` as an iterator, fetching pages as
    /// needed. It shares the client's runtime and stays usable after the
    /// client is dropped.
    pub fn changes(&self, cursor: u64, ctx: Context) -> ChangeIter {
        ChangeIter {
            feed: self.inner.changes(cursor, ctx),
            rt: Arc::clone(&self.rt),
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
        self.block_on(|c| c.sync_addresses(batch_id, updates, ctx, concurrency, progress))
    }

    /// See [`crate::HubClient::create_person`].
    pub fn create_person(&self, person: &Person, ctx: &Context) -> Result<WriteResult> {
        self.block_on(|c| c.create_person(person, ctx))
    }

    /// See [`crate::HubClient::update_person`].
    pub fn update_person(
        &self,
        patch: &Person,
        expected_version: Option<u64>,
        ctx: &Context,
    ) -> Result<WriteResult> {
        self.block_on(|c| c.update_person(patch, expected_version, ctx))
    }

    /// See [`crate::HubClient::delete_person`].
    pub fn delete_person(
        &self,
        fldm_id: &str,
        reason: DeletionReason,
        ctx: &Context,
    ) -> Result<DeleteResult> {
        self.block_on(|c| c.delete_person(fldm_id, reason, ctx))
    }

    /// See [`crate::HubClient::merge_persons`].
    pub fn merge_persons(
        &self,
        survivor: &str,
        duplicate: &str,
        ctx: &Context,
    ) -> Result<MergeResult> {
        self.block_on(|c| c.merge_persons(survivor, duplicate, ctx))
    }

    /// See [`crate::HubClient::import_persons`].
    pub fn import_persons(
        &self,
        records: impl IntoIterator<Item = Person>,
        ctx: &Context,
    ) -> Result<ImportReport> {
        self.block_on(|c| c.import_persons(records, ctx))
    }

    /// See [`crate::HubClient::import_file`].
    pub fn import_file(
        &self,
        path: impl AsRef<Path>,
        format: Option<ImportFormat>,
        ctx: &Context,
        progress: impl FnMut(&ImportCounts),
    ) -> Result<ImportReport> {
        self.block_on(|c| c.import_file(path, format, ctx, progress))
    }

    /// See [`crate::HubClient::acknowledge_deletion`] (no network).
    pub fn acknowledge_deletion(
        &self,
        fldm_id: &str,
        tombstone: &Tombstone,
        action: LocalAction,
        ctx: &Context,
    ) -> Result<()> {
        self.inner
            .acknowledge_deletion(fldm_id, tombstone, action, ctx)
    }

    /// Whether this client writes a client-stage journal.
    pub fn has_journal(&self) -> bool {
        self.inner.has_journal()
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

/// Iterator over the change feed (blocking): pages are fetched as needed;
/// `None` when the feed is (currently) exhausted. After an error the
/// iterator ends; resume with a new one from [`ChangeIter::cursor`]. Use
/// from one thread at a time (it may move between threads).
#[derive(Debug)]
pub struct ChangeIter {
    feed: crate::client::ChangeFeed,
    rt: Arc<tokio::runtime::Runtime>,
}

impl ChangeIter {
    /// Cursor after the last entry returned; store it to resume later.
    pub fn cursor(&self) -> u64 {
        self.feed.cursor()
    }

    /// Entries per page (default 500).
    #[must_use]
    pub fn page_size(mut self, n: u32) -> Self {
        self.feed = self.feed.page_size(n);
        self
    }
}

impl Iterator for ChangeIter {
    type Item = Result<ChangeEntry>;
    fn next(&mut self) -> Option<Self::Item> {
        self.rt.block_on(self.feed.next())
    }
}
