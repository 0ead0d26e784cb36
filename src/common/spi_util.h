/*
 * spi_util.h — the one way skolval's C reads the database.
 *
 * Every glue file that runs SPI goes through these helpers:
 *
 *   sv_spi_connect()   connects and pins search_path to "pg_catalog, pg_temp" until
 *                      sv_spi_finish(), whatever the caller's path and however the SQL function
 *                      was declared (the same safe path PostgreSQL 17 uses for maintenance
 *                      commands). The SQL strings qualify every skolval object anyway; the pin
 *                      makes the unqualified rest (types, functions, operators) resolve in
 *                      pg_catalog only: pg_temp is never searched for functions or operators
 *                      and, being listed last, never first for types or relations.
 *   sv_spi_select()    runs a read-only query with $n parameters and checks, before anything is
 *                      read, that the result has exactly the expected number of columns and
 *                      that each column has the expected type (SPI_gettypeid; a domain counts as
 *                      its base type). A mismatch is a clean ERRCODE_DATATYPE_MISMATCH error,
 *                      never a Datum read as something it is not.
 *   sv_spi_text() ...  typed getters that check the column type again and say what to do with
 *                      NULL.
 *   sv_srf_check()     checks a materialised SRF's result descriptor against the columns the C
 *                      code fills.
 */
#ifndef SKOLVAL_SPI_UTIL_H
#define SKOLVAL_SPI_UTIL_H

#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/date.h"

/* The path C runs its SPI queries under. */
#define SV_SAFE_SEARCH_PATH "pg_catalog, pg_temp"

typedef struct SvSpi
{
	int			guc_nest;		/* GUC nesting level of the pinned search_path */
	const char *what;			/* the current query's description, for errors */
} SvSpi;

extern void sv_spi_connect(SvSpi *spi);
extern void sv_spi_finish(SvSpi *spi);

/*
 * Run a read-only query with $n parameters. The result must have exactly ncols columns of the
 * given types (InvalidOid: any type, read only through its output function). Returns the
 * number of rows; they are in SPI_tuptable until the next query.
 */
extern uint64 sv_spi_select(SvSpi *spi, const char *what, const char *sql,
							int nargs, const Oid *argtypes, const Datum *args,
							int ncols, const Oid *coltypes);

/*
 * Run a read-only query whose columns the caller dispatches on by type (it must then read
 * each column according to getBaseType(SPI_gettypeid()) or through its output function).
 */
extern uint64 sv_spi_select_any(SvSpi *spi, const char *what, const char *sql,
								int nargs, const Oid *argtypes, const Datum *args);

/* Typed access to the last result (rows from 0, columns from 1). */
extern bool sv_spi_isnull(SvSpi *spi, uint64 row, int col);
extern Datum sv_spi_datum(SvSpi *spi, uint64 row, int col, Oid type, bool *isnull);
extern char *sv_spi_text(SvSpi *spi, uint64 row, int col);	/* NULL for NULL */
extern char *sv_spi_text_required(SvSpi *spi, uint64 row, int col);
extern char *sv_spi_output(SvSpi *spi, uint64 row, int col);	/* any type, as text */
extern int32 sv_spi_int4(SvSpi *spi, uint64 row, int col, int32 if_null);
extern int64 sv_spi_int8_required(SvSpi *spi, uint64 row, int col);
extern double sv_spi_float8(SvSpi *spi, uint64 row, int col, double if_null);
extern bool sv_spi_bool_required(SvSpi *spi, uint64 row, int col);
extern DateADT sv_spi_date(SvSpi *spi, uint64 row, int col, DateADT if_null);
extern DateADT sv_spi_date_required(SvSpi *spi, uint64 row, int col);

/*
 * A materialised SRF's result descriptor (rsinfo->setDesc after InitMaterializedSRF) must
 * have exactly ncols columns of the given types: the SQL declaration and the C code that
 * fills the tuples agree, or the call fails before anything is computed.
 */
extern void sv_srf_check(FunctionCallInfo fcinfo, const char *function, int ncols, const Oid *types);

#endif
