"""Member ids must be UTF-8 text without control characters, so that JSON,
GraphML and tables stay valid: on random byte strings the CLI accepts an id
exactly when Python's strict UTF-8 decoder (RFC 3629: no overlong forms, no
surrogates, nothing beyond U+10FFFF) accepts it and it has no C0 control
character or DEL."""

from __future__ import annotations

import random

from cliutil import run

SPECIAL = set(b',"\r\n')


def _independent_ok(raw: bytes) -> bool:
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return False
    return not any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text)


def _random_id(rng: random.Random) -> bytes:
    pieces = []
    for _ in range(rng.randint(1, 6)):
        kind = rng.random()
        if kind < 0.4:
            pieces.append(rng.choice([b"a", b"z", b"7", b"_", b" x"]))
        elif kind < 0.7:  # a valid multi-byte character, maybe cut short
            ch = chr(rng.choice([0xE9, 0x65E5, 0x1F600, 0x10FFFF, 0xFFFD, 0x800]))
            enc = ch.encode("utf-8")
            pieces.append(enc if rng.random() < 0.7 else enc[: rng.randint(1, len(enc) - 1)])
        else:
            pieces.append(bytes([rng.choice([b for b in range(256) if b not in SPECIAL])]))
    raw = b"".join(pieces).strip(b" \t")
    return raw or b"q"


def test_member_ids_follow_the_utf8_rule(cli, tmp_path):
    rng = random.Random(20261202)
    seen = {True: 0, False: 0}
    for i in range(300):
        raw = _random_id(rng)
        path = tmp_path / f"m{i}.csv"
        path.write_bytes(b"id,stage\nfirst,prospect\n" + raw + b",interested\n")
        proc = run(cli, "recommend", "--members", path, "--format", "json")
        ok = _independent_ok(raw)
        seen[ok] += 1
        if ok:
            assert proc.returncode == 0, (raw, proc.stderr)
        else:
            assert proc.returncode == 2, raw
            assert b":3:1: id: expected UTF-8 text without control characters" in proc.stderr, (raw, proc.stderr)
    assert seen[True] > 50 and seen[False] > 50, seen
