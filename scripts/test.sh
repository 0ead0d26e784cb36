#!/usr/bin/env bash
# The whole test suite: install what is missing, build and install skolval, start the private
# cluster, run the pg_regress suite and the scripted tests, stop the cluster.
# Exits non-zero on any failure and prints regression.diffs when there is one.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$SKOLVAL_ROOT"

bash scripts/deps.sh
bash scripts/build.sh

if [ "$SKOLVAL_EXTERNAL" != 1 ]; then
    bash scripts/cluster.sh start
    trap 'bash scripts/cluster.sh stop' EXIT
fi

passed=0; failed=0; skipped=0
rm -f regression.diffs

say "running the pg_regress suite"
set +e
make -s PG_CONFIG="$PG_CONFIG" installcheck 2>&1 | tee /tmp/skolval-regress.$$.log
regress_rc=${PIPESTATUS[0]}
set -e
passed=$((passed + $(grep -cE '^(ok|test) .*(\.\.\. ok| ok )|^ok [0-9]+ ' /tmp/skolval-regress.$$.log || true)))
failed=$((failed + $(grep -cE 'FAILED|^not ok' /tmp/skolval-regress.$$.log || true)))
rm -f /tmp/skolval-regress.$$.log
if [ "$regress_rc" != 0 ]; then
    [ "$failed" -gt 0 ] || failed=1
    [ -f regression.diffs ] && { echo "==== regression.diffs"; cat regression.diffs; }
fi

# Scripted tests: scenarios pg_regress cannot express (data files, several sessions, restarts).
# Each prints "SKIP: reason" and exits 77 when it cannot run here.
for t in test/scripts/*.sh; do
    name=$(basename "$t" .sh)
    [ -e "$t" ] && [ "$name" != lib ] || continue
    set +e
    out=$(bash "$t" 2>&1); rc=$?
    set -e
    case $rc in
        0)  passed=$((passed + 1)); echo "script $name ... ok" ;;
        77) skipped=$((skipped + 1)); echo "script $name ... $(grep -m1 "^SKIP" <<<"$out")" ;;
        *)  failed=$((failed + 1)); echo "script $name ... FAILED"; echo "$out" | tail -n 40 ;;
    esac
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
