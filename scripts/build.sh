#!/usr/bin/env bash
# Build and install the extension into the PostgreSQL found by PG_CONFIG.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$SKOLVAL_ROOT"
make -s PG_CONFIG="$PG_CONFIG" with_llvm=no all
if [ -w "$("$PG_CONFIG" --sharedir)/extension" ]; then
    make -s PG_CONFIG="$PG_CONFIG" with_llvm=no install
else
    as_root make -s PG_CONFIG="$PG_CONFIG" with_llvm=no install
fi
