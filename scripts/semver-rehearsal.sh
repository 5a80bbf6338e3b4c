#!/usr/bin/env bash
# Rehearses cargo-semver-checks' verdict on two regenerations of the Bronto client, in temporary copies of this
# workspace (tracked and untracked-but-not-ignored files; the checkout itself is never modified):
#
#   1. the vendor's real change, 2026-07-24 -> 2026-08-24: the baseline is the client generated from the 07-24
#      document (the patches it does not need dropped), the current one is this checkout (08-24). The verdict must
#      be "major" (`Monitor.type` became `monitor_type`, ...), naming the breaking items.
#   2. 08-24 -> a synthetic document that only adds (build-support/rehearsals/additive.patch.yaml applied to the
#      vendored document), re-vendored with the one command `codegen revendor`: the verdict must be "no semver
#      update required" (a minor one is tolerated).
#   3. 08-24 -> the 2026-10-01 upstream change (build-support/rehearsals/usage-removed.patch.yaml: `/usage` no longer
#      declared, still served live), re-vendored with `codegen revendor`: it must keep `getUsage` by a live
#      correction (the corpus shows it served) and the verdict must be "no semver update required".
#
# Usage: scripts/semver-rehearsal.sh [--record] [--only N]
#   --record  writes the outputs (temporary paths replaced by <tmp>) to build-support/rehearsals/*.txt
#   --only N  runs rehearsal N (1, 2 or 3) alone
#
# Exits 0 with a message when cargo-semver-checks is not installed, so CI can always call it. Each run builds the
# client's rustdoc JSON three times (07-24, 08-24, additive), in $SEMVER_TARGET_DIR (default:
# ${CARGO_TARGET_DIR:-target}/semver-rehearsal), which is kept so a second run reuses the dependencies.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
record=false
only=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --record) record=true ;;
        --only) only=$2; shift ;;
        *) echo "semver-rehearsal: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
runs() { [[ -z "$only" || "$only" == "$1" ]]; }

if ! cargo semver-checks --version >/dev/null 2>&1; then
    echo "semver-rehearsal: cargo-semver-checks is not installed; skipping."
    echo "  install it with: cargo install --locked cargo-semver-checks --version 0.51.0"
    exit 0
fi

previous=${BRONTO_PREVIOUS_DOCUMENT:-$root/../shared/reference/bronto/bronto-openapi-2026-07-24.yaml}
if [[ ! -f "$previous" ]]; then
    echo "semver-rehearsal: $previous is missing (set BRONTO_PREVIOUS_DOCUMENT)" >&2
    exit 1
fi

target=${CARGO_TARGET_DIR:-$root/target}
semver_target=${SEMVER_TARGET_DIR:-$target/semver-rehearsal}
work=$(mktemp -d "${TMPDIR:-/tmp}/semver-rehearsal.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$(date +%s)

echo "== building codegen"
cargo build --locked --quiet --manifest-path "$root/Cargo.toml" -p build-support --bin codegen
codegen=$target/debug/codegen

copy_workspace() {
    mkdir -p "$1"
    (cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$1"
}
copy_workspace "$work/previous"
copy_workspace "$work/current"
copy_workspace "$work/additive"
copy_workspace "$work/usage-removed"

normalise() { sed -e "s#$work#<tmp>#g" -e "s#$semver_target#<target>#g" -e "s#$root#<checkout>#g"; }
status=0

if runs 1; then
echo "== baseline: the client generated from $(basename "$previous")"
"$codegen" revendor "$previous" --root "$work/previous" --no-semver --no-changelog --drop-stale-patches \
    > "$work/previous.log"
grep -E "^(vendored|dropped|every)" "$work/previous.log" | sed "s#$work#<tmp>#g"

echo "== 1. 07-24 -> 08-24: cargo-semver-checks (must be major)"
CARGO_TARGET_DIR=$semver_target cargo semver-checks check-release --manifest-path "$work/current/Cargo.toml" \
    --package bronto-client --baseline-root "$work/previous" > "$work/breaking.txt" 2>&1 || status=$?
normalise < "$work/breaking.txt" > "$work/breaking.normalised.txt"
cat "$work/breaking.normalised.txt"
if ! grep -q "semver requires new major version" "$work/breaking.txt"; then
    echo "semver-rehearsal: FAILED: 07-24 -> 08-24 was not judged major (exit status $status)" >&2
    exit 1
fi
if ! grep -q "monitor_type\|type_" "$work/breaking.txt"; then
    echo "semver-rehearsal: FAILED: the verdict does not name the Monitor.type rename" >&2
    exit 1
fi
fi

if runs 2; then
echo "== 2. 08-24 -> additive: codegen revendor (must need no semver update, or at most minor)"
"$codegen" derive "$root/openapi/bronto/bronto-openapi.yaml" \
    --patches "$root/build-support/rehearsals/additive.patch.yaml" --out "$work/bronto-openapi-additive.yaml"
CARGO_TARGET_DIR=$semver_target "$codegen" revendor "$work/bronto-openapi-additive.yaml" --root "$work/additive" \
    --baseline-root "$work/current" --date synthetic > "$work/additive.txt" 2>&1 || status=$?
normalise < "$work/additive.txt" > "$work/additive.normalised.txt"
cat "$work/additive.normalised.txt"
if grep -q "semver requires new major version" "$work/additive.txt" \
    || ! grep -qE "Summary (no semver update required|semver requires new minor version)" "$work/additive.txt"; then
    echo "semver-rehearsal: FAILED: the additive change was not judged non-breaking" >&2
    exit 1
fi
fi

if runs 3; then
echo "== 3. 08-24 -> /usage removed (the 2026-10-01 upstream change): codegen revendor (must keep getUsage, no semver update)"
"$codegen" derive "$root/openapi/bronto/bronto-openapi.yaml" \
    --patches "$root/build-support/rehearsals/usage-removed.patch.yaml" --out "$work/bronto-openapi-2026-10-01.yaml"
CARGO_TARGET_DIR=$semver_target "$codegen" revendor "$work/bronto-openapi-2026-10-01.yaml" --root "$work/usage-removed" \
    --baseline-root "$work/current" > "$work/usage-removed.txt" 2>&1 || status=$?
normalise < "$work/usage-removed.txt" > "$work/usage-removed.normalised.txt"
cat "$work/usage-removed.normalised.txt"
if ! grep -q "^kept \`getUsage\`" "$work/usage-removed.txt" \
    || ! grep -q "Summary no semver update required" "$work/usage-removed.txt"; then
    echo "semver-rehearsal: FAILED: /usage removed was not kept, or was judged to need a semver update" >&2
    exit 1
fi
fi

elapsed=$(( $(date +%s) - started ))
echo "== semver-rehearsal: passed in ${elapsed} s"
if $record; then
    out=$root/build-support/rehearsals
    tool=$(cargo semver-checks --version)
    if runs 3; then
    {
        echo "# scripts/semver-rehearsal.sh --record: 2026-08-24 -> usage-removed.patch.yaml (the 2026-10-01 upstream change) with $tool"
        echo "# \`codegen revendor\` of the derived document into a copy of the workspace, baseline = the copy at 08-24."
        echo
        cat "$work/usage-removed.normalised.txt"
    } > "$out/2026-08-24-to-usage-removed.txt"
    fi
    if runs 1; then
    {
        echo "# scripts/semver-rehearsal.sh --record: 2026-07-24 -> 2026-08-24 with $tool"
        echo "# baseline: bronto-client generated from the 07-24 document; current: from the 08-24 document."
        echo
        cat "$work/breaking.normalised.txt"
    } > "$out/2026-07-24-to-08-24.txt"
    fi
    if runs 2; then
    {
        echo "# scripts/semver-rehearsal.sh --record: 2026-08-24 -> additive.patch.yaml with $tool"
        echo "# \`codegen revendor\` of the synthetic document into a copy of the workspace, baseline = the copy at 08-24."
        echo
        cat "$work/additive.normalised.txt"
    } > "$out/2026-08-24-to-additive.txt"
    fi
    echo "recorded in $out (whole run: ${elapsed} s)"
fi
