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
    "RunError",
    "Run",
    "Scenario",
    "ScenarioError",
    "Sweep",
    "builtin_scenarios",
    "load",
    "loads",
    "run",
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


def _value_text(value: Any) -> str:
    """A value as ``--set KEY=VALUE`` writes it: a ``str`` as a TOML string
    (Python knows it is one), a dict as an inline table."""
    value = _plain(value)
    if isinstance(value, str):
        return _toml_string(value)
    try:
        return _toml_value(value)
    except TypeError:
        raise TypeError(
            f"a value to set must be a number, a string, a boolean, a list or a dict, not {type(value).__name__}"
        ) from None


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


def _sets(set: Optional[Mapping[str, Any]]) -> List[str]:
    if set is None:
        return []
    if not isinstance(set, Mapping):
        raise TypeError("set takes a dict of dotted keys to values, e.g. {'aegis.initial_usdc': 5e7}")
    return [f"{key}={_value_text(value)}" for key, value in set.items()]


def _whole(name: str, value: Any, low: int, high: int, what: str) -> Optional[int]:
    """``value`` as a whole number within ``low..=high``, or a ValueError
    naming the argument (``what``: its command-line flag and limits)."""
    if value is None:
        return None
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= int(value) <= high:
        raise ValueError(f"{name} must be a whole number {what}, not {value!r}")
    return int(value)


_I64 = (-(2**63), 2**63 - 1)


def _months(months: Optional[int]) -> Optional[str]:
    # Its limits are the scenario's own (a ScenarioError, as --months gives).
    n = _whole("months", months, *_I64, "of months (as --months)")
    return None if n is None else str(n)


class Scenario:
    """A scenario, read and checked: ready to run."""

    __slots__ = ("_native",)

    def __init__(self, native: Any) -> None:
        self._native = native

    @property
    def name(self) -> str:
        """The name it was loaded by (a built-in name or a path)."""
        return self._native.name

    def to_toml(self) -> str:
        """The full scenario as TOML, every default filled in (``canopy show``)."""
        return self._native.to_toml()

    def get(self, key: str) -> Any:
        """The value at a dotted key, e.g. ``deal[13].leaf_pair.amount``.

        Raises ``KeyError`` for a key the scenario does not have.
        """
        return self._native.get(key)

    def __repr__(self) -> str:
        return f"<canopy.Scenario {self.name!r}: {self._native.months} months, {self._native.deal_count} deals>"


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
    if isinstance(scenario, Scenario):
        return Scenario(_canopy.reload(scenario._native, _months(months), _sets(set)))
    return Scenario(_canopy.load(os.fspath(scenario), _months(months), _sets(set)))


def loads(
    text: str,
    *,
    set: Optional[Mapping[str, Any]] = None,
    months: Optional[int] = None,
    name: str = "<string>",
) -> Scenario:
    """Loads a scenario from TOML text (``name`` names it in messages)."""
    return Scenario(_canopy.loads(text, name, _months(months), _sets(set)))


_DEALS_TEXT = ("entity", "source", "deal_id", "tvl_kind")
_SCORECARD_TEXT = ("deal_id", "counterparty", "parts", "note")


def _csv_table(data: bytes, text: Sequence[str], counts: Sequence[str]) -> pa.Table:
    """A CSV file the engine wrote, as a table: ``text`` columns strings,
    ``counts`` uint32, every other column float64 (empty cells null)."""
    import pyarrow.csv as pacsv

    header = data.split(b"\n", 1)[0].decode().rstrip("\r").split(",")
    types = {}
    for name in header:
        if name in text:
            types[name] = pa.string()
        elif name in counts:
            types[name] = pa.uint32()
        else:
            types[name] = pa.float64()
    return pacsv.read_csv(
        io.BytesIO(data),
        convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False),
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
        return self._cached("deals", lambda: _csv_table(self._native.deals_csv(), _DEALS_TEXT, ("month",)))

    @property
    def scorecard(self) -> pa.Table:
        """``scorecard.csv`` as a table: worked out when first read (a run per deal)."""
        return self._cached(
            "scorecard",
            lambda: _csv_table(self._native.scorecard_csv(), _SCORECARD_TEXT, ("start_month",)),
        )

    @property
    def events(self) -> List[Dict[str, Any]]:
        """The run's events, in order: dicts with ``month``, ``kind`` and the
        event's figures (deals by index, ``deal``, and id, ``deal_id``)."""
        return self._cached("events", self._native.events)

    @property
    def summary(self) -> Dict[str, Any]:
        """The final summary's figures: the last month's TVL, revenue,
        AEGIS and OAK figures, and the last defined IRR with its month."""
        return self._cached("summary", self._native.summary)

    def to_pandas(self) -> Any:
        """The metrics as a pandas DataFrame (pandas must be installed)."""
        return self.metrics.to_pandas()

    def write(self, out: PathLike, *, charts: bool = True, scorecard: bool = True) -> None:
        """Writes the files ``canopy run --out out`` writes (without
        ``charts`` no charts or report, without ``scorecard`` no scorecard.csv)."""
        self._native.write(_folder(out), charts, scorecard)

    def __repr__(self) -> str:
        return f"<canopy.Run {self._native_name()!r}>"

    def _native_name(self) -> str:
        return self.summary.get("scenario", "")


def _folder(out: PathLike) -> str:
    """A folder to write to, refused where the command line refuses it
    (``--out ""``): an empty path would write into the current folder."""
    path = os.fspath(out)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if path == "":
        raise ValueError("out: a folder is needed; `.` is the current folder")
    return path


def _sweep_numbers(runs: Any, seed: Any, jobs: Any) -> Tuple[Optional[int], Optional[int], Optional[int]]:
    """``runs``, ``seed`` and ``jobs`` checked as ``--runs``, ``--seed`` and
    ``--jobs`` are: whole numbers (not booleans), ``jobs`` from 1 to 65535.
    The sweep reader checks runs and seed against its own limits (a
    ``ScenarioError``, as on the command line); a number past any of them
    is refused here, naming the argument."""
    runs = _whole("runs", runs, *_I64, "of runs per point, from 1 to 1000000000 (as --runs)")
    seed = _whole("seed", seed, *_I64, f"from 0 to {2**63 - 1} (as --seed)")
    jobs = _whole("jobs", jobs, 1, 65535, "of threads from 1 to 65535 (as --jobs), or None for every core")
    return runs, seed, jobs


def _native_scenario(scenario: Union[PathLike, Scenario], set: Any, months: Any) -> Any:
    if isinstance(scenario, Scenario):
        if set is None and months is None:
            return scenario._native
        return _canopy.reload(scenario._native, _months(months), _sets(set))
    return _canopy.load(os.fspath(scenario), _months(months), _sets(set))


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


def _toml_key(key: Any) -> str:
    return _toml_string(str(key))


def _toml_value(value: Any) -> str:
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
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"a sweep value must be a number, a string, a boolean, a list or a dict, not {type(value).__name__}")


def _sweep_toml(sweep: Mapping[str, Any]) -> str:
    """A sweep given as a dict, as the text of a sweep file."""
    top: List[str] = []
    tables: List[str] = []
    for key, value in sweep.items():
        if isinstance(value, Mapping):
            tables.append(f"[{_toml_key(key)}]")
            tables.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Mapping) for v in value):
            for item in value:
                tables.append(f"[[{_toml_key(key)}]]")
                tables.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in item.items())
        else:
            top.append(f"{_toml_key(key)} = {_toml_value(value)}")
    return "\n".join(top + tables) + "\n"


def _sweep_source(sweep: Union[PathLike, Mapping[str, Any]]) -> Tuple[str, str, str]:
    """A sweep's text, its name in messages, and the folder its scenario
    files are relative to."""
    if isinstance(sweep, Mapping):
        return _sweep_toml(sweep), "<dict>", os.getcwd()
    path = os.fspath(sweep)
    return _canopy.read_text(path, "sweep"), path, os.path.dirname(path)


def _points_table(path: Path, runs: Optional[pa.Schema] = None) -> pa.Table:
    """``points.csv`` as a table: ``point`` uint32, the axes as
    ``runs.parquet`` holds them (``runs``: its schema, read from the folder
    when not given), ``runs`` and ``failed`` uint64, the figures float64.
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
    if "failed" in header:
        for name in header[header.index("failed") + 1 :]:
            types[name] = pa.float64()
    return pacsv.read_csv(
        str(path), convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False)
    )


class Sweep:
    """A finished sweep: its tables as SWEEP.md lays them out."""

    runs: pa.Table
    months: Optional[pa.Table]
    bands: Optional[pa.Table]
    points: pa.Table
    failures: pa.Table

    def __init__(self, native: Any, keep: Any = None) -> None:
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        self._native = native
        # A temporary folder that must live as long as the sweep.
        self._keep = keep
        folder = Path(native.path)

        def parquet(name: str) -> Optional[pa.Table]:
            path = folder / name
            return pq.read_table(str(path)) if path.exists() else None

        runs = parquet("runs.parquet")
        assert runs is not None
        self.runs = runs
        self.months = parquet("months.parquet")
        self.bands = parquet("bands.parquet")
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

    def write(self, out: PathLike, *, report: bool = True) -> None:
        """Writes the files ``canopy sweep --out out`` writes (the report and
        its charts unless ``report`` is false)."""
        self._native.write(_folder(out), report)

    def __repr__(self) -> str:
        return f"<canopy.Sweep: {self.runs.num_rows} runs, {self.points.num_rows} points>"


def sweep(
    sweep: Union[PathLike, Mapping[str, Any]],
    *,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    set: Optional[Mapping[str, Any]] = None,
    jobs: Optional[int] = None,
    progress: bool = False,
    out: Optional[PathLike] = None,
    report: bool = True,
    fail_fast: bool = False,
) -> Sweep:
    """Runs a sweep: a sweep file's path, or the same as a dict
    (``{"sweep": {...}, "set": {...}, "axis": [...], "sample": [...]}``).

    ``runs``, ``seed`` and ``set`` override the file like ``--runs``,
    ``--seed`` and ``--set``; ``jobs`` is the number of threads (default:
    every core); ``progress`` prints progress on standard error. With
    ``out`` the files are written there as ``canopy sweep --out`` writes
    them (the report unless ``report`` is false); without, they live in a
    temporary folder until the sweep is dropped. The GIL is released while
    it runs, and Ctrl-C stops it (``KeyboardInterrupt``).
    """
    runs, seed, jobs = _sweep_numbers(runs, seed, jobs)
    target = None if out is None else _folder(out)
    text, name, base = _sweep_source(sweep)
    native = _canopy.sweep(
        text,
        name,
        base,
        runs,
        seed,
        _sets(set),
        jobs or 0,
        None,
        target,
        report,
        fail_fast,
        progress,
    )
    return Sweep(native)
