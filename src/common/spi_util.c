/*
 * spi_util.c — connect, pin the search_path, run checked queries, read typed columns.
 * See spi_util.h for the rules every glue file follows.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "common/spi_util.h"

void
sv_spi_connect(SvSpi *spi)
{
	int			rc = SPI_connect();

	if (rc != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));

	/*
	 * Pin the path for the queries below, as a function's SET clause would: restored by
	 * sv_spi_finish(), or by (sub)transaction abort on error.
	 */
	spi->guc_nest = NewGUCNestLevel();
	(void) set_config_option("search_path", SV_SAFE_SEARCH_PATH,
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	spi->what = NULL;
}

void
sv_spi_finish(SvSpi *spi)
{
	int			rc;

	AtEOXact_GUC(true, spi->guc_nest);
	rc = SPI_finish();
	if (rc != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed: %s", SPI_result_code_string(rc));
}

static const char *
type_name(Oid type)
{
	return OidIsValid(type) ? format_type_be(type) : "unknown";
}

uint64
sv_spi_select(SvSpi *spi, const char *what, const char *sql,
			  int nargs, const Oid *argtypes, const Datum *args,
			  int ncols, const Oid *coltypes)
{
	int			rc;
	TupleDesc	desc;

	Assert(nargs == 0 || (argtypes != NULL && args != NULL));
	Assert(ncols > 0 && coltypes != NULL);

	rc = SPI_execute_with_args(sql, nargs, (Oid *) argtypes, (Datum *) args, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "%s failed: %s", what, SPI_result_code_string(rc));
	spi->what = what;
	desc = SPI_tuptable->tupdesc;
	if (desc->natts != ncols)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s returned %d columns, expected %d", what, desc->natts, ncols)));
	for (int c = 0; c < ncols; c++)
	{
		Oid			actual = SPI_gettypeid(desc, c + 1);

		if (!OidIsValid(coltypes[c]))
			continue;
		if (getBaseType(actual) != coltypes[c])
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column %d of %s is %s, expected %s",
							c + 1, what, type_name(actual), type_name(coltypes[c])),
					 errhint("A type or function of that name in the caller's search_path must not change what skolval reads.")));
	}
	return SPI_processed;
}

uint64
sv_spi_select_any(SvSpi *spi, const char *what, const char *sql,
				  int nargs, const Oid *argtypes, const Datum *args)
{
	int			rc = SPI_execute_with_args(sql, nargs, (Oid *) argtypes, (Datum *) args, NULL, true, 0);

	if (rc != SPI_OK_SELECT)
		elog(ERROR, "%s failed: %s", what, SPI_result_code_string(rc));
	spi->what = what;
	return SPI_processed;
}

/* The column must still be of the type asked for (the query was checked; this is cheap). */
static inline void
check_column(SvSpi *spi, int col, Oid type)
{
	TupleDesc	desc = SPI_tuptable->tupdesc;
	Oid			actual;

	if (col < 1 || col > desc->natts)
		elog(ERROR, "%s has no column %d", spi->what ? spi->what : "the query", col);
	actual = TupleDescAttr(desc, col - 1)->atttypid;
	if (actual != type && getBaseType(actual) != type)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column %d of %s is %s, expected %s",
						col, spi->what ? spi->what : "the query", type_name(actual), type_name(type))));
}

static void
null_error(SvSpi *spi, uint64 row, int col)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("column %d of %s is NULL in row " UINT64_FORMAT,
					col, spi->what ? spi->what : "the query", row + 1)));
}

bool
sv_spi_isnull(SvSpi *spi, uint64 row, int col)
{
	bool		isnull;

	Assert(row < SPI_processed);
	(void) SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);
	return isnull;
}

Datum
sv_spi_datum(SvSpi *spi, uint64 row, int col, Oid type, bool *isnull)
{
	Assert(row < SPI_processed);
	check_column(spi, col, type);
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);
}

char *
sv_spi_text(SvSpi *spi, uint64 row, int col)
{
	bool		isnull;
	Datum		d = sv_spi_datum(spi, row, col, TEXTOID, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

char *
sv_spi_text_required(SvSpi *spi, uint64 row, int col)
{
	char	   *s = sv_spi_text(spi, row, col);

	if (s == NULL)
		null_error(spi, row, col);
	return s;
}

char *
sv_spi_output(SvSpi *spi, uint64 row, int col)
{
	Assert(row < SPI_processed);
	if (col < 1 || col > SPI_tuptable->tupdesc->natts)
		elog(ERROR, "%s has no column %d", spi->what ? spi->what : "the query", col);
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

int32
sv_spi_int4(SvSpi *spi, uint64 row, int col, int32 if_null)
{
	bool		isnull;
	Datum		d = sv_spi_datum(spi, row, col, INT4OID, &isnull);

	return isnull ? if_null : DatumGetInt32(d);
}

int64
sv_spi_int8_required(SvSpi *spi, uint64 row, int col)
{
	bool		isnull;
	Datum		d = sv_spi_datum(spi, row, col, INT8OID, &isnull);

	if (isnull)
		null_error(spi, row, col);
	return DatumGetInt64(d);
}

double
sv_spi_float8(SvSpi *spi, uint64 row, int col, double if_null)
{
	bool		isnull;
	Datum		d = sv_spi_datum(spi, row, col, FLOAT8OID, &isnull);

	return isnull ? if_null : DatumGetFloat8(d);
}

bool
sv_spi_bool_required(SvSpi *spi, uint64 row, int col)
{
	bool		isnull;
	Datum		d = sv_spi_datum(spi, row, col, BOOLOID, &isnull);

	if (isnull)
		null_error(spi, row, col);
	return DatumGetBool(d);
}

DateADT
sv_spi_date(SvSpi *spi, uint64 row, int col, DateADT if_null)
{
	bool		isnull;
	Datum		d = sv_spi_datum(spi, row, col, DATEOID, &isnull);

	return isnull ? if_null : DatumGetDateADT(d);
}

DateADT
sv_spi_date_required(SvSpi *spi, uint64 row, int col)
{
	bool		isnull;
	Datum		d = sv_spi_datum(spi, row, col, DATEOID, &isnull);

	if (isnull)
		null_error(spi, row, col);
	return DatumGetDateADT(d);
}

void
sv_srf_check(FunctionCallInfo fcinfo, const char *function, int ncols, const Oid *types)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	desc;

	Assert(rsinfo != NULL && IsA(rsinfo, ReturnSetInfo));
	desc = rsinfo->setDesc;
	if (desc == NULL || desc->natts != ncols)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s is declared with %d result columns, the library fills %d",
						function, desc ? desc->natts : 0, ncols),
				 errhint("The SQL declaration and the shared library are from different versions: run ALTER EXTENSION skolval UPDATE.")));
	for (int c = 0; c < ncols; c++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, c);

		if (a->attisdropped || a->atttypid != types[c])
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("result column %d of %s is %s, the library fills %s",
							c + 1, function, a->attisdropped ? "dropped" : type_name(a->atttypid),
							type_name(types[c]))));
	}
}
