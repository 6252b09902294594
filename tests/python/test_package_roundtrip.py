"""Round trips of the Python package: frames -> community -> members(),
CSV vs frames, networkx, zero-copy features, journeys to/from JSON, and the
package against the CLI on the bundled sample."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import engage_right as er
from cliutil import parse_csv_output
from pkg_reference import (
    COLUMNS,
    JOURNEY_KEYS,
    MEMBER_COLUMNS,
    PRESETS,
    SAMPLE_INTERACTIONS,
    SAMPLE_MEMBERS,
    make_spec,
    nullable_equal,
)

ROUNDTRIP_SEEDS = [4100, 4101, 4102, 4103, 4104, 4105]


def expected_members(spec):
    """The members() frame the contract promises for a spec (tags compared
    separately, as sets: they are case-insensitive and have no order)."""
    data = {
        "id": spec.ids,
        "stage": [spec.journey.stages[int(s)] for s in spec.stage_idx],
        "satisfaction": pd.array(spec.sat, dtype="Int64"),
        "capacity": pd.array(spec.cap, dtype="Int64"),
        "opted_out": np.array(spec.opted, dtype=bool),
        "activity": np.array([np.nan if a is None else a for a in spec.activity], dtype=np.float64),
    }
    return pd.DataFrame(data)


def tagset(text):
    assert isinstance(text, str), f"tags must be str, got {text!r}"
    return frozenset(t for t in text.split(";") if t)


def check_members(got, spec, context):
    assert isinstance(got, pd.DataFrame), context
    fcols = [f"f_{j}" for j in range(spec.d)]
    assert list(got.columns) == MEMBER_COLUMNS + fcols, f"{context}: columns {list(got.columns)}"
    assert got["satisfaction"].dtype == "Int64", f"{context}: satisfaction dtype {got['satisfaction'].dtype}"
    assert got["capacity"].dtype == "Int64", f"{context}: capacity dtype {got['capacity'].dtype}"
    assert got["opted_out"].dtype == bool, f"{context}: opted_out dtype {got['opted_out'].dtype}"
    assert got["activity"].dtype == np.float64, f"{context}: activity dtype {got['activity'].dtype}"
    exp = expected_members(spec)
    for col in ("id", "stage", "satisfaction", "capacity", "opted_out", "activity"):
        g, e = list(got[col]), list(exp[col])
        bad = [(i, a, b) for i, (a, b) in enumerate(zip(g, e)) if not nullable_equal(a, b)]
        assert len(g) == len(e) and not bad, f"{context}: column {col}: (row, got, expected) {bad[:5]}"
    want_tags = [frozenset(t.lower() for t in ts) for ts in spec.tags]
    got_tags = [frozenset(t.lower() for t in tagset(x)) for x in got["tags"]]
    bad = [(i, a, b) for i, (a, b) in enumerate(zip(got_tags, want_tags)) if a != b]
    assert not bad, f"{context}: tags (row, got, expected) {bad[:5]}"
    if spec.d:
        f = got[fcols].to_numpy(dtype=np.float64)
        assert np.array_equal(f, spec.feats.astype(np.float64)), f"{context}: f_* columns differ"


@pytest.mark.parametrize("seed", ROUNDTRIP_SEEDS)
def test_members_frame_round_trip(seed, tmp_path):
    spec = make_spec(seed)
    ctx = spec.describe()
    members_df, feats = spec.members_frame()
    members_copy = members_df.copy(deep=True)
    c = er.Community.from_frames(
        members_df, spec.interactions_frame(), journey=spec.journey_for_frames(er), features=feats
    )
    pd.testing.assert_frame_equal(members_df, members_copy, obj="the input frame must not be modified")
    assert len(c) == spec.n
    got = c.members()
    check_members(got, spec, f"from_frames members() {ctx}")
    f = c.features()
    assert isinstance(f, np.ndarray) and f.dtype == np.float32 and f.shape == (spec.n, spec.d), (f.dtype, f.shape)
    assert np.array_equal(f, spec.feats), f"{ctx}: features() differ"
    # the same through CSV
    mpath, ipath = spec.write_csv(tmp_path)
    c2 = er.Community.from_csv(mpath, ipath, journey=spec.journey_for_csv(er, tmp_path))  # Path objects
    pd.testing.assert_frame_equal(c2.members(), got, check_exact=True, obj="members(): csv vs frames")
    assert np.array_equal(c2.features(), f)
    # a members() frame is itself valid input and gives the same community
    c3 = er.Community.from_frames(got, spec.interactions_frame(), journey=spec.journey_for_frames(er))
    pd.testing.assert_frame_equal(c3.members(), got, check_exact=True, obj="members() of from_frames(members())")
    opts = spec.options()
    pd.testing.assert_frame_equal(er.recommend(c3, **opts), er.recommend(c, **opts), check_exact=True)
    # stage counts
    counts = c.stage_counts()
    assert isinstance(counts, pd.Series)
    assert list(counts.index) == list(spec.journey.stages), list(counts.index)
    exp = np.bincount(spec.stage_idx, minlength=len(spec.journey.stages))
    assert [int(x) for x in counts.to_numpy()] == [int(x) for x in exp]
    assert c.journey.stages == list(spec.journey.stages)
    assert c.journey.name == spec.journey.name


def test_minimal_members_frame_defaults():
    df = pd.DataFrame({"id": ["a", "b", "c"], "stage": ["prospect", "Interested", "LOYAL"]})
    c = er.Community.from_frames(df)
    got = c.members()
    assert list(got.columns) == MEMBER_COLUMNS
    assert list(got["id"]) == ["a", "b", "c"]
    assert list(got["stage"]) == ["prospect", "interested", "loyal"]
    assert got["satisfaction"].isna().all() and got["satisfaction"].dtype == "Int64"
    assert got["capacity"].isna().all() and got["capacity"].dtype == "Int64"
    assert not got["opted_out"].any() and got["opted_out"].dtype == bool
    assert got["activity"].isna().all() and got["activity"].dtype == np.float64
    assert list(got["tags"]) == ["", "", ""]
    assert c.features().shape == (3, 0) and c.features().dtype == np.float32
    assert list(c.stage_counts()) == [1, 1, 0, 1, 0]
    got = er.recommend(c)
    assert list(got.columns) == COLUMNS
    assert list(got["member"]) == ["a"] and list(got["peer"]) == ["b"]


def test_empty_community():
    c = er.Community.from_frames(
        pd.DataFrame({"id": pd.Series([], dtype=object), "stage": pd.Series([], dtype=object)})
    )
    assert len(c) == 0
    assert list(c.members().columns) == MEMBER_COLUMNS and len(c.members()) == 0
    got = er.recommend(c)
    assert isinstance(got, pd.DataFrame) and list(got.columns) == COLUMNS and len(got) == 0
    assert got["rank"].dtype == np.int64 and got["score"].dtype == np.float64


def test_tags_as_lists_and_strings_are_the_same():
    base = {"id": ["u", "v", "w"], "stage": ["prospect", "interested", "interested"]}
    a = er.Community.from_frames(pd.DataFrame({**base, "tags": ["K8s;sec", "k8s;ml;k8s", None]}))
    b = er.Community.from_frames(pd.DataFrame({**base, "tags": [["k8s", "SEC"], ["ml", "k8s"], []]}))
    ra, rb = er.recommend(a), er.recommend(b)
    pd.testing.assert_frame_equal(ra, rb, check_exact=True)
    assert abs(ra.set_index("peer").loc["v", "tags"] - 1 / 3) < 1e-15
    assert [{t.lower() for t in tagset(x)} for x in b.members()["tags"]] == [{"k8s", "sec"}, {"k8s", "ml"}, set()]


def test_from_csv_equals_from_frames_on_the_sample():
    """A user's natural path: pandas.read_csv -> from_frames."""
    members = pd.read_csv(SAMPLE_MEMBERS)
    inter = pd.read_csv(SAMPLE_INTERACTIONS)
    a = er.Community.from_frames(members, inter)
    b = er.Community.from_csv(str(SAMPLE_MEMBERS), str(SAMPLE_INTERACTIONS))
    pd.testing.assert_frame_equal(a.members(), b.members(), check_exact=True)
    for opts in ({}, {"k": 3, "weights": {"tags": 0.6}}, {"allow_existing": True, "min_satisfaction": 5}):
        pd.testing.assert_frame_equal(er.recommend(a, **opts), er.recommend(b, **opts), check_exact=True)
    # pandas datetimes for the timestamps change nothing
    inter2 = inter.assign(timestamp=pd.to_datetime(inter["timestamp"]))
    c = er.Community.from_frames(members, inter2)
    pd.testing.assert_frame_equal(er.recommend(c), er.recommend(b), check_exact=True)


def test_from_csv_equals_from_frames_on_quantumcomputing():
    """Numeric ids (pandas reads them as int64), an all-empty tags column
    (float64 NaN), features that are not float32-exact."""
    qc = SAMPLE_MEMBERS.parents[1] / "quantumcomputing"
    members = pd.read_csv(qc / "members.csv")
    inter = pd.read_csv(qc / "interactions.csv")
    assert members["id"].dtype == np.int64
    a = er.Community.from_frames(members, inter)
    b = er.Community.from_csv(str(qc / "members.csv"), str(qc / "interactions.csv"))
    pd.testing.assert_frame_equal(a.members(), b.members(), check_exact=True)
    got = er.recommend(a, k=3)
    assert len(got) > 0
    pd.testing.assert_frame_equal(got, er.recommend(b, k=3), check_exact=True)
    some = [str(x) for x in members["id"].iloc[::500]]
    pd.testing.assert_frame_equal(er.recommend(a, member=some), er.recommend(b, member=some), check_exact=True)


def test_pandas_read_csv_spellings(tmp_path):
    """What pandas.read_csv makes of empty fields (float columns with NaN,
    all-NaN columns) loads like the CSV itself."""
    path = tmp_path / "members.csv"
    path.write_text(
        "id,stage,satisfaction,capacity,opted_out,activity,tags,f_0\n"
        "p1,prospect,,,1,,,0.5\n"
        "p2,prospect,9,2,,3.5,,1\n"
        "i1,interested,8,,0,,,1\n"
        "i2,interested,,0,,,,0.25\n"
        "i3,interested,10,,,,,-1\n",
        encoding="utf-8",
    )
    df = pd.read_csv(path)
    assert df["opted_out"].dtype == np.float64 and df["tags"].dtype == np.float64
    a = er.Community.from_frames(df)
    b = er.Community.from_csv(str(path))
    pd.testing.assert_frame_equal(a.members(), b.members(), check_exact=True)
    assert list(a.members()["opted_out"]) == [True, False, False, False, False]
    pd.testing.assert_frame_equal(er.recommend(a), er.recommend(b), check_exact=True)
    assert list(er.recommend(a)["member"].unique()) == ["p2"]


@pytest.mark.parametrize("seed", [4000, 4005, 4014, 4020])
def test_text_frames_equal_csv(seed, tmp_path):
    """The CSV files read by pandas as text (dtype=str, keep_default_na=False:
    empty fields are "") describe the same community as the files."""
    spec = make_spec(seed)
    mpath, ipath = spec.write_csv(tmp_path)
    assert ipath is not None
    journey = spec.journey_for_csv(er, tmp_path)
    a = er.Community.from_csv(str(mpath), str(ipath), journey=journey)
    text = {"dtype": str, "keep_default_na": False}
    b = er.Community.from_frames(pd.read_csv(mpath, **text), pd.read_csv(ipath, **text), journey=journey)
    pd.testing.assert_frame_equal(b.members(), a.members(), check_exact=True)
    opts = spec.options()
    pd.testing.assert_frame_equal(er.recommend(b, **opts), er.recommend(a, **opts), check_exact=True)
    ga, gb = a.to_networkx(), b.to_networkx()
    assert sorted((min(u, v), max(u, v), w) for u, v, w in ga.edges(data="weight")) == sorted(
        (min(u, v), max(u, v), w) for u, v, w in gb.edges(data="weight")
    )


def test_recommend_matches_the_cli(run_cli):
    """The package and the CLI give the same rows (CLI numbers have 6 decimals)."""
    c = er.Community.from_csv(str(SAMPLE_MEMBERS), str(SAMPLE_INTERACTIONS))
    cases = [
        ({}, []),
        ({"k": 3, "weights": {"similarity": 0.6, "tags": 0.1}}, ["--top", "3", "--weights", "similarity=0.6,tags=0.1"]),
        (
            {"k": 2, "min_satisfaction": 4, "allow_existing": True},
            ["--top", "2", "--min-satisfaction", "4", "--allow-existing"],
        ),
    ]

    def sample_cli_rows(*args):
        out = run_cli(
            "recommend",
            "--members",
            SAMPLE_MEMBERS,
            "--interactions",
            SAMPLE_INTERACTIONS,
            "--format",
            "csv",
            *args,
            check_exit=0,
        )
        return parse_csv_output(out.stdout)

    for opts, args in cases:
        got = er.recommend(c, **opts)
        cli = sample_cli_rows(*args)
        assert len(got) == len(cli) > 0, (opts, len(got), len(cli))
        for row, crow in zip(got.to_dict("records"), cli):
            for key in COLUMNS:
                if key in ("score", "similarity", "tags", "proximity", "happiness"):
                    assert f"{row[key]:.6f}" == crow[key], (opts, key, row, crow)
                else:
                    assert str(row[key]) == crow[key], (opts, key, row[key], crow[key])
    members = pd.read_csv(SAMPLE_MEMBERS)
    m = members["id"].iloc[0]
    got = er.recommend(c, member=m, k=4)
    cli = sample_cli_rows("--member", m, "--top", "4")
    assert list(got["peer"]) == [r["peer"] for r in cli]


# ---------------------------------------------------------------------------
# networkx


def test_to_networkx(tmp_path):
    spec = make_spec(4103)
    assert spec.edges, "the seed must have interactions"
    members_df, feats = spec.members_frame()
    c = er.Community.from_frames(
        members_df, spec.interactions_frame(), journey=spec.journey_for_frames(er), features=feats
    )
    g = c.to_networkx()
    assert isinstance(g, nx.Graph) and not g.is_directed() and not g.is_multigraph()
    assert set(g.nodes) == set(spec.ids) and g.number_of_nodes() == spec.n
    merged = {}
    for i, j, w, _ in spec.edges:
        if i == j:
            continue
        key = frozenset((spec.ids[i], spec.ids[j]))
        merged[key] = merged.get(key, 0.0) + (1.0 if w is None or not spec.style["weight"] else w)
    assert {frozenset(e) for e in g.edges} == set(merged)
    for a, b, data in g.edges(data=True):
        assert abs(data["weight"] - merged[frozenset((a, b))]) < 1e-12, (a, b, data)
    members = c.members()
    for row in members.to_dict("records"):
        attrs = g.nodes[row["id"]]
        for key, value in row.items():
            if key == "id":
                continue
            assert key in attrs, f"node {row['id']!r} lacks attribute {key!r}: {attrs}"
            assert nullable_equal(attrs[key], value), (row["id"], key, attrs[key], value)


@pytest.mark.parametrize("seed", [4103, 4104, 4107])
def test_networkx_round_trip(seed):
    spec = make_spec(seed)
    members_df, feats = spec.members_frame()
    journey = spec.journey_for_frames(er)
    c = er.Community.from_frames(members_df, spec.interactions_frame(), journey=journey, features=feats)
    g = c.to_networkx()
    c2 = er.Community.from_networkx(g, journey=journey)
    pd.testing.assert_frame_equal(c2.members(), c.members(), check_exact=True, obj="members() after networkx")
    assert np.array_equal(c2.features(), c.features())
    opts = spec.options()
    pd.testing.assert_frame_equal(
        er.recommend(c2, **opts), er.recommend(c, **opts), check_exact=True, obj="recommend() after networkx"
    )
    g2 = c2.to_networkx()
    assert set(g2.edges) == set(g.edges) or {frozenset(e) for e in g2.edges} == {frozenset(e) for e in g.edges}


def test_from_networkx_user_graph():
    """A graph built by hand: integer node ids (converted with str()), a
    custom stage attribute name, optional attributes missing on some nodes."""
    g = nx.karate_club_graph()
    stages = PRESETS["success"]
    for v in g.nodes:
        g.nodes[v].clear()
        g.nodes[v]["phase"] = stages[v % 3]
        if v % 4:
            g.nodes[v]["satisfaction"] = 7 + v % 4
        if v % 5 == 0:
            g.nodes[v]["tags"] = "ml;api" if v % 2 else ["api"]
    for a, b in g.edges:
        g.edges[a, b].clear()
    c = er.Community.from_networkx(g, stage="phase", journey="success")
    assert len(c) == 34
    members = c.members()
    assert set(members["id"]) == {str(v) for v in g.nodes}
    assert list(c.stage_counts()) == [12, 11, 11]
    got = er.recommend(c, k=3)
    # independent: every eligible pair scored with networkx' Adamic-Adar
    h = nx.relabel_nodes(g, str)
    for row in got.to_dict("records"):
        assert not h.has_edge(row["member"], row["peer"])
        ((_, _, aa),) = nx.adamic_adar_index(h, [(row["member"], row["peer"])])
        assert abs(row["proximity"] - aa / (1 + aa)) < 1e-12
        assert stages.index(row["peer_stage"]) == stages.index(row["member_stage"]) + 1
    assert len(got) > 10
    with pytest.raises(ValueError):
        er.Community.from_networkx(g, journey="success")  # no "stage" attribute


# ---------------------------------------------------------------------------
# zero-copy features


def _frame(n, stages=("prospect", "interested")):
    return pd.DataFrame({"id": [f"m{i}" for i in range(n)], "stage": [stages[i % len(stages)] for i in range(n)]})


def test_features_zero_copy():
    rng = np.random.default_rng(1)
    arr = np.ascontiguousarray(rng.normal(size=(50, 6)).astype(np.float32))
    c = er.Community.from_frames(_frame(50), features=arr)
    assert np.shares_memory(c.features(), arr)
    assert np.array_equal(c.features(), arr)
    keep = arr.copy()
    del arr
    gc.collect()
    # the community keeps the buffer alive
    scratch = [np.full((50, 6), 7.0, dtype=np.float32) for _ in range(20)]
    assert np.array_equal(c.features(), keep)
    assert len(er.recommend(c)) > 0 and len(scratch) == 20


def test_features_share_memory_method():
    rng = np.random.default_rng(4)
    arr = np.ascontiguousarray(rng.normal(size=(20, 3)).astype(np.float32))
    shared = er.Community.from_frames(_frame(20), features=arr)
    copied = er.Community.from_frames(_frame(20), features=arr.astype(np.float64))
    assert shared.features_share_memory(arr) is True
    assert copied.features_share_memory(arr) is False
    assert shared.features_share_memory(np.zeros((20, 3), dtype=np.float32)) is False


@pytest.mark.parametrize("kind", ["float64", "fortran32", "strided32"])
def test_features_copied_when_layout_differs(kind):
    rng = np.random.default_rng(2)
    base = rng.normal(size=(40, 5))
    if kind == "float64":
        arr = base
    elif kind == "fortran32":
        arr = np.asfortranarray(base, dtype=np.float32)
    else:
        big = np.zeros((40, 10), dtype=np.float32)
        big[:, ::2] = base
        arr = big[:, ::2]
    c = er.Community.from_frames(_frame(40), features=arr)
    assert not np.shares_memory(c.features(), arr)
    assert np.array_equal(c.features(), base.astype(np.float32))
    ref = er.Community.from_frames(_frame(40), features=np.ascontiguousarray(base, dtype=np.float32))
    pd.testing.assert_frame_equal(er.recommend(c), er.recommend(ref), check_exact=True)


def test_features_from_columns_equal_features_array():
    rng = np.random.default_rng(3)
    arr = rng.normal(size=(30, 4)).astype(np.float32)
    df = _frame(30)
    with_cols = df.assign(**{f"f_{j}": arr[:, j].astype(np.float64) for j in range(4)})
    a = er.Community.from_frames(with_cols)
    b = er.Community.from_frames(df, features=arr)
    assert not np.shares_memory(a.features(), arr) and np.shares_memory(b.features(), arr)
    pd.testing.assert_frame_equal(a.members(), b.members(), check_exact=True)
    pd.testing.assert_frame_equal(er.recommend(a), er.recommend(b), check_exact=True)


# ---------------------------------------------------------------------------
# journeys


def test_presets():
    names = er.Journey.presets()
    assert isinstance(names, list) and len(names) == 5
    assert set(names) == set(PRESETS)


@pytest.mark.parametrize("name", list(PRESETS))
def test_journey_json_round_trip(name, tmp_path):
    j = er.Journey.preset(name)
    assert j.name == name
    assert j.stages == PRESETS[name]
    text = j.to_json()
    assert isinstance(text, str)
    data = json.loads(text)
    # Presets also carry a description, lead scoring and stage rules.
    assert set(data) == JOURNEY_KEYS | {"description", "lead_scoring", "stage_rules"}, sorted(data)
    shipped = json.loads(
        (Path(__file__).resolve().parents[2] / "share" / "journeys" / f"{name}.json").read_text(encoding="utf-8")
    )
    assert data["lead_scoring"]["actions"] == shipped["lead_scoring"]["actions"]
    assert set(data["stage_rules"]) == set(shipped["stage_rules"])
    assert data["name"] == name and data["stages"] == PRESETS[name]
    assert data["min_peer_satisfaction"] == 7 and data["default_capacity"] == 3
    assert data["weights"] == {"similarity": 0.5, "tags": 0.15, "proximity": 0.25, "happiness": 0.1}
    n = len(PRESETS[name])
    assert len(data["steps"]) == n - 1
    for i, step in enumerate(data["steps"]):
        assert step["enabled"] is True
        assert step["channel"] == ("private" if i in (0, n - 2) else "public")
        assert j.channel(PRESETS[name][i]) == step["channel"]
    path = tmp_path / f"{name}.json"
    path.write_text(text, encoding="utf-8")
    for source in (text, data, str(path), path):
        j2 = er.Journey.from_json(source)
        assert json.loads(j2.to_json()) == data, f"from_json({type(source).__name__})"
        assert j2.stages == j.stages and j2.name == j.name


def test_custom_journey_round_trip(tmp_path):
    spec = {
        "name": "my_journey",
        "stages": ["trial", "paying", "champion", "Legend"],
        "steps": [
            {"from": "trial", "to": "paying", "enabled": True, "channel": "public"},
            {"enabled": False, "channel": "private"},
            {"enabled": True, "channel": "private"},
        ],
        "min_peer_satisfaction": 9,
        "default_capacity": 1,
        "weights": {"similarity": 0.1, "tags": 0.2, "proximity": 0.3, "happiness": 0.4},
    }
    j = er.Journey.from_json(spec)
    data = json.loads(j.to_json())
    assert data["name"] == "my_journey" and data["stages"] == spec["stages"]
    assert [(s["enabled"], s["channel"]) for s in data["steps"]] == [
        (True, "public"),
        (False, "private"),
        (True, "private"),
    ]
    assert data["min_peer_satisfaction"] == 9 and data["default_capacity"] == 1
    assert data["weights"] == spec["weights"]
    assert json.loads(er.Journey.from_json(j.to_json()).to_json()) == data
    assert [j.channel(s) for s in spec["stages"][:-1]] == ["public", "private", "private"]
    # the journey drives recommend: disabled step, minimum satisfaction, capacity default, weights
    members = pd.DataFrame(
        {
            "id": ["t", "p", "p2", "c", "l"],
            "stage": ["trial", "paying", "paying", "champion", "legend"],
            "satisfaction": pd.array([None, 9, 8, 10, 10], dtype="Int64"),
        }
    )
    c = er.Community.from_frames(members, journey=j)
    got = er.recommend(c)
    assert [(r["member"], r["peer"], r["channel"]) for r in got.to_dict("records")] == [
        ("t", "p", "public"),
        ("c", "l", "private"),
    ]
    assert abs(got["score"].iloc[0] - 0.4 * 0.9) < 1e-12
    assert list(c.members()["capacity"].isna()) == [True] * 5
    # the same journey from a file, for CSV input
    jpath = tmp_path / "j.json"
    jpath.write_text(j.to_json(), encoding="utf-8")
    mpath = tmp_path / "members.csv"
    members.to_csv(mpath, index=False)
    for journey in (str(jpath), j):
        pd.testing.assert_frame_equal(
            er.recommend(er.Community.from_csv(str(mpath), journey=journey)), got, check_exact=True
        )


def test_engage_right_channels():
    j = er.Journey.preset("engage_right")
    assert [j.channel(s) for s in ["prospect", "interested", "new_customer", "loyal"]] == [
        "private",
        "public",
        "public",
        "private",
    ]
    with pytest.raises(ValueError):
        j.channel("advocate")  # the last stage has no step
    with pytest.raises(KeyError):
        j.channel("no_such_stage")


def test_default_journey_is_engage_right():
    c = er.Community.from_frames(_frame(4))
    assert c.journey.name == "engage_right"
    assert c.journey.stages == PRESETS["engage_right"]
    for journey in ("engage_right", er.Journey.preset("engage_right")):
        c2 = er.Community.from_frames(_frame(4), journey=journey)
        pd.testing.assert_frame_equal(er.recommend(c2), er.recommend(c), check_exact=True)
