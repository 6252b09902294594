#!/usr/bin/env python3
"""The Stack Exchange import in Python: lxml.etree.iterparse (or the csv
module for the CSV variant) and plain dicts and lists, written from the rules
of docs/import.md to give the same files as ``engage-right import
stackexchange`` with the default journey and stage mapping.

    python3 benchmarks/import_peer.py --dump DIR --out DIR [--as-of TIME]

Prints one JSON line with the time of each phase. It is the benchmark's peer
(benchmarks/run_import.py) and, in tests/python/test_import.py, an
independent second implementation that the C++ output must match byte for
byte.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import sys
import time

from lxml import etree

TIME_RULE_CHANGE = 1573603200000  # 2019-11-13: question up-votes +10 instead of +5
STAGES = ["prospect", "interested", "new_customer", "loyal", "advocate"]
EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_day_ms: dict = {}
_day_text: dict = {}


def to_ms(s: str) -> int:
    """`YYYY-MM-DDTHH:MM:SS[.fff]` (UTC) -> milliseconds since 1970."""
    day = s[:10]
    base = _day_ms.get(day)
    if base is None:
        base = (dt.date.fromisoformat(day).toordinal() - EPOCH_ORDINAL) * 86400000
        _day_ms[day] = base
    if len(s) <= 10:
        return base
    ms = (int(s[11:13]) * 3600 + int(s[14:16]) * 60 + int(s[17:19])) * 1000
    if len(s) > 20:
        frac = s[20:]
        ms += round(int(frac) * 10 ** (3 - len(frac))) if len(frac) <= 3 else round(float("0." + frac) * 1000)
    return base + ms


def fmt_ms(t: int) -> str:
    days, rest = divmod(t, 86400000)
    text = _day_text.get(days)
    if text is None:
        text = dt.date.fromordinal(days + EPOCH_ORDINAL).isoformat()
        _day_text[days] = text
    h, rest = divmod(rest, 3600000)
    m, rest = divmod(rest, 60000)
    s, ms = divmod(rest, 1000)
    return f"{text}T{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def find_table(folder: str, name: str):
    files = {f.lower(): f for f in os.listdir(folder)}
    for ext in (".xml", ".csv"):
        if (name + ext).lower() in files:
            return os.path.join(folder, files[(name + ext).lower()])
    return None


def rows(path: str, names: tuple):
    """The wanted attributes of every row (None when absent)."""
    if path.lower().endswith(".csv"):
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = [h.strip().lower() for h in next(reader)]
            at = [header.index(n.lower()) if n.lower() in header else None for n in names]
            for rec in reader:
                yield tuple((rec[k] or None) if k is not None else None for k in at)
        return
    for _, e in etree.iterparse(path, events=("end",), tag="row", huge_tree=True):
        get = e.get
        yield tuple(get(n) for n in names)
        e.clear(keep_tail=False)
        parent = e.getparent()
        while e.getprevious() is not None:
            del parent[0]


def split_tags(cell):
    if not cell:
        return []
    cell = cell.strip()
    if cell.startswith("<"):
        return [t for t in cell[1:-1].split("><") if t] if cell.endswith(">") else []
    sep = "|" if cell.startswith("|") else ";"
    return [t.strip() for t in cell.split(sep) if t.strip()]


def badge_action(name: str) -> str:
    out, gap = [], False
    for ch in name.lower():
        if ch.isascii() and (ch.isalpha() or ch.isdigit()):
            if gap and out:
                out.append("_")
            out.append(ch)
            gap = False
        else:
            gap = True
    return "badge_" + "".join(out)


class Post:
    __slots__ = (
        "id",
        "type",
        "parent",
        "accepted",
        "created",
        "wiki",
        "accept_time",
        "score",
        "owner",
        "up_after",
        "down_after",
        "tags",
        "title",
        "before",
    )


def run(dump: str, out_dir: str, as_of_ms=None) -> dict:
    t0 = time.perf_counter()
    T = as_of_ms if as_of_ms is not None else 1 << 62
    latest = -(1 << 62)
    timing = {}

    # ---- users ----------------------------------------------------------
    users = []
    for uid, rep, created in rows(find_table(dump, "Users"), ("Id", "Reputation", "CreationDate")):
        c = to_ms(created)
        latest = max(latest, c)
        uid = int(uid)
        if uid == -1 or c >= T:
            continue
        users.append((uid, int(rep) if rep else 1, c))
    users.sort()
    ids = [str(u[0]) for u in users]
    member = {u[0]: i for i, u in enumerate(users)}
    dump_rep = [u[1] for u in users]
    created = [u[2] for u in users]
    n = len(users)
    q_count = [0] * n
    a_count = [0] * n
    c_count = [0] * n
    acc_count = [0] * n
    up_count = [0] * n
    gold, silver, bronze = [0] * n, [0] * n, [0] * n
    events = []  # (time, member, action, value or None)
    changes = []  # (member, time, kind, delta)
    contacts = []  # (time, source, target, kind, content)
    votes = []  # (member, time, kind, amount)
    dropped = 0
    for m in range(n):
        events.append((created[m], m, "joined", None))
    timing["users_s"] = time.perf_counter() - t0

    # ---- posts ------------------------------------------------------------
    t1 = time.perf_counter()
    posts = {}
    order = []
    names = (
        "Id",
        "PostTypeId",
        "ParentId",
        "AcceptedAnswerId",
        "CreationDate",
        "Score",
        "OwnerUserId",
        "Tags",
        "Title",
        "CommunityOwnedDate",
    )
    for pid, ptype, parent, accepted, pcreated, score, owner, tags, title, wiki in rows(
        find_table(dump, "Posts"), names
    ):
        p = Post()
        p.id = int(pid)
        p.type = int(ptype)
        p.created = to_ms(pcreated)
        latest = max(latest, p.created)
        p.before = p.created < T
        p.score = int(score) if score else 0
        p.owner = member.get(int(owner), -1) if owner else -1
        p.wiki = to_ms(wiki) if wiki else None
        p.accept_time = None
        p.up_after = p.down_after = 0
        p.accepted = 0
        p.parent = 0
        p.tags = ()
        p.title = ""
        if p.type == 1:
            p.accepted = int(accepted) if accepted else 0
            p.tags = split_tags(tags)
            p.title = title or ""
        elif p.type == 2:
            p.parent = int(parent)
        posts[p.id] = p
        order.append(p)
    timing["posts_s"] = time.perf_counter() - t1

    # ---- comments -----------------------------------------------------------
    t1 = time.perf_counter()
    path = find_table(dump, "Comments")
    if path:
        for post_id, user, ccreated in rows(path, ("PostId", "UserId", "CreationDate")):
            t = to_ms(ccreated)
            latest = max(latest, t)
            if t >= T:
                continue
            m = member.get(int(user), -1) if user else -1
            if m < 0:
                dropped += 1
            else:
                events.append((t, m, "commented", None))
                c_count[m] += 1
                changes.append((m, t, 2, 0))
            p = posts.get(int(post_id))
            if p is None or p.type not in (1, 2) or not p.before:
                continue
            if m >= 0 and p.owner >= 0 and m != p.owner:
                contacts.append((t, m, p.owner, 1 if p.type == 1 else 2, p.id))
    timing["comments_s"] = time.perf_counter() - t1

    # ---- votes ----------------------------------------------------------------
    t1 = time.perf_counter()
    unattributed = 0
    path = find_table(dump, "Votes")
    have_votes = path is not None
    if have_votes:
        for post_id, vtype, vday, vuser, amount in rows(
            path, ("PostId", "VoteTypeId", "CreationDate", "UserId", "BountyAmount")
        ):
            vtype = int(vtype)
            day = to_ms(vday)
            latest = max(latest, day)
            if vtype not in (1, 2, 3, 8, 9):
                continue
            p = posts.get(int(post_id))
            if p is None:
                unattributed += 1
                continue
            t = max(day, p.created)
            wiki = p.wiki is not None and t >= p.wiki
            inside = t < T
            if vtype in (2, 3):
                if p.type not in (1, 2):
                    continue
                if inside:
                    if p.owner < 0:
                        dropped += 1
                    else:
                        if vtype == 2:
                            up_count[p.owner] += 1
                        events.append((t, p.owner, "upvote_received" if vtype == 2 else "downvote_received", None))
                elif vtype == 2:
                    p.up_after += 1
                else:
                    p.down_after += 1
                if p.owner >= 0 and not wiki:
                    votes.append((p.owner, t, 2 if vtype == 3 else (0 if p.type == 1 else 1), 0))
            elif vtype == 1:
                if p.type != 2:
                    continue
                if p.accept_time is None:
                    p.accept_time = t
                q = posts.get(p.parent)
                asker = q.owner if q is not None else -1
                if wiki or (p.owner >= 0 and p.owner == asker):
                    continue
                if p.owner >= 0:
                    votes.append((p.owner, t, 3, 0))
                if asker >= 0:
                    votes.append((asker, t, 4, 0))
            elif vtype == 8:
                m = member.get(int(vuser), -1) if vuser else -1
                a = int(amount) if amount else 0
                if m >= 0 and a != 0:
                    votes.append((m, t, 5, -a))
            else:
                a = int(amount) if amount else 0
                if p.owner >= 0 and a != 0:
                    votes.append((p.owner, t, 5, a))
    else:
        for p in order:
            if p.type not in (1, 2) or p.owner < 0:
                continue
            for _ in range(abs(p.score)):
                votes.append((p.owner, p.created, 2 if p.score < 0 else (0 if p.type == 1 else 1), 0))
        for q in order:
            if q.type != 1 or q.accepted == 0:
                continue
            a = posts.get(q.accepted)
            if a is None or a.type != 2 or (a.owner >= 0 and a.owner == q.owner):
                continue
            if a.owner >= 0:
                votes.append((a.owner, a.created, 3, 0))
            if q.owner >= 0:
                votes.append((q.owner, a.created, 4, 0))
    timing["votes_s"] = time.perf_counter() - t1

    # ---- badges -----------------------------------------------------------------
    t1 = time.perf_counter()
    badge_class = {}
    path = find_table(dump, "Badges")
    if path:
        by_key, owner_of = {}, {}
        for user, name, bdate, cls, tag_based in rows(path, ("UserId", "Name", "Date", "Class", "TagBased")):
            t = to_ms(bdate)
            latest = max(latest, t)
            if t >= T:
                continue
            tag = (tag_based or "").strip().lower() == "true"
            key = (name or "", tag)
            action = by_key.get(key)
            if action is None:
                action = badge_action(name or "")
                prev = owner_of.setdefault(action, key)
                if prev != key and tag:
                    action += "_tag"
                owner_of.setdefault(action, key)
                by_key[key] = action
            cls = int(cls) if cls else None
            m = member.get(int(user), -1) if user else -1
            if m < 0:
                dropped += 1
            else:
                events.append((t, m, action, cls))
                if cls == 1:
                    gold[m] += 1
                elif cls == 2:
                    silver[m] += 1
                elif cls == 3:
                    bronze[m] += 1
            if cls is not None and badge_class.get(action, 0) == 0:
                badge_class[action] = cls
    timing["badges_s"] = time.perf_counter() - t1

    # ---- the tables -----------------------------------------------------------------
    t1 = time.perf_counter()
    touched = set()
    for p in order:
        if not p.before or p.type not in (1, 2):
            continue
        if p.type == 1:
            if p.owner < 0:
                dropped += 1
                continue
            events.append((p.created, p.owner, "asked", None))
            q_count[p.owner] += 1
            changes.append((p.owner, p.created, 0, 0))
            touched.add((p.owner, p.id))
            continue
        q = posts.get(p.parent)
        if p.owner < 0:
            dropped += 1
        else:
            events.append((p.created, p.owner, "answered", None))
            a_count[p.owner] += 1
            changes.append((p.owner, p.created, 1, 0))
            if q is not None and q.type == 1:
                touched.add((p.owner, q.id))
        if q is not None and q.type == 1 and p.owner >= 0 and q.owner >= 0 and p.owner != q.owner:
            contacts.append((p.created, p.owner, q.owner, 0, q.id))
    accepted_answers, accepted_questions = set(), set()
    for q in order:
        if q.type != 1 or not q.before or q.accepted == 0:
            continue
        a = posts.get(q.accepted)
        if a is None or a.type != 2 or not a.before:
            continue
        t = a.accept_time if a.accept_time is not None else a.created
        if t >= T:
            continue
        accepted_answers.add(a.id)
        accepted_questions.add(q.id)
        if a.owner >= 0:
            acc_count[a.owner] += 1
        if a.owner >= 0 and a.owner == q.owner:
            continue
        if a.owner < 0:
            dropped += 1
        else:
            events.append((t, a.owner, "answer_accepted", None))

    q_up = 10 if latest >= TIME_RULE_CHANGE else 5
    value = {0: q_up, 1: 10, 2: -2, 3: 15, 4: 2}
    after, total = [0.0] * n, [0.0] * n
    for m, t, kind, amount in votes:
        d = value.get(kind, amount)
        total[m] += d
        if t >= T:
            after[m] += d
        else:
            changes.append((m, t, 3, d))
    reputation = [max(1.0, dump_rep[m] - after[m]) if as_of_ms is not None else float(dump_rep[m]) for m in range(n)]
    base = [dump_rep[m] - total[m] for m in range(n)]

    def stage_of(rep, q, a, c):
        if rep >= 1000:
            return 4
        if a > 0:
            return 3
        if q > 0:
            return 2
        if c > 0 or rep > 1:
            return 1
        return 0

    tag_counts = [dict() for _ in range(n)]
    for m, qid in touched:
        for tag in posts[qid].tags:
            tag_counts[m][tag] = tag_counts[m].get(tag, 0) + 1

    with open(os.path.join(out_dir, "members.csv"), "w", encoding="utf-8", newline="") as f:
        w = f.write
        w("id,stage,satisfaction,capacity,opted_out,activity,tags,created,reputation,f_0,f_1,f_2,f_3,f_4,f_5,f_6,f_7\n")
        for m in range(n):
            stage = STAGES[stage_of(reputation[m], q_count[m], a_count[m], c_count[m])]
            tags = ";".join(t for t, _ in sorted(tag_counts[m].items(), key=lambda kv: (-kv[1], kv[0]))[:3])
            rep = round(reputation[m])
            feats = ",".join(
                f"{math.log1p(v):.4f}"
                for v in (q_count[m], a_count[m], c_count[m], acc_count[m], up_count[m], gold[m], silver[m], bronze[m])
            )
            w(f"{ids[m]},{stage},,,0,{rep},{quote(tags)},{fmt_ms(created[m])},{rep},{feats}\n")

    # stages.csv: the history of the mapped stage
    changes.sort(key=lambda c: (c[0], c[1]))
    history = []
    i = 0
    for m in range(n):
        start = created[m]
        raw = base[m]
        q = a = c = 0
        while i < len(changes) and changes[i][0] == m and changes[i][1] <= start:
            _, _, kind, d = changes[i]
            q, a, c, raw = q + (kind == 0), a + (kind == 1), c + (kind == 2), raw + (d if kind == 3 else 0)
            i += 1
        current = stage_of(max(1.0, raw), q, a, c)
        history.append((start, m, current))
        while i < len(changes) and changes[i][0] == m:
            t = changes[i][1]
            while i < len(changes) and changes[i][0] == m and changes[i][1] == t:
                _, _, kind, d = changes[i]
                q, a, c, raw = q + (kind == 0), a + (kind == 1), c + (kind == 2), raw + (d if kind == 3 else 0)
                i += 1
            now = stage_of(max(1.0, raw), q, a, c)
            if now != current:
                history.append((t, m, now))
                current = now
    history.sort()
    with open(os.path.join(out_dir, "stages.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("member,stage,timestamp\n")
        f.writelines(f"{ids[m]},{STAGES[s]},{fmt_ms(t)}\n" for t, m, s in history)

    contacts.sort()
    kinds = ("a2q", "c2q", "c2a")
    with open(os.path.join(out_dir, "interactions.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("source,target,weight,timestamp,kind,content\n")
        f.writelines(f"{ids[s]},{ids[d]},1,{fmt_ms(t)},{kinds[k]},{c}\n" for t, s, d, k, c in contacts)

    content = sorted((p for p in order if p.before and p.type in (1, 2)), key=lambda p: (p.created, p.id))
    with open(os.path.join(out_dir, "content.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("id,author,kind,parent,created,tags,score,accepted,title\n")
        for p in content:
            q = p if p.type == 1 else posts.get(p.parent)
            tags = ";".join(q.tags) if q is not None and q.type == 1 else ""
            score = p.score - p.up_after + p.down_after if have_votes and as_of_ms is not None else p.score
            if p.type == 1:
                f.write(
                    f"{p.id},{ids[p.owner] if p.owner >= 0 else ''},question,,{fmt_ms(p.created)},{quote(tags)},"
                    f"{score},{1 if p.id in accepted_questions else 0},{quote(p.title)}\n"
                )
            else:
                f.write(
                    f"{p.id},{ids[p.owner] if p.owner >= 0 else ''},answer,{p.parent},{fmt_ms(p.created)},"
                    f"{quote(tags)},{score},{1 if p.id in accepted_answers else 0},\n"
                )

    low = -(1 << 31)
    events.sort(key=lambda e: (e[0], e[1], e[2], low if e[3] is None else e[3]))
    with open(os.path.join(out_dir, "events.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("member,action,timestamp,value\n")
        f.writelines(f"{ids[m]},{a},{fmt_ms(t)},{'' if v is None else v}\n" for t, m, a, v in events)

    seen = {e[2] for e in events}
    fixed = ["joined", "asked", "answered", "commented", "answer_accepted", "upvote_received", "downvote_received"]
    actions = [a for a in fixed if a in seen] + sorted(a for a in seen if a.startswith("badge_"))
    write_journey(os.path.join(out_dir, "journey.json"), actions, badge_class)
    timing["tables_s"] = time.perf_counter() - t1
    timing["total_s"] = time.perf_counter() - t0
    timing["members"] = n
    timing["events"] = len(events)
    timing["unattributed_votes"] = unattributed
    timing["dropped_events"] = dropped
    return timing


def quote(s: str) -> str:
    if any(c in s for c in ',"\n\r') or (s and (s[0] == " " or s[-1] == " ")):
        return '"' + s.replace('"', '""') + '"'
    return s


def write_journey(path: str, actions: list, badge_class: dict) -> None:
    fixed = {
        "joined": 1,
        "commented": 2,
        "asked": 5,
        "answered": 10,
        "upvote_received": 1,
        "downvote_received": 0,
        "answer_accepted": 15,
        "badge_autobiographer": 1,
        "badge_informed": 1,
    }

    def points(a):
        if a in fixed:
            return float(fixed[a])
        cls = badge_class.get(a, 3)
        return 10.0 if cls == 1 else 5.0 if cls == 2 else 2.0

    def milestones(items):
        out = []
        for names, at_least in items:
            names = [x for x in names if x in actions]
            if not names:
                continue
            if len(names) > 1:
                o = {"any_of": names}
                if at_least != 1:
                    o["at_least"] = at_least
                out.append(o)
            elif at_least == 1:
                out.append(names[0])
            else:
                out.append({"action": names[0], "at_least": at_least})
        return out

    rules = {
        "interested": {"min_score": 3.0},
        "new_customer": {"milestones": milestones([(["asked", "answered"], 1)])},
        "loyal": {"milestones": milestones([(["answered"], 1), (["upvote_received"], 5)])},
        "advocate": {
            "min_score": 50.0,
            "milestones": milestones([(["answer_accepted"], 1), (["badge_nice_answer"], 1)]),
        },
    }
    for r in rules.values():
        if "milestones" in r and not r["milestones"]:
            del r["milestones"]
    doc = {
        "name": "stackexchange",
        "description": "Imported from a Stack Exchange dump: asked -> answered (with up-votes) -> accepted answers "
        "and a Nice Answer badge. See docs/import.md.",
        "stages": STAGES,
        "steps": [
            {"from": a, "to": b, "enabled": True, "channel": c}
            for a, b, c in zip(STAGES, STAGES[1:], ("private", "public", "public", "private"))
        ],
        "min_peer_satisfaction": 7,
        "default_capacity": 3,
        "weights": {"similarity": 0.5, "tags": 0.15, "proximity": 0.25, "happiness": 0.1},
        "lead_scoring": {
            "half_life_days": 90.0,
            "actions": {a: points(a) for a in actions},
            "fit": [
                {"column": "activity", "min": 200.0, "points": 3.0},
                {"column": "activity", "min": 1000.0, "points": 5.0},
            ],
        },
        "stage_rules": rules,
    }
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dump", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--as-of", help="ISO-8601 UTC time, e.g. 2015-01-01T00:00:00")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    as_of = to_ms(args.as_of.rstrip("Z")) if args.as_of else None
    print(json.dumps(run(args.dump, args.out, as_of)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
