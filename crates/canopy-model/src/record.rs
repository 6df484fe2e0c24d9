//! The monthly record: one row of `metrics.csv`.

use crate::projection::Projection;

/// What a column holds, which decides how it is written and read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// A whole number of things (months, pairs, deals): written without a
    /// decimal point.
    Count,
    /// A quantity of money or tokens (USD, LEAF, USDC, OAK, a price).
    Amount,
    /// A rate or a share (IRR, impact, market share): a fraction, not a percentage.
    Rate,
}

/// When in the month a column's value is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Measure {
    /// The month itself.
    Index,
    /// A level at the end of the month (a balance, a price, a running total).
    Stock,
    /// What happened during the month (a payment, a trade, a change).
    Flow,
}

impl Measure {
    /// Its name for people: `stock`, `flow` or `index`.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Index => "index",
            Measure::Stock => "stock",
            Measure::Flow => "flow",
        }
    }

    /// What it means, in a few words.
    pub fn meaning(self) -> &'static str {
        match self {
            Measure::Index => "the month the row describes",
            Measure::Stock => "a level at the end of the month",
            Measure::Flow => "what happened during the month",
        }
    }
}

/// The family of quantities a column belongs to, which charts draw in one
/// colour wherever they show a column of it (the output library picks the
/// colours). Declared with each column, so a column keeps its colour under
/// any name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// LEAF: its price and the LEAF held.
    Leaf,
    /// USDC held.
    Usdc,
    /// Revenue added up since month 1.
    Cumulative,
    /// OAK given out, and what it is worth.
    Oak,
    /// OAK redeemed.
    Redeemed,
    /// OAK not redeemed.
    Unredeemed,
    /// AEGIS's value.
    AegisValue,
}

/// One column of `metrics.csv` (and key of `metrics.json`).
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// Its name, as the header writes it.
    pub name: &'static str,
    /// What it holds.
    pub ty: ColumnType,
    /// Whether it may be undefined (an empty cell, `null`) in some months.
    pub optional: bool,
    /// Whether it is a level at the end of the month or a flow during it.
    pub measure: Measure,
    /// Its unit (`USD`, `LEAF`, `USD per OAK`, `fraction`, ...).
    pub unit: &'static str,
    /// What it means, in one line.
    pub doc: &'static str,
    /// Its value in a record; `None` is an undefined cell.
    pub get: fn(&MonthRecord) -> Option<f64>,
    /// The family it is drawn with, if any (others share a neutral colour).
    pub family: Option<Family>,
}

impl Column {
    /// Whether it holds counts.
    pub fn is_count(&self) -> bool {
        self.ty == ColumnType::Count
    }
}

/// The sum of its arguments, added in turn to eight running sums: eight
/// short chains of adds run side by side, where one long chain would make
/// every month wait for each add in turn. Neighbouring arguments go to
/// neighbouring sums, and the sums are added odd with odd and even with
/// even before the two totals meet, so that the compiler can keep each
/// pair of neighbours in one vector register from first add to last.
macro_rules! eight_sums {
    ([$($a:expr),*] [$($b:expr),*] [$($c:expr),*] [$($d:expr),*]
     [$($e:expr),*] [$($f:expr),*] [$($g:expr),*] [$($h:expr),*] $next:expr $(, $rest:expr)*) => {
        eight_sums!([$($b),*] [$($c),*] [$($d),*] [$($e),*] [$($f),*] [$($g),*] [$($h),*]
            [$($a,)* $next] $($rest),*)
    };
    ([$($a:expr),*] [$($b:expr),*] [$($c:expr),*] [$($d:expr),*]
     [$($e:expr),*] [$($f:expr),*] [$($g:expr),*] [$($h:expr),*]) => {
        (((0.0 $(+ $a)*) + (0.0 $(+ $c)*)) + ((0.0 $(+ $e)*) + (0.0 $(+ $g)*)))
            + (((0.0 $(+ $b)*) + (0.0 $(+ $d)*)) + ((0.0 $(+ $f)*) + (0.0 $(+ $h)*)))
    };
}

/// Builds the column table and, from the same list, the finiteness probe, so
/// that the two cannot drift apart: the probe expands every getter inline
/// (no calls through function pointers), which keeps the per-month check as
/// fast as a hand-written sum.
macro_rules! columns {
    ($($name:literal, $ty:ident, $opt:ident, $measure:ident, $unit:literal, $doc:literal, |$r:ident| $get:expr $(, $family:ident)? $(=> $probe:expr)?;)*) => {
        /// The columns of `metrics.csv`, in order.
        pub const COLUMNS: &[Column] = &[$(Column {
            name: $name,
            ty: ColumnType::$ty,
            optional: columns!(@opt $opt),
            measure: Measure::$measure,
            unit: $unit,
            doc: $doc,
            get: |$r: &MonthRecord| $get,
            family: columns!(@family $($family)?),
        },)*];

        /// Whether every value of `r` is finite, on the fast path: a sum
        /// is finite only if every term is (an infinity or NaN term makes
        /// the sum infinite or NaN), so one test of the sum of all values
        /// clears them all (an undefined value counts as 0). A sum that
        /// overflows says "maybe not", and the caller looks column by column.
        /// A column may add a term of its own (`=> term`), finite where its
        /// value surely is, where the value costs more than the term.
        #[inline(always)]
        pub(crate) fn all_finite(r: &MonthRecord) -> bool {
            eight_sums!([] [] [] [] [] [] [] [] $(columns!(@probe $ty {
                let $r = r;
                columns!(@term [$($probe)?] $get)
            })),*)
            .is_finite()
        }

        impl MonthRecord {
            /// The row's values in [`COLUMNS`] order (`None` is an undefined
            /// cell), each read inline: what `get` gives, without a call
            /// per column.
            #[inline]
            pub fn values(&self) -> [Option<f64>; COLUMN_COUNT] {
                [$({
                    let $r = self;
                    let v: Option<f64> = $get;
                    v
                }),*]
            }
        }
    };
    // A count is a whole number made a float: always finite, so it adds
    // -0.0, which the compiler drops (x + -0.0 is x for every x).
    (@probe Count $v:block) => { -0.0 };
    (@probe $ty:ident $v:block) => { $v };
    (@term [$probe:expr] $get:expr) => { $probe };
    (@term [] $get:expr) => {{
        let v: Option<f64> = $get;
        v.unwrap_or(0.0)
    }};
    (@family) => { None };
    (@family $family:ident) => { Some(Family::$family) };
    (@opt required) => { false };
    (@opt optional) => { true };
}

columns! {
    "month", Count, required, Index, "month", "Month number, from 1.", |r| Some(f64::from(r.month));
    "leaf_price", Amount, required, Stock, "USD per LEAF", "LEAF price, USD.", |r| Some(r.leaf_price), Leaf;
    "tvl_protocol_locked", Amount, required, Stock, "USD", "Protocol-locked TVL, USD.", |r| Some(r.tvl[0]);
    "tvl_contracted", Amount, required, Stock, "USD", "Contracted TVL, USD.", |r| Some(r.tvl[1]);
    "tvl_organic", Amount, required, Stock, "USD", "Organic TVL, USD.", |r| Some(r.tvl[2]);
    "tvl_boosted", Amount, required, Stock, "USD", "Boosted TVL, USD.", |r| Some(r.tvl[3]);
    "tvl_total", Amount, required, Stock, "USD", "Total TVL, USD.", |r| Some(r.tvl_total());
    "revenue_protocol_locked", Amount, required, Flow, "USD", "Revenue of protocol-locked TVL this month, USD.", |r| Some(r.revenue[0]);
    "revenue_contracted", Amount, required, Flow, "USD", "Revenue of contracted TVL this month, USD.", |r| Some(r.revenue[1]);
    "revenue_organic", Amount, required, Flow, "USD", "Revenue of organic TVL this month, USD.", |r| Some(r.revenue[2]);
    "revenue_boosted", Amount, required, Flow, "USD", "Revenue of boosted TVL this month, USD.", |r| Some(r.revenue[3]);
    "revenue_total", Amount, required, Flow, "USD", "Total revenue this month, USD.", |r| Some(r.revenue_total());
    "revenue_cumulative", Amount, required, Stock, "USD", "Revenue since month 1, USD.", |r| Some(r.revenue_cumulative), Cumulative;
    "aegis_leaf", Amount, required, Stock, "LEAF", "AEGIS LEAF.", |r| Some(r.aegis_leaf), Leaf;
    "aegis_usdc", Amount, required, Stock, "USDC", "AEGIS USDC.", |r| Some(r.aegis_usdc), Usdc;
    "pairs_active", Count, required, Stock, "pairs", "Pairs active this month.", |r| Some(f64::from(r.pairs_active));
    "pairs_leaf", Amount, required, Stock, "LEAF", "LEAF in the active pairs.", |r| Some(r.pairs_leaf), Leaf;
    "pairs_usdc", Amount, required, Stock, "USDC", "USDC in the active pairs.", |r| Some(r.pairs_usdc), Usdc;
    "oak_distributed", Amount, required, Stock, "OAK", "OAK distributed so far.", |r| Some(r.oak_distributed), Oak;
    "oak_redeemed", Amount, required, Stock, "OAK", "OAK redeemed so far.", |r| Some(r.oak_redeemed), Redeemed;
    "oak_unredeemed", Amount, required, Stock, "OAK", "OAK not redeemed.", |r| Some(r.oak_unredeemed), Unredeemed;
    "value_per_oak", Amount, required, Stock, "USD per OAK", "AEGIS value per unredeemed OAK, USD.", |r| Some(r.value_per_oak), Oak;
    "irr", Rate, optional, Stock, "fraction per year", "The month's IRR, if defined.", |r| r.irr.get() => r.irr.probe();
    "aegis_value", Amount, required, Stock, "USD", "AEGIS value, USD.", |r| Some(r.aegis_value), AegisValue;
    "pairs_value", Amount, required, Stock, "USD", "Value of the active pairs at the end of the month, USD.", |r| Some(r.pairs_value);
    "aegis_leaf_sold", Amount, required, Flow, "LEAF", "LEAF AEGIS sold to the pairs, net (negative when it bought).", |r| Some(r.aegis_leaf_sold);
    "aegis_revenue_in", Amount, required, Flow, "USDC", "Revenue paid into AEGIS this month, USDC.", |r| Some(r.aegis_revenue_in);
    "oak_redeemed_month", Amount, required, Flow, "OAK", "OAK redeemed this month.", |r| Some(r.oak_redeemed_month), Redeemed;
    "redemption_usdc_out", Amount, required, Flow, "USDC", "USDC paid to redeemers this month.", |r| Some(r.redemption_usdc_out);
    "redemption_leaf_out", Amount, required, Flow, "LEAF", "LEAF paid to redeemers this month.", |r| Some(r.redemption_leaf_out);
    "pairs_withdrawn_leaf", Amount, required, Flow, "LEAF", "LEAF withdrawn by expired pairs this month.", |r| Some(r.pairs_withdrawn_leaf);
    "pairs_withdrawn_usdc", Amount, required, Flow, "USDC", "USDC withdrawn by expired pairs this month.", |r| Some(r.pairs_withdrawn_usdc);
    "irr_threshold_weighted", Rate, required, Stock, "fraction per year", "Distribution-weighted IRR threshold.", |r| Some(r.irr_threshold_weighted);
    "active_deals", Count, required, Stock, "deals", "Deals active this month.", |r| Some(f64::from(r.active_deals));
    "market_flow_usd", Amount, optional, Flow, "USD", "Market flow executed against the pairs (buys positive), USD, if flows are on.", |r| r.market_flow_usd;
    "price_impact", Rate, optional, Flow, "fraction", "Impact this month's price took from last month's flow, if the price model is `market`.", |r| r.price_impact;
    "chain_tvl", Amount, optional, Stock, "USD", "Chain TVL, USD, if the chain model is on.", |r| r.chain_tvl;
    "market_share", Rate, optional, Stock, "fraction", "Canopy's share of chain TVL, if the chain model is on.", |r| r.market_share;
    "oak_queued", Amount, optional, Stock, "OAK", "OAK waiting in the redemption queue at the end of the month, if redemptions are rate limited.", |r| r.oak_queued;
    "aegis_value_change", Amount, required, Flow, "USD", "Change of AEGIS value since last month (month 1: since the initial balances at the initial price).", |r| Some(r.aegis_value_change);
    "aegis_from_revenue", Amount, required, Flow, "USD", "Part of the change: the revenue share paid into AEGIS.", |r| Some(r.aegis_from.revenue);
    "aegis_from_pairs", Amount, required, Flow, "USD", "Part of the change: USDC and LEAF (at this month's price) received from the pairs, net of what AEGIS gave them.", |r| Some(r.aegis_from.pairs);
    "aegis_from_oak", Amount, required, Flow, "USD", "Part of the change: minus what redemptions paid out, USDC plus LEAF at this month's price.", |r| Some(r.aegis_from.oak);
    "aegis_from_price", Amount, required, Flow, "USD", "Part of the change: the LEAF AEGIS held at the start of the month, revalued from last month's price to this month's.", |r| Some(r.aegis_from.price);
    "aegis_from_other", Amount, required, Flow, "USD", "Part of the change: any other flow into or out of AEGIS (none in this model: 0).", |r| Some(r.aegis_from.other);
}

/// The number of columns.
pub const COLUMN_COUNT: usize = COLUMNS.len();

/// The column names, in order (for code that needs just the names, such as
/// a CSV header).
pub const NAMES: [&str; COLUMN_COUNT] = {
    let mut out = [""; COLUMN_COUNT];
    let mut i = 0;
    while i < COLUMN_COUNT {
        out[i] = COLUMNS[i].name;
        i += 1;
    }
    out
};

/// The column called `name`, if there is one.
pub fn column(name: &str) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.name == name)
}

/// Everything recorded about one month. By-kind arrays follow
/// [`crate::TvlKind::ALL`].
///
/// The price and the four values a sweep takes each run's extremes of
/// (`min_leaf_price` to `max_oak_redeemed_month`) are declared side by
/// side: the compiler lays plain numbers out in the order written (it
/// does today, though the default layout does not promise it), so a pass
/// over a run's months reads one or two cache lines a month, as the
/// records lie, rather than four.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MonthRecord {
    /// Month number, from 1.
    pub month: u32,
    /// LEAF price, USD.
    pub leaf_price: f64,
    /// AEGIS USDC.
    pub aegis_usdc: f64,
    /// AEGIS value, USD.
    pub aegis_value: f64,
    /// AEGIS value per unredeemed OAK.
    pub value_per_oak: f64,
    /// OAK redeemed this month.
    pub oak_redeemed_month: f64,
    /// TVL by kind, USD.
    pub tvl: [f64; 4],
    /// Revenue by kind this month, USD.
    pub revenue: [f64; 4],
    /// Revenue since month 1, USD.
    pub revenue_cumulative: f64,
    /// AEGIS LEAF.
    pub aegis_leaf: f64,
    /// Pairs active this month.
    pub pairs_active: u32,
    /// LEAF in the active pairs.
    pub pairs_leaf: f64,
    /// USDC in the active pairs.
    pub pairs_usdc: f64,
    /// OAK distributed so far.
    pub oak_distributed: f64,
    /// OAK redeemed so far.
    pub oak_redeemed: f64,
    /// OAK not redeemed.
    pub oak_unredeemed: f64,
    /// The month's IRR, if defined ([`RecordedIrr::get`]).
    pub irr: RecordedIrr,
    /// Value of the active pairs at the end of the month, USD.
    pub pairs_value: f64,
    /// LEAF AEGIS sold to the pairs, net (negative when it bought).
    pub aegis_leaf_sold: f64,
    /// Revenue paid into AEGIS this month, USDC.
    pub aegis_revenue_in: f64,
    /// USDC paid to redeemers this month.
    pub redemption_usdc_out: f64,
    /// LEAF paid to redeemers this month.
    pub redemption_leaf_out: f64,
    /// LEAF withdrawn by expired pairs this month.
    pub pairs_withdrawn_leaf: f64,
    /// USDC withdrawn by expired pairs this month.
    pub pairs_withdrawn_usdc: f64,
    /// Distribution-weighted IRR threshold.
    pub irr_threshold_weighted: f64,
    /// Deals active this month.
    pub active_deals: u32,
    /// Market flow executed against the pairs (buys positive), if flows are on.
    pub market_flow_usd: Option<f64>,
    /// Impact this month's price took from last month's flow, if the price model is `market`.
    pub price_impact: Option<f64>,
    /// Chain TVL, if the chain model is on.
    pub chain_tvl: Option<f64>,
    /// Canopy's share of chain TVL, if the chain model is on.
    pub market_share: Option<f64>,
    /// OAK waiting in the redemption queue at the end of the month, if
    /// redemptions are rate limited.
    pub oak_queued: Option<f64>,
    /// Change of AEGIS value since last month, USD.
    pub aegis_value_change: f64,
    /// What moved AEGIS's value this month, in parts that add up to the change.
    pub aegis_from: ValueParts,
}

/// What moved AEGIS's value in a month (MODEL.md, What moved AEGIS's
/// value), USD; the parts add up to the month's change.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ValueParts {
    /// The revenue share paid in.
    pub revenue: f64,
    /// Trades with the pairs: USDC and LEAF (at this month's price) received, net.
    pub pairs: f64,
    /// Minus the redemption payouts, USDC plus LEAF at this month's price.
    pub oak: f64,
    /// The LEAF held at the start of the month, revalued to this month's price.
    pub price: f64,
    /// Any other flow (none in this model).
    pub other: f64,
}

impl ValueParts {
    /// The parts, in column order.
    pub fn all(&self) -> [f64; 5] {
        [self.revenue, self.pairs, self.oak, self.price, self.other]
    }

    /// Their sum.
    pub fn sum(&self) -> f64 {
        self.all().iter().sum()
    }
}

/// A month's IRR as recorded: undefined, a number, or a growth to a power
/// whose power is taken when the number is read ([`RecordedIrr::get`]), as
/// a run's own decisions need it in few months and a sweep reads few
/// months' IRR. A power is kept only where it is surely finite (otherwise
/// it is taken at once), so that the month's check need not take it.
/// Records compare, and show, by the number.
#[derive(Clone, Copy)]
pub struct RecordedIrr {
    /// The growth where `power` is above 0, else the number (0 when
    /// undefined): finite wherever the IRR is, so the month's finiteness
    /// probe adds it as it is.
    value: f64,
    /// The power (above 0); 0 for a number, -1 for undefined.
    power: f64,
}

impl RecordedIrr {
    /// No IRR.
    const UNDEFINED: RecordedIrr = RecordedIrr {
        value: 0.0,
        power: -1.0,
    };

    /// The IRR `p.growth^p.power - 1`, its power taken now only where it
    /// might not be finite.
    #[inline]
    pub(crate) fn projected(p: Projection) -> RecordedIrr {
        if p.surely_finite() {
            RecordedIrr {
                value: p.growth,
                power: p.power,
            }
        } else {
            Some(p.irr()).into()
        }
    }

    /// The IRR, if defined.
    #[inline]
    pub fn get(self) -> Option<f64> {
        if self.power > 0.0 {
            let p = Projection {
                growth: self.value,
                power: self.power,
            };
            Some(p.irr())
        } else if self.power == 0.0 {
            Some(self.value)
        } else {
            None
        }
    }

    /// What the month's finiteness probe adds: the number, the growth of a
    /// power kept (kept only where surely finite) or 0 (undefined).
    #[inline(always)]
    fn probe(self) -> f64 {
        self.value
    }
}

impl Default for RecordedIrr {
    fn default() -> RecordedIrr {
        RecordedIrr::UNDEFINED
    }
}

impl From<Option<f64>> for RecordedIrr {
    fn from(irr: Option<f64>) -> RecordedIrr {
        match irr {
            Some(x) => RecordedIrr {
                value: x,
                power: 0.0,
            },
            None => RecordedIrr::UNDEFINED,
        }
    }
}

impl PartialEq for RecordedIrr {
    fn eq(&self, other: &RecordedIrr) -> bool {
        self.get() == other.get()
    }
}

impl std::fmt::Debug for RecordedIrr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

impl MonthRecord {
    /// Total TVL.
    pub fn tvl_total(&self) -> f64 {
        self.tvl.iter().sum()
    }

    /// Total revenue this month.
    pub fn revenue_total(&self) -> f64 {
        self.revenue.iter().sum()
    }

    /// The name of the first value that is not finite, if any.
    #[inline]
    pub fn first_non_finite(&self) -> Option<&'static str> {
        // Fast path, inline: one test of the sum of every column.
        if all_finite(self) {
            None
        } else {
            self.search_non_finite()
        }
    }

    /// The slow path of [`MonthRecord::first_non_finite`]: column by column.
    #[cold]
    #[inline(never)]
    fn search_non_finite(&self) -> Option<&'static str> {
        COLUMNS
            .iter()
            .find(|c| (c.get)(self).is_some_and(|x| !x.is_finite()))
            .map(|c| c.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_non_finite_field_is_found_by_name() {
        let ok = MonthRecord {
            month: 1,
            leaf_price: 1.0,
            ..Default::default()
        };
        assert_eq!(ok.first_non_finite(), None);
        let mut r = ok.clone();
        r.tvl[2] = f64::INFINITY;
        assert_eq!(r.first_non_finite(), Some("tvl_organic"));
        let mut r = ok.clone();
        r.market_share = Some(f64::NAN);
        assert_eq!(r.first_non_finite(), Some("market_share"));
        let mut r = ok.clone();
        r.pairs_withdrawn_usdc = f64::NEG_INFINITY;
        assert_eq!(r.first_non_finite(), Some("pairs_withdrawn_usdc"));
        let mut r = ok.clone();
        r.tvl[0] = 1e308;
        r.tvl[3] = 1e308;
        assert_eq!(
            r.first_non_finite(),
            Some("tvl_total"),
            "finite parts, infinite sum"
        );
        let mut r = ok;
        r.irr = None.into();
        r.aegis_leaf = f64::MAX;
        r.aegis_usdc = f64::MAX;
        assert_eq!(r.first_non_finite(), None, "large but finite");
    }

    #[test]
    fn an_irr_kept_as_a_power_reads_as_the_power_taken() {
        let p = Projection {
            growth: 1.3,
            power: 12.0 / 7.0,
        };
        let kept = RecordedIrr::projected(p);
        let number = 1.3f64.powf(12.0 / 7.0) - 1.0;
        assert_eq!(kept.get().map(f64::to_bits), Some(number.to_bits()));
        // Records compare and show by the number.
        assert_eq!(kept, RecordedIrr::from(Some(number)));
        assert_ne!(kept, RecordedIrr::from(Some(number + 1e-15)));
        assert_ne!(kept, RecordedIrr::default());
        assert_eq!(format!("{kept:?}"), format!("{:?}", Some(number)));
        assert_eq!(RecordedIrr::default().get(), None);
        assert_eq!(RecordedIrr::from(Some(-0.5)).get(), Some(-0.5));
        let r = MonthRecord {
            irr: kept,
            ..MonthRecord::default()
        };
        assert_eq!(column("irr").map(|c| (c.get)(&r)), Some(Some(number)));
        let at = COLUMNS.iter().position(|c| c.name == "irr").unwrap();
        assert_eq!(r.values()[at], Some(number));
    }

    #[test]
    fn an_irr_that_may_not_be_finite_is_worked_out_at_once_and_checked() {
        // The largest power kept, and one past it that overflows: the
        // month's check finds the infinite IRR as it did when every IRR
        // was worked out.
        let edge = RecordedIrr::projected(Projection {
            growth: 256.0,
            power: 12.0,
        });
        assert_eq!(edge.get(), Some(2f64.powi(96) - 1.0));
        let r = MonthRecord {
            irr: edge,
            ..MonthRecord::default()
        };
        assert_eq!(r.first_non_finite(), None);
        let over = RecordedIrr::projected(Projection {
            growth: 1e300,
            power: 12.0,
        });
        assert_eq!(over.get(), Some(f64::INFINITY));
        let r = MonthRecord {
            irr: over,
            ..MonthRecord::default()
        };
        assert_eq!(r.first_non_finite(), Some("irr"));
        let nan = RecordedIrr::projected(Projection {
            growth: f64::NAN,
            power: 1.0,
        });
        let r = MonthRecord {
            irr: nan,
            ..MonthRecord::default()
        };
        assert_eq!(r.first_non_finite(), Some("irr"));
    }

    #[test]
    fn counts_read_whole_numbers_only_so_the_probe_may_skip_them() {
        // Every float of the record NaN (every field named, so that a new
        // field must be added here): a count column that read a float would
        // then be NaN, and the fast probe, which skips counts, would miss it.
        let nan = f64::NAN;
        let r = MonthRecord {
            month: 7,
            leaf_price: nan,
            tvl: [nan; 4],
            revenue: [nan; 4],
            revenue_cumulative: nan,
            aegis_leaf: nan,
            aegis_usdc: nan,
            pairs_active: 3,
            pairs_leaf: nan,
            pairs_usdc: nan,
            oak_distributed: nan,
            oak_redeemed: nan,
            oak_unredeemed: nan,
            value_per_oak: nan,
            irr: Some(nan).into(),
            aegis_value: nan,
            pairs_value: nan,
            aegis_leaf_sold: nan,
            aegis_revenue_in: nan,
            oak_redeemed_month: nan,
            redemption_usdc_out: nan,
            redemption_leaf_out: nan,
            pairs_withdrawn_leaf: nan,
            pairs_withdrawn_usdc: nan,
            irr_threshold_weighted: nan,
            active_deals: 2,
            market_flow_usd: Some(nan),
            price_impact: Some(nan),
            chain_tvl: Some(nan),
            market_share: Some(nan),
            oak_queued: Some(nan),
            aegis_value_change: nan,
            aegis_from: ValueParts {
                revenue: nan,
                pairs: nan,
                oak: nan,
                price: nan,
                other: nan,
            },
        };
        let counts: Vec<_> = COLUMNS.iter().filter(|c| c.is_count()).collect();
        assert_eq!(counts.len(), 3);
        for c in counts {
            assert!((c.get)(&r).is_some_and(f64::is_finite), "{}", c.name);
        }
        // Every other column reads a float of the record.
        for c in COLUMNS.iter().filter(|c| !c.is_count()) {
            assert!((c.get)(&r).is_some_and(f64::is_nan), "{}", c.name);
        }
    }

    #[test]
    fn the_table_lists_the_columns_of_scenario_md_in_order() {
        // SCENARIO.md's columns, written out independently of the table.
        let expected = "month,leaf_price,tvl_protocol_locked,tvl_contracted,tvl_organic,\
            tvl_boosted,tvl_total,revenue_protocol_locked,revenue_contracted,revenue_organic,\
            revenue_boosted,revenue_total,revenue_cumulative,aegis_leaf,aegis_usdc,pairs_active,\
            pairs_leaf,pairs_usdc,oak_distributed,oak_redeemed,oak_unredeemed,value_per_oak,irr,\
            aegis_value,pairs_value,aegis_leaf_sold,aegis_revenue_in,oak_redeemed_month,\
            redemption_usdc_out,redemption_leaf_out,pairs_withdrawn_leaf,pairs_withdrawn_usdc,\
            irr_threshold_weighted,active_deals,market_flow_usd,price_impact,chain_tvl,market_share,\
            oak_queued,aegis_value_change,aegis_from_revenue,aegis_from_pairs,aegis_from_oak,\
            aegis_from_price,aegis_from_other";
        assert_eq!(NAMES.join(","), expected);
        let of = |ty| -> Vec<&str> {
            COLUMNS
                .iter()
                .filter(|c| c.ty == ty)
                .map(|c| c.name)
                .collect()
        };
        assert_eq!(
            of(ColumnType::Count),
            ["month", "pairs_active", "active_deals"]
        );
        assert_eq!(
            of(ColumnType::Rate),
            [
                "irr",
                "irr_threshold_weighted",
                "price_impact",
                "market_share"
            ]
        );
        assert!(
            COLUMNS
                .iter()
                .all(|c| !c.doc.is_empty() && !c.unit.is_empty())
        );
        let flows: Vec<&str> = COLUMNS
            .iter()
            .filter(|c| c.measure == Measure::Flow)
            .map(|c| c.name)
            .collect();
        // Every column SCENARIO.md calls this month's flow is a flow.
        for name in [
            "aegis_leaf_sold",
            "aegis_revenue_in",
            "oak_redeemed_month",
            "redemption_usdc_out",
            "redemption_leaf_out",
            "pairs_withdrawn_leaf",
            "pairs_withdrawn_usdc",
            "market_flow_usd",
            "revenue_total",
            "aegis_value_change",
            "aegis_from_other",
        ] {
            assert!(flows.contains(&name), "{name}");
        }
        for name in [
            "oak_distributed",
            "oak_redeemed",
            "revenue_cumulative",
            "aegis_value",
        ] {
            assert!(!flows.contains(&name), "{name} is cumulative or a balance");
        }
        assert_eq!(column("tvl_total").map(|c| c.ty), Some(ColumnType::Amount));
        assert!(column("nope").is_none());
    }

    #[test]
    fn getters_read_their_fields_and_only_optional_columns_are_undefined() {
        let r = MonthRecord {
            month: 7,
            leaf_price: 0.5,
            tvl: [1.0, 2.0, 3.0, 4.0],
            revenue: [0.25, 0.5, 0.75, 1.0],
            pairs_active: 2,
            active_deals: 5,
            value_per_oak: 9.0,
            ..Default::default()
        };
        let get = |name| (column(name).unwrap().get)(&r);
        assert_eq!(get("month"), Some(7.0));
        assert_eq!(get("tvl_organic"), Some(3.0));
        assert_eq!(get("tvl_total"), Some(10.0));
        assert_eq!(get("revenue_total"), Some(2.5));
        assert_eq!(get("pairs_active"), Some(2.0));
        assert_eq!(get("active_deals"), Some(5.0));
        assert_eq!(get("value_per_oak"), Some(9.0));
        // With every Option field None, exactly the optional columns are undefined.
        for (c, v) in COLUMNS.iter().zip(r.values()) {
            assert_eq!(v.is_none(), c.optional, "{}", c.name);
            // `values` reads each field inline; `get` through the table.
            assert_eq!(
                v.map(f64::to_bits),
                (c.get)(&r).map(f64::to_bits),
                "{}",
                c.name
            );
        }
        let all = MonthRecord {
            irr: Some(0.1).into(),
            market_flow_usd: Some(1.0),
            price_impact: Some(0.0),
            chain_tvl: Some(2.0),
            market_share: Some(0.3),
            oak_queued: Some(4.0),
            ..r
        };
        assert!(all.values().iter().all(Option::is_some));
    }
}
