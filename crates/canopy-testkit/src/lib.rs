//! What canopy's tests share, as a dev-dependency of the crates whose tests
//! drive a real Chromium: finding the browser, the rule that a test without
//! it skips (saying so) on a developer's machine and fails in CI, and the
//! headless command line both kinds of browser test start from.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The names a Chromium-like browser goes by on PATH, in order of preference.
const NAMES: [&str; 4] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

/// Whether this is a CI run (`CI=true` or `CI=1`, as CI services set it):
/// there a test must not skip for want of a browser.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.trim().eq_ignore_ascii_case("true") || v.trim() == "1")
}

/// The first Chromium-like browser on PATH.
pub fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    NAMES
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// The browser; without one, `None` after saying so on stderr (the test
/// then skips), or in CI a failure.
pub fn chromium_unless_skipped() -> Option<PathBuf> {
    let browser = chromium();
    if browser.is_none() {
        assert!(
            !in_ci(),
            "CI is true but no {} is on PATH: the browser tests cannot run",
            NAMES.join(", ")
        );
        eprintln!("browser test skipped: no chromium on PATH (CI=true makes this a failure)");
    }
    browser
}

/// `browser` headless, with the profile `profile` and nothing that a test
/// machine lacks or that reaches out (GPU, sandbox, first-run pages,
/// background networking); the caller adds what it opens.
pub fn headless(browser: &Path, profile: &Path) -> Command {
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The command names the profile, so two browsers never share one.
    #[test]
    fn the_command_carries_its_profile() {
        let cmd = headless(Path::new("/bin/chromium"), Path::new("/tmp/p"));
        let args: Vec<_> = cmd.get_args().map(|a| a.to_string_lossy()).collect();
        assert!(args.iter().any(|a| a == "--user-data-dir=/tmp/p"));
        assert_eq!(args[0], "--headless");
    }
}
