#!/usr/bin/env bash
# Write skolval's documents from the database into a folder as files, and print their paths.
#
#   bash scripts/write-documents.sh [-d DB] [-l PLACEMENT_RUN] [-m PLACEMENT_RUN] [-c CHILD]
#                                   [-p PAYMENT_RUN] [-u UNIT] DIR
#
#   -l RUN   decision letters of a published placement run: beslut-RUN-CHILD.pdf
#   -m RUN   the map of a placement run: karta-RUN.svg (karta-RUN-CHILD.svg with -c)
#   -c CHILD only this child's letter, and this child's route on the map
#   -p RUN   payment statements of a payment run (bidrag-YYYY-MM-UNITCODE.pdf) and its payment
#            file (utbetalning-YYYY-MM.xlsx)
#   -u UNIT  only this unit's statement (unit_id)
#   -d DB    database (default: $SKOLVAL_DB, skolval)
#
# The connection is the private cluster's (scripts/env.sh), or with SKOLVAL_EXTERNAL=1 whatever
# PGHOST/PGPORT/PGUSER say. File names never contain names of children: only run, child and unit
# ids and unit codes.
set -euo pipefail
source "$(dirname "$0")/env.sh"

db=$SKOLVAL_DB
letters= map= child= payments= unit=
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while getopts "d:l:m:c:p:u:h" opt; do
    case $opt in
        d) db=$OPTARG ;;
        l) letters=$OPTARG ;;
        m) map=$OPTARG ;;
        c) child=$OPTARG ;;
        p) payments=$OPTARG ;;
        u) unit=$OPTARG ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
dir=$1
for n in "$letters" "$map" "$child" "$payments" "$unit"; do
    [[ -z $n || $n =~ ^[0-9]+$ ]] || { echo "write-documents: ids are whole numbers, not '$n'" >&2; exit 2; }
done
[ -n "$letters$map$payments" ] || { echo "write-documents: nothing to write: give -l, -m or -p" >&2; usage; }
mkdir -p "$dir"

# One line per file from the database, name TAB hex, kept in a temporary file and decoded by one
# perl process (perl-base is essential in Debian; no process per file). The ids are passed as
# psql variables, quoted by psql (:'var'), never pasted into the SQL text.
listing=$(mktemp "${TMPDIR:-/tmp}/skolval-documents.XXXXXX")
trap 'rm -f "$listing"' EXIT
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At -F $'\t' -d "$db" -o "$listing" \
    -v letters="$letters" -v map="$map" -v child="$child" -v payments="$payments" -v unit="$unit" <<'SQL'
SELECT f.filename, encode(f.content, 'hex')
  FROM (
    SELECT l.filename, l.pdf AS content, 1 AS o
      FROM skolval.decision_letters(nullif(:'letters', '')::bigint) l
     WHERE nullif(:'letters', '') IS NOT NULL AND nullif(:'child', '') IS NULL
    UNION ALL
    SELECT pg_catalog.format('beslut-%s-%s.pdf', :'letters', :'child'),
           skolval.decision_letter(nullif(:'letters', '')::bigint, nullif(:'child', '')::bigint), 1
     WHERE nullif(:'letters', '') IS NOT NULL AND nullif(:'child', '') IS NOT NULL
    UNION ALL
    SELECT pg_catalog.format('karta-%s%s.svg', :'map', coalesce('-' || nullif(:'child', ''), '')),
           convert_to(skolval.placement_map_svg(nullif(:'map', '')::bigint, nullif(:'child', '')::bigint), 'UTF8'), 2
     WHERE nullif(:'map', '') IS NOT NULL
    UNION ALL
    SELECT pg_catalog.format('bidrag-%s-%s.pdf', to_char(r.month, 'YYYY-MM'), regexp_replace(u.unit_code, '[^A-Za-z0-9_-]', '_', 'g')),
           skolval.payment_statement(r.run_id, u.unit_id), 3
      FROM skolval.payment_run r
      JOIN skolval.unit u ON u.unit_id = nullif(:'unit', '')::bigint
     WHERE r.run_id = nullif(:'payments', '')::bigint AND nullif(:'unit', '') IS NOT NULL
    UNION ALL
    SELECT s.filename, s.pdf, 3
      FROM skolval.payment_statements(nullif(:'payments', '')::bigint) s
     WHERE nullif(:'payments', '') IS NOT NULL AND nullif(:'unit', '') IS NULL
    UNION ALL
    SELECT pg_catalog.format('utbetalning-%s.xlsx', to_char(r.month, 'YYYY-MM')), skolval.payment_xlsx(r.run_id), 4
      FROM skolval.payment_run r
     WHERE r.run_id = nullif(:'payments', '')::bigint
  ) f
 ORDER BY f.o, f.filename;
SQL
perl -e '
    my ($dir, $n) = (shift, 0);
    while (my $line = <STDIN>) {
        chomp $line;
        my ($name, $hex) = split /\t/, $line, 2;
        $name =~ s{.*/}{};
        open(my $f, ">:raw", "$dir/$name") or die "write-documents: cannot write $dir/$name: $!\n";
        print $f pack("H*", $hex);
        close($f) or die "write-documents: cannot write $dir/$name: $!\n";
        print "$dir/$name\n";
        $n++;
    }
    die "write-documents: no documents found for these runs\n" unless $n;
' "$dir" < "$listing"
