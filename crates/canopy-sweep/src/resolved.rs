//! The resolved sweep (`sweep.toml`): the sweep file with every default
//! filled in, and a hash of it that shards record.

use canopy_model::Value;
use canopy_model::scenario::params::{float_text, toml_string};

use crate::axis::AxisSpec;
use crate::criteria::{Criterion, Limit, When};
use crate::file::Method;
use crate::points::Plan;

impl Plan {
    /// The sweep as a TOML file with every default filled in (axes as
    /// written), headed by `# canopy <version>`. Reading it back gives the
    /// same sweep.
    pub fn resolved(&self, version: &str) -> String {
        let s = &self.sweep;
        let mut out = format!("# canopy {version}\n[sweep]\n");
        if let Some(name) = &s.scenario {
            out.push_str(&format!("scenario = {}\n", toml_string(name)));
        }
        out.push_str(&format!("runs = {}\n", s.runs));
        out.push_str(&format!("seed = {}\n", self.seed));
        out.push_str(&format!("mode = \"{}\"\n", s.mode.name()));
        out.push_str(&format!(
            "common_random_numbers = {}\n",
            s.common_random_numbers
        ));
        let names: Vec<String> = s.keep_months.iter().map(|n| toml_string(n)).collect();
        out.push_str(&format!("keep_months = [{}]\n", names.join(", ")));
        let qs: Vec<String> = s.quantiles.iter().map(|q| float_text(*q)).collect();
        out.push_str(&format!("quantiles = [{}]\n", qs.join(", ")));
        out.push_str(&format!("confidence = {}\n", float_text(s.confidence)));
        out.push_str(&format!("tail = {}\n", float_text(s.tail)));
        if let Some(sens) = &s.sensitivity {
            out.push_str(&format!("samples = {}\n", sens.samples));
            match sens.method {
                Method::Sobol { second_order } => {
                    out.push_str(&format!("second_order = {second_order}\n"))
                }
                Method::Morris { levels } => out.push_str(&format!("levels = {levels}\n")),
            }
            out.push_str(&format!("resamples = {}\n", sens.resamples));
        }
        if !s.set.is_empty() {
            out.push_str("\n[set]\n");
            for e in &s.set {
                out.push_str(&format!(
                    "{} = {}\n",
                    toml_string(&e.key.path),
                    e.value.show()
                ));
            }
        }
        for a in &s.axes {
            out.push_str(&format!("\n[[axis]]\nkey = {}\n", toml_string(&a.key.path)));
            match &a.spec {
                AxisSpec::Values(vs) => {
                    let vs: Vec<String> = vs.iter().map(Value::show).collect();
                    out.push_str(&format!("values = [{}]\n", vs.join(", ")));
                }
                AxisSpec::Linspace { from, to, steps } | AxisSpec::Logspace { from, to, steps } => {
                    let name = if matches!(a.spec, AxisSpec::Linspace { .. }) {
                        "linspace"
                    } else {
                        "logspace"
                    };
                    out.push_str(&format!(
                        "{name} = {{ from = {}, to = {}, steps = {steps} }}\n",
                        from.show(),
                        to.show()
                    ));
                }
            }
        }
        for f in s.sensitivity.iter().flat_map(|sens| &sens.factors) {
            out.push_str(&format!(
                "\n[[factor]]\nkey = {}\nrange = [{}, {}]\n",
                toml_string(&f.key.path),
                float_text(f.low),
                float_text(f.high)
            ));
            if f.log {
                out.push_str("log = true\n");
            }
        }
        for smp in &s.samples {
            let d = &smp.distribution;
            let params: Vec<String> = crate::sample::Distribution::parameters(d.name())
                .iter()
                .zip(d.values())
                .map(|(n, x)| format!("{n} = {}", float_text(x)))
                .collect();
            out.push_str(&format!(
                "\n[[sample]]\nkey = {}\n{} = {{ {} }}\n",
                toml_string(&smp.key.path),
                d.name(),
                params.join(", ")
            ));
        }
        for c in &s.criteria {
            out.push('\n');
            out.push_str(&criterion_table(c));
        }
        out
    }

    /// A stable hash of [`Plan::resolved`]: FNV-1a, 64 bits.
    pub fn hash(&self, version: &str) -> u64 {
        fnv1a(self.resolved(version).as_bytes())
    }
}

/// A criterion as a `[[criterion]]` table that reads back the same.
pub fn criterion_table(c: &Criterion) -> String {
    let limit = match &c.limit {
        Limit::Number(x) => float_text(*x),
        Limit::Fraction { fraction, of } => format!(
            "{{ fraction = {}, of = {} }}",
            float_text(*fraction),
            toml_string(of)
        ),
    };
    let when = match c.when {
        When::Ever => "\"ever\"".to_string(),
        When::End => "\"end\"".to_string(),
        When::Month(m) => m.to_string(),
    };
    format!(
        "[[criterion]]\nname = {}\nmetric = {}\n{} = {limit}\nwhen = {when}\n",
        toml_string(&c.name),
        toml_string(c.metric.name),
        c.side.key()
    )
}

/// FNV-1a, 64 bits: stable across platforms and releases, unlike std's hasher.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::fnv1a;

    /// The published FNV-1a 64 test vectors.
    #[test]
    fn fnv1a_matches_its_reference_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
