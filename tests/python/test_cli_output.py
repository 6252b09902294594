"""Output is complete or absent: a failed write exits 1 and names where it
was writing; `--output FILE` is written beside FILE and renamed over it, so
neither a failure nor a bad input leaves a partial or empty file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cliutil import REPO, run

SAMPLE = REPO / "examples" / "data" / "sample" / "members.csv"


def test_stdout_that_cannot_be_written_exits_1(cli):
    if not Path("/dev/full").exists():
        pytest.skip("/dev/full is not available")
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([str(cli), "recommend", "--members", str(SAMPLE)], stdout=full, stderr=subprocess.PIPE)
    assert proc.returncode == 1
    assert proc.stderr.decode() == "engage-right: writing to standard output failed\n"


def test_output_device_that_cannot_be_written_exits_1(cli):
    if not Path("/dev/full").exists():
        pytest.skip("/dev/full is not available")
    proc = run(cli, "recommend", "--members", SAMPLE, "--output", "/dev/full", check_exit=1)
    assert proc.stderr.decode() == "engage-right: writing output file '/dev/full' failed (disk full?)\n"
    assert Path("/dev/full").is_char_device()  # written in place, never replaced


def test_output_file_is_replaced_whole_and_nothing_is_left_beside_it(cli, tmp_path):
    out = tmp_path / "plan.csv"
    out.write_text("old contents\n")
    run(cli, "recommend", "--members", SAMPLE, "--format", "csv", "--output", out, check_exit=0)
    expected = run(cli, "recommend", "--members", SAMPLE, "--format", "csv", check_exit=0).stdout
    assert out.read_bytes() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.csv"]
    # A bad input stops before any output: the file keeps its contents.
    bad = tmp_path / "bad.csv"
    bad.write_text("id,stage\na,nowhere\n")
    run(cli, "recommend", "--members", bad, "--format", "csv", "--output", out, check_exit=2)
    assert out.read_bytes() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "plan.csv"]


@pytest.mark.parametrize("where", ["missing-dir/plan.csv", "."])
def test_output_that_cannot_be_opened_is_a_usage_error(cli, tmp_path, where):
    target = tmp_path / where
    proc = run(cli, "recommend", "--members", SAMPLE, "--output", target, check_exit=2)
    assert proc.stderr.decode().startswith(f"engage-right: cannot write output file '{target}'")
    assert list(tmp_path.iterdir()) == []  # nothing created, not even a partial file


def test_a_huge_id_does_not_pad_every_row_of_a_table(cli, tmp_path):
    # One 100,000-byte id among short ones: the table grows by the id once
    # per row it is in, not by its length for every row.
    big = "x" * 100_000
    rows = [f"{big},prospect,,,,,go"] + [f"p{k},prospect,,,,,go" for k in range(50)]
    rows += [f"i{k},interested,9,,,,go" for k in range(50)]
    (tmp_path / "m.csv").write_text("id,stage,satisfaction,capacity,opted_out,activity,tags\n" + "\n".join(rows) + "\n")
    r = run(cli, "recommend", "--members", tmp_path / "m.csv", "--top", "1", check_exit=0)
    table = r.stdout.decode()
    assert table.count(big) == 1
    assert len(table) < 100_000 + 60 * 200
    widths = {len(line) for line in table.splitlines()[2:] if not line.startswith(big)}
    assert max(widths) < 300
