"""Learn a ranking from the history of the bundled Quantum Computing Stack
Exchange community and recommend with it (docs/ranking.md).

    python examples/python/learned_ranking.py
"""

from pathlib import Path

import engage_right as er

DATA = Path(__file__).resolve().parents[1] / "data" / "quantumcomputing"
members, interactions = DATA / "members.csv", DATA / "interactions.csv"

# Learn from the contacts before 2018-07-15: features as of 2018-05-16, labels
# = the eligible pairs that first talked between 2018-05-16 and 2018-07-15.
model = er.fit_ranking(members, interactions, split_at="2018-07-15", horizon_days=60)
t = model.training
print(f"{t['samples']} training pairs, {t['positives']} positive, from {t['active_members']} members")
print(model.table().to_string(index=False))

# Rank with the model: the score is its probability, the reason names what drove the pair.
community = er.Community.from_csv(members, interactions)
recs = er.recommend(community, k=3, model=model)
print(recs[["member", "member_stage", "peer", "score", "reason"]].head(9).to_string(index=False))
