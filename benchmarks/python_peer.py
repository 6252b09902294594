#!/usr/bin/env python3
"""Pure-Python (pandas + numpy + scipy.sparse) equivalent of the engage-right
batch recommender, used as the baseline in the benchmarks.

    python3 benchmarks/python_peer.py --members members.csv \\
        --interactions interactions.csv --top 5 --output recs.csv

It implements the reference scoring of DESIGN.md section 4 with the hard
rules of section 3 on the default journey (prospect > interested >
new_customer > loyal > advocate, all steps enabled, min peer satisfaction 7,
default capacity 3, existing interactions excluded):

    score = 0.50 similarity + 0.15 tags + 0.25 proximity + 0.10 happiness

The way a careful data scientist would write it: for every step s -> s+1 the
members of stage s are processed in chunks against all eligible peers of
stage s+1, so the dense score block (chunk x peers, float32) stays bounded.

* similarity and happiness in one float32 GEMM:
  [0.5 x_u, 1] . [x_v, 0.1 hap_v] with L2-normalised features;
* tags: Jaccard from a sparse member x tag incidence matrix, intersection by
  a sparse product, union = |A| + |B| - inter, added only where inter > 0;
* proximity: Adamic-Adar by sparse products A_chunk @ diag(1/ln deg) @
  A[:, peers] on the simple undirected graph, aa / (1 + aa);
* existing interactions masked with -inf;
* top-k per row with np.argpartition.  Every peer whose float32 score is
  within 1e-5 of the k-th best is then rescored exactly in float64 and the
  candidates are sorted by (score desc, peer id asc), so the lists and
  scores are those of an all-float64 computation (float32 only decides who
  is a candidate, with a margin far above its rounding error).

Prints one JSON line: {"load_s", "recommend_s", "write_s", "rows", ...}.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp

STAGES = ["prospect", "interested", "new_customer", "loyal", "advocate"]
CHANNELS = ["private", "public", "public", "private"]  # step s -> s+1
W_SIM, W_TAGS, W_PROX, W_HAPPY = 0.50, 0.15, 0.25, 0.10
MIN_PEER_SATISFACTION = 7.0
DEFAULT_CAPACITY = 3
CANDIDATE_EPS = 1e-5  # float32 margin when picking exact-rescore candidates


class InputError(Exception):
    pass


# --------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------
class Community:
    """Everything the recommender needs, as arrays indexed by member row."""

    def __init__(self, members_path: str, interactions_path: str | None):
        # ids, stages, tags and flags as text (an id like "NA" stays an id);
        # numeric columns parsed by the C reader, empty cells -> NaN
        m = pd.read_csv(
            members_path,
            engine="c",
            keep_default_na=False,
            dtype={"id": str, "stage": str, "tags": str, "opted_out": str},
            na_values={"satisfaction": [""], "capacity": [""], "activity": [""]},
        )
        if "id" not in m.columns or "stage" not in m.columns:
            raise InputError(f"{members_path}: columns 'id' and 'stage' are required")
        self.ids = m["id"].to_numpy(dtype=object)
        n = self.n = len(m)
        if pd.Index(self.ids).has_duplicates:
            raise InputError(f"{members_path}: duplicate member ids")
        # string order of the ids, for the peer-id tie break
        self.id_rank = np.empty(n, dtype=np.int64)
        self.id_rank[np.argsort(self.ids.astype(str), kind="stable")] = np.arange(n)

        # stage names are case-insensitive: normalise the few distinct values
        stage_idx = {s: i for i, s in enumerate(STAGES)}
        codes, uniq = pd.factorize(m["stage"])
        lut = np.array([stage_idx.get(str(v).strip().lower(), -1) for v in uniq] + [-1])
        self.stage = lut[codes]
        if (self.stage < 0).any():
            bad = int(np.flatnonzero(self.stage < 0)[0])
            raise InputError(f"{members_path}: line {bad + 2}: unknown stage {m['stage'].iloc[bad]!r}")

        def numeric(col, default=np.nan):
            if col not in m.columns:
                return np.full(n, default)
            return pd.to_numeric(m[col], errors="raise").to_numpy(dtype=np.float64)

        self.satisfaction = numeric("satisfaction")
        cap = numeric("capacity")
        self.capacity = np.where(np.isnan(cap), DEFAULT_CAPACITY, cap)
        if "opted_out" in m.columns:
            codes, uniq = pd.factorize(m["opted_out"])
            lut = np.array([str(v).strip().lower() in ("1", "true") for v in uniq] + [False])
            self.opted_out = lut[codes]
        else:
            self.opted_out = np.zeros(n, dtype=bool)
        self.happiness = np.where(np.isnan(self.satisfaction), 0.5, self.satisfaction / 10.0)

        # features: f_0 .. f_{d-1}, L2-normalised (all-zero rows stay zero)
        fcols = sorted((c for c in m.columns if re.fullmatch(r"f_\d+", c)), key=lambda c: int(c[2:]))
        if fcols:
            X = np.empty((n, len(fcols)), dtype=np.float64)
            for j, c in enumerate(fcols):
                X[:, j] = m[c].to_numpy(dtype=np.float64)
        else:
            X = np.zeros((n, 1))
        norm = np.linalg.norm(X, axis=1)
        self.Xn = np.divide(X, norm[:, None], out=np.zeros_like(X), where=norm[:, None] > 0)
        self.Xn32 = self.Xn.astype(np.float32)

        # tags: sparse member x tag incidence (set semantics)
        if "tags" in m.columns:
            t = m["tags"].str.split(";").explode().str.strip()
            t = t[t.notna() & (t != "")]
            rows = t.index.to_numpy()
            codes, self.tag_names = pd.factorize(t.to_numpy())
            T = sp.csr_matrix(
                (np.ones(len(rows), dtype=np.float32), (rows, codes)), shape=(n, max(len(self.tag_names), 1))
            )
            T.sum_duplicates()
            T.data[:] = 1.0
        else:
            T = sp.csr_matrix((n, 1), dtype=np.float32)
        self.T = T
        self.ntags = np.diff(T.indptr).astype(np.float64)

        # interactions: simple undirected graph (none: set_edges() later)
        if interactions_path is None:
            self.set_edges(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
            return
        e = pd.read_csv(
            interactions_path,
            dtype=str,
            usecols=["source", "target"],
            keep_default_na=False,
            na_filter=False,
            engine="c",
        )
        index = pd.Index(self.ids)
        s = index.get_indexer(e["source"])
        d = index.get_indexer(e["target"])
        unknown = (s < 0) | (d < 0)
        if unknown.any():
            bad = int(np.flatnonzero(unknown)[0])
            raise InputError(f"{interactions_path}: line {bad + 2}: unknown member id")
        self.set_edges(s, d)

    def set_edges(self, s: np.ndarray, d: np.ndarray) -> None:
        """The interaction graph from endpoint rows (self-loops dropped and
        counted, duplicate pairs merged)."""
        n = self.n
        keep = s != d
        self.self_loops = int((~keep).sum())
        s, d = s[keep], d[keep]
        A = sp.csr_matrix(
            (np.ones(2 * len(s), dtype=np.float64), (np.concatenate([s, d]), np.concatenate([d, s]))), shape=(n, n)
        )
        A.sum_duplicates()
        A.data[:] = 1.0
        self.A = A
        self.deg = np.diff(A.indptr)
        with np.errstate(divide="ignore"):
            self.inv_log_deg = np.where(self.deg >= 2, 1.0 / np.log(np.maximum(self.deg, 2)), 0.0)


# --------------------------------------------------------------------------
# recommending
# --------------------------------------------------------------------------
def _lookup(sorted_keys: np.ndarray, values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """values[i] where sorted_keys[i] == key, else 0."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys))
    pos = np.searchsorted(sorted_keys, keys)
    pos = np.minimum(pos, len(sorted_keys) - 1)
    return np.where(sorted_keys[pos] == keys, values[pos], 0.0)


def top_candidates(score: np.ndarray, n_valid: int, top: int, block: int):
    """(row, col) of every entry within CANDIDATE_EPS of its row's top-th
    largest finite value.  ``score`` is r x (nb * block), padded with -inf.

    Two-level selection instead of an argpartition over whole rows: the
    maxima of blocks of ``block`` columns are one cheap reduction, the
    top + 2 blocks with the largest maxima are gathered, and argpartition
    only runs on those.  A row whose unselected blocks could still hold a
    candidate (max >= threshold) falls back to a scan of the full row."""
    r, width = score.shape
    nb = width // block
    kb = min(nb, top + 2)
    bm = score.reshape(r, nb, block).max(axis=2)
    if kb < nb:
        bsel = np.argpartition(bm, nb - kb, axis=1)[:, nb - kb :]
        rest_max = np.take_along_axis(bm, bsel, axis=1).min(axis=1)
    else:
        bsel = np.broadcast_to(np.arange(nb), (r, nb))
        rest_max = np.full(r, -np.inf, dtype=score.dtype)
    # gather whole blocks (contiguous copies), then their column numbers
    g = score.reshape(r, nb, block)[np.arange(r)[:, None], bsel].reshape(r, kb * block)
    cols = (bsel[:, :, None] * block + np.arange(block)).reshape(r, kb * block)
    kk = min(top, n_valid, g.shape[1])
    kth = np.partition(g, g.shape[1] - kk, axis=1)[:, g.shape[1] - kk]
    thr = np.maximum(kth - np.float32(CANDIDATE_EPS), np.float32(-1e30))
    rr, jj = np.nonzero(g >= thr[:, None])
    cc = cols[rr, jj]
    incomplete = np.flatnonzero(rest_max >= thr)
    if len(incomplete):
        keep = ~np.isin(rr, incomplete)
        rr, cc = [rr[keep]], [cc[keep]]
        for i in incomplete:
            j = np.flatnonzero(score[i] >= thr[i])
            rr.append(np.full(len(j), i, dtype=rr[0].dtype))
            cc.append(j)
        rr, cc = np.concatenate(rr), np.concatenate(cc)
    return rr, cc


def recommend(
    c: Community,
    top: int,
    chunk_elems: int = 1 << 22,
    exclude_existing: bool = True,
    block: int = 64,
    only: np.ndarray | None = None,
) -> dict:
    """Top-`top` per member (of the rows where the boolean mask `only` is
    set, when given)."""
    out = {k: [] for k in ("member", "peer", "rank", "score", "similarity", "tags", "proximity", "happiness", "step")}
    pairs = 0
    sat_ok = np.isnan(c.satisfaction) | (c.satisfaction >= MIN_PEER_SATISFACTION)
    peer_ok = ~c.opted_out & sat_ok & (c.capacity > 0)
    A_csc = c.A.tocsc()
    for s in range(len(STAGES) - 1):
        rows = np.flatnonzero((c.stage == s) & ~c.opted_out & (True if only is None else only))
        peers = np.flatnonzero((c.stage == s + 1) & peer_ok)
        P = len(peers)
        if len(rows) == 0 or P == 0 or top <= 0:
            continue
        peer_pos = np.full(c.n, -1, dtype=np.int64)
        peer_pos[peers] = np.arange(P)
        # [x_v, 0.1 hap_v] for the similarity + happiness GEMM
        # (columns padded with zeros to a multiple of the block size)
        Pp = -(-P // block) * block
        right = np.zeros((Pp, c.Xn32.shape[1] + 1), dtype=np.float32)
        right[:P, :-1] = c.Xn32[peers]
        right[:P, -1] = W_HAPPY * c.happiness[peers]
        right = np.ascontiguousarray(right.T)
        # tags and Adamic-Adar right-hand operands
        Tp = c.T[peers].T.tocsr()  # tags x P
        B = sp.diags(c.inv_log_deg) @ A_csc[:, peers]  # N x P
        B = B.tocsr()
        ntag_p = c.ntags[peers].astype(np.float32)
        ntag_u = c.ntags[rows].astype(np.float32)
        pairs += len(rows) * P
        chunk = max(1, chunk_elems // Pp)
        for a in range(0, len(rows), chunk):
            u = rows[a : a + chunk]
            r = len(u)
            left = np.empty((r, right.shape[0]), dtype=np.float32)
            left[:, :-1] = W_SIM * c.Xn32[u]
            left[:, -1] = 1.0
            score = left @ right  # r x Pp float32
            score[:, P:] = -np.inf
            flat = score.ravel()
            # tags: Jaccard where the intersection is non-empty
            inter = (c.T[u] @ Tp).tocsr()
            ir = np.repeat(np.arange(r, dtype=np.int64), np.diff(inter.indptr))
            iv = inter.data
            jac = iv / (ntag_u[a : a + r][ir] + ntag_p[inter.indices] - iv)
            flat[ir * Pp + inter.indices] += W_TAGS * jac
            # proximity: Adamic-Adar by sparse products
            Au = c.A[u]
            aa = (Au @ B).tocsr()
            aa.sort_indices()
            ar = np.repeat(np.arange(r, dtype=np.int64), np.diff(aa.indptr))
            ak = ar * Pp + aa.indices
            prox = aa.data / (1.0 + aa.data)
            flat[ak] += (W_PROX * prox).astype(np.float32)
            # rule 5: no existing interaction
            if exclude_existing:
                pp = peer_pos[Au.indices]
                er = np.repeat(np.arange(r, dtype=np.int64), np.diff(Au.indptr))
                hit = pp >= 0
                flat[er[hit] * Pp + pp[hit]] = -np.inf
            # every peer within CANDIDATE_EPS of the top-th best (float32)
            cr, cc = top_candidates(score, P, top, block)
            if len(cr) == 0:
                continue
            # exact float64 rescoring of the candidates
            mu, pv = u[cr], peers[cc]
            sim = np.einsum("ij,ij->i", c.Xn[mu], c.Xn[pv])
            ck = cr.astype(np.int64) * Pp + cc
            ic = np.asarray(c.T[mu].multiply(c.T[pv]).sum(axis=1), dtype=np.float64).ravel()
            un = c.ntags[mu] + c.ntags[pv] - ic
            tg = np.divide(ic, un, out=np.zeros_like(ic), where=un > 0)
            px = _lookup(ak, prox, ck)  # ak is sorted
            hp = c.happiness[pv]
            sc = W_SIM * sim + W_TAGS * tg + W_PROX * px + W_HAPPY * hp
            order = np.lexsort((c.id_rank[pv], -sc, cr))
            cr_s = cr[order]
            start = np.searchsorted(cr_s, cr_s, side="left")
            rank = np.arange(len(order)) - start
            sel = order[rank < top]
            out["member"].append(mu[sel])
            out["peer"].append(pv[sel])
            out["rank"].append(rank[rank < top] + 1)
            out["score"].append(sc[sel])
            out["similarity"].append(sim[sel])
            out["tags"].append(tg[sel])
            out["proximity"].append(px[sel])
            out["happiness"].append(hp[sel])
            out["step"].append(np.full(len(sel), s, dtype=np.int64))
    res = {"pairs": pairs}
    for k, v in out.items():
        res[k] = (
            np.concatenate(v)
            if v
            else np.zeros(
                0, dtype=np.float64 if k in ("score", "similarity", "tags", "proximity", "happiness") else np.int64
            )
        )
    return res


def to_frame(c: Community, rec: dict) -> pd.DataFrame:
    """The CLI's recommend CSV: the columns in the order of the dict below."""
    stage_names = np.array(STAGES, dtype=object)
    channels = np.array(CHANNELS, dtype=object)
    return pd.DataFrame(
        {
            "member": c.ids[rec["member"]],
            "member_stage": stage_names[rec["step"]],
            "peer": c.ids[rec["peer"]],
            "peer_stage": stage_names[rec["step"] + 1],
            "rank": rec["rank"],
            "score": rec["score"],
            "similarity": rec["similarity"],
            "tags": rec["tags"],
            "proximity": rec["proximity"],
            "happiness": rec["happiness"],
            "channel": channels[rec["step"]],
            "reason": "",
        }
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", required=True)
    ap.add_argument("--interactions", required=True)
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--output", required=True)
    ap.add_argument("--repeat", type=int, default=1, help="run the recommendation R times and report the best time")
    ap.add_argument(
        "--chunk-elems", type=int, default=1 << 22, help="dense score block size (chunk rows x peers), default 4M"
    )
    ap.add_argument("--block", type=int, default=64, help="column block size of the block-max top-k pre-selection")
    args = ap.parse_args(argv)
    try:
        t0 = time.perf_counter()
        c = Community(args.members, args.interactions)
        t1 = time.perf_counter()
        best = float("inf")
        for _ in range(max(1, args.repeat)):
            ta = time.perf_counter()
            rec = recommend(c, args.top, args.chunk_elems, block=args.block)
            best = min(best, time.perf_counter() - ta)
        t2 = time.perf_counter()
        df = to_frame(c, rec)
        df.to_csv(args.output, index=False, float_format="%.6f")
        t3 = time.perf_counter()
    except (InputError, OSError, ValueError) as ex:
        print(f"python_peer: error: {ex}", file=sys.stderr)
        return 2
    print(
        json.dumps(
            {
                "members": c.n,
                "load_s": round(t1 - t0, 4),
                "recommend_s": round(best, 4),
                "write_s": round(t3 - t2, 4),
                "rows": int(len(df)),
                "pairs": int(rec["pairs"]),
                "repeat": max(1, args.repeat),
                "peak_rss_mb": round(peak_rss_mb(), 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
