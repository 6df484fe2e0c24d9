//! Critical events on the console: each under its month's row, counted in
//! the final summary, and found again by a second path through the run's
//! files (metrics.csv, deals.csv, the log).

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use tempfile::TempDir;

use common::{canopy, stderr, stdout};

/// What one run left: its console, files and log.
struct Run {
    /// Critical lines by month, in the order printed.
    critical: BTreeMap<u32, Vec<String>>,
    /// The final summary's "Critical events" line.
    summary: String,
    metrics: Vec<BTreeMap<String, String>>,
    deals: Vec<BTreeMap<String, String>>,
    log: String,
}

fn table(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|row| {
            let row = row.unwrap();
            headers
                .iter()
                .zip(row.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn run(dir: &Path, args: &[&str]) -> Run {
    run_ending(dir, args, 0)
}

/// A run that exits with `code`.
fn run_ending(dir: &Path, args: &[&str], code: i32) -> Run {
    let out = canopy(dir)
        .args(["run"])
        .args(args)
        .args([
            "--out",
            "o",
            "--log-dir",
            "l",
            "--no-charts",
            "--no-scorecard",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(code), "{}", stderr(&out));
    let text = stdout(&out);
    let mut critical: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut month = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("      ! ") {
            let m = month.unwrap_or_else(|| panic!("a critical line before any row: {line}"));
            critical.entry(m).or_default().push(rest.to_string());
            continue;
        }
        // A row of the revenue table: the month, right-aligned in 5.
        month = line
            .get(..5)
            .and_then(|m| m.trim().parse().ok())
            .filter(|_| line.len() > 100);
    }
    let summary = text
        .lines()
        .find(|l| l.starts_with("Critical events: "))
        .unwrap_or_else(|| panic!("no count of critical events:\n{text}"))
        .to_string();
    let logs: Vec<_> = fs::read_dir(dir.join("l")).unwrap().collect();
    assert_eq!(logs.len(), 1);
    let log = fs::read_to_string(logs[0].as_ref().unwrap().path()).unwrap();
    fs::remove_dir_all(dir.join("l")).unwrap();
    Run {
        critical,
        summary,
        metrics: table(&dir.join("o/metrics.csv")),
        deals: table(&dir.join("o/deals.csv")),
        log,
    }
}

impl Run {
    /// The months with a critical line starting with `prefix`.
    fn months(&self, prefix: &str) -> Vec<u32> {
        self.critical
            .iter()
            .flat_map(|(m, lines)| lines.iter().filter(|l| l.starts_with(prefix)).map(|_| *m))
            .collect()
    }

    fn total(&self) -> usize {
        self.critical.values().map(Vec::len).sum()
    }

    /// The months of the log lines containing `text`, once per line.
    fn log_months(&self, text: &str) -> Vec<u32> {
        self.log
            .lines()
            .filter(|l| l.contains(text))
            .map(|l| {
                let m = l.split("month ").nth(1).unwrap();
                m[..m.find(':').unwrap()].parse().unwrap()
            })
            .collect()
    }

    /// metrics.csv's `column` in month `m` (1-based).
    fn metric(&self, m: u32, column: &str) -> f64 {
        self.metrics[m as usize - 1][column]
            .parse()
            .unwrap_or(f64::NAN)
    }

    /// The months in which `holds` begins (holds, and did not the month before).
    fn beginnings(&self, holds: impl Fn(u32) -> bool) -> Vec<u32> {
        let mut out = Vec::new();
        let mut before = false;
        for m in 1..=self.metrics.len() as u32 {
            let now = holds(m);
            if now && !before {
                out.push(m);
            }
            before = now;
        }
        out
    }
}

#[test]
fn stress_prints_each_critical_event_under_its_month_and_counts_them() {
    let tmp = TempDir::new().unwrap();
    let r = run(tmp.path(), &["stress"]);
    assert!(r.total() > 3, "{:?}", r.critical);
    assert!(
        r.summary
            .starts_with(&format!("Critical events: {} (", r.total())),
        "{}",
        r.summary
    );

    // Unfilled market flows: the log's warnings, month for month.
    let mut unfilled = r.months("market sale unfilled");
    unfilled.extend(r.months("market purchase unfilled"));
    unfilled.sort_unstable();
    assert!(!unfilled.is_empty());
    assert_eq!(unfilled, r.log_months("could not be filled by the pairs"));

    // The impact limit: the months metrics.csv's price_impact reaches 10 %
    // after a month below it.
    let limit = r.beginnings(|m| r.metric(m, "price_impact").abs() >= 0.1 * (1.0 - 1e-9));
    assert!(!limit.is_empty());
    assert_eq!(r.months("LEAF price impact at its monthly limit"), limit);

    // Large redemptions: a holder's payout (deals.csv) at the month's price
    // against AEGIS's value before the month's payouts, which is its value
    // at the month's end plus everything paid out that month.
    let value = |row: &BTreeMap<String, String>| {
        let m: u32 = row["month"].parse().unwrap();
        let usdc: f64 = row["payout_usdc"].parse().unwrap();
        let leaf: f64 = row["payout_leaf"].parse().unwrap();
        (m, usdc + leaf * r.metric(m, "leaf_price"))
    };
    let mut paid: BTreeMap<u32, f64> = BTreeMap::new();
    for row in &r.deals {
        let (m, v) = value(row);
        *paid.entry(m).or_default() += v;
    }
    let large: Vec<(u32, String)> = r
        .deals
        .iter()
        .filter(|row| {
            let (m, v) = value(row);
            v > 0.05 * (r.metric(m, "aegis_value") + paid[&m])
        })
        .map(|row| (row["month"].parse().unwrap(), row["deal_id"].clone()))
        .collect();
    assert_eq!(large.len(), 3, "{large:?}");
    let printed: Vec<(u32, String)> = r
        .critical
        .iter()
        .flat_map(|(m, lines)| {
            lines
                .iter()
                .filter_map(|l| l.strip_prefix("large redemption: "))
                .map(|l| (*m, l[..l.find(" (").unwrap()].to_string()))
        })
        .collect();
    assert_eq!(printed, large);
    assert_eq!(
        r.total(),
        unfilled.len() + limit.len() + large.len(),
        "{:?}",
        r.critical
    );
    // The log has the count too.
    assert!(r.log.contains(&r.summary), "{}", r.log);

    // --quiet keeps only the count.
    let out = canopy(tmp.path())
        .args(["run", "stress", "--quiet", "--out", "q", "--log-dir", "ql"])
        .args(["--no-charts", "--no-scorecard"])
        .output()
        .unwrap();
    let quiet = stdout(&out);
    assert!(!quiet.contains(" ! "), "{quiet}");
    assert!(!quiet.contains("Revenue by month"), "{quiet}");
    assert!(quiet.lines().any(|l| l == r.summary), "{quiet}");
}

#[test]
fn aegis_short_of_usdc_and_low_usdc_follow_the_balances() {
    let tmp = TempDir::new().unwrap();
    // A rising price with no revenue: the pairs sell LEAF to AEGIS until
    // its USDC runs out.
    let r = run(
        tmp.path(),
        &[
            "default",
            "--set",
            "aegis.initial_usdc=1e6",
            "--set",
            "aegis.revenue_share=0",
            "--set",
            "leaf_price.model=\"market\"",
            "--set",
            "leaf_price.drift=0.1",
        ],
    );
    let low = r.beginnings(|m| r.metric(m, "aegis_usdc") < 0.1 * 1e6);
    assert!(!low.is_empty());
    assert_eq!(r.months("AEGIS USDC below 10.00 % of its start"), low);
    let short = r.months("AEGIS short of USDC");
    assert!(!short.is_empty());
    assert_eq!(short, r.log_months("purchase capped"));
    assert!(short[0] > low[0]);
}

#[test]
fn aegis_short_of_leaf_and_queued_requests_are_reported_each_time() {
    let tmp = TempDir::new().unwrap();
    let r = run(tmp.path(), &["default", "--set", "aegis.initial_leaf=1"]);
    let short = r.months("AEGIS short of LEAF");
    assert!(short.len() > 10, "{short:?}");
    assert_eq!(short, r.log_months("sale capped"));

    let r = run(tmp.path(), &["guarded"]);
    let queued = r.months("redemption queued");
    assert!(!queued.is_empty());
    // Each queued request names its month, deal and amount as the log does
    // ("month 21: Team_003 asked to redeem 43750 OAK (...); 33750 OAK
    // queued behind the monthly limit").
    let number = |t: &str| t.replace(',', "").parse::<f64>().unwrap();
    let printed: Vec<(u32, String, f64)> = r
        .critical
        .iter()
        .flat_map(|(m, lines)| {
            lines
                .iter()
                .filter_map(|l| l.strip_prefix("redemption queued: "))
                .map(move |l| {
                    let (oak, rest) = l.split_once(" OAK of ").unwrap();
                    let id = rest.split(" (").next().unwrap().to_string();
                    (*m, id, number(oak))
                })
        })
        .collect();
    let logged: Vec<(u32, String, f64)> = r
        .log
        .lines()
        .filter(|l| l.contains("queued behind the monthly limit"))
        .map(|l| {
            let rest = l.split("month ").nth(1).unwrap();
            let (m, rest) = rest.split_once(": ").unwrap();
            let (id, rest) = rest.split_once(" asked to redeem ").unwrap();
            let oak = rest.rsplit("; ").next().unwrap().split(' ').next().unwrap();
            (m.parse().unwrap(), id.to_string(), number(oak))
        })
        .collect();
    assert_eq!(printed.len(), logged.len());
    for (p, l) in printed.iter().zip(&logged) {
        assert_eq!((p.0, &p.1), (l.0, &l.1));
        assert!((p.2 - l.2).abs() <= 0.5, "{p:?} {l:?}");
    }
    let deals: BTreeSet<&str> = printed.iter().map(|p| p.1.as_str()).collect();
    assert!(deals.len() > 1, "{deals:?}");
    assert_eq!(
        r.summary,
        format!(
            "Critical events: {} (requests queued: {})",
            queued.len(),
            queued.len()
        )
    );
}

#[test]
fn a_run_without_critical_events_says_none() {
    let tmp = TempDir::new().unwrap();
    let r = run(tmp.path(), &["reference"]);
    assert_eq!(r.total(), 0);
    assert_eq!(r.summary, "Critical events: none");
}

#[test]
fn the_price_at_its_floor_and_cap_begins_where_metrics_say() {
    let tmp = TempDir::new().unwrap();
    let market = ["--set", "leaf_price.model=\"market\""];
    let r = run(
        tmp.path(),
        &[&["default", "--set", "leaf_price.drift=-0.1"][..], &market].concat(),
    );
    let floor = r.beginnings(|m| r.metric(m, "leaf_price") <= 0.01);
    assert!(!floor.is_empty());
    assert_eq!(r.months("LEAF price at its floor: 0.0100 USD"), floor);
    let r = run(
        tmp.path(),
        &[
            &[
                "default",
                "--set",
                "leaf_price.drift=0.5",
                "--set",
                "leaf_price.max=20",
            ][..],
            &market,
        ]
        .concat(),
    );
    let cap = r.beginnings(|m| r.metric(m, "leaf_price") >= 20.0);
    assert!(!cap.is_empty());
    assert_eq!(r.months("LEAF price at its cap: 20.0000 USD"), cap);
}

#[test]
fn a_run_that_stops_counts_only_the_months_it_kept() {
    let tmp = TempDir::new().unwrap();
    // The price explodes until value per OAK is no longer finite.
    let r = run_ending(
        tmp.path(),
        &[
            "default",
            "--set",
            "leaf_price.model=\"market\"",
            "--set",
            "leaf_price.drift=20",
            "--set",
            "leaf_price.max=1e308",
        ],
        1,
    );
    let kept = r.metrics.len() as u32;
    assert!(kept < 60);
    assert!(r.critical.keys().all(|m| *m <= kept), "{:?}", r.critical);
    assert!(r.total() > 0);
    assert!(
        r.summary
            .starts_with(&format!("Critical events: {} (", r.total())),
        "{} vs {} lines",
        r.summary,
        r.total()
    );
}
