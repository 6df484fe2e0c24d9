//! TVL contributions: deals, organic twins, recurring contracts, decay, and
//! the chain-driven organic TVL of the `tvl.market` model.

use std::sync::Arc;

use crate::order::{by_start, share};
use crate::revenue;
use crate::scenario::{ChainTvl, Scenario, TvlKind};

/// Where a contribution came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The `tvl` part of the deal at this index.
    Deal(usize),
    /// The recurring contract added in this month.
    Recurring(u32),
}

/// One block of TVL earning revenue over a span of months.
#[derive(Clone, Debug, PartialEq)]
pub struct Contribution {
    /// Its kind.
    pub kind: TvlKind,
    /// USD at its start.
    pub amount: f64,
    /// Annual revenue rate.
    pub rate: f64,
    /// First month.
    pub start: u32,
    /// First month after its end (exclusive).
    pub end: u32,
    /// Monthly decay of the amount.
    pub decay: f64,
    /// What it came from.
    pub source: Source,
    /// True for the organic twin of a contracted contribution.
    pub twin: bool,
}

impl Contribution {
    /// Whether it counts in month `m`.
    pub fn active(&self, m: u32) -> bool {
        self.start <= m && m < self.end
    }

    /// Its amount in month `m`, after decay.
    pub fn amount_in(&self, m: u32) -> f64 {
        if self.decay == 0.0 {
            self.amount
        } else {
            // `powf`, like the original's `**`: `powi` differs in the last bit.
            self.amount * (1.0 - self.decay).powf(f64::from(m - self.start))
        }
    }
}

/// TVL and revenue before rate adjustments, by kind, in one month.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TvlMonth {
    /// TVL by kind.
    pub tvl: [f64; 4],
    /// Revenue by kind before rate adjustments.
    pub base_revenue: [f64; 4],
}

/// The chain's TVL and Canopy's share of it in one month.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChainMonth {
    /// Chain TVL, USD.
    pub chain_tvl: f64,
    /// Canopy's share of it.
    pub market_share: f64,
    /// Organic TVL the chain adds on top of the deals' TVL.
    pub organic: f64,
}

/// Chain TVL path: compounding yearly growth with optional volatility.
#[derive(Clone, Debug)]
struct Chain {
    params: Arc<ChainTvl>,
    /// Each month's growth factor and share (index: the month - 1), which
    /// depend on the month alone: worked out once per scenario rather than
    /// with a `pow` and an `exp` in every month of every run.
    by_month: Arc<[ChainFactors]>,
    tvl: f64,
}

/// What the chain model does in a month whatever the draws.
#[derive(Clone, Copy, Debug, PartialEq)]
struct ChainFactors {
    /// The month's growth factor, (1 + the year's rate)^(1/12).
    growth: f64,
    /// Canopy's share of the chain's TVL.
    share: f64,
}

impl ChainFactors {
    /// The factors of month `m` (from 1).
    fn of(p: &ChainTvl, m: u32) -> ChainFactors {
        let year = m.div_ceil(12) as usize;
        let g = p.growth_rates[(year.max(1) - 1).min(p.growth_rates.len() - 1)];
        ChainFactors {
            growth: (1.0 + g).powf(1.0 / 12.0),
            share: p.min_share
                + (p.initial_share - p.min_share) * (-p.share_decay * f64::from(m) / 12.0).exp(),
        }
    }
}

impl Chain {
    /// Makes this chain `start` again (see [`TvlBook::restart_from`]).
    fn restart_from(&mut self, start: &Chain) {
        let Chain {
            params,
            by_month,
            tvl,
        } = start;
        share(&mut self.params, params);
        share(&mut self.by_month, by_month);
        self.tvl = *tvl;
    }

    /// The chain of `p`, its factors worked out for months 1 to `months`.
    fn new(p: &ChainTvl, months: u32) -> Chain {
        Chain {
            by_month: (1..=months).map(|m| ChainFactors::of(p, m)).collect(),
            params: Arc::new(p.clone()),
            tvl: p.chain_initial,
        }
    }

    /// The month's random factor for its third normal draw `z3`.
    // Out of line and marked cold, as `step` is.
    #[cold]
    #[inline(never)]
    fn shock(&self, z3: f64) -> f64 {
        let vol = self.params.volatility;
        (vol * z3 - vol * vol / 2.0).exp()
    }

    // Out of line and marked cold: most scenarios have no chain model, and
    // its code inline would crowd the month's step for all of them (one
    // that has it pays a call a month, no more).
    #[cold]
    #[inline(never)]
    fn step(&mut self, m: u32, shock: f64) -> (f64, f64) {
        let f = match m.checked_sub(1).and_then(|i| self.by_month.get(i as usize)) {
            Some(&f) => f,
            None => ChainFactors::of(&self.params, m),
        };
        self.tvl *= f.growth * shock;
        (self.tvl, f.share)
    }
}

/// A deal's contribution (or its twin) as the monthly sum reads it.
#[derive(Clone, Copy, Debug)]
struct DealPart {
    kind: usize,
    start: u32,
    end: u32,
    amount: f64,
    rate: f64,
    /// amount x rate / 12, worked out once: the month's revenue unless it
    /// is a twin earning on its decayed amount.
    revenue: f64,
    twin: bool,
}

/// The deals' parts running in a month. The set changes only in the months
/// one starts or ends, when it is gathered again; between those, the parts
/// that do not decay add the same numbers every month.
#[derive(Clone, Debug, Default)]
struct Running {
    /// The month last stepped (0: none yet).
    month: u32,
    /// The first month after the last gathering in which a part starts or
    /// ends (0: to be gathered).
    until: u32,
    /// TVL and revenue of the running parts that do not decay, by kind.
    steady: TvlMonth,
}

/// The organic twins' TVL as a running total. They all decay at the same
/// rate, so a month's total is last month's, less the twins that ended,
/// decayed by one month, plus the twins born this month: no pass over them.
/// A month in which the twins that end hold more than half the total, or
/// stepped out of order, adds them up one by one instead. The running
/// total's rounding differs from the one-by-one sum's by about 1e-15
/// relative.
#[derive(Clone, Debug, Default)]
struct TwinTotal {
    /// Their TVL.
    tvl: f64,
    /// Their revenue before adjustments.
    revenue: f64,
    /// Their undecayed amounts (what they earn on under the
    /// `revenue_ignores_decay` quirk).
    undecayed: f64,
    /// How many are running: with none, the totals are exactly 0.
    count: u32,
}

/// The deals' twins born and ended in a month.
#[derive(Clone, Copy, Debug, Default)]
struct TwinChange {
    /// The amounts of those born.
    born: f64,
    /// How many were born.
    born_count: u32,
    /// The TVL the ended ones had the month before.
    ended_tvl: f64,
    /// The amounts of those ended.
    ended_amount: f64,
    /// How many ended.
    ended_count: u32,
}

/// The recurring contracts: one a month from `first` on, all alike, so none
/// is stored; those of month m are the ones started in its last `duration`
/// months, and their twins' figures depend on their age alone.
#[derive(Clone, Debug)]
struct Recurring {
    /// The month of the first.
    first: u32,
    amount: f64,
    rate: f64,
    /// amount x rate / 12.
    revenue: f64,
    duration: u32,
}

/// What the twins' tables are worked out from.
#[derive(Clone, Copy, Debug, PartialEq)]
struct TwinInputs {
    decay: f64,
    /// The number of ages a twin can reach within the run.
    ages: u32,
    /// A recurring contract's twin's amount, if there are such twins.
    recurring_amount: Option<f64>,
    rate: f64,
    ignore_decay: bool,
}

impl TwinInputs {
    fn of(s: &Scenario) -> TwinInputs {
        let rc = &s.tvl.recurring_contracts;
        let spawn_twins = !s.tvl.market.enabled;
        TwinInputs {
            decay: s.tvl.organic.decay_rate,
            // A twin is at most `months - 1` months old within the run.
            ages: s.tvl.organic.duration_months.min(s.simulation.months),
            recurring_amount: (spawn_twins && rc.amount != 0.0)
                .then_some(rc.amount * s.tvl.organic.conversion_ratio),
            rate: s.tvl.revenue_rates.organic,
            ignore_decay: s.compat.revenue_ignores_decay,
        }
    }
}

/// What the twins of every run of a scenario share, worked out once (a
/// `powf` per age was a tenth of a run): the decay factor by age, and a
/// recurring contract's twin's figures by age. A [`ValidScenario`] keeps
/// them for its runs.
///
/// [`ValidScenario`]: crate::ValidScenario
#[derive(Debug)]
pub(crate) struct TwinTables {
    /// (1 - decay)^k for the ages k (the same numbers `amount_in` uses).
    powers: Vec<f64>,
    /// A recurring contract's twin's TVL and revenue before adjustments,
    /// oldest age first (the order they are added in; empty without such
    /// twins): what the per-twin formula gives.
    recurring: Vec<(f64, f64)>,
}

impl TwinTables {
    /// The tables of scenario `s`.
    pub(crate) fn of(s: &Scenario) -> TwinTables {
        let inputs = TwinInputs::of(s);
        // `powf`, like the original's `**`: `powi` differs in the last bit.
        let powers: Vec<f64> = (0..inputs.ages)
            .map(|k| (1.0 - inputs.decay).powf(f64::from(k)))
            .collect();
        let recurring = match inputs.recurring_amount {
            Some(amount) => powers
                .iter()
                .rev()
                .map(|p| {
                    let tvl = amount * p;
                    let earning = if inputs.ignore_decay { amount } else { tvl };
                    (tvl, revenue::monthly(earning, inputs.rate))
                })
                .collect(),
            None => Vec::new(),
        };
        TwinTables { powers, recurring }
    }
}

/// All TVL contributions of a run.
#[derive(Clone, Debug)]
pub struct TvlBook {
    /// The deals' contributions, each twin after its deal (the order of the
    /// sums, which fixes their last bits).
    deals: Arc<[Contribution]>,
    /// The same, as the monthly sum reads them.
    parts: Arc<[DealPart]>,
    /// Indices of `parts` in order of their first month (then index): the
    /// order they join `started`.
    by_start: Arc<[usize]>,
    /// How many of `by_start` have joined `started`.
    joined: usize,
    /// The parts started by `gathered` that had not ended before it, in
    /// index order (the order of the sums): what a gathering visits, so
    /// that it costs what runs, not every deal of the run.
    started: Vec<usize>,
    /// The month of the last gathering (0: none yet).
    gathered: u32,
    running: Running,
    twin_total: TwinTotal,
    recurring: Option<Recurring>,
    /// The last month whose recurring contract was added (0: none yet).
    recurring_through: u32,
    twin_ratio: f64,
    twin_rate: f64,
    twin_decay: f64,
    twin_duration: u32,
    spawn_twins: bool,
    chain: Option<Chain>,
    /// Revenue on undecayed amounts (the original model's quirk).
    ignore_decay: bool,
    /// The twins' figures by age, computed once rather than per
    /// contribution and month.
    twins: Arc<TwinTables>,
    /// What a book stepped from month 1 gives in each month (index: the
    /// month - 1), worked out once per scenario: the deals' TVL depends on
    /// nothing random, so each run reads it rather than work it out.
    months: Option<Arc<[Stepped]>>,
}

/// One month of a book stepped from month 1: its figures, and its twins'
/// running total after it.
#[derive(Clone, Debug)]
struct Stepped {
    out: TvlMonth,
    twin_total: TwinTotal,
}

impl TvlBook {
    /// Makes this book `start` again, in the memory it has: the shared
    /// tables shared without touching their counts where they are already
    /// `start`'s, the lists copied into the room they have.
    pub(crate) fn restart_from(&mut self, start: &TvlBook) {
        // Every field named: one added must be restarted here too.
        let TvlBook {
            deals,
            parts,
            by_start,
            joined,
            started,
            gathered,
            running,
            twin_total,
            recurring,
            recurring_through,
            twin_ratio,
            twin_rate,
            twin_decay,
            twin_duration,
            spawn_twins,
            chain,
            ignore_decay,
            twins,
            months,
        } = start;
        share(&mut self.deals, deals);
        share(&mut self.parts, parts);
        share(&mut self.by_start, by_start);
        self.joined = *joined;
        self.started.clone_from(started);
        self.gathered = *gathered;
        self.running.clone_from(running);
        self.twin_total.clone_from(twin_total);
        self.recurring.clone_from(recurring);
        self.recurring_through = *recurring_through;
        self.twin_ratio = *twin_ratio;
        self.twin_rate = *twin_rate;
        self.twin_decay = *twin_decay;
        self.twin_duration = *twin_duration;
        self.spawn_twins = *spawn_twins;
        match (&mut self.chain, chain) {
            (Some(to), Some(from)) => to.restart_from(from),
            (to, from) => to.clone_from(from),
        }
        self.ignore_decay = *ignore_decay;
        share(&mut self.twins, twins);
        match (&mut self.months, months) {
            (Some(to), Some(from)) => share(to, from),
            (to, from) => to.clone_from(from),
        }
    }

    /// The deals' contributions (and their twins) of `s`.
    pub fn new(s: &Scenario) -> Self {
        TvlBook::with_twins(s, Arc::new(TwinTables::of(s)))
    }

    /// The same, with the twins' tables of `s` already worked out.
    pub(crate) fn with_twins(s: &Scenario, twins: Arc<TwinTables>) -> Self {
        let chain = (s.tvl.market.enabled).then(|| Chain::new(&s.tvl.market, s.simulation.months));
        let twin_rate = s.tvl.revenue_rates.organic;
        let twin_ratio = s.tvl.organic.conversion_ratio;
        let spawn_twins = chain.is_none();
        let ignore_decay = s.compat.revenue_ignores_decay;
        let rc = &s.tvl.recurring_contracts;
        let recurring = (rc.amount != 0.0).then(|| Recurring {
            first: rc.after_month + 1,
            amount: rc.amount,
            rate: rc.revenue_rate,
            revenue: revenue::monthly(rc.amount, rc.revenue_rate),
            duration: rc.duration_months,
        });
        let mut book = TvlBook {
            deals: Arc::new([]),
            parts: Arc::new([]),
            by_start: Arc::new([]),
            joined: 0,
            started: Vec::new(),
            gathered: 0,
            running: Running::default(),
            twin_total: TwinTotal::default(),
            recurring,
            recurring_through: 0,
            twin_ratio,
            twin_rate,
            twin_decay: s.tvl.organic.decay_rate,
            twin_duration: s.tvl.organic.duration_months,
            spawn_twins,
            chain,
            ignore_decay,
            twins,
            months: None,
        };
        let mut deals = Vec::with_capacity(2 * s.deals.len());
        for (i, d) in s.deals.iter().enumerate().filter(|(_, d)| d.enabled) {
            if let Some(t) = &d.tvl {
                let c = Contribution {
                    kind: t.kind,
                    amount: t.amount,
                    rate: t.revenue_rate,
                    start: d.start_month,
                    end: d.start_month + t.duration_months,
                    decay: 0.0,
                    source: Source::Deal(i),
                    twin: false,
                };
                let twin = book.twin_of(&c);
                deals.push(c);
                deals.extend(twin);
            }
        }
        book.parts = deals
            .iter()
            .map(|c| DealPart {
                kind: c.kind.index(),
                start: c.start,
                end: c.end,
                amount: c.amount,
                rate: c.rate,
                revenue: revenue::monthly(c.amount, c.rate),
                twin: c.twin,
            })
            .collect();
        book.deals = deals.into();
        book.by_start = by_start(&book.parts, |p| p.start);
        book.started.reserve(book.parts.len());
        book
    }

    /// The book with the figures of its first `months` months worked out
    /// (as [`TvlBook::step`] gives them, each month's recurring contract
    /// added first), for its copies to read.
    pub(crate) fn with_months(mut self, months: u32) -> TvlBook {
        let mut book = self.clone();
        let stepped = (1..=months)
            .map(|m| {
                book.add_recurring(m);
                let out = book.step(m);
                Stepped {
                    out,
                    twin_total: book.twin_total.clone(),
                }
            })
            .collect();
        self.months = Some(stepped);
        self
    }

    /// The organic twin of `c`, if it has one (it is contracted).
    fn twin_of(&self, c: &Contribution) -> Option<Contribution> {
        (self.spawn_twins && c.kind == TvlKind::Contracted).then(|| Contribution {
            kind: TvlKind::Organic,
            amount: c.amount * self.twin_ratio,
            rate: self.twin_rate,
            start: c.start,
            end: c.start + self.twin_duration,
            decay: self.twin_decay,
            source: c.source,
            twin: true,
        })
    }

    /// Adds month `m`'s recurring contract, if one is due; returns its amount.
    pub fn add_recurring(&mut self, m: u32) -> Option<f64> {
        let r = self.recurring.as_ref()?;
        if m < r.first {
            return None;
        }
        self.recurring_through = m;
        Some(r.amount)
    }

    /// Moves to month `m` and returns TVL and base revenue by kind. The
    /// parts that do not decay are summed in the order the contributions
    /// were added; the recurring contracts, all alike, add a fixed amount
    /// each; the twins come from their running total.
    #[inline]
    pub fn step(&mut self, m: u32) -> TvlMonth {
        if let Some(months) = &self.months
            && m == self.running.month + 1
            && let Some(e) = months.get(m as usize - 1)
        {
            self.twin_total = e.twin_total.clone();
            self.running.month = m;
            // Gathered again if a month is ever stepped without the table.
            self.running.until = 0;
            return e.out;
        }
        self.step_without_table(m)
    }

    /// [`TvlBook::step`] where the scenario's table does not give the month:
    /// a book without one (taken off it, as the scorecard's are), a month
    /// out of order, or the table being worked out.
    #[inline(never)]
    fn step_without_table(&mut self, m: u32) -> TvlMonth {
        if m != self.running.month + 1 {
            self.gather(m);
            self.twin_total = self.count_twins(m);
        } else {
            let deal_twins = if m >= self.running.until {
                self.gather(m)
            } else {
                TwinChange::default()
            };
            if 2.0 * deal_twins.ended_tvl > self.twin_total.tvl {
                // Taking out more than half the total could leave its
                // rounding large beside what remains: add them up instead.
                self.twin_total = self.count_twins(m);
            } else {
                self.advance_twins(m, deal_twins);
            }
        }
        self.running.month = m;
        let mut out = self.running.steady;
        if let Some(r) = &self.recurring {
            let last = self.recurring_through.min(m);
            let contracted = TvlKind::Contracted.index();
            let first = Self::first_alive(r.first, r.duration, m);
            for _ in 0..(last + 1).saturating_sub(first) {
                out.tvl[contracted] += r.amount;
                out.base_revenue[contracted] += r.revenue;
            }
        }
        let organic = TvlKind::Organic.index();
        out.tvl[organic] += self.twin_total.tvl;
        out.base_revenue[organic] += self.twin_total.revenue;
        out
    }

    /// The twins running in month `m`, added up one by one: the deals'
    /// (in order), then the recurring contracts' (oldest first).
    fn count_twins(&self, m: u32) -> TwinTotal {
        let mut t = TwinTotal::default();
        // After the month's gathering, the parts it kept are all that can
        // run in it.
        let running: &mut dyn Iterator<Item = &DealPart> = if m == self.gathered {
            &mut self.started.iter().map(|&i| &self.parts[i])
        } else {
            &mut self.parts.iter()
        };
        for c in running.filter(|c| c.twin && c.start <= m && m < c.end) {
            let tvl = c.amount * self.twins.powers[(m - c.start) as usize];
            t.tvl += tvl;
            t.revenue += if self.ignore_decay {
                c.revenue
            } else {
                revenue::monthly(tvl, c.rate)
            };
            t.undecayed += c.amount;
            t.count += 1;
        }
        let oldest_first = &self.twins.recurring;
        if let Some(r) = self.recurring.as_ref().filter(|_| !oldest_first.is_empty()) {
            let last = self.recurring_through.min(m);
            let first = Self::first_alive(r.first, self.twin_duration, m);
            if first <= last {
                // Ages m - first down to m - last.
                let oldest = oldest_first.len() - 1 - (m - first) as usize;
                for (tvl, revenue) in &oldest_first[oldest..=oldest + (last - first) as usize] {
                    t.tvl += tvl;
                    t.revenue += revenue;
                }
                t.undecayed += f64::from(last + 1 - first) * self.recurring_twin_amount(r);
                t.count += last + 1 - first;
            }
        }
        t
    }

    /// Moves the twins' running total from month `m - 1` to `m`, given the
    /// deals' twins born and ended in `m`.
    fn advance_twins(&mut self, m: u32, deal_twins: TwinChange) {
        // Recurring twins, if any: (first month, last month added, amount).
        let recurring = self
            .recurring
            .as_ref()
            .filter(|_| !self.twins.recurring.is_empty())
            .map(|r| {
                (
                    r.first,
                    self.recurring_through.min(m),
                    self.recurring_twin_amount(r),
                )
            });
        let t = &mut self.twin_total;
        t.tvl -= deal_twins.ended_tvl;
        t.undecayed -= deal_twins.ended_amount;
        t.count = t.count + deal_twins.born_count - deal_twins.ended_count;
        if let Some((first, last, amount)) = recurring {
            // The twin born `twin_duration` months ago ends: it leaves at
            // last month's figure, the table's oldest age.
            if let Some(born) = m.checked_sub(self.twin_duration)
                && first <= born
                && born <= last
            {
                t.tvl -= self.twins.recurring[0].0;
                t.undecayed -= amount;
                t.count -= 1;
            }
        }
        t.tvl *= 1.0 - self.twin_decay;
        t.tvl += deal_twins.born;
        t.undecayed += deal_twins.born;
        if let Some((first, last, amount)) = recurring
            && first <= m
            && m <= last
        {
            t.tvl += amount;
            t.undecayed += amount;
            t.count += 1;
        }
        if t.count == 0 {
            *t = TwinTotal::default();
            return;
        }
        let earning = if self.ignore_decay {
            t.undecayed
        } else {
            t.tvl
        };
        t.revenue = revenue::monthly(earning, self.twin_rate);
    }

    /// The amount of a recurring contract's twin.
    fn recurring_twin_amount(&self, r: &Recurring) -> f64 {
        r.amount * self.twin_ratio
    }

    /// Gathers the parts running in month `m`: sums those that do not
    /// decay, and notes the next month in which one starts or ends; returns
    /// the deals' twins born and ended in `m`.
    fn gather(&mut self, m: u32) -> TwinChange {
        if m < self.gathered {
            // Out of order: start again from the first month.
            self.joined = 0;
            self.started.clear();
        }
        self.gathered = m;
        if self.started.capacity() == 0 {
            // One allocation (a copied book starts with none).
            self.started.reserve(self.parts.len());
        }
        let first_new = self.started.len();
        while let Some(&i) = self.by_start.get(self.joined) {
            if self.parts[i].start > m {
                break;
            }
            self.joined += 1;
            self.started.push(i);
        }
        crate::order::sort_appended(&mut self.started, first_new);
        let running = &mut self.running;
        running.steady = TvlMonth::default();
        // The next part to start; then the running parts' ends.
        running.until = (self.by_start.get(self.joined)).map_or(u32::MAX, |&i| self.parts[i].start);
        let mut change = TwinChange::default();
        let (parts, powers) = (&self.parts, &self.twins.powers);
        // The parts still running stay, in order; the ended ones leave.
        let mut kept = 0;
        for r in 0..self.started.len() {
            let i = self.started[r];
            let c = &parts[i];
            if m < c.end {
                running.until = running.until.min(c.end);
                if !c.twin {
                    running.steady.tvl[c.kind] += c.amount;
                    running.steady.base_revenue[c.kind] += c.revenue;
                } else if m == c.start {
                    change.born += c.amount;
                    change.born_count += 1;
                }
                self.started[kept] = i;
                kept += 1;
            } else if c.twin && m == c.end {
                // It leaves at last month's figure.
                change.ended_tvl += c.amount * powers[(m - 1 - c.start) as usize];
                change.ended_amount += c.amount;
                change.ended_count += 1;
            }
        }
        self.started.truncate(kept);
        change
    }

    /// The first start month, from `first` on, of something lasting
    /// `duration` months that is still running in month `m`.
    fn first_alive(first: u32, duration: u32, m: u32) -> u32 {
        first.max((m + 1).saturating_sub(duration))
    }

    /// Every contribution added so far, in the order added: the deals'
    /// (each twin after its deal), then the recurring contracts (each
    /// followed by its twin).
    pub fn contributions(&self) -> impl Iterator<Item = Contribution> + '_ {
        let recurring = self.recurring.iter().flat_map(move |r| {
            (r.first..=self.recurring_through).flat_map(move |s| {
                let c = Contribution {
                    kind: TvlKind::Contracted,
                    amount: r.amount,
                    rate: r.rate,
                    start: s,
                    end: s + r.duration,
                    decay: 0.0,
                    source: Source::Recurring(s),
                    twin: false,
                };
                let twin = self.twin_of(&c);
                std::iter::once(c).chain(twin)
            })
        });
        self.deals.iter().cloned().chain(recurring)
    }

    /// The amount of `c` in month `m` and its revenue before rate
    /// adjustments, the same numbers [`TvlBook::step`] adds.
    pub fn month_of(&self, c: &Contribution, m: u32) -> (f64, f64) {
        if !c.active(m) {
            return (0.0, 0.0);
        }
        let amount = if c.twin {
            c.amount * self.twins.powers[(m - c.start) as usize]
        } else {
            c.amount
        };
        let earning = if self.ignore_decay { c.amount } else { amount };
        (amount, revenue::monthly(earning, c.rate))
    }

    /// The book without deal `deal`'s contribution and twin (which must not
    /// have started): the same sums of the same parts in the same order
    /// as a book of the scenario without the deal, gathered again next
    /// month.
    pub(crate) fn without_deal(&self, deal: usize) -> TvlBook {
        let keep = |c: &Contribution| c.source != Source::Deal(deal);
        let deals: Arc<[Contribution]> = self.deals.iter().filter(|c| keep(c)).cloned().collect();
        let parts: Arc<[DealPart]> = (self.deals.iter().zip(self.parts.iter()))
            .filter(|(c, _)| keep(c))
            .map(|(_, p)| *p)
            .collect();
        TvlBook {
            deals,
            started: Vec::with_capacity(parts.len()),
            by_start: by_start(&parts, |p| p.start),
            parts,
            joined: 0,
            gathered: 0,
            running: Running {
                month: self.running.month,
                until: 0,
                steady: TvlMonth::default(),
            },
            twin_total: self.twin_total.clone(),
            recurring: self.recurring.clone(),
            chain: self.chain.clone(),
            twins: Arc::clone(&self.twins),
            // Its own months differ: stepped one by one.
            months: None,
            ..*self
        }
    }

    /// Steps the chain model (if on) to month `m`, given the deals' TVL.
    #[cfg(test)]
    pub fn chain_step(&mut self, m: u32, z3: f64, deals_tvl: f64) -> Option<ChainMonth> {
        let shock = self.chain_shock(z3);
        self.chain_step_shocked(m, shock, deals_tvl)
    }

    /// The chain's random factor for the month's third normal draw `z3`
    /// (1 without a chain). The month's step takes it first, while little
    /// else is in hand: the `exp` is a call, which costs the registers it
    /// clobbers.
    #[inline]
    pub fn chain_shock(&self, z3: f64) -> f64 {
        self.chain.as_ref().map_or(1.0, |c| c.shock(z3))
    }

    /// Steps the chain model (if on) to month `m`, given its random factor
    /// ([`TvlBook::chain_shock`]) and the deals' TVL.
    pub fn chain_step_shocked(&mut self, m: u32, shock: f64, deals_tvl: f64) -> Option<ChainMonth> {
        let chain = self.chain.as_mut()?;
        let (chain_tvl, market_share) = chain.step(m, shock);
        Some(ChainMonth {
            chain_tvl,
            market_share,
            organic: (chain_tvl * market_share - deals_tvl).max(0.0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load;

    fn book(text: &str) -> TvlBook {
        TvlBook::new(&load("t", text, &[]).unwrap())
    }

    const DEAL: &str = "[tvl.recurring_contracts]\namount = 0\n[[deal]]\ncounterparty = \"A\"\nstart_month = 2\n\
                        tvl = { kind = \"contracted\", amount = 100, revenue_rate = 0.12, duration_months = 3 }\n";

    #[test]
    fn a_contracted_deal_spawns_a_decaying_organic_twin() {
        let mut b = book(DEAL);
        let all: Vec<Contribution> = b.contributions().collect();
        assert_eq!(all.len(), 2);
        let twin = &all[1];
        assert!(twin.twin && twin.source == Source::Deal(0) && twin.rate == 0.02);
        assert_eq!(b.step(1).tvl, [0.0; 4]);
        assert_eq!(b.step(2).tvl, [0.0, 100.0, 20.0, 0.0]);
        // Twin: 20 x 0.95^2 two months later; the contract ends after month 4.
        let m4 = b.step(4).tvl;
        assert_eq!(m4[1], 100.0);
        assert!((m4[2] - 20.0 * 0.95 * 0.95).abs() < 1e-12);
        assert_eq!(b.step(5).tvl[1], 0.0);
        // The twin lives 36 months from its start: months 2..=37.
        assert!(b.step(37).tvl[2] > 0.0);
        assert_eq!(b.step(38).tvl[2], 0.0);
        assert_eq!(b.contributions().filter(|c| c.active(38)).count(), 0);
    }

    #[test]
    fn revenue_before_adjustments_is_amount_times_rate_over_twelve() {
        let mut b = book(DEAL);
        // 100 at 12 % a year, and the twin's 20 at the organic 2 %.
        let m2 = b.step(2).base_revenue;
        assert_eq!(m2, [0.0, 1.0, 20.0 * 0.02 / 12.0, 0.0]);
        // Two months later the twin has decayed to 20 x 0.95^2, and earns on that...
        let m4 = b.step(4).base_revenue;
        assert_eq!(m4[2], 20.0 * 0.95f64.powi(2) * 0.02 / 12.0);
        // ...unless the original model's quirk has it earn on its undecayed amount.
        let mut quirk = book(&format!("[compat]\nrevenue_ignores_decay = true\n{DEAL}"));
        assert_eq!(quirk.step(4).base_revenue[2], 20.0 * 0.02 / 12.0);
        assert_eq!(
            quirk.step(4).tvl[2],
            20.0 * 0.95f64.powi(2),
            "TVL still decays"
        );
    }

    #[test]
    fn stepped_amounts_are_the_decay_formula() {
        let quirk = crate::scenario::parse_override("compat.revenue_ignores_decay=true").unwrap();
        for overrides in [vec![], vec![quirk]] {
            stepped_amounts_match_contribution_by_contribution(&overrides);
        }
    }

    fn stepped_amounts_match_contribution_by_contribution(overrides: &[crate::scenario::Override]) {
        let s = load("d", crate::builtin::text("default").unwrap(), overrides).unwrap();
        let mut b = TvlBook::new(&s);
        for m in 1..=60 {
            b.add_recurring(m);
            let month = b.step(m);
            let mut sums = TvlMonth::default();
            for c in b.contributions() {
                let want = if c.active(m) { c.amount_in(m) } else { 0.0 };
                let (amount, revenue) = b.month_of(&c, m);
                assert_eq!(amount, want, "month {m}: {c:?}");
                if c.active(m) {
                    sums.tvl[c.kind.index()] += amount;
                    sums.base_revenue[c.kind.index()] += revenue;
                }
            }
            // The sums, contribution by contribution in the order added,
            // are the step's, up to the rounding of the twins' running total
            // (to the last bit in the months it is added up one by one).
            for k in 0..4 {
                for (got, want) in [
                    (month.tvl[k], sums.tvl[k]),
                    (month.base_revenue[k], sums.base_revenue[k]),
                ] {
                    assert!(
                        (got - want).abs() <= 1e-14 * want.abs(),
                        "month {m}, kind {k}: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn only_contracted_tvl_has_a_twin() {
        let mut b = book(&DEAL.replace("contracted", "boosted"));
        assert_eq!(b.contributions().count(), 1);
        assert_eq!(b.step(2).tvl, [0.0, 0.0, 0.0, 100.0]);
    }

    #[test]
    fn recurring_contracts_start_after_their_month() {
        let mut b =
            book("[tvl.recurring_contracts]\nafter_month = 3\namount = 10\nduration_months = 2\n");
        assert_eq!(b.add_recurring(3), None);
        assert_eq!(b.add_recurring(4), Some(10.0));
        assert_eq!(b.step(4).tvl, [0.0, 10.0, 2.0, 0.0]);
        assert_eq!(b.add_recurring(5), Some(10.0));
        assert_eq!(b.step(5).tvl[1], 20.0);
        // The month-4 contract ends after month 5.
        assert_eq!(b.step(6).tvl[1], 10.0);
        let active = b.contributions().filter(|c| c.active(6)).count();
        assert_eq!(
            active, 3,
            "the month-4 contract has ended, its twin runs on"
        );
    }

    #[test]
    fn chain_tvl_follows_its_formulas() {
        let text = "[tvl.market]\nenabled = true\nchain_initial = 1000\ngrowth_rates = [1.0, 0.5]\n\
                    initial_share = 0.5\nmin_share = 0.1\nshare_decay = 0.2\n";
        let mut b = book(&format!("{text}{DEAL}"));
        assert_eq!(
            b.contributions().count(),
            1,
            "no organic twins with the chain model"
        );
        let mut chain = 1000.0;
        for m in 1..=30u32 {
            let g: f64 = if m <= 12 { 1.0 } else { 0.5 };
            chain *= (1.0 + g).powf(1.0 / 12.0);
            let share = 0.1 + 0.4 * (-0.2 * f64::from(m) / 12.0).exp();
            let c = b.chain_step(m, 0.0, 100.0).unwrap();
            assert!((c.chain_tvl - chain).abs() < 1e-9 * chain, "month {m}");
            assert!((c.market_share - share).abs() < 1e-15, "month {m}");
            assert!((c.organic - (chain * share - 100.0).max(0.0)).abs() < 1e-9);
        }
        // After twelve months of 100 % growth the chain has doubled.
        let mut b = book(text);
        let c12 = (1..=12)
            .map(|m| b.chain_step(m, 0.0, 0.0).unwrap())
            .last()
            .unwrap();
        assert!((c12.chain_tvl - 2000.0).abs() < 1e-9);
    }

    #[test]
    fn the_chain_reads_its_months_from_the_table_and_works_out_the_rest() {
        // Factors for 12 months worked out ahead, stepped for 30 months with
        // draws, against a chain with no table (every month worked out as
        // it comes): the same numbers to the last bit, in the table and
        // beyond it.
        let s = load(
            "t",
            "[simulation]\nmonths = 12\n[tvl.market]\nenabled = true\n\
             growth_rates = [1.0, 0.5, 0.25]\nvolatility = 0.1\n",
            &[],
        )
        .unwrap();
        let p = &s.tvl.market;
        let (mut ahead, mut as_it_comes) = (Chain::new(p, 12), Chain::new(p, 0));
        assert_eq!(ahead.by_month.len(), 12);
        for m in 1..=30u32 {
            let z3 = f64::from(m % 7) - 3.0;
            let (a, b) = (ahead.step(m, z3), as_it_comes.step(m, z3));
            assert_eq!(
                (a.0.to_bits(), a.1.to_bits()),
                (b.0.to_bits(), b.1.to_bits()),
                "{m}"
            );
        }
    }
}
