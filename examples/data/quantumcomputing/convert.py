#!/usr/bin/env python3
"""Convert the 2018 Quantum Computing Stack Exchange dump into engage-right CSVs.

Usage (from anywhere):

    python3 examples/data/quantumcomputing/convert.py [SOURCE_DIR]

SOURCE_DIR is the folder that holds the Stack Exchange XML files, either
directly or in a ``raw/`` sub-folder (Users.xml, Posts.xml, Comments.xml,
Votes.xml, Badges.xml).  The default is
``../shared/data/real/stackexchange-quantumcomputing-2018`` relative to the
repository root, which is located from this script's own path.

Writes, next to this script:

* ``members.csv``      -- id,stage,satisfaction,capacity,opted_out,activity,tags,f_0..f_7
* ``interactions.csv`` -- source,target,weight,timestamp

(formats of DESIGN.md section 2).  See README.md in this folder for the stage
mapping, the feature definitions and the licence (CC BY-SA; the output is a
derived work of Stack Exchange content).

Only the Python standard library is used.  The output is deterministic: rows
are written in a fixed order and numbers with a fixed format, so running the
script twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import collections
import math
import os
import re
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))  # examples/data/<this>
DEFAULT_SOURCE = os.path.normpath(
    os.path.join(REPO_ROOT, os.pardir, "shared", "data", "real", "stackexchange-quantumcomputing-2018")
)

COMMUNITY_USER = "-1"  # the Stack Exchange "Community" bot account

# Post types of the Stack Exchange dump.
QUESTION = "1"
ANSWER = "2"

# Vote and badge codes.
VOTE_UP = "2"
BADGE_GOLD, BADGE_SILVER, BADGE_BRONZE = "1", "2", "3"

# Default engage-right journey, index = stage number - 1.
STAGES = ("prospect", "interested", "new_customer", "loyal", "advocate")

FEATURES = (
    "questions",  # f_0
    "answers",  # f_1
    "comments",  # f_2
    "accepted_answers",  # f_3
    "upvotes_received",  # f_4
    "gold_badges",  # f_5
    "silver_badges",  # f_6
    "bronze_badges",  # f_7
)

TAG_RE = re.compile(r"<([^<>]+)>")


def rows(path):
    """Yield the attribute dict of every <row/> of a dump file, streaming."""
    for _event, elem in ET.iterparse(path, events=("end",)):
        if elem.tag == "row":
            yield dict(elem.attrib)
        elem.clear()


def locate(source, name):
    for candidate in (os.path.join(source, "raw", name), os.path.join(source, name)):
        if os.path.isfile(candidate):
            return candidate
    sys.exit(f"convert.py: cannot find {name} in {source} (or its raw/ folder)")


def stage_of(reputation, n_questions, n_answers, n_comments):
    """The documented, *chosen* mapping from forum activity to a journey stage."""
    if reputation >= 1000:
        return "advocate"
    if n_answers > 0:
        return "loyal"
    if n_questions > 0:
        return "new_customer"
    if n_comments > 0 or reputation > 1:
        return "interested"
    return "prospect"


def top_tags(counter, k=3):
    """Up to k tags, most frequent first, ties broken alphabetically."""
    return [t for t, _ in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]


def convert(source, out_dir):
    # ---- users ---------------------------------------------------------
    reputation = {}
    for r in rows(locate(source, "Users.xml")):
        if r["Id"] == COMMUNITY_USER:
            continue
        reputation[r["Id"]] = int(r["Reputation"])

    # ---- posts ---------------------------------------------------------
    # post id -> (type, owner or None, creation date, parent id or None)
    posts = {}
    question_tags = {}  # question id -> list of tags
    accepted = set()  # accepted answer ids
    for r in rows(locate(source, "Posts.xml")):
        ptype = r["PostTypeId"]
        posts[r["Id"]] = (ptype, r.get("OwnerUserId"), r["CreationDate"], r.get("ParentId"))
        if ptype == QUESTION:
            question_tags[r["Id"]] = TAG_RE.findall(r.get("Tags", ""))
            if r.get("AcceptedAnswerId"):
                accepted.add(r["AcceptedAnswerId"])

    counts = {uid: collections.Counter() for uid in reputation}
    touched = collections.defaultdict(set)  # user -> questions asked or answered

    def bump(uid, what, n=1):
        if uid in counts:
            counts[uid][what] += n

    events = []  # (timestamp, source, target)
    for pid, (ptype, owner, created, parent) in posts.items():
        if ptype == QUESTION:
            bump(owner, "questions")
            if owner is not None:
                touched[owner].add(pid)
        elif ptype == ANSWER:
            bump(owner, "answers")
            if pid in accepted:
                bump(owner, "accepted_answers")
            if owner is not None and parent in question_tags:
                touched[owner].add(parent)
            # a2q: answer author -> question author, at the answer's time
            q = posts.get(parent)
            if q is not None and q[0] == QUESTION:
                events.append((created, owner, q[1]))

    # ---- comments ------------------------------------------------------
    for r in rows(locate(source, "Comments.xml")):
        commenter = r.get("UserId")
        bump(commenter, "comments")
        post = posts.get(r["PostId"])
        if post is None or post[0] not in (QUESTION, ANSWER):
            continue  # comment on a tag wiki or on a post missing from the dump
        # c2q / c2a: commenter -> author of the commented question / answer
        events.append((r["CreationDate"], commenter, post[1]))

    # ---- votes (up-votes received on the user's questions and answers) --
    for r in rows(locate(source, "Votes.xml")):
        if r["VoteTypeId"] != VOTE_UP:
            continue
        post = posts.get(r["PostId"])
        if post is not None and post[0] in (QUESTION, ANSWER):
            bump(post[1], "upvotes_received")

    # ---- badges --------------------------------------------------------
    badge_feature = {BADGE_GOLD: "gold_badges", BADGE_SILVER: "silver_badges", BADGE_BRONZE: "bronze_badges"}
    for r in rows(locate(source, "Badges.xml")):
        feature = badge_feature.get(r.get("Class"))
        if feature:
            bump(r["UserId"], feature)

    # ---- members.csv ---------------------------------------------------
    header = ["id", "stage", "satisfaction", "capacity", "opted_out", "activity", "tags"]
    header += [f"f_{i}" for i in range(len(FEATURES))]
    lines = [",".join(header)]
    stage_counts = collections.Counter()
    for uid in sorted(reputation, key=int):
        c = counts[uid]
        stage = stage_of(reputation[uid], c["questions"], c["answers"], c["comments"])
        stage_counts[stage] += 1
        tag_counter = collections.Counter()
        for qid in touched.get(uid, ()):
            tag_counter.update(question_tags[qid])
        tags = ";".join(top_tags(tag_counter))
        feats = [f"{math.log1p(c[name]):.4f}" for name in FEATURES]
        lines.append(",".join([uid, stage, "", "", "0", str(reputation[uid]), tags] + feats))
    write(os.path.join(out_dir, "members.csv"), lines)

    # ---- interactions.csv ----------------------------------------------
    kept = [(ts, s, t) for ts, s, t in events if s in reputation and t in reputation and s != t]
    kept.sort(key=lambda e: (e[0], int(e[1]), int(e[2])))
    lines = ["source,target,weight,timestamp"]
    lines += [f"{s},{t},1,{ts}" for ts, s, t in kept]
    write(os.path.join(out_dir, "interactions.csv"), lines)

    return stage_counts, len(reputation), len(kept)


def write(path, lines):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", nargs="?", default=DEFAULT_SOURCE, help="dump folder (default: %(default)s)")
    ap.add_argument("--out", default=HERE, help="output folder (default: this script's folder)")
    args = ap.parse_args(argv)
    stage_counts, n_members, n_interactions = convert(os.path.normpath(args.source), args.out)
    print(f"members: {n_members}  interactions: {n_interactions}")
    for s in STAGES:
        print(f"  {s:<13} {stage_counts[s]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
