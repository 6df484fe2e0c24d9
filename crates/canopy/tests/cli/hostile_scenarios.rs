//! Scenario input as a hostile user writes it: huge whole numbers, overrides
//! into arrays and missing deals, malformed values, oversized and deeply
//! nested files, absurd magnitudes, duplicate keys and ids. Each case names
//! what is wrong, where, and what is allowed, and exits 2.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

fn canopy(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("canopy")
        .expect("binary")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `canopy check` and gives its status and stderr.
fn check(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let out = canopy(dir, &all);
    (out.status.code(), text(&out.stderr))
}

#[test]
fn the_largest_seed_survives_show_and_check() {
    let tmp = TempDir::new().unwrap();
    std::fs::write(
        tmp.path().join("s.toml"),
        "[simulation]\nseed = 9223372036854775807\n",
    )
    .unwrap();
    let out = canopy(tmp.path(), &["show", "s.toml"]);
    assert!(out.status.success());
    let shown = text(&out.stdout);
    assert!(shown.contains("seed = 9223372036854775807\n"), "{shown}");
    for table in [
        "[aegis]",
        "[leaf_price]",
        "[oak]",
        "[tvl.market]",
        "[compat]",
    ] {
        assert!(shown.contains(table), "show dropped {table}:\n{shown}");
    }
    std::fs::write(tmp.path().join("shown.toml"), &shown).unwrap();
    let (code, err) = check(tmp.path(), &["shown.toml"]);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn whole_numbers_pass_through_exactly_and_are_echoed_as_written() {
    let tmp = TempDir::new().unwrap();
    // 2^53 + 1: an f64 would make it ...992.
    let out = canopy(
        tmp.path(),
        &[
            "show",
            "default",
            "--set",
            "simulation.seed=9007199254740993",
        ],
    );
    assert!(text(&out.stdout).contains("seed = 9007199254740993\n"));
    let (code, err) = check(
        tmp.path(),
        &["default", "--set", "simulation.seed=18446744073709551615"],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("18446744073709551615 is not allowed: expected a whole number from 0 to 9223372036854775807"),
        "{err}"
    );
    assert!(!err.contains("18446744073709552000"), "{err}");
}

#[test]
fn an_item_of_an_array_can_be_set_even_when_the_file_leaves_it_default() {
    let tmp = TempDir::new().unwrap();
    let out = canopy(
        tmp.path(),
        &["show", "default", "--set", "tvl.market.growth_rates[0]=5"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("growth_rates = [5.0, 1.0, 0.75, 0.5, 0.4]\n"));
    let (code, err) = check(
        tmp.path(),
        &["default", "--set", "tvl.market.growth_rates[7]=5"],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("has 5 items, so `[7]` does not exist"),
        "{err}"
    );
}

#[test]
fn overrides_name_what_is_wrong_before_anything_else() {
    let tmp = TempDir::new().unwrap();
    std::fs::write(tmp.path().join("none.toml"), "[aegis]\ninitial_usdc = 1\n").unwrap();
    let (code, err) = check(
        tmp.path(),
        &["none.toml", "--set", "deal[0].counterparty=x"],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("the scenario has no deals"), "{err}");
    assert!(!err.contains("is a table"), "{err}");

    let (code, err) = check(tmp.path(), &["default", "--set", "deal[20].counterparty=x"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("20 deals, deal[0] to deal[19]"), "{err}");

    let (code, err) = check(tmp.path(), &["default", "--set", "Deal[0].counterparty=x"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("unknown key `Deal`") && err.contains("did you mean `deal`?"),
        "{err}"
    );
    assert!(
        !err.contains("not an array") && !err.contains("is a table"),
        "{err}"
    );

    let (code, err) = check(
        tmp.path(),
        &["default", "--set", "tvl.market.growth_rates=[1,2"],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("`[1,2` is not a valid TOML value"), "{err}");
}

#[test]
fn months_problems_name_the_flag_the_user_typed() {
    let tmp = TempDir::new().unwrap();
    let (code, err) = check(tmp.path(), &["default", "--months", "0"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("(--months 0): simulation.months: 0 is not allowed"),
        "{err}"
    );
    assert!(!err.contains("--set"), "{err}");
}

#[test]
fn a_file_larger_than_a_scenario_can_be_is_refused_at_once() {
    let tmp = TempDir::new().unwrap();
    let (code, err) = check(tmp.path(), &["/dev/zero"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("larger than 16 MiB"), "{err}");
}

#[test]
fn absurd_magnitudes_are_written_compactly() {
    let tmp = TempDir::new().unwrap();
    let out = canopy(
        tmp.path(),
        &["show", "default", "--set", "aegis.initial_usdc=1e308"],
    );
    let shown = text(&out.stdout);
    assert!(shown.contains("initial_usdc = 1e308\n"), "{shown}");
    let (code, err) = check(
        tmp.path(),
        &[
            "default",
            "--set",
            "leaf_price.min=1e300",
            "--set",
            "deal[13].leaf_pair.leaf_tokens=1e300",
        ],
    );
    assert_eq!(code, Some(2));
    let longest_digits = err
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(longest_digits < 25, "a long number in:\n{err}");
    assert!(err.contains("1e300"), "{err}");
}

#[test]
fn toml_errors_name_the_key_and_the_place() {
    let tmp = TempDir::new().unwrap();
    std::fs::write(
        tmp.path().join("dup.toml"),
        "[aegis]\ninitial_usdc = 1\ninitial_usdc = 2\n",
    )
    .unwrap();
    let (code, err) = check(tmp.path(), &["dup.toml"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("dup.toml:3:1:") && err.contains("duplicate key `initial_usdc`"),
        "{err}"
    );

    let header = format!("[{}]\n", vec!["a"; 100_000].join("."));
    std::fs::write(tmp.path().join("deep.toml"), header).unwrap();
    let (code, err) = check(tmp.path(), &["deep.toml"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("deep.toml:1:1:") && err.contains("nest more than 64 levels"),
        "{err}"
    );

    let arrays = format!("x = {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    std::fs::write(tmp.path().join("arrays.toml"), arrays).unwrap();
    let (code, err) = check(tmp.path(), &["arrays.toml"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("arrays.toml:1:") && err.contains("recurse"),
        "{err}"
    );

    // Brackets inside a string (after an escaped quote) are text, not nesting.
    let text = format!(
        "[[deal]]\ncounterparty = \"x\\\"{}\"\nstart_month = 1\n{OAK}",
        "[".repeat(70)
    );
    std::fs::write(tmp.path().join("text.toml"), text).unwrap();
    let (code, err) = check(tmp.path(), &["text.toml"]);
    assert_eq!(code, Some(0), "{err}");
}

const OAK: &str = "oak = { amount = 1, irr_threshold = 0.1 }\n";

#[test]
fn duplicate_ids_say_what_to_change_and_where() {
    let tmp = TempDir::new().unwrap();
    let given = format!(
        "[[deal]]\nid = \"A\"\ncounterparty = \"One\"\nstart_month = 1\n{OAK}\
         [[deal]]\nid = \"A\"\ncounterparty = \"Two\"\nstart_month = 1\n{OAK}"
    );
    std::fs::write(tmp.path().join("given.toml"), given).unwrap();
    let (code, err) = check(tmp.path(), &["given.toml"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("given.toml:7:6: deal[1].id: duplicate deal id \"A\""),
        "{err}"
    );
    assert!(
        !err.contains("give one of them an `id`"),
        "both have one:\n{err}"
    );

    let (code, err) = check(
        tmp.path(),
        &["default", "--set", "deal[1].counterparty=Sigma Capital"],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("(--set deal[1].counterparty=Sigma Capital): deal[1]: duplicate deal id"),
        "the override is the place, not a line of the built-in file:\n{err}"
    );
}

#[test]
fn deal_problems_name_the_counterparty() {
    let tmp = TempDir::new().unwrap();
    std::fs::write(
        tmp.path().join("d.toml"),
        format!("[[deal]]\ncounterparty = \"Nobody\"\nstart_month = 1\n\n[[deal]]\ncounterparty = \"Move\"\nstart_month = 0\n{OAK}"),
    )
    .unwrap();
    let (code, err) = check(tmp.path(), &["d.toml"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("deal[0]: a deal needs at least one part")
            && err.contains("(deal[0] is Nobody)"),
        "{err}"
    );
    assert!(
        err.contains("deal[1].start_month: 0 is not allowed") && err.contains("(deal[1] is Move)"),
        "{err}"
    );
}

#[test]
fn ids_cannot_take_the_names_of_generated_rows() {
    let tmp = TempDir::new().unwrap();
    for id in ["recurring 004", "Sigma (organic)", "chain organic"] {
        std::fs::write(
            tmp.path().join("r.toml"),
            format!("[[deal]]\nid = \"{id}\"\ncounterparty = \"X\"\nstart_month = 1\n{OAK}"),
        )
        .unwrap();
        let (code, err) = check(tmp.path(), &["r.toml"]);
        assert_eq!(code, Some(2), "{id}");
        assert!(
            err.contains("r.toml:2:6: deal[0].id:") && err.contains("deals.csv generates"),
            "{err}"
        );
    }
    // Ids that only look alike are fine.
    std::fs::write(
        tmp.path().join("ok.toml"),
        format!("[[deal]]\nid = \"recurring 4a\"\ncounterparty = \"X\"\nstart_month = 1\n{OAK}"),
    )
    .unwrap();
    assert_eq!(check(tmp.path(), &["ok.toml"]).0, Some(0));
}

#[test]
fn a_deal_that_cannot_be_read_does_not_shift_the_others() {
    let tmp = TempDir::new().unwrap();
    let beta = format!("[[deal]]\ncounterparty = \"Beta\"\nstart_month = 2\n{OAK}");
    std::fs::write(
        tmp.path().join("s.toml"),
        format!("[[deal]]\ncounterparty = \"Alpha\"\n{OAK}{beta}{beta}"),
    )
    .unwrap();
    let (code, err) = check(tmp.path(), &["s.toml"]);
    assert_eq!(code, Some(2));
    // deal[0] lacks its start month; the duplicate pair is deal[1] and deal[2].
    assert!(err.contains("deal[0].start_month: missing"), "{err}");
    assert!(
        err.contains(
            "s.toml:9:16: deal[2]: duplicate deal id \"Beta_002\": deal[1] (Beta) has it too"
        ),
        "{err}"
    );
}

#[test]
fn a_failed_override_is_one_problem_and_changes_nothing() {
    let tmp = TempDir::new().unwrap();
    std::fs::write(tmp.path().join("a.toml"), "[aegis]\ninitial_leaf = 1\n").unwrap();
    for (set, says) in [
        (
            "aegis.initial_usdc[0]=2",
            "`aegis.initial_usdc` is not an array",
        ),
        (
            "aegis.initial_usdc.x=2",
            "`aegis.initial_usdc` is a value, not a table",
        ),
        ("tvl.market.growth_rates[0].x=2", "is a number, not a table"),
        ("deal.oak.amount=1", "deals are named by their index"),
        (
            "tvl.market.growth_rates[9]=1",
            "has 5 items, so `[9]` does not exist",
        ),
    ] {
        let (code, err) = check(tmp.path(), &["a.toml", "--set", set]);
        assert_eq!(code, Some(2), "{set}");
        assert!(
            err.contains("(1 problem)") && err.contains(says),
            "{set}:\n{err}"
        );
    }
    let (code, err) = check(tmp.path(), &["default", "--set", "deal[0].oak.amount=1"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("deal[0] (Sigma Capital) has no `oak` part; set the part whole: deal[0].oak = { amount = …, irr_threshold = … }"),
        "{err}"
    );
    let (code, err) = check(
        tmp.path(),
        &[
            "default",
            "--set",
            "deal[0].oak={ amount = 1, irr_threshold = 0.3 }",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn checks_across_keys_blame_the_override_that_broke_them() {
    let tmp = TempDir::new().unwrap();
    let (code, err) = check(
        tmp.path(),
        &["default", "--set", "oak.redemption_start_month=99999"],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("(--set oak.redemption_start_month=99999): oak.redemption_end_month"),
        "{err}"
    );
    let (_, err) = check(
        tmp.path(),
        &["default", "--set", "deal[10].oak.amount=1e300"],
    );
    assert!(
        err.contains("(--set deal[10].oak.amount=1e300): oak.total_supply"),
        "{err}"
    );
}

#[test]
fn names_may_not_be_blank_or_hold_control_characters() {
    let tmp = TempDir::new().unwrap();
    for name in [
        "   ",
        "a\\nINFO forged",
        "x\\u0000",
        "\\u202Eevil",
        "tab\\there",
    ] {
        std::fs::write(
            tmp.path().join("n.toml"),
            format!("[[deal]]\ncounterparty = \"{name}\"\nstart_month = 1\n{OAK}"),
        )
        .unwrap();
        let (code, err) = check(tmp.path(), &["n.toml"]);
        assert_eq!(code, Some(2), "{name}");
        assert!(err.contains("deal[0].counterparty:"), "{name}: {err}");
    }
    let (code, _) = check(tmp.path(), &["default", "--set", "deal[0].id=\"  \""]);
    assert_eq!(code, Some(2));
}

#[test]
fn huge_inputs_give_short_messages() {
    let tmp = TempDir::new().unwrap();
    // A long value is echoed by its start and length.
    let long = "x".repeat(100_000);
    std::fs::write(
        tmp.path().join("l.toml"),
        format!("[leaf_price]\nmodel = \"{long}\"\n"),
    )
    .unwrap();
    let (code, err) = check(tmp.path(), &["l.toml"]);
    assert_eq!(code, Some(2));
    assert!(
        err.len() < 1_000 && err.contains("(100000 characters)"),
        "{}",
        err.len()
    );
    // Thousands of problems: a hundred are listed, the rest counted.
    std::fs::write(tmp.path().join("m.toml"), "[[deal]]\n".repeat(5_000)).unwrap();
    let (code, err) = check(tmp.path(), &["m.toml"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("(15000 problems)"), "{}", &err[..200]);
    assert!(
        err.contains("... and 14900 more problems not shown"),
        "{}",
        &err[err.len() - 200..]
    );
    assert!(err.lines().count() < 110);
}

#[test]
fn numbers_that_cannot_be_taken_say_why() {
    let tmp = TempDir::new().unwrap();
    let (_, err) = check(tmp.path(), &["default", "--set", "simulation.seed=1e16"]);
    assert!(err.contains("must be written as an integer"), "{err}");
    let (_, err) = check(tmp.path(), &["default", "--set", "aegis.initial_usdc=inf"]);
    assert!(err.contains("numbers must be finite"), "{err}");
    let (code, err) = check(
        tmp.path(),
        &["default", "--months", "3", "--set", "simulation.months=5"],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("(--months 3): the months are given twice: here and as simulation.months"),
        "{err}"
    );
}

#[test]
fn odd_files_and_keys_are_named_for_what_they_are() {
    let tmp = TempDir::new().unwrap();
    let fifo = tmp.path().join("f.toml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let (code, err) = check(tmp.path(), &["f.toml"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("it is a named pipe"), "{err}");

    std::fs::write(
        tmp.path().join("u.toml"),
        b"[aegis]\ninitial_usdc = 1\n# \xff bad\n",
    )
    .unwrap();
    let (code, err) = check(tmp.path(), &["u.toml"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("line 3, column 3"), "{err}");

    std::fs::write(tmp.path().join("c.toml"), "[SIMULATION]\nmonths = 3\n").unwrap();
    let (_, err) = check(tmp.path(), &["c.toml"]);
    assert!(err.contains("did you mean `simulation`?"), "{err}");
    let (_, err) = check(tmp.path(), &["default", "--set", "simulation.mönths=3"]);
    assert!(
        err.contains("unknown key `mönths`; did you mean `months`?"),
        "{err}"
    );
    let (code, _) = check(tmp.path(), &["default", "--set", "deal[+1].start_month=3"]);
    assert_eq!(code, Some(2));
    let (_, err) = check(
        tmp.path(),
        &[
            "default",
            "--set",
            "deal[18446744073709551616].start_month=1",
        ],
    );
    assert!(
        err.contains("the index 18446744073709551616 is too large"),
        "{err}"
    );
}

#[test]
fn a_table_given_whole_to_set_changes_only_its_keys() {
    let tmp = TempDir::new().unwrap();
    std::fs::write(tmp.path().join("a.toml"), "[aegis]\ninitial_leaf = 5\n").unwrap();
    let out = canopy(
        tmp.path(),
        &["show", "a.toml", "--set", "aegis={ initial_usdc = 7 }"],
    );
    let shown = text(&out.stdout);
    assert!(
        shown.contains("initial_leaf = 5.0\ninitial_usdc = 7.0\n"),
        "{shown}"
    );
    let out = canopy(
        tmp.path(),
        &[
            "show",
            "default",
            "--months",
            "3",
            "--set",
            "simulation={ seed = 1 }",
        ],
    );
    assert!(text(&out.stdout).contains("months = 3\nseed = 1\n"));
    let (code, err) = check(
        tmp.path(),
        &[
            "default",
            "--months",
            "3",
            "--set",
            "simulation={ months = 5 }",
        ],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("the months are given twice"), "{err}");
}

#[test]
fn pipes_are_judged_by_what_they_are_not_by_their_path() {
    let tmp = TempDir::new().unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(tmp.path().join("ff"))
            .status()
            .unwrap()
            .success()
    );
    let (code, err) = check(tmp.path(), &["/proc/self/cwd/ff"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("named pipe"), "{err}");
    // A pipe from the shell is read.
    let out = Command::cargo_bin("canopy")
        .unwrap()
        .current_dir(tmp.path())
        .args(["check", "/dev/stdin"])
        .write_stdin("[simulation]\nmonths = 7\n")
        .output()
        .unwrap();
    assert!(
        text(&out.stdout).contains("valid (0 deals, 7 months)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn what_the_input_says_is_escaped_on_the_console() {
    let tmp = TempDir::new().unwrap();
    let name = "bad\nerror: forged\u{1b}[2J\u{202e}.toml";
    std::fs::write(
        tmp.path().join(name),
        "[aegis]\nx = 1\n\"k\\u001b[2J\\nerror: fake\" = 2\n",
    )
    .unwrap();
    let (code, err) = check(tmp.path(), &[name]);
    assert_eq!(code, Some(2));
    assert!(!err.contains(['\u{1b}', '\u{202e}']), "{err:?}");
    assert!(
        !err.lines()
            .any(|l| l.starts_with("error: forged") || l.starts_with("error: fake")),
        "{err}"
    );
    assert!(
        err.contains(r"bad\nerror: forged\u{1b}[2J\u{202e}.toml"),
        "{err}"
    );
    for value in ["a\\nb", "a\\u200bb", "\\u200b", "a\\u061cb", "\\ufeffx"] {
        let (code, err) = check(
            tmp.path(),
            &[
                "default",
                "--set",
                &format!("deal[0].counterparty=\"{value}\""),
            ],
        );
        assert_eq!(code, Some(2), "{value}");
        assert!(err.lines().count() == 2, "{value}: {err}");
    }
}

#[test]
fn more_numbers_that_cannot_be_taken_say_why() {
    let tmp = TempDir::new().unwrap();
    let (_, err) = check(
        tmp.path(),
        &["default", "--set", "simulation.seed=9223372036854775808"],
    );
    assert!(
        err.contains("9223372036854775808 is not allowed: expected a whole number from 0 to 9223372036854775807"),
        "{err}"
    );
    let (_, err) = check(tmp.path(), &["default", "--set", "simulation.seed=inf"]);
    assert!(err.contains("must be finite"), "{err}");
    let dotted = format!("{} = 1\n", vec!["a"; 200_000].join("."));
    std::fs::write(tmp.path().join("d.toml"), dotted).unwrap();
    let (code, err) = check(tmp.path(), &["d.toml"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("d.toml:1:1:"),
        "{}",
        &err[..err.len().min(300)]
    );
}

#[test]
fn an_override_that_makes_an_earlier_deal_take_an_id_is_blamed() {
    let tmp = TempDir::new().unwrap();
    let (code, err) = check(tmp.path(), &["default", "--set", "deal[0].id=Move_001"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("(--set deal[0].id=Move_001): deal[13]: duplicate deal id"),
        "{err}"
    );
}

#[test]
fn the_report_writes_extreme_numbers_compactly() {
    let tmp = TempDir::new().unwrap();
    let out = canopy(
        tmp.path(),
        &[
            "run",
            "default",
            "--quiet",
            "--months",
            "2",
            "--set",
            "leaf_price.initial=1e30",
            "--set",
            "deal[13].leaf_pair.max_concentration=1e-300",
            "--out",
            "o",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = std::fs::read_to_string(tmp.path().join("o/report.html")).unwrap();
    let longest = page
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(longest < 25, "a {longest}-digit number in report.html");
    assert!(page.contains("fixed at $1e30"));
}
