"""What the Python package adds to a run and a sweep (BENCHMARKS.md, "Python").

    python benchmarks/python_overhead.py [target/release/canopy]

Times, in one process: N calls of canopy.run("default") (the run and the
Python objects, tables not read), the same reading run.metrics (the Arrow
export), and the native call alone; then the sweeps of benchmarks/ from
Python and from the command line, best of three each. Per-call times are
the thread's CPU time (time.thread_time), so that a busy machine's waits
do not count; the loop of 10,000 runs and the sweeps are wall time.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import canopy
from canopy import _canopy

HERE = Path(__file__).resolve().parent
N = 10_000


def per_call(work, n: int = N, repeats: int = 5) -> float:
    """The best of `repeats` loops of `n` calls, in microseconds a call."""
    best = float("inf")
    for _ in range(repeats):
        started = time.thread_time()
        for _ in range(n):
            work()
        best = min(best, time.thread_time() - started)
    return best / n * 1e6


def best_of(work, repeats: int = 3) -> float:
    """The best wall time of `repeats` calls, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    binary = sys.argv[1] if len(sys.argv) > 1 else str(HERE.parent / "target" / "release" / "canopy")
    native = _canopy.load("default", None, [])
    canopy.run("default").metrics  # pyarrow imported, the built-in cached
    print(f"native run (engine + result object):   {per_call(lambda: _canopy.run(native)):7.2f} us")
    print(f"canopy.run('default'):                  {per_call(lambda: canopy.run('default')):7.2f} us")
    print(f"canopy.run('default').metrics:          {per_call(lambda: canopy.run('default').metrics):7.2f} us")
    started = time.perf_counter()
    for _ in range(N):
        canopy.run("default").metrics
    print(f"loop of {N:,} runs reading metrics:    {time.perf_counter() - started:7.3f} s (wall)")
    for name in ("stress-10k.toml", "default-1m.toml"):
        path = HERE / name
        with tempfile.TemporaryDirectory() as out:
            cli = best_of(
                lambda: subprocess.run(
                    [binary, "sweep", str(path), "--out", out, "--quiet", "--no-report"],
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
            )
        text = path.read_text()
        native = best_of(lambda: _canopy.sweep(text, str(path), str(HERE), None, None, [], 0, None, None, False, False, False))
        py = best_of(lambda: canopy.sweep(path))
        print(
            f"{name}: command line {cli:.2f} s, the sweep from Python {native:.2f} s, "
            f"canopy.sweep {py:.2f} s (with its tables read into pyarrow)"
        )


if __name__ == "__main__":
    main()
