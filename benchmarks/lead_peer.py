#!/usr/bin/env python3
"""Lead scoring + stage inference + stage history in pandas/numpy: the
strongest reasonable Python equivalent of ``engage-right score`` /
``infer-stages`` (docs/journey.md "Lead scoring", "Stage rules"), used as the
peer in the lead benchmarks and checked against tests/python/lead_reference.py
by check_lead_peer.py.

    python3 benchmarks/lead_peer.py --members M.csv --events E.csv --journey J.json
                                    [--as-of T] [--out DIR] [--skip-unknown-members]

writes ``DIR/scores.csv`` (member,fit,engagement,total), ``DIR/stages.csv``
(member,stage,timestamp: the stage history, ISO-8601 UTC, members.csv order
then stage order) and ``DIR/inferred.csv`` (member,stage) and prints one JSON
line ``{"read_s", "compute_s", "write_s", "total_s", ...}``.

How it is computed
------------------
* read: pandas ``read_csv`` (``engine="pyarrow"`` when pyarrow is importable,
  else the C engine) in chunks with dtype hints; member ids are mapped to
  members.csv row numbers (a hash lookup per chunk) and actions to small
  integer codes, so only numeric arrays are kept.
* fit: vectorised string ops per fit rule over the members frame.
* engagement at ``as_of``: per-event decayed points, ``np.bincount``
  (= groupby-sum) by member.
* milestones at ``as_of``: one ``bincount`` over (member, action) pairs.
* inferred stage: the rules evaluated as boolean arrays, prefix rule =
  cumulative AND over the stages.
* stage history: events sorted by (member, time) (integer keys packed with
  the row number and sorted in place); the running decayed score at each
  event is ``S_i = 2^-y_i * (carry + cumsum_j p_j 2^y_j)`` with ``y`` the age
  in half-lives since the member's first event (groupby-cumsum, exact
  per-member sequential sums).  To stay far from overflow the time axis is
  cut into segments of 512 half-lives per member (``y`` restarts at each
  segment, the earlier segments enter as a carry decayed to the segment
  start); the loop over segments runs once per 512 half-lives of the longest
  member history (12 half-lives for 2 years at 60 days: one segment).
  Cumulative milestone counts are exact integer cumsums.  Rules are
  evaluated only at the *last* event of each (member, timestamp) group so
  that all events at the same timestamp count together; the first row where
  the prefix rule for stage s holds (groupby-first) gives the history time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import pandas as pd

try:  # noqa: SIM105
    import pyarrow  # noqa: F401

    ENGINE = "pyarrow"
except ImportError:  # pragma: no cover - depends on the environment
    ENGINE = "c"

SECONDS_PER_DAY = 86400.0
SEGMENT_HALVINGS = 512.0
CHUNK_ROWS = 2_000_000
_SPACES = " \t\r\n\f\v"
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_NUMBER_RE = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"


class InputError(ValueError):
    pass


def ascii_lower(s: str) -> str:
    return s.translate(_ASCII_LOWER)


# ----------------------------------------------------------------------------
# journey
# ----------------------------------------------------------------------------
class Plan:
    """The journey's lead scoring and stage rules in array-friendly form."""

    def __init__(self, journey: dict):
        self.stages = list(journey["stages"])
        ls = journey.get("lead_scoring") or {}
        h = ls.get("half_life_days")
        self.half_life = None if h is None else float(h)
        if self.half_life is not None and not self.half_life > 0:
            raise InputError("$.lead_scoring.half_life_days: expected a number > 0")
        self.actions = {}
        for name, spec in (ls.get("actions") or {}).items():
            if isinstance(spec, dict):
                self.actions[name] = (float(spec["points"]), bool(spec.get("per_value", False)))
            else:
                self.actions[name] = (float(spec), False)
        self.fit = list(ls.get("fit") or [])
        given = {ascii_lower(k): v for k, v in (journey.get("stage_rules") or {}).items()}
        self.rules = []
        for s in self.stages[1:]:
            if ascii_lower(s) not in given:
                raise InputError(f"$.stage_rules.{s}: missing rule")
            spec = given[ascii_lower(s)]
            ms = []
            for item in spec.get("milestones") or []:
                if isinstance(item, str):
                    ms.append(((item,), 1))
                elif "any_of" in item:  # alternatives count together
                    ms.append((tuple(dict.fromkeys(item["any_of"])), int(item.get("at_least", 1))))
                else:
                    ms.append(((item["action"],), int(item.get("at_least", 1))))
            self.rules.append(
                {
                    k: (None if spec.get(k) is None else float(spec[k]))
                    for k in ("min_score", "min_fit", "min_engagement")
                }
                | {"milestones": ms}
            )
        self.milestone_actions = sorted({a for r in self.rules for acts, _ in r["milestones"] for a in acts})


# ----------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------
def _header(path: str) -> dict:
    """normalised column name -> name as written."""
    cols = pd.read_csv(path, nrows=0, engine="c").columns
    return {ascii_lower(str(c).strip(_SPACES)).lstrip("\ufeff"): c for c in cols}


def read_members(path: str, plan: Plan) -> pd.DataFrame:
    """Only the columns the fit rules need, all as text (empty = "")."""
    hdr = _header(path)
    if "id" not in hdr:
        raise InputError(f"{path}: missing column id")
    need = {"id"} | {ascii_lower(r["column"].strip(_SPACES)) for r in plan.fit if "column" in r}
    if any("tag" in r for r in plan.fit):
        need.add("tags")
    use = [hdr[c] for c in need if c in hdr]
    # members.csv is small next to events.csv: the C engine (text columns)
    df = pd.read_csv(path, usecols=use, dtype=object, keep_default_na=False, na_filter=False, engine="c")
    df.columns = [ascii_lower(str(c).strip(_SPACES)).lstrip("\ufeff") for c in df.columns]
    df = df.astype(object)
    if df["id"].eq("").any():
        raise InputError(f"{path}: empty id")
    if df["id"].duplicated().any():
        raise InputError(f"{path}: duplicate id {df['id'][df['id'].duplicated()].iloc[0]!r}")
    return df


def _to_seconds(col: pd.Series) -> np.ndarray:
    """Timestamp cells (unix seconds or ISO-8601 text) -> float unix seconds."""
    if col.dtype.kind in "if":
        return col.to_numpy(dtype=np.float64)
    text = col.astype(object).to_numpy()
    num = pd.to_numeric(pd.Series(text), errors="coerce").to_numpy(dtype=np.float64, copy=True)
    bad = np.isnan(num)
    if bad.any():
        iso = pd.to_datetime(pd.Series(text[bad]), format="ISO8601", utc=True, errors="coerce")
        if iso.isna().any():
            raise InputError(f"bad timestamp {text[bad][iso.isna().to_numpy()][0]!r}")
        num[bad] = iso.dt.as_unit("ns").astype("int64").to_numpy() / 1e9
    return num


def read_events(path: str, members: pd.DataFrame, skip_unknown: bool = False):
    """(member row number int32, action code int16, timestamp float64,
    value float64 (NaN = empty), action names, skipped rows)."""
    hdr = _header(path)
    for c in ("member", "action", "timestamp"):
        if c not in hdr:
            raise InputError(f"{path}: missing column {c}")
    names = {hdr["member"]: "member", hdr["action"]: "action", hdr["timestamp"]: "timestamp"}
    if "value" in hdr:
        names[hdr["value"]] = "value"
    ids = pd.Index(members["id"].to_numpy(dtype=object), dtype=object)
    ids.get_indexer(ids[:1])  # build the hash table once
    action_code: dict = {}
    parts = {"m": [], "a": [], "t": [], "v": []}
    skipped = 0

    def chunks(ts_dtype):
        if ENGINE == "pyarrow":
            # multi-threaded, dictionary-encoded text columns; one piece
            dtype = {hdr["member"]: "category", hdr["action"]: "category", hdr["timestamp"]: ts_dtype}
            if "value" in hdr:
                dtype[hdr["value"]] = np.float64
            yield pd.read_csv(
                path, engine="pyarrow", usecols=list(names), dtype=dtype, keep_default_na=False, na_values=[""]
            )
        else:
            # the C engine: object columns (its categorical conversion is far
            # slower), in chunks so that only numeric arrays stay in memory
            dtype = {hdr["member"]: object, hdr["action"]: object, hdr["timestamp"]: ts_dtype}
            kw = dict(usecols=list(names), dtype=dtype, keep_default_na=False)
            if "value" in hdr:
                dtype[hdr["value"]] = np.float64
                kw["na_values"] = {hdr["value"]: [""]}
            yield from pd.read_csv(path, engine="c", chunksize=CHUNK_ROWS, **kw)

    def codes_of(col: pd.Series):
        """(codes, uniques) of a text or categorical column; code -1 = empty."""
        if isinstance(col.dtype, pd.CategoricalDtype):
            return col.cat.codes.to_numpy(), col.cat.categories.to_numpy(dtype=object)
        return pd.factorize(col.to_numpy(dtype=object))

    def consume(df):
        nonlocal skipped
        df = df.rename(columns=names)
        if isinstance(df["member"].dtype, pd.CategoricalDtype):
            mc, mu = codes_of(df["member"])
            m = np.where(mc >= 0, ids.get_indexer(mu)[mc], -1) if len(mu) else np.full(len(mc), -1)
        else:
            m = ids.get_indexer(df["member"].to_numpy(dtype=object))
        if (m < 0).any():
            if not skip_unknown:
                bad = df["member"].to_numpy(dtype=object)[m < 0][0]
                raise InputError(f"{path}: unknown member id {bad!r} (not in the members file)")
            keep = m >= 0
            skipped += int((~keep).sum())
            df, m = df[keep], m[keep]
        codes, uniq = codes_of(df["action"])
        if (codes < 0).any() or (len(uniq) and (pd.Series(uniq, dtype=object) == "").any()):
            raise InputError(f"{path}: empty action")
        remap = np.array([action_code.setdefault(u, len(action_code)) for u in uniq], dtype=np.int16)
        parts["m"].append(m.astype(np.int32))
        parts["a"].append(remap[codes] if len(uniq) else codes.astype(np.int16))
        parts["t"].append(_to_seconds(df["timestamp"]))
        parts["v"].append(df["value"].to_numpy(dtype=np.float64) if "value" in df else np.full(len(df), np.nan))

    try:
        for df in chunks(np.float64):
            consume(df)
    except InputError:
        raise
    except (ValueError, TypeError):
        # ISO-8601 timestamps (or a bad cell): read the column as text
        for k in parts:
            parts[k].clear()
        action_code.clear()
        skipped = 0
        for df in chunks(object):
            consume(df)
    cat = {k: (np.concatenate(v) if v else np.empty(0)) for k, v in parts.items()}
    if cat["t"].size and not np.isfinite(cat["t"]).all():
        raise InputError(f"{path}: timestamp not finite")
    names_by_code = [None] * len(action_code)
    for a, c in action_code.items():
        names_by_code[c] = a
    return (
        cat["m"].astype(np.int32),
        cat["a"].astype(np.int16),
        cat["t"].astype(np.float64),
        cat["v"].astype(np.float64),
        names_by_code,
        skipped,
    )


def parse_as_of(text):
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        ts = pd.Timestamp(text)
        return (ts.tz_localize("UTC") if ts.tzinfo is None else ts).timestamp()


# ----------------------------------------------------------------------------
# computing
# ----------------------------------------------------------------------------
def _factorized(col: pd.Series):
    """(codes, distinct values as an object Series): string work is done on
    the distinct values only (a few thousand) and mapped back by code."""
    codes, uniq = pd.factorize(col.to_numpy(dtype=object))
    return codes, pd.Series(uniq, dtype=object)


def fit_scores(members: pd.DataFrame, plan: Plan) -> np.ndarray:
    n = len(members)
    fit = np.zeros(n)
    cache: dict = {}
    for i, rule in enumerate(plan.fit):
        pts = float(rule["points"])
        if "tag" in rule:
            if "tags" not in members:
                continue
            if "tags" not in cache:
                codes, u = _factorized(members["tags"])
                u = u.str.translate(_ASCII_LOWER)
                u = u.str.replace(r"[ \t\r\n\f\v]*;[ \t\r\n\f\v]*", ";", regex=True).str.strip(_SPACES)
                cache["tags"] = (codes, (";" + u + ";").astype(object))
            codes, u = cache["tags"]
            want = ";" + ascii_lower(rule["tag"].strip(_SPACES)) + ";"
            hit_u = u.str.contains(want, regex=False).to_numpy(dtype=bool)
            fit += np.where(hit_u[codes], pts, 0.0)
            continue
        col = ascii_lower(rule["column"].strip(_SPACES))
        if col not in members:
            continue
        if col not in cache:
            codes, u = _factorized(members[col])
            cache[col] = (codes, u.str.strip(_SPACES))
        codes, cells = cache[col]
        empty = cells.eq("").to_numpy(dtype=bool)
        if "equals" in rule:
            hit = cells.str.translate(_ASCII_LOWER).eq(ascii_lower(rule["equals"].strip(_SPACES)))
            hit_u = hit.to_numpy(dtype=bool) & ~empty
        else:
            ok = cells.str.match(_NUMBER_RE).to_numpy(dtype=bool)
            if (~ok & ~empty).any():
                bad = cells.to_numpy(dtype=object)[~ok & ~empty][0]
                raise InputError(f"{col}: fit rule {i} expects a number, got {bad!r}")
            x = np.full(len(cells), np.nan)
            x[~empty] = cells.to_numpy(dtype=object)[~empty].astype(np.float64)
            if np.isinf(x).any():
                raise InputError(f"{col}: not a finite number")
            lo = -np.inf if rule.get("min") is None else float(rule["min"])
            hi = np.inf if rule.get("max") is None else float(rule["max"])
            hit_u = ~empty & (x >= lo) & (x <= hi)
        fit += np.where(hit_u[codes], pts, 0.0)
    return fit


def event_points(a: np.ndarray, v: np.ndarray, action_names: list, plan: Plan) -> np.ndarray:
    pts = np.array([plan.actions.get(n, (0.0, False))[0] for n in action_names] or [0.0])
    per = np.array([plan.actions.get(n, (0.0, False))[1] for n in action_names] or [False])
    p = pts[a]
    pv = per[a]
    if pv.any():
        if np.isnan(v[pv]).any():
            raise InputError("a per_value action has an empty value")
        p = np.where(pv, p * v, p)
    return p


def rule_mask(rule, fit, eng, count_of):
    """Boolean array: the rule holds.  count_of(action) -> counts array."""
    ok = np.ones(len(eng), dtype=bool)
    if rule["min_score"] is not None:
        ok &= (fit + eng) >= rule["min_score"]
    if rule["min_fit"] is not None:
        ok &= fit >= rule["min_fit"]
    if rule["min_engagement"] is not None:
        ok &= eng >= rule["min_engagement"]
    for actions, at_least in rule["milestones"]:
        have = count_of(actions[0])
        for a in actions[1:]:
            have = have + count_of(a)
        ok &= have >= at_least
    return ok


def prefix_stage(plan: Plan, fit, eng, count_of) -> np.ndarray:
    held = np.ones(len(eng), dtype=bool)
    stage = np.zeros(len(eng), dtype=np.int8)
    for rule in plan.rules:
        held &= rule_mask(rule, fit, eng, count_of)
        stage += held
    return stage


def _bits(x: int) -> int:
    return max(1, int(x).bit_length())


def member_time_order(m: np.ndarray, t: np.ndarray, n_members: int) -> np.ndarray:
    """Permutation sorting the events by (member, timestamp); ties in any
    (deterministic) order.  Packs (key, row number) into int64 and sorts in
    place, which numpy does much faster than argsort."""
    n = len(m)
    ib = _bits(n)
    if _bits(n_members) + ib > 62:
        return np.lexsort((t, m))
    rows = np.arange(n, dtype=np.int64)
    mask = np.int64((1 << ib) - 1)
    if n < 2 or bool((t[1:] >= t[:-1]).all()):
        by_time = rows
    else:
        tmin = t.min()
        span = t.max() - tmin
        if bool((t == np.floor(t)).all()) and _bits(int(span)) + ib <= 62:
            key = ((t - tmin).astype(np.int64) << ib) | rows
            key.sort()
            by_time = key & mask
        else:
            by_time = np.argsort(t, kind="stable")
    key = (m[by_time].astype(np.int64) << ib) | rows
    key.sort()
    return by_time[key & mask]


def running_scores(ms, ts, ps, run_start, run_id, half_life):
    """Decayed running score at each (sorted) event: events j <= i of the
    member, value at t_i."""
    if half_life is None:
        return pd.Series(ps).groupby(ms, sort=False).cumsum().to_numpy()
    x = (ts - ts[run_start][run_id]) / (SECONDS_PER_DAY * half_life)  # >= 0
    seg = np.floor(x / SEGMENT_HALVINGS)
    y = x - seg * SEGMENT_HALVINGS  # in [0, 512)
    q = ps * np.exp2(y)
    if not seg.any():
        c = pd.Series(q).groupby(ms, sort=False).cumsum().to_numpy()
        return c * np.exp2(-y)
    # several segments: group by (member, segment)
    seg = seg.astype(np.int64)
    k = int(seg.max()) + 1
    g = ms.astype(np.int64) * k + seg
    c = pd.Series(q).groupby(g, sort=False).cumsum().to_numpy()
    # carry[i] = value of the member's earlier segments at the start of seg_i
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])  # (member, seg) runs
    ends = np.r_[starts[1:], len(g)] - 1
    g_member, g_seg = ms[starts], seg[starts]
    total = c[ends]  # Σ p 2^y of the run
    carry_run = np.zeros(len(starts))
    first_of_member = np.r_[True, g_member[1:] != g_member[:-1]]
    # sequential over runs of the same member, vectorised over members:
    # run r of a member: carry_r = (carry_{r-1} + total_{r-1}) * 2^-(512 * gap)
    pos_in_member = np.arange(len(starts)) - np.maximum.accumulate(np.where(first_of_member, np.arange(len(starts)), 0))
    for r in range(1, int(pos_in_member.max()) + 1 if len(starts) else 0):
        idx = np.flatnonzero(pos_in_member == r)
        gap = (g_seg[idx] - g_seg[idx - 1]).astype(np.float64)
        carry_run[idx] = (carry_run[idx - 1] + total[idx - 1]) * np.exp2(-SEGMENT_HALVINGS * gap)
    run_of_row = np.cumsum(np.r_[True, g[1:] != g[:-1]]) - 1
    return (carry_run[run_of_row] + c) * np.exp2(-y)


def compute(members: pd.DataFrame, m, a, t, v, action_names, plan: Plan, as_of=None):
    n = len(members)
    if as_of is None:
        as_of = float(t.max()) if t.size else None
    fit = fit_scores(members, plan)
    p = event_points(a, v, action_names, plan)
    code_of = {name: c for c, name in enumerate(action_names)}

    # --- scores and stage at as_of -------------------------------------
    if as_of is None:
        keep = np.zeros(len(t), dtype=bool)
    else:
        keep = t <= as_of
    if keep.all():
        mk, ak, tk, pk = m, a, t, p
    else:
        mk, ak, tk, pk = m[keep], a[keep], t[keep], p[keep]
    if as_of is None or plan.half_life is None:
        w = pk
    else:
        w = pk * np.exp2(-(as_of - tk) / (SECONDS_PER_DAY * plan.half_life))
    eng = np.bincount(mk, weights=w, minlength=n)[:n] if len(mk) else np.zeros(n)
    mil_codes = [code_of[x] for x in plan.milestone_actions if x in code_of]
    counts = {}
    if mil_codes:
        slot = np.full(max(len(action_names), 1), -1, dtype=np.int64)
        slot[mil_codes] = np.arange(len(mil_codes))
        sl = slot[ak]
        sel = sl >= 0
        cnt = np.bincount(mk[sel].astype(np.int64) * len(mil_codes) + sl[sel], minlength=n * len(mil_codes)).reshape(
            n, len(mil_codes)
        )
        for j, c in enumerate(mil_codes):
            counts[action_names[c]] = cnt[:, j]
    zeros_n = np.zeros(n, dtype=np.int64)
    stage = prefix_stage(plan, fit, eng, lambda x: counts.get(x, zeros_n))

    # --- history -------------------------------------------------------
    order = member_time_order(mk, tk, n)
    ms, ts, ps, as_ = mk[order], tk[order], pk[order], ak[order]
    del order
    ne = len(ms)
    if ne:
        new_member = np.r_[True, ms[1:] != ms[:-1]]
        run_start = np.flatnonzero(new_member)
        run_id = np.cumsum(new_member) - 1
        last = np.r_[(ms[1:] != ms[:-1]) | (ts[1:] != ts[:-1]), True]
        s_run = running_scores(ms, ts, ps, run_start, run_id, plan.half_life)
        ev_rows = np.flatnonzero(last)
        cum = {}
        for x in plan.milestone_actions:
            if x not in code_of:
                continue
            cs = np.cumsum(as_ == code_of[x], dtype=np.int64)
            base = np.r_[0, cs][run_start]  # count before the member's first row
            cum[x] = (cs - base[run_id])[ev_rows]
        zeros_e = np.zeros(len(ev_rows), dtype=np.int64)
        st_ev = prefix_stage(plan, fit[ms[ev_rows]], s_run[ev_rows], lambda x: cum.get(x, zeros_e))
        hist_m = [ms[run_start]]
        hist_s = [np.zeros(len(run_start), dtype=np.int8)]
        hist_t = [ts[run_start]]
        m_ev, t_ev = ms[ev_rows], ts[ev_rows]
        for s in range(1, len(plan.stages)):
            idx = np.flatnonzero(st_ev >= s)
            if not len(idx):
                break
            first = idx[np.r_[True, m_ev[idx[1:]] != m_ev[idx[:-1]]]]  # groupby-first
            hist_m.append(m_ev[first])
            hist_s.append(np.full(len(first), s, dtype=np.int8))
            hist_t.append(t_ev[first])
        hm, hs, ht = np.concatenate(hist_m), np.concatenate(hist_s), np.concatenate(hist_t)
        o = np.lexsort((hs, hm))
        history = (hm[o], hs[o], ht[o])
    else:
        history = (np.empty(0, np.int32), np.empty(0, np.int8), np.empty(0))
    return {
        "fit": fit,
        "engagement": eng,
        "total": fit + eng,
        "stage": stage,
        "history": history,
        "as_of": as_of,
        "events_used": int(len(mk)),
    }


# ----------------------------------------------------------------------------
# writing
# ----------------------------------------------------------------------------
def iso(ts: np.ndarray) -> np.ndarray:
    if ts.size and bool((ts == np.floor(ts)).all()):
        return np.datetime_as_string(ts.astype(np.int64).astype("datetime64[s]"), unit="s", timezone="UTC")
    return np.datetime_as_string(
        np.rint(ts * 1000).astype(np.int64).astype("datetime64[ms]"), unit="ms", timezone="UTC"
    )


def write_outputs(out: str, members: pd.DataFrame, plan: Plan, res: dict) -> None:
    os.makedirs(out, exist_ok=True)
    ids = members["id"].to_numpy(dtype=object)
    pd.DataFrame({"member": ids, "fit": res["fit"], "engagement": res["engagement"], "total": res["total"]}).to_csv(
        os.path.join(out, "scores.csv"), index=False
    )
    names = np.array(plan.stages, dtype=object)
    pd.DataFrame({"member": ids, "stage": names[res["stage"]]}).to_csv(os.path.join(out, "inferred.csv"), index=False)
    hm, hs, ht = res["history"]
    pd.DataFrame({"member": ids[hm], "stage": names[hs], "timestamp": iso(ht)}).to_csv(
        os.path.join(out, "stages.csv"), index=False
    )


def run(members_path, events_path, journey, as_of=None, out=None, skip_unknown=False) -> dict:
    """Read, compute and (when ``out``) write; returns results and timings."""
    t_start = time.perf_counter()
    if not isinstance(journey, dict):
        with open(journey, encoding="utf-8") as fh:
            journey = json.load(fh)
    plan = Plan(journey)
    members = read_members(members_path, plan)
    m, a, t, v, action_names, skipped = read_events(events_path, members, skip_unknown)
    t_read = time.perf_counter()
    res = compute(members, m, a, t, v, action_names, plan, parse_as_of(as_of))
    t_compute = time.perf_counter()
    if out:
        write_outputs(out, members, plan, res)
    t_end = time.perf_counter()
    res["members"] = members
    res["plan"] = plan
    res["timings"] = {
        "engine": ENGINE,
        "members": len(members),
        "events": int(len(t)),
        "skipped": skipped,
        "history_rows": int(len(res["history"][0])),
        "read_s": round(t_read - t_start, 3),
        "compute_s": round(t_compute - t_read, 3),
        "write_s": round(t_end - t_compute, 3),
        "total_s": round(t_end - t_start, 3),
    }
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", required=True)
    ap.add_argument("--events", required=True)
    ap.add_argument("--journey", required=True, help="journey JSON with lead_scoring and stage_rules")
    ap.add_argument("--as-of", default=None, help="unix seconds or ISO-8601 (default: latest event)")
    ap.add_argument("--out", default=None, help="output directory (nothing written without it)")
    ap.add_argument("--skip-unknown-members", action="store_true")
    args = ap.parse_args(argv)
    try:
        res = run(args.members, args.events, args.journey, args.as_of, args.out, args.skip_unknown_members)
    except InputError as e:
        print(f"lead_peer: {e}", file=sys.stderr)
        return 2
    info = dict(res["timings"])
    info["as_of"] = res["as_of"]
    info["stage_counts"] = np.bincount(res["stage"], minlength=len(res["plan"].stages)).tolist()
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
