#!/usr/bin/env bash
# Install the Debian packages skolval needs, skipping those already installed.
set -euo pipefail
source "$(dirname "$0")/env.sh"

PACKAGES=(
    make gcc libc6-dev
    "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR"
    "postgresql-$PG_MAJOR-postgis-3" "postgresql-$PG_MAJOR-pgrouting"
    "postgresql-$PG_MAJOR-cron"
    osmium-tool osm2pgrouting
    libhpdf-dev libxlsxwriter-dev fonts-dejavu-core poppler-utils qpdf
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    say "all Debian packages present"
    exit 0
fi

say "installing: ${missing[*]}"
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
