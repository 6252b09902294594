#!/usr/bin/env python3
"""Synthetic members + events generator for the lead-scoring benchmarks.

    python3 benchmarks/generate_events.py [--members N] [--events E] [--seed S] [--out DIR]

writes (default DIR = benchmarks/data/lead_<N>_<E>/, git-ignored):

* ``members.csv``: ``id,stage,satisfaction,capacity,opted_out,activity,tags,country``
  with ids ``m0000001`` .. (fixed width, so string order == numeric order);
  stages of the default journey with shares 40/25/15/12/8 %; satisfaction
  0-10, ~10 % empty; capacity mostly empty, ~15 % an integer 0-5; ~2 %
  opted out; activity >= 0 with one decimal, ~5 % empty; 0-3 distinct tags
  out of 50 (Zipf-like popularity of the first one); a text column
  ``country`` with 20 ISO codes (skewed).
* ``events.csv``: ``member,action,timestamp,value``: 12 action names with
  skewed frequencies (visit 40 % ... referral 1 %, unsubscribe 4.5 %),
  integer unix-second timestamps uniform over 2023-01-01 .. 2025-01-01,
  rows in timestamp order (like an event log export); members drawn with a
  heavy-tailed (lognormal) activity weight, later stages more active;
  ``value`` (an amount with cents) only for ``purchase``, empty otherwise.
* ``journey.json``: the default stages with a lead_scoring table
  (half_life_days 60, the 12 actions incl. ``purchase`` per_value and a
  negative ``unsubscribe``, 4 fit rules: tag, country equals, activity min,
  satisfaction min) and stage_rules for the 4 later stages (min_score,
  min_engagement, milestones incl. at_least).
* ``generate.json``: sizes, seed and timings.

Everything is vectorised numpy; CSV text is assembled as a byte matrix (a
fixed-width slot per field plus a keep mask) in chunks, so 20M event rows
are written in well under a minute.  Output is a pure function of
(members, events, seed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time

import numpy as np

STAGES = ["prospect", "interested", "new_customer", "loyal", "advocate"]
STAGE_SHARES = np.array([0.40, 0.25, 0.15, 0.12, 0.08])
STAGE_ACTIVITY = np.array([0.6, 1.0, 1.3, 1.6, 2.0])  # event-rate multiplier per stage

ACTIONS = [
    "visit",
    "email_open",
    "content_download",
    "email_click",
    "webinar",
    "purchase",
    "unsubscribe",
    "demo_request",
    "trial_start",
    "renewal",
    "review",
    "referral",
]
ACTION_P = np.array([0.40, 0.18, 0.10, 0.08, 0.05, 0.05, 0.045, 0.03, 0.02, 0.02, 0.015, 0.01])

TAGS = [
    "kubernetes",
    "security",
    "python",
    "java",
    "golang",
    "rust",
    "devops",
    "cloud",
    "aws",
    "azure",
    "gcp",
    "terraform",
    "ansible",
    "docker",
    "linux",
    "windows",
    "networking",
    "databases",
    "postgres",
    "mysql",
    "mongodb",
    "redis",
    "kafka",
    "spark",
    "ml",
    "ai",
    "analytics",
    "bi",
    "dashboards",
    "observability",
    "monitoring",
    "logging",
    "tracing",
    "sre",
    "testing",
    "ci",
    "cd",
    "gitops",
    "frontend",
    "backend",
    "mobile",
    "ios",
    "android",
    "api",
    "graphql",
    "grpc",
    "compliance",
    "privacy",
    "finops",
    "billing",
]
COUNTRIES = [
    "US",
    "DE",
    "GB",
    "FR",
    "IN",
    "BR",
    "CA",
    "NL",
    "ES",
    "IT",
    "JP",
    "AU",
    "SE",
    "PL",
    "CH",
    "MX",
    "KR",
    "SG",
    "ZA",
    "IE",
]

T0, T1 = 1672531200, 1735689600  # 2023-01-01 .. 2025-01-01 (UTC)
CHUNK = 1 << 20

# The journey of the event benchmarks (stages, lead-scoring table, stage
# rules), written beside the data.
JOURNEY_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lead_benchmark_journey.json")


# --------------------------------------------------------------------------
# byte-matrix CSV assembly
# --------------------------------------------------------------------------
def _strings(items: list) -> np.ndarray:
    return np.array([s.encode() for s in items])


def bytes_field(codes: np.ndarray, table: np.ndarray, empty: np.ndarray | None = None):
    """(bytes, mask) of table[codes]; NUL padding dropped; ``empty`` rows blank."""
    s = np.ascontiguousarray(table[codes])
    b = s.view(np.uint8).reshape(len(s), s.dtype.itemsize)
    m = b != 0
    if empty is not None:
        m &= ~empty[:, None]
    return b, m


def int_field(v: np.ndarray, width: int, pad: bool = False, empty: np.ndarray | None = None):
    """Non-negative integers as decimal text (zero padded to ``width`` if pad)."""
    v = np.asarray(v, dtype=np.int64)
    pw = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    d = (v[:, None] // pw[None, :]) % 10
    b = (d + ord("0")).astype(np.uint8)
    if pad:
        m = np.ones(b.shape, dtype=bool)
    else:
        m = np.cumsum(d != 0, axis=1) > 0
        m[:, -1] = True
    if empty is not None:
        m &= ~empty[:, None]
    return b, m


def const_field(n: int, s: bytes, empty: np.ndarray | None = None):
    b = np.broadcast_to(np.frombuffer(s, dtype=np.uint8), (n, len(s)))
    m = np.ones(b.shape, dtype=bool)
    if empty is not None:
        m &= ~empty[:, None]
    return b, m


def write_rows(fh, columns: list) -> None:
    """``columns``: one list of (bytes, mask) fields per CSV column (the
    fields of a column are concatenated).  Writes ``,``-separated rows."""
    n = columns[0][0][0].shape[0]
    parts_b, parts_m = [], []
    for i, fields in enumerate(columns):
        for b, m in fields:
            parts_b.append(b)
            parts_m.append(m)
        parts_b.append(np.full((n, 1), ord("\n" if i == len(columns) - 1 else ","), dtype=np.uint8))
        parts_m.append(np.ones((n, 1), dtype=bool))
    B = np.concatenate(parts_b, axis=1)
    M = np.concatenate(parts_m, axis=1)
    fh.write(B[M].tobytes())


def write_csv(path: str, header: bytes, rows: int, columns_of) -> None:
    """Write ``header`` and then the rows in chunks of CHUNK;
    ``columns_of(a, b)`` gives the ``write_rows`` columns of rows a..b-1
    (called in row order, so random draws inside it stay in sequence)."""
    with open(path, "wb") as fh:
        fh.write(header)
        for a in range(0, rows, CHUNK):
            write_rows(fh, columns_of(a, min(rows, a + CHUNK)))


# --------------------------------------------------------------------------
# members
# --------------------------------------------------------------------------
def id_width(n: int) -> int:
    return max(7, len(str(n)))


def stage_of_members(rng, n: int) -> np.ndarray:
    counts = np.floor(STAGE_SHARES * n).astype(np.int64)
    counts[0] += n - counts.sum()
    st = np.repeat(np.arange(len(STAGES)), counts)
    rng.shuffle(st)
    return st


def write_members(path: str, rng, n: int) -> np.ndarray:
    """Writes members.csv; returns the stage of every member."""
    stage = stage_of_members(rng, n)
    sat = np.clip(np.rint(rng.normal(5.5 + 0.8 * stage, 2.2)), 0, 10).astype(np.int64)
    sat_empty = rng.random(n) < 0.10
    cap = rng.integers(0, 6, n)
    cap_empty = rng.random(n) >= 0.15
    opted = (rng.random(n) < 0.02).astype(np.int64)
    act10 = np.minimum(np.rint(rng.lognormal(1.5, 1.0, n) * 10), 99999).astype(np.int64)
    act_empty = rng.random(n) < 0.05
    n_tags = rng.choice(4, size=n, p=[0.15, 0.35, 0.30, 0.20])
    zipf = 1.0 / np.arange(1, len(TAGS) + 1) ** 0.8
    t1 = rng.choice(len(TAGS), size=n, p=zipf / zipf.sum())
    o2 = rng.integers(1, len(TAGS), n)
    o3 = rng.integers(1, len(TAGS) - 1, n)
    o3 = np.where(o3 >= o2, o3 + 1, o3)
    t2 = (t1 + o2) % len(TAGS)
    t3 = (t1 + o3) % len(TAGS)
    cw = 1.0 / np.arange(1, len(COUNTRIES) + 1) ** 1.1
    country = rng.choice(len(COUNTRIES), size=n, p=cw / cw.sum())

    stage_tab = _strings(STAGES)
    tag_tab = _strings(TAGS)
    semi_tag_tab = _strings([";" + t for t in TAGS])
    country_tab = _strings(COUNTRIES)
    w = id_width(n)

    def columns(a: int, b: int) -> list:
        k = b - a
        sl = slice(a, b)
        return [
            [const_field(k, b"m"), int_field(np.arange(a + 1, b + 1), w, pad=True)],
            [bytes_field(stage[sl], stage_tab)],
            [int_field(sat[sl], 2, empty=sat_empty[sl])],
            [int_field(cap[sl], 1, empty=cap_empty[sl])],
            [int_field(opted[sl], 1)],
            [
                int_field(act10[sl] // 10, 5, empty=act_empty[sl]),
                const_field(k, b".", empty=act_empty[sl]),
                int_field(act10[sl] % 10, 1, empty=act_empty[sl]),
            ],
            [
                bytes_field(t1[sl], tag_tab, empty=n_tags[sl] < 1),
                bytes_field(t2[sl], semi_tag_tab, empty=n_tags[sl] < 2),
                bytes_field(t3[sl], semi_tag_tab, empty=n_tags[sl] < 3),
            ],
            [bytes_field(country[sl], country_tab)],
        ]

    write_csv(path, b"id,stage,satisfaction,capacity,opted_out,activity,tags,country\n", n, columns)
    return stage


# --------------------------------------------------------------------------
# events
# --------------------------------------------------------------------------
def write_events(path: str, rng, n: int, e: int, stage: np.ndarray) -> None:
    weight = rng.lognormal(0.0, 1.0, n) * STAGE_ACTIVITY[stage]
    cdf = np.cumsum(weight)
    cdf /= cdf[-1]
    ts = np.sort(rng.integers(T0, T1, e))
    action_cdf = np.cumsum(ACTION_P / ACTION_P.sum())
    action_tab = _strings(ACTIONS)
    purchase = ACTIONS.index("purchase")
    w = id_width(n)

    def columns(a: int, b: int) -> list:
        k = b - a
        mem = np.minimum(np.searchsorted(cdf, rng.random(k), side="right"), n - 1)
        act = np.minimum(np.searchsorted(action_cdf, rng.random(k), side="right"), len(ACTIONS) - 1)
        cents = np.minimum(np.rint(rng.lognormal(4.0, 1.0, k) * 100), 99_999_999).astype(np.int64)
        no_value = act != purchase
        return [
            [const_field(k, b"m"), int_field(mem + 1, w, pad=True)],
            [bytes_field(act, action_tab)],
            [int_field(ts[a:b], 10)],
            [
                int_field(cents // 100, 6, empty=no_value),
                const_field(k, b".", empty=no_value),
                int_field(cents % 100, 2, pad=True, empty=no_value),
            ],
        ]

    write_csv(path, b"member,action,timestamp,value\n", e, columns)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--events", type=int, default=20_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=None, help="output directory (default benchmarks/data/lead_<members>_<events>)")
    args = ap.parse_args(argv)
    if args.members < 1 or args.events < 0:
        ap.error("--members must be >= 1 and --events >= 0")
    out = args.out or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "data", f"lead_{args.members}_{args.events}"
    )
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    t = time.perf_counter()
    stage = write_members(os.path.join(out, "members.csv"), rng, args.members)
    t_members = time.perf_counter() - t
    t = time.perf_counter()
    write_events(os.path.join(out, "events.csv"), rng, args.members, args.events, stage)
    t_events = time.perf_counter() - t
    shutil.copyfile(JOURNEY_FILE, os.path.join(out, "journey.json"))
    info = {
        "members": args.members,
        "events": args.events,
        "seed": args.seed,
        "out": out,
        "members_s": round(t_members, 3),
        "events_s": round(t_events, 3),
        "events_bytes": os.path.getsize(os.path.join(out, "events.csv")),
    }
    with open(os.path.join(out, "generate.json"), "w", encoding="utf-8") as fh:
        json.dump(info, fh, indent=2)
        fh.write("\n")
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
