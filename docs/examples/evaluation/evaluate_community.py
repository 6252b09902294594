#!/usr/bin/env python3
"""The evaluation of one real community for docs/evaluation.md: replays the
history at the time before which 80 % of the interactions fall, evaluates
every method with 1,000 bootstrap resamples, prints the markdown tables of
the page and writes the plot.

    python docs/examples/evaluation/evaluate_community.py --name NAME \\
        --members members.csv --interactions interactions.csv \\
        [--events events.csv --journey journey.json] [--stages stages.csv] \\
        [--split-at 80%] [--png docs/img/evaluation_NAME.png]

With --events and --journey, the stages as of the split come from the stage
history that `engage-right infer-stages --history-out` would write (the same
library call, er.stage_history); with --stages, from that file; otherwise from
members.csv (today's stages: they leak the future into the replay, see the
page). Run from the repository root with the package installed
(scripts/install-python.sh).
"""

from __future__ import annotations

import argparse

import matplotlib

matplotlib.use("Agg")

import engage_right as er  # noqa: E402

METHODS = ["engage_right", "adamic_adar", "degree", "random", "adamic_adar_unrestricted", "degree_unrestricted"]


def cell(row, name: str) -> str:
    return f"{row[name]:.3f} [{row[name + '_low']:.3f}, {row[name + '_high']:.3f}]"


def tables(res, name: str) -> str:
    a = res.attrs
    lines = [
        f"**{name}**: replay at {a['split_at']:%Y-%m-%d %H:%M} UTC; {a['members_in_replay']:,} of "
        f"{a['members']:,} members present, {a['interactions_before']:,} interactions before; "
        f"{a['target_pairs']:,} new pairs in the window, {a['evaluated_members']:,} members evaluated; "
        f"ceiling {100 * a['ceiling']:.1f} % of the targets ({a['reachable_targets']} of {a['targets']}), "
        f"best reachable hit@k {a['ceiling_hit']:.3f}.",
        "",
        "| method | hit@5 | hit@10 | recall@10 | MRR | coverage | Gini |",
        "|---|---|---|---|---|---:|---:|",
    ]
    for m, row in res.iterrows():
        lines.append(
            f"| {m} | {cell(row, 'hit@5')} | {cell(row, 'hit@10')} | {cell(row, 'recall@10')} | "
            f"{cell(row, 'mrr')} | {row['coverage']:.3f} | {row['gini']:.3f} |"
        )
    d = a["differences"]
    lines += ["", f"Paired differences against {a['baseline']} (same resamples):", ""]
    lines += ["| method | hit@5 | hit@10 | MRR |", "|---|---|---|---|"]
    for m, row in d.iloc[1:].iterrows():
        lines.append(
            "| "
            + m
            + " | "
            + " | ".join(
                f"{row[x]:+.3f} [{row[x + '_low']:+.3f}, {row[x + '_high']:+.3f}]" for x in ("hit@5", "hit@10", "mrr")
            )
            + " |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--name", required=True)
    ap.add_argument("--members", required=True)
    ap.add_argument("--interactions", required=True)
    ap.add_argument("--events")
    ap.add_argument("--journey")
    ap.add_argument("--stages")
    ap.add_argument("--split-at", default="80%")
    ap.add_argument("--png")
    args = ap.parse_args()
    stages = args.stages
    if args.events:
        stages = er.stage_history(args.members, args.events, journey=args.journey)
    res = er.evaluate(
        args.members,
        args.interactions,
        args.split_at,
        stages=stages,
        journey=args.journey,
        methods=METHODS,
        bootstrap=1000,
        seed=0,
    )
    print(tables(res, args.name))
    if args.png:
        ax = er.plot_evaluation(res)
        ax.set_title(f"{args.name}: " + ax.get_title())
        ax.figure.savefig(args.png, dpi=110)


if __name__ == "__main__":
    main()
