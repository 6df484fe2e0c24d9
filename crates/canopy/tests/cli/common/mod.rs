//! What the command-line tests share: running the binary in a folder and
//! reading what it printed or left there.
#![allow(dead_code)] // each test file uses its own part of it

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

/// `canopy`, run in `dir`.
pub fn canopy(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("canopy").unwrap();
    cmd.current_dir(dir);
    cmd
}

/// What the command printed on standard output.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What the command printed on standard error.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The names in `dir`, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every batch of a Parquet file, joined into one.
pub fn table(path: &Path) -> arrow_array::RecordBatch {
    let batches: Vec<arrow_array::RecordBatch> = canopy_sweep::parquet_io::read(path, None)
        .unwrap()
        .map(|b| b.unwrap())
        .collect();
    let schema = canopy_sweep::parquet_io::schema(path).unwrap();
    arrow_select::concat::concat_batches(&schema, &batches).unwrap()
}
