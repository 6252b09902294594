"""Checks of examples/data/quantumcomputing/events.csv (and journey.json)
against the raw Quantum Computing Stack Exchange 2018 dump.

The expected events are re-derived here *without* the importer and without
an XML parser: every ``<row .../>`` of the dump sits on one line, so a regular
expression over the raw lines reads its attributes.  Tests that need the dump
skip when ``../shared/data/real/stackexchange-quantumcomputing-2018`` (relative
to the repository root) is absent; the checks of the committed files alone
(header, order, members, timestamps, journey) always run.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / "examples" / "data" / "quantumcomputing"
EVENTS = FOLDER / "events.csv"
MEMBERS = FOLDER / "members.csv"
JOURNEY = FOLDER / "journey.json"
SCHEMA = REPO / "docs" / "journey.schema.json"
DUMP = REPO.parent / "shared" / "data" / "real" / "stackexchange-quantumcomputing-2018"

HEADER = "member,action,timestamp,value"
FIXED_ACTIONS = ("joined", "asked", "answered", "commented", "answer_accepted", "upvote_received", "downvote_received")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$")
ROW_RE = re.compile(r"^\s*<row\s(.*)/>\s*$")
ATTR_RE = re.compile(r'(\w+)="([^"]*)"')


# ---------------------------------------------------------------------------
# the committed files
# ---------------------------------------------------------------------------
def read_events():
    with open(EVENTS, encoding="utf-8", newline="") as f:
        text = f.read()
    lines = text.split("\n")
    assert lines[-1] == "", "events.csv must end with a newline"
    header, body = lines[0], lines[1:-1]
    rows = [tuple(line.split(",")) for line in body]
    return header, rows


def member_ids():
    with open(MEMBERS, encoding="utf-8", newline="") as f:
        return {r["id"] for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def events():
    header, rows = read_events()
    assert header == HEADER
    return rows


def test_header_and_shape():
    header, rows = read_events()
    assert header == HEADER
    assert all(len(r) == 4 for r in rows), "every row has exactly 4 fields (no quoting needed)"
    assert 10_000 < len(rows) < 100_000


def test_members_exist(events):
    ids = member_ids()
    assert "-1" not in ids
    unknown = {m for m, _a, _t, _v in events if m not in ids}
    assert not unknown


def test_sorted(events):
    keys = [(t, int(m), a) for m, a, t, _v in events]
    assert all(keys[i] <= keys[i + 1] for i in range(len(keys) - 1))


def test_timestamps_parse(events):
    for m, a, t, _v in events:
        assert TIMESTAMP_RE.match(t), (m, a, t)
        dt.datetime.fromisoformat(t)


def test_actions_and_values(events):
    for m, a, _t, v in events:
        if a.startswith("badge_"):
            assert re.fullmatch(r"badge_[a-z0-9]+(_[a-z0-9]+)*", a), a
            assert v in ("1", "2", "3"), (m, a, v)
        else:
            assert a in FIXED_ACTIONS, a
            assert v == "", (m, a, v)


def test_journey_file(events):
    journey = json.loads(JOURNEY.read_text(encoding="utf-8"))
    allowed = {
        "$schema",
        "name",
        "description",
        "stages",
        "steps",
        "min_peer_satisfaction",
        "default_capacity",
        "weights",
        "lead_scoring",
        "stage_rules",
    }
    assert set(journey) <= allowed
    assert journey["stages"] == ["prospect", "interested", "new_customer", "loyal", "advocate"]
    assert set(journey["stage_rules"]) == set(journey["stages"][1:])
    seen = {a for _m, a, _t, _v in events}
    # no typo: every scored action and every milestone occurs in events.csv
    assert set(journey["lead_scoring"]["actions"]) <= seen
    for rule in journey["stage_rules"].values():
        for item in rule.get("milestones", []):
            if isinstance(item, str):
                names = [item]
            else:
                names = item["any_of"] if "any_of" in item else [item["action"]]
            assert set(names) <= seen
    assert journey["lead_scoring"]["half_life_days"] > 0


def test_journey_schema():
    if not SCHEMA.is_file():
        pytest.skip("docs/journey.schema.json not present")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    journey = json.loads(JOURNEY.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(journey)]
    assert errors == []


# ---------------------------------------------------------------------------
# independent derivation from the raw dump
# ---------------------------------------------------------------------------
def dump_file(name):
    for candidate in (DUMP / "raw" / name, DUMP / name):
        if candidate.is_file():
            return candidate
    pytest.skip(f"raw Stack Exchange dump not present ({DUMP})")


def raw_rows(name):
    """Attribute dicts of the dump file's <row/> lines (regex, no XML parser)."""
    out = []
    with open(dump_file(name), encoding="utf-8-sig") as f:
        for line in f:
            m = ROW_RE.match(line)
            if m:
                out.append({k: html.unescape(v) for k, v in ATTR_RE.findall(m.group(1))})
    return out


def slug(name):
    """Badge action name: lower-case words joined by '_' (written differently
    from the converter on purpose: split on anything that is not a-z/0-9)."""
    words, word = [], ""
    for ch in name.lower():
        if ("a" <= ch <= "z") or ("0" <= ch <= "9"):
            word += ch
        elif word:
            words.append(word)
            word = ""
    if word:
        words.append(word)
    return "badge_" + "_".join(words)


@pytest.fixture(scope="module")
def expected():
    """The multiset of (member, action, timestamp, value) rows the README promises."""
    users = raw_rows("Users.xml")
    members = {u["Id"] for u in users if u["Id"] != "-1"}
    out = []
    for u in users:
        if u["Id"] in members:
            out.append((u["Id"], "joined", u["CreationDate"], ""))

    posts = {p["Id"]: p for p in raw_rows("Posts.xml")}
    for p in posts.values():
        kind = {"1": "asked", "2": "answered"}.get(p["PostTypeId"])
        if kind and p.get("OwnerUserId") in members:
            out.append((p["OwnerUserId"], kind, p["CreationDate"], ""))

    for c in raw_rows("Comments.xml"):
        if c.get("UserId") in members:
            out.append((c["UserId"], "commented", c["CreationDate"], ""))

    votes = raw_rows("Votes.xml")
    accept_day = {}
    for v in votes:
        if v["VoteTypeId"] == "1":
            accept_day.setdefault(v["PostId"], v["CreationDate"])
        if v["VoteTypeId"] in ("2", "3") and v["PostId"] in posts:
            p = posts[v["PostId"]]
            if p["PostTypeId"] in ("1", "2") and p.get("OwnerUserId") in members:
                when = v["CreationDate"] if v["CreationDate"] > p["CreationDate"] else p["CreationDate"]
                action = "upvote_received" if v["VoteTypeId"] == "2" else "downvote_received"
                out.append((p["OwnerUserId"], action, when, ""))

    for q in posts.values():
        a = posts.get(q.get("AcceptedAnswerId", ""))
        if q["PostTypeId"] != "1" or a is None:
            continue
        owner = a.get("OwnerUserId")
        if owner in members and owner != q.get("OwnerUserId") and a["Id"] in accept_day:
            day = accept_day[a["Id"]]
            out.append((owner, "answer_accepted", max(day, a["CreationDate"]), ""))

    for b in raw_rows("Badges.xml"):
        if b.get("UserId") in members:
            out.append((b["UserId"], slug(b["Name"]), b["Date"], b["Class"]))
    return out


def test_counts_per_action(events, expected):
    got = collections.Counter(a for _m, a, _t, _v in events)
    want = collections.Counter(a for _m, a, _t, _v in expected)
    assert got == want
    # sanity of the independent derivation itself (numbers quoted in the README)
    assert want["joined"] == 3460
    assert want["asked"] == 611 and want["answered"] == 1059
    assert want["commented"] == 3412
    assert want["answer_accepted"] == 372
    assert want["upvote_received"] == 9936
    assert want["downvote_received"] == 426
    assert sum(n for a, n in want.items() if a.startswith("badge_")) == 4671
    assert len(events) == 23947


def test_counts_per_member_and_action(events, expected):
    got = collections.Counter((m, a) for m, a, _t, _v in events)
    want = collections.Counter((m, a) for m, a, _t, _v in expected)
    assert got == want


def test_same_rows_as_independent_derivation(events, expected):
    assert sorted(events) == sorted(expected)


def test_members_are_users_of_the_dump():
    users = {u["Id"] for u in raw_rows("Users.xml")} - {"-1"}
    assert member_ids() == users


def test_importer_reproduces_committed_files(tmp_path, run_cli):
    """The folder is what `engage-right import stackexchange` writes from the
    dump, with the folder's own journey as the base journey."""
    source = dump_file("Users.xml").parent
    journey = tmp_path / "journey.json"
    journey.write_bytes(JOURNEY.read_bytes())
    out = tmp_path / "out"
    proc = run_cli(
        "import", "stackexchange", "--dump", source, "--out", out, "--journey", journey, "--quiet", check_exit=0
    )
    assert b"events " in proc.stdout
    for name in ("members.csv", "interactions.csv", "events.csv", "content.csv", "stages.csv", "journey.json"):
        assert (out / name).read_bytes() == (FOLDER / name).read_bytes(), name
