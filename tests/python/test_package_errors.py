"""Bad input through the Python package: ValueError naming file and line
(CSV) or the row (frames); KeyError for unknown member ids; ValueError for
bad options; er.Error is a RuntimeError."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

import engage_right as er
from badcsv import INTER_CASES, MEMBER_CASES, MEMBERS_ROWS, named_cases, write_interactions, write_members
from pkg_reference import bad_input_pattern, row_pattern


def assert_from_csv_error(line, *paths, **kwargs):
    """er.Community.from_csv(*paths, **kwargs) raises a ValueError naming the
    last of the paths and the line."""
    with pytest.raises(ValueError) as ei:
        er.Community.from_csv(*map(str, paths), **kwargs)
    assert_value_error_at(ei, paths[-1].name, line)


def assert_value_error_at(excinfo, name, line):
    err = excinfo.value
    assert type(err) is not KeyError and isinstance(err, ValueError)
    msg = str(err)
    assert re.search(bad_input_pattern(name, line), msg), (
        f"the message must name {name} and line {line} (like '{name}:{line}:COL: ...'), got: {msg!r}"
    )


def test_base_files_are_valid(tmp_path):
    members = write_members(tmp_path / "members.csv")
    inter = write_interactions(tmp_path / "interactions.csv")
    c = er.Community.from_csv(str(members), str(inter))
    assert len(c) == 6 and len(er.recommend(c)) > 0
    c = er.Community.from_frames(members_frame(), inter_frame())
    assert len(c) == 6 and len(er.recommend(c)) > 0


@named_cases("replace,line", MEMBER_CASES)
def test_bad_members_csv(tmp_path, replace, line):
    members = write_members(tmp_path / "bad_members.csv", replace)
    assert_from_csv_error(line, members)


def test_unterminated_quote(tmp_path):
    members = write_members(
        tmp_path / "quote_members.csv",
        rows=MEMBERS_ROWS[:2] + ['m3,interested,,3,0,2,"b;c,1,0'],
        trailing_newline=False,
    )
    assert_from_csv_error(4, members)
    members = write_members(tmp_path / "quote2_members.csv", {4: 'm3,interested,,3,0,2,"b;c,1,0'})
    assert_from_csv_error(4, members)


def test_empty_file(tmp_path):
    members = tmp_path / "empty_members.csv"
    members.write_bytes(b"")
    assert_from_csv_error(1, members)
    good = write_members(tmp_path / "members.csv")
    inter = tmp_path / "empty_interactions.csv"
    inter.write_bytes(b"")
    assert_from_csv_error(1, good, inter)


@named_cases("replace,line", INTER_CASES)
def test_bad_interactions_csv(tmp_path, replace, line):
    members = write_members(tmp_path / "members.csv")
    inter = write_interactions(tmp_path / "bad_interactions.csv", replace)
    assert_from_csv_error(line, members, inter)


def test_stage_not_in_the_chosen_journey(tmp_path):
    members = write_members(tmp_path / "members.csv")
    assert_from_csv_error(2, members, journey="success")


def test_missing_file(tmp_path):
    missing = tmp_path / "does_not_exist.csv"
    with pytest.raises((OSError, ValueError)) as ei:
        er.Community.from_csv(str(missing))
    assert missing.name in str(ei.value)


# ---------------------------------------------------------------------------
# frames: the same problems, the message names the row (index label 3)


def members_frame():
    return pd.DataFrame(
        {
            "id": ["m1", "m2", "m3", "m4", "m5", "m6"],
            "stage": ["prospect", "interested", "interested", "new_customer", "loyal", "advocate"],
            "satisfaction": [8, 9, None, 10, 7, 9],
            "capacity": [2, None, 3, 1, None, None],
            "opted_out": [False, False, False, True, False, True],
            "activity": [1.5, None, 2, 0, 3.25, None],
            "tags": ["a;b", "a", "b", None, "a;c", "c"],
            "f_0": [0.1, 0.3, 1, 0.5, 0, 1],
            "f_1": [0.2, 0.1, 0, 0.5, 1, 1],
        }
    )


def inter_frame():
    return pd.DataFrame(
        {
            "source": ["m1", "m2", "m3", "m4"],
            "target": ["m2", "m4", "m4", "m5"],
            "weight": [1, 2.5, 1, 0.5],
            "timestamp": [1767225600, 1767607200, 1767225600, 1769904000],
        }
    )


def _set(df, col, row, value):
    df = df.copy()
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (numeric and df[col].dtype == np.float64):
        df[col] = df[col].astype(object)
    df.loc[row, col] = value
    return df


FRAME_MEMBER_CASES = [
    ("empty_id", "id", ""),
    ("missing_id", "id", None),
    ("duplicate_id", "id", "m2"),
    ("unknown_stage", "stage", "ghost"),
    ("missing_stage", "stage", None),
    ("satisfaction_11", "satisfaction", 11),
    ("satisfaction_7.5", "satisfaction", 7.5),
    ("satisfaction_negative", "satisfaction", -1),
    ("satisfaction_abc", "satisfaction", "abc"),
    ("capacity_negative", "capacity", -1),
    ("capacity_2.5", "capacity", 2.5),
    ("opted_out_maybe", "opted_out", "maybe"),
    ("opted_out_2", "opted_out", 2),
    ("activity_negative", "activity", -2.0),
    ("activity_inf", "activity", math.inf),
    ("feature_abc", "f_1", "abc"),
    ("feature_nan", "f_0", math.nan),
    ("feature_inf", "f_1", -math.inf),
]


@named_cases("col,value", FRAME_MEMBER_CASES)
def test_bad_members_frame(col, value):
    df = _set(members_frame(), col, 3, value)
    with pytest.raises(ValueError) as ei:
        er.Community.from_frames(df, inter_frame())
    assert type(ei.value) is not KeyError
    assert re.search(row_pattern(3), str(ei.value)), f"the message must name row 3: {str(ei.value)!r}"


@pytest.mark.parametrize("col", ["id", "stage"])
def test_members_frame_missing_column(col):
    with pytest.raises(ValueError) as ei:
        er.Community.from_frames(members_frame().drop(columns=[col]))
    assert col in str(ei.value)


def test_bad_features_array():
    df = members_frame().drop(columns=["f_0", "f_1"])
    feats = np.ones((6, 3), dtype=np.float32)
    feats[3, 1] = np.nan
    with pytest.raises(ValueError) as ei:
        er.Community.from_frames(df, features=feats)
    assert re.search(row_pattern(3), str(ei.value)), str(ei.value)
    feats[3, 1] = np.inf
    with pytest.raises(ValueError):
        er.Community.from_frames(df, features=feats)
    with pytest.raises(ValueError):
        er.Community.from_frames(df, features=np.ones((5, 3), dtype=np.float32))  # wrong row count
    with pytest.raises(ValueError):
        er.Community.from_frames(df, features=np.ones(6, dtype=np.float32))  # not 2-D


FRAME_INTER_CASES = [
    ("unknown_target", "target", "ghost"),
    ("unknown_source", "source", "nobody"),
    ("missing_source", "source", None),
    ("weight_0", "weight", 0.0),
    ("weight_negative", "weight", -1.0),
    ("weight_inf", "weight", math.inf),
    ("weight_abc", "weight", "abc"),
    ("timestamp_bad_date", "timestamp", "2026-13-45"),
    ("timestamp_word", "timestamp", "yesterday"),
    # not unix seconds nor ISO-8601 (the CSV reader rejects them too); "now"
    # and "today" would also make the input non-deterministic
    ("timestamp_now", "timestamp", "now"),
    ("timestamp_today", "timestamp", "today"),
    ("timestamp_slashes", "timestamp", "2026/03/14"),
    ("timestamp_dotted", "timestamp", "14.03.2026"),
    ("timestamp_inf", "timestamp", math.inf),
]


@named_cases("col,value", FRAME_INTER_CASES)
def test_bad_interactions_frame(col, value):
    inter = _set(inter_frame(), col, 2, value)
    with pytest.raises(ValueError) as ei:
        er.Community.from_frames(members_frame(), inter)
    assert type(ei.value) is not KeyError
    assert re.search(row_pattern(2), str(ei.value)), f"the message must name row 2: {str(ei.value)!r}"


def test_interactions_frame_missing_column():
    with pytest.raises(ValueError) as ei:
        er.Community.from_frames(members_frame(), inter_frame().drop(columns=["target"]))
    assert "target" in str(ei.value)


# ---------------------------------------------------------------------------
# unknown members and bad options


@pytest.fixture(scope="module")
def community():
    return er.Community.from_frames(members_frame(), inter_frame())


def test_unknown_member_is_key_error(community):
    with pytest.raises(KeyError) as ei:
        er.recommend(community, member="ghost")
    assert "ghost" in str(ei.value)
    with pytest.raises(KeyError):
        er.recommend(community, member=["m1", "ghost"])
    with pytest.raises(KeyError):
        community.explain("ghost", "m2")
    with pytest.raises(KeyError):
        community.explain("m1", "ghost")


BAD_WEIGHTS = [
    {"similarity": -0.1},
    {"tags": math.nan},
    {"proximity": math.inf},
    {"colour": 1.0},
]


@pytest.mark.parametrize("weights", BAD_WEIGHTS, ids=["negative", "nan", "inf", "unknown_key"])
def test_bad_weights(community, weights):
    with pytest.raises(ValueError):
        er.recommend(community, weights=weights)
    with pytest.raises(ValueError):
        community.explain("m1", "m2", weights=weights)


def test_k_zero(community):
    with pytest.raises(ValueError):
        er.recommend(community, k=0)
    with pytest.raises(ValueError):
        er.recommend(community, member="m1", k=0)


def test_k_negative(community):
    with pytest.raises(ValueError):
        er.recommend(community, k=-1)


@pytest.mark.parametrize("value", [-1, 12])
def test_min_satisfaction_out_of_range(community, value):
    with pytest.raises(ValueError):
        er.recommend(community, min_satisfaction=value)


def test_error_class():
    assert issubclass(er.Error, RuntimeError)


JOURNEY_CASES = [
    ("steps_wrong_length", {"stages": ["a", "b", "c"], "steps": [{"enabled": True, "channel": "private"}]}),
    ("single_stage", {"stages": ["a"]}),
    ("duplicate_stage", {"stages": ["a", "A"]}),
    ("bad_channel", {"stages": ["a", "b"], "steps": [{"enabled": True, "channel": "secret"}]}),
    ("no_stages", {"name": "x"}),
    ("unknown_key", {"stages": ["a", "b"], "colour": "red"}),
    ("min_sat_12", {"stages": ["a", "b"], "min_peer_satisfaction": 12}),
    ("negative_weight", {"stages": ["a", "b"], "weights": {"tags": -1}}),
]


@named_cases("spec", JOURNEY_CASES)
def test_bad_journey(spec, tmp_path):
    with pytest.raises(ValueError):
        er.Journey.from_json(spec)
    with pytest.raises(ValueError):
        er.Journey.from_json(json.dumps(spec))
    path = tmp_path / "bad_journey.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(ValueError) as ei:
        er.Journey.from_json(str(path))
    assert path.name in str(ei.value)


def test_bad_journey_text():
    with pytest.raises(ValueError):
        er.Journey.from_json('{"stages": ["a", "b"],')


def test_unknown_preset():
    with pytest.raises((ValueError, KeyError)):
        er.Journey.preset("no_such_preset")
    with pytest.raises((ValueError, KeyError)):
        er.Community.from_frames(members_frame(), journey="no_such_preset")


@pytest.mark.parametrize("missing", [None, math.nan], ids=["None", "NaN"])
@pytest.mark.parametrize("col", ["source", "target"])
def test_missing_interaction_endpoint_never_matches_a_member(col, missing):
    """None/NaN mean 'empty' in frames: an interaction without a source or
    target is bad input, even when members happen to be called "None" or
    "nan" (it must not silently connect to them)."""
    members = pd.DataFrame(
        {"id": ["None", "nan", "NaN", "b"], "stage": ["prospect", "prospect", "prospect", "interested"]}
    )
    inter = pd.DataFrame({"source": ["b", "b"], "target": ["None", "nan"]}).astype(object)
    er.Community.from_frames(members, inter)  # real ids: fine
    bad = inter.copy()
    bad.loc[1, col] = missing
    with pytest.raises(ValueError) as ei:
        er.Community.from_frames(members, bad)
    assert re.search(row_pattern(1), str(ei.value)), str(ei.value)
