//! The LEAF price: fixed, or the `market` model with drift, volatility and
//! the impact of last month's market flow.

use crate::scenario::{LeafPrice, PriceModel};

/// The price state carried from month to month.
#[derive(Clone, Debug)]
pub struct Price {
    params: LeafPrice,
    current: f64,
    /// Impact of the last executed market flow, applied next month.
    pending_impact: f64,
}

/// One month's price.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PriceMonth {
    /// The LEAF price in USD.
    pub price: f64,
    /// The impact it took from last month's flow (0 with the fixed model).
    pub impact: f64,
}

impl Price {
    /// The price at month 0.
    pub fn new(params: &LeafPrice) -> Self {
        Price {
            params: params.clone(),
            current: params.initial,
            pending_impact: 0.0,
        }
    }

    /// The latest price (the initial price before month 1).
    pub fn current(&self) -> f64 {
        match self.params.model {
            PriceModel::Fixed => self.params.initial,
            PriceModel::Market => self.current,
        }
    }

    /// Whether the price moves (the `market` model).
    pub fn is_market(&self) -> bool {
        self.params.model == PriceModel::Market
    }

    /// The month's random factor for its first normal draw `z1` (1 for a
    /// fixed price). The month's step takes it first, while little else is
    /// in hand: the `exp` is a call, which costs the registers it clobbers.
    #[inline]
    pub fn shock(&self, z1: f64) -> f64 {
        let p = &self.params;
        match p.model {
            PriceModel::Fixed => 1.0,
            PriceModel::Market => {
                (p.drift - p.volatility * p.volatility / 2.0 + p.volatility * z1).exp()
            }
        }
    }

    /// The month's price, given its first normal draw `z1`.
    #[cfg(test)]
    pub fn step(&mut self, z1: f64) -> PriceMonth {
        self.step_shocked(self.shock(z1))
    }

    /// The month's price, given its random factor ([`Price::shock`]).
    pub fn step_shocked(&mut self, shock: f64) -> PriceMonth {
        let p = &self.params;
        match p.model {
            PriceModel::Fixed => PriceMonth {
                price: p.initial,
                impact: 0.0,
            },
            PriceModel::Market => {
                let impact = std::mem::take(&mut self.pending_impact);
                self.current = (self.current * shock * (1.0 + impact)).clamp(p.min, p.max);
                PriceMonth {
                    price: self.current,
                    impact,
                }
            }
        }
    }

    /// Records an executed flow of `flow` USD (buys positive) against pairs
    /// of depth `depth`; it moves next month's price.
    pub fn record_flow(&mut self, flow: f64, depth: f64) {
        self.pending_impact = impact(flow, depth, self.params.max_monthly_impact);
    }
}

/// I = clamp(F / D, -cap, cap); 0 when there is no depth.
pub fn impact(flow: f64, depth: f64, cap: f64) -> f64 {
    if depth > 0.0 {
        (flow / depth).clamp(-cap, cap)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;

    fn market(drift: f64, volatility: f64) -> LeafPrice {
        let mut p = Scenario::default().leaf_price;
        p.model = PriceModel::Market;
        p.drift = drift;
        p.volatility = volatility;
        p
    }

    #[test]
    fn the_fixed_price_never_moves() {
        let mut p = Price::new(&Scenario::default().leaf_price);
        p.record_flow(-1e9, 1.0);
        for z in [-3.0, 0.0, 3.0] {
            assert_eq!(
                p.step(z),
                PriceMonth {
                    price: 1.0,
                    impact: 0.0
                }
            );
        }
    }

    #[test]
    fn with_drift_only_the_price_is_p0_times_exp_drift_to_the_m() {
        let mut p = Price::new(&market(0.02, 0.0));
        for m in 1..=60 {
            let got = p.step(1.7).price;
            let want = 0.02f64.exp().powi(m);
            assert!(
                (got - want).abs() <= 1e-12 * want,
                "month {m}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn a_flow_moves_the_next_price_by_its_clamped_impact() {
        let mut p = Price::new(&market(0.0, 0.0));
        p.record_flow(-5_000.0, 100_000.0);
        assert_eq!(
            p.step(0.0),
            PriceMonth {
                price: 0.95,
                impact: -0.05
            }
        );
        // The impact applies once.
        assert_eq!(p.step(0.0).impact, 0.0);
        p.record_flow(1e9, 1.0);
        let next = p.step(0.0);
        assert_eq!(next.impact, 0.10);
        assert!((next.price - 0.95 * 1.1).abs() < 1e-15);
    }

    #[test]
    fn the_price_stays_within_its_bounds() {
        let mut params = market(0.0, 1.0);
        params.min = 0.5;
        params.max = 2.0;
        let mut p = Price::new(&params);
        assert_eq!(p.step(10.0).price, 2.0);
        assert_eq!(p.step(-10.0).price, 0.5);
    }

    #[test]
    fn impact_is_zero_without_depth() {
        assert_eq!(impact(100.0, 0.0, 0.1), 0.0);
        assert_eq!(impact(1.0, 100.0, 0.1), 0.01);
        assert_eq!(impact(-50.0, 100.0, 0.1), -0.1);
    }
}
