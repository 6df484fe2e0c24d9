//! `canopy schema` against a standard JSON Schema validator: the built-in
//! scenarios (as written and as `canopy show` writes them, converted from
//! TOML to JSON) are valid, and files that `canopy check` refuses for a
//! reason a schema can express are refused by the schema too.

use assert_cmd::Command;
use serde_json::Value as Json;

fn canopy(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("canopy")
        .expect("binary")
        .args(args)
        .output()
        .expect("runs")
}

fn schema() -> jsonschema::Validator {
    let out = canopy(&["schema"]);
    assert!(out.status.success());
    let schema: Json = serde_json::from_slice(&out.stdout).expect("schema is JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::draft202012::new(&schema).expect("a valid draft 2020-12 schema")
}

fn as_json(toml_text: &str) -> Json {
    toml::from_str(toml_text).expect("TOML")
}

#[test]
fn the_built_in_scenarios_are_valid_as_written_and_as_shown() {
    let v = schema();
    for name in ["default", "reference", "stress"] {
        let text = canopy_model::builtin::text(name).expect("built in");
        let errors: Vec<String> = v
            .iter_errors(&as_json(text))
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        let shown = canopy(&["show", name]);
        let shown = String::from_utf8(shown.stdout).expect("utf-8");
        let errors: Vec<String> = v
            .iter_errors(&as_json(&shown))
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "show {name}: {errors:?}");
    }
}

#[test]
fn what_check_refuses_for_one_key_the_schema_refuses_too() {
    let v = schema();
    let deal = "[[deal]]\ncounterparty = \"A\"\nstart_month = 1\n";
    let cases = [
        "[aegis]\ninitial_usd = 5\n".to_string(),
        "[aegis]\nrevenue_share = 1.5\n".to_string(),
        "[simulation]\nmonths = 0\n".to_string(),
        "[simulation]\nmonths = 2.5\n".to_string(),
        "[leaf_price]\nmodel = \"random\"\n".to_string(),
        "[tvl.organic]\ndecay_rate = 1.0\n".to_string(),
        "[tvl.market]\ngrowth_rates = []\n".to_string(),
        "[tvl.market]\ngrowth_rates = [0.5, -1.0]\n".to_string(),
        "[compat]\nirr_time_only = 1\n".to_string(),
        "[[deal]]\nstart_month = 1\noak = { amount = 1, irr_threshold = 0.1 }\n".to_string(),
        deal.to_string(),
        format!("{deal}oak = {{ amount = 1 }}\n"),
        format!("{deal}leaf_pair = {{ amount = 1, target_ratio = 0.7, duration_months = 3 }}\n"),
        format!(
            "{deal}tvl = {{ kind = \"rented\", amount = 1, revenue_rate = 0.1, duration_months = 3 }}\n"
        ),
        format!("{deal}oak = {{ amount = 1, irr_threshold = 0.1, colour = \"red\" }}\n"),
    ];
    let dir = tempfile::TempDir::new().expect("temp dir");
    for (i, case) in cases.iter().enumerate() {
        let path = dir.path().join(format!("case{i}.toml"));
        std::fs::write(&path, case).expect("write");
        let check = canopy(&["check", path.to_str().expect("path")]);
        assert_eq!(check.status.code(), Some(2), "check accepts:\n{case}");
        assert!(!v.is_valid(&as_json(case)), "the schema accepts:\n{case}");
    }
    // And a scenario check accepts, the schema accepts.
    let good = format!(
        "{deal}oak = {{ amount = 1, irr_threshold = 0.1 }}\n[simulation]\nseed = 9223372036854775807\n"
    );
    assert!(v.is_valid(&as_json(&good)));
}
