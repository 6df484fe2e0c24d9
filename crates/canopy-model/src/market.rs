//! Market flows: what the market wants to trade against the pairs in a month.

use crate::scenario::Market;

/// The month's net flow into LEAF in USD (buys positive): external demand,
/// growing and with noise `z2`, less what redeemers sell of the `leaf_out`
/// LEAF paid to them, at price `p`.
pub fn flow(market: &Market, m: u32, z2: f64, leaf_out: f64, p: f64) -> f64 {
    let external = market.net_demand_usd * (1.0 + market.demand_growth).powi(m as i32 - 1)
        + market.demand_noise_usd * z2;
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
        assert_eq!(flow(&m, 1, 0.0, 0.0, 2.0), 1000.0);
        assert_eq!(flow(&m, 3, 0.0, 0.0, 2.0), 2250.0);
        assert_eq!(flow(&m, 1, -1.5, 0.0, 2.0), 985.0);
        // 400 LEAF paid out, a quarter sold at 2 USD: 200 USD of selling.
        assert_eq!(flow(&m, 1, 0.0, 400.0, 2.0), 800.0);
        // A growth of -1 leaves a flow in month 1 only.
        let once = Market {
            demand_growth: -1.0,
            ..m
        };
        assert_eq!(flow(&once, 1, 0.0, 0.0, 1.0), 1000.0);
        assert_eq!(flow(&once, 2, 0.0, 0.0, 1.0), 0.0);
    }
}
