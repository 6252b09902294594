#!/usr/bin/env python3
"""Pandas + numpy + scipy.sparse equivalent of `engage-right evaluate`, the
baseline of the evaluation benchmark.

    python3 benchmarks/evaluate_peer.py --members members.csv \\
        --interactions interactions.csv --split-at 80% --output result.json

The same evaluation (docs/evaluation.md) on the default journey with every
member present at T (no `created` column, no stage history: the benchmark's
inputs), written the way a careful data scientist would:

* the replay with pandas: interactions before T form the graph (scipy CSR),
  targets are the pairs whose first interaction falls in [T, T + horizon),
  vectorised with pair codes;
* engage_right: the top-D of benchmarks/python_peer.py (float32 GEMM
  screening, sparse Jaccard and Adamic-Adar, exact float64 rescoring of the
  candidates) on the replayed graph, for the evaluated members only;
* adamic_adar: sparse products A_u . diag(1/ln deg) . A[:, pool] per chunk,
  sorted by (AA desc, id); peers without a common neighbour fill the list in
  id order; degree: the pool sorted once by (degree desc, id); both drop
  existing contacts with pair codes;
* random: numpy's Generator (not the library's stream: the lists differ,
  the statistics agree);
* metrics as array operations over a members x D hit matrix; bootstrap
  resamples as bincount counts multiplied into the metric matrix by BLAS.

Prints one JSON line with the timings; writes the metrics to --output.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import python_peer as pp  # noqa: E402

METHODS = ["engage_right", "adamic_adar", "degree", "random"]


def times_of(col: pd.Series) -> np.ndarray:
    num = pd.to_numeric(col, errors="coerce")
    if num.notna().all():
        return num.to_numpy(dtype=np.float64)
    t = pd.to_datetime(col, utc=True, format="ISO8601")
    return (t - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds().to_numpy()


def member_of(codes: np.ndarray, sorted_codes: np.ndarray) -> np.ndarray:
    """codes in sorted_codes (a binary search each: no sort of the queries)."""
    if len(sorted_codes) == 0:
        return np.zeros(codes.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_codes, codes), len(sorted_codes) - 1)
    return sorted_codes[pos] == codes


def first_k(cand: np.ndarray, ok: np.ndarray, k: int) -> np.ndarray:
    """Per row, the first k entries of `cand` where `ok`, padded with -1."""
    rank = np.cumsum(ok, axis=1) - 1
    out = np.full((cand.shape[0], k), -1, dtype=np.int64)
    r, c = np.nonzero(ok & (rank < k))
    out[r, rank[r, c]] = cand[r, c]
    return out


class Evaluation:
    def __init__(self, members: str, interactions: str, split: str, horizon_days: float | None):
        self.c = pp.Community(members, None)
        c = self.c
        e = pd.read_csv(interactions, dtype={"source": str, "target": str}, keep_default_na=False, engine="c")
        index = pd.Index(c.ids)
        s = index.get_indexer(e["source"])
        d = index.get_indexer(e["target"])
        if ((s < 0) | (d < 0)).any():
            raise pp.InputError(f"{interactions}: unknown member id")
        t = times_of(e["timestamp"])
        if split.endswith("%"):
            share = float(split[:-1]) / 100
            T = float(np.sort(t)[int(math.floor(share * len(t)))])
        else:
            T = float(split)
        end = math.inf if horizon_days is None else T + horizon_days * 86400
        self.T = T
        before = t < T
        c.set_edges(s[before], d[before])
        # Targets: first contact in the window, no contact before T.
        win = (t >= T) & (t < end) & (s != d)
        a, b = np.minimum(s[win], d[win]), np.maximum(s[win], d[win])
        n = c.n
        codes = np.unique(a.astype(np.int64) * n + b)
        A = c.A.tocoo()
        existing = A.row.astype(np.int64) * n + A.col
        codes = codes[~np.isin(codes, existing)]
        a, b = codes // n, codes % n
        self.target_pairs = len(codes)
        member = np.concatenate([a, b])
        peer = np.concatenate([b, a])
        order = np.lexsort((peer, member))
        self.t_member, self.t_peer = member[order], peer[order]
        self.t_code = self.t_member * n + self.t_peer
        self.evaluated = np.unique(self.t_member)  # rows, input order
        self.ntargets = np.bincount(self.t_member, minlength=n)[self.evaluated]
        # Rules.
        sat_ok = np.isnan(c.satisfaction) | (c.satisfaction >= pp.MIN_PEER_SATISFACTION)
        self.peer_ok = ~c.opted_out & sat_ok & (c.capacity > 0)
        st_m, st_p = c.stage[self.t_member], c.stage[self.t_peer]
        reach = (st_p == st_m + 1) & self.peer_ok[self.t_peer] & ~c.opted_out[self.t_member]
        self.reachable = int(reach.sum())
        per = np.bincount(self.t_member, weights=reach, minlength=n)[self.evaluated]
        self.ceiling = self.reachable / len(self.t_member)
        self.ceiling_hit = float(np.mean(per > 0))
        self.ceiling_recall = float(np.mean(per / self.ntargets))
        self.existing = np.sort(existing)

    # -- rankings: E x D arrays of member rows, -1 padded ------------------
    def pool(self, s: int) -> np.ndarray:
        c = self.c
        return np.flatnonzero((c.stage == s + 1) & self.peer_ok)  # ascending row = id order

    def rank_engage_right(self, depth: int) -> np.ndarray:
        c = self.c
        only = np.zeros(c.n, dtype=bool)
        only[self.evaluated] = True
        rec = pp.recommend(c, depth, only=only)
        pos = np.searchsorted(self.evaluated, rec["member"])
        out = np.full((len(self.evaluated), depth), -1, dtype=np.int64)
        out[pos, rec["rank"] - 1] = rec["peer"]
        return out

    def _fill(self, u: np.ndarray, order: np.ndarray, depth: int, taken: np.ndarray | None = None) -> np.ndarray:
        """The first `depth` peers of `order` that are neither u's contacts
        nor u itself nor in the sorted pair codes `taken`."""
        c = self.c
        n = c.n
        extra = 0 if taken is None else int(np.bincount(taken // n, minlength=n)[u].max(initial=0))
        width = min(len(order), depth + int(c.deg[u].max(initial=0)) + extra + 1)
        cand = np.broadcast_to(order[:width], (len(u), width))
        codes = u[:, None].astype(np.int64) * n + cand
        ok = ~member_of(codes, self.existing) & (cand != u[:, None])
        if taken is not None:
            ok &= ~member_of(codes, taken)
        return first_k(cand, ok, depth)

    def _stage_pools(self):
        """(evaluated rows of a stage, its peer pool) per stage left of the
        last, skipping stages where either is empty."""
        c = self.c
        for s in range(len(pp.STAGES) - 1):
            sel = np.flatnonzero((c.stage[self.evaluated] == s) & ~c.opted_out[self.evaluated])
            pool = self.pool(s)
            if len(sel) and len(pool):
                yield sel, pool

    def rank_degree(self, depth: int) -> np.ndarray:
        c = self.c
        out = np.full((len(self.evaluated), depth), -1, dtype=np.int64)
        for sel, pool in self._stage_pools():
            order = pool[np.lexsort((c.id_rank[pool], -c.deg[pool]))]
            for a in range(0, len(sel), 4096):
                rows = sel[a : a + 4096]
                out[rows] = self._fill(self.evaluated[rows], order, depth)
        return out

    def rank_adamic_adar(self, depth: int) -> np.ndarray:
        c = self.c
        n = c.n
        out = np.full((len(self.evaluated), depth), -1, dtype=np.int64)
        B_all = (sp.diags(c.inv_log_deg) @ c.A).tocsc()
        for sel, pool in self._stage_pools():
            B = B_all[:, pool].tocsr()
            for a in range(0, len(sel), 4096):
                rows = sel[a : a + 4096]
                u = self.evaluated[rows]
                aa = (c.A[u] @ B).tocoo()
                peer = pool[aa.col]
                pair = u[aa.row].astype(np.int64) * n + peer
                keep = ~member_of(pair, self.existing)
                r, p, v = aa.row[keep], peer[keep], aa.data[keep]
                o = np.lexsort((c.id_rank[p], -v, r))
                r, p = r[o], p[o]
                start = np.searchsorted(r, r, side="left")
                rank = np.arange(len(r)) - start
                top = rank < depth
                block = np.full((len(rows), depth), -1, dtype=np.int64)
                block[r[top], rank[top]] = p[top]
                # Then the peers without a common neighbour, in id order
                # (the pool is in id order).
                have = (block >= 0).sum(axis=1)
                short = np.flatnonzero(have < depth)
                if len(short):
                    fill = self._fill(u[short], pool, depth, taken=np.sort(pair))
                    k = depth - have[short]
                    cols = np.arange(depth)
                    take = cols[None, :] < k[:, None]
                    dst_r, dst_c = np.nonzero(take)
                    block[short[dst_r], have[short][dst_r] + dst_c] = fill[dst_r, dst_c]
                out[rows] = block
        return out

    def rank_random(self, depth: int, seed: int) -> np.ndarray:
        c = self.c
        n = c.n
        rng = np.random.default_rng(seed)
        out = np.full((len(self.evaluated), depth), -1, dtype=np.int64)
        for sel, pool in self._stage_pools():
            u = self.evaluated[sel]
            extra = depth + 8 + int(c.deg[u].max(initial=0))
            draws = rng.integers(0, len(pool), size=(len(u), extra))
            # drop repeated draws (keep the first), contacts and u itself
            srt = np.sort(draws, axis=1)
            idx = np.argsort(draws, axis=1, kind="stable")
            dup_sorted = np.zeros_like(srt, dtype=bool)
            dup_sorted[:, 1:] = srt[:, 1:] == srt[:, :-1]
            dup = np.zeros_like(dup_sorted)
            np.put_along_axis(dup, idx, dup_sorted, axis=1)
            cand = pool[draws]
            ok = ~dup & ~member_of(u[:, None].astype(np.int64) * n + cand, self.existing) & (cand != u[:, None])
            out[sel] = first_k(cand, ok, depth)
        return out

    # -- metrics ----------------------------------------------------------
    def metrics(self, ranked: np.ndarray, ks, mrr_depth: int) -> np.ndarray:
        """E x M: hit@k, recall@k, ndcg@k per k, then mrr."""
        n = self.c.n
        hit = (ranked >= 0) & member_of(self.evaluated[:, None].astype(np.int64) * n + ranked, self.t_code)
        disc = 1.0 / np.log2(np.arange(ranked.shape[1]) + 2.0)
        ideal = np.concatenate([[0.0], np.cumsum(disc)])
        cols = []
        for name in ("hit", "recall", "ndcg"):
            for k in ks:
                h = hit[:, :k]
                if name == "hit":
                    cols.append(h.any(axis=1).astype(float))
                elif name == "recall":
                    cols.append(h.sum(axis=1) / self.ntargets)
                else:
                    cols.append((h @ disc[:k]) / ideal[np.minimum(k, self.ntargets)])
        h = hit[:, :mrr_depth]
        first = np.where(h.any(axis=1), h.argmax(axis=1) + 1, 0)
        cols.append(np.where(first > 0, 1.0 / np.maximum(first, 1), 0.0))
        return np.column_stack(cols)

    def exposure(self, ranked: np.ndarray, k: int):
        c = self.c
        pool = np.zeros(c.n, dtype=bool)
        for s in np.unique(c.stage[self.evaluated]):
            if s + 1 < len(pp.STAGES):
                pool[self.pool(int(s))] = True
        top = ranked[:, :k]
        counts = np.bincount(top[top >= 0], minlength=c.n)[pool]
        coverage = float(np.mean(counts > 0))
        x = np.sort(counts).astype(float)
        i = np.arange(1, len(x) + 1)
        gini = float(((2 * i - len(x) - 1) * x).sum() / (len(x) * x.sum())) if x.sum() > 0 else float("nan")
        return coverage, gini


def bootstrap(values: np.ndarray, resamples: int, seed: int, chunk: int = 50):
    """Percentile 95 % intervals of the column means, and of the paired
    differences against the first method (columns grouped per method)."""
    e, w = values.shape
    rng = np.random.default_rng(seed)
    means = np.empty((resamples, w))
    for a in range(0, resamples, chunk):
        b = min(resamples, a + chunk)
        idx = rng.integers(0, e, size=(b - a, e))
        counts = np.bincount((idx + (np.arange(b - a) * e)[:, None]).ravel(), minlength=(b - a) * e)
        means[a:b] = counts.reshape(b - a, e).astype(float) @ values / e
    return means


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", required=True)
    ap.add_argument("--interactions", required=True)
    ap.add_argument("--split-at", required=True)
    ap.add_argument("--horizon-days", type=float, default=None)
    ap.add_argument("--k", default="5,10")
    ap.add_argument("--mrr-depth", type=int, default=10)
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--output", required=True)
    args = ap.parse_args(argv)
    ks = sorted({int(x) for x in args.k.split(",")})
    depth = max(args.mrr_depth, ks[-1])
    t0 = time.perf_counter()
    ev = Evaluation(args.members, args.interactions, args.split_at, args.horizon_days)
    t1 = time.perf_counter()
    timing = {}
    ranked = {}
    for m in METHODS:
        ta = time.perf_counter()
        if m == "engage_right":
            ranked[m] = ev.rank_engage_right(depth)
        elif m == "adamic_adar":
            ranked[m] = ev.rank_adamic_adar(depth)
        elif m == "degree":
            ranked[m] = ev.rank_degree(depth)
        else:
            ranked[m] = ev.rank_random(depth, args.seed)
        timing[m] = time.perf_counter() - ta
    ta = time.perf_counter()
    per = [ev.metrics(ranked[m], ks, args.mrr_depth) for m in METHODS]
    values = np.hstack(per)
    point = values.mean(axis=0)
    reps = bootstrap(values, args.bootstrap, args.seed) if args.bootstrap else None
    nmet = per[0].shape[1]
    names = [f"{x}@{k}" for x in ("hit", "recall", "ndcg") for k in ks] + ["mrr"]
    out = {"split_at": ev.T, "evaluated_members": int(len(ev.evaluated)), "target_pairs": int(ev.target_pairs)}
    out.update({"ceiling": ev.ceiling, "ceiling_hit": ev.ceiling_hit, "ceiling_recall": ev.ceiling_recall})
    out["methods"] = {}
    for j, m in enumerate(METHODS):
        res = {}
        for x, name in enumerate(names):
            col = j * nmet + x
            res[name] = float(point[col])
            if reps is not None:
                res[f"{name}_ci"] = [float(v) for v in np.percentile(reps[:, col], [2.5, 97.5])]
                d = reps[:, col] - reps[:, x]
                res[f"{name}_diff_ci"] = [float(v) for v in np.percentile(d, [2.5, 97.5])]
        res["coverage"], res["gini"] = ev.exposure(ranked[m], ks[-1])
        out["methods"][m] = res
    timing["metrics_bootstrap"] = time.perf_counter() - ta
    t2 = time.perf_counter()
    with open(args.output, "w") as f:
        json.dump(out, f)
    t3 = time.perf_counter()
    print(
        json.dumps(
            {
                "load_replay_s": round(t1 - t0, 3),
                "evaluate_s": round(t2 - t1, 3),
                "write_s": round(t3 - t2, 3),
                "total_s": round(t3 - t0, 3),
                "steps_s": {k: round(v, 3) for k, v in timing.items()},
                "evaluated_members": int(len(ev.evaluated)),
                "peak_rss_mb": round(pp.peak_rss_mb(), 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
