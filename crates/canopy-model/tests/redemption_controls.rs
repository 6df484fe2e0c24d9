//! The OAK redemption controls of MODEL.md through whole runs, against
//! numbers worked by hand: a treasury of 1000 USDC and no LEAF, no TVL and
//! no revenue (so the IRR is 0 in every month of the window), 100 OAK.

use canopy_model::Irr;
use canopy_model::{Event, MonthRecord, Observer, ValidScenario, load, run, run_observed};

/// The scenario: `months` months, window from month 3 to `end`, at most `q`
/// of the supply redeemed a month, `extra` lines, and one deal per item of
/// `deals` (its `oak` part), each starting in month 1.
fn scenario(months: u32, end: u32, q: f64, extra: &str, deals: &[&str]) -> ValidScenario {
    let mut text = format!(
        "[simulation]\nmonths = {months}\n\
         [aegis]\ninitial_leaf = 0\ninitial_usdc = 1000\n\
         [tvl.recurring_contracts]\namount = 0\n\
         [oak]\ntotal_supply = 100\nredemption_start_month = 3\nredemption_end_month = {end}\n\
         max_redemption_per_month = {q:?}\n{extra}\n"
    );
    for (i, d) in deals.iter().enumerate() {
        text.push_str(&format!(
            "[[deal]]\nid = \"{}\"\ncounterparty = \"Holder {i}\"\nstart_month = 1\noak = {{ {d} }}\n",
            ["A", "B", "C"][i]
        ));
    }
    load("t", &text, &[]).unwrap()
}

fn column(rs: &[MonthRecord], get: impl Fn(&MonthRecord) -> f64) -> Vec<f64> {
    rs.iter().map(get).collect()
}

/// The redemption events of a run, as (month, deal, OAK, queued since)
/// for payouts and (month, deal, OAK queued) for requests queued.
#[derive(Default)]
struct Redemptions {
    paid: Vec<(u32, usize, f64, Option<u32>)>,
    queued: Vec<(u32, usize, f64)>,
}

impl Observer for Redemptions {
    fn event(&mut self, m: u32, e: &Event) {
        match *e {
            Event::Redemption {
                deal,
                amount,
                queued_since,
                ..
            } => self.paid.push((m, deal, amount, queued_since)),
            Event::RedemptionQueued { deal, amount, .. } => self.queued.push((m, deal, amount)),
            _ => {}
        }
    }
}

#[test]
fn a_queue_still_waiting_when_the_run_ends() {
    // A holds 50 (threshold 10, above the IRR of 0): it asks for all of
    // it in month 3; q = 0.1 lets 10 through a month. After month 6, 10
    // are still waiting.
    let s = scenario(6, 48, 0.1, "", &["amount = 50, irr_threshold = 10"]);
    let mut obs = Redemptions::default();
    let rs = run_observed(&s, &mut obs).unwrap();
    assert_eq!(
        rs.iter().map(|r| r.oak_queued).collect::<Vec<_>>(),
        [
            Some(0.0),
            Some(0.0),
            Some(40.0),
            Some(30.0),
            Some(20.0),
            Some(10.0)
        ]
    );
    assert_eq!(
        column(&rs, |r| r.oak_redeemed_month),
        [0.0, 0.0, 10.0, 10.0, 10.0, 10.0]
    );
    // 10 / 100 of 1000, 10 / 90 of 900, ...: 100 USDC a month.
    assert_eq!(
        column(&rs, |r| r.aegis_usdc),
        [1000.0, 1000.0, 900.0, 800.0, 700.0, 600.0]
    );
    assert!(rs.iter().all(|r| r.value_per_oak == 10.0));
    assert_eq!(rs[5].irr.get(), Some(0.0));
    assert_eq!(obs.queued, [(3, 0, 40.0)]);
    assert_eq!(
        obs.paid,
        [
            (3, 0, 10.0, None),
            (4, 0, 10.0, Some(3)),
            (5, 0, 10.0, Some(3)),
            (6, 0, 10.0, Some(3))
        ]
    );
}

#[test]
fn a_queue_is_served_across_the_windows_end() {
    // The window closes at month 5. A (50, threshold 10) asks in month 3
    // and queues 40. B (30, threshold 0) never asks while the IRR is 0;
    // at month 5 every holder must redeem, and B's 30 queue behind A's
    // rest. 10 a month: A's in months 3 to 7, B's in 8 to 10.
    let s = scenario(
        10,
        5,
        0.1,
        "",
        &[
            "amount = 50, irr_threshold = 10",
            "amount = 30, irr_threshold = 0",
        ],
    );
    let mut obs = Redemptions::default();
    let rs = run_observed(&s, &mut obs).unwrap();
    assert_eq!(
        rs.iter().map(|r| r.oak_queued.unwrap()).collect::<Vec<_>>(),
        [0.0, 0.0, 40.0, 30.0, 50.0, 40.0, 30.0, 20.0, 10.0, 0.0]
    );
    assert_eq!(rs[4].irr.get(), None, "the window is closed");
    assert_eq!(obs.queued, [(3, 0, 40.0), (5, 1, 30.0)]);
    let who: Vec<(u32, usize)> = obs.paid.iter().map(|p| (p.0, p.1)).collect();
    assert_eq!(
        who,
        [
            (3, 0),
            (4, 0),
            (5, 0),
            (6, 0),
            (7, 0),
            (8, 1),
            (9, 1),
            (10, 1)
        ]
    );
    assert_eq!(rs[9].oak_redeemed, 80.0);
    // Value per OAK never moved (10 throughout); the 20 OAK never
    // allocated keep their share, 200 USDC.
    assert!(rs.iter().all(|r| (r.value_per_oak - 10.0).abs() < 1e-12));
    assert!((rs[9].aegis_usdc - 200.0).abs() < 1e-9);
}

#[test]
fn the_rate_limit_with_the_original_models_quirks() {
    // The original IRR, vesting and no payouts. A (50, vesting 2) is
    // distributed in month 2 (a month early); at month 3 the IRR is
    // -infinity and A asks for all 50: 10 a month, months 3 to 7. B (30,
    // vesting 2, locked 5 months: from month 7) has a threshold of 5,
    // above the IRR from month 7 on ((45 / 4)^(12 / 41) - 1 = 1.03): it
    // asks in month 7, when A's last 10 have spent the limit, and is
    // served in months 8 to 10. Nothing is ever paid.
    let s = scenario(
        10,
        48,
        0.1,
        "[compat]\nirr_time_only = true\noak_vesting_off_by_one = true\n\
         redemptions_without_payout = true",
        &[
            "amount = 50, vesting_months = 2, irr_threshold = 0",
            "amount = 30, vesting_months = 2, irr_threshold = 5, lockup_months = 5",
        ],
    );
    let mut obs = Redemptions::default();
    let rs = run_observed(&s, &mut obs).unwrap();
    assert_eq!(
        column(&rs, |r| r.oak_distributed),
        [0.0, 80.0, 80.0, 80.0, 80.0, 80.0, 80.0, 80.0, 80.0, 80.0]
    );
    assert_eq!(
        rs.iter().map(|r| r.oak_queued.unwrap()).collect::<Vec<_>>(),
        [0.0, 0.0, 40.0, 30.0, 20.0, 10.0, 30.0, 20.0, 10.0, 0.0]
    );
    assert_eq!(obs.queued, [(3, 0, 40.0), (7, 1, 30.0)]);
    assert!(rs.iter().all(|r| r.aegis_usdc == 1000.0));
    assert!(rs.iter().all(|r| r.oak_redeemed_month <= 10.0));
    assert_eq!(rs[9].oak_redeemed, 80.0);
    assert!(rs[6].irr.get().unwrap() > 1.0 && rs[6].irr.get().unwrap() < 5.0);
}

#[test]
fn without_controls_nothing_queues_and_oak_queued_is_empty() {
    let s = scenario(6, 48, 1.0, "", &["amount = 50, irr_threshold = 10"]);
    let mut obs = Redemptions::default();
    let rs = run_observed(&s, &mut obs).unwrap();
    assert!(rs.iter().all(|r| r.oak_queued.is_none()));
    assert_eq!(obs.paid, [(3, 0, 50.0, None)]);
    assert!(obs.queued.is_empty());
}

#[test]
fn partial_redemptions_and_a_lockup_in_a_run() {
    // A: 40, a quarter (10) at a time, locked for 3 months after month 1:
    // asks from month 4 and is out by month 7. The IRR is 0 throughout.
    let s = scenario(
        8,
        48,
        1.0,
        "",
        &["amount = 40, irr_threshold = 0.1, redeem_fraction = 0.25, lockup_months = 3"],
    );
    let rs = run(&s).unwrap();
    assert_eq!(
        column(&rs, |r| r.oak_redeemed_month),
        [0.0, 0.0, 0.0, 10.0, 10.0, 10.0, 10.0, 0.0]
    );
    assert!(rs.iter().all(|r| (r.value_per_oak - 10.0).abs() < 1e-12));
    assert_eq!(rs[7].irr_threshold_weighted, 0.1);
}

#[test]
fn the_weighted_threshold_follows_moving_thresholds() {
    // A (20) moves from 0.1 at distribution (month 1) to 0.5 at the
    // window's end (month 9): 0.1 + 0.4 x (m - 1) / 8. B (30) stays at 0.2.
    let s = scenario(
        10,
        9,
        1.0,
        "",
        &[
            "amount = 20, irr_threshold = 0.1, irr_threshold_end = 0.5, lockup_months = 100",
            "amount = 30, irr_threshold = 0.2, lockup_months = 100",
        ],
    );
    let rs = run(&s).unwrap();
    for r in &rs {
        let a = 0.1 + 0.4 * (f64::from(r.month.min(9)) - 1.0) / 8.0;
        let want = (20.0 * a + 30.0 * 0.2) / 50.0;
        assert!(
            (r.irr_threshold_weighted - want).abs() < 1e-12,
            "month {}: {} vs {want}",
            r.month,
            r.irr_threshold_weighted
        );
    }
    // Redeemed or not: the thresholds still count after the window closes.
    assert_eq!(rs[9].oak_redeemed, 50.0);
    assert!((rs[9].irr_threshold_weighted - (20.0 * 0.5 + 30.0 * 0.2) / 50.0).abs() < 1e-12);
}

#[test]
fn the_month_rule_of_the_original_irr_is_distinct_from_a_closed_window() {
    let s = scenario(
        4,
        48,
        1.0,
        "[compat]\nirr_time_only = true",
        &[
            "amount = 20, irr_threshold = 0.3, lockup_months = 5",
            "amount = 30, irr_threshold = 0, redeem_fraction = 0.5",
        ],
    );
    let mut seen = Vec::new();
    struct Irrs<'a>(&'a mut Vec<Irr>);
    impl Observer for Irrs<'_> {
        fn event(&mut self, _m: u32, e: &Event) {
            if let Event::Redemption { irr, .. } = e {
                self.0.push(*irr);
            }
        }
    }
    let rs = run_observed(&s, &mut Irrs(&mut seen)).unwrap();
    // -infinity at month 3 (recorded as undefined): B, unlocked, asks for
    // its half even with a threshold of 0; A is locked. From month 4 the
    // IRR is a number above both thresholds.
    assert_eq!(rs[2].irr.get(), None);
    assert_eq!(seen, [Irr::Lowest]);
    assert_eq!(column(&rs, |r| r.oak_redeemed_month), [0.0, 0.0, 15.0, 0.0]);
}

#[test]
fn the_guarded_scenario_spreads_redemptions_under_its_limit() {
    let text = canopy_model::builtin::text("guarded").expect("a built-in");
    let guarded = run(&load("guarded", text, &[]).unwrap()).unwrap();
    let default = run(&load(
        "default",
        canopy_model::builtin::text("default").unwrap(),
        &[],
    )
    .unwrap())
    .unwrap();
    let first = |rs: &[MonthRecord]| {
        rs.iter()
            .find(|r| r.oak_redeemed_month > 0.0)
            .map(|r| r.month)
    };
    // Distributions start in month 3 (the redemption start) and OAK then
    // stays locked six months: no request before month 9.
    assert!(first(&guarded).unwrap() >= 9, "{:?}", first(&guarded));
    for r in &guarded {
        // 2 % of the 500,000 OAK supply a month at most.
        assert!(
            r.oak_redeemed_month <= 10_000.0 * (1.0 + 1e-12),
            "month {}: {}",
            r.month,
            r.oak_redeemed_month
        );
    }
    assert!(
        guarded.iter().any(|r| r.oak_queued.unwrap_or(0.0) > 0.0),
        "the limit queues requests"
    );
    // A year and a half in, the treasury has paid out far less.
    assert!(guarded[23].aegis_value > 1.5 * default[23].aegis_value);
}
