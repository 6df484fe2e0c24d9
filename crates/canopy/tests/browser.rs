//! `report.html` in a real browser: headless Chromium renders it to a
//! screenshot and to its DOM. Without Chromium the test is skipped, unless
//! the `CI` variable is set, where a missing browser is a failure.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
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

/// The first Chromium-like browser on PATH.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|p| p.is_file())
}

/// Runs the browser with a deadline: a hung browser fails the test rather
/// than the whole suite.
fn browse(browser: &Path, profile: &Path, args: &[String]) -> Output {
    let mut child = Process::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
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
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but no chromium, chromium-browser or google-chrome is on PATH"
        );
        eprintln!("browser test skipped: no chromium on PATH (set CI to make this a failure)");
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
    let file = fs::File::open(&shot).expect("screenshot");
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
