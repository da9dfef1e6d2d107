"""The cluster check (rtg/plan/cluster.py): scenarios no node can hold are refused before any submission."""

from __future__ import annotations

import pytest

from rtg.plan import cluster
from rtg.plan.config import ConfigError

#: What `sinfo -h -N -o '%N|%c|%f|%P'` printed on the two-node local Slurm, plus a node in two partitions.
SINFO = """node1|1|(null)|debug*
node2|1|(null)|debug*
big1|64|zen4,avx512|long
big1|64|zen4,avx512|debug*
"""


def test_sinfo_lines_become_nodes_listed_once_with_their_partitions():
    found = {node.name: node for node in cluster.parse_sinfo(SINFO)}
    assert set(found) == {"node1", "node2", "big1"}
    assert found["node1"] == cluster.Node("node1", 1, (), ("debug",))
    assert found["big1"].cpus == 64
    assert found["big1"].features == ("zen4", "avx512")
    assert found["big1"].partitions == ("debug", "long")


def test_each_scenario_needs_one_cpu_per_worker_thread():
    needs = cluster.needed_cpus({"backends": ["cython"], "scenarios": ["gil", "nogil+gil", "gil+gil+gil"]})
    assert needs == {"gil": 1, "nogil+gil": 2, "gil+gil+gil": 3}
    assert (
        cluster.needed_cpus({"backends": ["cython"], "scenarios": ["gil"]}, memory_kernels=True)[cluster.BANDWIDTH_JOB]
        == 2
    )


def test_a_two_thread_scenario_on_one_cpu_nodes_is_a_config_error_naming_it_and_the_largest_node():
    nodes = cluster.parse_sinfo("node1|1|(null)|debug*\nnode2|1|(null)|debug*\n")
    with pytest.raises(ConfigError) as error:
        cluster.check(cluster.needed_cpus({"backends": ["cython"], "scenarios": ["gil", "nogil", "nogil+gil"]}), nodes)
    message = str(error.value)
    assert message.startswith("scenarios: scenario 'nogil+gil' needs 2 CPUs on one node")
    assert "largest node of this Slurm cluster, node1, has 1 CPU" in message
    assert "in this grid: gil, nogil" in message
    assert "\n" not in message


def test_a_grid_the_largest_node_can_hold_passes():
    cluster.check(
        cluster.needed_cpus({"backends": ["cython"], "scenarios": ["nogil+nogil"]}), cluster.parse_sinfo(SINFO)
    )
    cluster.check(
        cluster.needed_cpus({"backends": ["cython"], "scenarios": ["gil"]}),
        cluster.parse_sinfo("node1|1|(null)|debug*\n"),
    )


def test_no_answer_from_sinfo_is_no_check(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert cluster.slurm_nodes() is None
    cluster.check({"gil+gil": 2}, [])  # nothing known: nothing refused


def test_the_thread_count_sweep_is_checked_against_the_largest_node_too():
    needs = cluster.needed_cpus({"backends": ["cython"], "scenarios": ["gil"], "thread_counts": [1, 4]})
    assert needs == {"gil": 1, "gil+gil+gil+gil": 4, "nogil": 1, "nogil+nogil+nogil+nogil": 4}
    with pytest.raises(ConfigError, match="scenario 'gil\\+gil\\+gil\\+gil' and scenario 'nogil"):
        cluster.check(needs, cluster.parse_sinfo("node1|2|(null)|debug*\n"))
