#!/usr/bin/env python3
"""A vectorised numpy implementation of the engage-right simulation model.

The same Monte Carlo model as ``engage_right::simulate`` (docs/simulation.md),
written independently with whole-array numpy operations and numpy's own
random generator, as the Python peer of the benchmark:

* per sub-step of ``dt`` rounds, competing hazards: an event with probability
  ``1 - exp(-dt (h + mu))``, an advance with probability ``h / (h + mu)``
  given an event, ``h = base[s] + lift[s] * c``, ``mu = churn[s]``;
* arrivals ``Poisson(arrivals dt)`` and referrals
  ``Poisson(referral_rate dt n_last)`` appended at stage 0 after the sub-step;
* contacts ``c``: ``none``; ``mass_action`` ``contact_rate * n[s+1] / N`` every
  sub-step; ``random`` ``per_member`` uniform draws from the alive members per
  round; ``engage_right`` the seats of eligible peers at ``s+1`` dealt
  round-robin over the seekers at ``s`` in a random order, per round.

The random streams differ from the C++ ones, so results agree in
distribution, not draw by draw.

    python3 benchmarks/sim_peer.py --members members.csv --policy none --rounds 52 [--params p.json]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd

STAGES = ["prospect", "interested", "new_customer", "loyal", "advocate"]
DEFAULTS = {
    "base": 0.02,
    "lift": 0.10,
    "churn": 0.02,
    "arrivals": 0.0,
    "referral_rate": 0.05,
    "contact_rate": 1.0,
    "per_member": 1,
    "dt": 1.0,
    "round_days": 7.0,
}
GONE = -1


def resolve(params: dict, n_stages: int) -> dict:
    p = {**DEFAULTS, **{k: v for k, v in params.items() if k not in ("description", "$schema")}}
    for key, size in (("base", n_stages - 1), ("lift", n_stages - 1), ("churn", n_stages)):
        v = np.asarray(p[key], dtype=float)
        p[key] = np.full(size, float(v)) if v.ndim == 0 else v
    p["substeps"] = int(round(1.0 / p["dt"]))
    p["dt"] = 1.0 / p["substeps"]
    return p


def load_members(path: str, min_satisfaction: int = 7, default_capacity: int = 3):
    df = pd.read_csv(
        path, usecols=["id", "stage", "satisfaction", "capacity", "opted_out"], dtype={"id": str, "stage": str}
    )
    stage = df["stage"].map({s: i for i, s in enumerate(STAGES)}).to_numpy(np.int8)
    sat = df["satisfaction"].to_numpy(float)
    cap = df["capacity"].fillna(default_capacity).to_numpy(np.int64)
    opted = df["opted_out"].fillna(0).astype(int).to_numpy().astype(bool)
    peer_ok = ~opted & (cap > 0) & (np.isnan(sat) | (sat >= min_satisfaction))
    return stage, peer_ok, ~opted, cap


class Simulation:
    def __init__(self, stage, peer_ok, seeker_ok, cap, params, policy, seed, default_capacity=3):
        self.S = len(STAGES)
        self.p = params
        self.policy = policy
        self.rng = np.random.default_rng(seed)
        self.stage = stage.copy()
        self.peer_ok = peer_ok.copy()
        self.seeker_ok = seeker_ok.copy()
        self.cap = cap.copy()
        self.contacts = np.zeros(len(stage), dtype=np.int64)
        self.default_capacity = default_capacity

    def counts(self):
        alive = self.stage[self.stage != GONE]
        return np.bincount(alive, minlength=self.S).astype(np.int64)

    def plan(self):
        S, pm = self.S, int(self.p["per_member"])
        self.contacts[:] = 0
        if self.policy == "random":
            alive = np.flatnonzero(self.stage != GONE)
            seekers = alive[self.stage[alive] < S - 1]
            if len(alive) == 0 or pm == 0:
                return
            draws = alive[self.rng.integers(0, len(alive), size=(len(seekers), pm))]
            hit = self.stage[draws] == (self.stage[seekers] + 1)[:, None]
            self.contacts[seekers] = hit.sum(axis=1)
        elif self.policy == "engage_right":
            for s in range(S - 1):
                seekers = np.flatnonzero((self.stage == s) & self.seeker_ok)
                peers = (self.stage == s + 1) & self.peer_ok
                seats = int(self.cap[peers].sum())
                n = len(seekers)
                if n == 0 or seats == 0:
                    continue
                dealt = min(seats, n * pm)
                each, extra = divmod(dealt, n)
                order = self.rng.permutation(seekers)
                self.contacts[order] = each
                self.contacts[order[:extra]] += 1

    def substep(self):
        S, p, dt = self.S, self.p, self.p["dt"]
        n = self.counts()
        total = n.sum()
        alive = self.stage != GONE
        idx = np.flatnonzero(alive)
        s = self.stage[idx].astype(np.int64)
        if self.policy == "mass_action":
            share = np.zeros(S)
            if total > 0:
                share[:-1] = n[1:] / total
            c = (p["contact_rate"] * share)[s]
        elif self.policy == "none":
            c = 0.0
        else:
            c = self.contacts[idx]
        base = np.append(p["base"], 0.0)
        lift = np.append(p["lift"], 0.0)
        h = base[s] + lift[s] * c
        mu = p["churn"][s]
        tot = h + mu
        event = -np.expm1(-dt * tot)
        with np.errstate(invalid="ignore", divide="ignore"):
            adv = np.where(tot > 0, event * h / tot, 0.0)
        u = self.rng.random(len(idx))
        up = u < adv
        out = ~up & (u < event)
        self.stage[idx[up]] += 1
        self.contacts[idx[up]] = 0
        self.stage[idx[out]] = GONE
        fresh = int(self.rng.poisson(p["arrivals"] * dt)) + int(self.rng.poisson(p["referral_rate"] * dt * n[-1]))
        if fresh:
            self.stage = np.concatenate([self.stage, np.zeros(fresh, np.int8)])
            self.peer_ok = np.concatenate([self.peer_ok, np.full(fresh, self.default_capacity > 0)])
            self.seeker_ok = np.concatenate([self.seeker_ok, np.ones(fresh, bool)])
            self.cap = np.concatenate([self.cap, np.full(fresh, self.default_capacity, np.int64)])
            self.contacts = np.concatenate([self.contacts, np.zeros(fresh, np.int64)])

    def run(self, rounds):
        history = [self.counts()]
        for _ in range(rounds):
            if self.policy in ("random", "engage_right"):
                self.plan()
            for _ in range(self.p["substeps"]):
                self.substep()
            history.append(self.counts())
        return np.array(history)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", required=True)
    ap.add_argument("--policy", default="none", choices=["engage_right", "random", "none", "mass_action"])
    ap.add_argument("--rounds", type=int, default=52)
    ap.add_argument("--params")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    params = resolve(json.load(open(args.params)) if args.params else {}, len(STAGES))
    stage, peer_ok, seeker_ok, cap = load_members(args.members)
    sim = Simulation(stage, peer_ok, seeker_ok, cap, params, args.policy, args.seed)
    t0 = time.perf_counter()
    counts = sim.run(args.rounds)
    print(json.dumps({"policy": args.policy, "seconds": time.perf_counter() - t0, "final": counts[-1].tolist()}))


if __name__ == "__main__":
    main()
