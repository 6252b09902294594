#!/usr/bin/env python3
"""Convert the 2018 Quantum Computing Stack Exchange dump into an engage-right events.csv.

Usage (from anywhere):

    python3 examples/data/quantumcomputing/convert_events.py [SOURCE_DIR] [--out DIR]

SOURCE_DIR is the folder that holds the Stack Exchange XML files, either
directly or in a ``raw/`` sub-folder (Users.xml, Posts.xml, Comments.xml,
Votes.xml, Badges.xml).  The default is
``../shared/data/real/stackexchange-quantumcomputing-2018`` relative to the
repository root, as for ``convert.py`` in this folder.

Writes ``events.csv`` -- ``member,action,timestamp,value`` (docs/formats.md,
section events.csv) -- next to this script, or into ``--out DIR``.  Members
are the user ids of ``members.csv`` (every Users.xml id except -1, the
"Community" bot); events of deleted, anonymous or bot users are dropped.

Actions:

* ``joined``           -- Users.xml ``CreationDate``
* ``asked``            -- a question (Posts.xml ``PostTypeId=1``), by ``OwnerUserId``
* ``answered``         -- an answer (``PostTypeId=2``)
* ``commented``        -- a comment (Comments.xml ``UserId``), on any post
* ``answer_accepted``  -- the author's answer is the ``AcceptedAnswerId`` of its
  question and the asker is somebody else (self-accepted answers do not count);
  time = the accept vote (Votes.xml ``VoteTypeId=1`` on the answer)
* ``upvote_received``  -- an up-vote (``VoteTypeId=2``) on the user's question
  or answer (tag-wiki posts do not count)
* ``badge_<name>``     -- a badge of Badges.xml, value = its class (1 gold,
  2 silver, 3 bronze); a tag badge is named after its tag
  (``badge_quantum_computer``).  Two different badges (or a tag badge and a
  named badge) that would get the same action name stop the script.

Vote dates in the dump are truncated to the day (``...T00:00:00.000``), so a
vote cast on the day its post was written would appear *before* the post.
The time of ``answer_accepted`` and ``upvote_received`` is therefore the later
of the vote's date and the post's ``CreationDate``.  An accepted answer
without an accept vote (there is none in this dump) would be skipped, as there
is no time to give it; the script prints how many were skipped.

Every timestamp is copied verbatim from the dump (ISO-8601, UTC without a zone
suffix, e.g. ``2018-03-12T17:14:46.030``).  Rows are sorted by (timestamp,
member as an integer, action, value), so the output is byte-for-byte
deterministic.  Only the Python standard library is used.  See README.md in
this folder for the counts and the licence (CC BY-SA; the output is a derived
work of Stack Exchange content).
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import sys

# Sibling module: reuse the dump reader, the file lookup and the constants
# (without leaving a __pycache__ folder next to the data files).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convert import (  # noqa: E402
    ANSWER,
    COMMUNITY_USER,
    DEFAULT_SOURCE,
    HERE,
    QUESTION,
    VOTE_UP,
    locate,
    rows,
    write,
)

VOTE_ACCEPTED = "1"  # Votes.xml VoteTypeId of "AcceptedByOriginator"

# Fixed actions, in the order the counts are printed (badges follow, sorted).
ACTIONS = ("joined", "asked", "answered", "commented", "answer_accepted", "upvote_received")

_NON_WORD = re.compile(r"[^a-z0-9]+")


def badge_action(name):
    """``Nice Question`` -> ``badge_nice_question``, ``Self-Learner`` ->
    ``badge_self_learner``, tag badge ``quantum-computer`` ->
    ``badge_quantum_computer``: lower-case, and every run of characters other
    than a-z and 0-9 (spaces, ``-``, ``&``) becomes one ``_``."""
    return "badge_" + _NON_WORD.sub("_", name.lower()).strip("_")


def convert(source, out_dir):
    # ---- members: Users.xml ids except the Community bot ---------------
    events = []  # (timestamp, member, action, value)
    members = set()
    for r in rows(locate(source, "Users.xml")):
        if r["Id"] == COMMUNITY_USER:
            continue
        members.add(r["Id"])
        events.append((r["CreationDate"], r["Id"], "joined", ""))

    # ---- posts -----------------------------------------------------------
    # post id -> (type, owner or None, creation date)
    posts = {}
    accepted = {}  # accepted answer id -> question id
    for r in rows(locate(source, "Posts.xml")):
        ptype = r["PostTypeId"]
        posts[r["Id"]] = (ptype, r.get("OwnerUserId"), r["CreationDate"])
        if ptype == QUESTION:
            events.append((r["CreationDate"], r.get("OwnerUserId"), "asked", ""))
            if r.get("AcceptedAnswerId"):
                accepted[r["AcceptedAnswerId"]] = r["Id"]
        elif ptype == ANSWER:
            events.append((r["CreationDate"], r.get("OwnerUserId"), "answered", ""))

    # ---- comments ----------------------------------------------------------
    for r in rows(locate(source, "Comments.xml")):
        events.append((r["CreationDate"], r.get("UserId"), "commented", ""))

    # ---- votes: accept votes and up-votes ----------------------------------
    accept_vote = {}  # answer id -> vote date
    for r in rows(locate(source, "Votes.xml")):
        vtype = r["VoteTypeId"]
        if vtype == VOTE_ACCEPTED:
            accept_vote.setdefault(r["PostId"], r["CreationDate"])
        elif vtype == VOTE_UP:
            post = posts.get(r["PostId"])
            if post is None or post[0] not in (QUESTION, ANSWER):
                continue  # vote on a tag wiki or on a post missing from the dump
            # day-precision vote date, but never before the post itself
            events.append((max(r["CreationDate"], post[2]), post[1], "upvote_received", ""))

    no_accept_vote = 0
    self_accepted = 0
    for answer_id, question_id in accepted.items():
        answer = posts.get(answer_id)
        question = posts.get(question_id)
        if answer is None or answer[0] != ANSWER:
            continue
        if answer[1] is not None and answer[1] == question[1]:
            self_accepted += 1
            continue
        vote = accept_vote.get(answer_id)
        if vote is None:
            no_accept_vote += 1
            continue
        events.append((max(vote, answer[2]), answer[1], "answer_accepted", ""))

    # ---- badges --------------------------------------------------------------
    named = {}  # action -> (badge name, tag based), to refuse ambiguous names
    for r in rows(locate(source, "Badges.xml")):
        action = badge_action(r["Name"])
        origin = named.setdefault(action, (r["Name"], r.get("TagBased")))
        if origin != (r["Name"], r.get("TagBased")):
            sys.exit(
                f"convert_events.py: badges {origin} and {(r['Name'], r.get('TagBased'))} would both be called {action}"
            )
        events.append((r["Date"], r.get("UserId"), action, r.get("Class", "")))

    # ---- events.csv ------------------------------------------------------------
    kept = [e for e in events if e[1] in members]
    dropped = len(events) - len(kept)
    kept.sort(key=lambda e: (e[0], int(e[1]), e[2], e[3]))
    lines = ["member,action,timestamp,value"]
    lines += [f"{m},{a},{ts},{v}" for ts, m, a, v in kept]
    write(os.path.join(out_dir, "events.csv"), lines)

    counts = collections.Counter(a for _ts, _m, a, _v in kept)
    notes = {
        "dropped (user missing, deleted or the Community bot)": dropped,
        "self-accepted answers (not counted)": self_accepted,
        "accepted answers without an accept vote (skipped)": no_accept_vote,
    }
    return counts, len(kept), len({e[1] for e in kept}), notes


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", nargs="?", default=DEFAULT_SOURCE, help="dump folder (default: %(default)s)")
    ap.add_argument("--out", default=HERE, help="output folder (default: this script's folder)")
    args = ap.parse_args(argv)
    counts, n_events, n_members, notes = convert(os.path.normpath(args.source), args.out)
    print(f"events: {n_events}  members: {n_members}")
    for action in ACTIONS:
        print(f"  {action:<33} {counts[action]}")
    badges = sorted(a for a in counts if a not in ACTIONS)
    print(f"  {'badge_* (all badges)':<33} {sum(counts[a] for a in badges)}")
    for action in badges:
        print(f"    {action:<31} {counts[action]}")
    for what, n in notes.items():
        print(f"{what}: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
