//! A sensitivity sweep's rows as the plan's points: every row shares the
//! scenario, and holds its factor values, which each of its runs adds.

use std::sync::Arc;

use canopy_model::{ValidScenario, Value};

use super::layout::unit_rows;
use crate::error::Problem;
use crate::file::Sensitivity;
use crate::points::{Point, PointScenario};

/// The rows of a sensitivity sweep `s` on scenario `base` (named
/// `name`), Morris's drawn from `seed`. Each factor's key is first set to
/// both ends of its range on the scenario: a problem there is the sweep's
/// (pointing at the range), and gives no rows. A row whose values together
/// break a rule of the scenario makes its runs `invalid`, as a sample does.
pub fn plan_rows(
    s: &Sensitivity,
    name: &str,
    base: &ValidScenario,
    seed: u64,
    problems: &mut Vec<Problem>,
) -> Vec<PointScenario> {
    for (i, f) in s.factors.iter().enumerate() {
        // The ends as the rows' values reach them (unit values 0 and 1).
        for (end, x, u) in [("low", f.low, 0.0), ("high", f.high, 1.0)] {
            let at_end = [(f.key.path.as_str(), Value::Float(f.value(u)))];
            if let Err(e) = base.with(&at_end) {
                for p in e.problems {
                    let what = if p.path.is_empty() || p.path == f.key.path {
                        String::new()
                    } else {
                        format!("{}: ", p.path)
                    };
                    problems.push(Problem {
                        at: f.range_at.clone(),
                        path: format!("factor[{i}].range"),
                        deal: None,
                        message: format!(
                            "at the range's {end} end ({x}), `{}` makes the scenario invalid: {what}{}",
                            f.key.path, p.message
                        ),
                    });
                }
            }
        }
    }
    if !problems.is_empty() {
        return Vec::new();
    }
    let scenario = Arc::new(base.clone());
    unit_rows(s, seed)
        .into_iter()
        .enumerate()
        .map(|(index, u)| PointScenario {
            point: Point {
                index,
                picks: Vec::new(),
                values: Vec::new(),
            },
            scenario_name: name.to_string(),
            scenario: Arc::clone(&scenario),
            values: s
                .factors
                .iter()
                .zip(&u)
                .map(|(f, &u)| Value::Float(f.value(u)))
                .collect(),
        })
        .collect()
}
