#!/usr/bin/env bash
# `make bench`: install what is missing, build and install skolval, then run the benchmarks
# (bench/distances.sh, placement.sh, payments.sh and documents.sh; not tests). Results: doc/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
bash bench/distances.sh "$@"
bash bench/placement.sh
bash bench/payments.sh
bash bench/documents.sh
bash bench/delivery.sh
