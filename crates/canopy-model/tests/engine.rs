//! Whole runs: conservation, the quirks, failures, and the market features
//! against their closed forms.

use canopy_model::scenario::parse_override;
use canopy_model::{Failure, MonthRecord, RunError, ValidScenario, builtin, load, run};

fn scenario(name: &str, sets: &[&str]) -> ValidScenario {
    let overrides: Vec<_> = sets.iter().map(|s| parse_override(s).unwrap()).collect();
    load(name, builtin::text(name).unwrap(), &overrides).unwrap()
}

fn from_text(text: &str) -> ValidScenario {
    load("test", text, &[]).unwrap()
}

fn records(s: &ValidScenario) -> Vec<MonthRecord> {
    run(s).unwrap()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

/// Checks MODEL.md's conservation sums from the records alone.
fn assert_conserves(s: &ValidScenario, rs: &[MonthRecord]) {
    let initial_pair_leaf: f64 = s
        .deals
        .iter()
        .filter_map(|d| d.leaf_pair.as_ref())
        .map(|p| p.leaf_tokens)
        .sum();
    let (mut withdrawn_leaf, mut withdrawn_usdc, mut paid_leaf, mut paid_usdc, mut revenue_in) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
    for r in rs {
        withdrawn_leaf += r.pairs_withdrawn_leaf;
        withdrawn_usdc += r.pairs_withdrawn_usdc;
        paid_leaf += r.redemption_leaf_out;
        paid_usdc += r.redemption_usdc_out;
        revenue_in += r.aegis_revenue_in;
        let started: Vec<_> = s
            .deals
            .iter()
            .filter(|d| d.start_month <= r.month)
            .filter_map(|d| d.leaf_pair.as_ref())
            .collect();
        let pair_leaf0: f64 = started.iter().map(|p| p.leaf_tokens).sum();
        let pair_usdc0: f64 = started
            .iter()
            .map(|p| p.amount - p.leaf_tokens * s.leaf_price.initial)
            .sum();
        let leaf = r.aegis_leaf + r.pairs_leaf + withdrawn_leaf + paid_leaf;
        assert!(
            close(leaf, s.aegis.initial_leaf + pair_leaf0, 1e-9),
            "month {}: LEAF {leaf} vs {}",
            r.month,
            s.aegis.initial_leaf + initial_pair_leaf
        );
        let usdc = r.aegis_usdc + r.pairs_usdc + withdrawn_usdc + paid_usdc;
        assert!(
            close(usdc, s.aegis.initial_usdc + pair_usdc0 + revenue_in, 1e-9),
            "month {}: USDC {usdc}",
            r.month
        );
        assert!(r.oak_redeemed <= r.oak_distributed + 1e-9);
        assert!(r.oak_distributed <= s.oak.total_supply);
    }
}

#[test]
fn the_default_scenario_conserves_value_every_month() {
    let s = scenario("default", &[]);
    let rs = records(&s);
    assert_eq!(rs.len(), 60);
    assert_conserves(&s, &rs);
    // Revenue went into AEGIS, all of it.
    let total_in: f64 = rs.iter().map(|r| r.aegis_revenue_in).sum();
    assert!(close(total_in, rs[59].revenue_cumulative, 1e-12));
}

#[test]
fn redemptions_do_not_move_the_value_per_oak() {
    let rs = records(&scenario("default", &[]));
    let mut seen = 0;
    for r in rs.iter().filter(|r| r.oak_redeemed_month > 0.0) {
        seen += 1;
        let before = (r.aegis_value + r.redemption_usdc_out + r.redemption_leaf_out * r.leaf_price)
            / (r.oak_unredeemed + r.oak_redeemed_month);
        assert!(close(before, r.value_per_oak, 1e-12), "month {}", r.month);
    }
    assert!(seen > 0, "the default scenario has redemptions");
    // The window closes in month 48: every distributed holder is out, and the IRR is undefined.
    let m48 = &rs[47];
    assert_eq!(m48.oak_redeemed, m48.oak_distributed);
    assert_eq!(m48.irr.get(), None);
    assert!(rs[46].irr.get().is_some());
}

#[test]
fn pairs_hold_their_target_share_after_rebalancing() {
    let rs = records(&scenario("default", &[]));
    for r in &rs {
        let share = r.pairs_leaf * r.leaf_price / r.pairs_value;
        assert!(close(share, 0.35, 1e-9), "month {}: {share}", r.month);
    }
}

#[test]
fn active_deals_follow_their_parts() {
    let rs = records(&scenario("default", &[]));
    // Month 1: Sigma, Tau (tvl) and Move (tvl + pair).
    assert_eq!(rs[0].active_deals, 3);
    // Month 3: plus Team, Seed Investors and Advisors, OAK not yet distributed.
    assert_eq!(rs[2].active_deals, 6);
    // Month 60: only Move's parts still run.
    assert_eq!(rs[59].active_deals, 1);
}

/// Each quirk of the original model, alone on top of the default scenario.
#[test]
fn each_quirk_does_what_model_md_says() {
    let base = records(&scenario("default", &[]));
    let with = |switch: &str| records(&scenario("default", &[&format!("compat.{switch}=true")]));

    let lag = with("pairs_lag_one_month");
    assert_eq!(lag[0].aegis_leaf_sold, 0.0);
    assert!(base[0].aegis_leaf_sold > 0.0);

    let mints = with("pair_purchase_mints_usdc");
    assert!(
        mints
            .iter()
            .all(|r| r.pairs_usdc == 1_500_000.0 || r.pairs_active == 0)
    );
    assert!(base[0].pairs_usdc < 1_500_000.0);

    let undecayed = with("revenue_ignores_decay");
    // Month 2: the first organic twins (20 M) have decayed 5 %, but earn in full.
    assert!(close(undecayed[1].revenue[2], 20e6 * 0.02 / 12.0, 1e-12));
    assert!(close(base[1].revenue[2], 19e6 * 0.02 / 12.0, 1e-12));

    let unpaid = with("redemptions_without_payout");
    assert!(
        unpaid
            .iter()
            .all(|r| r.redemption_usdc_out == 0.0 && r.redemption_leaf_out == 0.0)
    );
    assert!(unpaid.iter().any(|r| r.oak_redeemed_month > 0.0));

    let time_only = with("irr_time_only");
    assert_eq!(time_only[3].irr.get(), Some(1.8240744399189919));

    let off_by_one = with("oak_vesting_off_by_one");
    assert_eq!(off_by_one[59].oak_distributed, 225_000.0);
    assert_eq!(off_by_one[12].oak_distributed, 0.0);
    assert_eq!(off_by_one[13].oak_distributed, 225_000.0);
    assert_eq!(base[59].oak_distributed, 285_000.0);
}

#[test]
fn a_non_finite_number_stops_the_run_and_keeps_the_months_before() {
    // 1.7e308 of TVL earning 100 % a year: 1.4e307 of revenue a month, so
    // the cumulative revenue overflows in month 13.
    let s = from_text(
        "[oak]\nredemption_start_month = 40\n[[deal]]\ncounterparty = \"Huge\"\nstart_month = 1\n\
         tvl = { kind = \"boosted\", amount = 1.7e308, revenue_rate = 1, duration_months = 24 }\n",
    );
    let err: RunError = run(&s).unwrap_err();
    assert_eq!(err.month, 13);
    assert_eq!(err.records.len(), 12);
    assert_eq!(
        err.failure,
        Failure::NonFinite {
            column: "revenue_cumulative"
        }
    );
    assert_eq!(err.quantity(), "revenue_cumulative");
    assert!(err.to_string().starts_with("month 13: "), "{err}");
}

#[test]
fn with_drift_only_the_price_path_is_exponential() {
    let rs = records(&scenario(
        "default",
        &["leaf_price.model=market", "leaf_price.drift=0.01"],
    ));
    for r in &rs {
        let want = 0.01f64.exp().powi(r.month as i32);
        assert!(close(r.leaf_price, want, 1e-12), "month {}", r.month);
        assert_eq!(r.price_impact, Some(0.0));
    }
    assert_conserves(
        &scenario(
            "default",
            &["leaf_price.model=market", "leaf_price.drift=0.01"],
        ),
        &rs,
    );
}

#[test]
fn one_month_of_external_sale_moves_the_next_price_by_s_over_d() {
    // A one-off sale of 50,000 USD in month 1 (growth -1 zeroes later months).
    let s = scenario(
        "default",
        &[
            "leaf_price.model=market",
            "market.net_demand_usd=-50000",
            "market.demand_growth=-1",
        ],
    );
    let rs = records(&s);
    let m1 = &rs[0];
    assert_eq!(m1.market_flow_usd, Some(-50_000.0));
    assert_eq!(m1.price_impact, Some(0.0));
    // A sale at the month's price leaves the pair's value unchanged, so the
    // depth is its end-of-month value x 10 x concentration 0.5.
    let depth = m1.pairs_value * 10.0 * 0.5;
    let impact = (-50_000.0 / depth).max(-0.10);
    assert_eq!(rs[1].price_impact, Some(impact));
    assert!(close(
        rs[1].leaf_price,
        m1.leaf_price * (1.0 + impact),
        1e-15
    ));
    assert_eq!(rs[1].market_flow_usd, Some(0.0));
    assert_eq!(rs[2].price_impact, Some(0.0));
}

#[test]
fn a_large_sale_is_capped_at_the_maximum_impact() {
    let rs = records(&scenario(
        "default",
        &[
            "leaf_price.model=market",
            "market.net_demand_usd=-1e6",
            "market.demand_growth=-1",
        ],
    ));
    assert_eq!(rs[1].price_impact, Some(-0.10));
    assert!(close(rs[1].leaf_price, 0.9, 1e-15));
}

#[test]
fn market_flows_move_balances_but_not_a_fixed_price() {
    let s = scenario("default", &["market.net_demand_usd=10000"]);
    let rs = records(&s);
    assert!(
        rs.iter()
            .all(|r| r.leaf_price == 1.0 && r.price_impact.is_none())
    );
    assert!(rs.iter().all(|r| r.market_flow_usd == Some(10_000.0)));
    // Buys take LEAF out of the pairs that rebalancing then tops up from AEGIS.
    let base = records(&scenario("default", &[]));
    assert!(rs[59].aegis_leaf < base[59].aegis_leaf);
}

#[test]
fn chain_tvl_and_market_share_follow_their_formulas() {
    let rs = records(&scenario("default", &["tvl.market.enabled=true"]));
    let mut chain = 8e8;
    let rates = [1.5, 1.0, 0.75, 0.5, 0.4];
    for r in &rs {
        let year = (r.month as usize).div_ceil(12);
        chain *= (1.0f64 + rates[(year - 1).min(4)]).powf(1.0 / 12.0);
        let share = 0.10 + (0.4375 - 0.10) * (-0.02 * f64::from(r.month) / 12.0).exp();
        assert!(
            close(r.chain_tvl.unwrap(), chain, 1e-12),
            "month {}",
            r.month
        );
        assert!(
            close(r.market_share.unwrap(), share, 1e-12),
            "month {}",
            r.month
        );
        // Organic TVL fills the gap between Canopy's share and the deals' TVL.
        let target = chain * share;
        let deals = r.tvl[0] + r.tvl[1] + r.tvl[3];
        assert!(
            close(r.tvl[2], (target - deals).max(0.0), 1e-9),
            "month {}",
            r.month
        );
    }
}

#[test]
fn revenue_multipliers_reach_their_targets_through_a_run() {
    let rs = records(&scenario(
        "default",
        &[
            "revenue.target_multiplier.protocol_locked=3",
            "revenue.schedule_months=12",
        ],
    ));
    // Move's 1.5 M of protocol-locked TVL earns 10 % a year.
    let base = 1.5e6 * 0.10 / 12.0;
    assert!(close(rs[5].revenue[0], base * 2.0, 1e-12));
    assert!(close(rs[11].revenue[0], base * 3.0, 1e-12));
    assert!(close(rs[40].revenue[0], base * 3.0, 1e-12));
}

const VOLATILE: [&str; 5] = [
    "leaf_price.model=market",
    "leaf_price.volatility=0.2",
    "market.demand_noise_usd=100000",
    "tvl.market.enabled=true",
    "tvl.market.volatility=0.1",
];

#[test]
fn the_same_seed_gives_the_same_run_and_another_seed_another() {
    let with_seed = |seed: u64| {
        let mut sets = VOLATILE.to_vec();
        let seed = format!("simulation.seed={seed}");
        sets.push(&seed);
        records(&scenario("default", &sets))
    };
    assert_eq!(with_seed(7), with_seed(7));
    assert_ne!(with_seed(7), with_seed(8));
    let calm = |seed: &str| {
        records(&scenario(
            "default",
            &["leaf_price.model=market", "tvl.market.enabled=true", seed],
        ))
    };
    assert_eq!(calm("simulation.seed=1"), calm("simulation.seed=2"));
}

#[test]
fn the_stress_scenario_runs_and_conserves_value() {
    let s = scenario("stress", &[]);
    let rs = records(&s);
    assert_eq!(rs.len(), s.simulation.months as usize);
    assert!(
        rs.iter()
            .all(|r| r.market_flow_usd.is_some() && r.chain_tvl.is_some())
    );
    assert!(
        rs.iter()
            .all(|r| r.leaf_price >= s.leaf_price.min && r.leaf_price <= s.leaf_price.max)
    );
}

#[test]
fn runs_are_pure_and_can_share_a_scenario_across_threads() {
    fn shareable<T: Send + Sync>(_: &T) {}
    let s = scenario("stress", &[]);
    shareable(&s);
    let alone = records(&s);
    let together: Vec<Vec<MonthRecord>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4).map(|_| scope.spawn(|| records(&s))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(together.iter().all(|r| *r == alone));
}
