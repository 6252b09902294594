"""Uplift from history (er.estimate_uplift, er.logistic_regression, the CLI's
`learn`) against independent references: statsmodels Logit for the
regressions, and a person-period windowing written here in plain Python from
the raw CSV files."""

from __future__ import annotations

import bisect
import json
import math
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm  # noqa: E402  (requirements-dev.txt)

import engage_right as er
from cliutil import REPO, run  # noqa: E402

QC = REPO / "examples" / "data" / "quantumcomputing"
Z = 1.959964
STAGES4 = ["lead", "trial", "customer", "champion"]
JOURNEY4 = {"name": "four", "stages": STAGES4}


# -- logistic regression against statsmodels ----------------------------------


def _statsmodels_fit(X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # separation / non-convergence warnings: skip the design
        try:
            r = sm.Logit(y, X).fit(disp=0)
        except Exception:
            return None
    return r if r.mle_retvals["converged"] else None


def test_logistic_regression_equals_statsmodels_on_random_designs():
    rng = np.random.default_rng(20240601)
    compared = 0
    for _trial in range(60):
        n = int(rng.integers(40, 2500))
        k = int(rng.integers(0, 4))  # covariates besides the intercept and a binary treatment
        treated = (rng.random(n) < rng.uniform(0.05, 0.6)).astype(float)
        cols = [np.ones(n), treated]
        for _ in range(k):
            cols.append(
                rng.normal(rng.uniform(-2, 2), rng.uniform(0.2, 3), n)
                if rng.random() < 0.7
                else rng.poisson(rng.uniform(0.5, 4), n).astype(float)
            )
        X = np.column_stack(cols)
        beta = rng.normal(0, 0.6, X.shape[1])
        beta[0] = rng.uniform(-4.5, 1.0)  # down to ~1% positives: imbalanced outcomes
        eta = X @ beta
        y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
        ref = _statsmodels_fit(X, y)
        if ref is None:
            continue
        got = er.logistic_regression(X, y)
        assert got.converged and not got.separation
        np.testing.assert_allclose(got.params, ref.params, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(got.bse, ref.bse, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(got.cov, ref.cov_params(), rtol=1e-6, atol=1e-6)
        assert got.llf == pytest.approx(ref.llf, rel=1e-9, abs=1e-9)
        compared += 1
    assert compared >= 45


def test_logistic_regression_accepts_frames_and_flags_separation():
    X = pd.DataFrame({"const": 1.0, "x": [0, 0, 0, 1, 1, 1, 1]})
    y = pd.Series([0, 1, 0, 1, 1, 1, 1])  # every x = 1 succeeds
    r = er.logistic_regression(X, y)
    assert r.separation and not r.converged
    with pytest.raises(ValueError, match="full column rank"):
        er.logistic_regression(np.column_stack([np.ones(4), [1, 2, 3, 4], [2, 4, 6, 8]]), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        er.logistic_regression(np.ones((3, 1)), [0, 2, 1])
    with pytest.raises(ValueError, match="not finite"):
        er.logistic_regression(np.array([[1.0], [np.nan]]), [0, 1])


# -- an independent windowing -------------------------------------------------


def _seconds(col: pd.Series) -> np.ndarray:
    text = col.astype(str).str.strip()
    numeric = pd.to_numeric(text, errors="coerce")
    if numeric.notna().all():
        return numeric.to_numpy(dtype=float)
    parsed = pd.to_datetime(text, utc=True, format="ISO8601").dt.tz_localize(None)
    ns = parsed.to_numpy(dtype="datetime64[ns]").view(np.int64)
    whole = ns // 10**9
    return whole.astype(float) + (ns - whole * 10**9) / 1e9


def reference_windows(interactions: Path, stages: Path, stage_names, window_days, origin=None, activity=None):
    """Person-period windows from the raw CSV files, straight from the
    definition in docs/uplift.md. Returns a DataFrame (member, step, k,
    contacts, advanced[, activity]) and the grid."""
    st = pd.read_csv(stages, dtype=str, keep_default_na=False)
    it = pd.read_csv(interactions, dtype=str, keep_default_na=False)
    index = {n.lower(): i for i, n in enumerate(stage_names)}
    S = len(stage_names)
    entries = defaultdict(list)
    for m, s, t in zip(st["member"], st["stage"], _seconds(st["timestamp"])):
        entries[m].append((t, index[s.strip().lower()]))
    times, levels = {}, {}
    for m, lst in entries.items():
        lst.sort()
        times[m] = [t for t, _ in lst]
        levels[m] = [s for _, s in lst]

    def stage_at(m, t):
        ts = times.get(m)
        if ts is None:
            return None
        i = bisect.bisect_right(ts, t)
        return None if i == 0 else levels[m][i - 1]

    contacts = defaultdict(list)
    it_times = _seconds(it["timestamp"])
    for a, b, t in zip(it["source"], it["target"], it_times):
        if a == b:
            continue
        contacts[a].append((t, b))
        contacts[b].append((t, a))
    all_stage_times = [t for lst in entries.values() for t, _ in lst]
    data_end = max(max(all_stage_times), max(it_times) if len(it_times) else -math.inf)
    o = min(all_stage_times) if origin is None else origin
    W = window_days * 86400.0
    K = 0
    while o + (K + 1) * W <= data_end:
        K += 1
    rows = []
    for m in entries:
        for k in range(K):
            start, end = o + k * W, o + (k + 1) * W
            s = stage_at(m, start)
            if s is None or s == S - 1:
                continue
            outcome = None
            for t, lvl in entries[m]:
                if start <= t < end and lvl > s:
                    outcome = t
                    break
            stop = end if outcome is None else outcome
            c = sum(1 for t, p in contacts[m] if start <= t < stop and stage_at(p, t) == s + 1)
            row = {"member": m, "step": s, "k": k, "contacts": c, "advanced": outcome is not None}
            if activity is not None:
                row["activity"] = activity[m]
            rows.append(row)
    return (
        pd.DataFrame(
            rows,
            columns=["member", "step", "k", "contacts", "advanced"] + (["activity"] if activity is not None else []),
        ),
        o,
        data_end,
    )


def reference_steps(windows: pd.DataFrame, stage_count: int, covariates=()):
    """Per step: counts, rates, and the statsmodels fit with the lift formula."""
    out = []
    for s in range(stage_count - 1):
        w = windows[windows["step"] == s]
        treated = (w["contacts"] > 0).to_numpy()
        adv = w["advanced"].to_numpy(dtype=bool)
        r = {
            "windows": len(w),
            "members": w["member"].nunique(),
            "treated": int(treated.sum()),
            "advanced": int(adv.sum()),
            "treated_advanced": int((adv & treated).sum()),
        }
        r["base_rate"] = adv[~treated].mean() if (~treated).any() else math.nan
        r["treated_rate"] = adv[treated].mean() if treated.any() else math.nan
        r["mean_contacts"] = w["contacts"].to_numpy()[treated].mean() if treated.any() else math.nan
        r["fit"] = None
        if 0 < treated.sum() < len(w):
            cols = [np.ones(len(w)), treated.astype(float)]
            for c in covariates:
                cols.append(w[c].to_numpy(dtype=float))
            X = np.column_stack(cols)
            if np.linalg.matrix_rank(X) == X.shape[1]:
                r["fit"] = _statsmodels_fit(X, adv.astype(float))
                r["X"] = X
        out.append(r)
    return out


def _softplus(x):
    return math.log1p(math.exp(x)) if x < 30 else x + math.log1p(math.exp(-x))


def _sigmoid(x):
    return 1 / (1 + math.exp(-x))


def check_against_reference(df: pd.DataFrame, ref, covariates=(), round_days=None, window_days=30):
    assert len(df) == len(ref)
    fitted = 0
    for row, r in zip(df.itertuples(index=False), ref):
        d = row._asdict()
        for key in ("windows", "members", "treated", "advanced", "treated_advanced"):
            assert d[key] == r[key], key
        for key in ("base_rate", "treated_rate", "mean_contacts"):
            if math.isnan(r[key]):
                assert math.isnan(d[key]), key
            else:
                assert d[key] == pytest.approx(r[key], rel=1e-12), key
        fit = r["fit"]
        if d["status"] != "ok":
            assert math.isnan(d["odds_ratio"]) and math.isnan(d["lift"])
            assert fit is None or d["status"] in ("separation", "not_converged")
            continue
        assert fit is not None, "statsmodels could not fit a step that the library fitted"
        b, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
        se1 = math.sqrt(cov[1, 1])
        assert d["odds_ratio"] == pytest.approx(math.exp(b[1]), rel=1e-6)
        assert d["odds_ratio_low"] == pytest.approx(math.exp(b[1] - Z * se1), rel=1e-6)
        assert d["odds_ratio_high"] == pytest.approx(math.exp(b[1] + Z * se1), rel=1e-6)
        assert d["p_value"] == pytest.approx(float(fit.pvalues[1]), rel=1e-5, abs=1e-9)
        # p0, p1 at x0 = [1, 0, 0, mean activity], x1 = [1, 1, m, mean activity].
        X = r["X"]
        x0, x1 = np.zeros(X.shape[1]), np.zeros(X.shape[1])
        x0[0] = x1[0] = x1[1] = 1
        for j, c in enumerate(covariates, start=2):
            if c == "contacts":
                x1[j] = r["mean_contacts"]
            else:
                x0[j] = x1[j] = X[:, j].mean()
        m = r["mean_contacts"]
        e0, e1 = x0 @ b, x1 @ b
        lift = (_softplus(e1) - _softplus(e0)) / m
        g = (_sigmoid(e1) * x1 - _sigmoid(e0) * x0) / m
        half = Z * math.sqrt(g @ cov @ g)
        assert d["base"] == pytest.approx(_softplus(e0), rel=1e-6)
        assert d["lift"] == pytest.approx(lift, rel=1e-6, abs=1e-9)
        assert d["lift_low"] == pytest.approx(lift - half, rel=1e-6, abs=1e-9)
        assert d["lift_high"] == pytest.approx(lift + half, rel=1e-6, abs=1e-9)
        if round_days is not None:
            assert d["base_round"] == pytest.approx(_softplus(e0) * round_days / window_days, rel=1e-6)
        else:
            assert math.isnan(d["base_round"])
        assert d["converged"]
        fitted += 1
    return fitted


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A random history: 500 members over 300 days, advances more likely
    after contacts one stage to the right, integer unix-second times."""
    rng = np.random.default_rng(7)
    t0 = 1_700_000_000
    day = 86400
    n = 500
    ids = [f"m{i:03d}" for i in range(n)]
    start_stage = rng.choice([0, 0, 0, 1, 1, 2], n)
    start_time = t0 + rng.integers(0, 120 * day, n)
    stage_rows = []
    current = {}
    for i, m in enumerate(ids):
        t, s = int(start_time[i]), int(start_stage[i])
        stage_rows.append((m, STAGES4[s], t))
        current[m] = (s, t)
    contact_rows = []
    for _ in range(6000):
        a, b = rng.choice(n, 2, replace=False)
        contact_rows.append((ids[a], ids[b], int(t0 + rng.integers(0, 300 * day))))
    # Advances: exponential waits; every member's later stages follow.
    for m in ids:
        s, t = current[m]
        while s < 3:
            t += int(rng.exponential(45 * day)) + 1
            if t > t0 + 300 * day:
                break
            s += 1
            stage_rows.append((m, STAGES4[s].upper() if rng.random() < 0.1 else STAGES4[s], t))
    stage_rows.append((ids[0], "lead", t0 + 5))  # an earlier entry of a later-seen member
    contact_rows.append((ids[1], ids[1], t0 + 100))  # a self-contact
    d = tmp_path_factory.mktemp("uplift")
    stages = d / "stages.csv"
    inter = d / "interactions.csv"
    members = d / "members.csv"
    rng.shuffle(stage_rows)
    pd.DataFrame(stage_rows, columns=["member", "stage", "timestamp"]).to_csv(stages, index=False)
    pd.DataFrame(contact_rows, columns=["source", "target", "timestamp"]).assign(weight=1).to_csv(inter, index=False)
    activity = {m: float(rng.lognormal(2, 1)) for m in ids}
    pd.DataFrame({"id": ids, "activity": [activity[m] for m in ids]}).to_csv(members, index=False)
    return {"stages": stages, "interactions": inter, "members": members, "activity": activity, "dir": d}


@pytest.mark.parametrize(
    "window_days,covariates", [(30, ()), (14, ("contacts",)), (21, ("activity",)), (30, ("contacts", "activity"))]
)
def test_estimate_uplift_equals_an_independent_windowing_and_statsmodels(synthetic, window_days, covariates):
    use_members = "activity" in covariates
    df = er.estimate_uplift(
        synthetic["interactions"],
        synthetic["stages"],
        journey=JOURNEY4,
        window_days=window_days,
        covariates=covariates,
        members=synthetic["members"] if use_members else None,
        round_days=7,
    )
    assert list(df.columns) == er.uplift.UPLIFT_COLUMNS
    assert list(df["from"]) == STAGES4[:-1] and list(df["to"]) == STAGES4[1:]
    wins, origin, end = reference_windows(
        synthetic["interactions"],
        synthetic["stages"],
        STAGES4,
        window_days,
        activity=synthetic["activity"] if use_members else None,
    )
    assert df.attrs["origin"] == pd.Timestamp(origin, unit="s", tz="UTC")
    assert df.attrs["self_contacts"] == 1
    ref = reference_steps(wins, 4, covariates)
    assert check_against_reference(df, ref, covariates, round_days=7, window_days=window_days) >= 2


def test_frames_give_the_same_result_as_files(synthetic):
    st = pd.read_csv(synthetic["stages"])
    it = pd.read_csv(synthetic["interactions"])
    st["timestamp"] = pd.to_datetime(st["timestamp"], unit="s")  # datetime64 works as well as seconds
    mem = pd.read_csv(synthetic["members"])
    a = er.estimate_uplift(it, st, journey=JOURNEY4, covariates=["activity"], members=mem, origin="2023-11-20")
    b = er.estimate_uplift(
        synthetic["interactions"],
        synthetic["stages"],
        journey=JOURNEY4,
        covariates="activity",
        members=synthetic["members"],
        origin=1700438400,
    )
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["origin"] == pd.Timestamp("2023-11-20", tz="UTC")


def test_malformed_inputs_name_file_line_and_column(tmp_path, synthetic):
    bad = tmp_path / "stages.csv"
    bad.write_text("member,stage,timestamp\nu,lead,0\nv,gold,5\n")
    with pytest.raises(ValueError, match=rf"{bad}:3:3: stage: unknown stage \"gold\""):
        er.estimate_uplift(synthetic["interactions"], bad, journey=JOURNEY4)
    bad.write_text("member,stage,timestamp\nu,lead,last week\n")
    with pytest.raises(ValueError, match=rf"{bad}:2:8: timestamp"):
        er.estimate_uplift(synthetic["interactions"], bad, journey=JOURNEY4)
    inter = tmp_path / "interactions.csv"
    inter.write_text("source,target\nu,v\n")
    with pytest.raises(ValueError, match=rf"{inter}:1: missing required column 'timestamp'"):
        er.estimate_uplift(inter, synthetic["stages"], journey=JOURNEY4)
    with pytest.raises(ValueError, match=r"stages row 1: stage: unknown stage 'gold'"):
        er.estimate_uplift(
            synthetic["interactions"],
            pd.DataFrame({"member": ["u", "v"], "stage": ["lead", "gold"], "timestamp": [0, 1]}),
            journey=JOURNEY4,
        )
    with pytest.raises(ValueError, match=r"interactions row 0: timestamp"):
        er.estimate_uplift(
            pd.DataFrame({"source": ["u"], "target": ["v"], "timestamp": [None]}), synthetic["stages"], journey=JOURNEY4
        )
    with pytest.raises(ValueError, match="unknown covariate 'visits'"):
        er.estimate_uplift(synthetic["interactions"], synthetic["stages"], journey=JOURNEY4, covariates=["visits"])
    with pytest.raises(ValueError, match="needs members"):
        er.estimate_uplift(synthetic["interactions"], synthetic["stages"], journey=JOURNEY4, covariates="activity")
    with pytest.raises(ValueError, match="window_days"):
        er.estimate_uplift(synthetic["interactions"], synthetic["stages"], journey=JOURNEY4, window_days=0)


# -- the CLI ------------------------------------------------------------------


def _cli_steps(cli, *args):
    proc = run(cli, "learn", *args, "--format", "json", check_exit=0)
    return json.loads(proc.stdout)


def test_cli_json_equals_python_and_params_out(cli, synthetic, tmp_path):
    journey = tmp_path / "four.json"
    journey.write_text(json.dumps(JOURNEY4))
    params = tmp_path / "params.json"
    doc = _cli_steps(
        cli,
        "--interactions",
        synthetic["interactions"],
        "--stages",
        synthetic["stages"],
        "--journey",
        journey,
        "--window-days",
        "14",
        "--covariates",
        "contacts",
        "--round-days",
        "7",
        "--params-out",
        params,
    )
    df = er.estimate_uplift(
        synthetic["interactions"],
        synthetic["stages"],
        journey=JOURNEY4,
        window_days=14,
        covariates=["contacts"],
        round_days=7,
    )
    assert doc["window_days"] == 14
    assert pd.Timestamp(doc["origin"]) == df.attrs["origin"]
    assert len(doc["steps"]) == len(df)
    for got, row in zip(doc["steps"], df.to_dict("records")):
        assert list(got) == er.uplift.UPLIFT_COLUMNS
        for key, value in row.items():
            if key == "converged":
                assert got[key] == ("yes" if value else "no")
            elif isinstance(value, float) and math.isnan(value):
                assert got[key] is None, key
            else:
                assert got[key] == value, key
    p = json.loads(params.read_text())
    assert set(p) == {"base", "lift"}
    assert len(p["base"]) == len(p["lift"]) == len(STAGES4) - 1
    for s, row in enumerate(df.to_dict("records")):
        expected = row["base_round"] if math.isfinite(row["base_round"]) else 0.0
        assert p["base"][s] == pytest.approx(expected, rel=1e-12)
        lift = row["lift"] if math.isfinite(row["lift"]) else 0.0
        assert p["lift"][s] == pytest.approx(max(lift, 0.0), rel=1e-12)


def test_cli_errors(cli, synthetic, tmp_path):
    bad = tmp_path / "stages.csv"
    bad.write_text("member,stage,timestamp\nu,prospect,0\nv,prospect,\n")
    proc = run(cli, "learn", "--interactions", synthetic["interactions"], "--stages", bad, check_exit=2)
    assert f"{bad}:3:12: timestamp".encode() in proc.stderr
    proc = run(
        cli, "learn", "--interactions", synthetic["interactions"], "--stages", bad, "--covariates", "x", check_exit=2
    )
    assert b"unknown covariate 'x'" in proc.stderr
    proc = run(cli, "learn", "--stages", bad, check_exit=2)
    assert b"--interactions" in proc.stderr


# -- the Quantum Computing community --------------------------------------------


def test_quantum_computing_pipeline_counts_match_a_pandas_recount(cli, tmp_path):
    stages = tmp_path / "stages.csv"
    run(
        cli,
        "infer-stages",
        "--members",
        QC / "members.csv",
        "--events",
        QC / "events.csv",
        "--journey",
        QC / "journey.json",
        "--history-out",
        stages,
        "--format",
        "csv",
        check_exit=0,
    )
    params = tmp_path / "params.json"
    doc = _cli_steps(
        cli,
        "--interactions",
        QC / "interactions.csv",
        "--stages",
        stages,
        "--journey",
        QC / "journey.json",
        "--params-out",
        params,
    )
    names = json.loads((QC / "journey.json").read_text())["stages"]
    wins, origin, end = reference_windows(QC / "interactions.csv", stages, names, 30)
    ref = reference_steps(wins, len(names))
    df = pd.DataFrame(doc["steps"])
    df["converged"] = df["converged"] == "yes"
    df = df.astype(
        {
            c: float
            for c in [
                "base_rate",
                "treated_rate",
                "mean_contacts",
                "odds_ratio",
                "odds_ratio_low",
                "odds_ratio_high",
                "p_value",
                "base",
                "base_round",
                "lift",
                "lift_low",
                "lift_high",
            ]
        }
    )
    check_against_reference(df, ref)
    # Sanity: every member at a non-final stage in a window is counted once per window.
    for row in doc["steps"]:
        assert row["members"] <= row["windows"]
        assert row["treated_advanced"] <= row["treated"] <= row["windows"]
        assert row["treated_advanced"] <= row["advanced"] <= row["windows"]
    assert sum(r["windows"] for r in doc["steps"]) == len(wins)
    # Prospects never interact in this data (commenting makes one interested).
    assert doc["steps"][0]["treated"] == 0 and doc["steps"][0]["status"] == "no_treated"
    p = json.loads(params.read_text())
    assert len(p["base"]) == len(p["lift"]) == len(names) - 1


# -- recovery from the simulator's event logs ----------------------------------


def test_lift_recovered_from_simulated_event_logs(cli, tmp_path):
    """Logs of `engage-right simulate` with a known lift (random contacts, one
    round = one 7-day window, no churn): the 95% intervals of `learn` hold
    the true lift in at least 90% of 50 seeds x 4 steps."""
    rng = np.random.default_rng(3)
    names = ["prospect", "interested", "new_customer", "loyal", "advocate"]
    stage = rng.choice(5, 3000, p=[0.50, 0.25, 0.12, 0.08, 0.05])
    members = tmp_path / "members.csv"
    pd.DataFrame({"id": [f"u{i}" for i in range(3000)], "stage": [names[s] for s in stage], "capacity": 3}).to_csv(
        members, index=False
    )
    truth_lift, truth_base = [0.25, 0.15, 0.10, 0.20], 0.03
    params = tmp_path / "params.json"
    params.write_text(
        json.dumps(
            {
                "base": truth_base,
                "lift": truth_lift,
                "churn": 0,
                "arrivals": 0,
                "referral_rate": 0,
                "per_member": 1,
                "dt": 1,
                "round_days": 7,
            }
        )
    )
    inter, stages = tmp_path / "interactions.csv", tmp_path / "stages.csv"
    hits, total, lifts, bases = 0, 0, [], []
    for seed in range(50):
        run(
            cli,
            "simulate",
            "--members",
            members,
            "--rounds",
            52,
            "--policy",
            "random",
            "--params",
            params,
            "--seed",
            seed,
            "--log-interactions",
            inter,
            "--log-stages",
            stages,
            check_exit=0,
        )
        doc = _cli_steps(cli, "--interactions", inter, "--stages", stages, "--window-days", "7")
        for s, row in enumerate(doc["steps"]):
            assert row["status"] == "ok"
            hits += row["lift_low"] <= truth_lift[s] <= row["lift_high"]
            total += 1
            lifts.append(row["lift"] - truth_lift[s])
            bases.append(row["base"] - truth_base)
    assert hits / total >= 0.90
    assert abs(np.mean(lifts)) < 0.01 and abs(np.mean(bases)) < 0.005
