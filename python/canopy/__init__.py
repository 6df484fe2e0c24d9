"""canopy: the DeFi token ecosystem simulator, from Python.

The same engine as the ``canopy`` command line (the same numbers, to the
bit), with results as ``pyarrow`` tables that pandas, polars and DuckDB
read without copies. See PYTHON.md for the contract.

    >>> import canopy
    >>> run = canopy.run("default", set={"aegis.initial_usdc": 5e7}, months=36)
    >>> run.metrics.num_rows
    36
"""

from __future__ import annotations

import io
import math
import numbers
import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import pyarrow as pa

from . import _canopy
from ._errors import RunError, ScenarioError

__all__ = [
    "Comparison",
    "RunError",
    "Run",
    "Scenario",
    "ScenarioError",
    "Seek",
    "Sweep",
    "builtin_scenarios",
    "compare",
    "explain",
    "load",
    "loads",
    "run",
    "seek",
    "sweep",
]

__version__: str = _canopy.__version__

PathLike = Union[str, "os.PathLike[str]"]


def builtin_scenarios() -> List[str]:
    """The names of the built-in scenarios (``canopy scenarios``)."""
    return list(_canopy.builtin_scenarios())


def _plain(value: Any) -> Any:
    """A numpy scalar or array (or anything with ``tolist``) as the Python
    value it holds; anything else as it is. numpy need not be installed."""
    if isinstance(value, (bool, int, float, str, list, tuple, Mapping)):
        return value
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    return value


def _value_text(value: Any, where: str = "a value to set") -> str:
    """A value as ``--set KEY=VALUE`` writes it: a ``str`` as a TOML string
    (Python knows it is one), a dict as an inline table. ``where`` names
    it in messages (``set["aegis.initial_usdc"]``)."""
    return _toml_value(value, where)


def _type_error(where: str, value: Any, allowed: str) -> TypeError:
    shown = "None" if value is None else type(value).__name__
    return TypeError(f"{where} is {shown}: {allowed}")


_VALUES = "a value must be a number, a string, a boolean, a list or a dict"


def _toml_string(text: str) -> str:
    """``text`` as a TOML basic string: quotes, backslashes and control
    characters escaped."""
    out = ['"']
    for c in text:
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c == "\r":
            out.append("\\r")
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def _float_text(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    # repr gives the shortest text that reads back as the same float.
    return repr(x)


def _sets(set: Optional[Mapping[str, Any]], name: str = "set") -> List[str]:
    """Overrides as ``--set`` texts; ``name`` is the argument that gave them."""
    if set is None:
        return []
    if not isinstance(set, Mapping):
        raise _type_error(name, set, "it takes a dict of dotted keys to values, e.g. {'aegis.initial_usdc': 5e7}")
    out = []
    for key, value in set.items():
        if not isinstance(key, str):
            raise _type_error(f"a key of {name} ({key!r})", key, "keys are dotted key paths (str)")
        out.append(f"{key}={_value_text(value, f'{name}[{key!r}]')}")
    return out


def _texts(name: str, value: Any, what: str) -> Optional[List[str]]:
    """A list (or tuple) of str, refused naming the argument when it is
    anything else (a bare str too: it would be read letter by letter)."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        shown = "None" if value is None else type(value).__name__
        raise TypeError(f"{name} is {shown}: it takes a list of {what}, e.g. {name}=[...]")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise _type_error(f"{name}[{i}]", item, f"it takes {what} (str)")
        out.append(item)
    return out


def _criteria(criteria: Any) -> List[str]:
    """``criteria=``: criterion texts (``"usdc_floor: aegis_usdc < 1e7"``)."""
    return _texts("criteria", criteria, 'criterion texts such as "usdc_floor: aegis_usdc < 1e7"') or []


def _flag(name: str, value: Any) -> bool:
    """A True/False argument, refused (naming it) when it is anything else."""
    if isinstance(value, bool):
        return value
    tobool = getattr(value, "item", None)
    if type(value).__name__ == "bool_" and callable(tobool):
        return bool(tobool())
    raise _type_error(name, value, "it takes True or False")


def _path(name: str, value: Any, what: str = "a path (str or os.PathLike)") -> str:
    """A path argument as text, naming the argument when it is not one;
    bytes are a file name as ``open`` takes them."""
    if isinstance(value, (str, bytes)) or hasattr(value, "__fspath__"):
        path = os.fspath(value)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{name}: {path!r} is not a UTF-8 path") from None
        return path
    raise _type_error(name, value, f"it takes {what}")


def _text(name: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        raise TypeError(f"{name} is bytes: it takes a str (decode it first: {name}.decode())")
    raise _type_error(name, value, "it takes a str")


def _whole(name: str, value: Any, low: int, high: int, what: str) -> Optional[int]:
    """``value`` as a whole number within ``low..=high``, or a ValueError
    naming the argument (``what``: its limits)."""
    if value is None:
        return None
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= int(value) <= high:
        raise ValueError(f"{name} must be a whole number {what}, not {value!r}")
    return int(value)


_I64 = (-(2**63), 2**63 - 1)


def _months(months: Optional[int]) -> Optional[str]:
    # Its limits are the scenario's own (a ScenarioError, as --months gives).
    n = _whole("months", months, *_I64, "of months")
    return None if n is None else str(n)


def _html_table(rows: Sequence[Tuple[str, Any]], title: str) -> str:
    """Rows of (name, value) as a small HTML table for a notebook."""
    import html

    cells = "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
        f"<td style='text-align:left'>{html.escape(_shown(v))}</td></tr>"
        for k, v in rows
    )
    return f"<div><b>{html.escape(title)}</b><table>{cells}</table></div>"


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


class Scenario:
    """A scenario, read and checked: ready to run. Immutable: ``with_`` and
    ``load(scenario, set=...)`` give changed copies."""

    __slots__ = ("_native",)

    def __init__(self, native: Any) -> None:
        self._native = native

    @property
    def name(self) -> str:
        """The name it was loaded by (a built-in name or a path)."""
        return self._native.name

    @property
    def months(self) -> int:
        """The number of months it runs."""
        return self._native.months

    def to_toml(self) -> str:
        """The full scenario as TOML, every default filled in (``canopy show``)."""
        return self._native.to_toml()

    def get(self, key: str) -> Any:
        """The value at a dotted key, e.g. ``deal[13].leaf_pair.amount``.

        Raises ``KeyError`` for a key the scenario does not have.
        """
        return self._native.get(_text("key", key))

    def keys(self) -> List[str]:
        """Every dotted key the scenario has (``get`` and ``with_`` take
        them): the scenario's, then each deal's as ``deal[i].key``."""
        return self._native.keys()

    @property
    def deals(self) -> List[Dict[str, Any]]:
        """The deals, each a dict of its keys (its parts as dicts)."""
        return self._native.deals()

    def to_dict(self) -> Dict[str, Any]:
        """The scenario as nested dicts, as its TOML reads (``to_toml``):
        a table a dict, the deals a list of dicts under ``"deal"``."""
        return self._native.to_dict()

    def with_(self, changes: Optional[Mapping[str, Any]] = None, /, **keys: Any) -> "Scenario":
        """A copy with values changed by dotted key, typed: no TOML is read,
        so a loop over a parameter costs microseconds a step.

        ``changes`` maps dotted keys to values (``{"aegis.initial_usdc":
        5e7, "deal[13].leaf_pair.amount": 2e6}``); keyword arguments may
        give them too, ``__`` for a dot (``aegis__initial_usdc=5e7``). Each
        value is checked as ``set=`` checks it, then the whole scenario;
        every problem is raised together as ``ScenarioError``. Unlike
        ``set=``, which reads the source again, a key whose default follows
        another (``deal[i].oak.irr_threshold_end``) keeps its value; a deal's
        derived id follows its start month still.
        """
        given: Dict[str, Any] = {}
        if changes is not None:
            if not isinstance(changes, Mapping):
                raise _type_error("changes", changes, "with_ takes a dict of dotted keys to values")
            given.update(changes)
        for key, value in keys.items():
            given[key.replace("__", ".")] = value
        return Scenario(self._native.with_(given))

    def __reduce__(self) -> Any:
        # Its source and overrides (for later set=) and its full TOML (its values exactly).
        return (_restore_scenario, (self.name, *self._native.source()))

    def __copy__(self) -> "Scenario":
        return self

    def __deepcopy__(self, memo: Any) -> "Scenario":
        # Immutable: a copy would be the same in every way.
        return self

    def __repr__(self) -> str:
        n = self._native
        return f"<canopy.Scenario {self.name!r}: {n.months} months, {n.deal_count} deals, seed {self.get('simulation.seed')}>"

    def _repr_html_(self) -> str:
        rows = [(k, self.get(k)) for k in self.keys() if not k.startswith("deal[")]
        rows.append(("deals", self._native.deal_count))
        return _html_table(rows, f"canopy.Scenario {self.name}")


def _restore_scenario(name: str, text: str, months: Optional[str], set: List[str], full: str) -> Scenario:
    """A pickled scenario back: its values from its full TOML."""
    return Scenario(_canopy.restore(name, text, months, set, full))


def load(
    scenario: Union[PathLike, Scenario],
    *,
    set: Optional[Mapping[str, Any]] = None,
    months: Optional[int] = None,
) -> Scenario:
    """Loads a built-in scenario by name, or a scenario file by path.

    ``set`` maps dotted keys to values, applied like ``--set``; ``months``
    overrides ``simulation.months`` like ``--months``. Bad input raises
    ``ScenarioError`` with every problem the command line would print.
    """
    return Scenario(_native_scenario(scenario, set, months, always=True))


def loads(
    text: str,
    *,
    set: Optional[Mapping[str, Any]] = None,
    months: Optional[int] = None,
    name: str = "<string>",
) -> Scenario:
    """Loads a scenario from TOML text (``name`` names it in messages)."""
    return Scenario(_canopy.loads(_text("text", text), _text("name", name), _months(months), _sets(set)))


def _csv_table(data: bytes, file: str) -> pa.Table:
    """A CSV file the engine wrote (``file``: its name), as a table typed by
    the columns the engine declares for it (empty cells null)."""
    import pyarrow.csv as pacsv

    return pacsv.read_csv(
        io.BytesIO(data),
        convert_options=pacsv.ConvertOptions(column_types=_canopy.csv_schema(file), strings_can_be_null=False),
    )


class Run:
    """A finished run. Its tables are worked out when first read."""

    def __init__(self, native: Any) -> None:
        self._native = native
        self._cache: Dict[str, Any] = {}

    def _cached(self, key: str, make: Any) -> Any:
        value = self._cache.get(key)
        if value is None:
            value = self._cache[key] = make()
        return value

    @property
    def metrics(self) -> pa.Table:
        """``metrics.csv`` as a table: its columns in its order; ``month``,
        ``pairs_active`` and ``active_deals`` uint32, the rest float64; null
        where a value is undefined."""
        return self._cached("metrics", self._native.metrics)

    @property
    def deals(self) -> pa.Table:
        """``deals.csv`` as a table (``month`` uint32, names strings, figures float64)."""
        return self._cached("deals", lambda: _csv_table(self._native.deals_csv(), "deals.csv"))

    @property
    def scorecard(self) -> pa.Table:
        """``scorecard.csv`` as a table: worked out when first read (a run per deal)."""
        return self._cached(
            "scorecard",
            lambda: _csv_table(self._native.scorecard_csv(), "scorecard.csv"),
        )

    @property
    def events(self) -> List[Dict[str, Any]]:
        """The run's events, in order: dicts with ``month``, ``kind`` and the
        event's figures (deals by index, ``deal``, and id, ``deal_id``)."""
        return self._cached("events", self._native.events)

    @property
    def events_table(self) -> pa.Table:
        """The events as one table, a row an event: ``month`` (uint32),
        ``kind``, then every field any event has, in the order first met;
        null where an event has no such field."""
        return self._cached("events_table", lambda: _events_table(self.events))

    @property
    def summary(self) -> Dict[str, Any]:
        """The final summary's figures: the last month's TVL, revenue,
        AEGIS and OAK figures, and the last defined IRR with its month."""
        return self._cached("summary", self._native.summary)

    @property
    def scenario(self) -> Scenario:
        """The scenario it ran."""
        return Scenario(self._native.scenario())

    @property
    def value_changes(self) -> pa.Table:
        """What moved AEGIS's value each month: ``month``,
        ``aegis_value_change`` and its parts ``aegis_from_revenue``,
        ``aegis_from_pairs``, ``aegis_from_oak``, ``aegis_from_price`` and
        ``aegis_from_other``, which add up to it (columns of ``metrics``)."""
        return self.metrics.select(list(_VALUE_CHANGE_COLUMNS))

    def chart_svg(self, name: str = "aegis_value_change") -> str:
        """The SVG of the run report's chart ``name`` (a chart's file stem,
        as ``canopy run`` writes ``NAME.svg``); by default "What moved
        AEGIS's value". Raises ``ValueError`` for an unknown name."""
        return self._native.chart_svg(_text("name", name))

    def to_pandas(self) -> Any:
        """The metrics as a pandas DataFrame (pandas must be installed)."""
        return self.metrics.to_pandas()

    def to_polars(self) -> Any:
        """The metrics as a polars DataFrame (polars must be installed)."""
        import polars

        return polars.from_arrow(self.metrics)

    def write(self, out: PathLike, *, charts: bool = True, scorecard: bool = True) -> None:
        """Writes the files ``canopy run --out out`` writes (without
        ``charts`` no charts or report, without ``scorecard`` no scorecard.csv)."""
        self._native.write(_folder(out), _flag("charts", charts), _flag("scorecard", scorecard))

    def __reduce__(self) -> Any:
        # The scenario: unpickling runs it again, and the engine gives the
        # same months to the bit (a pickle of a few kB, not its tables).
        return (run, (self.scenario,))

    def __copy__(self) -> "Run":
        return self

    def __deepcopy__(self, memo: Any) -> "Run":
        # Immutable: its tables are pyarrow's, which never change.
        return self

    def __repr__(self) -> str:
        s = self.summary
        irr = s.get("last_irr")
        shown = "none" if irr is None else f"{irr:.4g} (month {s.get('last_irr_month')})"
        return (
            f"<canopy.Run {s.get('scenario', '')!r}: {s.get('month')} months, "
            f"tvl_total {_shown(s.get('tvl_total'))}, leaf_price {_shown(s.get('leaf_price'))}, last IRR {shown}>"
        )

    def _repr_html_(self) -> str:
        rows = [(k, v) for k, v in self.summary.items() if k != "scenario"]
        return _html_table(rows, f"canopy.Run {self.summary.get('scenario', '')}: the final summary")


def _events_table(events: List[Dict[str, Any]]) -> pa.Table:
    names: Dict[str, None] = {"month": None, "kind": None}
    for e in events:
        for k in e:
            names.setdefault(k, None)
    table = pa.table({k: [e.get(k) for e in events] for k in names})
    return table.set_column(0, "month", table.column("month").cast(pa.uint32()))


def _folder(out: PathLike) -> str:
    """A folder to write to, refused where the command line refuses it
    (``--out ""``): an empty path would write into the current folder."""
    path = _path("out", out, "a folder's path (str or os.PathLike)")
    if path == "":
        raise ValueError("out: a folder is needed; `.` is the current folder")
    return path


def _sweep_numbers(runs: Any, seed: Any, jobs: Any) -> Tuple[Optional[int], Optional[int], Optional[int]]:
    """``runs``, ``seed`` and ``jobs`` checked as ``--runs``, ``--seed`` and
    ``--jobs`` are: whole numbers (not booleans), ``jobs`` from 1 to 65535.
    The sweep reader checks runs and seed against its own limits (a
    ``ScenarioError``, as on the command line); a number past any of them
    is refused here, naming the argument."""
    runs = _whole("runs", runs, *_I64, "of runs per point, from 1 to 1000000000")
    seed = _whole("seed", seed, *_I64, f"from 0 to {2**63 - 1}")
    jobs = _whole("jobs", jobs, 1, 65535, "of threads from 1 to 65535, or None for every core")
    return runs, seed, jobs


def _native_scenario(scenario: Union[PathLike, Scenario], set: Any, months: Any, always: bool = False) -> Any:
    if isinstance(scenario, Scenario):
        if set is None and months is None and not always:
            return scenario._native
        return _canopy.reload(scenario._native, _months(months), _sets(set))
    name = _path("scenario", scenario, "a built-in scenario's name, a path or a canopy.Scenario")
    return _canopy.load(name, _months(months), _sets(set))


_VALUE_CHANGE_COLUMNS = (
    "month",
    "aegis_value_change",
    "aegis_from_revenue",
    "aegis_from_pairs",
    "aegis_from_oak",
    "aegis_from_price",
    "aegis_from_other",
)


def explain(name: str) -> str:
    """What ``canopy explain NAME`` prints: the doc, type, unit, default and
    allowed range of a scenario key (``"deal[3].oak.amount"`` too), a
    metrics.csv column, a chart, a critical event, a sweep file key or a
    file, and the rule of the model that governs it.

    An unknown name raises ``ValueError``, with "did you mean" for a near
    miss."""
    # As the command line prints it, less its last line break.
    return _canopy.explain(_text("name", name)).rstrip("\n")


def run(
    scenario: Union[PathLike, Scenario] = "default",
    *,
    set: Optional[Mapping[str, Any]] = None,
    months: Optional[int] = None,
) -> Run:
    """Runs a scenario (a built-in name, a path, or a ``Scenario``).

    The GIL is released while it runs. A numeric failure raises
    ``RunError``; bad input raises ``ScenarioError``.
    """
    return Run(_canopy.run(_native_scenario(scenario, set, months)))


def _toml_key(key: Any, where: str) -> str:
    if not isinstance(key, str):
        raise _type_error(f"a key of {where} ({key!r})", key, "keys are str")
    return _toml_string(key)


def _toml_value(value: Any, where: str) -> str:
    """``value`` as TOML text; ``where`` names it (its dict path) when it
    is of no type TOML has."""
    value = _plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return _float_text(float(value))
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, Mapping):
        items = (f"{_toml_key(k, where)} = {_toml_value(v, f'{where}[{k!r}]')}" for k, v in value.items())
        return "{ " + ", ".join(items) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v, f"{where}[{i}]") for i, v in enumerate(value)) + "]"
    raise _type_error(where, value, _VALUES)


def _sweep_toml(sweep: Mapping[str, Any], root: str = "sweep") -> Tuple[str, List[str]]:
    """A sweep (or seek, ``root``) given as a dict, as the text of its file,
    with the dict path each of its lines was made from
    (``sweep["axis"][0]["values"]``): problems are reported there, not at
    lines the user never saw."""
    top: List[Tuple[str, str]] = []
    tables: List[Tuple[str, str]] = []

    def entries(table: Mapping[str, Any], where: str) -> None:
        for k, v in table.items():
            at = f"{where}[{k!r}]"
            tables.append((f"{_toml_key(k, where)} = {_toml_value(v, at)}", at))

    for key, value in sweep.items():
        at = f"{root}[{key!r}]"
        if isinstance(value, Mapping):
            tables.append((f"[{_toml_key(key, root)}]", at))
            entries(value, at)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Mapping) for v in value):
            for i, item in enumerate(value):
                tables.append((f"[[{_toml_key(key, root)}]]", f"{at}[{i}]"))
                entries(item, f"{at}[{i}]")
        else:
            top.append((f"{_toml_key(key, root)} = {_toml_value(value, at)}", at))
    lines = top + tables
    return "\n".join(t for t, _ in lines) + "\n", [w for _, w in lines]


def _sweep_source(
    sweep: Union[PathLike, Mapping[str, Any]], what: str = "sweep"
) -> Tuple[str, str, str, Optional[List[str]]]:
    """A sweep's (or seek's, ``what``) text, its name in messages, the
    folder its scenario files are relative to, and (a dict's) the dict path
    of each line."""
    if isinstance(sweep, Mapping):
        text, lines = _sweep_toml(sweep, what)
        return text, "<dict>", os.getcwd(), lines
    path = _path(what, sweep, f"a {what} file's path or a dict")
    return _canopy.read_text(path, what), path, os.path.dirname(path), None


def _criterion_names(runs: pa.Schema) -> List[str]:
    """The criteria a sweep counted: the bool columns of ``runs.parquet``
    that have a ``<name>_month`` column beside them."""
    names = set(runs.names)
    return [f.name for f in runs if pa.types.is_boolean(f.type) and f"{f.name}_month" in names]


def _points_table(path: Path, runs: Optional[pa.Schema] = None) -> pa.Table:
    """``points.csv`` as a table: ``point`` uint32, the axes as
    ``runs.parquet`` holds them (``runs``: its schema, read from the folder
    when not given), ``runs`` and ``failed`` uint64, each criterion's
    ``<name>_n`` and ``<name>_k`` uint64, the other figures float64 (a
    probability, its interval, a median month, an expected shortfall).
    Nothing is guessed: an axis value such as "001" stays a string."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    path = Path(path)
    with open(path, "rb") as f:
        header = f.readline().decode().rstrip("\r\n").split(",")
    if runs is None:
        runs_file = path.parent / "runs.parquet"
        runs = pq.read_schema(str(runs_file)) if runs_file.exists() else pa.schema([])
    # point, the axes, runs, failed, then the figures.
    types: Dict[str, Any] = {"point": pa.uint32(), "runs": pa.uint64(), "failed": pa.uint64()}
    end = header.index("runs") if "runs" in header else len(header)
    for name in header[1:end]:
        types[name] = runs.field(name).type if name in runs.names else pa.string()
    counts = {f"{c}_{s}" for c in _criterion_names(runs) for s in ("n", "k")}
    if "failed" in header:
        for name in header[header.index("failed") + 1 :]:
            types[name] = pa.uint64() if name in counts else pa.float64()
    return pacsv.read_csv(
        str(path), convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False)
    )


def _sensitivity_table(path: Path) -> pa.Table:
    """``sensitivity.csv`` or ``sensitivity_s2.csv`` as a table: ``metric``
    and the factors strings, ``month`` uint32 (null for the last month of
    the main metrics), the indices float64 (null where a row had no value)."""
    import pyarrow.csv as pacsv

    with open(path, "rb") as f:
        header = f.readline().decode().rstrip("\r\n").split(",")
    text = ("metric", "factor", "factor_1", "factor_2")
    types: Dict[str, Any] = {
        n: pa.string() if n in text else pa.uint32() if n == "month" else pa.float64() for n in header
    }
    return pacsv.read_csv(
        str(path), convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False)
    )


class Sweep:
    """A finished sweep: its tables as SWEEP.md lays them out. ``months``
    and ``bands`` are read from its folder when first asked for: a sweep of
    many runs holds no months table until then."""

    runs: pa.Table
    points: pa.Table
    failures: pa.Table

    def __init__(self, native: Any, keep: Any = None) -> None:
        import pyarrow.csv as pacsv

        self._native = native
        # A temporary folder that must live as long as the sweep.
        self._keep = keep
        self._lazy: Dict[str, Optional[pa.Table]] = {}
        folder = Path(native.path)
        runs = self._parquet("runs.parquet")
        assert runs is not None
        self.runs = runs
        self.points = _points_table(folder / "points.csv", runs.schema)
        self.failures = pacsv.read_csv(
            str(folder / "failures.csv"),
            convert_options=pacsv.ConvertOptions(
                column_types={
                    "point": pa.uint32(),
                    "run": pa.uint32(),
                    "seed": pa.uint64(),
                    "month": pa.uint32(),
                    "quantity": pa.string(),
                    "message": pa.string(),
                },
                strings_can_be_null=False,
            ),
        )
        # Whether the sweep kept months (and so bands), and whether it is a
        # sensitivity sweep, known without reading them.
        self._has = {
            name: (folder / name).exists()
            for name in ("months.parquet", "bands.parquet", "sensitivity.csv", "sensitivity_s2.csv")
        }

    def _parquet(self, name: str) -> Optional[pa.Table]:
        import pyarrow.parquet as pq

        path = Path(self._native.path) / name
        if not path.exists():
            if not (Path(self._native.path) / "sweep.toml").exists():
                raise FileNotFoundError(
                    f"the sweep's files are gone from {self._native.path} (the folder was removed "
                    "after the sweep); run the sweep again, or give it out= to keep its files"
                )
            return None
        return pq.read_table(str(path))

    def _table(self, name: str) -> Optional[pa.Table]:
        if name not in self._lazy:
            if not self._has[name]:
                self._lazy[name] = None
            elif name.endswith(".csv"):
                self._lazy[name] = _sensitivity_table(Path(self._native.path) / name)
            else:
                self._lazy[name] = self._parquet(name)
        return self._lazy[name]

    @property
    def months(self) -> Optional[pa.Table]:
        """``months.parquet``: every kept metric of every run's months (None
        when the sweep kept none). Read from the folder when first asked for."""
        return self._table("months.parquet")

    @property
    def bands(self) -> Optional[pa.Table]:
        """``bands.parquet``: each point's quantile bands by month (None when
        the sweep kept no months, or for a sensitivity sweep, whose rows are
        a design's points). Read when first asked for."""
        return self._table("bands.parquet")

    @property
    def sensitivity(self) -> Optional[pa.Table]:
        """``sensitivity.csv`` of a ``mode = "sobol"`` or ``"morris"`` sweep
        (None for another mode): per metric, month (null for the main
        metrics' last month) and factor, Sobol's ``S1``, ``S1_lo``,
        ``S1_hi``, ``ST``, ``ST_lo``, ``ST_hi``, or Morris's ``mu``,
        ``mu_star``, ``sigma``, ``mu_star_lo``, ``mu_star_hi``."""
        return self._table("sensitivity.csv")

    @property
    def sensitivity_s2(self) -> Optional[pa.Table]:
        """``sensitivity_s2.csv`` of a Sobol sweep with ``second_order``
        (None otherwise): per metric, month and pair of factors (``factor_1``,
        ``factor_2``), ``S2``, ``S2_lo`` and ``S2_hi``."""
        return self._table("sensitivity_s2.csv")

    @property
    def path(self) -> str:
        """The folder that holds its files (a temporary one unless ``out=``)."""
        return str(self._native.path)

    def _named(self, table: str) -> pa.Table:
        tables = ("runs", "points", "months", "bands", "failures", "sensitivity", "sensitivity_s2")
        if table not in tables:
            raise ValueError(f"table must be one of {', '.join(tables)}, not {table!r}")
        found = getattr(self, table)
        if found is None and table.startswith("sensitivity"):
            raise ValueError(f"the sweep has no {table}: only a sweep of mode \"sobol\" or \"morris\" has")
        if found is None:
            raise ValueError(f"the sweep kept no {table} (its [sweep] keep is empty)")
        return found

    def to_pandas(self, table: str = "runs") -> Any:
        """One of its tables (``runs``, ``points``, ``months``, ``bands``,
        ``failures``, ``sensitivity``, ``sensitivity_s2``) as a pandas
        DataFrame (pandas must be installed)."""
        return self._named(table).to_pandas()

    def to_polars(self, table: str = "runs") -> Any:
        """One of its tables as a polars DataFrame (polars must be installed)."""
        import polars

        return polars.from_arrow(self._named(table))

    def write(self, out: PathLike, *, report: bool = True) -> None:
        """Writes the files ``canopy sweep --out out`` writes (the report and
        its charts unless ``report`` is false)."""
        self._native.write(_folder(out), _flag("report", report))

    def __reduce__(self) -> Any:
        # Its files, bytes and all: unpickled into a temporary folder of its own.
        return (_restore_sweep, self._native.state())

    def __repr__(self) -> str:
        failed = self.failures.num_rows
        return (
            f"<canopy.Sweep: {self.points.num_rows} points, {self.runs.num_rows} runs, "
            f"{failed} failed, {len(self.runs.column_names)} columns in runs>"
        )

    def _repr_html_(self) -> str:
        import html

        shown = self.points.slice(0, 20)
        head = "".join(f"<th>{html.escape(n)}</th>" for n in shown.column_names)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_shown(v))}</td>" for v in row.values()) + "</tr>"
            for row in shown.to_pylist()
        )
        more = "" if self.points.num_rows <= 20 else f"<p>... {self.points.num_rows - 20} more points</p>"
        title = html.escape(repr(self))
        return f"<div><b>{title}</b><table><tr>{head}</tr>{body}</table>{more}</div>"


def _restore_sweep(files: List[Tuple[str, bytes]], months: List[int]) -> Sweep:
    """A pickled sweep back, in a temporary folder of its own."""
    return Sweep(_canopy.restore_sweep(files, months))


def sweep(
    sweep: Union[PathLike, Mapping[str, Any]],
    *,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    set: Optional[Mapping[str, Any]] = None,
    criteria: Optional[Sequence[str]] = None,
    jobs: Optional[int] = None,
    progress: bool = False,
    out: Optional[PathLike] = None,
    report: bool = True,
    fail_fast: bool = False,
) -> Sweep:
    """Runs a sweep: a sweep file's path, or the same as a dict
    (``{"sweep": {...}, "set": {...}, "axis": [...], "sample": [...],
    "criterion": [...]}``; a sensitivity sweep has ``"mode": "sobol"`` or
    ``"morris"`` and ``"factor": [{"key": ..., "range": [low, high]}, ...]``,
    and its result has ``.sensitivity``).

    ``runs``, ``seed`` and ``set`` override the file like ``--runs``,
    ``--seed`` and ``--set``; ``criteria`` adds criteria after the file's,
    as texts like ``--criterion`` (``"usdc_floor: aegis_usdc < 1e7"``,
    ``"aegis_value < 0.5 * aegis.initial_usdc at end"``, ``"leaf_price <
    0.2 at 24"``): each gives ``runs`` a bool column and its first month,
    and ``points`` its counts, probability and Clopper-Pearson interval
    (DECIDE.md, "Criteria"). ``jobs`` is the number of threads (default:
    every core); ``progress`` prints progress on standard error. With
    ``out`` the files are written there as ``canopy sweep --out`` writes
    them (the report unless ``report`` is false); without, they live in a
    temporary folder until the sweep is dropped. The GIL is released while
    it runs, and Ctrl-C stops it (``KeyboardInterrupt``).
    """
    runs, seed, jobs = _sweep_numbers(runs, seed, jobs)
    target = None if out is None else _folder(out)
    text, name, base, lines = _sweep_source(sweep)
    native = _canopy.sweep(
        text,
        name,
        base,
        runs,
        seed,
        _sets(set),
        _criteria(criteria),
        jobs or 0,
        None,
        target,
        _flag("report", report),
        _flag("fail_fast", fail_fast),
        _flag("progress", progress),
        lines,
    )
    return Sweep(native)


def _typed_csv(path: Path, strings: Sequence[str] = (), months: Sequence[str] = (), counts: Sequence[str] = (),
               flags: Sequence[str] = ()) -> pa.Table:
    """A CSV file the engine wrote, typed by its columns' names: ``strings``
    utf8, ``months`` uint32, ``counts`` uint64, ``flags`` bool, every other
    column float64 (empty cells null; an empty string stays one)."""
    import pyarrow.csv as pacsv

    with open(path, "rb") as f:
        header = f.readline().decode().rstrip("\r\n").split(",")
    types: Dict[str, Any] = {}
    for name in header:
        if name in strings:
            types[name] = pa.string()
        elif name in months:
            types[name] = pa.uint32()
        elif name in counts:
            types[name] = pa.uint64()
        elif name in flags:
            types[name] = pa.bool_()
        else:
            types[name] = pa.float64()
    return pacsv.read_csv(
        str(path), convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False)
    )


class Comparison:
    """A finished comparison of scenario A with scenario B (``canopy
    compare``): run r of each used the seed ``seed + r``, so every
    difference is paired. Its tables as DECIDE.md ("Compare") lays out its
    files; ``runs``, ``months``, ``points`` and ``bands`` are a sweep's, A
    as point 0 and B as point 1 on the ``scenario`` axis."""

    diff: pa.Table
    diff_bands: pa.Table
    crossing: pa.Table
    criteria: pa.Table
    changes: pa.Table

    def __init__(self, native: Any) -> None:
        self._native = native
        self._sweep = Sweep(native)
        folder = Path(native.path)
        self.diff = _typed_csv(folder / "diff.csv", strings=("metric",), counts=("n",))
        self.diff_bands = _typed_csv(
            folder / "diff_bands.csv", strings=("metric",), months=("month",), counts=("n",)
        )
        self.crossing = _typed_csv(folder / "crossing.csv", strings=("metric",), months=("month",))
        self.criteria = _typed_csv(
            folder / "criteria.csv",
            strings=("criterion", "condition"),
            counts=("a_k", "a_n", "b_k", "b_n", "only_a", "only_b"),
        )
        self.changes = _typed_csv(folder / "changes.csv", strings=("key", "a", "b"))

    @property
    def runs(self) -> pa.Table:
        """``runs.parquet``: every run of both sides, A as point 0 and B as
        point 1 (each criterion's column and first month included)."""
        return self._sweep.runs

    @property
    def points(self) -> pa.Table:
        """``points.csv``: each side's summary, as a sweep's points."""
        return self._sweep.points

    @property
    def failures(self) -> pa.Table:
        """``failures.csv``: the runs that were not ok."""
        return self._sweep.failures

    @property
    def months(self) -> Optional[pa.Table]:
        """``months.parquet``: the kept metrics of every run by month (None
        when none were kept). Read when first asked for."""
        return self._sweep.months

    @property
    def bands(self) -> Optional[pa.Table]:
        """``bands.parquet``: each side's quantile bands by month."""
        return self._sweep.bands

    @property
    def path(self) -> str:
        """The folder that holds its files (a temporary one unless ``out=``)."""
        return str(self._native.path)

    def write(self, out: PathLike, *, report: bool = True) -> None:
        """Writes the files ``canopy compare --out out`` writes (the report
        and its charts unless ``report`` is false)."""
        self._native.write(_folder(out), _flag("report", report))

    def __repr__(self) -> str:
        sides = self.points.num_rows
        runs = self.runs.num_rows // sides if sides else 0
        return (
            f"<canopy.Comparison: {runs} runs a side, {self.diff.num_rows} metrics, "
            f"{self.criteria.num_rows} criteria, {self.changes.num_rows} changes>"
        )


def compare(
    a: Union[PathLike, Scenario],
    b: Union[PathLike, Scenario],
    *,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    set: Optional[Mapping[str, Any]] = None,
    set_a: Optional[Mapping[str, Any]] = None,
    set_b: Optional[Mapping[str, Any]] = None,
    criteria: Optional[Sequence[str]] = None,
    keep: Optional[Sequence[str]] = None,
    jobs: Optional[int] = None,
    progress: bool = False,
    out: Optional[PathLike] = None,
    report: bool = True,
) -> Comparison:
    """Compares scenario ``b`` with scenario ``a`` (``canopy compare A B``):
    each a built-in name, a path or a ``Scenario``.

    Run r of A and run r of B use the same seed, ``seed + r`` (``seed``
    defaults to A's ``simulation.seed``), so every difference is paired.
    ``runs`` is the runs a side (default: 1 when neither scenario is
    random, else 100). ``set`` applies to both, ``set_a`` and ``set_b`` to
    one, after ``set``. ``criteria`` are criterion texts
    (``"usdc_floor: aegis_usdc < 1e7"``), counted on both sides with
    McNemar's exact test on the discordant pairs; ``keep`` the metrics kept
    month by month (default: the sweep's). ``jobs``, ``progress``, ``out``
    and ``report`` are ``sweep``'s. Bad input raises ``ScenarioError`` with
    every problem of both scenarios; the GIL is released while it runs, and
    Ctrl-C stops it (``KeyboardInterrupt``).
    """
    runs, seed, jobs = _sweep_numbers(runs, seed, jobs)
    target = None if out is None else _folder(out)

    def side(name: str, scenario: Any) -> Any:
        if isinstance(scenario, Scenario):
            return scenario._native
        return _path(name, scenario, "a built-in scenario's name, a path or a canopy.Scenario")

    native = _canopy.compare(
        side("a", a),
        side("b", b),
        _sets(set),
        _sets(set_a, "set_a"),
        _sets(set_b, "set_b"),
        runs,
        seed,
        _criteria(criteria),
        _texts("keep", keep, "metric names such as 'aegis_usdc'"),
        jobs or 0,
        target,
        _flag("report", report),
        _flag("progress", progress),
    )
    return Comparison(native)


class Seek:
    """A finished seek (``canopy seek``): the largest (or smallest) value of
    a numeric key whose criterion's probability stays at most
    ``max_probability``, judged by its one-sided Clopper-Pearson upper
    bound (DECIDE.md, "Seek")."""

    table: pa.Table
    runs: pa.Table

    def __init__(self, native: Any) -> None:
        import json
        import pyarrow.parquet as pq

        self._native = native
        folder = Path(native.path)
        with open(folder / "seek.json", encoding="utf-8") as f:
            self._json: Dict[str, Any] = json.load(f)
        self.table = _typed_csv(folder / "seek.csv", counts=("runs", "k"), flags=("safe",))
        self.runs = pq.read_table(str(folder / "runs.parquet"))

    @property
    def answer(self) -> Optional[float]:
        """The largest (smallest) safe value; None when no value is safe."""
        return self._json["answer"]

    @property
    def bracket(self) -> Optional[Tuple[float, float]]:
        """The answer and its unsafe neighbour within the tolerance, lower
        first (the answer twice at an end of the range); None without an answer."""
        b = self._json["bracket"]
        return None if b is None else (b[0], b[1])

    @property
    def monotone(self) -> bool:
        """Whether safety changed at most once over the scan. When it
        changed more often the probability is not monotone in the key, and
        ``safe_intervals`` lists every safe interval found."""
        return self._json["monotone"]

    @property
    def safe_intervals(self) -> List[Tuple[float, float]]:
        """Every safe interval found, (low, high), by value."""
        return [(lo, hi) for lo, hi in self._json["safe_intervals"]]

    @property
    def line(self) -> str:
        """The answer in one line, as ``canopy seek`` prints it."""
        return self._native.line

    @property
    def command(self) -> Optional[str]:
        """The ``canopy run`` command that reproduces run 0 at the answer."""
        return self._json["command"]

    @property
    def key(self) -> str:
        """The key sought."""
        return self._json["key"]

    @property
    def json(self) -> Dict[str, Any]:
        """``seek.json`` as a dict: the question and the answer."""
        import copy

        return copy.deepcopy(self._json)

    @property
    def path(self) -> str:
        """The folder that holds its files (a temporary one unless ``out=``)."""
        return str(self._native.path)

    def write(self, out: PathLike, *, report: bool = True) -> None:
        """Writes the files ``canopy seek --out out`` writes (the report and
        its chart unless ``report`` is false)."""
        self._native.write(_folder(out), _flag("report", report))

    def __repr__(self) -> str:
        return f"<canopy.Seek: {self.line}>"


def seek(
    seek: Union[PathLike, Mapping[str, Any]],
    *,
    set: Optional[Mapping[str, Any]] = None,
    jobs: Optional[int] = None,
    progress: bool = False,
    out: Optional[PathLike] = None,
    report: bool = True,
) -> Seek:
    """Seeks the largest (or smallest) safe value of a numeric key
    (``canopy seek FILE``): a seek file's path, or the same as a dict
    (``{"seek": {"scenario": ..., "key": ..., "low": ..., "high": ...,
    "max_probability": ..., "tolerance": ...}, "set": {...}, "sample":
    [...], "criterion": [{...}]}``, exactly one criterion).

    It evaluates ``scan`` evenly spaced values, bisects every bracket where
    safety changes down to ``tolerance``, and reports every safe interval
    when the probability is not monotone. ``set`` overrides the file like
    ``--set``; ``jobs``, ``progress``, ``out`` and ``report`` are
    ``sweep``'s. Bad input raises ``ScenarioError`` with every problem; the
    GIL is released while it runs, and Ctrl-C stops it (``KeyboardInterrupt``).
    """
    _, _, jobs = _sweep_numbers(None, None, jobs)
    target = None if out is None else _folder(out)
    text, name, base, lines = _sweep_source(seek, "seek")
    native = _canopy.seek(
        text,
        name,
        base,
        _sets(set),
        jobs or 0,
        target,
        _flag("report", report),
        _flag("progress", progress),
        lines,
    )
    return Seek(native)
