"""canopy.ray.sweep on a real local Ray cluster of two nodes.

The test starts a head and a second node with `ray start`, each on a
loopback address of its own (127.0.0.2 and 127.0.0.3: Ray would replace
127.0.0.1 with the machine's outward address), so no traffic leaves the
machine, and stops them at the end.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import canopy
from conftest import need

ray = need("ray")
import canopy.ray  # noqa: E402

from test_sweep import SWEEP, assert_same_tables  # noqa: E402

HEAD = "127.0.0.2"
WORKER = "127.0.0.3"


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    ray_bin = str(Path(sys.executable).parent / "ray")
    if not os.path.exists(ray_bin):
        ray_bin = shutil.which("ray") or "ray"
    temp = tmp_path_factory.mktemp("ray")
    port = free_port(HEAD)
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    common = ["--num-cpus", "1", "--disable-usage-stats"]
    subprocess.run(
        [
            ray_bin, "start", "--head", "--node-ip-address", HEAD, "--port", str(port),
            "--include-dashboard", "false", "--temp-dir", str(temp), *common,
        ],
        check=True, env=env, capture_output=True,
    )
    try:
        subprocess.run(
            [ray_bin, "start", "--address", f"{HEAD}:{port}", "--node-ip-address", WORKER, *common],
            check=True, env=env, capture_output=True,
        )
        ray.init(address=f"{HEAD}:{port}", _node_ip_address=HEAD)
        yield ray
    finally:
        if ray.is_initialized():
            ray.shutdown()
        subprocess.run([ray_bin, "stop", "--force"], env=env, capture_output=True)


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ray-sweep")
    (folder / "sweep.toml").write_text(SWEEP)
    return folder / "sweep.toml"


def test_the_cluster_has_two_nodes_on_loopback(cluster):
    nodes = [n for n in cluster.nodes() if n["Alive"]]
    assert sorted(n["NodeManagerAddress"] for n in nodes) == [HEAD, WORKER]


def test_sharded_on_ray_matches_one_machine(cluster, sweep_file, tmp_path):
    whole = canopy.sweep(sweep_file, jobs=1)
    merged = canopy.ray.sweep(sweep_file, shards=3)
    assert merged.runs.equals(whole.runs)
    assert merged.months.equals(whole.months)
    assert merged.bands.equals(whole.bands)
    assert merged.points.equals(whole.points)
    assert merged.failures.equals(whole.failures)
    # Written out, the merged sweep gives the one-machine sweep's files.
    merged.write(tmp_path / "merged", report=False)
    whole.write(tmp_path / "whole", report=False)
    for name in ("bands.csv", "points.csv", "failures.csv", "sweep.toml"):
        assert (tmp_path / "merged" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    for name in ("runs.parquet", "months.parquet", "bands.parquet"):
        assert pq.read_table(tmp_path / "merged" / name).equals(pq.read_table(tmp_path / "whole" / name)), name


def test_parts_on_shared_storage_are_merged_there(cluster, sweep_file, tmp_path, cli):
    cli(["sweep", str(sweep_file), "--out", "cli", "--quiet", "--no-report"], tmp_path)
    merged = canopy.ray.sweep(sweep_file, shards=2, out=tmp_path / "shared", report=False)
    for k in (1, 2):
        assert (tmp_path / "shared" / f"part-{k}-of-2" / "runs.parquet").exists()
    # Merged Parquet files hold the same rows (compared as tables); the
    # text files are the same bytes.
    for name in ("bands.csv", "points.csv", "failures.csv", "sweep.toml"):
        assert (tmp_path / "shared" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    assert_same_tables(merged, tmp_path / "cli")


def test_bad_input_is_refused_before_any_task(cluster):
    with pytest.raises(canopy.ScenarioError):
        canopy.ray.sweep({"sweep": {"scenario": "no-such-scenario"}}, shards=2)


def test_jobs_past_the_largest_node_are_refused(cluster, sweep_file):
    # Each node has 1 CPU: a task asking for 2 would wait for ever.
    with pytest.raises(ValueError, match=r"^jobs=2: each task asks Ray for 2 CPUs, but the largest node of the cluster \(2 nodes\) has 1"):
        canopy.ray.sweep(sweep_file, shards=2, jobs=2)


def test_fail_fast_raises_the_run_error_itself(cluster, tmp_path):
    from test_inputs import HUGE

    (tmp_path / "huge.toml").write_text(HUGE)
    (tmp_path / "sweep.toml").write_text('[sweep]\nscenario = "huge.toml"\nruns = 2\nseed = 3\n')
    with pytest.raises(canopy.RunError) as caught:
        canopy.ray.sweep(tmp_path / "sweep.toml", shards=2, fail_fast=True)
    e = caught.value
    assert type(e) is canopy.RunError
    assert e.month == 12 and e.quantity == "irr"
    assert "\x1b[" not in str(e) and "Traceback" not in str(e) and "ray" not in str(e).lower()


def test_objects_come_back_from_a_task(cluster):
    @cluster.remote(num_cpus=1)
    def made_there():
        sc = canopy.load("default", months=12).with_({"aegis.initial_usdc": 4e7})
        return sc, canopy.run(sc), canopy.sweep({"sweep": {"scenario": "default", "runs": 2, "seed": 1}, "set": {"simulation.months": 6}})

    sc, run, sw = cluster.get(made_there.remote())
    assert sc.get("aegis.initial_usdc") == 4e7
    assert run.metrics.equals(canopy.run(sc).metrics)
    assert sw.runs.num_rows == 2


def test_criteria_on_ray_match_one_machine(cluster, sweep_file):
    criteria = ["low_price: leaf_price < 0.5 at end", "aegis_value < 0.9 * aegis.initial_usdc"]
    whole = canopy.sweep(sweep_file, criteria=criteria, jobs=1)
    merged = canopy.ray.sweep(sweep_file, shards=3, criteria=criteria)
    assert "low_price_p" in whole.points.column_names and "c2_hi" in whole.points.column_names
    assert merged.runs.equals(whole.runs)
    assert merged.points.equals(whole.points)
    with pytest.raises(canopy.ScenarioError, match=r'criteria=\["bad"\]'):
        canopy.ray.sweep(sweep_file, shards=2, criteria=["bad"])
