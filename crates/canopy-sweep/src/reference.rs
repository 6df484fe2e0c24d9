//! The whole reference: the model's and a run's entries
//! ([`canopy_output::reference::model_entries`]) and a sweep's, its file's
//! keys ([`crate::file::keys`]) and the files it writes. Every front end
//! (`canopy explain`, `canopy docs`, the web page, the Python package)
//! reads this one list.

use canopy_model::rules::Rule;
use canopy_output::reference::{Entry, FileDoc, Topic, model_entries};

use crate::file::keys::SWEEP_FILE_KEYS;

/// The rule behind a sweep's keys and files.
pub const SWEEP_RULE: Rule = Rule {
    id: "sweep",
    title: "Sweeps and Monte Carlo",
    covers: &[],
    text: "A sweep runs one scenario many times: at every point of its axes (grid, zip or one at a time), several Monte Carlo runs whose seeds are the base seed + the run's number, the same at every point, so that points differ by their parameters and not by luck; samples draw a value per run, the same at every point. Any run is reproduced by `canopy run` with the seed and values runs.parquet records.",
    page: "sweeps.md",
};

/// The files a sweep writes under `--out`.
pub const SWEEP_FILES: &[FileDoc] = &[
    FileDoc {
        name: "runs.parquet",
        writer: "canopy sweep",
        doc: "One row per run: its point, run, seed, status, axis and sampled values, and its summary figures.",
    },
    FileDoc {
        name: "months.parquet",
        writer: "canopy sweep",
        doc: "One row per run and month: the columns of sweep.keep_months.",
    },
    FileDoc {
        name: "bands.csv",
        writer: "canopy sweep",
        doc: "One row per point, month and kept metric: n, mean and the quantiles over the point's runs (also as bands.parquet).",
    },
    FileDoc {
        name: "points.csv",
        writer: "canopy sweep",
        doc: "One row per point: its axis values and the main metrics' medians.",
    },
    FileDoc {
        name: "failures.csv",
        writer: "canopy sweep",
        doc: "Every run that failed or was invalid: point, run, seed, month, quantity, message.",
    },
    FileDoc {
        name: "sweep.toml",
        writer: "canopy sweep",
        doc: "The resolved sweep, every default filled in, with its hash.",
    },
];

/// Every entry of the reference, in reference order.
pub fn entries() -> Vec<Entry> {
    let mut out = model_entries();
    let files_at = out
        .iter()
        .position(|e| e.topic == Topic::File)
        .unwrap_or(out.len());
    let mut keys: Vec<Entry> = SWEEP_FILE_KEYS
        .iter()
        .map(|k| {
            Entry::new(Topic::FileKey, k.path, k.doc)
                .fact("file", "sweep file")
                .fact("type", k.ty)
                .fact("default", k.default)
                .ruled_by(Some(SWEEP_RULE))
        })
        .collect();
    keys.extend(SWEEP_FILES.iter().map(|f| {
        Entry::new(Topic::File, f.name, f.doc)
            .fact("written by", f.writer)
            .ruled_by(Some(SWEEP_RULE))
    }));
    let files: Vec<Entry> = out.split_off(files_at);
    let (sweep_keys, sweep_files): (Vec<Entry>, Vec<Entry>) =
        keys.into_iter().partition(|e| e.topic == Topic::FileKey);
    out.extend(sweep_keys);
    out.extend(files);
    out.extend(sweep_files);
    out
}

/// What `canopy explain NAME` prints, or why it has no answer.
pub fn explain(name: &str) -> Result<String, canopy_output::reference::Unknown> {
    canopy_output::reference::explain(&entries(), name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_keys_and_files_are_explained() {
        let text = explain("sweep.runs").unwrap();
        assert!(
            text.starts_with("sweep.runs (file key)\n  Monte Carlo runs per point.\n"),
            "{text}"
        );
        assert!(text.contains("  default: 1\n"), "{text}");
        assert!(text.contains("Rule: Sweeps and Monte Carlo"), "{text}");
        assert!(explain("bands.csv").unwrap().contains("canopy sweep"));
        assert!(explain("metrics.csv").unwrap().contains("canopy run"));
        let e = explain("sweep.run").unwrap_err();
        assert_eq!(e.nearest.as_deref(), Some("sweep.runs"));
        // The topics stay together, in reference order.
        let topics: Vec<Topic> = entries().iter().map(|e| e.topic).collect();
        let mut sorted = topics.clone();
        sorted.sort_by_key(|t| Topic::ALL.iter().position(|x| x == t));
        assert_eq!(topics, sorted);
    }
}
