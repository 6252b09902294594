#!/usr/bin/env python3
"""Generate the bundled synthetic sample community of engage-right.

Usage:

    python3 examples/data/generate_sample.py [--out DIR] [--seed N]

Writes ``members.csv`` and ``interactions.csv`` (formats of DESIGN.md
section 2) into ``examples/data/sample/`` (next to this script) unless
``--out`` says otherwise.

The community is invented: about 300 members of the user community of a
fictional B2B developer-tools SaaS (a hosted cloud platform with CI/CD,
infrastructure as code, observability and SDKs).  Nothing in it refers to
real people or products.

Design (all numbers are exact targets, not just expectations, unless noted):

* 300 members on the default journey, 105 prospect / 75 interested /
  54 new_customer / 42 loyal / 24 advocate (35/25/18/14/8 %).
* ids are first-name handles such as ``ada.k``: lower-case ASCII, unique.
* satisfaction (0-10 "how likely to recommend"): 15 % of every stage empty
  (unknown); at least one detractor (0-6) in every stage, about 10 % overall;
  the rest drawn from a stage-specific distribution that gets happier along
  the journey (advocates are almost all 9-10).
* capacity: empty (journey default) except for 14 loyal members and 12
  advocates, who get an explicit 1..6; three of those are then set to 0
  ("too busy right now").
* opted_out: 9 members (3 %): 3 prospects, 2 interested, 2 new customers,
  1 loyal member, 1 advocate.
* activity: log-normal engagement points, median rising with the stage,
  one decimal; about a tenth of prospects have 0.
* tags: 1-3 topics from an 18-topic vocabulary grouped in 6 themes; a
  member's topics tend to come from the same theme.
* f_0..f_7: an 8-d embedding = weighted sum of per-topic random unit
  centroids + Gaussian noise, 4 decimals; members sharing topics have high
  cosine similarity.
* interactions: 900 rows (source,target,weight,timestamp).  Sources and
  targets are drawn in proportion to (activity + 1) ** 0.6; 80 % of targets
  share a topic with the source and sit at most one stage away, the rest are
  anyone at most two stages away.  A pair already in touch is kept again only
  with probability 0.25, so a few dozen pairs repeat (the loader merges
  them).  Weight 1..5 (mostly 1-2).  Timestamps fall on 2026-01-01 ..
  2026-10-31 (UTC, business hours more likely, 5-minute grid); rows are
  sorted by time.  No self-loops.  Some prospects have no contact at all.

Determinism: only ``random.Random(seed).random()`` is used as the source of
randomness -- its sequence is guaranteed by Python across versions and
platforms -- and every other draw (integers, choices, normals, shuffles) is
derived from it here, so the same seed gives byte-identical files.  Only the
standard library is needed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "sample")
DEFAULT_SEED = 20260101

STAGES = ("prospect", "interested", "new_customer", "loyal", "advocate")
STAGE_SIZES = (105, 75, 54, 42, 24)  # 35/25/18/14/8 % of 300

# Topic vocabulary, grouped in themes; the number is the topic's popularity.
THEMES = {
    "platform": {"kubernetes": 9, "terraform": 7, "ci-cd": 8, "serverless": 4},
    "operations": {"observability": 7, "incident-response": 3, "cost-optimisation": 5},
    "security": {"security": 7, "sso": 5, "compliance": 3},
    "developer": {"api": 8, "python-sdk": 6, "go-sdk": 3, "webhooks": 4},
    "data": {"data-pipelines": 5, "migrations": 4},
    "account": {"billing": 4, "onboarding": 5},
}
TOPICS = [t for theme in THEMES.values() for t in theme]
TOPIC_THEME = {t: name for name, theme in THEMES.items() for t in theme}
TOPIC_WEIGHT = {t: w for theme in THEMES.values() for t, w in theme.items()}

FIRST_NAMES = (
    "ada alan alba alex ali amara amir ana anders anya arjun aroha asha aya "
    "bea ben bianca bo boris bruno carla carlos chen chiara chloe dara dev "
    "diego dina elena eli elif emil emma enzo erik esme eva farah felix femi "
    "finn freya gabi gus hana hannah hugo ida igor ines ingrid isla ivan jade "
    "jamal jana jin joao jonas jules kai kaito karin kemal kenji kira lars "
    "layla lea leon lina liv luca lucia mads maja malik mara marco maria "
    "mateo maya mei mia milo mina nadia nia nico nika nils noor nora oda "
    "olga omar oren oscar paula pedro petra priya quinn rafa rania ravi rosa "
    "ruben rui saanvi sami sana sara sofia sven tara teo theo tomas uma vera "
    "viktor wen xin yara yuki yusuf zara zeno zoe"
).split()
INITIALS = "abcdefghijklmnoprstvwyz"

# satisfaction: per stage (probability of a detractor among the known,
# distribution of the non-detractors over 7..10).
DETRACTOR_SHARE = (0.13, 0.12, 0.12, 0.08, 0.05)
HAPPY_DIST = (
    {7: 0.35, 8: 0.35, 9: 0.2, 10: 0.1},  # prospect
    {7: 0.3, 8: 0.35, 9: 0.22, 10: 0.13},  # interested
    {7: 0.25, 8: 0.35, 9: 0.25, 10: 0.15},  # new_customer
    {7: 0.12, 8: 0.28, 9: 0.32, 10: 0.28},  # loyal
    {7: 0.0, 8: 0.08, 9: 0.37, 10: 0.55},  # advocate
)
DETRACTOR_DIST = {0: 0.04, 1: 0.04, 2: 0.06, 3: 0.1, 4: 0.16, 5: 0.25, 6: 0.35}
UNKNOWN_SHARE = 0.15

ACTIVITY_MEDIAN = (3.0, 9.0, 22.0, 55.0, 140.0)
ACTIVITY_SIGMA = 0.8

EXPLICIT_CAPACITY = {"loyal": 14, "advocate": 12}  # members with an explicit capacity
CAPACITY_DIST = {1: 0.2, 2: 0.25, 3: 0.15, 4: 0.2, 5: 0.12, 6: 0.08}
N_ZERO_CAPACITY = 3
OPTED_OUT_PER_STAGE = (3, 2, 2, 1, 1)

DIM = 8
N_INTERACTIONS = 900
CONTACT_EXPONENT = 0.6  # P(member takes part in a contact) ~ (activity + 1) ** 0.6
REPEAT_ACCEPT = 0.25  # a pair already in touch is drawn again with this probability
START = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
END = dt.datetime(2026, 10, 31, 23, 59, tzinfo=dt.timezone.utc)


class Draw:
    """Every random draw, built only on random.Random.random()."""

    def __init__(self, seed):
        self._r = random.Random(seed)

    def uniform(self):
        return self._r.random()

    def integer(self, lo, hi):
        """Uniform integer in [lo, hi]."""
        return lo + min(int(self.uniform() * (hi - lo + 1)), hi - lo)

    def weighted(self, items, weights):
        total = float(sum(weights))
        x = self.uniform() * total
        acc = 0.0
        for item, w in zip(items, weights):
            acc += w
            if x < acc:
                return item
        return items[-1]

    def from_dist(self, dist):
        keys = sorted(dist)
        return self.weighted(keys, [dist[k] for k in keys])

    def normal(self):
        # Box-Muller; 1 - u keeps the logarithm finite.
        u1, u2 = 1.0 - self.uniform(), self.uniform()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)

    def shuffle(self, seq):
        for i in range(len(seq) - 1, 0, -1):
            j = self.integer(0, i)
            seq[i], seq[j] = seq[j], seq[i]
        return seq


def make_ids(d, n):
    ids, seen = [], set()
    while len(ids) < n:
        handle = f"{FIRST_NAMES[d.integer(0, len(FIRST_NAMES) - 1)]}.{INITIALS[d.integer(0, len(INITIALS) - 1)]}"
        if handle in seen:
            continue
        seen.add(handle)
        ids.append(handle)
    return ids


def make_tags(d):
    n = d.weighted([1, 2, 3], [0.35, 0.4, 0.25])
    first = d.weighted(TOPICS, [TOPIC_WEIGHT[t] for t in TOPICS])
    tags = [first]
    while len(tags) < n:
        # Same theme 3x more likely than another theme.
        cands = [t for t in TOPICS if t not in tags]
        weights = [TOPIC_WEIGHT[t] * (3.0 if TOPIC_THEME[t] == TOPIC_THEME[first] else 1.0) for t in cands]
        tags.append(d.weighted(cands, weights))
    return tags


def make_satisfaction(d, stage_idx, n):
    """Exact counts per stage: unknown, detractors (>= 1), the rest happy-ish."""
    n_unknown = round(n * UNKNOWN_SHARE)
    n_known = n - n_unknown
    n_detractor = max(1, round(n_known * DETRACTOR_SHARE[stage_idx]))
    values = [""] * n_unknown
    values += [str(d.from_dist(DETRACTOR_DIST)) for _ in range(n_detractor)]
    values += [str(d.from_dist(HAPPY_DIST[stage_idx])) for _ in range(n_known - n_detractor)]
    return d.shuffle(values)


def unit(v):
    norm = math.sqrt(sum(x * x for x in v))
    return [x / norm for x in v]


def fmt4(x):
    """4 decimals, never "-0.0000"."""
    text = f"{x:.4f}"
    return "0.0000" if text == "-0.0000" else text


def iso(ts):
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate(seed):
    d = Draw(seed)
    n = sum(STAGE_SIZES)
    ids = make_ids(d, n)

    centroids = {t: unit([d.normal() for _ in range(DIM)]) for t in TOPICS}

    members = []
    k = 0
    for si, (stage, size) in enumerate(zip(STAGES, STAGE_SIZES)):
        sats = make_satisfaction(d, si, size)
        for j in range(size):
            tags = make_tags(d)
            vec = [0.0] * DIM
            for rank, t in enumerate(tags):
                w = 1.0 if rank == 0 else 0.7
                vec = [a + w * b for a, b in zip(vec, centroids[t])]
            vec = [a + 0.25 * d.normal() for a in vec]
            if stage == "prospect" and d.uniform() < 0.1:
                activity = 0.0
            else:
                activity = ACTIVITY_MEDIAN[si] * math.exp(ACTIVITY_SIGMA * d.normal())
            members.append(
                {
                    "id": ids[k],
                    "stage": stage,
                    "stage_idx": si,
                    "satisfaction": sats[j],
                    "capacity": "",
                    "opted_out": 0,
                    "activity": round(activity, 1),
                    "tags": tags,
                    "f": vec,
                }
            )
            k += 1

    # Explicit capacities for some loyal members and advocates.
    explicit = []
    for stage, k_explicit in EXPLICIT_CAPACITY.items():
        in_stage = [m for m in members if m["stage"] == stage]
        for m in d.shuffle(in_stage)[:k_explicit]:
            m["capacity"] = str(d.from_dist(CAPACITY_DIST))
            explicit.append(m)
    for m in d.shuffle(explicit[:])[:N_ZERO_CAPACITY]:
        m["capacity"] = "0"

    # Opt-outs: a fixed number per stage, members chosen at random.
    for si, k_out in enumerate(OPTED_OUT_PER_STAGE):
        in_stage = [m for m in members if m["stage_idx"] == si]
        for m in d.shuffle(in_stage)[:k_out]:
            m["opted_out"] = 1

    # Interactions.
    src_weights = [(m["activity"] + 1.0) ** CONTACT_EXPONENT for m in members]
    span_days = (END.date() - START.date()).days + 1
    hour_weights = [0.3] * 7 + [1.0] + [2.0] * 10 + [1.0] * 2 + [0.5] * 4  # 24 hours, UTC
    rows = []
    seen_pairs = set()
    while len(rows) < N_INTERACTIONS:
        s = d.weighted(range(n), src_weights)
        ms = members[s]
        if d.uniform() < 0.8:
            cands = [
                i
                for i, m in enumerate(members)
                if i != s and abs(m["stage_idx"] - ms["stage_idx"]) <= 1 and set(m["tags"]) & set(ms["tags"])
            ]
        else:
            cands = [i for i, m in enumerate(members) if i != s and abs(m["stage_idx"] - ms["stage_idx"]) <= 2]
        if not cands:
            continue
        t = d.weighted(cands, [src_weights[i] for i in cands])
        pair = frozenset((s, t))
        if pair in seen_pairs and d.uniform() >= REPEAT_ACCEPT:
            continue
        seen_pairs.add(pair)
        weight = d.weighted([1, 2, 3, 4, 5], [0.45, 0.25, 0.15, 0.1, 0.05])
        day = d.integer(0, span_days - 1)
        hour = d.weighted(list(range(24)), hour_weights)
        minute = 5 * d.integer(0, 11)
        when = START + dt.timedelta(days=day, hours=hour, minutes=minute)
        rows.append((when, ms["id"], members[t]["id"], weight))
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
    return members, rows


def write(path, lines):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Generate the synthetic engage-right sample community.")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)")
    args = ap.parse_args(argv)

    members, rows = generate(args.seed)
    os.makedirs(args.out, exist_ok=True)

    header = "id,stage,satisfaction,capacity,opted_out,activity,tags," + ",".join(f"f_{i}" for i in range(DIM))
    lines = [header]
    for m in sorted(members, key=lambda m: m["id"]):
        lines.append(
            ",".join(
                [
                    m["id"],
                    m["stage"],
                    m["satisfaction"],
                    m["capacity"],
                    str(m["opted_out"]),
                    f"{m['activity']:.1f}",
                    ";".join(m["tags"]),
                ]
                + [fmt4(x) for x in m["f"]]
            )
        )
    write(os.path.join(args.out, "members.csv"), lines)

    lines = ["source,target,weight,timestamp"]
    lines += [f"{s},{t},{w},{iso(when)}" for when, s, t, w in rows]
    write(os.path.join(args.out, "interactions.csv"), lines)

    print(f"members: {len(members)}  interactions: {len(rows)}  -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
