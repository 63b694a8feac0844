//! The change feed: one page, and a reader that pages through it.

use fldm_core::record::Person;
use fldm_core::wire::{ChangeEntry, ChangesPage};
use reqwest::Method;

use super::{Call, Context, HubClient, Received, decode};
use crate::error::Result;

impl HubClient {
    /// One page of the change feed after `cursor`.
    pub async fn changes_page(
        &self,
        cursor: u64,
        limit: u32,
        ctx: &Context,
    ) -> Result<ChangesPage> {
        let mut call = Call::new(Method::GET, "/changes", Some(ctx));
        call.query.push(("cursor", cursor.to_string()));
        call.query.push(("limit", limit.to_string()));
        self.execute(call, |b| {
            let p: ChangesPage = decode(b)?;
            let records: Vec<&Person> =
                p.changes.iter().filter_map(|c| c.record.as_ref()).collect();
            let max = limit as usize;
            let r = Received::records(&p.decision, &records, max, "change-feed entries")?;
            Ok((p, r))
        })
        .await
    }

    /// A change-feed reader starting after `cursor` (0: from the beginning).
    pub fn changes(&self, cursor: u64, ctx: Context) -> ChangeFeed {
        ChangeFeed {
            client: self.clone(),
            ctx,
            cursor,
            page_size: 500,
            buffer: std::collections::VecDeque::new(),
            done: false,
        }
    }
}

/// Reads the change feed page by page. Use [`ChangeFeed::next`] in async
/// code; the blocking facade turns it into an `Iterator`.
#[derive(Debug)]
pub struct ChangeFeed {
    client: HubClient,
    ctx: Context,
    cursor: u64,
    page_size: u32,
    buffer: std::collections::VecDeque<ChangeEntry>,
    done: bool,
}

impl ChangeFeed {
    /// Entries per page (default 500).
    #[must_use]
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n.max(1);
        self
    }

    /// The cursor after the last entry returned; store it to resume later.
    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    /// The next entry, `None` when the feed is (currently) exhausted.
    #[allow(clippy::should_implement_trait)]
    pub async fn next(&mut self) -> Option<Result<ChangeEntry>> {
        loop {
            if let Some(e) = self.buffer.pop_front() {
                self.cursor = e.seq;
                return Some(Ok(e));
            }
            if self.done {
                return None;
            }
            // Each page needs its own request id.
            let mut ctx = self.ctx.clone();
            ctx.request_id = None;
            match self
                .client
                .changes_page(self.cursor, self.page_size, &ctx)
                .await
            {
                Ok(page) => {
                    if !page.has_more {
                        self.done = true;
                    }
                    if page.changes.is_empty() {
                        self.cursor = self.cursor.max(page.next_cursor);
                        if !page.has_more {
                            return None;
                        }
                    }
                    self.buffer.extend(page.changes);
                    if self.buffer.is_empty() {
                        self.cursor = self.cursor.max(page.next_cursor);
                    }
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}
