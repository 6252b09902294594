"""docs/journey.schema.json against the journey files and the malformed cases
that the C++ reader must reject (tests/data/malformed_journeys.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "docs" / "journey.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
JOURNEY_FILES = sorted((REPO / "share" / "journeys").glob("*.json")) + [
    REPO / "examples" / "data" / "quantumcomputing" / "journey.json"
]
MALFORMED = json.loads((REPO / "tests" / "data" / "malformed_journeys.json").read_text(encoding="utf-8"))


def test_the_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", JOURNEY_FILES, ids=lambda p: p.name)
def test_shipped_journeys_follow_the_schema(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert [e.message for e in VALIDATOR.iter_errors(doc)] == []


def test_every_preset_ships_as_a_file():
    assert {p.stem for p in JOURNEY_FILES[:-1]} == {"engage_right", "four_phase", "loyalty_loop", "inbound", "success"}


@pytest.mark.parametrize("case", MALFORMED, ids=lambda c: c["path"])
def test_malformed_journeys(run_cli, tmp_path, case):
    """The CLI rejects every case naming its JSON path; the schema rejects
    every case that a schema can express (not e.g. duplicate stage names)."""
    journey = tmp_path / "bad.json"
    journey.write_text(json.dumps(case["journey"]), encoding="utf-8")
    members = tmp_path / "m.csv"
    members.write_text("id,stage\nx,a\n", encoding="utf-8")
    out = run_cli("stats", "--members", members, "--journey", journey, check_exit=2)
    assert f"{journey}: {case['path']}:" in out.stderr.decode()
    assert VALIDATOR.is_valid(case["journey"]) is not case["schema_rejects"]
