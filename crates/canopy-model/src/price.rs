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

    /// The month's price, given its first normal draw `z1`.
    pub fn step(&mut self, z1: f64) -> PriceMonth {
        let p = &self.params;
        match p.model {
            PriceModel::Fixed => PriceMonth {
                price: p.initial,
                impact: 0.0,
            },
            PriceModel::Market => {
                let impact = std::mem::take(&mut self.pending_impact);
                let shock = (p.drift - p.volatility * p.volatility / 2.0 + p.volatility * z1).exp();
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
