//! Per-deal results: an [`Observer`] that records what each deal (and each
//! thing that is not a deal but holds TVL) contributed each month, and
//! `deals.csv`, written from it.
//!
//! `deals.csv` is in long format: one row per entity and month in which the
//! entity has anything (an active TVL contribution, an active pair, OAK held,
//! distributed or redeemed). Columns:
//!
//! | column | meaning |
//! | --- | --- |
//! | `month` | month number, from 1 |
//! | `entity` | what the row is about: a deal id (`Sigma Capi_001`), its organic twin (`Sigma Capi_001 (organic)`), a recurring contract named by its first month (`recurring 004`), its twin (`recurring 004 (organic)`), or `chain organic` (organic TVL the chain model adds) |
//! | `source` | `deal`, `deal organic`, `recurring`, `recurring organic` or `chain` |
//! | `deal_id` | the deal's id for `deal` and `deal organic` rows, else empty |
//! | `tvl_kind` | kind of the row's TVL (`protocol-locked`, `contracted`, `organic`, `boosted`); empty without TVL |
//! | `tvl` | its TVL this month, USD (after decay) |
//! | `revenue` | revenue that TVL earned this month, USD |
//! | `pair_leaf`, `pair_usdc` | LEAF and USDC in the deal's pair at the end of the month, while the pair is active |
//! | `oak_distributed` | OAK distributed to the deal this month |
//! | `oak_held` | OAK the deal holds at the end of the month (distributed, not redeemed) |
//! | `oak_redeemed` | OAK the deal redeemed this month |
//! | `payout_usdc`, `payout_leaf` | USDC and LEAF AEGIS paid the deal for it this month |
//!
//! Summed over entities, each month's figures give the totals of
//! `metrics.csv`: `tvl` and `revenue` by `tvl_kind`, `pair_*` as
//! `pairs_leaf`/`pairs_usdc`, `oak_redeemed` as `oak_redeemed_month`,
//! `payout_*` as `redemption_*_out`; and the running sum of
//! `oak_distributed` is `oak_distributed`.

use std::collections::{BTreeMap, HashMap};
use std::io;

use canopy_model::tvl::{Contribution, Source};
use canopy_model::{Event, MonthRecord, Observer, Scenario, State, TvlKind};

use crate::metrics::cell;

/// The columns of `deals.csv`.
pub const COLUMNS: [&str; 14] = [
    "month",
    "entity",
    "source",
    "deal_id",
    "tvl_kind",
    "tvl",
    "revenue",
    "pair_leaf",
    "pair_usdc",
    "oak_distributed",
    "oak_held",
    "oak_redeemed",
    "payout_usdc",
    "payout_leaf",
];

/// What a row is about; the derived order is the order of the rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Entity {
    /// A deal (index in the scenario), or the organic twin of its TVL.
    Deal {
        /// Index in `Scenario::deals`.
        index: usize,
        /// The organic twin.
        twin: bool,
    },
    /// A recurring contract, by its first month, or its organic twin.
    Recurring {
        /// Its first month.
        month: u32,
        /// The organic twin.
        twin: bool,
    },
    /// Organic TVL added by the chain model.
    Chain,
}

/// One entity's figures in one month.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    /// Kind of its TVL, if it has any.
    pub tvl_kind: Option<TvlKind>,
    /// TVL, USD.
    pub tvl: f64,
    /// Revenue of that TVL, USD.
    pub revenue: f64,
    /// Whether its pair is active.
    pub pair: bool,
    /// LEAF in its pair.
    pub pair_leaf: f64,
    /// USDC in its pair.
    pub pair_usdc: f64,
    /// OAK distributed to it.
    pub oak_distributed: f64,
    /// OAK held at month end.
    pub oak_held: f64,
    /// OAK redeemed.
    pub oak_redeemed: f64,
    /// USDC paid for its redemption.
    pub payout_usdc: f64,
    /// LEAF paid for its redemption.
    pub payout_leaf: f64,
}

/// A deal's results over the whole run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DealTotals {
    /// Revenue of its TVL and of its organic twin, USD.
    pub revenue: f64,
    /// Month its OAK was distributed.
    pub distributed_in: Option<u32>,
    /// Month it redeemed.
    pub redeemed_in: Option<u32>,
    /// USDC it was paid.
    pub payout_usdc: f64,
    /// LEAF it was paid.
    pub payout_leaf: f64,
}

/// Records every deal's figures as the run goes.
#[derive(Debug, Default)]
pub struct DealLog {
    ids: HashMap<String, usize>,
    names: Vec<String>,
    rows: BTreeMap<(u32, Entity), Figures>,
    /// Per month: organic TVL and revenue of the contributions, summed in
    /// the engine's order, so that the chain's share is exact.
    organic: HashMap<u32, (f64, f64)>,
}

impl DealLog {
    /// A log for the deals of `s`.
    pub fn new(s: &Scenario) -> Self {
        DealLog {
            ids: s
                .deals
                .iter()
                .enumerate()
                .map(|(i, d)| (d.id.clone(), i))
                .collect(),
            names: s.deals.iter().map(|d| d.id.clone()).collect(),
            ..Default::default()
        }
    }

    fn row(&mut self, m: u32, e: Entity) -> &mut Figures {
        self.rows.entry((m, e)).or_default()
    }

    /// The row name of an entity.
    pub fn name(&self, e: Entity) -> String {
        let suffix = |twin: bool| if twin { " (organic)" } else { "" };
        match e {
            Entity::Deal { index, twin } => format!(
                "{}{}",
                self.names.get(index).map_or("?", String::as_str),
                suffix(twin)
            ),
            Entity::Recurring { month, twin } => format!("recurring {month:03}{}", suffix(twin)),
            Entity::Chain => "chain organic".to_string(),
        }
    }

    /// Every row up to the last recorded month, with the chain's organic
    /// TVL (the part of `tvl_organic` that no contribution holds) added.
    pub fn rows(&self, records: &[MonthRecord]) -> Vec<(u32, Entity, Figures)> {
        let last = records.last().map_or(0, |r| r.month);
        let mut rows = self.rows.clone();
        let k = TvlKind::Organic.index();
        for r in records.iter().filter(|r| r.chain_tvl.is_some()) {
            let (tvl, revenue) = self.organic.get(&r.month).copied().unwrap_or((0.0, 0.0));
            let chain = Figures {
                tvl_kind: Some(TvlKind::Organic),
                tvl: r.tvl[k] - tvl,
                revenue: r.revenue[k] - revenue,
                ..Default::default()
            };
            if chain.tvl != 0.0 || chain.revenue != 0.0 {
                rows.insert((r.month, Entity::Chain), chain);
            }
        }
        rows.into_iter()
            .filter(|((m, _), _)| *m <= last)
            .map(|((m, e), f)| (m, e, f))
            .collect()
    }

    /// Each deal's results, in scenario order, over the recorded months.
    pub fn totals(&self, records: &[MonthRecord]) -> Vec<DealTotals> {
        let last = records.last().map_or(0, |r| r.month);
        let mut out = vec![DealTotals::default(); self.names.len()];
        for ((m, e), f) in self.rows.range(..=(last, Entity::Chain)) {
            let Entity::Deal { index, .. } = e else {
                continue;
            };
            let Some(t) = out.get_mut(*index) else {
                continue;
            };
            t.revenue += f.revenue;
            if f.oak_distributed > 0.0 {
                t.distributed_in = Some(*m);
            }
            if f.oak_redeemed > 0.0 {
                t.redeemed_in = Some(*m);
            }
            t.payout_usdc += f.payout_usdc;
            t.payout_leaf += f.payout_leaf;
        }
        out
    }

    /// `deals.csv`.
    pub fn csv(&self, records: &[MonthRecord]) -> io::Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(COLUMNS)?;
        for (m, e, f) in self.rows(records) {
            let (source, deal_id) = match e {
                Entity::Deal { index, twin } => (
                    if twin { "deal organic" } else { "deal" },
                    self.names.get(index).cloned().unwrap_or_default(),
                ),
                Entity::Recurring { twin, .. } => (
                    if twin {
                        "recurring organic"
                    } else {
                        "recurring"
                    },
                    String::new(),
                ),
                Entity::Chain => ("chain", String::new()),
            };
            w.write_record([
                m.to_string(),
                self.name(e),
                source.to_string(),
                deal_id,
                f.tvl_kind.map_or(String::new(), |k| k.name().to_string()),
                cell(Some(f.tvl)),
                cell(Some(f.revenue)),
                cell(Some(f.pair_leaf)),
                cell(Some(f.pair_usdc)),
                cell(Some(f.oak_distributed)),
                cell(Some(f.oak_held)),
                cell(Some(f.oak_redeemed)),
                cell(Some(f.payout_usdc)),
                cell(Some(f.payout_leaf)),
            ])?;
        }
        w.into_inner().map_err(|e| e.into_error())
    }
}

impl Observer for DealLog {
    const WANTS_CONTRIBUTIONS: bool = true;

    fn event(&mut self, m: u32, event: &Event<'_>) {
        match event {
            Event::OakDistributed { deal, amount } => {
                if let Some(&index) = self.ids.get(&deal.id) {
                    self.row(m, Entity::Deal { index, twin: false })
                        .oak_distributed += amount;
                }
            }
            Event::Redemption {
                deal,
                amount,
                usdc,
                leaf,
                ..
            } => {
                if let Some(&index) = self.ids.get(&deal.id) {
                    let f = self.row(m, Entity::Deal { index, twin: false });
                    f.oak_redeemed += amount;
                    f.payout_usdc += usdc;
                    f.payout_leaf += leaf;
                }
            }
            _ => {}
        }
    }

    fn contribution(&mut self, m: u32, c: &Contribution, amount: f64, revenue: f64) {
        let e = match c.source {
            Source::Deal(index) => Entity::Deal {
                index,
                twin: c.twin,
            },
            Source::Recurring(month) => Entity::Recurring {
                month,
                twin: c.twin,
            },
        };
        if c.kind == TvlKind::Organic {
            let o = self.organic.entry(m).or_default();
            o.0 += amount;
            o.1 += revenue;
        }
        let f = self.row(m, e);
        f.tvl_kind = Some(c.kind);
        f.tvl += amount;
        f.revenue += revenue;
    }

    fn month_end(&mut self, state: &State<'_>) {
        let m = state.current_month();
        for p in state.pairs.pairs().iter().filter(|p| p.active(m)) {
            let f = self.row(
                m,
                Entity::Deal {
                    index: p.deal,
                    twin: false,
                },
            );
            f.pair = true;
            f.pair_leaf += p.leaf;
            f.pair_usdc += p.usdc;
        }
        for h in state.oak.holders() {
            if h.distributed && !h.redeemed {
                self.row(
                    m,
                    Entity::Deal {
                        index: h.deal,
                        twin: false,
                    },
                )
                .oak_held += h.amount;
            }
        }
    }
}
