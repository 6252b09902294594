"""Pieces shared by the test helpers communities.py (CLI tests) and
pkg_reference.py (package tests): random-input building blocks and the
rank-by-rank comparison of recommendations with a reference.

Nothing here imports engage_right or the C++ code.
"""

from __future__ import annotations

import csv

import numpy as np

from reference import WEIGHT_KEYS

TOL = 1e-5  # values vs the reference (the product's contract)
NEAR_TIE = 1e-9  # scores this close may be ordered either way unless an exact tie

WEIGHT_CHOICES = [0.0, 0.1, 0.33, 0.5, 1.0, 2.5]
TAG_VOCAB = ["kubernetes", "security", "billing", "ml", "api", "onboarding", "sso", "edge"]

# satisfaction skewed towards happy members so most peers are eligible
_SAT_P = np.array([1, 1, 1, 1, 1, 2, 2, 4, 5, 5, 4], dtype=float)
_SAT_P /= _SAT_P.sum()


def write_csv(path, header, rows, *, bom=False, crlf=False, quote_all=False):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        if bom:
            fh.write("\ufeff")
        w = csv.writer(
            fh, lineterminator="\r\n" if crlf else "\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
        )
        w.writerow(header)
        w.writerows(rows)


def unique_ids(rng, n, prefixes, max_digits):
    """n distinct ids: a random prefix and a number of 1..max_digits digits."""
    ids, seen = [], set()
    while len(ids) < n:
        pre = prefixes[rng.integers(len(prefixes))]
        num = int(rng.integers(0, 10 ** int(rng.integers(1, max_digits + 1))))
        cand = f"{pre}{num}"
        if cand not in seen:
            seen.add(cand)
            ids.append(cand)
    return ids


def random_tag_vocabulary(rng, wide_vocab):
    """(vocabulary, popularity or None, wide): sometimes a vocabulary wider
    than 64 tags with skewed popularity (the library keeps 64-bit tag
    signatures, so tags then share bits)."""
    if not rng.random() < 0.3:
        return TAG_VOCAB, None, False
    popularity = 1.0 / np.arange(1, len(wide_vocab) + 1) ** 0.7
    popularity /= popularity.sum()
    return wide_vocab, popularity, True


def random_satisfactions(rng, n):
    """n satisfactions 0..10 (skewed towards happy), None for 30% blanks."""
    return [None if rng.random() < 0.3 else int(rng.choice(11, p=_SAT_P)) for _ in range(n)]


def random_capacities(rng, n):
    """n capacities: None (40%), 0 (15%) or 1..5."""
    cap = []
    for _ in range(n):
        r = rng.random()
        cap.append(None if r < 0.4 else (0 if r < 0.55 else int(rng.integers(1, 6))))
    return cap


def random_pairs(rng, nodes, m):
    """m random contacts between distinct nodes, plus a few duplicates (both
    directions) and self-loops."""
    pairs = []
    for _ in range(m):
        a, b = rng.choice(nodes, size=2, replace=False)
        pairs.append((int(a), int(b)))
    for _ in range(int(rng.integers(0, 4))):
        if pairs:
            a, b = pairs[int(rng.integers(len(pairs)))]
            pairs.append((b, a) if rng.random() < 0.5 else (a, b))
    for _ in range(int(rng.integers(0, 3))):
        a = int(rng.choice(nodes))
        pairs.insert(int(rng.integers(len(pairs) + 1)), (a, a))
    return pairs


def random_stage_gap(rng, n_stages, notes):
    """A random stage gap in half the draws, (1, 1) otherwise; a non-default
    gap adds "stage_gap" to notes. Drawn last by the case builders, so that
    every draw before it stays as it was."""
    if rng.random() >= 0.5:
        return (1, 1)
    steps = n_stages - 1
    lo = int(rng.integers(1, steps + 1))
    gap = (lo, int(rng.integers(lo, steps + 1)))
    if gap != (1, 1):
        notes.append("stage_gap")
    return gap


def random_weights(rng, partial=False):
    """Random weights; partial: each key kept with probability 0.6 (at least one)."""
    keys = [k for k in WEIGHT_KEYS if not partial or rng.random() < 0.6] or ["similarity"]
    return {
        k: (round(float(rng.random()), 3) if rng.random() < 0.3 else WEIGHT_CHOICES[rng.integers(len(WEIGHT_CHOICES))])
        for k in keys
    }


def components(r):
    return (r.similarity, r.tags, r.proximity, r.happiness)


def compare_ranked(rows, ref_full, top, *, exact_tie, check_row, rank, context=""):
    """Compare recommendation rows (dicts with member, rank, peer, ... keys)
    with a reference (ref_full: member -> every eligible peer's record,
    sorted, in the expected member order): exact top-`top`, only near ties
    (< NEAR_TIE, not exact_tie) may be ordered differently, exact ties go to
    the smaller peer id. rank(i) is the expected rank field of rank i;
    check_row(row, ref, where) checks the numbers of one row. Returns the
    tolerated near-tie orderings; raises AssertionError on a mismatch."""
    order, by_member = [], {}
    # grouping: members appear in members order, each once, ranks 1..n
    for row in rows:
        m = row["member"]
        if not order or order[-1] != m:
            assert m not in by_member, f"{context}: rows of member {m!r} are not contiguous"
            order.append(m)
            by_member[m] = []
        by_member[m].append(row)
    expected = [m for m, recs in ref_full.items() if recs]
    assert order == expected, (
        f"{context}: members with recommendations / their order differ\n"
        f"  got only: {sorted(set(order) - set(expected))[:10]}\n"
        f"  ref only: {sorted(set(expected) - set(order))[:10]}\n"
        f"  got head: {order[:10]}\n  ref head: {expected[:10]}"
    )
    tolerated = []
    for m in expected:
        full = ref_full[m]
        want = full[:top]
        got = by_member[m]
        ref_by_peer = {r.peer: r for r in full}
        assert len(got) == len(want), (
            f"{context}: member {m!r}: {len(got)} rows, expected {len(want)}\n"
            f"  got: {[r['peer'] for r in got]}\n  ref: {[(r.peer, round(r.score, 6)) for r in want]}"
        )
        for i, row in enumerate(got):
            where = f"{context}: member {m!r} rank {i + 1} peer {row['peer']!r}"
            assert row["rank"] == rank(i + 1), f"{where}: rank {row['rank']!r}"
            assert row["peer"] in ref_by_peer, (
                f"{where}: not an eligible peer per the reference (hard rules); ref top: "
                f"{[(r.peer, round(r.score, 6)) for r in want]}"
            )
            ref = ref_by_peer[row["peer"]]
            assert row["member_stage"] == ref.member_stage, (
                f"{where}: member_stage {row['member_stage']!r} != {ref.member_stage!r}"
            )
            assert row["peer_stage"] == ref.peer_stage, (
                f"{where}: peer_stage {row['peer_stage']!r} != {ref.peer_stage!r}"
            )
            assert row["channel"] == ref.channel, f"{where}: channel {row['channel']!r} != {ref.channel!r}"
            check_row(row, ref, where)
        got_peers = [r["peer"] for r in got]
        want_peers = [r.peer for r in want]
        if got_peers == want_peers:
            continue
        # Only near-ties (|delta score| <= NEAR_TIE with different components,
        # i.e. ties that exist mathematically but whose floating point sums
        # may differ in the last bit) may be ordered differently.
        got_recs = [ref_by_peer[p] for p in got_peers]
        for i, (a, b) in enumerate(zip(got_recs, want)):
            if a.peer == b.peer:
                continue
            assert abs(a.score - b.score) <= NEAR_TIE and not exact_tie(a, b), (
                f"{context}: member {m!r}: ranking differs at rank {i + 1}: got {a.peer!r} "
                f"(ref score {a.score!r}, components {components(a)}) where the reference has {b.peer!r} "
                f"(score {b.score!r}, components {components(b)})\n"
                f"  got: {got_peers}\n  ref: {want_peers}"
            )
        for a, b in zip(got_recs, got_recs[1:]):
            if exact_tie(a, b):
                assert a.peer < b.peer, (
                    f"{context}: member {m!r}: exact tie (identical components {components(a)}) "
                    f"not broken by peer id ascending: {a.peer!r} before {b.peer!r}\n"
                    f"  got: {got_peers}\n  ref: {want_peers}"
                )
        tolerated.append((m, got_peers, want_peers))
    return tolerated


def finish_random_journey(rng, spec, steps, min_peer_satisfaction_below):
    """Completes a random custom journey spec: at least one enabled step,
    then optional min_peer_satisfaction, default_capacity and weights."""
    if not any(s["enabled"] for s in steps):
        steps[int(rng.integers(len(steps)))]["enabled"] = True
    spec["steps"] = steps
    if rng.random() < 0.5:
        spec["min_peer_satisfaction"] = int(rng.integers(0, min_peer_satisfaction_below))
    if rng.random() < 0.5:
        spec["default_capacity"] = int(rng.integers(0, 5))
    if rng.random() < 0.5:
        spec["weights"] = random_weights(rng)
    return spec
