"""Cross-check `engage-right recommend` against the independent reference
implementation (reference.py) on random communities."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

import reference
from cliutil import parse_csv_output
from communities import compare, make_case, write_csv
from reference import CSV_COLUMNS

N_CASES = 36
SEEDS = list(range(1000, 1000 + N_CASES))


@pytest.mark.parametrize("seed", SEEDS)
def test_random_community_matches_reference(run_cli, tmp_path, seed):
    case = make_case(seed, tmp_path)
    proc = run_cli(*case.cli_args("csv"), check_exit=0)
    rows = parse_csv_output(proc.stdout)
    ref_full = case.reference(top=None)
    compare(rows, ref_full, case.top, context=case.describe())

    # determinism: a second run is byte-identical
    again = run_cli(*case.cli_args("csv"), check_exit=0)
    assert again.stdout == proc.stdout, f"{case.describe()}: two runs differ"

    # full-precision numbers (json) stay inside their mathematical ranges
    data = json.loads(run_cli(*case.cli_args("json"), check_exit=0).stdout.decode("utf-8"))
    assert len(data) == len(rows)
    for obj in data:
        check_ranges(obj, case.describe())


def check_ranges(obj, context=""):
    where = f"{context}: member {obj['member']!r} peer {obj['peer']!r}"
    assert -1.0 <= obj["similarity"] <= 1.0, f"{where}: cosine similarity out of [-1, 1]: {obj['similarity']!r}"
    assert 0.0 <= obj["tags"] <= 1.0, f"{where}: tags out of [0, 1]: {obj['tags']!r}"
    assert 0.0 <= obj["proximity"] < 1.0, f"{where}: proximity out of [0, 1): {obj['proximity']!r}"
    assert 0.0 <= obj["happiness"] <= 1.0, f"{where}: happiness out of [0, 1]: {obj['happiness']!r}"


def test_generator_covers_the_interesting_cases(tmp_path):
    """Guard the generator itself: the seeds above must exercise ties, custom
    journeys, zero vectors, options, and members that get recommendations."""
    seen = set()
    total_rows = 0
    for seed in SEEDS:
        case = make_case(seed, tmp_path / str(seed))
        seen.update(n.split("=")[0] for n in case.notes)
        seen.add("weights" if case.weights_arg else "default_weights")
        seen.add("min_sat" if case.min_satisfaction is not None else "journey_min_sat")
        seen.add("allow_existing" if case.allow_existing else "no_allow_existing")
        seen.add("with_interactions" if case.interactions else "no_interactions")
        ref = case.reference()
        total_rows += sum(len(v) for v in ref.values())
    for needed in (
        "custom_journey",
        "preset",
        "tie_groups",
        "zero_rows",
        "shuffled_columns",
        "weights",
        "default_weights",
        "min_sat",
        "journey_min_sat",
        "allow_existing",
        "no_allow_existing",
        "with_interactions",
        "no_interactions",
        "stage_gap",
    ):
        assert needed in seen, f"generator never produced {needed}"
    assert total_rows > 500


def _small_case(tmp_path, seed=7):
    # a seed that yields several members with recommendations
    for s in range(seed, seed + 50):
        case = make_case(s, tmp_path / f"c{s}")
        ref = case.reference()
        if sum(1 for v in ref.values() if v) >= 3:
            return case, ref
    raise AssertionError("no suitable case")


def test_json_format_matches_csv(run_cli, tmp_path):
    case, _ = _small_case(tmp_path)
    csv_rows = parse_csv_output(run_cli(*case.cli_args("csv"), check_exit=0).stdout)
    data = json.loads(run_cli(*case.cli_args("json"), check_exit=0).stdout.decode("utf-8"))
    assert isinstance(data, list)
    assert len(data) == len(csv_rows) > 0
    for obj, row in zip(data, csv_rows):
        assert isinstance(obj, dict)
        assert set(obj) == set(CSV_COLUMNS), f"json keys {sorted(obj)}"
        assert isinstance(obj["rank"], int) and not isinstance(obj["rank"], bool)
        assert obj["rank"] == int(row["rank"])
        for key in ("score", "similarity", "tags", "proximity", "happiness"):
            assert reference.is_finite_number(obj[key]), f"{key}={obj[key]!r} is not a number"
            assert abs(obj[key] - float(row[key])) <= 1e-6, (key, obj[key], row[key])
        for key in ("member", "member_stage", "peer", "peer_stage", "channel", "reason"):
            assert isinstance(obj[key], str)
            assert obj[key] == row[key], (key, obj[key], row[key])
        check_ranges(obj)


def test_parallel_vectors_have_cosine_one_and_tie_by_id(run_cli, tmp_path):
    """Parallel feature vectors have cosine exactly 1 (mathematically), so two
    otherwise identical peers tie and are ordered by id. Computing
    dot/sqrt(|u|^2 |v|^2) without clamping gives 1.0000000000000002 for
    x_8 below and ranks it before m319."""
    members = _write_members(
        tmp_path / "members.csv",
        [
            _member("M5", "prospect", satisfaction="9", f=("-0.436973", "0")),
            _member("x_8", "interested", satisfaction="10", f=("-0.448858", "0")),
            _member("m319", "interested", satisfaction="10", f=("-0.8132156205073131", "0")),
        ],
    )
    proc = run_cli("recommend", "--members", members, "--format", "json", check_exit=0)
    data = json.loads(proc.stdout.decode("utf-8"))
    for obj in data:
        check_ranges(obj)
    assert [o["peer"] for o in data] == ["m319", "x_8"]


def test_member_option_matches_batch(run_cli, tmp_path):
    case, ref = _small_case(tmp_path, seed=20)
    batch = parse_csv_output(run_cli(*case.cli_args("csv"), check_exit=0).stdout)
    with_recs = [m for m, v in ref.items() if v]
    without = [m for m, v in ref.items() if not v]
    for m in with_recs[:3] + with_recs[-1:]:
        proc = run_cli(*case.cli_args("csv"), "--member", m, check_exit=0)
        single = parse_csv_output(proc.stdout)
        assert single == [r for r in batch if r["member"] == m], f"--member {m}"
    for m in without[:2]:
        proc = run_cli(*case.cli_args("csv"), "--member", m, check_exit=0)
        assert parse_csv_output(proc.stdout) == [], f"--member {m} should have no rows"


def test_output_file_equals_stdout(run_cli, tmp_path):
    case, _ = _small_case(tmp_path, seed=40)
    out = tmp_path / "out.csv"
    stdout = run_cli(*case.cli_args("csv"), check_exit=0).stdout
    run_cli(*case.cli_args("csv"), "--output", out, check_exit=0)
    assert out.read_bytes() == stdout


def test_table_format_runs(run_cli, tmp_path):
    case, ref = _small_case(tmp_path, seed=60)
    proc = run_cli(*case.cli_args("table"), check_exit=0)
    text = proc.stdout.decode("utf-8")
    first = next(m for m, v in ref.items() if v)
    assert first in text and ref[first][0].peer in text


# ---------------------------------------------------------------------------
# hand-made communities with known answers (also validate the reference)


def _member(id, stage, satisfaction="", capacity="", opted_out="0", tags="", f=("1", "0")):
    """One row of _write_members' default header; unset cells are empty (or
    not opted out, features 1, 0)."""
    return [id, stage, satisfaction, capacity, opted_out, tags, *f]


def _write_members(path, rows, header=("id", "stage", "satisfaction", "capacity", "opted_out", "tags", "f_0", "f_1")):
    write_csv(path, list(header), rows)
    return path


def test_hand_computed_example(run_cli, tmp_path):
    members = _write_members(
        tmp_path / "members.csv",
        [
            _member("p1", "prospect", tags="k8s;sec"),
            _member("i1", "interested", satisfaction="10", tags="k8s", f=("1", "1")),
            _member("i2", "interested", capacity="2", tags="sec;ml", f=("0", "1")),
            _member("i3", "interested", satisfaction="6", tags="k8s;sec"),  # detractor: never a peer
            _member("i4", "interested", satisfaction="9", capacity="0", tags="k8s;sec"),  # no capacity
            _member("i5", "interested", satisfaction="9", opted_out="1", tags="k8s;sec"),  # opted out
            _member("c1", "new_customer", satisfaction="8", f=("0", "0")),
            _member("x", "loyal", satisfaction="8", f=("0", "0")),
        ],
    )
    inter = tmp_path / "interactions.csv"
    # p1-x, i1-x, i2-x, i2-c1, p1-c1 : x has degree 3, c1 has degree 2
    write_csv(inter, ["source", "target"], [["p1", "x"], ["i1", "x"], ["i2", "x"], ["i2", "c1"], ["p1", "c1"]])
    proc = run_cli("recommend", "--members", members, "--interactions", inter, "--format", "csv", check_exit=0)
    rows = parse_csv_output(proc.stdout)
    p1 = [r for r in rows if r["member"] == "p1"]
    assert [r["peer"] for r in p1] == ["i1", "i2"]
    # p1 -> i1: cos = 1/sqrt2, jaccard 1/2, aa = 1/ln3, happiness 1.0
    aa = 1 / math.log(3)
    exp_i1 = 0.5 / math.sqrt(2) + 0.15 * 0.5 + 0.25 * aa / (1 + aa) + 0.1 * 1.0
    # p1 -> i2: cos 0, jaccard 1/3, aa = 1/ln3 + 1/ln2, happiness 0.5
    aa2 = 1 / math.log(3) + 1 / math.log(2)
    exp_i2 = 0.15 / 3 + 0.25 * aa2 / (1 + aa2) + 0.05
    assert abs(float(p1[0]["score"]) - exp_i1) < 1e-6
    assert abs(float(p1[1]["score"]) - exp_i2) < 1e-6
    assert abs(float(p1[1]["proximity"]) - aa2 / (1 + aa2)) < 1e-6
    assert p1[0]["channel"] == "private"
    assert p1[0]["member_stage"] == "prospect" and p1[0]["peer_stage"] == "interested"
    # interested -> new_customer is public; i2 already talked to c1
    i1 = [r for r in rows if r["member"] == "i1"]
    assert [r["peer"] for r in i1] == ["c1"] and i1[0]["channel"] == "public"
    assert not [r for r in rows if r["member"] == "i2"]
    # new_customer -> loyal public, loyal is the last step... x is loyal, advocate absent
    c1 = [r for r in rows if r["member"] == "c1"]
    assert [r["peer"] for r in c1] == ["x"] and c1[0]["channel"] == "public"
    assert not [r for r in rows if r["member"] == "x"]
    # the reference agrees with the closed form
    ref = reference.recommend(members, inter)
    assert [r.peer for r in ref["p1"]] == ["i1", "i2"]
    assert abs(ref["p1"][0].score - exp_i1) < 1e-12 and abs(ref["p1"][1].score - exp_i2) < 1e-12
    compare(rows, reference.recommend(members, inter, top=None), 5, "hand example")


def test_exact_ties_break_by_peer_id_string_order(run_cli, tmp_path):
    # identical peers: order must be plain string order: "a-3" < "m10" < "m7" < "m9"
    peers = ["m9", "m7", "m10", "a-3", "m70"]
    rows = [_member("u1", "prospect", tags="k8s", f=("1", "2"))]
    rows += [_member(p, "interested", satisfaction="9", tags="k8s", f=("2", "1")) for p in peers]
    members = _write_members(tmp_path / "members.csv", rows)
    for top in (1, 3, 5):
        proc = run_cli("recommend", "--members", members, "--top", top, "--format", "csv", check_exit=0)
        got = [r["peer"] for r in parse_csv_output(proc.stdout)]
        assert got == sorted(peers)[:top], got
    assert sorted(peers) == ["a-3", "m10", "m7", "m70", "m9"]


def test_custom_journey_without_steps_uses_default_channels(run_cli, tmp_path):
    journey = tmp_path / "j.json"
    journey.write_text(json.dumps({"stages": ["a", "b", "c", "d"]}), encoding="utf-8")
    members = _write_members(
        tmp_path / "members.csv",
        [
            _member("x1", "a"),
            _member("x2", "b"),
            _member("x3", "c"),
            _member("x4", "d"),
        ],
    )
    rows = parse_csv_output(
        run_cli("recommend", "--members", members, "--journey", journey, "--format", "csv", check_exit=0).stdout
    )
    got = [(r["member"], r["peer"], r["channel"]) for r in rows]
    assert got == [("x1", "x2", "private"), ("x2", "x3", "public"), ("x3", "x4", "private")]
    # a two-stage journey has a single, private step
    journey.write_text(json.dumps({"stages": ["a", "b"]}), encoding="utf-8")
    members2 = _write_members(tmp_path / "m2.csv", [_member("x1", "a"), _member("x2", "b")])
    rows = parse_csv_output(
        run_cli("recommend", "--members", members2, "--journey", journey, "--format", "csv", check_exit=0).stdout
    )
    assert [(r["member"], r["peer"], r["channel"]) for r in rows] == [("x1", "x2", "private")]


@pytest.mark.parametrize("preset", list(reference.PRESETS))
def test_presets_stages_and_channels(run_cli, tmp_path, preset):
    stages = reference.PRESETS[preset]
    rows = []
    for i, s in enumerate(stages):
        rows.append(_member(f"u{i}", s))
    members = _write_members(tmp_path / "members.csv", rows)
    out = parse_csv_output(
        run_cli("recommend", "--members", members, "--journey", preset, "--format", "csv", check_exit=0).stdout
    )
    n_steps = len(stages) - 1
    expected = [
        (f"u{i}", stages[i], f"u{i + 1}", stages[i + 1], "private" if i in (0, n_steps - 1) else "public")
        for i in range(n_steps)
    ]
    assert [(r["member"], r["member_stage"], r["peer"], r["peer_stage"], r["channel"]) for r in out] == expected


def test_stage_names_are_case_insensitive(run_cli, tmp_path):
    case, _ = _small_case(tmp_path, seed=80)
    with open(case.members, encoding="utf-8", newline="") as fh:
        data = list(csv.reader(fh))
    si = data[0].index("stage")
    for k, r in enumerate(data[1:]):
        r[si] = r[si].upper() if k % 2 == 0 else r[si].title()
    mixed = tmp_path / "members_mixed.csv"
    write_csv(mixed, data[0], data[1:])
    base = parse_csv_output(run_cli(*case.cli_args("csv"), check_exit=0).stdout)
    args = case.cli_args("csv")
    args[args.index("--members") + 1] = mixed
    got = parse_csv_output(run_cli(*args, check_exit=0).stdout)
    assert got == base


def test_min_satisfaction_and_weights_override(run_cli, tmp_path):
    members = _write_members(
        tmp_path / "members.csv",
        [
            _member("u", "prospect", tags="a"),
            _member("p_low", "interested", satisfaction="3", tags="a"),
            _member("p_hi", "interested", satisfaction="8", f=("0", "1")),
        ],
    )
    base = ["recommend", "--members", members, "--format", "csv"]
    rows = parse_csv_output(run_cli(*base, check_exit=0).stdout)
    assert [r["peer"] for r in rows] == ["p_hi"]
    rows = parse_csv_output(run_cli(*base, "--min-satisfaction", "3", check_exit=0).stdout)
    # p_low: 0.5*1 + 0.15*1 + 0.1*0.3 = 0.68 ; p_hi: 0.1*0.8 = 0.08
    assert [r["peer"] for r in rows] == ["p_low", "p_hi"]
    assert abs(float(rows[0]["score"]) - 0.68) < 1e-9 and abs(float(rows[1]["score"]) - 0.08) < 1e-9
    rows = parse_csv_output(
        run_cli(
            *base, "--min-satisfaction", "3", "--weights", "similarity=0,tags=0,proximity=0,happiness=2", check_exit=0
        ).stdout
    )
    assert [r["peer"] for r in rows] == ["p_hi", "p_low"]
    assert abs(float(rows[0]["score"]) - 1.6) < 1e-9 and abs(float(rows[1]["score"]) - 0.6) < 1e-9
    # components stay raw (unweighted)
    assert rows[1]["similarity"] == "1.000000" and rows[1]["tags"] == "1.000000"


def test_allow_existing(run_cli, tmp_path):
    members = _write_members(
        tmp_path / "members.csv",
        [
            _member("u", "prospect"),
            _member("v", "interested"),
            _member("w", "interested", f=("0", "1")),
            _member("z", "loyal", f=("0", "1")),
        ],
    )
    inter = tmp_path / "interactions.csv"
    write_csv(inter, ["source", "target", "weight"], [["v", "u", "2"], ["u", "z", "1"], ["v", "z", "1"]])
    base = ["recommend", "--members", members, "--interactions", inter, "--format", "csv"]
    rows = parse_csv_output(run_cli(*base, check_exit=0).stdout)
    assert [(r["member"], r["peer"]) for r in rows] == [("u", "w")]
    rows = parse_csv_output(run_cli(*base, "--allow-existing", check_exit=0).stdout)
    assert [(r["member"], r["peer"]) for r in rows] == [("u", "v"), ("u", "w")]
    aa = 1 / math.log(2)  # common neighbour z has degree 2
    assert abs(float(rows[0]["proximity"]) - aa / (1 + aa)) < 1e-6
    compare(rows, reference.recommend(members, inter, top=None, allow_existing=True), 5, "allow_existing")


def test_no_features_no_tags_no_interactions(run_cli, tmp_path):
    rng = np.random.default_rng(5)
    members = tmp_path / "members.csv"
    stages = reference.PRESETS["success"]
    write_csv(
        members,
        ["id", "stage", "satisfaction"],
        [[f"m{i}", stages[int(rng.integers(3))], str(int(rng.integers(5, 11)))] for i in range(30)],
    )
    rows = parse_csv_output(
        run_cli(
            "recommend", "--members", members, "--journey", "success", "--top", "7", "--format", "csv", check_exit=0
        ).stdout
    )
    for r in rows:
        assert r["similarity"] == "0.000000" and r["tags"] == "0.000000" and r["proximity"] == "0.000000"
    compare(rows, reference.recommend(members, None, "success", top=None), 7, "bare community")
