#!/usr/bin/env bash
# Reconciliation on the rules in force, nothing paid twice or lost, stale drafts, takeovers and
# count dates, checked against an independent oracle written from doc/payments.md
# (test/scripts/payment_oracle.py): windows 1, 2 and 3, runs in every state, a generated
# register (SKOLVAL_SEED, default 1414). See payment_reconcile.py for the scenarios.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd python3
python3 "$SKOLVAL_ROOT/test/scripts/payment_reconcile.py"
