//! What a front end stopped by a signal relies on: [`atomic::abandon`]
//! removes the temporaries of the files being written, and the files they
//! were to replace stay as they were. It runs alone in its process, since
//! after `abandon` this process may write no more result files.

use std::fs;
use std::io::Write;

use canopy_output::atomic;

#[test]
fn abandoning_removes_every_temporary_and_replaces_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let streamed = dir.path().join("deals.csv");
    let whole = dir.path().join("metrics.csv");
    fs::write(&streamed, "old deals").unwrap();
    fs::write(&whole, "old metrics").unwrap();
    // A file streamed as a run goes, half written.
    let (tmp, mut f) = atomic::create_temporary(&streamed).unwrap();
    f.write_all(b"month,deal\n1,").unwrap();
    drop(f);
    // Another of this process, placed already: not a temporary any more.
    atomic::write_atomic(&dir.path().join("done.csv"), b"done").unwrap();
    assert!(atomic::is_pending(&tmp));

    assert_eq!(atomic::abandon(), 1);

    assert!(!tmp.exists());
    assert_eq!(fs::read_to_string(&streamed).unwrap(), "old deals");
    assert_eq!(fs::read_to_string(&whole).unwrap(), "old metrics");
    let mut left: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["deals.csv", "done.csv", "metrics.csv"]);
}
