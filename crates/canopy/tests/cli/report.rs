//! What `canopy run` leaves in `--out` besides `metrics.csv`: charts as PNG
//! and SVG, `report.html`, `metrics.json` and `deals.csv`, checked on the
//! built-in scenarios.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// Every chart a run draws, by file stem and title.
const CHARTS: [(&str, &str); 9] = [
    ("tvl_composition", "TVL composition"),
    ("revenue", "Revenue"),
    ("aegis_balances", "AEGIS balances"),
    ("aegis_composition", "AEGIS composition"),
    ("leaf_price", "LEAF price"),
    ("leaf_pairs", "LEAF pairs"),
    ("oak_status", "OAK status"),
    ("oak_redemptions", "Monthly OAK redemptions"),
    ("oak_irr", "OAK IRR and redemption threshold"),
];
/// Drawn only with the chain TVL model.
const CHAIN: (&str, &str) = ("chain_tvl", "Chain TVL and market share");

const MARKET: [&str; 6] = [
    "--set",
    "leaf_price.model=market",
    "--set",
    "leaf_price.volatility=0.1",
    "--set",
    "tvl.market.enabled=true",
];

/// Runs `canopy run <args>` into a fresh folder; returns it and `out/`.
fn run(args: &[&str]) -> (TempDir, PathBuf) {
    let dir = TempDir::new().expect("temp dir");
    let out = dir.path().join("out");
    Command::cargo_bin("canopy")
        .expect("binary")
        .arg("run")
        .args(args)
        .arg("--quiet")
        .arg("--out")
        .arg(&out)
        .arg("--log-dir")
        .arg(dir.path().join("logs"))
        .assert()
        .success();
    (dir, out)
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Width, height and RGBA pixels of a PNG file.
fn decode_png(path: &Path) -> (u32, u32, Vec<[u8; 4]>) {
    let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("png size")];
    let info = reader.next_frame(&mut buf).expect("png data");
    let bytes = &buf[..info.buffer_size()];
    let pixels = match info.color_type {
        png::ColorType::Rgb => bytes
            .chunks_exact(3)
            .map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        png::ColorType::Rgba => bytes
            .chunks_exact(4)
            .map(|p| [p[0], p[1], p[2], p[3]])
            .collect(),
        png::ColorType::Grayscale => bytes.iter().map(|g| [*g, *g, *g, 255]).collect(),
        png::ColorType::GrayscaleAlpha => bytes
            .chunks_exact(2)
            .map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        other => panic!("{}: unexpected colour type {other:?}", path.display()),
    };
    (info.width, info.height, pixels)
}

/// Panics unless the image has many colours and dark (text) pixels.
fn assert_not_blank(path: &Path, min_colours: usize) {
    let (w, h, pixels) = decode_png(path);
    assert!(w >= 800 && h >= 500, "{}: {w}x{h}", path.display());
    let mut colours: Vec<[u8; 4]> = pixels.clone();
    colours.sort_unstable();
    colours.dedup();
    assert!(
        colours.len() >= min_colours,
        "{}: only {} colours",
        path.display(),
        colours.len()
    );
    let dark = pixels
        .iter()
        .filter(|p| p[3] > 200 && p[0] < 90 && p[1] < 90 && p[2] < 90)
        .count();
    assert!(dark > 500, "{}: {dark} dark pixels", path.display());
}

fn parse_xml<'a>(path: &Path, text: &'a str) -> roxmltree::Document<'a> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, opts)
        .unwrap_or_else(|e| panic!("{}: not well-formed: {e}", path.display()))
}

fn all_text(doc: &roxmltree::Document<'_>) -> String {
    doc.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_charts(out: &Path, charts: &[(&str, &str)]) {
    for (stem, title) in charts {
        let png = out.join(format!("{stem}.png"));
        let (w, h, _) = decode_png(&png);
        assert_eq!((w, h), (1600, 1000), "{stem}.png");
        assert_not_blank(&png, 40);
        let svg_path = out.join(format!("{stem}.svg"));
        let svg = read(&svg_path);
        let doc = parse_xml(&svg_path, &svg);
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        assert!(all_text(&doc).contains(title), "{stem}.svg lacks its title");
    }
}

/// The report is one well-formed page that shows every chart and deal and
/// asks for nothing outside itself.
fn check_report(out: &Path, charts: &[(&str, &str)], deal_ids: &[String]) {
    let path = out.join("report.html");
    let text = read(&path);
    assert!(text.starts_with("<!DOCTYPE html>"));
    let doc = parse_xml(&path, &text);
    assert_eq!(doc.root_element().tag_name().name(), "html");
    let words = all_text(&doc);
    for (stem, title) in charts {
        assert!(words.contains(title), "report lacks chart {title}");
        let inline = doc.descendants().any(|n| {
            n.tag_name().name() == "figure"
                && n.attribute("id") == Some(&format!("chart-{stem}"))
                && n.descendants().any(|c| c.tag_name().name() == "svg")
        });
        assert!(inline, "report lacks the inline SVG of {stem}");
    }
    for id in deal_ids {
        assert!(words.contains(id.as_str()), "report lacks deal {id}");
    }
    assert!(words.contains("Final summary"));
    for n in doc.descendants().filter(|n| n.is_element()) {
        let name = n.tag_name().name();
        assert!(
            !matches!(
                name,
                "script" | "link" | "img" | "iframe" | "object" | "embed"
            ),
            "report has a <{name}>"
        );
        for a in n.attributes() {
            if matches!(a.name(), "src" | "href" | "srcset" | "data" | "action") {
                assert!(
                    a.value().starts_with('#'),
                    "report refers outside itself: {}={}",
                    a.name(),
                    a.value()
                );
            }
        }
    }
    for bad in ["url(", "@import", "http://", "https://"] {
        // xmlns values are names, not requests: drop them before looking.
        let cleaned = text
            .replace("xmlns=\"http://www.w3.org/2000/svg\"", "")
            .replace("xmlns=\"http://www.w3.org/1999/xhtml\"", "");
        assert!(!cleaned.contains(bad), "report contains {bad}");
    }
}

/// `metrics.csv` as header and rows of optional numbers.
fn metrics(out: &Path) -> (Vec<String>, Vec<Vec<Option<f64>>>) {
    let mut r = csv::Reader::from_path(out.join("metrics.csv")).expect("metrics.csv");
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| {
            rec.expect("row")
                .iter()
                .map(|c| (!c.is_empty()).then(|| c.parse::<f64>().expect("number")))
                .collect()
        })
        .collect();
    (header, rows)
}

fn check_json(out: &Path) {
    let (header, rows) = metrics(out);
    let json: serde_json::Value =
        serde_json::from_str(&read(&out.join("metrics.json"))).expect("metrics.json parses");
    let array = json.as_array().expect("an array");
    assert_eq!(array.len(), rows.len());
    for (obj, row) in array.iter().zip(&rows) {
        let obj = obj.as_object().expect("objects");
        assert_eq!(obj.len(), header.len());
        for (name, v) in header.iter().zip(row) {
            let j = obj.get(name).unwrap_or_else(|| panic!("no key {name}"));
            match v {
                None => assert!(j.is_null(), "{name}: {j} should be null"),
                Some(x) => assert_eq!(j.as_f64(), Some(*x), "{name}"),
            }
        }
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Sums `deals.csv` per month and compares with `metrics.csv`.
fn check_deals(out: &Path) -> Vec<String> {
    let (header, rows) = metrics(out);
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let mut r = csv::Reader::from_path(out.join("deals.csv")).expect("deals.csv");
    let dh: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let dcol = |name: &str| dh.iter().position(|h| h == name).expect(name);
    // month -> column -> sum
    let mut sums: HashMap<(u32, String), f64> = HashMap::new();
    let mut entities = Vec::new();
    let kinds = ["protocol-locked", "contracted", "organic", "boosted"];
    for rec in r.records() {
        let rec = rec.expect("row");
        let m: u32 = rec[dcol("month")].parse().expect("month");
        let num = |c: &str| rec[dcol(c)].parse::<f64>().expect(c);
        entities.push(rec[dcol("entity")].to_string());
        let kind = &rec[dcol("tvl_kind")];
        if !kind.is_empty() {
            assert!(kinds.contains(&kind), "kind {kind}");
            let key = kind.replace('-', "_");
            *sums.entry((m, format!("tvl_{key}"))).or_default() += num("tvl");
            *sums.entry((m, format!("revenue_{key}"))).or_default() += num("revenue");
        }
        for (from, to) in [
            ("pair_leaf", "pairs_leaf"),
            ("pair_usdc", "pairs_usdc"),
            ("oak_redeemed", "oak_redeemed_month"),
            ("payout_usdc", "redemption_usdc_out"),
            ("payout_leaf", "redemption_leaf_out"),
            ("oak_distributed", "oak_distributed_month"),
        ] {
            *sums.entry((m, to.to_string())).or_default() += num(from);
        }
    }
    let mut distributed = 0.0;
    for row in &rows {
        let m = row[col("month")].expect("month") as u32;
        let get = |c: &str| sums.get(&(m, c.to_string())).copied().unwrap_or(0.0);
        for c in [
            "tvl_protocol_locked",
            "tvl_contracted",
            "tvl_organic",
            "tvl_boosted",
            "revenue_protocol_locked",
            "revenue_contracted",
            "revenue_organic",
            "revenue_boosted",
            "pairs_leaf",
            "pairs_usdc",
            "oak_redeemed_month",
            "redemption_usdc_out",
            "redemption_leaf_out",
        ] {
            let want = row[col(c)].expect(c);
            assert!(
                close(get(c), want),
                "month {m}: {c}: deals sum to {}, metrics say {want}",
                get(c)
            );
        }
        distributed += get("oak_distributed_month");
        let want = row[col("oak_distributed")].expect("oak_distributed");
        assert!(close(distributed, want), "month {m}: oak_distributed");
    }
    entities
}

fn deal_ids(scenario: &str) -> Vec<String> {
    let out = Command::cargo_bin("canopy")
        .expect("binary")
        .args(["show", scenario])
        .output()
        .expect("show");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    text.lines()
        .filter_map(|l| l.strip_prefix("id = \""))
        .map(|l| l.trim_end_matches('"').to_string())
        .collect()
}

#[test]
fn default_run_writes_charts_report_json_and_deals() {
    let (_dir, out) = run(&["default"]);
    check_charts(&out, &CHARTS);
    assert!(!out.join("chain_tvl.png").exists());
    let ids = deal_ids("default");
    assert!(ids.len() >= 10, "{ids:?}");
    check_report(&out, &CHARTS, &ids);
    check_json(&out);
    let entities = check_deals(&out);
    for name in [
        "Sigma Capi_001",
        "Sigma Capi_001 (organic)",
        "recurring 004",
        "recurring 004 (organic)",
    ] {
        assert!(entities.iter().any(|e| e == name), "deals.csv lacks {name}");
    }
}

#[test]
fn reference_run_writes_charts_report_json_and_deals() {
    let (_dir, out) = run(&["reference"]);
    check_charts(&out, &CHARTS);
    check_report(&out, &CHARTS, &deal_ids("reference"));
    check_json(&out);
    check_deals(&out);
}

#[test]
fn market_run_adds_the_chain_chart_and_chain_rows() {
    let mut args = vec!["default"];
    args.extend(MARKET);
    let (_dir, out) = run(&args);
    let mut charts = CHARTS.to_vec();
    charts.push(CHAIN);
    check_charts(&out, &charts);
    check_report(&out, &charts, &deal_ids("default"));
    check_json(&out);
    let entities = check_deals(&out);
    assert!(entities.iter().any(|e| e == "chain organic"));
}

#[test]
fn no_charts_writes_data_but_no_pictures() {
    let (_dir, out) = run(&["default", "--no-charts"]);
    for entry in fs::read_dir(&out).expect("out") {
        let name = entry.expect("entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            !(name.ends_with(".png") || name.ends_with(".svg") || name == "report.html"),
            "--no-charts wrote {name}"
        );
    }
    check_json(&out);
    check_deals(&out);
}

#[test]
fn one_month_run_still_draws_every_chart() {
    let (_dir, out) = run(&["default", "--months", "1"]);
    check_charts(&out, &CHARTS);
    check_report(&out, &CHARTS, &[]);
    check_deals(&out);
}

#[test]
fn deal_names_are_escaped_in_the_report() {
    let dir = TempDir::new().expect("temp dir");
    let file = dir.path().join("odd.toml");
    fs::write(
        &file,
        r#"
[simulation]
months = 6

[[deal]]
counterparty = "<script>alert(\"x\")</script> & 'Co'"
start_month = 1
tvl = { kind = "boosted", amount = 1_000_000, revenue_rate = 0.05, duration_months = 3 }
"#,
    )
    .expect("write scenario");
    let (_out_dir, out) = run(&[file.to_str().expect("utf-8 path")]);
    let text = read(&out.join("report.html"));
    let doc = parse_xml(&out.join("report.html"), &text);
    assert!(
        !doc.descendants().any(|n| n.tag_name().name() == "script"),
        "a deal name became markup"
    );
    assert!(all_text(&doc).contains("<script>alert(\"x\")</script> & 'Co'"));
    check_deals(&out);
}

#[test]
fn file_names_deal_ids_and_counterparties_are_escaped_in_the_report() {
    let dir = TempDir::new().expect("temp dir");
    // A file name cannot hold '/', so the payload opens a tag it cannot close.
    let file = dir.path().join("odd <script>&'\"name.toml");
    fs::write(
        &file,
        r#"
[simulation]
months = 6

[[deal]]
id = "id<script>alert('x')</script>&amp;"
counterparty = "Co \"<b>bold</b>\" & 'sons'"
start_month = 1
tvl = { kind = "boosted", amount = 1_000_000, revenue_rate = 0.05, duration_months = 3 }
"#,
    )
    .expect("write scenario");
    let (_out_dir, out) = run(&[file.to_str().expect("utf-8 path")]);
    let text = read(&out.join("report.html"));
    assert!(!text.contains("<script"), "raw markup in the report");
    assert!(!text.contains("<b>bold"), "raw markup in the report");
    let doc = parse_xml(&out.join("report.html"), &text);
    assert!(
        !doc.descendants()
            .any(|n| matches!(n.tag_name().name(), "script" | "b") && n.text() == Some("bold")),
        "user text became markup"
    );
    let words = all_text(&doc);
    assert!(
        words.contains("id<script>alert('x')</script>&amp;"),
        "deal id"
    );
    assert!(
        words.contains("Co \"<b>bold</b>\" & 'sons'"),
        "counterparty"
    );
    assert!(words.contains("odd <script>&'\"name"), "scenario name");
    check_deals(&out);
}

#[test]
fn a_second_run_without_the_chain_removes_its_chart() {
    let dir = TempDir::new().expect("temp dir");
    let out = dir.path().join("out");
    let logs = dir.path().join("logs");
    for extra in [&MARKET[..], &[][..]] {
        Command::cargo_bin("canopy")
            .expect("binary")
            .args(["run", "default", "--quiet", "--months", "3"])
            .args(extra)
            .arg("--out")
            .arg(&out)
            .arg("--log-dir")
            .arg(&logs)
            .assert()
            .success();
    }
    assert!(!out.join("chain_tvl.png").exists());
    assert!(!out.join("chain_tvl.svg").exists());
    assert!(out.join("report.html").exists());
}
