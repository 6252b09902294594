"""Matching against independent references: scipy's linear_sum_assignment,
networkx min-cost flow, the definition of stability, and the hard rules, via
the Python package (er.assign, er.match) and the CLI (match, export)."""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
import subprocess

import networkx as nx
import numpy as np
import pytest
import scipy.sparse
from scipy.optimize import linear_sum_assignment

import engage_right as er
import reference

# ---------------------------------------------------------------- er.assign --


def test_scipy_documentation_example():
    # scipy.optimize.linear_sum_assignment docs: cost [[4,1,3],[2,0,5],[3,2,2]]
    # -> rows [0,1,2], columns [1,0,2], total 5.
    cost = np.array([[4, 1, 3], [2, 0, 5], [3, 2, 2]], dtype=float)
    rows, cols = er.assign(10 - cost)
    assert rows.tolist() == [0, 1, 2] and cols.tolist() == [1, 0, 2]
    assert cost[rows, cols].sum() == 5


def test_scipy_published_test_matrix():
    # From scipy's test suite: minimising [[400,150,400],[400,450,600],[300,225,300]]
    # picks the costs [150, 400, 300].
    cost = np.array([[400, 150, 400], [400, 450, 600], [300, 225, 300]], dtype=float)
    rows, cols = er.assign(1000 - cost)
    assert cost[rows, cols].tolist() == [150, 400, 300]


@pytest.mark.parametrize("seed", range(60))
def test_assignment_equals_scipy(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 40, size=2)
    if seed % 3 == 0:
        m = n  # square
    values = rng.random((n, m)) + 0.01
    if seed % 5 == 0:
        values = np.round(values, 1) + 0.1  # many ties
    a, b = linear_sum_assignment(values, maximize=True)
    # The dense solver and the arc-list solver (sparse input) both reach scipy's optimum.
    for given in (values, scipy.sparse.csr_matrix(values)):
        rows, cols = er.assign(given)
        assert len(rows) == len(a) == min(n, m)
        assert values[rows, cols].sum() == pytest.approx(values[a, b].sum(), rel=1e-12, abs=1e-12)
        assert len(set(rows.tolist())) == len(rows) and len(set(cols.tolist())) == len(cols)
    # greedy and stable are feasible and never better
    for method in ("greedy", "stable"):
        r2, c2 = er.assign(values, method=method)
        assert len(set(c2.tolist())) == len(c2)
        assert values[r2, c2].sum() <= values[a, b].sum() + 1e-9


def flow_reference(values, capacity, per_row, spread=0.0):
    """networkx.max_flow_min_cost on source -> row -> column -> seat -> sink with
    a zero-cost bypass so that leaving a unit unmatched is allowed; costs are
    integers (values scaled by 1e9). Returns the best total value."""
    scale = 10**9
    g = nx.DiGraph()
    n, m = values.shape
    for r in range(n):
        g.add_edge("s", ("r", r), capacity=per_row, weight=0)
        g.add_edge(("r", r), "bypass", capacity=per_row, weight=0)
        for c in range(m):
            if values[r, c] > 0:
                g.add_edge(("r", r), ("c", c), capacity=1, weight=-int(round(values[r, c] * scale)))
    for c in range(m):
        for j in range(int(capacity[c])):
            cost = int(round(spread * j / capacity[c] * scale))
            g.add_edge(("c", c), ("seat", c, j), capacity=1, weight=cost)
            g.add_edge(("seat", c, j), "t", capacity=1, weight=0)
    g.add_edge("bypass", "t", capacity=n * per_row, weight=0)
    flow = nx.max_flow_min_cost(g, "s", "t")
    return -nx.cost_of_flow(g, flow) / scale


def objective(values, capacity, rows, cols, spread):
    load = {}
    total = 0.0
    for r, c in zip(rows, cols):
        j = load.get(c, 0)
        total += values[r, c] - spread * j / capacity[c]
        load[c] = j + 1
    return total


@pytest.mark.parametrize("seed", range(60))
def test_capacitated_matching_equals_networkx_min_cost_flow(seed):
    rng = np.random.default_rng(1000 + seed)
    n, m = rng.integers(1, 14), rng.integers(1, 8)
    values = np.round(rng.random((n, m)), 3)
    values[rng.random((n, m)) < 0.3] = 0  # not allowed
    capacity = rng.integers(0, 4, size=m)
    per_row = int(rng.integers(1, 3))
    spread = [0.0, 0.25, 1.0][seed % 3]
    best = flow_reference(values, capacity, per_row, spread)
    for dense in (True, False):  # array-based search and arc-list search
        rows, cols = er.assign(values, capacity, per_row=per_row, spread=spread, dense=dense)
        assert all(np.bincount(cols, minlength=m) <= capacity)
        assert all(np.bincount(rows, minlength=n) <= per_row)
        assert all(values[rows, cols] > 0)
        assert objective(values, capacity, rows, cols, spread) == pytest.approx(best, abs=1e-6)


def blocking_pairs(values, capacity, per_row, rows, cols):
    """Pairs (r, c), value > 0, not matched, where r has a free slot or a
    worse partner and c a free seat or a worse holder."""
    n, m = values.shape
    mine = {r: [] for r in range(n)}
    held = {c: [] for c in range(m)}
    for r, c in zip(rows, cols):
        mine[r].append(values[r, c])
        held[c].append(values[r, c])
    chosen = set(zip(rows.tolist(), cols.tolist()))
    out = []
    for r in range(n):
        for c in range(m):
            v = values[r, c]
            if v <= 0 or (r, c) in chosen or capacity[c] == 0:
                continue
            row_wants = len(mine[r]) < per_row or min(mine[r]) < v
            col_wants = len(held[c]) < capacity[c] or min(held[c]) < v
            if row_wants and col_wants:
                out.append((r, c))
    return out


@pytest.mark.parametrize("seed", range(200))
def test_stable_matching_has_no_blocking_pair(seed):
    rng = np.random.default_rng(5000 + seed)
    n, m = rng.integers(1, 12), rng.integers(1, 8)
    values = rng.permutation(n * m).reshape(n, m) / (n * m) + 0.001  # distinct
    values[rng.random((n, m)) < 0.25] = 0
    capacity = rng.integers(0, 3, size=m)
    per_row = int(rng.integers(1, 3))
    rows, cols = er.assign(values, capacity, per_row=per_row, method="stable")
    assert all(np.bincount(cols, minlength=m) <= capacity)
    assert blocking_pairs(values, capacity, per_row, rows, cols) == []


# ----------------------------------------------------------------- er.match --


def two_stage_case(tmp_path, rng, n, m, *, capacity="1", detractors=0.0, interactions=0):
    journey = tmp_path / "j.json"
    journey.write_text(json.dumps({"name": "two", "stages": ["a", "b"], "min_peer_satisfaction": 7}), encoding="utf-8")
    rows = []
    for i in range(n + m):
        stage = "a" if i < n else "b"
        sat = "3" if stage == "b" and rng.random() < detractors else rng.choice(["", "7", "9", "10"])
        feats = [f"{rng.uniform(0, 1):.3f}" for _ in range(4)]  # non-negative: scores > 0
        cap = capacity if not callable(capacity) else capacity()
        tags = ";".join(rng.sample(["x", "y", "z", "w"], rng.randint(0, 2)))
        rows.append([f"{stage}{i}", stage, sat, cap, tags] + feats)
    members = tmp_path / "m.csv"
    with open(members, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "stage", "satisfaction", "capacity", "tags", "f_0", "f_1", "f_2", "f_3"])
        w.writerows(rows)
    inter = tmp_path / "i.csv"
    ids = [r[0] for r in rows]
    with open(inter, "w", newline="", encoding="utf-8") as f:
        f.write("source,target\n")
        for _ in range(interactions):
            f.write(f"{rng.choice(ids)},{rng.choice(ids)}\n")
    return members, inter, journey


def run_community(run_cli, command, members, inter, journey, *args):
    """`engage-right COMMAND --members .. --interactions .. --journey .. ARGS`, expecting exit 0."""
    return run_cli(command, "--members", members, "--interactions", inter, "--journey", journey, *args, check_exit=0)


def score_matrix(members, inter, journey):
    """All eligible pairs and their scores from the independent reference."""
    recs = reference.recommend(members, inter, json.loads(journey.read_text()), top=10**6)
    seekers = [u for u in recs]
    peers = sorted({r.peer for rs in recs.values() for r in rs})
    s = np.zeros((len(seekers), len(peers)))
    for i, u in enumerate(seekers):
        for r in recs[u]:
            s[i, peers.index(r.peer)] = r.score
    return seekers, peers, s


@pytest.mark.parametrize("seed", range(50))
def test_community_matching_equals_scipy(tmp_path, run_cli, seed):
    rng = random.Random(seed)
    n, m = rng.randint(1, 25), rng.randint(1, 25)
    members, inter, journey = two_stage_case(tmp_path, rng, n, m)
    seekers, peers, s = score_matrix(members, inter, journey)
    a, b = linear_sum_assignment(s, maximize=True)
    best = s[a, b].sum()
    c = er.Community.from_csv(members, inter, journey=str(journey))
    plan = er.match(c, candidates=0)
    assert plan.attrs["total_score"] == pytest.approx(best, abs=1e-6)  # features are float32 in C++
    assert plan.peer.is_unique and plan.member.is_unique
    out = run_community(run_cli, "match", members, inter, journey, "--candidates", "0", "--format", "json")
    doc = json.loads(out.stdout)
    assert doc["total_score"] == pytest.approx(best, abs=1e-6)
    assert {(p["member"], p["peer"]) for p in doc["pairs"]} == set(zip(plan.member, plan.peer))


@pytest.mark.parametrize("seed", range(50))
def test_community_matching_with_capacities_equals_networkx(tmp_path, seed):
    rng = random.Random(100 + seed)
    n, m = rng.randint(1, 14), rng.randint(1, 8)
    members, inter, journey = two_stage_case(
        tmp_path,
        rng,
        n,
        m,
        capacity=lambda: rng.choice(["", "0", "1", "2"]),
        detractors=0.3,
        interactions=rng.randint(0, 15),
    )
    seekers, peers, s = score_matrix(members, inter, journey)
    c = er.Community.from_csv(members, inter, journey=str(journey))
    with open(members, newline="", encoding="utf-8") as f:
        given = {r["id"]: r["capacity"] for r in csv.DictReader(f)}
    capacity = np.array([int(given[p]) if given[p] else 3 for p in peers], dtype=int)  # empty: journey default 3
    per_member = 1 + seed % 2
    spread = [0.0, 0.5][seed % 2]
    plan = er.match(c, candidates=0, per_member=per_member, spread=spread)
    best = flow_reference(s, capacity, per_member, spread) if len(peers) else 0.0
    assert plan.attrs["total_value"] == pytest.approx(best, abs=1e-6)
    # hard rules against the reference's eligible pairs
    eligible = {(u, peers[j]) for i, u in enumerate(seekers) for j in range(len(peers)) if s[i, j] != 0}
    assert set(zip(plan.member, plan.peer)) <= eligible


def test_history_cooldown_continuity_and_blocked(tmp_path):
    rng = random.Random(7)
    members, inter, journey = two_stage_case(tmp_path, rng, 6, 6)
    c = er.Community.from_csv(members, inter, journey=str(journey))
    free = er.match(c, candidates=0)
    first = (free.member[0], free.peer[0])
    history = [(first[0], first[1], "2026-03-01"), ("a1", "b7", "2025-01-01")]
    cooled = er.match(c, candidates=0, history=history, as_of="2026-03-20")
    assert first not in set(zip(cooled.member, cooled.peer))
    assert first in set(
        zip(
            er.match(c, candidates=0, history=history, as_of="2026-08-01").member,
            er.match(c, candidates=0, history=history, as_of="2026-08-01").peer,
        )
    )
    blocked = er.match(c, candidates=0, blocked=[(first[1], first[0])])  # either direction
    assert first not in set(zip(blocked.member, blocked.peer))
    # A large continuity bonus makes the earlier pair win again.
    old = ("a1", "b7")
    bonus = er.match(c, candidates=0, history=[(*old, "2025-01-01")], cooldown_days=0, continuity_bonus=5)
    assert old in set(zip(bonus.member, bonus.peer))
    pairs, unmatched = er.match(c, candidates=0, per_member=3, with_unmatched=True)
    assert list(unmatched.columns) == ["member", "member_stage", "matched", "reason"]
    assert set(unmatched.reason) <= {"no_eligible_peer", "no_positive_score", "capacity_exhausted"}
    with pytest.raises(ValueError, match="method"):
        er.match(c, method="best")
    with pytest.raises(ValueError, match="spread"):
        er.match(c, spread=2)
    with pytest.raises(ValueError, match="unknown member"):
        er.match(c, blocked=[("a0", "nobody")])


# ---------------------------------------------------------------------- CLI --


@pytest.fixture
def sample(tmp_path):
    rng = random.Random(3)
    return two_stage_case(tmp_path, rng, 5, 4, interactions=3)


@pytest.mark.parametrize(
    "body, what",
    [
        ("member,peer,timestamp\na0,zz,2026-01-01\n", 'pairs.csv:2:4: peer: unknown member id "zz"'),
        ("member,peer,timestamp\na0,b5,later\n", "pairs.csv:2:7: timestamp:"),
        ("member,peer\na0,b5\n", "pairs.csv:1: missing required column 'timestamp'"),
        ("member,peer,timestamp\na0,b5\n", "pairs.csv:2: expected 3 fields"),
    ],
)
def test_bad_history_files_exit_2(run_cli, sample, tmp_path, body, what):
    members, inter, journey = sample
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(body, encoding="utf-8")
    out = run_cli("match", "--members", members, "--journey", journey, "--history", pairs, check_exit=2)
    assert what in out.stderr.decode()


def test_bad_blocked_file_and_options_exit_2(run_cli, sample, tmp_path):
    members, inter, journey = sample
    blocked = tmp_path / "blocked.csv"
    blocked.write_text("member,peer\na0,b5\n,b6\n", encoding="utf-8")
    out = run_cli("match", "--members", members, "--journey", journey, "--blocked", blocked, check_exit=2)
    assert "blocked.csv:3:1: member: expected a member id" in out.stderr.decode()
    for args, what in (
        (["--method", "best"], "--method"),
        (["--spread", "2"], "--spread"),
        (["--per-member", "0"], "--per-member"),
    ):
        out = run_cli("match", "--members", members, "--journey", journey, *args, check_exit=2)
        assert what in out.stderr.decode()


def test_csv_output_lists_unmatched_members_as_rows(run_cli, sample):
    members, inter, journey = sample
    out = run_community(run_cli, "match", members, inter, journey, "--per-member", "9", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.stdout.decode())))
    assert list(rows[0]) == ["member", "member_stage", "peer", "peer_stage", "score", "channel", "reason"]
    short = [r for r in rows if r["peer"] == ""]
    assert short and all(r["reason"] in {"no_eligible_peer", "no_positive_score", "capacity_exhausted"} for r in short)
    for r in rows:
        if r["peer"]:
            assert r["member_stage"] == "a" and r["peer_stage"] == "b" and float(r["score"]) > 0


def test_export_dot_and_graphml(run_cli, sample, tmp_path):
    members, inter, journey = sample
    plan = json.loads(run_community(run_cli, "match", members, inter, journey, "--format", "json").stdout)
    dot = run_community(run_cli, "export", members, inter, journey, "--format", "dot").stdout.decode()
    assert dot.startswith("digraph G {") and "rankdir=LR" in dot
    assert dot.count("rank=same") == 2
    assert dot.count('[color="#d62728"') == len(plan["pairs"])  # one highlighted edge per pair
    gml = tmp_path / "plan.graphml"
    gml.write_bytes(run_community(run_cli, "export", members, inter, journey, "--format", "graphml").stdout)
    g = nx.read_graphml(gml)
    assert g.number_of_nodes() == 9
    assert {d["stage"] for _, d in g.nodes(data=True)} == {"a", "b"}
    kinds = [d["kind"] for _, _, d in g.edges(data=True)]
    assert kinds.count("pair") == len(plan["pairs"])
    out = run_cli("export", "--members", members, "--format", "svg", check_exit=2)
    assert "--format" in out.stderr.decode()
    if shutil.which("dot"):
        svg = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True, check=True).stdout
        assert b"<svg" in svg
