#!/usr/bin/env python3
"""Synthetic community generator for the engage-right benchmarks.

    python3 benchmarks/generate.py --members N --seed S --out DIR

writes DIR/members.csv and DIR/interactions.csv in the formats of
DESIGN.md section 2 (and DIR/generate.json with timings and sizes):

* ids ``u0000000`` style, fixed width, so string order == numeric order;
* stages of the default journey (prospect, interested, new_customer, loyal,
  advocate) with exact shares 40/25/15/12/8 %, randomly placed;
* 16 features f_0..f_15 rounded to 6 significant digits, drawn around
  ``max(8, N // 1000)`` cluster centres (so cosine similarity is meaningful);
  0.2 % of the members have an all-zero feature vector (missing embedding);
* 1-3 distinct tags per member out of 72 (t00..t71), Zipf-like popularity
  mixed with per-cluster favourite topics, no tag on more than ~10 % of the
  members;
* satisfaction 0-10 (later stages happier), ~10 % empty; capacity mostly
  empty, ~15 % an integer 0..5; ~2 % opted_out=1; activity >= 0;
* 4N interaction rows (mean degree 8) ``source,target,weight,timestamp``,
  weight 1..3, unix-second timestamps in 2023-2024, sorted by timestamp.
  Three quarters are "local" (same cluster, same or adjacent stage), the rest
  random; sources are activity-weighted so there are hubs.  No self-loops;
  a few duplicate pairs may occur (the format merges them).

Everything is vectorised numpy; the CSV text is assembled as a byte matrix
(one fixed-width slot per field plus a keep-mask) instead of per-value
Python formatting, so 1M members are written in seconds.  The output is a
pure function of (members, seed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

STAGES = ["prospect", "interested", "new_customer", "loyal", "advocate"]
STAGE_SHARES = [0.40, 0.25, 0.15, 0.12, 0.08]
N_FEATURES = 16
N_TAGS = 72
ZIPF_S = 0.40  # tag popularity exponent
TAGS_PER_CLUSTER = 6  # favourite topics of a cluster
LOCAL_EDGE_SHARE = 0.75
T0, T1 = 1672531200, 1735689600  # 2023-01-01 .. 2025-01-01 (UTC)
CHUNK_ROWS = 131072

ZERO = ord("0")


# --------------------------------------------------------------------------
# byte-matrix CSV assembly
# --------------------------------------------------------------------------
class Field:
    """A column rendered as an (n, w) uint8 matrix plus an (n, w) keep mask."""

    __slots__ = ("b", "m")

    def __init__(self, b: np.ndarray, m: np.ndarray | None = None):
        self.b = b
        self.m = np.ones(b.shape, dtype=bool) if m is None else m


def bytes_field(strings: np.ndarray) -> Field:
    """Fixed-width numpy 'S' array -> Field (NUL padding is dropped)."""
    s = np.ascontiguousarray(strings)
    w = s.dtype.itemsize
    b = s.view(np.uint8).reshape(len(s), w)
    return Field(b, b != 0)


def int_field(v: np.ndarray, width: int, pad: bool = False, empty: np.ndarray | None = None) -> Field:
    """Non-negative integers as decimal text (zero padded when pad=True).
    Rows where ``empty`` is True render as the empty string."""
    v = np.asarray(v, dtype=np.int64)
    assert v.size == 0 or (v.min() >= 0 and v.max() < 10**width)
    pw = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    d = (v[:, None] // pw[None, :]) % 10
    b = (d + ZERO).astype(np.uint8)
    if pad:
        m = np.ones(b.shape, dtype=bool)
    else:
        # keep from the first non-zero digit; always keep the last digit
        nz = np.cumsum(d != 0, axis=1) > 0
        nz[:, -1] = True
        m = nz
    if empty is not None:
        m &= ~empty[:, None]
    return Field(b, m)


def float_field(x: np.ndarray) -> Field:
    """Floats in positional notation rounded to 6 significant digits with
    trailing zeros trimmed -- the same text as printf %.6g for
    1e-4 <= |x| < 1e5 (positional instead of exponent notation for
    1e-6 <= |x| < 1e-4).  |x| < 1e-6 is written as 0, NaN as the empty
    string.  The text of each value is assembled in two little-endian uint64
    words with shifts and masks, so no per-byte gathers are needed."""
    assert sys.byteorder == "little"
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    nan = np.isnan(x)
    a = np.where(nan, 0.0, np.abs(x))
    zero = a < 1e-6
    a_safe = np.where(zero, 1.0, a)
    e = np.floor(np.log10(a_safe)).astype(np.int64)
    m = np.rint(a_safe * 10.0 ** (5 - e)).astype(np.int64)
    # log10 / scaling round-off at decade boundaries
    hi = m >= 10**6
    e = np.where(hi, e + 1, e)
    lo = m < 10**5
    e = np.where(lo, e - 1, e)
    m = np.where(hi | lo, np.rint(a_safe * 10.0 ** (5 - e)).astype(np.int64), m)
    m = np.where(m >= 10**6, 10**5, m)
    e = np.where(zero, 0, e)
    if n and e.max() > 4:
        raise ValueError("float_field supports |x| < 1e5 only")
    # ASCII digits of m in bytes 0..5 (leading digit in byte 0), and the
    # number of trailing zero digits
    D = np.zeros(n, dtype=np.uint64)
    tz = np.zeros(n, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    mm = m.copy()
    for i in range(5, -1, -1):
        dig = mm % 10
        D |= (dig + ZERO).astype(np.uint64) << np.uint64(8 * i)
        alive &= dig == 0
        tz += alive
        mm //= 10
    pos = e >= 0
    # e >= 0: e+1 integer digits, '.', the rest
    k8 = (8 * (np.where(pos, e, 0) + 1)).astype(np.uint64)
    lo_mask = (np.uint64(1) << k8) - np.uint64(1)
    w_pos = (D & lo_mask) | (np.uint64(ord(".")) << k8) | ((D & ~lo_mask) << np.uint64(8))
    # e < 0: "0." then z = -e-1 zeros then the 6 digits (up to 13 bytes)
    z = np.where(pos, 0, -e - 1)
    ptab = np.array([int.from_bytes(b"0." + b"0" * j, "little") for j in range(6)], dtype=np.uint64)
    s8 = (8 * (2 + z)).astype(np.uint64)
    w_neg_lo = ptab[z] | (D << s8)
    w_neg_hi = D >> (np.uint64(64) - s8)
    words = np.empty((n, 2), dtype=np.uint64)
    words[:, 0] = np.where(pos, w_pos, w_neg_lo)
    words[:, 1] = np.where(pos, np.uint64(0), w_neg_hi)
    words[zero, 0] = ZERO
    frac = 5 - e
    trim = np.minimum(tz, frac)
    length = np.where(pos, 7 - trim - (tz >= frac), 8 + z - tz)
    length[zero] = 1
    length[nan] = 0
    b = np.empty((n, 17), dtype=np.uint8)
    b[:, 0] = ord("-")
    b[:, 1:] = words.view(np.uint8).reshape(n, 16)
    mk = np.empty(b.shape, dtype=bool)
    mk[:, 0] = (x < 0) & ~zero
    mk[:, 1:] = np.arange(16)[None, :] < length[:, None]
    return Field(b, mk)


def const_field(n: int, s: bytes) -> Field:
    b = np.frombuffer(s, dtype=np.uint8)
    return Field(np.broadcast_to(b, (n, len(b))).copy())


def write_rows(fh, fields: list[Field]) -> None:
    """Write rows made of ``fields`` separated by ',' and ended by '\\n'."""
    n = fields[0].b.shape[0]
    parts_b, parts_m = [], []
    for i, f in enumerate(fields):
        parts_b.append(f.b)
        parts_m.append(f.m)
        sep = b"\n" if i == len(fields) - 1 else b","
        parts_b.append(np.full((n, 1), sep[0], dtype=np.uint8))
        parts_m.append(np.ones((n, 1), dtype=bool))
    B = np.concatenate(parts_b, axis=1)
    M = np.concatenate(parts_m, axis=1)
    fh.write(B[M].tobytes())


# --------------------------------------------------------------------------
# the community model
# --------------------------------------------------------------------------
def id_width(n: int) -> int:
    return max(7, len(str(max(n - 1, 0))))


def stage_counts(n: int) -> np.ndarray:
    c = np.floor(np.array(STAGE_SHARES) * n).astype(np.int64)
    rem = n - c.sum()
    frac = np.array(STAGE_SHARES) * n - c
    c[np.argsort(-frac, kind="stable")[:rem]] += 1
    return c


def tag_distributions(rng, n_clusters: int) -> np.ndarray:
    """(n_clusters, N_TAGS) tag sampling distributions."""
    zipf = 1.0 / np.arange(1, N_TAGS + 1) ** ZIPF_S
    zipf /= zipf.sum()
    # popularity rank -> tag id: shuffle so t00 is not always the top tag
    perm = rng.permutation(N_TAGS)
    glob = np.empty(N_TAGS)
    glob[perm] = zipf
    # favourite topics of each cluster, drawn by popularity (Gumbel top-k)
    g = np.log(glob)[None, :] + rng.gumbel(size=(n_clusters, N_TAGS))
    fav = np.argsort(-g, axis=1)[:, :TAGS_PER_CLUSTER]
    local = np.zeros((n_clusters, N_TAGS))
    np.put_along_axis(local, fav, 1.0 / TAGS_PER_CLUSTER, axis=1)
    # mixing so the marginal stays close to the (flat enough) zipf law
    return 0.6 * glob[None, :] + 0.4 * local


def generate(n: int, seed: int):
    rng = np.random.default_rng(seed)
    S = len(STAGES)
    n_clusters = max(8, n // 1000)

    stage = rng.permutation(np.repeat(np.arange(S), stage_counts(n)))
    cluster = rng.integers(0, n_clusters, size=n)

    # features: cluster centre + noise, a few members without embedding
    centres = rng.normal(0.0, 1.0, size=(n_clusters, N_FEATURES))
    feats = centres[cluster] + rng.normal(0.0, 0.8, size=(n, N_FEATURES))
    feats[rng.random(n) < 0.002] = 0.0

    # tags: 1..3 distinct, cluster-flavoured
    tdist = tag_distributions(rng, n_clusters)
    cdf = np.cumsum(tdist, axis=1)
    cdf[:, -1] = 1.0
    # inverse CDF per member's cluster row, all clusters in one sorted array:
    # row c lives in [c, c + 1]
    flat = (cdf + np.arange(n_clusters)[:, None]).ravel()
    u = rng.random((n, 3))
    ctags = np.searchsorted(flat, cluster[:, None] + u, side="right") - cluster[:, None] * N_TAGS
    ctags = np.clip(ctags, 0, N_TAGS - 1)
    ntags = rng.choice([1, 2, 3], size=n, p=[0.3, 0.4, 0.3])
    tvalid = np.arange(3)[None, :] < ntags[:, None]
    tvalid[:, 1] &= ctags[:, 1] != ctags[:, 0]
    tvalid[:, 2] &= (ctags[:, 2] != ctags[:, 0]) & (ctags[:, 2] != ctags[:, 1])

    # satisfaction: later stages happier, ~10 % unknown
    mu = np.array([6.3, 6.9, 7.4, 8.0, 8.7])[stage]
    sat = np.clip(np.rint(rng.normal(mu, 2.0)), 0, 10).astype(np.int64)
    sat_empty = rng.random(n) < 0.10
    # capacity: mostly empty (journey default), some 0..5
    cap = rng.integers(0, 6, size=n)
    cap_empty = rng.random(n) >= 0.15
    opted = (rng.random(n) < 0.02).astype(np.int64)
    activity = np.round(rng.lognormal(2.5, 1.0, size=n), 1)

    # interactions: 4N rows, mean degree 8
    m = 4 * n
    w = activity + 1.0
    cw = np.cumsum(w)
    src = np.minimum(np.searchsorted(cw, rng.random(m) * cw[-1], side="right"), n - 1)
    key = cluster * S + stage
    order = np.argsort(key, kind="stable")
    starts = np.searchsorted(key[order], np.arange(n_clusters * S + 1))
    delta = rng.choice([-1, 0, 1], size=m, p=[0.3, 0.4, 0.3])
    tstage = stage[src] + delta
    tstage = np.where((tstage < 0) | (tstage >= S), stage[src], tstage)
    g = cluster[src] * S + tstage
    gsize = starts[g + 1] - starts[g]
    local = (rng.random(m) < LOCAL_EDGE_SHARE) & (gsize > 0)
    pick = starts[g] + np.floor(rng.random(m) * np.maximum(gsize, 1)).astype(np.int64)
    pick = np.minimum(pick, n - 1)
    tgt = np.where(local, order[pick], rng.integers(0, n, size=m))
    self_loop = tgt == src
    tgt[self_loop] = (src[self_loop] + 1 + rng.integers(0, n - 1, size=self_loop.sum())) % n
    flip = rng.random(m) < 0.5
    src, tgt = np.where(flip, tgt, src), np.where(flip, src, tgt)
    weight = rng.choice([1, 2, 3], size=m, p=[0.6, 0.3, 0.1])
    # rows are i.i.d., so handing out sorted timestamps in row order is the
    # same as sorting the rows by a random timestamp
    ts = np.sort(rng.integers(T0, T1, size=m))

    members = {
        "stage": stage,
        "feats": feats,
        "ctags": ctags,
        "tvalid": tvalid,
        "sat": sat,
        "sat_empty": sat_empty,
        "cap": cap,
        "cap_empty": cap_empty,
        "opted": opted,
        "activity": activity,
        "cluster": cluster,
    }
    inter = {"src": src, "tgt": tgt, "weight": weight, "ts": ts}
    return members, inter


def write_members(path: str, mem: dict) -> None:
    n = len(mem["stage"])
    wid = id_width(n)
    stage_names = np.array([s.encode() for s in STAGES])
    tag_names = np.array([f"t{i:02d}".encode() for i in range(N_TAGS)])
    header = ["id", "stage", "satisfaction", "capacity", "opted_out", "activity", "tags"] + [
        f"f_{i}" for i in range(N_FEATURES)
    ]
    with open(path, "wb") as fh:
        fh.write((",".join(header) + "\n").encode())
        for a in range(0, n, CHUNK_ROWS):
            b = min(n, a + CHUNK_ROWS)
            idx = np.arange(a, b)
            k = b - a
            ids = int_field(idx, wid, pad=True)
            ids = Field(
                np.concatenate([np.full((k, 1), ord("u"), np.uint8), ids.b], axis=1),
                np.concatenate([np.ones((k, 1), bool), ids.m], axis=1),
            )
            tv = mem["tvalid"][a:b]
            ct = mem["ctags"][a:b]
            tb = [bytes_field(tag_names[ct[:, 0]])]
            for j in (1, 2):
                f = bytes_field(tag_names[ct[:, j]])
                f.m &= tv[:, j : j + 1]
                sep = Field(np.full((k, 1), ord(";"), np.uint8), tv[:, j : j + 1].copy())
                tb += [sep, f]
            tags = Field(np.concatenate([f.b for f in tb], axis=1), np.concatenate([f.m for f in tb], axis=1))
            fields = [
                ids,
                bytes_field(stage_names[mem["stage"][a:b]]),
                int_field(mem["sat"][a:b], 2, empty=mem["sat_empty"][a:b]),
                int_field(mem["cap"][a:b], 1, empty=mem["cap_empty"][a:b]),
                int_field(mem["opted"][a:b], 1),
                float_field(mem["activity"][a:b]),
                tags,
            ]
            fields += [float_field(mem["feats"][a:b, j]) for j in range(N_FEATURES)]
            write_rows(fh, fields)


def write_interactions(path: str, inter: dict, n: int) -> None:
    m = len(inter["src"])
    wid = id_width(n)
    with open(path, "wb") as fh:
        fh.write(b"source,target,weight,timestamp\n")
        for a in range(0, m, CHUNK_ROWS * 4):
            b = min(m, a + CHUNK_ROWS * 4)
            k = b - a
            u = np.full((k, 1), ord("u"), np.uint8)
            one = np.ones((k, 1), bool)
            s = int_field(inter["src"][a:b], wid, pad=True)
            t = int_field(inter["tgt"][a:b], wid, pad=True)
            fields = [
                Field(np.concatenate([u, s.b], 1), np.concatenate([one, s.m], 1)),
                Field(np.concatenate([u, t.b], 1), np.concatenate([one, t.m], 1)),
                int_field(inter["weight"][a:b], 1),
                int_field(inter["ts"][a:b], 10),
            ]
            write_rows(fh, fields)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--members", type=int, required=True, help="number of members N (>= 2)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", required=True, help="output directory")
    args = ap.parse_args(argv)
    if args.members < 10:
        ap.error("--members must be >= 10")
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()
    mem, inter = generate(args.members, args.seed)
    t1 = time.perf_counter()
    mpath = os.path.join(args.out, "members.csv")
    ipath = os.path.join(args.out, "interactions.csv")
    # write to temporary names so an interrupted run never leaves a
    # half-written file under the final name
    write_members(mpath + ".tmp", mem)
    write_interactions(ipath + ".tmp", inter, args.members)
    os.replace(mpath + ".tmp", mpath)
    os.replace(ipath + ".tmp", ipath)
    t2 = time.perf_counter()
    info = {
        "members": args.members,
        "interactions": len(inter["src"]),
        "seed": args.seed,
        "generate_s": round(t1 - t0, 3),
        "write_s": round(t2 - t1, 3),
        "total_s": round(t2 - t0, 3),
        "members_bytes": os.path.getsize(mpath),
        "interactions_bytes": os.path.getsize(ipath),
    }
    with open(os.path.join(args.out, "generate.json"), "w") as fh:
        json.dump(info, fh)
        fh.write("\n")
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
