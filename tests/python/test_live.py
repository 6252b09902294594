"""Live communities and snapshots from Python and the CLI.

The expected state after updates is computed with pandas on the members
table (an independent model), written as CSV and loaded fresh: a live
community must answer exactly as that fresh load does.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import engage_right as er

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parents[1] / "examples" / "data" / "sample"
QC = HERE.parents[1] / "examples" / "data" / "quantumcomputing"
QC_ARGS = ("--members", QC / "members.csv", "--interactions", QC / "interactions.csv", "--journey", QC / "journey.json")


def fresh(members: pd.DataFrame, interactions: pd.DataFrame, tmp_path: Path) -> er.Community:
    members.to_csv(tmp_path / "m.csv", index=False)
    interactions.to_csv(tmp_path / "i.csv", index=False)
    return er.Community.from_csv(tmp_path / "m.csv", tmp_path / "i.csv")


def test_updates_answer_like_a_fresh_load_of_the_same_data(tmp_path):
    members = pd.read_csv(SAMPLE / "members.csv", dtype=str, keep_default_na=False)
    inter = pd.read_csv(SAMPLE / "interactions.csv", dtype=str, keep_default_na=False)
    live = er.LiveCommunity.from_csv(SAMPLE / "members.csv", SAMPLE / "interactions.csv")
    first, second = members["id"].iloc[0], members["id"].iloc[1]
    gone = members["id"].iloc[5]

    live.update_member(first, satisfaction=2, tags=["Security", " terraform "])
    members.loc[members["id"] == first, ["satisfaction", "tags"]] = ["2", "security;terraform"]
    live.update_member(second, stage="loyal", capacity=None)
    members.loc[members["id"] == second, ["stage", "capacity"]] = ["loyal", ""]
    fcols = [c for c in members.columns if c.startswith("f_")]
    live.add_member("newcomer", "interested", satisfaction=9, tags=["ci-cd"], features=[0.5] * len(fcols))
    row = {c: "" for c in members.columns} | {"id": "newcomer", "stage": "interested", "satisfaction": "9"}
    row |= {"tags": "ci-cd", "opted_out": "0"} | {c: "0.5" for c in fcols}
    members = pd.concat([members, pd.DataFrame([row])], ignore_index=True)
    live.add_interaction("newcomer", first, weight=2.5, timestamp="2024-05-01T10:00:00Z")
    inter = pd.concat(
        [
            inter,
            pd.DataFrame(
                [{"source": "newcomer", "target": first, "weight": "2.5", "timestamp": "2024-05-01T10:00:00Z"}]
            ),
        ],
        ignore_index=True,
    )
    live.erase(gone)
    members = members[members["id"] != gone]
    inter = inter[(inter["source"] != gone) & (inter["target"] != gone)]
    assert live.version == 5

    expected = fresh(members, inter, tmp_path)
    got = er.recommend(live.snapshot(), k=5)
    pd.testing.assert_frame_equal(got, er.recommend(expected, k=5))
    pd.testing.assert_frame_equal(live.snapshot().members(), expected.members())
    assert gone not in set(got["member"]) | set(got["peer"])


def test_a_bad_update_names_the_problem_and_changes_nothing():
    live = er.LiveCommunity.from_csv(SAMPLE / "members.csv", SAMPLE / "interactions.csv")
    some = live.snapshot().members()["id"].iloc[0]
    with pytest.raises(ValueError, match=rf"^update_member '{some}': satisfaction: expected an integer 0-10"):
        live.update_member(some, satisfaction=11)
    with pytest.raises(ValueError, match=r"unknown member field 'mood'"):
        live.update_member(some, mood=3)
    with pytest.raises(KeyError, match="unknown member id 'nobody'"):
        live.erase("nobody")
    with pytest.raises(ValueError, match=r"^add_member '.*': the id is taken"):
        live.add_member(some, "loyal")
    with pytest.raises(ValueError, match="timestamp: expected unix seconds or ISO-8601, got 'soon'"):
        live.add_interaction(some, some, timestamp="soon")
    with pytest.raises(KeyError, match="update 1: unknown member id 'nobody'"):
        with live.batch() as b:
            b.add_member("brand-new", "loyal")
            b.erase("nobody")
    assert "brand-new" not in live
    assert live.version == 0


def test_erase_leaves_no_trace_in_later_versions_and_snapshots(tmp_path):
    live = er.LiveCommunity.from_csv(QC / "members.csv", QC / "interactions.csv", QC / "journey.json")
    before = live.snapshot()
    victim = before.members()["id"].iloc[10]
    live.erase(victim)
    after = live.snapshot()
    assert victim in before and victim not in after
    assert len(after) == len(before) - 1
    recs = er.recommend(after, k=10)
    assert victim not in set(recs["member"]) | set(recs["peer"])
    live.save(tmp_path / "after.snap")
    loaded = er.Community.load(tmp_path / "after.snap")
    assert victim not in loaded
    pd.testing.assert_frame_equal(er.recommend(loaded, k=10), recs)


def test_snapshot_round_trip_and_damaged_files(tmp_path):
    c = er.Community.from_csv(QC / "members.csv", QC / "interactions.csv", QC / "journey.json")
    path = tmp_path / "qc.snap"
    c.save(path)
    back = er.Community.load(path)
    pd.testing.assert_frame_equal(back.members(), c.members())
    pd.testing.assert_frame_equal(er.recommend(back, k=5), er.recommend(c, k=5))
    data = path.read_bytes()
    (tmp_path / "cut.snap").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"cut\.snap:0: truncated or extended snapshot"):
        er.Community.load(tmp_path / "cut.snap")
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0x10
    (tmp_path / "bad.snap").write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match=r"bad\.snap:0: corrupted snapshot: checksum mismatch"):
        er.Community.load(tmp_path / "bad.snap")
    with pytest.raises(ValueError, match="not an engage-right snapshot"):
        er.Community.load(QC / "members.csv")


def test_queries_on_threads_while_one_thread_updates():
    live = er.LiveCommunity.from_csv(SAMPLE / "members.csv", SAMPLE / "interactions.csv")
    ids = list(live.snapshot().members()["id"])
    stages = live.snapshot().journey.stages
    errors: list[str] = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            snap = live.snapshot()
            recs = er.recommend(snap, k=3)
            m = snap.members().set_index("id")
            for member, peer in zip(recs["member"], recs["peer"]):
                step = stages.index(m.loc[peer, "stage"]) - stages.index(m.loc[member, "stage"])
                if step != 1 or m.loc[peer, "opted_out"] or m.loc[member, "opted_out"]:
                    errors.append(f"{member} -> {peer}")

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    rng = np.random.default_rng(5)
    for k in range(60):
        who = ids[int(rng.integers(len(ids)))]
        if k % 10 == 9 and who in live:
            live.erase(who)
        elif who in live:
            live.update_member(who, satisfaction=int(rng.integers(0, 11)), opted_out=bool(rng.random() < 0.1))
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert live.version > 0


def test_cli_snapshot_and_recommend_from_it(run_cli, tmp_path):
    snap = tmp_path / "qc.snap"
    r = run_cli("snapshot", *QC_ARGS, "--out", snap, check_exit=0)
    assert b"3460 members, 3288 interaction rows" in r.stderr
    a = run_cli("recommend", "--snapshot", snap, "--format", "csv", check_exit=0)
    b = run_cli("recommend", *QC_ARGS, "--format", "csv", check_exit=0)
    assert a.stdout == b.stdout
    r = run_cli("match", "--snapshot", snap, "--members", QC / "members.csv", check_exit=2)
    assert b"option --snapshot replaces --members, --interactions and --journey" in r.stderr
    r = run_cli("recommend", "--snapshot", QC / "members.csv", check_exit=2)
    assert b"members.csv:0: not an engage-right snapshot" in r.stderr
    r = run_cli("snapshot", "--members", QC / "members.csv", "--out", tmp_path / "missing" / "x.snap", check_exit=1)
    assert b"x.snap: cannot write" in r.stderr
