//! The deal scorecard (MODEL.md, "Deal scorecard"): what each deal brought
//! and cost, as the differences between the run and the same run without
//! that deal.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use crate::failure::RunError;
use crate::observer::{Observer, Until};
use crate::record::{MonthRecord, column};
use crate::scenario::{ScenarioError, ValidScenario};
use crate::state::{ScenarioRef, State};

/// A run's months, as two slices one after the other: the months a run
/// without a deal shares with the run, then its own (no copy of the first).
#[derive(Clone, Copy, Debug)]
pub struct Months<'a> {
    /// The first months.
    pub before: &'a [MonthRecord],
    /// The months after them.
    pub after: &'a [MonthRecord],
}

impl<'a> Months<'a> {
    /// The months of one slice.
    pub fn of(records: &'a [MonthRecord]) -> Months<'a> {
        Months {
            before: records,
            after: &[],
        }
    }

    /// Every month, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a MonthRecord> {
        self.before.iter().chain(self.after)
    }

    /// The last month, if any.
    pub fn last(&self) -> Option<&'a MonthRecord> {
        self.after.last().or(self.before.last())
    }
}

/// A figure a run is scored on: its delta column's name and how it is
/// found in a run's months (`None` where undefined: no months, or an
/// undefined value).
#[derive(Clone, Copy, Debug)]
pub struct Figure {
    /// Its column in `scorecard.csv`: the deal's run minus the run without it.
    pub delta: &'static str,
    /// The figure of a run.
    pub of: fn(Months<'_>) -> Option<f64>,
}

/// The last month's value of the `metrics.csv` column `name`.
fn last(months: Months<'_>, name: &str) -> Option<f64> {
    let c = column(name)?;
    months.last().and_then(|r| (c.get)(r))
}

/// The figures a run is scored on, in `scorecard.csv` order: the last
/// month's cumulative revenue, AEGIS value, value per OAK and OAK
/// redeemed; the lowest AEGIS USDC balance; the LEAF AEGIS sold to the
/// pairs, summed over the months.
pub const FIGURES: [Figure; 6] = [
    Figure {
        delta: "delta_revenue_cumulative",
        of: |r| last(r, "revenue_cumulative"),
    },
    Figure {
        delta: "delta_aegis_value",
        of: |r| last(r, "aegis_value"),
    },
    Figure {
        delta: "delta_value_per_oak",
        of: |r| last(r, "value_per_oak"),
    },
    Figure {
        delta: "delta_oak_redeemed",
        of: |r| last(r, "oak_redeemed"),
    },
    Figure {
        delta: "delta_min_aegis_usdc",
        of: |r| r.iter().map(|r| r.aegis_usdc).reduce(f64::min),
    },
    Figure {
        delta: "delta_aegis_leaf_sold",
        of: |r| (r.last().is_some()).then(|| r.iter().map(|r| r.aegis_leaf_sold).sum()),
    },
];

/// The names of the delta columns, in [`FIGURES`] order.
pub const DELTAS: [&str; FIGURES.len()] = {
    let mut names = [""; FIGURES.len()];
    let mut i = 0;
    while i < FIGURES.len() {
        names[i] = FIGURES[i].delta;
        i += 1;
    }
    names
};

/// The figures of a run, in [`FIGURES`] order.
pub fn figures(records: &[MonthRecord]) -> [Option<f64>; FIGURES.len()] {
    figures_of(Months::of(records))
}

/// The figures of a run's months, in [`FIGURES`] order.
pub fn figures_of(months: Months<'_>) -> [Option<f64>; FIGURES.len()] {
    FIGURES.map(|f| (f.of)(months))
}

/// What a column of `scorecard.csv` holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellType {
    /// Text (an id, a name, the parts, a note).
    Text,
    /// A whole number (a month).
    Count,
    /// An amount, USD or tokens; empty where undefined.
    Amount,
}

/// Which part of a [`DealScore`] a column shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Id,
    Counterparty,
    StartMonth,
    Parts,
    Delta(usize),
    Note,
}

/// A cell of a scorecard row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell<'a> {
    /// Text.
    Text(&'a str),
    /// A whole number.
    Count(u32),
    /// An amount; `None` where undefined.
    Amount(Option<f64>),
}

/// One column of `scorecard.csv`: its name, what it holds and its cell in
/// a row. [`COLUMNS`] lists them; every front end reads that list.
#[derive(Clone, Copy, Debug)]
pub struct ScoreColumn {
    /// Its name, as the header writes it.
    pub name: &'static str,
    /// What it holds.
    pub ty: CellType,
    part: Part,
}

impl ScoreColumn {
    /// Its cell in `row`.
    pub fn cell<'a>(&self, row: &'a DealScore) -> Cell<'a> {
        match self.part {
            Part::Id => Cell::Text(&row.id),
            Part::Counterparty => Cell::Text(&row.counterparty),
            Part::StartMonth => Cell::Count(row.start_month),
            Part::Parts => Cell::Text(&row.parts),
            Part::Delta(i) => Cell::Amount(row.deltas.as_ref().ok().and_then(|d| d[i])),
            Part::Note => Cell::Text(row.deltas.as_ref().err().map_or("", String::as_str)),
        }
    }
}

const fn text(name: &'static str, part: Part) -> ScoreColumn {
    ScoreColumn {
        name,
        ty: CellType::Text,
        part,
    }
}

/// The columns of `scorecard.csv`, in order: the deal's id, counterparty,
/// first month and parts, the differences of [`FIGURES`], and a note (why
/// a row has no differences).
pub const COLUMNS: [ScoreColumn; FIGURES.len() + 5] = {
    let mut columns = [text("note", Part::Note); FIGURES.len() + 5];
    columns[0] = text("deal_id", Part::Id);
    columns[1] = text("counterparty", Part::Counterparty);
    columns[2] = ScoreColumn {
        name: "start_month",
        ty: CellType::Count,
        part: Part::StartMonth,
    };
    columns[3] = text("parts", Part::Parts);
    let mut i = 0;
    while i < FIGURES.len() {
        columns[4 + i] = ScoreColumn {
            name: FIGURES[i].delta,
            ty: CellType::Amount,
            part: Part::Delta(i),
        };
        i += 1;
    }
    columns
};

/// The names of [`COLUMNS`], in order: `scorecard.csv`'s header.
pub fn header() -> [&'static str; COLUMNS.len()] {
    COLUMNS.map(|c| c.name)
}

/// The scenario without deal `deal` (its index): the deal disabled, which
/// is the deal cut from the file (`deal[i].enabled`); valid, as
/// [`ValidScenario::without_deal`] says, so never `Err` (which is kept for
/// the rows of a scenario that would not be).
pub fn without(s: &ValidScenario, deal: usize) -> Result<ValidScenario, ScenarioError> {
    Ok(s.without_deal(deal))
}

/// One deal's row of the scorecard.
#[derive(Clone, Debug, PartialEq)]
pub struct DealScore {
    /// The deal's id.
    pub id: String,
    /// Its counterparty.
    pub counterparty: String,
    /// Its first month.
    pub start_month: u32,
    /// Its parts, `tvl+oak+leaf_pair` style.
    pub parts: String,
    /// The differences in [`FIGURES`] order (each `None` where either run
    /// leaves the figure undefined), or why there are none.
    pub deltas: Result<[Option<f64>; FIGURES.len()], String>,
}

/// Deal `deal`'s row, from the run's figures and the run without it: the
/// months `before` it shares with the run, then `without` (its own months,
/// or why there are none).
pub fn score(
    s: &ValidScenario,
    deal: usize,
    with: &[Option<f64>; FIGURES.len()],
    before: &[MonthRecord],
    without: RunWithout,
) -> DealScore {
    let d = &s.scenario().deals[deal];
    let parts: Vec<&str> = [
        d.tvl.as_ref().map(|_| "tvl"),
        d.oak.as_ref().map(|_| "oak"),
        d.leaf_pair.as_ref().map(|_| "leaf_pair"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let deltas = match without {
        Ok(Ok(records)) => {
            let other = figures_of(Months {
                before,
                after: &records,
            });
            Ok(std::array::from_fn(|i| Some(with[i]? - other[i]?)))
        }
        Ok(Err(e)) => Err(format!(
            "the run without this deal failed in month {}: {}",
            e.month,
            e.detail()
        )),
        Err(e) => Err(format!("the scenario without this deal is not valid: {e}")),
    };
    DealScore {
        id: d.id.clone(),
        counterparty: d.counterparty.clone(),
        start_month: d.start_month,
        parts: parts.join("+"),
        deltas,
    }
}

/// The deal scorecard of a run of `scenario` that recorded `records`: the
/// run again without each deal, the deals shared out among the cores.
pub fn card(scenario: &ValidScenario, records: &[MonthRecord]) -> Vec<DealScore> {
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    // Never stopped, so every row is there.
    card_until(scenario, records, threads, &|| false).unwrap_or_default()
}

/// The deal scorecard as [`card`] works it out, on at most `threads`
/// threads (one: the caller's), stopping every run at its next month's end
/// once `stop` says so (see [`Until`]); `None` when it did.
pub fn card_until(
    scenario: &ValidScenario,
    records: &[MonthRecord],
    threads: usize,
    stop: &(dyn Fn() -> bool + Sync),
) -> Option<Vec<DealScore>> {
    let with = figures(records);
    runs_without_after(scenario, threads, stop, &|deal, before, without| {
        score(scenario, deal, &with, before, without)
    })
}

/// A run without a deal: its records, the failure that ended it, or why
/// the scenario without the deal is not valid.
pub type RunWithout = Result<Result<Vec<MonthRecord>, RunError>, ScenarioError>;

/// The run of `scenario` without each enabled deal, exactly as
/// [`crate::run`] of [`without`] gives it, handed to `each` with the deal's
/// index; what `each` returns, in deal order. On at most `threads` threads
/// (one: the caller's); every run stops at its next month's end once `stop`
/// says so, and then the answer is `None`.
///
/// A run without a deal is the run itself until the deal's first month, so
/// each goes on from the run's state before that month
/// ([`State::without_deal`](crate::State)) rather than from month 1: one
/// pass of the run, the deals taken in order of their first month, hands
/// out its state as it reaches each one. A few of those states are held at
/// a time, however many deals there are.
pub fn runs_without<T: Send>(
    scenario: &ValidScenario,
    threads: usize,
    stop: &(dyn Fn() -> bool + Sync),
    each: &(dyn Fn(usize, RunWithout) -> T + Sync),
) -> Option<Vec<T>> {
    runs_without_after(scenario, threads, stop, &|deal, before, without| {
        let whole = |after: Vec<MonthRecord>| [before, &after].concat();
        each(
            deal,
            without.map(|run| {
                run.map(whole).map_err(|e| RunError {
                    records: whole(e.records),
                    ..e
                })
            }),
        )
    })
}

/// As [`runs_without`], each run handed to `each` as the months it shares
/// with the run (a slice of the run's own) and its months after them (or
/// the failure with its months after them), so that no run copies the
/// months it shares.
fn runs_without_after<T: Send>(
    scenario: &ValidScenario,
    threads: usize,
    stop: &(dyn Fn() -> bool + Sync),
    each: &(dyn Fn(usize, &[MonthRecord], RunWithout) -> T + Sync),
) -> Option<Vec<T>> {
    // The run itself, for the months the runs without share with it.
    let mut until = Until::new(stop);
    let whole = crate::engine::run_observed(scenario, &mut until);
    if until.stopped() {
        return None;
    }
    let (shared, failed) = match whole {
        Ok(records) => (records, None),
        Err(e) => (e.records, Some(e.month)),
    };
    let months = scenario.simulation.months;
    // A disabled deal is absent: it has no row.
    let deals: Vec<usize> = (scenario.deals.iter().enumerate())
        .filter(|(_, d)| d.enabled)
        .map(|(i, _)| i)
        .collect();
    // The month after which each deal's run parts from the run: the one
    // before its first (the run's last for a deal starting after it).
    // From month 1 where the run failed before it.
    let parts_after = |deal: usize| {
        let at = scenario.deals[deal]
            .start_month
            .min(months + 1)
            .saturating_sub(1);
        failed.is_none_or(|f| at < f).then_some(at)
    };
    let mut order: Vec<usize> = (0..deals.len()).collect();
    order.sort_by_key(|&i| parts_after(deals[i]).unwrap_or(0));
    let run_one = |slot: usize, from: Option<&State<'_>>| -> Option<T> {
        if stop() {
            return None;
        }
        let deal = deals[slot];
        let mut until = Until::new(stop);
        let (before, without) = match from.and_then(|state| state.without_deal(deal)) {
            Some(state) => (
                &shared[..state.current_month() as usize],
                Ok(crate::engine::run_on(state, &mut until, Vec::new())),
            ),
            None => (
                &shared[..0],
                without(scenario, deal).map(|w| crate::engine::run_observed(&w, &mut until)),
            ),
        };
        (!until.stopped()).then(|| each(deal, before, without))
    };
    let mut out: Vec<Option<T>> = std::iter::repeat_with(|| None).take(deals.len()).collect();
    let mut walk = Walk::new(scenario, stop);
    if threads <= 1 {
        for &slot in &order {
            let from = parts_after(deals[slot]).and_then(|m| walk.to(m));
            out[slot] = Some(run_one(slot, from)?);
        }
        return out.into_iter().collect();
    }
    // The states handed out wait in a channel of a few, so that the walk
    // runs only a little ahead of the runs that go on from them.
    type Job<'a> = (usize, Option<Arc<State<'a>>>);
    let (send, receive) = mpsc::sync_channel::<Job<'_>>(2 * threads);
    // The workers alone hold the receiving end: once they have all
    // returned (stopped, or panicked), the walk's next send fails rather
    // than wait on a full channel.
    let receive = Arc::new(Mutex::new(receive));
    let stopped = AtomicBool::new(false);
    let (run_one, stopped) = (&run_one, &stopped);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let receive = Arc::clone(&receive);
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let job = receive
                            .lock()
                            .map_err(|_| ())
                            .and_then(|r| r.recv().map_err(|_| ()));
                        let Ok((slot, from)) = job else {
                            return done;
                        };
                        match run_one(slot, from.as_deref()) {
                            Some(t) => done.push((slot, t)),
                            None => {
                                stopped.store(true, Ordering::Relaxed);
                                return done;
                            }
                        }
                    }
                })
            })
            .collect();
        drop(receive);
        let mut shared_at: Option<(u32, Arc<State<'_>>)> = None;
        for &slot in &order {
            if stopped.load(Ordering::Relaxed) {
                break;
            }
            let from = parts_after(deals[slot]).and_then(|m| {
                if let Some((at, state)) = &shared_at
                    && *at == m
                {
                    return Some(Arc::clone(state));
                }
                let state = Arc::new(walk.to(m)?.clone());
                shared_at = Some((m, Arc::clone(&state)));
                Some(state)
            });
            if walk.stopped {
                stopped.store(true, Ordering::Relaxed);
                break;
            }
            if send.send((slot, from)).is_err() {
                break;
            }
        }
        drop(send);
        for worker in workers {
            // A worker that panicked leaves its slots empty.
            for (slot, t) in worker.join().unwrap_or_default() {
                out[slot] = Some(t);
            }
        }
    });
    out.into_iter().collect()
}

/// One pass of a run, month by month, to the states the runs without a
/// deal go on from.
struct Walk<'a> {
    state: State<'a>,
    until: Until<'a>,
    /// A month failed, or `stop` said to stop: no month further.
    ended: bool,
    /// `stop` said to stop.
    stopped: bool,
}

impl<'a> Walk<'a> {
    fn new(scenario: &'a ValidScenario, stop: &'a (dyn Fn() -> bool + Sync)) -> Walk<'a> {
        Walk {
            state: State::new(ScenarioRef::Borrowed(scenario)),
            until: Until::new(stop),
            ended: false,
            stopped: false,
        }
    }

    /// The state after month `m`, stepping on to it (`m` is never before
    /// the month reached); `None` when the run ended before it.
    fn to(&mut self, m: u32) -> Option<&State<'a>> {
        let mut slot = std::mem::MaybeUninit::uninit();
        while !self.ended && self.state.current_month() < m {
            let next = self.state.current_month() + 1;
            let stop = match self.state.step(next, &mut self.until, false, &mut slot) {
                Ok(record) => self.until.month_end(record, &self.state).is_break(),
                Err(_) => true,
            };
            if stop {
                self.ended = true;
                self.stopped = self.until.stopped();
            }
        }
        (self.state.current_month() == m && !self.ended).then_some(&self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_are_the_deal_the_deltas_and_a_note() {
        let names = header();
        assert_eq!(
            names[..4],
            ["deal_id", "counterparty", "start_month", "parts"]
        );
        assert_eq!(names[4..10], DELTAS);
        assert_eq!(names[10], "note");
        assert!(COLUMNS[4..10].iter().all(|c| c.ty == CellType::Amount));
        assert_eq!(COLUMNS[2].ty, CellType::Count);
    }

    #[test]
    fn a_row_reads_through_its_columns() {
        let row = DealScore {
            id: "a".into(),
            counterparty: "A".into(),
            start_month: 3,
            parts: "tvl".into(),
            deltas: Ok([Some(1.0), None, Some(3.0), Some(4.0), Some(5.0), Some(6.0)]),
        };
        let cells: Vec<Cell<'_>> = COLUMNS.iter().map(|c| c.cell(&row)).collect();
        assert_eq!(cells[0], Cell::Text("a"));
        assert_eq!(cells[2], Cell::Count(3));
        assert_eq!(cells[4], Cell::Amount(Some(1.0)));
        assert_eq!(cells[5], Cell::Amount(None));
        assert_eq!(cells[10], Cell::Text(""));
        let failed = DealScore {
            deltas: Err("why".into()),
            ..row
        };
        assert_eq!(COLUMNS[10].cell(&failed), Cell::Text("why"));
        assert_eq!(COLUMNS[9].cell(&failed), Cell::Amount(None));
    }

    fn builtin(name: &str) -> ValidScenario {
        crate::load(name, crate::builtin::text(name).expect("built in"), &[]).expect("valid")
    }

    #[test]
    fn on_one_thread_or_many_the_card_is_the_rows_worked_out_from_month_one() {
        for name in crate::builtin::names() {
            let s = builtin(name);
            let records = crate::run(&s).expect("runs");
            let all = card(&s, &records);
            assert_eq!(all.len(), s.deals.len());
            // A second path: each row worked out by hand from its run
            // without, from month 1; compared to the last bit.
            for (deal, row) in all.iter().enumerate() {
                let alone = without(&s, deal).map(|w| crate::run(&w));
                let want = score(&s, deal, &figures(&records), &[], alone);
                assert_eq!(format!("{row:?}"), format!("{want:?}"), "{name}");
            }
            for threads in [1, 2, 3] {
                assert_eq!(
                    card_until(&s, &records, threads, &|| false).as_ref(),
                    Some(&all)
                );
            }
        }
    }

    /// The runs without each deal worked out from month 1, as `run` of
    /// `without` gives them: the second path the snapshots are checked on.
    fn from_month_one(s: &ValidScenario) -> Vec<String> {
        (s.deals.iter().enumerate())
            .filter(|(_, d)| d.enabled)
            .map(|(deal, _)| format!("{deal}: {:?}", without(s, deal).map(|w| crate::run(&w))))
            .collect()
    }

    #[test]
    fn every_run_without_a_deal_is_the_run_from_month_one_to_the_last_bit() {
        for name in crate::builtin::names() {
            let s = builtin(name);
            let want = from_month_one(&s);
            for threads in [1, 2, 3] {
                // Debug output writes every number exactly, -0.0 included.
                let got = runs_without(&s, threads, &|| false, &|deal, w| format!("{deal}: {w:?}"));
                assert_eq!(got.as_ref(), Some(&want), "{name} on {threads} threads");
            }
        }
    }

    #[test]
    fn deals_that_start_after_the_run_or_are_disabled_are_handled_alike() {
        let mut s = builtin("default").into_inner();
        s.simulation.months = 30;
        // One deal starting after the run's last month, one disabled.
        s.deals[3].start_month = 31;
        s.deals[5].enabled = false;
        let s = s.validate().expect("valid");
        let want = from_month_one(&s);
        assert_eq!(want.len(), s.deals.len() - 1);
        for threads in [1, 2] {
            let got = runs_without(&s, threads, &|| false, &|deal, w| format!("{deal}: {w:?}"));
            assert_eq!(got.as_ref(), Some(&want));
        }
    }

    #[test]
    fn requests_waiting_in_the_queue_keep_their_holders_when_an_earlier_deal_is_taken_out() {
        // `guarded` queues requests from month 21 to 42; a deal listed
        // first, with OAK, starts in month 30, while some wait.
        let mut s = builtin("guarded").into_inner();
        let mut first = s
            .deals
            .iter()
            .find(|d| d.oak.is_some())
            .expect("OAK")
            .clone();
        first.id = "late".into();
        first.start_month = 30;
        first.oak.as_mut().expect("OAK").amount = 1.0;
        s.deals.insert(0, first);
        let s = s.validate().expect("valid");
        let records = crate::run(&s).expect("runs");
        assert!(records[28].oak_queued.is_some_and(|q| q > 0.0));
        let want = from_month_one(&s);
        for threads in [1, 2] {
            let got = runs_without(&s, threads, &|| false, &|deal, w| format!("{deal}: {w:?}"));
            assert_eq!(got.as_ref(), Some(&want));
        }
    }

    #[test]
    fn a_run_that_fails_is_gone_on_from_before_the_failure_and_from_month_one_after_it() {
        // Deals of 1e308 USD: two at once make an infinite sum. A runs in
        // months 1 - 6, B from month 5 (the run fails then), C from month 8.
        let deal = |name: &str, start: u32, months: u32| {
            format!(
                "[[deal]]\ncounterparty = \"{name}\"\nstart_month = {start}\n\
                 tvl = {{ kind = \"boosted\", amount = 1e308, revenue_rate = 0.1, duration_months = {months} }}\n"
            )
        };
        let text = format!(
            "[simulation]\nmonths = 12\n{}{}{}",
            deal("A", 1, 6),
            deal("B", 5, 24),
            deal("C", 8, 24)
        );
        let s = crate::load("t", &text, &[]).expect("valid");
        let e = crate::run(&s).expect_err("fails");
        assert_eq!(e.month, 5);
        let want = from_month_one(&s);
        // Without A, B and C meet in month 8; without B the run finishes;
        // without C it fails in month 5 as the run does.
        assert!(
            want[0].starts_with("0: Ok(Err(RunError { month: 8,"),
            "{}",
            want[0]
        );
        assert!(want[1].starts_with("1: Ok(Ok("), "{}", want[1]);
        assert!(
            want[2].starts_with("2: Ok(Err(RunError { month: 5,"),
            "{}",
            want[2]
        );
        for threads in [1, 2] {
            let got = runs_without(&s, threads, &|| false, &|deal, w| format!("{deal}: {w:?}"));
            assert_eq!(got.as_ref(), Some(&want));
        }
    }

    #[test]
    fn the_state_without_a_deal_is_none_once_the_deal_has_started() {
        let s = builtin("default");
        let deal = (s.deals.iter())
            .position(|d| d.start_month > 1)
            .expect("a later deal");
        let start = s.deals[deal].start_month;
        let mut state = State::new(ScenarioRef::Borrowed(&s));
        let mut slot = std::mem::MaybeUninit::uninit();
        for m in 1..=start {
            assert_eq!(state.without_deal(deal).is_some(), m <= start);
            state
                .step(m, &mut crate::Silent, false, &mut slot)
                .expect("runs");
        }
        assert!(state.without_deal(deal).is_none());
    }

    #[test]
    fn the_scenario_without_a_deal_is_the_deal_disabled_and_checked_again() {
        for name in crate::builtin::names() {
            let s = builtin(name);
            for deal in 0..s.deals.len() {
                let mut cut = s.scenario().clone();
                cut.deals[deal].enabled = false;
                let checked = cut.validate().expect("valid");
                assert_eq!(without(&s, deal).as_ref(), Ok(&checked), "{name} {deal}");
            }
        }
    }

    #[test]
    fn a_stopped_card_is_none() {
        let s = builtin("default");
        let records = crate::run(&s).expect("runs");
        assert!(!s.deals.is_empty());
        assert_eq!(card_until(&s, &records, 1, &|| true), None);
        // Stopped in the middle of a run without a deal: the month count
        // passes the first run's months, so the second run is cut short.
        let months = std::sync::atomic::AtomicUsize::new(0);
        let limit = records.len() + 3;
        let stop = || months.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= limit;
        assert_eq!(card_until(&s, &records, 1, &stop), None);
        // On several threads too, wherever the stop comes: in the run's
        // own pass, in the walk, or in the runs without a deal (while the
        // walk waits on the runs behind it).
        for threads in [2, 3] {
            for limit in [0, 30, 90, 130, 200, 400] {
                let months = std::sync::atomic::AtomicUsize::new(0);
                let stop = || months.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= limit;
                assert_eq!(card_until(&s, &records, threads, &stop), None, "{limit}");
            }
        }
    }

    #[test]
    fn the_figures_of_a_run_are_its_last_month_lowest_usdc_and_leaf_sold() {
        let month = |m: u32, usdc: f64, sold: f64| MonthRecord {
            month: m,
            aegis_usdc: usdc,
            aegis_leaf_sold: sold,
            revenue_cumulative: f64::from(m) * 10.0,
            ..Default::default()
        };
        let f = figures(&[month(1, 5.0, 1.0), month(2, 3.0, 2.0), month(3, 4.0, 4.0)]);
        assert_eq!(f[0], Some(30.0));
        assert_eq!(f[4], Some(3.0));
        assert_eq!(f[5], Some(7.0));
        assert_eq!(figures(&[]), [None; 6]);
    }
}
