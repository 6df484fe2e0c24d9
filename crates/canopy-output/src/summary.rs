//! The final summary of a run: where the system stands after its last
//! month, as one flat set of figures. The console, the report, the web
//! app's JSON and the Python package all show these, so they are worked out
//! once, here.

use canopy_model::{MonthRecord, Scenario, TvlKind};
use serde::Serialize;

/// Where a run ends: the last month's figures and the last IRR defined. One
/// field per figure, serialised under the field's name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FinalSummary {
    /// The last month simulated.
    pub month: u32,
    /// Protocol-locked TVL, USD.
    pub tvl_protocol_locked: f64,
    /// Contracted TVL, USD.
    pub tvl_contracted: f64,
    /// Organic TVL, USD.
    pub tvl_organic: f64,
    /// Boosted TVL, USD.
    pub tvl_boosted: f64,
    /// TVL of every kind, USD.
    pub tvl_total: f64,
    /// Protocol-locked revenue of the last month, USD.
    pub revenue_protocol_locked: f64,
    /// Contracted revenue of the last month, USD.
    pub revenue_contracted: f64,
    /// Organic revenue of the last month, USD.
    pub revenue_organic: f64,
    /// Boosted revenue of the last month, USD.
    pub revenue_boosted: f64,
    /// Revenue of the last month, USD.
    pub revenue_last_month: f64,
    /// The same figure under its `metrics.csv` name, as the Python
    /// package's summary has always had it.
    pub revenue_total: f64,
    /// Revenue over the run, USD.
    pub revenue_cumulative: f64,
    /// LEAF held by AEGIS.
    pub aegis_leaf: f64,
    /// USDC held by AEGIS.
    pub aegis_usdc: f64,
    /// The LEAF price, USD.
    pub leaf_price: f64,
    /// AEGIS's value, USD.
    pub aegis_value: f64,
    /// Pairs active in the last month.
    pub pairs_active: u32,
    /// LEAF in the pairs.
    pub pairs_leaf: f64,
    /// USDC in the pairs.
    pub pairs_usdc: f64,
    /// OAK's total supply (the scenario's).
    pub oak_total_supply: f64,
    /// OAK distributed.
    pub oak_distributed: f64,
    /// OAK redeemed.
    pub oak_redeemed: f64,
    /// OAK distributed and not redeemed.
    pub oak_unredeemed: f64,
    /// AEGIS's value per unredeemed OAK, USD.
    pub value_per_oak: f64,
    /// The IRR threshold, weighted over the deals, of the last month.
    pub irr_threshold_weighted: f64,
    /// The last IRR defined (undefined once the redemption window closes).
    pub last_irr: Option<f64>,
    /// The month of [`FinalSummary::last_irr`].
    pub last_irr_month: Option<u32>,
}

impl FinalSummary {
    /// The summary of a run of `scenario` that recorded `records`; `None`
    /// when no month was simulated.
    pub fn from_records(scenario: &Scenario, records: &[MonthRecord]) -> Option<FinalSummary> {
        let r = records.last()?;
        let last_irr = records
            .iter()
            .rev()
            .find_map(|r| r.irr.get().map(|v| (r.month, v)));
        let tvl = |k: TvlKind| r.tvl[k.index()];
        let revenue = |k: TvlKind| r.revenue[k.index()];
        Some(FinalSummary {
            month: r.month,
            tvl_protocol_locked: tvl(TvlKind::ProtocolLocked),
            tvl_contracted: tvl(TvlKind::Contracted),
            tvl_organic: tvl(TvlKind::Organic),
            tvl_boosted: tvl(TvlKind::Boosted),
            tvl_total: r.tvl_total(),
            revenue_protocol_locked: revenue(TvlKind::ProtocolLocked),
            revenue_contracted: revenue(TvlKind::Contracted),
            revenue_organic: revenue(TvlKind::Organic),
            revenue_boosted: revenue(TvlKind::Boosted),
            revenue_last_month: r.revenue_total(),
            revenue_total: r.revenue_total(),
            revenue_cumulative: r.revenue_cumulative,
            aegis_leaf: r.aegis_leaf,
            aegis_usdc: r.aegis_usdc,
            leaf_price: r.leaf_price,
            aegis_value: r.aegis_value,
            pairs_active: r.pairs_active,
            pairs_leaf: r.pairs_leaf,
            pairs_usdc: r.pairs_usdc,
            oak_total_supply: scenario.oak.total_supply,
            oak_distributed: r.oak_distributed,
            oak_redeemed: r.oak_redeemed,
            oak_unredeemed: r.oak_unredeemed,
            value_per_oak: r.value_per_oak,
            irr_threshold_weighted: r.irr_threshold_weighted,
            last_irr: last_irr.map(|(_, v)| v),
            last_irr_month: last_irr.map(|(m, _)| m),
        })
    }

    /// The TVL of kind `kind`, USD.
    pub fn tvl(&self, kind: TvlKind) -> f64 {
        match kind {
            TvlKind::ProtocolLocked => self.tvl_protocol_locked,
            TvlKind::Contracted => self.tvl_contracted,
            TvlKind::Organic => self.tvl_organic,
            TvlKind::Boosted => self.tvl_boosted,
        }
    }

    /// The last month's revenue from TVL of kind `kind`, USD.
    pub fn revenue(&self, kind: TvlKind) -> f64 {
        match kind {
            TvlKind::ProtocolLocked => self.revenue_protocol_locked,
            TvlKind::Contracted => self.revenue_contracted,
            TvlKind::Organic => self.revenue_organic,
            TvlKind::Boosted => self.revenue_boosted,
        }
    }

    /// The IRR of the last month itself (`None` when undefined then).
    pub fn irr_of_last_month(&self) -> Option<f64> {
        self.last_irr
            .filter(|_| self.last_irr_month == Some(self.month))
    }

    /// Whether the last IRR defined is of an earlier month than the last
    /// (it has been undefined since).
    pub fn irr_is_older(&self) -> bool {
        self.last_irr_month.is_some_and(|m| m != self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use canopy_model::{ValidScenario, builtin, load};

    fn default() -> ValidScenario {
        load("default", builtin::text("default").expect("built in"), &[]).expect("valid")
    }

    fn month(m: u32, irr: Option<f64>) -> MonthRecord {
        MonthRecord {
            month: m,
            irr: irr.into(),
            tvl: [1.0, 20.0, 300.0, 4000.0],
            revenue: [1.0, 2.0, 3.0, 4.5],
            revenue_cumulative: 100.0 * f64::from(m),
            ..Default::default()
        }
    }

    #[test]
    fn the_summary_is_the_last_month_with_the_last_defined_irr() {
        let s = default();
        let summary = FinalSummary::from_records(
            &s,
            &[month(1, Some(0.25)), month(2, Some(0.5)), month(3, None)],
        )
        .expect("months");
        assert_eq!(summary.month, 3);
        assert_eq!(summary.tvl_total, 4321.0);
        assert_eq!(summary.tvl(TvlKind::Organic), 300.0);
        assert_eq!(summary.revenue_last_month, 10.5);
        assert_eq!(summary.revenue_cumulative, 300.0);
        assert_eq!(summary.last_irr, Some(0.5));
        assert_eq!(summary.last_irr_month, Some(2));
        assert!(summary.irr_is_older());
        assert_eq!(summary.irr_of_last_month(), None);
        assert_eq!(summary.revenue(TvlKind::Boosted), 4.5);
        assert_eq!(summary.oak_total_supply, s.oak.total_supply);
        assert!(FinalSummary::from_records(&s, &[]).is_none());
    }

    #[test]
    fn it_serialises_flat_one_key_per_figure() {
        let s = default();
        let summary = FinalSummary::from_records(&s, &[month(1, None)]).expect("a month");
        let json = serde_json::to_value(&summary).expect("serialisable");
        let o = json.as_object().expect("an object");
        assert_eq!(o.len(), 28);
        assert!(o.values().all(|v| !v.is_object() && !v.is_array()));
        assert_eq!(o["tvl_boosted"], 4000.0);
        assert!(o["last_irr"].is_null());
    }
}
