#!/usr/bin/env bash
# Render the matching example of docs/matching.md: a plan for 18 members of
# the bundled sample community, drawn with Graphviz (dot) to SVG.
set -euo pipefail
cd "$(dirname "$0")"
cli=../../../build/bin/engage-right
"$cli" match --members members.csv --interactions interactions.csv > plan.txt
"$cli" export --members members.csv --interactions interactions.csv --format dot > plan.dot
dot -Tsvg plan.dot > ../../img/matching_example.svg
