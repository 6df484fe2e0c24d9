//! The deal scorecard against runs made by hand: the scenario written out,
//! one `[[deal]]` table cut from the text, run on its own, and the
//! differences worked out from the two metrics.csv files.

use crate::common;

use std::fs;
use std::path::Path;

use common::{canopy, stdout};

/// metrics.csv as (header, rows of cells).
fn metrics(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (header, rows)
}

/// The scorecard's figures of a run, from its metrics.csv alone.
fn figures(path: &Path) -> [f64; 6] {
    let (header, rows) = metrics(path);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let num = |row: &Vec<String>, name: &str| row[col(name)].parse::<f64>().unwrap();
    let last = rows.last().unwrap();
    [
        num(last, "revenue_cumulative"),
        num(last, "aegis_value"),
        num(last, "value_per_oak"),
        num(last, "oak_redeemed"),
        rows.iter()
            .map(|r| num(r, "aegis_usdc"))
            .fold(f64::INFINITY, f64::min),
        rows.iter().map(|r| num(r, "aegis_leaf_sold")).sum(),
    ]
}

#[test]
fn each_row_is_the_run_minus_the_run_without_that_deal() {
    let dir = tempfile::tempdir().unwrap();
    let shown = stdout(
        &canopy(dir.path())
            .args(["show", "default"])
            .output()
            .unwrap(),
    );
    fs::write(dir.path().join("all.toml"), &shown).unwrap();
    let out = canopy(dir.path())
        .args([
            "run",
            "all.toml",
            "--quiet",
            "--no-charts",
            "--out",
            "all",
            "--log-dir",
            "logs",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let with = figures(&dir.path().join("all/metrics.csv"));
    let card = fs::read_to_string(dir.path().join("all/scorecard.csv")).unwrap();
    let mut lines = card.lines();
    assert_eq!(
        lines.next().unwrap(),
        "deal_id,counterparty,start_month,parts,delta_revenue_cumulative,delta_aegis_value,delta_value_per_oak,delta_oak_redeemed,delta_min_aegis_usdc,delta_aegis_leaf_sold,note"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let blocks: Vec<&str> = shown.split("\n[[deal]]\n").collect();
    assert_eq!(rows.len(), blocks.len() - 1, "one row per deal");
    // A TVL deal, a pair, an OAK holder: cut each from the text by hand.
    for deal in [0, 13, 10] {
        let kept: Vec<&str> = blocks
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != deal + 1)
            .map(|(_, b)| *b)
            .collect();
        let name = format!("without{deal}");
        fs::write(
            dir.path().join(format!("{name}.toml")),
            kept.join("\n[[deal]]\n"),
        )
        .unwrap();
        let out = canopy(dir.path())
            .args([
                "run",
                &format!("{name}.toml"),
                "--quiet",
                "--no-charts",
                "--no-scorecard",
            ])
            .args(["--out", &name, "--log-dir", "logs"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let without = figures(&dir.path().join(format!("{name}/metrics.csv")));
        let row = &rows[deal];
        assert!(blocks[deal + 1].contains(&format!("counterparty = \"{}\"", row[1])));
        for k in 0..6 {
            let got: f64 = row[4 + k].parse().unwrap();
            assert_eq!(
                got.to_bits(),
                (with[k] - without[k]).to_bits(),
                "deal {deal}, delta {k}"
            );
        }
        assert_eq!(row[10], "", "no note");
        let parts: Vec<&str> = ["tvl", "oak", "leaf_pair"]
            .into_iter()
            .filter(|p| blocks[deal + 1].contains(&format!("\n{p} = {{")))
            .collect();
        assert_eq!(row[3], parts.join("+"), "deal {deal}");
    }
    assert!(!dir.path().join("without0/scorecard.csv").exists());
}

#[test]
fn the_console_and_the_report_show_the_scorecard() {
    let dir = tempfile::tempdir().unwrap();
    let out = canopy(dir.path())
        .args([
            "run",
            "default",
            "--quiet",
            "--out",
            "r",
            "--log-dir",
            "logs",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = stdout(&out);
    let card = fs::read_to_string(dir.path().join("r/scorecard.csv")).unwrap();
    // The deal with the largest effect on AEGIS value, by scorecard.csv.
    let biggest = card
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .max_by(|a, b| {
            let v = |r: &Vec<&str>| r[5].parse::<f64>().unwrap().abs();
            v(a).total_cmp(&v(b))
        })
        .unwrap();
    let after = text
        .split("Deals with the largest effect on AEGIS value")
        .nth(1)
        .expect("the console's scorecard");
    let first = after.lines().nth(1).unwrap();
    assert!(
        first
            .trim_start()
            .starts_with(&format!("{} ({})", biggest[0], biggest[1])),
        "{first}"
    );
    assert_eq!(
        after
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .count(),
        5
    );
    let html = fs::read_to_string(dir.path().join("r/report.html")).unwrap();
    assert!(html.contains("<section id=\"scorecard\">"));
    assert!(html.contains(&format!("<td class=\"id\">{}</td>", biggest[0])));
    // Its chart, in the page and beside it.
    assert!(html.contains("aria-label=\"Deal scorecard\""));
    let svg = fs::read_to_string(dir.path().join("r/scorecard.svg")).unwrap();
    assert!(svg.contains(biggest[0]), "the largest deal is labelled");
    assert!(dir.path().join("r/scorecard.png").exists());
    // --no-scorecard: no file, no table, no console lines.
    let out = canopy(dir.path())
        .args([
            "run",
            "default",
            "--quiet",
            "--no-scorecard",
            "--out",
            "r",
            "--log-dir",
            "logs",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!stdout(&out).contains("largest effect"));
    assert!(!dir.path().join("r/scorecard.csv").exists());
    assert!(
        !dir.path().join("r/scorecard.svg").exists()
            && !dir.path().join("r/scorecard.png").exists()
    );
    assert!(
        !fs::read_to_string(dir.path().join("r/report.html"))
            .unwrap()
            .contains("id=\"scorecard\"")
    );
}
