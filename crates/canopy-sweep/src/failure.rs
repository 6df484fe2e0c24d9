//! How a sweep or a merge ends: the counts of a finished one ([`Tally`]),
//! or why it did not finish ([`SweepFailure`]). The messages name files and
//! what is wrong; what to type next (a command-line flag, a Python
//! argument) is the front end's to add.

use std::io;
use std::path::PathBuf;

use crate::chunk::Failure;

/// How a sweep (or a merge) went.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    /// Its runs (of the shard, if it is one).
    pub runs: u64,
    /// Runs that were not ok (failed or invalid).
    pub not_ok: u64,
    /// Runs done by an earlier, interrupted run of the sweep.
    pub resumed: u64,
    /// The sweep was already finished (a resume): nothing changed.
    pub already_finished: bool,
    /// Where its files are.
    pub dir: PathBuf,
}

/// Why a sweep or a merge did not finish.
#[derive(Debug, thiserror::Error)]
pub enum SweepFailure {
    /// The input is not a sweep to resume or merge, worded in full.
    #[error("{0}")]
    Refused(String),
    /// Another sweep or merge is writing into the folder.
    #[error(
        "{} is in use by another sweep or merge (it holds the folder's lock, {}); wait for it to end, or write to another folder",
        dir.display(),
        dir.join(crate::lock::LOCK).display()
    )]
    Busy {
        /// The folder.
        dir: PathBuf,
    },
    /// A resume found the chunks (`unfinished`) or the results of another
    /// sweep in the folder.
    #[error(
        "{} holds {} of a different sweep",
        dir.display(),
        if *unfinished { "an unfinished run" } else { "the results" }
    )]
    OtherSweep {
        /// The folder.
        dir: PathBuf,
        /// Chunks of an unfinished run rather than finished results.
        unfinished: bool,
    },
    /// A resume found the sweep finished, but some of its files are gone.
    #[error(
        "{} holds a finished run of this sweep, but {} {} missing, and the runs that made {} are not kept",
        dir.display(),
        missing.join(", "),
        if missing.len() == 1 { "is" } else { "are" },
        if missing.len() == 1 { "it" } else { "them" }
    )]
    Incomplete {
        /// The folder.
        dir: PathBuf,
        /// The files that are not there.
        missing: Vec<String>,
    },
    /// A finished chunk of an interrupted sweep cannot be used.
    #[error("{} cannot be resumed from: {problem}", path.display())]
    DamagedChunk {
        /// The chunk's file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// The output folder is a file.
    #[error(
        "{} is a file, not a folder: the sweep's results go in a folder",
        path.display()
    )]
    NotAFolder {
        /// The path.
        path: PathBuf,
    },
    /// The output folder is a symbolic link to nothing.
    #[error(
        "{} is a symbolic link to {}, which does not exist: make that folder, or remove the link",
        path.display(),
        target.display()
    )]
    DanglingLink {
        /// The link.
        path: PathBuf,
        /// Where it points.
        target: PathBuf,
    },
    /// A merge found no parts in the folder.
    #[error(
        "{} holds no parts (folders part-K-of-N, each written by shard K of N)",
        dir.display()
    )]
    NoParts {
        /// The folder.
        dir: PathBuf,
    },
    /// A merge found parts missing.
    #[error(
        "{} lacks {} of {of} parts: {}",
        dir.display(),
        missing.len(),
        missing.iter().map(|k| format!("part-{k}-of-{of}")).collect::<Vec<_>>().join(", ")
    )]
    MissingParts {
        /// The folder.
        dir: PathBuf,
        /// How many parts there are.
        of: u64,
        /// Which (K) are missing.
        missing: Vec<u64>,
    },
    /// A merge found a part not finished (still running, stopped, or with
    /// files missing or cut short).
    #[error("{} is not finished: {problem}", part.display())]
    UnfinishedPart {
        /// The part's folder.
        part: PathBuf,
        /// What shows it.
        problem: String,
    },
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// A fail-fast sweep met a run that was not ok.
    #[error(
        "run {} of point {} (seed {}) {}: {}; reproduce it with: {command}",
        failure.run,
        failure.point,
        failure.seed,
        match failure.month { Some(m) => format!("failed in month {m} ({})", failure.quantity), None => format!("is invalid ({})", failure.quantity) },
        failure.message
    )]
    FailFast {
        /// The first run that was not ok.
        failure: Failure,
        /// The command that reproduces it.
        command: String,
    },
    /// [`crate::Progress::stopped`] asked it to stop.
    #[error("the sweep was stopped before its runs were done")]
    Stopped,
}

impl SweepFailure {
    /// Whether the input or the folder is at fault (the command line's exit
    /// status 2) rather than the run or the machine (1).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            SweepFailure::Refused(_)
                | SweepFailure::Busy { .. }
                | SweepFailure::OtherSweep { .. }
                | SweepFailure::Incomplete { .. }
                | SweepFailure::DamagedChunk { .. }
                | SweepFailure::NoParts { .. }
                | SweepFailure::MissingParts { .. }
                | SweepFailure::UnfinishedPart { .. }
        )
    }
}
