#!/usr/bin/env bash
# Prints the path of the warren binary cargo built for PROFILE (debug or release), where
# cargo put it: under $CARGO_TARGET_DIR when set (relative to the caller's folder, as cargo
# reads it), else under the repository's target/.
set -euo pipefail

profile=${1:?usage: warren-bin.sh debug|release}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
if [[ $target != /* ]]; then
    target="$PWD/$target"
fi
printf '%s/%s/warren\n' "$target" "$profile"
