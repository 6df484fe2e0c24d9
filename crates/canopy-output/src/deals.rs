//! Per-deal results: an [`Observer`] that gathers what each deal (and each
//! thing that is not a deal but holds TVL) contributed each month and writes
//! that month's rows of `deals.csv` when the month ends (to a temporary file
//! renamed into place by [`crate::write`] with the other files, or by
//! [`DealLog::save`], or to memory), keeping only each
//! deal's totals for the report.
//!
//! `deals.csv` is in long format: one row per entity and month in which the
//! entity has anything (an active TVL contribution, an active pair, OAK held,
//! distributed or redeemed). Columns:
//!
//! | column | meaning |
//! | --- | --- |
//! | `month` | month number, from 1 |
//! | `entity` | what the row is about: a deal id (`Sigma Capi_001`), its organic twin (`Sigma Capi_001 (organic)`), a recurring contract named by its first month (`recurring 004`), its twin (`recurring 004 (organic)`), or `chain organic` (organic TVL the chain model adds) |
//! | `source` | `deal`, `deal organic`, `recurring`, `recurring organic` or `chain` |
//! | `deal_id` | the deal's id for `deal` and `deal organic` rows, else empty |
//! | `tvl_kind` | kind of the row's TVL (`protocol-locked`, `contracted`, `organic`, `boosted`); empty without TVL |
//! | `tvl` | its TVL this month, USD (after decay) |
//! | `revenue` | revenue that TVL earned this month, USD |
//! | `pair_leaf`, `pair_usdc` | LEAF and USDC in the deal's pair at the end of the month, while the pair is active |
//! | `oak_distributed` | OAK distributed to the deal this month |
//! | `oak_held` | OAK the deal holds at the end of the month (distributed, not redeemed) |
//! | `oak_redeemed` | OAK the deal redeemed this month |
//! | `payout_usdc`, `payout_leaf` | USDC and LEAF AEGIS paid the deal for it this month |
//! | `oak_queued` | OAK of the deal's redemption request waiting in the queue at the end of the month (part of `oak_held`); empty unless redemptions are rate limited (`oak.max_redemption_per_month` below 1) |
//!
//! Summed over entities, each month's figures give the totals of
//! `metrics.csv`: `tvl` and `revenue` by `tvl_kind`, `pair_*` as
//! `pairs_leaf`/`pairs_usdc`, `oak_redeemed` as `oak_redeemed_month`,
//! `payout_*` as `redemption_*_out`, `oak_queued` as `oak_queued`; and the
//! running sum of `oak_distributed` is `oak_distributed`.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use canopy_model::{Contribution, TvlSource as Source};
use canopy_model::{Event, MonthRecord, Observer, Scenario, State, TvlKind};

use crate::atomic::{self, write_atomic};

/// The name of the file, in the output folder.
pub const DEALS_CSV: &str = "deals.csv";

/// What a column of `deals.csv` holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellType {
    /// A whole number (the month).
    Count,
    /// Text (a name, a kind); empty where it does not apply.
    Text,
    /// An amount of USD or tokens; empty where it does not apply.
    Amount,
}

/// One column of `deals.csv`: its name and what it holds.
#[derive(Clone, Copy, Debug)]
pub struct DealColumn {
    /// Its name, as the header writes it.
    pub name: &'static str,
    /// What it holds.
    pub ty: CellType,
}

const fn column(name: &'static str, ty: CellType) -> DealColumn {
    DealColumn { name, ty }
}

/// The columns of `deals.csv` with their types, in order: what a front end
/// reads to type the table.
pub const DEAL_COLUMNS: [DealColumn; 15] = [
    column("month", CellType::Count),
    column("entity", CellType::Text),
    column("source", CellType::Text),
    column("deal_id", CellType::Text),
    column("tvl_kind", CellType::Text),
    column("tvl", CellType::Amount),
    column("revenue", CellType::Amount),
    column("pair_leaf", CellType::Amount),
    column("pair_usdc", CellType::Amount),
    column("oak_distributed", CellType::Amount),
    column("oak_held", CellType::Amount),
    column("oak_redeemed", CellType::Amount),
    column("payout_usdc", CellType::Amount),
    column("payout_leaf", CellType::Amount),
    column("oak_queued", CellType::Amount),
];

/// The names of [`DEAL_COLUMNS`]: `deals.csv`'s header.
pub const COLUMNS: [&str; DEAL_COLUMNS.len()] = {
    let mut names = [""; DEAL_COLUMNS.len()];
    let mut i = 0;
    while i < DEAL_COLUMNS.len() {
        names[i] = DEAL_COLUMNS[i].name;
        i += 1;
    }
    names
};

/// What a row is about; the derived order is the order of the rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Entity {
    /// A deal (index in the scenario), or the organic twin of its TVL.
    Deal {
        /// Index in `Scenario::deals`.
        index: usize,
        /// The organic twin.
        twin: bool,
    },
    /// A recurring contract, by its first month, or its organic twin.
    Recurring {
        /// Its first month.
        month: u32,
        /// The organic twin.
        twin: bool,
    },
    /// Organic TVL added by the chain model.
    Chain,
}

/// One entity's figures in one month.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    /// Kind of its TVL, if it has any.
    pub tvl_kind: Option<TvlKind>,
    /// TVL, USD.
    pub tvl: f64,
    /// Revenue of that TVL, USD.
    pub revenue: f64,
    /// Whether its pair is active.
    pub pair: bool,
    /// LEAF in its pair.
    pub pair_leaf: f64,
    /// USDC in its pair.
    pub pair_usdc: f64,
    /// OAK distributed to it.
    pub oak_distributed: f64,
    /// OAK held at month end.
    pub oak_held: f64,
    /// OAK redeemed.
    pub oak_redeemed: f64,
    /// USDC paid for its redemption.
    pub payout_usdc: f64,
    /// LEAF paid for its redemption.
    pub payout_leaf: f64,
    /// OAK of its request waiting in the redemption queue at month end.
    pub oak_queued: f64,
}

/// A deal's results over the whole run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DealTotals {
    /// Revenue of its TVL and of its organic twin, USD.
    pub revenue: f64,
    /// Month its OAK was distributed.
    pub distributed_in: Option<u32>,
    /// First month it redeemed.
    pub redeemed_from: Option<u32>,
    /// Last month it redeemed.
    pub redeemed_in: Option<u32>,
    /// OAK it redeemed.
    pub oak_redeemed: f64,
    /// USDC it was paid.
    pub payout_usdc: f64,
    /// LEAF it was paid.
    pub payout_leaf: f64,
    /// OAK it held at the end (distributed, not redeemed).
    pub oak_held: f64,
    /// OAK of its request still waiting in the queue at the end.
    pub oak_queued: f64,
}

/// A CSV writer, whatever it writes into.
trait FieldWriter {
    /// Writes one field of the current record.
    fn field(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Ends the current record.
    fn end_record(&mut self) -> io::Result<()>;
}

impl<W: io::Write> FieldWriter for csv::Writer<W> {
    fn field(&mut self, bytes: &[u8]) -> io::Result<()> {
        Ok(self.write_field(bytes)?)
    }

    fn end_record(&mut self) -> io::Result<()> {
        // An empty record ends the one being written.
        Ok(self.write_record(None::<&[u8]>)?)
    }
}

/// Where the rows of `deals.csv` go as each month ends.
enum Sink {
    /// Into memory (for tests and callers that want the bytes).
    Memory(csv::Writer<Vec<u8>>),
    /// Into a temporary file beside the final one, renamed into place by
    /// [`DealLog::save`] (removed if it never is).
    File {
        /// The writer; `None` once an error made the file useless.
        w: Option<csv::Writer<BufWriter<File>>>,
        /// The temporary file.
        tmp: PathBuf,
        /// The first write error, reported by [`DealLog::save`] (an
        /// observer cannot fail a run).
        error: Option<io::Error>,
        /// Whether the file was renamed into place.
        placed: Cell<bool>,
    },
}

/// `deals.csv` ready to be placed: see [`DealLog::staged`].
pub(crate) enum Staged<'a> {
    /// Its bytes, kept in memory.
    Bytes(&'a [u8]),
    /// Its streamed temporary file, synced.
    Temporary(PathBuf),
}

/// Gathers each deal's figures month by month and writes the month's rows
/// of `deals.csv` when it ends, so that it holds one month's rows and one
/// [`DealTotals`] per deal, not every row of the run.
pub struct DealLog {
    names: Vec<String>,
    /// The month being gathered.
    month: u32,
    /// This month's deal rows: slot `2 * index + twin`.
    deal_rows: Vec<Option<Figures>>,
    /// The slots of `deal_rows` filled this month.
    touched: Vec<usize>,
    /// This month's other rows (recurring contracts and their twins).
    other: BTreeMap<Entity, Figures>,
    /// This month's organic TVL and revenue of the contributions, summed in
    /// the engine's order, so that the chain's share is exact.
    organic: (f64, f64),
    totals: Vec<DealTotals>,
    /// Scratch text for the numbers of a row.
    number: String,
    /// Whether redemptions are rate limited: otherwise `oak_queued` is empty.
    rate_limited: bool,
    sink: Sink,
}

impl std::fmt::Debug for DealLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DealLog")
            .field("deals", &self.names.len())
            .field("month", &self.month)
            .finish_non_exhaustive()
    }
}

impl DealLog {
    /// A log for the deals of `s` that keeps `deals.csv` in memory.
    pub fn new(s: &Scenario) -> Self {
        let mut w = csv::Writer::from_writer(Vec::new());
        // Writing into a Vec cannot fail.
        let _ = w.write_record(COLUMNS);
        Self::with_sink(s, Sink::Memory(w))
    }

    /// A log for the deals of `s` that streams `deals.csv` into a temporary
    /// file beside `path` (its folder is created), for [`DealLog::save`] to
    /// rename into place: the file at `path` is whole or absent.
    pub fn streaming(s: &Scenario, path: &Path) -> io::Result<Self> {
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let (tmp, file) = atomic::create_temporary(path)?;
        let mut w = csv::Writer::from_writer(BufWriter::new(file));
        let sink = match w.write_record(COLUMNS) {
            Ok(()) => Sink::File {
                w: Some(w),
                tmp,
                error: None,
                placed: Cell::new(false),
            },
            Err(e) => {
                atomic::discard(&tmp);
                return Err(e.into());
            }
        };
        Ok(Self::with_sink(s, sink))
    }

    /// [`DealLog::streaming`] into `deals.csv` in the folder `out`.
    pub fn streaming_into(s: &Scenario, out: &Path) -> io::Result<Self> {
        Self::streaming(s, &out.join(DEALS_CSV))
    }

    fn with_sink(s: &Scenario, sink: Sink) -> Self {
        DealLog {
            names: s.deals.iter().map(|d| d.id.clone()).collect(),
            month: 0,
            deal_rows: vec![None; 2 * s.deals.len()],
            touched: Vec::new(),
            other: BTreeMap::new(),
            organic: (0.0, 0.0),
            totals: vec![DealTotals::default(); s.deals.len()],
            number: String::new(),
            rate_limited: s.oak.rate_limited(),
            sink,
        }
    }

    /// The row of entity `e` in month `m`; a new month drops what an
    /// unfinished month (one that failed) left.
    fn row(&mut self, m: u32, e: Entity) -> &mut Figures {
        if m != self.month {
            self.clear();
            self.month = m;
        }
        if let Entity::Deal { index, twin } = e
            && index < self.names.len()
        {
            let slot = 2 * index + usize::from(twin);
            let row = &mut self.deal_rows[slot];
            if row.is_none() {
                self.touched.push(slot);
            }
            return row.get_or_insert_with(Figures::default);
        }
        self.other.entry(e).or_default()
    }

    fn clear(&mut self) {
        for slot in self.touched.drain(..) {
            self.deal_rows[slot] = None;
        }
        self.other.clear();
        self.organic = (0.0, 0.0);
    }

    /// The row name of an entity.
    pub fn name(&self, e: Entity) -> String {
        let suffix = |twin: bool| if twin { " (organic)" } else { "" };
        match e {
            Entity::Deal { index, twin } => format!(
                "{}{}",
                self.names.get(index).map_or("?", String::as_str),
                suffix(twin)
            ),
            Entity::Recurring { month, twin } => format!("recurring {month:03}{}", suffix(twin)),
            Entity::Chain => "chain organic".to_string(),
        }
    }

    /// Each deal's results, in scenario order, over the months that ended.
    pub fn totals(&self) -> &[DealTotals] {
        &self.totals
    }

    /// The bytes of `deals.csv` so far, when it is kept in memory
    /// ([`DealLog::new`]); `None` when it is streamed to a file.
    pub fn csv(&self) -> Option<&[u8]> {
        match &self.sink {
            // Flushed at every month's end, so the Vec holds every row.
            Sink::Memory(w) => Some(w.get_ref().as_slice()),
            Sink::File { .. } => None,
        }
    }

    /// Writes `deals.csv` to `path` whole: the bytes kept in memory through
    /// a temporary file, or the streamed temporary file (which must be
    /// beside `path`) synced and renamed into place.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        match self.staged()? {
            Staged::Bytes(bytes) => write_atomic(path, bytes),
            Staged::Temporary(tmp) => {
                atomic::place(&tmp, path)?;
                self.set_placed();
                Ok(())
            }
        }
    }

    /// What there is to place: the bytes kept in memory, or the streamed
    /// temporary, synced, with the first error that spoiled it if one did.
    pub(crate) fn staged(&self) -> io::Result<Staged<'_>> {
        match &self.sink {
            Sink::Memory(w) => Ok(Staged::Bytes(w.get_ref())),
            Sink::File { w, tmp, error, .. } => {
                if let Some(e) = error {
                    return Err(io::Error::new(e.kind(), e.to_string()));
                }
                let Some(w) = w else {
                    return Err(io::Error::other("deals.csv was not written"));
                };
                w.get_ref().get_ref().sync_all()?;
                Ok(Staged::Temporary(tmp.clone()))
            }
        }
    }

    /// Records that the streamed temporary was renamed into place.
    pub(crate) fn set_placed(&self) {
        if let Sink::File { placed, .. } = &self.sink {
            placed.set(true);
        }
    }

    /// Writes the rows of month `m` (with the chain's organic TVL, the part
    /// of `tvl_organic` that no contribution holds) and adds them to the
    /// totals.
    fn end_month(&mut self, r: &MonthRecord) {
        let m = r.month;
        if m != self.month {
            // Nothing touched this month.
            self.clear();
            self.month = m;
        }
        let k = TvlKind::Organic.index();
        if r.chain_tvl.is_some() {
            let chain = Figures {
                tvl_kind: Some(TvlKind::Organic),
                tvl: r.tvl[k] - self.organic.0,
                revenue: r.revenue[k] - self.organic.1,
                ..Default::default()
            };
            if chain.tvl != 0.0 || chain.revenue != 0.0 {
                self.other.insert(Entity::Chain, chain);
            }
        }
        // Rows in the order of Entity: deals by index, twin after the deal,
        // then recurring contracts, then the chain.
        self.touched.sort_unstable();
        let mut touched = std::mem::take(&mut self.touched);
        let mut result = Ok(());
        for &slot in &touched {
            let Some(f) = self.deal_rows[slot].take() else {
                continue;
            };
            let e = Entity::Deal {
                index: slot / 2,
                twin: slot % 2 == 1,
            };
            let t = &mut self.totals[slot / 2];
            t.revenue += f.revenue;
            if f.oak_distributed > 0.0 {
                t.distributed_in = Some(m);
            }
            if f.oak_redeemed > 0.0 {
                t.redeemed_from.get_or_insert(m);
                t.redeemed_in = Some(m);
            }
            t.oak_redeemed += f.oak_redeemed;
            t.payout_usdc += f.payout_usdc;
            t.payout_leaf += f.payout_leaf;
            // A holder's row is written every month it holds or redeems,
            // so the last row written has what it holds at the end.
            if slot % 2 == 0 {
                t.oak_held = f.oak_held;
                t.oak_queued = f.oak_queued;
            }
            if result.is_ok() {
                result = self.write_row(m, e, &f);
            }
        }
        touched.clear();
        self.touched = touched;
        let other = std::mem::take(&mut self.other);
        for (e, f) in &other {
            if result.is_ok() {
                result = self.write_row(m, *e, f);
            }
        }
        self.organic = (0.0, 0.0);
        if result.is_ok() {
            result = self.flush();
        }
        if let (Err(e), Sink::File { w, error, .. }) = (result, &mut self.sink) {
            *w = None;
            error.get_or_insert(e);
        }
    }

    /// Writes one row field by field, without a String per field: a
    /// long run writes tens of millions of rows.
    fn write_row(&mut self, m: u32, e: Entity, f: &Figures) -> io::Result<()> {
        let DealLog {
            names,
            number,
            sink,
            rate_limited,
            ..
        } = self;
        let w: &mut dyn FieldWriter = match sink {
            Sink::Memory(w) => w,
            Sink::File { w: Some(w), .. } => w,
            Sink::File { w: None, .. } => return Ok(()),
        };
        number.clear();
        let _ = write!(number, "{m}");
        w.field(number.as_bytes())?;
        let name_of_deal = |index: usize| names.get(index).map_or("?", String::as_str);
        match e {
            Entity::Deal { index, twin } => {
                let id = name_of_deal(index);
                if twin {
                    number.clear();
                    let _ = write!(number, "{id} (organic)");
                    w.field(number.as_bytes())?;
                    w.field(b"deal organic")?;
                } else {
                    w.field(id.as_bytes())?;
                    w.field(b"deal")?;
                }
                w.field(id.as_bytes())?;
            }
            Entity::Recurring { month, twin } => {
                number.clear();
                let _ = write!(
                    number,
                    "recurring {month:03}{}",
                    if twin { " (organic)" } else { "" }
                );
                w.field(number.as_bytes())?;
                w.field(if twin {
                    b"recurring organic".as_slice()
                } else {
                    b"recurring".as_slice()
                })?;
                w.field(b"")?;
            }
            Entity::Chain => {
                w.field(b"chain organic")?;
                w.field(b"chain")?;
                w.field(b"")?;
            }
        }
        w.field(f.tvl_kind.map_or("", |k| k.name()).as_bytes())?;
        for x in [
            f.tvl,
            f.revenue,
            f.pair_leaf,
            f.pair_usdc,
            f.oak_distributed,
            f.oak_held,
            f.oak_redeemed,
            f.payout_usdc,
            f.payout_leaf,
        ] {
            // Most figures of most rows are zero: skip formatting them.
            if x.to_bits() == 0 {
                w.field(b"0.0")?;
                continue;
            }
            number.clear();
            // As metrics::cell writes it: the shortest form that reads back.
            let _ = write!(number, "{x:?}");
            w.field(number.as_bytes())?;
        }
        if *rate_limited {
            number.clear();
            let _ = write!(number, "{:?}", f.oak_queued);
            w.field(number.as_bytes())?;
        } else {
            w.field(b"")?;
        }
        w.end_record()
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Memory(w) => w.flush(),
            Sink::File { w: Some(w), .. } => w.flush(),
            Sink::File { w: None, .. } => Ok(()),
        }
    }
}

impl Drop for DealLog {
    fn drop(&mut self) {
        // A streamed file never renamed into place must not be left behind.
        if let Sink::File { w, tmp, placed, .. } = &mut self.sink
            && !placed.get()
        {
            drop(w.take());
            atomic::discard(tmp);
        }
    }
}

impl Observer for DealLog {
    fn wants_contributions(&self) -> bool {
        true
    }

    fn event(&mut self, m: u32, event: &Event) {
        match *event {
            Event::OakDistributed { deal, amount } => {
                self.row(
                    m,
                    Entity::Deal {
                        index: deal,
                        twin: false,
                    },
                )
                .oak_distributed += amount;
            }
            Event::Redemption {
                deal,
                amount,
                usdc,
                leaf,
                ..
            } => {
                let f = self.row(
                    m,
                    Entity::Deal {
                        index: deal,
                        twin: false,
                    },
                );
                f.oak_redeemed += amount;
                f.payout_usdc += usdc;
                f.payout_leaf += leaf;
            }
            _ => {}
        }
    }

    fn contribution(&mut self, m: u32, c: &Contribution, amount: f64, revenue: f64) {
        let e = match c.source {
            Source::Deal(index) => Entity::Deal {
                index,
                twin: c.twin,
            },
            Source::Recurring(month) => Entity::Recurring {
                month,
                twin: c.twin,
            },
        };
        let f = self.row(m, e);
        f.tvl_kind = Some(c.kind);
        f.tvl += amount;
        f.revenue += revenue;
        if c.kind == TvlKind::Organic {
            self.organic.0 += amount;
            self.organic.1 += revenue;
        }
    }

    fn month_end(&mut self, record: &MonthRecord, state: &State<'_>) -> ControlFlow<()> {
        let m = state.current_month();
        for p in state.pairs().pairs().iter().filter(|p| p.active(m)) {
            let f = self.row(
                m,
                Entity::Deal {
                    index: p.deal,
                    twin: false,
                },
            );
            f.pair = true;
            f.pair_leaf += p.leaf;
            f.pair_usdc += p.usdc;
        }
        for h in state.oak().holders() {
            if h.distributed() && !h.redeemed {
                self.row(
                    m,
                    Entity::Deal {
                        index: h.deal,
                        twin: false,
                    },
                )
                .oak_held += h.held;
            }
        }
        for r in state.oak().queue().iter() {
            self.row(
                m,
                Entity::Deal {
                    index: r.deal,
                    twin: false,
                },
            )
            .oak_queued += r.amount;
        }
        self.end_month(record);
        ControlFlow::Continue(())
    }
}
