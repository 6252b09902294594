"""Files given to the Python package by path are read by the C++ readers, so
a malformed file gets exactly the CLI's message (``FILE:LINE:COL: ...``,
raised as ValueError; the CLI prints ``engage-right: <message>`` and exits
2): pairs.csv and blocked.csv through er.match, stages.csv and
interactions.csv through er.estimate_uplift. And the simulation parameters
that er.estimate_uplift learns are those of ``learn --params-out``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import engage_right as er
from cliutil import REPO, run

QC = REPO / "examples" / "data" / "quantumcomputing"

MEMBERS = """id,stage,satisfaction
p1,prospect,9
p2,prospect,
i1,interested,10
i2,interested,8
n1,new_customer,9
l1,loyal,9
a1,advocate,10
"""
STAGES = """member,stage,timestamp
p1,prospect,2026-01-01T00:00:00Z
p2,prospect,2026-01-02T00:00:00Z
i1,interested,2026-01-01T00:00:00Z
p1,interested,2026-02-10T00:00:00Z
"""
INTERACTIONS = """source,target,weight,timestamp
p1,i1,1,2026-01-05T00:00:00Z
p2,i2,2,1767657600
"""

# (file kind, bad content); every one is rejected by the reader of its kind.
BAD_FILES = [
    ("pairs", "member,peer,timestamp\np1,i1,2026-01-01\np1,i2,yesterday\n"),
    ("pairs", "member,peer,timestamp\np1,nobody,2026-01-01\n"),
    ("pairs", "member,peer\np1,i1\n"),
    ("pairs", "member,peer,timestamp\np1,i1,\n"),
    ("pairs", 'member,peer,timestamp\n"p1,i1,5\n'),
    ("blocked", "member,peer\np1,i1\ni2,zz\n"),
    ("blocked", "member\np1\n"),
    ("blocked", "member,peer\n,i1\n"),
    ("stages", "member,stage,timestamp\np1,prospect,0\np2,gold,5\n"),
    ("stages", "member,stage,timestamp\np1,prospect,last week\n"),
    ("stages", "member,stage\np1,prospect\n"),
    ("stages", "member,stage,timestamp\np1,prospect,\n"),
    ("interactions", "source,target\np1,i1\n"),
    ("interactions", "source,target,weight,timestamp\np1,i1,-1,0\n"),
    ("interactions", "source,target,timestamp\np1,i1,0\n,i2,1\n"),
    ("interactions", "source,target,timestamp\np1,i1,soon\n"),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("good")
    out = {}
    for name, text in (("members", MEMBERS), ("stages", STAGES), ("interactions", INTERACTIONS)):
        out[name] = d / f"{name}.csv"
        out[name].write_text(text)
    return out


def cli_error(cli, *args) -> str:
    """The CLI's message for bad input (exit 2, ``engage-right: <message>``)."""
    proc = run(cli, *args, check_exit=2)
    text = proc.stderr.decode("utf-8")
    assert text.startswith("engage-right: ") and text.endswith("\n") and text.count("\n") == 1, text
    return text[len("engage-right: ") : -1]


def python_error(call) -> str:
    with pytest.raises(ValueError) as excinfo:
        call()
    assert type(excinfo.value) is ValueError
    return str(excinfo.value)


@pytest.mark.parametrize("kind,text", BAD_FILES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(BAD_FILES)])
def test_a_malformed_file_gets_the_cli_message(cli, files, tmp_path, kind, text):
    bad = tmp_path / f"{kind}.csv"
    bad.write_text(text)
    if kind in ("pairs", "blocked"):
        option = "--history" if kind == "pairs" else "--blocked"
        expected = cli_error(cli, "match", "--members", files["members"], option, bad)
        community = er.Community.from_csv(files["members"])
        keyword = "history" if kind == "pairs" else "blocked"
        got = python_error(lambda: er.match(community, **{keyword: bad}))
        got_text = python_error(lambda: er.match(community, **{keyword: str(bad)}))
    else:
        inter = bad if kind == "interactions" else files["interactions"]
        stages = bad if kind == "stages" else files["stages"]
        expected = cli_error(cli, "learn", "--interactions", inter, "--stages", stages)
        got = python_error(lambda: er.estimate_uplift(inter, stages))
        got_text = python_error(lambda: er.estimate_uplift(str(inter), str(stages)))
    assert expected.startswith(f"{bad}:"), expected  # FILE:LINE[:COL]: message
    assert got == expected
    assert got_text == expected


def test_good_pair_files_are_read_as_the_cli_reads_them(cli, files, tmp_path):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("member,peer,timestamp\np1,i1,2026-03-01T00:00:00Z\n")
    blocked = tmp_path / "blocked.csv"
    blocked.write_text("member,peer\ni1,p2\n")
    proc = run(
        cli,
        "match",
        "--members",
        files["members"],
        "--history",
        pairs,
        "--blocked",
        blocked,
        "--format",
        "json",
        check_exit=0,
    )
    expected = [(row["member"], row["peer"]) for row in json.loads(proc.stdout)["pairs"]]
    community = er.Community.from_csv(files["members"])
    plan = er.match(community, history=pairs, blocked=blocked)
    assert list(zip(plan["member"], plan["peer"])) == expected
    free = er.match(community)
    assert {("p1", "i1"), ("p2", "i1")} <= set(zip(free["member"], free["peer"]))  # the happier peer
    assert ("p1", "i2") in expected and ("p2", "i2") in expected  # p1-i1 cooled down, i1-p2 blocked
    framed = er.match(community, history=[("p1", "i1", "2026-03-01T00:00:00Z")], blocked=[("i1", "p2")])
    assert list(zip(framed["member"], framed["peer"])) == expected


# -- learned simulation parameters ---------------------------------------------


@pytest.fixture(scope="module")
def qc_stages(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("qc") / "stages.csv"
    er.stage_history(QC / "members.csv", QC / "events.csv", QC / "journey.json", path=path)
    return path


@pytest.mark.parametrize("round_days", [None, 7.0, 2.5])
def test_learned_params_equal_the_params_out_file(cli, qc_stages, tmp_path, round_days):
    out = tmp_path / "params.json"
    extra = [] if round_days is None else ["--round-days", str(round_days)]
    proc = run(
        cli,
        "learn",
        "--interactions",
        QC / "interactions.csv",
        "--stages",
        qc_stages,
        "--journey",
        QC / "journey.json",
        "--params-out",
        out,
        *extra,
        check_exit=0,
    )
    df = er.estimate_uplift(QC / "interactions.csv", qc_stages, journey=QC / "journey.json", round_days=round_days)
    assert df.attrs["params"] == json.loads(out.read_text())  # exact: the file holds round-trip numbers
    warnings = [
        line[len("engage-right: warning: ") :]
        for line in proc.stderr.decode("utf-8").splitlines()
        if line.startswith("engage-right: warning: ") and "self-contact" not in line
    ]
    assert df.attrs["params_warnings"] == warnings
    assert warnings, "the QC history has steps without a lift estimate"
    # Missing estimates are 0, the others the estimates scaled to the round.
    scale = 1.0 if round_days is None else round_days / df.attrs["window_days"]
    for s, row in enumerate(df.to_dict("records")):
        assert df.attrs["params"]["base"][s] == pytest.approx(row["base"] * scale, rel=1e-12)
        assert df.attrs["params"]["lift"][s] == (row["lift"] if row["status"] == "ok" and row["lift"] > 0 else 0)


def test_learned_params_drive_the_simulator(qc_stages, tmp_path):
    df = er.estimate_uplift(QC / "interactions.csv", qc_stages, journey=QC / "journey.json", round_days=7)
    path = tmp_path / "params.json"
    path.write_text(json.dumps(df.attrs["params"]))
    community = er.Community.from_csv(QC / "members.csv", QC / "interactions.csv", QC / "journey.json")
    a = er.simulate(community, rounds=8, engine="mean_field", params=df.attrs["params"])
    b = er.simulate(community, rounds=8, engine="mean_field", params=path)
    assert a.params["base"] == df.attrs["params"]["base"] and a.params["lift"] == df.attrs["params"]["lift"]
    assert a.counts.equals(b.counts) and a.viral_r == b.viral_r
