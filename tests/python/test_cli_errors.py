"""Bad input and bad arguments: exit code 2 and a message that names the file
and the line; plus the input-format edge cases that must be accepted."""

from __future__ import annotations

import csv
import json
import re

import pytest

import reference
from badcsv import (
    INTER_CASES,
    MEMBER_CASES,
    MEMBERS_HEADER,
    MEMBERS_ROWS,
    named_cases,
    write_interactions,
    write_members,
)
from cliutil import parse_csv_output
from communities import compare, make_case, write_csv


def assert_bad_input(proc, path, line):
    name = path.name
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2, (
        f"expected exit 2 for bad {name} (line {line}), got {proc.returncode}\n"
        f"stderr: {err}\nstdout: {proc.stdout.decode('utf-8', 'replace')[:500]}"
    )
    pattern = re.escape(name) + r"(?::|.{0,40}?\bline\s+)" + str(line) + r"\b"
    assert re.search(pattern, err), (
        f"stderr must name {name} and line {line} (like '{name}:{line}:COL: ...'), got:\n{err}"
    )
    assert proc.stdout.strip() == b"", f"no (half) results expected on stdout for bad input, got {proc.stdout[:300]!r}"


def test_valid_base_files(run_cli, tmp_path):
    members = write_members(tmp_path / "members.csv")
    inter = write_interactions(tmp_path / "interactions.csv")
    proc = run_cli("recommend", "--members", members, "--interactions", inter, "--format", "csv", check_exit=0)
    rows = parse_csv_output(proc.stdout)
    compare(rows, reference.recommend(members, inter, top=None), 5, "base files")
    assert rows, "the base community must produce recommendations"


@named_cases("replace,line", MEMBER_CASES)
def test_bad_members(run_cli, tmp_path, replace, line):
    members = write_members(tmp_path / "bad_members.csv", replace)
    proc = run_cli("recommend", "--members", members)
    assert_bad_input(proc, members, line)


def test_unterminated_quote(run_cli, tmp_path):
    # the quote is opened on line 4 and never closed: the last line of the file
    members = write_members(
        tmp_path / "quote_members.csv",
        rows=MEMBERS_ROWS[:2] + ['m3,interested,,3,0,2,"b;c,1,0'],
        trailing_newline=False,
    )
    assert_bad_input(run_cli("recommend", "--members", members), members, 4)


def test_unterminated_quote_swallowing_later_lines(run_cli, tmp_path):
    # the quote opened on line 4 runs to the end of the file (line 7): the
    # error points at the opening quote
    members = write_members(tmp_path / "quote2_members.csv", {4: 'm3,interested,,3,0,2,"b;c,1,0'})
    assert_bad_input(run_cli("recommend", "--members", members), members, 4)


def test_empty_members_file(run_cli, tmp_path):
    members = tmp_path / "empty_members.csv"
    members.write_bytes(b"")
    assert_bad_input(run_cli("recommend", "--members", members), members, 1)


@named_cases("replace,line", INTER_CASES)
def test_bad_interactions(run_cli, tmp_path, replace, line):
    members = write_members(tmp_path / "members.csv")
    inter = write_interactions(tmp_path / "bad_interactions.csv", replace)
    proc = run_cli("recommend", "--members", members, "--interactions", inter)
    assert_bad_input(proc, inter, line)


@pytest.mark.parametrize("header", ["id,stage", MEMBERS_HEADER], ids=["minimal", "all_columns"])
def test_header_only_members_is_empty_community(run_cli, tmp_path, header):
    members = tmp_path / "members.csv"
    members.write_text(header + "\n", encoding="utf-8")
    proc = run_cli("recommend", "--members", members, "--format", "csv", check_exit=0)
    assert parse_csv_output(proc.stdout) == []
    proc = run_cli("recommend", "--members", members, "--format", "json", check_exit=0)
    assert json.loads(proc.stdout.decode("utf-8")) == []


def test_bom_crlf_quoted_fields(run_cli, tmp_path):
    header = ["id", "stage", "satisfaction", "capacity", "opted_out", "tags", "f_0", "f_1"]
    rows = [
        ["p,1", "prospect", "8", "", "0", 'k8s;say "hi"', "1", "0"],
        ['q"uote', "prospect", "", "", "0", "sec,ops;k8s", "0.5", "0.5"],
        ["plain", "prospect", "9", "", "0", "", "0", "1"],
        ["i 1", "interested", "10", "", "0", 'k8s;say "hi"', "1", "0.1"],
        ["i,2", "interested", "", "2", "0", "sec,ops", "0.2", "1"],
        ['i"3"', "interested", "7", "", "0", "k8s;sec,ops", "1", "1"],
        ["c1", "new_customer", "9", "", "0", "sec,ops", "1", "1"],
    ]
    irows = [["p,1", "c1"], ["i,2", "c1"], ['q"uote', "c1"], ['q"uote', 'i"3"']]
    plain_m, plain_i = tmp_path / "plain_members.csv", tmp_path / "plain_inter.csv"
    fancy_m, fancy_i = tmp_path / "fancy_members.csv", tmp_path / "fancy_inter.csv"
    write_csv(plain_m, header, rows)
    write_csv(plain_i, ["source", "target"], irows)
    write_csv(fancy_m, header, rows, bom=True, crlf=True, quote_all=True)
    write_csv(fancy_i, ["source", "target"], irows, bom=True, crlf=True, quote_all=True)
    assert fancy_m.read_bytes().startswith(b'\xef\xbb\xbf"id",') and b"\r\n" in fancy_m.read_bytes()

    plain = run_cli("recommend", "--members", plain_m, "--interactions", plain_i, "--format", "csv", check_exit=0)
    fancy = run_cli("recommend", "--members", fancy_m, "--interactions", fancy_i, "--format", "csv", check_exit=0)
    assert fancy.stdout == plain.stdout
    got = parse_csv_output(plain.stdout)
    compare(got, reference.recommend(fancy_m, fancy_i, top=None), 5, "quoted ids")
    assert {r["member"] for r in got} >= {"p,1", 'q"uote', "plain"}


def test_unknown_extra_columns_are_ignored(run_cli, tmp_path):
    case = make_case(1001, tmp_path / "case")
    base = run_cli(*case.cli_args("csv"), check_exit=0).stdout
    with open(case.members, encoding="utf-8", newline="") as fh:
        data = list(csv.reader(fh))
    header = data[0] + ["region", "score", "notes"]
    rows = [r + ["emea", "not a number", "x, y; z"] for r in data[1:]]
    header.insert(1, "zz_extra")
    for r in rows:
        r.insert(1, "???")
    extra = tmp_path / "members_extra.csv"
    write_csv(extra, header, rows)
    args = case.cli_args("csv")
    args[args.index("--members") + 1] = extra
    assert run_cli(*args, check_exit=0).stdout == base


# ---------------------------------------------------------------------------
# journey files


JOURNEY_CASES = [
    ("steps_wrong_length", json.dumps({"stages": ["a", "b", "c"], "steps": [{"enabled": True, "channel": "private"}]})),
    ("single_stage", json.dumps({"stages": ["a"]})),
    ("bad_channel", json.dumps({"stages": ["a", "b"], "steps": [{"enabled": True, "channel": "secret"}]})),
    ("not_json", '{"stages": ["a", "b"],'),
    ("no_stages", json.dumps({"name": "x"})),
]


@named_cases("text", JOURNEY_CASES)
def test_bad_journey_file(run_cli, tmp_path, text):
    journey = tmp_path / "bad_journey.json"
    journey.write_text(text, encoding="utf-8")
    members = tmp_path / "members.csv"
    members.write_text("id,stage\nu1,a\nu2,b\n", encoding="utf-8")
    proc = run_cli("recommend", "--members", members, "--journey", journey)
    assert proc.returncode == 2, proc.stderr.decode("utf-8", "replace")
    assert journey.name in proc.stderr.decode("utf-8", "replace")


# ---------------------------------------------------------------------------
# arguments


@pytest.fixture
def good_members(tmp_path):
    return write_members(tmp_path / "members.csv")


BAD_ARGS = [
    ("unknown_option", ["--frobnicate"]),
    ("top_abc", ["--top", "abc"]),
    ("top_missing_value", ["--top"]),
    ("format_xml", ["--format", "xml"]),
    ("unknown_preset", ["--journey", "no_such_preset"]),
    ("unknown_member", ["--member", "unknown-id"]),
    ("weights_abc", ["--weights", "similarity=abc,tags=0.15,proximity=0.25,happiness=0.1"]),
    ("weights_unknown_key", ["--weights", "bogus=1"]),
    ("min_satisfaction_abc", ["--min-satisfaction", "abc"]),
]


@named_cases("extra", BAD_ARGS)
def test_bad_arguments(run_cli, good_members, extra):
    proc = run_cli("recommend", "--members", good_members, *extra)
    assert proc.returncode == 2, (extra, proc.returncode, proc.stderr)
    assert proc.stderr.strip(), "an error message is expected on stderr"


def test_missing_members_option(run_cli):
    proc = run_cli("recommend")
    assert proc.returncode == 2 and proc.stderr.strip()


def test_nonexistent_members_file(run_cli, tmp_path):
    missing = tmp_path / "does_not_exist.csv"
    proc = run_cli("recommend", "--members", missing)
    assert proc.returncode == 2
    assert missing.name in proc.stderr.decode("utf-8", "replace")


def test_unknown_command(run_cli):
    proc = run_cli("frobnicate")
    assert proc.returncode == 2 and proc.stderr.strip()


def test_help(run_cli):
    proc = run_cli("--help", check_exit=0)
    assert re.search(rb"usage", proc.stdout, re.I), proc.stdout
    assert b"recommend" in proc.stdout
    proc = run_cli("recommend", "--help", check_exit=0)
    assert re.search(rb"usage", proc.stdout, re.I), proc.stdout
    for opt in (b"--members", b"--interactions", b"--journey", b"--top", b"--format"):
        assert opt in proc.stdout, opt
