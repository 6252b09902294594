"""Write the seed corpora of tests/fuzz/corpus from examples/data.

Each reader gets a few small cuts of the bundled data (rows whose members are
in fixture/members.csv, so that they load) next to the hand-written edge
cases kept in the corpus folders (names starting with "edge-"). Run from the
repository root: python3 tests/fuzz/make_seeds.py
"""

import csv
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"
CORPUS = ROOT / "tests" / "fuzz" / "corpus"


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def text(table):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    return out.getvalue()


def write(target, name, content):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(content, encoding="utf-8")


def main():
    known = {r[0] for r in rows(ROOT / "tests" / "fuzz" / "fixture" / "members.csv")[1:]}
    qc = DATA / "quantumcomputing"
    sample = DATA / "sample"

    for name, table in [("sample", rows(sample / "members.csv")), ("qc", rows(qc / "members.csv"))]:
        write("members", f"{name}.csv", text(table[:25]))

    def among(table, a, b, n):
        kept = [r for r in table[1:] if r[a] in known and r[b] in known]
        return text([table[0]] + kept[:n])

    for name, path in [("sample", sample / "interactions.csv"), ("qc", qc / "interactions.csv")]:
        table = rows(path)
        write("interactions", f"{name}.csv", among(table, 0, 1, 40))
        pairs = [["member", "peer", "timestamp"]] + [[r[0], r[1], r[3]] for r in table[1:]]
        write("pairs", f"{name}.csv", among(pairs, 0, 1, 30))
        write("blocked", f"{name}.csv", among([["member", "peer"]] + [r[:2] for r in table[1:]], 0, 1, 20))

    events = rows(qc / "events.csv")
    write("events", "qc.csv", text(events[:60]))
    write("events", "qc-values.csv", text([events[0]] + [r for r in events[1:] if r[3]][:40]))
    write("stages", "qc.csv", among(rows(qc / "stages.csv"), 0, 0, 60))
    write("content", "qc.csv", text(rows(qc / "content.csv")[:30]))

    write("journey", "qc.json", (qc / "journey.json").read_text(encoding="utf-8"))
    for preset in sorted((ROOT / "share" / "journeys").glob("*.json")):
        write("journey", f"preset-{preset.name}", preset.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
