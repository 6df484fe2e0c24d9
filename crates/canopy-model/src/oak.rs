//! OAK: allocations that vest, are distributed, and are redeemed against
//! AEGIS when the expected return (IRR) falls below the holder's threshold.

use crate::aegis::Aegis;
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
    /// IRR below which it redeems.
    pub threshold: f64,
    /// Whether it has been distributed.
    pub distributed: bool,
    /// Whether it has been redeemed.
    pub redeemed: bool,
}

/// What the IRR rule says in one month.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Irr {
    /// Before the redemption window: no IRR, nobody redeems.
    NotOpen,
    /// An IRR: holders whose threshold is above it redeem.
    Value(f64),
    /// Undefined, and every holder redeems (window closed, or the original
    /// formula's -infinity at the window's first month).
    AllRedeem,
    /// Undefined (nothing to value), and nobody redeems.
    Undefined,
}

impl Irr {
    /// The number recorded in `metrics.csv`, if defined.
    pub fn recorded(self) -> Option<f64> {
        match self {
            Irr::Value(v) => Some(v),
            _ => None,
        }
    }

    fn redeems(self, threshold: f64) -> bool {
        match self {
            Irr::NotOpen | Irr::Undefined => false,
            Irr::AllRedeem => true,
            Irr::Value(v) => threshold > v,
        }
    }
}

/// One holder's redemption.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Redemption {
    /// The holder's deal.
    pub deal: usize,
    /// OAK redeemed.
    pub amount: f64,
    /// Its IRR threshold.
    pub threshold: f64,
    /// USDC paid out.
    pub usdc: f64,
    /// LEAF paid out.
    pub leaf: f64,
}

/// The OAK ledger.
#[derive(Clone, Debug)]
pub struct Oak {
    holders: Vec<Holder>,
    total_supply: f64,
    window_start: u32,
    window_end: u32,
    off_by_one: bool,
    time_only_irr: bool,
    pays_out: bool,
    /// OAK distributed so far.
    pub distributed: f64,
    /// OAK redeemed so far.
    pub redeemed: f64,
    /// The first month a pending allocation is due (`u32::MAX`: none is):
    /// the months before it need no look at the holders.
    next_due: u32,
    /// Holders with distributed OAK not yet redeemed: with none, no
    /// redemption needs a look at the holders.
    holding: usize,
    /// `threshold_weighted`, which changes only when an allocation is
    /// distributed.
    weighted_threshold: f64,
}

impl Oak {
    /// The allocations of `s`'s deals, none distributed.
    pub fn new(s: &Scenario) -> Self {
        // Sized for every deal: one allocation, not a few growing ones.
        let mut holders = Vec::with_capacity(s.deals.len());
        holders.extend(s.deals.iter().enumerate().filter_map(|(i, d)| {
            let o = d.oak.as_ref()?;
            Some(Holder {
                deal: i,
                amount: o.amount,
                start: d.start_month,
                vesting: o.vesting_months,
                threshold: o.irr_threshold,
                distributed: false,
                redeemed: false,
            })
        }));
        let mut oak = Oak {
            holders,
            total_supply: s.oak.total_supply,
            window_start: s.oak.redemption_start_month,
            window_end: s.oak.redemption_end_month,
            off_by_one: s.compat.oak_vesting_off_by_one,
            time_only_irr: s.compat.irr_time_only,
            pays_out: !s.compat.redemptions_without_payout,
            distributed: 0.0,
            redeemed: 0.0,
            next_due: 0,
            holding: 0,
            weighted_threshold: 0.0,
        };
        oak.next_due = oak.next_due_after(0);
        oak
    }

    /// The allocations.
    pub fn holders(&self) -> &[Holder] {
        &self.holders
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

    /// The first month after `m` in which an undistributed allocation is
    /// due (`u32::MAX` if none is).
    fn next_due_after(&self, m: u32) -> u32 {
        self.holders
            .iter()
            .filter(|h| !h.distributed)
            .filter_map(|h| self.distribution_month(h))
            .map(|d| d.max(m + 1))
            .min()
            .unwrap_or(u32::MAX)
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
        for i in 0..self.holders.len() {
            if !self.holders[i].distributed && self.due(&self.holders[i], m) {
                let h = &mut self.holders[i];
                h.distributed = true;
                self.distributed += h.amount;
                self.holding += 1;
                each(h);
            }
        }
        self.next_due = self.next_due_after(m);
        self.weighted_threshold = self.weigh_thresholds();
    }

    /// Whether deal `deal`'s allocation is still to be distributed.
    pub fn pending(&self, deal: usize) -> bool {
        self.holders
            .iter()
            .any(|h| h.deal == deal && !h.distributed)
    }

    /// The IRR rule in month `m`, for AEGIS value `aegis_value` and a
    /// yearly-rate projection of `revenue_in` USDC a month into AEGIS.
    pub fn irr(&self, m: u32, aegis_value: f64, revenue_in: f64) -> Irr {
        let (s, e) = (self.window_start, self.window_end);
        if m < s {
            return Irr::NotOpen;
        }
        if self.time_only_irr {
            let progress = (f64::from(m - s) / f64::from(e - s)).min(1.0);
            let years = (f64::from(e) - f64::from(m)) / 12.0;
            let years = years.max(0.0001);
            if progress == 0.0 {
                return Irr::AllRedeem;
            }
            return Irr::Value((1.0 / progress).powf(1.0 / years) - 1.0);
        }
        if m >= e {
            return Irr::AllRedeem;
        }
        let now = self.value_per_oak(aegis_value);
        if now <= 0.0 {
            return Irr::Undefined;
        }
        let left = f64::from(e - m);
        let then = (aegis_value + revenue_in * left) / self.unredeemed();
        Irr::Value((then / now).powf(12.0 / left) - 1.0)
    }

    /// Redeems, in deal order, every holder the IRR rule sends out, paying
    /// each its pro-rata share of AEGIS; calls `each` with each redemption.
    #[inline]
    pub fn redeem(&mut self, irr: Irr, aegis: &mut Aegis, each: impl FnMut(&Redemption)) {
        // Most months nobody can redeem: that test is inline, the rest is not.
        if self.holding > 0 && !matches!(irr, Irr::NotOpen | Irr::Undefined) {
            self.redeem_holders(irr, aegis, each);
        }
    }

    fn redeem_holders(&mut self, irr: Irr, aegis: &mut Aegis, mut each: impl FnMut(&Redemption)) {
        for i in 0..self.holders.len() {
            let h = &self.holders[i];
            if !h.distributed || h.redeemed || !irr.redeems(h.threshold) {
                continue;
            }
            let unredeemed = self.unredeemed();
            let (usdc, leaf) = if self.pays_out && unredeemed > 0.0 {
                aegis.pay_share(h.amount / unredeemed)
            } else {
                (0.0, 0.0)
            };
            let r = Redemption {
                deal: h.deal,
                amount: h.amount,
                threshold: h.threshold,
                usdc,
                leaf,
            };
            self.holders[i].redeemed = true;
            self.holding -= 1;
            self.redeemed += r.amount;
            each(&r);
        }
    }

    /// Sum of distributed x threshold over total distributed (0 if none).
    pub fn threshold_weighted(&self) -> f64 {
        self.weighted_threshold
    }

    fn weigh_thresholds(&self) -> f64 {
        let (mut weighted, mut total) = (0.0, 0.0);
        for h in self.holders.iter().filter(|h| h.distributed) {
            weighted += h.amount * h.threshold;
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
        assert_eq!(o.irr(3, 1.0, 0.0), Irr::AllRedeem, "progress 0: -infinity");
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
        let mut paid = Vec::new();
        o.redeem(Irr::AllRedeem, &mut aegis, |r| {
            paid.push((r.deal, r.usdc, r.leaf))
        });
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
        o.redeem(Irr::Value(0.2), &mut aegis, |r| who.push((r.deal, r.usdc)));
        assert_eq!(
            who,
            vec![(0, 0.0)],
            "A (0.3) redeems, B (0.1) holds; nothing is paid"
        );
        o.redeem(Irr::Value(0.2), &mut aegis, |r| who.push((r.deal, r.usdc)));
        assert_eq!(who.len(), 1, "a holder redeems once");
        o.redeem(Irr::Undefined, &mut aegis, |r| who.push((r.deal, r.usdc)));
        assert_eq!(who.len(), 1);
        assert_eq!(
            aegis,
            Aegis {
                leaf: 500.0,
                usdc: 1000.0
            }
        );
    }

    #[test]
    fn the_weighted_threshold_counts_distributed_allocations() {
        let mut o = oak("");
        assert_eq!(o.threshold_weighted(), 0.0);
        o.distribute(5, |_| {});
        assert_eq!(o.threshold_weighted(), 0.1);
        o.distribute(15, |_| {});
        assert!((o.threshold_weighted() - (20.0 * 0.3 + 30.0 * 0.1) / 50.0).abs() < 1e-15);
        assert!(!o.pending(0) && !o.pending(1) && !o.pending(7));
    }
}
