//! `canopy explain` answers for every name the reference knows, `canopy
//! docs` writes the book's reference pages exactly as committed, and what
//! moved AEGIS's value, recomputed from metrics.csv, adds up.

use std::path::Path;

use tempfile::TempDir;

use crate::common::{canopy, stderr, stdout};

#[test]
fn every_key_column_chart_event_and_file_is_explained() {
    let dir = TempDir::new().unwrap();
    let entries = canopy_sweep::reference::entries();
    // Each name once (a column and a chart may share one).
    let mut names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    names.dedup();
    assert!(names.len() > 150, "{}", names.len());
    for name in names {
        let out = canopy(dir.path()).args(["explain", name]).output().unwrap();
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let text = stdout(&out);
        for e in entries.iter().filter(|e| e.name == name) {
            let head = format!("{name} ({})\n", e.topic.label());
            assert!(text.contains(&head), "{name}: {text}");
            let first_word = e.doc.split_whitespace().next().unwrap();
            assert!(text.contains(first_word), "{name}: {text}");
        }
    }
}

#[test]
fn a_deal_key_by_index_prints_its_unit_default_range_and_rule() {
    let dir = TempDir::new().unwrap();
    let out = canopy(dir.path())
        .args(["explain", "deal[3].oak.amount"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.starts_with("deal[i].oak.amount (deal key)\n"),
        "{text}"
    );
    for line in [
        "  OAK allocated to the deal.",
        "  type: number",
        "  unit: OAK",
        "  default: required",
        "  allowed: a number >= 0",
        "Rule: OAK, the IRR and redemptions",
        "  More: docs/src/model/oak.md",
    ] {
        assert!(text.lines().any(|l| l == line), "{line:?} in {text}");
    }
    let out = canopy(dir.path())
        .args(["explain", "aegis_from_price"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.contains("  unit: USD\n"), "{text}");
    assert!(text.contains("  flow or stock: flow"), "{text}");
    assert!(text.contains("Rule: What moved AEGIS's value"), "{text}");
}

#[test]
fn a_near_miss_is_bad_input_with_did_you_mean() {
    let dir = TempDir::new().unwrap();
    let out = canopy(dir.path())
        .args(["explain", "aegis.initial_usd"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out).trim_end(),
        "error: `aegis.initial_usd` is no scenario key, metric, chart, critical event, file or file key; did you mean `aegis.initial_usdc`?"
    );
    let out = canopy(dir.path())
        .args(["explain", "valu_per_oak"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("did you mean `value_per_oak`?"));
}

/// The book's reference folder.
fn committed() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/src/reference")
}

#[test]
fn the_committed_reference_pages_are_what_canopy_docs_writes() {
    let dir = TempDir::new().unwrap();
    let out = canopy(dir.path())
        .args(["docs", "--out", "reference"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let written = dir.path().join("reference");
    let fix = "run `cargo run -p canopy -- docs --out docs/src/reference` and commit the pages";
    let names = crate::common::names(&written);
    let committed_names: Vec<String> = crate::common::names(&committed());
    assert_eq!(
        committed_names, names,
        "docs/src/reference has other pages than canopy docs writes: {fix}"
    );
    for name in &names {
        let want = std::fs::read_to_string(written.join(name)).unwrap();
        let have = std::fs::read_to_string(committed().join(name)).unwrap_or_default();
        assert!(
            have == want,
            "docs/src/reference/{name} is out of date: {fix}"
        );
    }
    // And every page is in the book's table of contents.
    let summary = std::fs::read_to_string(committed().join("../SUMMARY.md")).unwrap();
    for name in &names {
        assert!(
            summary.contains(&format!("(reference/{name})")),
            "SUMMARY.md does not list reference/{name}"
        );
    }
}

/// A metrics.csv, as (header, rows of cells).
fn metrics(dir: &Path) -> Vec<std::collections::HashMap<String, f64>> {
    let mut r = csv::Reader::from_path(dir.join("metrics.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|row| {
            header
                .iter()
                .zip(row.unwrap().iter())
                .filter(|(_, c)| !c.is_empty())
                .map(|(h, c)| (h.clone(), c.parse::<f64>().unwrap()))
                .collect()
        })
        .collect()
}

#[test]
fn what_moved_aegis_value_is_recomputed_from_balances_and_price_in_metrics_csv() {
    for scenario in ["default", "reference", "stress"] {
        let dir = TempDir::new().unwrap();
        canopy(dir.path())
            .args(["run", scenario, "--quiet", "--no-charts", "--out", "out"])
            .assert()
            .success();
        let s = canopy_model::load(
            scenario,
            canopy_model::builtin::text(scenario).unwrap(),
            &[],
        )
        .unwrap();
        let rows = metrics(&dir.path().join("out"));
        let (mut usdc0, mut leaf0, mut p0) = (
            s.aegis.initial_usdc,
            s.aegis.initial_leaf,
            s.leaf_price.initial,
        );
        let mut moved_by_price = false;
        for r in &rows {
            let v = |k: &str| r[k];
            let p1 = v("leaf_price");
            let change = (v("aegis_usdc") + v("aegis_leaf") * p1) - (usdc0 + leaf0 * p0);
            let usdc_from_pairs =
                v("aegis_usdc") - usdc0 - v("aegis_revenue_in") + v("redemption_usdc_out");
            let leaf_from_pairs = v("aegis_leaf") - leaf0 + v("redemption_leaf_out");
            let parts = [
                ("aegis_from_revenue", v("aegis_revenue_in")),
                ("aegis_from_pairs", usdc_from_pairs + leaf_from_pairs * p1),
                (
                    "aegis_from_oak",
                    -(v("redemption_usdc_out") + v("redemption_leaf_out") * p1),
                ),
                ("aegis_from_price", leaf0 * (p1 - p0)),
                ("aegis_from_other", 0.0),
            ];
            let scale = (usdc0 + leaf0 * p0).max(v("aegis_value")).max(1.0);
            let near = |a: f64, b: f64| (a - b).abs() <= 1e-9 * scale;
            let month = v("month");
            assert!(
                near(change, v("aegis_value_change")),
                "{scenario} month {month}: change {} recomputed {change}",
                v("aegis_value_change")
            );
            let mut sum = 0.0;
            for (name, want) in parts {
                assert!(
                    near(want, v(name)),
                    "{scenario} month {month}: {name} {} recomputed {want}",
                    v(name)
                );
                sum += v(name);
            }
            assert!(
                near(sum, v("aegis_value_change")),
                "{scenario} month {month}: the parts add up to {sum}, the change is {}",
                v("aegis_value_change")
            );
            moved_by_price |= v("aegis_from_price") != 0.0;
            (usdc0, leaf0, p0) = (v("aegis_usdc"), v("aegis_leaf"), p1);
        }
        assert_eq!(rows.len(), s.simulation.months as usize);
        // Only stress has a moving price.
        assert_eq!(moved_by_price, scenario == "stress", "{scenario}");
    }
}
