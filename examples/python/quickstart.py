"""Quickstart: load the bundled sample community, recommend, print a table.

python examples/python/quickstart.py
"""

from pathlib import Path

import engage_right as er

data = Path(__file__).resolve().parents[1] / "data" / "sample"
community = er.Community.from_csv(data / "members.csv", data / "interactions.csv")
print(community)
print(community.stage_counts().to_string())

recs = er.recommend(community, k=2)
print(
    recs.head(10)[["member", "member_stage", "peer", "peer_stage", "rank", "score", "channel", "reason"]].to_string(
        index=False
    )
)

first = recs.iloc[0]
print()
print(f"Why {first.peer} for {first.member}?")
for key, value in community.explain(first.member, first.peer).items():
    print(f"  {key}: {value}")
