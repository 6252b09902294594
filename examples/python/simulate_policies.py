"""Can the journey go viral? Compare the contact policies on a community.

Runs the four policies (Monte Carlo, 52 weekly rounds, same seed) and the
mean field of each, prints the members per stage after a year and the viral
reproduction number R, and saves the stage counts side by side as a PNG.

    python examples/python/simulate_policies.py examples/data/sample \
        --params docs/examples/simulation/params.json --png policies.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import engage_right as er

POLICIES = ["engage_right", "random", "mass_action", "none"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="folder with members.csv, interactions.csv [, journey.json]")
    ap.add_argument("--params", type=Path, help="simulation params JSON")
    ap.add_argument("--rounds", type=int, default=52)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--png", type=Path, help="write the side-by-side plot here")
    args = ap.parse_args()

    journey = args.folder / "journey.json"
    community = er.Community.from_csv(
        args.folder / "members.csv", args.folder / "interactions.csv", journey=journey if journey.exists() else None
    )
    rows, runs = [], []
    for policy in POLICIES:
        mc = er.simulate(community, rounds=args.rounds, policy=policy, params=args.params, seed=args.seed)
        mf = er.simulate(community, rounds=args.rounds, policy=policy, engine="mean_field", params=args.params)
        runs.append(mc)
        last = community.journey.stages[-1]
        rows.append(
            {
                "policy": policy,
                "R": mc.viral_r,
                "R (end)": mc.viral_r_final,
                "alive (MC)": int(mc.counts.iloc[-1].sum()),
                "alive (MF)": mf.counts.iloc[-1].sum(),
                f"{last} (MC)": int(mc.counts[last].iloc[-1]),
                f"{last} (MF)": mf.counts[last].iloc[-1],
                "conversions (MC)": int(mc.conversions.to_numpy().sum()),
            }
        )
    start = community.stage_counts()
    print(f"{len(community)} members at the start: " + ", ".join(f"{s} {n}" for s, n in start.items()))
    print(pd.DataFrame(rows).set_index("policy").round(2).to_string())
    if args.png:
        import matplotlib

        matplotlib.use("Agg")
        axes = er.plot_simulations(runs)
        axes[0].figure.savefig(args.png, dpi=110)
        print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
