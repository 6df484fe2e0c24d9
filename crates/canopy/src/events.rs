//! Turns the engine's events into log lines.

use canopy_model::oak::Irr;
use canopy_model::{Event, Observer};
use tracing::{info, warn};

/// Logs every event of a run through `tracing`.
pub struct LogEvents;

fn irr_text(irr: Irr) -> String {
    match irr {
        Irr::Value(v) => format!("IRR {:.4}", v),
        Irr::AllRedeem => "IRR undefined (window closed or start of window: all redeem)".into(),
        Irr::Undefined => "IRR undefined".into(),
        Irr::NotOpen => "window not open".into(),
    }
}

impl Observer for LogEvents {
    fn event(&mut self, m: u32, event: &Event<'_>) {
        match event {
            Event::DealStarts { deal } => {
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
                info!(
                    "month {m}: pair of deal {} ended; {leaf} LEAF and {usdc} USDC withdrawn",
                    deal.id
                );
            }
            Event::OakDistributed { deal, amount } => {
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
}
