//! OAK: allocations that vest, are distributed, and are redeemed against
//! AEGIS when the expected return (IRR) falls below the holder's threshold.
//!
//! The redemption controls of MODEL.md ("OAK redemption controls") live
//! here too: lockups, partial redemptions, thresholds that move, and a
//! monthly limit with a [`Queue`] of the requests it holds back. Each is off
//! by default, and off it leaves every number as it was without it.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::aegis::Aegis;
use crate::order::share;
use crate::projection::Projection;
use crate::record::RecordedIrr;
use crate::scenario::Scenario;

/// One deal's OAK allocation.
#[derive(Clone, Debug, PartialEq)]
pub struct Holder {
    /// Index of its deal.
    pub deal: usize,
    /// OAK allocated.
    pub amount: f64,
    /// Month the deal starts.
    pub start: u32,
    /// Months of vesting.
    pub vesting: u32,
    /// IRR below which it redeems, at distribution.
    pub threshold: f64,
    /// The threshold it moves to by the end of the redemption window.
    pub threshold_end: f64,
    /// Months after distribution before it may ask to redeem.
    pub lockup: u32,
    /// Share of the allocation it asks to redeem at a time.
    pub fraction: f64,
    /// The month it was distributed in (`None`: not yet).
    pub distributed_in: Option<u32>,
    /// OAK distributed to it and not yet redeemed (what waits in the queue
    /// included).
    pub held: f64,
    /// Whether all of it has been redeemed.
    pub redeemed: bool,
    /// Whether a request of its waits in the queue.
    pub waiting: bool,
}

impl Holder {
    /// Whether it has been distributed.
    pub fn distributed(&self) -> bool {
        self.distributed_in.is_some()
    }

    /// Whether it still holds distributed OAK that it may ask to redeem.
    fn holding(&self) -> bool {
        self.distributed() && !self.redeemed
    }

    /// Its threshold in month `m`, moving linearly from `threshold` at
    /// distribution to `threshold_end` at the window's end `end`.
    pub fn threshold_in(&self, m: u32, end: u32) -> f64 {
        // A threshold that does not move is returned as it is, not through
        // the arithmetic below, so that it stays the very same number.
        if self.threshold_end == self.threshold {
            return self.threshold;
        }
        let Some(d) = self.distributed_in else {
            return self.threshold;
        };
        if end <= d || m >= end {
            return self.threshold_end;
        }
        let progress = (f64::from(m.saturating_sub(d)) / f64::from(end - d)).clamp(0.0, 1.0);
        self.threshold + (self.threshold_end - self.threshold) * progress
    }

    /// Whether its lockup is over in month `m`.
    fn unlocked(&self, m: u32) -> bool {
        self.distributed_in
            .is_some_and(|d| u64::from(m) >= u64::from(d) + u64::from(self.lockup))
    }

    /// One request's worth: `fraction` of the allocation, or what it still
    /// holds if that is less.
    fn slice(&self) -> f64 {
        let slice = self.fraction * self.amount;
        // A slice that would leave only rounding behind takes the rest, so
        // that no holder is left asking for 1e-17 OAK a month later.
        if self.held - slice <= 1e-12 * self.amount {
            self.held
        } else {
            slice
        }
    }

    /// What it asks to redeem in month `m` under `rule`, if anything (the
    /// caller has checked that it holds OAK and has no request waiting).
    #[inline(always)]
    fn request(&self, m: u32, rule: IrrRule, end: u32) -> Option<f64> {
        match rule {
            IrrRule::Known(Irr::NotOpen | Irr::Undefined) => None,
            // The window is closed: all it holds, lockup and fraction aside.
            IrrRule::Known(Irr::AllRedeem) => Some(self.held),
            IrrRule::Known(Irr::Lowest) => self.unlocked(m).then(|| self.slice()),
            IrrRule::Known(Irr::Value(_)) | IrrRule::Projected(_) => {
                (self.unlocked(m) && rule.below(self.threshold_in(m, end))).then(|| self.slice())
            }
        }
    }
}

/// What the IRR rule says in one month.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Irr {
    /// Before the redemption window: no IRR, nobody redeems.
    NotOpen,
    /// An IRR: holders whose threshold is above it redeem.
    Value(f64),
    /// Undefined, the window being closed: every holder redeems all it
    /// holds, whatever its lockup and fraction.
    AllRedeem,
    /// The original formula's -infinity at the window's first month
    /// (recorded as undefined): below every threshold, so every unlocked
    /// holder asks, for its fraction.
    Lowest,
    /// Undefined (nothing to value), and nobody asks (waiting requests are
    /// still served).
    Undefined,
}

/// The month's IRR rule, its IRR's power not yet taken: what [`Irr`]
/// says, with an IRR worked out from the treasury kept as its
/// [`Projection`], whose bounds settle most months' decisions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum IrrRule {
    /// A rule known without a power (the time-only IRR's numbers too).
    Known(Irr),
    /// An IRR of `growth^power - 1`.
    Projected(Projection),
}

impl IrrRule {
    /// The rule with its IRR worked out.
    #[inline]
    pub fn irr(self) -> Irr {
        match self {
            IrrRule::Known(irr) => irr,
            IrrRule::Projected(p) => Irr::Value(p.irr()),
        }
    }

    /// What the month's record holds.
    #[inline]
    pub fn recorded(self) -> RecordedIrr {
        match self {
            IrrRule::Known(irr) => irr.recorded().into(),
            IrrRule::Projected(p) => RecordedIrr::projected(p),
        }
    }

    /// Whether an IRR is below `threshold` (`threshold > irr`), as the
    /// worked-out IRR says; false for a rule without an IRR.
    #[inline(always)]
    fn below(self, threshold: f64) -> bool {
        match self {
            IrrRule::Known(Irr::Value(v)) => threshold > v,
            IrrRule::Known(_) => false,
            IrrRule::Projected(p) => p.below(threshold),
        }
    }
}

/// Puts holder `i` into `list`, kept in holder order (the order of every
/// pass), and returns its place; `holders` is room enough for all.
#[inline(always)]
fn insert_in_order(list: &mut Vec<usize>, i: usize, holders: usize) -> usize {
    if list.capacity() == 0 {
        // One allocation (a copied ledger starts with none).
        list.reserve(holders);
    }
    // Holders tend to be distributed in holder order: at the end, without
    // a search.
    match list.last() {
        Some(&last) if last > i => {
            let at = list.partition_point(|&j| j < i);
            list.insert(at, i);
            at
        }
        _ => {
            list.push(i);
            list.len() - 1
        }
    }
}

/// The original model's IRR in month `m` of a redemption window from
/// `start` to `end`, from the time elapsed alone: 1 / progress through the
/// window, a yearly rate over the years left.
fn time_only_irr(m: u32, start: u32, end: u32) -> Irr {
    if m < start {
        return Irr::NotOpen;
    }
    let progress = (f64::from(m - start) / f64::from(end - start)).min(1.0);
    let years = (f64::from(end) - f64::from(m)) / 12.0;
    let years = years.max(0.0001);
    if progress == 0.0 {
        return Irr::Lowest;
    }
    Irr::Value((1.0 / progress).powf(1.0 / years) - 1.0)
}

impl Irr {
    /// The number recorded in `metrics.csv`, if defined.
    pub fn recorded(self) -> Option<f64> {
        match self {
            Irr::Value(v) => Some(v),
            _ => None,
        }
    }

    /// Whether some holder may ask to redeem under it.
    fn may_ask(self) -> bool {
        !matches!(self, Irr::NotOpen | Irr::Undefined)
    }
}

/// One payout to a holder: a whole request, or the part of one that the
/// month's limit let through.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Redemption {
    /// The holder's deal.
    pub deal: usize,
    /// OAK redeemed.
    pub amount: f64,
    /// Its IRR threshold this month.
    pub threshold: f64,
    /// USDC paid out.
    pub usdc: f64,
    /// LEAF paid out.
    pub leaf: f64,
    /// The month the request was made, when this was served from the queue.
    pub queued_since: Option<u32>,
}

/// A request, or the rest of one, that joined the queue.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Queued {
    /// The holder's deal.
    pub deal: usize,
    /// OAK that joined the queue.
    pub amount: f64,
    /// OAK the holder asked for this month (`amount` and what was served).
    pub requested: f64,
    /// Its IRR threshold this month.
    pub threshold: f64,
}

/// What the month's redemption step did, in the order it did it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Outcome {
    /// OAK was redeemed and paid for.
    Paid(Redemption),
    /// A request, or its rest, was put in the queue.
    Queued(Queued),
}

/// A redemption request waiting for room under the monthly limit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Request {
    /// The holder: its index in [`Oak::holders`].
    pub holder: usize,
    /// The holder's deal.
    pub deal: usize,
    /// OAK still to be redeemed.
    pub amount: f64,
    /// The month it was made.
    pub month: u32,
}

/// The requests waiting, oldest first (those of one month in deal order):
/// a request stands once made, whatever the IRR does after.
#[derive(Debug, Default, PartialEq)]
pub struct Queue {
    requests: VecDeque<Request>,
}

impl Clone for Queue {
    fn clone(&self) -> Self {
        Queue {
            requests: self.requests.clone(),
        }
    }

    /// Into the room the queue has (a restarted run's ledger).
    fn clone_from(&mut self, from: &Self) {
        self.requests.clone_from(&from.requests);
    }
}

impl Queue {
    /// Whether no request waits.
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }

    /// OAK waiting, in all requests.
    pub fn total(&self) -> f64 {
        // From +0.0: `sum` of no floats is -0.0, written "-0.0".
        self.requests.iter().fold(0.0, |total, r| total + r.amount)
    }

    /// The requests, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Request> {
        self.requests.iter()
    }

    fn push(&mut self, r: Request) {
        self.requests.push_back(r);
    }

    fn front(&self) -> Option<&Request> {
        self.requests.front()
    }

    /// Takes `served` OAK off the oldest request; drops it when nothing of
    /// it is left, and says whether it did.
    fn serve_front(&mut self, served: f64) -> bool {
        let Some(r) = self.requests.front_mut() else {
            return false;
        };
        r.amount -= served;
        if r.amount <= 0.0 {
            self.requests.pop_front();
            true
        } else {
            false
        }
    }
}

/// What is left of one month's redemption limit.
#[derive(Clone, Copy, Debug)]
struct Allowance(Option<f64>);

impl Allowance {
    /// Takes up to `want` OAK of it; returns how much it let through.
    fn take(&mut self, want: f64) -> f64 {
        match &mut self.0 {
            None => want,
            Some(left) => {
                let served = want.min(*left).max(0.0);
                *left -= served;
                served
            }
        }
    }

    /// Whether nothing more may be redeemed this month.
    fn spent(self) -> bool {
        self.0.is_some_and(|left| left <= 0.0)
    }
}

/// The OAK ledger.
#[derive(Clone, Debug)]
pub struct Oak {
    holders: Vec<Holder>,
    total_supply: f64,
    window_start: u32,
    window_end: u32,
    off_by_one: bool,
    /// The original model's time-only IRR by month (index: the month, 0 to
    /// `simulation.months`; a later month is worked out when asked), where
    /// the scenario asks for it: it depends on the month alone, so it is
    /// worked out once per scenario rather than once per month of every run.
    time_only_irr: Option<Arc<[Irr]>>,
    pays_out: bool,
    /// At most this much OAK redeemed in a month (`None`: no limit).
    month_limit: Option<f64>,
    queue: Queue,
    /// OAK distributed so far.
    pub distributed: f64,
    /// OAK redeemed so far.
    pub redeemed: f64,
    /// The first month a pending allocation is due (`u32::MAX`: none is):
    /// the months before it need no look at the holders.
    next_due: u32,
    /// (distribution month, holder) of the holders not distributed when
    /// the ledger was made, in that order: the months' distributions read
    /// it from `due_next` on rather than passing over every holder.
    due: Arc<[(u32, usize)]>,
    /// The first of `due` not yet reached.
    due_next: usize,
    /// The holders distributed, in holder order.
    given: Vec<usize>,
    /// The holders distributed and not all redeemed, in holder order (some
    /// of them may have been redeemed since it was last tidied).
    asking: Vec<usize>,
    /// Holders with distributed OAK not yet redeemed: with none, no
    /// redemption needs a look at the holders.
    holding: usize,
    /// Whether some threshold moves: otherwise `weighted_threshold` changes
    /// only when an allocation is distributed.
    thresholds_move: bool,
    /// `threshold_weighted` as of the last distribution.
    weighted_threshold: f64,
    /// The highest threshold of the holders holding OAK (minus infinity
    /// when none is): where no threshold moves, nobody asks under an IRR
    /// at or above it, and the month's pass over the holders is skipped.
    /// Plus infinity (nothing is skipped) from the payout that ended the
    /// holder with it to the end of that month's redemptions, where it is
    /// worked out again: once a month, however many such holders end.
    highest_threshold: f64,
    /// The running sums of amount x threshold and of amount over the
    /// first holders of `given`, in its order (the order of the sums), while
    /// no threshold moves: a distribution adds to them from its place in
    /// `given` on, not from the first holder (holders tend to be
    /// distributed in their order, so that is near the end).
    sums: Vec<(f64, f64)>,
}

impl Oak {
    /// Makes this ledger `start` again, in the memory it has (see
    /// [`crate::tvl::TvlBook::restart_from`]).
    pub(crate) fn restart_from(&mut self, start: &Oak) {
        let Oak {
            holders,
            total_supply,
            window_start,
            window_end,
            off_by_one,
            time_only_irr,
            pays_out,
            month_limit,
            queue,
            distributed,
            redeemed,
            next_due,
            due,
            due_next,
            given,
            asking,
            holding,
            thresholds_move,
            weighted_threshold,
            highest_threshold,
            sums,
        } = start;
        self.holders.clone_from(holders);
        self.total_supply = *total_supply;
        self.window_start = *window_start;
        self.window_end = *window_end;
        self.off_by_one = *off_by_one;
        match (&mut self.time_only_irr, time_only_irr) {
            (Some(to), Some(from)) => share(to, from),
            (to, from) => to.clone_from(from),
        }
        self.pays_out = *pays_out;
        self.month_limit = *month_limit;
        self.queue.clone_from(queue);
        self.distributed = *distributed;
        self.redeemed = *redeemed;
        self.next_due = *next_due;
        share(&mut self.due, due);
        self.due_next = *due_next;
        self.given.clone_from(given);
        self.asking.clone_from(asking);
        self.holding = *holding;
        self.thresholds_move = *thresholds_move;
        self.weighted_threshold = *weighted_threshold;
        self.highest_threshold = *highest_threshold;
        self.sums.clone_from(sums);
    }

    /// The allocations of `s`'s deals, none distributed.
    pub fn new(s: &Scenario) -> Self {
        // Sized for every deal: one allocation, not a few growing ones.
        let mut holders = Vec::with_capacity(s.deals.len());
        holders.extend(s.deals.iter().enumerate().filter_map(|(i, d)| {
            let o = d.oak.as_ref().filter(|_| d.enabled)?;
            Some(Holder {
                deal: i,
                amount: o.amount,
                start: d.start_month,
                vesting: o.vesting_months,
                threshold: o.irr_threshold,
                threshold_end: o.threshold_end(),
                lockup: o.lockup_months,
                fraction: o.redeem_fraction,
                distributed_in: None,
                held: 0.0,
                redeemed: false,
                waiting: false,
            })
        }));
        let thresholds_move = holders.iter().any(|h| h.threshold_end != h.threshold);
        let mut oak = Oak {
            holders,
            total_supply: s.oak.total_supply,
            window_start: s.oak.redemption_start_month,
            window_end: s.oak.redemption_end_month,
            off_by_one: s.compat.oak_vesting_off_by_one,
            time_only_irr: s.compat.irr_time_only.then(|| {
                let (start, end) = (s.oak.redemption_start_month, s.oak.redemption_end_month);
                (0..=s.simulation.months)
                    .map(|m| time_only_irr(m, start, end))
                    .collect()
            }),
            pays_out: !s.compat.redemptions_without_payout,
            month_limit: s
                .oak
                .rate_limited()
                .then_some(s.oak.max_redemption_per_month * s.oak.total_supply),
            queue: Queue::default(),
            distributed: 0.0,
            redeemed: 0.0,
            next_due: 0,
            due: Arc::new([]),
            due_next: 0,
            given: Vec::new(),
            asking: Vec::new(),
            holding: 0,
            thresholds_move,
            weighted_threshold: 0.0,
            highest_threshold: f64::NEG_INFINITY,
            sums: Vec::new(),
        };
        oak.order_due(0);
        oak
    }

    /// Works out `due` and `next_due` from the holders not distributed
    /// after month `m`, and `given` and `asking` from those distributed.
    fn order_due(&mut self, m: u32) {
        let mut due: Vec<(u32, usize)> = (self.holders.iter().enumerate())
            .filter(|(_, h)| !h.distributed())
            .filter_map(|(i, h)| Some((self.distribution_month(h)?, i)))
            .collect();
        due.sort_unstable();
        // As a pass over the holders would find it: one overdue is due next month.
        self.next_due = due.first().map_or(u32::MAX, |&(d, _)| d.max(m + 1));
        self.due = due.into();
        self.due_next = 0;
        self.given = (0..self.holders.len())
            .filter(|&i| self.holders[i].distributed())
            .collect();
        self.asking = (self.given.iter().copied())
            .filter(|&i| self.holders[i].holding())
            .collect();
        self.highest_threshold = self.highest_holding_threshold();
    }

    /// The highest threshold of the holders holding OAK.
    fn highest_holding_threshold(&self) -> f64 {
        (self.asking.iter())
            .map(|&i| &self.holders[i])
            .filter(|h| h.holding())
            .fold(f64::NEG_INFINITY, |m, h| m.max(h.threshold))
    }

    /// The allocations.
    pub fn holders(&self) -> &[Holder] {
        &self.holders
    }

    /// The requests waiting for room under the monthly limit.
    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    /// OAK waiting in the queue.
    pub fn queued(&self) -> f64 {
        self.queue.total()
    }

    /// The most OAK that may be redeemed in one month.
    pub fn month_limit(&self) -> f64 {
        self.month_limit.unwrap_or(self.total_supply)
    }

    /// OAK not redeemed (undistributed OAK included).
    pub fn unredeemed(&self) -> f64 {
        self.total_supply - self.redeemed
    }

    /// AEGIS value per unredeemed OAK (0 when none is unredeemed).
    pub fn value_per_oak(&self, aegis_value: f64) -> f64 {
        let u = self.unredeemed();
        if u > 0.0 { aegis_value / u } else { 0.0 }
    }

    /// The ledger after month `month` without deal `deal`'s allocation,
    /// which must not be distributed yet (an allocation before its
    /// distribution counts nowhere): the queue's holders renumbered, and
    /// what is worked out from the allocations left worked out again.
    pub(crate) fn without_deal(&self, deal: usize, month: u32) -> Oak {
        let mut oak = Oak {
            holders: (self.holders.iter())
                .filter(|h| h.deal != deal)
                .cloned()
                .collect(),
            queue: self.queue.clone(),
            time_only_irr: self.time_only_irr.clone(),
            due: Arc::new([]),
            given: Vec::new(),
            asking: Vec::new(),
            sums: Vec::new(),
            ..*self
        };
        if let Some(gone) = self.holders.iter().position(|h| h.deal == deal) {
            for r in &mut oak.queue.requests {
                if r.holder > gone {
                    r.holder -= 1;
                }
            }
            oak.thresholds_move = oak.holders.iter().any(|h| h.threshold_end != h.threshold);
        }
        // Every allocation left that is due by `month` is distributed.
        oak.order_due(month);
        oak
    }

    /// Whether the allocation of holder `h` is due in month `m`.
    fn due(&self, h: &Holder, m: u32) -> bool {
        if self.off_by_one {
            // The original compared months elapsed + 1 with the vesting.
            m >= h.start && m - h.start + 1 == h.vesting
        } else {
            m >= h.start + h.vesting
        }
    }

    /// The month in which `h`'s allocation is distributed, when
    /// [`Oak::distribute`] is called every month from month 1 (`None`:
    /// never, as under the original model's rule with no vesting).
    pub fn distribution_month(&self, h: &Holder) -> Option<u32> {
        if self.off_by_one {
            (h.vesting >= 1).then(|| h.start + h.vesting - 1)
        } else {
            Some(h.start + h.vesting)
        }
    }

    /// Distributes the allocations due in month `m`; calls `each` with each.
    #[inline]
    pub fn distribute(&mut self, m: u32, each: impl FnMut(&Holder)) {
        // Most months none is due: that test is inline, the rest is not.
        if m >= self.next_due {
            self.distribute_due(m, each);
        }
    }

    fn distribute_due(&mut self, m: u32, mut each: impl FnMut(&Holder)) {
        let from = self.due_next;
        let mut to = from;
        while self.due.get(to).is_some_and(|&(d, _)| d <= m) {
            to += 1;
        }
        self.due_next = to;
        // In holder order, as a pass over the holders gives them: the
        // entries of one month are; those of several (one was missed) are
        // put in that order first.
        if self.due[from..to].windows(2).all(|w| w[0].1 < w[1].1) {
            for k in from..to {
                let i = self.due[k].1;
                self.give(i, m, &mut each);
            }
        } else {
            let mut order: Vec<usize> = self.due[from..to].iter().map(|&(_, i)| i).collect();
            order.sort_unstable();
            for i in order {
                self.give(i, m, &mut each);
            }
        }
        self.next_due = self.due.get(to).map_or(u32::MAX, |&(d, _)| d);
        self.weighted_threshold = if self.thresholds_move {
            self.weigh_thresholds(m)
        } else {
            self.weigh_fixed_thresholds()
        };
    }

    /// `weigh_thresholds` where no threshold moves, from the running sums.
    fn weigh_fixed_thresholds(&mut self) -> f64 {
        if self.sums.capacity() == 0 {
            // One allocation (a copied ledger starts with none).
            self.sums.reserve(self.holders.len());
        }
        let (mut weighted, mut total) = self.sums.last().copied().unwrap_or((0.0, 0.0));
        for &i in &self.given[self.sums.len()..] {
            let h = &self.holders[i];
            weighted += h.amount * h.threshold;
            total += h.amount;
            self.sums.push((weighted, total));
        }
        if total > 0.0 { weighted / total } else { 0.0 }
    }

    /// Distributes holder `i`'s allocation in month `m` if it is due then.
    fn give(&mut self, i: usize, m: u32, each: &mut impl FnMut(&Holder)) {
        if self.holders[i].distributed() || !self.due(&self.holders[i], m) {
            return;
        }
        let holders = self.holders.len();
        let h = &mut self.holders[i];
        h.distributed_in = Some(m);
        h.held = h.amount;
        self.highest_threshold = self.highest_threshold.max(h.threshold);
        self.distributed += h.amount;
        self.holding += 1;
        let at = insert_in_order(&mut self.given, i, holders);
        insert_in_order(&mut self.asking, i, holders);
        // The sums from its place in `given` on are to be worked out again.
        self.sums.truncate(at);
        each(h);
    }

    /// Whether deal `deal`'s allocation is still to be distributed.
    pub fn pending(&self, deal: usize) -> bool {
        self.holders
            .iter()
            .any(|h| h.deal == deal && !h.distributed())
    }

    /// The IRR rule in month `m`, for AEGIS value `aegis_value` and a
    /// yearly-rate projection of `revenue_in` USDC a month into AEGIS.
    pub fn rule(&self, m: u32, aegis_value: f64, revenue_in: f64) -> IrrRule {
        let (s, e) = (self.window_start, self.window_end);
        if m < s {
            return IrrRule::Known(Irr::NotOpen);
        }
        if let Some(by_month) = &self.time_only_irr {
            return IrrRule::Known(match by_month.get(m as usize) {
                Some(&irr) => irr,
                None => time_only_irr(m, s, e),
            });
        }
        if m >= e {
            return IrrRule::Known(Irr::AllRedeem);
        }
        let now = self.value_per_oak(aegis_value);
        if now <= 0.0 {
            return IrrRule::Known(Irr::Undefined);
        }
        let left = f64::from(e - m);
        let then = (aegis_value + revenue_in * left) / self.unredeemed();
        // The IRR is (then / now)^(12 / left) - 1.
        IrrRule::Projected(Projection {
            growth: then / now,
            power: 12.0 / left,
        })
    }

    /// [`Oak::rule`] with its IRR worked out.
    #[cfg(test)]
    pub fn irr(&self, m: u32, aegis_value: f64, revenue_in: f64) -> Irr {
        self.rule(m, aegis_value, revenue_in).irr()
    }

    /// The redemption step of month `m` under `rule` (computed once, before
    /// any payout): the queue is served, oldest request first, then every
    /// holder with OAK left and no request waiting asks if the rule says
    /// so, in deal order; what the month's limit lets through is paid pro
    /// rata out of AEGIS at the moment it is served, and the rest of each
    /// request queues. Calls `each` with each payout and each request queued.
    #[inline]
    pub fn redeem(&mut self, m: u32, rule: IrrRule, aegis: &mut Aegis, each: impl FnMut(&Outcome)) {
        // Most months nobody can redeem: that test is inline, the rest is not.
        if self.holding > 0 && (self.some_may_ask(rule) || !self.queue.is_empty()) {
            self.redeem_holders(m, rule, aegis, each);
        }
    }

    /// Whether some holder may ask to redeem under `irr`: not where no
    /// threshold moves and the IRR is at or above the threshold of every
    /// holder holding OAK (each asks only below its own).
    #[inline]
    fn some_may_ask(&self, rule: IrrRule) -> bool {
        match rule {
            IrrRule::Known(Irr::Value(_)) | IrrRule::Projected(_) if !self.thresholds_move => {
                rule.below(self.highest_threshold)
            }
            IrrRule::Known(irr) => irr.may_ask(),
            IrrRule::Projected(_) => true,
        }
    }

    fn redeem_holders(
        &mut self,
        m: u32,
        rule: IrrRule,
        aegis: &mut Aegis,
        each: impl FnMut(&Outcome),
    ) {
        self.serve_and_ask(m, rule, aegis, each);
        if self.highest_threshold == f64::INFINITY {
            self.highest_threshold = self.highest_holding_threshold();
        }
    }

    /// [`Oak::redeem_holders`]'s queue and requests.
    fn serve_and_ask(
        &mut self,
        m: u32,
        rule: IrrRule,
        aegis: &mut Aegis,
        mut each: impl FnMut(&Outcome),
    ) {
        let mut allowance = Allowance(self.month_limit);
        // 2. The queue, oldest first, while the month's limit allows.
        while let Some(&r) = self.queue.front() {
            if allowance.spent() {
                break;
            }
            let served = allowance.take(r.amount);
            let paid = self.pay(r.holder, served, m, aegis, Some(r.month));
            if self.queue.serve_front(served) {
                self.holders[r.holder].waiting = false;
            }
            each(&Outcome::Paid(paid));
        }
        // 3. New requests, in deal order; what the limit holds back queues.
        if !self.some_may_ask(rule) {
            return;
        }
        if self.asking.len() > self.holding {
            let holders = &self.holders;
            self.asking.retain(|&i| holders[i].holding());
        }
        let mut k = 0;
        while let Some(&i) = self.asking.get(k) {
            k += 1;
            let h = &self.holders[i];
            if !h.holding() || h.waiting {
                continue;
            }
            let Some(wanted) = h.request(m, rule, self.window_end) else {
                continue;
            };
            let served = allowance.take(wanted);
            let rest = wanted - served;
            // Nothing is paid for a request the limit held back whole (a
            // request for nothing is still redeemed, as it always was).
            if served > 0.0 || rest <= 0.0 {
                let paid = self.pay(i, served, m, aegis, None);
                each(&Outcome::Paid(paid));
            }
            if rest > 0.0 {
                let h = &mut self.holders[i];
                h.waiting = true;
                self.queue.push(Request {
                    holder: i,
                    deal: h.deal,
                    amount: rest,
                    month: m,
                });
                each(&Outcome::Queued(Queued {
                    deal: h.deal,
                    amount: rest,
                    requested: wanted,
                    threshold: h.threshold_in(m, self.window_end),
                }));
            }
        }
    }

    /// Redeems `amount` of holder `i`'s OAK, paying it its pro-rata share of
    /// AEGIS (so that value per OAK does not move).
    fn pay(
        &mut self,
        i: usize,
        amount: f64,
        m: u32,
        aegis: &mut Aegis,
        queued_since: Option<u32>,
    ) -> Redemption {
        let unredeemed = self.unredeemed();
        let (usdc, leaf) = if self.pays_out && unredeemed > 0.0 {
            aegis.pay_share(amount / unredeemed)
        } else {
            (0.0, 0.0)
        };
        let h = &mut self.holders[i];
        h.held -= amount;
        if h.held <= 0.0 {
            h.redeemed = true;
            self.holding -= 1;
            if h.threshold >= self.highest_threshold {
                // To be worked out at the end of the month's redemptions.
                self.highest_threshold = f64::INFINITY;
            }
        }
        self.redeemed += amount;
        Redemption {
            deal: h.deal,
            amount,
            threshold: h.threshold_in(m, self.window_end),
            usdc,
            leaf,
            queued_since,
        }
    }

    /// Sum of distributed x threshold of month `m` over total distributed
    /// (0 if none), over every allocation distributed, redeemed or not.
    pub fn threshold_weighted(&self, m: u32) -> f64 {
        if self.thresholds_move {
            self.weigh_thresholds(m)
        } else {
            self.weighted_threshold
        }
    }

    fn weigh_thresholds(&self, m: u32) -> f64 {
        let (mut weighted, mut total) = (0.0, 0.0);
        for h in self.given.iter().map(|&i| &self.holders[i]) {
            weighted += h.amount * h.threshold_in(m, self.window_end);
            total += h.amount;
        }
        if total > 0.0 { weighted / total } else { 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load;

    fn oak(extra: &str) -> Oak {
        let text = format!(
            "{extra}\n[oak]\ntotal_supply = 100\nredemption_start_month = 3\nredemption_end_month = 48\n\
             [[deal]]\ncounterparty = \"A\"\nstart_month = 3\noak = {{ amount = 20, vesting_months = 12, irr_threshold = 0.3 }}\n\
             [[deal]]\ncounterparty = \"B\"\nstart_month = 5\noak = {{ amount = 30, vesting_months = 0, irr_threshold = 0.1 }}\n"
        );
        Oak::new(&load("t", &text, &[]).unwrap())
    }

    /// Runs month `m`'s redemption step; what it did, in order.
    fn step(o: &mut Oak, m: u32, irr: Irr, aegis: &mut Aegis) -> Vec<Outcome> {
        let mut out = Vec::new();
        o.redeem(m, IrrRule::Known(irr), aegis, |x| out.push(*x));
        out
    }

    /// The payouts of month `m`'s redemption step.
    fn payouts(o: &mut Oak, m: u32, irr: Irr, aegis: &mut Aegis) -> Vec<Redemption> {
        step(o, m, irr, aegis)
            .into_iter()
            .filter_map(|x| match x {
                Outcome::Paid(r) => Some(r),
                Outcome::Queued(_) => None,
            })
            .collect()
    }

    fn distributed_in(mut o: Oak, months: std::ops::RangeInclusive<u32>) -> Vec<(u32, usize)> {
        let mut out = Vec::new();
        for m in months {
            o.distribute(m, |h| out.push((m, h.deal)));
        }
        out
    }

    #[test]
    fn allocations_distribute_after_vesting() {
        assert_eq!(distributed_in(oak(""), 1..=20), vec![(5, 1), (15, 0)]);
    }

    #[test]
    fn the_original_model_distributes_a_month_early_and_never_at_vesting_zero() {
        let o = oak("[compat]\noak_vesting_off_by_one = true");
        assert_eq!(distributed_in(o, 1..=60), vec![(14, 0)]);
    }

    #[test]
    fn distribution_months_are_the_months_distribute_hands_out() {
        for quirk in ["", "[compat]\noak_vesting_off_by_one = true"] {
            let o = oak(quirk);
            let want = distributed_in(o.clone(), 1..=60);
            let mut got: Vec<(u32, usize)> = o
                .holders()
                .iter()
                .filter_map(|h| Some((o.distribution_month(h)?, h.deal)))
                .collect();
            got.sort_unstable();
            assert_eq!(got, want, "{quirk}");
        }
    }

    #[test]
    fn irr_projects_the_treasury_at_its_revenue_run_rate() {
        let o = oak("");
        assert_eq!(o.irr(2, 1000.0, 10.0), Irr::NotOpen);
        // V_now = 1000 / 100 = 10; V_E = (1000 + 10 x 12) / 100 = 11.2;
        // twelve months left: IRR = 11.2 / 10 - 1.
        match o.irr(36, 1000.0, 10.0) {
            Irr::Value(v) => assert!((v - 0.12).abs() < 1e-12, "{v}"),
            other => panic!("{other:?}"),
        }
        // Six months left: (1 + 60 / 1000)^2 - 1.
        match o.irr(42, 1000.0, 10.0) {
            Irr::Value(v) => assert!((v - (1.06f64.powi(2) - 1.0)).abs() < 1e-12, "{v}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(o.irr(48, 1000.0, 10.0), Irr::AllRedeem);
        assert_eq!(o.irr(30, 0.0, 10.0), Irr::Undefined);
    }

    #[test]
    fn the_original_irr_depends_on_the_month_alone() {
        let o = oak("[compat]\nirr_time_only = true");
        assert_eq!(o.irr(3, 1.0, 0.0), Irr::Lowest, "progress 0: -infinity");
        // The original model's month-4 IRR, from its printed output.
        assert_eq!(o.irr(4, 1.0, 0.0), Irr::Value(1.8240744399189919));
        assert_eq!(o.irr(48, 1.0, 0.0), Irr::Value(0.0));
        assert_eq!(o.irr(60, 1.0, 0.0), Irr::Value(0.0));
    }

    #[test]
    fn redemptions_pay_pro_rata_in_deal_order() {
        let mut o = oak("");
        for m in 1..=15 {
            o.distribute(m, |_| {});
        }
        let mut aegis = Aegis {
            leaf: 500.0,
            usdc: 1000.0,
        };
        let paid: Vec<_> = payouts(&mut o, 48, Irr::AllRedeem, &mut aegis)
            .iter()
            .map(|r| (r.deal, r.usdc, r.leaf))
            .collect();
        // A: 20 of 100 unredeemed; then B: 30 of the remaining 80.
        assert_eq!(paid, vec![(0, 200.0, 100.0), (1, 300.0, 150.0)]);
        assert_eq!(
            aegis,
            Aegis {
                leaf: 250.0,
                usdc: 500.0
            }
        );
        assert_eq!((o.redeemed, o.unredeemed()), (50.0, 50.0));
        // Value per OAK is unchanged: 1500 / 100 before, 750 / 50 after.
        assert_eq!(o.value_per_oak(aegis.value(1.0)), 15.0);
    }

    #[test]
    fn only_holders_whose_threshold_is_above_the_irr_redeem() {
        let mut o = oak("[compat]\nredemptions_without_payout = true");
        for m in 1..=15 {
            o.distribute(m, |_| {});
        }
        let mut aegis = Aegis {
            leaf: 500.0,
            usdc: 1000.0,
        };
        let mut who = Vec::new();
        let mut month = |m, irr, aegis: &mut Aegis| {
            for r in payouts(&mut o, m, irr, aegis) {
                who.push((r.deal, r.usdc));
            }
        };
        month(16, Irr::Value(0.2), &mut aegis);
        month(17, Irr::Value(0.2), &mut aegis);
        month(18, Irr::Undefined, &mut aegis);
        assert_eq!(
            who,
            vec![(0, 0.0)],
            "A (0.3) redeems once, B (0.1) holds; nothing is paid"
        );
        assert_eq!(
            aegis,
            Aegis {
                leaf: 500.0,
                usdc: 1000.0
            }
        );
    }

    #[test]
    fn the_highest_threshold_is_that_of_the_holders_still_holding() {
        // A (0.3) and B (0.1), both distributed by month 15. The month's
        // pass over the holders is skipped only under an IRR at or above
        // every threshold still held: 0.3 while A holds, 0.1 once A has
        // redeemed all it had.
        let mut o = oak("");
        assert_eq!(o.highest_threshold, f64::NEG_INFINITY);
        for m in 1..=15 {
            o.distribute(m, |_| {});
        }
        assert_eq!(o.highest_threshold, 0.3);
        let may_ask = |irr| o.some_may_ask(IrrRule::Known(irr));
        assert!(may_ask(Irr::Value(0.29)));
        assert!(!may_ask(Irr::Value(0.3)));
        assert!(may_ask(Irr::Lowest) && may_ask(Irr::AllRedeem));
        let mut aegis = Aegis {
            leaf: 500.0,
            usdc: 1000.0,
        };
        // Under 0.3 nobody asks; under 0.2, A redeems all of its 20.
        assert!(payouts(&mut o, 16, Irr::Value(0.3), &mut aegis).is_empty());
        let paid = payouts(&mut o, 17, Irr::Value(0.2), &mut aegis);
        assert_eq!(
            paid.iter().map(|r| (r.deal, r.amount)).collect::<Vec<_>>(),
            [(0, 20.0)]
        );
        assert_eq!(o.highest_threshold, 0.1);
        // B asks under anything below 0.1, and then nobody is left.
        assert!(payouts(&mut o, 18, Irr::Value(0.1), &mut aegis).is_empty());
        let paid = payouts(&mut o, 19, Irr::Value(0.05), &mut aegis);
        assert_eq!(
            paid.iter().map(|r| (r.deal, r.amount)).collect::<Vec<_>>(),
            [(1, 30.0)]
        );
        assert_eq!(o.highest_threshold, f64::NEG_INFINITY);
        // Both end in one month (the window closed): the bound is worked
        // out once, at the month's end.
        let mut o = oak("");
        for m in 1..=15 {
            o.distribute(m, |_| {});
        }
        assert_eq!(payouts(&mut o, 48, Irr::AllRedeem, &mut aegis).len(), 2);
        assert_eq!(o.highest_threshold, f64::NEG_INFINITY);
        // A ledger worked out again from the holders (as without a deal)
        // finds the same bound.
        let mut o = oak("");
        for m in 1..=15 {
            o.distribute(m, |_| {});
        }
        payouts(&mut o, 17, Irr::Value(0.2), &mut aegis);
        o.order_due(17);
        assert_eq!(o.highest_threshold, 0.1);
    }

    #[test]
    fn the_weighted_threshold_counts_distributed_allocations() {
        let mut o = oak("");
        assert_eq!(o.threshold_weighted(1), 0.0);
        o.distribute(5, |_| {});
        assert_eq!(o.threshold_weighted(5), 0.1);
        o.distribute(15, |_| {});
        assert!((o.threshold_weighted(15) - (20.0 * 0.3 + 30.0 * 0.1) / 50.0).abs() < 1e-15);
        assert!(!o.pending(0) && !o.pending(1) && !o.pending(7));
    }

    /// An OAK ledger of `supply` OAK, window from month 3 (closed from
    /// month `end`), at most `q` of the supply redeemed a month, with
    /// `extra` scenario lines and one holder per `deals` item, each the
    /// `oak` part of a deal starting in month 1, distributed in month 1.
    fn ledger(supply: u32, end: u32, q: f64, extra: &str, deals: &[&str]) -> Oak {
        let mut text = format!(
            "{extra}\n[oak]\ntotal_supply = {supply}\nredemption_start_month = 3\n\
             redemption_end_month = {end}\nmax_redemption_per_month = {q:?}\n"
        );
        for (i, d) in deals.iter().enumerate() {
            text.push_str(&format!(
                "[[deal]]\ncounterparty = \"H{i}\"\nstart_month = 1\noak = {{ {d} }}\n"
            ));
        }
        let mut o = Oak::new(&load("t", &text, &[]).unwrap());
        o.distribute(1, |_| {});
        o
    }

    /// A treasury of 1000 USDC and no LEAF: each payout's USDC is its value.
    fn treasury() -> Aegis {
        Aegis {
            leaf: 0.0,
            usdc: 1000.0,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
    }

    /// (deal, OAK, USDC, month requested if from the queue) of each payout.
    fn paid(outcomes: &[Outcome]) -> Vec<(usize, f64, f64, Option<u32>)> {
        outcomes
            .iter()
            .filter_map(|x| match x {
                Outcome::Paid(r) => Some((r.deal, r.amount, r.usdc, r.queued_since)),
                Outcome::Queued(_) => None,
            })
            .collect()
    }

    /// (deal, OAK queued, OAK requested) of each request that queued.
    fn queued(outcomes: &[Outcome]) -> Vec<(usize, f64, f64)> {
        outcomes
            .iter()
            .filter_map(|x| match x {
                Outcome::Queued(q) => Some((q.deal, q.amount, q.requested)),
                Outcome::Paid(_) => None,
            })
            .collect()
    }

    #[test]
    fn the_queue_is_served_oldest_first_across_months() {
        // Supply 100, q = 0.1: at most 10 OAK a month. Holders A (20) and
        // B (30), both with threshold 0.3, both asking from month 3.
        let mut o = ledger(
            100,
            48,
            0.1,
            "",
            &[
                "amount = 20, irr_threshold = 0.3",
                "amount = 30, irr_threshold = 0.3",
            ],
        );
        let mut aegis = treasury();
        // Month 3: A asks 20, gets 10 (10 / 100 of 1000 USDC = 100) and
        // queues 10; B asks 30, the month's limit is spent: all 30 queue.
        let out = step(&mut o, 3, Irr::Value(0.2), &mut aegis);
        assert_eq!(paid(&out), [(0, 10.0, 100.0, None)]);
        assert_eq!(queued(&out), [(0, 10.0, 20.0), (1, 30.0, 30.0)]);
        assert_eq!((o.queued(), o.redeemed, aegis.usdc), (40.0, 10.0, 900.0));
        // Month 4: A's rest first (10 / 90 of 900 = 100); B still waits and
        // does not ask again, A has nothing left to ask for.
        let out = step(&mut o, 4, Irr::Value(0.2), &mut aegis);
        assert_eq!(paid(&out), [(0, 10.0, 100.0, Some(3))]);
        assert!(queued(&out).is_empty());
        assert!(o.holders()[0].redeemed && !o.holders()[0].waiting);
        // Months 5 to 7: B's 30, 10 a month, 100 USDC each (10 / 80 of 800,
        // 10 / 70 of 700, 10 / 60 of 600), even though the IRR rose above
        // its threshold: a request stands once made.
        for (m, left) in [(5, 20.0), (6, 10.0), (7, 0.0)] {
            let out = step(&mut o, m, Irr::Value(0.9), &mut aegis);
            assert_eq!(paid(&out), [(1, 10.0, 100.0, Some(3))], "month {m}");
            assert_eq!(o.queued(), left, "month {m}");
        }
        assert_eq!((o.redeemed, aegis.usdc), (50.0, 500.0));
        // Value per OAK never moved: 1000 / 100 = 500 / 50.
        assert_eq!(o.value_per_oak(aegis.value(1.0)), 10.0);
        assert!(step(&mut o, 8, Irr::AllRedeem, &mut aegis).is_empty());
        assert!(o.queued().is_sign_positive(), "an empty queue holds +0");
    }

    #[test]
    fn a_holder_served_from_the_queue_may_ask_again_the_same_month() {
        // q = 0.15 of 100: 15 a month. A holds 40 and asks half its
        // allocation, 20, at a time.
        let mut o = ledger(
            100,
            48,
            0.15,
            "",
            &["amount = 40, irr_threshold = 0.3, redeem_fraction = 0.5"],
        );
        let mut aegis = treasury();
        // Month 3: asks 20, 15 served, 5 queued.
        let out = step(&mut o, 3, Irr::Value(0.0), &mut aegis);
        assert_eq!(paid(&out), [(0, 15.0, 150.0, None)]);
        assert_eq!(queued(&out), [(0, 5.0, 20.0)]);
        // Month 4: the 5 from the queue (5 / 85 of 850 = 50); no longer
        // waiting, A asks again for 20 (all it holds): 10 served, 10 queued.
        let out = step(&mut o, 4, Irr::Value(0.0), &mut aegis);
        let p = paid(&out);
        assert_eq!((p[0].0, p[0].1, p[0].3), (0, 5.0, Some(3)));
        assert!(close(p[0].2, 50.0));
        assert_eq!((p[1].0, p[1].1, p[1].3), (0, 10.0, None));
        assert!(close(p[1].2, 100.0));
        assert_eq!(queued(&out), [(0, 10.0, 20.0)]);
        // Month 5: the last 10.
        let out = step(&mut o, 5, Irr::Value(0.0), &mut aegis);
        assert_eq!(paid(&out).len(), 1);
        assert_eq!(o.redeemed, 40.0);
        assert!(o.holders()[0].redeemed && o.queue().is_empty());
    }

    #[test]
    fn a_fraction_asks_for_a_slice_a_month_and_then_for_what_is_left() {
        // A holds 20 and asks 0.4 of it, 8, each month its threshold (0.3)
        // is above the IRR: 8, 8, then the 4 left, then nothing.
        let mut o = ledger(
            100,
            48,
            1.0,
            "",
            &["amount = 20, irr_threshold = 0.3, redeem_fraction = 0.4"],
        );
        let mut aegis = treasury();
        let mut got = Vec::new();
        for m in 3..=8 {
            // Month 5 the IRR is above the threshold: no request.
            let irr = Irr::Value(if m == 5 { 0.5 } else { 0.1 });
            got.push(paid(&step(&mut o, m, irr, &mut aegis)));
        }
        assert_eq!(
            got,
            [
                vec![(0, 8.0, 80.0, None)],
                // 8 / 92 of 920.
                vec![(0, 8.0, 80.0, None)],
                vec![],
                // 4 / 84 of 840.
                vec![(0, 4.0, 40.0, None)],
                vec![],
                vec![],
            ]
        );
        assert!(o.holders()[0].redeemed);
    }

    #[test]
    fn a_closed_window_redeems_everything_held_whatever_the_fraction() {
        let mut o = ledger(
            100,
            48,
            1.0,
            "",
            &["amount = 20, irr_threshold = 0.3, redeem_fraction = 0.25"],
        );
        let mut aegis = treasury();
        assert_eq!(
            paid(&step(&mut o, 10, Irr::Value(0.0), &mut aegis)),
            [(0, 5.0, 50.0, None)]
        );
        // From the window's end: the 15 left at once.
        assert_eq!(
            paid(&step(&mut o, 48, Irr::AllRedeem, &mut aegis)),
            [(0, 15.0, 150.0, None)]
        );
    }

    #[test]
    fn a_lockup_ending_after_the_window_closes() {
        // Distributed in month 1, locked for 60 months: no request before
        // month 61. The window closes at 48.
        let deal = ["amount = 20, irr_threshold = 0.3, lockup_months = 60"];
        let mut o = ledger(100, 48, 1.0, "", &deal);
        let mut aegis = treasury();
        for m in 3..48 {
            assert!(
                step(&mut o, m, Irr::Value(0.0), &mut aegis).is_empty(),
                "{m}"
            );
        }
        // The default IRR: the closed window overrides the lockup.
        assert_eq!(
            paid(&step(&mut o, 48, Irr::AllRedeem, &mut aegis)),
            [(0, 20.0, 200.0, None)]
        );

        // The original IRR is 0 from the window's end: thresholds and
        // lockups still apply, so the holder waits for month 1 + 60.
        let mut o = ledger(100, 48, 1.0, "[compat]\nirr_time_only = true", &deal);
        let mut aegis = treasury();
        assert_eq!(o.irr(3, 1000.0, 0.0), Irr::Lowest);
        for m in 3..61 {
            let irr = o.irr(m, aegis.value(1.0), 0.0);
            assert!(step(&mut o, m, irr, &mut aegis).is_empty(), "{m}");
        }
        assert_eq!(o.irr(61, 1000.0, 0.0), Irr::Value(0.0));
        assert_eq!(
            paid(&step(&mut o, 61, Irr::Value(0.0), &mut aegis)),
            [(0, 20.0, 200.0, None)]
        );
    }

    #[test]
    fn the_lockup_counts_from_the_month_of_distribution() {
        // Distributed in month 1 with a lockup of 4: it may ask from month 5.
        let mut o = ledger(
            100,
            48,
            1.0,
            "",
            &["amount = 20, irr_threshold = 0.3, lockup_months = 4"],
        );
        let mut aegis = treasury();
        assert!(step(&mut o, 3, Irr::Lowest, &mut aegis).is_empty());
        assert!(step(&mut o, 4, Irr::Value(0.0), &mut aegis).is_empty());
        assert_eq!(
            paid(&step(&mut o, 5, Irr::Value(0.0), &mut aegis)),
            [(0, 20.0, 200.0, None)]
        );
    }

    #[test]
    fn thresholds_move_linearly_from_distribution_to_the_windows_end() {
        // A: distributed in month 4, 0.1 moving to 0.5 by month 12.
        let text = "[oak]\ntotal_supply = 100\nredemption_start_month = 3\nredemption_end_month = 12\n\
             [[deal]]\ncounterparty = \"A\"\nstart_month = 4\noak = { amount = 20, irr_threshold = 0.1, irr_threshold_end = 0.5 }\n\
             [[deal]]\ncounterparty = \"B\"\nstart_month = 1\noak = { amount = 30, irr_threshold = 0.2 }\n";
        let mut o = Oak::new(&load("t", text, &[]).unwrap());
        for m in 1..=4 {
            o.distribute(m, |_| {});
        }
        let a = &o.holders()[0];
        // t0 + (t1 - t0) x (m - d) / (E - d), d = 4, E = 12.
        assert_eq!(a.threshold_in(4, 12), 0.1);
        assert!(close(a.threshold_in(8, 12), 0.3));
        assert_eq!(a.threshold_in(12, 12), 0.5);
        assert_eq!(a.threshold_in(30, 12), 0.5);
        // A window that ends before distribution: t1 at once.
        assert_eq!(a.threshold_in(4, 3), 0.5);
        // B's does not move.
        assert_eq!(o.holders()[1].threshold_in(8, 12), 0.2);
        // Weighted by allocation, with the month's thresholds:
        // (20 x 0.3 + 30 x 0.2) / 50 in month 8.
        assert!(close(o.threshold_weighted(8), 0.24));
        assert!(close(
            o.threshold_weighted(12),
            (20.0 * 0.5 + 30.0 * 0.2) / 50.0
        ));
        // With the IRR at 0.25, A asks once its threshold has passed it:
        // month 6 (0.2) no, month 8 (0.3) yes.
        let mut aegis = treasury();
        assert!(step(&mut o, 6, Irr::Value(0.25), &mut aegis).is_empty());
        let p = payouts(&mut o, 8, Irr::Value(0.25), &mut aegis);
        assert_eq!((p.len(), p[0].deal, p[0].amount), (1, 0, 20.0));
        assert!(
            close(p[0].threshold, 0.3),
            "the month's threshold is reported"
        );
    }

    #[test]
    fn controls_left_at_their_defaults_redeem_as_without_them() {
        // A holder with lockup 0, fraction 1 and no end threshold, under
        // no limit: the whole allocation at once, paid 20 / 100 of AEGIS.
        let mut o = ledger(100, 48, 1.0, "", &["amount = 20, irr_threshold = 0.3"]);
        let mut aegis = treasury();
        let out = step(&mut o, 3, Irr::Lowest, &mut aegis);
        assert_eq!(paid(&out), [(0, 20.0, 200.0, None)]);
        assert!(queued(&out).is_empty() && o.queue().is_empty());
        assert_eq!(o.month_limit(), 100.0);
    }
}
