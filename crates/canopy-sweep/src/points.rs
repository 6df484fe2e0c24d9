//! The points of a sweep (grid, zip or one at a time) and their scenarios,
//! built and checked before any run.

use std::collections::HashMap;
use std::sync::Arc;

use canopy_model::scenario::edit::KeyPath;
use canopy_model::scenario::validate::Where;
use canopy_model::{ScenarioError, ValidScenario, Value};

use crate::criteria::Criterion;
use crate::error::{Problem, SweepError};
use crate::file::{Mode, Sweep};

/// One point of a sweep: which value of each axis it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Its number, from 0 in grid (or zip, or oat) order.
    pub index: usize,
    /// For each axis, the index of its value at this point; `None` where
    /// the point leaves the key at the scenario's own value (oat).
    pub picks: Vec<Option<usize>>,
    /// For each axis, its value at this point (`None` as in `picks`).
    pub values: Vec<Option<Value>>,
}

/// How many points the axes make (`None` past `usize`).
pub fn point_count(sweep: &Sweep) -> Option<usize> {
    let mut lens = sweep.axes.iter().map(|a| a.values.len());
    match sweep.mode {
        Mode::Grid => lens.try_fold(1usize, |n, l| n.checked_mul(l)),
        Mode::Zip => Some(lens.min().unwrap_or(1)),
        Mode::Oat => lens.sum::<usize>().checked_add(1),
        Mode::Sobol | Mode::Morris => sweep
            .sensitivity
            .as_ref()
            .and_then(|s| usize::try_from(s.rows()).ok()),
    }
}

/// The points of a sweep, in order. Grid: every combination, the first
/// axis varying slowest. Zip: the axes advance together (the shortest
/// decides; [`crate::read`] refuses unequal lengths). Oat: point 0 is the
/// scenario as it is, then one point per axis value, in file order, with
/// every other axis at the scenario's own value. No axes: one point.
pub fn points(sweep: &Sweep) -> Vec<Point> {
    let axes = &sweep.axes;
    let make = |index: usize, picks: Vec<Option<usize>>| Point {
        index,
        values: picks
            .iter()
            .zip(axes)
            .map(|(p, a)| p.map(|i| a.values[i].clone()))
            .collect(),
        picks,
    };
    let n = point_count(sweep).unwrap_or(0);
    match sweep.mode {
        Mode::Grid => (0..n)
            .map(|index| {
                let mut rest = index;
                let mut picks = vec![None; axes.len()];
                for (a, axis) in axes.iter().enumerate().rev() {
                    let len = axis.values.len();
                    picks[a] = Some(rest % len);
                    rest /= len;
                }
                make(index, picks)
            })
            .collect(),
        Mode::Zip => (0..n)
            .map(|index| make(index, vec![Some(index); axes.len()]))
            .collect(),
        Mode::Oat => {
            let mut out = vec![make(0, vec![None; axes.len()])];
            for (a, axis) in axes.iter().enumerate() {
                for v in 0..axis.values.len() {
                    let mut picks = vec![None; axes.len()];
                    picks[a] = Some(v);
                    out.push(make(out.len(), picks));
                }
            }
            out
        }
        // A sensitivity sweep's rows take no axis values.
        Mode::Sobol | Mode::Morris => (0..n).map(|index| make(index, Vec::new())).collect(),
    }
}

/// A point with its scenario, built and checked.
#[derive(Clone, Debug, PartialEq)]
pub struct PointScenario {
    /// The point.
    pub point: Point,
    /// The scenario's name or path, as the sweep gives it (`sweep.scenario`,
    /// or the `scenario` axis's value).
    pub scenario_name: String,
    /// The scenario after `[set]` and the point's axis values (shared by
    /// the rows of a sensitivity sweep, whose factor values each run adds).
    pub scenario: Arc<ValidScenario>,
    /// For each axis, the value used at this point, also for axes an oat
    /// point does not vary (the scenario's own value), in the key's own
    /// form: an integer for a whole-number key, a float for a number. In a
    /// sensitivity sweep, each factor's value at this row.
    pub values: Vec<Value>,
}

/// A sweep ready to run: every point's scenario valid, the seed resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The sweep as read.
    pub sweep: Sweep,
    /// The base seed: `sweep.seed`, or the scenario's `simulation.seed`
    /// after `[set]` (with a `scenario` axis, that of its first value).
    pub seed: u64,
    /// The points, in order, with their scenarios.
    pub points: Vec<PointScenario>,
}

pub use crate::defaults::MAX_POINTS;

/// Loads the sweep's scenario (or each value of its `scenario` axis) with
/// `load`, applies `[set]`, and builds and checks the scenario of every
/// point; every problem is reported at once, a point's naming the point and
/// pointing at the axis value or `[set]` line that fails. `load` is given
/// the name or path as written: paths relative to the sweep file are the
/// caller's business.
pub fn plan(
    sweep: &Sweep,
    load: impl Fn(&str) -> Result<ValidScenario, ScenarioError>,
) -> Result<Plan, SweepError> {
    let mut problems = Vec::new();
    let count = point_count(sweep).unwrap_or(usize::MAX);
    // A sensitivity sweep's rows are limited when it is read (MAX_ROWS).
    if count > MAX_POINTS && !sweep.is_sensitivity() {
        problems.push(Problem {
            at: sweep.axes.first().map_or(Where::Nowhere, |a| a.at.clone()),
            path: "axis".into(),
            deal: None,
            message: format!(
                "the axes make {} points; a sweep may have at most {MAX_POINTS} (every point's scenario is built and checked before the runs): use fewer axis values, or more runs per point",
                if count == usize::MAX {
                    "too many".to_string()
                } else {
                    count.to_string()
                }
            ),
        });
        return Err(SweepError::new(&sweep.source_name, problems));
    }
    // The scenarios, each loaded once and with [set] applied: by name.
    let scenario_axis = sweep.scenario_axis();
    let mut names: Vec<(String, Where, String)> = Vec::new();
    match (&sweep.scenario, scenario_axis) {
        (Some(name), _) => names.push((
            name.clone(),
            sweep.scenario_at.clone(),
            "sweep.scenario".into(),
        )),
        (None, Some(a)) => {
            let axis = &sweep.axes[a];
            for (j, v) in axis.values.iter().enumerate() {
                if let Value::Str(name) = v
                    && !names.iter().any(|(n, _, _)| n == name)
                {
                    names.push((
                        name.clone(),
                        axis.value_at[j].clone(),
                        format!("axis[{a}].values[{j}]"),
                    ));
                }
            }
        }
        (None, None) => {}
    }
    let set: Vec<(&str, Value)> = sweep
        .set
        .iter()
        .map(|s| (s.key.path.as_str(), s.value.clone()))
        .collect();
    let mut bases: HashMap<String, ValidScenario> = HashMap::new();
    for (name, at, path) in &names {
        let with_name = |p: &mut Problem| {
            if names.len() > 1 {
                p.message.push_str(&format!(
                    " (with scenario {})",
                    Value::Str(name.clone()).echo()
                ));
            }
        };
        let loaded = match load(name) {
            Ok(s) => s,
            Err(e) => {
                for p in &e.problems {
                    problems.push(Problem {
                        at: at.clone(),
                        path: path.clone(),
                        deal: None,
                        message: scenario_problem(&e, p),
                    });
                }
                continue;
            }
        };
        let based = match loaded.with(&set) {
            Ok(s) => s,
            Err(e) => {
                for p in e.problems {
                    let mut q = blame(p, sweep, &[]);
                    with_name(&mut q);
                    problems.push(q);
                }
                // The points are still checked, on the scenario without
                // [set], so that its problems do not hide theirs.
                loaded
            }
        };
        // Sampled keys must name something in the scenario: a deal it has,
        // a part that deal has.
        for (i, s) in sweep.samples.iter().enumerate() {
            if let Ok(kp) = KeyPath::parse(&s.key.path)
                && let Err(message) = based.resolve(&kp)
            {
                let mut q = Problem {
                    at: s.at.clone(),
                    path: format!("sample[{i}].key"),
                    deal: None,
                    message: format!("`{}`: {message}", s.key.path),
                };
                with_name(&mut q);
                problems.push(q);
            }
        }
        bases.insert(name.clone(), based);
    }
    let first = names.first().and_then(|(n, _, _)| bases.get(n));
    let seed = match (sweep.seed, first) {
        (Some(s), _) => s,
        (None, Some(b)) => b.simulation.seed,
        (None, None) => 0,
    };
    if let (Some(s), Some((name, base))) = (
        &sweep.sensitivity,
        names.first().and_then(|(n, _, _)| Some((n, bases.get(n)?))),
    ) {
        let rows = crate::sensitivity::plan_rows(s, name, base, seed, &mut problems);
        if !problems.is_empty() {
            return Err(SweepError::new(&sweep.source_name, problems));
        }
        return Ok(Plan {
            sweep: sweep.clone(),
            seed,
            points: rows,
        });
    }
    let mut out = Vec::with_capacity(count);
    for point in points(sweep) {
        let name = match scenario_axis {
            Some(a) => match &point.values[a] {
                Some(Value::Str(n)) => n.clone(),
                _ => continue,
            },
            None => sweep.scenario.clone().unwrap_or_default(),
        };
        let Some(base) = bases.get(&name) else {
            continue;
        };
        let changes: Vec<(&str, Value)> = sweep
            .axes
            .iter()
            .zip(&point.values)
            .filter(|(a, _)| !a.key.is_scenario())
            .filter_map(|(a, v)| Some((a.key.path.as_str(), v.clone()?)))
            .collect();
        let scenario = if changes.is_empty() {
            Arc::new(base.clone())
        } else {
            match base.with(&changes) {
                Ok(s) => Arc::new(s),
                Err(e) => {
                    let label = describe(sweep, &point);
                    for p in e.problems {
                        let mut q = blame(p, sweep, &point.picks);
                        q.message.push_str(&format!(" ({label})"));
                        problems.push(q);
                    }
                    continue;
                }
            }
        };
        let values = sweep
            .axes
            .iter()
            .zip(&point.values)
            // Read back from the scenario, so that each value is in its
            // key's own form (a float for a number key given as `3`, an
            // integer for a whole-number key given as `12.0`).
            .map(|(a, v)| match (a.key.is_scenario(), v) {
                (true, Some(v)) => v.clone(),
                _ => scenario.get(&a.key.path).unwrap_or(Value::Bool(false)),
            })
            .collect();
        out.push(PointScenario {
            point,
            scenario_name: name,
            scenario,
            values,
        });
    }
    problems.extend(criteria_problems(&sweep.criteria, &out));
    if !problems.is_empty() {
        return Err(SweepError::new(&sweep.source_name, problems));
    }
    Ok(Plan {
        sweep: sweep.clone(),
        seed,
        points: out,
    })
}

/// The problems of criteria that only the points' scenarios show: a month
/// past a point's last, a limit's key that a point's scenario lacks (a
/// deal it does not have).
pub fn criteria_problems(criteria: &[Criterion], points: &[PointScenario]) -> Vec<Problem> {
    let mut out = Vec::new();
    let fewest = points.iter().map(|p| p.scenario.simulation.months).min();
    for c in criteria {
        if let (crate::criteria::When::Month(m), Some(fewest)) = (c.when, fewest)
            && m > fewest
        {
            out.push(Problem {
                at: c.at.clone(),
                path: format!("criterion.{}.when", c.name),
                deal: None,
                message: format!(
                    "month {m} is past the run's last month, {fewest}; use a month from 1 to {fewest}, or `end`"
                ),
            });
        }
    }
    for c in criteria {
        if let crate::criteria::Limit::Fraction { of, .. } = &c.limit
            && let Some(p) = points.first()
            && let Err(message) = p.scenario.get(of)
        {
            out.push(Problem {
                at: c.at.clone(),
                path: format!("criterion.{}.of", c.name),
                deal: None,
                message: format!("`{of}`: {message}"),
            });
        }
    }
    out
}

/// A loaded scenario's problem, for the sweep's message: `in scenario
/// x.toml:3:5: aegis.initial_usdc: ...`.
fn scenario_problem(e: &ScenarioError, p: &Problem) -> String {
    let at = match &p.at {
        Where::Text { line, column } => format!(":{line}:{column}"),
        Where::Override(label) => format!(" ({label})"),
        Where::Nowhere => String::new(),
    };
    let path = if p.path.is_empty() {
        String::new()
    } else {
        format!("{}: ", p.path)
    };
    format!("in scenario {}{at}: {path}{}", e.source_name, p.message)
}

/// A scenario problem from [`ValidScenario::with`], pointed at the `[set]`
/// entry or axis value that gave its key (`picks`: the point's axis
/// values). A problem of a key that no axis or `[set]` entry names (one
/// key's value breaking a rule about another: a start month past an end
/// month) was caused by what the point changed, since the scenario without
/// it is valid: it points at the changed key nearest to its own (sharing
/// the longest part of its path), an axis's before `[set]`'s.
fn blame(p: Problem, sweep: &Sweep, picks: &[Option<usize>]) -> Problem {
    let same = |k: &str| k == p.path;
    let axes = || {
        sweep
            .axes
            .iter()
            .zip(picks)
            .filter(|(a, _)| !a.key.is_scenario())
            .filter_map(|(a, pick)| Some((a.key.path.as_str(), a.value_at[(*pick)?].clone())))
    };
    let set = || {
        sweep
            .set
            .iter()
            .map(|s| (s.key.path.as_str(), s.at.clone()))
    };
    let exact = axes()
        .find(|(k, _)| same(k))
        .or_else(|| set().find(|(k, _)| same(k)));
    let nearest = || {
        // The point's own values first: [set] alone makes a valid base.
        near(axes().collect(), &p.path).or_else(|| near(set().collect(), &p.path))
    };
    let at = exact.or_else(nearest).map_or(Where::Nowhere, |(_, at)| at);
    Problem { at, ..p }
}

/// Of keys and their places, the one sharing the most of `path`'s leading
/// parts (the first of equals).
fn near<'a>(list: Vec<(&'a str, Where)>, path: &str) -> Option<(&'a str, Where)> {
    let best = list.iter().map(|(k, _)| shared(k, path)).max()?;
    list.into_iter().find(|(k, _)| shared(k, path) == best)
}

/// How many leading dotted parts two key paths share.
fn shared(a: &str, b: &str) -> usize {
    a.split('.')
        .zip(b.split('.'))
        .take_while(|(x, y)| x == y)
        .count()
}

/// `point 3: leaf_price.volatility = 0.1, deal[13].leaf_pair.amount = 1e6`.
pub fn describe(sweep: &Sweep, point: &Point) -> String {
    let values: Vec<String> = sweep
        .axes
        .iter()
        .zip(&point.values)
        .filter_map(|(a, v)| Some(format!("{} = {}", a.key.path, v.as_ref()?.echo())))
        .collect();
    if values.is_empty() {
        format!("point {}", point.index)
    } else {
        format!("point {}: {}", point.index, values.join(", "))
    }
}
