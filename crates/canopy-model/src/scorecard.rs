//! The deal scorecard (MODEL.md, "Deal scorecard"): what each deal brought
//! and cost, as the differences between the run and the same run without
//! that deal.

use crate::failure::RunError;
use crate::record::{MonthRecord, column};
use crate::scenario::{ScenarioError, ValidScenario};

/// The scorecard's figures, in `scorecard.csv` order after its first
/// columns: each the deal's run minus the run without the deal.
pub const DELTAS: [&str; 6] = [
    "delta_revenue_cumulative",
    "delta_aegis_value",
    "delta_value_per_oak",
    "delta_oak_redeemed",
    "delta_min_aegis_usdc",
    "delta_aegis_leaf_sold",
];

/// The figures a run is scored on, in [`DELTAS`] order: the last month's
/// cumulative revenue, AEGIS value, value per OAK and OAK redeemed; the
/// lowest AEGIS USDC balance; the LEAF AEGIS sold to the pairs, summed over
/// the months. `None` where undefined (no months, or an undefined value).
pub fn figures(records: &[MonthRecord]) -> [Option<f64>; 6] {
    let last = |name: &str| {
        let c = column(name)?;
        records.last().and_then(|r| (c.get)(r))
    };
    [
        last("revenue_cumulative"),
        last("aegis_value"),
        last("value_per_oak"),
        last("oak_redeemed"),
        records.iter().map(|r| r.aegis_usdc).reduce(f64::min),
        (!records.is_empty()).then(|| records.iter().map(|r| r.aegis_leaf_sold).sum()),
    ]
}

/// The scenario without deal `deal` (its index), checked again.
pub fn without(s: &ValidScenario, deal: usize) -> Result<ValidScenario, ScenarioError> {
    let mut scenario = s.scenario().clone();
    if deal < scenario.deals.len() {
        scenario.deals.remove(deal);
    }
    scenario.validate()
}

/// One deal's row of the scorecard.
#[derive(Clone, Debug, PartialEq)]
pub struct DealScore {
    /// The deal's id.
    pub id: String,
    /// Its counterparty.
    pub counterparty: String,
    /// Its first month.
    pub start_month: u32,
    /// Its parts, `tvl+oak+leaf_pair` style.
    pub parts: String,
    /// The differences in [`DELTAS`] order (each `None` where either run
    /// leaves the figure undefined), or why there are none.
    pub deltas: Result<[Option<f64>; 6], String>,
}

/// Deal `deal`'s row, from the run's figures and the run without it.
pub fn score(
    s: &ValidScenario,
    deal: usize,
    with: &[Option<f64>; 6],
    without: Result<Result<Vec<MonthRecord>, RunError>, ScenarioError>,
) -> DealScore {
    let d = &s.scenario().deals[deal];
    let parts: Vec<&str> = [
        d.tvl.as_ref().map(|_| "tvl"),
        d.oak.as_ref().map(|_| "oak"),
        d.leaf_pair.as_ref().map(|_| "leaf_pair"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let deltas = match without {
        Ok(Ok(records)) => {
            let other = figures(&records);
            Ok(std::array::from_fn(|i| Some(with[i]? - other[i]?)))
        }
        Ok(Err(e)) => Err(format!(
            "the run without this deal failed in month {}: {}",
            e.month,
            e.detail()
        )),
        Err(e) => Err(format!("the scenario without this deal is not valid: {e}")),
    };
    DealScore {
        id: d.id.clone(),
        counterparty: d.counterparty.clone(),
        start_month: d.start_month,
        parts: parts.join("+"),
        deltas,
    }
}

/// The deal scorecard of a run of `scenario` that recorded `records`: the
/// run again without each deal, the deals shared out among the cores.
pub fn card(scenario: &ValidScenario, records: &[MonthRecord]) -> Vec<DealScore> {
    let with = figures(records);
    let n = scenario.deals.len();
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let per_thread = n.div_ceil(threads).max(1);
    let mut out: Vec<Option<DealScore>> = vec![None; n];
    std::thread::scope(|scope| {
        for (t, slots) in out.chunks_mut(per_thread).enumerate() {
            let with = &with;
            scope.spawn(move || {
                for (i, slot) in slots.iter_mut().enumerate() {
                    let deal = t * per_thread + i;
                    let without = without(scenario, deal).map(|s| crate::engine::run(&s));
                    *slot = Some(score(scenario, deal, with, without));
                }
            });
        }
    });
    out.into_iter().flatten().collect()
}
