/*
 * round_sql.c — reading a placement round for allocate(), through SPI, under one snapshot.
 *
 * Each query reads one table by its key (or looks distances up per child through a LATERAL
 * with LIMIT, which can only be a nested loop over the distance indexes), and the joins happen
 * here in C over sorted arrays.  So no plan depends on planner statistics: a round copied in
 * and allocated before ANALYZE runs as fast as one analysed.  Every name in the SQL is
 * schema-qualified (types, functions and operators too) and the function runs with
 * search_path = pg_catalog, pg_temp, so nothing planted in public or pg_temp is ever reached;
 * every result column's type is checked before it is read.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "common/prng.h"
#include "placement/round_sql.h"
#include "placement/texts_sql.h"

#define EQ " OPERATOR(pg_catalog.=) "
#define LE " OPERATOR(pg_catalog.<=) "
#define GE " OPERATOR(pg_catalog.>=) "

/* ---- SPI helpers ------------------------------------------------------------------------- */

SPITupleTable *
skolval_round_query(const SvRound *round, const char *what, const char *sql, int nargs,
					Oid *argtypes, Datum *values, int ncols, const Oid *coltypes)
{
	SPIPlanPtr	plan;
	int			rc;
	TupleDesc	desc;

	plan = SPI_prepare_cursor(sql, nargs, argtypes, CURSOR_OPT_CUSTOM_PLAN);
	if (plan == NULL)
		elog(ERROR, "allocate: preparing the query for %s failed: %s", what,
			 SPI_result_code_string(SPI_result));
	{
		TimestampTz t0 = GetCurrentTimestamp();

		rc = SPI_execute_snapshot(plan, values, NULL, round->snapshot, InvalidSnapshot,
								  true, false, 0);
		elog(DEBUG1, "allocate: query %s %.1f ms, %lu rows", what, (GetCurrentTimestamp() - t0) / 1000.0,
			 (unsigned long) SPI_processed);
	}
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "allocate: reading %s failed: %s", what, SPI_result_code_string(rc));
	SPI_freeplan(plan);
	desc = SPI_tuptable->tupdesc;
	if (desc->natts != ncols)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("allocate: reading %s gave %d columns, expected %d", what, desc->natts, ncols)));
	for (int i = 0; i < ncols; i++)
		if (SPI_gettypeid(desc, i + 1) != coltypes[i])
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("allocate: column %d of %s has type %s, expected %s", i + 1, what,
							format_type_be(SPI_gettypeid(desc, i + 1)), format_type_be(coltypes[i]))));
	return SPI_tuptable;
}

int64
skolval_get_int64(SPITupleTable *t, uint64 row, int col, bool *isnull)
{
	bool		n;
	Datum		d = SPI_getbinval(t->vals[row], t->tupdesc, col, &n);
	TupleDesc	desc = t->tupdesc;
	Oid			type = TupleDescAttr(desc, col - 1)->atttypid;

	if (isnull)
		*isnull = n;
	else if (n)
		elog(ERROR, "allocate: unexpected NULL in column %d", col);
	if (n)
		return 0;
	switch (type)
	{
		case INT8OID:
			return DatumGetInt64(d);
		case INT4OID:
			return DatumGetInt32(d);
		case INT2OID:
			return DatumGetInt16(d);
		case BOOLOID:
			return DatumGetBool(d) ? 1 : 0;
	}
	elog(ERROR, "allocate: column %d is not an integer", col);
	return 0;
}

double
skolval_get_float8(SPITupleTable *t, uint64 row, int col, bool *isnull)
{
	bool		n;
	Datum		d = SPI_getbinval(t->vals[row], t->tupdesc, col, &n);

	Assert(TupleDescAttr(t->tupdesc, col - 1)->atttypid == FLOAT8OID);
	if (isnull)
		*isnull = n;
	else if (n)
		elog(ERROR, "allocate: unexpected NULL in column %d", col);
	return n ? 0 : DatumGetFloat8(d);
}

char *
skolval_get_text(SPITupleTable *t, uint64 row, int col)
{
	bool		n;
	Datum		d = SPI_getbinval(t->vals[row], t->tupdesc, col, &n);

	Assert(TupleDescAttr(t->tupdesc, col - 1)->atttypid == TEXTOID);
	return n ? NULL : TextDatumGetCString(d);
}

Datum
skolval_make_array(Oid elemtype, Datum *values, bool *nulls, int n)
{
	int16		len;
	bool		byval;
	char		align;
	int			dims[1] = {n};
	int			lbs[1] = {1};

	if (n == 0)
		return PointerGetDatum(construct_empty_array(elemtype));
	get_typlenbyvalalign(elemtype, &len, &byval, &align);
	return PointerGetDatum(construct_md_array(values, nulls, 1, dims, lbs, elemtype, len, byval, align));
}

static Datum
int64_array(const int64 *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		d[i] = Int64GetDatum(v[i]);
	return skolval_make_array(INT8OID, d, NULL, n);
}

/* Index of id in a sorted array, or -1. */
static int
find_id(const int64 *ids, int n, int64 id)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (ids[mid] == id)
			return mid;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* The first 20 ids of a sorted list, as the errors give them. */
static char *
id_list(const int64 *ids, int n)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < n && i < 20; i++)
		appendStringInfo(&s, "%s" INT64_FORMAT, i > 0 ? ", " : "", ids[i]);
	if (n > 20)
		appendStringInfoString(&s, " and more");
	return s.data;
}

/* ---- siblings ------------------------------------------------------------------------------ */

/*
 * The sibling fact of every application: a sibling (sibling_pair) enrolled at the applied unit
 * in förskoleklass or grundskola grade 0-3 on the start date, registered on the cohort date at
 * the same address (compared trimmed and case-insensitively) or within 1 m of the child's home.
 */
static void
read_siblings(SvRound *r)
{
	Oid			t1[1] = {INT8ARRAYOID};
	Oid			t2[2] = {INT8ARRAYOID, DATEOID};
	Oid			c2[2] = {INT8OID, INT8OID};
	Oid			c1[1] = {INT8OID};
	Oid			ct[1] = {TEXTOID};
	Datum		v[2];
	SPITupleTable *t;
	int64	   *pair_child,
			   *pair_sib,
			   *sibs;
	int			n_pairs = 0,
				n_sibs = 0;
	int64	   *enrol_sib,
			   *enrol_unit;
	int			n_enrol;
	int64	   *res_sib,
			   *res_id;
	int			n_res;
	int64	   *cand_a,
			   *cand_b;
	int		   *cand_app;
	int			n_cand = 0,
				room;
	char	   *postgis;
	char	   *sql;

	for (int a = 0; a < r->n_apps; a++)
		SV_FACT(r, a, SV_FACT_SIBLING) = 0;

	v[0] = int64_array(r->child_id, r->n_children);
	t = skolval_round_query(r, "sibling pairs",
							"SELECT s.child_id, s.sibling_id FROM skolval.sibling s"
							" WHERE s.child_id" EQ "ANY ($1) OR s.sibling_id" EQ "ANY ($1)",
							1, t1, v, 2, c2);
	pair_child = palloc(sizeof(int64) * Max(2 * t->numvals, 1));
	pair_sib = palloc(sizeof(int64) * Max(2 * t->numvals, 1));
	sibs = palloc(sizeof(int64) * Max(2 * t->numvals, 1));
	for (uint64 i = 0; i < t->numvals; i++)
	{
		int64		a = skolval_get_int64(t, i, 1, NULL),
					b = skolval_get_int64(t, i, 2, NULL);

		/* sibling_pair holds both directions */
		if (find_id(r->child_id, r->n_children, a) >= 0)
		{
			pair_child[n_pairs] = a;
			pair_sib[n_pairs++] = b;
			sibs[n_sibs++] = b;
		}
		if (find_id(r->child_id, r->n_children, b) >= 0)
		{
			pair_child[n_pairs] = b;
			pair_sib[n_pairs++] = a;
			sibs[n_sibs++] = a;
		}
	}
	SPI_freetuptable(t);
	if (n_pairs == 0)
		return;
	qsort(sibs, n_sibs, sizeof(int64), cmp_int64);

	/*
	 * Each sibling's placement as it will be on the start date: its enrollment in förskoleklass or
	 * grundskola valid on the start date, or, when the register ends before it, its latest one
	 * that is valid on the cohort date or ended at most 120 days before the start (the school year
	 * before).  The grade is projected to the start date: one grade up for every school year
	 * (from 1 July) between the enrollment's start and the round's start date.
	 */
	v[0] = int64_array(sibs, n_sibs);
	v[1] = DateADTGetDatum(r->start_date);
	{
		Oid			t3[3] = {INT8ARRAYOID, DATEOID, DATEOID};
		Oid			c5[5] = {INT8OID, INT8OID, INT4OID, INT4OID, BOOLOID};
		Datum		v3[3] = {v[0], v[1], DateADTGetDatum(r->on_day)};

		t = skolval_round_query(r, "siblings' enrollments",
								"SELECT e.child_id, e.unit_id, e.grade::pg_catalog.int4,"
								" ((pg_catalog.date_part('year', $2) OPERATOR(pg_catalog.-) CASE WHEN pg_catalog.date_part('month', $2) OPERATOR(pg_catalog.<) 7::pg_catalog.float8 THEN 1::pg_catalog.float8 ELSE 0::pg_catalog.float8 END)"
								" OPERATOR(pg_catalog.-) (pg_catalog.date_part('year', e.valid_from) OPERATOR(pg_catalog.-) CASE WHEN pg_catalog.date_part('month', e.valid_from) OPERATOR(pg_catalog.<) 7::pg_catalog.float8 THEN 1::pg_catalog.float8 ELSE 0::pg_catalog.float8 END))::pg_catalog.int4,"
								" (e.valid_to IS NULL OR e.valid_to" GE "$2)"
								" FROM skolval.enrollment e"
								" WHERE e.child_id" EQ "ANY ($1)"
								" AND e.school_form::pg_catalog.text" EQ "ANY ('{forskoleklass,grundskola}'::pg_catalog.text[])"
								" AND e.grade IS NOT NULL AND e.valid_from" LE "$2"
								" AND (e.valid_to IS NULL OR e.valid_to" GE "$3 OR e.valid_to" GE "($2 OPERATOR(pg_catalog.-) 120))"
								" ORDER BY e.child_id, (e.valid_to IS NULL OR e.valid_to" GE "$2) DESC, e.valid_from DESC, e.unit_id",
								3, t3, v3, 5, c5);
	}
	n_enrol = 0;
	enrol_sib = palloc(sizeof(int64) * Max(t->numvals, 1));
	enrol_unit = palloc(sizeof(int64) * Max(t->numvals, 1));
	for (uint64 i = 0; i < t->numvals; i++)
	{
		int64		sib = skolval_get_int64(t, i, 1, NULL);
		int			grade = (int) skolval_get_int64(t, i, 3, NULL) + (int) skolval_get_int64(t, i, 4, NULL);

		/* the first row per sibling is its placement on the start date */
		if (i > 0 && skolval_get_int64(t, i - 1, 1, NULL) == sib)
			continue;
		if (grade < 0 || grade > 3)
			continue;
		enrol_sib[n_enrol] = sib;
		enrol_unit[n_enrol++] = skolval_get_int64(t, i, 2, NULL);
	}
	SPI_freetuptable(t);
	if (n_enrol == 0)
		return;

	v[1] = DateADTGetDatum(r->on_day);
	t = skolval_round_query(r, "siblings' residences",
							"SELECT x.child_id, x.residence_id FROM skolval.residence x"
							" WHERE x.child_id" EQ "ANY ($1)"
							" AND x.valid_from" LE "$2 AND (x.valid_to IS NULL OR x.valid_to" GE "$2)",
							2, t2, v, 2, c2);
	n_res = (int) t->numvals;
	res_sib = palloc(sizeof(int64) * Max(n_res, 1));
	res_id = palloc(sizeof(int64) * Max(n_res, 1));
	for (int i = 0; i < n_res; i++)
	{
		res_sib[i] = skolval_get_int64(t, i, 1, NULL);
		res_id[i] = skolval_get_int64(t, i, 2, NULL);
	}
	SPI_freetuptable(t);
	if (n_res == 0)
		return;

	/* Candidates: (application, sibling's residence) with the sibling enrolled at the unit. */
	room = 16;
	cand_a = palloc(sizeof(int64) * room);
	cand_b = palloc(sizeof(int64) * room);
	cand_app = palloc(sizeof(int) * room);
	for (int p = 0; p < n_pairs; p++)
	{
		int			c = find_id(r->child_id, r->n_children, pair_child[p]);

		CHECK_FOR_INTERRUPTS();
		for (int a = r->app_start[c]; a < r->app_start[c + 1]; a++)
		{
			int64		unit = r->unit_id[r->app_unit[a]];
			bool		enrolled = false;

			for (int e = 0; e < n_enrol && !enrolled; e++)
				enrolled = enrol_sib[e] == pair_sib[p] && enrol_unit[e] == unit;
			if (!enrolled)
				continue;
			for (int x = 0; x < n_res; x++)
			{
				if (res_sib[x] != pair_sib[p])
					continue;
				if (n_cand == room)
				{
					room *= 2;
					cand_a = repalloc(cand_a, sizeof(int64) * room);
					cand_b = repalloc(cand_b, sizeof(int64) * room);
					cand_app = repalloc(cand_app, sizeof(int) * room);
				}
				cand_a[n_cand] = r->residence_id[c];
				cand_b[n_cand] = res_id[x];
				cand_app[n_cand++] = a;
			}
		}
	}
	if (n_cand == 0)
		return;

	/* The address and point comparison, in SQL (collation-aware lower(), PostGIS). */
	t = skolval_round_query(r, "the PostGIS schema",
							"SELECT n.nspname::pg_catalog.text FROM pg_catalog.pg_extension e"
							" JOIN pg_catalog.pg_namespace n ON n.oid" EQ "e.extnamespace"
							" WHERE e.extname" EQ "'postgis'::pg_catalog.name",
							0, NULL, NULL, 1, ct);
	if (t->numvals != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("allocate needs the extension postgis")));
	postgis = skolval_get_text(t, 0, 1);
	SPI_freetuptable(t);
	sql = psprintf("SELECT p.i FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) WITH ORDINALITY AS p(a, b, i)"
				   " CROSS JOIN LATERAL (SELECT x.address, x.home FROM skolval.residence x"
				   " WHERE x.residence_id" EQ "p.a LIMIT 1) ra"
				   " CROSS JOIN LATERAL (SELECT y.address, y.home FROM skolval.residence y"
				   " WHERE y.residence_id" EQ "p.b LIMIT 1) rb"
				   " WHERE pg_catalog.lower(pg_catalog.btrim(rb.address))" EQ "pg_catalog.lower(pg_catalog.btrim(ra.address))"
				   " OR %s.st_dwithin(rb.home, ra.home, 1::pg_catalog.float8)",
				   quote_identifier(postgis));
	{
		Oid			t3[2] = {INT8ARRAYOID, INT8ARRAYOID};

		v[0] = int64_array(cand_a, n_cand);
		v[1] = int64_array(cand_b, n_cand);
		t = skolval_round_query(r, "siblings' addresses", sql, 2, t3, v, 1, c1);
	}
	for (uint64 i = 0; i < t->numvals; i++)
	{
		int64		k = skolval_get_int64(t, i, 1, NULL) - 1;

		if (k < 0 || k >= n_cand)
			elog(ERROR, "allocate: sibling candidate out of range");
		SV_FACT(r, cand_app[k], SV_FACT_SIBLING) = 1;
	}
	SPI_freetuptable(t);
}

/* ---- multiples ------------------------------------------------------------------------------ */

static int
group_find(int *g, int x)
{
	while (g[x] != x)
		x = g[x] = g[g[x]];
	return x;
}

/*
 * Twins and other multiples: cohort children who are siblings (sibling_pair), born the same day
 * and registered at the same address on the cohort date (compared trimmed and case-insensitively)
 * or within 1 m of each other.  multiple_group[c] is the lowest child index of c's group (c
 * itself when it has none); groups are closed under the relation (union-find).
 */
static void
read_multiples(SvRound *r)
{
	Oid			t1[1] = {INT8ARRAYOID};
	Oid			c2[2] = {INT8OID, INT8OID};
	Oid			c1[1] = {INT8OID};
	Oid			ct[1] = {TEXTOID};
	Datum		v[4];
	SPITupleTable *t;
	int		   *pa,
			   *pb;
	int			n = 0;
	char	   *postgis,
			   *sql;

	r->multiple_group = palloc(sizeof(int) * Max(r->n_children, 1));
	for (int c = 0; c < r->n_children; c++)
		r->multiple_group[c] = c;
	v[0] = int64_array(r->child_id, r->n_children);
	t = skolval_round_query(r, "siblings in the cohort",
							"SELECT s.child_id, s.sibling_id FROM skolval.sibling s"
							" WHERE s.child_id" EQ "ANY ($1) AND s.sibling_id" EQ "ANY ($1)"
							" AND s.child_id OPERATOR(pg_catalog.<) s.sibling_id",
							1, t1, v, 2, c2);
	pa = palloc(sizeof(int) * Max(t->numvals, 1));
	pb = palloc(sizeof(int) * Max(t->numvals, 1));
	for (uint64 i = 0; i < t->numvals; i++)
	{
		int			a = find_id(r->child_id, r->n_children, skolval_get_int64(t, i, 1, NULL));
		int			b = find_id(r->child_id, r->n_children, skolval_get_int64(t, i, 2, NULL));

		if (a >= 0 && b >= 0)
		{
			pa[n] = a;
			pb[n++] = b;
		}
	}
	SPI_freetuptable(t);
	if (n == 0)
		return;

	t = skolval_round_query(r, "the PostGIS schema",
							"SELECT n.nspname::pg_catalog.text FROM pg_catalog.pg_extension e"
							" JOIN pg_catalog.pg_namespace n ON n.oid" EQ "e.extnamespace"
							" WHERE e.extname" EQ "'postgis'::pg_catalog.name",
							0, NULL, NULL, 1, ct);
	if (t->numvals != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("allocate needs the extension postgis")));
	postgis = skolval_get_text(t, 0, 1);
	SPI_freetuptable(t);
	{
		int64	   *ca = palloc(sizeof(int64) * n),
				   *cb = palloc(sizeof(int64) * n),
				   *ra = palloc(sizeof(int64) * n),
				   *rb = palloc(sizeof(int64) * n);
		Oid			t4[4] = {INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID};

		for (int i = 0; i < n; i++)
		{
			ca[i] = r->child_id[pa[i]];
			cb[i] = r->child_id[pb[i]];
			ra[i] = r->residence_id[pa[i]];
			rb[i] = r->residence_id[pb[i]];
		}
		v[0] = int64_array(ca, n);
		v[1] = int64_array(cb, n);
		v[2] = int64_array(ra, n);
		v[3] = int64_array(rb, n);
		sql = psprintf("SELECT p.i FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3),"
					   " pg_catalog.unnest($4)) WITH ORDINALITY AS p(a, b, ra, rb, i)"
					   " CROSS JOIN LATERAL (SELECT x.birth_date FROM skolval.child x WHERE x.child_id" EQ "p.a LIMIT 1) ka"
					   " CROSS JOIN LATERAL (SELECT y.birth_date FROM skolval.child y WHERE y.child_id" EQ "p.b LIMIT 1) kb"
					   " CROSS JOIN LATERAL (SELECT x.address, x.home FROM skolval.residence x"
					   " WHERE x.residence_id" EQ "p.ra LIMIT 1) ha"
					   " CROSS JOIN LATERAL (SELECT y.address, y.home FROM skolval.residence y"
					   " WHERE y.residence_id" EQ "p.rb LIMIT 1) hb"
					   " WHERE ka.birth_date" EQ "kb.birth_date"
					   " AND (pg_catalog.lower(pg_catalog.btrim(ha.address))" EQ "pg_catalog.lower(pg_catalog.btrim(hb.address))"
					   " OR %s.st_dwithin(ha.home, hb.home, 1::pg_catalog.float8))",
					   quote_identifier(postgis));
		t = skolval_round_query(r, "multiples", sql, 4, t4, v, 1, c1);
	}
	for (uint64 i = 0; i < t->numvals; i++)
	{
		int64		k = skolval_get_int64(t, i, 1, NULL) - 1;
		int			x,
					y;

		if (k < 0 || k >= n)
			elog(ERROR, "allocate: multiples pair out of range");
		x = group_find(r->multiple_group, pa[k]);
		y = group_find(r->multiple_group, pb[k]);
		if (x != y)
			r->multiple_group[Max(x, y)] = Min(x, y);
	}
	SPI_freetuptable(t);
	for (int c = 0; c < r->n_children; c++)
		r->multiple_group[c] = group_find(r->multiple_group, c);
}

/* ---- independent units' own rules -------------------------------------------------------- */

static const char *const default_profile[] = {"queue_date", "sibling", "distance", "lottery"};

/*
 * Each unit's criteria: the round's for a municipal unit; for an independent unit its own from
 * unit_admission, or the default profile (queue date, sibling, distance, lottery).  Then every
 * application's queue date at its unit (unit_queue), SV_NO_QUEUE_DATE without one.
 */
static void
read_unit_rules(SvRound *r)
{
	Oid			t1[1] = {INT8ARRAYOID};
	Oid			c3[3] = {INT8OID, TEXTARRAYOID, TEXTOID};
	Datum		v[2];
	SPITupleTable *t;
	int64	   *indep = palloc(sizeof(int64) * Max(r->n_units, 1));
	int			n_indep = 0,
				n = 0;
	int		   *prof_row = palloc(sizeof(int) * Max(r->n_units, 1));

	for (int u = 0; u < r->n_units; u++)
	{
		prof_row[u] = -1;
		if (!r->municipal[u])
			indep[n_indep++] = r->unit_id[u];
	}
	r->unit_crit_start = palloc(sizeof(int) * (r->n_units + 1));
	r->unit_crit = palloc(sizeof(SvCriterion *) * Max(r->n_units * Max(r->n_criteria, 4), 1));
	r->unit_rules_sv = palloc0(sizeof(char *) * Max(r->n_units, 1));
	r->any_own_rules = n_indep > 0;
	v[0] = int64_array(indep, n_indep);
	t = skolval_round_query(r, "the independent units' rules",
							"SELECT a.unit_id, a.criteria, a.rules_sv FROM skolval.unit_admission a"
							" WHERE a.unit_id" EQ "ANY ($1)",
							1, t1, v, 3, c3);
	for (uint64 i = 0; i < t->numvals; i++)
	{
		int			u = find_id(r->unit_id, r->n_units, skolval_get_int64(t, i, 1, NULL));

		if (u >= 0)
			prof_row[u] = (int) i;
	}
	for (int u = 0; u < r->n_units; u++)
	{
		r->unit_crit_start[u] = n;
		if (r->municipal[u])
		{
			for (int i = 0; i < r->n_criteria; i++)
				r->unit_crit[n++] = r->criteria[i];
			continue;
		}
		if (prof_row[u] < 0)
		{
			for (int i = 0; i < 4; i++)
				r->unit_crit[n++] = skolval_criterion_find(default_profile[i]);
			r->unit_rules_sv[u] = pstrdup(skolval_sv("kötid, syskon på skolan, gångavstånd till skolan, lottning"));
			continue;
		}
		{
			bool		isnull;
			Datum		d = SPI_getbinval(t->vals[prof_row[u]], t->tupdesc, 2, &isnull);
			Datum	   *elems;
			bool	   *enulls;
			int			ne;

			deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &ne);
			for (int i = 0; i < ne; i++)
			{
				const SvCriterion *c = enulls[i] ? NULL : skolval_criterion_find(TextDatumGetCString(elems[i]));

				if (c == NULL || c->fact == SV_FACT_NEAR_HOME || c->fact == SV_FACT_ACTIVE_CHOICE ||
					c->fact == SV_FACT_RELATIVE_PROXIMITY)
					ereport(ERROR,
							(errcode(ERRCODE_CHECK_VIOLATION),
							 errmsg("unit " INT64_FORMAT ": criterion \"%s\" is not one an independent unit admits by",
									r->unit_id[u], enulls[i] ? "NULL" : TextDatumGetCString(elems[i])),
							 errhint("Use queue_date, sibling, distance and lottery in skolval.unit_admission.criteria.")));
				for (int j = r->unit_crit_start[u]; j < n; j++)
					if (r->unit_crit[j] == c)
						ereport(ERROR,
								(errcode(ERRCODE_CHECK_VIOLATION),
								 errmsg("unit " INT64_FORMAT ": criterion \"%s\" is listed twice", r->unit_id[u], c->name)));
				r->unit_crit[n++] = c;
			}
			r->unit_rules_sv[u] = skolval_get_text(t, prof_row[u], 3);
		}
	}
	r->unit_crit_start[r->n_units] = n;
	SPI_freetuptable(t);

	/* Queue dates. */
	for (int a = 0; a < r->n_apps; a++)
		SV_FACT(r, a, SV_FACT_QUEUE_DATE) = SV_NO_QUEUE_DATE;
	if (n_indep == 0)
		return;
	{
		Oid			t2[2] = {INT8ARRAYOID, INT8ARRAYOID};
		Oid			c3d[3] = {INT8OID, INT8OID, DATEOID};

		v[1] = int64_array(r->child_id, r->n_children);
		t = skolval_round_query(r, "the independent units' queues",
								"SELECT q.unit_id, q.child_id, q.queue_date FROM skolval.unit_queue q"
								" WHERE q.unit_id" EQ "ANY ($1) AND q.child_id" EQ "ANY ($2)",
								2, t2, v, 3, c3d);
	}
	for (uint64 i = 0; i < t->numvals; i++)
	{
		int			u = find_id(r->unit_id, r->n_units, skolval_get_int64(t, i, 1, NULL));
		int			c = find_id(r->child_id, r->n_children, skolval_get_int64(t, i, 2, NULL));
		bool		isnull;
		DateADT		day = DatumGetDateADT(SPI_getbinval(t->vals[i], t->tupdesc, 3, &isnull));

		CHECK_FOR_INTERRUPTS();
		if (u < 0 || c < 0 || isnull)
			continue;
		for (int a = r->app_start[c]; a < r->app_start[c + 1]; a++)
			if (r->app_unit[a] == u)
				SV_FACT(r, a, SV_FACT_QUEUE_DATE) = (double) day;
	}
	SPI_freetuptable(t);
}

/* ---- the round ----------------------------------------------------------------------------- */

void
skolval_round_read(SvRound *r, int64 round_id)
{
	Oid			t_id[1] = {INT8OID};
	Datum		v[4];
	Datum		vr[1];			/* the round id, for the queries by round */
	SPITupleTable *t;
	int64	   *all_unit_id;
	char	  **all_unit_name;
	bool	   *all_municipal,
			   *all_offers;
	int			n_all_units;
	int64	   *cap_unit;
	int		   *cap_seats;
	int			n_cap;
	int64	   *missing;
	int			n_missing = 0;
	int64	   *w_child,
			   *w_unit;
	int16	   *w_rank;
	bool	   *w_claim;
	int			n_w;
	bool		lottery_in = false;
	uint64_t	lottery_stream = sv_hash_bytes("lottery", 7);

	memset(r, 0, sizeof(*r));
	r->round_id = round_id;
	vr[0] = Int64GetDatum(round_id);
	r->snapshot = RegisterSnapshot(GetTransactionSnapshot());
	v[0] = Int64GetDatum(round_id);

	/* The round and its rules. */
	{
		Oid			c[9] = {TEXTOID, TEXTOID, DATEOID, DATEOID, INT8OID, TEXTARRAYOID, FLOAT8OID, TEXTOID, TEXTOID};
		ArrayType  *crit;
		Datum	   *elems;
		bool	   *enulls;
		int			n;

		t = skolval_round_query(r, "the round",
								"SELECT r.name, r.school_form::pg_catalog.text, r.start_date,"
								" COALESCE(r.cohort_date, r.start_date), r.lottery_seed, r.criteria,"
								" r.near_home_distance_m, r.status, r.multiples_rule"
								" FROM skolval.placement_round r WHERE r.round_id" EQ "$1",
								1, t_id, vr, 9, c);
		if (t->numvals != 1)
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("placement round " INT64_FORMAT " does not exist", round_id)));
		r->name = skolval_get_text(t, 0, 1);
		r->school_form = skolval_get_text(t, 0, 2);
		r->start_date = DatumGetDateADT(SPI_getbinval(t->vals[0], t->tupdesc, 3, &(bool) {false}));
		r->on_day = DatumGetDateADT(SPI_getbinval(t->vals[0], t->tupdesc, 4, &(bool) {false}));
		r->lottery_seed = skolval_get_int64(t, 0, 5, NULL);
		{
			bool		isnull;
			Datum		d = SPI_getbinval(t->vals[0], t->tupdesc, 6, &isnull);

			if (isnull)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("round \"%s\" has no criteria", r->name)));
			crit = DatumGetArrayTypePCopy(d);
			r->criteria_datum = PointerGetDatum(crit);
		}
		r->near_home_m = skolval_get_float8(t, 0, 7, NULL);
		r->status = skolval_get_text(t, 0, 8);
		r->shared_lottery = strcmp(skolval_get_text(t, 0, 9), "shared_lottery") == 0;
		SPI_freetuptable(t);

		if (ARR_NDIM(crit) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("round \"%s\": criteria must be a one-dimensional array", r->name)));
		deconstruct_array(crit, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &n);
		if (n == 0)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("round \"%s\": criteria must not be empty", r->name)));
		r->n_criteria = n;
		r->criteria = palloc(sizeof(SvCriterion *) * n);
		for (int i = 0; i < n; i++)
		{
			const char *name = enulls[i] ? "NULL" : TextDatumGetCString(elems[i]);

			r->criteria[i] = enulls[i] ? NULL : skolval_criterion_find(name);
			if (r->criteria[i] == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_CHECK_VIOLATION),
						 errmsg("round \"%s\": unknown criterion \"%s\"", r->name, name)));
			for (int j = 0; j < i; j++)
				if (r->criteria[j] == r->criteria[i])
					ereport(ERROR,
							(errcode(ERRCODE_CHECK_VIOLATION),
							 errmsg("round \"%s\": criterion \"%s\" is listed twice", r->name, name)));
			if (r->criteria[i]->fact == SV_FACT_QUEUE_DATE)
				ereport(ERROR,
						(errcode(ERRCODE_CHECK_VIOLATION),
						 errmsg("round \"%s\": criterion \"queue_date\" belongs to independent units' own rules, not to a round", r->name),
						 errhint("Set an independent unit's rules in skolval.unit_admission.")));
			if (r->criteria[i]->fact == SV_FACT_LOTTERY)
				lottery_in = true;
		}
	}

	/* The active network. */
	{
		Oid			c[2] = {INT8OID, TEXTOID};

		t = skolval_round_query(r, "the active network",
								"SELECT n.network_id, n.content_hash FROM skolval.network n WHERE n.is_active",
								0, NULL, NULL, 2, c);
		if (t->numvals != 1)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("no active network: placement needs walking distances")));
		r->network_id = skolval_get_int64(t, 0, 1, NULL);
		r->network_hash = skolval_get_text(t, 0, 2);
		SPI_freetuptable(t);
	}

	/* Capacities. */
	{
		Oid			c[2] = {INT8OID, INT4OID};

		t = skolval_round_query(r, "the capacities",
								"SELECT c.unit_id, c.seats FROM skolval.round_capacity c WHERE c.round_id" EQ "$1"
								" ORDER BY c.unit_id",
								1, t_id, vr, 2, c);
		n_cap = (int) t->numvals;
		if (n_cap == 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("round \"%s\" has no capacities", r->name),
					 errhint("Insert the seats of every unit into skolval.round_capacity.")));
		cap_unit = palloc(sizeof(int64) * n_cap);
		cap_seats = palloc(sizeof(int) * n_cap);
		for (int i = 0; i < n_cap; i++)
		{
			cap_unit[i] = skolval_get_int64(t, i, 1, NULL);
			cap_seats[i] = (int) skolval_get_int64(t, i, 2, NULL);
		}
		SPI_freetuptable(t);
	}

	/* The cohort and the homes it was measured from. */
	{
		Oid			c1[1] = {INT8OID};
		Oid			c3[3] = {INT8OID, INT8OID, INT8OID};
		bool	   *measured;

		t = skolval_round_query(r, "the cohort",
								"SELECT c.child_id FROM skolval.round_cohort c WHERE c.round_id" EQ "$1"
								" ORDER BY c.child_id",
								1, t_id, vr, 1, c1);
		r->n_children = (int) t->numvals;
		if (r->n_children == 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("round \"%s\" has no cohort", r->name),
					 errhint("Run skolval.round_fill_cohort(round_id).")));
		r->child_id = palloc(sizeof(int64) * r->n_children);
		for (int i = 0; i < r->n_children; i++)
			r->child_id[i] = skolval_get_int64(t, i, 1, NULL);
		SPI_freetuptable(t);

		r->residence_id = palloc0(sizeof(int64) * r->n_children);
		measured = palloc0(sizeof(bool) * r->n_children);
		t = skolval_round_query(r, "the homes",
								"SELECT h.child_id, h.residence_id, h.network_id FROM skolval.round_home h"
								" WHERE h.round_id" EQ "$1",
								1, t_id, vr, 3, c3);
		for (uint64 i = 0; i < t->numvals; i++)
		{
			bool		res_null,
						net_null;
			int			c = find_id(r->child_id, r->n_children, skolval_get_int64(t, i, 1, NULL));
			int64		res = skolval_get_int64(t, i, 2, &res_null);
			int64		net = skolval_get_int64(t, i, 3, &net_null);

			if (c < 0)
				continue;
			r->residence_id[c] = res;
			measured[c] = !res_null && !net_null && net == r->network_id;
		}
		SPI_freetuptable(t);
		missing = palloc(sizeof(int64) * r->n_children);
		for (int c = 0; c < r->n_children; c++)
			if (!measured[c])
				missing[n_missing++] = r->child_id[c];
		if (n_missing > 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("distances are missing for %d children of round \"%s\"", n_missing, r->name),
					 errdetail("Children %s.", id_list(missing, n_missing)),
					 errhint("Run skolval.compute_distances(" INT64_FORMAT ") on the active network and resolve its data issues.",
							 r->round_id)));
	}

	/* Every unit: its name, organizer and whether it offers the round's school form. */
	{
		Oid			t_f[1] = {TEXTOID};
		Oid			c[4] = {INT8OID, TEXTOID, BOOLOID, BOOLOID};
		Datum		vf[1] = {CStringGetTextDatum(r->school_form)};

		t = skolval_round_query(r, "the units",
								"SELECT u.unit_id, u.name, u.organizer::pg_catalog.text" EQ "'municipal'::pg_catalog.text,"
								" $1" EQ "ANY (u.school_forms::pg_catalog.text[])"
								" FROM skolval.unit u ORDER BY u.unit_id",
								1, t_f, vf, 4, c);
		n_all_units = (int) t->numvals;
		all_unit_id = palloc(sizeof(int64) * Max(n_all_units, 1));
		all_unit_name = palloc(sizeof(char *) * Max(n_all_units, 1));
		all_municipal = palloc(sizeof(bool) * Max(n_all_units, 1));
		all_offers = palloc(sizeof(bool) * Max(n_all_units, 1));
		for (int i = 0; i < n_all_units; i++)
		{
			bool		isnull;

			all_unit_id[i] = skolval_get_int64(t, i, 1, NULL);
			all_unit_name[i] = skolval_get_text(t, i, 2);
			all_municipal[i] = skolval_get_int64(t, i, 3, &isnull) == 1 && !isnull;
			all_offers[i] = skolval_get_int64(t, i, 4, &isnull) == 1 && !isnull;
		}
		SPI_freetuptable(t);
	}

	/*
	 * Per child, the municipal units offering the form WITH SEATS in the round, in whole metres
	 * (skolval_metres) and then by unit id: the nearest and second-nearest (the alternative of
	 * relative proximity) and the near-home units (within near_home_distance_m, or the nearest
	 * when none is).  A unit without seats is never an alternative, a near-home unit or the
	 * fallback.  The query returns every such unit closer than max(the second-nearest, the
	 * near-home distance) + 1 m, so that a tie in whole metres is never cut off by a LIMIT.
	 */
	{
		Oid			ta[4] = {INT8ARRAYOID, INT8OID, INT8ARRAYOID, FLOAT8OID};
		Oid			c[3] = {INT8OID, INT8OID, FLOAT8OID};
		int64	   *munis = palloc(sizeof(int64) * Max(n_all_units, 1));
		int			n_munis = 0;
		int			n_rows,
				   *cnt,
				   *pos;
		int64	   *row_unit;
		double	   *row_m;

		for (int i = 0; i < n_all_units; i++)
		{
			int			k = find_id(cap_unit, n_cap, all_unit_id[i]);

			if (all_municipal[i] && all_offers[i] && k >= 0 && cap_seats[k] > 0)
				munis[n_munis++] = all_unit_id[i];
		}
		r->nearest_unit = palloc(sizeof(int64) * r->n_children);
		r->nearest_m = palloc(sizeof(double) * r->n_children);
		r->second_m = palloc(sizeof(double) * r->n_children);
		r->second_null = palloc(sizeof(bool) * r->n_children);
		v[0] = int64_array(r->residence_id, r->n_children);
		v[1] = Int64GetDatum(r->network_id);
		v[2] = int64_array(munis, n_munis);
		v[3] = Float8GetDatum(r->near_home_m);
		t = skolval_round_query(r, "the nearest units",
								"SELECT p.i, n.unit_id, n.walking_m"
								" FROM pg_catalog.unnest($1) WITH ORDINALITY AS p(res, i)"
								" LEFT JOIN LATERAL (SELECT d.walking_m FROM skolval.distance d"
								" WHERE d.network_id" EQ "$2 AND d.residence_id" EQ "p.res"
								" AND d.status" EQ "'ok'::pg_catalog.text AND d.unit_id" EQ "ANY ($3)"
								" ORDER BY d.walking_m, d.unit_id OFFSET 1 LIMIT 1) s ON true"
								" CROSS JOIN LATERAL (SELECT d.unit_id, d.walking_m FROM skolval.distance d"
								" WHERE d.network_id" EQ "$2 AND d.residence_id" EQ "p.res"
								" AND d.status" EQ "'ok'::pg_catalog.text AND d.unit_id" EQ "ANY ($3)"
								" AND d.walking_m OPERATOR(pg_catalog.<) (GREATEST(COALESCE(s.walking_m,"
								" 'Infinity'::pg_catalog.float8), $4) OPERATOR(pg_catalog.+) 1::pg_catalog.float8)) n",
								4, ta, v, 3, c);
		n_rows = (int) t->numvals;
		cnt = palloc0(sizeof(int) * (r->n_children + 1));
		row_unit = palloc(sizeof(int64) * Max(n_rows, 1));
		row_m = palloc(sizeof(double) * Max(n_rows, 1));
		for (int i = 0; i < n_rows; i++)
		{
			int			k = (int) skolval_get_int64(t, i, 1, NULL) - 1;

			if (k < 0 || k >= r->n_children)
				elog(ERROR, "allocate: nearest unit out of range");
			cnt[k + 1]++;
		}
		r->nh_start = palloc(sizeof(int) * (r->n_children + 1));
		r->nh_start[0] = 0;
		for (int k = 0; k < r->n_children; k++)
			cnt[k + 1] += cnt[k];
		pos = palloc(sizeof(int) * Max(r->n_children, 1));
		for (int k = 0; k < r->n_children; k++)
			pos[k] = cnt[k];
		/* each child's rows, sorted by (whole metres, unit id) whatever order they came in */
		for (int i = 0; i < n_rows; i++)
		{
			int			k = (int) skolval_get_int64(t, i, 1, NULL) - 1;
			int			j = pos[k]++;
			int64		u = skolval_get_int64(t, i, 2, NULL);
			double		m = skolval_metres(skolval_get_float8(t, i, 3, NULL));

			while (j > cnt[k] && (row_m[j - 1] > m || (row_m[j - 1] == m && row_unit[j - 1] > u)))
			{
				row_m[j] = row_m[j - 1];
				row_unit[j] = row_unit[j - 1];
				j--;
			}
			row_m[j] = m;
			row_unit[j] = u;
		}
		SPI_freetuptable(t);
		r->nh_unit_id = palloc(sizeof(int64) * Max(n_rows, 1));
		r->nh_m = palloc(sizeof(double) * Max(n_rows, 1));
		for (int k = 0, n = 0; k < r->n_children; k++)
		{
			int			lo = cnt[k],
						hi = cnt[k + 1];

			CHECK_FOR_INTERRUPTS();
			r->nearest_unit[k] = hi > lo ? row_unit[lo] : -1;
			r->nearest_m[k] = hi > lo ? row_m[lo] : 0;
			r->second_null[k] = hi - lo < 2;
			r->second_m[k] = hi - lo >= 2 ? row_m[lo + 1] : 0;
			for (int j = lo; j < hi; j++)
				if (row_m[j] <= r->near_home_m || (j == lo && row_m[lo] > r->near_home_m))
				{
					r->nh_unit_id[n] = row_unit[j];
					r->nh_m[n++] = row_m[j];
				}
			r->nh_start[k + 1] = n;
		}
	}

	/* Wishes. */
	{
		Oid			c[4] = {INT8OID, INT2OID, INT8OID, BOOLOID};

		t = skolval_round_query(r, "the wishes",
								"SELECT w.child_id, w.rank, w.unit_id, w.sibling_claim FROM skolval.wish w"
								" WHERE w.round_id" EQ "$1 ORDER BY w.child_id, w.rank",
								1, t_id, vr, 4, c);
		n_w = (int) t->numvals;
		w_child = palloc(sizeof(int64) * Max(n_w, 1));
		w_unit = palloc(sizeof(int64) * Max(n_w, 1));
		w_rank = palloc(sizeof(int16) * Max(n_w, 1));
		w_claim = palloc(sizeof(bool) * Max(n_w, 1));
		for (int i = 0; i < n_w; i++)
		{
			w_child[i] = skolval_get_int64(t, i, 1, NULL);
			w_rank[i] = (int16) skolval_get_int64(t, i, 2, NULL);
			w_unit[i] = skolval_get_int64(t, i, 3, NULL);
			w_claim[i] = skolval_get_int64(t, i, 4, NULL) == 1;
		}
		SPI_freetuptable(t);
	}

	/*
	 * Applications: the wishes, then the child's near-home claims (the near-home guarantee):
	 * every near-home unit not already wished, nearest first, ranked after the wishes.  A child
	 * without wishes so applies to its near-home units only, nearest first.  The round's units:
	 * capacity units offering the form, and every unit applied to; seats from round_capacity (0
	 * without a row).
	 */
	{
		int			maxapps = n_w + r->nh_start[r->n_children];
		int64	   *app_unit_id = palloc(sizeof(int64) * Max(maxapps, 1));
		int64	   *uset = palloc(sizeof(int64) * (maxapps + n_cap));
		int			n_uset = 0,
					wi = 0;

		r->app_start = palloc(sizeof(int) * (r->n_children + 1));
		r->app_child = palloc(sizeof(int) * Max(maxapps, 1));
		r->app_rank = palloc(sizeof(int16) * Max(maxapps, 1));
		r->app_unit = palloc(sizeof(int) * Max(maxapps, 1));
		r->app_implicit = palloc(sizeof(bool) * Max(maxapps, 1));
		r->app_sibling_claim = palloc(sizeof(bool) * Max(maxapps, 1));
		r->has_wishes = palloc(sizeof(bool) * Max(r->n_children, 1));
		r->n_apps = 0;
		for (int c = 0; c < r->n_children; c++)
		{
			int			first = wi;
			int16		last_rank = 0;

			CHECK_FOR_INTERRUPTS();
			r->app_start[c] = r->n_apps;
			while (wi < n_w && w_child[wi] == r->child_id[c])
			{
				int			a = r->n_apps++;

				r->app_child[a] = c;
				r->app_rank[a] = w_rank[wi];
				app_unit_id[a] = w_unit[wi];
				r->app_implicit[a] = false;
				r->app_sibling_claim[a] = w_claim[wi];
				last_rank = Max(last_rank, w_rank[wi]);
				wi++;
			}
			r->has_wishes[c] = wi > first;
			for (int j = r->nh_start[c]; j < r->nh_start[c + 1]; j++)
			{
				bool		wished = false;

				for (int w = first; w < wi && !wished; w++)
					wished = w_unit[w] == r->nh_unit_id[j];
				if (wished)
					continue;
				{
					int			a = r->n_apps++;

					r->app_child[a] = c;
					r->app_rank[a] = ++last_rank;
					app_unit_id[a] = r->nh_unit_id[j];
					r->app_implicit[a] = true;
					r->app_sibling_claim[a] = false;
				}
			}
		}
		r->app_start[r->n_children] = r->n_apps;
		if (wi != n_w)
			elog(ERROR, "allocate: a wish names a child outside the cohort");

		for (int i = 0; i < n_cap; i++)
		{
			int			u = find_id(all_unit_id, n_all_units, cap_unit[i]);

			if (u >= 0 && all_offers[u])
			{
				uset[n_uset++] = cap_unit[i];
				r->seats_offering += cap_seats[i];
			}
		}
		for (int a = 0; a < r->n_apps; a++)
			uset[n_uset++] = app_unit_id[a];
		qsort(uset, n_uset, sizeof(int64), cmp_int64);
		r->unit_id = palloc(sizeof(int64) * Max(n_uset, 1));
		r->n_units = 0;
		for (int i = 0; i < n_uset; i++)
			if (r->n_units == 0 || r->unit_id[r->n_units - 1] != uset[i])
				r->unit_id[r->n_units++] = uset[i];
		r->seats = palloc(sizeof(int) * Max(r->n_units, 1));
		r->unit_name = palloc(sizeof(char *) * Max(r->n_units, 1));
		r->municipal = palloc(sizeof(bool) * Max(r->n_units, 1));
		for (int u = 0; u < r->n_units; u++)
		{
			int			k = find_id(all_unit_id, n_all_units, r->unit_id[u]);
			int			cap = find_id(cap_unit, n_cap, r->unit_id[u]);

			if (k < 0)
				elog(ERROR, "allocate: unit " INT64_FORMAT " does not exist", r->unit_id[u]);
			r->seats[u] = cap >= 0 ? cap_seats[cap] : 0;
			r->unit_name[u] = all_unit_name[k];
			r->municipal[u] = all_municipal[k];
		}
		for (int a = 0; a < r->n_apps; a++)
			r->app_unit[a] = find_id(r->unit_id, r->n_units, app_unit_id[a]);

		/* Walking distances of the applications. */
		{
			Oid			ta[3] = {INT8ARRAYOID, INT8ARRAYOID, INT8OID};
			Oid			c[3] = {INT8OID, TEXTOID, FLOAT8OID};
			int64	   *res = palloc(sizeof(int64) * Max(r->n_apps, 1));
			bool	   *ok = palloc0(sizeof(bool) * Max(r->n_apps, 1));

			r->fact = palloc0(sizeof(double) * SV_N_FACTS * Max(r->n_apps, 1));
			r->fact_null = palloc0(sizeof(bool) * SV_N_FACTS * Max(r->n_apps, 1));
			r->app_walk_raw = palloc0(sizeof(double) * Max(r->n_apps, 1));
			for (int a = 0; a < r->n_apps; a++)
				res[a] = r->residence_id[r->app_child[a]];
			v[0] = int64_array(res, r->n_apps);
			v[1] = int64_array(app_unit_id, r->n_apps);
			v[2] = Int64GetDatum(r->network_id);
			t = skolval_round_query(r, "the walking distances",
									"SELECT p.i, d.status, d.walking_m"
									" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) WITH ORDINALITY AS p(res, unit, i)"
									" CROSS JOIN LATERAL (SELECT d.status, d.walking_m FROM skolval.distance d"
									" WHERE d.network_id" EQ "$3 AND d.residence_id" EQ "p.res AND d.unit_id" EQ "p.unit LIMIT 1) d",
									3, ta, v, 3, c);
			for (uint64 i = 0; i < t->numvals; i++)
			{
				int			a = (int) skolval_get_int64(t, i, 1, NULL) - 1;
				char	   *status = skolval_get_text(t, i, 2);
				bool		wnull;
				double		w = skolval_get_float8(t, i, 3, &wnull);

				if (a < 0 || a >= r->n_apps)
					elog(ERROR, "allocate: application out of range");
				ok[a] = status != NULL && strcmp(status, "ok") == 0 && !wnull;
				r->app_walk_raw[a] = w;
				SV_FACT(r, a, SV_FACT_WALKING) = skolval_metres(w);
			}
			SPI_freetuptable(t);

			/* Every cohort child applies somewhere, and every application has a distance. */
			n_missing = 0;
			for (int c = 0; c < r->n_children; c++)
			{
				bool		bad = r->app_start[c] == r->app_start[c + 1];

				for (int a = r->app_start[c]; a < r->app_start[c + 1]; a++)
					bad |= !ok[a];
				if (bad)
					missing[n_missing++] = r->child_id[c];
			}
			if (n_missing > 0)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("walking distances are missing for %d children of round \"%s\"", n_missing, r->name),
						 errdetail("Children %s have a wished unit, or a nearest unit, without a walking distance.",
								   id_list(missing, n_missing)),
						 errhint("Resolve the open data issues of skolval.compute_distances() (homes off the network, unreachable units) and run it again.")));
		}
	}

	read_unit_rules(r);

	/* The facts of every application. */
	r->lottery = palloc(sizeof(double) * r->n_children);
	for (int c = 0; c < r->n_children; c++)
		r->lottery[c] = sv_random_unit((uint64_t) r->lottery_seed, lottery_stream, (uint64_t) r->child_id[c]);
	read_multiples(r);
	if (r->shared_lottery)
		for (int c = 0; c < r->n_children; c++)
			r->lottery[c] = r->lottery[r->multiple_group[c]];
	for (int a = 0; a < r->n_apps; a++)
	{
		int			c = r->app_child[a];
		int			u = r->app_unit[a];
		double		w = SV_FACT(r, a, SV_FACT_WALKING);
		int64		unit = r->unit_id[u];
		bool		nearest_is_this = r->nearest_unit[c] >= 0 && r->nearest_unit[c] == unit;

		/*
		 * near_home: the unit is one of the child's near-home units (a municipal unit offering
		 * the form with seats within the near-home distance, or the nearest such unit when none
		 * is that near).  Unknown (as in SQL) when the child has no such unit at all.
		 */
		if (r->nearest_unit[c] < 0)
			SV_FACT_NULL(r, a, SV_FACT_NEAR_HOME) = true;
		else
		{
			bool		nh = false;

			for (int j = r->nh_start[c]; j < r->nh_start[c + 1] && !nh; j++)
				nh = r->nh_unit_id[j] == unit;
			SV_FACT(r, a, SV_FACT_NEAR_HOME) = nh ? 1 : 0;
		}
		SV_FACT(r, a, SV_FACT_ACTIVE_CHOICE) = r->app_implicit[a] ? 0 : 1;
		/* relative proximity: the alternative's walk minus this one's, 0 without one */
		if (r->nearest_unit[c] < 0)
			SV_FACT(r, a, SV_FACT_RELATIVE_PROXIMITY) = 0;
		else if (nearest_is_this)
			SV_FACT(r, a, SV_FACT_RELATIVE_PROXIMITY) = r->second_null[c] ? 0 : r->second_m[c] - w;
		else
			SV_FACT(r, a, SV_FACT_RELATIVE_PROXIMITY) = r->nearest_m[c] - w;
		SV_FACT(r, a, SV_FACT_LOTTERY) = r->lottery[c];
	}
	read_siblings(r);

	/*
	 * The priority keys: one number per criterion of the applied unit (the round's for a
	 * municipal unit, its own for an independent one), in order, lower first; then the lottery
	 * (if not among them), zeros up to a common length, and the child id last, so that every key
	 * is unique.  Keys are only ever compared within one unit, whose applications share one
	 * layout.
	 */
	{
		int			most = r->n_criteria + (lottery_in ? 0 : 1);

		for (int u = 0; u < r->n_units; u++)
		{
			int			len = r->unit_crit_start[u + 1] - r->unit_crit_start[u];
			bool		lot = false;

			for (int j = r->unit_crit_start[u]; j < r->unit_crit_start[u + 1]; j++)
				lot |= r->unit_crit[j]->fact == SV_FACT_LOTTERY;
			most = Max(most, len + (lot ? 0 : 1));
		}
		r->n_keys = most + 1;
	}
	r->key = palloc0(sizeof(double) * r->n_keys * Max(r->n_apps, 1));
	for (int a = 0; a < r->n_apps; a++)
	{
		double	   *k = r->key + (size_t) a * r->n_keys;
		int			u = r->app_unit[a];
		int			i = 0;
		bool		lot = false;

		for (int j = r->unit_crit_start[u]; j < r->unit_crit_start[u + 1]; j++, i++)
		{
			const SvCriterion *cr = r->unit_crit[j];

			if (SV_FACT_NULL(r, a, cr->fact))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("round \"%s\": criterion %s is unknown for child " INT64_FORMAT " at unit " INT64_FORMAT,
								r->name, cr->name, r->child_id[r->app_child[a]], r->unit_id[r->app_unit[a]]),
						 errdetail("The child has no nearest municipal unit offering the round's school form.")));
			k[i] = skolval_criterion_key(cr, SV_FACT(r, a, cr->fact));
			lot |= cr->fact == SV_FACT_LOTTERY;
		}
		if (!lot)
			k[i++] = SV_FACT(r, a, SV_FACT_LOTTERY);
		Assert(i < r->n_keys);
		k[r->n_keys - 1] = (double) r->child_id[r->app_child[a]];
	}
	/* The CSR the core reads. */
	Assert(r->app_start[0] == 0 && r->app_start[r->n_children] == r->n_apps);
}
