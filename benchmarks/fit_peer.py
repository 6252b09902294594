#!/usr/bin/env python3
"""The Python peer of `engage-right fit`: the same design matrix built with
pandas, numpy and scipy.sparse, and scikit-learn's LogisticRegression on it.

    python benchmarks/fit_peer.py --members F --interactions F --pairs DESIGN.csv
                                  --split-at UNIX --horizon-days D [--half-life-days H] [--l2 X]

The training pairs (member, peer, label) are taken from the library's design
(`engage-right fit --design-out`), so that both sides fit the same rows; the
negative sampling itself is not repeated here. Everything else is computed
independently: the cut at T0, the seven features (docs/ranking.md), the
standardisation and the fit. Prints one JSON line with the phase times, the
coefficients, and the largest differences from the library's feature values.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp

DAY = 86400.0
FEATURES = ["similarity", "tags", "proximity", "happiness", "peer_log_degree", "peer_activity", "peer_idle_days"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", required=True)
    ap.add_argument("--interactions", required=True)
    ap.add_argument("--pairs", required=True)
    ap.add_argument("--split-at", type=float, required=True)
    ap.add_argument("--horizon-days", type=float, default=30)
    ap.add_argument("--half-life-days", type=float, default=30)
    ap.add_argument("--l2", type=float, default=1.0)
    a = ap.parse_args(argv)
    t = {}
    s = time.perf_counter()
    members = pd.read_csv(
        a.members, dtype={"id": str, "tags": str}, keep_default_na=False, na_values={"satisfaction": [""]}
    )
    inter = pd.read_csv(a.interactions, dtype={"source": str, "target": str})
    pairs = pd.read_csv(a.pairs, dtype={"member": str, "peer": str})
    t["load_s"] = time.perf_counter() - s

    s = time.perf_counter()
    t0 = a.split_at - a.horizon_days * DAY
    n = len(members)
    index = pd.Index(members["id"])
    src = index.get_indexer(inter["source"])
    dst = index.get_indexer(inter["target"])
    ts = inter["timestamp"].to_numpy(float)
    keep = (ts < t0) & (src != dst)
    src, dst, ts = src[keep], dst[keep], ts[keep]
    u = index.get_indexer(pairs["member"])
    v = index.get_indexer(pairs["peer"])
    # similarity: cosine of the float32 feature vectors, in double.
    fcols = [c for c in members.columns if c.startswith("f_")]
    F = members[fcols].to_numpy(np.float32).astype(np.float64)
    norm = np.sqrt((F * F).sum(axis=1))
    dot = (F[u] * F[v]).sum(axis=1)
    denom = norm[u] * norm[v]
    sim = np.clip(np.divide(dot, denom, out=np.zeros_like(dot), where=denom > 0), -1, 1)
    # tags: Jaccard of the tag sets (sparse indicator matrix).
    tag_lists = members["tags"].str.lower().str.split(";")
    exploded = tag_lists.explode().str.strip()
    exploded = exploded[exploded.fillna("") != ""]
    codes, _ = pd.factorize(exploded)
    T = sp.csr_matrix((np.ones(len(codes)), (exploded.index.to_numpy(), codes)), shape=(n, codes.max() + 1))
    T.data[:] = 1.0
    T.sum_duplicates()
    T.data[:] = 1.0
    size = np.asarray(T.sum(axis=1)).ravel()
    inter_t = np.asarray(T[u].multiply(T[v]).sum(axis=1)).ravel()
    union = size[u] + size[v] - inter_t
    jac = np.divide(inter_t, union, out=np.zeros_like(inter_t), where=union > 0)
    # proximity: Adamic-Adar over the simple graph before T0.
    A = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    A = ((A + A.T) > 0).astype(np.float64).tocsr()
    deg = np.asarray(A.sum(axis=1)).ravel()
    w = np.zeros(n)
    w[deg >= 2] = 1.0 / np.log(deg[deg >= 2])
    aa = np.asarray(A[u].multiply(A[v]) @ w).ravel()
    prox = aa / (1 + aa)
    # happiness
    sat = members["satisfaction"].to_numpy(float)
    happy = np.where(np.isnan(sat[v]), 0.5, sat[v] / 10)
    # peer activity and idle days from the dated contacts before T0.
    decay = np.exp2(-(t0 - ts) / (a.half_life_days * DAY))
    act = np.zeros(n)
    np.add.at(act, src, decay)
    np.add.at(act, dst, decay)
    last = np.full(n, -np.inf)
    np.maximum.at(last, src, ts)
    np.maximum.at(last, dst, ts)
    idle = np.minimum(365.0, (t0 - last) / DAY)
    X = np.column_stack([sim, jac, prox, happy, np.log1p(deg[v]), np.log1p(act[v]), np.log1p(idle[v])])
    t["design_s"] = time.perf_counter() - s

    from sklearn.linear_model import LogisticRegression

    s = time.perf_counter()
    y = pairs["label"].to_numpy()
    mean, sd = X.mean(axis=0), X.std(axis=0)
    used = X.max(axis=0) > X.min(axis=0)
    Z = (X[:, used] - mean[used]) / sd[used]
    model = LogisticRegression(C=1 / a.l2, tol=1e-10, max_iter=10000).fit(Z, y)
    t["fit_s"] = time.perf_counter() - s
    coef = np.zeros(len(FEATURES))
    coef[used] = model.coef_[0]
    lib = pairs[FEATURES].to_numpy()
    out = {
        **t,
        "total_s": sum(t.values()),
        "rows": int(len(y)),
        "intercept": float(model.intercept_[0]),
        "coefficients": dict(zip(FEATURES, coef.tolist())),
        "iterations": int(model.n_iter_[0]),
        "max_feature_diff": float(np.max(np.abs(X - lib))),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
