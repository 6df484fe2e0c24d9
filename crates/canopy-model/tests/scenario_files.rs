//! Reading scenario files: defaults, overrides, and every kind of mistake.

use canopy_model::scenario::override_value;
use canopy_model::scenario::validate::{Where, Wording};
use canopy_model::scenario::{Given, PriceModel, Rebalance, parse_override};
use canopy_model::{Scenario, ScenarioError, TvlKind, builtin, load};

fn problems(text: &str) -> ScenarioError {
    load("test.toml", text, &[]).expect_err("the scenario should be rejected")
}

/// The single problem reported for `text`, as (line, path, message).
fn only_problem(text: &str) -> (usize, String, String) {
    let e = problems(text);
    assert_eq!(e.problems.len(), 1, "{e}");
    let p = &e.problems[0];
    let line = match p.at {
        Where::Text { line, .. } => line,
        ref other => panic!("no line for {other:?}"),
    };
    (line, p.path.clone(), p.message.clone())
}

const PAIR: &str = r#"
[[deal]]
counterparty = "Move"
start_month = 1
leaf_pair = { amount = 1_500_000, leaf_tokens = 0, target_ratio = 0.35, base_concentration = 0.5, max_concentration = 0.8, duration_months = 60 }
"#;

#[test]
fn an_empty_file_is_the_default_scenario() {
    let s = load("empty.toml", "", &[]).unwrap();
    assert_eq!(*s.scenario(), Scenario::default());
    let d = Scenario::default();
    assert_eq!(d.simulation.months, 60);
    assert_eq!(d.aegis.initial_leaf, 1e9);
    assert_eq!(d.aegis.initial_usdc, 1e8);
    assert_eq!(d.aegis.revenue_share, 1.0);
    assert_eq!(d.leaf_price.model, PriceModel::Fixed);
    assert_eq!(d.leaf_pairs.rebalance, Rebalance::Both);
    assert_eq!(d.oak.total_supply, 500_000.0);
    assert_eq!(
        (d.oak.redemption_start_month, d.oak.redemption_end_month),
        (3, 48)
    );
    assert_eq!(d.tvl.revenue_rates.as_array(), [0.04, 0.025, 0.02, 0.03]);
    assert_eq!(d.tvl.recurring_contracts.amount, 2e7);
    assert_eq!(d.tvl.market.growth_rates, vec![1.5, 1.0, 0.75, 0.5, 0.4]);
    assert_eq!(d.leaf_price.max_monthly_impact, 0.10);
}

#[test]
fn builtin_scenarios_load_and_differ_only_in_the_documented_keys() {
    let reference = load("reference", builtin::text("reference").unwrap(), &[]).unwrap();
    let default = load("default", builtin::text("default").unwrap(), &[]).unwrap();
    let mut expected = reference.into_inner();
    expected.compat = Default::default();
    expected.aegis.revenue_share = 1.0;
    expected.leaf_pairs.rebalance = Rebalance::Both;
    assert_eq!(*default.scenario(), expected);
    assert_eq!(expected.deals.len(), 20);
}

#[test]
fn deal_ids_default_to_counterparty_head_and_start_month() {
    let s = load("reference", builtin::text("reference").unwrap(), &[]).unwrap();
    assert_eq!(s.deals[0].id, "Sigma Capi_001");
    assert_eq!(s.deals[13].id, "Move_001");
    let t = load("t", "[[deal]]\nid = \"mine\"\ncounterparty = \"X\"\nstart_month = 2\noak = { amount = 1, irr_threshold = 0.1 }\n", &[]).unwrap();
    assert_eq!(t.deals[0].id, "mine");
}

#[test]
fn integers_and_floats_are_both_numbers() {
    let s = load(
        "t",
        "[aegis]\ninitial_usdc = 5_000_000\ninitial_leaf = 2.5e8\n[simulation]\nmonths = 12.0\n",
        &[],
    )
    .unwrap();
    assert_eq!(s.aegis.initial_usdc, 5e6);
    assert_eq!(s.aegis.initial_leaf, 2.5e8);
    assert_eq!(s.simulation.months, 12);
}

#[test]
fn a_syntax_error_names_line_and_column() {
    let e = problems("[aegis]\ninitial_usdc = = 3\n");
    let p = &e.problems[0];
    assert_eq!(
        p.at,
        Where::Text {
            line: 2,
            column: 16
        }
    );
    assert!(p.message.contains("TOML syntax error"), "{e}");
    assert!(e.to_string().contains("test.toml:2:16"), "{e}");
}

#[test]
fn a_wrong_type_names_the_key_and_the_value() {
    let (line, path, msg) = only_problem("[aegis]\ninitial_usdc = \"lots\"\n");
    assert_eq!((line, path.as_str()), (2, "aegis.initial_usdc"));
    assert!(
        msg.contains("expected a number") && msg.contains("\"lots\""),
        "{msg}"
    );
}

#[test]
fn an_unknown_key_suggests_the_nearest_one() {
    let (line, path, msg) = only_problem("[aegis]\ninitial_usd = 5\n");
    assert_eq!((line, path.as_str()), (2, "aegis.initial_usd"));
    assert!(msg.contains("did you mean `initial_usdc`?"), "{msg}");
    let (_, path, msg) = only_problem("[leaf_prize]\nmodel = \"fixed\"\n");
    assert_eq!(path, "leaf_prize");
    assert!(msg.contains("did you mean `leaf_price`?"), "{msg}");
    let (_, _, msg) = only_problem("[compat]\nzzz = true\n");
    assert!(msg.contains("allowed here: pairs_lag_one_month"), "{msg}");
}

#[test]
fn out_of_range_values_say_what_is_allowed() {
    let cases = [
        ("[aegis]\ninitial_leaf = -1\n", "aegis.initial_leaf", ">= 0"),
        (
            "[aegis]\nrevenue_share = 1.5\n",
            "aegis.revenue_share",
            "from 0 to 1",
        ),
        (
            "[tvl.organic]\ndecay_rate = 1.0\n",
            "tvl.organic.decay_rate",
            "below 1",
        ),
        ("[leaf_price]\ninitial = 0\n", "leaf_price.initial", "> 0"),
        (
            "[simulation]\nmonths = 0\n",
            "simulation.months",
            "from 1 to 1200",
        ),
        (
            "[simulation]\nmonths = 1201\n",
            "simulation.months",
            "from 1 to 1200",
        ),
        (
            "[simulation]\nmonths = 6.5\n",
            "simulation.months",
            "whole number",
        ),
        (
            "[market]\nredeemer_sell_share = 2\n",
            "market.redeemer_sell_share",
            "from 0 to 1",
        ),
        (
            "[leaf_price]\nmodel = \"magic\"\n",
            "leaf_price.model",
            "\"fixed\", \"market\"",
        ),
        (
            "[leaf_pairs]\nrebalance = \"sell\"\n",
            "leaf_pairs.rebalance",
            "\"both\", \"buy-only\"",
        ),
        (
            "[aegis]\ninitial_usdc = nan\n",
            "aegis.initial_usdc",
            ">= 0",
        ),
    ];
    for (text, key, allowed) in cases {
        let (_, path, msg) = only_problem(text);
        assert_eq!(path, key, "{text}");
        assert!(msg.contains(allowed), "{text}: {msg}");
    }
}

#[test]
fn deal_parts_are_checked_with_their_key_path() {
    let bad_ratio = PAIR.replace("target_ratio = 0.35", "target_ratio = 0.7");
    let (line, path, msg) = only_problem(&bad_ratio);
    assert_eq!((line, path.as_str()), (5, "deal[0].leaf_pair.target_ratio"));
    assert!(
        msg.contains("0.7") && msg.contains("from 0 to 0.5"),
        "{msg}"
    );

    let bad_conc = PAIR.replace("base_concentration = 0.5", "base_concentration = 0");
    let (_, path, msg) = only_problem(&bad_conc);
    assert_eq!(path, "deal[0].leaf_pair.base_concentration");
    assert!(msg.contains("above 0, up to 1"), "{msg}");

    let bad_max = PAIR.replace("max_concentration = 0.8", "max_concentration = 1.2");
    assert_eq!(
        only_problem(&bad_max).1,
        "deal[0].leaf_pair.max_concentration"
    );

    let negative = "[[deal]]\ncounterparty = \"A\"\nstart_month = 1\ntvl = { kind = \"boosted\", amount = -5, revenue_rate = 0.1, duration_months = 3 }\n";
    assert_eq!(only_problem(negative).1, "deal[0].tvl.amount");

    let kind = "[[deal]]\ncounterparty = \"A\"\nstart_month = 1\ntvl = { kind = \"locked\", amount = 5, revenue_rate = 0.1, duration_months = 3 }\n";
    let (_, path, msg) = only_problem(kind);
    assert_eq!(path, "deal[0].tvl.kind");
    assert!(
        msg.contains("\"protocol-locked\", \"contracted\", \"organic\", \"boosted\""),
        "{msg}"
    );

    let start = "[[deal]]\ncounterparty = \"A\"\nstart_month = 0\noak = { amount = 1, irr_threshold = 0.1 }\n";
    assert_eq!(only_problem(start).1, "deal[0].start_month");
}

#[test]
fn a_deal_with_no_part_is_an_error() {
    let (line, path, msg) = only_problem("[[deal]]\ncounterparty = \"Nobody\"\nstart_month = 1\n");
    assert_eq!(path, "deal[0]");
    assert!(line >= 1);
    assert!(msg.contains("at least one part"), "{msg}");
}

#[test]
fn missing_required_keys_are_named() {
    let e = problems("[[deal]]\ntvl = { kind = \"boosted\", amount = 5 }\n");
    let paths: Vec<&str> = e.problems.iter().map(|p| p.path.as_str()).collect();
    assert!(paths.contains(&"deal[0].counterparty"), "{e}");
    assert!(paths.contains(&"deal[0].start_month"), "{e}");
    assert!(paths.contains(&"deal[0].tvl.revenue_rate"), "{e}");
    assert!(paths.contains(&"deal[0].tvl.duration_months"), "{e}");
}

#[test]
fn duplicate_ids_are_an_error() {
    let text = "[[deal]]\ncounterparty = \"Twin\"\nstart_month = 2\noak = { amount = 1, irr_threshold = 0.1 }\n\
                [[deal]]\ncounterparty = \"Twin\"\nstart_month = 2\noak = { amount = 1, irr_threshold = 0.2 }\n";
    let (_, path, msg) = only_problem(text);
    assert_eq!(path, "deal[1]");
    assert!(msg.contains("duplicate deal id \"Twin_002\""), "{msg}");
}

#[test]
fn oak_allocations_may_not_exceed_the_supply() {
    let text = "[oak]\ntotal_supply = 100\n[[deal]]\ncounterparty = \"A\"\nstart_month = 1\noak = { amount = 60, irr_threshold = 0.1 }\n\
                [[deal]]\ncounterparty = \"B\"\nstart_month = 1\noak = { amount = 50, irr_threshold = 0.1 }\n";
    let (line, path, msg) = only_problem(text);
    assert_eq!((line, path.as_str()), (2, "oak.total_supply"));
    assert!(msg.contains("allocate 110 OAK"), "{msg}");
}

#[test]
fn the_redemption_window_must_end_after_it_starts() {
    let (line, path, _) =
        only_problem("[oak]\nredemption_start_month = 10\nredemption_end_month = 10\n");
    assert_eq!((line, path.as_str()), (3, "oak.redemption_end_month"));
}

#[test]
fn a_pair_cannot_start_with_more_leaf_than_its_amount() {
    let text = PAIR.replace("leaf_tokens = 0", "leaf_tokens = 2_000_000");
    let (_, path, msg) = only_problem(&text);
    assert_eq!(path, "deal[0].leaf_pair.leaf_tokens");
    assert!(msg.contains("negative USDC"), "{msg}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let text =
        "[aegis]\ninitial_leaf = -1\nrevenue_share = 3\nbogus = 1\n[simulation]\nmonths = 0\n";
    let e = problems(text);
    assert_eq!(e.problems.len(), 4, "{e}");
    let shown = e.to_string();
    assert!(
        shown.starts_with("scenario test.toml is not valid (4 problems):"),
        "{shown}"
    );
    assert!(
        shown.contains("test.toml:2:16: aegis.initial_leaf"),
        "{shown}"
    );
}

#[test]
fn overrides_set_any_dotted_key_and_are_validated() {
    let o = |t: &str| parse_override(t).unwrap();
    let s = load(
        "reference",
        builtin::text("reference").unwrap(),
        &[
            o("aegis.initial_usdc=5e7"),
            o("leaf_price.model=market"),
            o("deal[13].leaf_pair.target_ratio=0.25"),
            o("tvl.market.growth_rates=[0.1, 0.2]"),
            o("compat.irr_time_only=false"),
            o("simulation.months=12"),
        ],
    )
    .unwrap();
    assert_eq!(s.aegis.initial_usdc, 5e7);
    assert_eq!(s.leaf_price.model, PriceModel::Market);
    assert_eq!(s.deals[13].leaf_pair.as_ref().unwrap().target_ratio, 0.25);
    assert_eq!(s.tvl.market.growth_rates, vec![0.1, 0.2]);
    assert!(!s.compat.irr_time_only);
    assert_eq!(s.simulation.months, 12);

    let e = load(
        "reference",
        builtin::text("reference").unwrap(),
        &[o("aegis.initial_usdx=1")],
    )
    .unwrap_err();
    assert_eq!(
        e.problems[0].at,
        Where::Override(Given::Set("aegis.initial_usdx=1".into()))
    );
    assert!(
        e.problems[0]
            .message
            .contains("did you mean `initial_usdc`?")
    );
    let e = load("empty", "", &[o("deal[0].start_month=3")]).unwrap_err();
    assert!(
        e.problems[0].message.contains("not an array")
            || e.problems[0].message.contains("does not exist"),
        "{e}"
    );
    assert!(parse_override("no_equals_sign").is_err());
    assert!(parse_override("deal[x].id=1").is_err());
}

#[test]
fn show_output_reads_back_as_the_same_scenario() {
    for name in builtin::names() {
        let s = load(name, builtin::text(name).unwrap(), &[]).unwrap();
        let again = load("shown", &s.to_toml(), &[]).unwrap();
        assert_eq!(s, again, "{name}");
    }
}

#[test]
fn kinds_have_file_and_column_names() {
    assert_eq!(
        TvlKind::from_name("protocol-locked"),
        Some(TvlKind::ProtocolLocked)
    );
    assert_eq!(TvlKind::Boosted.key(), "boosted");
    assert_eq!(TvlKind::from_name("protocol_locked"), None);
}

#[test]
fn malformed_input_never_panics() {
    let nasty = [
        "",
        "[",
        "deal = 3",
        "deal = [1, 2]",
        "[[deal]]\n[[deal]]\n",
        "[simulation]\nmonths = 99999999999999999999\n",
        "[simulation]\nseed = -4\n",
        "aegis = 5",
        "[tvl]\nmarket = []\n",
        "[tvl.market]\ngrowth_rates = []\n",
        "[tvl.market]\ngrowth_rates = [\"x\", -3]\n",
        "[[deal]]\ncounterparty = 7\nstart_month = \"one\"\nleaf_pair = 3\n",
        "[aegis]\ninitial_usdc = 1979-05-27T07:32:00Z\n",
        "\u{feff}[aegis]\ninitial_usdc = 1e400\n",
        "[compat]\nirr_time_only = \"yes\"\n",
    ];
    for text in nasty {
        let _ = load("nasty", text, &[]);
    }
}

/// A front end's words for what gave an override, to check that errors
/// name origins only as the front end words them.
struct Shouted;

impl Wording for Shouted {
    fn given(&self, given: &Given) -> String {
        match given {
            Given::Months(n) => format!("MONTHS={n}"),
            Given::Set(text) => format!("SET {text}"),
            other => other.to_string(),
        }
    }
}

#[test]
fn an_override_is_named_as_the_front_end_words_it() {
    let months = override_value("simulation.months", "0", Given::Months("0".into())).unwrap();
    let set = parse_override("aegis.initial_usdc=-1").unwrap();
    let e = load("default", builtin::text("default").unwrap(), &[months, set]).unwrap_err();
    let at: Vec<&Where> = e.problems.iter().map(|p| &p.at).collect();
    assert!(
        at.contains(&&Where::Override(Given::Months("0".into()))),
        "{at:?}"
    );
    assert!(
        at.contains(&&Where::Override(Given::Set(
            "aegis.initial_usdc=-1".into()
        ))),
        "{at:?}"
    );
    // Plainly, no front end's flag; worded, the front end's own words.
    let plain = e.to_string();
    assert!(
        plain.contains("(months 0)") && plain.contains("(set aegis.initial_usdc=-1)"),
        "{plain}"
    );
    assert!(!plain.contains("--"), "{plain}");
    let worded = e.worded(&Shouted).to_string();
    assert!(
        worded.contains("(MONTHS=0)") && worded.contains("(SET aegis.initial_usdc=-1)"),
        "{worded}"
    );
    // Only the origins differ.
    assert_eq!(
        worded
            .replace("MONTHS=0", "months 0")
            .replace("SET aegis", "set aegis"),
        plain
    );
}
