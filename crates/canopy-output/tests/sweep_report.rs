//! A sweep's report, written from hand-built [`SweepReport`]s: the page is
//! well-formed, every chart is on it inline and under `charts/` as SVG and
//! PNG, user text is escaped, and what the caller computed (Spearman's ρ,
//! the number of failures) is shown.

use std::fs;
use std::path::Path;

use canopy_output::sweep_report::{
    AxisInfo, AxisResponse, Chance, CompareReport, CriterionFindings, Failures, MetricFans,
    MonthlyPair, PointFan, ResponseSeries, SampleInfo, SampleScatter, ScatterMetric, SeekPoint,
    SeekReport, SweepReport, TextTable, Tornado, TornadoBar, TornadoMetric, write, write_compare,
    write_seek,
};

const MAIN: [&str; 6] = [
    "revenue_cumulative",
    "aegis_value",
    "value_per_oak",
    "oak_redeemed",
    "leaf_price",
    "min_aegis_value",
];

/// A key that carries markup, as a user may write it.
const HOSTILE: &str = "deal[0].<b>x</b>";

fn s(text: &str) -> String {
    text.to_string()
}

fn settings(mode: &str) -> Vec<(String, String)> {
    vec![
        (s("scenario"), s("stress")),
        (s("mode"), s(mode)),
        (s("runs per point"), s("500")),
        (s("seed"), s("7")),
        (s("common random numbers"), s("true")),
        (s("[set] market.redeemer_sell_share"), s("0.5")),
    ]
}

/// A point's fan over `months` months: the median grows 5 % a month from
/// `level`, the quartiles are 10 % and the 5-95 band 25-30 % away; `gap`
/// is a month where no run had a value.
fn fan(label: &str, months: u32, level: f64, gap: Option<u32>) -> PointFan {
    let ms: Vec<u32> = (1..=months).collect();
    let at = |k: f64| -> Vec<Option<f64>> {
        ms.iter()
            .map(|m| (Some(*m) != gap).then(|| level * (1.0 + 0.05 * f64::from(*m)) * k))
            .collect()
    };
    PointFan {
        label: s(label),
        months: ms.clone(),
        p5: at(0.75),
        p25: at(0.9),
        p50: at(1.0),
        p75: at(1.1),
        p95: at(1.3),
    }
}

fn series(metric: &str, p50: &[f64]) -> ResponseSeries {
    ResponseSeries {
        metric: s(metric),
        p5: p50.iter().map(|v| Some(v * 0.8)).collect(),
        p50: p50.iter().map(|v| Some(*v)).collect(),
        p95: p50.iter().map(|v| Some(v * 1.2)).collect(),
    }
}

fn points_table(axes: &[&str], rows: usize) -> TextTable {
    let mut header: Vec<String> = vec![s("point")];
    header.extend(axes.iter().map(|a| s(a)));
    header.extend([
        s("runs"),
        s("failed"),
        s("aegis_value_mean"),
        s("aegis_value_p50"),
    ]);
    TextTable {
        header,
        rows: (0..rows)
            .map(|p| {
                let mut row = vec![p.to_string()];
                row.extend(axes.iter().map(|_| s("0.06")));
                row.extend([s("500"), s("3"), s("1234567.891"), s("")]);
                row
            })
            .collect(),
    }
}

/// A grid sweep: 2 axes (one numeric, one categorical with markup in its
/// key) of 3 and 2 values, so 6 points; 3 kept metrics; 250 runs not ok,
/// of which the first 2 are given.
fn grid() -> SweepReport {
    let vols = ["0.02", "0.06", "0.1"];
    let cats = ["a", "<i>b</i>"];
    let mut labels = Vec::new();
    for v in vols {
        for c in cats {
            labels.push(format!(
                "point {}: leaf_price.volatility = {v}, {HOSTILE} = {c}",
                labels.len()
            ));
        }
    }
    let fans = ["aegis_value", "leaf_price", "value_per_oak"]
        .iter()
        .enumerate()
        .map(|(k, metric)| MetricFans {
            metric: s(metric),
            label: format!("{metric}, the kept metric number {k}"),
            points: labels
                .iter()
                .enumerate()
                .map(|(p, l)| {
                    let level = if k == 1 { 0.5 } else { 2e6 };
                    fan(l, 24, level * (1.0 + 0.1 * p as f64), (p == 1).then_some(5))
                })
                .collect(),
        })
        .collect();
    SweepReport {
        sensitivity: None,
        title: s("grid.toml"),
        version: s("9.8.7"),
        settings: settings("grid"),
        axes: vec![
            AxisInfo {
                key: s("leaf_price.volatility"),
                values: vols.map(s).to_vec(),
            },
            AxisInfo {
                key: s(HOSTILE),
                values: cats.map(s).to_vec(),
            },
        ],
        samples: Vec::new(),
        points: points_table(&["leaf_price.volatility", HOSTILE], 6),
        fans,
        responses: vec![
            AxisResponse {
                key: s("leaf_price.volatility"),
                values: vols.map(s).to_vec(),
                x: Some(vec![0.02, 0.06, 0.1]),
                log_x: false,
                metrics: MAIN.iter().map(|m| series(m, &[3e6, 2e6, 1.5e6])).collect(),
            },
            AxisResponse {
                key: s(HOSTILE),
                values: cats.map(s).to_vec(),
                x: None,
                log_x: false,
                metrics: MAIN.iter().map(|m| series(m, &[0.4, 0.7])).collect(),
            },
        ],
        scatters: Vec::new(),
        tornado: None,
        criteria: Vec::new(),
        failures: Failures {
            total: 250,
            header: ["point", "run", "seed", "month", "quantity", "message"]
                .map(s)
                .to_vec(),
            rows: vec![
                ["0", "3", "10", "17", "tvl", "<script>not finite</script>"]
                    .map(s)
                    .to_vec(),
                ["2", "8", "15", "", HOSTILE, "below its minimum"]
                    .map(s)
                    .to_vec(),
            ],
        },
    }
}

/// An "oat" sweep of 2 axes (a logspace and a list), nothing kept month by
/// month, with a tornado of every main metric.
fn oat() -> SweepReport {
    let bar = |key: &str, lv: &str, hv: &str, low: f64, high: f64| TornadoBar {
        key: s(key),
        low_value: s(lv),
        high_value: s(hv),
        low: Some(low),
        high: Some(high),
    };
    SweepReport {
        sensitivity: None,
        title: s("oat.toml"),
        version: s("9.8.7"),
        settings: settings("oat"),
        axes: vec![
            AxisInfo {
                key: s("deal[13].leaf_pair.amount"),
                values: ["1000000", "3162278", "10000000"].map(s).to_vec(),
            },
            AxisInfo {
                key: s("market.net_demand_usd"),
                values: ["-50000", "0"].map(s).to_vec(),
            },
        ],
        points: points_table(&["deal[13].leaf_pair.amount", "market.net_demand_usd"], 6),
        responses: vec![
            AxisResponse {
                key: s("deal[13].leaf_pair.amount"),
                values: ["1000000", "3162278", "10000000"].map(s).to_vec(),
                x: Some(vec![1e6, 3_162_278.0, 1e7]),
                log_x: true,
                metrics: MAIN.iter().map(|m| series(m, &[1.0, 2.0, 4.0])).collect(),
            },
            AxisResponse {
                key: s("market.net_demand_usd"),
                values: ["-50000", "0"].map(s).to_vec(),
                x: Some(vec![-50_000.0, 0.0]),
                log_x: false,
                metrics: MAIN.iter().map(|m| series(m, &[5.0, 6.0])).collect(),
            },
        ],
        tornado: Some(Tornado {
            metrics: MAIN
                .iter()
                .map(|m| TornadoMetric {
                    metric: s(m),
                    base: Some(100.0),
                    bars: vec![
                        // Spread 110 - 90 = 20.
                        bar("market.net_demand_usd", "-50000", "0", 90.0, 110.0),
                        // Spread 120 - 50 = 70: drawn and listed first.
                        bar(
                            "deal[13].leaf_pair.amount",
                            "1000000",
                            "10000000",
                            50.0,
                            120.0,
                        ),
                    ],
                })
                .collect(),
        }),
        ..SweepReport::default()
    }
}

/// A grid of one point with two samples: one drawn over five runs with
/// hand-set correlations, one over 7000 runs (more than a scatter draws).
fn sampled() -> SweepReport {
    let x = vec![-40_000.0, -30_000.0, -20_000.0, -10_000.0, -5_000.0];
    let many: Vec<f64> = (0..7000).map(|i| f64::from(i) * 7.0).collect();
    SweepReport {
        sensitivity: None,
        title: s("sampled.toml"),
        version: s("9.8.7"),
        settings: settings("grid"),
        samples: vec![
            SampleInfo {
                key: s("market.net_demand_usd"),
                distribution: s("uniform { low = -50000, high = 0 }"),
            },
            SampleInfo {
                key: s("leaf_price.volatility"),
                distribution: s("normal { mean = 0.05, sd = 0.01 }"),
            },
        ],
        points: points_table(&[], 1),
        fans: vec![MetricFans {
            metric: s("leaf_price"),
            label: s("LEAF price (USD)"),
            points: vec![fan("point 0", 60, 0.5, None)],
        }],
        scatters: vec![
            SampleScatter {
                key: s("market.net_demand_usd"),
                x: x.clone(),
                metrics: MAIN
                    .iter()
                    .enumerate()
                    .map(|(k, m)| ScatterMetric {
                        metric: s(m),
                        y: vec![Some(1.0), Some(3.0), None, Some(2.0), Some(5.0)],
                        spearman: match k {
                            0 => Some(0.4321),
                            1 => Some(-0.875),
                            2 => None,
                            _ => Some(0.1),
                        },
                    })
                    .collect(),
            },
            SampleScatter {
                key: s("leaf_price.volatility"),
                x: many.clone(),
                metrics: vec![ScatterMetric {
                    metric: s("aegis_value"),
                    y: many.iter().map(|v| Some(v * v)).collect(),
                    spearman: Some(1.0),
                }],
            },
        ],
        ..SweepReport::default()
    }
}

/// Nothing at all, or only gaps: no settings, axes, points or failures; a
/// fan whose values are all missing and one of a single month; a response
/// with no values; a scatter with no runs; a tornado with no base and no
/// medians.
fn empty() -> SweepReport {
    let none = |n: usize| vec![None; n];
    SweepReport {
        sensitivity: None,
        fans: vec![
            MetricFans {
                metric: s("aegis_value"),
                label: String::new(),
                points: vec![
                    PointFan {
                        label: s("point 0"),
                        months: vec![1, 2, 3],
                        p5: none(3),
                        p25: none(3),
                        p50: none(3),
                        p75: none(3),
                        p95: none(3),
                    },
                    fan("point 1", 1, 3.0, None),
                    PointFan::default(),
                ],
            },
            MetricFans::default(),
        ],
        responses: vec![
            AxisResponse {
                key: s("a"),
                values: vec![s("1")],
                x: Some(vec![1.0]),
                log_x: true,
                metrics: vec![ResponseSeries {
                    metric: s("aegis_value"),
                    p5: none(1),
                    p50: vec![Some(2.0)],
                    p95: none(1),
                }],
            },
            AxisResponse {
                key: s("b"),
                values: vec![s("x"), s("y")],
                // Positions that do not match the values: drawn as categories.
                x: Some(vec![1.0]),
                log_x: false,
                metrics: vec![ResponseSeries::default()],
            },
            AxisResponse::default(),
        ],
        scatters: vec![
            SampleScatter {
                key: s("c"),
                x: Vec::new(),
                metrics: vec![ScatterMetric {
                    metric: s("aegis_value"),
                    y: Vec::new(),
                    spearman: None,
                }],
            },
            SampleScatter {
                key: s("d"),
                x: vec![1.0],
                metrics: vec![ScatterMetric {
                    metric: s("leaf_price"),
                    y: vec![Some(0.5)],
                    spearman: None,
                }],
            },
        ],
        tornado: Some(Tornado {
            metrics: vec![
                TornadoMetric {
                    metric: s("aegis_value"),
                    base: None,
                    bars: vec![TornadoBar {
                        key: s("a"),
                        low: Some(1.0),
                        ..TornadoBar::default()
                    }],
                },
                TornadoMetric {
                    metric: s("leaf_price"),
                    base: Some(1.0),
                    bars: vec![TornadoBar::default()],
                },
                TornadoMetric::default(),
            ],
        }),
        ..SweepReport::default()
    }
}

fn parse(text: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("well-formed XML")
}

/// The page's text, its markup aside.
fn text_of(doc: &roxmltree::Document<'_>) -> String {
    doc.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join("")
}

/// The texts an SVG chart draws, trimmed.
fn svg_texts(svg: &str) -> Vec<String> {
    parse(svg)
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_string())
        .collect()
}

/// Writes `report` into a new folder and checks what every report must
/// be; returns the folder, the page and the stems.
fn written(report: &SweepReport) -> (tempfile::TempDir, String, Vec<String>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let stems = write(dir.path(), report).expect("written");
    let page = fs::read_to_string(dir.path().join("report.html")).expect("report.html");
    check(dir.path(), &page, &stems);
    (dir, page, stems)
}

fn check(dir: &Path, page: &str, stems: &[String]) {
    let doc = parse(page);
    assert!(!doc.descendants().any(|n| n.has_tag_name("script")));
    // Self-contained: nothing loaded, links only within the page.
    assert!(!page.contains(" src="));
    for a in doc.descendants().filter(|n| n.has_tag_name("a")) {
        assert!(a.attribute("href").is_some_and(|h| h.starts_with('#')));
    }
    for stem in stems {
        let figure = doc
            .descendants()
            .find(|n| n.attribute("id") == Some(format!("chart-{stem}").as_str()))
            .unwrap_or_else(|| panic!("no figure for {stem}"));
        assert!(
            figure.descendants().any(|n| n.tag_name().name() == "svg"),
            "no inline svg for {stem}"
        );
        let svg = fs::read_to_string(dir.join("charts").join(format!("{stem}.svg")))
            .unwrap_or_else(|e| panic!("{stem}.svg: {e}"));
        let svg_doc = parse(&svg);
        assert_eq!(svg_doc.root_element().tag_name().name(), "svg");
        let width: f64 = svg_doc
            .root_element()
            .attribute("width")
            .and_then(|w| w.parse().ok())
            .expect("svg width");
        let height: f64 = svg_doc
            .root_element()
            .attribute("height")
            .and_then(|w| w.parse().ok())
            .expect("svg height");
        let png = fs::File::open(dir.join("charts").join(format!("{stem}.png")))
            .unwrap_or_else(|e| panic!("{stem}.png: {e}"));
        let mut reader = png::Decoder::new(std::io::BufReader::new(png))
            .read_info()
            .expect("png header");
        let mut buf = vec![0; reader.output_buffer_size().expect("png size")];
        let info = reader.next_frame(&mut buf).expect("png data");
        // The PNG is the SVG at three quarters of its size.
        assert_eq!(f64::from(info.width), width * 0.75, "{stem}");
        assert_eq!(f64::from(info.height), (height * 0.75).round(), "{stem}");
        // Not blank: a chart has ink.
        let dark = buf[..info.buffer_size()]
            .chunks_exact(3)
            .filter(|p| p.iter().all(|c| *c < 100))
            .count();
        assert!(dark > 500, "{stem}.png looks blank: {dark} dark pixels");
    }
    // Nothing else in charts/.
    let mut files: Vec<String> = fs::read_dir(dir.join("charts"))
        .expect("charts/")
        .map(|e| e.expect("entry").file_name().into_string().expect("name"))
        .collect();
    files.sort();
    let mut expected: Vec<String> = stems
        .iter()
        .flat_map(|s| [format!("{s}.png"), format!("{s}.svg")])
        .collect();
    expected.sort();
    assert_eq!(files, expected);
}

#[test]
fn a_grid_sweep_has_fans_medians_and_responses() {
    let (_dir, page, stems) = written(&grid());
    // 3 kept metrics x (1 medians chart + 6 fans) + 2 axes.
    assert_eq!(stems.len(), 3 * 7 + 2, "{stems:?}");
    assert!(stems.contains(&"fan_aegis_value_medians".to_string()));
    assert!(stems.contains(&"fan_value_per_oak_point5".to_string()));
    assert!(stems.contains(&"response_1_leaf_price_volatility".to_string()));
    assert!(stems.contains(&"response_2_deal_0_b_x_b".to_string()));
    assert!(!page.contains("Fan charts are drawn for the first"));

    // User text is escaped wherever it appears, and reads back whole.
    assert!(page.contains("deal[0].&lt;b&gt;x&lt;/b&gt;"));
    assert!(!page.contains("<b>x</b>"));
    assert!(!page.contains("<i>b</i>"));
    assert!(!page.contains("<script>not finite"));
    let doc = parse(&page);
    assert!(!doc.descendants().any(|n| n.has_tag_name("i")));
    let text = text_of(&doc);
    assert!(text.contains(HOSTILE));
    assert!(text.contains("<script>not finite</script>"));
    assert!(text.contains(&format!("Response to {HOSTILE}")));
    let title = doc.descendants().find(|n| n.has_tag_name("title"));
    assert_eq!(
        title.and_then(|t| t.text()),
        Some("Canopy sweep report: grid.toml")
    );

    // The settings, in order, and the version in the footer.
    let scenario = text.find("scenario").expect("scenario setting");
    let share = text
        .find("[set] market.redeemer_sell_share")
        .expect("[set]");
    assert!(scenario < share);
    assert!(text.contains("Written by canopy 9.8.7"));
    // The points table, rounded for reading: 1234567.891 to 1,234,568.
    assert!(text.contains("1,234,568"));
    assert!(!text.contains("1234567.891"));

    // Only the first rows of failures, and how many there are in all.
    assert!(
        text.contains("250 runs were not ok; the first 2 are shown"),
        "{text}"
    );
}

#[test]
fn many_points_draw_only_the_first_twelve_fans() {
    let mut r = grid();
    r.fans.truncate(1);
    r.responses.clear();
    let template = r.fans[0].points[0].clone();
    r.fans[0].points = (0..15)
        .map(|p| PointFan {
            label: format!("point {p}"),
            ..template.clone()
        })
        .collect();
    let (_dir, page, stems) = written(&r);
    // The medians chart and 12 fans.
    assert_eq!(stems.len(), 13);
    assert!(stems.contains(&"fan_aegis_value_point11".to_string()));
    assert!(!stems.contains(&"fan_aegis_value_point12".to_string()));
    assert!(page.contains("Fan charts are drawn for the first 12 of the 15 points only"));
    // All 15 medians: 12 in colour and the last 3 together in grey.
    assert!(page.contains("points 12 to 14"));
}

#[test]
fn an_oat_sweep_has_a_tornado_per_main_metric() {
    let (_dir, page, stems) = written(&oat());
    // 2 responses and 6 tornados; nothing kept month by month.
    assert_eq!(stems.len(), 8, "{stems:?}");
    for m in MAIN {
        assert!(stems.contains(&format!("tornado_{m}")), "{m}");
    }
    assert!(page.contains("<code>keep_months = []</code>"));
    let doc = parse(&page);
    // The tornado's table lists the widest spread (70) before the other (20).
    let table = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("tornado"))
        .expect("tornado section");
    let rows: Vec<String> = table
        .descendants()
        .filter(|n| n.has_tag_name("tr"))
        .skip(1)
        .take(2)
        .map(|tr| {
            tr.descendants()
                .filter(|n| n.is_text())
                .filter_map(|n| n.text())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    assert_eq!(
        rows,
        [
            "deal[13].leaf_pair.amount|1000000|50|10000000|120|100",
            "market.net_demand_usd|-50000|90|0|110|100",
        ]
    );
    // The axis's label on the tornado chart, and its values at the bars' ends.
    let svg = fs::read_to_string(_dir.path().join("charts/tornado_aegis_value.svg")).unwrap();
    let texts = svg_texts(&svg);
    assert!(
        texts.iter().any(|t| t == "deal[13].leaf_pair.amount"),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t == "10000000"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "-50000"), "{texts:?}");
    // The logspace axis is drawn on a log scale, ticks at its values (in millions).
    let svg = fs::read_to_string(
        _dir.path()
            .join("charts/response_1_deal_13_leaf_pair_amount.svg"),
    )
    .unwrap();
    let texts = svg_texts(&svg);
    assert!(
        texts.contains(&"deal[13].leaf_pair.amount (millions) (log scale)".to_string()),
        "{texts:?}"
    );
    // Ticks at the axis values, in millions: 3,162,278 is 3.16.
    for tick in ["1", "3.16", "10"] {
        assert!(texts.iter().any(|t| t == tick), "{tick}: {texts:?}");
    }
    assert!(page.contains("Every run was ok."));
}

#[test]
fn samples_show_their_rank_correlation() {
    let (dir, page, stems) = written(&sampled());
    // 1 kept metric of 1 point (medians and a fan) and 2 scatters.
    assert_eq!(stems.len(), 4, "{stems:?}");
    let text = text_of(&parse(&page));
    assert!(text.contains("uniform { low = -50000, high = 0 }"));
    // The correlations given, in the table and on the chart.
    assert!(text.contains("0.43"));
    assert!(text.contains("-0.88"));
    assert!(text.contains("undefined"));
    let svg = fs::read_to_string(
        dir.path()
            .join("charts/scatter_1_market_net_demand_usd.svg"),
    )
    .expect("scatter");
    let texts = svg_texts(&svg);
    for title in [
        "revenue_cumulative   ρ = 0.43",
        "aegis_value   ρ = -0.88",
        "value_per_oak   ρ undefined",
    ] {
        assert!(texts.iter().any(|t| t == title), "{title}: {texts:?}");
    }
    // Four defined of five runs: one dot each.
    assert_eq!(svg.matches("<circle").count(), 4 * 6, "dots on the scatter");
    // 7000 runs, every third drawn: 2334.
    assert!(text.contains("2334 of 7000 runs drawn"));
    let svg = fs::read_to_string(
        dir.path()
            .join("charts/scatter_2_leaf_price_volatility.svg"),
    )
    .expect("scatter");
    assert_eq!(svg.matches("<circle").count(), 2334);
}

#[test]
fn an_empty_sweep_and_missing_values_still_make_a_report() {
    let (_dir, page, stems) = written(&empty());
    // 2 metrics x (medians + 3 and 0 fans) + 3 responses + 2 scatters + 3 tornados.
    assert_eq!(stems.len(), 2 + 3 + 3 + 2 + 3, "{stems:?}");
    // An empty metric name still makes distinct stems.
    assert!(stems.contains(&"fan_medians".to_string()));
    assert!(page.contains("No points."));
    assert!(page.contains("No axes: the sweep has one point."));
    assert!(page.contains("Every run was ok."));
    assert!(page.contains("No values to draw."));
}

#[test]
fn a_new_report_replaces_the_charts_of_the_last() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = write(dir.path(), &grid()).expect("first");
    fs::write(dir.path().join("charts/notes.txt"), "mine").unwrap();
    let second = write(dir.path(), &oat()).expect("second");
    assert!(first.iter().all(|s| !second.contains(s)));
    let page = fs::read_to_string(dir.path().join("report.html")).unwrap();
    // The other charts are gone; the user's file stays.
    fs::remove_file(dir.path().join("charts/notes.txt")).expect("notes.txt kept");
    check(dir.path(), &page, &second);
    assert!(page.contains("oat.toml"));
}

#[test]
fn charts_cannot_be_written_into_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("charts"), "in the way").unwrap();
    let e = write(dir.path(), &oat()).expect_err("charts is a file");
    assert!(e.to_string().contains("charts"), "{e}");
    assert!(!dir.path().join("report.html").exists());
}

fn chance(k: u64, n: u64) -> Chance {
    let p = k as f64 / n as f64;
    Chance {
        n,
        k,
        p: Some(p),
        lo: Some((p - 0.05).max(0.0)),
        hi: Some((p + 0.05).min(1.0)),
    }
}

#[test]
fn each_criterion_has_a_table_and_a_chart_of_its_probability_against_the_axes() {
    let mut r = grid();
    let points = r.points.rows.len();
    r.criteria = vec![CriterionFindings {
        name: s("usdc_floor"),
        condition: s("aegis_usdc < <i>b</i>"),
        confidence: 0.9,
        points: (0..points)
            .map(|p| (format!("point {p}"), chance(p as u64, 10)))
            .collect(),
        axes: r
            .responses
            .iter()
            .map(|a| a.values.iter().map(|_| chance(3, 20)).collect())
            .collect(),
    }];
    let (_dir, page, stems) = written(&r);
    assert!(
        stems.contains(&"criterion_usdc_floor".to_string()),
        "{stems:?}"
    );
    assert_eq!(stems.len(), 3 * 7 + 2 + 1);
    let doc = parse(&page);
    let text = text_of(&doc);
    assert!(text.contains("exact two-sided 90 % interval"), "{text}");
    assert!(text.contains("aegis_usdc < <i>b</i>"));
    assert!(!doc.descendants().any(|n| n.has_tag_name("i")));
    // The table: runs met, ok runs, the probability as a percentage.
    assert!(text.contains("15 %"), "{text}");
    assert!(page.contains("href=\"#criteria\""));
}

#[test]
fn a_comparison_and_a_seek_have_their_own_pages() {
    let months: Vec<u32> = (1..=24).collect();
    let series =
        |f: f64| -> Vec<Option<f64>> { months.iter().map(|m| Some(f64::from(*m) * f)).collect() };
    let table = |header: &[&str], rows: Vec<Vec<&str>>| TextTable {
        header: header.iter().map(|h| s(h)).collect(),
        rows: rows
            .into_iter()
            .map(|r| r.into_iter().map(s).collect())
            .collect(),
    };
    let compare = CompareReport {
        title: s("compare default <b>b</b>"),
        version: s("9.8.7"),
        a: s("default"),
        b: s("<b>b</b>"),
        settings: vec![(s("runs per side"), s("100"))],
        changes: table(
            &["key", "A", "B"],
            vec![vec!["deal[Team_003].enabled", "true", "false"]],
        ),
        summary: table(
            &["metric", "A median"],
            vec![vec!["aegis_value", "1234567.891"]],
        ),
        monthly: vec![MonthlyPair {
            metric: s("aegis_value"),
            label: s("AEGIS value."),
            months: months.clone(),
            a_p50: series(1.0),
            b_p50: series(1.1),
            diff_p5: series(0.05),
            diff_p50: series(0.1),
            diff_p95: series(0.15),
        }],
        criteria: table(
            &["criterion", "McNemar p"],
            vec![vec!["usdc_floor", "0.02"]],
        ),
        crossings: TextTable::default(),
        exact: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let stems = write_compare(dir.path(), &compare).unwrap();
    assert_eq!(stems, vec![s("compare_aegis_value")]);
    let page = fs::read_to_string(dir.path().join("report.html")).unwrap();
    check(dir.path(), &page, &stems);
    let text = text_of(&parse(&page));
    for t in [
        "What changed",
        "deal[Team_003].enabled",
        "1,234,568",
        "McNemar p",
        "No median difference changes sign",
    ] {
        assert!(text.contains(t), "no {t}: {text}");
    }
    assert!(!page.contains("<b>b</b>"));

    let seek = SeekReport {
        title: s("seek.toml"),
        version: s("9.8.7"),
        key: s("deal[10].oak.amount"),
        answer_line: s("largest deal[10].oak.amount with P(x) <= 5 %: 200"),
        answer: Some(200.0),
        max_probability: 0.05,
        settings: vec![(s("runs per value"), s("1000"))],
        points: [0.0, 100.0, 200.0, 300.0]
            .iter()
            .map(|v| SeekPoint {
                value: *v,
                p: Some(v / 10_000.0),
                hi: v / 5000.0,
                safe: *v <= 200.0,
            })
            .collect(),
        table: table(&["value", "safe"], vec![vec!["0", "true"]]),
        monotone: false,
        safe_intervals: vec![s("0 to 200")],
    };
    let dir = tempfile::tempdir().unwrap();
    let stems = write_seek(dir.path(), &seek).unwrap();
    let page = fs::read_to_string(dir.path().join("report.html")).unwrap();
    check(dir.path(), &page, &stems);
    let text = text_of(&parse(&page));
    assert!(text.contains("not monotone"), "{text}");
    assert!(text.contains("0 to 200"));
    assert!(text.contains("largest deal[10].oak.amount with P(x) <= 5 %: 200"));
}
