"""Bad-input tables shared by the CLI and package error tests: the base
interactions file, the interactions cases that break one of its lines, a
writer that applies a case, and the parametrize form of a named case table."""

from __future__ import annotations

import pytest

INTER_HEADER = "source,target,weight,timestamp"
INTER_ROWS = [  # line in the file
    "m1,m2,1,1767225600",  # 2
    "m2,m4,2.5,2026-01-05T10:00:00Z",  # 3
    "m3,m4,1,1767225600",  # 4
    "m4,m5,0.5,2026-02-01",  # 5
]

#: (name, {line: replacement text}, line the error must name)
INTER_CASES = [
    ("unknown_target", {3: "m2,ghost,1,1767225600"}, 3),
    ("unknown_source", {5: "nobody,m5,1,1767225600"}, 5),
    ("weight_0", {4: "m3,m4,0,1767225600"}, 4),
    ("weight_negative", {4: "m3,m4,-1,1767225600"}, 4),
    ("weight_abc", {3: "m2,m4,abc,2026-01-05T10:00:00Z"}, 3),
    ("timestamp_bad_date", {4: "m3,m4,1,2026-13-45"}, 4),
    ("timestamp_word", {5: "m4,m5,1,yesterday"}, 5),
    ("missing_target_column", {1: "source,weight,timestamp"}, 1),
    ("missing_source_column", {1: "src,target,weight,timestamp"}, 1),
    ("too_many_fields", {4: "m3,m4,1,1767225600,x"}, 4),
]


def write_lines(path, header, rows, replace=None, trailing_newline=True):
    """Write header+rows; replace = {line_number: text} (1 = header)."""
    lines = [header] + list(rows)
    for line_no, text in (replace or {}).items():
        lines[line_no - 1] = text
    path.write_bytes(("\n".join(lines) + ("\n" if trailing_newline else "")).encode("utf-8"))
    return path


def named_cases(argnames: str, cases):
    """pytest.mark.parametrize over (name, value, ...) rows: the name is the
    test id, the rest the arguments (a single argument is passed bare)."""
    single = "," not in argnames
    values = [c[1] if single else c[1:] for c in cases]
    return pytest.mark.parametrize(argnames, values, ids=[c[0] for c in cases])
