#!/usr/bin/env bash
# The mail robot (RPA) over skolval's outbox API (doc/delivery.md): claim a batch of one channel,
# hand the letters over, report them sent, and for paper send the control notices of förenklad
# delgivning. In a municipality the "hand over" step is the print shop or the digital mailbox
# provider; here the letters are written as files into OUTDIR.
#
#   bash scripts/mail-robot.sh [-d DB] [-c CHANNEL] [-n BATCH] [-w WORKER] [-o OUTDIR] [-x] [-t SECONDS]
#
#   -c CHANNEL  paper (default), digital_mailbox or e_service
#   -n BATCH    rows per claim (default 100)
#   -w WORKER   the robot's name, recorded with every row it claims (default robot-$$)
#   -o OUTDIR   where letters go: paper: utskrift-BATCH.pdf (every letter of the batch in postal
#               order), digital mailbox: brev-OUTBOXID.pdf, e-service: beslut-OUTBOXID.json
#   -x          fail every claimed row instead ("printer jammed"), to try the retries
#   -1          one batch only, then stop
#   -t SECONDS  when nothing is waiting, listen on channel skolval_outbox for up to SECONDS for
#               new work before giving up (default 0: stop at once)
#
# Prints one line per batch: "batch B: N rows claimed by WORKER, sent" (or failed). Runs as a
# login role that is a member of skolval_mailer.
set -euo pipefail
source "$(dirname "$0")/env.sh"

db=$SKOLVAL_DB channel=paper batch=100 worker="robot-$$" outdir= jam=0 wait_s=0 once=0
while getopts "d:c:n:w:o:xt:1" opt; do
    case $opt in
        d) db=$OPTARG ;; c) channel=$OPTARG ;; n) batch=$OPTARG ;; w) worker=$OPTARG ;;
        o) outdir=$OPTARG ;; x) jam=1 ;; t) wait_s=$OPTARG ;; 1) once=1 ;;
        *) sed -n '2,20p' "$0" >&2; exit 2 ;;
    esac
done
[[ $batch =~ ^[0-9]+$ && $wait_s =~ ^[0-9]+$ ]] || { echo "mail-robot: -n and -t take whole numbers" >&2; exit 2; }
[ -n "$outdir" ] && mkdir -p "$outdir"
psql_r() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At -d "$db" -v channel="$channel" -v batch="$batch" -v worker="$worker" "$@"; }

while :; do
    # One transaction per batch: the claim (SKIP LOCKED) commits before the letters go out, so
    # that a second robot passes these rows over; the report follows in a second transaction.
    ids=$(psql_r <<<"SELECT string_agg(outbox_id::text, ',' ORDER BY outbox_id) || ' ' || min(batch_id)
                       FROM skolval.outbox_claim(:'channel', :'batch'::integer, :'worker')" | tr -d '\r')
    if [ -z "${ids// /}" ]; then
        if [ "$wait_s" -gt 0 ]; then
            # LISTEN, then wait in one session; psql prints the notification when it arrives
            got=$(psql_r -c "LISTEN skolval_outbox" -c "SELECT pg_sleep(1)" -c "SELECT 1" 2>&1 | grep -c 'Asynchronous notification' || true)
            wait_s=$((wait_s - 1))
            [ "$got" -gt 0 ] && echo "notified: new work on skolval_outbox"
            continue
        fi
        break
    fi
    list=${ids% *} b=${ids##* }
    n=$(tr ',' '\n' <<<"$list" | wc -l)
    if [ "$jam" = 1 ]; then
        psql_r -v ids="{$list}" <<<"SELECT count(*) FROM skolval.outbox_mark_failed(:'ids'::bigint[], :'worker', 'printer jammed')" >/dev/null
        echo "batch $b: $n rows claimed by $worker, failed"
        continue
    fi
    if [ -n "$outdir" ]; then
        case $channel in
            paper) psql_r -v b="$b" <<<"SELECT encode(skolval.delivery_print_file(:'b'::bigint), 'hex')" | perl -ne 'chomp; print pack("H*", $_)' > "$outdir/utskrift-$b.pdf" ;;
            digital_mailbox) psql_r -v ids="{$list}" -F ' ' <<<"SELECT outbox_id, encode(pdf, 'hex') FROM skolval.outbox_payload(:'ids'::bigint[])" |
                   while read -r id hex; do printf '%s' "$hex" | perl -ne 'print pack("H*", $_)' > "$outdir/brev-$id.pdf"; done ;;
            e_service) psql_r -v ids="{$list}" -F ' ' <<<"SELECT outbox_id, json FROM skolval.outbox_payload(:'ids'::bigint[])" |
                   while read -r id json; do printf '%s\n' "$json" > "$outdir/beslut-$id.json"; done ;;
        esac
    fi
    psql_r -v ids="{$list}" <<<"SELECT skolval.outbox_mark_sent(:'ids'::bigint[], :'worker')" >/dev/null
    if [ "$channel" = paper ]; then
        # the control notice goes out after the letter (the next day in real life; the robot's
        # next run) — here right after, which is within the first working day after sending
        psql_r -v ids="{$list}" <<<"SELECT count(*) FROM skolval.outbox_control_notice(:'ids'::bigint[])" >/dev/null
    fi
    echo "batch $b: $n rows claimed by $worker, sent"
    [ "$once" = 1 ] && break
done
