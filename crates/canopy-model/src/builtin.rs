//! The scenarios compiled into the library, so a run needs no files.

/// (name, one-line description, TOML text) of each built-in scenario.
pub const BUILTIN: [(&str, &str, &str); 4] = [
    (
        "default",
        "the reference deals with every quirk corrected: value is conserved",
        include_str!("../scenarios/default.toml"),
    ),
    (
        "reference",
        "the original Python model, quirks included (reproduces its output)",
        include_str!("../scenarios/reference.toml"),
    ),
    (
        "stress",
        "the default deals in a bear market: moving price, redeemers selling, shrinking chain",
        include_str!("../scenarios/stress.toml"),
    ),
    (
        "guarded",
        "the default deals with OAK redemption controls: lockups, partial redemptions, falling thresholds, a monthly limit",
        include_str!("../scenarios/guarded.toml"),
    ),
];

/// The TOML text of the built-in scenario `name`.
pub fn text(name: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, t)| *t)
}

/// The names of the built-in scenarios.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(n, _, _)| *n)
}

/// The built-in scenario `name` with `overrides` (`key=value`, as `--set`
/// takes them), loaded: the tests' way to a variant of one.
#[cfg(test)]
pub(crate) fn with(name: &str, overrides: &[&str]) -> crate::ValidScenario {
    let overrides: Vec<_> = (overrides.iter())
        .map(|o| crate::scenario::parse_override(o).unwrap())
        .collect();
    crate::load(name, text(name).unwrap(), &overrides).unwrap()
}
