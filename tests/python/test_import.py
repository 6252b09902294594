"""The importers on real data: the Beer Stack Exchange subset (XML), the
Information Security meta subset (CSV variant) and four annotated #ubuntu IRC
samples, all committed under examples/data.

Numbers are checked against independent readings of the same files (the
standard library's xml.etree and csv modules, the rules of docs/import.md
written again here), and the whole output against the lxml-based Python
implementation of benchmarks/import_peer.py, byte for byte.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import importlib.util
import json
import math
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

import engage_right as er

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "examples" / "data"
BEER = DATA / "stackexchange-beer"
SECURITY = DATA / "stackexchange-security-meta"
IRC = DATA / "irc-ubuntu"
FILES = ("members.csv", "interactions.csv", "events.csv", "content.csv", "stages.csv", "journey.json")
TABLES = ("Users", "Posts", "Comments", "Votes", "Badges")
DUMPS = {"beer": (BEER, "2014-03-01T00:00:00"), "security": (SECURITY, "2011-06-15T12:00:00")}


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------
# an independent reading of a dump
# ---------------------------------------------------------------------------
def table_rows(folder: Path, table: str) -> list:
    """Attribute dicts of a dump table (xml.etree or csv; empty CSV fields dropped)."""
    xml, csvp = folder / f"{table}.xml", folder / f"{table}.csv"
    if xml.exists():
        return [dict(e.attrib) for _, e in ET.iterparse(xml) if e.tag == "row"]
    with open(csvp, encoding="utf-8", newline="") as f:
        return [{k: v for k, v in r.items() if v != ""} for r in csv.DictReader(f)]


def ms(text: str) -> int:
    t = dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)
    return round(t.timestamp() * 1000)


@pytest.fixture(scope="module", params=sorted(DUMPS))
def dump(request):
    folder, as_of = DUMPS[request.param]
    rows = {t: table_rows(folder, t) for t in TABLES}
    return {
        "name": request.param,
        "folder": folder,
        "as_of": as_of,
        "rows": rows,
        "result": er.datasets.from_stackexchange(folder),
    }


def per_action(events: pd.DataFrame, action: str) -> collections.Counter:
    return collections.Counter(events.loc[events.action == action, "member"])


def test_members_and_contributions(dump):
    rows, res = dump["rows"], dump["result"]
    users = [u for u in rows["Users"] if u["Id"] != "-1"]
    assert sorted(res.members.id, key=int) == list(res.members.id)
    assert set(res.members.id) == {u["Id"] for u in users}
    ids = set(res.members.id)
    asked = collections.Counter(
        p["OwnerUserId"] for p in rows["Posts"] if p["PostTypeId"] == "1" and p.get("OwnerUserId") in ids
    )
    answered = collections.Counter(
        p["OwnerUserId"] for p in rows["Posts"] if p["PostTypeId"] == "2" and p.get("OwnerUserId") in ids
    )
    commented = collections.Counter(c["UserId"] for c in rows["Comments"] if c.get("UserId") in ids)
    assert per_action(res.events, "asked") == asked
    assert per_action(res.events, "answered") == answered
    assert per_action(res.events, "commented") == commented
    assert (res.events.action == "joined").sum() == len(users)
    # the behaviour features are log1p of the same counts
    m = res.members.set_index("id")
    for uid in ids:
        assert m.at[uid, "f_0"] == pytest.approx(math.log1p(asked[uid]), abs=5e-5)
        assert m.at[uid, "f_1"] == pytest.approx(math.log1p(answered[uid]), abs=5e-5)
        assert m.at[uid, "f_2"] == pytest.approx(math.log1p(commented[uid]), abs=5e-5)
    # reputation without --as-of is the dump's
    rep = {u["Id"]: int(u.get("Reputation", 1)) for u in users}
    assert dict(zip(res.members.id, res.members.reputation)) == rep
    assert counts_of(res, "members") == len(users)


def counts_of(res, what):
    return res.counts[what]


def test_votes_accepts_badges_and_contacts(dump):
    rows, res = dump["rows"], dump["result"]
    ids = set(res.members.id)
    posts = {p["Id"]: p for p in rows["Posts"]}
    up = collections.Counter()
    for v in rows["Votes"]:
        p = posts.get(v["PostId"])
        if v["VoteTypeId"] == "2" and p and p["PostTypeId"] in ("1", "2") and p.get("OwnerUserId") in ids:
            up[p["OwnerUserId"]] += 1
    assert per_action(res.events, "upvote_received") == up
    m = res.members.set_index("id")
    assert all(m.at[u, "f_4"] == pytest.approx(math.log1p(up[u]), abs=5e-5) for u in ids)
    # accepted answers by somebody else's question: one event each
    accepted = collections.Counter()
    for q in posts.values():
        a = posts.get(q.get("AcceptedAnswerId", ""))
        if (
            q["PostTypeId"] == "1"
            and a
            and a.get("OwnerUserId") in ids
            and a.get("OwnerUserId") != q.get("OwnerUserId")
        ):
            accepted[a["OwnerUserId"]] += 1
    assert per_action(res.events, "answer_accepted") == accepted
    badges = collections.Counter(b["UserId"] for b in rows["Badges"] if b.get("UserId") in ids)
    assert collections.Counter(res.events.loc[res.events.action.str.startswith("badge_"), "member"]) == badges
    # contacts, counted as SNAP counts them: a2q, c2q, c2a without self-replies
    want = collections.Counter()
    for p in posts.values():
        q = posts.get(p.get("ParentId", ""))
        if p["PostTypeId"] == "2" and q and q["PostTypeId"] == "1":
            s, t = p.get("OwnerUserId"), q.get("OwnerUserId")
            if s in ids and t in ids and s != t:
                want["a2q"] += 1
    for c in rows["Comments"]:
        p = posts.get(c["PostId"])
        if p and p["PostTypeId"] in ("1", "2"):
            s, t = c.get("UserId"), p.get("OwnerUserId")
            if s in ids and t in ids and s != t:
                want["c2q" if p["PostTypeId"] == "1" else "c2a"] += 1
    assert collections.Counter(res.interactions.kind) == want
    # content: every question and answer, answers with their question's tags
    qa = [p for p in posts.values() if p["PostTypeId"] in ("1", "2")]
    assert len(res.content) == len(qa)
    assert collections.Counter(res.content.kind) == collections.Counter(
        "question" if p["PostTypeId"] == "1" else "answer" for p in qa
    )
    assert int(res.content.accepted.sum()) == 2 * sum(
        1
        for q in posts.values()
        if q["PostTypeId"] == "1" and posts.get(q.get("AcceptedAnswerId", ""), {}).get("PostTypeId") == "2"
    )


def vote_delta(kind: int, question: bool) -> int:
    return {1: 15, 2: 5 if question else 10, 3: -2}[kind]


def test_as_of_cut_and_reputation(dump):
    rows, folder = dump["rows"], dump["folder"]
    T = ms(dump["as_of"])
    res = er.datasets.from_stackexchange(folder, as_of=dump["as_of"])
    cut = pd.Timestamp(dump["as_of"], tz="UTC")
    for name in ("members", "interactions", "events", "content", "stages"):
        frame = getattr(res, name)
        for col in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[col]):
                assert (frame[col].dropna() < cut).all(), (name, col)
    users = [u for u in rows["Users"] if u["Id"] != "-1" and ms(u["CreationDate"]) < T]
    assert set(res.members.id) == {u["Id"] for u in users}
    # reputation as of T: the dump's less every vote dated T or later
    posts = {p["Id"]: p for p in rows["Posts"]}
    later = collections.Counter()
    for v in rows["Votes"]:
        p = posts.get(v["PostId"])
        kind = int(v["VoteTypeId"])
        if p is None or kind not in (1, 2, 3, 8, 9):
            continue
        when = max(ms(v["CreationDate"]), ms(p["CreationDate"]))
        if when < T:
            continue
        if kind == 8:  # bounty offered: the offerer pays
            later[v.get("UserId")] -= int(v.get("BountyAmount", 0))
        if kind == 9:  # bounty awarded to the post's author
            later[p.get("OwnerUserId")] += int(v.get("BountyAmount", 0))
        wiki = "CommunityOwnedDate" in p and when >= ms(p["CommunityOwnedDate"])
        if kind in (2, 3) and p["PostTypeId"] in ("1", "2") and not wiki:
            later[p.get("OwnerUserId")] += vote_delta(kind, p["PostTypeId"] == "1")
        if kind == 1 and p["PostTypeId"] == "2" and not wiki:
            asker = posts.get(p.get("ParentId", ""), {}).get("OwnerUserId")
            if p.get("OwnerUserId") != asker or asker is None:
                later[p.get("OwnerUserId")] += 15
                later[asker] += 2
    want = {u["Id"]: max(1, int(u.get("Reputation", 1)) - later[u["Id"]]) for u in users}
    assert dict(zip(res.members.id, res.members.reputation)) == want
    assert sum(1 for u in users if want[u["Id"]] != int(u.get("Reputation", 1))) > 10  # the test can fail
    # content scores as of T: the dump's less the up-votes and plus the down-votes from T on
    later_score = collections.Counter()
    for v in rows["Votes"]:
        p = posts.get(v["PostId"])
        if p and v["VoteTypeId"] in ("2", "3") and max(ms(v["CreationDate"]), ms(p["CreationDate"])) >= T:
            later_score[p["Id"]] += 1 if v["VoteTypeId"] == "2" else -1
    got = dict(zip(res.content.id.astype(str), res.content.score))
    assert got == {pid: int(posts[pid].get("Score", 0)) - later_score[pid] for pid in got}


def test_same_files_as_the_lxml_implementation(dump, tmp_path):
    pytest.importorskip("lxml")
    peer = load_module(REPO / "benchmarks" / "import_peer.py", "import_peer")
    for as_of in (None, dump["as_of"]):
        ours, theirs = tmp_path / f"c{as_of is None}", tmp_path / f"p{as_of is None}"
        er.datasets.from_stackexchange(dump["folder"], as_of=as_of).write(ours)
        theirs.mkdir()
        peer.run(str(dump["folder"]), str(theirs), None if as_of is None else peer.to_ms(as_of))
        for f in FILES:
            assert (ours / f).read_bytes() == (theirs / f).read_bytes(), (dump["name"], as_of, f)


def test_xml_and_csv_variants_give_the_same_files(tmp_path):
    variant = tmp_path / "csv"
    variant.mkdir()
    for table in TABLES:
        rows = table_rows(BEER, table)
        names = list(dict.fromkeys(k for r in rows for k in r))
        with open(variant / f"{table}.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=names)
            w.writeheader()
            w.writerows(rows)
    a, b = tmp_path / "from_xml", tmp_path / "from_csv"
    er.datasets.from_stackexchange(BEER).write(a)
    er.datasets.from_stackexchange(variant).write(b)
    for f in FILES:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_frames(dump):
    res = dump["result"]
    assert str(res.members.created.dtype).startswith("datetime64") and str(res.members.created.dt.tz) == "UTC"
    assert res.members.satisfaction.isna().all()
    assert list(res.members.columns[:9]) == [
        "id",
        "stage",
        "satisfaction",
        "capacity",
        "opted_out",
        "activity",
        "tags",
        "created",
        "reputation",
    ]
    c = er.Community.from_frames(res.members, res.interactions, journey=res.journey)
    assert len(c) == len(res.members)
    recs = er.recommend(c, k=2)
    assert len(recs) > 0
    assert set(json.loads(res.journey.to_json())["lead_scoring"]["actions"]) == set(res.events.action)


# ---------------------------------------------------------------------------
# missing and malformed input
# ---------------------------------------------------------------------------
def test_missing_tables(tmp_path, run_cli):
    folder = tmp_path / "dump"
    shutil.copytree(BEER, folder)
    (folder / "Votes.xml").unlink()
    (folder / "Comments.xml").unlink()
    res = er.datasets.from_stackexchange(folder)
    assert any("no Votes table" in w for w in res.warnings)
    assert any("no Comments table" in w for w in res.warnings)
    assert not (res.events.action == "upvote_received").any()
    proc = run_cli("import", "stackexchange", "--dump", folder, "--out", tmp_path / "out", "--quiet", check_exit=0)
    assert b"warning: no Votes table" in proc.stderr
    (folder / "Posts.xml").unlink()
    with pytest.raises(ValueError, match="missing required table Posts"):
        er.datasets.from_stackexchange(folder)
    proc = run_cli("import", "stackexchange", "--dump", folder, "--out", tmp_path / "out", check_exit=2)
    assert b"missing required table Posts" in proc.stderr


def test_malformed_xml_names_line_and_column(tmp_path, run_cli):
    folder = tmp_path / "dump"
    shutil.copytree(BEER, folder)
    lines = (folder / "Comments.xml").read_bytes().split(b"\r\n")
    lines[5] = lines[5].replace(b'PostId="', b"PostId=", 1)
    (folder / "Comments.xml").write_bytes(b"\r\n".join(lines))
    with pytest.raises(ValueError, match=r"Comments\.xml:6:\d+: malformed XML"):
        er.datasets.from_stackexchange(folder)
    text = (BEER / "Posts.xml").read_bytes()
    (folder / "Comments.xml").write_bytes((BEER / "Comments.xml").read_bytes())
    (folder / "Posts.xml").write_bytes(text[: len(text) // 2])
    proc = run_cli("import", "stackexchange", "--dump", folder, "--out", tmp_path / "o", check_exit=2)
    assert b"Posts.xml:" in proc.stderr and b"unexpected end of file" in proc.stderr
    csv_folder = tmp_path / "csvdump"
    shutil.copytree(SECURITY, csv_folder)
    body = (csv_folder / "Votes.csv").read_text(encoding="utf-8").split("\n")
    body[3] = body[3].replace("2010-11-11T00:00:00.000", "2010-13-11", 1)
    (csv_folder / "Votes.csv").write_text("\n".join(body), encoding="utf-8")
    with pytest.raises(ValueError, match=r"Votes\.csv:4:\d+: CreationDate: expected an ISO-8601 date"):
        er.datasets.from_stackexchange(csv_folder)


def test_bad_options(tmp_path):
    with pytest.raises(ValueError, match="expected 5 thresholds"):
        er.datasets.from_stackexchange(BEER, stages="reputation:1,2")
    with pytest.raises(ValueError, match="not a folder"):
        er.datasets.from_stackexchange(tmp_path / "nowhere")


def test_stage_mappings_on_real_data():
    res = er.datasets.from_stackexchange(BEER, stages="reputation:1,2,15,125,1000")
    rep = res.members.set_index("id").reputation
    stage = res.members.set_index("id").stage
    want = pd.cut(
        rep,
        [-math.inf, 2, 15, 125, 1000, math.inf],
        right=False,
        labels=["prospect", "interested", "new_customer", "loyal", "advocate"],
    ).astype(str)
    assert (stage == want).all()
    act = er.datasets.from_stackexchange(BEER, stages="activity")
    counts = act.members.set_index("id")[["f_0", "f_1", "f_2"]].apply(lambda c: c.map(math.expm1)).round().sum(axis=1)
    active = counts[counts > 0]
    assert (act.members.set_index("id").stage[counts == 0] == "prospect").all()
    # equal-size groups: the largest group is at most the tie group of its boundary larger than n/4
    sizes = act.members.stage.value_counts()
    assert sizes.drop("prospect", errors="ignore").sum() == len(active)


# ---------------------------------------------------------------------------
# the thread importer on the annotated IRC corpus
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def irc():
    module = load_module(REPO / "examples" / "python" / "irc_threads.py", "irc_threads")
    return module.irc_posts(IRC)


def test_irc_reply_links(irc, tmp_path):
    res = er.datasets.from_threads(irc)
    # Independently: of the annotated links of each message, the latest
    # earlier message; a contact when the two nicks differ.
    nick_re = re.compile(r"^\[\d\d:\d\d\] (?:<([^>]+)> | \* (\S+))")  # a message or an action
    contacts = 0
    nicks = set()
    for raw in sorted(IRC.glob("*/*.raw.txt")):
        lines = raw.read_text(encoding="utf-8").split("\n")
        who = {}
        for i, line in enumerate(lines):
            m = nick_re.match(line)
            if m:
                who[i] = m.group(1) or m.group(2)
        parent = {}
        for link in raw.with_name(raw.name.replace(".raw", ".annotation")).read_text().split("\n"):
            if link.strip():
                a, b = (int(x) for x in link.split()[:2])
                if a < b and a in who and b in who:
                    parent[b] = max(parent.get(b, -1), a)
        contacts += sum(1 for b, a in parent.items() if who[a] != who[b])
        nicks |= {who[i] for i in who if i >= 1000} | {who[a] for a in parent.values()}
    assert len(res.interactions) == contacts
    assert set(res.members.id) == nicks
    assert len(res.content) == len(irc)
    assert (res.content.kind == "reply").sum() == (irc.parent_id != "").sum()
    # a file and a frame give the same files
    irc.to_csv(tmp_path / "posts.csv", index=False)
    res.write(tmp_path / "frame")
    er.datasets.from_threads(tmp_path / "posts.csv").write(tmp_path / "file")
    for f in FILES:
        assert (tmp_path / "frame" / f).read_bytes() == (tmp_path / "file" / f).read_bytes(), f


def test_threads_frame_errors_name_the_row():
    posts = pd.DataFrame(
        {"post_id": ["a", "b"], "author": ["x", "y"], "parent_id": ["", "a"], "created": ["2020-01-01", "later"]}
    )
    with pytest.raises(ValueError, match="posts row 1: created: expected unix seconds or ISO-8601"):
        er.datasets.from_threads(posts)
    with pytest.raises(ValueError, match="missing column 'parent_id' or 'thread_id'"):
        er.datasets.from_threads(posts.drop(columns="parent_id"))
    posts["created"] = pd.to_datetime(["2020-01-01", "2020-01-02"], utc=True)
    members = pd.DataFrame(
        {"id": ["x", "y", "z"], "created": pd.to_datetime(["2019-01-01"] * 3, utc=True), "reputation": [5, 1, 1000]}
    )
    res = er.datasets.from_threads(posts, members, stages="reputation:0,2,10,100,1000")
    assert dict(zip(res.members.id, res.members.stage)) == {"x": "interested", "y": "prospect", "z": "advocate"}


# ---------------------------------------------------------------------------
# the CLI: import, then the other commands on what was imported
# ---------------------------------------------------------------------------
def test_cli_import_then_recommend_match_stats(run_cli, tmp_path, irc):
    irc.to_csv(tmp_path / "posts.csv", index=False)
    folders = []
    for name, (folder, as_of) in DUMPS.items():
        out = tmp_path / name
        proc = run_cli("import", "stackexchange", "--dump", folder, "--out", out, "--as-of", as_of, check_exit=0)
        assert b"members" in proc.stdout and b"reading Posts" in proc.stderr
        folders.append(out)
        # the CLI writes what the Python API writes
        er.datasets.from_stackexchange(folder, as_of=as_of).write(tmp_path / f"{name}-py")
        for f in FILES:
            assert (out / f).read_bytes() == (tmp_path / f"{name}-py" / f).read_bytes(), f
    run_cli("import", "threads", "--posts", tmp_path / "posts.csv", "--out", tmp_path / "irc", "--quiet", check_exit=0)
    folders.append(tmp_path / "irc")
    for out in folders:
        common = ["--members", out / "members.csv", "--journey", out / "journey.json"]
        run_cli("recommend", *common, "--interactions", out / "interactions.csv", "--format", "csv", check_exit=0)
        run_cli("match", *common, "--interactions", out / "interactions.csv", "--format", "csv", check_exit=0)
        run_cli("stats", *common, "--interactions", out / "interactions.csv", check_exit=0)
        run_cli("infer-stages", *common, "--events", out / "events.csv", "--format", "csv", check_exit=0)
        run_cli(
            "learn",
            "--interactions",
            out / "interactions.csv",
            "--stages",
            out / "stages.csv",
            "--journey",
            out / "journey.json",
            check_exit=0,
        )
    assert run_cli("import", check_exit=2).stderr.startswith(b"usage: engage-right import {stackexchange|threads}")
    assert b"--as-of TIME" in run_cli("import", "stackexchange", "--help", check_exit=0).stdout
    assert b"--posts FILE" in run_cli("import", "threads", "--help", check_exit=0).stdout
