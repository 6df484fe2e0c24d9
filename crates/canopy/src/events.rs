//! Turns the engine's events, and each month's end, into log lines.

use std::ops::ControlFlow;

use canopy_model::oak::Irr;
use canopy_model::scenario::Deal;
use canopy_model::{Event, MonthRecord, Observer, Scenario, State};
use tracing::{info, warn};

/// Logs every event of a run, and a summary line at each month's end,
/// through `tracing`, so the log reads month by month.
pub struct LogEvents<'s> {
    /// The scenario, to name the deals that events give by index.
    pub scenario: &'s Scenario,
}

impl LogEvents<'_> {
    fn deal(&self, index: usize) -> Option<&Deal> {
        self.scenario.deals.get(index)
    }
}

fn irr_text(irr: Irr) -> String {
    match irr {
        Irr::Value(v) => format!("IRR {:.4}", v),
        Irr::AllRedeem => "IRR undefined (window closed or start of window: all redeem)".into(),
        Irr::Undefined => "IRR undefined".into(),
        Irr::NotOpen => "window not open".into(),
    }
}

impl Observer for LogEvents<'_> {
    fn event(&mut self, m: u32, event: &Event) {
        match event {
            Event::DealStarts { deal } => {
                let Some(deal) = self.deal(*deal) else { return };
                let parts: Vec<&str> = [
                    deal.tvl.as_ref().map(|_| "tvl"),
                    deal.oak.as_ref().map(|_| "oak"),
                    deal.leaf_pair.as_ref().map(|_| "leaf_pair"),
                ]
                .into_iter()
                .flatten()
                .collect();
                info!(
                    "month {m}: deal {} ({}) activated: {}",
                    deal.id,
                    deal.counterparty,
                    parts.join(" + ")
                );
            }
            Event::RecurringContract { amount } => {
                info!("month {m}: recurring contract of {amount} USD added");
            }
            Event::Price {
                price,
                impact,
                liquidity,
            } => {
                info!(
                    "month {m}: LEAF price {price} (impact {impact}); pairs' liquidity {liquidity} USD"
                );
            }
            Event::LeafSold {
                leaf,
                needed,
                price,
            } => {
                info!(
                    "month {m}: AEGIS sold {leaf} LEAF to pairs at {price} ({} USD)",
                    leaf * price
                );
                if leaf < needed {
                    warn!(
                        "month {m}: pairs needed {needed} LEAF but AEGIS had only {leaf}: sale capped"
                    );
                }
            }
            Event::LeafBought {
                leaf,
                offered,
                price,
            } => {
                info!(
                    "month {m}: AEGIS bought {leaf} LEAF from pairs at {price} ({} USD)",
                    leaf * price
                );
                if leaf < offered {
                    warn!(
                        "month {m}: pairs offered {offered} LEAF but AEGIS could pay for only {leaf}: purchase capped"
                    );
                }
            }
            Event::RevenueIn { usdc } => info!("month {m}: AEGIS received {usdc} USDC of revenue"),
            Event::PairWithdrawn { deal, leaf, usdc } => {
                let Some(deal) = self.deal(*deal) else { return };
                info!(
                    "month {m}: pair of deal {} ended; {leaf} LEAF and {usdc} USDC withdrawn",
                    deal.id
                );
            }
            Event::OakDistributed { deal, amount } => {
                let Some(deal) = self.deal(*deal) else { return };
                info!(
                    "month {m}: {amount} OAK distributed to {} ({})",
                    deal.id, deal.counterparty
                );
            }
            Event::Redemption {
                deal,
                amount,
                irr,
                threshold,
                usdc,
                leaf,
            } => {
                let Some(deal) = self.deal(*deal) else { return };
                info!(
                    "month {m}: {} redeemed {amount} OAK: {}, threshold {threshold}; paid {usdc} USDC and {leaf} LEAF",
                    deal.id,
                    irr_text(*irr)
                );
            }
            Event::MarketFlow {
                wanted,
                executed,
                depth,
            } => {
                info!(
                    "month {m}: market flow {executed} USD executed of {wanted} wanted (depth {depth})"
                );
                if (wanted - executed).abs() > 1e-9 * wanted.abs().max(1.0) {
                    warn!(
                        "month {m}: {} USD of market flow could not be filled by the pairs and was dropped",
                        wanted - executed
                    );
                }
            }
        }
    }

    fn month_end(&mut self, r: &MonthRecord, _state: &State<'_>) -> ControlFlow<()> {
        info!(
            "month {}: revenue {} USD, cumulative {} USD; AEGIS {} LEAF, {} USDC",
            r.month,
            r.revenue_total(),
            r.revenue_cumulative,
            r.aegis_leaf,
            r.aegis_usdc
        );
        ControlFlow::Continue(())
    }
}
