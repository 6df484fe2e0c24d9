//! The `reference` scenario reproduces the original model's output, cell by cell.

use canopy_model::{NAMES, builtin, load, run};

const EXPECTED: &str = include_str!("fixtures/reference_metrics.csv");

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-9 * want.abs().max(1.0)
}

#[test]
fn reference_reproduces_every_cell_of_the_original_output() {
    let scenario = load("reference", builtin::text("reference").unwrap(), &[]).unwrap();
    let records = run(&scenario).unwrap();

    let mut rows = csv::Reader::from_reader(EXPECTED.as_bytes());
    let header: Vec<String> = rows.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        NAMES[..header.len()],
        "the original columns lead, in order"
    );
    let expected: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), expected.len());

    let mut mismatches = Vec::new();
    for (record, row) in records.iter().zip(&expected) {
        let values = record.values();
        for (i, cell) in row.iter().enumerate() {
            let got = values[i];
            let ok = match (cell, got) {
                ("", None) => true,
                ("", Some(_)) | (_, None) => false,
                (text, Some(g)) => close(g, text.parse().unwrap()),
            };
            if !ok {
                mismatches.push(format!(
                    "month {} {}: got {got:?}, want {cell:?}",
                    record.month, header[i]
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} cells differ:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(20)].join("\n")
    );
}

#[test]
fn builtin_reference_is_the_shared_reference_scenario() {
    // The shared specification folder sits beside the checkout; where it is
    // absent (a packaged crate) there is nothing to compare with.
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/scenarios/reference.toml"
    );
    match std::fs::read_to_string(shared) {
        Ok(text) => assert_eq!(text, builtin::text("reference").unwrap()),
        Err(_) => eprintln!("skipped: {shared} not found"),
    }
}
