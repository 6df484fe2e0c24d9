//! Revenue: what each kind of TVL earns in a month, with the rate
//! adjustments of the `[revenue]` table.

use crate::scenario::{Scenario, TvlKind};

/// Rate multipliers: per-kind schedules and price elasticity.
#[derive(Clone, Debug)]
pub struct RateAdjustments {
    targets: [f64; 4],
    schedule_months: f64,
    elasticity: f64,
    initial_price: f64,
    /// Every target 1 and no elasticity: every multiplier is 1 in every month.
    neutral: bool,
}

impl RateAdjustments {
    /// The adjustments of `s`.
    pub fn new(s: &Scenario) -> Self {
        let targets = s.revenue.target_multiplier.as_array();
        RateAdjustments {
            neutral: targets == [1.0; 4] && s.revenue.price_elasticity == 0.0,
            targets,
            schedule_months: f64::from(s.revenue.schedule_months),
            elasticity: s.revenue.price_elasticity,
            initial_price: s.leaf_price.initial,
        }
    }

    /// Each kind's multiplier in month `m` at price `price`.
    pub fn multipliers(&self, m: u32, price: f64) -> [f64; 4] {
        if self.neutral {
            // (1 + 0 x progress) x 1, without working it out.
            return [1.0; 4];
        }
        let progress = (f64::from(m) / self.schedule_months).min(1.0);
        let market = if self.elasticity == 0.0 {
            1.0
        } else {
            (price / self.initial_price).powf(self.elasticity)
        };
        self.targets.map(|t| (1.0 + (t - 1.0) * progress) * market)
    }
}

/// One month's revenue of one contribution: amount x rate / 12.
pub fn monthly(amount: f64, annual_rate: f64) -> f64 {
    amount * annual_rate / 12.0
}

/// Revenue by kind: revenue before adjustments times each kind's multiplier.
pub fn adjust(base: &[f64; 4], multipliers: &[f64; 4]) -> [f64; 4] {
    std::array::from_fn(|k| base[k] * multipliers[k])
}

/// Revenue of the chain's organic TVL in a month.
pub fn chain_organic(amount: f64, s: &Scenario, multipliers: &[f64; 4]) -> f64 {
    monthly(amount, s.tvl.revenue_rates.organic) * multipliers[TvlKind::Organic.index()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load;

    #[test]
    fn multipliers_reach_their_targets_at_schedule_months() {
        let s = load(
            "t",
            "[revenue]\nschedule_months = 24\ntarget_multiplier = { contracted = 2.0, organic = 0.5 }\n",
            &[],
        )
        .unwrap();
        let r = RateAdjustments::new(&s);
        assert_eq!(r.multipliers(0, 1.0), [1.0; 4]);
        assert_eq!(r.multipliers(12, 1.0), [1.0, 1.5, 0.75, 1.0]);
        assert_eq!(r.multipliers(24, 1.0), [1.0, 2.0, 0.5, 1.0]);
        assert_eq!(r.multipliers(60, 1.0), [1.0, 2.0, 0.5, 1.0]);
    }

    #[test]
    fn price_elasticity_scales_every_rate() {
        let s = load(
            "t",
            "[revenue]\nprice_elasticity = 2\n[leaf_price]\ninitial = 0.5\n",
            &[],
        )
        .unwrap();
        let r = RateAdjustments::new(&s);
        assert_eq!(r.multipliers(5, 1.0), [4.0; 4]);
        assert_eq!(r.multipliers(5, 0.25), [0.25; 4]);
    }

    #[test]
    fn revenue_is_amount_times_rate_over_twelve_times_the_multiplier() {
        assert_eq!(monthly(1200.0, 0.1), 10.0);
        assert_eq!(
            adjust(&[1.0, 2.0, 3.0, 4.0], &[1.0, 0.5, 2.0, 0.0]),
            [1.0, 1.0, 6.0, 0.0]
        );
    }
}
