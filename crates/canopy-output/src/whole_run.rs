//! A whole run, as every front end makes one: the simulation watched for
//! its deals and critical events, the deal scorecard, the final summary,
//! and the files written from them. A front end chooses the options and
//! presents the [`RunOutcome`]; it repeats none of this.

use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use canopy_model::critical::{Critical, Kind, Watch};
use canopy_model::scorecard::{self, DealScore};
use canopy_model::{MonthRecord, Observer, RunError, Silent, Until, ValidScenario, run_observed};

use crate::DealLog;
use crate::numbers::count;
use crate::summary::FinalSummary;

/// What to run and what to work out with it.
pub struct RunOptions<'a> {
    /// The scenario.
    pub scenario: &'a ValidScenario,
    /// Whether to work out the deal scorecard (a run without each deal;
    /// skipped for a run that stops).
    pub scorecard: bool,
    /// Where `deals.csv` is gathered: in memory ([`DealLog::new`]) or
    /// streamed into the output folder ([`DealLog::streaming_into`]).
    pub deals: DealLog,
    /// Anyone else watching the run (a console printing its months).
    pub observer: Option<&'a mut dyn Observer>,
    /// The threads the scorecard's runs share; 0: one per core.
    pub threads: usize,
    /// Called as each month ends, with its record and its critical events
    /// (a console printing its months): the run's own critical-event watch
    /// tells them, so a front end need not keep a second one.
    pub each_month: Option<&'a mut EachMonth<'a>>,
}

/// What [`RunOptions::each_month`] is called with: a month's record and
/// its critical events.
pub type EachMonth<'a> = dyn FnMut(&MonthRecord, &[Critical]) + 'a;

/// The run's critical-event watch, telling each month's events to
/// `each_month` as the month ends.
struct Critics<'a> {
    watch: Watch,
    each_month: Option<&'a mut EachMonth<'a>>,
}

impl Observer for Critics<'_> {
    fn event(&mut self, month: u32, event: &canopy_model::Event) {
        self.watch.event(month, event);
    }

    fn month_end(
        &mut self,
        record: &MonthRecord,
        state: &canopy_model::State<'_>,
    ) -> std::ops::ControlFlow<()> {
        let flow = self.watch.month_end(record, state);
        if let Some(f) = self.each_month.as_mut() {
            f(record, self.watch.month());
        }
        flow
    }
}

impl<'a> RunOptions<'a> {
    /// A run of `scenario` with its scorecard, its deals gathered in
    /// memory, and no other observer.
    pub fn new(scenario: &'a ValidScenario) -> RunOptions<'a> {
        RunOptions {
            scenario,
            scorecard: true,
            deals: DealLog::new(scenario),
            observer: None,
            threads: 0,
            each_month: None,
        }
    }
}

/// A finished (or stopped) run with everything worked out from it.
pub struct RunOutcome {
    /// The months recorded (before the failed month, if one failed).
    pub records: Vec<MonthRecord>,
    /// The deals' figures, for `deals.csv`.
    pub deals: DealLog,
    /// The critical events, counted by kind in [`Kind::ALL`] order.
    pub critical: [usize; Kind::ALL.len()],
    /// Why the run stopped early, if it did.
    pub failure: Option<RunError>,
    /// The deal scorecard, if asked for and the run finished.
    pub scorecard: Option<Vec<DealScore>>,
    /// Where the run ended; `None` when no month was simulated.
    pub summary: Option<FinalSummary>,
    /// How long the simulation took (the scorecard's runs not included).
    pub elapsed: Duration,
}

/// Runs `options.scenario` whole: the months (watched by the deal log, a
/// critical-event watch and `options.observer`), then the scorecard and
/// the final summary.
pub fn run(options: RunOptions<'_>) -> RunOutcome {
    // Never stopped: the outcome is whole.
    watched(options, &|| false).0
}

/// Runs `options.scenario` whole as [`run`] does, checking `stop` at every
/// month's end of every run (the scorecard's included); `None` when it
/// said to stop before the end. `stop` is meant to stay true once it is.
pub fn run_until(options: RunOptions<'_>, stop: &(dyn Fn() -> bool + Sync)) -> Option<RunOutcome> {
    match watched(options, stop) {
        (outcome, false) => Some(outcome),
        (_, true) => None,
    }
}

/// The run and whether `stop` cut it short.
fn watched(options: RunOptions<'_>, stop: &(dyn Fn() -> bool + Sync)) -> (RunOutcome, bool) {
    let RunOptions {
        scenario,
        scorecard: with_scorecard,
        deals,
        observer,
        threads,
        each_month,
    } = options;
    let mut silent = Silent;
    let observer: &mut dyn Observer = match observer {
        Some(o) => o,
        None => &mut silent,
    };
    let critics = Critics {
        watch: Watch::new(scenario),
        each_month,
    };
    let mut watching = (deals, (critics, (observer, Until::new(stop))));
    let started = Instant::now();
    let result = run_observed(scenario, &mut watching);
    let elapsed = started.elapsed();
    let (deals, (Critics { watch, .. }, (_, until))) = watching;
    let mut stopped = until.stopped();
    let (records, failure) = match result {
        Ok(records) => (records, None),
        Err(e) => (e.records.clone(), Some(e)),
    };
    // The scorecard compares whole runs: a run that stopped has none.
    let scorecard = if with_scorecard && failure.is_none() && !stopped {
        let threads = match threads {
            0 => std::thread::available_parallelism().map_or(1, |t| t.get()),
            n => n,
        };
        let card = scorecard::card_until(scenario, &records, threads, stop);
        stopped = card.is_none();
        card
    } else {
        None
    };
    let outcome = RunOutcome {
        summary: FinalSummary::from_records(scenario, &records),
        critical: watch.counts(),
        records,
        deals,
        failure,
        scorecard,
        elapsed,
    };
    (outcome, stopped)
}

impl RunOutcome {
    /// Writes the run's files into `out` as [`crate::write`] does (`name`:
    /// the scenario's name as the user gave it; charts and the report with
    /// `with_charts`).
    pub fn write(
        &self,
        out: &Path,
        name: &str,
        scenario: &ValidScenario,
        with_charts: bool,
    ) -> io::Result<()> {
        crate::write(out, &self.as_run(name, scenario), with_charts)
    }

    /// The run as the writers see it.
    pub fn as_run<'a>(&'a self, name: &'a str, scenario: &'a ValidScenario) -> crate::Run<'a> {
        crate::Run {
            name,
            scenario,
            records: &self.records,
            deals: &self.deals,
            stopped: self.failure.as_ref().map(ToString::to_string),
            scorecard: self.scorecard.as_deref(),
        }
    }

    /// Why the run stopped, and what was written of it: `the run stopped in
    /// month 4: LEAF conservation (...); the 3 months before it were
    /// written`. `None` for a run that finished.
    pub fn stopped(&self) -> Option<String> {
        self.failure
            .as_ref()
            .map(|e| format!("{}; {}", e.stopped(), months_written(e.records.len())))
    }
}

/// What of a stopped run was written: its months before the failed one.
fn months_written(n: usize) -> String {
    match n {
        0 => "no month before it was written".to_string(),
        1 => "the 1 month before it was written".to_string(),
        _ => format!("the {} before it were written", count(n, "month", "months")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use canopy_model::{builtin, load};

    fn scenario(set: &str) -> ValidScenario {
        let overrides: Vec<_> = [set]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| canopy_model::scenario::parse_override(s).expect("override"))
            .collect();
        load(
            "default",
            builtin::text("default").expect("built in"),
            &overrides,
        )
        .expect("valid")
    }

    #[test]
    fn a_whole_run_is_the_model_run_with_its_scorecard_and_summary() {
        let s = scenario("simulation.months=24");
        let outcome = run(RunOptions::new(&s));
        let records = canopy_model::run(&s).expect("the run finishes");
        assert_eq!(outcome.records, records);
        assert!(outcome.failure.is_none());
        assert_eq!(outcome.stopped(), None);
        assert_eq!(
            outcome.scorecard.as_deref(),
            Some(scorecard::card(&s, &records).as_slice())
        );
        assert_eq!(outcome.summary, FinalSummary::from_records(&s, &records));
        // The counts are the watch's over the same run.
        let mut watch = Watch::new(&s);
        let _ = run_observed(&s, &mut watch);
        assert_eq!(outcome.critical, watch.counts());
    }

    #[test]
    fn without_the_scorecard_none_is_worked_out() {
        let s = scenario("simulation.months=6");
        let outcome = run(RunOptions {
            scorecard: false,
            ..RunOptions::new(&s)
        });
        assert!(outcome.scorecard.is_none());
        assert_eq!(outcome.records.len(), 6);
    }

    #[test]
    fn a_run_until_a_stop_is_none_and_without_one_the_whole_run() {
        let s = scenario("simulation.months=24");
        let whole = run(RunOptions::new(&s));
        let until = run_until(
            RunOptions {
                threads: 1,
                ..RunOptions::new(&s)
            },
            &|| false,
        )
        .expect("never stopped");
        assert_eq!(until.records, whole.records);
        assert_eq!(until.scorecard, whole.scorecard);
        assert_eq!(until.summary, whole.summary);
        assert!(run_until(RunOptions::new(&s), &|| true).is_none());
        // Stopped in the scorecard's runs, after the run's own 24 months.
        let months = std::sync::atomic::AtomicUsize::new(0);
        let stop = || months.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= 30;
        assert!(run_until(RunOptions::new(&s), &stop).is_none());
        // Without the scorecard the same stop lets the run finish.
        let months = std::sync::atomic::AtomicUsize::new(0);
        let stop = || months.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= 30;
        let options = RunOptions {
            scorecard: false,
            ..RunOptions::new(&s)
        };
        assert_eq!(
            run_until(options, &stop).expect("finished").records,
            whole.records
        );
    }

    #[test]
    fn the_written_months_agree_in_number() {
        assert_eq!(months_written(0), "no month before it was written");
        assert_eq!(months_written(1), "the 1 month before it was written");
        assert_eq!(months_written(12), "the 12 months before it were written");
    }
}
