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

    /// The records and outcome of a run's result: an `Err`'s records are
    /// the months completed before the failure.
    pub fn of(result: &Result<Vec<MonthRecord>, RunError>) -> (&[MonthRecord], Outcome) {
        match result {
            Ok(records) => (records, Outcome::Ok),
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
    /// A function of the months the run completed; `None` for an invalid run
    /// (and wherever the function gives `None`, as over no months).
    Over(fn(&[MonthRecord]) -> Option<f64>),
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
    /// A [`SummaryType::Text`] value.
    Text(&'static str),
    /// A [`SummaryType::Number`] value; counts are whole numbers (exact in
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
            Compute::Over(f) => match outcome {
                Outcome::Invalid => None,
                _ => f(records).map(SummaryValue::Number),
            },
        }
    }
}

/// The smallest of `get` over `records`; `None` over no records.
fn min_of(records: &[MonthRecord], get: fn(&MonthRecord) -> f64) -> Option<f64> {
    records.iter().map(get).reduce(f64::min)
}

/// The statistics over the months completed, after the last-month values.
const STATS: [SummaryColumn; 6] = [
    SummaryColumn {
        name: "min_leaf_price",
        ty: SummaryType::Number(ColumnType::Amount),
        doc: "Lowest LEAF price over the months completed, USD.",
        compute: Compute::Over(|rs| min_of(rs, |r| r.leaf_price)),
    },
    SummaryColumn {
        name: "min_aegis_value",
        ty: SummaryType::Number(ColumnType::Amount),
        doc: "Lowest AEGIS value over the months completed, USD.",
        compute: Compute::Over(|rs| min_of(rs, |r| r.aegis_value)),
    },
    SummaryColumn {
        name: "min_aegis_usdc",
        ty: SummaryType::Number(ColumnType::Amount),
        doc: "Lowest AEGIS USDC over the months completed.",
        compute: Compute::Over(|rs| min_of(rs, |r| r.aegis_usdc)),
    },
    SummaryColumn {
        name: "min_value_per_oak",
        ty: SummaryType::Number(ColumnType::Amount),
        doc: "Lowest AEGIS value per unredeemed OAK over the months completed, USD.",
        compute: Compute::Over(|rs| min_of(rs, |r| r.value_per_oak)),
    },
    SummaryColumn {
        name: "max_oak_redeemed_month",
        ty: SummaryType::Number(ColumnType::Amount),
        doc: "Largest OAK redeemed in one month over the months completed.",
        compute: Compute::Over(|rs| rs.iter().map(|r| r.oak_redeemed_month).reduce(f64::max)),
    },
    SummaryColumn {
        name: "first_redemption_month",
        ty: SummaryType::Number(ColumnType::Count),
        doc: "First month in which OAK was redeemed; null if none was.",
        compute: Compute::Over(|rs| {
            rs.iter()
                .find(|r| r.oak_redeemed_month > 0.0)
                .map(|r| f64::from(r.month))
        }),
    },
];

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
    std::array::from_fn(|i| SUMMARY_COLUMNS[i].value(records, outcome))
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
        let result = run(&s);
        let (records, outcome) = Outcome::of(&result);
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
        let (from_error, outcome_of) = Outcome::of(&result);
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
        last.irr = None;
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
