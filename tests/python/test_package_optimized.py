"""The package imports and works under ``python -OO``, where docstrings are
None: no module may build its documentation from ``__doc__`` unguarded."""

from __future__ import annotations

import subprocess

import pandas as pd

from pkg_reference import SAMPLE_INTERACTIONS, SAMPLE_MEMBERS, venv_python

SCRIPT = r"""
import importlib, pkgutil, sys
import engage_right as er
assert sys.flags.optimize == 2, sys.flags.optimize
assert er.lead_scores.__doc__ is None
names = sorted(m.name for m in pkgutil.iter_modules(er.__path__) if m.name != "_core")
for name in names:
    importlib.import_module("engage_right." + name)
print(len(er.Community.from_csv(sys.argv[1], sys.argv[2])))
print(" ".join(names))
"""


def test_package_imports_under_python_oo():
    proc = subprocess.run(
        [venv_python(), "-OO", "-W", "error", "-c", SCRIPT, str(SAMPLE_MEMBERS), str(SAMPLE_INTERACTIONS)],
        capture_output=True,
        timeout=120,
    )
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, f"python -OO failed:\n{err}"
    count, names = proc.stdout.decode().splitlines()
    assert int(count) == len(pd.read_csv(SAMPLE_MEMBERS, dtype=str))
    # Every submodule was imported, the private ones that build docstrings too.
    for name in ("_lead", "datasets", "plotting", "simulate", "uplift"):
        assert name in names.split(), names
