#!/usr/bin/env bash
# The private cluster is a real server run by a non-root OS user, with its own port and socket
# directory, and pg_cron preloaded.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ "${SKOLVAL_EXTERNAL:-0}" != 1 ] || skip "running against an external server (SKOLVAL_EXTERNAL=1)"

out=$("${PSQL[@]}" -d postgres -F' ' -c "SELECT current_setting('shared_preload_libraries'),
           current_setting('port'), current_setting('unix_socket_directories'),
           current_setting('server_version_num')::int / 10000, current_setting('data_directory')")
read -r preload port sockdir major datadir <<<"$out"
pid=$(head -n 1 "$datadir/postmaster.pid")
case ",$preload," in *,pg_cron,*) echo "ok: pg_cron preloaded";; *) fail "pg_cron not in shared_preload_libraries ($preload)";; esac
assert_eq "port" "$PGPORT" "$port"
assert_eq "socket directory" "$PGHOST" "$sockdir"
assert_eq "major version" 15 "$major"
owner=$(ps -o user= -p "$pid") || fail "no postmaster with pid $pid"
[ "$owner" != root ] || fail "the server runs as root"
echo "ok: server runs as OS user $owner"
