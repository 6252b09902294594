"""er.recommend from many Python threads at once gives the serial results,
and long calls release the GIL."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

import engage_right as er
from pkg_reference import compare_recommendations, make_spec

N_THREADS = 8
CALLS = 100


def _community(seed, n, d):
    spec = make_spec(seed, n=n, d=d)
    members_df, feats = spec.members_frame()
    c = er.Community.from_frames(
        members_df, spec.interactions_frame(), journey=spec.journey_for_frames(er), features=feats
    )
    return spec, c


def test_threads_agree_with_serial():
    spec, c = _community(4200, 700, 8)
    opts = spec.options()
    other_opts = {"k": 3, "weights": {"tags": 1.0, "proximity": 0.0}, "allow_existing": True}
    ids = list(spec.ids)
    serial = {m: er.recommend(c, member=m, **opts) for m in ids}
    serial_other = {m: er.recommend(c, member=m, **other_opts) for m in ids[:50]}
    full = er.recommend(c, **opts)
    full_other = er.recommend(c, **other_opts)
    model = spec.model()
    compare_recommendations(full, model, spec.reference(model), spec.k, f"serial {spec.describe()}")
    assert len(full) > 100
    barrier = threading.Barrier(N_THREADS)

    def worker(t):
        rng = np.random.default_rng(t)
        out = []
        barrier.wait()
        for i in range(CALLS):
            if i % 40 == 7:
                out.append(("full", None, er.recommend(c, **opts)))
            elif i % 40 == 27:
                out.append(("full_other", None, er.recommend(c, **other_opts)))
            elif i % 10 == 3:
                m = ids[int(rng.integers(50))]
                out.append(("other", m, er.recommend(c, member=m, **other_opts)))
            else:
                m = ids[int(rng.integers(len(ids)))]
                out.append(("one", m, er.recommend(c, member=m, **opts)))
        return out

    with ThreadPoolExecutor(max_workers=N_THREADS) as pool:
        results = list(pool.map(worker, range(N_THREADS)))
    checked = 0
    for t, out in enumerate(results):
        assert len(out) == CALLS
        for kind, m, got in out:
            want = {"full": full, "full_other": full_other}.get(kind)
            if want is None:
                want = serial[m] if kind == "one" else serial_other[m]
            pd.testing.assert_frame_equal(
                got, want, check_exact=True, obj=f"thread {t}: {kind} recommend(member={m!r})"
            )
            checked += 1
    assert checked == N_THREADS * CALLS


def test_threads_on_different_communities_and_explain():
    communities = [_community(4300 + i, 250, 6) for i in range(4)]
    serial = [er.recommend(c, **spec.options()) for spec, c in communities]
    pairs = []
    for spec, c in communities:
        rows = er.recommend(c, **spec.options()).to_dict("records")[:10]
        pairs.append([(r["member"], r["peer"]) for r in rows])
    opts_no_k = []
    for spec, _ in communities:
        o = spec.options()
        o.pop("k")
        opts_no_k.append(o)
    serial_explain = [[c.explain(m, p, **opts_no_k[i]) for m, p in pairs[i]] for i, (_, c) in enumerate(communities)]

    def worker(t):
        i = t % len(communities)
        spec, c = communities[i]
        out = []
        for _ in range(15):
            out.append(er.recommend(c, **spec.options()))
        expl = [c.explain(m, p, **opts_no_k[i]) for m, p in pairs[i]]
        return i, out, expl

    with ThreadPoolExecutor(max_workers=N_THREADS) as pool:
        for i, out, expl in pool.map(worker, range(N_THREADS)):
            for got in out:
                pd.testing.assert_frame_equal(got, serial[i], check_exact=True)
            assert expl == serial_explain[i]


def test_loading_from_threads():
    spec = make_spec(4400, n=300, d=4)
    members_df, feats = spec.members_frame()
    inter = spec.interactions_frame()
    journey = spec.journey_for_frames(er)
    want = er.recommend(er.Community.from_frames(members_df, inter, journey=journey, features=feats), **spec.options())

    def worker(_):
        c = er.Community.from_frames(members_df, inter, journey=journey, features=feats)
        return er.recommend(c, **spec.options())

    with ThreadPoolExecutor(max_workers=N_THREADS) as pool:
        for got in pool.map(worker, range(16)):
            pd.testing.assert_frame_equal(got, want, check_exact=True)


def _gil_coverage(call, min_total=0.6, max_calls=50):
    """Runs call() repeatedly (at least min_total seconds) while another
    Python thread records heartbeats; returns (covered 10 ms slices, slices,
    total seconds, calls)."""
    beats = []
    stop = threading.Event()

    def heartbeat():
        while not stop.is_set():
            beats.append(time.perf_counter())
            time.sleep(0.0005)

    calls = []
    th = threading.Thread(target=heartbeat)
    th.start()
    try:
        time.sleep(0.01)
        total = 0.0
        while total < min_total and len(calls) < max_calls:
            t0 = time.perf_counter()
            call()
            t1 = time.perf_counter()
            calls.append((t0, t1))
            total += t1 - t0
    finally:
        stop.set()
        th.join()
    bucket = 0.01
    covered = n_buckets = 0
    beats_arr = np.array(beats)
    for t0, t1 in calls:
        for lo in np.arange(t0, t1, bucket):
            hi = min(lo + bucket, t1)
            if hi - lo < bucket / 2:
                continue
            n_buckets += 1
            covered += bool(np.any((beats_arr >= lo) & (beats_arr < hi)))
    return covered, n_buckets, total, len(calls)


def _assert_gil_released(what, covered, n_buckets, total, n_calls):
    assert n_buckets >= 20, f"{what}: calls too short to judge ({total:.3f} s in {n_calls} calls)"
    assert covered >= 0.5 * n_buckets, (
        f"another Python thread ran in only {covered} of {n_buckets} 10 ms slices during "
        f"{what} ({total:.3f} s in {n_calls} calls): the GIL is not released"
    )


def test_long_recommend_calls_release_the_gil():
    """While er.recommend runs in C++, another Python thread keeps running."""
    rng = np.random.default_rng(7)
    n_a, n_b, d = 1200, 30000, 32
    journey = er.Journey.from_json({"name": "two", "stages": ["a", "b"]})
    members = pd.DataFrame({"id": [f"u{i:06d}" for i in range(n_a + n_b)], "stage": ["a"] * n_a + ["b"] * n_b})
    feats = np.ascontiguousarray(rng.normal(size=(n_a + n_b, d)).astype(np.float32))
    c = er.Community.from_frames(members, journey=journey, features=feats)
    got = er.recommend(c, k=1)  # warm-up
    assert len(got) == n_a
    _assert_gil_released("er.recommend", *_gil_coverage(lambda: er.recommend(c, k=1)))


def test_long_csv_loads_release_the_gil(tmp_path):
    """While Community.from_csv parses in C++, another Python thread keeps running."""
    rng = np.random.default_rng(8)
    n, d = 60000, 8
    stages = np.array(["prospect", "interested", "new_customer", "loyal", "advocate"])
    members = pd.DataFrame(
        {
            "id": [f"m{i}" for i in range(n)],
            "stage": stages[rng.integers(0, 5, size=n)],
            "satisfaction": rng.integers(0, 11, size=n),
        }
    )
    for j in range(d):
        members[f"f_{j}"] = np.round(rng.normal(size=n), 4)
    mpath = tmp_path / "members.csv"
    members.to_csv(mpath, index=False)
    src, dst = rng.integers(0, n, size=(2, 4 * n))
    inter = pd.DataFrame({"source": [f"m{i}" for i in src], "target": [f"m{i}" for i in dst], "weight": 1})
    ipath = tmp_path / "interactions.csv"
    inter.to_csv(ipath, index=False)
    c = er.Community.from_csv(str(mpath), str(ipath))
    assert len(c) == n
    _assert_gil_released(
        "Community.from_csv", *_gil_coverage(lambda: er.Community.from_csv(str(mpath), str(ipath)), min_total=0.5)
    )
