"""Plain pure-Python reference of lead scoring, stage inference, NPS and the
journey funnel.

Written from the specification only (docs/journey.md "Lead scoring" and
"Stage rules (stage inference)", docs/formats.md events.csv / stages.csv,
DESIGN.md sections 2-3).  It uses loops, dicts and ``math`` and nothing else,
favours obviousness over speed (stage history is quadratic in a member's
number of events) and is meant for small inputs: tests use it to cross-check
the C++ CLI / Python API and the pandas benchmark peer.

Inputs are what ``csv.DictReader`` gives for the files:

* ``members``: list of dicts, one per members.csv row.  Keys are column
  names (matched ignoring case and surrounding spaces); ``id`` is required,
  ``stage``, ``tags`` (``;``-separated, case-insensitive), ``activity``,
  ``satisfaction``, ``capacity``, ``opted_out`` and any other column are
  optional.  Values are strings (numbers and ``None`` are accepted too;
  ``None`` / ``""`` mean an empty cell).
* ``events``: list of dicts with ``member``, ``action``, ``timestamp``
  (unix seconds or ISO-8601 text, or a number) and optionally ``value``.
* ``journey``: the journey JSON as a dict (see :func:`load_journey`).

Entry points: :func:`load_journey`, :func:`parse_ts`, :func:`lead_scores`,
:func:`infer_stages`, :func:`history_rows`, :func:`nps`, :func:`funnel`.

Conventions chosen where the specification is silent (see also the notes on
each function):

* events whose member is not in ``members`` are an error (``ValueError``)
  unless ``skip_unknown=True``, in which case they are dropped *before*
  anything else, including the default ``as_of``;
* with no events at all (and no ``as_of``) ``as_of`` is ``None`` and every
  engagement is 0;
* a ``min``/``max`` fit rule on ``capacity`` does not match an empty cell
  ("empty cells never match" wins over "empty capacity = journey default");
* the stage history only looks at event times (as the brief says), also when
  negative points make a score rise between events.
"""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction

SECONDS_PER_DAY = 86400.0

# ----------------------------------------------------------------------------
# small text helpers
# ----------------------------------------------------------------------------
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_SPACES = " \t\r\n\f\v"
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def ascii_lower(text: str) -> str:
    """Lower-case A-Z only (the spec says "ignoring ASCII case")."""
    return text.translate(_ASCII_LOWER)


def cell(value) -> str:
    """A cell as trimmed text; ``None`` is the empty cell."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value).strip(_SPACES)


def parse_number(text: str, what: str = "value") -> float:
    """A finite decimal number (``12``, ``-0.5``, ``1e3``), else ValueError."""
    t = cell(text)
    if not _NUMBER_RE.match(t):
        raise ValueError(f"{what}: expected a number, got {text!r}")
    x = float(t)
    if not math.isfinite(x):
        raise ValueError(f"{what}: expected a finite number, got {text!r}")
    return x


def _member_id(value) -> str:
    """Member ids are compared byte for byte (no trimming); empty is an error."""
    if value is None or str(value) == "":
        raise ValueError("empty member id")
    return str(value)


def normalise_row(row: dict) -> dict:
    """Column names lower-cased (ASCII) and trimmed, as the CSV header rules say."""
    return {ascii_lower(str(k).strip(_SPACES)): v for k, v in row.items()}


def member_tags(row: dict) -> set:
    """The member's tag set: ``;``-separated, trimmed, ASCII lower case,
    empty pieces dropped, duplicates ignored."""
    return {ascii_lower(p.strip(_SPACES)) for p in cell(row.get("tags")).split(";") if p.strip(_SPACES)}


# ----------------------------------------------------------------------------
# journey and timestamps
# ----------------------------------------------------------------------------
def load_journey(path_or_dict):
    """The journey JSON as a dict: ``json.load`` of a path, or the dict itself."""
    if isinstance(path_or_dict, dict):
        return path_or_dict
    with open(path_or_dict, encoding="utf-8") as fh:
        return json.load(fh)


_UNIX_RE = re.compile(r"^-?\d+(?:\.\d+)?$")
_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"(Z|[+-]\d{2}:\d{2})?)?$"
)
_DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def _is_leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (plain counting)."""
    days = 0
    if y >= 1970:
        for yy in range(1970, y):
            days += 366 if _is_leap(yy) else 365
    else:
        for yy in range(y, 1970):
            days -= 366 if _is_leap(yy) else 365
    for mm in range(1, m):
        days += 29 if (mm == 2 and _is_leap(y)) else _DAYS_IN_MONTH[mm - 1]
    return days + d - 1


def parse_ts(text) -> float:
    """Unix seconds (float) of a timestamp cell.

    Accepted: unix seconds, integer or decimal (``1700000000``,
    ``1700000000.25``, optionally negative); or ISO-8601
    ``YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+HH:MM|-HH:MM]`` where no zone means
    UTC (a zone is only accepted after a time).  A number (int/float) is
    returned as is.  Anything else is a ValueError.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if not math.isfinite(text):
            raise ValueError(f"timestamp: not finite: {text!r}")
        return float(text)
    t = cell(text)
    if _UNIX_RE.match(t):
        return float(t)
    m = _ISO_RE.match(t)
    if not m:
        raise ValueError(f"timestamp: expected unix seconds or ISO-8601, got {text!r}")
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    hh = int(m.group(4) or 0)
    mi = int(m.group(5) or 0)
    ss = int(m.group(6) or 0)
    frac = m.group(7)
    zone = m.group(8)
    if not 1 <= mo <= 12:
        raise ValueError(f"timestamp: bad month in {text!r}")
    dim = 29 if (mo == 2 and _is_leap(y)) else _DAYS_IN_MONTH[mo - 1]
    if not 1 <= d <= dim:
        raise ValueError(f"timestamp: bad day in {text!r}")
    if hh > 23 or mi > 59 or ss > 59:
        raise ValueError(f"timestamp: bad time in {text!r}")
    offset = 0
    if zone and zone != "Z":
        zh, zm = int(zone[1:3]), int(zone[4:6])
        if zh > 23 or zm > 59:
            raise ValueError(f"timestamp: bad zone in {text!r}")
        offset = (zh * 3600 + zm * 60) * (1 if zone[0] == "+" else -1)
    seconds = _days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - offset
    # one correct rounding of the exact decimal value, like float("1700000000.1")
    return float(Fraction(seconds) + (Fraction("0." + frac) if frac else 0))


def format_ts(seconds: float) -> str:
    """ISO-8601 UTC text of unix seconds (``...Z``, milliseconds when needed)."""
    whole = math.floor(seconds)
    ms = round((seconds - whole) * 1000)
    if ms == 1000:
        whole, ms = whole + 1, 0
    days, rem = divmod(int(whole), 86400)
    # civil date from day count (Howard Hinnant's algorithm)
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y += 1 if m <= 2 else 0
    text = f"{y:04d}-{m:02d}-{d:02d}T{rem // 3600:02d}:{rem % 3600 // 60:02d}:{rem % 60:02d}"
    return text + (f".{ms:03d}Z" if ms else "Z")


# ----------------------------------------------------------------------------
# the journey's lead-scoring table and stage rules, in plain form
# ----------------------------------------------------------------------------
def _stage_names(journey: dict) -> list:
    return list(journey["stages"])


def _stage_index(journey: dict, name: str) -> int:
    want = ascii_lower(cell(name))
    for i, s in enumerate(_stage_names(journey)):
        if ascii_lower(s) == want:
            return i
    raise ValueError(f"unknown stage {name!r}")


def _action_table(journey: dict) -> dict:
    """action name -> (points, per_value)."""
    table = {}
    for name, spec in ((journey.get("lead_scoring") or {}).get("actions") or {}).items():
        if isinstance(spec, dict):
            table[name] = (float(spec["points"]), bool(spec.get("per_value", False)))
        else:
            table[name] = (float(spec), False)
    return table


def _half_life(journey: dict):
    h = (journey.get("lead_scoring") or {}).get("half_life_days")
    if h is None:
        return None
    h = float(h)
    if not h > 0:
        raise ValueError("$.lead_scoring.half_life_days: expected a number > 0")
    return h


def _rules(journey: dict) -> list:
    """One rule per stage: rules[0] is None, rules[s] a dict with keys
    min_score, min_fit, min_engagement (float or None) and milestones
    (list of (actions, at_least): the counts of the actions add up)."""
    stages = _stage_names(journey)
    given = {ascii_lower(k): v for k, v in (journey.get("stage_rules") or {}).items()}
    rules = [None]
    for s in stages[1:]:
        key = ascii_lower(s)
        if key not in given:
            raise ValueError(f"$.stage_rules.{s}: missing rule (inference needs one per stage after the first)")
        spec = given[key]
        milestones = []
        for item in spec.get("milestones") or []:
            if isinstance(item, str):
                milestones.append(((item,), 1))
            elif "any_of" in item:
                # alternatives: the events of all listed actions count together
                milestones.append((tuple(dict.fromkeys(item["any_of"])), int(item.get("at_least", 1))))
            else:
                milestones.append(((item["action"],), int(item.get("at_least", 1))))
        rules.append(
            {
                "min_score": None if spec.get("min_score") is None else float(spec["min_score"]),
                "min_fit": None if spec.get("min_fit") is None else float(spec["min_fit"]),
                "min_engagement": None if spec.get("min_engagement") is None else float(spec["min_engagement"]),
                "milestones": milestones,
            }
        )
    return rules


# ----------------------------------------------------------------------------
# fit
# ----------------------------------------------------------------------------
def fit_score(row: dict, journey: dict) -> float:
    """Sum of the points of every fit rule the member (a normalised row) matches.

    * ``{"tag": t}``: ``t`` (ASCII case-insensitive) is among the member's tags;
    * ``{"column": c, "equals": x}``: the trimmed cell equals ``x`` ignoring
      ASCII case;
    * ``{"column": c, "min": a, "max": b}`` (either bound optional): the cell
      is a number with ``a <= value <= b``; a non-empty cell that is not a
      number is a ValueError.
    Empty cells (and absent columns) never match.
    """
    total = []
    tags = member_tags(row)
    for i, rule in enumerate((journey.get("lead_scoring") or {}).get("fit") or []):
        points = float(rule["points"])
        if "tag" in rule:
            if ascii_lower(cell(rule["tag"])) in tags:
                total.append(points)
            continue
        column = ascii_lower(cell(rule["column"]))
        text = cell(row.get(column))
        if text == "":
            continue
        if "equals" in rule:
            if ascii_lower(text) == ascii_lower(cell(rule["equals"])):
                total.append(points)
        else:
            x = parse_number(text, f"{column} (fit rule {i})")
            lo = -math.inf if rule.get("min") is None else float(rule["min"])
            hi = math.inf if rule.get("max") is None else float(rule["max"])
            if lo <= x <= hi:
                total.append(points)
    return math.fsum(total)


# ----------------------------------------------------------------------------
# events
# ----------------------------------------------------------------------------
def _prepare(members, events, journey, skip_unknown):
    """Normalised member rows (in order), and per member id the list of its
    events as (timestamp, action, points) with points already multiplied by
    the value for per_value actions."""
    rows = [normalise_row(r) for r in members]
    ids = [_member_id(r.get("id")) for r in rows]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate member id")
    table = _action_table(journey)
    per_member = {i: [] for i in ids}
    for k, ev in enumerate(events):
        ev = normalise_row(ev)
        m = _member_id(ev.get("member"))
        if m not in per_member:
            if skip_unknown:
                continue
            raise ValueError(f"event {k}: unknown member {m!r}")
        action = str(ev["action"])
        if action == "":
            raise ValueError(f"event {k}: empty action")
        t = parse_ts(ev["timestamp"])
        points, per_value = table.get(action, (0.0, False))
        value_text = cell(ev.get("value"))
        if per_value:
            if value_text == "":
                raise ValueError(f"event {k}: action {action!r} is per_value but value is empty")
            points = points * parse_number(value_text, "value")
        elif value_text != "":
            parse_number(value_text, "value")  # still must be a number
        per_member[m].append((t, action, points))
    return rows, ids, per_member


def _default_as_of(per_member):
    times = [t for evs in per_member.values() for (t, _, _) in evs]
    return max(times) if times else None


def _engagement(evs, as_of, half_life):
    """Σ points × 2^(-age/half_life) over events with t <= as_of (age in days)."""
    if as_of is None:
        return 0.0
    terms = []
    for t, _, p in evs:
        if t <= as_of:
            if half_life is None:
                terms.append(p)
            else:
                age_days = (as_of - t) / SECONDS_PER_DAY
                terms.append(p * 2.0 ** (-age_days / half_life))
    return math.fsum(terms)


def _counts(evs, as_of):
    """action -> number of events with t <= as_of."""
    c = {}
    if as_of is None:
        return c
    for t, a, _ in evs:
        if t <= as_of:
            c[a] = c.get(a, 0) + 1
    return c


def lead_scores(members, events, journey, as_of=None, skip_unknown=False):
    """Lead scores of every member at ``as_of``.

    Returns ``(scores, as_of)``: ``scores`` maps member id ->
    ``(fit, engagement, total)`` (members.csv order), and ``as_of`` is the
    time used (the argument parsed with :func:`parse_ts`, by default the
    latest event timestamp; ``None`` when there is no event).

    engagement = Σ_{events with t <= as_of} points × (value if per_value)
                 × 2^(-(as_of - t) / 86400 / half_life_days)
    (no decay when ``half_life_days`` is absent or null); total = fit + engagement.
    """
    journey = load_journey(journey)
    rows, ids, per_member = _prepare(members, events, journey, skip_unknown)
    as_of = _default_as_of(per_member) if as_of is None else parse_ts(as_of)
    h = _half_life(journey)
    scores = {}
    for mid, row in zip(ids, rows):
        fit = fit_score(row, journey)
        eng = _engagement(per_member[mid], as_of, h)
        scores[mid] = (fit, eng, fit + eng)
    return scores, as_of


# ----------------------------------------------------------------------------
# stage inference
# ----------------------------------------------------------------------------
def rule_holds(rule, fit, engagement, counts) -> bool:
    """All conditions of a stage rule hold (each threshold with ``>=``)."""
    if rule["min_score"] is not None and not fit + engagement >= rule["min_score"]:
        return False
    if rule["min_fit"] is not None and not fit >= rule["min_fit"]:
        return False
    if rule["min_engagement"] is not None and not engagement >= rule["min_engagement"]:
        return False
    for actions, at_least in rule["milestones"]:
        if sum(counts.get(a, 0) for a in actions) < at_least:
            return False
    return True


def stage_at(rules, fit, engagement, counts) -> int:
    """Furthest stage s such that the rules of stages 1..s all hold."""
    s = 0
    while s + 1 < len(rules) and rule_holds(rules[s + 1], fit, engagement, counts):
        s += 1
    return s


def checklist(rule, fit, engagement, counts) -> list:
    """Items of a rule as (kind, action_or_None, required, current, met), in
    the order min_score, min_fit, min_engagement, then the milestones."""
    items = []
    for kind, current in (("min_score", fit + engagement), ("min_fit", fit), ("min_engagement", engagement)):
        if rule[kind] is not None:
            items.append((kind, None, rule[kind], current, current >= rule[kind]))
    for actions, at_least in rule["milestones"]:
        have = sum(counts.get(a, 0) for a in actions)
        items.append(("milestone", " or ".join(actions), at_least, have, have >= at_least))
    return items


def infer_stages(members, events, journey, as_of=None, skip_unknown=False):
    """Inferred stage, next-stage checklist and stage history of every member.

    Returns ``(result, as_of)``; ``result`` maps member id (members.csv order)
    to a dict with

    * ``fit``, ``engagement``, ``total``: the scores at ``as_of``;
    * ``stage``: index of the furthest stage s whose rules 1..s all hold at
      ``as_of`` (milestone counts: events with t <= as_of);
    * ``stage_name``: the journey's name of that stage;
    * ``next_stage``: s + 1, or None at the last stage;
    * ``checklist``: the items of stage s+1's rule as
      ``(kind, action_or_None, required, current, met)`` with kind one of
      ``min_score``, ``min_fit``, ``min_engagement``, ``milestone``
      (empty at the last stage);
    * ``history``: list of ``(stage_index, t)``: stage 0 at the member's
      first event (t <= as_of); stage s >= 1 at the first event time t <=
      as_of at which rules 1..s all hold when evaluated with as_of = t,
      i.e. with every event whose timestamp is <= t (all events sharing a
      timestamp count together).  Empty for members without events
      (<= as_of).
    """
    journey = load_journey(journey)
    rows, ids, per_member = _prepare(members, events, journey, skip_unknown)
    as_of = _default_as_of(per_member) if as_of is None else parse_ts(as_of)
    h = _half_life(journey)
    rules = _rules(journey)
    names = _stage_names(journey)
    result = {}
    for mid, row in zip(ids, rows):
        evs = per_member[mid]
        fit = fit_score(row, journey)
        eng = _engagement(evs, as_of, h)
        counts = _counts(evs, as_of)
        s = stage_at(rules, fit, eng, counts)
        nxt = s + 1 if s + 1 < len(names) else None
        history = []
        if as_of is not None:
            times = sorted({t for (t, _, _) in evs if t <= as_of})
            reached = -1
            for t in times:
                st = stage_at(rules, fit, _engagement(evs, t, h), _counts(evs, t))
                if reached < 0:  # the first event: stage 0
                    history.append((0, t))
                    reached = 0
                while reached < st:
                    reached += 1
                    history.append((reached, t))
        result[mid] = {
            "fit": fit,
            "engagement": eng,
            "total": fit + eng,
            "stage": s,
            "stage_name": names[s],
            "next_stage": nxt,
            "checklist": [] if nxt is None else checklist(rules[nxt], fit, eng, counts),
            "history": history,
        }
    return result, as_of


def history_rows(result, journey) -> list:
    """The stage history as stages.csv rows ``(member, stage_name, t)`` in
    members order, then stage order."""
    names = _stage_names(load_journey(journey))
    return [(mid, names[s], t) for mid, r in result.items() for (s, t) in r["history"]]


# ----------------------------------------------------------------------------
# NPS and the funnel
# ----------------------------------------------------------------------------
def _satisfaction(value):
    """0..10 int, or None for unknown (None / empty cell)."""
    t = cell(value)
    if t == "":
        return None
    x = int(t)
    if not 0 <= x <= 10:
        raise ValueError(f"satisfaction out of range: {value!r}")
    return x


def nps(satisfactions) -> dict:
    """Net promoter summary of satisfaction scores (0-10 ints, strings, or
    None / "" for unknown).

    promoters 9-10, passives 7-8, detractors 0-6, unknown = None;
    responses = promoters + passives + detractors;
    nps = 100 × (promoters − detractors) / responses, NaN with no responses.
    """
    out = {"promoters": 0, "passives": 0, "detractors": 0, "unknown": 0}
    for v in satisfactions:
        x = _satisfaction(v)
        if x is None:
            out["unknown"] += 1
        elif x >= 9:
            out["promoters"] += 1
        elif x >= 7:
            out["passives"] += 1
        else:
            out["detractors"] += 1
    out["responses"] = out["promoters"] + out["passives"] + out["detractors"]
    out["nps"] = 100.0 * (out["promoters"] - out["detractors"]) / out["responses"] if out["responses"] else math.nan
    return out


def _opted_out(value) -> bool:
    t = ascii_lower(cell(value))
    if t in ("", "0", "false"):
        return False
    if t in ("1", "true"):
        return True
    raise ValueError(f"opted_out: expected 1/0/true/false, got {value!r}")


def _capacity(value, default_capacity) -> int:
    t = cell(value)
    if t == "":
        return default_capacity
    x = int(t)
    if x < 0:
        raise ValueError(f"capacity: negative: {value!r}")
    return x


def funnel(
    members, interactions, journey_stage_names, steps_enabled, min_peer_satisfaction=7, default_capacity=3
) -> dict:
    """Stage funnel of a community by the members' ``stage`` column.

    ``interactions``: iterable of dicts with ``source``/``target`` or of
    (source, target) pairs; undirected, self-loops ignored.

    Returns ``{"stages": [...], "steps": [...], "bottleneck": step or None}``:

    * per stage s: ``stage`` (name), ``members``, ``share`` (members / all
      members; NaN for an empty community), ``reached`` (members at s or
      later), ``conversion`` = reached[s] / reached[s-1] (NaN for s = 0 or
      reached[s-1] == 0), ``nps`` (the :func:`nps` summary of the stage's
      members);
    * per step s -> s+1: ``step`` (= s), ``from``, ``to``, ``enabled``,
      ``seekers`` (members at s not opted out), ``peers`` (members at s+1
      not opted out, satisfaction unknown or >= min_peer_satisfaction,
      capacity > 0 with empty capacity = default_capacity), ``seats`` (sum
      of those peers' capacities), ``seekers_without_peer`` (seekers every
      one of whose eligible peers is already an interaction neighbour,
      including seekers with no eligible peer at all), ``seats_per_seeker``
      (seats / seekers, NaN with no seekers);
    * ``bottleneck``: among enabled steps with seekers > 0 the one with the
      lowest seats_per_seeker, ties to the earliest; None if there is none.
    """
    names = list(journey_stage_names)
    k = len(names)
    rows = [normalise_row(r) for r in members]
    lower = [ascii_lower(n) for n in names]
    by_stage = [[] for _ in range(k)]
    for r in rows:
        st = ascii_lower(cell(r.get("stage")))
        if st not in lower:
            raise ValueError(f"unknown stage {r.get('stage')!r}")
        s = lower.index(st)
        _member_id(r.get("id"))
        by_stage[s].append(r)

    neighbours = {}
    for it in interactions or []:
        if isinstance(it, dict):
            it = normalise_row(it)
            a, b = str(it["source"]), str(it["target"])
        else:
            a, b = str(it[0]), str(it[1])
        if a == b:
            continue
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)

    total = len(rows)
    stages = []
    for s in range(k):
        n_s = len(by_stage[s])
        reached = sum(len(by_stage[j]) for j in range(s, k))
        stages.append(
            {
                "stage": names[s],
                "members": n_s,
                "share": n_s / total if total else math.nan,
                "reached": reached,
                "nps": nps([r.get("satisfaction") for r in by_stage[s]]),
            }
        )
    for s in range(k):
        prev = stages[s - 1]["reached"] if s > 0 else 0
        stages[s]["conversion"] = stages[s]["reached"] / prev if s > 0 and prev > 0 else math.nan

    steps = []
    for s in range(k - 1):
        seekers = [_member_id(r.get("id")) for r in by_stage[s] if not _opted_out(r.get("opted_out"))]
        peers = []
        seats = 0
        for r in by_stage[s + 1]:
            if _opted_out(r.get("opted_out")):
                continue
            sat = _satisfaction(r.get("satisfaction"))
            if sat is not None and sat < min_peer_satisfaction:
                continue
            cap = _capacity(r.get("capacity"), default_capacity)
            if cap <= 0:
                continue
            peers.append(_member_id(r.get("id")))
            seats += cap
        without = 0
        for u in seekers:
            nb = neighbours.get(u, set())
            if all(v in nb for v in peers):  # also true when there is no peer
                without += 1
        steps.append(
            {
                "step": s,
                "from": names[s],
                "to": names[s + 1],
                "enabled": bool(steps_enabled[s]),
                "seekers": len(seekers),
                "peers": len(peers),
                "seats": seats,
                "seekers_without_peer": without,
                "seats_per_seeker": seats / len(seekers) if seekers else math.nan,
            }
        )

    bottleneck = None
    for st in steps:
        if st["enabled"] and st["seekers"] > 0:
            if bottleneck is None or st["seats_per_seeker"] < steps[bottleneck]["seats_per_seeker"]:
                bottleneck = st["step"]
    return {"stages": stages, "steps": steps, "bottleneck": bottleneck}
