//! A run's summary: its row of `runs.parquet` after the axis and sample
//! columns (SWEEP.md, "What a sweep writes").
//!
//! The columns are declared once, in [`SUMMARY_COLUMNS`]: name, type, doc
//! and how each is computed, so that a writer reads the list rather than
//! repeating it. [`summarise`] computes a run's values in that order.

use canopy_model::COLUMN_COUNT;
use canopy_model::{COLUMNS, ColumnType, MonthRecord, RunError};

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It ran every month.
    Ok,
    /// It stopped on a numeric failure.
    Failed {
        /// The month that failed (its records are the months before it).
        month: u32,
        /// What failed, in a few words ([`RunError::quantity`]).
        quantity: &'static str,
    },
    /// Its scenario (with the run's sampled values) was not valid: it never ran.
    Invalid,
}

impl Outcome {
    /// The `status` column's text: `ok`, `failed` or `invalid`.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed { .. } => "failed",
            Outcome::Invalid => "invalid",
        }
    }

    /// The records and outcome of a run into `records` (see
    /// [`canopy_model::run_seeded_into`]): an ok run's months are
    /// `records`, a failed run's the months its error holds.
    pub fn of<'a>(
        result: &'a Result<(), RunError>,
        records: &'a [MonthRecord],
    ) -> (&'a [MonthRecord], Outcome) {
        match result {
            Ok(()) => (records, Outcome::Ok),
            Err(e) => (
                &e.records,
                Outcome::Failed {
                    month: e.month,
                    quantity: e.quantity(),
                },
            ),
        }
    }
}

/// What a summary column holds, which decides its Parquet type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SummaryType {
    /// Text (utf8): `status`.
    Text,
    /// A number of the given kind: counts are uint32, amounts and rates
    /// float64 (SWEEP.md).
    Number(ColumnType),
}

/// How a summary column's value is computed from a run.
#[derive(Clone, Copy, Debug)]
pub enum Compute {
    /// The run's [`Outcome::status`].
    Status,
    /// The failed month; `None` unless the run failed.
    FailedMonth,
    /// The last record's value of `COLUMNS[i]`; `None` when undefined, and
    /// unless the run is ok.
    Last(usize),
    /// A statistic of `COLUMNS[column]` over the months the run completed;
    /// `None` for an invalid run (and wherever the statistic is, as over
    /// no months).
    Stat(Stat, usize),
}

/// A statistic over the months a run completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stat {
    /// The smallest value.
    Min,
    /// The largest value.
    Max,
    /// The first month whose value is above 0; `None` if none is.
    FirstPositive,
}

impl Stat {
    /// The statistic over no value: what the first value replaces.
    const fn empty(self) -> f64 {
        match self {
            Stat::Min | Stat::FirstPositive => f64::INFINITY,
            Stat::Max => f64::NEG_INFINITY,
        }
    }

    /// The statistic so far, `acc`, moved on by month `month`'s value `x`
    /// (values are finite: the engine checks every month it completes).
    #[inline(always)]
    fn fold(self, acc: f64, month: u32, x: f64) -> f64 {
        match self {
            // Plain comparisons (one instruction each): with no NaN to
            // pass over, they are what `f64::min` and `max` give.
            Stat::Min => {
                if x < acc {
                    x
                } else {
                    acc
                }
            }
            Stat::Max => {
                if x > acc {
                    x
                } else {
                    acc
                }
            }
            Stat::FirstPositive if acc == f64::INFINITY && x > 0.0 => f64::from(month),
            Stat::FirstPositive => acc,
        }
    }

    /// The statistic, from what [`Stat::fold`] left: `None` over no month,
    /// or where no month's value was above 0.
    fn value(self, acc: f64, months: usize) -> Option<f64> {
        match self {
            _ if months == 0 => None,
            Stat::FirstPositive if acc == f64::INFINITY => None,
            _ => Some(acc),
        }
    }
}

/// One column of a run's summary.
#[derive(Clone, Copy, Debug)]
pub struct SummaryColumn {
    /// Its name in `runs.parquet`.
    pub name: &'static str,
    /// What it holds.
    pub ty: SummaryType,
    /// What it means, in one line.
    pub doc: &'static str,
    /// How it is computed.
    pub compute: Compute,
}

/// One value of a run's summary; a missing value (null) is `None` around it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SummaryValue {
    /// A `SummaryType::Text` value.
    Text(&'static str),
    /// A `SummaryType::Number` value; counts are whole numbers (exact in
    /// an `f64`), to be written as uint32.
    Number(f64),
}

impl SummaryColumn {
    /// Its value for a run with these `records` (the months it completed)
    /// and this `outcome`.
    pub fn value(&self, records: &[MonthRecord], outcome: &Outcome) -> Option<SummaryValue> {
        match self.compute {
            Compute::Status => Some(SummaryValue::Text(outcome.status())),
            Compute::FailedMonth => match outcome {
                Outcome::Failed { month, .. } => Some(SummaryValue::Number(f64::from(*month))),
                _ => None,
            },
            Compute::Last(i) => match outcome {
                Outcome::Ok => records
                    .last()
                    .and_then(|r| (COLUMNS[i].get)(r))
                    .map(SummaryValue::Number),
                _ => None,
            },
            Compute::Stat(stat, i) => match outcome {
                Outcome::Invalid => None,
                _ => {
                    let months = records
                        .iter()
                        .filter_map(|r| Some((r.month, (COLUMNS[i].get)(r)?)));
                    let (count, acc) = months.fold((0, stat.empty()), |(n, acc), (month, x)| {
                        (n + 1, stat.fold(acc, month, x))
                    });
                    stat.value(acc, count).map(SummaryValue::Number)
                }
            },
        }
    }
}

/// The index in [`COLUMNS`] of the column called `name`; a name that is
/// not there stops the build.
const fn column(name: &str) -> usize {
    let mut i = 0;
    while i < COLUMN_COUNT {
        let (a, b) = (COLUMNS[i].name.as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut k = 0;
            while k < a.len() && a[k] == b[k] {
                k += 1;
            }
            if k == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("no such column")
}

/// Declares the statistics once: each one's column (name, kind, doc),
/// what it is of which metric, and [`stats_of`], which works them all out
/// in one pass over the months, reading each month's field directly.
macro_rules! stats {
    ($($name:literal, $ty:ident, $doc:literal, $stat:ident($field:ident);)*) => {
        /// The statistics over the months completed, after the last-month
        /// values.
        const STATS: [SummaryColumn; [$($name),*].len()] = [$(SummaryColumn {
            name: $name,
            ty: SummaryType::Number(ColumnType::$ty),
            doc: $doc,
            compute: Compute::Stat(Stat::$stat, column(stringify!($field))),
        }),*];

        /// The values of [`STATS`] over `records`, in order.
        #[inline]
        fn stats_of(records: &[MonthRecord]) -> [Option<f64>; STATS.len()] {
            let mut acc = [$(Stat::$stat.empty()),*];
            // The smallest and largest in one pass; a first month in a
            // search of its own, which stops there (folded into the pass,
            // it took as many instructions as the rest together).
            for r in records {
                let mut k = 0;
                $(
                    if Stat::$stat != Stat::FirstPositive {
                        acc[k] = Stat::$stat.fold(acc[k], r.month, r.$field);
                    }
                    k += 1;
                )*
                debug_assert_eq!(k, STATS.len());
            }
            let mut k = 0;
            $(
                if Stat::$stat == Stat::FirstPositive {
                    // What `fold` gives: the first month above 0.
                    if let Some(r) = records.iter().find(|r| r.$field > 0.0) {
                        acc[k] = f64::from(r.month);
                    }
                }
                k += 1;
            )*
            debug_assert_eq!(k, STATS.len());
            let mut k = 0;
            [$({
                k += 1;
                Stat::$stat.value(acc[k - 1], records.len())
            }),*]
        }
    };
}

stats! {
    "min_leaf_price", Amount, "Lowest LEAF price over the months completed, USD.", Min(leaf_price);
    "min_aegis_value", Amount, "Lowest AEGIS value over the months completed, USD.", Min(aegis_value);
    "min_aegis_usdc", Amount, "Lowest AEGIS USDC over the months completed.", Min(aegis_usdc);
    "min_value_per_oak", Amount, "Lowest AEGIS value per unredeemed OAK over the months completed, USD.", Min(value_per_oak);
    "max_oak_redeemed_month", Amount, "Largest OAK redeemed in one month over the months completed.", Max(oak_redeemed_month);
    "first_redemption_month", Count, "First month in which OAK was redeemed; null if none was.", FirstPositive(oak_redeemed_month);
}

/// The number of summary columns: `status`, `failed_month`, every
/// metrics.csv column but `month`, and the statistics.
pub const SUMMARY_COUNT: usize = 2 + (COLUMN_COUNT - 1) + STATS.len();

/// The summary columns of `runs.parquet`, in order, as SWEEP.md lists them
/// after the axis and sample columns: `status`, `failed_month`, the last
/// month's value of every metrics.csv column but `month` (same names, types
/// and docs as [`COLUMNS`]), then `min_leaf_price`, `min_aegis_value`,
/// `min_aegis_usdc`, `min_value_per_oak`, `max_oak_redeemed_month` and
/// `first_redemption_month`.
pub const SUMMARY_COLUMNS: [SummaryColumn; SUMMARY_COUNT] = {
    let blank = SummaryColumn {
        name: "",
        ty: SummaryType::Text,
        doc: "",
        compute: Compute::Status,
    };
    let mut out = [blank; SUMMARY_COUNT];
    out[0] = SummaryColumn {
        name: "status",
        ty: SummaryType::Text,
        doc: "How the run ended: `ok`, `failed` (a numeric failure) or `invalid` (its scenario was not valid).",
        compute: Compute::Status,
    };
    out[1] = SummaryColumn {
        name: "failed_month",
        ty: SummaryType::Number(ColumnType::Count),
        doc: "The month that failed; null unless the run failed.",
        compute: Compute::FailedMonth,
    };
    let mut k = 2;
    // Every metrics.csv column but `month` (the first).
    let mut i = 1;
    while i < COLUMN_COUNT {
        out[k] = SummaryColumn {
            name: COLUMNS[i].name,
            ty: SummaryType::Number(COLUMNS[i].ty),
            doc: COLUMNS[i].doc,
            compute: Compute::Last(i),
        };
        k += 1;
        i += 1;
    }
    let mut j = 0;
    while j < STATS.len() {
        out[k] = STATS[j];
        k += 1;
        j += 1;
    }
    out
};

// Only `status`, the first column, is text: a chunk keeps the others as
// numbers.
const _: () = {
    let mut i = 1;
    while i < SUMMARY_COUNT {
        assert!(matches!(SUMMARY_COLUMNS[i].ty, SummaryType::Number(_)));
        i += 1;
    }
};

/// The summary column called `name`, with its index, if there is one.
#[cfg(test)]
fn summary_column(name: &str) -> Option<(usize, &'static SummaryColumn)> {
    SUMMARY_COLUMNS
        .iter()
        .enumerate()
        .find(|(_, c)| c.name == name)
}

/// A run's summary values in [`SUMMARY_COLUMNS`] order; `None` is null.
/// `records` are the months the run completed (none for an invalid run).
pub fn summarise(
    records: &[MonthRecord],
    outcome: &Outcome,
) -> [Option<SummaryValue>; SUMMARY_COUNT] {
    let mut numbers = [None; SUMMARY_COUNT - 1];
    summarise_numbers(records, outcome, &mut numbers);
    let mut row = [None; SUMMARY_COUNT];
    row[0] = Some(SummaryValue::Text(outcome.status()));
    for (out, x) in row[1..].iter_mut().zip(numbers) {
        *out = x.map(SummaryValue::Number);
    }
    row
}

/// A run's summary values after `status` (every other column is a number),
/// written into `row` in [`SUMMARY_COLUMNS`] order: what [`summarise`]
/// gives, without a row of its own (a sweep writes each run's numbers
/// straight into its chunk).
#[inline]
pub fn summarise_numbers(
    records: &[MonthRecord],
    outcome: &Outcome,
    row: &mut [Option<f64>; SUMMARY_COUNT - 1],
) {
    // In the order SUMMARY_COLUMNS is built in: the failed month, the
    // last month's values, then the statistics, worked out in one pass
    // over the months (a test checks each against the column's `value`).
    row[0] = match outcome {
        Outcome::Failed { month, .. } => Some(f64::from(*month)),
        _ => None,
    };
    let last = row[1..SUMMARY_COUNT - 1 - STATS.len()].iter_mut();
    match (outcome, records.last()) {
        (Outcome::Ok, Some(r)) => {
            for (out, v) in last.zip(&r.values()[1..]) {
                *out = *v;
            }
        }
        _ => last.for_each(|out| *out = None),
    }
    let stats = &mut row[SUMMARY_COUNT - 1 - STATS.len()..];
    if *outcome == Outcome::Invalid {
        stats.fill(None);
    } else {
        stats.copy_from_slice(&stats_of(records));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use canopy_model::{builtin, load, run};

    fn number(row: &[Option<SummaryValue>], name: &str) -> Option<f64> {
        let (i, _) = summary_column(name).unwrap_or_else(|| panic!("no column {name}"));
        match row[i] {
            None => None,
            Some(SummaryValue::Number(x)) => Some(x),
            Some(SummaryValue::Text(t)) => panic!("{name} is text: {t}"),
        }
    }

    fn status(row: &[Option<SummaryValue>]) -> &'static str {
        match row[0] {
            Some(SummaryValue::Text(t)) => t,
            other => panic!("status is {other:?}"),
        }
    }

    /// A record with the fields the statistics read.
    fn rec(month: u32, price: f64, value: f64, usdc: f64, vpo: f64, redeemed: f64) -> MonthRecord {
        MonthRecord {
            month,
            leaf_price: price,
            aegis_value: value,
            aegis_usdc: usdc,
            value_per_oak: vpo,
            oak_redeemed_month: redeemed,
            ..Default::default()
        }
    }

    #[test]
    fn the_one_pass_summary_is_each_columns_own_value() {
        // Runs that redeem, fail part-way and never run: every column as
        // `summarise` gives it, and as its declaration computes it alone.
        let stress = load("stress", builtin::text("stress").unwrap(), &[]).unwrap();
        let ok = run(&stress);
        let failed = {
            let mut r = run(&stress).unwrap();
            r.truncate(20);
            r
        };
        let cases: [(&[MonthRecord], Outcome); 4] = [
            (ok.as_ref().unwrap(), Outcome::Ok),
            (
                &failed,
                Outcome::Failed {
                    month: 21,
                    quantity: "AEGIS LEAF",
                },
            ),
            (
                &[],
                Outcome::Failed {
                    month: 1,
                    quantity: "AEGIS LEAF",
                },
            ),
            (&[], Outcome::Invalid),
        ];
        assert!(
            ok.as_ref()
                .unwrap()
                .iter()
                .any(|r| r.oak_redeemed_month > 0.0)
        );
        for (records, outcome) in cases {
            let row = summarise(records, &outcome);
            for (c, v) in SUMMARY_COLUMNS.iter().zip(row) {
                assert_eq!(v, c.value(records, &outcome), "{}", c.name);
            }
        }
    }

    #[test]
    fn the_columns_follow_sweep_md_in_order() {
        let names: Vec<&str> = SUMMARY_COLUMNS.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), SUMMARY_COUNT);
        assert_eq!(&names[..3], ["status", "failed_month", "leaf_price"]);
        assert_eq!(
            names[2..2 + COLUMN_COUNT - 1],
            canopy_model::NAMES[1..],
            "every metrics.csv column but month, in order"
        );
        assert_eq!(
            names[SUMMARY_COUNT - 6..],
            [
                "min_leaf_price",
                "min_aegis_value",
                "min_aegis_usdc",
                "min_value_per_oak",
                "max_oak_redeemed_month",
                "first_redemption_month"
            ]
        );
        assert!(!names.contains(&"month"));
        let ty = |n| summary_column(n).unwrap().1.ty;
        assert_eq!(ty("status"), SummaryType::Text);
        assert_eq!(ty("failed_month"), SummaryType::Number(ColumnType::Count));
        assert_eq!(ty("pairs_active"), SummaryType::Number(ColumnType::Count));
        assert_eq!(ty("active_deals"), SummaryType::Number(ColumnType::Count));
        assert_eq!(ty("irr"), SummaryType::Number(ColumnType::Rate));
        assert_eq!(
            ty("max_oak_redeemed_month"),
            SummaryType::Number(ColumnType::Amount)
        );
        assert_eq!(
            ty("first_redemption_month"),
            SummaryType::Number(ColumnType::Count)
        );
        assert!(SUMMARY_COLUMNS.iter().all(|c| !c.doc.is_empty()));
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "names are unique");
    }

    #[test]
    fn a_default_run_summarises_its_last_month_and_its_extremes() {
        let text = builtin::text("default").unwrap();
        let s = load("default", text, &[]).unwrap();
        let months = run(&s).unwrap();
        let (records, outcome) = Outcome::of(&Ok(()), &months);
        assert_eq!(outcome, Outcome::Ok);
        let row = summarise(records, &outcome);
        assert_eq!(status(&row), "ok");
        assert_eq!(number(&row, "failed_month"), None);

        // The last month's values, column by column, as metrics.csv has them.
        let last = records.last().unwrap();
        for (c, v) in COLUMNS.iter().zip(last.values()).skip(1) {
            assert_eq!(number(&row, c.name), v, "{}", c.name);
        }
        assert_eq!(number(&row, "leaf_price"), Some(last.leaf_price));
        assert_eq!(
            number(&row, "active_deals"),
            Some(f64::from(last.active_deals))
        );

        // Extremes worked out here with plain loops.
        let (mut price, mut value, mut usdc, mut vpo) = (f64::MAX, f64::MAX, f64::MAX, f64::MAX);
        let mut most = f64::MIN;
        let mut first = None;
        for r in records {
            if r.leaf_price < price {
                price = r.leaf_price;
            }
            if r.aegis_value < value {
                value = r.aegis_value;
            }
            if r.aegis_usdc < usdc {
                usdc = r.aegis_usdc;
            }
            if r.value_per_oak < vpo {
                vpo = r.value_per_oak;
            }
            if r.oak_redeemed_month > most {
                most = r.oak_redeemed_month;
            }
            if first.is_none() && r.oak_redeemed_month > 0.0 {
                first = Some(f64::from(r.month));
            }
        }
        assert_eq!(number(&row, "min_leaf_price"), Some(price));
        assert_eq!(number(&row, "min_aegis_value"), Some(value));
        assert_eq!(number(&row, "min_aegis_usdc"), Some(usdc));
        assert_eq!(number(&row, "min_value_per_oak"), Some(vpo));
        assert_eq!(number(&row, "max_oak_redeemed_month"), Some(most));
        assert_eq!(number(&row, "first_redemption_month"), first);
        // The default scenario redeems OAK, so the first month is defined
        // and was preceded by months without redemptions.
        let first = first.expect("the default scenario redeems OAK") as u32;
        assert!(
            records[..first as usize - 1]
                .iter()
                .all(|r| r.oak_redeemed_month == 0.0)
        );
        assert!(most > 0.0);
    }

    #[test]
    fn a_failed_run_has_its_month_and_extremes_but_no_last_values() {
        let records = [
            rec(1, 1.0, 100.0, 50.0, 2.0, 0.0),
            rec(2, 0.5, 120.0, 40.0, 1.5, 0.0),
            rec(3, 0.75, 90.0, 60.0, 3.0, 7.0),
            rec(4, 0.6, 95.0, 30.0, 2.5, 9.0),
        ];
        let outcome = Outcome::Failed {
            month: 5,
            quantity: "AEGIS USDC",
        };
        let row = summarise(&records, &outcome);
        assert_eq!(status(&row), "failed");
        assert_eq!(number(&row, "failed_month"), Some(5.0));
        for c in &COLUMNS[1..] {
            assert_eq!(number(&row, c.name), None, "{}: null unless ok", c.name);
        }
        assert_eq!(number(&row, "min_leaf_price"), Some(0.5));
        assert_eq!(number(&row, "min_aegis_value"), Some(90.0));
        assert_eq!(number(&row, "min_aegis_usdc"), Some(30.0));
        assert_eq!(number(&row, "min_value_per_oak"), Some(1.5));
        assert_eq!(number(&row, "max_oak_redeemed_month"), Some(9.0));
        assert_eq!(number(&row, "first_redemption_month"), Some(3.0));

        // A run's error gives its completed months and the failed month.
        let result = Err(RunError {
            month: 5,
            failure: canopy_model::Failure::NonFinite {
                column: "aegis_usdc",
            },
            records: records.to_vec(),
        });
        let (from_error, outcome_of) = Outcome::of(&result, &[]);
        assert_eq!(from_error, records);
        assert_eq!(
            outcome_of,
            Outcome::Failed {
                month: 5,
                quantity: "aegis_usdc"
            }
        );

        // Failing in month 1: no months completed, so every statistic is null.
        let first = Outcome::Failed {
            month: 1,
            quantity: "leaf_price",
        };
        let row = summarise(&[], &first);
        assert_eq!(status(&row), "failed");
        assert_eq!(number(&row, "failed_month"), Some(1.0));
        assert!(row[2..].iter().all(Option::is_none));

        // No redemption at all: first_redemption_month is null, the largest is 0.
        let row = summarise(&records[..2], &outcome);
        assert_eq!(number(&row, "first_redemption_month"), None);
        assert_eq!(number(&row, "max_oak_redeemed_month"), Some(0.0));
    }

    #[test]
    fn an_ok_run_fills_its_last_month_and_leaves_undefined_values_null() {
        let mut last = rec(2, 2.0, 10.0, 5.0, 1.0, 0.0);
        last.irr = None.into();
        last.chain_tvl = Some(3.0);
        last.pairs_active = 4;
        let records = [rec(1, 3.0, 12.0, 6.0, 1.25, 0.0), last];
        let row = summarise(&records, &Outcome::Ok);
        assert_eq!(number(&row, "failed_month"), None);
        assert_eq!(number(&row, "leaf_price"), Some(2.0));
        assert_eq!(number(&row, "pairs_active"), Some(4.0));
        assert_eq!(number(&row, "irr"), None);
        assert_eq!(number(&row, "chain_tvl"), Some(3.0));
        assert_eq!(number(&row, "market_share"), None);
        assert_eq!(number(&row, "min_leaf_price"), Some(2.0));
        assert_eq!(number(&row, "min_value_per_oak"), Some(1.0));
        assert_eq!(number(&row, "first_redemption_month"), None);
    }

    #[test]
    fn an_invalid_run_has_only_its_status() {
        let row = summarise(&[], &Outcome::Invalid);
        assert_eq!(status(&row), "invalid");
        assert!(row[1..].iter().all(Option::is_none));
        // Even if records were passed, an invalid run has no values.
        let row = summarise(&[rec(1, 1.0, 1.0, 1.0, 1.0, 1.0)], &Outcome::Invalid);
        assert!(row[1..].iter().all(Option::is_none));
    }
}
