//! `report.html` in a real browser: headless Chromium renders it to a
//! screenshot and to its DOM. Without Chromium the test is skipped, unless
//! `CI` is `true` (as CI services set it), where a missing browser fails.

use std::fs;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use canopy_output::sweep_report::{
    self, AxisInfo, AxisResponse, Chance, CriterionFindings, Failures, MetricFans, PointFan,
    ResponseSeries, SampleInfo, SampleScatter, ScatterMetric, SweepReport, TextTable, Tornado,
    TornadoBar, TornadoMetric,
};
use canopy_testkit::{chromium_unless_skipped, headless};
use tempfile::TempDir;

const TITLES: [&str; 9] = [
    "TVL composition",
    "Revenue",
    "AEGIS balances",
    "AEGIS composition",
    "LEAF price",
    "LEAF pairs",
    "OAK status",
    "Monthly OAK redemptions",
    "OAK IRR and redemption threshold",
];

/// Runs the browser with a deadline: a hung browser fails the test rather
/// than the whole suite.
fn browse(browser: &Path, profile: &Path, args: &[String]) -> Output {
    let mut child = headless(browser, profile)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("browser starts");
    // Read stdout on a thread so that a large DOM cannot fill the pipe.
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("browser status") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            panic!("the browser did not finish in 180 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = reader.join().unwrap_or_default();
    let mut stderr = Vec::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_end(&mut e, &mut stderr);
    }
    Output {
        status,
        stdout,
        stderr,
    }
}

#[test]
fn report_renders_in_a_real_browser() {
    let Some(browser) = chromium_unless_skipped() else {
        return;
    };
    let dir = TempDir::new().expect("temp dir");
    let out = dir.path().join("out");
    Command::cargo_bin("canopy")
        .expect("binary")
        .args(["run", "default", "--quiet"])
        .arg("--out")
        .arg(&out)
        .arg("--log-dir")
        .arg(dir.path().join("logs"))
        .assert()
        .success();
    let report = fs::canonicalize(out.join("report.html")).expect("report.html");
    let url = format!("file://{}", report.display());

    let dom = browse(
        &browser,
        &dir.path().join("profile-dom"),
        &["--dump-dom".to_string(), url.clone()],
    );
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom_text.contains("</html>"),
        "no DOM from the browser: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    for title in TITLES.iter().chain(&["Final summary"]) {
        assert!(dom_text.contains(title), "the rendered page lacks {title}");
    }

    let shot = dir.path().join("shot.png");
    let run = browse(
        &browser,
        &dir.path().join("profile-shot"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1400,3000".to_string(),
            url,
        ],
    );
    assert!(
        shot.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_not_blank(&shot);
}

/// The screenshot has colours and text: the page was drawn.
fn assert_not_blank(shot: &Path) {
    let file = fs::File::open(shot).expect("screenshot");
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("png size")];
    let info = reader.next_frame(&mut buf).expect("png data");
    let channels = info.color_type.samples();
    assert!(
        channels >= 3,
        "unexpected colour type {:?}",
        info.color_type
    );
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks_exact(channels).collect();
    let mut colours: Vec<[u8; 3]> = pixels.iter().map(|p| [p[0], p[1], p[2]]).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(
        colours.len() > 50,
        "blank screenshot: {} colours",
        colours.len()
    );
    let dark = pixels
        .iter()
        .filter(|p| p[0] < 80 && p[1] < 80 && p[2] < 80)
        .count();
    assert!(
        dark > 2_000,
        "no text in the screenshot: {dark} dark pixels"
    );
}

/// A small sweep with one of everything its report shows: fans, a
/// response, a scatter, a tornado and failures, with markup in a key.
fn sweep() -> SweepReport {
    let s = |t: &str| t.to_string();
    let months: Vec<u32> = (1..=12).collect();
    let fan = |p: f64| PointFan {
        label: format!("point {p}"),
        months: months.clone(),
        p5: months
            .iter()
            .map(|m| Some(f64::from(*m) * 0.8 + p))
            .collect(),
        p25: months
            .iter()
            .map(|m| Some(f64::from(*m) * 0.9 + p))
            .collect(),
        p50: months.iter().map(|m| Some(f64::from(*m) + p)).collect(),
        p75: months
            .iter()
            .map(|m| Some(f64::from(*m) * 1.1 + p))
            .collect(),
        p95: months
            .iter()
            .map(|m| Some(f64::from(*m) * 1.3 + p))
            .collect(),
    };
    let key = "deal[0].<b>x</b>";
    SweepReport {
        sensitivity: None,
        title: s("browser.toml"),
        version: s("0.0.0"),
        settings: vec![(s("scenario"), s("default")), (s("mode"), s("oat"))],
        axes: vec![AxisInfo {
            key: s(key),
            values: vec![s("1"), s("2")],
        }],
        samples: vec![SampleInfo {
            key: s("market.net_demand_usd"),
            distribution: s("uniform { low = -50000, high = 0 }"),
        }],
        points: TextTable {
            header: vec![s("point"), s(key), s("runs")],
            rows: vec![vec![s("0"), s("1"), s("10")], vec![s("1"), s("2"), s("10")]],
        },
        fans: vec![MetricFans {
            metric: s("aegis_value"),
            label: s("AEGIS value (USD)"),
            points: vec![fan(0.0), fan(2.0)],
        }],
        responses: vec![AxisResponse {
            key: s(key),
            values: vec![s("1"), s("2")],
            x: Some(vec![1.0, 2.0]),
            log_x: false,
            metrics: vec![ResponseSeries {
                metric: s("aegis_value"),
                p5: vec![Some(1.0), Some(2.0)],
                p50: vec![Some(2.0), Some(3.0)],
                p95: vec![Some(3.0), None],
            }],
        }],
        scatters: vec![SampleScatter {
            key: s("market.net_demand_usd"),
            x: vec![-4e4, -3e4, -1e4],
            metrics: vec![ScatterMetric {
                metric: s("aegis_value"),
                y: vec![Some(1.0), Some(2.0), Some(3.0)],
                spearman: Some(1.0),
            }],
        }],
        tornado: Some(Tornado {
            metrics: vec![TornadoMetric {
                metric: s("aegis_value"),
                base: Some(2.0),
                bars: vec![TornadoBar {
                    key: s(key),
                    low_value: s("1"),
                    high_value: s("2"),
                    low: Some(1.5),
                    high: Some(3.0),
                }],
            }],
        }),
        criteria: vec![CriterionFindings {
            name: s("usdc_floor"),
            condition: s("aegis_usdc < <i>1e7</i>"),
            confidence: 0.95,
            points: vec![(s("point 0"), chance(3, 10)), (s("point 1"), chance(0, 10))],
            axes: vec![vec![chance(3, 10), chance(0, 10)]],
        }],
        failures: Failures {
            total: 5,
            header: vec![s("point"), s("run"), s("message")],
            rows: vec![vec![s("0"), s("1"), s("<script>alert(1)</script>")]],
        },
    }
}

/// A criterion's chance with made-up interval ends around k / n.
fn chance(k: u64, n: u64) -> Chance {
    let p = k as f64 / n as f64;
    Chance {
        n,
        k,
        p: Some(p),
        lo: Some((p - 0.1).max(0.0)),
        hi: Some((p + 0.2).min(1.0)),
    }
}

#[test]
fn sweep_report_renders_in_a_real_browser() {
    let Some(browser) = chromium_unless_skipped() else {
        return;
    };
    let dir = TempDir::new().expect("temp dir");
    let out = dir.path().join("sweep");
    let stems = sweep_report::write(&out, &sweep()).expect("report written");
    // 1 medians chart and 2 fans, a response, a scatter, a tornado, a
    // criterion.
    assert_eq!(stems.len(), 7, "{stems:?}");
    let report = fs::canonicalize(out.join("report.html")).expect("report.html");
    let url = format!("file://{}", report.display());

    let dom = browse(
        &browser,
        &dir.path().join("profile-dom"),
        &["--dump-dom".to_string(), url.clone()],
    );
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom_text.contains("</footer>"),
        "no whole DOM from the browser: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    // Every chart is in the page as an SVG the browser parsed.
    for stem in &stems {
        let at = dom_text
            .find(&format!("id=\"chart-{stem}\""))
            .unwrap_or_else(|| panic!("the rendered page lacks chart {stem}"));
        let figure = &dom_text[at..];
        let end = figure.find("</figure>").expect("the figure closes");
        assert!(figure[..end].contains("<svg"), "no svg in chart {stem}");
    }
    assert_eq!(dom_text.matches("<svg").count(), stems.len());
    for text in [
        "Canopy sweep report",
        "Month by month",
        "Tornado",
        "Criteria",
        "aegis_usdc &lt; &lt;i&gt;1e7&lt;/i&gt;",
        "5 runs were not ok; the first 1 are shown",
        "deal[0].&lt;b&gt;x&lt;/b&gt;",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    ] {
        assert!(dom_text.contains(text), "the rendered page lacks {text}");
    }
    // The markup in user text stayed text: no element came of it.
    assert!(!dom_text.contains("<script"));
    assert!(!dom_text.contains("<b>x</b>"));

    let shot = dir.path().join("shot.png");
    let run = browse(
        &browser,
        &dir.path().join("profile-shot"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1400,3000".to_string(),
            url,
        ],
    );
    assert!(
        shot.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_not_blank(&shot);
}

/// The page at `report` as the browser's DOM, and a screenshot that is not
/// blank.
fn rendered(browser: &Path, dir: &Path, report: &Path) -> String {
    let url = format!(
        "file://{}",
        fs::canonicalize(report).expect("report").display()
    );
    let dom = browse(
        browser,
        &dir.join("profile-dom"),
        &["--dump-dom".to_string(), url.clone()],
    );
    let text = String::from_utf8_lossy(&dom.stdout).into_owned();
    assert!(
        text.contains("</footer>"),
        "no whole DOM: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let shot = dir.join("shot.png");
    browse(
        browser,
        &dir.join("profile-shot"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1400,3000".to_string(),
            url,
        ],
    );
    assert_not_blank(&shot);
    text
}

#[test]
fn compare_and_seek_reports_render_in_a_real_browser() {
    let Some(browser) = chromium_unless_skipped() else {
        return;
    };
    let dir = TempDir::new().expect("temp dir");
    Command::cargo_bin("canopy")
        .expect("binary")
        .current_dir(dir.path())
        .args(["compare", "default", "guarded", "--runs", "20", "--quiet"])
        .args([
            "--set",
            "leaf_price.model=market",
            "--set",
            "leaf_price.volatility=0.08",
        ])
        .args(["--criterion", "floor: aegis_usdc < 6e7"])
        .assert()
        .success();
    let dom = rendered(
        &browser,
        &dir.path().join("c1"),
        &dir.path().join("compare/report.html"),
    );
    for text in [
        "Canopy comparison",
        "What changed",
        "Summary",
        "Criteria",
        "Crossings",
        "McNemar",
    ] {
        assert!(dom.contains(text), "the comparison's page lacks {text}");
    }
    assert!(dom.matches("<svg").count() >= 7, "a chart per kept metric");

    fs::write(
        dir.path().join("seek.toml"),
        "[seek]\nscenario = \"stress\"\nkey = \"aegis.initial_usdc\"\nlow = 0\nhigh = 4e7\nruns = 20\nmax_probability = 0.2\ntolerance = 5e6\nscan = 5\ngoal = \"smallest\"\n\n[[criterion]]\nmetric = \"aegis_usdc\"\nbelow = 2e6\n",
    )
    .unwrap();
    Command::cargo_bin("canopy")
        .expect("binary")
        .current_dir(dir.path())
        .args(["seek", "seek.toml", "--quiet"])
        .assert()
        .success();
    let dom = rendered(
        &browser,
        &dir.path().join("s1"),
        &dir.path().join("seek/report.html"),
    );
    for text in [
        "Canopy seek",
        "smallest aegis.initial_usdc with P(c1)",
        "Values",
        "Settings",
    ] {
        assert!(dom.contains(text), "the seek's page lacks {text}");
    }
    assert_eq!(dom.matches("<svg").count(), 1);
}
