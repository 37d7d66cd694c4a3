#!/bin/sh
# Re-records the fixtures of the distribution differential tests (issue 19: links, monitors, exits and node death
# across two Erlang nodes):
#
#   packages/node/test/distribution/erlang/record.sh [seed] [count]     (defaults: 2026 160; erl/erlc of OTP 25+)
#
# 1. generates `count` scenarios from `seed` (program.ts) as Erlang terms;
# 2. runs them twice (a flakiness check) with dist_runner.erl on a node started with `erl -sname` (node "a"),
#    which starts a fresh peer node "b" per scenario with OTP's `peer` module, on this host;
# 3. keeps the scenarios whose two runs agree exactly and writes fixtures/scenarios.json (record.ts says how many
#    were dropped and why; VERBOSE=1 shows where two runs differ).
# Node names carry this script's pid, so two recordings (or other Erlang nodes) on the host do not collide. Takes
# about 2 x 3 minutes for 160 scenarios. Temporary files are removed on exit, whatever happens.
set -eu
seed=${1:-2026}
count=${2:-160}
here=$(cd "$(dirname "$0")" && pwd)
dist=$(dirname "$here")
cd "$dist/../../../.."   # the repository's root, for npx
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tsx="npx tsx"

erlc -o "$work" "$here/dist_runner.erl"
$tsx "$dist/record.ts" terms "$seed" "$count" "$work/scenarios.terms"
run() {
  erl -sname "dista_$$_$1" -noshell -pa "$work" \
    -eval "dist_runner:main([\"$work/scenarios.terms\", \"$work/run$1.jsonl\", \"$work\", \"$$_$1\"]), halt()."
}
start=$(date +%s)
run 1
run 2
echo "two Erlang runs of $count scenarios: $(( $(date +%s) - start )) s"
$tsx "$dist/record.ts" fixtures "$seed" "$count" "$work/run1.jsonl" "$work/run2.jsonl" "$dist/fixtures/scenarios.json"
