//! Set-ups the sweep's integration tests share.

use std::path::Path;

use canopy_sweep::Options;

/// A test sweep into `out`: one thread, no report, no resume or shard, and
/// chunks of `chunk_runs` runs (`None`: the size chosen from the sweep).
pub fn options(out: &Path, chunk_runs: Option<u64>) -> Options {
    Options {
        out: out.to_path_buf(),
        jobs: 1,
        shard: None,
        resume: false,
        fail_fast: false,
        report: false,
        version: "test".into(),
        chunk_runs,
    }
}
