"""er.nps, er.funnel and er.plot_funnel: against the definition of NPS, the
independent reference funnel (lead_reference.funnel) and the CLI's
`stats --format csv`, on random communities loaded from frames and CSV."""

from __future__ import annotations

import csv
import io
import json
import math
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import engage_right as er  # noqa: E402
import lead_reference as ref  # noqa: E402
from cliutil import run  # noqa: E402

SEEDS = list(range(8200, 8224))  # 24 random communities
NPS_COLUMNS = ["promoters", "passives", "detractors", "unknown", "responses", "nps"]
STAGE_COLUMNS = ["members", "share", "reached", "conversion", "promoters", "passives", "detractors", "unknown", "nps"]
STEP_COLUMNS = [
    "next_stage",
    "enabled",
    "channel",
    "seekers",
    "seekers_without_peer",
    "peers",
    "seats",
    "seats_per_seeker",
    "bottleneck",
]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def nps_definition(values) -> dict:
    """NPS counts straight from the definition (promoters 9-10, passives 7-8,
    detractors 0-6, unknown = missing)."""
    known = [int(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    p = sum(1 for v in known if v >= 9)
    pa = sum(1 for v in known if 7 <= v <= 8)
    d = sum(1 for v in known if v <= 6)
    n = p + pa + d
    return {
        "promoters": p,
        "passives": pa,
        "detractors": d,
        "unknown": len(values) - len(known),
        "responses": n,
        "nps": 100.0 * (p - d) / n if n else math.nan,
    }


def assert_nps_row(row: pd.Series, expected: dict, where: str) -> None:
    for key in NPS_COLUMNS[:5]:
        assert int(row[key]) == expected[key], f"{where}: {key} {row[key]!r} != {expected[key]!r}"
    if math.isnan(expected["nps"]):
        assert math.isnan(row["nps"]), f"{where}: nps {row['nps']!r}, expected NaN"
    else:
        assert row["nps"] == pytest.approx(expected["nps"], rel=1e-12, abs=1e-12), where


# ---------------------------------------------------------------------------
# NPS
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(30))
def test_nps_of_satisfactions_matches_definition(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 60))
    raw = rng.integers(-1, 11, size=n)
    values = [None if v < 0 else int(v) for v in raw]
    expected = nps_definition(values)
    r = ref.nps(values)  # the definition written twice, independently
    assert all(r[key] == expected[key] for key in NPS_COLUMNS[:5])
    assert (math.isnan(r["nps"]) and math.isnan(expected["nps"])) or r["nps"] == pytest.approx(expected["nps"])
    forms = {
        "list": values,
        "float array": np.array([np.nan if v is None else float(v) for v in values]),
        "Int64 series": pd.Series(values, dtype="Int64"),
        "object series": pd.Series(values, dtype=object),
    }
    if all(v is not None for v in values):
        forms["int array"] = np.array(values, dtype=np.int64)
    for name, data in forms.items():
        df = er.nps(data, by=None)
        assert list(df.columns) == NPS_COLUMNS and list(df.index) == ["(all)"], name
        assert df.index.name == "stage"
        assert_nps_row(df.loc["(all)"], expected, f"seed {seed}, {name}")


@pytest.mark.parametrize("seed", range(10))
def test_nps_by_stage_of_members_frame(seed):
    rng = np.random.default_rng(100 + seed)
    preset = str(rng.choice(er.Journey.presets()))
    stages = er.Journey.preset(preset).stages
    n = int(rng.integers(0, 80))
    st = [str(rng.choice(stages)) for _ in range(n)]
    st = [s.upper() if rng.random() < 0.2 else s for s in st]
    sat = [None if rng.random() < 0.2 else int(rng.integers(0, 11)) for _ in range(n)]
    members = pd.DataFrame(
        {"id": [f"m{i}" for i in range(n)], "stage": st, "satisfaction": pd.array(sat, dtype="Int64")}
    )
    df = er.nps(members, journey=preset)
    assert list(df.index) == stages + ["(all)"] and list(df.columns) == NPS_COLUMNS
    for s in stages:
        vals = [v for v, x in zip(sat, st) if x.lower() == s.lower()]
        assert_nps_row(df.loc[s], nps_definition(vals), f"seed {seed}, stage {s}")
    assert_nps_row(df.loc["(all)"], nps_definition(sat), f"seed {seed}, all")
    one = er.nps(members, by=None)
    pd.testing.assert_frame_equal(one, df.loc[["(all)"]])


def test_nps_errors():
    with pytest.raises(ValueError, match="by must be None"):
        er.nps([1, 2, 3])
    with pytest.raises(ValueError, match="by must be"):
        er.nps([1, 2], by="tier")
    with pytest.raises(ValueError, match=r"row 2: satisfaction"):
        er.nps([1, 2, 11], by=None)
    with pytest.raises(ValueError, match=r"row 1: satisfaction"):
        er.nps(np.array([1.0, 7.5]), by=None)
    members = pd.DataFrame({"id": ["a", "b"], "stage": ["prospect", "nowhere"], "satisfaction": [1, 2]})
    with pytest.raises(ValueError, match=r"members row 1: unknown stage 'nowhere'"):
        er.nps(members)
    with pytest.raises(ValueError, match="satisfaction"):
        er.nps(members.drop(columns="satisfaction"))


# ---------------------------------------------------------------------------
# the funnel
# ---------------------------------------------------------------------------
def make_community(seed: int):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    stages = ["trial", "Paying", "fan", "champion", "legend"][:k]
    steps = [
        {
            "from": stages[i],
            "to": stages[i + 1],
            "enabled": bool(rng.random() < 0.8),
            "channel": str(rng.choice(["private", "public"])),
        }
        for i in range(k - 1)
    ]
    journey = {
        "name": f"funnel_{seed}",
        "stages": stages,
        "steps": steps,
        "min_peer_satisfaction": int(rng.integers(0, 12)),
        "default_capacity": int(rng.integers(0, 5)),
    }
    n = int(rng.integers(0, 40))
    members = []
    for i in range(n):
        members.append(
            {
                "id": f"u{i}",
                "stage": str(rng.choice(stages)),
                "satisfaction": "" if rng.random() < 0.25 else str(int(rng.integers(0, 11))),
                "capacity": "" if rng.random() < 0.4 else str(int(rng.integers(0, 4))),
                "opted_out": str(rng.choice(["0", "1", "", "true", "false"], p=[0.4, 0.1, 0.3, 0.1, 0.1])),
            }
        )
    edges = []
    if n:
        for _ in range(int(rng.integers(0, 3 * n + 1))):
            a, b = int(rng.integers(0, n)), int(rng.integers(0, n))
            edges.append({"source": f"u{a}", "target": f"u{b}"})
    options = {}
    if rng.random() < 0.3:
        options["min_satisfaction"] = int(rng.integers(0, 12))
    if rng.random() < 0.25:
        options["allow_existing"] = True
    return journey, members, edges, options


def write_community(tmp_path, journey, members, edges):
    mpath, ipath, jpath = tmp_path / "members.csv", tmp_path / "interactions.csv", tmp_path / "journey.json"
    with open(mpath, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "stage", "satisfaction", "capacity", "opted_out"], lineterminator="\n")
        w.writeheader()
        w.writerows(members)
    with open(ipath, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["source", "target"], lineterminator="\n")
        w.writeheader()
        w.writerows(edges)
    jpath.write_text(json.dumps(journey), encoding="utf-8")
    return mpath, ipath, jpath


def frames_community(journey, members, edges):
    df = pd.DataFrame(members, columns=["id", "stage", "satisfaction", "capacity", "opted_out"])
    for c in ("satisfaction", "capacity"):
        df[c] = pd.array([None if v == "" else int(v) for v in df[c]], dtype="Int64")
    inter = pd.DataFrame(edges, columns=["source", "target"]) if edges else None
    return er.Community.from_frames(df, inter, journey=er.Journey.from_json(journey))


def reference_funnel(journey, members, edges, options):
    return ref.funnel(
        members,
        [] if options.get("allow_existing") else edges,
        journey["stages"],
        [s["enabled"] for s in journey["steps"]],
        min_peer_satisfaction=options.get("min_satisfaction", journey["min_peer_satisfaction"]),
        default_capacity=journey["default_capacity"],
    )


def same(a, b) -> bool:
    if isinstance(b, float) and math.isnan(b):
        return isinstance(a, float) and math.isnan(a)
    return a == b or (isinstance(b, float) and a == pytest.approx(b, rel=1e-12))


def check_funnel(df: pd.DataFrame, expected: dict, journey: dict, where: str) -> None:
    stages = journey["stages"]
    assert list(df.index) == stages and df.index.name == "stage", where
    assert list(df.columns) == STAGE_COLUMNS + STEP_COLUMNS, f"{where}: columns {list(df.columns)}"
    for s, exp in zip(stages, expected["stages"]):
        row = df.loc[s]
        for key in ("members", "share", "reached", "conversion"):
            assert same(row[key], exp[key]), f"{where}: stage {s} {key} {row[key]!r} != reference {exp[key]!r}"
        for key in ("promoters", "passives", "detractors", "unknown", "nps"):
            assert same(row[key], exp["nps"][key]), f"{where}: stage {s} {key} {row[key]!r} != {exp['nps'][key]!r}"
    for st in expected["steps"]:
        row = df.loc[st["from"]]
        w = f"{where}: step {st['from']} -> {st['to']}"
        assert row["next_stage"] == st["to"], w
        assert bool(row["enabled"]) is st["enabled"], w
        assert row["channel"] == journey["steps"][st["step"]]["channel"], w
        for key in ("seekers", "seekers_without_peer", "peers", "seats", "seats_per_seeker"):
            assert same(row[key], st[key]), f"{w}: {key} {row[key]!r} != reference {st[key]!r}"
        assert bool(row["bottleneck"]) is (expected["bottleneck"] == st["step"]), w
    last = df.iloc[-1]
    assert pd.isna(last["next_stage"]) and pd.isna(last["enabled"]) and pd.isna(last["channel"]), where
    for key in ("seekers", "seekers_without_peer", "peers", "seats", "seats_per_seeker"):
        assert pd.isna(last[key]), f"{where}: last stage {key} {last[key]!r}"
    assert pd.isna(last["bottleneck"]), where
    assert str(df["bottleneck"].dtype) == "boolean" and str(df["enabled"].dtype) == "boolean"
    assert len(df[df["bottleneck"]]) == (expected["bottleneck"] is not None)
    assert (df.attrs["bottleneck"] == "") == (expected["bottleneck"] is None), where
    if expected["bottleneck"] is not None:
        b = expected["steps"][expected["bottleneck"]]
        assert df.attrs["bottleneck"].startswith(f"{b['from']} → {b['to']}: "), df.attrs["bottleneck"]


@pytest.mark.parametrize("seed", SEEDS)
def test_funnel_matches_reference(seed, tmp_path):
    journey, members, edges, options = make_community(seed)
    expected = reference_funnel(journey, members, edges, options)
    mpath, ipath, jpath = write_community(tmp_path, journey, members, edges)
    from_csv = er.Community.from_csv(mpath, ipath, journey=str(jpath))
    for name, c in (("csv", from_csv), ("frames", frames_community(journey, members, edges))):
        check_funnel(er.funnel(c, **options), expected, journey, f"seed {seed} ({name})")
    # nps of the community: the funnel's per-stage numbers plus "(all)"
    by_stage = er.nps(from_csv)
    assert list(by_stage.index) == journey["stages"] + ["(all)"]
    f = er.funnel(from_csv, **options)
    for key in ("promoters", "passives", "detractors", "unknown"):
        assert by_stage[key].iloc[:-1].tolist() == f[key].tolist()
    assert_nps_row(
        by_stage.loc["(all)"],
        nps_definition([None if m["satisfaction"] == "" else int(m["satisfaction"]) for m in members]),
        f"seed {seed}",
    )


def cli_value(text: str):
    return math.nan if text == "" else float(text)


@pytest.mark.parametrize("seed", SEEDS[::2])
def test_funnel_equals_cli_stats(seed, tmp_path, cli):
    journey, members, edges, options = make_community(seed)
    mpath, ipath, jpath = write_community(tmp_path, journey, members, edges)
    args = ["stats", "--members", mpath, "--interactions", ipath, "--journey", jpath, "--format", "csv"]
    if "min_satisfaction" in options:
        args += ["--min-satisfaction", options["min_satisfaction"]]
    if options.get("allow_existing"):
        args.append("--allow-existing")
    rows = list(csv.DictReader(io.StringIO(run(cli, *args, check_exit=0).stdout.decode("utf-8"), newline="")))
    c = er.Community.from_csv(mpath, ipath, journey=str(jpath))
    df = er.funnel(c, **options)
    stage_rows = [r for r in rows if r["section"] == "stage"]
    step_rows = [r for r in rows if r["section"] == "step"]
    assert [r["stage"] for r in stage_rows] == journey["stages"] + ["(all)"]
    for r in stage_rows[:-1]:
        row = df.loc[r["stage"]]
        for key in ("members", "reached", "promoters", "passives", "detractors", "unknown"):
            assert int(r[key]) == int(row[key]), f"seed {seed}: {r['stage']} {key}"
        for key in ("share", "conversion", "nps"):
            v = cli_value(r[key])
            assert (math.isnan(v) and math.isnan(row[key])) or r[key] == f"{row[key]:.6f}", (
                f"seed {seed}: {r['stage']} {key} CLI {r[key]!r} != {row[key]!r}"
            )
    total = er.nps(c).loc["(all)"]
    for key in ("promoters", "passives", "detractors", "unknown"):
        assert int(stage_rows[-1][key]) == int(total[key])
    assert stage_rows[-1]["nps"] == ("" if math.isnan(total["nps"]) else f"{total['nps']:.6f}")
    assert len(step_rows) == len(journey["stages"]) - 1
    for r in step_rows:
        row = df.loc[r["from"]]
        w = f"seed {seed}: step {r['from']}"
        assert r["to"] == row["next_stage"] and r["channel"] == row["channel"], w
        assert r["enabled"] == ("yes" if row["enabled"] else "no"), w
        for key in ("seekers", "seekers_without_peer", "peers", "seats"):
            assert int(r[key]) == int(row[key]), f"{w}: {key}"
        v = cli_value(r["seats_per_seeker"])
        assert (math.isnan(v) and math.isnan(row["seats_per_seeker"])) or r[
            "seats_per_seeker"
        ] == f"{row['seats_per_seeker']:.6f}", w
        assert r["bottleneck"] == ("yes" if row["bottleneck"] else "no"), w
    assert pd.isna(df["bottleneck"].iloc[-1])


def test_funnel_options_and_errors(tmp_path):
    journey, members, edges, _ = make_community(SEEDS[1])
    c = frames_community(journey, members, edges)
    with pytest.raises(ValueError, match="min_satisfaction"):
        er.funnel(c, min_satisfaction=12)
    with pytest.raises(ValueError, match="min_satisfaction"):
        er.funnel(c, min_satisfaction=2.5)
    with pytest.raises(TypeError):
        er.funnel(pd.DataFrame({"id": []}))
    empty = er.funnel(er.Community.from_frames(pd.DataFrame({"id": [], "stage": []})))
    assert (empty["members"] == 0).all() and empty["share"].isna().all() and empty.attrs["bottleneck"] == ""


# ---------------------------------------------------------------------------
# plot_funnel
# ---------------------------------------------------------------------------
def bar_colours(ax):
    return [tuple(p.get_facecolor()) for p in ax.patches]


@pytest.mark.parametrize("seed", SEEDS[:8])
def test_plot_funnel_bars_and_bottleneck(seed):
    journey, members, edges, options = make_community(seed)
    c = frames_community(journey, members, edges)
    df = er.funnel(c, **options)
    ax = er.plot_funnel(df)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(ax.patches) == len(journey["stages"])
    widths = [p.get_width() for p in ax.patches]
    assert widths == df["members"].tolist()
    # first stage on top
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == journey["stages"]
    assert ax.yaxis_inverted()
    colours = bar_colours(ax)
    if df["bottleneck"].any():
        i = int(np.argmax(df["bottleneck"].fillna(False).to_numpy(dtype=bool)))
        assert all(colours[j] != colours[i] for j in range(len(colours)) if j != i)
        assert len({col for j, col in enumerate(colours) if j != i}) <= 1
        assert df.attrs["bottleneck"] in ax.get_title()
    else:
        assert len(set(colours)) == 1
        assert "no bottleneck" in ax.get_title()
    # every bar is annotated with its count and its NPS
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == len(journey["stages"])
    for text, (_, row) in zip(texts, df.iterrows()):
        assert text.startswith(f"{int(row['members']):,}")
        assert "NPS" in text
        if not pd.isna(row["seats_per_seeker"]):
            assert f"{row['seats_per_seeker']:.2f}" in text


def test_plot_funnel_from_community_on_given_axes():
    c = er.Community.from_csv(er_sample("members.csv"), er_sample("interactions.csv"))
    fig, ax = plt.subplots()
    out = er.plot_funnel(c, ax=ax)
    assert out is ax and len(ax.patches) == 5
    df = er.funnel(c)
    assert df["bottleneck"].sum() == 1
    assert df.attrs["bottleneck"] and df.attrs["bottleneck"] in ax.get_title()
    i = int(np.argmax(df["bottleneck"].fillna(False).to_numpy(dtype=bool)))
    colours = bar_colours(ax)
    assert colours.count(colours[i]) == 1


def er_sample(name: str) -> str:
    from cliutil import REPO

    return str(REPO / "examples" / "data" / "sample" / name)


def test_plot_funnel_without_matplotlib(monkeypatch):
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    df = er.funnel(frames_community(*make_community(SEEDS[0])[:3]))
    with pytest.raises(ImportError, match=r"pip install engage_right\[plot\]"):
        er.plot_funnel(df)


def test_plot_funnel_rejects_other_data():
    with pytest.raises(TypeError):
        er.plot_funnel([1, 2, 3])
    with pytest.raises(ValueError, match="funnel"):
        er.plot_funnel(pd.DataFrame({"members": [1]}))
