//! Every key of a sweep file, declared once: the reader takes the keys each
//! table allows from here, and the reference (`canopy docs`, `canopy
//! explain`) their type, default and meaning.

/// One key of a sweep file.
#[derive(Clone, Copy, Debug)]
pub struct FileKey {
    /// Its path in the file: `sweep.runs`, `axis.linspace.steps`.
    pub path: &'static str,
    /// What it takes.
    pub ty: &'static str,
    /// Its value when missing.
    pub default: &'static str,
    /// What it means.
    pub doc: &'static str,
}

impl FileKey {
    /// The table it stands in (`sweep`, `axis`, `axis.linspace`).
    pub fn table(&self) -> &'static str {
        self.path.rsplit_once('.').map_or("", |(t, _)| t)
    }

    /// Its own name (`runs`).
    pub fn key(&self) -> &'static str {
        self.path.rsplit_once('.').map_or(self.path, |(_, k)| k)
    }
}

/// Every key of a sweep file, in file order.
pub const SWEEP_FILE_KEYS: &[FileKey] = &[
    FileKey {
        path: "sweep.scenario",
        ty: "text: a built-in name or a scenario file, relative to the sweep file",
        default: "required, unless `scenario` is an axis (then not allowed)",
        doc: "The scenario swept.",
    },
    FileKey {
        path: "sweep.runs",
        ty: "whole number from 1 to 1000000000",
        default: "1",
        doc: "Monte Carlo runs per point.",
    },
    FileKey {
        path: "sweep.seed",
        ty: "whole number >= 0",
        default: "the scenario's simulation.seed (after [set])",
        doc: "The base seed: run r uses seed + r at every point (common random numbers).",
    },
    FileKey {
        path: "sweep.mode",
        ty: "\"grid\", \"zip\", \"oat\", \"sobol\" or \"morris\"",
        default: "\"grid\"",
        doc: "How the axes make points: grid, every combination (the first axis slowest); zip, the axes advance together; oat, one at a time from the scenario as it is.",
    },
    FileKey {
        path: "sweep.common_random_numbers",
        ty: "boolean",
        default: "true",
        doc: "The same seeds and sampled values at every point; false gives every run of the sweep its own.",
    },
    FileKey {
        path: "sweep.keep_months",
        ty: "list of metrics.csv column names",
        default: "leaf_price, tvl_total, revenue_cumulative, aegis_value, aegis_usdc, value_per_oak, oak_redeemed",
        doc: "The columns kept for every run and month (months.parquet) and summarised in bands; [] keeps none.",
    },
    FileKey {
        path: "sweep.quantiles",
        ty: "list of numbers, each from 0 to 1",
        default: "[0.05, 0.25, 0.5, 0.75, 0.95]",
        doc: "The quantiles of the bands.",
    },
    FileKey {
        path: "sweep.confidence",
        ty: "number from 0.5 to below 1",
        default: "0.95",
        doc: "The confidence level of the criteria's Clopper-Pearson intervals in points.csv.",
    },
    FileKey {
        path: "sweep.tail",
        ty: "number above 0, up to 1",
        default: "0.05",
        doc: "The tail of the expected shortfall columns of points.csv (`<metric>_es5`: the mean of the worst 5 % of a point's runs).",
    },
    FileKey {
        path: "sweep.samples",
        ty: "whole number >= 1",
        default: "1024",
        doc: "Sensitivity sweeps: Sobol's N base samples, or Morris's trajectories.",
    },
    FileKey {
        path: "sweep.second_order",
        ty: "boolean",
        default: "false",
        doc: "Sobol: also the second-order indices S2 (sensitivity_s2.csv; more rows).",
    },
    FileKey {
        path: "sweep.resamples",
        ty: "whole number >= 1",
        default: "100",
        doc: "Sensitivity sweeps: bootstrap resamples for the indices' intervals.",
    },
    FileKey {
        path: "sweep.levels",
        ty: "even whole number >= 2",
        default: "4",
        doc: "Morris: the grid levels of each factor.",
    },
    FileKey {
        path: "set",
        ty: "table of scenario keys to values",
        default: "none",
        doc: "Fixed overrides of the scenario, exactly like --set, applied before axes and samples.",
    },
    FileKey {
        path: "axis.key",
        ty: "a scenario key, or \"scenario\"",
        default: "required",
        doc: "The key an [[axis]] sweeps; with \"scenario\" its values are whole scenarios.",
    },
    FileKey {
        path: "axis.values",
        ty: "list of numbers, strings or booleans",
        default: "one of values, linspace, logspace is required",
        doc: "The axis's values, in order.",
    },
    FileKey {
        path: "axis.linspace",
        ty: "{ from, to, steps }",
        default: "one of values, linspace, logspace is required",
        doc: "Evenly spaced values, both ends included.",
    },
    FileKey {
        path: "axis.logspace",
        ty: "{ from, to, steps }, from and to > 0",
        default: "one of values, linspace, logspace is required",
        doc: "Geometrically spaced values, both ends included.",
    },
    FileKey {
        path: "axis.linspace.steps",
        ty: "whole number from 1 to 1000000",
        default: "required",
        doc: "How many values (1 gives `from` alone); the same for logspace. On a whole-number key spaced values are rounded.",
    },
    FileKey {
        path: "sample.key",
        ty: "a scenario key",
        default: "required",
        doc: "The key a [[sample]] draws for each run, from its one distribution.",
    },
    FileKey {
        path: "sample.uniform",
        ty: "{ low, high }",
        default: "one distribution is required",
        doc: "Uniform between low and high.",
    },
    FileKey {
        path: "sample.normal",
        ty: "{ mean, sd }",
        default: "one distribution is required",
        doc: "Normal with this mean and standard deviation.",
    },
    FileKey {
        path: "sample.lognormal",
        ty: "{ mu, sigma }",
        default: "one distribution is required",
        doc: "Lognormal: the logarithm is normal with mean mu and standard deviation sigma.",
    },
    FileKey {
        path: "sample.triangular",
        ty: "{ low, mode, high }",
        default: "one distribution is required",
        doc: "Triangular from low to high, peaking at mode.",
    },
    FileKey {
        path: "factor.key",
        ty: "a numeric (not whole-number) scenario key",
        default: "required",
        doc: "Sensitivity sweeps: a factor, varied over its range.",
    },
    FileKey {
        path: "factor.range",
        ty: "[low, high]",
        default: "required",
        doc: "The factor's range: uniform over it (in logarithms with log = true).",
    },
    FileKey {
        path: "factor.log",
        ty: "boolean",
        default: "false",
        doc: "Scale the factor's unit values in logarithms (a log-uniform range).",
    },
    FileKey {
        path: "criterion",
        ty: "array of tables ([[criterion]])",
        default: "none",
        doc: "The events to count in every run (sweep, seek), each with its probability and exact interval per point.",
    },
    FileKey {
        path: "criterion.name",
        ty: "text: a lowercase letter, then at most 39 lowercase letters, digits or _",
        default: "c1, c2, ... in order",
        doc: "The criterion's name; it names its columns (`<name>`, `<name>_month`, `<name>_p`, ...).",
    },
    FileKey {
        path: "criterion.metric",
        ty: "a metrics.csv column name other than month",
        default: "required",
        doc: "The metric the criterion watches.",
    },
    FileKey {
        path: "criterion.below",
        ty: "number, or { fraction, of }",
        default: "exactly one of below and above",
        doc: "Met when the metric is strictly below this.",
    },
    FileKey {
        path: "criterion.above",
        ty: "number, or { fraction, of }",
        default: "exactly one of below and above",
        doc: "Met when the metric is strictly above this.",
    },
    FileKey {
        path: "criterion.when",
        ty: "\"ever\", \"end\" or a month number",
        default: "\"ever\"",
        doc: "The months looked at: any month the run completed, its last month, or one month.",
    },
    FileKey {
        path: "criterion.below.fraction",
        ty: "number",
        default: "required in a fractional limit",
        doc: "The limit as a fraction of a scenario key's value in the run's own scenario (also for `above`).",
    },
    FileKey {
        path: "criterion.below.of",
        ty: "a numeric scenario key",
        default: "required in a fractional limit",
        doc: "The key whose value the fraction is taken of (also for `above`).",
    },
    FileKey {
        path: "seek",
        ty: "table (a seek file, canopy seek)",
        default: "required in a seek file",
        doc: "What a seek looks for: the largest or smallest value of a key that keeps its one criterion rare; a seek file also takes [set], [[sample]] and one [[criterion]].",
    },
    FileKey {
        path: "seek.scenario",
        ty: "text: a built-in name or a scenario file, relative to the seek file",
        default: "required",
        doc: "The scenario.",
    },
    FileKey {
        path: "seek.key",
        ty: "a numeric scenario key",
        default: "required",
        doc: "The decision: the key whose value is sought.",
    },
    FileKey {
        path: "seek.low",
        ty: "number",
        default: "required",
        doc: "The low end of the range searched.",
    },
    FileKey {
        path: "seek.high",
        ty: "number above low",
        default: "required",
        doc: "The high end of the range searched.",
    },
    FileKey {
        path: "seek.goal",
        ty: "\"largest\" or \"smallest\"",
        default: "\"largest\"",
        doc: "Which end of the safe values is the answer.",
    },
    FileKey {
        path: "seek.runs",
        ty: "whole number from 1 to 1000000000",
        default: "1000",
        doc: "Runs per evaluated value; run r uses seed + r at every value.",
    },
    FileKey {
        path: "seek.seed",
        ty: "whole number >= 0",
        default: "the scenario's simulation.seed",
        doc: "The base seed.",
    },
    FileKey {
        path: "seek.max_probability",
        ty: "number from 0 to below 1",
        default: "required",
        doc: "A value is safe when the upper bound of its criterion's probability is at most this.",
    },
    FileKey {
        path: "seek.confidence",
        ty: "number from 0.5 to below 1",
        default: "0.95",
        doc: "The level of the one-sided Clopper-Pearson upper bound that judges safety.",
    },
    FileKey {
        path: "seek.tolerance",
        ty: "number > 0 (at least 1 on whole-number keys)",
        default: "required",
        doc: "Bisection stops when a bracket is this narrow.",
    },
    FileKey {
        path: "seek.scan",
        ty: "whole number from 2 to 1000",
        default: "9",
        doc: "The evenly spaced values evaluated first, both ends included.",
    },
];

/// The keys of the table `table` (`sweep`, `axis`), in file order.
pub fn keys_of(table: &str) -> Vec<&'static str> {
    SWEEP_FILE_KEYS
        .iter()
        .filter(|k| k.table() == table)
        .map(|k| k.key())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_a_sweep_file_takes_is_declared() {
        assert_eq!(
            keys_of("sweep"),
            [
                "scenario",
                "runs",
                "seed",
                "mode",
                "common_random_numbers",
                "keep_months",
                "quantiles",
                "confidence",
                "tail",
                "samples",
                "second_order",
                "resamples",
                "levels"
            ]
        );
        assert_eq!(
            keys_of("criterion"),
            ["name", "metric", "below", "above", "when"]
        );
        assert_eq!(keys_of("axis"), ["key", "values", "linspace", "logspace"]);
        let mut sample = keys_of("sample");
        sample.retain(|k| *k != "key");
        assert_eq!(sample, crate::sample::Distribution::NAMES);
        assert_eq!(keys_of(""), ["set", "criterion", "seek"]);
        assert_eq!(keys_of("criterion.below"), ["fraction", "of"]);
    }
}
