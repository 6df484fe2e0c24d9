"""Sweeps over a Ray cluster: ``canopy.ray.sweep``.

The sweep's shards (SWEEP.md's ``--shard K/N``) run as Ray tasks on
whatever cluster ``ray.init()`` connected to; the driver merges them into
the same tables, row for row, as ``canopy.sweep`` on one machine. Every
node needs the ``canopy`` package (and any scenario files the sweep names,
at the same paths).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import PathLike, Sweep, _canopy, _criteria, _flag, _folder, _sets, _sweep_numbers, _sweep_source, _whole


def _run_shard(
    text: str,
    name: str,
    base: str,
    runs: Optional[int],
    seed: Optional[int],
    sets: List[str],
    criteria: List[str],
    jobs: int,
    k: int,
    n: int,
    out: Optional[str],
    fail_fast: bool,
    lines: Optional[List[str]],
) -> Optional[Tuple[Dict[str, Any], Dict[str, bytes]]]:
    """One shard, in this worker's process: its part's Arrow tables
    (runs.parquet and months.parquet, as pyarrow tables) and its small
    files (the resolved sweep, failures.csv, what identifies the part), or
    nothing when it wrote them under ``out`` itself."""
    import pyarrow.parquet as pq

    native = _canopy.sweep(
        text, name, base, runs, seed, sets, criteria, jobs, (k, n), out, False, fail_fast, False, lines
    )
    if out is not None:
        return None
    folder = Path(native.path)
    tables: Dict[str, Any] = {}
    files: Dict[str, bytes] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".parquet":
            tables[path.name] = pq.read_table(str(path))
        elif path.is_file():
            files[path.name] = path.read_bytes()
    return tables, files


def _check_jobs(ray: Any, jobs: int) -> None:
    """Refuses ``jobs`` that no node of the cluster has CPUs for: Ray would
    wait for such a node forever."""
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    most = max((n.get("Resources", {}).get("CPU", 0) for n in nodes), default=0)
    if jobs > most:
        raise ValueError(
            f"jobs={jobs}: each task asks Ray for {jobs} CPUs, but the largest node of the cluster "
            f"({len(nodes)} nodes) has {most:g}; give jobs={max(1, int(most))} or fewer, or add larger nodes"
        )


def sweep(
    sweep: Union[PathLike, Mapping[str, Any]],
    shards: Optional[int] = None,
    *,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    set: Optional[Mapping[str, Any]] = None,
    criteria: Optional[Sequence[str]] = None,
    jobs: int = 1,
    out: Optional[PathLike] = None,
    report: bool = True,
    fail_fast: bool = False,
    progress: bool = False,
) -> Sweep:
    """Runs a sweep's shards as Ray tasks and merges them.

    ``shards`` defaults to the cluster's CPUs; each task runs one shard
    with ``jobs`` threads (and asks Ray for as many CPUs: more than the
    cluster's largest node has is refused, ``ValueError``). The other
    options are ``canopy.sweep``'s. Without ``out`` each task sends its
    part back to the driver; with ``out`` (a folder every node sees) the
    tasks write their parts there and the driver merges them in place,
    writing the report there unless ``report`` is false. The sweep is
    checked on the driver first, so bad input raises ``ScenarioError``
    before any task starts; a task's failure (``RunError`` under
    ``fail_fast``) is raised as ``canopy.sweep`` raises it, without Ray's
    wrapper.
    """
    import ray

    runs, seed, checked_jobs = _sweep_numbers(runs, seed, jobs)
    target = None if out is None else os.path.abspath(_folder(out))
    report, fail_fast, progress = _flag("report", report), _flag("fail_fast", fail_fast), _flag("progress", progress)
    shards = _whole("shards", shards, 1, 2**32 - 1, "of shards from 1 to 4294967295, or None for the cluster's CPUs")
    text, name, base, lines = _sweep_source(sweep)
    base = os.path.abspath(base) if base else os.getcwd()
    sets = _sets(set)
    criteria_texts = _criteria(criteria)
    _canopy.check_sweep(text, name, base, runs, seed, sets, criteria_texts, lines)
    jobs = checked_jobs or 1
    _check_jobs(ray, jobs)
    if shards is None:
        shards = max(1, int(ray.cluster_resources().get("CPU", 1)))
    task = ray.remote(num_cpus=jobs)(_run_shard)
    refs = [
        task.remote(text, name, base, runs, seed, sets, criteria_texts, jobs, k, shards, target, fail_fast, lines)
        for k in range(1, shards + 1)
    ]
    parts = []
    remaining = list(refs)
    try:
        while remaining:
            done, remaining = ray.wait(remaining, num_returns=1)
            parts.extend(done)
            if progress:
                print(f"\rcanopy.ray: {len(parts)} of {shards} shards done", end="", file=__import__("sys").stderr)
    except KeyboardInterrupt:
        for ref in remaining:
            ray.cancel(ref)
        raise
    if progress:
        print(file=__import__("sys").stderr)
    try:
        results = ray.get(refs)
    except ray.exceptions.RayTaskError as e:
        # Every task has finished by now (the wait above), so none is
        # cancelled: cancelling a task whose reply is still being taken in
        # can abort Ray's driver, this process ("Tried to complete task that
        # was not pending").
        # The task's own exception (RunError under fail_fast, ScenarioError,
        # OSError), as canopy.sweep raises it: not Ray's wrapper, whose text
        # holds the worker's traceback in terminal colours.
        cause = getattr(e, "cause", None)
        if isinstance(cause, BaseException):
            raise cause.with_traceback(None) from None
        raise
    if target is not None:
        return Sweep(_canopy.merge(target, report))
    keep = tempfile.TemporaryDirectory(prefix="canopy-ray-")
    for k, result in enumerate(results, start=1):
        part = Path(keep.name) / f"part-{k}-of-{shards}"
        part.mkdir()
        assert result is not None
        tables, files = result
        for file_name, data in files.items():
            (part / file_name).write_bytes(data)
        # Written back as the shard wrote them, for the merge to read.
        for file_name, table in tables.items():
            _canopy.write_parquet(str(part / file_name), table)
    return Sweep(_canopy.merge(keep.name, False), keep=keep)
