#!/usr/bin/env python3
"""Annotated IRC logs as a thread export: the #ubuntu samples of
examples/data/irc-ubuntu (Kummerfeld et al., ACL 2019; CC BY 4.0) become a
posts table (``post_id, author, parent_id, created``), imported with
``er.datasets.from_threads``.

    python3 examples/python/irc_threads.py [FOLDER] [--posts-out posts.csv] [--out DIR]

FOLDER holds ``dev/`` and/or ``test/`` with ``DATE_HH.raw.txt`` and
``DATE_HH.annotation.txt`` pairs (default: examples/data/irc-ubuntu).
``--posts-out`` writes the posts table (for ``engage-right import threads
--posts``), ``--out`` the imported folder.

How the logs become posts:

* a post is a message (``[HH:MM] <nick> text``) or an action
  (``[HH:MM]  * nick text``); system lines (``=== ...``) are not posts;
* ``post_id`` is ``SAMPLE:LINE`` (the sample's file name without suffix and
  the 0-based line number, the corpus's message id), ``author`` the nick;
* ``parent_id``: of the annotated links ``A B`` of a message ``B`` (``A < B``,
  "B replies to A"), the latest ``A`` that is a post; a self-link only (a new
  conversation) or links to system lines only leave it empty;
* the posts are the annotated messages (line >= 1000) and the earlier context
  messages they reply to (without a parent of their own: their links are not
  annotated);
* ``created``: the date of the file name and the line's ``HH:MM`` (UTC
  assumed); the clock wraps past midnight inside some files, so the day moves
  on whenever the time goes back by more than 12 hours, and days are counted
  so that line 1000 falls on the file's date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

import pandas as pd

MESSAGE = re.compile(r"^\[(\d\d):(\d\d)\] <([^>]+)> ")
ACTION = re.compile(r"^\[(\d\d):(\d\d)\]  \* (\S+)")
FIRST_ANNOTATED = 1000


def sample_posts(raw: Path, annotation: Path) -> list[dict]:
    """The posts of one sample (see the module docstring)."""
    name = raw.name[: -len(".raw.txt")]
    day0 = dt.datetime.strptime(name.split("_")[0], "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
    lines = raw.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    authors, minutes = {}, {}
    for i, line in enumerate(lines):
        m = MESSAGE.match(line) or ACTION.match(line)
        if m:
            authors[i] = m.group(3)
            minutes[i] = int(m.group(1)) * 60 + int(m.group(2))
    # Day of every post: +1 whenever the clock goes back by more than 12 h.
    day, last, days = 0, None, {}
    for i in sorted(minutes):
        if last is not None and minutes[i] < last - 12 * 60:
            day += 1
        days[i], last = day, minutes[i]
    anchor = days[min(i for i in days if i >= FIRST_ANNOTATED)]
    parents = {}
    for link in annotation.read_text(encoding="utf-8").split("\n"):
        parts = link.split()
        if len(parts) < 2:
            continue
        a, b = int(parts[0]), int(parts[1])
        if a < b and a in authors and b in authors:
            parents[b] = max(parents.get(b, -1), a)
    keep = {i for i in authors if i >= FIRST_ANNOTATED} | set(parents.values())
    out = []
    for i in sorted(keep):
        when = day0 + dt.timedelta(days=days[i] - anchor, minutes=minutes[i])
        out.append(
            {
                "post_id": f"{name}:{i}",
                "author": authors[i],
                "parent_id": f"{name}:{parents[i]}" if i in parents and i >= FIRST_ANNOTATED else "",
                "created": when.strftime("%Y-%m-%dT%H:%M:%S"),
            }
        )
    return out


def irc_posts(folder: Path) -> pd.DataFrame:
    """The posts of every sample under ``folder`` (sorted by sample name)."""
    rows = []
    for raw in sorted(Path(folder).glob("*/*.raw.txt")):
        rows += sample_posts(raw, raw.with_name(raw.name.replace(".raw.txt", ".annotation.txt")))
    return pd.DataFrame(rows, columns=["post_id", "author", "parent_id", "created"])


def main(argv=None) -> int:
    here = Path(__file__).resolve().parents[1] / "data" / "irc-ubuntu"
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?", default=str(here))
    ap.add_argument("--posts-out", help="write the posts table as CSV")
    ap.add_argument("--out", help="write the imported folder")
    args = ap.parse_args(argv)
    posts = irc_posts(Path(args.folder))
    if args.posts_out:
        posts.to_csv(args.posts_out, index=False)
    import engage_right as er

    result = er.datasets.from_threads(posts)
    print(f"posts: {len(posts)}  replies: {(posts.parent_id != '').sum()}")
    for what, n in result.counts.items():
        print(f"  {what:<40} {n}")
    if args.out:
        result.write(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
