//! The change feed (`GET /v1/changes`).

use fldm_core::policy::Operation;
use fldm_core::record::Person;
use fldm_core::wire::{ChangeEntry, ChangesPage, DecisionInfo};
use serde::Deserialize;

use fldm_core::attribute::{self, AttributeSet};

use super::{
    DEFAULT_CHANGES_LIMIT, MAX_CHANGES_LIMIT, body, decide, names, page_limit, query_params,
    record_received,
};
use crate::api::problem::ApiError;
use crate::api::{Exchange, Reply};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangesQuery {
    cursor: Option<u64>,
    limit: Option<usize>,
}

/// `GET /v1/changes?cursor=N&limit=M` (operation `changes`): entries after
/// the cursor whose changed attributes intersect the caller's permitted
/// set; other entries are skipped, the cursor still advances past them.
/// A deletion is a tombstone (no record) for every office whose changes
/// rule grants any attribute at all: whatever it received about the
/// person, it must delete or relink. The page's audit record names the
/// persons of the tombstones too.
pub(crate) fn changes_logic(x: Exchange<'_>) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    let permit = decide(st, ctx, Operation::Changes, facts)?;
    let q: ChangesQuery = query_params(ctx)?;
    let limit = page_limit(q.limit, DEFAULT_CHANGES_LIMIT, MAX_CHANGES_LIMIT)?;
    let cursor = q.cursor.unwrap_or(0);
    let page = st.store.changes_since(cursor, limit)?;
    let latest = st.store.latest_seq()?;
    let permitted = permit.attributes();
    let mut entries = Vec::new();
    for c in &page.changes {
        if let Some(d) = &c.deleted {
            // Every office that may read changes learns of a deletion, so
            // it can delete or relink its copy.
            if !permitted.is_empty() {
                entries.push(ChangeEntry {
                    seq: c.seq,
                    fldm_id: c.fldm_id.as_str().to_string(),
                    changed: Vec::new(),
                    record: None,
                    deleted: Some(d.tombstone()),
                });
            }
            continue;
        }
        let Some(current) = &c.current else {
            continue;
        };
        let visible = c.changed.intersection(permitted);
        if visible.is_empty() {
            continue;
        }
        let record = permit.apply(&current.person);
        entries.push(ChangeEntry {
            seq: c.seq,
            fldm_id: c.fldm_id.as_str().to_string(),
            changed: names(visible),
            record: Some(record),
            deleted: None,
        });
    }
    let out = ChangesPage {
        request_id: ctx.request_id.clone(),
        decision: DecisionInfo::from_permit(&permit),
        changes: entries,
        next_cursor: page.next_cursor,
        has_more: latest > page.next_cursor,
    };
    let records: Vec<&Person> = out
        .changes
        .iter()
        .filter_map(|c| c.record.as_ref())
        .collect();
    record_received(
        facts,
        out.changes.iter().map(|c| {
            let sent = c
                .record
                .as_ref()
                .map_or(AttributeSet::empty(), attribute::present);
            (c.fldm_id.as_str(), sent)
        }),
    );
    body(ctx, 200, "aenderungen", &out, &records)
}
