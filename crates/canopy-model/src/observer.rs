//! What a run tells whoever watches it: its [`Event`]s, and the
//! [`Observer`] that hears them, a month's end and (when asked) every
//! contribution.

use std::ops::ControlFlow;

use crate::oak::Irr;
use crate::record::MonthRecord;
use crate::state::State;
use crate::tvl::Contribution;

/// Something worth a line in the run's log.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A deal's first month.
    DealStarts {
        /// The deal: its index in `Scenario::deals`.
        deal: usize,
    },
    /// A recurring contract was added.
    RecurringContract {
        /// Its amount, USD.
        amount: f64,
    },
    /// The month's price.
    Price {
        /// LEAF price.
        price: f64,
        /// Impact taken from last month's flow.
        impact: f64,
        /// The pairs' USD liquidity read before pricing.
        liquidity: f64,
    },
    /// AEGIS sold LEAF to pairs below target.
    LeafSold {
        /// LEAF sold.
        leaf: f64,
        /// LEAF the pairs needed (more than `leaf` when AEGIS ran short).
        needed: f64,
        /// Price.
        price: f64,
    },
    /// AEGIS bought LEAF from pairs above target.
    LeafBought {
        /// LEAF bought.
        leaf: f64,
        /// LEAF offered (more than `leaf` when AEGIS's USDC ran short).
        offered: f64,
        /// Price.
        price: f64,
    },
    /// Revenue paid into AEGIS.
    RevenueIn {
        /// USDC.
        usdc: f64,
    },
    /// A pair's deal ended and its balances left.
    PairWithdrawn {
        /// The deal: its index in `Scenario::deals`.
        deal: usize,
        /// LEAF withdrawn.
        leaf: f64,
        /// USDC withdrawn.
        usdc: f64,
    },
    /// A deal's OAK allocation was distributed.
    OakDistributed {
        /// The deal: its index in `Scenario::deals`.
        deal: usize,
        /// OAK.
        amount: f64,
    },
    /// A holder redeemed: a whole request, or the part of one that the
    /// month's limit let through (from the queue, or as it was made).
    Redemption {
        /// The deal: its index in `Scenario::deals`.
        deal: usize,
        /// OAK redeemed.
        amount: f64,
        /// The month's IRR rule.
        irr: Irr,
        /// The holder's threshold this month.
        threshold: f64,
        /// USDC paid.
        usdc: f64,
        /// LEAF paid.
        leaf: f64,
        /// The month the request was made, when this was served from the
        /// queue (`None`: served as it was made).
        queued_since: Option<u32>,
        /// AEGIS's value before the month's payouts (the IRR's), USD.
        aegis_value: f64,
    },
    /// A holder's request, or what the month's limit left of it, joined
    /// the redemption queue.
    RedemptionQueued {
        /// The deal: its index in `Scenario::deals`.
        deal: usize,
        /// OAK that joined the queue.
        amount: f64,
        /// OAK the holder asked for (`amount` and what was served at once).
        requested: f64,
        /// The month's IRR rule.
        irr: Irr,
        /// The holder's threshold this month.
        threshold: f64,
    },
    /// The month's market flow against the pairs.
    MarketFlow {
        /// USD the market wanted to trade (buys positive).
        wanted: f64,
        /// USD the pairs could fill.
        executed: f64,
        /// Depth the flow traded against.
        depth: f64,
    },
}

/// Watches a run as it goes; every method does nothing unless overridden.
///
/// The trait is object safe: `&mut dyn Observer` is an observer too.
pub trait Observer {
    /// Whether [`Observer::contribution`] is to be called (a pass over every
    /// contribution each month, skipped when nobody listens). Asked once
    /// per run by [`crate::run_observed`] and once per month by
    /// [`crate::Simulation::step_observed`], never per contribution.
    fn wants_contributions(&self) -> bool {
        false
    }

    /// An event in month `month`.
    fn event(&mut self, _month: u32, _event: &Event) {}

    /// A contribution active in `month`, with its TVL and revenue; called
    /// only when [`Observer::wants_contributions`] is true.
    fn contribution(&mut self, _month: u32, _c: &Contribution, _amount: f64, _revenue: f64) {}

    /// The end of a month that passed every check: its record, and the
    /// state after it. `Break` stops the run after this month (the month
    /// is kept).
    fn month_end(&mut self, _record: &MonthRecord, _state: &State<'_>) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

/// An observer behind a mutable reference (`&mut dyn Observer` included).
impl<O: Observer + ?Sized> Observer for &mut O {
    fn wants_contributions(&self) -> bool {
        (**self).wants_contributions()
    }

    fn event(&mut self, month: u32, event: &Event) {
        (**self).event(month, event);
    }

    fn contribution(&mut self, month: u32, c: &Contribution, amount: f64, revenue: f64) {
        (**self).contribution(month, c, amount, revenue);
    }

    fn month_end(&mut self, record: &MonthRecord, state: &State<'_>) -> ControlFlow<()> {
        (**self).month_end(record, state)
    }
}

/// Two observers watching the same run; either may stop it (both still see
/// the month's end).
impl<A: Observer, B: Observer> Observer for (A, B) {
    fn wants_contributions(&self) -> bool {
        self.0.wants_contributions() || self.1.wants_contributions()
    }

    fn event(&mut self, month: u32, event: &Event) {
        self.0.event(month, event);
        self.1.event(month, event);
    }

    fn contribution(&mut self, month: u32, c: &Contribution, amount: f64, revenue: f64) {
        self.0.contribution(month, c, amount, revenue);
        self.1.contribution(month, c, amount, revenue);
    }

    fn month_end(&mut self, record: &MonthRecord, state: &State<'_>) -> ControlFlow<()> {
        let a = self.0.month_end(record, state);
        let b = self.1.month_end(record, state);
        if a.is_break() || b.is_break() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {}

/// An observer that stops a run at the first month's end at which `stop`
/// says so, and remembers that it did (a run it stopped is cut short, not
/// finished). `stop` is meant to stay true once it is.
pub struct Until<'a> {
    stop: &'a (dyn Fn() -> bool + Sync),
    stopped: bool,
}

impl<'a> Until<'a> {
    /// Watches for `stop`.
    pub fn new(stop: &'a (dyn Fn() -> bool + Sync)) -> Until<'a> {
        Until {
            stop,
            stopped: false,
        }
    }

    /// Whether it stopped the run.
    pub fn stopped(&self) -> bool {
        self.stopped
    }
}

impl Observer for Until<'_> {
    fn month_end(&mut self, _record: &MonthRecord, _state: &State<'_>) -> ControlFlow<()> {
        if (self.stop)() {
            self.stopped = true;
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}
