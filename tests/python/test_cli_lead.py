"""CLI `score`, `infer-stages` and `stats` against the independent pure-Python
reference (lead_reference.py) on random instances, plus their error paths."""

from __future__ import annotations

import csv
import io
import json
import math
import random

import pytest

import lead_reference as ref

ACTIONS = ["visit", "download", "buy", "review", "unsub", "asked", "answered", "spam"]
TAGS = ["k8s", "ml", "Rust", "go"]
COUNTRIES = ["DE", "fr", "US", " de", ""]


def random_journey(rng: random.Random) -> dict:
    n = rng.randint(2, 6)
    stages = [f"st{i}" for i in range(n)]
    actions = {}
    for a in rng.sample(ACTIONS, rng.randint(2, len(ACTIONS))):
        pts = rng.choice([1, 2, 5, 0.5, -3, 10, 2.25])
        actions[a] = {"points": 0.1, "per_value": True} if a == "buy" else pts
    fit = []
    if rng.random() < 0.8:
        fit.append({"tag": rng.choice(TAGS), "points": rng.choice([1, 3, 7])})
        fit.append({"column": "country", "equals": rng.choice(["de", "FR"]), "points": 2})
        fit.append({"column": "activity", "min": 2, "max": rng.choice([5, 50]), "points": 1.5})
        fit.append({"column": "employees", "min": 10, "points": 4})
    lead = {"actions": actions, "fit": fit}
    if rng.random() < 0.7:
        lead["half_life_days"] = rng.choice([0.5, 3, 30, 365.25])
    rules = {}
    for s in stages[1:]:
        rule = {}
        if rng.random() < 0.5:
            rule["min_score"] = rng.choice([0, 2, 5, 12, 30])
        if rng.random() < 0.2:
            rule["min_engagement"] = rng.choice([1, 4])
        if rng.random() < 0.2:
            rule["min_fit"] = rng.choice([1, 3])
        ms = []
        for _ in range(rng.randint(0, 2)):
            a = rng.choice(ACTIONS)
            kind = rng.random()
            if kind < 0.5:
                ms.append(a)
            elif kind < 0.8:
                ms.append({"action": a, "at_least": rng.randint(1, 3)})
            else:
                ms.append({"any_of": rng.sample(ACTIONS, 2), "at_least": rng.randint(1, 3)})
        if ms:
            rule["milestones"] = ms
        rules[s] = rule
    return {"name": "random", "stages": stages, "lead_scoring": lead, "stage_rules": rules}


def random_case(rng: random.Random, tmp_path, tag: str):
    journey = random_journey(rng)
    n = rng.randint(1, 25)
    members = []
    for i in range(n):
        stage = rng.choice(journey["stages"] + [""])
        members.append(
            {
                "id": f"u{i}",
                "stage": stage,
                "satisfaction": rng.choice(["", "3", "7", "9", "10"]),
                "activity": rng.choice(["", "0", "3", "5", "60"]),
                "tags": ";".join(rng.sample(TAGS, rng.randint(0, 2))),
                "country": rng.choice(COUNTRIES),
                "employees": rng.choice(["", "5", "10", "250"]),
            }
        )
    events = []
    t0 = 1_700_000_000
    for _ in range(rng.randint(0, 80)):
        a = rng.choice(ACTIONS)
        t = t0 + rng.choice([0, 3600, 86400, 2 * 86400]) * rng.randint(0, 40)  # many ties
        ts = str(t) if rng.random() < 0.5 else ref.format_ts(t)
        value = f"{rng.uniform(1, 500):.2f}" if a == "buy" else rng.choice(["", ""])
        events.append({"member": f"u{rng.randrange(n)}", "action": a, "timestamp": ts, "value": value})
    mpath = tmp_path / f"members_{tag}.csv"
    epath = tmp_path / f"events_{tag}.csv"
    jpath = tmp_path / f"journey_{tag}.json"
    with open(mpath, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(members[0]))
        w.writeheader()
        w.writerows(members)
    with open(epath, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["member", "action", "timestamp", "value"])
        w.writeheader()
        w.writerows(events)
    jpath.write_text(json.dumps(journey), encoding="utf-8")
    return journey, members, events, mpath, epath, jpath


def rows_of(stdout: bytes) -> list:
    return list(csv.DictReader(io.StringIO(stdout.decode("utf-8"))))


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("seed", range(40))
def test_score_and_infer_match_the_reference(run_cli, tmp_path, seed):
    rng = random.Random(seed)
    journey, members, events, mpath, epath, jpath = random_case(rng, tmp_path, str(seed))
    as_of = None if seed % 3 else ref.format_ts(1_700_000_000 + 20 * 86400)
    extra = [] if as_of is None else ["--as-of", as_of]

    out = run_cli(
        "score", "--members", mpath, "--events", epath, "--journey", jpath, "--format", "csv", *extra, check_exit=0
    )
    scores, _ = ref.lead_scores(members, events, journey, as_of=as_of)
    got = rows_of(out.stdout)
    assert [r["member"] for r in got] == list(scores)
    for r in got:
        fit, eng, total = scores[r["member"]]
        # The CSV has 6 decimals.
        assert abs(float(r["fit"]) - fit) <= 5e-7 * max(1, abs(fit))
        assert abs(float(r["engagement"]) - eng) <= 5e-7 * max(1, abs(eng))
        assert abs(float(r["total"]) - total) <= 5e-7 * max(1, abs(total))

    hist = tmp_path / f"stages_{seed}.csv"
    out = run_cli(
        "infer-stages",
        "--members",
        mpath,
        "--events",
        epath,
        "--journey",
        jpath,
        "--format",
        "json",
        "--history-out",
        hist,
        *extra,
        check_exit=0,
    )
    result, _ = ref.infer_stages(members, events, journey, as_of=as_of)
    got = json.loads(out.stdout)
    names = journey["stages"]
    assert [r["member"] for r in got] == list(result)
    for r, m in zip(got, members):
        want = result[r["member"]]
        assert r["stage"] == want["stage_name"]
        assert r["recorded_stage"] == (m["stage"] or None)
        assert close(r["fit"], want["fit"]) and close(r["engagement"], want["engagement"])
        assert r["next_stage"] == (None if want["next_stage"] is None else names[want["next_stage"]])
        flags = [item.rsplit(": ", 1)[1] for item in r["next_milestone"].split("; ")] if r["next_milestone"] else []
        assert flags == ["yes" if item[4] else "no" for item in want["checklist"]]
    with open(hist, newline="", encoding="utf-8") as f:
        written = [(row["member"], row["stage"], ref.parse_ts(row["timestamp"])) for row in csv.DictReader(f)]
    expected = ref.history_rows(result, journey)
    assert [(m, s) for m, s, _ in written] == [(m, s) for m, s, _ in expected]
    for (_, _, a), (_, _, b) in zip(written, expected):
        assert abs(a - b) < 1e-3


@pytest.mark.parametrize("seed", range(15))
def test_stats_matches_the_reference_funnel(run_cli, tmp_path, seed):
    rng = random.Random(1000 + seed)
    journey, members, events, mpath, epath, jpath = random_case(rng, tmp_path, str(seed))
    for m in members:  # stats reads the recorded stages: every member needs one
        m["stage"] = m["stage"] or journey["stages"][0]
        m["capacity"] = rng.choice(["", "0", "1", "4"])
        m["opted_out"] = rng.choice(["0", "0", "1"])
    journey["min_peer_satisfaction"] = rng.choice([0, 7, 9])
    journey["default_capacity"] = rng.choice([0, 2, 3])
    journey["steps"] = [{"enabled": rng.random() < 0.8} for _ in journey["stages"][1:]]
    jpath.write_text(json.dumps(journey), encoding="utf-8")
    with open(mpath, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(members[0]))
        w.writeheader()
        w.writerows(members)
    pairs = [(f"u{rng.randrange(len(members))}", f"u{rng.randrange(len(members))}") for _ in range(rng.randint(0, 40))]
    ipath = tmp_path / f"interactions_{seed}.csv"
    ipath.write_text("source,target\n" + "".join(f"{a},{b}\n" for a, b in pairs), encoding="utf-8")

    out = run_cli(
        "stats", "--members", mpath, "--interactions", ipath, "--journey", jpath, "--format", "json", check_exit=0
    )
    got = json.loads(out.stdout)
    want = ref.funnel(
        members,
        pairs,
        journey["stages"],
        [s["enabled"] for s in journey["steps"]],
        min_peer_satisfaction=journey["min_peer_satisfaction"],
        default_capacity=journey["default_capacity"],
    )
    for g, w in zip(got["stages"], want["stages"]):
        assert g["stage"] == w["stage"]
        assert g["members"] == w["members"] and g["reached"] == w["reached"]
        for key in ("promoters", "passives", "detractors", "unknown"):
            assert g[key] == w["nps"][key]
        for key, value in (("share", w["share"]), ("conversion", w["conversion"]), ("nps", w["nps"]["nps"])):
            if math.isnan(value):
                assert g[key] is None
            else:
                assert close(g[key], value)
    assert got["stages"][-1]["stage"] == "(all)"
    for g, w in zip(got["steps"], want["steps"]):
        for key in ("seekers", "seekers_without_peer", "peers", "seats"):
            assert g[key] == w[key], key
        assert (g["enabled"] == "yes") == w["enabled"]
    bottleneck = want["bottleneck"]
    if bottleneck is None:
        assert got["bottleneck"] is None
    else:
        step = want["steps"][bottleneck]
        assert got["bottleneck"].startswith(f"{step['from']} → {step['to']}: ")
        assert [s["bottleneck"] for s in got["steps"]] == [
            "yes" if i == bottleneck else "no" for i in range(len(want["steps"]))
        ]

    # The CSV form is one table with a section column; it carries the same numbers.
    out = run_cli(
        "stats", "--members", mpath, "--interactions", ipath, "--journey", jpath, "--format", "csv", check_exit=0
    )
    table = rows_of(out.stdout)
    assert [r["section"] for r in table] == ["stage"] * (len(journey["stages"]) + 1) + ["step"] * (
        len(journey["stages"]) - 1
    )
    assert [int(r["seats"]) for r in table if r["section"] == "step"] == [s["seats"] for s in want["steps"]]


def test_stats_with_events_uses_the_inferred_stages(run_cli, tmp_path):
    rng = random.Random(5)
    journey, members, events, mpath, epath, jpath = random_case(rng, tmp_path, "ev")
    out = run_cli("stats", "--members", mpath, "--events", epath, "--journey", jpath, "--format", "json", check_exit=0)
    result, _ = ref.infer_stages(members, events, journey)
    counts = [0] * len(journey["stages"])
    for r in result.values():
        counts[r["stage"]] += 1
    assert [s["members"] for s in json.loads(out.stdout)["stages"][:-1]] == counts


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def small(tmp_path):
    m = write(tmp_path / "m.csv", "id,stage\na,prospect\nb,\n")
    j = write(
        tmp_path / "j.json",
        json.dumps(
            {
                "stages": ["prospect", "customer"],
                "lead_scoring": {"actions": {"visit": 1, "buy": {"points": 1, "per_value": True}}},
                "stage_rules": {"customer": {"milestones": ["buy"]}},
            }
        ),
    )
    return tmp_path, m, j


@pytest.mark.parametrize(
    "body, where, what",
    [
        ("member,action,timestamp\nzz,visit,1\n", ":2:1:", 'unknown member id "zz"'),
        ("member,action,timestamp\na,visit,soon\n", ":2:9:", "timestamp: expected unix seconds or ISO-8601"),
        ("member,action,timestamp,value\na,buy,5,\n", ":2:9:", "scored per value"),
        ("member,action,timestamp,value\na,visit,5,x\n", ":2:11:", "value: expected a finite number"),
        ("member,action\na,visit\n", ":1:", "missing required column 'timestamp'"),
        ("member,action,timestamp\na,visit,1,2\n", ":2:11:", "expected 3 fields"),
        ('member,action,timestamp\n"a,visit,1\n', ":2:1:", "unterminated quoted field"),
        ("", ":1:", "empty file"),
    ],
)
def test_event_errors_exit_2_with_the_position(run_cli, small, body, where, what):
    tmp, m, j = small
    e = write(tmp / "e.csv", body)
    for command in ("score", "infer-stages"):
        out = run_cli(command, "--members", m, "--events", e, "--journey", j, check_exit=2)
        message = out.stderr.decode()
        assert f"e.csv{where}" in message and what in message
        assert out.stdout == b""


def test_journey_errors_exit_2_with_the_json_path(run_cli, small):
    tmp, m, _ = small
    e = write(tmp / "e.csv", "member,action,timestamp\na,visit,1\n")
    bad = write(tmp / "bad.json", json.dumps({"stages": ["a", "b"], "lead_scoring": {"half_life_days": -1}}))
    out = run_cli("score", "--members", m, "--events", e, "--journey", bad, check_exit=2)
    assert "$.lead_scoring.half_life_days" in out.stderr.decode()
    partial = write(
        tmp / "partial.json", json.dumps({"stages": ["prospect", "customer", "fan"], "stage_rules": {"customer": {}}})
    )
    out = run_cli("infer-stages", "--members", m, "--events", e, "--journey", partial, check_exit=2)
    assert "$.stage_rules.fan" in out.stderr.decode()
    out = run_cli("score", "--members", m, "--events", e, "--as-of", "tomorrow", check_exit=2)
    assert "--as-of" in out.stderr.decode()


def test_every_preset_scores_out_of_the_box(run_cli, tmp_path):
    m = write(tmp_path / "m.csv", "id\nx\ny\n")
    e = write(tmp_path / "e.csv", "member,action,timestamp\nx,purchase,2026-01-01\nx,visit,2026-02-01\n")
    for preset in ("engage_right", "four_phase", "loyalty_loop", "inbound", "success"):
        out = run_cli(
            "infer-stages", "--members", m, "--events", e, "--journey", preset, "--format", "csv", check_exit=0
        )
        assert len(rows_of(out.stdout)) == 2


def test_skip_unknown_members_counts_on_stderr(run_cli, small):
    tmp, m, j = small
    e = write(tmp / "e.csv", "member,action,timestamp\nzz,visit,1\na,visit,2\nyy,visit,3\n")
    out = run_cli(
        "score",
        "--members",
        m,
        "--events",
        e,
        "--journey",
        j,
        "--skip-unknown-members",
        "--format",
        "csv",
        check_exit=0,
    )
    assert "2 events of unknown members skipped" in out.stderr.decode()
    assert [r["engagement"] for r in rows_of(out.stdout)] == ["1.000000", "0.000000"]
