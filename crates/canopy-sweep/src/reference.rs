//! The whole reference: the model's and a run's entries
//! ([`canopy_output::reference::model_entries`]) and a sweep's, its file's
//! keys and the files it writes. Every front end
//! (`canopy explain`, `canopy docs`, the web page, the Python package)
//! reads this one list.

use canopy_model::Rule;
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

/// The rule behind criteria, comparisons and seeks.
pub const DECISIONS_RULE: Rule = Rule {
    id: "decisions",
    title: "Decisions: criteria, compare, seek",
    covers: &[],
    text: "A criterion is an event a run may meet (a metric below or above a limit, ever, at the end or in one month); only ok runs are counted, and each probability comes with its exact Clopper-Pearson interval. canopy compare runs two scenarios with the same seeds and pairs run r with run r; canopy seek scans a key, bisects every place where safety (the one-sided upper bound at most max_probability) changes, and reports every safe interval when there is more than one.",
    page: "decisions.md",
};

/// The files the decision commands write under `--out`.
pub const DECISION_FILES: &[FileDoc] = &[
    FileDoc {
        name: "diff.csv",
        writer: "canopy compare",
        doc: "One row per metric (last month, then the min_ columns): both means, the mean paired difference B - A with its Student t interval, its quantiles, the share of pairs where B is greater, and the pairs.",
    },
    FileDoc {
        name: "diff_bands.csv",
        writer: "canopy compare",
        doc: "Per month and kept metric: n, mean, p5, p50 and p95 of the paired differences B - A.",
    },
    FileDoc {
        name: "crossing.csv",
        writer: "canopy compare",
        doc: "Each month where a kept metric's median difference B - A changes sign.",
    },
    FileDoc {
        name: "criteria.csv",
        writer: "canopy compare",
        doc: "Per criterion: each side's count, probability and interval, the discordant pairs (only_a, only_b) and McNemar's exact p-value.",
    },
    FileDoc {
        name: "changes.csv",
        writer: "canopy compare",
        doc: "Every key whose value differs between A and B, deals matched by id.",
    },
    FileDoc {
        name: "seek.csv",
        writer: "canopy seek",
        doc: "Every value evaluated, in order: value, runs, k, p, the one-sided upper bound hi, and whether it is safe.",
    },
    FileDoc {
        name: "seek.json",
        writer: "canopy seek",
        doc: "The answer (or null), its bracket, whether the probability was monotone, every safe interval, and the command reproducing run 0 at the answer.",
    },
];

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
                .fact(
                    "file",
                    if k.path.starts_with("seek") {
                        "seek file"
                    } else if k.path.starts_with("criterion") || k.path.starts_with("set") {
                        "sweep or seek file"
                    } else {
                        "sweep file"
                    },
                )
                .fact("type", k.ty)
                .fact("default", k.default)
                .ruled_by(Some(
                    if k.path.starts_with("criterion") || k.path.starts_with("seek") {
                        DECISIONS_RULE
                    } else {
                        SWEEP_RULE
                    },
                ))
        })
        .collect();
    keys.extend(SWEEP_FILES.iter().map(|f| {
        Entry::new(Topic::File, f.name, f.doc)
            .fact("written by", f.writer)
            .ruled_by(Some(SWEEP_RULE))
    }));
    keys.extend(DECISION_FILES.iter().map(|f| {
        Entry::new(Topic::File, f.name, f.doc)
            .fact("written by", f.writer)
            .ruled_by(Some(DECISIONS_RULE))
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
