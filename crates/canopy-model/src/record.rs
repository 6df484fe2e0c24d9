//! The monthly record: one row of `metrics.csv`.

/// The columns of `metrics.csv`, in order.
pub const COLUMNS: [&str; 38] = [
    "month",
    "leaf_price",
    "tvl_protocol_locked",
    "tvl_contracted",
    "tvl_organic",
    "tvl_boosted",
    "tvl_total",
    "revenue_protocol_locked",
    "revenue_contracted",
    "revenue_organic",
    "revenue_boosted",
    "revenue_total",
    "revenue_cumulative",
    "aegis_leaf",
    "aegis_usdc",
    "pairs_active",
    "pairs_leaf",
    "pairs_usdc",
    "oak_distributed",
    "oak_redeemed",
    "oak_unredeemed",
    "value_per_oak",
    "irr",
    "aegis_value",
    "pairs_value",
    "aegis_leaf_sold",
    "aegis_revenue_in",
    "oak_redeemed_month",
    "redemption_usdc_out",
    "redemption_leaf_out",
    "pairs_withdrawn_leaf",
    "pairs_withdrawn_usdc",
    "irr_threshold_weighted",
    "active_deals",
    "market_flow_usd",
    "price_impact",
    "chain_tvl",
    "market_share",
];

/// Everything recorded about one month. By-kind arrays follow
/// [`crate::TvlKind::ALL`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MonthRecord {
    /// Month number, from 1.
    pub month: u32,
    /// LEAF price, USD.
    pub leaf_price: f64,
    /// TVL by kind, USD.
    pub tvl: [f64; 4],
    /// Revenue by kind this month, USD.
    pub revenue: [f64; 4],
    /// Revenue since month 1, USD.
    pub revenue_cumulative: f64,
    /// AEGIS LEAF.
    pub aegis_leaf: f64,
    /// AEGIS USDC.
    pub aegis_usdc: f64,
    /// Pairs active this month.
    pub pairs_active: u32,
    /// LEAF in the active pairs.
    pub pairs_leaf: f64,
    /// USDC in the active pairs.
    pub pairs_usdc: f64,
    /// OAK distributed so far.
    pub oak_distributed: f64,
    /// OAK redeemed so far.
    pub oak_redeemed: f64,
    /// OAK not redeemed.
    pub oak_unredeemed: f64,
    /// AEGIS value per unredeemed OAK.
    pub value_per_oak: f64,
    /// The month's IRR, if defined.
    pub irr: Option<f64>,
    /// AEGIS value, USD.
    pub aegis_value: f64,
    /// Value of the active pairs at the end of the month, USD.
    pub pairs_value: f64,
    /// LEAF AEGIS sold to the pairs, net (negative when it bought).
    pub aegis_leaf_sold: f64,
    /// Revenue paid into AEGIS this month, USDC.
    pub aegis_revenue_in: f64,
    /// OAK redeemed this month.
    pub oak_redeemed_month: f64,
    /// USDC paid to redeemers this month.
    pub redemption_usdc_out: f64,
    /// LEAF paid to redeemers this month.
    pub redemption_leaf_out: f64,
    /// LEAF withdrawn by expired pairs this month.
    pub pairs_withdrawn_leaf: f64,
    /// USDC withdrawn by expired pairs this month.
    pub pairs_withdrawn_usdc: f64,
    /// Distribution-weighted IRR threshold.
    pub irr_threshold_weighted: f64,
    /// Deals active this month.
    pub active_deals: u32,
    /// Market flow executed against the pairs (buys positive), if flows are on.
    pub market_flow_usd: Option<f64>,
    /// Impact this month's price took from last month's flow, if the price model is `market`.
    pub price_impact: Option<f64>,
    /// Chain TVL, if the chain model is on.
    pub chain_tvl: Option<f64>,
    /// Canopy's share of chain TVL, if the chain model is on.
    pub market_share: Option<f64>,
}

impl MonthRecord {
    /// Total TVL.
    pub fn tvl_total(&self) -> f64 {
        self.tvl.iter().sum()
    }

    /// Total revenue this month.
    pub fn revenue_total(&self) -> f64 {
        self.revenue.iter().sum()
    }

    /// The row's values in [`COLUMNS`] order; `None` is an undefined cell.
    pub fn values(&self) -> [Option<f64>; 38] {
        let r = self;
        [
            Some(f64::from(r.month)),
            Some(r.leaf_price),
            Some(r.tvl[0]),
            Some(r.tvl[1]),
            Some(r.tvl[2]),
            Some(r.tvl[3]),
            Some(r.tvl_total()),
            Some(r.revenue[0]),
            Some(r.revenue[1]),
            Some(r.revenue[2]),
            Some(r.revenue[3]),
            Some(r.revenue_total()),
            Some(r.revenue_cumulative),
            Some(r.aegis_leaf),
            Some(r.aegis_usdc),
            Some(f64::from(r.pairs_active)),
            Some(r.pairs_leaf),
            Some(r.pairs_usdc),
            Some(r.oak_distributed),
            Some(r.oak_redeemed),
            Some(r.oak_unredeemed),
            Some(r.value_per_oak),
            r.irr,
            Some(r.aegis_value),
            Some(r.pairs_value),
            Some(r.aegis_leaf_sold),
            Some(r.aegis_revenue_in),
            Some(r.oak_redeemed_month),
            Some(r.redemption_usdc_out),
            Some(r.redemption_leaf_out),
            Some(r.pairs_withdrawn_leaf),
            Some(r.pairs_withdrawn_usdc),
            Some(r.irr_threshold_weighted),
            Some(f64::from(r.active_deals)),
            r.market_flow_usd,
            r.price_impact,
            r.chain_tvl,
            r.market_share,
        ]
    }

    /// The name of the first value that is not finite, if any.
    pub fn first_non_finite(&self) -> Option<&'static str> {
        // Fast path: x * 0 is 0 for every finite x and NaN otherwise.
        let r = self;
        let zero = |o: Option<f64>| o.unwrap_or(0.0) * 0.0;
        let fields = [
            r.tvl_total(),
            r.revenue_total(),
            r.leaf_price,
            r.revenue_cumulative,
            r.aegis_leaf,
            r.aegis_usdc,
            r.pairs_leaf,
            r.pairs_usdc,
            r.oak_distributed,
            r.oak_redeemed,
            r.oak_unredeemed,
            r.value_per_oak,
            r.aegis_value,
            r.pairs_value,
            r.aegis_leaf_sold,
            r.aegis_revenue_in,
            r.oak_redeemed_month,
            r.redemption_usdc_out,
            r.redemption_leaf_out,
            r.pairs_withdrawn_leaf,
            r.pairs_withdrawn_usdc,
            r.irr_threshold_weighted,
        ];
        let acc = fields
            .iter()
            .chain(&r.tvl)
            .chain(&r.revenue)
            .map(|v| v * 0.0)
            .sum::<f64>()
            + zero(r.irr)
            + zero(r.market_flow_usd)
            + zero(r.price_impact)
            + zero(r.chain_tvl)
            + zero(r.market_share);
        if acc == 0.0 {
            return None;
        }
        self.values()
            .iter()
            .zip(COLUMNS)
            .find(|(v, _)| v.is_some_and(|x| !x.is_finite()))
            .map(|(_, name)| name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_non_finite_field_is_found_by_name() {
        let ok = MonthRecord {
            month: 1,
            leaf_price: 1.0,
            ..Default::default()
        };
        assert_eq!(ok.first_non_finite(), None);
        let mut r = ok.clone();
        r.tvl[2] = f64::INFINITY;
        assert_eq!(r.first_non_finite(), Some("tvl_organic"));
        let mut r = ok.clone();
        r.market_share = Some(f64::NAN);
        assert_eq!(r.first_non_finite(), Some("market_share"));
        let mut r = ok.clone();
        r.pairs_withdrawn_usdc = f64::NEG_INFINITY;
        assert_eq!(r.first_non_finite(), Some("pairs_withdrawn_usdc"));
        let mut r = ok.clone();
        r.tvl[0] = 1e308;
        r.tvl[3] = 1e308;
        assert_eq!(
            r.first_non_finite(),
            Some("tvl_total"),
            "finite parts, infinite sum"
        );
        let mut r = ok;
        r.irr = None;
        r.aegis_leaf = f64::MAX;
        r.aegis_usdc = f64::MAX;
        assert_eq!(r.first_non_finite(), None, "large but finite");
    }
}
