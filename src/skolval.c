/*
 * skolval.c — module entry point.
 *
 * The work is organised in rooms under src/: common/ (shared pure-C helpers), demo/ (the
 * example municipality), and later distances, placement, payments and documents.  Each room
 * has a pure C core that knows nothing of SPI and a thin *_sql.c glue file.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

PG_MODULE_MAGIC;

/* Set by the Makefile from skolval.control. */
#ifndef SKOLVAL_VERSION
#error "SKOLVAL_VERSION must be defined by the build"
#endif
#define SKOLVAL_C_VERSION SKOLVAL_VERSION

PG_FUNCTION_INFO_V1(skolval_library_version);

/* The version of the loaded shared library, to detect a stale install against the SQL. */
Datum
skolval_library_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(SKOLVAL_C_VERSION));
}
