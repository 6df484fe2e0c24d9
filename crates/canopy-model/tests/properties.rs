//! Generated scenarios, every feature on: no panic, finite numbers, the
//! invariants of MODEL.md, prices within bounds, pairs never negative.

use canopy_model::scenario::{
    Compat, Deal, OakPart, PairPart, PriceModel, Rebalance, TvlKind, TvlPart,
};
use canopy_model::{MonthRecord, Scenario, ValidScenario, builtin, load, run, scorecard};
use proptest::prelude::*;

fn tvl_part() -> impl Strategy<Value = TvlPart> {
    (0usize..4, 0.0..1e9f64, 0.0..0.2f64, 1u32..40).prop_map(
        |(k, amount, revenue_rate, duration_months)| TvlPart {
            kind: TvlKind::ALL[k],
            amount,
            revenue_rate,
            duration_months,
        },
    )
}

/// An OAK part; its redemption controls are dropped by `scenario` unless
/// it asks for them.
fn oak_part() -> impl Strategy<Value = OakPart> {
    (
        (0.0..50_000.0f64, 0u32..24, 0.0..1.0f64),
        (
            0u32..24,
            prop_oneof![Just(1.0), 0.01..=1.0f64],
            proptest::option::of(0.0..1.0f64),
        ),
    )
        .prop_map(
            |((amount, vesting_months, irr_threshold), (lockup_months, redeem_fraction, end))| {
                OakPart {
                    amount,
                    vesting_months,
                    irr_threshold,
                    lockup_months,
                    redeem_fraction,
                    irr_threshold_end: end,
                }
            },
        )
}

/// `p` with every redemption control at its default (off).
fn without_controls(p: OakPart) -> OakPart {
    OakPart {
        lockup_months: 0,
        redeem_fraction: 1.0,
        irr_threshold_end: None,
        ..p
    }
}

fn pair_part() -> impl Strategy<Value = PairPart> {
    (
        0.0..1e7f64,
        0.0..1.0f64,
        0.0..=0.5f64,
        0.01..=1.0f64,
        1u32..60,
    )
        .prop_map(
            |(amount, leaf_share, target_ratio, base_concentration, duration_months)| PairPart {
                amount,
                // Priced at the initial price of 1 (set below), within the amount.
                leaf_tokens: amount * leaf_share,
                target_ratio,
                base_concentration,
                max_concentration: 1.0,
                duration_months,
            },
        )
}

fn deal() -> impl Strategy<Value = Deal> {
    (
        1u32..30,
        proptest::option::of(tvl_part()),
        proptest::option::of(oak_part()),
        proptest::option::of(pair_part()),
        tvl_part(),
    )
        .prop_map(|(start_month, tvl, oak, leaf_pair, fallback)| Deal {
            id: String::new(),
            counterparty: "Generated".into(),
            start_month,
            enabled: true,
            tvl: if tvl.is_none() && oak.is_none() && leaf_pair.is_none() {
                Some(fallback)
            } else {
                tvl
            },
            oak,
            leaf_pair,
        })
}

fn compat() -> impl Strategy<Value = Compat> {
    proptest::array::uniform6(any::<bool>()).prop_map(|b| Compat {
        pairs_lag_one_month: b[0],
        pair_purchase_mints_usdc: b[1],
        revenue_ignores_decay: b[2],
        redemptions_without_payout: b[3],
        irr_time_only: b[4],
        oak_vesting_off_by_one: b[5],
    })
}

prop_compose! {
    fn scenario(all_quirks_off: bool, controls: bool)(
        deals in proptest::collection::vec(deal(), 0..8),
        months in 1u32..=72,
        seed in 0u64..1_000_000,
        (initial_leaf, initial_usdc, revenue_share) in (0.0..2e9f64, 0.0..2e8f64, 0.0..=1.0f64),
        (buy_only, window_start, window_len) in (any::<bool>(), 0u32..20, 1u32..60),
        (market_price, drift, volatility, max_impact) in (any::<bool>(), -0.05..0.05f64, 0.0..0.3f64, 0.0..0.5f64),
        (net_demand, demand_growth, noise, sell_share) in (-1e6..1e6f64, -0.05..0.05f64, 0.0..5e5f64, 0.0..=1.0f64),
        (chain_on, chain_vol, growth, share_decay) in (any::<bool>(), 0.0..0.2f64, proptest::collection::vec(-0.5..2.0f64, 1..6), 0.0..0.5f64),
        (schedule, targets, elasticity) in (1u32..48, proptest::array::uniform4(0.0..3.0f64), -2.0..2.0f64),
        quirks in compat(),
        max_redemption in prop_oneof![Just(1.0), 0.001..=1.0f64],
    ) -> ValidScenario {
        let mut s = Scenario::default();
        s.simulation.months = months;
        s.simulation.seed = seed;
        s.aegis.initial_leaf = initial_leaf;
        s.aegis.initial_usdc = initial_usdc;
        s.aegis.revenue_share = revenue_share;
        s.leaf_pairs.rebalance = if buy_only { Rebalance::BuyOnly } else { Rebalance::Both };
        s.oak.redemption_start_month = window_start;
        s.oak.redemption_end_month = window_start + window_len;
        s.leaf_price.model = if market_price { PriceModel::Market } else { PriceModel::Fixed };
        s.leaf_price.drift = drift;
        s.leaf_price.volatility = volatility;
        s.leaf_price.max_monthly_impact = max_impact;
        s.market.net_demand_usd = net_demand;
        s.market.demand_growth = demand_growth;
        s.market.demand_noise_usd = noise;
        s.market.redeemer_sell_share = sell_share;
        s.tvl.market.enabled = chain_on;
        s.tvl.market.volatility = chain_vol;
        s.tvl.market.growth_rates = growth;
        s.tvl.market.share_decay = share_decay;
        s.revenue.schedule_months = schedule;
        s.revenue.target_multiplier.protocol_locked = targets[0];
        s.revenue.target_multiplier.contracted = targets[1];
        s.revenue.target_multiplier.organic = targets[2];
        s.revenue.target_multiplier.boosted = targets[3];
        s.revenue.price_elasticity = elasticity;
        s.compat = if all_quirks_off { Compat::default() } else { quirks };
        if controls {
            s.oak.max_redemption_per_month = max_redemption;
        }
        s.deals = deals
            .into_iter()
            .enumerate()
            .map(|(i, mut d)| {
                d.id = format!("deal {i}");
                if !controls {
                    d.oak = d.oak.map(without_controls);
                }
                d
            })
            .collect();
        s.validate().expect("generated scenarios are valid")
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Conservation of LEAF and USDC recomputed from the records, market flows included.
fn conserves(s: &Scenario, rs: &[MonthRecord]) -> Result<(), String> {
    let mut boundary_leaf = 0.0;
    let mut boundary_usdc = 0.0;
    for r in rs {
        // Out of the system: withdrawn and paid; in: revenue and the market.
        let flow = r.market_flow_usd.unwrap_or(0.0);
        boundary_leaf += r.pairs_withdrawn_leaf + r.redemption_leaf_out + flow / r.leaf_price;
        boundary_usdc += r.pairs_withdrawn_usdc + r.redemption_usdc_out - r.aegis_revenue_in - flow;
        let started = s
            .deals
            .iter()
            .filter(|d| d.start_month <= r.month)
            .filter_map(|d| d.leaf_pair.as_ref());
        let (leaf0, usdc0) = started.fold((0.0, 0.0), |(l, u), p| {
            (
                l + p.leaf_tokens,
                u + p.amount - p.leaf_tokens * s.leaf_price.initial,
            )
        });
        let leaf = r.aegis_leaf + r.pairs_leaf + boundary_leaf;
        if !close(leaf, s.aegis.initial_leaf + leaf0) {
            return Err(format!(
                "month {}: LEAF {leaf} vs {}",
                r.month,
                s.aegis.initial_leaf + leaf0
            ));
        }
        let usdc = r.aegis_usdc + r.pairs_usdc + boundary_usdc;
        if !s.compat.pair_purchase_mints_usdc && !close(usdc, s.aegis.initial_usdc + usdc0) {
            return Err(format!(
                "month {}: USDC {usdc} vs {}",
                r.month,
                s.aegis.initial_usdc + usdc0
            ));
        }
    }
    Ok(())
}

/// Each month's payouts left value per OAK where it was: the value before
/// them, recomputed from the record, is the value after.
fn fair(rs: &[MonthRecord]) -> Result<(), TestCaseError> {
    for r in rs
        .iter()
        .filter(|r| r.oak_redeemed_month > 0.0 && r.oak_unredeemed > 0.0)
    {
        let before = (r.aegis_value + r.redemption_usdc_out + r.redemption_leaf_out * r.leaf_price)
            / (r.oak_unredeemed + r.oak_redeemed_month);
        prop_assert!(close(before, r.value_per_oak), "month {}", r.month);
    }
    Ok(())
}

/// The rate limit and the queue, recomputed from the records: at most
/// q x supply redeemed a month, the queue within what is held, and
/// `oak_queued` written exactly when q is below 1.
fn within_the_limit_and_queue(s: &Scenario, rs: &[MonthRecord]) -> Result<(), TestCaseError> {
    let limit = s.oak.max_redemption_per_month * s.oak.total_supply;
    for r in rs {
        prop_assert!(
            r.oak_redeemed_month <= limit * (1.0 + 1e-9) + 1e-9,
            "month {}: {} redeemed, limit {limit}",
            r.month,
            r.oak_redeemed_month
        );
        prop_assert_eq!(r.oak_queued.is_some(), s.oak.max_redemption_per_month < 1.0);
        let queued = r.oak_queued.unwrap_or(0.0);
        prop_assert!(queued >= 0.0);
        prop_assert!(
            queued <= r.oak_distributed - r.oak_redeemed + 1e-6 * r.oak_distributed.max(1.0),
            "month {}: {queued} queued",
            r.month
        );
    }
    Ok(())
}

/// What moved AEGIS's value, recomputed from the balances and the price of
/// consecutive records (a second path): each part matches the record's,
/// and the record's parts add up to its change.
fn attributed(s: &Scenario, rs: &[MonthRecord]) -> Result<(), TestCaseError> {
    let (mut usdc0, mut leaf0, mut p0) = (
        s.aegis.initial_usdc,
        s.aegis.initial_leaf,
        s.leaf_price.initial,
    );
    for r in rs {
        let p1 = r.leaf_price;
        let change = (r.aegis_usdc + r.aegis_leaf * p1) - (usdc0 + leaf0 * p0);
        // What AEGIS got from the pairs: its balances' change less the
        // other flows of the month.
        let usdc_from_pairs = r.aegis_usdc - usdc0 - r.aegis_revenue_in + r.redemption_usdc_out;
        let leaf_from_pairs = r.aegis_leaf - leaf0 + r.redemption_leaf_out;
        let expected = [
            ("aegis_value_change", change, r.aegis_value_change),
            (
                "aegis_from_revenue",
                r.aegis_revenue_in,
                r.aegis_from.revenue,
            ),
            (
                "aegis_from_pairs",
                usdc_from_pairs + leaf_from_pairs * p1,
                r.aegis_from.pairs,
            ),
            (
                "aegis_from_oak",
                -(r.redemption_usdc_out + r.redemption_leaf_out * p1),
                r.aegis_from.oak,
            ),
            ("aegis_from_price", leaf0 * (p1 - p0), r.aegis_from.price),
            ("aegis_from_other", 0.0, r.aegis_from.other),
        ];
        let scale = expected
            .iter()
            .fold(r.aegis_value.abs(), |m, e| m.max(e.1.abs()).max(e.2.abs()))
            .max(usdc0 + leaf0 * p0);
        for (name, want, got) in expected {
            prop_assert!(
                (want - got).abs() <= 1e-9 * scale.max(1.0),
                "month {}: {name} {got}, recomputed {want}",
                r.month
            );
        }
        prop_assert!(
            (leaf_from_pairs + r.aegis_leaf_sold).abs() <= 1e-9 * scale.max(1.0),
            "month {}: LEAF from the pairs {leaf_from_pairs}, sold {}",
            r.month,
            r.aegis_leaf_sold
        );
        prop_assert!(
            (r.aegis_from.sum() - r.aegis_value_change).abs() <= 1e-9 * scale.max(1.0),
            "month {}: the parts add up to {}, the change is {}",
            r.month,
            r.aegis_from.sum(),
            r.aegis_value_change
        );
        (usdc0, leaf0, p0) = (r.aegis_usdc, r.aegis_leaf, p1);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_valid_scenario_runs_within_its_invariants(s in scenario(false, false)) {
        let rs = run(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(rs.len(), s.simulation.months as usize);
        for r in &rs {
            prop_assert!(r.first_non_finite().is_none());
            match s.leaf_price.model {
                PriceModel::Fixed => prop_assert_eq!(r.leaf_price, s.leaf_price.initial),
                PriceModel::Market => {
                    prop_assert!(r.leaf_price >= s.leaf_price.min && r.leaf_price <= s.leaf_price.max);
                    let impact = r.price_impact.unwrap();
                    prop_assert!(impact.abs() <= s.leaf_price.max_monthly_impact + 1e-15);
                }
            }
            prop_assert!(r.pairs_leaf >= -1e-6 && r.pairs_usdc >= -1e-6, "month {}", r.month);
            prop_assert!(r.aegis_leaf >= 0.0 && r.aegis_usdc >= 0.0);
            prop_assert!(r.oak_redeemed <= r.oak_distributed + 1e-9);
            prop_assert_eq!(r.market_flow_usd.is_some(), s.market.enabled());
            prop_assert_eq!(r.chain_tvl.is_some(), s.tvl.market.enabled);
        }
        conserves(&s, &rs).map_err(TestCaseError::fail)?;
        attributed(&s, &rs)?;
    }

    #[test]
    fn without_quirks_value_is_conserved_and_redemptions_are_fair(s in scenario(true, false)) {
        let rs = run(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        conserves(&s, &rs).map_err(TestCaseError::fail)?;
        fair(&rs)?;
    }

    #[test]
    fn with_redemption_controls_every_month_keeps_the_invariants(s in scenario(false, true)) {
        let rs = run(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(rs.len(), s.simulation.months as usize);
        conserves(&s, &rs).map_err(TestCaseError::fail)?;
        within_the_limit_and_queue(&s, &rs)?;
        attributed(&s, &rs)?;
    }

    #[test]
    fn with_redemption_controls_and_no_quirks_redemptions_are_fair(s in scenario(true, true)) {
        let rs = run(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        conserves(&s, &rs).map_err(TestCaseError::fail)?;
        within_the_limit_and_queue(&s, &rs)?;
        fair(&rs)?;
    }

    #[test]
    fn each_run_without_a_deal_goes_on_from_the_run_exactly_as_from_month_one(
        s in scenario(false, true),
        off in proptest::collection::vec(proptest::bool::weighted(0.2), 8),
        threads in 1usize..=3,
    ) {
        // Some deals disabled: absent from the run and from the card.
        let mut s = s.into_inner();
        for (d, off) in s.deals.iter_mut().zip(off) {
            d.enabled &= !off;
        }
        let s = s.validate().expect("still valid");
        // Debug output writes every number exactly, -0.0 included.
        let want: Vec<String> = (s.deals.iter().enumerate())
            .filter(|(_, d)| d.enabled)
            .map(|(deal, _)| format!("{deal}: {:?}", scorecard::without(&s, deal).map(|w| run(&w))))
            .collect();
        let got = scorecard::runs_without(&s, threads, &|| false, &|deal, w| format!("{deal}: {w:?}"));
        prop_assert_eq!(got, Some(want));
        // And so the card: each row from the run and the run without, made
        // from month 1.
        let records = run(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let with = scorecard::figures(&records);
        let rows: Vec<String> = (s.deals.iter().enumerate())
            .filter(|(_, d)| d.enabled)
            .map(|(deal, _)| {
                let alone = scorecard::without(&s, deal).map(|w| run(&w));
                format!("{:?}", scorecard::score(&s, deal, &with, &[], alone))
            })
            .collect();
        let card = scorecard::card_until(&s, &records, threads, &|| false).expect("not stopped");
        prop_assert_eq!(card.iter().map(|r| format!("{r:?}")).collect::<Vec<_>>(), rows);
    }

    #[test]
    fn any_text_is_read_without_panicking(text in "\\PC{0,300}") {
        let _ = load("fuzz", &text, &[]);
    }

    #[test]
    fn any_edit_of_the_reference_file_is_read_without_panicking(
        at in 0usize..4000, cut in 0usize..40, insert in "[\\[\\]{}=\"., a-z0-9_\\-\\n]{0,12}",
    ) {
        let text = builtin::text("reference").unwrap();
        let at = text.floor_char_boundary(at.min(text.len()));
        let end = text.floor_char_boundary((at + cut).min(text.len()));
        let edited = format!("{}{}{}", &text[..at], insert, &text[end..]);
        let _ = load("edited", &edited, &[]);
    }
}
