//! The monthly loop: [`Simulation`] steps it a month at a time; [`run`]
//! and [`run_observed`] run it whole.

use std::sync::Arc;

use crate::failure::{Failure, RunError};
use crate::observer::{Observer, Silent};
use crate::record::MonthRecord;
use crate::scenario::{Scenario, ValidScenario};
use crate::state::{ScenarioRef, State};

/// Runs `s` and returns one record per month.
pub fn run(s: &ValidScenario) -> Result<Vec<MonthRecord>, RunError> {
    run_observed(s, &mut Silent)
}

/// Runs `s` as if its `simulation.seed` were `seed`: the same records as a
/// copy of `s` with that seed, without the copy (a sweep's runs at one
/// point differ only by their seed).
pub fn run_seeded(s: &ValidScenario, seed: u64) -> Result<Vec<MonthRecord>, RunError> {
    run_from(State::seeded(ScenarioRef::Borrowed(s), seed), &mut Silent)
}

/// Runs `s`, telling `obs` what happens. A run the observer stops (its
/// `month_end` returns `Break`) is not an error: it returns `Ok` with the
/// months up to and including the one it stopped in.
pub fn run_observed<O: Observer + ?Sized>(
    s: &ValidScenario,
    obs: &mut O,
) -> Result<Vec<MonthRecord>, RunError> {
    run_from(State::new(ScenarioRef::Borrowed(s)), obs)
}

/// [`run_seeded`] into `records`, whose memory a caller running many runs
/// keeps from one run to the next: the months are written over what is
/// there (every field of a record is written each month), so nothing is
/// allocated or cleared again once it has held a run. `records` then holds
/// the run's months; a failed run's months before the failure go with the
/// error, leaving `records` empty.
pub fn run_seeded_into(
    s: &ValidScenario,
    seed: u64,
    records: &mut Vec<MonthRecord>,
) -> Result<(), RunError> {
    run_into(
        &mut State::seeded(ScenarioRef::Borrowed(s), seed),
        &mut Silent,
        records,
    )
}

/// Runs one after another, each in the memory of the one before: a worker
/// running many runs keeps one, so that a run after the first allocates
/// nothing to get ready and frees nothing when it ends (a sweep's worker
/// and the web app's Monte Carlo). Each run gives what
/// [`run_seeded_into`] gives.
#[derive(Debug, Default)]
pub struct Runner<'s> {
    state: Option<State<'s>>,
}

impl<'s> Runner<'s> {
    /// A runner that has run nothing yet.
    pub fn new() -> Self {
        Runner::default()
    }

    /// [`run_seeded_into`], its state made in the memory of the last run's.
    pub fn run_seeded_into(
        &mut self,
        s: &'s ValidScenario,
        seed: u64,
        records: &mut Vec<MonthRecord>,
    ) -> Result<(), RunError> {
        let state = match &mut self.state {
            Some(state) => {
                state.restart(ScenarioRef::Borrowed(s), seed);
                state
            }
            None => self
                .state
                .insert(State::seeded(ScenarioRef::Borrowed(s), seed)),
        };
        run_into(state, &mut Silent, records)
    }
}

fn run_from<O: Observer + ?Sized>(
    mut state: State<'_>,
    obs: &mut O,
) -> Result<Vec<MonthRecord>, RunError> {
    let mut records = Vec::new();
    run_into(&mut state, obs, &mut records)?;
    Ok(records)
}

fn run_into<O: Observer + ?Sized>(
    state: &mut State<'_>,
    obs: &mut O,
    records: &mut Vec<MonthRecord>,
) -> Result<(), RunError> {
    records.clear();
    if let Err((month, failure)) = step_onto(state, obs, records) {
        return Err(RunError {
            month,
            failure,
            records: std::mem::take(records),
        });
    }
    Ok(())
}

/// Steps `state` through its scenario's months left, each month's record
/// appended to `records` (the months before, as the caller has them), as
/// [`run_observed`] would go on from that state.
pub(crate) fn run_on<O: Observer + ?Sized>(
    mut state: State<'_>,
    obs: &mut O,
    mut records: Vec<MonthRecord>,
) -> Result<Vec<MonthRecord>, RunError> {
    match step_onto(&mut state, obs, &mut records) {
        Ok(()) => Ok(records),
        Err((month, failure)) => Err(RunError {
            month,
            failure,
            records,
        }),
    }
}

// A record is plain numbers: one written and then left out of the
// vector's length (a failed month's) needs no dropping.
const _: () = assert!(!std::mem::needs_drop::<MonthRecord>());

/// Steps `state` through its scenario's months left, appending each
/// month's record to `records`; the failing month and its failure, if one
/// fails (its record is not appended). Each record is written once, in
/// its place in `records`'s spare room: nothing is zeroed first or copied
/// after.
fn step_onto<O: Observer + ?Sized>(
    state: &mut State<'_>,
    obs: &mut O,
    records: &mut Vec<MonthRecord>,
) -> Result<(), (u32, Failure)> {
    let first = state.current_month() + 1;
    let months = state.scenario().simulation.months;
    let left = months.saturating_sub(state.current_month()) as usize;
    // Asked once: the answer cannot change during a run worth watching.
    let wants = obs.wants_contributions();
    let before = records.len();
    records.reserve(left);
    let mut written = 0;
    let mut outcome = Ok(());
    for (slot, m) in records.spare_capacity_mut()[..left].iter_mut().zip(first..) {
        match state.step(m, obs, wants, slot) {
            Ok(record) => {
                written += 1;
                if obs.month_end(record, state).is_break() {
                    break;
                }
            }
            Err(failure) => {
                outcome = Err((m, failure));
                break;
            }
        }
    }
    // SAFETY: the `written` slots after `before` were each initialised by
    // `State::step` (`MaybeUninit::write`) before it returned `Ok`, and
    // `reserve` made room for them.
    unsafe { records.set_len(before + written) };
    outcome
}

/// A run that owns its scenario and advances one month per
/// [`Simulation::step`]; it keeps no records (the caller does, if it wants
/// them), so its memory does not grow with the months. It is `Clone` (a
/// clone continues independently, with the same results) and `Send`.
#[derive(Clone, Debug)]
pub struct Simulation {
    state: State<'static>,
    /// No more months: all were simulated, one failed, or an observer stopped.
    finished: bool,
    /// An observer stopped the run.
    stopped: bool,
}

impl Simulation {
    /// A run of `s`, before month 1.
    pub fn new(s: impl Into<Arc<ValidScenario>>) -> Self {
        Simulation {
            state: State::new(ScenarioRef::Shared(s.into())),
            finished: false,
            stopped: false,
        }
    }

    /// The state after the last month simulated.
    pub fn state(&self) -> &State<'static> {
        &self.state
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        self.state.scenario()
    }

    /// The last month simulated (0 before the first).
    pub fn month(&self) -> u32 {
        self.state.current_month()
    }

    /// Whether no month is left to step: every month was simulated, one
    /// failed, or an observer stopped the run.
    pub fn is_finished(&self) -> bool {
        self.finished || self.state.current_month() >= self.state.scenario().simulation.months
    }

    /// Whether an observer stopped the run.
    pub fn was_stopped(&self) -> bool {
        self.stopped
    }

    /// Simulates the next month: `Ok(None)` when no month is left,
    /// `Err` when the month failed (the failing month is then
    /// [`Simulation::month`], and the run is finished).
    pub fn step(&mut self) -> Result<Option<MonthRecord>, Failure> {
        self.step_observed(&mut Silent)
    }

    /// As [`Simulation::step`], telling `obs` what happens; when its
    /// `month_end` returns `Break` the month's record is still returned and
    /// the run is finished ([`Simulation::was_stopped`] is then true).
    pub fn step_observed<O: Observer + ?Sized>(
        &mut self,
        obs: &mut O,
    ) -> Result<Option<MonthRecord>, Failure> {
        if self.is_finished() {
            return Ok(None);
        }
        let m = self.state.current_month() + 1;
        let wants = obs.wants_contributions();
        let mut slot = std::mem::MaybeUninit::uninit();
        match self.state.step(m, obs, wants, &mut slot) {
            Ok(record) => {
                let record = record.clone();
                if obs.month_end(&record, &self.state).is_break() {
                    self.finished = true;
                    self.stopped = true;
                }
                Ok(Some(record))
            }
            Err(f) => {
                self.finished = true;
                Err(f)
            }
        }
    }

    /// Steps every month left, telling `obs`; the records of those months,
    /// or the failure with the records before it (as [`run_observed`]).
    pub fn run_observed<O: Observer + ?Sized>(
        &mut self,
        obs: &mut O,
    ) -> Result<Vec<MonthRecord>, RunError> {
        let mut records = Vec::new();
        loop {
            match self.step_observed(obs) {
                Ok(Some(r)) => records.push(r),
                Ok(None) => return Ok(records),
                Err(failure) => {
                    return Err(RunError {
                        month: self.month(),
                        failure,
                        records,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{builtin, load};

    fn default() -> ValidScenario {
        load("default", builtin::text("default").unwrap(), &[]).unwrap()
    }

    /// Every number of every month, as bits (an undefined one as 1): runs
    /// compared bit for bit.
    fn bits(records: &[MonthRecord]) -> Vec<Vec<u64>> {
        (records.iter())
            .map(|m| {
                m.values()
                    .iter()
                    .map(|v| v.map_or(1, f64::to_bits))
                    .collect()
            })
            .collect()
    }

    /// A run that fails in month 13: its cumulative revenue overflows.
    fn huge() -> ValidScenario {
        load(
            "huge",
            "[oak]\nredemption_start_month = 40\n[[deal]]\ncounterparty = \"Huge\"\n\
             start_month = 1\ntvl = { kind = \"boosted\", amount = 1.7e308, \
             revenue_rate = 1, duration_months = 24 }\n",
            &[],
        )
        .unwrap()
    }

    #[test]
    fn runs_into_kept_records_are_the_runs_on_their_own() {
        // One buffer for runs of three scenarios and several seeds, longer
        // and shorter, starting from records that are nothing like a run:
        // each run is bit for bit what it is with fresh records.
        let garbage = MonthRecord {
            leaf_price: f64::NAN,
            irr: Some(f64::INFINITY).into(),
            oak_queued: Some(-1.0),
            active_deals: 99,
            ..MonthRecord::default()
        };
        let mut records = vec![garbage; 500];
        for name in ["stress", "reference", "default", "stress"] {
            let mut s = load(name, builtin::text(name).unwrap(), &[]).unwrap();
            for seed in [1, 2, 3] {
                let fresh = run_seeded(&s, seed).unwrap();
                run_seeded_into(&s, seed, &mut records).unwrap();
                assert_eq!(records, fresh, "{name}, seed {seed}");
            }
            // A shorter run after a longer one keeps only its own months.
            s = load(
                name,
                builtin::text(name).unwrap(),
                &[crate::scenario::parse_override("simulation.months=7").unwrap()],
            )
            .unwrap();
            run_seeded_into(&s, 4, &mut records).unwrap();
            assert_eq!(records, run_seeded(&s, 4).unwrap(), "{name}, 7 months");
            // A run that fails in month 13 (its cumulative revenue
            // overflows) leaves no records; the next run starts clean.
            let huge = huge();
            let failed = run_seeded_into(&huge, 5, &mut records).unwrap_err();
            assert_eq!(failed, run_seeded(&huge, 5).unwrap_err());
            assert_eq!((failed.month, records.len()), (13, 0));
        }
    }

    #[test]
    fn a_runner_gives_each_run_as_it_is_on_its_own() {
        // One runner through runs of different scenarios, seeds and
        // lengths, in an order that goes back and forth between them: runs
        // that fail part-way, runs with a redemption queue, a market chain
        // and random draws, and one of a scenario loaded again (the same
        // text, other tables). Each is bit for bit the run on its own.
        let with = builtin::with;
        let scenarios = [
            with("reference", &[]),
            with("default", &[]),
            with("stress", &[]),
            huge(),
            // A month limit that queues requests, on a random price; the
            // runs end with requests still queued.
            with(
                "stress",
                &["oak.max_redemption_per_month=0.02", "simulation.months=25"],
            ),
            with("default", &["simulation.months=7"]),
            with("reference", &[]),
        ];
        let mut runner = Runner::new();
        let mut records = Vec::new();
        let mut queued_at_end = 0;
        for (k, i) in [0, 1, 2, 3, 4, 2, 3, 0, 5, 4, 4, 1, 6, 0, 3, 2]
            .into_iter()
            .enumerate()
        {
            let (s, seed) = (&scenarios[i], 7 + k as u64 % 3);
            let got = runner.run_seeded_into(s, seed, &mut records);
            match run_seeded(s, seed) {
                Ok(fresh) => {
                    assert_eq!(got, Ok(()), "run {k}");
                    assert_eq!(
                        bits(&records),
                        bits(&fresh),
                        "run {k}: scenario {i}, seed {seed}"
                    );
                    queued_at_end +=
                        usize::from(fresh.last().unwrap().oak_queued.is_some_and(|q| q > 0.0));
                }
                Err(fresh) => {
                    assert_eq!(got, Err(fresh), "run {k}");
                    assert!(records.is_empty());
                }
            }
        }
        assert!(queued_at_end > 0, "no run ended with a request queued");
    }

    #[test]
    fn edits_that_share_a_start_run_as_the_scenario_built_afresh() {
        // Every key whose change keeps (some of) the start of the scenario
        // it edits, changed in several ways on scenarios with and without
        // market flows and random draws: the edit's runs are bit for bit
        // those of the same scenario built and checked afresh.
        use crate::scenario::allowed::Kind;
        use crate::scenario::validate::StartReach;
        use crate::scenario::{PARAMS, Value};
        // A pair that starts with LEAF, bought at the initial price.
        let paired = (default().scenario().deals.iter())
            .position(|d| d.leaf_pair.is_some())
            .unwrap();
        let tokens = format!("deal[{paired}].leaf_pair.leaf_tokens=200000");
        let scenarios = [
            ("reference", vec![]),
            ("default", vec![]),
            ("default", vec![tokens.as_str()]),
            ("stress", vec![]),
            (
                "stress",
                vec![
                    "market.net_demand_usd=2e5",
                    "market.demand_noise_usd=5e4",
                    "leaf_price.model=market",
                ],
            ),
        ];
        let light: Vec<_> = (PARAMS.iter())
            .filter(|p| StartReach::of(p.path) != StartReach::All)
            .collect();
        assert!(light.len() > 15, "{} keys", light.len());
        let mut shared = 0;
        for (name, over) in &scenarios {
            let base = builtin::with(name, over);
            for p in &light {
                let now = base.scenario().get(p.path).unwrap();
                let values: Vec<Value> = match (p.kind, &now) {
                    (Kind::Choice(choices), _) => {
                        choices.iter().map(|c| Value::Str(c.to_string())).collect()
                    }
                    (Kind::Bool, Value::Bool(b)) => vec![Value::Bool(!b)],
                    (_, Value::Int(i)) => vec![
                        Value::Int(i + 1),
                        Value::Int(i + 7),
                        Value::Int((i - 3).max(1)),
                    ],
                    (_, Value::Float(x)) => [x * 0.5, x * 1.7 + 0.01, -x, x + 0.2]
                        .into_iter()
                        .map(Value::Float)
                        .collect(),
                    _ => panic!("{}: {now:?}", p.path),
                };
                for v in values {
                    let change = [("simulation.seed", Value::Int(11)), (p.path, v.clone())];
                    let Ok(edited) = base.with(&change) else {
                        continue; // Out of the key's range.
                    };
                    let mut fresh = base.scenario().clone();
                    for (k, v) in &change {
                        fresh.set(k, v.clone()).unwrap();
                    }
                    let fresh = fresh.validate().unwrap();
                    shared += usize::from(Arc::ptr_eq(&edited.twin_tables(), &base.twin_tables()));
                    for seed in [3, 4] {
                        let (a, b) = (run_seeded(&edited, seed), run_seeded(&fresh, seed));
                        match (a, b) {
                            (Ok(a), Ok(b)) => assert_eq!(
                                bits(&a),
                                bits(&b),
                                "{name} {}={v:?}, seed {seed}",
                                p.path
                            ),
                            (a, b) => assert_eq!(a, b, "{name} {}={v:?}", p.path),
                        }
                    }
                }
            }
        }
        assert!(shared > 100, "{shared} edits shared a start");
        // A key with spaces around it is that key, as `set` reads it: the
        // initial price, which prices the pairs' first LEAF, reaches all.
        assert_eq!(StartReach::of(" leaf_price.initial "), StartReach::All);
        assert_eq!(StartReach::of("leaf_price.volatility "), StartReach::Price);
        assert_eq!(StartReach::of(" aegis.initial_usdc"), StartReach::Nothing);
        let base = builtin::with("default", &[&tokens]);
        let padded = base
            .with(&[("leaf_price.initial ", Value::Float(2.0))])
            .unwrap();
        let plain = base
            .with(&[("leaf_price.initial", Value::Float(2.0))])
            .unwrap();
        assert_eq!(
            bits(&run_seeded(&padded, 3).unwrap()),
            bits(&run_seeded(&plain, 3).unwrap())
        );
    }

    #[test]
    fn leaf_from_nowhere_breaks_conservation_with_its_numbers() {
        let mut sim = Simulation::new(default());
        sim.step().unwrap().unwrap();
        // A million LEAF appear in AEGIS between two months (beyond the
        // tolerance: 1e-6 of its billion).
        sim.state.aegis_mut().leaf += 1e6;
        let f = sim.step().unwrap_err();
        let Failure::LeafConservation { have, want } = f else {
            panic!("{f:?}");
        };
        assert!((have - want - 1e6).abs() < 1e-3, "{have} {want}");
        assert!(
            f.to_string()
                .starts_with("LEAF conservation: AEGIS + pairs + withdrawn + paid out = "),
            "{f}"
        );
        assert_eq!(f.quantity(), "LEAF conservation");
        assert_eq!(sim.month(), 2);
    }

    #[test]
    fn usdc_taken_out_of_aegis_breaks_usdc_conservation() {
        let mut sim = Simulation::new(default());
        sim.step().unwrap().unwrap();
        sim.state.aegis_mut().usdc -= 5e6;
        let f = sim.step().unwrap_err();
        let Failure::UsdcConservation { have, want } = f else {
            panic!("{f:?}");
        };
        assert!((want - have - 5e6).abs() < 1.0, "{have} {want}");
    }

    #[test]
    fn going_on_from_a_stepped_state_appends_to_the_months_before() {
        // A run that fails in month 13 (its cumulative revenue overflows),
        // stepped to month 5 by hand, then gone on with: the same months
        // and the same failure as the run whole, with the caller's months
        // kept in front; the same for a run that completes.
        let huge = huge();
        for s in [&huge, &default()] {
            let whole = run(s);
            let mut state = State::new(ScenarioRef::Borrowed(s));
            let mut before = Vec::new();
            let mut slot = std::mem::MaybeUninit::uninit();
            for m in 1..=5 {
                before.push(
                    state
                        .step(m, &mut Silent, false, &mut slot)
                        .unwrap()
                        .clone(),
                );
            }
            let went_on = run_on(state, &mut Silent, before);
            assert_eq!(went_on, whole);
        }
        let e = run(&huge).unwrap_err();
        assert_eq!((e.month, e.records.len()), (13, 12));
    }

    #[test]
    fn a_failed_run_keeps_the_months_before_in_run_error() {
        let mut sim = Simulation::new(default());
        for _ in 0..3 {
            sim.step().unwrap().unwrap();
        }
        sim.state.aegis_mut().leaf += 1e6;
        let e = sim.run_observed(&mut Silent).unwrap_err();
        assert_eq!(e.month, 4);
        assert!(
            e.records.is_empty(),
            "the months stepped before are the caller's"
        );
        assert!(
            e.to_string().starts_with("month 4: LEAF conservation: "),
            "{e}"
        );
        assert_eq!(e.quantity(), "LEAF conservation");
        assert!(e.detail().starts_with("AEGIS + pairs"), "{}", e.detail());
    }
}
