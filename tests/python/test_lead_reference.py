"""Tests of the pure-Python lead-scoring reference (lead_reference.py) against
values computed by hand.  No CLI needed: these check the checker.

    python -m pytest -W error -q tests/python/test_lead_reference.py
"""

from __future__ import annotations

import datetime as dt
import math
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import lead_reference as ref  # noqa: E402

DAY = 86400
T = 1_700_000_000  # an as_of, 2023-11-14T22:13:20Z


def journey(half_life=1, rules=None, fit=None, stages=("a", "b", "c", "d")):
    j = {
        "stages": list(stages),
        "lead_scoring": {
            "actions": {
                "visit": 10,
                "read": {"points": 5},
                "buy": {"points": 0.5, "per_value": True},
                "unsub": -4,
            },
            "fit": fit
            if fit is not None
            else [
                {"tag": "k8s", "points": 3},
                {"column": "country", "equals": "de", "points": 2},
                {"column": "activity", "min": 10, "points": 1},
                {"column": "employees", "min": 50, "max": 5000, "points": 8},
            ],
        },
        "stage_rules": rules
        if rules is not None
        else {
            "b": {"min_score": 12},
            "c": {"milestones": ["buy"]},
            "d": {"milestones": [{"action": "buy", "at_least": 2}], "min_engagement": 20},
        },
    }
    if half_life is not None:
        j["lead_scoring"]["half_life_days"] = half_life
    return j


def member(mid, **cols):
    row = {
        "id": mid,
        "stage": "",
        "tags": "",
        "activity": "",
        "satisfaction": "",
        "capacity": "",
        "country": "",
        "employees": "",
    }
    row.update({k: str(v) for k, v in cols.items()})
    return row


def ev(mid, action, t, value=""):
    return {"member": mid, "action": action, "timestamp": str(t), "value": str(value)}


# ----------------------------------------------------------------------------
# timestamps
# ----------------------------------------------------------------------------
def utc(*args):
    return dt.datetime(*args, tzinfo=dt.timezone.utc).timestamp()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("0", 0.0),
        ("1700000000", 1700000000.0),
        ("1700000000.25", 1700000000.25),
        ("1970-01-01", 0.0),
        ("2026-03-14", utc(2026, 3, 14)),
        ("2026-03-14T09:30", utc(2026, 3, 14, 9, 30)),
        ("2026-03-14T09:30:05", utc(2026, 3, 14, 9, 30, 5)),
        ("2026-03-14T09:30:00.250Z", utc(2026, 3, 14, 9, 30) + 0.25),
        ("2026-03-14T09:30+01:00", utc(2026, 3, 14, 8, 30)),
        ("2026-03-14T09:30:00-02:30", utc(2026, 3, 14, 12, 0)),
        ("2024-02-29T23:59:59Z", utc(2024, 2, 29, 23, 59, 59)),
        ("1969-12-31T23:59:59Z", -1.0),
        ("2000-03-01", utc(2000, 3, 1)),
    ],
)
def test_parse_ts(text, expected):
    assert ref.parse_ts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "2026-02-30",
        "2025-02-29",
        "2026-13-01",
        "2026-03-14 09:30",
        "2026-03-14T24:00",
        "2026-3-14",
        "1e9",
        "2026-03-14T09:30+1:00",
    ],
)
def test_parse_ts_rejects(text):
    with pytest.raises(ValueError):
        ref.parse_ts(text)


@pytest.mark.parametrize("t", [0, 1, 951782400, 1700000000, 1700000000.25, 4102444800, -86401])
def test_format_ts_roundtrip(t):
    assert ref.parse_ts(ref.format_ts(t)) == t
    assert ref.format_ts(1700000000) == "2023-11-14T22:13:20Z"


# ----------------------------------------------------------------------------
# engagement and fit
# ----------------------------------------------------------------------------
# Hand table, half-life 1 day, as_of = T:
#
#   event                      age (days)  points x value   factor   contribution
#   visit                      0           10               1        10
#   read                       1           5                1/2      2.5
#   buy value 20 (0.5/unit)    2           0.5 x 20 = 10    1/4      2.5
#   unsub                      3           -4               1/8      -0.5
#   chat (not in the table)    0           0                1        0
#   visit at T + 1 day         -           ignored (after as_of)
#                                                                    = 14.5
# Fit: tag "K8s" (given as " K8s ; other", case-insensitive) 3 + country
# " DE " equals "de" 2 + activity 10 >= min 10 (inclusive) 1 + employees
# empty (never matches) 0 = 6.  total = 20.5.
# Without decay (half_life_days absent): 10 + 5 + 10 - 4 + 0 = 21.
HAND_EVENTS = [
    ev("x", "visit", T),
    ev("x", "read", T - DAY),
    ev("x", "buy", T - 2 * DAY, 20),
    ev("x", "unsub", T - 3 * DAY),
    ev("x", "chat", T),
    ev("x", "visit", T + DAY),
]
HAND_MEMBER = member("x", tags=" K8s ; other", country=" DE ", activity="10")


def test_engagement_hand_table():
    scores, as_of = ref.lead_scores([HAND_MEMBER], HAND_EVENTS, journey(), as_of=T)
    assert as_of == T
    assert scores["x"] == (6.0, 14.5, 20.5)


def test_engagement_no_decay():
    for j in (
        journey(half_life=None),
        {**journey(), "lead_scoring": {**journey()["lead_scoring"], "half_life_days": None}},
    ):
        scores, _ = ref.lead_scores([HAND_MEMBER], HAND_EVENTS, j, as_of=T)
        assert scores["x"] == (6.0, 21.0, 27.0)


def test_as_of_defaults_to_latest_event():
    # latest event is the visit at T + 1 day: every age grows by one day and
    # that visit now counts: 10/2 + 2.5/2 + 2.5/2 - 0.5/2 + 0 + 10 = 17.25
    scores, as_of = ref.lead_scores([HAND_MEMBER], HAND_EVENTS, journey())
    assert as_of == T + DAY
    assert scores["x"] == (6.0, 17.25, 23.25)


def test_as_of_iso_and_half_life_fraction():
    # half-life 2 days, one visit 1 day old: 10 * 2^(-1/2)
    events = [ev("x", "visit", T - DAY)]
    scores, as_of = ref.lead_scores([member("x")], events, journey(half_life=2), as_of=ref.format_ts(T))
    assert as_of == T
    assert scores["x"][1] == pytest.approx(10 / math.sqrt(2), rel=1e-15)


def test_members_without_events_and_empty_file():
    scores, as_of = ref.lead_scores([member("a"), member("b", tags="k8s")], [], journey())
    assert as_of is None
    assert scores == {"a": (0.0, 0.0, 0.0), "b": (3.0, 0.0, 3.0)}


@pytest.mark.parametrize(
    "cols,fit",
    [
        ({}, 0.0),
        ({"tags": "K8S;k8s"}, 3.0),  # duplicates ignored
        ({"tags": "k8sx"}, 0.0),  # whole tags only
        ({"country": "de"}, 2.0),
        ({"country": "Germany"}, 0.0),
        ({"activity": "9.999"}, 0.0),
        ({"activity": "1e3"}, 1.0),
        ({"employees": "50"}, 8.0),  # min inclusive
        ({"employees": "5000"}, 8.0),  # max inclusive
        ({"employees": "5000.5"}, 0.0),
        ({"employees": " 49 "}, 0.0),
        ({"tags": "k8s", "country": "DE", "activity": "11", "employees": "51"}, 14.0),
    ],
)
def test_fit_rules(cols, fit):
    scores, _ = ref.lead_scores([member("x", **cols)], [], journey())
    assert scores["x"][0] == fit


def test_fit_header_case_and_bad_number():
    row = {"ID": "x", " Country ": "de", "Employees": "100"}
    scores, _ = ref.lead_scores([row], [], journey())
    assert scores["x"][0] == 10.0
    with pytest.raises(ValueError, match="employees"):
        ref.lead_scores([member("x", employees="many")], [], journey())


def test_per_value_needs_value_and_unknown_members():
    with pytest.raises(ValueError, match="per_value"):
        ref.lead_scores([member("x")], [ev("x", "buy", T)], journey())
    with pytest.raises(ValueError, match="unknown member"):
        ref.lead_scores([member("x")], [ev("y", "visit", T)], journey())
    scores, as_of = ref.lead_scores(
        [member("x")], [ev("x", "visit", T), ev("y", "visit", T + 5)], journey(), skip_unknown=True
    )
    assert as_of == T and scores["x"] == (0.0, 10.0, 10.0)


# ----------------------------------------------------------------------------
# stage inference and history
# ----------------------------------------------------------------------------
# Rules (stages a=0, b=1, c=2, d=3; half-life 1 day; fit 0):
#   b: total >= 12;  c: buy at least once;  d: buy at least twice and engagement >= 20
#
#   time       events                          engagement at that time              buys  stage
#   t0         visit                           10                                   0     a (10 < 12)
#   t0+1d      read, buy(value 2 -> 1 pt)      10/2 + 5 + 1 = 11                    1     a (c's milestone, but b fails: gap)
#   t0+2d      visit, unsub  (same second)     11/2 + 10 - 4 = 11.5                 1     a (visit alone would give 15.5 -> c;
#                                                                                               ties count together)
#   t0+3d      buy(40 -> 20), buy(0 -> 0)      11.5/2 + 20 + 0 = 25.75              3     d
#   as_of=t0+5d                                25.75/4 = 6.4375                     3     a (fell back: b fails)
# History: a at t0; b, c and d all at t0+3d.
T0 = T - 5 * DAY
STORY = [
    ev("x", "visit", T0),
    ev("x", "buy", T0 + DAY, 2),
    ev("x", "read", T0 + DAY),
    ev("x", "visit", T0 + 2 * DAY),
    ev("x", "unsub", T0 + 2 * DAY),
    ev("x", "buy", T0 + 3 * DAY, 40),
    ev("x", "buy", T0 + 3 * DAY, 0),
]


def test_history_ties_gap_and_fall_back():
    res, as_of = ref.infer_stages([member("x"), member("y")], STORY, journey(), as_of=T)
    x = res["x"]
    assert as_of == T
    assert x["engagement"] == 6.4375 and x["fit"] == 0.0
    assert x["stage"] == 0 and x["stage_name"] == "a" and x["next_stage"] == 1
    assert x["checklist"] == [("min_score", None, 12.0, 6.4375, False)]
    assert x["history"] == [(0, T0), (1, T0 + 3 * DAY), (2, T0 + 3 * DAY), (3, T0 + 3 * DAY)]
    assert res["y"]["history"] == [] and res["y"]["stage"] == 0
    assert ref.history_rows(res, journey()) == [
        ("x", "a", T0),
        ("x", "b", T0 + 3 * DAY),
        ("x", "c", T0 + 3 * DAY),
        ("x", "d", T0 + 3 * DAY),
    ]


def test_stage_at_each_moment():
    # the same story evaluated at every event time, as the table above says
    expected = {T0: (0, 10.0), T0 + DAY: (0, 11.0), T0 + 2 * DAY: (0, 11.5), T0 + 3 * DAY: (3, 25.75)}
    for t, (stage, eng) in expected.items():
        res, _ = ref.infer_stages([member("x")], STORY, journey(), as_of=t)
        assert (res["x"]["stage"], res["x"]["engagement"]) == (stage, eng), t
        # history is cut at as_of
        assert all(h <= t for _, h in res["x"]["history"])
    # at t0+3d the member is at the last stage: no next stage, no checklist
    res, _ = ref.infer_stages([member("x")], STORY, journey(), as_of=T0 + 3 * DAY)
    assert res["x"]["next_stage"] is None and res["x"]["checklist"] == []


def test_gap_milestone_of_later_stage_only():
    # b needs a visit, c needs a buy, d needs two reviews; the member has
    # reviews x2 and a buy but no visit: c's and d's rules hold, b's does not
    # -> stays at the first stage (a), and the history has only stage a.
    rules = {
        "b": {"milestones": ["visit"]},
        "c": {"milestones": ["buy"]},
        "d": {"milestones": [{"action": "review", "at_least": 2}]},
    }
    events = [ev("x", "review", T - 2), ev("x", "review", T - 1), ev("x", "buy", T, 1)]
    res, _ = ref.infer_stages([member("x")], events, journey(rules=rules))
    assert res["x"]["stage"] == 0
    assert res["x"]["checklist"] == [("milestone", "visit", 1, 0, False)]
    assert res["x"]["history"] == [(0, T - 2)]
    # with the visit the member jumps to d at once
    res, _ = ref.infer_stages([member("x")], events + [ev("x", "visit", T)], journey(rules=rules))
    assert res["x"]["stage"] == 3
    assert res["x"]["history"] == [(0, T - 2), (1, T), (2, T), (3, T)]


def test_checklist_items_and_fit_rules():
    # b: fit >= 3 (the k8s tag); c: total >= 15, engagement >= 10, buy x2,
    # chat once (chat is not in the points table but still a milestone)
    rules = {
        "b": {"min_fit": 3},
        "c": {"min_score": 15, "min_engagement": 10, "milestones": [{"action": "buy", "at_least": 2}, "chat"]},
        "D": {},
    }
    events = [ev("x", "visit", T), ev("x", "buy", T, 4), ev("x", "chat", T - DAY)]
    res, _ = ref.infer_stages([member("x", tags="k8s"), member("n", tags="K8S")], events, journey(rules=rules))
    x = res["x"]
    # engagement 10 + 0.5 * 4 = 12, fit 3, total 15
    assert (x["fit"], x["engagement"], x["total"], x["stage"]) == (3.0, 12.0, 15.0, 1)
    assert x["checklist"] == [
        ("min_score", None, 15.0, 15.0, True),
        ("min_engagement", None, 10.0, 12.0, True),
        ("milestone", "buy", 2, 1, False),
        ("milestone", "chat", 1, 1, True),
    ]
    assert x["history"] == [(0, T - DAY), (1, T - DAY)]
    # no events: stage from fit alone, but no history rows
    assert res["n"]["stage"] == 1 and res["n"]["history"] == []


def test_empty_rule_and_missing_rule():
    rules = {"b": {}, "c": {"milestones": ["buy"]}, "d": {"min_score": 0}}
    res, _ = ref.infer_stages([member("x"), member("y")], [ev("x", "unsub", T)], journey(rules=rules))
    assert res["y"]["stage"] == 1 and res["x"]["stage"] == 1
    assert res["x"]["history"] == [(0, T), (1, T)]
    with pytest.raises(ValueError, match=r"\$\.stage_rules\.d"):
        ref.infer_stages([member("x")], [], journey(rules={"b": {}, "c": {}}))


def test_action_names_are_case_sensitive():
    rules = {"b": {"milestones": ["Visit"]}, "c": {}, "d": {}}
    res, _ = ref.infer_stages([member("x")], [ev("x", "visit", T), ev("x", "VISIT", T)], journey(rules=rules))
    assert res["x"]["engagement"] == 10.0 and res["x"]["stage"] == 0


# ----------------------------------------------------------------------------
# NPS and the funnel
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sats,P,Pa,D,U,score",
    [
        # promoters 10, 9; passives 8, 7; detractors 6, 0; unknown None, "":
        # 100 * (2 - 2) / 6 = 0
        ([10, 9, 8, 7, 6, 0, None, ""], 2, 2, 2, 2, 0.0),
        ([10, 10, 10, 1], 3, 0, 1, 0, 50.0),  # 100 * (3 - 1) / 4
        (["9", "9", "5"], 2, 0, 1, 0, 100 / 3),  # 100 * (2 - 1) / 3
        ([0, 6, 7], 0, 1, 2, 0, -200 / 3),  # 100 * (0 - 2) / 3
        ([8], 0, 1, 0, 0, 0.0),
    ],
)
def test_nps(sats, P, Pa, D, U, score):
    r = ref.nps(sats)
    assert (r["promoters"], r["passives"], r["detractors"], r["unknown"]) == (P, Pa, D, U)
    assert r["responses"] == P + Pa + D
    assert r["nps"] == pytest.approx(score, rel=1e-15)


def test_nps_no_responses():
    assert math.isnan(ref.nps([])["nps"])
    r = ref.nps([None, ""])
    assert r["unknown"] == 2 and r["responses"] == 0 and math.isnan(r["nps"])


# Community (stages a, b, c):
#   a: u1, u2, u3 (opted out)
#   b: p1 sat 9 cap empty (-> 3), p2 sat 6 (detractor), p3 cap 0, p4 sat 7 cap 2,
#      p5 opted out (sat 3)
#   c: q1 sat 10 cap 1
# interactions: u1-p1, p4-u1 (u1 knows every eligible peer), u2-u2 (self-loop,
# ignored), u2-p1.
# step a->b: seekers u1, u2 (2); peers p1, p4 (2); seats 3 + 2 = 5;
#            without a new peer: u1 -> 1; seats per seeker 2.5
# step b->c: seekers p1..p4 (4); peers q1; seats 1; without 0; 0.25
# bottleneck: step 1 (0.25 < 2.5); with step 1 disabled: step 0.
# stages: members 3 / 5 / 1 of 9; reached 9 / 6 / 1; conversion NaN, 6/9, 1/6;
# NPS of b: P = 1 (9), passives 1 (7), detractors 2 (6, 3), unknown 1:
# 100 * (1 - 2) / 4 = -25.
FUNNEL_MEMBERS = [
    {"id": "u1", "stage": "a", "opted_out": "0"},
    {"id": "u2", "stage": "A"},
    {"id": "u3", "stage": "a", "opted_out": "TRUE"},
    {"id": "p1", "stage": "b", "satisfaction": "9", "capacity": ""},
    {"id": "p2", "stage": "b", "satisfaction": "6"},
    {"id": "p3", "stage": "b", "capacity": "0"},
    {"id": "p4", "stage": "b", "satisfaction": "7", "capacity": "2"},
    {"id": "p5", "stage": "b", "satisfaction": "3", "opted_out": "1"},
    {"id": "q1", "stage": "c", "satisfaction": "10", "capacity": "1"},
]
FUNNEL_EDGES = [{"source": "u1", "target": "p1"}, ("p4", "u1"), ("u2", "u2"), ("u2", "p1")]


def test_funnel_hand_example():
    f = ref.funnel(FUNNEL_MEMBERS, FUNNEL_EDGES, ["a", "b", "c"], [True, True])
    st = f["stages"]
    assert [s["members"] for s in st] == [3, 5, 1]
    assert [s["share"] for s in st] == [3 / 9, 5 / 9, 1 / 9]
    assert [s["reached"] for s in st] == [9, 6, 1]
    assert math.isnan(st[0]["conversion"])
    assert st[1]["conversion"] == 6 / 9 and st[2]["conversion"] == 1 / 6
    b = st[1]["nps"]
    assert (b["promoters"], b["passives"], b["detractors"], b["unknown"], b["nps"]) == (1, 1, 2, 1, -25.0)
    s0, s1 = f["steps"]
    assert (s0["seekers"], s0["peers"], s0["seats"], s0["seekers_without_peer"], s0["seats_per_seeker"]) == (
        2,
        2,
        5,
        1,
        2.5,
    )
    assert (s1["seekers"], s1["peers"], s1["seats"], s1["seekers_without_peer"], s1["seats_per_seeker"]) == (
        4,
        1,
        1,
        0,
        0.25,
    )
    assert f["bottleneck"] == 1
    assert ref.funnel(FUNNEL_MEMBERS, FUNNEL_EDGES, ["a", "b", "c"], [True, False])["bottleneck"] == 0


def test_funnel_no_peer_ties_and_empty():
    # q1 becomes a detractor: step b->c has no eligible peer, so every seeker
    # is "without peer"; step a->b: p1 (cap 3) and p4 (cap 2) for 2 seekers.
    members = [dict(m) for m in FUNNEL_MEMBERS]
    members[-1]["satisfaction"] = "2"
    f = ref.funnel(members, [], ["a", "b", "c"], [True, True], default_capacity=3)
    s0, s1 = f["steps"]
    assert (s1["peers"], s1["seats"], s1["seekers_without_peer"], s1["seats_per_seeker"]) == (0, 0, 4, 0.0)
    assert s0["seekers_without_peer"] == 0
    assert f["bottleneck"] == 1
    # min_peer_satisfaction 0 lets q1 (2) and p2 (6) back in, default capacity 1
    # gives p1 and p2 one seat each: step 0: (1 + 1 + 2) / 2 = 2, step 1: 1 / 4
    f = ref.funnel(members, [], ["a", "b", "c"], [True, True], min_peer_satisfaction=0, default_capacity=1)
    assert [s["peers"] for s in f["steps"]] == [3, 1]
    assert [s["seats_per_seeker"] for s in f["steps"]] == [2.0, 0.25]
    # a tie goes to the earliest step: two 1:1 steps
    tie = [
        {"id": "x", "stage": "a"},
        {"id": "y", "stage": "b", "capacity": "1"},
        {"id": "z", "stage": "c", "capacity": "1"},
    ]
    assert ref.funnel(tie, [], ["a", "b", "c"], [True, True])["bottleneck"] == 0
    # no members at all: NaN shares, no bottleneck
    f = ref.funnel([], [], ["a", "b", "c"], [True, True])
    assert f["bottleneck"] is None
    assert all(math.isnan(s["share"]) for s in f["stages"])
    assert all(math.isnan(s["seats_per_seeker"]) for s in f["steps"])
