"""examples/python/quickstart.py runs with the project's Python and prints
recommendations for members of the bundled sample community."""

from __future__ import annotations

import re
import subprocess

import pandas as pd

from pkg_reference import REPO, SAMPLE_MEMBERS, venv_python

QUICKSTART = REPO / "examples" / "python" / "quickstart.py"


def _run(cwd):
    assert QUICKSTART.is_file(), f"{QUICKSTART} does not exist"
    proc = subprocess.run([venv_python(), str(QUICKSTART)], cwd=str(cwd), capture_output=True, timeout=60)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, f"quickstart.py exited with {proc.returncode}\nstderr:\n{err}\nstdout:\n{out[:2000]}"
    assert "Traceback" not in err and "Warning" not in err, f"quickstart.py wrote to stderr:\n{err}"
    return out


def _mentioned_ids(text):
    ids = pd.read_csv(SAMPLE_MEMBERS, dtype=str)["id"]
    return {m for m in ids if re.search(r"(?<![\w.])" + re.escape(m) + r"(?![\w.])", text)}


def test_quickstart_runs_and_prints_recommendations():
    out = _run(REPO)
    found = _mentioned_ids(out)
    assert len(found) >= 3, f"the output should mention member ids of the sample, found {sorted(found)}:\n{out[:2000]}"


def test_quickstart_runs_from_another_directory(tmp_path):
    out = _run(tmp_path)
    assert len(_mentioned_ids(out)) >= 3, out[:2000]


def test_learned_ranking_example_runs():
    example = REPO / "examples" / "python" / "learned_ranking.py"
    proc = subprocess.run([venv_python(), str(example)], capture_output=True, timeout=120)
    out = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert "training pairs" in out and "peer_activity" in out and "reason" in out
