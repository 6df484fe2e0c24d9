//! Turns the engine's events, and each month's end, into log lines.

use std::ops::ControlFlow;

use canopy_model::Irr;
use canopy_model::scenario::Deal;
use canopy_model::{Event, MonthRecord, Observer, Scenario, State};
use canopy_output::numbers::compact as n;
use tracing::{info, warn};

/// `text` (an id, a counterparty, a path: anything the user wrote) fit for
/// one log line: its hidden characters escaped as the scenario's messages
/// escape them ([`canopy_model::scenario::escaped`]: `\n`,
/// `\u{1b}`, `\0`, `\u{202e}`), so a name cannot forge or hide lines; other
/// text, ordinary unicode included, is kept.
pub fn escaped(text: &str) -> String {
    canopy_model::scenario::escaped(text).into_owned()
}

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
        Irr::Value(v) if v.abs() >= canopy_output::numbers::HUGE => format!("IRR {}", n(v)),
        Irr::Value(v) => format!("IRR {v:.4}"),
        Irr::AllRedeem => "IRR undefined (window closed: all redeem)".into(),
        Irr::Lowest => "IRR -infinity (start of window: every unlocked holder redeems)".into(),
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
                    escaped(&deal.id),
                    escaped(&deal.counterparty),
                    parts.join(" + ")
                );
            }
            Event::RecurringContract { amount } => {
                info!("month {m}: recurring contract of {} USD added", n(*amount));
            }
            Event::Price {
                price,
                impact,
                liquidity,
            } => {
                info!(
                    "month {m}: LEAF price {} (impact {}); pairs' liquidity {} USD",
                    n(*price),
                    n(*impact),
                    n(*liquidity)
                );
            }
            Event::LeafSold {
                leaf,
                needed,
                price,
            } => {
                info!(
                    "month {m}: AEGIS sold {} LEAF to pairs at {} ({} USD)",
                    n(*leaf),
                    n(*price),
                    n(leaf * price)
                );
                if leaf < needed {
                    warn!(
                        "month {m}: pairs needed {} LEAF but AEGIS had only {}: sale capped",
                        n(*needed),
                        n(*leaf)
                    );
                }
            }
            Event::LeafBought {
                leaf,
                offered,
                price,
            } => {
                info!(
                    "month {m}: AEGIS bought {} LEAF from pairs at {} ({} USD)",
                    n(*leaf),
                    n(*price),
                    n(leaf * price)
                );
                if leaf < offered {
                    warn!(
                        "month {m}: pairs offered {} LEAF but AEGIS could pay for only {}: purchase capped",
                        n(*offered),
                        n(*leaf)
                    );
                }
            }
            Event::RevenueIn { usdc } => {
                info!("month {m}: AEGIS received {} USDC of revenue", n(*usdc));
            }
            Event::PairWithdrawn { deal, leaf, usdc } => {
                let Some(deal) = self.deal(*deal) else { return };
                info!(
                    "month {m}: pair of deal {} ended; {} LEAF and {} USDC withdrawn",
                    escaped(&deal.id),
                    n(*leaf),
                    n(*usdc)
                );
            }
            Event::OakDistributed { deal, amount } => {
                let Some(deal) = self.deal(*deal) else { return };
                info!(
                    "month {m}: {} OAK distributed to {} ({})",
                    n(*amount),
                    escaped(&deal.id),
                    escaped(&deal.counterparty)
                );
            }
            Event::Redemption {
                deal,
                amount,
                irr,
                threshold,
                usdc,
                leaf,
                queued_since,
                ..
            } => {
                let Some(deal) = self.deal(*deal) else { return };
                match queued_since {
                    None => info!(
                        "month {m}: {} redeemed {} OAK: {}, threshold {}; paid {} USDC and {} LEAF",
                        escaped(&deal.id),
                        n(*amount),
                        irr_text(*irr),
                        n(*threshold),
                        n(*usdc),
                        n(*leaf)
                    ),
                    Some(since) => info!(
                        "month {m}: {} redeemed {} OAK from the queue (requested in month {since}); paid {} USDC and {} LEAF",
                        escaped(&deal.id),
                        n(*amount),
                        n(*usdc),
                        n(*leaf)
                    ),
                }
            }
            Event::RedemptionQueued {
                deal,
                amount,
                requested,
                irr,
                threshold,
            } => {
                let Some(deal) = self.deal(*deal) else { return };
                info!(
                    "month {m}: {} asked to redeem {} OAK ({}, threshold {}); {} OAK queued behind the monthly limit",
                    escaped(&deal.id),
                    n(*requested),
                    irr_text(*irr),
                    n(*threshold),
                    n(*amount)
                );
            }
            Event::MarketFlow {
                wanted,
                executed,
                depth,
            } => {
                info!(
                    "month {m}: market flow {} USD executed of {} wanted (depth {})",
                    n(*executed),
                    n(*wanted),
                    n(*depth)
                );
                if (wanted - executed).abs() > 1e-9 * wanted.abs().max(1.0) {
                    warn!(
                        "month {m}: {} USD of market flow could not be filled by the pairs and was dropped",
                        n(wanted - executed)
                    );
                }
            }
        }
    }

    fn month_end(&mut self, r: &MonthRecord, _state: &State<'_>) -> ControlFlow<()> {
        info!(
            "month {}: revenue {} USD, cumulative {} USD; AEGIS {} LEAF, {} USDC",
            r.month,
            n(r.revenue_total()),
            n(r.revenue_cumulative),
            n(r.aegis_leaf),
            n(r.aegis_usdc)
        );
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_hides_control_characters_and_keeps_unicode() {
        assert_eq!(escaped("Sigma Capital"), "Sigma Capital");
        assert_eq!(escaped("Zoë €5 名前"), "Zoë €5 名前");
        assert_eq!(escaped("a\nINFO b"), "a\\nINFO b");
        assert_eq!(escaped("\u{1b}[31m\0"), "\\u{1b}[31m\\0");
        assert_eq!(escaped("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(escaped("r\rt\t"), "r\\rt\\t");
    }

    #[test]
    fn escaped_shows_zero_width_and_tag_characters() {
        assert_eq!(escaped("a\u{200b}b"), "a\\u{200b}b");
        assert_eq!(escaped("a\u{180e}b"), "a\\u{180e}b");
        assert_eq!(
            escaped("\u{e0000}x\u{e0041}\u{e007f}"),
            "\\u{e0000}x\\u{e0041}\\u{e007f}"
        );
        assert_eq!(escaped("\u{2060}\u{feff}"), "\\u{2060}\\u{feff}");
        // Just outside the tag block, a character is itself.
        assert_eq!(escaped("\u{e0080}"), "\u{e0080}");
    }
}
