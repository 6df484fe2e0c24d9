//! The deal scorecard (MODEL.md, "Deal scorecard"): what each deal brought
//! and cost, as the differences between the run and the same run without
//! that deal.

use crate::failure::RunError;
use crate::observer::Until;
use crate::record::{MonthRecord, column};
use crate::scenario::{ScenarioError, ValidScenario};

/// A figure a run is scored on: its delta column's name and how it is
/// found in a run's records (`None` where undefined: no months, or an
/// undefined value).
#[derive(Clone, Copy, Debug)]
pub struct Figure {
    /// Its column in `scorecard.csv`: the deal's run minus the run without it.
    pub delta: &'static str,
    /// The figure of a run.
    pub of: fn(&[MonthRecord]) -> Option<f64>,
}

/// The last month's value of the `metrics.csv` column `name`.
fn last(records: &[MonthRecord], name: &str) -> Option<f64> {
    let c = column(name)?;
    records.last().and_then(|r| (c.get)(r))
}

/// The figures a run is scored on, in `scorecard.csv` order: the last
/// month's cumulative revenue, AEGIS value, value per OAK and OAK
/// redeemed; the lowest AEGIS USDC balance; the LEAF AEGIS sold to the
/// pairs, summed over the months.
pub const FIGURES: [Figure; 6] = [
    Figure {
        delta: "delta_revenue_cumulative",
        of: |r| last(r, "revenue_cumulative"),
    },
    Figure {
        delta: "delta_aegis_value",
        of: |r| last(r, "aegis_value"),
    },
    Figure {
        delta: "delta_value_per_oak",
        of: |r| last(r, "value_per_oak"),
    },
    Figure {
        delta: "delta_oak_redeemed",
        of: |r| last(r, "oak_redeemed"),
    },
    Figure {
        delta: "delta_min_aegis_usdc",
        of: |r| r.iter().map(|r| r.aegis_usdc).reduce(f64::min),
    },
    Figure {
        delta: "delta_aegis_leaf_sold",
        of: |r| (!r.is_empty()).then(|| r.iter().map(|r| r.aegis_leaf_sold).sum()),
    },
];

/// The names of the delta columns, in [`FIGURES`] order.
pub const DELTAS: [&str; FIGURES.len()] = {
    let mut names = [""; FIGURES.len()];
    let mut i = 0;
    while i < FIGURES.len() {
        names[i] = FIGURES[i].delta;
        i += 1;
    }
    names
};

/// The figures of a run, in [`FIGURES`] order.
pub fn figures(records: &[MonthRecord]) -> [Option<f64>; FIGURES.len()] {
    FIGURES.map(|f| (f.of)(records))
}

/// What a column of `scorecard.csv` holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellType {
    /// Text (an id, a name, the parts, a note).
    Text,
    /// A whole number (a month).
    Count,
    /// An amount, USD or tokens; empty where undefined.
    Amount,
}

/// Which part of a [`DealScore`] a column shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Id,
    Counterparty,
    StartMonth,
    Parts,
    Delta(usize),
    Note,
}

/// A cell of a scorecard row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell<'a> {
    /// Text.
    Text(&'a str),
    /// A whole number.
    Count(u32),
    /// An amount; `None` where undefined.
    Amount(Option<f64>),
}

/// One column of `scorecard.csv`: its name, what it holds and its cell in
/// a row. [`COLUMNS`] lists them; every front end reads that list.
#[derive(Clone, Copy, Debug)]
pub struct ScoreColumn {
    /// Its name, as the header writes it.
    pub name: &'static str,
    /// What it holds.
    pub ty: CellType,
    part: Part,
}

impl ScoreColumn {
    /// Its cell in `row`.
    pub fn cell<'a>(&self, row: &'a DealScore) -> Cell<'a> {
        match self.part {
            Part::Id => Cell::Text(&row.id),
            Part::Counterparty => Cell::Text(&row.counterparty),
            Part::StartMonth => Cell::Count(row.start_month),
            Part::Parts => Cell::Text(&row.parts),
            Part::Delta(i) => Cell::Amount(row.deltas.as_ref().ok().and_then(|d| d[i])),
            Part::Note => Cell::Text(row.deltas.as_ref().err().map_or("", String::as_str)),
        }
    }
}

const fn text(name: &'static str, part: Part) -> ScoreColumn {
    ScoreColumn {
        name,
        ty: CellType::Text,
        part,
    }
}

/// The columns of `scorecard.csv`, in order: the deal's id, counterparty,
/// first month and parts, the differences of [`FIGURES`], and a note (why
/// a row has no differences).
pub const COLUMNS: [ScoreColumn; FIGURES.len() + 5] = {
    let mut columns = [text("note", Part::Note); FIGURES.len() + 5];
    columns[0] = text("deal_id", Part::Id);
    columns[1] = text("counterparty", Part::Counterparty);
    columns[2] = ScoreColumn {
        name: "start_month",
        ty: CellType::Count,
        part: Part::StartMonth,
    };
    columns[3] = text("parts", Part::Parts);
    let mut i = 0;
    while i < FIGURES.len() {
        columns[4 + i] = ScoreColumn {
            name: FIGURES[i].delta,
            ty: CellType::Amount,
            part: Part::Delta(i),
        };
        i += 1;
    }
    columns
};

/// The names of [`COLUMNS`], in order: `scorecard.csv`'s header.
pub fn header() -> [&'static str; COLUMNS.len()] {
    COLUMNS.map(|c| c.name)
}

/// The scenario without deal `deal` (its index): the deal disabled, which
/// is the deal cut from the file (`deal[i].enabled`), checked again.
pub fn without(s: &ValidScenario, deal: usize) -> Result<ValidScenario, ScenarioError> {
    let mut scenario = s.scenario().clone();
    if let Some(d) = scenario.deals.get_mut(deal) {
        d.enabled = false;
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
    /// The differences in [`FIGURES`] order (each `None` where either run
    /// leaves the figure undefined), or why there are none.
    pub deltas: Result<[Option<f64>; FIGURES.len()], String>,
}

/// Deal `deal`'s row, from the run's figures and the run without it.
pub fn score(
    s: &ValidScenario,
    deal: usize,
    with: &[Option<f64>; FIGURES.len()],
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
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    // Never stopped, so every row is there.
    card_until(scenario, records, threads, &|| false).unwrap_or_default()
}

/// The deal scorecard as [`card`] works it out, on at most `threads`
/// threads (one: the caller's), stopping every run at its next month's end
/// once `stop` says so (see [`Until`]); `None` when it did.
pub fn card_until(
    scenario: &ValidScenario,
    records: &[MonthRecord],
    threads: usize,
    stop: &(dyn Fn() -> bool + Sync),
) -> Option<Vec<DealScore>> {
    let with = figures(records);
    // A disabled deal is absent: it has no row.
    let deals: Vec<usize> = (scenario.deals.iter().enumerate())
        .filter(|(_, d)| d.enabled)
        .map(|(i, _)| i)
        .collect();
    let n = deals.len();
    let per_thread = n.div_ceil(threads.max(1)).max(1);
    // A slot left empty is a deal whose run was stopped or never started.
    let mut out: Vec<Option<DealScore>> = vec![None; n];
    let fill = |first: usize, slots: &mut [Option<DealScore>]| {
        for (i, slot) in slots.iter_mut().enumerate() {
            if stop() {
                return;
            }
            let deal = deals[first + i];
            let mut until = Until::new(stop);
            let without =
                without(scenario, deal).map(|s| crate::engine::run_observed(&s, &mut until));
            if until.stopped() {
                return;
            }
            *slot = Some(score(scenario, deal, &with, without));
        }
    };
    if threads <= 1 {
        fill(0, &mut out);
    } else {
        std::thread::scope(|scope| {
            for (t, slots) in out.chunks_mut(per_thread).enumerate() {
                let fill = &fill;
                scope.spawn(move || fill(t * per_thread, slots));
            }
        });
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_are_the_deal_the_deltas_and_a_note() {
        let names = header();
        assert_eq!(
            names[..4],
            ["deal_id", "counterparty", "start_month", "parts"]
        );
        assert_eq!(names[4..10], DELTAS);
        assert_eq!(names[10], "note");
        assert!(COLUMNS[4..10].iter().all(|c| c.ty == CellType::Amount));
        assert_eq!(COLUMNS[2].ty, CellType::Count);
    }

    #[test]
    fn a_row_reads_through_its_columns() {
        let row = DealScore {
            id: "a".into(),
            counterparty: "A".into(),
            start_month: 3,
            parts: "tvl".into(),
            deltas: Ok([Some(1.0), None, Some(3.0), Some(4.0), Some(5.0), Some(6.0)]),
        };
        let cells: Vec<Cell<'_>> = COLUMNS.iter().map(|c| c.cell(&row)).collect();
        assert_eq!(cells[0], Cell::Text("a"));
        assert_eq!(cells[2], Cell::Count(3));
        assert_eq!(cells[4], Cell::Amount(Some(1.0)));
        assert_eq!(cells[5], Cell::Amount(None));
        assert_eq!(cells[10], Cell::Text(""));
        let failed = DealScore {
            deltas: Err("why".into()),
            ..row
        };
        assert_eq!(COLUMNS[10].cell(&failed), Cell::Text("why"));
        assert_eq!(COLUMNS[9].cell(&failed), Cell::Amount(None));
    }

    fn builtin(name: &str) -> ValidScenario {
        crate::load(name, crate::builtin::text(name).expect("built in"), &[]).expect("valid")
    }

    #[test]
    fn on_one_thread_or_many_the_card_is_the_same_rows() {
        let s = builtin("default");
        let records = crate::run(&s).expect("runs");
        let all = card(&s, &records);
        assert_eq!(all.len(), s.deals.len());
        // A second path: each row worked out by hand from its run without.
        for (deal, row) in all.iter().enumerate() {
            let alone = without(&s, deal).map(|w| crate::run(&w));
            assert_eq!(*row, score(&s, deal, &figures(&records), alone));
        }
        for threads in [1, 2, 3] {
            assert_eq!(
                card_until(&s, &records, threads, &|| false).as_ref(),
                Some(&all)
            );
        }
    }

    #[test]
    fn a_stopped_card_is_none() {
        let s = builtin("default");
        let records = crate::run(&s).expect("runs");
        assert!(!s.deals.is_empty());
        assert_eq!(card_until(&s, &records, 1, &|| true), None);
        // Stopped in the middle of a run without a deal: the month count
        // passes the first run's months, so the second run is cut short.
        let months = std::sync::atomic::AtomicUsize::new(0);
        let limit = records.len() + 3;
        let stop = || months.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= limit;
        assert_eq!(card_until(&s, &records, 1, &stop), None);
    }

    #[test]
    fn the_figures_of_a_run_are_its_last_month_lowest_usdc_and_leaf_sold() {
        let month = |m: u32, usdc: f64, sold: f64| MonthRecord {
            month: m,
            aegis_usdc: usdc,
            aegis_leaf_sold: sold,
            revenue_cumulative: f64::from(m) * 10.0,
            ..Default::default()
        };
        let f = figures(&[month(1, 5.0, 1.0), month(2, 3.0, 2.0), month(3, 4.0, 4.0)]);
        assert_eq!(f[0], Some(30.0));
        assert_eq!(f[4], Some(3.0));
        assert_eq!(f[5], Some(7.0));
        assert_eq!(figures(&[]), [None; 6]);
    }
}
