"""Offline evaluation (er.evaluate, er.plot_evaluation, the CLI's `evaluate`)
against the independent reference of evaluation_reference.py: the replay
(who is in it, stages at T, targets, evaluated members, ceiling) in pandas,
the adamic_adar and degree rankings with networkx, the metrics from their
definitions and scikit-learn's ndcg_score, coverage and the Gini
coefficient from their textbook forms."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import engage_right as er
import evaluation_reference as ref
from cliutil import REPO, run  # noqa: E402

QC = REPO / "examples" / "data" / "quantumcomputing"
DAY = 86400.0
STAGES = ["prospect", "interested", "new_customer", "loyal", "advocate"]
ALL_METHODS = list(er._evaluate.METHODS)


def make_history(seed: int, n_range=(4, 45), *, created=None, stages=None, disabled_step=None):
    """A random community with dated interactions (whole and half days, so
    that times tie with each other and with the split), sometimes `created`
    times and a stage history."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(*n_range))
    ids = [f"{'ab'[int(rng.integers(2))]}{int(rng.integers(0, 60))}_{i}" for i in range(n)]
    members = pd.DataFrame(
        {
            "id": ids,
            "stage": rng.choice(STAGES, size=n),
            "satisfaction": np.where(rng.random(n) < 0.5, np.nan, rng.integers(0, 11, n)).astype(float),
            "capacity": np.where(rng.random(n) < 0.8, np.nan, rng.integers(0, 3, n)).astype(float),
            "opted_out": rng.random(n) < 0.05,
            "f_0": rng.integers(-2, 3, n).astype(float),
            "f_1": rng.integers(-2, 3, n).astype(float),
        }
    )
    if created if created is not None else rng.random() < 0.5:
        members["created"] = np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 100, n) * DAY)
    m = int(rng.integers(n, 6 * n))
    interactions = pd.DataFrame(
        {
            "source": rng.choice(ids, size=m),
            "target": rng.choice(ids, size=m),
            "timestamp": rng.integers(0, 100, m) * DAY + np.where(rng.random(m) < 0.5, 0.0, DAY / 2),
        }
    )
    st = None
    if stages if stages is not None else rng.random() < 0.5:
        e = int(rng.integers(0, 2 * n))
        st = pd.DataFrame(
            {
                "member": rng.choice(ids, size=e),
                "stage": rng.choice(STAGES, size=e),
                "timestamp": rng.integers(0, 100, e) * DAY,
            }
        )
    journey = ref.Journey(STAGES, [True] * 4)
    if disabled_step is not None:
        journey.enabled[disabled_step] = False
    split = float(rng.integers(20, 80)) * DAY
    return members, interactions, st, journey, split


def journey_arg(j: ref.Journey):
    steps = [
        {"from": j.stages[i], "to": j.stages[i + 1], "enabled": j.enabled[i], "channel": "public"}
        for i in range(len(j.stages) - 1)
    ]
    return {"name": "test", "stages": j.stages, "steps": steps}


def eligible_pool(r: ref.Replay, j: ref.Journey, evaluated, unrestricted: bool) -> set:
    if unrestricted:
        return {v for v in r.members.index if ref.is_peer(r, j, v)}
    out = set()
    for s in {r.stage[u] for u in evaluated}:
        if s + 1 < len(j.stages) and j.enabled[s]:
            out |= {v for v in r.members.index if r.stage[v] == s + 1 and ref.is_peer(r, j, v)}
    return out


def check_against_reference(res, members, interactions, st, j, split, horizon, ks, mrr_depth):
    end = math.inf if horizon is None else split + horizon * DAY
    r = ref.replay(members, interactions, st, j, split, end)
    a = res.attrs
    assert a["members_in_replay"] == len(r.stage)
    assert a["members_created_later"] == r.created_later
    assert a["members_not_yet_staged"] == r.not_yet_staged
    assert a["target_pairs"] == len(r.targets)
    targets = ref.targets_of(r)
    assert a["evaluated_members"] == len(targets)
    # Targets and the ceiling.
    tt = a["targets_table"]
    assert {(m, p) for m, p in zip(tt["member"], tt["peer"])} == {(u, v) for u, vs in targets.items() for v in vs}
    reach = {(u, v): ref.eligible(r, j, u, v) for u, vs in targets.items() for v in vs}
    assert list(tt["reachable"]) == [reach[(m, p)] for m, p in zip(tt["member"], tt["peer"])]
    n_targets = sum(len(v) for v in targets.values())
    assert a["targets"] == n_targets
    assert a["ceiling"] == pytest.approx(sum(reach.values()) / n_targets)
    assert a["ceiling_hit"] == pytest.approx(np.mean([any(reach[(u, v)] for v in vs) for u, vs in targets.items()]))
    # Evaluated members in input order.
    order = [i for i in members["id"] if i in targets]
    assert a["rankings"].groupby("method", sort=False).size().sum() == len(a["rankings"])
    depth = max(mrr_depth, max(ks))
    rk = a["rankings"]
    for method in res.index:
        lists = {u: [] for u in order}
        sub = rk[rk["method"] == method]
        for u, p in zip(sub["member"], sub["peer"]):
            lists[u].append(p)
        assert list(dict.fromkeys(sub["member"])) == [u for u in order if lists[u]]
        unrestricted = method.endswith("_unrestricted")
        for u in order:
            got = lists[u]
            assert len(set(got)) == len(got)
            assert all(ref.eligible(r, j, u, v, unrestricted) for v in got), (method, u)
            if method in ("adamic_adar", "degree", "adamic_adar_unrestricted", "degree_unrestricted"):
                keys = ref.ranking_keys(r, j, u, method)
                assert ref.same_ranking(got, keys, depth), (method, u, got, keys[:depth])
                if method.startswith("degree"):  # integer keys: ties are exact, so is the order
                    assert got == [v for _k, v in keys[:depth]]
            else:
                n_ok = sum(ref.eligible(r, j, u, v) for v in r.members.index)
                assert len(got) == min(depth, n_ok), (method, u)
        # Metrics from the definitions and scikit-learn.
        per = [ref.member_metrics(lists[u], targets[u], ks, mrr_depth) for u in order]
        for name in a["metrics"]:
            assert res.loc[method, name] == pytest.approx(np.mean([p[name] for p in per]), abs=1e-12), (method, name)
        # Coverage and Gini over the peers the method may draw from.
        pool = eligible_pool(r, j, order, unrestricted)
        counts = {v: 0 for v in pool}
        for u in order:
            for v in lists[u][: max(ks)]:
                counts[v] += 1
        assert res.loc[method, "eligible_peers"] == len(pool)
        if pool:
            assert res.loc[method, "coverage"] == pytest.approx(np.mean([c > 0 for c in counts.values()]))
            g = ref.gini(list(counts.values()))
            if math.isnan(g):
                assert math.isnan(res.loc[method, "gini"])
            else:
                assert res.loc[method, "gini"] == pytest.approx(g, abs=1e-12)
    return r


@pytest.mark.parametrize("seed", range(60))
def test_evaluate_matches_the_reference_on_random_histories(seed):
    members, interactions, st, j, split = make_history(seed, disabled_step=2 if seed % 7 == 3 else None)
    rng = np.random.default_rng(1000 + seed)
    horizon = None if seed % 2 else float(rng.integers(3, 40))
    ks = sorted({int(x) for x in rng.integers(1, 7, size=int(rng.integers(1, 4)))})
    mrr_depth = int(rng.integers(1, 15))
    methods = list(rng.permutation(ALL_METHODS))
    end = math.inf if horizon is None else split + horizon * DAY
    want = ref.replay(members, interactions, st, j, split, end)
    kwargs = dict(
        horizon_days=horizon,
        stages=st,
        k=ks,
        methods=methods,
        journey=journey_arg(j),
        mrr_depth=mrr_depth,
        bootstrap=40,
        seed=seed,
        rankings=True,
    )
    if not want.targets:
        with pytest.raises(ValueError, match="no member has a target"):
            er.evaluate(members, interactions, split, **kwargs)
        return
    res = er.evaluate(members, interactions, split, **kwargs)
    assert list(res.index) == methods
    check_against_reference(res, members, interactions, st, j, split, horizon, ks, mrr_depth)
    # Intervals cover the point estimates; paired differences are method
    # minus the first on the same resamples.
    diffs = res.attrs["differences"]
    for name in res.attrs["metrics"]:
        assert (res[f"{name}_low"] <= res[name] + 1e-12).all()
        assert (res[name] <= res[f"{name}_high"] + 1e-12).all()
        assert np.allclose(diffs[name], res[name] - res[name].iloc[0], atol=1e-12)
        assert (diffs[f"{name}_low"] <= diffs[name] + 1e-12).all()
        assert (diffs[name] <= diffs[f"{name}_high"] + 1e-12).all()
        assert diffs[f"{name}_low"].iloc[0] == 0 and diffs[f"{name}_high"].iloc[0] == 0


def test_every_target_counted_even_when_no_rule_allows_it():
    # A history whose only new contacts go left or skip stages: the ceiling
    # is 0 and every restricted method scores 0, the unrestricted ones not.
    members = pd.DataFrame({"id": ["p", "q", "l", "a"], "stage": ["prospect", "prospect", "loyal", "advocate"]})
    interactions = pd.DataFrame({"source": ["p", "q", "p"], "target": ["q", "l", "a"], "timestamp": [1.0, 10.0, 11.0]})
    res = er.evaluate(members, interactions, 5.0, k=3, methods=["degree", "degree_unrestricted"], bootstrap=0)
    assert res.attrs["ceiling"] == 0 and res.attrs["ceiling_hit"] == 0
    assert res.attrs["evaluated_members"] == 4 and res.attrs["targets"] == 4
    assert res.loc["degree", "hit@3"] == 0
    assert res.loc["degree_unrestricted", "hit@3"] > 0
    assert math.isnan(res.loc["degree", "hit@3_low"])


def test_thread_count_and_input_form_do_not_change_the_result(tmp_path):
    members, interactions, st, j, split = make_history(7, (60, 61), created=True, stages=True)
    kw = dict(stages=st, methods=ALL_METHODS, bootstrap=200, seed=3, journey=journey_arg(j), rankings=True)
    one = er.evaluate(members, interactions, split, threads=1, **kw)
    two = er.evaluate(members, interactions, split, threads=2, **kw)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    pd.testing.assert_frame_equal(one.attrs["rankings"], two.attrs["rankings"])
    pd.testing.assert_frame_equal(one.attrs["differences"], two.attrs["differences"], check_exact=True)
    # The same data as CSV files, created and timestamps as ISO-8601 text.
    iso = lambda s: pd.to_datetime(s, unit="s", utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    m = members.copy()
    m["created"] = iso(m["created"]).where(m["created"].notna(), "")
    m["satisfaction"] = m["satisfaction"].map(lambda v: "" if math.isnan(v) else str(int(v)))
    m["capacity"] = m["capacity"].map(lambda v: "" if math.isnan(v) else str(int(v)))
    m["opted_out"] = m["opted_out"].map(int)
    m.to_csv(tmp_path / "members.csv", index=False)
    i = interactions.assign(timestamp=iso(interactions["timestamp"]).where(interactions["timestamp"] % 1 == 0))
    i["timestamp"] = interactions["timestamp"].map(lambda t: f"{t:.0f}")
    i.to_csv(tmp_path / "interactions.csv", index=False)
    st.assign(timestamp=iso(st["timestamp"])).to_csv(tmp_path / "stages.csv", index=False)
    (tmp_path / "journey.json").write_text(json.dumps(journey_arg(j)))
    kw["stages"] = tmp_path / "stages.csv"
    files = er.evaluate(tmp_path / "members.csv", tmp_path / "interactions.csv", split, threads=2, **kw)
    pd.testing.assert_frame_equal(files, one, check_exact=True)
    # Datetimes in frames.
    m2 = members.assign(created=pd.to_datetime(members["created"], unit="s"))
    i2 = interactions.assign(timestamp=pd.to_datetime(interactions["timestamp"], unit="s", utc=True))
    kw["stages"] = st
    dt = er.evaluate(m2, i2, pd.Timestamp(split, unit="s"), **kw)
    pd.testing.assert_frame_equal(dt, one, check_exact=True)


def test_bootstrap_intervals_shrink_with_more_members():
    def width(n):
        members, interactions, _st, j, split = make_history(11, (n, n + 1), created=False, stages=False)
        res = er.evaluate(members, interactions, "50%", methods=["random", "degree"], bootstrap=400, seed=1)
        assert res.attrs["evaluated_members"] > n // 3
        return (res["hit@5_high"] - res["hit@5_low"]).to_numpy(), res.attrs["evaluated_members"]

    small, n_small = width(150)
    large, n_large = width(2400)
    assert n_large > 8 * n_small
    # The width goes as 1 / sqrt(members): about a quarter here.
    assert (large < 0.5 * small).all(), (small, large)


def test_the_scorer_hook_ranks_like_the_method_it_imitates():
    members, interactions, st, j, split = make_history(5, (40, 41), created=False, stages=False)
    r = ref.replay(members, interactions, None, j, split, math.inf)
    degree = {v: r.graph.degree(v) for v in r.graph.nodes}
    kw = dict(k=(3,), bootstrap=0, rankings=True, journey=journey_arg(j))
    hooked = er.evaluate(members, interactions, split, methods=["engage_right"], scorer=lambda u, v: degree[v], **kw)
    plain = er.evaluate(members, interactions, split, methods=["degree"], **kw)
    a, b = hooked.attrs["rankings"], plain.attrs["rankings"]
    assert list(zip(a["member"], a["peer"])) == list(zip(b["member"], b["peer"]))
    assert hooked["hit@3"].iloc[0] == plain["hit@3"].iloc[0]


def test_python_errors_are_clear():
    members, interactions, st, j, split = make_history(3, (30, 31), created=False, stages=False)
    with pytest.raises(ValueError, match=r"split_at: expected unix seconds, ISO-8601 .* got 'soon'"):
        er.evaluate(members, interactions, "soon")
    with pytest.raises(ValueError, match="split_at: expected a share of the interactions between 0% and 100%"):
        er.evaluate(members, interactions, "150%")
    with pytest.raises(ValueError, match="unknown evaluation method 'pagerank'"):
        er.evaluate(members, interactions, split, methods=["degree", "pagerank"])
    with pytest.raises(ValueError, match="methods: 'degree' is listed twice"):
        er.evaluate(members, interactions, split, methods="degree,degree")
    with pytest.raises(ValueError, match="no member has a target"):
        er.evaluate(members, interactions, 1000 * DAY)
    with pytest.raises(ValueError, match="k: cut-offs must be >= 1"):
        er.evaluate(members, interactions, split, k=[0, 5])
    with pytest.raises(ValueError, match="horizon_days must be > 0"):
        er.evaluate(members, interactions, split, horizon_days=0)
    bad = interactions.copy()
    bad.loc[3, "timestamp"] = np.nan
    with pytest.raises(ValueError, match="interactions row 3: timestamp: expected unix seconds or ISO-8601"):
        er.evaluate(members, bad, split)
    with pytest.raises(ValueError, match="missing required column 'timestamp'"):
        er.evaluate(members, interactions.drop(columns="timestamp"), split)
    stages = pd.DataFrame({"member": [members["id"][0], "nobody"], "stage": ["loyal", "loyal"], "timestamp": [1, 2]})
    with pytest.raises(ValueError, match='stages row 1: member: unknown member id "nobody"'):
        er.evaluate(members, interactions, split, stages=stages)
    m = members.assign(created=["2018-01-01"] * 29 + ["later"])
    with pytest.raises(ValueError, match="members row 29: created: expected unix seconds or ISO-8601"):
        er.evaluate(m, interactions, split)


# -- the CLI --------------------------------------------------------------------


def write_case(tmp_path: Path, seed: int):
    members, interactions, st, j, split = make_history(seed, (40, 41), created=True, stages=False)
    m = members.copy()
    m["created"] = m["created"].map(lambda v: "" if math.isnan(v) else f"{v:.0f}")
    m["satisfaction"] = m["satisfaction"].map(lambda v: "" if math.isnan(v) else str(int(v)))
    m["capacity"] = m["capacity"].map(lambda v: "" if math.isnan(v) else str(int(v)))
    m["opted_out"] = m["opted_out"].map(int)
    m.to_csv(tmp_path / "members.csv", index=False)
    interactions.to_csv(tmp_path / "interactions.csv", index=False)
    return members, interactions, split


def test_cli_json_csv_and_table_agree_with_python(cli, tmp_path):
    members, interactions, split = write_case(tmp_path, 21)
    args = ["evaluate", "--members", tmp_path / "members.csv", "--interactions", tmp_path / "interactions.csv"]
    args += ["--split-at", f"{split:.0f}", "--k", "2,4", "--methods", ",".join(ALL_METHODS), "--bootstrap", "300"]
    res = er.evaluate(members, interactions, split, k=(2, 4), methods=ALL_METHODS, bootstrap=300)
    out = json.loads(run(cli, *args, "--format", "json", check_exit=0).stdout)
    assert out["evaluated_members"] == res.attrs["evaluated_members"]
    assert out["ceiling"] == pytest.approx(res.attrs["ceiling"], abs=1e-15)
    assert out["split_at"] == res.attrs["split_at"].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert list(out["methods"]) == ALL_METHODS
    for method, values in out["methods"].items():
        for name in res.attrs["metrics"]:
            assert values[name] == pytest.approx(res.loc[method, name], abs=1e-15)
            assert values[f"{name}_ci"] == pytest.approx(
                [res.loc[method, f"{name}_low"], res.loc[method, f"{name}_high"]], abs=1e-15
            )
        assert values["coverage"] == pytest.approx(res.loc[method, "coverage"], abs=1e-15)
        assert values["gini"] == pytest.approx(res.loc[method, "gini"], abs=1e-15)
    assert out["baseline"] == ALL_METHODS[0]
    diffs = res.attrs["differences"]
    for method in ALL_METHODS[1:]:
        assert out["differences"][method]["hit@2"] == pytest.approx(diffs.loc[method, "hit@2"], abs=1e-15)
    csv = pd.read_csv(
        __import__("io").BytesIO(run(cli, *args, "--format", "csv", check_exit=0).stdout), index_col="method"
    )
    pd.testing.assert_frame_equal(csv, res, check_exact=False, atol=1e-6, check_dtype=False)
    table = run(cli, *args, check_exit=0).stdout.decode()
    assert "Ceiling: the hard rules allow" in table and "Paired differences against engage_right" in table


def test_cli_errors(cli, tmp_path):
    members, _i, _s = write_case(tmp_path, 22)
    a, b = members["id"][0], members["id"][1]
    base = ["evaluate", "--members", tmp_path / "members.csv", "--interactions", tmp_path / "interactions.csv"]
    cases = [
        (["--split-at", "tomorrow"], "option --split-at: expected unix seconds, ISO-8601"),
        (["--split-at", "0%"], "option --split-at: expected a share of the interactions"),
        (["--split-at", "50%", "--methods", "degree,magic"], "option --methods: unknown evaluation method 'magic'"),
        (["--split-at", "50%", "--k", "5,0"], "option --k: expected integers 1..1000000, got '0'"),
        (["--split-at", "2100-01-01"], "no member has a target"),
        (["--split-at", "50%", "--horizon-days", "0"], "option --horizon-days: expected a number of days > 0"),
        ([], "missing required option --split-at"),
    ]
    for extra, message in cases:
        p = run(cli, *base, *extra)
        assert p.returncode == 2, extra
        assert message in p.stderr.decode(), (extra, p.stderr.decode())
    (tmp_path / "undated.csv").write_text(f"source,target,timestamp\n{a},{b},5\n{a},{b},\n")
    p = run(cli, "evaluate", "--members", tmp_path / "members.csv", "--interactions", tmp_path / "undated.csv",
            "--split-at", "5")  # fmt: skip
    assert p.returncode == 2
    err = p.stderr.decode()
    assert "undated.csv:3:" in err and "timestamp: expected unix seconds or ISO-8601, got an empty field" in err
    (tmp_path / "nocol.csv").write_text("source,target\n")
    p = run(cli, "evaluate", "--members", tmp_path / "members.csv", "--interactions", tmp_path / "nocol.csv",
            "--split-at", "5")  # fmt: skip
    assert p.returncode == 2
    assert "missing required column 'timestamp' (evaluation replays history" in p.stderr.decode()


# -- real data ------------------------------------------------------------------


def test_quantum_computing_replay(cli):
    members = QC / "members.csv"
    interactions = QC / "interactions.csv"
    res = er.evaluate(members, interactions, "80%", methods=ALL_METHODS, bootstrap=200)
    a = res.attrs
    # The split leaves 20 % of the interactions (3288 rows) for the future.
    inter = pd.read_csv(interactions)
    t = pd.to_datetime(inter["timestamp"], utc=True)
    assert (t < a["split_at"]).sum() == int(0.8 * len(inter))
    assert a["interactions_before"] == int(0.8 * len(inter))
    assert 0 < a["ceiling"] < 0.5  # many new contacts are not one stage apart
    assert a["ceiling_hit"] <= 1
    # Methods under the rules cannot pass the ceiling; the unrestricted can.
    for m in ("engage_right", "adamic_adar", "degree", "random"):
        assert (res.loc[m, [f"hit@{k}" for k in a["k"]]] <= a["ceiling_hit"] + 1e-12).all()
        assert (res.loc[m, [f"recall@{k}" for k in a["k"]]] <= a["ceiling_recall"] + 1e-12).all()
    p = run(
        cli, "evaluate", "--members", members, "--interactions", interactions, "--split-at", "80%", "--bootstrap",
        "200", "--methods", ",".join(ALL_METHODS), "--format", "json", check_exit=0,
    )  # fmt: skip
    out = json.loads(p.stdout)
    assert out["methods"]["engage_right"]["hit@5"] == pytest.approx(res.loc["engage_right", "hit@5"])


def test_plot_evaluation():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = er.evaluate(QC / "members.csv", QC / "interactions.csv", "80%", bootstrap=100)
    ax = er.plot_evaluation(res)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["hit@5", "hit@10", "recall@10", "ndcg@10", "mrr"]
    assert len(ax.get_legend().get_texts()) == len(res) + 1  # methods and the ceiling
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="unknown metric 'hit@7'"):
        er.plot_evaluation(res, metrics=["hit@7"])
    with pytest.raises(ValueError, match="not an evaluation result"):
        er.plot_evaluation(pd.DataFrame())


def test_stage_gap_widens_every_restricted_method(tmp_path):
    """With stage_gap=(1, 2) a target two stages right becomes reachable: the
    ceiling counts it, and the CLI agrees with Python."""
    members = pd.DataFrame(
        {
            "id": ["p", "i", "n", "l"],
            "stage": ["prospect", "interested", "new_customer", "loyal"],
        }
    )
    inter = pd.DataFrame({"source": ["i", "p", "p"], "target": ["n", "n", "i"], "timestamp": [100.0, 200.0, 300.0]})
    narrow = er.evaluate(members, inter, 150, bootstrap=0, methods="degree")
    wide = er.evaluate(members, inter, 150, bootstrap=0, methods="degree", stage_gap=(1, 2))
    # Targets after T=150: p-n (two stages apart) and p-i (one apart), each
    # counted for both members: 4 (member, target) pairs, of which the rules
    # reach p->i at 1:1 and p->i, p->n at 1:2 (never n->p or i->p: left).
    assert narrow.attrs["targets"] == wide.attrs["targets"] == 4
    assert narrow.attrs["ceiling"] == pytest.approx(1 / 4)
    assert wide.attrs["ceiling"] == pytest.approx(2 / 4)
    with pytest.raises(ValueError, match="stage_gap"):
        er.evaluate(members, inter, 150, stage_gap=(2, 1))


def test_cli_model_and_fit_before_without_leakage(cli, tmp_path):
    """`evaluate --fit-before T1` equals `fit --split-at T1` then `evaluate
    --model`; the learned ranking changes only engage_right; a fit after the
    split time is refused; nothing dated at or after T1 reaches the model."""
    q = REPO / "examples" / "data" / "quantumcomputing"
    base = ["--members", q / "members.csv", "--interactions", q / "interactions.csv", "--split-at", "80%"]
    base += ["--methods", "engage_right,degree", "--bootstrap", "200", "--format", "json"]
    model = tmp_path / "model.json"
    fit = ["fit", "--members", q / "members.csv", "--interactions", q / "interactions.csv"]
    run(cli, *fit, "--split-at", "2018-06-01", "--out", model, check_exit=0)
    with_model = json.loads(run(cli, "evaluate", *base, "--model", model, check_exit=0).stdout)
    fitted_here = json.loads(run(cli, "evaluate", *base, "--fit-before", "2018-06-01", check_exit=0).stdout)
    plain = json.loads(run(cli, "evaluate", *base, check_exit=0).stdout)
    assert with_model["methods"] == fitted_here["methods"]
    assert with_model["methods"]["degree"] == plain["methods"]["degree"]
    assert with_model["methods"]["engage_right"] != plain["methods"]["engage_right"]
    # Interactions after T1 do not change the model: drop them all, same result.
    inter = pd.read_csv(q / "interactions.csv")
    t1 = pd.Timestamp("2018-06-01", tz="UTC")
    cut = inter[pd.to_datetime(inter["timestamp"], utc=True) < t1]
    cut_path = tmp_path / "before.csv"
    cut.to_csv(cut_path, index=False)
    model2 = tmp_path / "model2.json"
    run(cli, *fit[:-1], cut_path, "--split-at", "2018-06-01", "--out", model2, check_exit=0)
    assert json.loads(model.read_text())["coefficients"] == json.loads(model2.read_text())["coefficients"]
    err = run(cli, "evaluate", *base, "--fit-before", "2018-08-01", check_exit=2).stderr.decode()
    assert "--fit-before: must not be after --split-at" in err
    err = run(cli, "evaluate", *base, "--content", q / "content.csv", check_exit=2).stderr.decode()
    assert "--content: only used with --model or --fit-before" in err
    err = run(cli, "evaluate", *base, "--model", model, "--fit-before", "2018-06-01", check_exit=2).stderr.decode()
    assert "give one of them" in err


def test_python_model_equals_cli(cli, tmp_path):
    q = REPO / "examples" / "data" / "quantumcomputing"
    model = tmp_path / "model.json"
    run(
        cli,
        "fit",
        "--members",
        q / "members.csv",
        "--interactions",
        q / "interactions.csv",
        "--split-at",
        "2018-06-01",
        "--out",
        model,
        check_exit=0,
    )
    args = ["--members", q / "members.csv", "--interactions", q / "interactions.csv", "--split-at", "80%"]
    args += ["--methods", "engage_right", "--bootstrap", "0", "--format", "json", "--model", model]
    args += ["--content", q / "content.csv"]
    cli_hit = json.loads(run(cli, "evaluate", *args, check_exit=0).stdout)["methods"]["engage_right"]["hit@5"]
    py = er.evaluate(
        q / "members.csv",
        q / "interactions.csv",
        "80%",
        methods="engage_right",
        bootstrap=0,
        model=er.RankingModel.load(model),
        content=q / "content.csv",
    )
    assert py.loc["engage_right", "hit@5"] == pytest.approx(cli_hit, abs=1e-12)
    with pytest.raises(TypeError, match="model"):
        er.evaluate(q / "members.csv", q / "interactions.csv", "80%", model=3)
