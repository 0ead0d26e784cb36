# skolval: PGXS build.  `make test` and `make demo` are the two commands of the README;
# they install what is missing, build, install and run on a private cluster (scripts/).

EXTENSION   = skolval
EXTVERSION  = $(shell sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" skolval.control)
MODULE_big  = skolval
OBJS        = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/*/*.c)))
PGFILEDESC  = "skolval - school placement and grant payments"

# The install script is built from the hand-written parts in sql/NN_*.sql, in order.
SQL_PARTS   = $(sort $(wildcard sql/[0-9][0-9]_*.sql))
DATA_built  = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA        = $(wildcard sql/$(EXTENSION)--*--*.sql)

# pg_regress: every test/sql/*.sql, expected output in expected/ (test/expected links there).
TESTS        = $(sort $(wildcard test/sql/*.sql))
REGRESS      = $(patsubst test/sql/%.sql,%,$(TESTS))
REGRESS_OPTS = --inputdir=test --load-extension=postgis --load-extension=pgrouting \
               --load-extension=$(EXTENSION)

PG_CPPFLAGS = -I$(srcdir)/src -std=gnu11
PG_CFLAGS   = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare

# Debian's server headers live here; fall back to it when pg_config is not on PATH.
PG_CONFIG ?= $(shell command -v pg_config 2>/dev/null || echo /usr/lib/postgresql/15/bin/pg_config)
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

.DEFAULT_GOAL := all
.PHONY: test demo bench cluster-start cluster-stop

test:
	bash scripts/test.sh

demo:
	bash scripts/demo.sh

bench:
	bash scripts/bench.sh

cluster-start:
	bash scripts/cluster.sh start

cluster-stop:
	bash scripts/cluster.sh stop

ifneq ($(wildcard $(PGXS)),)
include $(PGXS)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) skolval.control Makefile
	{ printf '%s\n' '-- generated from sql/NN_*.sql by make; edit those files, not this one' \
	    '\echo Use "CREATE EXTENSION skolval CASCADE" to load this file. \quit'; \
	  for f in $(SQL_PARTS); do printf '\n-- ==== %s\n' "$$f"; cat "$$f"; done; } > $@

else
all install installcheck:
	@echo "pg_config was not found: run 'make test' or 'bash scripts/deps.sh' first, or set PG_CONFIG." >&2; exit 1
endif
