//! The files the built-in scenarios leave behind, byte for byte: each file's
//! FNV-1a hash as the release that introduced this test wrote it. A change
//! that alters any byte of metrics.csv, metrics.json, deals.csv or an SVG
//! chart must say so here, deliberately.

use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

/// (scenario, file, FNV-1a 64 of its bytes).
const EXPECTED: &[(&str, &str, u64)] = &[
    ("default", "aegis_balances.svg", 0x41590975d37ea08d),
    ("default", "aegis_composition.svg", 0x53f8e54a4bdbd33f),
    ("default", "aegis_value_change.svg", 0xd9e43b2b9c2dcf24),
    ("default", "deals.csv", 0x4f19ec5c48e7250d),
    ("default", "leaf_pairs.svg", 0xdf28de0d022aac61),
    ("default", "leaf_price.svg", 0x72b6b2acdce942d7),
    ("default", "metrics.csv", 0x5d16db99dcba4916),
    ("default", "metrics.json", 0xaf397ec4401be3c0),
    ("default", "oak_irr.svg", 0x61ffbadeb642218e),
    ("default", "oak_redemptions.svg", 0xa1dd557136d6e775),
    ("default", "oak_status.svg", 0xb5fdcc9c99b4ee8d),
    ("default", "revenue.svg", 0xf92f58b5e4f34179),
    ("default", "scorecard.csv", 0x3fd33c488cf6b1fa),
    ("default", "scorecard.svg", 0xdfb09f09c947f37e),
    ("default", "tvl_composition.svg", 0xe464322755ad73a2),
    ("reference", "aegis_balances.svg", 0x51826747265c0b43),
    ("reference", "aegis_composition.svg", 0x0d43843d7f6fde1c),
    ("reference", "aegis_value_change.svg", 0x5616b6492081e802),
    ("reference", "deals.csv", 0xd966b0ad07dcd85d),
    ("reference", "leaf_pairs.svg", 0x5e7ec1ab2290b8b2),
    ("reference", "leaf_price.svg", 0x72b6b2acdce942d7),
    ("reference", "metrics.csv", 0x149e46f77fcf4ac5),
    ("reference", "metrics.json", 0x1abf85b093f270e9),
    ("reference", "oak_irr.svg", 0x321ce19c4da4d6dc),
    ("reference", "oak_redemptions.svg", 0x20d6ef455d5e938a),
    ("reference", "oak_status.svg", 0xeabadcbfdb92c41f),
    ("reference", "revenue.svg", 0xd2a49ecec0c3a790),
    ("reference", "scorecard.csv", 0x8cabb6c09906d8bd),
    ("reference", "scorecard.svg", 0x1c012712c37d25f9),
    ("reference", "tvl_composition.svg", 0xe464322755ad73a2),
    ("stress", "aegis_balances.svg", 0x6fdbd1d243a855f9),
    ("stress", "aegis_composition.svg", 0x51ab8324eee65e97),
    ("stress", "aegis_value_change.svg", 0x42a2ef75c1e447d8),
    ("stress", "chain_tvl.svg", 0xfcae110ea70b4b1c),
    ("stress", "deals.csv", 0x88aba959ede787a6),
    ("stress", "leaf_pairs.svg", 0x691f9fab3850b255),
    ("stress", "leaf_price.svg", 0x0fafae5c351463d5),
    ("stress", "metrics.csv", 0x78d5ab1242ff8c7a),
    ("stress", "metrics.json", 0x997426c38ee88608),
    ("stress", "oak_irr.svg", 0x01804ede591d07b6),
    ("stress", "oak_redemptions.svg", 0x1d89fd05ce422969),
    ("stress", "oak_status.svg", 0xe2f2233528c733ba),
    ("stress", "revenue.svg", 0x820a4b500e06ca42),
    ("stress", "scorecard.csv", 0xc0a667d298b3454b),
    ("stress", "scorecard.svg", 0xf10f1931bfc73eb8),
    ("stress", "tvl_composition.svg", 0x3d3a9955833960fe),
];

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn run(scenario: &str, dir: &Path) {
    Command::cargo_bin("canopy")
        .expect("binary")
        .current_dir(dir)
        .args(["run", scenario, "--quiet", "--out", "out"])
        .assert()
        .success();
}

#[test]
fn built_in_scenarios_write_the_same_bytes_as_before() {
    let mut wrong = Vec::new();
    for scenario in ["default", "reference", "stress"] {
        let dir = TempDir::new().expect("temp dir");
        run(scenario, dir.path());
        let out = dir.path().join("out");
        let mut written: Vec<String> = std::fs::read_dir(&out)
            .expect("out")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".csv") || n.ends_with(".json") || n.ends_with(".svg"))
            .collect();
        written.sort();
        let expected: Vec<&str> = EXPECTED
            .iter()
            .filter(|e| e.0 == scenario)
            .map(|e| e.1)
            .collect();
        assert_eq!(written, expected, "{scenario}: the files written");
        for &(_, file, hash) in EXPECTED.iter().filter(|e| e.0 == scenario) {
            let got = fnv1a(&std::fs::read(out.join(file)).expect("file"));
            if got != hash {
                wrong.push(format!("    (\"{scenario}\", \"{file}\", 0x{got:016x}),"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "these files changed; if on purpose, their new hashes are:\n{}",
        wrong.join("\n")
    );
}
