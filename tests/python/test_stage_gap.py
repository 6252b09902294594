"""The stage gap (`--stage-gap MIN:MAX`, `stage_gap=(MIN, MAX)`) on the
bundled Quantum Computing Stack Exchange community and the sample data.

Recommendations under random gaps are cross-checked against the references
in test_crosscheck.py (CLI) and test_package_crosscheck.py (package); here:
the default is the old rule byte for byte, the funnel's window against a
pandas count, the plan's hard rules and capacities, the CLI against the
package, and bad gaps."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

import engage_right as er
from cliutil import REPO

QC = REPO / "examples" / "data" / "quantumcomputing"
SAMPLE = REPO / "examples" / "data" / "sample"
STAGES = ["prospect", "interested", "new_customer", "loyal", "advocate"]
DATA = {
    "qc": (QC / "members.csv", QC / "interactions.csv"),
    "sample": (SAMPLE / "members.csv", SAMPLE / "interactions.csv"),
}

#: The CLI options that read the Quantum Computing community.
QC_INPUTS = ("--members", DATA["qc"][0], "--interactions", DATA["qc"][1])


def csv_rows(data: bytes):
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


@pytest.mark.parametrize("data", sorted(DATA))
def test_default_equals_one_one_byte_for_byte(run_cli, data):
    members, interactions = DATA[data]
    base = ["--members", members, "--interactions", interactions, "--format", "csv"]
    for cmd in (["recommend", "--top", "3"], ["match"], ["match", "--method", "greedy"], ["stats"]):
        default = run_cli(*cmd, *base, check_exit=0).stdout
        assert run_cli(*cmd, *base, "--stage-gap", "1:1", check_exit=0).stdout == default, cmd
    ids = pd.read_csv(members, dtype=str)["id"].tolist()
    for u, v in [(ids[0], ids[-1]), (ids[1], ids[len(ids) // 2]), (ids[-1], ids[0])]:
        e = ["explain", *base, "--member", u, "--peer", v]
        assert run_cli(*e, check_exit=0).stdout == run_cli(*e, "--stage-gap", "1:1", check_exit=0).stdout


def qc_frame():
    m = pd.read_csv(QC / "members.csv", dtype=str, keep_default_na=False)
    m["s"] = m["stage"].map({s: k for k, s in enumerate(STAGES)})
    return m


def contacts():
    i = pd.read_csv(QC / "interactions.csv", dtype=str, keep_default_na=False)
    i = i[i["source"] != i["target"]]
    return {tuple(sorted(p)) for p in zip(i["source"], i["target"])}


def test_funnel_counts_the_window_against_pandas(run_cli):
    c = er.Community.from_csv(*DATA["qc"])
    m = qc_frame()
    neighbours = {}
    for a, b in contacts():
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    cap = 3  # members.csv leaves capacity and satisfaction empty: every member is a peer with 3 seats
    for gap in [(1, 1), (1, 2), (2, 3), (1, 4)]:
        f = er.funnel(c, stage_gap=gap)
        for s in range(4):
            lo, hi = s + gap[0], min(s + gap[1], 4)
            peers = m[(m["s"] >= lo) & (m["s"] <= hi)]["id"]
            seekers = m[m["s"] == s]["id"]
            row = f.loc[STAGES[s]]
            assert row["seekers"] == len(seekers) and row["peers"] == len(peers), (gap, s)
            assert row["seats"] == cap * len(peers), (gap, s)
            # without a peer: every eligible peer of the window is already a contact
            peer_set = set(peers)
            without = sum(1 for u in seekers if peer_set <= neighbours.get(u, set()))
            assert row["seekers_without_peer"] == without, (gap, s)
        # the CLI prints the same counts
        out = run_cli(
            "stats",
            *QC_INPUTS,
            "--format",
            "csv",
            "--stage-gap",
            f"{gap[0]}:{gap[1]}",
            check_exit=0,
        )
        steps = [r for r in csv_rows(out.stdout) if r["section"] == "step"]
        assert [int(r["seats"]) for r in steps] == [int(x) for x in f["seats"].iloc[:4]], gap


def test_plan_under_a_wider_gap_keeps_the_hard_rules(run_cli):
    c = er.Community.from_csv(*DATA["qc"])
    stage_of = dict(zip(qc_frame()["id"], qc_frame()["s"]))
    known = contacts()
    channels = {s: c.journey.channel(STAGES[s]) for s in range(4)}
    for gap in [(1, 2), (2, 3)]:
        pairs, unmatched = er.match(c, stage_gap=gap, per_member=2, with_unmatched=True)
        d = pairs["peer"].map(stage_of) - pairs["member"].map(stage_of)
        assert d.between(*gap).all(), gap
        assert (pairs.groupby("peer").size() <= 3).all()  # capacity 3, whichever stage the seekers are at
        assert (pairs.groupby("member").size() <= 2).all()
        assert not any(tuple(sorted(p)) in known for p in zip(pairs["member"], pairs["peer"]))
        assert list(pairs["channel"]) == [channels[stage_of[u]] for u in pairs["member"]]
        if gap == (1, 2):
            assert (d == 2).sum() > 0  # some pairs are two stages apart
        cli = run_cli(
            "match",
            *QC_INPUTS,
            "--per-member",
            "2",
            "--stage-gap",
            f"{gap[0]}:{gap[1]}",
            "--format",
            "csv",
            check_exit=0,
        )
        rows = [r for r in csv_rows(cli.stdout) if r["peer"]]
        assert [(r["member"], r["peer"]) for r in rows] == list(zip(pairs["member"], pairs["peer"]))
        assert len(csv_rows(cli.stdout)) - len(rows) == len(unmatched)


def test_recommend_cli_equals_the_package_under_a_gap(run_cli):
    c = er.Community.from_csv(*DATA["qc"])
    got = er.recommend(c, k=4, stage_gap="1:3")
    cli = csv_rows(
        run_cli(
            "recommend",
            *QC_INPUTS,
            "--top",
            "4",
            "--stage-gap",
            "1:3",
            "--format",
            "csv",
            check_exit=0,
        ).stdout
    )
    assert [(r["member"], r["peer"], r["peer_stage"]) for r in cli] == list(
        zip(got["member"], got["peer"], got["peer_stage"])
    )
    assert np.allclose([float(r["score"]) for r in cli], got["score"], atol=5e-7)
    pd.testing.assert_frame_equal(got, er.recommend(c, k=4, stage_gap=(1, 3)))
    # interested members now also meet loyal and advocate peers
    assert set(got[got["member_stage"] == "interested"]["peer_stage"]) > {"new_customer"}


def test_explain_under_a_gap():
    c = er.Community.from_csv(SAMPLE / "members.csv", SAMPLE / "interactions.csv")
    m = c.members()
    u = m[m["stage"] == "prospect"]["id"].iloc[0]
    v = m[(m["stage"] == "new_customer") & m["satisfaction"].fillna(10).ge(7) & ~m["opted_out"]]["id"].iloc[0]
    one = c.explain(u, v)
    assert one["failed_rule"] == 1 and one["channel"] is None
    assert "not one stage right" in one["why"]
    wide = c.explain(u, v, stage_gap=(1, 2))
    assert wide["channel"] == "private"  # prospect -> interested, the member's own step
    assert wide["failed_rule"] in (0, 4, 5)  # rule 1 holds now
    assert c.explain(u, v, stage_gap=(2, 2))["failed_rule"] == wide["failed_rule"]


@pytest.mark.parametrize(
    "gap, error, text",
    [
        (
            (0, 1),
            ValueError,
            r"stage_gap: expected MIN:MAX, two integers with 1 <= MIN <= MAX \(e\.g\. 1:2\), got '0:1'",
        ),
        ((2, 1), ValueError, "got '2:1'"),
        ((1, 5), ValueError, r"stage_gap: stage gap 1:5: MAX 5 is more than the 4 steps of journey 'engage_right'"),
        ("1-2", ValueError, "got '1-2'"),
        ((-1, 2), ValueError, "got '-1:2'"),
        ((1.0, 2), TypeError, "two integers"),
        ((True, 2), TypeError, "two integers"),
        (None, TypeError, r"\(MIN, MAX\)"),
        ((1, 2, 3), TypeError, r"\(MIN, MAX\)"),
    ],
)
def test_bad_gaps(gap, error, text, run_cli):
    c = er.Community.from_csv(*DATA["sample"])
    for call in (
        lambda: er.recommend(c, stage_gap=gap),
        lambda: er.match(c, stage_gap=gap),
        lambda: er.funnel(c, stage_gap=gap),
        lambda: c.explain(c.members()["id"][0], c.members()["id"][1], stage_gap=gap),
    ):
        with pytest.raises(error, match=text):
            call()
    if isinstance(gap, tuple) and len(gap) == 2 and error is ValueError:
        for cmd in ("recommend", "match", "stats"):
            proc = run_cli(cmd, "--members", DATA["sample"][0], "--stage-gap", f"{gap[0]}:{gap[1]}", check_exit=2)
            assert b"option --stage-gap: " in proc.stderr


def test_the_measured_reason():
    """docs/scoring.md, "How far right": contacts by stage distance and
    members without a recommendation, recounted with pandas."""
    stage_of = dict(zip(qc_frame()["id"], qc_frame()["s"]))
    distance = pd.Series([abs(stage_of[a] - stage_of[b]) for a, b in contacts()]).value_counts().to_dict()
    assert distance == {0: 279, 1: 691, 2: 434, 3: 38}
    c = er.Community.from_csv(*DATA["qc"])
    for gap in [(1, 1), (1, 2)]:
        got = er.recommend(c, k=1, stage_gap=gap)
        assert len(got) == 3443  # every member before advocate gets a peer
