"""A bad cell given in a DataFrame gets the same rule and the same words as
in the CSV file, because both go through the C++ builders: the message after
the location (``FILE:LINE:COL: `` for files, ``what row K: `` for frames) is
the same text, apart from the quotes around the value (files show it in
double quotes, frames in single quotes). Covers the frame paths of
er.estimate_uplift (stages, interactions, members' activity), er.lead_scores
(event values) and er.nps (satisfaction)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import engage_right as er
from engage_right.uplift import UPLIFT_COLUMNS

JOURNEY = {"name": "four", "stages": ["lead", "trial", "customer", "fan"]}
STAGES = pd.DataFrame(
    {"member": ["u", "v", "u"], "stage": ["lead", "lead", "trial"], "timestamp": [1.7e9, 1.7e9, 1.7e9 + 86400 * 20]}
)
CONTACTS = pd.DataFrame({"source": ["u", "v"], "target": ["v", "u"], "timestamp": [1.7e9 + 3600, 1.7e9 + 7200]})


def _tail(message: str) -> str:
    """The message after its location, with the value's quotes made alike."""
    m = re.match(r"^(?:.+?:\d+:\d+|[a-z]+ row \d+): (.*)$", message, re.S)
    assert m, message
    return m.group(1).replace('"', "'")


def _error(fn, *args, **kwargs) -> str:
    with pytest.raises(ValueError) as e:
        fn(*args, **kwargs)
    return str(e.value)


def _write(tmp_path, name: str, df: pd.DataFrame):
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


def _same_rule(tmp_path, fn, frame_kind: str, bad: pd.DataFrame, row: int, line: int, **others):
    """fn(**{frame_kind: bad, ...}) and fn with the same table written as CSV
    fail with the same words, at frame row `row` and file line `line`."""
    from_frame = _error(fn, **{frame_kind: bad}, **others)
    from_file = _error(fn, **{frame_kind: _write(tmp_path, f"{frame_kind}.csv", bad)}, **others)
    assert from_frame.startswith(f"{frame_kind} row {row}: "), from_frame
    assert re.match(rf"^.+{frame_kind}\.csv:{line}:\d+: ", from_file), from_file
    assert _tail(from_frame) == _tail(from_file)
    return from_frame


def _uplift(interactions=CONTACTS, stages=STAGES, members=None):
    return er.estimate_uplift(
        interactions, stages, journey=JOURNEY, members=members, covariates="activity" if members is not None else ()
    )


@pytest.mark.parametrize(
    "column, value, words",
    [("member", "", "member: expected a member id"), ("stage", "gold", "unknown stage 'gold'")],
)
def test_uplift_stage_frames(tmp_path, column, value, words):
    bad = STAGES.copy()
    bad.loc[1, column] = value
    msg = _same_rule(tmp_path, _uplift, "stages", bad, 1, 3)
    assert words in msg


# name: (column, bad value, words of the message)
CONTACT_CASES = {
    "empty source": ("source", "", "source: expected a member id"),
    "blank target": ("target", " ", "target: expected a member id"),
    "weight not a number": ("weight", "heavy", "weight: expected a finite number > 0 or empty, got 'heavy'"),
    "negative weight": ("weight", "-2", "weight: expected a finite number > 0 or empty, got '-2'"),
}


@pytest.mark.parametrize("case", CONTACT_CASES)
def test_uplift_contact_frames(tmp_path, case):
    column, value, words = CONTACT_CASES[case]
    bad = CONTACTS.copy()
    if column == "weight":
        bad.insert(2, "weight", ["1", "1"])
    bad.loc[1, column] = value
    msg = _same_rule(tmp_path, _uplift, "interactions", bad, 1, 3)
    assert words in msg


@pytest.mark.parametrize("value", ["-1", "lots", "inf"])
def test_uplift_activity_frames(tmp_path, value):
    members = pd.DataFrame({"id": ["u", "v"], "activity": ["3", value]})
    msg = _same_rule(tmp_path, _uplift, "members", members, 1, 3)
    assert "activity: expected a finite number >= 0 or empty" in msg
    ok = _uplift(members=pd.DataFrame({"id": ["u", "v"], "activity": [3.0, None]}))
    assert list(ok.columns) == UPLIFT_COLUMNS


def test_uplift_covariates_are_checked_by_the_library():
    with pytest.raises(ValueError, match="unknown covariate 'visits'"):
        er.estimate_uplift(CONTACTS, STAGES, journey=JOURNEY, covariates="contacts, visits")
    with pytest.raises(ValueError, match="covariate 'contacts' given twice"):
        er.estimate_uplift(CONTACTS, STAGES, journey=JOURNEY, covariates=["contacts", "contacts"])
    with pytest.raises(TypeError, match="covariates must be names"):
        er.estimate_uplift(CONTACTS, STAGES, journey=JOURNEY, covariates=[1])
    with pytest.raises(ValueError, match="covariate 'activity' needs members"):
        er.estimate_uplift(CONTACTS, STAGES, journey=JOURNEY, covariates="activity")


@pytest.mark.parametrize("value", ["abc", "1e999", "-inf", "nan?"])
def test_event_values_as_text(tmp_path, value):
    members = pd.DataFrame({"id": ["a", "b"], "stage": ["prospect", "prospect"]})
    events = pd.DataFrame(
        {"member": ["a", "b", "a"], "action": ["visit", "purchase", "visit"], "timestamp": ["1700000000"] * 3}
    )
    events["value"] = ["", "12.5", ""]
    events.loc[2, "value"] = value

    def score(events):
        return er.lead_scores(_write(tmp_path, "members.csv", members), events)

    msg = _same_rule(tmp_path, score, "events", events, 2, 4)
    assert "value: expected a finite number or empty" in msg


def test_event_values_as_numbers_and_text_agree(tmp_path):
    members = pd.DataFrame({"id": ["a", "b"], "stage": ["prospect", "prospect"]})
    base = pd.DataFrame({"member": ["a", "b"], "action": ["purchase", "purchase"], "timestamp": [1.7e9, 1.7e9]})
    as_numbers = er.lead_scores(members, base.assign(value=[10.0, 2.5]))
    as_text = er.lead_scores(members, base.assign(value=[" 10", "+2.5"]))
    pd.testing.assert_frame_equal(as_numbers, as_text)
    assert as_numbers["engagement"].gt(0).all()
    with pytest.raises(ValueError, match=r"events row 1: value: expected a finite number or empty, got inf"):
        er.lead_scores(members, base.assign(value=[1.0, float("inf")]))


@pytest.mark.parametrize("value", ["11", "7.5", "high", "-1"])
def test_nps_satisfaction_like_members_csv(tmp_path, value):
    members = pd.DataFrame({"id": ["a", "b"], "stage": ["prospect", "loyal"], "satisfaction": ["9", value]})
    from_frame = _error(er.nps, members)
    from_file = _error(er.Community.from_csv, _write(tmp_path, "members.csv", members))
    assert from_frame.startswith("members row 1: satisfaction: expected an integer 0-10 or empty"), from_frame
    assert _tail(from_frame) == _tail(from_file)
    assert _error(er.nps, members["satisfaction"], by=None) == from_frame
