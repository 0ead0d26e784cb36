/*
 * placement_sql.c — SQL glue for the placement core: arrays in, arrays out.
 *
 * skolval._match() and skolval._admin_place() expose the core (placement.h) to SQL for tests,
 * benchmarks and analysis; allocate() calls the core directly (allocate_sql.c).  The C symbol
 * skolval_allocate keeps its name: released install scripts (0.1.0, 0.2.0) bind _match to it.
 * No SPI: the glue only checks and converts arrays.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "placement/placement.h"

PG_FUNCTION_INFO_V1(skolval_allocate);
PG_FUNCTION_INFO_V1(skolval_match_guaranteed);
PG_FUNCTION_INFO_V1(skolval_admin_place);

static Datum match_common(FunctionCallInfo fcinfo, const char *mech, ArrayType *cap, ArrayType *start,
						  ArrayType *unit, int32 n_keys, ArrayType *keys, ArrayType *guaranteed);

static void
interrupt_cb(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

/* A one-dimensional array without NULLs, or an error naming the argument. */
static void
check_array(ArrayType *a, Oid elemtype, const char *name)
{
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", name)));
	if (array_contains_nulls(a))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain NULL", name)));
	if (ARR_ELEMTYPE(a) != elemtype)
		elog(ERROR, "%s has the wrong element type", name);
}

static int
array_length1(ArrayType *a)
{
	return ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
}

static Datum
int_array(const int *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * (n > 0 ? n : 1));

	for (int i = 0; i < n; i++)
		d[i] = Int32GetDatum(v[i]);
	return PointerGetDatum(construct_array(d, n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}

static void
bad_input(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid placement input: %s", what)));
}

/*
 * A CSR index: n_rows + 1 offsets from 0 to n_items, never decreasing, and every item an index
 * below limit. The core reads memory by these numbers, so they are checked here, where the
 * array lengths are known.
 */
static void
check_csr(const int *start, int n_rows, const int *item, int n_items, int limit, const char *what)
{
	if (n_rows < 0 || start[0] != 0 || start[n_rows] != n_items)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid placement input: %s offsets must run from 0 to the number of entries", what)));
	for (int r = 0; r < n_rows; r++)
		if (start[r + 1] < start[r])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid placement input: %s offsets must not decrease", what)));
	for (int k = 0; k < n_items; k++)
		if (item[k] < 0 || item[k] >= limit)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid placement input: %s entry %d names no unit", what, k)));
}

static void
check_nonnegative(const int *v, int n, const char *what)
{
	for (int i = 0; i < n; i++)
		if (v[i] < 0)
			bad_input(what);
}

/*
 * _match(mechanism text, capacity int4[], wish_start int4[], wish_unit int4[], n_keys int4,
 *        wish_key float8[]) -> (assigned_wish, last_admitted_wish, first_rejected_wish,
 *        applicants, admitted), all int4[] with 0-based indexes, -1 for none.
 */
Datum
skolval_allocate(PG_FUNCTION_ARGS)
{
	return match_common(fcinfo, text_to_cstring(PG_GETARG_TEXT_PP(0)), PG_GETARG_ARRAYTYPE_P(1),
						PG_GETARG_ARRAYTYPE_P(2), PG_GETARG_ARRAYTYPE_P(3), PG_GETARG_INT32(4),
						PG_GETARG_ARRAYTYPE_P(5), NULL);
}

/*
 * _match_guaranteed(capacity int4[], wish_start int4[], wish_unit int4[], n_keys int4,
 *                   wish_key float8[], guaranteed_wish int4[]) -> as _match: deferred
 * acceptance where guaranteed_wish[c] (0-based wish index, or -1) is child c's last wish and a
 * seat it keeps whatever happens (later rounds of the school year, sql/year/year.sql).
 */
Datum
skolval_match_guaranteed(PG_FUNCTION_ARGS)
{
	return match_common(fcinfo, "deferred_acceptance", PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(1),
						PG_GETARG_ARRAYTYPE_P(2), PG_GETARG_INT32(3), PG_GETARG_ARRAYTYPE_P(4),
						PG_GETARG_ARRAYTYPE_P(5));
}

static Datum
match_common(FunctionCallInfo fcinfo, const char *mech, ArrayType *cap, ArrayType *start,
			 ArrayType *unit, int32 n_keys, ArrayType *keys, ArrayType *guaranteed)
{
	SvInstance	in = {0};
	SvResult	out;
	SvMechanism m;
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	int			n_wishes;
	int			rc;

	if (strcmp(mech, "deferred_acceptance") == 0)
		m = SV_DEFERRED_ACCEPTANCE;
	else if (strcmp(mech, "immediate_acceptance") == 0)
		m = SV_IMMEDIATE_ACCEPTANCE;
	else if (strcmp(mech, "top_trading_cycles") == 0)
		m = SV_TOP_TRADING_CYCLES;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown mechanism \"%s\"", mech)));

	check_array(cap, INT4OID, "capacity");
	check_array(start, INT4OID, "wish_start");
	check_array(unit, INT4OID, "wish_unit");
	check_array(keys, FLOAT8OID, "wish_key");

	in.n_units = array_length1(cap);
	in.n_children = array_length1(start) - 1;
	n_wishes = array_length1(unit);
	in.capacity = (const int *) ARR_DATA_PTR(cap);
	in.wish_start = (const int *) ARR_DATA_PTR(start);
	in.wish_unit = (const int *) ARR_DATA_PTR(unit);
	in.n_keys = n_keys;
	in.wish_key = (const double *) ARR_DATA_PTR(keys);
	in.check_interrupts = interrupt_cb;

	/* Lengths only the glue can see; the core checks the rest (skolval_place_error says what). */
	if (n_keys < 1 || (int64) n_wishes * n_keys != array_length1(keys))
		bad_input("wish_key must hold n_keys numbers per wish");
	check_csr(in.wish_start, in.n_children, in.wish_unit, n_wishes, in.n_units, "wish");
	check_nonnegative(in.capacity, in.n_units, "capacity must not be negative");
	for (int64 k = 0; k < (int64) n_wishes * n_keys; k++)
		if (isnan(in.wish_key[k]))
			bad_input("wish_key must not contain NaN");
	if (guaranteed)
	{
		check_array(guaranteed, INT4OID, "guaranteed_wish");
		if (array_length1(guaranteed) != in.n_children)
			bad_input("guaranteed_wish must have one element per child");
		in.guaranteed_wish = (const int *) ARR_DATA_PTR(guaranteed);
		for (int c = 0; c < in.n_children; c++)
			if (in.guaranteed_wish[c] != -1 &&
				(in.n_children == 0 || in.guaranteed_wish[c] != in.wish_start[c + 1] - 1 ||
				 in.wish_start[c + 1] == in.wish_start[c]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid placement input: guaranteed_wish of child %d must be -1 or its last wish (%d)",
								c, in.wish_start[c + 1] - 1)));
	}

	out.assigned_wish = palloc(sizeof(int) * Max(in.n_children, 1));
	out.last_admitted_wish = palloc(sizeof(int) * Max(in.n_units, 1));
	out.first_rejected_wish = palloc(sizeof(int) * Max(in.n_units, 1));
	out.applicants = palloc(sizeof(int) * Max(in.n_units, 1));
	out.admitted = palloc(sizeof(int) * Max(in.n_units, 1));

	rc = skolval_place(&in, m, palloc_extended(Max(skolval_place_workspace_size(&in), 1), MCXT_ALLOC_HUGE), &out);
	if (rc != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("placement failed: %s", skolval_place_error(rc))));

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "_match must return a composite type");
	if (tupdesc->natts != 5)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("_match must be declared with 5 result columns, not %d", tupdesc->natts)));
	values[0] = int_array(out.assigned_wish, in.n_children);
	values[1] = int_array(out.last_admitted_wish, in.n_units);
	values[2] = int_array(out.first_rejected_wish, in.n_units);
	values[3] = int_array(out.applicants, in.n_units);
	values[4] = int_array(out.admitted, in.n_units);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

/*
 * _admin_place(policy text, seats_left int4[], cand_start int4[], cand_unit int4[],
 *              cand_cost float8[], child_order float8[]) -> (assigned_cand int4[], total_cost float8)
 */
Datum
skolval_admin_place(PG_FUNCTION_ARGS)
{
	char	   *policy = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ArrayType  *seats = PG_GETARG_ARRAYTYPE_P(1);
	ArrayType  *start = PG_GETARG_ARRAYTYPE_P(2);
	ArrayType  *unit = PG_GETARG_ARRAYTYPE_P(3);
	ArrayType  *cost = PG_GETARG_ARRAYTYPE_P(4);
	ArrayType  *order = PG_GETARG_ARRAYTYPE_P(5);
	SvAdminInstance in = {0};
	int		   *assigned;
	double		total = 0;
	int			n_cand;
	int			rc;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	bool		min_cost = strcmp(policy, "min_cost") == 0;

	if (!min_cost && strcmp(policy, "nearest_free") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown administrative placement policy \"%s\"", policy)));
	check_array(seats, INT4OID, "seats_left");
	check_array(start, INT4OID, "cand_start");
	check_array(unit, INT4OID, "cand_unit");
	check_array(cost, FLOAT8OID, "cand_cost");
	check_array(order, FLOAT8OID, "child_order");

	in.n_units = array_length1(seats);
	in.n_children = array_length1(start) - 1;
	n_cand = array_length1(unit);
	in.seats_left = (const int *) ARR_DATA_PTR(seats);
	in.cand_start = (const int *) ARR_DATA_PTR(start);
	in.cand_unit = (const int *) ARR_DATA_PTR(unit);
	in.cand_cost = (const double *) ARR_DATA_PTR(cost);
	in.order = (const double *) ARR_DATA_PTR(order);
	in.check_interrupts = interrupt_cb;

	if (in.n_children < 0 || array_length1(order) != in.n_children)
		bad_input("cand_start must have one element per child plus one, child_order one per child");
	if (array_length1(cost) != n_cand)
		bad_input("cand_cost must have one element per candidate");
	check_csr(in.cand_start, in.n_children, in.cand_unit, n_cand, in.n_units, "candidate");
	for (int k = 0; k < n_cand; k++)
		if (!(in.cand_cost[k] >= 0))
			bad_input("every candidate needs a cost of zero or more");
	check_nonnegative(in.seats_left, in.n_units, "seats_left must not be negative");

	assigned = palloc(sizeof(int) * Max(in.n_children, 1));
	if (min_cost)
		rc = skolval_admin_min_cost(&in, palloc_extended(Max(skolval_admin_workspace_size(&in), 1), MCXT_ALLOC_HUGE), assigned, &total);
	else
	{
		rc = skolval_admin_nearest_free(&in, palloc_extended(Max(skolval_admin_workspace_size(&in), 1), MCXT_ALLOC_HUGE), assigned);
		for (int c = 0; c < in.n_children; c++)
			if (assigned[c] >= 0)
				total += in.cand_cost[assigned[c]];
	}
	if (rc != 0 && rc != SV_ERR_INFEASIBLE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("administrative placement failed: %s", skolval_place_error(rc))));

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "_admin_place must return a composite type");
	if (tupdesc->natts != 2)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("_admin_place must be declared with 2 result columns, not %d", tupdesc->natts)));
	values[0] = int_array(assigned, in.n_children);
	values[1] = Float8GetDatum(total);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
