#!/usr/bin/env python3
"""Cut the small real-data folders of examples/data from the full sources.

Usage (from anywhere):

    python3 examples/data/make_subsets.py SOURCE [--out DIR]

SOURCE is a folder holding the three published sources (each described in
the README of the folder this script writes):

* ``stackexchange-beer-2016/``               -- the Beer Stack Exchange dump (XML)
* ``stackexchange-security-meta-2018-csv/``  -- Information Security Meta (CSV variant)
* ``irc-disentanglement-ubuntu/``            -- #ubuntu IRC logs with reply annotations

It writes, next to this script (or under ``--out DIR``):

* ``stackexchange-beer/``: the rows of Users, Posts, Comments, Votes and
  Badges dated before 2014-06-01 (``CreationDate``; ``Date`` for badges),
  each kept as its original line (byte for byte, CRLF), with the original
  XML declaration, root tags and byte-order mark;
* ``stackexchange-security-meta/``: the header and the records of the same
  five tables dated before 2012-01-01, each kept as its original text (a
  record spans several lines where a quoted field holds line breaks);
* ``irc-ubuntu/``: four of the twenty annotated samples, copied unchanged,
  and the licence text.

Only the Python standard library is used; the output is deterministic.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TABLES = {
    "Users": "CreationDate",
    "Posts": "CreationDate",
    "Comments": "CreationDate",
    "Votes": "CreationDate",
    "Badges": "Date",
}
BEER_CUT = "2014-06-01"
SECURITY_CUT = "2012-01-01"
IRC_SAMPLES = ("dev/2004-11-15_03", "dev/2011-05-29_19", "test/2007-01-11_12", "test/2016-06-08_07")


def cut_xml(src: str, dst: str, date_attr: str, cut: str) -> tuple[int, int]:
    """Keep the lines of src whose row is dated before cut (and every line
    that is not a row). Returns (rows read, rows kept)."""
    rx = re.compile(rb"\s" + date_attr.encode() + rb'="([^"]*)"')
    read = kept = 0
    with open(src, "rb") as f, open(dst, "wb") as out:
        for line in f.read().splitlines(keepends=True):
            if line.lstrip().startswith(b"<row "):
                read += 1
                m = rx.search(line)
                if m is None or m.group(1).decode() >= cut:
                    continue
                kept += 1
            out.write(line)
    return read, kept


def raw_records(text: str):
    """The records of CSV text as their raw text (with the line end): a line
    end outside quotes ends a record."""
    start, quoted = 0, False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch == "\n" and not quoted:
            yield text[start : i + 1]
            start = i + 1
    if start < len(text):
        yield text[start:]


def cut_csv(src: str, dst: str, date_col: str, cut: str) -> tuple[int, int]:
    """Keep the header and the records dated before cut, each as its
    original text."""
    with open(src, encoding="utf-8", newline="") as f:
        text = f.read()
    records = list(raw_records(text))
    header = next(csv.reader(io.StringIO(records[0], newline="")))
    at = header.index(date_col)
    kept = [records[0]]
    for raw in records[1:]:
        row = next(csv.reader(io.StringIO(raw, newline="")))
        if row[at] < cut:
            kept.append(raw)
    with open(dst, "w", encoding="utf-8", newline="") as out:
        out.write("".join(kept))
    return len(records) - 1, len(kept) - 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", help="folder holding the three sources")
    ap.add_argument("--out", default=HERE, help="where to write the folders (default: this script's folder)")
    args = ap.parse_args(argv)

    beer_src = os.path.join(args.source, "stackexchange-beer-2016")
    beer = os.path.join(args.out, "stackexchange-beer")
    os.makedirs(beer, exist_ok=True)
    for table, attr in TABLES.items():
        read, kept = cut_xml(os.path.join(beer_src, table + ".xml"), os.path.join(beer, table + ".xml"), attr, BEER_CUT)
        print(f"beer {table}.xml: {kept} of {read} rows (before {BEER_CUT})")

    sec_src = os.path.join(args.source, "stackexchange-security-meta-2018-csv")
    sec = os.path.join(args.out, "stackexchange-security-meta")
    os.makedirs(sec, exist_ok=True)
    csv.field_size_limit(1 << 30)
    for table, col in TABLES.items():
        read, kept = cut_csv(
            os.path.join(sec_src, table + ".csv"), os.path.join(sec, table + ".csv"), col, SECURITY_CUT
        )
        print(f"security meta {table}.csv: {kept} of {read} records (before {SECURITY_CUT})")

    irc_src = os.path.join(args.source, "irc-disentanglement-ubuntu")
    irc = os.path.join(args.out, "irc-ubuntu")
    for sample in IRC_SAMPLES:
        for suffix in (".raw.txt", ".annotation.txt"):
            dst = os.path.join(irc, sample + suffix)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(os.path.join(irc_src, sample + suffix), dst)
    shutil.copyfile(os.path.join(irc_src, "LICENSE-data.txt"), os.path.join(irc, "LICENSE-data.txt"))
    print(f"irc: {len(IRC_SAMPLES)} samples copied")
    return 0


if __name__ == "__main__":
    sys.exit(main())
