//! A comparison's report, as plain values for the output library to draw.

use canopy_model::column;
use canopy_output::csv_cell as cell;
use canopy_output::sweep_report::{CompareReport, MonthlyPair, TextTable};

use super::{Change, Findings};
use crate::points::Plan;

fn percent(p: Option<f64>) -> String {
    p.map_or_else(String::new, |p| format!("{:.1} %", p * 100.0))
}

/// The report of the comparison `plan`, from what its pairs say.
pub fn of(plan: &Plan, f: &Findings, changes: &[Change], version: &str) -> CompareReport {
    let (a, b) = (&plan.points[0], &plan.points[1]);
    let s = &plan.sweep;
    let level = format!("{} %", s.confidence * 100.0);
    let settings = vec![
        ("A".to_string(), a.scenario_name.clone()),
        ("B".to_string(), b.scenario_name.clone()),
        ("runs per side".into(), s.runs.to_string()),
        (
            "seeds".into(),
            format!("{} to {}", plan.seed, plan.seed + s.runs - 1),
        ),
        (
            "runs not ok (A, B)".into(),
            format!("{}, {}", f.a_not_ok, f.b_not_ok),
        ),
        ("kept metrics".into(), s.keep_months.join(", ")),
        ("confidence".into(), level.clone()),
    ];
    let summary = TextTable {
        header: [
            "metric",
            "A median",
            "B median",
            "mean of B − A",
            &format!("{level} low"),
            &format!("{level} high"),
            "B greater",
            "pairs",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect(),
        rows: f
            .diff
            .iter()
            .map(|d| {
                vec![
                    d.metric.clone(),
                    cell(d.a_p50),
                    cell(d.b_p50),
                    cell(d.diff_mean),
                    cell(d.diff_ci.map(|c| c.0)),
                    cell(d.diff_ci.map(|c| c.1)),
                    percent(d.b_greater),
                    d.n.to_string(),
                ]
            })
            .collect(),
    };
    let monthly: Vec<MonthlyPair> = f
        .monthly
        .iter()
        .map(|m| MonthlyPair {
            metric: m.metric.clone(),
            label: column(&m.metric).map_or_else(String::new, |c| c.doc.to_string()),
            months: m.months.clone(),
            a_p50: m.a_p50.clone(),
            b_p50: m.b_p50.clone(),
            diff_p5: m.bands.iter().map(|b| b.q[0]).collect(),
            diff_p50: m.bands.iter().map(|b| b.q[1]).collect(),
            diff_p95: m.bands.iter().map(|b| b.q[2]).collect(),
        })
        .collect();
    let exact = (s.runs == 1 && !a.scenario.is_random() && !b.scenario.is_random())
        .then(|| {
            let mut header = vec!["month".to_string()];
            header.extend(f.monthly.iter().map(|m| format!("{} B − A", m.metric)));
            let longest = f.monthly.first().map_or(0, |m| m.months.len());
            let rows = (0..longest)
                .map(|i| {
                    let mut row = vec![(i + 1).to_string()];
                    row.extend(f.monthly.iter().map(|m| cell(m.bands[i].mean)));
                    row
                })
                .collect();
            TextTable { header, rows }
        })
        .filter(|t| t.header.len() > 1);
    let criteria = TextTable {
        header: [
            "criterion",
            "condition",
            "A met",
            "A probability",
            "A low",
            "A high",
            "B met",
            "B probability",
            "B low",
            "B high",
            "only A",
            "only B",
            "McNemar p",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect(),
        rows: f
            .criteria
            .iter()
            .map(|c| {
                let side = |count: &crate::criteria::Count| {
                    let ci = crate::intervals::clopper_pearson(count.k, count.n, s.confidence);
                    [
                        format!("{} of {}", count.k, count.n),
                        percent(count.p()),
                        percent(ci.map(|c| c.0)),
                        percent(ci.map(|c| c.1)),
                    ]
                };
                let mut row = vec![c.name.clone(), c.condition.clone()];
                row.extend(side(&c.a));
                row.extend(side(&c.b));
                row.extend([
                    c.only_a.to_string(),
                    c.only_b.to_string(),
                    cell(Some(c.mcnemar_p)),
                ]);
                row
            })
            .collect(),
    };
    let crossings = TextTable {
        header: ["metric", "month", "median B − A before", "median B − A"]
            .iter()
            .map(|h| h.to_string())
            .collect(),
        rows: f
            .crossings
            .iter()
            .map(|c| {
                vec![
                    c.metric.clone(),
                    c.month.to_string(),
                    cell(Some(c.before)),
                    cell(Some(c.after)),
                ]
            })
            .collect(),
    };
    CompareReport {
        title: s.source_name.clone(),
        version: version.to_string(),
        a: a.scenario_name.clone(),
        b: b.scenario_name.clone(),
        settings,
        changes: TextTable {
            header: vec!["key".into(), "A".into(), "B".into()],
            rows: changes
                .iter()
                .map(|c| vec![c.key.clone(), c.a.clone(), c.b.clone()])
                .collect(),
        },
        summary,
        monthly,
        criteria,
        crossings,
        exact,
    }
}
