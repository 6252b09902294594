"""Bad-input tables shared by the CLI and package error tests: the base
members and interactions files, the cases that break one of their lines, a
writer that applies a case, and the parametrize form of a named case table."""

from __future__ import annotations

import pytest

MEMBERS_HEADER = "id,stage,satisfaction,capacity,opted_out,activity,tags,f_0,f_1"
MEMBERS_ROWS = [  # line in the file
    "m1,prospect,8,2,0,1.5,a;b,0.1,0.2",  # 2
    "m2,interested,9,,false,,a,0.3,0.1",  # 3
    "m3,interested,,3,0,2,b,1,0",  # 4
    "m4,new_customer,10,1,true,0,,0.5,0.5",  # 5
    "m5,loyal,7,,0,3.25,a;c,0,1",  # 6
    "m6,advocate,9,,1,,c,1,1",  # 7
]

#: (name, {line: replacement text}, line the error must name)
MEMBER_CASES = [
    ("missing_id_column", {1: "ident,stage,satisfaction,capacity,opted_out,activity,tags,f_0,f_1"}, 1),
    ("missing_stage_column", {1: "id,stg,satisfaction,capacity,opted_out,activity,tags,f_0,f_1"}, 1),
    ("empty_id", {4: ",interested,,3,0,2,b,1,0"}, 4),
    ("duplicate_id", {5: "m2,new_customer,10,1,true,0,,0.5,0.5"}, 5),
    ("unknown_stage", {4: "m3,ghost,,3,0,2,b,1,0"}, 4),
    ("satisfaction_11", {4: "m3,interested,11,3,0,2,b,1,0"}, 4),
    ("satisfaction_7.5", {6: "m5,loyal,7.5,,0,3.25,a;c,0,1"}, 6),
    ("satisfaction_abc", {3: "m2,interested,abc,,false,,a,0.3,0.1"}, 3),
    ("satisfaction_negative", {3: "m2,interested,-1,,false,,a,0.3,0.1"}, 3),
    ("capacity_negative", {4: "m3,interested,,-1,0,2,b,1,0"}, 4),
    ("capacity_2.5", {5: "m4,new_customer,10,2.5,true,0,,0.5,0.5"}, 5),
    ("capacity_abc", {4: "m3,interested,,abc,0,2,b,1,0"}, 4),
    ("opted_out_maybe", {4: "m3,interested,,3,maybe,2,b,1,0"}, 4),
    ("activity_negative", {4: "m3,interested,,3,0,-2,b,1,0"}, 4),
    ("feature_abc", {4: "m3,interested,,3,0,2,b,abc,0"}, 4),
    ("feature_nan", {6: "m5,loyal,7,,0,3.25,a;c,0,nan"}, 6),
    ("feature_inf", {3: "m2,interested,9,,false,,a,inf,0.1"}, 3),
    ("feature_neg_inf", {4: "m3,interested,,3,0,2,b,-inf,0"}, 4),
    ("too_many_fields", {4: "m3,interested,,3,0,2,b,1,0,extra"}, 4),
    ("too_few_fields", {5: "m4,new_customer,10,1,true"}, 5),
]

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


def write_members(path, replace=None, rows=MEMBERS_ROWS, trailing_newline=True):
    """The base members file (or `rows` under its header) with `replace`."""
    return write_lines(path, MEMBERS_HEADER, rows, replace, trailing_newline)


def write_interactions(path, replace=None):
    """The base interactions file with `replace`."""
    return write_lines(path, INTER_HEADER, INTER_ROWS, replace)


def named_cases(argnames: str, cases):
    """pytest.mark.parametrize over (name, value, ...) rows: the name is the
    test id, the rest the arguments (a single argument is passed bare)."""
    single = "," not in argnames
    values = [c[1] if single else c[1:] for c in cases]
    return pytest.mark.parametrize(argnames, values, ids=[c[0] for c in cases])
