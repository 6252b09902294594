"""Random community generator and CLI-vs-reference comparison for the tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import reference
from refcommon import (
    TOL,
    compare_ranked,
    components,
    finish_random_journey,
    random_capacities,
    random_pairs,
    random_satisfactions,
    random_stage_gap,
    random_tag_vocabulary,
    random_weights,
    unique_ids,
    write_csv,
)
from reference import PRESETS, Rec

ID_PREFIXES = ["m", "m", "m", "a-", "M", "x_", "b.", "m0", "Z"]
WIDE_TAG_VOCAB = [f"topic{i:03d}" for i in range(150)]
WORDS = ["alpha", "beta", "Gamma", "delta", "eps", "zeta", "eta", "Theta", "iota", "kappa"]


@dataclass
class Case:
    seed: int
    members: Path
    interactions: Path | None
    journey_arg: str | None  # what is passed to --journey (None = omitted)
    journey: reference.Journey  # what the reference uses
    top: int
    weights_arg: str | None = None
    min_satisfaction: int | None = None
    allow_existing: bool = False
    stage_gap: tuple = (1, 1)
    notes: list = field(default_factory=list)

    def cli_args(self, fmt="csv"):
        args = ["recommend", "--members", self.members, "--top", str(self.top), "--format", fmt]
        if self.interactions is not None:
            args += ["--interactions", self.interactions]
        if self.journey_arg is not None:
            args += ["--journey", self.journey_arg]
        if self.weights_arg is not None:
            args += ["--weights", self.weights_arg]
        if self.min_satisfaction is not None:
            args += ["--min-satisfaction", str(self.min_satisfaction)]
        if self.allow_existing:
            args += ["--allow-existing"]
        if self.stage_gap != (1, 1):
            args += ["--stage-gap", f"{self.stage_gap[0]}:{self.stage_gap[1]}"]
        return args

    def reference(self, top="case"):
        return reference.recommend(
            self.members,
            self.interactions,
            self.journey,
            top=self.top if top == "case" else top,
            weights=self.weights_arg,
            min_satisfaction=self.min_satisfaction,
            allow_existing=self.allow_existing,
            stage_gap=self.stage_gap,
        )

    def describe(self):
        return (
            f"seed={self.seed} journey={self.journey_arg} top={self.top} "
            f"weights={self.weights_arg} min_sat={self.min_satisfaction} "
            f"allow_existing={self.allow_existing} stage_gap={self.stage_gap} {' '.join(self.notes)}"
        )


def _fmt_float(rng, x):
    style = rng.integers(3)
    if style == 0:
        return repr(float(x))
    if style == 1:
        return f"{x:.4f}"
    return f"{x:.6g}"


def make_random_journey(rng, tmp: Path):
    """Returns (journey_arg, reference Journey, note)."""
    kind = rng.integers(8)
    if kind < 5:
        name = list(PRESETS)[kind]
        arg = None if (name == "engage_right" and rng.random() < 0.5) else name
        return arg, reference.load_journey(name), f"preset={name}"
    n = int(rng.integers(2, 8))
    words = list(rng.permutation(WORDS))[:n]
    stages = [f"s{i}_{words[i]}" for i in range(n)]
    spec = {"stages": stages}
    if rng.random() < 0.7:
        spec["name"] = f"custom{int(rng.integers(100))}"
    steps = []
    for _ in range(n - 1):
        steps.append({"enabled": bool(rng.random() < 0.75), "channel": "private" if rng.random() < 0.5 else "public"})
    finish_random_journey(rng, spec, steps, 11)
    path = tmp / f"journey_{int(rng.integers(1 << 30))}.json"
    path.write_text(json.dumps(spec, indent=int(rng.integers(0, 3)) or None), encoding="utf-8")
    return str(path), reference.load_journey(spec), f"custom_journey={n}stages"


def make_case(seed: int, tmp: Path) -> Case:
    rng = np.random.default_rng(seed)
    tmp.mkdir(parents=True, exist_ok=True)
    journey_arg, journey, jnote = make_random_journey(rng, tmp)
    notes = [jnote]
    stages = journey.stages

    # community size: mostly small/medium, a few large ones
    if seed % 6 == 0:
        n_base = int(rng.integers(150, 201))
    else:
        n_base = int(rng.integers(5, 90))
    n_ties = 0 if n_base < 8 else int(rng.integers(0, 4))
    clones_per = [int(rng.integers(1, 4)) for _ in range(n_ties)]
    n = min(200, n_base + sum(clones_per))
    n_base = n - sum(clones_per)
    ids = unique_ids(rng, n, ID_PREFIXES, 3)

    # stage per member (uniform-ish, so that neighbouring stages are populated)
    stage_idx = rng.integers(0, len(stages), size=n)

    d = int(rng.integers(0, 9)) if rng.random() < 0.8 else 0
    int_features = rng.random() < 0.35
    if int_features:
        feats = rng.integers(-2, 3, size=(n, d)).astype(float)
    else:
        feats = rng.normal(size=(n, d))
    if d:
        zero_rows = rng.random(n) < 0.1
        feats[zero_rows] = 0.0
        if zero_rows.any():
            notes.append("zero_rows")

    has_tags = rng.random() < 0.75
    # Sometimes a vocabulary wider than 64 tags with skewed popularity: the
    # library keeps 64-bit tag signatures, so tags then share bits.
    vocab, popularity, wide = random_tag_vocabulary(rng, WIDE_TAG_VOCAB)
    if wide:
        notes.append("wide_tags")
    tag_fields = []
    for _ in range(n):
        k = int(rng.integers(0, 5))
        tags = [vocab[j] for j in rng.choice(len(vocab), size=k, replace=False, p=popularity)]
        if tags and rng.random() < 0.05:
            tags.append(tags[0])  # a duplicated tag: sets, so no effect
        tag_fields.append(";".join(tags))

    has_sat = rng.random() < 0.85
    sat = ["" if x is None else str(x) for x in random_satisfactions(rng, n)]
    has_cap = rng.random() < 0.7
    cap = ["" if x is None else str(x) for x in random_capacities(rng, n)]
    has_opt = rng.random() < 0.6
    opt = [
        (["1", "true"][rng.integers(2)] if rng.random() < 0.07 else ["0", "false"][rng.integers(2)]) for _ in range(n)
    ]
    has_activity = rng.random() < 0.3
    activity = [f"{rng.random() * 100:.2f}" for _ in range(n)]
    has_extra = rng.random() < 0.3

    # exact ties: clones copy everything but id from a template, no interactions
    clone_rows = set()
    pos = n_base
    for t in range(n_ties):
        tmpl = int(rng.integers(0, n_base))
        for _ in range(clones_per[t]):
            stage_idx[pos] = stage_idx[tmpl]
            feats[pos] = feats[tmpl]
            tag_fields[pos] = tag_fields[tmpl]
            sat[pos] = sat[tmpl]
            cap[pos] = cap[tmpl]
            opt[pos] = opt[tmpl]
            clone_rows.add(pos)
            pos += 1
    if n_ties:
        notes.append(f"tie_groups={n_ties}")

    header = ["id", "stage"]
    cols = {"id": ids, "stage": [stages[i] for i in stage_idx]}
    optional = [
        ("satisfaction", has_sat, sat),
        ("capacity", has_cap, cap),
        ("opted_out", has_opt, opt),
        ("activity", has_activity, activity),
        ("tags", has_tags, tag_fields),
    ]
    for name, present, values in optional:
        if present:
            header.append(name)
            cols[name] = values
    for j in range(d):
        name = f"f_{j}"
        header.append(name)
        cols[name] = [_fmt_float(rng, feats[i, j]) for i in range(n)]
    if has_extra:
        header.append("region")
        cols["region"] = [WORDS[rng.integers(len(WORDS))] for _ in range(n)]
        header.insert(1, "notes")
        cols["notes"] = ["free text, with comma" if i % 3 == 0 else "" for i in range(n)]
    if rng.random() < 0.25:  # columns are addressed by name, their order is irrelevant
        header = list(rng.permutation(header))
        notes.append("shuffled_columns")
    order = rng.permutation(n)  # rows are not sorted by id
    rows = [[cols[h][i] for h in header] for i in order]
    members = tmp / "members.csv"
    write_csv(members, header, rows)

    # interactions
    interactions = None
    if rng.random() < 0.8:
        m = int(rng.integers(0, 3 * n + 1))
        non_clone = np.array([i for i in range(n) if i not in clone_rows])
        pairs = random_pairs(rng, non_clone, m)
        with_weight = rng.random() < 0.6
        with_ts = rng.random() < 0.5
        iheader = ["source", "target"] + (["weight"] if with_weight else []) + (["timestamp"] if with_ts else [])
        irows = []
        for a, b in pairs:
            r = [ids[a], ids[b]]
            if with_weight:
                r.append(f"{float(rng.integers(1, 20)) / 4:g}")
            if with_ts:
                t = int(1_700_000_000 + rng.integers(0, 50_000_000))
                if rng.random() < 0.5:
                    r.append(str(t))
                else:
                    r.append(np.datetime_as_string(np.datetime64(t, "s"), unit="s") + "Z")
            irows.append(r)
        interactions = tmp / "interactions.csv"
        write_csv(interactions, iheader, irows)
        notes.append(f"edges={len(pairs)}")

    case = Case(seed, members, interactions, journey_arg, journey, top=int(rng.integers(1, 8)), notes=notes)
    if rng.random() < 0.3:
        w = random_weights(rng)
        case.weights_arg = ",".join(f"{k}={w[k]!r}" for k in reference.WEIGHT_KEYS)
    if rng.random() < 0.25:
        case.min_satisfaction = int(rng.integers(0, 11))
    if rng.random() < 0.25:
        case.allow_existing = True
    notes.append(f"n={n} d={d}")
    case.stage_gap = random_stage_gap(rng, len(stages), notes)
    return case


# --------------------------------------------------------------------------
# comparison


def exact_tie(a: Rec, b: Rec):
    """True when any implementation must compute bit-identical scores for a
    and b: identical components computed from identical inputs -- the same
    peer feature vector (or a similarity that is 0 by definition), and
    Adamic-Adar sums with the same terms, at most two of them (so summation
    order cannot matter)."""
    same_sim_inputs = a.peer_features == b.peer_features or (a.sim_defined_zero and b.sim_defined_zero)
    return (
        components(a) == components(b) and same_sim_inputs and a.cn_degrees == b.cn_degrees and len(a.cn_degrees) <= 2
    )


def _check_printed_numbers(row, ref, where):
    for key in ("score", "similarity", "tags", "proximity", "happiness"):
        text = row[key]
        frac = text.split(".")[-1] if "." in text else ""
        assert len(frac) == 6, f"{where}: {key}={text!r} is not printed with 6 decimals"
        got = float(text)
        exp = getattr(ref, key)
        assert abs(got - exp) <= TOL, f"{where}: {key} cli={text} ref={exp!r}"


def compare(cli_rows, ref_full, top, context=""):
    """Compare parsed CLI CSV rows with the reference (ref_full: every
    eligible peer per member, sorted). Returns a list of tolerated near-tie
    orderings; raises AssertionError with a precise message on mismatch."""
    return compare_ranked(
        cli_rows, ref_full, top, exact_tie=exact_tie, check_row=_check_printed_numbers, rank=str, context=context
    )
