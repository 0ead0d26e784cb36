#!/usr/bin/env bash
# What the finance office receives (payees, the payee CSV, the SIE 4 file, the finance view, the
# statement's payee, payment date, rates and reasons, Swedish order) and IKE (invoice basis,
# incoming invoice check), against amounts worked by hand. See payment_finance.py.
# SKOLVAL_FINANCE_OUT=dir keeps the statement PDF, the XLSX, the SIE and the CSV there.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_cmd python3
python3 "$SKOLVAL_ROOT/test/scripts/payment_finance.py"
