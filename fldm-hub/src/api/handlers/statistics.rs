//! Anonymised statistics (`GET /v1/statistics`).

use std::collections::BTreeMap;

use fldm_core::policy::{Operation, today_utc};
use fldm_core::wire::{DecisionInfo, Statistics, StatisticsCell};

use super::{MIN_STATISTICS_CELL, body, decide};
use crate::api::problem::ApiError;
use crate::api::{Exchange, Reply};

fn age_band(age: i32) -> &'static str {
    match age {
        i32::MIN..=5 => "0-5",
        6..=17 => "6-17",
        18..=26 => "18-26",
        27..=44 => "27-44",
        45..=64 => "45-64",
        _ => "65+",
    }
}

fn cells(map: BTreeMap<String, u64>) -> Vec<StatisticsCell> {
    map.into_iter()
        .map(|(key, n)| StatisticsCell {
            key,
            count: (n >= MIN_STATISTICS_CELL).then_some(n),
        })
        .collect()
}

/// `GET /v1/statistics` (operation `statistics`): counts by first
/// nationality and by age band (age reached in the current year); cells
/// below [`MIN_STATISTICS_CELL`] are suppressed. No person data.
pub(crate) fn statistics_logic(x: Exchange<'_>) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    let permit = decide(st, ctx, Operation::Statistics, facts)?;
    let today = today_utc().map_err(|_| ApiError::internal())?;
    let year = i32::from(today.year());
    // Every person appears in the change feed (creation entry); the newest
    // entry of a person carries its current record.
    let mut persons: std::collections::HashMap<String, (String, &'static str)> =
        std::collections::HashMap::new();
    let mut cursor = 0;
    loop {
        let page = st
            .store
            .changes_since(cursor, crate::store::MAX_CHANGES_PER_PAGE)?;
        if page.changes.is_empty() {
            break;
        }
        for c in &page.changes {
            let Some(current) = &c.current else {
                // A tombstone: the person is gone.
                persons.remove(c.fldm_id.as_str());
                continue;
            };
            let p = &current.person;
            let nat = p
                .grundpersonalien
                .staatsangehoerigkeiten
                .first()
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|| "unbekannt".into());
            let band = p
                .grundpersonalien
                .geburtsdatum
                .and_then(|d| d.year())
                .map(|y| age_band(year - i32::from(y)))
                .unwrap_or("unbekannt");
            persons.insert(p.fldm_id.as_str().to_string(), (nat, band));
        }
        cursor = page.next_cursor;
    }
    let mut by_nat: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_age: BTreeMap<String, u64> = BTreeMap::new();
    for (nat, band) in persons.values() {
        *by_nat.entry(nat.clone()).or_default() += 1;
        *by_age.entry((*band).to_string()).or_default() += 1;
    }
    let total = persons.len() as u64;
    let out = Statistics {
        request_id: ctx.request_id.clone(),
        decision: DecisionInfo::from_permit(&permit),
        as_of: today.to_string(),
        min_cell: MIN_STATISTICS_CELL,
        total: (total >= MIN_STATISTICS_CELL).then_some(total),
        by_nationality: cells(by_nat),
        by_age_band: cells(by_age),
    };
    body(ctx, 200, "statistik", &out, &[])
}
