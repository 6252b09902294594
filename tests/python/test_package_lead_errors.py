"""Bad input and the accepted input forms of er.lead_scores /
er.infer_stages / er.stage_history: errors are ValueError naming the frame
row (or FILE:LINE for CSV) before any scoring; as_of and timestamps in every
documented spelling give the same answer."""

from __future__ import annotations

import datetime as dt
import math
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import engage_right as er

T = 1_700_000_000  # 2023-11-14T22:13:20Z
DAY = 86400
JOURNEY = {
    "name": "shop",
    "stages": ["cold", "warm", "customer"],
    "lead_scoring": {
        "half_life_days": 2,
        "actions": {"visit": 2, "buy": {"points": 0.5, "per_value": True}, "unsub": -3},
        "fit": [
            {"tag": "k8s", "points": 3},
            {"column": "employees", "min": 50, "points": 4},
            {"column": "country", "equals": "DE", "points": 1},
        ],
    },
    "stage_rules": {"warm": {"min_score": 4}, "customer": {"milestones": ["buy"]}},
}


def members() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "stage": ["cold", None, "WARM"],
            "tags": ["k8s", "", None],
            "employees": [100.0, np.nan, 20.0],
            "country": ["de", None, "FR"],
        }
    )


def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "member": ["a", "b", "a", "c", "a"],
            "action": ["visit", "visit", "buy", "unsub", "chat"],
            "timestamp": [T - DAY, T - 2 * DAY, T, T - DAY, T],
            "value": [np.nan, np.nan, 10.0, np.nan, np.nan],
        }
    )


def assert_lead_error(ev, pattern, mem=None):
    """er.lead_scores on (mem, ev) -- mem=members() by default -- raises a ValueError matching pattern."""
    with pytest.raises(ValueError, match=pattern):
        er.lead_scores(members() if mem is None else mem, ev, JOURNEY)


def expected_engagement():
    # half-life 2 days, as_of = T (the latest event):
    # a: visit 1 day old 2 * 2^-0.5 + buy 0.5 * 10 = 5 + sqrt(2); b: visit 2 days old 2 / 2 = 1;
    # c: unsub 1 day old -3 * 2^-0.5
    return {"a": 2 * 2**-0.5 + 5, "b": 1.0, "c": -3 * 2**-0.5}


def test_hand_example():
    df = er.lead_scores(members(), events(), JOURNEY)
    exp = expected_engagement()
    assert df["member"].tolist() == ["a", "b", "c"]
    assert df["fit"].tolist() == [3 + 4 + 1, 0, 0]
    for m, e in exp.items():
        assert df.set_index("member").loc[m, "engagement"] == pytest.approx(e, rel=1e-12)
    assert (df["total"] == df["fit"] + df["engagement"]).all()
    assert df.attrs["as_of"] == pd.Timestamp("2023-11-14T22:13:20Z")
    assert df.attrs["skipped_unknown_members"] == 0
    inf = er.infer_stages(members(), events(), JOURNEY)
    assert inf["stage"].tolist() == ["customer", "cold", "cold"]
    assert inf.loc[0, "recorded_stage"] == "cold" and pd.isna(inf.loc[1, "recorded_stage"])
    assert inf.loc[2, "recorded_stage"] == "warm"
    assert pd.isna(inf.loc[0, "next_stage"]) and inf.loc[0, "next_milestone"] == "" and inf.loc[0, "missing"] == []
    assert inf.loc[1, "next_stage"] == "warm"
    assert inf.loc[1, "next_milestone"] == "score >= 4 (has 1): no"
    assert inf.loc[1, "missing"] == ["score >= 4 (has 1)"]
    hist = er.stage_history(members(), events(), JOURNEY)
    assert hist.values.tolist() == [
        ["a", "cold", pd.Timestamp(T - DAY, unit="s", tz="UTC")],
        ["a", "warm", pd.Timestamp(T - DAY, unit="s", tz="UTC")],  # fit 8 + visit 2 >= 4
        ["a", "customer", pd.Timestamp(T, unit="s", tz="UTC")],
        ["b", "cold", pd.Timestamp(T - 2 * DAY, unit="s", tz="UTC")],
        ["c", "cold", pd.Timestamp(T - DAY, unit="s", tz="UTC")],
    ]


# ---------------------------------------------------------------------------
# errors in the events frame
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [er.lead_scores, er.infer_stages, er.stage_history])
def test_unknown_member_names_the_row(fn):
    ev = events()
    ev.loc[3, "member"] = "zz"
    with pytest.raises(ValueError, match=r"events row 3: member: unknown member id 'zz'"):
        fn(members(), ev, JOURNEY)


def test_skip_unknown_members_drops_and_counts():
    ev = events()
    extra = pd.DataFrame(
        {
            "member": ["zz", "yy", "zz"],
            "action": ["visit", "buy", "visit"],
            "timestamp": [T + 5 * DAY, T + 6 * DAY, T + 7 * DAY],
            "value": [np.nan, 1, np.nan],
        }
    )
    both = pd.concat([extra.iloc[:1], ev, extra.iloc[1:]], ignore_index=True).astype({"timestamp": float})
    df = er.lead_scores(members(), both, JOURNEY, skip_unknown_members=True)
    assert df.attrs["skipped_unknown_members"] == 3
    # dropped before the default as_of is taken
    plain = er.lead_scores(members(), ev, JOURNEY)
    pd.testing.assert_frame_equal(df, plain)
    assert df.attrs["as_of"] == plain.attrs["as_of"]
    # a later error names the row of the original frame
    both.loc[4, "timestamp"] = np.inf
    with pytest.raises(ValueError, match=r"events row 4: timestamp"):
        er.lead_scores(members(), both, JOURNEY, skip_unknown_members=True)


@pytest.mark.parametrize(
    "bad,pattern",
    [
        ("yesterday", r"events row 2: timestamp: expected unix seconds or ISO-8601.*'yesterday'"),
        ("2023-02-30", r"events row 2: timestamp:.*'2023-02-30'"),
        (None, r"events row 2: timestamp:.*empty"),
        ("  ", r"events row 2: timestamp:.*empty"),
        (True, r"events row 2: timestamp"),
    ],
)
def test_bad_timestamp_names_the_row(bad, pattern):
    ev = events()
    ev["timestamp"] = ev["timestamp"].astype(object)
    ev.loc[2, "timestamp"] = bad
    assert_lead_error(ev, pattern)


def test_bad_numeric_and_datetime_timestamps():
    ev = events()
    ev.loc[1, "timestamp"] = np.nan
    assert_lead_error(ev, r"events row 1: timestamp")
    ev = events()
    ev["timestamp"] = pd.to_datetime(ev["timestamp"], unit="s")
    ev.loc[4, "timestamp"] = pd.NaT
    assert_lead_error(ev, r"events row 4: timestamp")


def test_per_value_action_needs_a_value():
    ev = events()
    ev.loc[2, "value"] = np.nan
    assert_lead_error(ev, r"events row 2: value: action 'buy' is scored per value")
    assert_lead_error(
        events().drop(columns="value"), r"events row 2: action 'buy' is scored per value.*no value column"
    )
    ev = events().astype({"value": object})
    ev.loc[1, "value"] = "lots"
    assert_lead_error(ev, r"events row 1: value: expected a finite number")
    # without per_value actions the value column is optional
    ev = events()
    ev = ev[ev["action"] != "buy"].drop(columns="value")
    assert len(er.lead_scores(members(), ev, JOURNEY)) == 3


def test_missing_or_empty_event_fields():
    assert_lead_error(events().drop(columns="timestamp"), r"events: missing required column 'timestamp'")
    ev = events()
    ev.loc[1, "member"] = None
    with pytest.raises(ValueError, match=r"events row 1: member: expected a member id"):
        er.lead_scores(members(), ev, JOURNEY, skip_unknown_members=True)
    ev = events()
    ev.loc[3, "action"] = " "
    assert_lead_error(ev, r"events row 3: action: expected an action name")
    with pytest.raises(TypeError):
        er.lead_scores(members(), [("a", "visit", T)], JOURNEY)


def test_events_csv_errors_name_file_and_line(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("member,action,timestamp,value\na,visit,1700000000,\nzz,visit,1700000000,\n")
    assert_lead_error(path, r"events\.csv:3:\d+: member: unknown member id")
    df = er.lead_scores(members(), path, JOURNEY, skip_unknown_members=True)
    assert df.attrs["skipped_unknown_members"] == 1
    path.write_text("member,action,timestamp,value\na,buy,1700000000,\n")
    assert_lead_error(path, r"events\.csv:2:\d+: value: action 'buy' is scored per value")


# ---------------------------------------------------------------------------
# errors in the members and the journey
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [er.lead_scores, er.infer_stages, er.stage_history])
def test_fit_column_missing(fn, tmp_path):
    with pytest.raises(ValueError, match=r"members: missing column 'employees' needed by the fit rules"):
        fn(members().drop(columns="employees"), events(), JOURNEY)
    path = tmp_path / "members.csv"
    members().drop(columns="employees").to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"members\.csv:1.*missing column 'employees'"):
        fn(path, events(), JOURNEY)


def test_bad_members():
    m = members().astype({"employees": object})
    m.loc[1, "employees"] = "many"
    assert_lead_error(events(), r"members row 1: employees: expected a finite number", mem=m)
    m = members()
    m.loc[2, "stage"] = "gold"
    assert_lead_error(events(), r"members row 2: unknown stage 'gold'", mem=m)
    m = members()
    m.loc[2, "id"] = "a"
    assert_lead_error(events(), r"members row 2: duplicate id 'a'", mem=m)
    m = members()
    m.loc[1, "id"] = None
    assert_lead_error(events(), r"members row 1: empty id", mem=m)
    with pytest.raises(ValueError, match=r"missing required column 'id'"):
        er.lead_scores(members().drop(columns="id"), events(), JOURNEY)
    m = members()
    m["satisfaction"] = [1, 12, None]
    assert_lead_error(events(), r"members row 1: satisfaction", mem=m)
    with pytest.raises(ValueError, match="threads"):
        er.lead_scores(members(), events(), JOURNEY, threads=-1)


@pytest.mark.parametrize("fn", [er.infer_stages, er.stage_history])
def test_journey_without_a_stage_rule(fn, tmp_path):
    j = dict(JOURNEY, stage_rules={"warm": {"min_score": 4}})
    with pytest.raises(ValueError, match=r"\$\.stage_rules\.customer"):
        fn(members(), events(), j)
    mpath, epath = tmp_path / "members.csv", tmp_path / "events.csv"
    members().to_csv(mpath, index=False)
    events().to_csv(epath, index=False)
    with pytest.raises(ValueError, match=r"\$\.stage_rules\.customer"):
        fn(mpath, epath, j)
    # scores need no stage rules
    assert len(er.lead_scores(members(), events(), j)) == 3


def test_preset_journeys_work_on_a_minimal_frame():
    # The presets' fit rules read built-in columns only: id alone is enough.
    m = pd.DataFrame({"id": ["x", "y"]})
    ev = pd.DataFrame({"member": ["x", "x"], "action": ["purchase", "visit"], "timestamp": [T, T]})
    for preset in er.Journey.presets():
        df = er.infer_stages(m, ev, preset)
        assert len(df) == 2 and df["recorded_stage"].isna().all()


# ---------------------------------------------------------------------------
# as_of and timestamp spellings
# ---------------------------------------------------------------------------
AS_OF_FORMS = [
    T,
    float(T),
    np.int64(T),
    np.float64(T),
    str(T),
    f"{T}.0",
    "2023-11-14T22:13:20Z",
    "2023-11-14T22:13:20",
    "2023-11-14T23:13:20+01:00",
    "2023-11-14T20:43:20-01:30",
    dt.datetime(2023, 11, 14, 22, 13, 20),
    dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.timezone.utc),
    dt.datetime(2023, 11, 14, 23, 13, 20, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    pd.Timestamp("2023-11-14 22:13:20"),
    pd.Timestamp("2023-11-14 17:13:20", tz="America/New_York"),
    np.datetime64("2023-11-14T22:13:20"),
]


@pytest.mark.parametrize("as_of", AS_OF_FORMS, ids=lambda v: f"{type(v).__name__}:{v}")
def test_as_of_forms(as_of):
    base = er.lead_scores(members(), events(), JOURNEY, as_of=T)
    df = er.lead_scores(members(), events(), JOURNEY, as_of=as_of)
    pd.testing.assert_frame_equal(df, base, check_exact=True)
    assert df.attrs["as_of"] == pd.Timestamp("2023-11-14T22:13:20Z")
    assert str(df.attrs["as_of"].tz) == "UTC"


def test_as_of_cuts_events_and_dates():
    df = er.lead_scores(members(), events(), JOURNEY, as_of=dt.date(2023, 11, 14))
    day = pd.Timestamp("2023-11-14", tz="UTC")
    assert df.attrs["as_of"] == day
    # only a's visit at T - 1 day (22:13:20 on the 13th) counts for a, aged ~1.74 h
    age = (day.value / 1e9 - (T - DAY)) / DAY
    assert df.loc[0, "engagement"] == pytest.approx(2 * 2 ** (-age / 2), rel=1e-12)
    late = er.lead_scores(members(), events(), JOURNEY, as_of="2023-11-20")
    inf = er.infer_stages(members(), events(), JOURNEY, as_of=1.5e9)  # before every event
    assert (inf["engagement"] == 0).all() and late["engagement"].iloc[0] < df["engagement"].iloc[0] + 10
    assert er.stage_history(members(), events(), JOURNEY, as_of=1.5e9).empty


@pytest.mark.parametrize(
    "bad,exc",
    [
        ("yesterday", ValueError),
        ("2023-13-01", ValueError),
        (math.nan, ValueError),
        (math.inf, ValueError),
        (True, TypeError),
        (object(), TypeError),
        (pd.NaT, ValueError),
    ],
)
def test_bad_as_of(bad, exc):
    with pytest.raises(exc, match="as_of"):
        er.lead_scores(members(), events(), JOURNEY, as_of=bad)


def test_no_events():
    empty = events().iloc[:0]
    df = er.lead_scores(members(), empty, JOURNEY)
    assert df.attrs["as_of"] is pd.NaT
    assert (df["engagement"] == 0).all() and df["fit"].tolist() == [8, 0, 0]
    df = er.lead_scores(members(), empty, JOURNEY, as_of=T)
    assert df.attrs["as_of"] == pd.Timestamp(T, unit="s", tz="UTC")
    inf = er.infer_stages(members(), empty, JOURNEY)
    assert inf["stage"].tolist() == ["warm", "cold", "cold"]  # a: fit 8 >= 4
    assert inf.attrs["as_of"] is pd.NaT
    hist = er.stage_history(members(), empty, JOURNEY)
    assert hist.empty and list(hist.columns) == ["member", "stage", "timestamp"]
    assert str(hist["timestamp"].dtype) == "datetime64[ns, UTC]"


def timestamp_forms():
    secs = events()["timestamp"].to_numpy(dtype=float)
    iso = [er._core.format_timestamp(s) for s in secs]
    return {
        "float": pd.Series(secs),
        "int": pd.Series(secs.astype(np.int64)),
        "iso text": pd.Series(iso, dtype=object),
        "str dtype": pd.Series([str(int(s)) for s in secs], dtype="string"),
        "naive datetime64": pd.to_datetime(pd.Series(secs), unit="s"),
        "tz-aware": pd.to_datetime(pd.Series(secs), unit="s", utc=True).dt.tz_convert("Asia/Kolkata"),
        "datetime64[s]": pd.Series(secs.astype("datetime64[s]")),
        "mixed objects": pd.Series(
            [
                pd.Timestamp(secs[0], unit="s", tz="UTC"),
                iso[1],
                int(secs[2]),
                dt.datetime.fromtimestamp(secs[3], dt.timezone.utc),
                float(secs[4]),
            ],
            dtype=object,
        ),
    }


@pytest.mark.parametrize("form", list(timestamp_forms()))
def test_timestamp_forms_agree(form):
    base = er.infer_stages(members(), events(), JOURNEY)
    ev = events()
    ev["timestamp"] = timestamp_forms()[form]
    df = er.infer_stages(members(), ev, JOURNEY)
    pd.testing.assert_frame_equal(df, base, check_exact=True)
    assert df.attrs == base.attrs


def test_column_names_ids_and_actions_like_the_csv_reader(tmp_path):
    # Header names ignore case and spaces; action names are trimmed; ids are
    # compared as text (ints work on both sides); categoricals work.
    m = pd.DataFrame(
        {" ID ": [1, 2, 3], "Employees": [100, 5, None], "COUNTRY": ["de", "x", None], "Tags": ["k8s", "", ""]}
    )
    ev = pd.DataFrame(
        {
            "Member": [1, 3, 1, 2],
            "ACTION": [" visit", "visit", "visit ", "buy"],
            "TimeStamp": [T, T, T - DAY, T],
            "Value": [None, None, None, 4.0],
        }
    )
    df = er.lead_scores(m, ev, JOURNEY)
    assert df["member"].tolist() == ["1", "2", "3"]
    mpath, epath = tmp_path / "m.csv", tmp_path / "e.csv"
    m.to_csv(mpath, index=False)
    ev.to_csv(epath, index=False)
    pd.testing.assert_frame_equal(df, er.lead_scores(mpath, epath, JOURNEY), check_exact=True)
    ev_cat = ev.astype({"Member": "category", "ACTION": "category"})
    pd.testing.assert_frame_equal(df, er.lead_scores(m, ev_cat, JOURNEY), check_exact=True)


def test_history_writer(tmp_path):
    hist = er.stage_history(members(), events(), JOURNEY)
    path = tmp_path / "stages.csv"
    er.write_stage_history(hist, path)
    lines = path.read_text().splitlines()
    assert lines[0] == "member,stage,timestamp"
    assert lines[1] == "a,cold,2023-11-13T22:13:20Z"
    assert len(lines) == len(hist) + 1
    # quoting and milliseconds
    odd = pd.DataFrame({"member": ['a,"b"'], "stage": ["cold"], "timestamp": [pd.Timestamp("2026-03-14T09:30:00.25Z")]})
    er.write_stage_history(odd, path)
    assert path.read_text() == 'member,stage,timestamp\n"a,""b""",cold,2026-03-14T09:30:00.250Z\n'
    er.write_stage_history(odd.assign(timestamp=["2026-03-14T10:30:00.25+01:00"]), path)
    assert path.read_text().endswith(",cold,2026-03-14T09:30:00.250Z\n")
    with pytest.raises(ValueError, match="missing required column 'timestamp'"):
        er.write_stage_history(odd.drop(columns="timestamp"), path)
    with pytest.raises(ValueError, match=r"stage history row 0: timestamp"):
        er.write_stage_history(odd.assign(timestamp=[None]), path)


def test_concurrent_calls_release_the_gil():
    # Calls from several threads (the GIL is released while scoring) give
    # the same answer as one call.
    rng = np.random.default_rng(5)
    n, e = 500, 50_000
    m = pd.DataFrame(
        {
            "id": [f"u{i}" for i in range(n)],
            "employees": rng.integers(0, 200, size=n),
            "country": rng.choice(["DE", "FR"], size=n),
        }
    )
    ev = pd.DataFrame(
        {
            "member": rng.choice(m["id"].to_numpy(), size=e),
            "action": rng.choice(["visit", "buy", "unsub", "chat"], size=e),
            "timestamp": T + rng.integers(0, 30 * DAY, size=e).astype(float),
            "value": rng.uniform(0, 50, size=e),
        }
    )
    base = er.infer_stages(m, ev, JOURNEY)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: er.infer_stages(m, ev, JOURNEY, threads=2), range(4)))
    for r in results:
        pd.testing.assert_frame_equal(r, base, check_exact=True)
    assert re.fullmatch(r"(score >= 4 \(has -?[\d.]+\): (yes|no)|buy: no|)", base["next_milestone"].iloc[0])
