"""Learned ranking: coefficients against scikit-learn and statsmodels on the
library's design matrix, feature values and labels against an independent
pandas/networkx computation, no leakage, model files, hard rules and
determinism with a model, the CLI."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import engage_right as er
from cliutil import REPO, run

QC = REPO / "examples" / "data" / "quantumcomputing"
#: The CLI options that read the Quantum Computing community.
QC_INPUTS = ("--members", QC / "members.csv", "--interactions", QC / "interactions.csv")
DAY = 86400.0
STAGES = ["prospect", "interested", "new_customer", "loyal", "advocate"]
FEATURES = er.RANKING_FEATURES


# ------------------------------------------------------------ data ---


def random_history(seed: int, n: int = 70, contacts: int = 420, items: int = 80):
    """Members (some created later), dated interactions over 100 days,
    content threads; ids are strings."""
    rng = np.random.default_rng(seed)
    ids = [f"m{i}" for i in range(n)]
    stage = rng.integers(0, 5, n)
    sat = np.where(rng.random(n) < 0.4, np.nan, rng.integers(0, 11, n).astype(float))
    cap = np.where(rng.random(n) < 0.8, np.nan, rng.integers(0, 3, n).astype(float))
    tags = [";".join(t for t in "abcd" if rng.random() < 0.3) for _ in range(n)]
    created = np.where(rng.random(n) < 0.2, rng.integers(0, 100, n) * DAY, np.nan)
    members = pd.DataFrame(
        {
            "id": ids,
            "stage": [STAGES[s] for s in stage],
            "satisfaction": sat,
            "capacity": cap,
            "opted_out": (rng.random(n) < 0.05).astype(int),
            "tags": tags,
            "created": created,
        }
    )
    for k in range(3):
        members[f"f_{k}"] = rng.integers(-2, 3, n).astype(float)
    src, dst = [], []
    for _ in range(contacts):
        a = int(rng.integers(0, n))
        b = int(rng.integers(0, n))
        for _ in range(20):
            if stage[b] == stage[a] + 1:
                break
            b = int(rng.integers(0, n))
        src.append(ids[a])
        dst.append(ids[b])
    inter = pd.DataFrame(
        {"source": src, "target": dst, "weight": 1.0, "timestamp": rng.integers(0, 100 * 24 * 3600, contacts) * 1.0}
    )
    cid = [f"p{i}" for i in range(items)]
    parent = ["" if i < 20 else cid[int(rng.integers(0, i))] for i in range(items)]
    content = pd.DataFrame(
        {
            "id": cid,
            "author": ["" if rng.random() < 0.1 else ids[int(rng.integers(0, n))] for _ in range(items)],
            "kind": ["question" if p == "" else "answer" for p in parent],
            "parent": parent,
            "created": rng.integers(0, 100, items) * DAY,
            "tags": "",
        }
    )
    return members, inter, content


def write(tmp: Path, members: pd.DataFrame, inter: pd.DataFrame, content: pd.DataFrame | None = None):
    m, i = tmp / "members.csv", tmp / "interactions.csv"
    members.astype({"satisfaction": "Int64", "capacity": "Int64"}).to_csv(m, index=False)
    inter.to_csv(i, index=False)
    if content is None:
        return m, i
    c = tmp / "content.csv"
    content.to_csv(c, index=False)
    return m, i, c


# ------------------------------------------------ independent reference ---


def reference_design(members, inter, content, split_at, horizon, half_life, min_sat=7, default_cap=3):
    """Features as of T0 and labels, computed with pandas and networkx only."""
    t0 = split_at - horizon * DAY
    alive = members[~(members["created"] >= t0)].set_index("id")
    ok = set(alive.index)
    hist = inter[(inter["timestamp"] < t0) & inter["source"].isin(ok) & inter["target"].isin(ok)]
    g = nx.Graph()
    g.add_nodes_from(ok)
    g.add_edges_from((a, b) for a, b in zip(hist["source"], hist["target"]) if a != b)
    stage = {u: STAGES.index(s) for u, s in alive["stage"].items()}

    def eligible(u, v):
        sv = alive.at[v, "satisfaction"]
        cv = alive.at[v, "capacity"]
        return (
            stage[v] == stage[u] + 1
            and not alive.at[u, "opted_out"]
            and not alive.at[v, "opted_out"]
            and (np.isnan(sv) or sv >= min_sat)
            and (default_cap if np.isnan(cv) else cv) > 0
            and not g.has_edge(u, v)
        )

    window = inter[(inter["timestamp"] >= t0) & (inter["timestamp"] < split_at)]
    positives = set()
    for a, b in zip(window["source"], window["target"]):
        if a in ok and b in ok and a != b:
            for u, v in ((a, b), (b, a)):
                if eligible(u, v):
                    positives.add((u, v))
    # Dated actions per member before T0 (self-contacts excluded).
    times = {u: [] for u in ok}
    for a, b, t in zip(hist["source"], hist["target"], hist["timestamp"]):
        if a != b:
            times[a].append(t)
            times[b].append(t)
    # Threads: the root of every item's parent chain.
    parent = dict(zip(content["id"], content["parent"]))

    def root(x):
        while parent[x]:
            x = parent[x]
        return x

    early = content[(content["created"] < t0) & content["author"].isin(ok)]
    threads = {u: set() for u in ok}
    for item, author in zip(early["id"], early["author"]):
        threads[author].add(root(item))
    feats = alive[[f"f_{k}" for k in range(3)]]

    def features(u, v):
        a, b = feats.loc[u].to_numpy(), feats.loc[v].to_numpy()
        na, nb = np.linalg.norm(a), np.linalg.norm(b)
        sim = 0.0 if na == 0 or nb == 0 else float(a @ b / (na * nb))
        tu = set(filter(None, alive.at[u, "tags"].split(";"))) if isinstance(alive.at[u, "tags"], str) else set()
        tv = set(filter(None, alive.at[v, "tags"].split(";"))) if isinstance(alive.at[v, "tags"], str) else set()
        jac = len(tu & tv) / len(tu | tv) if tu | tv else 0.0
        aa = sum(p for _, _, p in nx.adamic_adar_index(g, [(u, v)]))
        sv = alive.at[v, "satisfaction"]
        happy = 0.5 if np.isnan(sv) else sv / 10
        ts = np.array(times[v])
        act = float(np.sum(2.0 ** (-(t0 - ts) / (half_life * DAY)))) if ts.size else 0.0
        idle = min(365.0, (t0 - ts.max()) / DAY) if ts.size else 365.0
        return [
            sim,
            jac,
            aa / (1 + aa),
            happy,
            math.log1p(g.degree(v)),
            math.log1p(act),
            math.log1p(idle),
            math.log1p(len(threads[u] & threads[v])),
        ]

    return positives, eligible, features


# ------------------------------------------------------------ tests ---


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_design_matches_independent_features_and_labels(seed):
    members, inter, content = random_history(seed)
    split, horizon, half_life = 85 * DAY, 30.0, 20.0
    d = er.ranking_design(members, inter, split, horizon_days=horizon, content=content, half_life_days=half_life)
    positives, eligible, features = reference_design(members, inter, content, split, horizon, half_life)
    assert list(d.columns) == ["member", "peer", "label"] + FEATURES
    assert {(u, v) for u, v, y in zip(d["member"], d["peer"], d["label"]) if y} == positives
    assert len(positives) > 0
    got = d[FEATURES].to_numpy()
    for i, (u, v) in enumerate(zip(d["member"], d["peer"])):
        assert eligible(u, v)
        np.testing.assert_allclose(got[i], features(u, v), rtol=1e-12, atol=1e-12)
    # Members with a positive each add at most `negatives` negatives.
    neg = d[d["label"] == 0].groupby("member").size()
    assert (neg <= 50).all()
    assert set(d["member"]) == {u for u, _ in positives}


def test_frames_and_files_give_the_same_design(tmp_path):
    members, inter, content = random_history(8)
    paths = write(tmp_path, members, inter, content)
    a = er.ranking_design(members, inter, 80 * DAY, content=content)
    b = er.ranking_design(*paths[:2], 80 * DAY, content=paths[2])
    pd.testing.assert_frame_equal(a, b)


def _standardised(design: pd.DataFrame, model: er.RankingModel):
    X = design[model.features].to_numpy()
    mean, sd = X.mean(axis=0), X.std(axis=0)
    used = X.max(axis=0) > X.min(axis=0)
    np.testing.assert_allclose(model.mean[used], mean[used], rtol=1e-12)
    np.testing.assert_allclose(model.scale[used], sd[used], rtol=1e-12)
    return (X[:, used] - mean[used]) / sd[used], used


@pytest.mark.parametrize("l2", [1.0, 0.25])
def test_coefficients_equal_scikit_learn(l2):
    from sklearn.linear_model import LogisticRegression

    model = er.fit_ranking(QC / "members.csv", QC / "interactions.csv", "2018-07-15", horizon_days=60, l2=l2)
    Z, used = _standardised(model.design, model)
    y = model.design["label"].to_numpy()
    # The default penalty is L2 (scikit-learn 1.8 deprecates naming it).
    sk = LogisticRegression(C=1 / l2, fit_intercept=True, solver="lbfgs", tol=1e-12, max_iter=10000)
    sk.fit(Z, y)
    np.testing.assert_allclose(model.coefficients.to_numpy()[used], sk.coef_[0], rtol=1e-5, atol=1e-6)
    assert model.intercept == pytest.approx(sk.intercept_[0], rel=1e-5, abs=1e-6)
    assert (model.coefficients.to_numpy()[~used] == 0).all()  # happiness is constant here
    assert model.training["converged"]


def test_coefficients_equal_statsmodels_unpenalised():
    import statsmodels.api as sm

    model = er.fit_ranking(QC / "members.csv", QC / "interactions.csv", "2018-07-15", horizon_days=60, l2=0.0)
    Z, used = _standardised(model.design, model)
    y = model.design["label"].to_numpy()
    res = sm.Logit(y, sm.add_constant(Z)).fit(disp=0, method="newton", tol=1e-12, maxiter=200)
    np.testing.assert_allclose(model.coefficients.to_numpy()[used], res.params[1:], rtol=1e-7, atol=1e-9)
    assert model.intercept == pytest.approx(res.params[0], rel=1e-7, abs=1e-9)
    assert model.training["log_likelihood"] == pytest.approx(res.llf, rel=1e-9)


def test_no_leakage_changes_after_the_cut_do_not_matter():
    members, inter, content = random_history(11)
    split = 75 * DAY
    base = er.fit_ranking(members, inter, split, content=content)
    rng = np.random.default_rng(0)
    late = inter["timestamp"] >= split
    for _ in range(5):
        changed = inter.copy()
        changed.loc[late, "target"] = rng.choice(members["id"], late.sum())
        changed.loc[late, "timestamp"] = split + rng.random(late.sum()) * 40 * DAY
        extra = pd.DataFrame(
            {
                "source": rng.choice(members["id"], 20),
                "target": rng.choice(members["id"], 20),
                "weight": 1.0,
                "timestamp": split + rng.random(20) * DAY,
            }
        )
        c2 = content.copy()
        c2.loc[c2["created"] >= split - 30 * DAY, "created"] += 5 * DAY
        m = er.fit_ranking(members, pd.concat([changed, extra], ignore_index=True), split, content=c2)
        np.testing.assert_array_equal(m.coefficients.to_numpy(), base.coefficients.to_numpy())
        assert m.intercept == base.intercept
        pd.testing.assert_frame_equal(m.design, base.design)


def test_model_file_round_trip_and_malformed_files(tmp_path):
    model = er.fit_ranking(QC / "members.csv", QC / "interactions.csv", "2018-07-15", horizon_days=60)
    path = tmp_path / "model.json"
    model.save(path)
    back = er.RankingModel.load(path)
    pd.testing.assert_series_equal(back.coefficients, model.coefficients)
    assert back.intercept == model.intercept
    assert back.to_json() == model.to_json()
    doc = json.loads(path.read_text())
    assert doc["version"] == 1 and doc["features"] == model.features
    assert doc["training"]["split_at"] == "2018-07-15T00:00:00Z"
    cases = [
        (lambda d: d.update(version=7), "$.version"),
        (lambda d: d["coefficients"].__setitem__(2, "x"), "$.coefficients[2]: expected a finite number, got a string"),
        (lambda d: d["coefficients"].pop(), "$.coefficients: expected 7 numbers"),
        (lambda d: d["features"].__setitem__(0, "age"), "$.features[0]: unknown ranking feature 'age'"),
        (lambda d: d.pop("intercept"), '$: missing key "intercept"'),
        (
            lambda d: d["standardisation"]["scale"].__setitem__(1, 0),
            "$.standardisation.scale[1]: expected a number > 0",
        ),
        (lambda d: d.update(half_life_days="30"), "$.half_life_days: expected a finite number, got a string"),
    ]
    for edit, message in cases:
        d = json.loads(path.read_text())
        edit(d)
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(d))
        with pytest.raises(ValueError) as e:
            er.RankingModel.load(bad)
        assert str(e.value).startswith(f"{bad}: "), str(e.value)
        assert message in str(e.value)


def _check_hard_rules(c: er.Community, members: pd.DataFrame, pairs: pd.DataFrame, now_edges: set):
    m = members.set_index("id")
    for u, v in zip(pairs["member"], pairs["peer"]):
        assert STAGES.index(m.at[v, "stage"]) == STAGES.index(m.at[u, "stage"]) + 1
        assert not m.at[u, "opted_out"] and not m.at[v, "opted_out"]
        assert np.isnan(m.at[v, "satisfaction"]) or m.at[v, "satisfaction"] >= 7
        assert (3 if np.isnan(m.at[v, "capacity"]) else m.at[v, "capacity"]) > 0
        assert frozenset((u, v)) not in now_edges


@pytest.mark.parametrize("seed", range(6))
def test_recommend_and_match_with_a_model_keep_the_hard_rules(seed):
    members, inter, content = random_history(seed, n=60)
    try:
        model = er.fit_ranking(members, inter, 90 * DAY, content=content, negatives=8)
    except ValueError:
        pytest.skip("no positive pair in this small history")
    members = members.drop(columns=["created"])
    c = er.Community.from_frames(members, inter)
    edges = {frozenset((a, b)) for a, b in zip(inter["source"], inter["target"])}
    recs = er.recommend(c, k=4, model=model, content=content, threads=1)
    _check_hard_rules(c, members, recs, edges)
    # Scores are the model's probability of the pair's features (numpy).
    for u, v, s in zip(recs["member"], recs["peer"], recs["score"]):
        x = er.ranking_features(c, u, v, model, content=content)
        z = (np.array([x[f] for f in model.features]) - model.mean.to_numpy()) / model.scale.to_numpy()
        eta = model.intercept + float(model.coefficients.to_numpy() @ z)
        assert s == pytest.approx(1 / (1 + math.exp(-eta)), rel=1e-12)
    # Best first within each member; the same with other thread counts.
    for _, g in recs.groupby("member"):
        assert (np.diff(g["score"].to_numpy()) <= 1e-15).all()
    for t in (2, 4):
        pd.testing.assert_frame_equal(er.recommend(c, k=4, model=model, content=content, threads=t), recs)
    plan = er.match(c, model=model, content=content, per_member=2)
    _check_hard_rules(c, members, plan, edges)
    assert ((plan["score"] > 0) & (plan["score"] < 1)).all()
    seats = plan.groupby("peer").size()
    cap = members.set_index("id")["capacity"].fillna(3)
    assert (seats <= cap[seats.index]).all()
    # explain() agrees with recommend() on the score and the reason.
    first = recs.iloc[0]
    e = c.explain(first["member"], first["peer"], model=model, content=content)
    assert e["eligible"] and e["score"] == first["score"] and e["reason"] == first["reason"]
    # A model with co_participation needs content.
    with pytest.raises(ValueError, match="co_participation"):
        er.recommend(c, model=model)


def test_fit_is_the_same_whatever_the_thread_count():
    members, inter, content = random_history(13, n=150, contacts=1200)
    a = er.fit_ranking(members, inter, 85 * DAY, content=content, threads=1)
    for t in (2, 3):
        b = er.fit_ranking(members, inter, 85 * DAY, content=content, threads=t)
        pd.testing.assert_frame_equal(a.design, b.design)
        np.testing.assert_array_equal(a.coefficients.to_numpy(), b.coefficients.to_numpy())


def test_fit_errors():
    members, inter, _ = random_history(3)
    with pytest.raises(ValueError, match="no eligible pair had its first contact"):
        er.fit_ranking(members, inter, 0.0)
    bad = inter.copy()
    bad["timestamp"] = bad["timestamp"].astype(object)
    bad.loc[4, "timestamp"] = None
    with pytest.raises(ValueError, match="interactions row 4: a timestamp is required"):
        er.fit_ranking(members, bad, 80 * DAY)
    with pytest.raises(ValueError, match="horizon_days"):
        er.fit_ranking(members, inter, 80 * DAY, horizon_days=-1)
    m2 = members.copy()
    m2["created"] = m2["created"].astype(object)
    m2.loc[0, "created"] = "soon"
    with pytest.raises(
        ValueError, match=r"members row 0: created: expected unix seconds or ISO-8601 .* or empty, got 'soon'"
    ):
        er.fit_ranking(m2, inter, 80 * DAY)


def test_read_content_and_its_errors(tmp_path):
    p = tmp_path / "content.csv"
    p.write_text(
        "id,author,kind,parent,created,tags,score\n"
        "q,ann,question,,2026-01-01,a;B,3\n"
        "x,bob,answer,q,2026-01-02,,\n"
        "y,,comment,x,2026-01-03,,1\n"
    )
    df = er.read_content(p)
    assert df["thread"].tolist() == ["q", "q", "q"]
    assert df["parent"].isna().tolist() == [True, False, False]
    assert df["parent"][1:].tolist() == ["q", "x"]
    assert df["tags"].tolist() == ["a;b", "", ""]
    assert np.isnan(df["score"][1])
    p.write_text("id,author,kind,parent,created,tags\nq,ann,question,zz,2026-01-01,\n")
    with pytest.raises(ValueError) as e:
        er.read_content(p)
    assert str(e.value) == f'{p}:2:16: parent: unknown content id "zz" (not in the content)'


def test_cli_fit_matches_python_and_feeds_recommend(tmp_path, cli):
    model_path, design_path = tmp_path / "model.json", tmp_path / "design.csv"
    args = [*QC_INPUTS, "--split-at", "2018-07-15"]
    proc = run(
        cli,
        "fit",
        *args,
        "--horizon-days",
        "60",
        "--out",
        model_path,
        "--design-out",
        design_path,
        "--format",
        "csv",
        "--threads",
        "1",
        check_exit=0,
    )
    assert b"training pairs" in proc.stderr
    table = pd.read_csv(pd.io.common.StringIO(proc.stdout.decode()))
    assert table.columns.tolist() == ["feature", "coefficient", "mean", "scale"]
    py = er.fit_ranking(QC / "members.csv", QC / "interactions.csv", "2018-07-15", horizon_days=60)
    assert er.RankingModel.load(model_path).to_json() == py.to_json()
    design = pd.read_csv(design_path, dtype={"member": str, "peer": str})
    pd.testing.assert_frame_equal(design, py.design, check_dtype=False, rtol=1e-15)
    out = run(
        cli,
        "recommend",
        *QC_INPUTS,
        "--model",
        model_path,
        "--format",
        "csv",
        "--top",
        "3",
        check_exit=0,
    )
    rows = pd.read_csv(pd.io.common.StringIO(out.stdout.decode()), dtype={"member": str, "peer": str})
    c = er.Community.from_csv(QC / "members.csv", QC / "interactions.csv")
    ref = er.recommend(c, k=3, model=py)
    assert rows["peer"].tolist() == ref["peer"].tolist()
    np.testing.assert_allclose(rows["score"], ref["score"], atol=5e-7)
    assert rows["reason"].tolist() == ref["reason"].tolist()
    out = run(
        cli,
        "match",
        *QC_INPUTS,
        "--model",
        model_path,
        "--format",
        "csv",
        check_exit=0,
    )
    assert out.stdout.startswith(b"member,member_stage,peer")
    # Errors: a malformed model, a missing --split-at, content without model.
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "engage-right ranking model", "version": 1, "features": 3}')
    err = run(cli, "recommend", "--members", QC / "members.csv", "--model", bad, check_exit=2)
    assert f"{bad}: $.features: expected a non-empty array".encode() in err.stderr
    run(cli, "fit", *QC_INPUTS, check_exit=2)
    err = run(cli, "recommend", "--members", QC / "members.csv", "--content", bad, check_exit=2)
    assert b"only used with --model" in err.stderr
    help_text = run(cli, "fit", "--help", check_exit=0).stdout
    assert b"--split-at" in help_text and b"--horizon-days" in help_text


def test_cli_fit_content_errors(tmp_path, cli):
    members, inter, content = random_history(2)
    m, i, cpath = write(tmp_path, members, inter, content)
    fit_args = ("fit", "--members", m, "--interactions", i, "--content", cpath, "--split-at", str(80 * DAY))
    run(cli, *fit_args, "--out", tmp_path / "m.json", check_exit=0)
    cpath.write_text("id,author,kind,parent,created,tags\np1,m1,question,,later,\n")
    err = run(cli, *fit_args, check_exit=2)
    assert f"{cpath}:2:17: created: expected unix seconds or ISO-8601".encode() in err.stderr
    assert os.path.exists(tmp_path / "m.json")


#: (column, bad cell, the message after the position): {q} stands for the
#: quote around a shown value, ' in a frame's message and " in a file's.
CONTENT_CELL_CASES = [
    ("score", "x", "score: expected a finite number or empty, got {q}x{q}"),
    ("accepted", "maybe", "accepted: expected 1, 0, true, false or empty, got {q}maybe{q}"),
    ("parent", "nowhere", "parent: unknown content id {q}nowhere{q} (not in the content)"),
    ("kind", "", "kind: expected the kind of item (question, answer, comment, ...), got an empty field"),
]


@pytest.mark.parametrize("column, bad, expected", CONTENT_CELL_CASES)
def test_content_frames_and_files_share_the_rules(tmp_path, column, bad, expected):
    members, inter, content = random_history(6)
    content = content.astype({"created": float})
    content["score"] = "1"
    content["accepted"] = "0"
    content.loc[3, column] = bad
    with pytest.raises(ValueError) as frame_error:
        er.ranking_design(members, inter, 80 * DAY, content=content)
    assert str(frame_error.value) == "content row 3: " + expected.format(q="'")
    path = tmp_path / "content.csv"
    content.to_csv(path, index=False)
    with pytest.raises(ValueError) as file_error:
        er.read_content(path)
    message = str(file_error.value)
    assert message.startswith(f"{path}:5:") and message.endswith(expected.format(q='"'))
