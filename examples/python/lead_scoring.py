"""Lead scoring, stage inference and the funnel with engage_right.

    python examples/python/lead_scoring.py

Uses examples/data/quantumcomputing/{members,events}.csv and journey.json
when events.csv and journey.json are there; otherwise a small inline
community. Runs offline in a few seconds.
"""

from pathlib import Path

import pandas as pd

import engage_right as er

data = Path(__file__).resolve().parents[1] / "data" / "quantumcomputing"
if (data / "events.csv").is_file() and (data / "journey.json").is_file():
    members, events, journey = data / "members.csv", data / "events.csv", er.Journey.from_json(data / "journey.json")
    print(f"data: {data}")
else:
    # The default journey: prospect > interested > new_customer > loyal >
    # advocate, with points per action (90-day half-life) and stage rules
    # (interested: score >= 10; new_customer: a purchase; loyal: a renewal;
    # advocate: score >= 40 and a referral).
    journey = er.Journey.preset("engage_right")
    members = pd.DataFrame(
        {
            "id": ["ada", "bob", "cy", "dee", "eve", "fay"],
            "stage": ["prospect", "prospect", "interested", "new_customer", "loyal", None],
            "satisfaction": [None, 6, 8, 9, 10, 7],
            "tags": ["quantum", "", "quantum;qiskit", "qiskit", "quantum", ""],
        }
    )
    day = pd.Timedelta(days=1)
    start = pd.Timestamp("2026-01-05", tz="UTC")
    events = pd.DataFrame(
        [
            ("ada", "visit", start),
            ("ada", "webinar", start + 2 * day),
            ("ada", "demo_request", start + 9 * day),
            ("bob", "visit", start + 1 * day),
            ("cy", "webinar", start),
            ("cy", "trial_start", start + 5 * day),
            ("cy", "purchase", start + 20 * day),
            ("dee", "purchase", start),
            ("dee", "renewal", start + 60 * day),
            ("dee", "review", start + 61 * day),
            ("eve", "purchase", start),
            ("eve", "renewal", start + 30 * day),
            ("eve", "referral", start + 70 * day),
            ("eve", "event_talk", start + 71 * day),
            ("eve", "review", start + 72 * day),
        ],
        columns=["member", "action", "timestamp"],
    )
    print("data: inline example")

scores = er.lead_scores(members, events, journey)
print(f"\nLead scores as of {scores.attrs['as_of']}:")
print(scores.sort_values("total", ascending=False).head(8).to_string(index=False, float_format="%.2f"))

stages = er.infer_stages(members, events, journey)
print("\nInferred stages (first rows):")
print(
    stages.head(8)[["member", "recorded_stage", "stage", "total", "next_stage", "next_milestone"]].to_string(
        index=False, float_format="%.2f"
    )
)

history = er.stage_history(members, events, journey)
print(f"\nStage history: {len(history)} rows, e.g.")
print(history.head(6).to_string(index=False))

# The funnel of the community with the inferred stages.
table = members if isinstance(members, pd.DataFrame) else pd.read_csv(members, dtype={"id": str})
community = er.Community.from_frames(
    pd.DataFrame(
        {
            "id": stages["member"],
            "stage": stages["stage"],
            "satisfaction": table["satisfaction"].astype("Int64") if "satisfaction" in table else None,
        }
    ),
    journey=journey,
)
funnel = er.funnel(community)
print("\nFunnel:")
print(
    funnel[["members", "reached", "nps", "next_stage", "seekers", "seats", "seats_per_seeker", "bottleneck"]].to_string(
        float_format="%.2f"
    )
)
print(f"Bottleneck: {funnel.attrs['bottleneck'] or 'none'}")
print("\nNPS per stage:")
print(er.nps(community).to_string(float_format="%.1f"))
