"""The journey check (`engage-right check`, `er.check_journey`, the warnings
of score / infer-stages / stats) on the bundled Quantum Computing Stack
Exchange data (examples/data/quantumcomputing).

Expected findings are computed here independently: action sets with pandas
from events.csv and the journey JSON, stage reachability and the furthest
stage of every member with the pure-Python reference of stage inference
(lead_reference.py), never with the code under test."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest

import engage_right as er
import lead_reference as lr
from cliutil import REPO

QC = REPO / "examples" / "data" / "quantumcomputing"
MEMBERS, EVENTS, JOURNEY = QC / "members.csv", QC / "events.csv", QC / "journey.json"
KINDS = [
    "unknown_action",
    "unknown_milestone",
    "unused_action",
    "unknown_tag",
    "missing_rule",
    "unreachable_stage",
    "unreachable_member",
]
WARNING = "engage-right: warning: "


# ---------------------------------------------------------------------------
# independent expectations


def journey_dict():
    return json.loads(JOURNEY.read_text(encoding="utf-8"))


def milestone_actions(j):
    """(stage, action) of every milestone, any_of alternatives included."""
    out = []
    for stage, rule in j.get("stage_rules", {}).items():
        for m in rule.get("milestones", []):
            if isinstance(m, str):
                names = [m]
            elif "any_of" in m:
                names = list(m["any_of"])
            else:
                names = [m["action"]]
            out += [(stage, a) for a in names]
    return out


def expected_action_findings(j):
    """unknown_action / unknown_milestone / unused_action from pandas."""
    ev = pd.read_csv(EVENTS, dtype=str, keep_default_na=False)
    counts = ev["action"].value_counts()
    occurring = set(counts.index)
    scored = list(j["lead_scoring"]["actions"])
    named = {a for _, a in milestone_actions(j)}
    return {
        "unknown_action": {a for a in scored if a not in occurring},
        "unknown_milestone": {(s, a) for s, a in milestone_actions(j) if a not in occurring},
        "unused_action": {a: int(n) for a, n in counts.items() if a not in set(scored) | named},
    }


def furthest_stages(j):
    """member id -> furthest stage index held (now or in the history), by the
    pure-Python reference."""
    with open(MEMBERS, encoding="utf-8", newline="") as fm, open(EVENTS, encoding="utf-8", newline="") as fe:
        members, events = list(csv.DictReader(fm)), list(csv.DictReader(fe))
    result, _ = lr.infer_stages(members, events, j)
    return {m: max([r["stage"]] + [s for s, _ in r["history"]]) for m, r in result.items()}


def expected_stage_findings(j):
    """Unreachable stages (nobody ever held them) and members recorded beyond
    their furthest stage: {stage names}, {member: (recorded, furthest)}."""
    names = j["stages"]
    furthest = furthest_stages(j)
    stages = {names[s] for s in range(1, len(names)) if not any(f >= s for f in furthest.values())}
    recorded = pd.read_csv(MEMBERS, dtype=str, keep_default_na=False).set_index("id")["stage"]
    members = {}
    for m, f in furthest.items():
        rec = names.index(recorded[m])
        if rec > f:
            members[m] = (names[rec], names[f])
    return stages, members


# ---------------------------------------------------------------------------
# running the check


def write_journey(tmp_path, j, name="journey.json"):
    path = tmp_path / name
    path.write_text(json.dumps(j), encoding="utf-8")
    return path


def cli_findings(run_cli, journey, *extra, members=True, events=True, check_exit=0):
    args = ["check", "--journey", journey, "--format", "csv", *extra]
    if members:
        args += ["--members", MEMBERS]
    if events:
        args += ["--events", EVENTS]
    proc = run_cli(*args, check_exit=check_exit)
    rows = list(csv.DictReader(io.StringIO(proc.stdout.decode("utf-8"))))
    return rows, proc.stderr.decode("utf-8")


def by_kind(rows):
    out = {k: [] for k in KINDS}
    for r in rows:
        out[r["kind"]].append(r)
    return out


def check_against_expectations(rows, j):
    """The CLI's (or the API's) findings equal the independent expectations."""
    assert [r["kind"] for r in rows] == sorted((r["kind"] for r in rows), key=KINDS.index), "kinds out of order"
    got = by_kind(rows)
    exp = expected_action_findings(j)
    assert {r["subject"] for r in got["unknown_action"]} == exp["unknown_action"]
    assert {(r["stage"], r["subject"]) for r in got["unknown_milestone"]} == exp["unknown_milestone"]
    assert {r["subject"]: int(r["count"]) for r in got["unused_action"]} == exp["unused_action"]
    stages, members = expected_stage_findings(j)
    assert {r["subject"] for r in got["unreachable_stage"]} == stages
    assert {r["subject"]: (r["stage"], r["reachable_stage"]) for r in got["unreachable_member"]} == members
    assert got["unknown_tag"] == [] and got["missing_rule"] == []
    return got


# ---------------------------------------------------------------------------
# the bundled journey


def test_clean_journey_on_the_bundled_data(run_cli):
    j = journey_dict()
    rows, err = cli_findings(run_cli, JOURNEY)
    got = check_against_expectations(rows, j)
    # What the data holds: every action scored and seen, every stage held by
    # somebody; only members.csv's recorded stages go beyond the events.
    assert not got["unknown_action"] and not got["unknown_milestone"] and not got["unused_action"]
    assert not got["unreachable_stage"]
    assert len(got["unreachable_member"]) == 1224
    stages = pd.Series([r["stage"] for r in got["unreachable_member"]]).value_counts().to_dict()
    assert stages == {"interested": 1175, "loyal": 48, "advocate": 1}
    # Member findings are summed up per stage on stderr.
    lines = err.splitlines()
    assert lines[0].startswith(WARNING + "1175 members are recorded at 'interested' but their events never reach it")
    assert len(lines) == 3


def test_misspelt_action(run_cli, tmp_path):
    j = journey_dict()
    actions = j["lead_scoring"]["actions"]
    actions["answred"] = actions.pop("answered")  # misspelt (still named by a milestone)
    del actions["commented"]  # forgotten: now ignored
    rows, err = cli_findings(run_cli, write_journey(tmp_path, j))
    got = check_against_expectations(rows, j)
    assert [r["subject"] for r in got["unknown_action"]] == ["answred"]
    assert got["unknown_action"][0]["message"].endswith("(did you mean 'answered'?)")
    assert [(r["subject"], r["count"]) for r in got["unused_action"]] == [("commented", "3412")]
    assert WARNING + got["unknown_action"][0]["message"] in err.splitlines()


def test_misspelt_milestone_makes_stages_unreachable(run_cli, tmp_path):
    j = journey_dict()
    j["stage_rules"]["loyal"]["milestones"][0] = "answerd"
    rows, err = cli_findings(run_cli, write_journey(tmp_path, j))
    got = check_against_expectations(rows, j)
    assert [(r["stage"], r["subject"]) for r in got["unknown_milestone"]] == [("loyal", "answerd")]
    assert [r["subject"] for r in got["unreachable_stage"]] == ["loyal", "advocate"]
    assert "no member has 'answerd'" in got["unreachable_stage"][0]["message"]
    assert "no member reaches 'loyal' before it" in got["unreachable_stage"][1]["message"]
    # members.csv records 154 loyal and 17 advocate members: the counts
    recorded = pd.read_csv(MEMBERS, dtype=str)["stage"].value_counts()
    assert [int(r["count"]) for r in got["unreachable_stage"]] == [recorded["loyal"], recorded["advocate"]]


def test_stage_out_of_reach_in_the_data(run_cli, tmp_path):
    # Nobody's score ever reaches 5000: advocate is held by nobody.
    j = journey_dict()
    j["stage_rules"]["advocate"]["min_score"] = 5000
    rows, _ = cli_findings(run_cli, write_journey(tmp_path, j))
    got = check_against_expectations(rows, j)
    assert [r["subject"] for r in got["unreachable_stage"]] == ["advocate"]
    assert (
        "no member ever met all of its rule (min_score 5000; answer_accepted; badge_nice_answer)"
        in (got["unreachable_stage"][0]["message"])
    )
    # every recorded advocate is now beyond reach
    assert sum(r["stage"] == "advocate" for r in got["unreachable_member"]) == 17


def test_rules_alone(run_cli, tmp_path):
    j = journey_dict()
    j["stage_rules"]["advocate"]["min_fit"] = 100  # the fit rules give 20 at most
    rows, err = cli_findings(run_cli, write_journey(tmp_path, j), members=False, events=False)
    assert [(r["kind"], r["subject"]) for r in rows] == [("unreachable_stage", "advocate")]
    assert rows[0]["message"] == (
        "stage 'advocate' cannot be reached: min_fit 100 is more than all fit rules together give (20)"
    )
    assert err == WARNING + rows[0]["message"] + "\n"
    del j["stage_rules"]["loyal"]
    rows, _ = cli_findings(run_cli, write_journey(tmp_path, j), members=False, events=False)
    assert [(r["kind"], r["subject"]) for r in rows] == [("missing_rule", "loyal"), ("unreachable_stage", "advocate")]


def test_events_without_members(run_cli, tmp_path):
    # Without members.csv: no recorded stages, fit points at their most.
    rows, err = cli_findings(run_cli, JOURNEY, members=False)
    assert rows == [] and err == ""
    j = journey_dict()
    j["stage_rules"]["loyal"]["milestones"][0] = "answerd"
    rows, _ = cli_findings(run_cli, write_journey(tmp_path, j), members=False)
    assert [(r["kind"], r["subject"]) for r in rows] == [
        ("unknown_milestone", "answerd"),
        ("unreachable_stage", "loyal"),
        ("unreachable_stage", "advocate"),
    ]
    assert all(r["count"] == "0" for r in rows)


def test_same_warnings_from_every_command_and_stdout_unchanged(run_cli, tmp_path):
    j = journey_dict()
    j["stage_rules"]["loyal"]["milestones"][0] = "answerd"  # milestones do not change scores
    typo = write_journey(tmp_path, j)
    _, err = cli_findings(run_cli, typo)
    assert err and all(line.startswith(WARNING) for line in err.splitlines())
    inputs = ["--members", MEMBERS, "--events", EVENTS]
    for cmd in (["score"], ["infer-stages"], ["stats"]):
        got = run_cli(*cmd, *inputs, "--journey", typo, "--format", "csv", check_exit=0)
        assert got.stderr.decode("utf-8") == err, cmd
    clean = run_cli("score", *inputs, "--journey", JOURNEY, "--format", "csv", check_exit=0)
    typo_scores = run_cli("score", *inputs, "--journey", typo, "--format", "csv", check_exit=0)
    assert typo_scores.stdout == clean.stdout  # warnings never reach stdout
    assert clean.stdout.decode("utf-8").splitlines()[0] == "member,fit,engagement,total"


def test_strict(run_cli, tmp_path):
    rows, err = cli_findings(run_cli, JOURNEY, "--strict", check_exit=2)
    assert len(rows) == 1224  # the report is written, then exit code 2
    assert err.splitlines()[-1] == "engage-right: 1224 findings in the journey check, and --strict makes them an error"
    cli_findings(run_cli, JOURNEY, "--strict", members=False, check_exit=0)  # nothing to report
    for cmd in ("score", "infer-stages", "stats"):
        proc = run_cli(cmd, "--members", MEMBERS, "--events", EVENTS, "--journey", JOURNEY, "--strict", check_exit=2)
        assert proc.stdout == b"", cmd  # no output under --strict
    proc = run_cli("stats", "--members", MEMBERS, "--strict", check_exit=2)
    assert b"need --events" in proc.stderr


def test_table_and_json_formats(run_cli):
    proc = run_cli("check", "--journey", JOURNEY, "--events", EVENTS, check_exit=0)
    assert proc.stdout == b"0 findings for journey 'quantumcomputing_se_2018'\n"
    proc = run_cli("check", "--journey", JOURNEY, "--events", EVENTS, "--members", MEMBERS, "--format", "json")
    data = json.loads(proc.stdout)
    assert len(data) == 1224 and set(data[0]) == set(er.CHECK_COLUMNS)
    assert data[0]["count"] == 2 and data[0]["reachable_stage"] == "prospect"
    assert run_cli("check", "--events", EVENTS).returncode == 2  # --journey is required
    usage = run_cli("check", "--help", check_exit=0).stdout.decode("utf-8")
    assert all(kind in usage for kind in KINDS)


# ---------------------------------------------------------------------------
# Python


def test_check_journey_api_equals_the_cli(run_cli, tmp_path):
    j = journey_dict()
    j["stage_rules"]["loyal"]["milestones"][0] = "answerd"
    del j["lead_scoring"]["actions"]["commented"]
    path = write_journey(tmp_path, j)
    rows, err = cli_findings(run_cli, path)
    f = er.check_journey(path, MEMBERS, EVENTS)
    assert list(f.columns) == er.CHECK_COLUMNS
    assert f["count"].dtype == "int64"
    as_text = f.astype(object).where(f.notna(), "").astype(str).to_dict("records")
    assert as_text == rows
    assert f.attrs["summary"] == [line[len(WARNING) :] for line in err.splitlines()]
    check_against_expectations(as_text, j)
    # DataFrames go through the same C++ builders and give the same findings.
    members = pd.read_csv(MEMBERS, dtype=str, keep_default_na=False)
    events = pd.read_csv(EVENTS, dtype={"member": str, "action": "category"}, keep_default_na=False)
    pd.testing.assert_frame_equal(er.check_journey(j, members, events), f)
    # Events alone (files or frames): no member findings.
    alone = er.check_journey(j, events=events)
    assert list(alone["kind"]) == ["unknown_milestone", "unused_action", "unreachable_stage", "unreachable_stage"]
    pd.testing.assert_frame_equal(alone, er.check_journey(j, events=EVENTS))
    assert er.check_journey(j).empty  # nothing the rules alone rule out


def test_check_journey_bad_input(tmp_path):
    events = pd.DataFrame({"member": ["1", "nobody"], "action": ["joined", "joined"], "timestamp": [1, 2]})
    with pytest.raises(ValueError, match=r"events row 1: member: unknown member id 'nobody'"):
        er.check_journey(JOURNEY, MEMBERS, events)
    got = er.check_journey(JOURNEY, MEMBERS, events, skip_unknown_members=True)
    assert set(got["kind"]) >= {"unknown_action"}
    with pytest.raises(ValueError, match=r"events row 1: member: expected a member id"):
        er.check_journey(
            JOURNEY, events=pd.DataFrame({"member": ["1", None], "action": ["a", "a"], "timestamp": [1, 2]})
        )
    with pytest.raises(ValueError, match="need events"):
        er.check_journey(JOURNEY, MEMBERS, as_of="2018-06-01")
    # A file goes through the C++ reader: FILE:LINE:COLUMN.
    path = tmp_path / "bad.csv"
    text = EVENTS.read_text(encoding="utf-8")
    path.write_text(text + ",joined,2018-09-03,\n", encoding="utf-8")
    line = text.count("\n") + 1
    with pytest.raises(ValueError, match=rf"bad\.csv:{line}:1: member: expected a member id, got an empty field"):
        er.check_journey(JOURNEY, events=path)


def test_lead_functions_keep_the_findings():
    j = journey_dict()
    j["stage_rules"]["loyal"]["milestones"][0] = "answerd"
    f = er.check_journey(j, MEMBERS, EVENTS)
    scores = er.lead_scores(MEMBERS, EVENTS, j)
    assert scores.attrs["findings"] == f.attrs["summary"]
    assert er.infer_stages(MEMBERS, EVENTS, j).attrs["findings"] == f.attrs["summary"]
    assert er.stage_history(MEMBERS, EVENTS, j).attrs["findings"] == f.attrs["summary"]
    assert "findings" not in er.lead_scores(MEMBERS, EVENTS, j, check=False).attrs
    assert "findings" not in er.infer_stages(MEMBERS, EVENTS, j, check=False).attrs
    pd.testing.assert_frame_equal(er.lead_scores(MEMBERS, EVENTS, j, check=False), scores)
    # bounded size: 1,200 member findings are summed up in a few lines
    assert len(f) > 1000 and len(f.attrs["summary"]) < 10
