//! Market flows: what the market wants to trade against the pairs in a month.

use std::sync::Arc;

use crate::scenario::Market;

/// The external demand of month `m` (from 1) before its noise, USD: the net
/// demand grown monthly since month 1.
pub fn demand(market: &Market, m: u32) -> f64 {
    market.net_demand_usd * (1.0 + market.demand_growth).powi(m as i32 - 1)
}

/// [`demand`] of months 1 to `months` (index: the month - 1), where market
/// flows are on: it depends on the month alone, so it is worked out once
/// per scenario rather than with a `powi` in every month of every run.
pub fn demand_by_month(market: &Market, months: u32) -> Option<Arc<[f64]>> {
    market
        .enabled()
        .then(|| (1..=months).map(|m| demand(market, m)).collect())
}

/// The month's net flow into LEAF in USD (buys positive): external demand
/// `grown` (see [`demand`]) with noise `z2`, less what redeemers sell of
/// the `leaf_out` LEAF paid to them, at price `p`.
pub fn flow(market: &Market, grown: f64, z2: f64, leaf_out: f64, p: f64) -> f64 {
    let external = grown + market.demand_noise_usd * z2;
    external - market.redeemer_sell_share * leaf_out * p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demand_grows_monthly_and_redeemers_sell_their_share() {
        let m = Market {
            net_demand_usd: 1000.0,
            demand_growth: 0.5,
            demand_noise_usd: 10.0,
            redeemer_sell_share: 0.25,
        };
        assert_eq!(flow(&m, demand(&m, 1), 0.0, 0.0, 2.0), 1000.0);
        assert_eq!(flow(&m, demand(&m, 3), 0.0, 0.0, 2.0), 2250.0);
        assert_eq!(flow(&m, demand(&m, 1), -1.5, 0.0, 2.0), 985.0);
        // 400 LEAF paid out, a quarter sold at 2 USD: 200 USD of selling.
        assert_eq!(flow(&m, demand(&m, 1), 0.0, 400.0, 2.0), 800.0);
        // A growth of -1 leaves a flow in month 1 only.
        let once = Market {
            demand_growth: -1.0,
            ..m
        };
        assert_eq!(flow(&once, demand(&once, 1), 0.0, 0.0, 1.0), 1000.0);
        assert_eq!(flow(&once, demand(&once, 2), 0.0, 0.0, 1.0), 0.0);
    }

    #[test]
    fn the_demand_table_is_the_demand_of_each_month_to_the_bit() {
        let m = Market {
            net_demand_usd: 1234.5,
            demand_growth: 0.013,
            demand_noise_usd: 0.0,
            redeemer_sell_share: 0.0,
        };
        let table = demand_by_month(&m, 120).expect("flows are on");
        assert_eq!(table.len(), 120);
        for (month, &d) in (1..).zip(table.iter()) {
            assert_eq!(d.to_bits(), demand(&m, month).to_bits(), "month {month}");
        }
        // The growth compounds from month 1: month 13 has grown 12 times.
        assert!((table[12] / 1234.5 - 1.013f64.powi(12)).abs() < 1e-15);
        let off = Market {
            net_demand_usd: 0.0,
            demand_growth: 0.0,
            ..m
        };
        assert_eq!(demand_by_month(&off, 120), None);
    }
}
