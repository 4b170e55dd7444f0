#!/usr/bin/env bash
# The commands warren's CI recipes run, one function per job, so every pipeline (and the
# test that rehearses them) runs exactly the same thing.
#
#   steps.sh pr-plan ENV        validate, then plan as a Markdown comment (plan.md) + JSON
#   steps.sh merge-plan ENV     plan on the merged commit, saved to plan.bin for review
#   steps.sh merge-apply ENV    apply exactly the saved plan (refused if anything moved)
#   steps.sh nightly-drift ENV  drift report (drift.md) and metrics (drift.prom)
#
# Each job reads the broker once: one run writes every format (`--write FORMAT=FILE`), and
# `warren show plan.bin` prints a saved plan again without a read.
#
# Connection: RABBITMQ_MANAGEMENT_API_URL / _USER / _PASSWORD from the CI's secrets.
# Output files go to ${WARREN_OUT:-.}. Exit codes follow warren's: 2 means changes / drift.
set -euo pipefail

warren=${WARREN:-warren}
out=${WARREN_OUT:-.}
job=${1:?job: pr-plan, merge-plan, merge-apply or nightly-drift}
env=${2:?environment name}
mkdir -p "$out"

case $job in
pr-plan)
    "$warren" validate --all
    # Exit 2 (changes) is a normal outcome for a pull request, not a failure.
    "$warren" plan --env "$env" --format markdown --write "json=$out/plan.json" \
        --detailed-exitcode >"$out/plan.md" || [[ $? == 2 ]]
    ;;
merge-plan)
    "$warren" plan --env "$env" --out "$out/plan.bin" --detailed-exitcode || [[ $? == 2 ]]
    ;;
merge-apply)
    "$warren" apply --env "$env" --plan "$out/plan.bin" --auto-approve
    ;;
nightly-drift)
    # The metrics are written even when the broker is unreachable, so the alert can fire.
    "$warren" drift --env "$env" --format markdown --write "prometheus=$out/drift.prom" >"$out/drift.md"
    ;;
*)
    echo "unknown job: $job" >&2
    exit 64
    ;;
esac
