//! Why a run stops early: a month's [`Failure`], and the [`RunError`] that
//! keeps the months before it. The invariants report with it and the
//! engine stops on it; neither needs the other.

use crate::record::MonthRecord;

/// Why a month failed: a number that is not finite, or a broken invariant
/// of MODEL.md with the numbers it compared.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Failure {
    /// A recorded number is infinite or NaN.
    #[error("{column}: is not a finite number")]
    NonFinite {
        /// The column of `metrics.csv` that holds it.
        column: &'static str,
    },
    /// AEGIS + pairs + withdrawn + paid out LEAF differs from initial + market.
    #[error(
        "LEAF conservation: AEGIS + pairs + withdrawn + paid out = {have}, but initial + market = {want}"
    )]
    LeafConservation {
        /// LEAF held or paid out.
        have: f64,
        /// LEAF that came in.
        want: f64,
    },
    /// AEGIS + pairs + withdrawn + paid out USDC differs from initial +
    /// revenue + market.
    #[error(
        "USDC conservation: AEGIS + pairs + withdrawn + paid out = {have}, but initial + revenue + market = {want}"
    )]
    UsdcConservation {
        /// USDC held or paid out.
        have: f64,
        /// USDC that came in.
        want: f64,
    },
    /// AEGIS holds negative LEAF.
    #[error("AEGIS LEAF: {leaf} is negative")]
    NegativeAegisLeaf {
        /// Its LEAF.
        leaf: f64,
    },
    /// AEGIS holds negative USDC.
    #[error("AEGIS USDC: {usdc} is negative")]
    NegativeAegisUsdc {
        /// Its USDC.
        usdc: f64,
    },
    /// A pair holds a negative balance.
    #[error("a pair's balance: {balance} is negative")]
    NegativePairBalance {
        /// The smallest balance, LEAF or USDC, of the started pairs.
        balance: f64,
    },
    /// distributed <= allocated <= supply does not hold for OAK.
    #[error(
        "OAK supply: distributed {distributed} <= allocated {allocated} <= supply {supply} does not hold"
    )]
    OakSupply {
        /// OAK distributed.
        distributed: f64,
        /// OAK allocated to deals.
        allocated: f64,
        /// OAK supply.
        supply: f64,
    },
    /// More OAK redeemed than distributed.
    #[error("OAK redeemed: redeemed {redeemed} exceeds distributed {distributed}")]
    OakRedeemed {
        /// OAK redeemed.
        redeemed: f64,
        /// OAK distributed.
        distributed: f64,
    },
    /// More OAK redeemed in the month than its limit allows.
    #[error("OAK redeemed this month: {redeemed} exceeds the monthly limit of {limit}")]
    OakMonthLimit {
        /// OAK redeemed this month.
        redeemed: f64,
        /// The most that may be redeemed in a month.
        limit: f64,
    },
    /// More OAK queued than is held.
    #[error("OAK queued: {queued} exceeds the {held} distributed and not redeemed")]
    OakQueued {
        /// OAK waiting in the queue.
        queued: f64,
        /// OAK distributed and not redeemed.
        held: f64,
    },
    /// The parts of what moved AEGIS's value do not add up to its change.
    #[error("AEGIS value change: {change} this month, but its parts add up to {parts}")]
    AegisValueParts {
        /// The change of AEGIS value.
        change: f64,
        /// The sum of its parts.
        parts: f64,
    },
    /// A redemption payout moved the value per OAK.
    #[error("value per OAK: {before} before the month's redemptions, {after} after them")]
    ValuePerOakMoved {
        /// Before the first payout.
        before: f64,
        /// After the last.
        after: f64,
    },
}

impl Failure {
    /// What failed, in a few words: the column, or the invariant's name.
    pub fn quantity(&self) -> &'static str {
        match self {
            Failure::NonFinite { column } => column,
            Failure::LeafConservation { .. } => "LEAF conservation",
            Failure::UsdcConservation { .. } => "USDC conservation",
            Failure::NegativeAegisLeaf { .. } => "AEGIS LEAF",
            Failure::NegativeAegisUsdc { .. } => "AEGIS USDC",
            Failure::NegativePairBalance { .. } => "a pair's balance",
            Failure::OakSupply { .. } => "OAK supply",
            Failure::OakRedeemed { .. } => "OAK redeemed",
            Failure::OakMonthLimit { .. } => "OAK redeemed this month",
            Failure::OakQueued { .. } => "OAK queued",
            Failure::ValuePerOakMoved { .. } => "value per OAK",
            Failure::AegisValueParts { .. } => "AEGIS value change",
        }
    }

    /// The numbers behind it, as text (the message after the quantity).
    pub fn detail(&self) -> String {
        let text = self.to_string();
        // Every message is "<quantity>: <detail>".
        text.strip_prefix(self.quantity())
            .and_then(|t| t.strip_prefix(": "))
            .map_or_else(|| text.clone(), str::to_string)
    }
}

/// Why a run stopped early.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("month {month}: {failure}")]
pub struct RunError {
    /// The month that failed.
    pub month: u32,
    /// What failed, with its numbers.
    pub failure: Failure,
    /// The months recorded before it.
    pub records: Vec<MonthRecord>,
}

impl RunError {
    /// What failed, in a few words (see [`Failure::quantity`]).
    pub fn quantity(&self) -> &'static str {
        self.failure.quantity()
    }

    /// The numbers behind it (see [`Failure::detail`]).
    pub fn detail(&self) -> String {
        self.failure.detail()
    }

    /// Why the run stopped, for people: `the run stopped in month 4: LEAF
    /// conservation (AEGIS + pairs ...)`. Every front end says it so.
    pub fn stopped(&self) -> String {
        format!(
            "the run stopped in month {}: {} ({})",
            self.month,
            self.quantity(),
            self.detail()
        )
    }
}
