"""er.lead_scores / er.infer_stages / er.stage_history of the Python package
against the independent pure-Python reference (lead_reference.py) and the
CLI (`score`, `infer-stages --format csv --history-out`), on random small
instances loaded both from pandas DataFrames and from CSV paths.

Random instances: journeys with and without decay, negative points,
per_value actions, actions that only count as milestones, fit rules on tags,
on extra text columns (equals), on extra numeric columns and on activity /
satisfaction / capacity (min/max); ties in timestamps, members without
events, members without a stage (or no stage column at all), ids that need
CSV quoting, unknown members in the events (skipped), an as_of that cuts
events off.

A missing or broken `engage_right` package fails these tests; nothing is
skipped."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import engage_right as er
import lead_reference as ref
from cliutil import REPO, run

SEEDS = list(range(7100, 7124))  # 24 random instances
DAY = 86400.0
T0 = 1_700_000_000

ACTION_POOL = ["visit", "read", "webinar", "buy", "unsub", "chat", "review"]
STAGE_POOL = ["Cold", "warm", "HOT", "won", "fan", "champion"]
TAG_POOL = ["k8s", "K8S", "security", "ml", "Data"]
COUNTRY_POOL = ["DE", " de ", "FR", "us", "De"]
WEIRD_IDS = ["a,b", 'q"x', "Ünï", "x y"]


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@dataclass
class Instance:
    seed: int
    journey: dict
    stages: list  # journey stage names
    members: list  # rows as dicts of text (the CSV cells)
    member_columns: list  # CSV header of members.csv
    events: list  # rows as dicts of text
    event_times: list  # unix seconds of every event row (float)
    as_of: object  # None, or the argument (str)
    skip_unknown: bool
    time_form: str  # how the events frame spells timestamps

    # -- files ---------------------------------------------------------
    def write(self, d: Path) -> tuple:
        d.mkdir(parents=True, exist_ok=True)
        mpath, epath, jpath = d / "members.csv", d / "events.csv", d / "journey.json"
        with open(mpath, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=self.member_columns, lineterminator="\n")
            w.writeheader()
            for r in self.members:
                w.writerow({k: r.get(k, "") for k in self.member_columns})
        with open(epath, "w", newline="", encoding="utf-8") as fh:
            cols = ["member", "action", "timestamp", "value"]
            w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
            w.writeheader()
            for r in self.events:
                w.writerow(r)
        jpath.write_text(json.dumps(self.journey, indent=1), encoding="utf-8")
        return mpath, epath, jpath

    # -- frames --------------------------------------------------------
    def members_frame(self) -> pd.DataFrame:
        cols = {}
        for c in self.member_columns:
            cells = [r.get(c, "") for r in self.members]
            key = c.strip().lower()
            if key == "id":
                cols[c] = cells
            elif key in ("satisfaction", "capacity"):
                cols[c] = pd.array([None if v == "" else int(v) for v in cells], dtype="Int64")
            elif key in ("activity", "employees"):
                cols[c] = np.array([np.nan if v == "" else float(v) for v in cells])
            elif key == "tags" and self.seed % 3 == 0:
                # tags as lists
                cols[c] = [[t for t in v.split(";")] if v else [] for v in cells]
            else:
                cols[c] = [None if v == "" else v for v in cells]
        return pd.DataFrame(cols)

    def events_frame(self) -> pd.DataFrame:
        member = [r["member"] for r in self.events]
        action = [r["action"] for r in self.events]
        value = np.array([np.nan if r["value"] == "" else float(r["value"]) for r in self.events])
        secs = np.array(self.event_times, dtype=float)
        if self.time_form == "text":
            ts = pd.Series([r["timestamp"] for r in self.events], dtype=object)
        elif self.time_form == "seconds":
            ts = pd.Series(secs)
        elif self.time_form == "datetime_utc":
            ts = pd.to_datetime(pd.Series((secs * 1e9).round().astype(np.int64)), unit="ns", utc=True)
        elif self.time_form == "datetime_berlin":
            ts = pd.to_datetime(pd.Series((secs * 1e9).round().astype(np.int64)), unit="ns", utc=True).dt.tz_convert(
                "Europe/Berlin"
            )
        else:  # naive datetime64 = UTC
            ts = pd.to_datetime(pd.Series((secs * 1e9).round().astype(np.int64)), unit="ns")
        df = pd.DataFrame({"Member": member, "action": action, "timestamp": ts, "value": value})
        if self.seed % 4 == 1:
            df["Member"] = df["Member"].astype("category")
            df["action"] = df["action"].astype("category")
        return df

    def ref_args(self) -> dict:
        return {"as_of": self.as_of, "skip_unknown": self.skip_unknown}

    def api_args(self) -> dict:
        return {"as_of": self.as_of, "skip_unknown_members": self.skip_unknown}

    def cli_args(self) -> list:
        out = []
        if self.as_of is not None:
            out += ["--as-of", self.as_of]
        if self.skip_unknown:
            out.append("--skip-unknown-members")
        return out


def make_instance(seed: int) -> Instance:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 6))
    stages = STAGE_POOL[:k]

    # lead scoring table
    actions = {
        "visit": int(rng.integers(1, 11)),
        "read": {"points": round(float(rng.uniform(0.5, 6)), 3)},
        "buy": {"points": round(float(rng.uniform(0.1, 1)), 3), "per_value": True},
        "unsub": -int(rng.integers(1, 15)),
    }
    if rng.random() < 0.5:
        actions["webinar"] = {"points": round(float(rng.uniform(-3, 8)), 2), "per_value": False}
    lead = {"actions": actions}
    decay = rng.random() < 0.65
    if decay:
        lead["half_life_days"] = round(float(rng.uniform(1, 30)), 3)
    elif rng.random() < 0.5:
        lead["half_life_days"] = None
    fit = [
        {"tag": str(rng.choice(["K8s", "security"])), "points": int(rng.integers(1, 6))},
        {"column": "Country", "equals": "de", "points": float(rng.choice([2, 2.5, -1]))},
        {"column": "activity", "min": round(float(rng.uniform(0, 20)), 2), "points": 1.5},
    ]
    if rng.random() < 0.7:
        rule = {"column": "employees", "points": int(rng.integers(2, 9))}
        if rng.random() < 0.8:
            rule["min"] = int(rng.integers(10, 200))
        if rng.random() < 0.6 or "min" not in rule:
            rule["max"] = int(rng.integers(500, 5000))
        fit.append(rule)
    if rng.random() < 0.4:
        fit.append({"column": "satisfaction", "min": 9, "points": 4})
    if rng.random() < 0.3:
        fit.append({"column": "capacity", "max": 2, "points": -2})
    lead["fit"] = fit

    rules = {}
    for s in stages[1:]:
        r = {}
        if rng.random() < 0.5:
            r["min_score"] = round(float(rng.uniform(-5, 30)), 2)
        if rng.random() < 0.25:
            r["min_fit"] = float(rng.choice([0, 1, 2.5, 5]))
        if rng.random() < 0.3:
            r["min_engagement"] = round(float(rng.uniform(0, 20)), 2)
        if rng.random() < 0.5:
            ms = []
            for a in rng.choice(ACTION_POOL, size=int(rng.integers(1, 3)), replace=False):
                if rng.random() < 0.5:
                    ms.append(str(a))
                else:
                    ms.append({"action": str(a), "at_least": int(rng.integers(1, 3))})
            r["milestones"] = ms
        key = s.upper() if rng.random() < 0.3 else s.lower()
        rules[key] = r
    journey = {"name": f"random_{seed}", "stages": stages, "lead_scoring": lead, "stage_rules": rules}

    # members
    n = int(rng.integers(4, 14))
    ids = [f"m{i:02d}" for i in range(n)]
    for w in WEIRD_IDS:
        if rng.random() < 0.4:
            ids[int(rng.integers(0, n))] = w
    ids = list(dict.fromkeys(ids))
    with_stage = rng.random() < 0.8
    members = []
    for mid in ids:
        row = {"id": mid}
        if with_stage:
            if rng.random() < 0.25:
                row["stage"] = ""
            else:
                s = str(rng.choice(stages))
                row["stage"] = s.upper() if rng.random() < 0.3 else s
        row["satisfaction"] = "" if rng.random() < 0.3 else str(int(rng.integers(0, 11)))
        row["capacity"] = "" if rng.random() < 0.4 else str(int(rng.integers(0, 5)))
        row["activity"] = "" if rng.random() < 0.3 else f"{rng.uniform(0, 30):.2f}"
        row["tags"] = ";".join(str(t) for t in rng.choice(TAG_POOL, size=int(rng.integers(0, 3)), replace=False))
        row["Country"] = "" if rng.random() < 0.3 else str(rng.choice(COUNTRY_POOL))
        row["employees"] = (
            ""
            if rng.random() < 0.3
            else str(int(rng.integers(1, 6000)))
            if rng.random() < 0.8
            else f"{rng.uniform(1, 600):.1f}"
        )
        members.append(row)
    columns = (
        ["id"]
        + (["stage"] if with_stage else [])
        + ["satisfaction", "capacity", "activity", "tags", "Country", "employees"]
    )

    # events: a small pool of times (ties), some members without events
    pool = sorted(
        {
            T0 + float(rng.integers(0, 40 * 86400)) + float(rng.choice([0, 0, 0.5, 0.25, 0.125]))
            for _ in range(int(rng.integers(3, 14)))
        }
    )
    active = [mid for mid in ids if rng.random() < 0.75]
    events, times = [], []
    unknown = rng.random() < 0.3
    for _ in range(int(rng.integers(0, 90)) if active else 0):
        mid = str(rng.choice(active))
        if unknown and rng.random() < 0.1:
            mid = "ghost" + str(int(rng.integers(0, 3)))
        action = str(rng.choice(ACTION_POOL))
        t = float(rng.choice(pool))
        form = rng.integers(0, 3)
        if form == 0 and t == int(t):
            text = str(int(t))
        elif form == 1:
            text = ref.format_ts(t)
        else:
            # an ISO time with a zone offset
            off = int(rng.choice([-150, 60, 120]))
            text = _iso_with_offset(t, off)
        if action == "buy":
            value = f"{rng.uniform(0, 100):.2f}"
        elif rng.random() < 0.2:
            value = f"{rng.uniform(-5, 5):.1f}"
        else:
            value = ""
        events.append({"member": mid, "action": action, "timestamp": text, "value": value})
        times.append(t)

    as_of = None
    r = rng.random()
    if r < 0.3 and pool:
        as_of = ref.format_ts(pool[len(pool) // 2] + 3600)
    elif r < 0.45:
        as_of = str(int(T0 + 20 * 86400))
    time_form = ["text", "seconds", "datetime_utc", "datetime_berlin", "datetime_naive"][seed % 5]
    return Instance(seed, journey, stages, members, columns, events, times, as_of, unknown, time_form)


def _iso_with_offset(t: float, minutes: int) -> str:
    local = t + minutes * 60
    text = ref.format_ts(local)[:-1]  # drop the Z
    sign = "+" if minutes >= 0 else "-"
    m = abs(minutes)
    return f"{text}{sign}{m // 60:02d}:{m % 60:02d}"


def read_rows(path: Path) -> list:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def checklist_items(text: str) -> list:
    """next_milestone "a: yes; b: no" -> [(item, met)]."""
    if text == "":
        return []
    out = []
    for part in text.split("; "):
        m = re.fullmatch(r"(.*): (yes|no)", part)
        assert m, f"malformed checklist item {part!r} in {text!r}"
        out.append((m.group(1), m.group(2) == "yes"))
    return out


def check_item(item: str, expected: tuple, where: str) -> None:
    kind, action, required, current, _ = expected
    if kind == "milestone":
        if required <= 1:
            assert item == action, f"{where}: item {item!r}, expected {action!r}"
        else:
            assert item == f"{action} x{required} (has {current})", f"{where}: item {item!r}"
        return
    label = {"min_score": "score", "min_fit": "fit", "min_engagement": "engagement"}[kind]
    m = re.fullmatch(rf"{label} >= (-?[\d.]+) \(has (-?[\d.]+)\)", item)
    assert m, f"{where}: item {item!r}, expected '{label} >= {required} (has {current})'"
    assert abs(float(m.group(1)) - required) <= 0.0051, f"{where}: threshold in {item!r} != {required}"
    assert abs(float(m.group(2)) - current) <= 0.0051 + 1e-9 * abs(current), f"{where}: value in {item!r} != {current}"


def recorded_stage(inst: Instance, row: dict):
    text = (row.get("stage") or "").strip()
    if not text:
        return None
    for s in inst.stages:
        if s.lower() == text.lower():
            return s
    raise AssertionError(text)


def assert_missing(value) -> None:
    assert value is None or (isinstance(value, float) and math.isnan(value)), f"expected missing, got {value!r}"


# ---------------------------------------------------------------------------
# comparisons against the reference
# ---------------------------------------------------------------------------
def check_scores(df: pd.DataFrame, inst: Instance, where: str) -> None:
    members, events = inst.members, inst.events
    scores, as_of = ref.lead_scores(members, events, inst.journey, **inst.ref_args())
    assert list(df.columns) == ["member", "fit", "engagement", "total"], where
    assert df["member"].tolist() == [r["id"] for r in members], where
    for row in df.itertuples(index=False):
        fit, eng, total = scores[row.member]
        for name, got, exp in (("fit", row.fit, fit), ("engagement", row.engagement, eng), ("total", row.total, total)):
            assert close(got, exp), f"{where}: member {row.member!r} {name} {got!r} != reference {exp!r}"
    check_as_of(df, as_of, where)
    skipped = sum(1 for e in events if e["member"] not in {r["id"] for r in members})
    assert df.attrs["skipped_unknown_members"] == skipped, where


def check_as_of(df: pd.DataFrame, as_of, where: str) -> None:
    got = df.attrs["as_of"]
    if as_of is None:
        assert got is pd.NaT, f"{where}: as_of {got!r}, expected NaT"
    else:
        assert isinstance(got, pd.Timestamp) and str(got.tz) == "UTC", f"{where}: as_of {got!r}"
        assert abs(got.value / 1e9 - as_of) < 1e-6, f"{where}: as_of {got!r} != {as_of}"


def check_inference(df: pd.DataFrame, inst: Instance, where: str) -> None:
    res, as_of = ref.infer_stages(inst.members, inst.events, inst.journey, **inst.ref_args())
    assert list(df.columns) == [
        "member",
        "recorded_stage",
        "stage",
        "fit",
        "engagement",
        "total",
        "next_stage",
        "next_milestone",
        "missing",
    ], where
    assert df["member"].tolist() == [r["id"] for r in inst.members], where
    for row, mrow in zip(df.to_dict("records"), inst.members):
        mid = row["member"]
        r = res[mid]
        w = f"{where}: member {mid!r}"
        rec = recorded_stage(inst, mrow)
        if rec is None:
            assert_missing(row["recorded_stage"])
        else:
            assert row["recorded_stage"] == rec, f"{w}: recorded_stage {row['recorded_stage']!r} != {rec!r}"
        assert row["stage"] == r["stage_name"], f"{w}: stage {row['stage']!r} != reference {r['stage_name']!r}"
        for key in ("fit", "engagement", "total"):
            assert close(row[key], r[key]), f"{w}: {key} {row[key]!r} != reference {r[key]!r}"
        if r["next_stage"] is None:
            assert_missing(row["next_stage"])
            assert row["next_milestone"] == "" and list(row["missing"]) == [], w
        else:
            assert row["next_stage"] == inst.stages[r["next_stage"]], f"{w}: next_stage {row['next_stage']!r}"
        items = checklist_items(row["next_milestone"])
        assert len(items) == len(r["checklist"]), f"{w}: checklist {row['next_milestone']!r} vs {r['checklist']!r}"
        for (text, met), exp in zip(items, r["checklist"]):
            check_item(text, exp, w)
            assert met == exp[4], f"{w}: item {text!r} met={met}, reference {exp!r}"
        assert list(row["missing"]) == [t for t, met in items if not met], f"{w}: missing {row['missing']!r}"
    check_as_of(df, as_of, where)


def check_history(df: pd.DataFrame, inst: Instance, where: str) -> None:
    res, as_of = ref.infer_stages(inst.members, inst.events, inst.journey, **inst.ref_args())
    expected = ref.history_rows(res, inst.journey)
    assert list(df.columns) == ["member", "stage", "timestamp"], where
    assert str(df["timestamp"].dtype) == "datetime64[ns, UTC]", f"{where}: dtype {df['timestamp'].dtype}"
    got = [(m, s, t.value / 1e9) for m, s, t in zip(df["member"], df["stage"], df["timestamp"])]
    assert [(m, s) for m, s, _ in got] == [(m, s) for m, s, _ in expected], (
        f"{where}: history rows\n{got}\n!= reference\n{expected}"
    )
    for (m, s, t), (_, _, te) in zip(got, expected):
        assert round(t * 1000) == round(te * 1000), f"{where}: {m!r} entered {s!r} at {t!r}, reference {te!r}"
    check_as_of(df, as_of, where)


def api_both(fn, inst: Instance, tmp_path: Path, **extra):
    """(result from frames, result from CSV paths)."""
    mpath, epath, jpath = inst.write(tmp_path)
    frames = fn(inst.members_frame(), inst.events_frame(), inst.journey, **inst.api_args(), **extra)
    paths = fn(mpath, str(epath), str(jpath), **inst.api_args(), **extra)
    return frames, paths


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "fn, check",
    [(er.lead_scores, check_scores), (er.infer_stages, check_inference), (er.stage_history, check_history)],
    ids=["lead_scores", "infer_stages", "stage_history"],
)
def test_matches_reference(fn, check, seed, tmp_path):
    inst = make_instance(seed)
    frames, paths = api_both(fn, inst, tmp_path)
    check(frames, inst, f"seed {seed} (frames, {inst.time_form})")
    check(paths, inst, f"seed {seed} (CSV)")


# ---------------------------------------------------------------------------
# the same answers as the CLI
# ---------------------------------------------------------------------------
def cli_csv(data: bytes) -> list:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.mark.parametrize("seed", SEEDS[::2])
def test_python_equals_cli(seed, tmp_path, cli):
    inst = make_instance(seed)
    mpath, epath, jpath = inst.write(tmp_path / "in")
    common = ["--members", mpath, "--events", epath, "--journey", jpath] + inst.cli_args()

    # score: JSON gives the shortest round-trip form, so the numbers must be identical
    proc = run(cli, "score", *common, "--format", "json", check_exit=0)
    cli_scores = json.loads(proc.stdout.decode("utf-8"))
    py = er.lead_scores(mpath, epath, jpath, **inst.api_args())
    assert [r["member"] for r in cli_scores] == py["member"].tolist()
    for r, p in zip(cli_scores, py.to_dict("records")):
        for key in ("fit", "engagement", "total"):
            assert r[key] == p[key], f"seed {seed}: {r['member']!r} {key}: CLI {r[key]!r} != Python {p[key]!r}"

    # infer-stages --format csv, with the history
    hist_cli = tmp_path / "stages_cli.csv"
    proc = run(cli, "infer-stages", *common, "--format", "csv", "--history-out", hist_cli, check_exit=0)
    rows = cli_csv(proc.stdout)
    inf = er.infer_stages(mpath, epath, jpath, **inst.api_args())
    assert len(rows) == len(inf)
    for r, p in zip(rows, inf.to_dict("records")):
        w = f"seed {seed}: member {r['member']!r}"
        assert r["member"] == p["member"], w
        for key in ("recorded_stage", "next_stage"):
            if r[key] == "":
                assert_missing(p[key])
            else:
                assert r[key] == p[key], f"{w}: {key} CLI {r[key]!r} != Python {p[key]!r}"
        assert r["stage"] == p["stage"], w
        assert r["next_milestone"] == p["next_milestone"], w
        for key in ("fit", "engagement", "total"):
            assert r[key] == f"{p[key]:.6f}", f"{w}: {key} CLI {r[key]!r} != Python {p[key]!r}"

    # the stage history file, byte for byte, both ways of writing it
    hist = er.stage_history(mpath, epath, jpath, **inst.api_args(), path=tmp_path / "stages_api.csv")
    er.write_stage_history(hist, tmp_path / "stages_write.csv")
    expected = hist_cli.read_bytes()
    assert (tmp_path / "stages_api.csv").read_bytes() == expected
    assert (tmp_path / "stages_write.csv").read_bytes() == expected
    # and from frames: the same history (datetime64 times round to the same milliseconds)
    hist_frames = er.stage_history(inst.members_frame(), inst.events_frame(), inst.journey, **inst.api_args())
    er.write_stage_history(hist_frames, tmp_path / "stages_frames.csv")
    assert (tmp_path / "stages_frames.csv").read_bytes() == expected


def test_frames_and_paths_agree_bitwise_with_text_times(tmp_path):
    # Same text timestamps through the frame path and the CSV path: the same
    # C++ parser, the same action numbering, so identical bits.
    for seed in SEEDS[:8]:
        inst = make_instance(seed)
        inst.time_form = "text"
        frames, paths = api_both(er.lead_scores, inst, tmp_path / str(seed))
        pd.testing.assert_frame_equal(frames, paths, check_exact=True)
        assert frames.attrs == paths.attrs


def test_threads_do_not_change_results(tmp_path):
    inst = make_instance(SEEDS[3])
    mf, ef = inst.members_frame(), inst.events_frame()
    a = er.infer_stages(mf, ef, inst.journey, **inst.api_args(), threads=1)
    b = er.infer_stages(mf, ef, inst.journey, **inst.api_args(), threads=0)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_big_frame_many_events_few_ids():
    # 200k events over 1,000 members: the factorized path (no Python string
    # per event reaches C++); checked against a numpy computation of the
    # no-decay engagement.
    rng = np.random.default_rng(11)
    n, e = 1000, 200_000
    members = pd.DataFrame({"id": [f"u{i}" for i in range(n)]})
    who = rng.integers(0, n, size=e)
    act = rng.choice(["visit", "webinar", "chat"], size=e)
    events = pd.DataFrame(
        {
            "member": pd.Categorical.from_codes(who, [f"u{i}" for i in range(n)]),
            "action": act,
            "timestamp": T0 + rng.integers(0, 10**6, size=e).astype(float),
        }
    )
    journey = {
        "stages": ["a", "b"],
        "lead_scoring": {"actions": {"visit": 1, "webinar": 5}},
        "stage_rules": {"b": {"min_score": 30}},
    }
    df = er.lead_scores(members, events, journey)
    pts = np.select([act == "visit", act == "webinar"], [1.0, 5.0], 0.0)
    expected = np.bincount(who, weights=pts, minlength=n)
    np.testing.assert_array_equal(df["engagement"].to_numpy(), expected)
    assert df.attrs["as_of"] == pd.Timestamp(events["timestamp"].max(), unit="s", tz="UTC")
    inf = er.infer_stages(members, events, journey)
    assert (inf["stage"] == np.where(expected >= 30, "b", "a")).all()


def test_example_script_runs():
    script = REPO / "examples" / "python" / "lead_scoring.py"
    proc = subprocess.run([sys.executable, "-W", "error", str(script)], capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    out = proc.stdout.decode("utf-8")
    assert "Funnel" in out and "Inferred stages" in out and "Bottleneck" in out
