#!/usr/bin/env bash
# The commands warren's CI recipes run, one function per job, so every pipeline (and the
# test that rehearses them) runs exactly the same thing.
#
#   steps.sh pr-plan ENV        validate, then plan as a Markdown comment (plan.md) + JSON
#   steps.sh merge-plan ENV     plan on the merged commit, saved to plan.bin for review
#   steps.sh merge-apply ENV    apply exactly the saved plan (refused if anything moved)
#   steps.sh nightly-drift ENV  drift report (drift.md) and metrics (drift.prom)
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
    "$warren" plan --env "$env" --format markdown --detailed-exitcode >"$out/plan.md" || [[ $? == 2 ]]
    "$warren" plan --env "$env" --format json >"$out/plan.json"
    ;;
merge-plan)
    "$warren" plan --env "$env" --out "$out/plan.bin" --detailed-exitcode || [[ $? == 2 ]]
    ;;
merge-apply)
    "$warren" apply --env "$env" --plan "$out/plan.bin" --auto-approve
    ;;
nightly-drift)
    status=0
    "$warren" drift --env "$env" --format markdown >"$out/drift.md" || status=$?
    # The metrics are written even when the broker is unreachable, so the alert can fire.
    "$warren" drift --env "$env" --format prometheus >"$out/drift.prom" || true
    exit "$status"
    ;;
*)
    echo "unknown job: $job" >&2
    exit 64
    ;;
esac
