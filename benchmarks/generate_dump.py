#!/usr/bin/env python3
"""Generate a synthetic Stack Exchange dump for the import benchmark.

    python3 benchmarks/generate_dump.py --posts-mb 512 --out benchmarks/data/dump-512 [--seed 1]

Writes Users.xml, Posts.xml, Comments.xml, Votes.xml and Badges.xml in the
dumps' own form (byte-order mark, XML declaration, one ``<row .../>`` per
line, CRLF, HTML bodies escaped as in the dumps: ``&lt;p&gt;...&#xA;``).
Posts.xml grows to about ``--posts-mb`` MB (rows of about 1.3 KB, as on the
large sites, or ``--posts N`` rows with bodies as long as needed); the other tables scale with it (per 1000 posts: 250 users,
1500 comments, 4000 votes, 600 badges). Three years of activity, questions
with 1-5 tags out of 500, answers to recent questions, accepted answers with
their accept votes, up-, down- and bounty votes, community-wiki posts,
deleted users (rows without an owner) and votes on deleted posts.
Deterministic for a seed. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

WORDS = (
    "the a of to and in is it that for on with as this be are you can not or have from by at but an if "
    "query index table join select server client thread memory cache buffer stream parser error value type "
    "function method class object array string number integer float pointer reference lambda template module "
    "package install build compile link runtime kernel process socket network request response header body"
).split()
START = 1388534400  # 2014-01-01T00:00:00Z
SPAN = 3 * 365 * 86400


def iso(t: float) -> str:
    ms = int(round(t * 1000))
    s, ms = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{ms:03d}"


def day(t: float) -> str:
    return time.strftime("%Y-%m-%dT00:00:00.000", time.gmtime(int(t)))


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def make_bodies(rng: random.Random, count: int, target: int = 0) -> list:
    """Escaped HTML bodies; with a target, each about that many characters."""
    out = []
    for _ in range(count):
        paras = []
        want = rng.randint(2, 7) if target == 0 else 10**9
        while len(paras) < want and (target == 0 or sum(len(x) for x in paras) < target * 0.8):
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 45)))
            if rng.random() < 0.3:
                words += ' <code>x = "a" & b</code>'
            paras.append(f"<p>{words}.</p>\n")
        out.append(esc("\n".join(paras)).replace("\n", "&#xA;"))
    return out


class Table:
    def __init__(self, path: str, root: str):
        self.f = open(path, "w", encoding="utf-8", newline="")
        self.f.write(f'\ufeff<?xml version="1.0" encoding="utf-8"?>\r\n<{root}>\r\n')
        self.root = root
        self.rows = 0

    def row(self, attrs: str) -> None:
        self.f.write(f"  <row {attrs} />\r\n")
        self.rows += 1

    def close(self) -> None:
        self.f.write(f"</{self.root}>\r\n")
        self.f.close()


def generate(out: str, posts_mb: float, seed: int, posts: int = 0) -> dict:
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    n_posts = posts or int(posts_mb * 1e6 / 1300)
    n_users = max(100, n_posts // 4)
    bodies = make_bodies(rng, 2000, int(posts_mb * 1e6 / posts) - 450 if posts else 0)
    tags = [f"tag-{k}" for k in range(500)]
    user_created = sorted(START + rng.random() * SPAN * 0.9 for _ in range(n_users))

    users = Table(os.path.join(out, "Users.xml"), "users")
    users.row(
        f'Id="-1" Reputation="1" CreationDate="{iso(START - 86400)}" DisplayName="Community" '
        'LastAccessDate="2014-01-01T00:00:00.000" AboutMe="&lt;p&gt;Hi, I\'m not really a person.&lt;/p&gt;" '
        'Views="0" UpVotes="5" DownVotes="100" AccountId="-1"'
    )
    for i, t in enumerate(user_created, start=1):
        rep = 1 if rng.random() < 0.45 else (101 if rng.random() < 0.5 else rng.randint(2, 30000))
        users.row(
            f'Id="{i}" Reputation="{rep}" CreationDate="{iso(t)}" DisplayName="user{i}" '
            f'LastAccessDate="{iso(t + 1000)}" Location="Somewhere &amp; there" '
            f'AboutMe="&lt;p&gt;About user {i}.&lt;/p&gt;" Views="{rng.randint(0, 999)}" UpVotes="3" '
            f'DownVotes="0" AccountId="{i + 1000}"'
        )
    users.close()

    def owner(t: float) -> str:
        # a user who already exists; 1 % deleted (no owner)
        if rng.random() < 0.01:
            return ""
        hi = max(1, min(n_users, int((t - START) / (SPAN * 0.9) * n_users)))
        return f' OwnerUserId="{rng.randint(1, hi)}"'

    posts = Table(os.path.join(out, "Posts.xml"), "posts")
    votes = Table(os.path.join(out, "Votes.xml"), "votes")
    comments = Table(os.path.join(out, "Comments.xml"), "comments")
    vote_id = comment_id = 0
    questions = []  # (id, created)
    t = START + 3600.0
    step = SPAN / max(1, n_posts)
    post_owner = {}
    for pid in range(1, n_posts + 1):
        t += rng.random() * 2 * step
        body = bodies[rng.randrange(len(bodies))]
        score = rng.randint(-2, 15)
        own = owner(t)
        post_owner[pid] = own
        wiki = f' CommunityOwnedDate="{iso(t + 86400)}"' if rng.random() < 0.005 else ""
        if not questions or rng.random() < 0.4:
            accepted = f' AcceptedAnswerId="{pid + 1}"' if rng.random() < 0.5 else ""
            tag_text = "".join(f"&lt;{x}&gt;" for x in rng.sample(tags, rng.randint(1, 5)))
            posts.row(
                f'Id="{pid}" PostTypeId="1"{accepted} CreationDate="{iso(t)}" Score="{score}" '
                f'ViewCount="{rng.randint(10, 99999)}" Body="{body}"{own} LastActivityDate="{iso(t + 60)}" '
                f'Title="How do I {rng.choice(WORDS)} the {rng.choice(WORDS)} &amp; {rng.choice(WORDS)}?" '
                f'Tags="{tag_text}" AnswerCount="1" CommentCount="2"{wiki}'
            )
            questions.append((pid, t, accepted != ""))
        else:
            qid, qt, _ = (
                questions[-1] if rng.random() < 0.5 else questions[max(0, len(questions) - rng.randint(1, 200))]
            )
            posts.row(
                f'Id="{pid}" PostTypeId="2" ParentId="{qid}" CreationDate="{iso(t)}" Score="{score}" '
                f'Body="{body}"{own} LastEditorUserId="5" LastEditDate="{iso(t + 30)}" '
                f'LastActivityDate="{iso(t + 30)}" CommentCount="1"{wiki}'
            )
        # votes: up/down on this post over the following days, accepts for accepted questions' answers
        for _ in range(4):
            vote_id += 1
            vt = rng.choice((2, 2, 2, 2, 2, 3, 5, 1, 2, 10)) if pid > 1 else 2
            when = t + rng.random() * 30 * 86400
            target = pid if rng.random() < 0.97 else n_posts + rng.randint(1, 1000)  # deleted posts
            extra = ""
            if vt == 1:
                target = pid
            elif rng.random() < 0.002:
                vt = 8
                extra = f' UserId="{rng.randint(1, n_users)}" BountyAmount="50"'
            elif rng.random() < 0.002:
                vt = 9
                extra = ' BountyAmount="50"'
            votes.row(f'Id="{vote_id}" PostId="{target}" VoteTypeId="{vt}"{extra} CreationDate="{day(when)}"')
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            comment_id += 1
            ct = t + rng.random() * 5 * 86400
            user = owner(ct).replace("OwnerUserId", "UserId")
            comments.row(
                f'Id="{comment_id}" PostId="{pid}" Score="{rng.randint(0, 3)}" '
                f'Text="{rng.choice(WORDS)} {rng.choice(WORDS)} &amp; more text here" '
                f'CreationDate="{iso(ct)}"{user}'
            )
    posts.close()
    votes.close()
    comments.close()

    badges = Table(os.path.join(out, "Badges.xml"), "badges")
    names = [
        ("Autobiographer", 3),
        ("Teacher", 3),
        ("Student", 3),
        ("Nice Answer", 3),
        ("Good Answer", 2),
        ("Great Answer", 1),
        ("Nice Question", 3),
        ("Yearling", 2),
        ("Self-Learner", 3),
    ]
    for bid in range(1, int(n_posts * 0.6) + 1):
        name, cls = rng.choice(names)
        tag_based = rng.random() < 0.05
        if tag_based:
            name, cls = rng.choice(tags), 3
        badges.row(
            f'Id="{bid}" UserId="{rng.randint(1, n_users)}" Name="{name}" '
            f'Date="{iso(START + rng.random() * SPAN)}" Class="{cls}" TagBased="{"True" if tag_based else "False"}"'
        )
    badges.close()
    info = {
        "posts": posts.rows,
        "users": users.rows,
        "comments": comments.rows,
        "votes": votes.rows,
        "badges": badges.rows,
        "seed": seed,
        "posts_mb": os.path.getsize(os.path.join(out, "Posts.xml")) / 1e6,
    }
    with open(os.path.join(out, "generate.json"), "w") as f:
        json.dump(info, f, indent=1)
    return info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts-mb", type=float, default=512)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--posts",
        type=int,
        default=0,
        help="number of posts (default: about 1.3 KB each); the bodies grow to reach --posts-mb",
    )
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    info = generate(args.out, args.posts_mb, args.seed, args.posts)
    print(json.dumps({**info, "seconds": round(time.perf_counter() - t0, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
