//! The whole model between two months ([`State`]) and the step from one
//! month to the next, in the seed's order.

use std::mem::MaybeUninit;
use std::sync::Arc;

use crate::activity::DealSpan;
use crate::aegis::Aegis;
use crate::failure::Failure;
use crate::invariants::{self, Balances, Ledger};
use crate::leaf_pairs::{Held, LeafPairs};
use crate::market;
use crate::oak::{Oak, Outcome};
use crate::observer::{Event, Observer};
use crate::order::share;
use crate::price::Price;
use crate::random::ShockStream;
use crate::record::{MonthRecord, ValueParts};
use crate::revenue::{self, RateAdjustments};
use crate::scenario::{Scenario, TvlKind, ValidScenario};
use crate::tvl::{TvlBook, TwinTables};

/// The scenario a state reads: borrowed by the one-call runs (no copy),
/// shared by a [`crate::Simulation`] (which must own what it reads).
#[derive(Clone, Debug)]
pub(crate) enum ScenarioRef<'s> {
    Borrowed(&'s ValidScenario),
    Shared(Arc<ValidScenario>),
}

impl ScenarioRef<'_> {
    pub(crate) fn valid(&self) -> &ValidScenario {
        match self {
            ScenarioRef::Borrowed(s) => s,
            ScenarioRef::Shared(s) => s,
        }
    }

    pub(crate) fn scenario(&self) -> &Scenario {
        self.valid().scenario()
    }
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
        if !d.enabled {
            continue;
        }
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

/// What every run of a scenario starts from, whatever its seed: worked out
/// once, kept by the [`ValidScenario`], and copied by each run.
#[derive(Clone, Debug)]
pub(crate) struct Start {
    tvl: TvlBook,
    pairs: LeafPairs,
    oak: Oak,
    price: Price,
    rates: RateAdjustments,
    active_deals: Arc<[u32]>,
    deal_starts: Arc<[(u32, usize)]>,
    market_demand: Option<Arc<[f64]>>,
    oak_allocated: f64,
}

impl Start {
    /// The start of `s`, which differs from this start's scenario only in
    /// keys that reach no further than the price, the revenue rates and
    /// the market's demand ([`crate::scenario::validate`]'s
    /// `StartReach::Price`): those worked out again, the rest shared.
    pub(crate) fn with_price_of(&self, s: &Scenario) -> Start {
        Start {
            price: Price::new(&s.leaf_price),
            rates: RateAdjustments::new(s),
            market_demand: market::demand_by_month(&s.market, s.simulation.months),
            ..self.clone()
        }
    }

    /// The start of every run of `s`, its twins' tables `twins`.
    pub(crate) fn of(s: &Scenario, twins: Arc<TwinTables>) -> Start {
        let oak = Oak::new(s);
        let oak_allocated = oak.holders().iter().map(|h| h.amount).sum();
        let active_deals = active_deals_by_month(s, &oak).into();
        let mut deal_starts: Vec<(u32, usize)> = s
            .deals
            .iter()
            .enumerate()
            .filter(|(_, d)| d.enabled)
            .map(|(i, d)| (d.start_month, i))
            .collect();
        // By month; deals of the same month stay in deal order.
        deal_starts.sort_by_key(|&(start, _)| start);
        Start {
            tvl: TvlBook::with_twins(s, twins).with_months(s.simulation.months),
            pairs: LeafPairs::new(s),
            oak,
            price: Price::new(&s.leaf_price),
            rates: RateAdjustments::new(s),
            active_deals,
            deal_starts: deal_starts.into(),
            market_demand: market::demand_by_month(&s.market, s.simulation.months),
            oak_allocated,
        }
    }
}

/// The whole model between two months.
#[derive(Clone, Debug)]
pub struct State<'s> {
    scenario: ScenarioRef<'s>,
    tvl: TvlBook,
    pairs: LeafPairs,
    aegis: Aegis,
    oak: Oak,
    ledger: Ledger,
    price: Price,
    rates: RateAdjustments,
    shocks: ShockStream,
    /// `active_deals` by month.
    active_deals: Arc<[u32]>,
    /// (start month, deal) of every deal, in order of start.
    deal_starts: Arc<[(u32, usize)]>,
    /// The first of `deal_starts` not yet told.
    next_start: usize,
    /// The market's demand by month (index: the month - 1), where market
    /// flows are on.
    market_demand: Option<Arc<[f64]>>,
    /// OAK allocated to deals (fixed for the run).
    oak_allocated: f64,
    month: u32,
    revenue_cumulative: f64,
}

impl<'s> State<'s> {
    pub(crate) fn new(scenario: ScenarioRef<'s>) -> Self {
        let seed = scenario.scenario().simulation.seed;
        State::seeded(scenario, seed)
    }

    /// The state before month 1, its random draws seeded with `seed`: the
    /// scenario's [`Start`], worked out by its first run.
    pub(crate) fn seeded(scenario: ScenarioRef<'s>, seed: u64) -> Self {
        let start = scenario.valid().start();
        let s = scenario.scenario();
        State {
            tvl: start.tvl.clone(),
            pairs: start.pairs.clone(),
            aegis: Aegis {
                leaf: s.aegis.initial_leaf,
                usdc: s.aegis.initial_usdc,
            },
            oak: start.oak.clone(),
            ledger: Ledger::default(),
            price: start.price.clone(),
            rates: start.rates.clone(),
            shocks: ShockStream::new(seed, s.is_random()),
            active_deals: Arc::clone(&start.active_deals),
            deal_starts: Arc::clone(&start.deal_starts),
            next_start: 0,
            market_demand: start.market_demand.clone(),
            oak_allocated: start.oak_allocated,
            month: 0,
            revenue_cumulative: 0.0,
            scenario,
        }
    }

    /// Makes this state what [`State::seeded`] gives for `scenario` and
    /// `seed`, in the memory it has: a worker that keeps one state from run
    /// to run allocates nothing after its first run, and touches no shared
    /// count while the scenario stays the same.
    pub(crate) fn restart(&mut self, scenario: ScenarioRef<'s>, seed: u64) {
        let start = scenario.valid().start();
        let s = scenario.scenario();
        // Every field named: one added must be restarted here too.
        let State {
            scenario: _,
            tvl,
            pairs,
            aegis,
            oak,
            ledger,
            price,
            rates,
            shocks,
            active_deals,
            deal_starts,
            next_start,
            market_demand,
            oak_allocated,
            month,
            revenue_cumulative,
        } = self;
        tvl.restart_from(&start.tvl);
        pairs.restart_from(&start.pairs);
        *aegis = Aegis {
            leaf: s.aegis.initial_leaf,
            usdc: s.aegis.initial_usdc,
        };
        oak.restart_from(&start.oak);
        *ledger = Ledger::default();
        price.clone_from(&start.price);
        rates.clone_from(&start.rates);
        *shocks = ShockStream::new(seed, s.is_random());
        share(active_deals, &start.active_deals);
        share(deal_starts, &start.deal_starts);
        *next_start = 0;
        match (market_demand.as_mut(), start.market_demand.as_ref()) {
            (Some(mine), Some(theirs)) => share(mine, theirs),
            _ => *market_demand = start.market_demand.clone(),
        }
        *oak_allocated = start.oak_allocated;
        *month = 0;
        *revenue_cumulative = 0.0;
        self.scenario = scenario;
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        self.scenario.scenario()
    }

    /// The last month simulated (0 before the first).
    pub fn current_month(&self) -> u32 {
        self.month
    }

    /// TVL contributions.
    pub fn tvl(&self) -> &TvlBook {
        &self.tvl
    }

    /// The pairs.
    pub fn pairs(&self) -> &LeafPairs {
        &self.pairs
    }

    /// The treasury.
    pub fn aegis(&self) -> &Aegis {
        &self.aegis
    }

    /// OAK.
    pub fn oak(&self) -> &Oak {
        &self.oak
    }

    /// Cumulative flows across the boundary.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The treasury, to break an invariant on purpose in a test.
    #[cfg(test)]
    pub(crate) fn aegis_mut(&mut self) -> &mut Aegis {
        &mut self.aegis
    }

    /// The state a run of this state's scenario with deal `deal` disabled
    /// has after this state's month, where the deal has not started yet
    /// (its start month is after [`State::current_month`]). Nothing of a
    /// deal acts before its start month (its TVL, twin, pair and OAK count
    /// from it, its allocation is distributed in it or later), so the
    /// months' figures carry over as they are; what is worked out for the
    /// whole run from the deals (`active_deals` by month, the order of the
    /// starts, the OAK allocated, the TVL parts) is taken without the
    /// deal's part. The state still reads this scenario, in which the deal
    /// is enabled: stepping it never reads the deals again, so its months
    /// are those of a run of the scenario without the deal (which need not
    /// be built). `None` when the deal has started.
    pub(crate) fn without_deal(&self, deal: usize) -> Option<State<'s>> {
        let d = self.scenario().deals.get(deal)?;
        if d.start_month <= self.month || !d.enabled {
            return None;
        }
        let oak = self.oak.without_deal(deal, self.month);
        let mut active_deals = self.active_deals.to_vec();
        let distributed = (self.oak.holders().iter())
            .find(|h| h.deal == deal)
            .and_then(|h| self.oak.distribution_month(h))
            .filter(|&m| m <= self.scenario().simulation.months);
        let months = self.scenario().simulation.months;
        if let Some((first, last)) = DealSpan::of(d).active_months(distributed, months) {
            for a in &mut active_deals[first as usize..=last as usize] {
                *a -= 1;
            }
        }
        let deal_starts: Arc<[(u32, usize)]> = (self.deal_starts.iter())
            .filter(|&&(_, i)| i != deal)
            .copied()
            .collect();
        let next_start = deal_starts.partition_point(|&(start, _)| start <= self.month);
        Some(State {
            scenario: self.scenario.clone(),
            tvl: self.tvl.without_deal(deal),
            pairs: self.pairs.without_deal(deal),
            aegis: self.aegis.clone(),
            oak_allocated: oak.holders().iter().map(|h| h.amount).sum(),
            oak,
            ledger: self.ledger.clone(),
            price: self.price.clone(),
            rates: self.rates.clone(),
            shocks: self.shocks.clone(),
            active_deals: active_deals.into(),
            deal_starts,
            next_start,
            market_demand: self.market_demand.clone(),
            month: self.month,
            revenue_cumulative: self.revenue_cumulative,
        })
    }

    /// Simulates month `m`, writes its record into `slot` (whatever it
    /// held) and gives it back; an error names the quantity that failed.
    pub(crate) fn step<'r, O: Observer + ?Sized>(
        &mut self,
        m: u32,
        obs: &mut O,
        wants_contributions: bool,
        slot: &'r mut MaybeUninit<MonthRecord>,
    ) -> Result<&'r MonthRecord, Failure> {
        let s = self.scenario.scenario();
        self.month = m;
        let z = self.shocks.next_month();
        // The random factors first: each is an `exp`, a call that costs
        // the registers it clobbers, fewer now than later in the month.
        let price_shock = self.price.shock(z.z1);
        let chain_shock = self.tvl.chain_shock(z.z3);

        // 1. The month's recurring contract; TVL by kind.
        if let Some(amount) = self.tvl.add_recurring(m) {
            obs.event(m, &Event::RecurringContract { amount });
        }
        let month_tvl = self.tvl.step(m);
        let mut tvl = month_tvl.tvl;
        let chain = self
            .tvl
            .chain_step_shocked(m, chain_shock, tvl.iter().sum());
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

        // AEGIS at the start of the month, for what moved its value.
        let p0 = self.price_before();
        let leaf_start = self.aegis.leaf;
        let value_start = self.aegis.value(p0);

        // 3. The pairs' liquidity, at last month's price.
        self.pairs.open(m);
        let liquidity = self.pairs.usd_liquidity(m, p0);

        // 4. The month's LEAF price.
        let pm = self.price.step_shocked(price_shock);
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
        // USDC received minus paid, plus LEAF received minus given at p:
        // every trade is at p, so this is 0 up to rounding.
        let from_pairs = (rb.sold * p - rb.bought * p) + (rb.bought - rb.sold) * p;
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
        let rule = self.oak.rule(m, value_before, revenue_in);
        let value_per_oak_before = self.oak.value_per_oak(value_before);
        let (mut redeemed, mut usdc_out, mut leaf_out) = (0.0, 0.0, 0.0);
        self.oak
            .redeem(m, rule, &mut self.aegis, |outcome| match *outcome {
                Outcome::Paid(r) => {
                    redeemed += r.amount;
                    usdc_out += r.usdc;
                    leaf_out += r.leaf;
                    obs.event(
                        m,
                        &Event::Redemption {
                            deal: r.deal,
                            amount: r.amount,
                            irr: rule.irr(),
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
                        irr: rule.irr(),
                        threshold: q.threshold,
                    },
                ),
            });
        self.ledger.paid_usdc += usdc_out;
        self.ledger.paid_leaf += leaf_out;
        let market_flow = self.market_demand.as_ref().map(|demand| {
            let grown = (m
                .checked_sub(1)
                .and_then(|i| demand.get(i as usize))
                .copied())
            .unwrap_or_else(|| market::demand(&s.market, m));
            let wanted = market::flow(&s.market, grown, z.z2, leaf_out, p);
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
        let (pairs, held) = self.pairs.tally(m);
        let aegis_value = self.aegis.value(p);
        let record = slot.write(MonthRecord {
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
            irr: rule.recorded(),
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
            aegis_value_change: aegis_value - value_start,
            // Each part from its own flow, so that the check that they add
            // up catches a flow that none of them counts.
            aegis_from: ValueParts {
                revenue: revenue_in,
                pairs: from_pairs,
                // 0 - x, not -x: no payout is 0, not -0.
                oak: 0.0 - (usdc_out + leaf_out * p),
                price: leaf_start * (p - p0),
                other: 0.0,
            },
        });
        // Value per OAK just before and just after the month's payouts
        // (AEGIS is not touched between them and the record).
        let redemption_value_per_oak =
            (redeemed > 0.0 && !s.compat.redemptions_without_payout && self.oak.unredeemed() > 0.0)
                .then_some((value_per_oak_before, record.value_per_oak));
        self.check(record, held, redemption_value_per_oak)?;
        Ok(record)
    }

    /// The price of the month before (the initial price before month 1).
    fn price_before(&self) -> f64 {
        self.price.current()
    }

    /// The month's checks: every figure finite, the conservation sums and
    /// bounds on the balances after it (`held`, what the pairs hold), and
    /// the parts of AEGIS's value change. A month where all plainly hold
    /// (almost every month) is told by one quick test; any other is
    /// checked in full, in order, for the first failure.
    // The quick test inline in the month's step (a call of its own saved
    // and restored six registers a month); the full check is out of line.
    #[inline(always)]
    fn check(
        &self,
        record: &MonthRecord,
        held: Held,
        redemption_value_per_oak: Option<(f64, f64)>,
    ) -> Result<(), Failure> {
        let balances = self.balances(record, held, redemption_value_per_oak);
        let check_usdc = !self.scenario.scenario().compat.pair_purchase_mints_usdc;
        // `&`, not `&&`: one branch for the whole test.
        let plain = crate::record::all_finite(record)
            & invariants::hold_plainly(&balances, &self.ledger, check_usdc)
            & invariants::value_parts_add_up_plainly(
                record.aegis_value,
                record.aegis_value_change,
                &record.aegis_from,
            );
        if plain {
            Ok(())
        } else {
            self.check_fully(record, held, redemption_value_per_oak)
        }
    }

    /// [`State::check`] where the quick test says no: every check in turn.
    #[cold]
    #[inline(never)]
    fn check_fully(
        &self,
        record: &MonthRecord,
        held: Held,
        redemption_value_per_oak: Option<(f64, f64)>,
    ) -> Result<(), Failure> {
        if let Some(column) = record.first_non_finite() {
            return Err(Failure::NonFinite { column });
        }
        let balances = self.balances(record, held, redemption_value_per_oak);
        let check_usdc = !self.scenario.scenario().compat.pair_purchase_mints_usdc;
        if let Some(f) = invariants::check(&balances, &self.ledger, check_usdc) {
            return Err(f);
        }
        match invariants::check_value_parts(
            record.aegis_value,
            record.aegis_value_change,
            &record.aegis_from,
        ) {
            Some(f) => Err(f),
            None => Ok(()),
        }
    }

    /// The balances the month's invariants are checked on.
    #[inline]
    fn balances(
        &self,
        record: &MonthRecord,
        held: Held,
        redemption_value_per_oak: Option<(f64, f64)>,
    ) -> Balances {
        let s = self.scenario.scenario();
        Balances {
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
        }
    }
}
