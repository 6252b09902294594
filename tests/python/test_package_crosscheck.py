"""`er.recommend` and `Community.explain` of the Python package against the
independent numpy + networkx reference (pkg_reference.Model, DESIGN.md
sections 3-4), on random communities loaded both from pandas frames and
from CSV files.

A missing or broken `engage_right` package fails these tests (the import
below is at module level, so collection fails); nothing is skipped."""

from __future__ import annotations

import math
from collections import Counter

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import engage_right as er
from pkg_reference import EXPLAIN_KEYS, TOL, check_schema, compare_recommendations, make_spec

SEEDS = list(range(4000, 4026))  # 26 random communities


def load_both(spec, tmp_path):
    members_df, feats = spec.members_frame()
    inter_df = spec.interactions_frame()
    c_frames = er.Community.from_frames(members_df, inter_df, journey=spec.journey_for_frames(er), features=feats)
    mpath, ipath = spec.write_csv(tmp_path)
    c_csv = er.Community.from_csv(
        str(mpath), None if ipath is None else str(ipath), journey=spec.journey_for_csv(er, tmp_path)
    )
    return c_frames, c_csv


def explain_options(spec):
    opts = spec.options()
    opts.pop("k")
    return opts


def check_explain(community, model, spec, u, v, row=None, context=""):
    m, p = model.ids[u], model.ids[v]
    where = f"{context}: explain({m!r}, {p!r})"
    e = community.explain(m, p, **explain_options(spec))
    assert isinstance(e, dict), f"{where}: returned {type(e)!r}"
    assert EXPLAIN_KEYS <= set(e), f"{where}: missing keys {sorted(EXPLAIN_KEYS - set(e))}"
    assert e["member"] == m and e["peer"] == p, f"{where}: member/peer {e['member']!r}/{e['peer']!r}"
    rule = model.failed_rule(u, v, spec.min_satisfaction, spec.allow_existing, spec.stage_gap)
    if u == v:  # both rule 1 (stage) and rule 2 (u != v) fail; either may be reported
        rule = e["failed_rule"] if e["failed_rule"] in (1, 2) else rule
    assert isinstance(e["eligible"], bool), f"{where}: eligible is {type(e['eligible'])!r}"
    assert isinstance(e["failed_rule"], int) and not isinstance(e["failed_rule"], bool)
    assert e["failed_rule"] == rule, f"{where}: failed_rule {e['failed_rule']} != reference {rule} ({e['why']!r})"
    assert e["eligible"] == (rule == 0), f"{where}: eligible {e['eligible']}"
    assert isinstance(e["why"], str)
    if rule:
        assert e["why"].strip(), f"{where}: an ineligible pair needs a 'why'"
    sim, tg, pr, hp = model.components(u, v)
    for key, exp in (
        ("similarity", sim),
        ("tags", tg),
        ("proximity", pr),
        ("happiness", hp),
        ("score", model.score(u, v, spec.weights)),
    ):
        assert isinstance(e[key], float), f"{where}: {key} is {type(e[key])!r}"
        assert abs(e[key] - exp) <= TOL, f"{where}: {key} {e[key]!r} != reference {exp!r}"
    exp_channel = model.channel(u, v, spec.stage_gap)
    assert e["channel"] == exp_channel, f"{where}: channel {e['channel']!r} != {exp_channel!r}"
    shared = sorted(model.tags[u] & model.tags[v])
    assert sorted(t.lower() for t in e["shared_tags"]) == shared, (
        f"{where}: shared_tags {e['shared_tags']!r} != {shared}"
    )
    if u != v:
        mutual = len(set(model.graph[m]) & set(model.graph[p]))
        assert e["mutual_contacts"] == mutual, f"{where}: mutual_contacts {e['mutual_contacts']!r} != {mutual}"
        assert e["existing_contact"] is bool(model.graph.has_edge(m, p)), (
            f"{where}: existing_contact {e['existing_contact']!r}"
        )
    assert isinstance(e["reason"], str)
    if row is not None:
        # the single-pair path and the batch recommender give the same bits
        for key in ("score", "similarity", "tags", "proximity", "happiness", "channel", "reason"):
            assert e[key] == row[key], f"{where}: {key} {e[key]!r} != recommend row {row[key]!r}"


@pytest.mark.parametrize("seed", SEEDS)
def test_random_community_matches_reference(seed, tmp_path):
    spec = make_spec(seed)
    ctx = spec.describe()
    model = spec.model()
    ref_full = spec.reference(model)
    c_frames, c_csv = load_both(spec, tmp_path)
    assert len(c_frames) == spec.n and len(c_csv) == spec.n, ctx
    opts = spec.options()

    got_frames = er.recommend(c_frames, **opts)
    compare_recommendations(got_frames, model, ref_full, spec.k, f"from_frames {ctx}")
    got_csv = er.recommend(c_csv, **opts)
    compare_recommendations(got_csv, model, ref_full, spec.k, f"from_csv {ctx}")
    pd.testing.assert_frame_equal(got_frames, got_csv, check_exact=True, obj=f"from_frames vs from_csv ({ctx})")

    # determinism
    pd.testing.assert_frame_equal(er.recommend(c_frames, **opts), got_frames, check_exact=True)

    # proximity is aa / (1 + aa) with networkx's Adamic-Adar index
    rows = got_frames.to_dict("records")
    for row in rows[:60]:
        ((_, _, aa),) = nx.adamic_adar_index(model.graph, [(row["member"], row["peer"])])
        assert abs(row["proximity"] - aa / (1.0 + aa)) <= 1e-9, (
            f"{ctx}: proximity({row['member']!r}, {row['peer']!r}) = {row['proximity']!r}, "
            f"networkx adamic_adar_index {aa!r} -> {aa / (1 + aa)!r}"
        )

    # a list of members: grouped in the given order (members without
    # recommendations simply have no rows)
    rng = np.random.default_rng(seed)
    subset = [spec.ids[i] for i in rng.permutation(spec.n)[: min(9, spec.n)]]
    got = er.recommend(c_frames, member=subset, **opts)
    compare_recommendations(got, model, spec.reference(model, members=subset), spec.k, f"member list {ctx}")
    batch_rows = {}
    for row in rows:
        batch_rows.setdefault(row["member"], []).append(row)
    # one member: equal to that member's batch rows
    for m in subset[:4]:
        one = er.recommend(c_csv, member=m, **opts)
        check_schema(one, f"{ctx}: member={m!r}")
        assert one.to_dict("records") == batch_rows.get(m, []), f"{ctx}: member={m!r} differs from the batch"

    # explain: the recommended pairs, and random pairs (mostly ineligible)
    for row in rows[:12]:
        check_explain(c_frames, model, spec, model.index[row["member"]], model.index[row["peer"]], row, ctx)
    for _ in range(12):
        u, v = (int(x) for x in rng.integers(0, spec.n, size=2))
        if u != v:  # self-pairs: test_explain_self_pair
            check_explain(c_csv, model, spec, u, v, None, ctx)
    # pairs one stage apart that are ineligible for rules 2-5
    wanted = {2, 3, 4, 5}
    for u in range(spec.n):
        if not wanted:
            break
        for v in np.flatnonzero(model.stage_idx == model.stage_idx[u] + 1)[:40]:
            r = model.failed_rule(u, int(v), spec.min_satisfaction, spec.allow_existing, spec.stage_gap)
            if r in wanted:
                wanted.discard(r)
                check_explain(c_frames, model, spec, u, int(v), None, ctx)


def test_larger_community_matches_reference(tmp_path):
    """Large enough for full register blocks (groups of 4 members, panels of
    8 peers) and for the multi-threaded batch."""
    spec = make_spec(5005, n=1200, d=16)
    spec.k = 5
    model = spec.model()
    c_frames, c_csv = load_both(spec, tmp_path)
    got = er.recommend(c_frames, k=5, stage_gap=spec.stage_gap)
    spec.weights, spec.min_satisfaction, spec.allow_existing = None, None, False
    compare_recommendations(got, model, spec.reference(model), 5, f"large {spec.describe()}")
    pd.testing.assert_frame_equal(got, er.recommend(c_csv, k=5, stage_gap=spec.stage_gap), check_exact=True)
    # The seed draws a stage gap other than 1:1 for this community.
    assert spec.stage_gap == (2, 2), spec.stage_gap


def test_generator_covers_the_interesting_cases():
    seen = Counter()
    rows = 0
    for seed in SEEDS:
        spec = make_spec(seed)
        seen.update(n.split("=")[0] for n in spec.notes)
        seen["custom_journey" if isinstance(spec.journey_spec, dict) else "preset"] += 1
        seen["weights" if spec.weights else "default_weights"] += 1
        seen["min_sat" if spec.min_satisfaction is not None else "journey_min_sat"] += 1
        seen["allow_existing" if spec.allow_existing else "no_allow_existing"] += 1
        seen["no_features" if spec.d == 0 else "features"] += 1
        seen["missing_sat" if any(s is None for s in spec.sat) else "all_sat"] += 1
        seen["no_tags" if not spec.present["tags"] else "tags"] += 1
        for key, value in spec.style.items():
            seen[f"{key}={value}"] += 1
        rows += sum(len(v[: spec.k]) for v in spec.reference().values())
    for needed in (
        "custom_journey",
        "preset",
        "tie_groups",
        "parallel",
        "edges",
        "weights",
        "default_weights",
        "min_sat",
        "allow_existing",
        "no_allow_existing",
        "no_features",
        "features",
        "missing_sat",
        "no_tags",
        "tags",
        "features=array32",
        "features=array64",
        "features=columns64",
        "tags=list",
        "tags=str",
        "sat=float",
        "sat=Int64",
        "timestamp=datetime",
        "timestamp=iso",
        "index=shuffled",
        "index=ids",
        "journey_arg=object",
        "journey_arg=dict",
        "stage_gap",
    ):
        assert seen[needed], f"the seeds never produce {needed}: {sorted(seen)}"
    assert rows > 400, rows


def test_hand_computed_example():
    """Closed-form numbers (also a check of the reference itself)."""
    members = pd.DataFrame(
        {
            "id": ["p1", "i1", "i2", "i3", "i4", "i5", "c1", "x"],
            "stage": [
                "prospect",
                "interested",
                "interested",
                "interested",
                "interested",
                "interested",
                "new_customer",
                "loyal",
            ],
            "satisfaction": [None, 10, None, 6, 9, 9, 8, 8],
            "capacity": [None, None, 2, None, 0, None, None, None],
            "opted_out": [0, 0, 0, 0, 0, 1, 0, 0],
            "tags": ["k8s;sec", "k8s", "sec;ml", "k8s;sec", "k8s;sec", "k8s;sec", "", ""],
            "f_0": [1.0, 1, 0, 1, 1, 1, 0, 0],
            "f_1": [0.0, 1, 1, 0, 0, 0, 0, 0],
        }
    )
    inter = pd.DataFrame({"source": ["p1", "i1", "i2", "i2", "p1"], "target": ["x", "x", "x", "c1", "c1"]})
    c = er.Community.from_frames(members, inter)
    got = er.recommend(c)
    p1 = got[got["member"] == "p1"]
    assert list(p1["peer"]) == ["i1", "i2"]
    aa = 1 / math.log(3)
    exp_i1 = 0.5 / math.sqrt(2) + 0.15 * 0.5 + 0.25 * aa / (1 + aa) + 0.1
    aa2 = 1 / math.log(3) + 1 / math.log(2)
    exp_i2 = 0.15 / 3 + 0.25 * aa2 / (1 + aa2) + 0.05
    assert abs(p1["score"].iloc[0] - exp_i1) < 1e-12 and abs(p1["score"].iloc[1] - exp_i2) < 1e-12
    assert abs(p1["proximity"].iloc[1] - aa2 / (1 + aa2)) < 1e-12
    assert list(p1["channel"]) == ["private", "private"]
    assert list(p1["rank"]) == [1, 2]
    i1 = got[got["member"] == "i1"]
    assert list(i1["peer"]) == ["c1"] and list(i1["channel"]) == ["public"]
    assert (got["member"] == "i2").sum() == 0  # i2 already talked to c1
    assert list(got["member"].unique()) == ["p1", "i1", "i3", "i4", "c1"]
    # i5 is opted out: receives nothing; x is loyal and nobody is an advocate
    e = c.explain("p1", "i3")
    assert e["failed_rule"] == 3 and not e["eligible"]
    e = c.explain("p1", "i4")
    assert e["failed_rule"] == 4
    e = c.explain("p1", "i5")
    assert e["failed_rule"] == 2
    e = c.explain("i2", "c1")
    assert e["failed_rule"] == 5 and e["existing_contact"] is True
    e = c.explain("i2", "c1", allow_existing=True)
    assert e["failed_rule"] == 0 and e["eligible"] is True
    e = c.explain("p1", "c1")
    assert e["failed_rule"] == 1 and e["channel"] is None
    e = c.explain("x", "x")
    assert e["failed_rule"] in (1, 2) and not e["eligible"]
    e = c.explain("p1", "i3", min_satisfaction=6)
    assert e["eligible"] and e["mutual_contacts"] == 0 and sorted(e["shared_tags"]) == ["k8s", "sec"]
    e = c.explain("p1", "i2")
    assert e["mutual_contacts"] == 2 and e["shared_tags"] == ["sec"] and e["channel"] == "private"
    assert abs(e["score"] - exp_i2) < 1e-12


def test_explain_self_pair():
    """A member paired with themself is ineligible (rule 1 or 2) and every
    number of the explanation is still a number (no NaN / inf): the member's
    contacts include degree-1 neighbours, whose 1/ln(deg) is infinite."""
    members = pd.DataFrame(
        {
            "id": ["u", "v", "w", "z"],
            "stage": ["prospect", "interested", "interested", "loyal"],
            "f_0": [1.0, 1.0, 0.0, 1.0],
        }
    )
    inter = pd.DataFrame({"source": ["u", "u", "v"], "target": ["z", "w", "w"]})  # z has degree 1
    c = er.Community.from_frames(members, inter)
    for m in ("u", "v", "z"):
        e = c.explain(m, m)
        assert not e["eligible"] and e["failed_rule"] in (1, 2), e
        for key in ("score", "similarity", "tags", "proximity", "happiness"):
            assert math.isfinite(e[key]), f"explain({m!r}, {m!r}): {key} = {e[key]!r}"


def test_exact_ties_break_by_peer_id():
    peers = ["m9", "m7", "m10", "a-3", "m70", "\u00fcber", "Zed"]
    members = pd.DataFrame(
        {
            "id": ["u1"] + peers,
            "stage": ["prospect"] + ["interested"] * len(peers),
            "satisfaction": [None] + [9] * len(peers),
            "tags": ["k8s"] + ["k8s"] * len(peers),
            "f_0": [1.0] + [2.0] * len(peers),
            "f_1": [2.0] + [1.0] * len(peers),
        }
    )
    c = er.Community.from_frames(members)
    for k in (1, 3, 7):
        got = list(er.recommend(c, member="u1", k=k)["peer"])
        assert got == sorted(peers)[:k], got
    assert sorted(peers) == ["Zed", "a-3", "m10", "m7", "m70", "m9", "\u00fcber"]


def test_parallel_vectors_have_cosine_one():
    members = pd.DataFrame(
        {
            "id": ["M5", "x_8", "m319"],
            "stage": ["prospect", "interested", "interested"],
            "satisfaction": [9, 10, 10],
            "f_0": [-0.436973, -0.448858, -0.8132156205073131],
            "f_1": [0.0, 0.0, 0.0],
        }
    )
    got = er.recommend(er.Community.from_frames(members))
    assert list(got["peer"]) == ["m319", "x_8"]
    assert (got["similarity"] <= 1.0).all()


def test_weights_and_min_satisfaction_options():
    members = pd.DataFrame(
        {
            "id": ["u", "p_low", "p_hi"],
            "stage": ["prospect", "interested", "interested"],
            "satisfaction": [None, 3, 8],
            "tags": ["a", "a", None],
            "f_0": [1.0, 1.0, 0.0],
            "f_1": [0.0, 0.0, 1.0],
        }
    )
    c = er.Community.from_frames(members)
    assert list(er.recommend(c)["peer"]) == ["p_hi"]
    got = er.recommend(c, min_satisfaction=3)
    assert list(got["peer"]) == ["p_low", "p_hi"]
    assert abs(got["score"].iloc[0] - 0.68) < 1e-12 and abs(got["score"].iloc[1] - 0.08) < 1e-12
    got = er.recommend(c, min_satisfaction=3, weights={"similarity": 0, "tags": 0, "proximity": 0, "happiness": 2})
    assert list(got["peer"]) == ["p_hi", "p_low"]
    assert abs(got["score"].iloc[0] - 1.6) < 1e-12 and abs(got["score"].iloc[1] - 0.6) < 1e-12
    assert got["similarity"].iloc[1] == 1.0 and got["tags"].iloc[1] == 1.0  # components stay raw
    # a partial dict keeps the journey's other weights
    got = er.recommend(c, min_satisfaction=3, weights={"happiness": 2})
    assert abs(got.set_index("peer").loc["p_low", "score"] - (0.5 + 0.15 + 0.6)) < 1e-12
    assert abs(got.set_index("peer").loc["p_hi", "score"] - 1.6) < 1e-12
