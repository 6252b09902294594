#!/usr/bin/env python3
"""Check benchmarks/lead_peer.py against tests/python/lead_reference.py.

    python3 benchmarks/check_lead_peer.py [--members 2000] [--events 30000] [--seed 7] [--out DIR]

Writes a small random instance (members.csv, events.csv) under DIR (default
benchmarks/out/check_lead/), full of the hard cases: many events sharing a
timestamp (also of different sign), negative points, a per_value action
with decimal amounts, an action missing from the points table that is
still a milestone, values on actions that are not per_value, members
without events, empty cells under fit rules, a numeric text column under a
min/max rule.  It then runs the peer (through its files, i.e. read + compute
+ write) and the reference on several journeys:

* ``decay``: half-life 30 days, as_of = latest event;
* ``no_decay``: ``half_life_days`` null;
* ``tiny_half_life``: half-life 0.01 days (thousands of halvings over the
  data: the peer rebases in segments of 512 half-lives);
* ``segments``: half-life 2 days with the peer's segment length lowered to
  3 half-lives, so that the carry between segments matters;
* ``as_of``: half-life 7 days and an ISO-8601 ``as_of`` in the middle of
  the data (later events ignored, history cut), on a copy of events.csv
  whose timestamps are a mix of unix seconds (some fractional), ``...Z``
  and ``+02:00`` ISO text, read by the peer in chunks of 7001 rows.

Scores must agree within 1e-9 (relative, or absolute for values near 0);
inferred stages and the stage history (member, stage, timestamp; read back
from the peer's stages.csv) must be identical.  Exit code 0 when all agree,
1 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "python"))

import lead_peer  # noqa: E402
import lead_reference as ref  # noqa: E402

STAGES = ["prospect", "interested", "new_customer", "loyal", "advocate"]
ACTIONS = [
    "visit",
    "webinar",
    "purchase",
    "unsubscribe",
    "review",
    "referral",
    "renewal",
    "chat",
    "demo_request",
    "email_open",
]
ACTION_P = [0.30, 0.10, 0.14, 0.08, 0.06, 0.04, 0.06, 0.07, 0.05, 0.10]
TAGS = ["kubernetes", "security", "python", "golang", "cloud", "ml", "api", "linux"]
COUNTRIES = ["DE", "de", " De ", "US", "FR", "GB", ""]
BASE_T = 1704067200  # 2024-01-01


def base_journey() -> dict:
    return {
        "stages": STAGES,
        "lead_scoring": {
            "half_life_days": 30,
            "actions": {
                "visit": 1,
                "webinar": {"points": 5},
                "purchase": {"points": 0.1, "per_value": True},
                "unsubscribe": -7,
                "review": 10,
                "referral": 15,
                "renewal": {"points": 12.5, "per_value": False},
                "demo_request": 8,
                "email_open": 0.25,
                # "chat" is not in the table: 0 points, still a milestone
            },
            "fit": [
                {"tag": "Kubernetes", "points": 5},
                {"column": "country", "equals": "DE", "points": 3},
                {"column": "activity", "min": 10, "points": 4},
                {"column": "employees", "min": 50, "max": 5000, "points": 2.5},
                {"column": "satisfaction", "max": 6, "points": -3},
            ],
        },
        "stage_rules": {
            "interested": {"min_score": 14.3},
            "new_customer": {"milestones": ["purchase"], "min_fit": -1},
            "loyal": {
                "min_engagement": 21.7,
                "milestones": [{"action": "purchase", "at_least": 2}, {"any_of": ["chat", "review"], "at_least": 2}],
            },
            "advocate": {"min_score": 47.9, "milestones": ["review", {"action": "referral", "at_least": 2}]},
        },
    }


def write_instance(out: str, n: int, e: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "members.csv"), "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "stage", "satisfaction", "capacity", "opted_out", "Activity", "tags", "country", "employees"])
        for i in range(n):
            k = rng.integers(0, 4)
            tags = [str(x) for x in rng.choice(TAGS, size=k, replace=False)]
            if tags and rng.random() < 0.3:
                tags[0] = " " + tags[0].upper() + " "
            w.writerow(
                [
                    f"m{i:05d}",
                    STAGES[rng.integers(0, 5)],
                    "" if rng.random() < 0.2 else int(rng.integers(0, 11)),
                    "",
                    0,
                    "" if rng.random() < 0.1 else round(float(rng.gamma(2.0, 6.0)), 1),
                    ";".join(tags),
                    COUNTRIES[rng.integers(0, len(COUNTRIES))],
                    "" if rng.random() < 0.3 else int(rng.choice([10, 50, 51, 700, 5000, 5001, 90000])),
                ]
            )
    # skewed members (some heavy), a coarse time grid (ties), 1 in 5 events
    # copying the previous row's member and time (same-timestamp bursts)
    weight = rng.lognormal(0.0, 1.0, n)
    weight[rng.random(n) < 0.05] = 0.0  # members without events
    weight /= weight.sum()
    mem = rng.choice(n, size=e, p=weight)
    slot = rng.integers(0, 24 * 300, e)  # hours over ~10 months
    burst = rng.random(e) < 0.2
    for i in np.flatnonzero(burst):
        if i > 0:
            mem[i], slot[i] = mem[i - 1], slot[i - 1]
    act = rng.choice(len(ACTIONS), size=e, p=np.array(ACTION_P) / sum(ACTION_P))
    with open(os.path.join(out, "events.csv"), "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["member", "action", "timestamp", "value"])
        for i in rng.permutation(e):  # row order must not matter
            a = ACTIONS[act[i]]
            if a == "purchase":
                value = f"{rng.lognormal(4.0, 1.0):.2f}"
            elif rng.random() < 0.05:
                value = f"{rng.normal(0, 10):.3f}"  # allowed, unused
            else:
                value = ""
            w.writerow([f"m{mem[i]:05d}", a, BASE_T + 3600 * int(slot[i]), value])
    # the same events with ISO-8601 timestamps (mixed forms)
    with (
        open(os.path.join(out, "events.csv"), newline="", encoding="utf-8") as src,
        open(os.path.join(out, "events_iso.csv"), "w", newline="", encoding="utf-8") as dst,
    ):
        w = csv.writer(dst, lineterminator="\n")
        for k, row in enumerate(csv.reader(src)):
            if k and k % 3 == 1:
                row[2] = ref.format_ts(int(row[2]))
            elif k and k % 3 == 2:
                row[2] = ref.format_ts(int(row[2]) + 7200)[:-1] + "+02:00"
            elif k and k % 30 == 0:
                row[2] = row[2] + ".25"  # fractional unix seconds
            w.writerow(row)


def journeys() -> dict:
    j = {}
    j["decay"] = (base_journey(), None)
    nd = base_journey()
    nd["lead_scoring"]["half_life_days"] = None
    nd["stage_rules"]["interested"]["min_score"] = 15  # integer sums: exact on both sides
    j["no_decay"] = (nd, None)
    sg = base_journey()
    sg["lead_scoring"]["half_life_days"] = 0.01
    sg["stage_rules"]["interested"]["min_score"] = 9.3
    sg["stage_rules"]["loyal"]["min_engagement"] = 3.1
    sg["stage_rules"]["advocate"]["min_score"] = 12.2
    j["tiny_half_life"] = (sg, None)
    j["segments"] = (base_journey() | {"lead_scoring": dict(base_journey()["lead_scoring"], half_life_days=2)}, None)
    ao = base_journey()
    ao["lead_scoring"]["half_life_days"] = 7
    j["as_of"] = (ao, ref.format_ts(BASE_T + 3600 * 24 * 170 + 1800))
    return j


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def check_one(name, journey, as_of, data, out) -> list:
    problems = []
    jpath = os.path.join(out, f"journey_{name}.json")
    with open(jpath, "w", encoding="utf-8") as fh:
        json.dump(journey, fh, indent=1)
    pout = os.path.join(out, f"peer_{name}")
    t = time.perf_counter()
    saved = lead_peer.SEGMENT_HALVINGS, lead_peer.CHUNK_ROWS
    events_file = "events_iso.csv" if name == "as_of" else "events.csv"
    if name == "segments":
        lead_peer.SEGMENT_HALVINGS = 3.0
    if name == "as_of":
        lead_peer.CHUNK_ROWS = 7001
    try:
        res = lead_peer.run(
            os.path.join(data, "members.csv"), os.path.join(data, events_file), jpath, as_of=as_of, out=pout
        )
    finally:
        lead_peer.SEGMENT_HALVINGS, lead_peer.CHUNK_ROWS = saved
    t_peer = time.perf_counter() - t
    with open(os.path.join(data, "members.csv"), newline="", encoding="utf-8") as fh:
        members = list(csv.DictReader(fh))
    with open(os.path.join(data, events_file), newline="", encoding="utf-8") as fh:
        events = list(csv.DictReader(fh))
    t = time.perf_counter()
    expect, ref_as_of = ref.infer_stages(members, events, journey, as_of=as_of)
    scores, _ = ref.lead_scores(members, events, journey, as_of=as_of)
    t_ref = time.perf_counter() - t
    if res["as_of"] != ref_as_of:
        problems.append(f"{name}: as_of {res['as_of']} != {ref_as_of}")

    # scores, from the peer's scores.csv
    with open(os.path.join(pout, "scores.csv"), newline="", encoding="utf-8") as fh:
        got = {r["member"]: (float(r["fit"]), float(r["engagement"]), float(r["total"])) for r in csv.DictReader(fh)}
    if list(got) != list(expect):
        problems.append(f"{name}: scores.csv members differ in set or order")
    worst = 0.0
    for mid, r in expect.items():
        g = got.get(mid)
        want = (r["fit"], r["engagement"], r["total"])
        if scores[mid] != want:
            problems.append(f"{name}: reference lead_scores and infer_stages disagree for {mid}")
        if g is None or not all(close(x, y) for x, y in zip(g, want)):
            problems.append(f"{name}: scores of {mid}: peer {g} reference {want}")
            continue
        worst = max(worst, max(abs(x - y) / max(1.0, abs(y)) for x, y in zip(g, want)))

    # inferred stage
    with open(os.path.join(pout, "inferred.csv"), newline="", encoding="utf-8") as fh:
        inferred = {r["member"]: r["stage"] for r in csv.DictReader(fh)}
    bad = [m for m, r in expect.items() if inferred.get(m) != r["stage_name"]]
    for m in bad[:10]:
        problems.append(
            f"{name}: stage of {m}: peer {inferred.get(m)} reference {expect[m]['stage_name']} "
            f"(total {expect[m]['total']!r}, engagement {expect[m]['engagement']!r})"
        )

    # history, from the peer's stages.csv (ISO text read back) and its arrays
    want_rows = ref.history_rows(expect, journey)
    with open(os.path.join(pout, "stages.csv"), newline="", encoding="utf-8") as fh:
        got_rows = [(r["member"], r["stage"], ref.parse_ts(r["timestamp"])) for r in csv.DictReader(fh)]
    hm, hs, ht = res["history"]
    ids = res["members"]["id"].to_numpy(dtype=object)
    arr_rows = [(ids[m], STAGES[s], float(t)) for m, s, t in zip(hm, hs, ht)]
    for label, rows in (("stages.csv", got_rows), ("arrays", arr_rows)):
        if rows != want_rows:
            diff = [(a, b) for a, b in zip(rows, want_rows) if a != b][:5]
            problems.append(
                f"{name}: history ({label}) differs: {len(rows)} vs {len(want_rows)} rows; first differences {diff}"
            )

    # how close did anything come to a threshold (an exact-equality flake would show up here)
    near = 0
    for r in expect.values():
        for rule in ref._rules(journey)[1:]:
            for k, val in (("min_score", r["total"]), ("min_engagement", r["engagement"])):
                if rule[k] is not None and val != rule[k] and abs(val - rule[k]) <= 1e-9 * max(1, abs(val)):
                    near += 1
    reached = [0] * len(STAGES)
    for r in expect.values():
        for s, _ in r["history"]:
            reached[s] += 1
    print(
        json.dumps(
            {
                "journey": name,
                "as_of": ref_as_of,
                "members": len(expect),
                "events": len(events),
                "history_rows": len(want_rows),
                "history_reached": reached,
                "inferred": [sum(1 for r in expect.values() if r["stage"] == s) for s in range(len(STAGES))],
                "max_rel_score_diff": worst,
                "near_threshold": near,
                "peer_s": round(t_peer, 3),
                "reference_s": round(t_ref, 3),
                "ok": not problems,
            }
        )
    )
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", type=int, default=2000)
    ap.add_argument("--events", type=int, default=30000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default=os.path.join(HERE, "out", "check_lead"))
    args = ap.parse_args(argv)
    data = os.path.join(args.out, "data")
    write_instance(data, args.members, args.events, args.seed)
    problems = []
    for name, (journey, as_of) in journeys().items():
        problems += check_one(name, journey, as_of, data, args.out)
    for p in problems[:40]:
        print("MISMATCH", p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problems", file=sys.stderr)
        return 1
    print("lead_peer.py agrees with lead_reference.py", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
