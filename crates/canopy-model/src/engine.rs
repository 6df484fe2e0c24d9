//! The monthly loop, in the seed's order: [`Simulation`] steps it a month at
//! a time; [`run`] and [`run_observed`] run it whole.

use std::ops::ControlFlow;
use std::sync::Arc;

use crate::activity::DealSpan;
use crate::aegis::Aegis;
use crate::invariants::{self, Balances, Ledger};
use crate::leaf_pairs::LeafPairs;
use crate::market;
use crate::oak::{Irr, Oak, Outcome};
use crate::price::Price;
use crate::random::ShockStream;
use crate::record::MonthRecord;
use crate::revenue::{self, RateAdjustments};
use crate::scenario::{Scenario, TvlKind, ValidScenario};
use crate::tvl::{Contribution, TvlBook};

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
    /// per run by [`run_observed`] and once per month by
    /// [`Simulation::step_observed`], never per contribution.
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
}

/// Runs `s` and returns one record per month.
pub fn run(s: &ValidScenario) -> Result<Vec<MonthRecord>, RunError> {
    run_observed(s, &mut Silent)
}

/// Runs `s` as if its `simulation.seed` were `seed`: the same records as a
/// copy of `s` with that seed, without the copy (a sweep's runs at one
/// point differ only by their seed).
pub fn run_seeded(s: &ValidScenario, seed: u64) -> Result<Vec<MonthRecord>, RunError> {
    run_from(State::seeded(ScenarioRef::Borrowed(s), seed), &mut Silent)
}

/// Runs `s`, telling `obs` what happens. A run the observer stops (its
/// `month_end` returns `Break`) is not an error: it returns `Ok` with the
/// months up to and including the one it stopped in.
pub fn run_observed<O: Observer + ?Sized>(
    s: &ValidScenario,
    obs: &mut O,
) -> Result<Vec<MonthRecord>, RunError> {
    run_from(State::new(ScenarioRef::Borrowed(s)), obs)
}

fn run_from<O: Observer + ?Sized>(
    mut state: State<'_>,
    obs: &mut O,
) -> Result<Vec<MonthRecord>, RunError> {
    // Every month's record is written in its place (no copy), and the
    // months not simulated are cut off at the end.
    let months = state.scenario.scenario().simulation.months as usize;
    let mut records = Vec::with_capacity(months);
    records.resize_with(months, MonthRecord::default);
    // Asked once: the answer cannot change during a run worth watching.
    let wants = obs.wants_contributions();
    for i in 0..records.len() {
        let m = i as u32 + 1;
        if let Err(failure) = state.step(m, obs, wants, &mut records[i]) {
            records.truncate(i);
            return Err(RunError {
                month: m,
                failure,
                records,
            });
        }
        if obs.month_end(&records[i], &state).is_break() {
            records.truncate(i + 1);
            break;
        }
    }
    Ok(records)
}

/// A run that owns its scenario and advances one month per
/// [`Simulation::step`]; it keeps no records (the caller does, if it wants
/// them), so its memory does not grow with the months. It is `Clone` (a
/// clone continues independently, with the same results) and `Send`.
#[derive(Clone, Debug)]
pub struct Simulation {
    state: State<'static>,
    /// No more months: all were simulated, one failed, or an observer stopped.
    finished: bool,
    /// An observer stopped the run.
    stopped: bool,
}

impl Simulation {
    /// A run of `s`, before month 1.
    pub fn new(s: impl Into<Arc<ValidScenario>>) -> Self {
        Simulation {
            state: State::new(ScenarioRef::Shared(s.into())),
            finished: false,
            stopped: false,
        }
    }

    /// The state after the last month simulated.
    pub fn state(&self) -> &State<'static> {
        &self.state
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        self.state.scenario()
    }

    /// The last month simulated (0 before the first).
    pub fn month(&self) -> u32 {
        self.state.month
    }

    /// Whether no month is left to step: every month was simulated, one
    /// failed, or an observer stopped the run.
    pub fn is_finished(&self) -> bool {
        self.finished || self.state.month >= self.state.scenario().simulation.months
    }

    /// Whether an observer stopped the run.
    pub fn was_stopped(&self) -> bool {
        self.stopped
    }

    /// Simulates the next month: `Ok(None)` when no month is left,
    /// `Err` when the month failed (the failing month is then
    /// [`Simulation::month`], and the run is finished).
    pub fn step(&mut self) -> Result<Option<MonthRecord>, Failure> {
        self.step_observed(&mut Silent)
    }

    /// As [`Simulation::step`], telling `obs` what happens; when its
    /// `month_end` returns `Break` the month's record is still returned and
    /// the run is finished ([`Simulation::was_stopped`] is then true).
    pub fn step_observed<O: Observer + ?Sized>(
        &mut self,
        obs: &mut O,
    ) -> Result<Option<MonthRecord>, Failure> {
        if self.is_finished() {
            return Ok(None);
        }
        let m = self.state.month + 1;
        let wants = obs.wants_contributions();
        let mut record = MonthRecord::default();
        match self.state.step(m, obs, wants, &mut record) {
            Ok(()) => {
                if obs.month_end(&record, &self.state).is_break() {
                    self.finished = true;
                    self.stopped = true;
                }
                Ok(Some(record))
            }
            Err(f) => {
                self.finished = true;
                Err(f)
            }
        }
    }

    /// Steps every month left, telling `obs`; the records of those months,
    /// or the failure with the records before it (as [`run_observed`]).
    pub fn run_observed<O: Observer + ?Sized>(
        &mut self,
        obs: &mut O,
    ) -> Result<Vec<MonthRecord>, RunError> {
        let mut records = Vec::new();
        loop {
            match self.step_observed(obs) {
                Ok(Some(r)) => records.push(r),
                Ok(None) => return Ok(records),
                Err(failure) => {
                    return Err(RunError {
                        month: self.month(),
                        failure,
                        records,
                    });
                }
            }
        }
    }
}

/// The scenario a state reads: borrowed by the one-call runs (no copy),
/// shared by a [`Simulation`] (which must own what it reads).
#[derive(Clone, Debug)]
enum ScenarioRef<'s> {
    Borrowed(&'s ValidScenario),
    Shared(Arc<ValidScenario>),
}

impl ScenarioRef<'_> {
    fn valid(&self) -> &ValidScenario {
        match self {
            ScenarioRef::Borrowed(s) => s,
            ScenarioRef::Shared(s) => s,
        }
    }

    fn scenario(&self) -> &Scenario {
        self.valid().scenario()
    }
}

/// Whether any draw can change a number: otherwise drawing is skipped, which
/// cannot change any result.
fn uses_randomness(s: &Scenario) -> bool {
    (s.leaf_price.model == crate::scenario::PriceModel::Market && s.leaf_price.volatility > 0.0)
        || (s.market.enabled() && s.market.demand_noise_usd > 0.0)
        || (s.tvl.market.enabled && s.tvl.market.volatility > 0.0)
}

/// `active_deals` of every month of `s` (index: the month): each deal is
/// active from its start to a month known in advance, since its OAK is
/// distributed in a month known in advance.
fn active_deals_by_month(s: &Scenario, oak: &Oak) -> Vec<u32> {
    let months = s.simulation.months;
    let mut distributed_in: Vec<Option<u32>> = vec![None; s.deals.len()];
    for h in oak.holders() {
        distributed_in[h.deal] = oak.distribution_month(h).filter(|&d| d <= months);
    }
    // +1 from each deal's first active month, -1 after its last.
    let mut change = vec![0i64; months as usize + 2];
    for (d, distributed) in s.deals.iter().zip(distributed_in) {
        if let Some((first, last)) = DealSpan::of(d).active_months(distributed, months) {
            change[first as usize] += 1;
            change[last as usize + 1] -= 1;
        }
    }
    let mut active = 0;
    change
        .iter()
        .map(|c| {
            active += c;
            active as u32
        })
        .collect()
}

/// The whole model between two months.
#[derive(Clone, Debug)]
pub struct State<'s> {
    scenario: ScenarioRef<'s>,
    /// TVL contributions.
    pub tvl: TvlBook,
    /// The pairs.
    pub pairs: LeafPairs,
    /// The treasury.
    pub aegis: Aegis,
    /// OAK.
    pub oak: Oak,
    /// Cumulative flows across the boundary.
    pub ledger: Ledger,
    price: Price,
    rates: RateAdjustments,
    shocks: ShockStream,
    /// `active_deals` by month.
    active_deals: Vec<u32>,
    /// (start month, deal) of every deal, in order of start.
    deal_starts: Vec<(u32, usize)>,
    /// The first of `deal_starts` not yet told.
    next_start: usize,
    /// Whether market flows are on.
    market_flows: bool,
    /// OAK allocated to deals (fixed for the run).
    oak_allocated: f64,
    month: u32,
    revenue_cumulative: f64,
}

impl<'s> State<'s> {
    fn new(scenario: ScenarioRef<'s>) -> Self {
        let seed = scenario.scenario().simulation.seed;
        State::seeded(scenario, seed)
    }

    /// The state before month 1, its random draws seeded with `seed`.
    fn seeded(scenario: ScenarioRef<'s>, seed: u64) -> Self {
        let s = scenario.scenario();
        let oak = Oak::new(s);
        let oak_allocated = oak.holders().iter().map(|h| h.amount).sum();
        let active_deals = active_deals_by_month(s, &oak);
        let mut deal_starts: Vec<(u32, usize)> = s
            .deals
            .iter()
            .enumerate()
            .map(|(i, d)| (d.start_month, i))
            .collect();
        // By month; deals of the same month stay in deal order.
        deal_starts.sort_by_key(|&(start, _)| start);
        State {
            tvl: TvlBook::with_twins(s, scenario.valid().twin_tables()),
            pairs: LeafPairs::new(s),
            aegis: Aegis {
                leaf: s.aegis.initial_leaf,
                usdc: s.aegis.initial_usdc,
            },
            oak,
            ledger: Ledger::default(),
            price: Price::new(&s.leaf_price),
            rates: RateAdjustments::new(s),
            shocks: ShockStream::new(seed, uses_randomness(s)),
            active_deals,
            deal_starts,
            next_start: 0,
            market_flows: s.market.enabled(),
            oak_allocated,
            month: 0,
            revenue_cumulative: 0.0,
            scenario,
        }
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        self.scenario.scenario()
    }

    /// The last month simulated (0 before the first).
    pub fn current_month(&self) -> u32 {
        self.month
    }

    /// Simulates month `m` and writes its record into `record`; an error
    /// names the quantity that failed.
    fn step<O: Observer + ?Sized>(
        &mut self,
        m: u32,
        obs: &mut O,
        wants_contributions: bool,
        record: &mut MonthRecord,
    ) -> Result<(), Failure> {
        let s = self.scenario.scenario();
        self.month = m;
        let z = self.shocks.next_month();

        // 1. The month's recurring contract; TVL by kind.
        if let Some(amount) = self.tvl.add_recurring(m) {
            obs.event(m, &Event::RecurringContract { amount });
        }
        let month_tvl = self.tvl.step(m);
        let mut tvl = month_tvl.tvl;
        let chain = self.tvl.chain_step(m, z.z3, tvl.iter().sum());
        if let Some(c) = &chain {
            tvl[TvlKind::Organic.index()] += c.organic;
        }

        // 2. The active deals.
        let active_deals = self.active_deals[m as usize];
        while let Some(&(start, deal)) = self.deal_starts.get(self.next_start) {
            if start > m {
                break;
            }
            self.next_start += 1;
            obs.event(m, &Event::DealStarts { deal });
        }

        // 3. The pairs' liquidity, at last month's price.
        let liquidity = self.pairs.usd_liquidity(m, self.price_before());

        // 4. The month's LEAF price.
        let pm = self.price.step(z.z1);
        let p = pm.price;
        obs.event(
            m,
            &Event::Price {
                price: p,
                impact: pm.impact,
                liquidity,
            },
        );

        // Revenue is needed by step 6, so it is computed here.
        let mult = self.rates.multipliers(m, p);
        let mut rev = revenue::adjust(&month_tvl.base_revenue, &mult);
        if wants_contributions {
            for c in self.tvl.contributions().filter(|c| c.active(m)) {
                let (amount, base_revenue) = self.tvl.month_of(&c, m);
                obs.contribution(m, &c, amount, base_revenue * mult[c.kind.index()]);
            }
        }
        if let Some(c) = &chain {
            rev[TvlKind::Organic.index()] += revenue::chain_organic(c.organic, s, &mult);
        }
        let revenue_total: f64 = rev.iter().sum();

        // 5. Rebalance the pairs against AEGIS.
        let rb = self.pairs.rebalance(m, p, &mut self.aegis);
        if rb.needed > 0.0 {
            obs.event(
                m,
                &Event::LeafSold {
                    leaf: rb.sold,
                    needed: rb.needed,
                    price: p,
                },
            );
        }
        if rb.offered > 0.0 {
            obs.event(
                m,
                &Event::LeafBought {
                    leaf: rb.bought,
                    offered: rb.offered,
                    price: p,
                },
            );
        }

        // 6. AEGIS takes its share of revenue; expired pairs leave.
        let revenue_in = s.aegis.revenue_share * revenue_total;
        self.aegis.receive(revenue_in);
        self.ledger.revenue_in += revenue_in;
        if revenue_in > 0.0 {
            obs.event(m, &Event::RevenueIn { usdc: revenue_in });
        }
        let (withdrawn_leaf, withdrawn_usdc) = self.pairs.expire(m, |x| {
            obs.event(
                m,
                &Event::PairWithdrawn {
                    deal: x.deal,
                    leaf: x.leaf,
                    usdc: x.usdc,
                },
            )
        });
        self.ledger.withdrawn_leaf += withdrawn_leaf;
        self.ledger.withdrawn_usdc += withdrawn_usdc;

        // 7. OAK: distributions, then IRR and redemptions; then the market.
        self.oak.distribute(m, |h| {
            obs.event(
                m,
                &Event::OakDistributed {
                    deal: h.deal,
                    amount: h.amount,
                },
            )
        });
        // The IRR once, before any payout of the month.
        let value_before = self.aegis.value(p);
        let irr = self.oak.irr(m, value_before, revenue_in);
        let value_per_oak_before = self.oak.value_per_oak(value_before);
        let (mut redeemed, mut usdc_out, mut leaf_out) = (0.0, 0.0, 0.0);
        self.oak
            .redeem(m, irr, &mut self.aegis, |outcome| match *outcome {
                Outcome::Paid(r) => {
                    redeemed += r.amount;
                    usdc_out += r.usdc;
                    leaf_out += r.leaf;
                    obs.event(
                        m,
                        &Event::Redemption {
                            deal: r.deal,
                            amount: r.amount,
                            irr,
                            threshold: r.threshold,
                            usdc: r.usdc,
                            leaf: r.leaf,
                            queued_since: r.queued_since,
                            aegis_value: value_before,
                        },
                    )
                }
                Outcome::Queued(q) => obs.event(
                    m,
                    &Event::RedemptionQueued {
                        deal: q.deal,
                        amount: q.amount,
                        requested: q.requested,
                        irr,
                        threshold: q.threshold,
                    },
                ),
            });
        self.ledger.paid_usdc += usdc_out;
        self.ledger.paid_leaf += leaf_out;
        let market_flow = self.market_flows.then(|| {
            let wanted = market::flow(&s.market, m, z.z2, leaf_out, p);
            let fill = self.pairs.trade(m, p, wanted);
            self.price.record_flow(fill.executed, fill.depth);
            self.ledger.market_leaf_in += fill.leaf_in;
            self.ledger.market_usdc_in += fill.usdc_in;
            obs.event(
                m,
                &Event::MarketFlow {
                    wanted,
                    executed: fill.executed,
                    depth: fill.depth,
                },
            );
            fill.executed
        });

        // 8. The month's record.
        self.revenue_cumulative += revenue_total;
        let pairs = self.pairs.totals(m);
        let aegis_value = self.aegis.value(p);
        *record = MonthRecord {
            month: m,
            leaf_price: p,
            tvl,
            revenue: rev,
            revenue_cumulative: self.revenue_cumulative,
            aegis_leaf: self.aegis.leaf,
            aegis_usdc: self.aegis.usdc,
            pairs_active: pairs.count,
            pairs_leaf: pairs.leaf,
            pairs_usdc: pairs.usdc,
            oak_distributed: self.oak.distributed,
            oak_redeemed: self.oak.redeemed,
            oak_unredeemed: self.oak.unredeemed(),
            value_per_oak: self.oak.value_per_oak(aegis_value),
            irr: irr.recorded(),
            aegis_value,
            pairs_value: pairs.leaf * p + pairs.usdc,
            aegis_leaf_sold: rb.sold - rb.bought,
            aegis_revenue_in: revenue_in,
            oak_redeemed_month: redeemed,
            redemption_usdc_out: usdc_out,
            redemption_leaf_out: leaf_out,
            pairs_withdrawn_leaf: withdrawn_leaf,
            pairs_withdrawn_usdc: withdrawn_usdc,
            irr_threshold_weighted: self.oak.threshold_weighted(m),
            active_deals,
            market_flow_usd: market_flow,
            price_impact: self.price.is_market().then_some(pm.impact),
            chain_tvl: chain.map(|c| c.chain_tvl),
            market_share: chain.map(|c| c.market_share),
            oak_queued: s.oak.rate_limited().then(|| self.oak.queued()),
        };
        // Value per OAK just before and just after the month's payouts
        // (AEGIS is not touched between them and the record).
        let redemption_value_per_oak =
            (redeemed > 0.0 && !s.compat.redemptions_without_payout && self.oak.unredeemed() > 0.0)
                .then_some((value_per_oak_before, record.value_per_oak));
        self.check(m, record, redemption_value_per_oak)
    }

    /// The price of the month before (the initial price before month 1).
    fn price_before(&self) -> f64 {
        self.price.current()
    }

    fn check(
        &self,
        m: u32,
        record: &MonthRecord,
        redemption_value_per_oak: Option<(f64, f64)>,
    ) -> Result<(), Failure> {
        if let Some(column) = record.first_non_finite() {
            return Err(Failure::NonFinite { column });
        }
        let s = self.scenario.scenario();
        let held = self.pairs.held(m);
        let balances = Balances {
            aegis_leaf: self.aegis.leaf,
            aegis_usdc: self.aegis.usdc,
            pairs_leaf: held.leaf,
            pairs_usdc: held.usdc,
            pairs_min: held.min,
            initial_aegis_leaf: s.aegis.initial_leaf,
            initial_aegis_usdc: s.aegis.initial_usdc,
            initial_pairs_leaf: held.initial_leaf,
            initial_pairs_usdc: held.initial_usdc,
            oak_distributed: self.oak.distributed,
            oak_allocated: self.oak_allocated,
            oak_supply: s.oak.total_supply,
            oak_redeemed: self.oak.redeemed,
            oak_redeemed_month: record.oak_redeemed_month,
            oak_month_limit: self.oak.month_limit(),
            oak_queued: self.oak.queued(),
            redemption_value_per_oak,
        };
        match invariants::check(&balances, &self.ledger, !s.compat.pair_purchase_mints_usdc) {
            Some(f) => Err(f),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{builtin, load};

    fn default() -> ValidScenario {
        load("default", builtin::text("default").unwrap(), &[]).unwrap()
    }

    #[test]
    fn leaf_from_nowhere_breaks_conservation_with_its_numbers() {
        let mut sim = Simulation::new(default());
        sim.step().unwrap().unwrap();
        // A million LEAF appear in AEGIS between two months (beyond the
        // tolerance: 1e-6 of its billion).
        sim.state.aegis.leaf += 1e6;
        let f = sim.step().unwrap_err();
        let Failure::LeafConservation { have, want } = f else {
            panic!("{f:?}");
        };
        assert!((have - want - 1e6).abs() < 1e-3, "{have} {want}");
        assert!(
            f.to_string()
                .starts_with("LEAF conservation: AEGIS + pairs + withdrawn + paid out = "),
            "{f}"
        );
        assert_eq!(f.quantity(), "LEAF conservation");
        assert_eq!(sim.month(), 2);
    }

    #[test]
    fn usdc_taken_out_of_aegis_breaks_usdc_conservation() {
        let mut sim = Simulation::new(default());
        sim.step().unwrap().unwrap();
        sim.state.aegis.usdc -= 5e6;
        let f = sim.step().unwrap_err();
        let Failure::UsdcConservation { have, want } = f else {
            panic!("{f:?}");
        };
        assert!((want - have - 5e6).abs() < 1.0, "{have} {want}");
    }

    #[test]
    fn a_failed_run_keeps_the_months_before_in_run_error() {
        let mut sim = Simulation::new(default());
        for _ in 0..3 {
            sim.step().unwrap().unwrap();
        }
        sim.state.aegis.leaf += 1e6;
        let e = sim.run_observed(&mut Silent).unwrap_err();
        assert_eq!(e.month, 4);
        assert!(
            e.records.is_empty(),
            "the months stepped before are the caller's"
        );
        assert!(
            e.to_string().starts_with("month 4: LEAF conservation: "),
            "{e}"
        );
        assert_eq!(e.quantity(), "LEAF conservation");
        assert!(e.detail().starts_with("AEGIS + pairs"), "{}", e.detail());
    }
}
