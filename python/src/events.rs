//! A run's events (the engine's [`Event`]s, which the command line writes
//! to its log) as Python dicts: `month`, `kind`, and the event's figures,
//! deals named by index and id.

use canopy_model::Irr;
use canopy_model::{Event, Observer, Scenario};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// Gathers a run's events in order.
#[derive(Default)]
pub struct Gathered {
    /// Each event with its month.
    pub events: Vec<(u32, Event)>,
}

impl Observer for Gathered {
    fn event(&mut self, month: u32, event: &Event) {
        self.events.push((month, event.clone()));
    }
}

/// The IRR rule as a number (`None` where there is none) and a word.
fn irr(d: &Bound<'_, PyDict>, rule: Irr) -> PyResult<()> {
    let (value, word) = match rule {
        Irr::Value(v) => (Some(v), "value"),
        Irr::NotOpen => (None, "not_open"),
        Irr::AllRedeem => (None, "all_redeem"),
        Irr::Lowest => (Some(f64::NEG_INFINITY), "lowest"),
        Irr::Undefined => (None, "undefined"),
    };
    d.set_item("irr", value)?;
    d.set_item("irr_rule", word)
}

/// The events as a list of dicts.
pub fn to_python(py: Python<'_>, s: &Scenario, events: &[(u32, Event)]) -> PyResult<Py<PyAny>> {
    let list = PyList::empty(py);
    for (month, event) in events {
        let d = PyDict::new(py);
        d.set_item("month", month)?;
        let deal = |d: &Bound<'_, PyDict>, index: usize| -> PyResult<()> {
            d.set_item("deal", index)?;
            d.set_item("deal_id", s.deals.get(index).map(|x| x.id.as_str()))
        };
        match event {
            Event::DealStarts { deal: i } => {
                d.set_item("kind", "deal_starts")?;
                deal(&d, *i)?;
            }
            Event::RecurringContract { amount } => {
                d.set_item("kind", "recurring_contract")?;
                d.set_item("amount", amount)?;
            }
            Event::Price {
                price,
                impact,
                liquidity,
            } => {
                d.set_item("kind", "price")?;
                d.set_item("price", price)?;
                d.set_item("impact", impact)?;
                d.set_item("liquidity", liquidity)?;
            }
            Event::LeafSold {
                leaf,
                needed,
                price,
            } => {
                d.set_item("kind", "leaf_sold")?;
                d.set_item("leaf", leaf)?;
                d.set_item("needed", needed)?;
                d.set_item("price", price)?;
            }
            Event::LeafBought {
                leaf,
                offered,
                price,
            } => {
                d.set_item("kind", "leaf_bought")?;
                d.set_item("leaf", leaf)?;
                d.set_item("offered", offered)?;
                d.set_item("price", price)?;
            }
            Event::RevenueIn { usdc } => {
                d.set_item("kind", "revenue_in")?;
                d.set_item("usdc", usdc)?;
            }
            Event::PairWithdrawn {
                deal: i,
                leaf,
                usdc,
            } => {
                d.set_item("kind", "pair_withdrawn")?;
                deal(&d, *i)?;
                d.set_item("leaf", leaf)?;
                d.set_item("usdc", usdc)?;
            }
            Event::OakDistributed { deal: i, amount } => {
                d.set_item("kind", "oak_distributed")?;
                deal(&d, *i)?;
                d.set_item("amount", amount)?;
            }
            Event::Redemption {
                deal: i,
                amount,
                irr: rule,
                threshold,
                usdc,
                leaf,
                queued_since,
                aegis_value,
            } => {
                d.set_item("kind", "redemption")?;
                deal(&d, *i)?;
                d.set_item("amount", amount)?;
                irr(&d, *rule)?;
                d.set_item("threshold", threshold)?;
                d.set_item("usdc", usdc)?;
                d.set_item("leaf", leaf)?;
                d.set_item("queued_since", queued_since)?;
                d.set_item("aegis_value", aegis_value)?;
            }
            Event::RedemptionQueued {
                deal: i,
                amount,
                requested,
                irr: rule,
                threshold,
            } => {
                d.set_item("kind", "redemption_queued")?;
                deal(&d, *i)?;
                d.set_item("amount", amount)?;
                d.set_item("requested", requested)?;
                irr(&d, *rule)?;
                d.set_item("threshold", threshold)?;
            }
            Event::MarketFlow {
                wanted,
                executed,
                depth,
            } => {
                d.set_item("kind", "market_flow")?;
                d.set_item("wanted", wanted)?;
                d.set_item("executed", executed)?;
                d.set_item("depth", depth)?;
            }
        }
        list.append(d)?;
    }
    Ok(list.into_any().unbind())
}
