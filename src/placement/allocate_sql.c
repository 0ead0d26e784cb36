/*
 * allocate_sql.c — allocate() end to end: read the round (round_sql.c), match (the core,
 * placement.h), place administratively, write the Swedish motivations and the JSON
 * explanations (texts_sql.c), and store the run.
 *
 * skolval.allocate() (plpgsql, SECURITY DEFINER) only checks its arguments and the caller's
 * rights, locks the round for a real run (FOR NO KEY UPDATE: a what-if run takes no lock, so
 * it never blocks a real run) and calls skolval._allocate_run() here, which returns the run
 * id.  Nothing passes through session tables.  The function runs with
 * search_path = pg_catalog, pg_temp and every name in its SQL is qualified.
 *
 * 0.3.0 places by the law where 0.2.0 did not (issue 13): every child keeps a claim on its
 * near-home units after its own wishes (the near-home guarantee, built in round_sql.c), metres
 * are compared in whole metres, administrative placement uses municipal units only, and
 * allocate() checks the seats of every stored run (test/scripts/placement_law.sh).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/md5.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/jsonb.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "placement/placement.h"
#include "placement/round_sql.h"
#include "placement/texts_sql.h"

PG_FUNCTION_INFO_V1(skolval_allocate_run);
PG_FUNCTION_INFO_V1(skolval_round_applications);

#define EQ " OPERATOR(pg_catalog.=) "

/* Timings of the steps, at DEBUG1. */
static void
step_done(const char *step, TimestampTz *since)
{
	TimestampTz now = GetCurrentTimestamp();

	elog(DEBUG1, "allocate: %s %.1f ms", step, (now - *since) / 1000.0);
	*since = now;
}

/* How each child ended up placed. */
typedef enum SvKind
{
	SV_KIND_WISH,
	SV_KIND_NEAR_HOME_OFFER,
	SV_KIND_ADMINISTRATIVE
} SvKind;

static const char *const kind_name[] = {"wish", "near_home_offer", "administrative"};

typedef struct SvRun
{
	SvRound		r;
	SvMechanism mech;
	const char *mech_name;
	const char *policy;
	bool		min_cost;
	bool		what_if;
	/* the matching */
	SvResult	m;
	/* per child */
	int		   *final_unit;		/* unit index */
	int		   *final_app;		/* application obtained, -1 administrative */
	SvKind	   *kind;
	double	   *walking;
	/* administrative candidates, for the fingerprint */
	int			n_cands;
	int64	   *cand_child;
	int64	   *cand_unit;
	double	   *cand_walk;
} SvRun;

static void
interrupt_cb(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

/* ---- matching and administrative placement ------------------------------------------------- */

static void
run_matching(SvRun *run)
{
	SvRound    *r = &run->r;
	SvInstance	in = {0};
	int			rc;

	in.n_children = r->n_children;
	in.n_units = r->n_units;
	in.capacity = r->seats;
	in.wish_start = r->app_start;
	in.wish_unit = r->app_unit;
	in.n_keys = r->n_keys;
	in.wish_key = r->key;
	in.check_interrupts = interrupt_cb;
	run->m.assigned_wish = palloc(sizeof(int) * Max(r->n_children, 1));
	run->m.last_admitted_wish = palloc(sizeof(int) * Max(r->n_units, 1));
	run->m.first_rejected_wish = palloc(sizeof(int) * Max(r->n_units, 1));
	run->m.applicants = palloc(sizeof(int) * Max(r->n_units, 1));
	run->m.admitted = palloc(sizeof(int) * Max(r->n_units, 1));
	rc = skolval_place(&in, run->mech,
					   palloc_extended(Max(skolval_place_workspace_size(&in), 1), MCXT_ALLOC_HUGE), &run->m);
	if (rc != SV_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("placement failed: %s", skolval_place_error(rc))));
}

/*
 * Children the matching left without a place get one of the 100 nearest units (by walking,
 * ties by id) that still have a free seat: jointly at least total walking (min_cost), or one by
 * one in lottery order at the nearest (nearest_free).
 */
static void
run_admin(SvRun *run)
{
	SvRound    *r = &run->r;
	int		   *todo = palloc(sizeof(int) * Max(r->n_children, 1));
	int			n_todo = 0;
	int64	   *free_units,
			   *res;
	int			n_free = 0;
	int		   *cand_start;
	int		   *cand_uidx;
	double	   *order;
	int		   *assigned;
	SvAdminInstance in = {0};
	int			rc,
				placed = 0;
	double		total;
	SPITupleTable *t;
	Datum		v[3];
	Oid			ta[3] = {INT8ARRAYOID, INT8OID, INT8ARRAYOID};
	Oid			c[3] = {INT8OID, INT8OID, FLOAT8OID};
	int		   *seats_left = palloc(sizeof(int) * Max(r->n_units, 1));

	for (int i = 0; i < r->n_children; i++)
		if (run->m.assigned_wish[i] < 0)
			todo[n_todo++] = i;
	run->n_cands = 0;
	if (n_todo == 0)
		return;

	free_units = palloc(sizeof(int64) * Max(r->n_units, 1));
	/* Only municipal units: the municipality never places a child at an independent school. */
	for (int u = 0; u < r->n_units; u++)
	{
		seats_left[u] = r->municipal[u] ? r->seats[u] - run->m.admitted[u] : 0;
		Assert(seats_left[u] >= 0);
		if (seats_left[u] > 0)
			free_units[n_free++] = r->unit_id[u];
	}
	res = palloc(sizeof(int64) * n_todo);
	for (int j = 0; j < n_todo; j++)
		res[j] = r->residence_id[todo[j]];
	{
		Datum	   *d = palloc(sizeof(Datum) * n_todo);
		Datum	   *f = palloc(sizeof(Datum) * Max(n_free, 1));

		for (int j = 0; j < n_todo; j++)
			d[j] = Int64GetDatum(res[j]);
		for (int j = 0; j < n_free; j++)
			f[j] = Int64GetDatum(free_units[j]);
		v[0] = skolval_make_array(INT8OID, d, NULL, n_todo);
		v[2] = skolval_make_array(INT8OID, f, NULL, n_free);
	}
	v[1] = Int64GetDatum(r->network_id);
	t = skolval_round_query(r, "the candidate units",
							"SELECT p.i, n.unit_id, n.walking_m"
							" FROM pg_catalog.unnest($1) WITH ORDINALITY AS p(res, i)"
							" CROSS JOIN LATERAL (SELECT d.unit_id, d.walking_m FROM skolval.distance d"
							" WHERE d.network_id" EQ "$2 AND d.residence_id" EQ "p.res"
							" AND d.status" EQ "'ok'::pg_catalog.text AND d.unit_id" EQ "ANY ($3)"
							" ORDER BY d.walking_m, d.unit_id LIMIT 100) n",
							3, ta, v, 3, c);

	/* Candidates by child, then walking and unit id (the rows may come in any order). */
	{
		int			n = (int) t->numvals;
		int		   *count = palloc0(sizeof(int) * (n_todo + 1));
		int		   *pos;

		run->cand_child = palloc(sizeof(int64) * Max(n, 1));
		run->cand_unit = palloc(sizeof(int64) * Max(n, 1));
		run->cand_walk = palloc(sizeof(double) * Max(n, 1));
		cand_uidx = palloc(sizeof(int) * Max(n, 1));
		cand_start = palloc(sizeof(int) * (n_todo + 1));
		for (int i = 0; i < n; i++)
		{
			int			j = (int) skolval_get_int64(t, i, 1, NULL) - 1;

			if (j < 0 || j >= n_todo)
				elog(ERROR, "allocate: candidate out of range");
			count[j + 1]++;
		}
		cand_start[0] = 0;
		for (int j = 0; j < n_todo; j++)
			cand_start[j + 1] = cand_start[j] + count[j + 1];
		pos = palloc(sizeof(int) * Max(n_todo, 1));
		for (int j = 0; j < n_todo; j++)
			pos[j] = cand_start[j];
		for (int i = 0; i < n; i++)
		{
			int			j = (int) skolval_get_int64(t, i, 1, NULL) - 1;
			int			k = pos[j]++;
			int64		u = skolval_get_int64(t, i, 2, NULL);
			double		w = skolval_get_float8(t, i, 3, NULL);

			/* insertion into the child's run, ordered by (whole metres, unit) */
			while (k > cand_start[j] &&
				   (skolval_metres(run->cand_walk[k - 1]) > skolval_metres(w) ||
					(skolval_metres(run->cand_walk[k - 1]) == skolval_metres(w) && run->cand_unit[k - 1] > u)))
			{
				run->cand_walk[k] = run->cand_walk[k - 1];
				run->cand_unit[k] = run->cand_unit[k - 1];
				k--;
			}
			run->cand_walk[k] = w;
			run->cand_unit[k] = u;
		}
		for (int j = 0; j < n_todo; j++)
			for (int k = cand_start[j]; k < cand_start[j + 1]; k++)
			{
				int			lo = 0,
							hi = r->n_units - 1;

				run->cand_child[k] = r->child_id[todo[j]];
				cand_uidx[k] = -1;
				while (lo <= hi)
				{
					int			mid = (lo + hi) / 2;

					if (r->unit_id[mid] == run->cand_unit[k])
					{
						cand_uidx[k] = mid;
						break;
					}
					if (r->unit_id[mid] < run->cand_unit[k])
						lo = mid + 1;
					else
						hi = mid - 1;
				}
				if (cand_uidx[k] < 0)
					elog(ERROR, "allocate: candidate unit outside the round");
				if (!(run->cand_walk[k] >= 0))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid placement input: every candidate needs a cost of zero or more")));
			}
		run->n_cands = n;
		SPI_freetuptable(t);
	}

	order = palloc(sizeof(double) * n_todo);
	for (int j = 0; j < n_todo; j++)
		order[j] = r->lottery[todo[j]];
	assigned = palloc(sizeof(int) * n_todo);
	in.n_children = n_todo;
	in.n_units = r->n_units;
	in.seats_left = seats_left;
	in.cand_start = cand_start;
	in.cand_unit = cand_uidx;
	{
		double	   *cost = palloc(sizeof(double) * Max(run->n_cands, 1));

		/* costs at the resolution of every comparison: whole metres */
		for (int k = 0; k < run->n_cands; k++)
			cost[k] = skolval_metres(run->cand_walk[k]);
		in.cand_cost = cost;
	}
	in.order = order;
	in.check_interrupts = interrupt_cb;
	if (run->min_cost)
		rc = skolval_admin_min_cost(&in, palloc_extended(Max(skolval_admin_workspace_size(&in), 1), MCXT_ALLOC_HUGE),
									assigned, &total);
	else
		rc = skolval_admin_nearest_free(&in, palloc_extended(Max(skolval_admin_workspace_size(&in), 1), MCXT_ALLOC_HUGE),
										assigned);
	if (rc != SV_OK && rc != SV_ERR_INFEASIBLE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("administrative placement failed: %s", skolval_place_error(rc))));
	for (int j = 0; j < n_todo; j++)
	{
		int			i = todo[j];

		if (assigned[j] < 0)
			continue;
		Assert(assigned[j] >= cand_start[j] && assigned[j] < cand_start[j + 1]);
		run->final_unit[i] = cand_uidx[assigned[j]];
		run->walking[i] = run->cand_walk[assigned[j]];
		placed++;
	}
	if (placed < n_todo)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("administrative placement failed for %d children of round \"%s\"", n_todo - placed, r->name),
				 errdetail("No municipal unit with a free seat is among the 100 nearest municipal units of these children; the municipality never places a child at an independent unit it did not apply to."),
				 errhint("Add seats at municipal units in skolval.round_capacity: they must hold every child the independent units do not admit.")));
}

/* ---- the fingerprint ------------------------------------------------------------------------- */

static void
md5_hex(const char *data, size_t len, char *hex)
{
	const char *errstr = NULL;

	if (!pg_md5_hash(data, len, hex, &errstr))
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not compute MD5 hash: %s", errstr)));
}

/*
 * md5 over every input of the matching, written as 0.2.0 wrote it: concat_ws('|', mechanism,
 * policy, seed, criteria, network hash, units:seats, md5(child:rank:unit:key per application),
 * md5(child:unit:walking per candidate)); empty parts are left out.
 */
static char *
fingerprint(SvRun *run)
{
	SvRound    *r = &run->r;
	StringInfoData s,
				part;
	char		hex[33];
	Oid			out;
	bool		varlena;

	initStringInfo(&s);
	initStringInfo(&part);
	getTypeOutputInfo(TEXTARRAYOID, &out, &varlena);
	appendStringInfo(&s, "%s|%s|" INT64_FORMAT "|%s", run->mech_name, run->policy, r->lottery_seed,
					 OidOutputFunctionCall(out, r->criteria_datum));
	if (r->network_hash)
		appendStringInfo(&s, "|%s", r->network_hash);
	if (r->n_units > 0)
	{
		appendStringInfoChar(&s, '|');
		for (int u = 0; u < r->n_units; u++)
			appendStringInfo(&s, "%s" INT64_FORMAT ":%d", u > 0 ? "," : "", r->unit_id[u], r->seats[u]);
	}
	if (r->n_apps > 0)
	{
		for (int a = 0; a < r->n_apps; a++)
		{
			appendStringInfo(&part, "%s" INT64_FORMAT ":%d:" INT64_FORMAT ":{", a > 0 ? "," : "",
							 r->child_id[r->app_child[a]], r->app_rank[a], r->unit_id[r->app_unit[a]]);
			for (int k = 0; k < r->n_keys; k++)
			{
				if (k > 0)
					appendStringInfoChar(&part, ',');
				skolval_append_float(&part, r->key[(size_t) a * r->n_keys + k]);
			}
			appendStringInfoChar(&part, '}');
		}
		md5_hex(part.data, part.len, hex);
		appendStringInfo(&s, "|%s", hex);
	}
	if (run->n_cands > 0)
	{
		resetStringInfo(&part);
		for (int k = 0; k < run->n_cands; k++)
		{
			appendStringInfo(&part, "%s" INT64_FORMAT ":" INT64_FORMAT ":", k > 0 ? "," : "",
							 run->cand_child[k], run->cand_unit[k]);
			skolval_append_float(&part, run->cand_walk[k]);
		}
		md5_hex(part.data, part.len, hex);
		appendStringInfo(&s, "|%s", hex);
	}
	md5_hex(s.data, s.len, hex);
	return pstrdup(hex);
}

/* ---- texts ------------------------------------------------------------------------------------ */

/* The first position (1-based) where two applications' keys differ, 0 when equal. */
static int
key_difference(const SvRound *r, int a, int b)
{
	const double *ka = r->key + (size_t) a * r->n_keys,
			   *kb = r->key + (size_t) b * r->n_keys;

	for (int i = 0; i < r->n_keys; i++)
		if (ka[i] != kb[i])
			return i + 1;
	return 0;
}

/* The criterion at key position i (1-based) at unit u: the unit's, or the lottery after them. */
static const SvCriterion *
criterion_at(const SvRound *r, int u, int i)
{
	int			n = r->unit_crit_start[u + 1] - r->unit_crit_start[u];

	if (i >= 1 && i <= n)
		return r->unit_crit[r->unit_crit_start[u] + i - 1];
	return skolval_criterion_find("lottery");
}

/* The application's value per criterion of unit u as a JSON object; app < 0: every value null. */
static void
criteria_json(StringInfo buf, const SvRound *r, int u, int app)
{
	appendStringInfoChar(buf, '{');
	for (int i = 0; i < r->unit_crit_start[u + 1] - r->unit_crit_start[u]; i++)
	{
		const SvCriterion *c = r->unit_crit[r->unit_crit_start[u] + i];

		if (i > 0)
			appendStringInfoString(buf, ", ");
		escape_json(buf, c->name);
		appendStringInfoString(buf, ": ");
		skolval_append_json_value(buf, c, app < 0 ? 0 : SV_FACT(r, app, c->fact),
								  app < 0 || SV_FACT_NULL(r, app, c->fact));
	}
	appendStringInfoChar(buf, '}');
}

/* "skola nära hemmet ja, relativ närhet 588 m, ..."; NULL when no criterion has a text. */
static char *
criteria_sv(const SvRound *r, int u, int app)
{
	StringInfoData s;
	bool		any = false;

	initStringInfo(&s);
	for (int i = 0; i < r->unit_crit_start[u + 1] - r->unit_crit_start[u]; i++)
	{
		const SvCriterion *c = r->unit_crit[r->unit_crit_start[u] + i];
		char	   *v = skolval_value_sv(c, app < 0 ? 0 : SV_FACT(r, app, c->fact),
										 app < 0 || SV_FACT_NULL(r, app, c->fact));

		if (v == NULL)
			continue;
		appendStringInfo(&s, "%s%s %s", any ? ", " : "", skolval_sv(c->name_sv), v);
		any = true;
	}
	return any ? s.data : NULL;
}

static char *
seats_sv(int n)
{
	return psprintf("%d %s", n, n == 1 ? "plats" : "platser");
}

static Datum
jsonb_datum(const char *json)
{
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(json));
}

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/* ---- storing the run ------------------------------------------------------------------------- */

static SPITupleTable *
write_rows(const char *what, const char *sql, int nargs, Oid *types, Datum *values, const char *nulls, int expect)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, types, CURSOR_OPT_CUSTOM_PLAN);
	int			rc;

	if (plan == NULL)
		elog(ERROR, "allocate: preparing %s failed: %s", what, SPI_result_code_string(SPI_result));
	{
		TimestampTz t0 = GetCurrentTimestamp();

		rc = SPI_execute_plan(plan, values, nulls, false, 0);
		elog(DEBUG1, "allocate: write %s %.1f ms", what, (GetCurrentTimestamp() - t0) / 1000.0);
	}
	if (rc != expect)
		elog(ERROR, "allocate: writing %s failed: %s", what, SPI_result_code_string(rc));
	SPI_freeplan(plan);
	return SPI_tuptable;
}

/* Unverified sibling claims become data issues (real runs only: a what-if run writes nothing else). */
static void
store_sibling_issues(SvRun *run)
{
	SvRound    *r = &run->r;
	int			n = 0;
	Datum	   *cd = palloc(sizeof(Datum) * Max(r->n_apps, 1));
	Datum	   *ud = palloc(sizeof(Datum) * Max(r->n_apps, 1));
	Datum	   *rd = palloc(sizeof(Datum) * Max(r->n_apps, 1));
	Datum		v[6];
	Oid			t[6] = {INT8OID, INT8ARRAYOID, INT8ARRAYOID, INT2ARRAYOID, DATEOID, DATEOID};

	for (int a = 0; a < r->n_apps; a++)
		if (r->app_sibling_claim[a] && SV_FACT(r, a, SV_FACT_SIBLING) == 0)
		{
			cd[n] = Int64GetDatum(r->child_id[r->app_child[a]]);
			ud[n] = Int64GetDatum(r->unit_id[r->app_unit[a]]);
			rd[n++] = Int16GetDatum(r->app_rank[a]);
		}
	v[0] = Int64GetDatum(r->round_id);
	v[1] = skolval_make_array(INT8OID, cd, NULL, n);
	v[2] = skolval_make_array(INT8OID, ud, NULL, n);
	v[3] = skolval_make_array(INT2OID, rd, NULL, n);
	v[4] = DateADTGetDatum(r->start_date);
	v[5] = DateADTGetDatum(r->on_day);
	write_rows("resolved sibling issues",
			   "UPDATE skolval.data_issue i SET resolved_at = pg_catalog.now(),"
			   " resolution = 'no longer found by a later allocation'"
			   " WHERE i.round_id" EQ "$1 AND i.category" EQ "'unverified_sibling_claim'::pg_catalog.text"
			   " AND i.resolved_at IS NULL"
			   " AND NOT EXISTS (SELECT FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3)) AS u(c, un)"
			   " WHERE u.c" EQ "i.child_id AND u.un" EQ "i.unit_id)",
			   4, t, v, NULL, SPI_OK_UPDATE);
	if (n == 0)
		return;
	write_rows("sibling issues",
			   "INSERT INTO skolval.data_issue (category, severity, child_id, unit_id, round_id, message, detail)"
			   " SELECT 'unverified_sibling_claim', 'warning', u.c, u.un, $1,"
			   " pg_catalog.format('child %s: the application claims a sibling at unit %s, but no sibling registered"
			   " at the same address on %s is enrolled there in grades F-3 on the start date %s"
			   " (its enrollment on the start date, or the one current before the register ends, with the grade"
			   " projected to the start date)', u.c, u.un, $6, $5),"
			   " pg_catalog.jsonb_build_object('rank', u.rk)"
			   " FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4)) AS u(c, un, rk)"
			   " WHERE NOT EXISTS (SELECT FROM skolval.data_issue i WHERE i.round_id" EQ "$1 AND i.resolved_at IS NULL"
			   " AND i.category" EQ "'unverified_sibling_claim'::pg_catalog.text AND i.child_id" EQ "u.c"
			   " AND i.unit_id" EQ "u.un)",
			   6, t, v, NULL, SPI_OK_INSERT);
}

/*
 * Multiples placed at different units become data issues (real runs only), one per group,
 * on the group's lowest child; earlier open ones of the round that no longer hold are resolved.
 */
static void
store_multiples_issues(SvRun *run)
{
	SvRound    *r = &run->r;
	int			C = r->n_children,
				n = 0;
	Datum	   *cd = palloc(sizeof(Datum) * Max(C, 1));
	Datum	   *jd = palloc(sizeof(Datum) * Max(C, 1));
	bool	   *split = palloc0(sizeof(bool) * Max(C, 1));
	Datum		v[3];
	Oid			t[3] = {INT8OID, INT8ARRAYOID, TEXTARRAYOID};

	for (int i = 0; i < C; i++)
		if (run->final_unit[i] != run->final_unit[r->multiple_group[i]])
			split[r->multiple_group[i]] = true;
	for (int g = 0; g < C; g++)
	{
		StringInfoData kids,
					units;

		if (!split[g])
			continue;
		initStringInfo(&kids);
		initStringInfo(&units);
		for (int i = g; i < C; i++)
			if (r->multiple_group[i] == g)
			{
				appendStringInfo(&kids, "%s" INT64_FORMAT, kids.len ? ", " : "", r->child_id[i]);
				appendStringInfo(&units, "%s" INT64_FORMAT, units.len ? ", " : "", r->unit_id[run->final_unit[i]]);
			}
		cd[n] = Int64GetDatum(r->child_id[g]);
		jd[n++] = CStringGetTextDatum(psprintf("{\"children\": [%s], \"units\": [%s], \"rule\": \"%s\"}",
											   kids.data, units.data, r->shared_lottery ? "shared_lottery" : "own_lottery"));
	}
	v[0] = Int64GetDatum(r->round_id);
	v[1] = skolval_make_array(INT8OID, cd, NULL, n);
	v[2] = skolval_make_array(TEXTOID, jd, NULL, n);
	write_rows("resolved multiples issues",
			   "UPDATE skolval.data_issue i SET resolved_at = pg_catalog.now(),"
			   " resolution = 'no longer found by a later allocation'"
			   " WHERE i.round_id" EQ "$1 AND i.category" EQ "'multiples_split'::pg_catalog.text"
			   " AND i.resolved_at IS NULL AND NOT EXISTS (SELECT FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3)) AS u(c, j)"
			   " WHERE u.c" EQ "i.child_id AND u.j::pg_catalog.jsonb OPERATOR(pg_catalog.=) i.detail)",
			   3, t, v, NULL, SPI_OK_UPDATE);
	if (n == 0)
		return;
	write_rows("multiples issues",
			   "INSERT INTO skolval.data_issue (category, severity, child_id, round_id, message, detail)"
			   " SELECT 'multiples_split', 'warning', u.c, $1,"
			   " pg_catalog.format('children %s (multiples at one address, round rule %s) are placed at different units %s',"
			   " pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.jsonb_array_elements_text(u.j::pg_catalog.jsonb OPERATOR(pg_catalog.->) 'children')), ', '),"
			   " u.j::pg_catalog.jsonb OPERATOR(pg_catalog.->>) 'rule',"
			   " pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.jsonb_array_elements_text(u.j::pg_catalog.jsonb OPERATOR(pg_catalog.->) 'units')), ', ')),"
			   " u.j::pg_catalog.jsonb"
			   " FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3)) AS u(c, j)"
			   " WHERE NOT EXISTS (SELECT FROM skolval.data_issue i WHERE i.round_id" EQ "$1 AND i.resolved_at IS NULL"
			   " AND i.category" EQ "'multiples_split'::pg_catalog.text AND i.child_id" EQ "u.c"
			   " AND i.detail OPERATOR(pg_catalog.=) u.j::pg_catalog.jsonb)",
			   3, t, v, NULL, SPI_OK_INSERT);
}

static int64
store_run(SvRun *run, const char *fp, const char *created_by, TimestampTz started_at)
{
	SvRound    *r = &run->r;
	int			C = r->n_children,
				U = r->n_units,
				A = r->n_apps;
	int		   *applicants = palloc0(sizeof(int) * Max(U, 1));
	int		   *first_choice = palloc0(sizeof(int) * Max(U, 1));
	int		   *admitted = palloc0(sizeof(int) * Max(U, 1));
	int		   *placed = palloc0(sizeof(int) * Max(U, 1));
	int			by_wish = 0,
				first = 0,
				offers = 0,
				admins = 0;
	double		total = 0;
	int64		run_id;
	char	  **wish_json = palloc(sizeof(char *) * Max(A, 1));
	char	  **wish_cutoff = palloc(sizeof(char *) * Max(A, 1));
	char	  **wish_text = palloc(sizeof(char *) * Max(A, 1));
	const char **wish_outcome = palloc(sizeof(char *) * Max(A, 1));
	const char **wish_crit = palloc(sizeof(char *) * Max(A, 1));
	StringInfoData rules,
				nh_right,
				buf;
	const SvCriterion *dist_c = skolval_criterion_find("distance");
	bool	   *split = palloc0(sizeof(bool) * Max(C, 1));
	bool		near_home_first = r->n_criteria > 0 && r->criteria[0]->fact == SV_FACT_NEAR_HOME;
	char	   *start_sv = skolval_date_sv(r->start_date);
	long		secs;
	int			usecs;
	SPITupleTable *t;

	/* Multiples placed at different units. */
	for (int i = 0; i < C; i++)
		if (run->final_unit[i] != run->final_unit[r->multiple_group[i]])
			split[r->multiple_group[i]] = true;

	/* Counts. */
	for (int a = 0; a < A; a++)
	{
		applicants[r->app_unit[a]]++;
		if (r->app_rank[a] == 1 && !r->app_implicit[a])
			first_choice[r->app_unit[a]]++;
	}
	for (int i = 0; i < C; i++)
	{
		placed[run->final_unit[i]]++;
		if (run->kind[i] != SV_KIND_ADMINISTRATIVE)
			admitted[run->final_unit[i]]++;
		if (run->kind[i] == SV_KIND_WISH)
		{
			by_wish++;
			if (r->app_rank[run->final_app[i]] == 1)
				first++;
		}
		else if (run->kind[i] == SV_KIND_NEAR_HOME_OFFER)
			offers++;
		else
			admins++;
		/* summed in child order, as 0.2.0 did */
		total += run->walking[i];
	}
	for (int u = 0; u < U; u++)
		Assert(placed[u] <= r->seats[u] && admitted[u] == run->m.admitted[u]);

	/* The run. */
	TimestampDifference(started_at, GetCurrentTimestamp(), &secs, &usecs);
	{
		Oid			types[18] = {INT8OID, TEXTOID, TEXTOID, BOOLOID, TEXTARRAYOID, INT8OID, FLOAT8OID, INT8OID,
		TEXTOID, TEXTOID, INT4OID, INT4OID, INT4OID, INT4OID, INT4OID, FLOAT8OID, INT8OID, TEXTOID};
		Datum		v[18];
		char		nulls[18];

		memset(nulls, ' ', sizeof(nulls));
		v[0] = Int64GetDatum(r->round_id);
		v[1] = CStringGetTextDatum(run->mech_name);
		v[2] = CStringGetTextDatum(run->policy);
		v[3] = BoolGetDatum(run->what_if);
		v[4] = r->criteria_datum;
		v[5] = Int64GetDatum(r->lottery_seed);
		v[6] = Float8GetDatum(r->near_home_m);
		v[7] = Int64GetDatum(r->network_id);
		v[8] = r->network_hash ? CStringGetTextDatum(r->network_hash) : (Datum) 0;
		nulls[8] = r->network_hash ? ' ' : 'n';
		v[9] = CStringGetTextDatum(fp);
		v[10] = Int32GetDatum(C);
		v[11] = Int32GetDatum(by_wish);
		v[12] = Int32GetDatum(first);
		v[13] = Int32GetDatum(offers);
		v[14] = Int32GetDatum(admins);
		v[15] = Float8GetDatum(total);
		v[16] = Int64GetDatum((int64) secs * 1000 + (usecs + 500) / 1000);
		v[17] = CStringGetTextDatum(created_by);
		t = write_rows("the run",
					   "INSERT INTO skolval.placement_run (round_id, mechanism, admin_policy, what_if, criteria, lottery_seed,"
					   " near_home_distance_m, network_id, network_hash, input_fingerprint, children, by_wish, first_choice,"
					   " near_home_offer, administrative, total_walking_m, milliseconds, created_by)"
					   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
					   " RETURNING run_id",
					   18, types, v, nulls, SPI_OK_INSERT_RETURNING);
		if (t->numvals != 1 || SPI_gettypeid(t->tupdesc, 1) != INT8OID)
			elog(ERROR, "allocate: the run was not stored");
		run_id = skolval_get_int64(t, 0, 1, NULL);
		SPI_freetuptable(t);
	}

	/* Per unit: demand, admissions and the cut-off. */
	{
		Oid			types[11] = {INT8OID, INT8ARRAYOID, INT4ARRAYOID, INT4ARRAYOID, INT4ARRAYOID, INT4ARRAYOID,
		INT4ARRAYOID, BOOLARRAYOID, INT8ARRAYOID, JSONBARRAYOID, TEXTARRAYOID};
		Datum		v[11];
		Datum	   *d[10];
		bool	   *n[10];

		for (int k = 0; k < 10; k++)
		{
			d[k] = palloc(sizeof(Datum) * Max(U, 1));
			n[k] = palloc0(sizeof(bool) * Max(U, 1));
		}
		for (int u = 0; u < U; u++)
		{
			int			la = run->m.last_admitted_wish[u];
			bool		over = run->m.first_rejected_wish[u] >= 0;

			CHECK_FOR_INTERRUPTS();
			d[0][u] = Int64GetDatum(r->unit_id[u]);
			d[1][u] = Int32GetDatum(r->seats[u]);
			d[2][u] = Int32GetDatum(applicants[u]);
			d[3][u] = Int32GetDatum(first_choice[u]);
			d[4][u] = Int32GetDatum(admitted[u]);
			d[5][u] = Int32GetDatum(placed[u]);
			d[6][u] = BoolGetDatum(over);
			d[7][u] = la >= 0 ? Int64GetDatum(r->child_id[r->app_child[la]]) : (Datum) 0;
			n[7][u] = la < 0;
			n[8][u] = n[9][u] = !over;
			if (over)
			{
				initStringInfo(&buf);
				criteria_json(&buf, r, u, la);
				d[8][u] = jsonb_datum(buf.data);
				if (la < 0)
					d[9][u] = CStringGetTextDatum(skolval_sv(r->seats[u] == 0 ?
															 "Inget barn antogs: skolan hade inga platser." :
															 "Inget barn antogs."));
				else
					d[9][u] = text_or_null(criteria_sv(r, u, la), &n[9][u]);
			}
		}
		v[0] = Int64GetDatum(run_id);
		v[1] = skolval_make_array(INT8OID, d[0], n[0], U);
		for (int k = 1; k <= 5; k++)
			v[k + 1] = skolval_make_array(INT4OID, d[k], n[k], U);
		v[7] = skolval_make_array(BOOLOID, d[6], n[6], U);
		v[8] = skolval_make_array(INT8OID, d[7], n[7], U);
		v[9] = skolval_make_array(JSONBOID, d[8], n[8], U);
		v[10] = skolval_make_array(TEXTOID, d[9], n[9], U);
		write_rows("the units",
				   "INSERT INTO skolval.placement_unit (run_id, unit_id, seats, applicants, first_choice_applicants,"
				   " admitted, placed, oversubscribed, cutoff_child_id, cutoff_values, cutoff_sv)"
				   " SELECT $1, x.* FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4),"
				   " pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8),"
				   " pg_catalog.unnest($9), pg_catalog.unnest($10), pg_catalog.unnest($11)) AS x",
				   11, types, v, NULL, SPI_OK_INSERT);
	}

	/* Per application: outcome and, for a wish not met, the decisive criterion against the cut-off. */
	{
		Oid			types[11] = {INT8OID, INT8ARRAYOID, INT2ARRAYOID, INT8ARRAYOID, BOOLARRAYOID, TEXTARRAYOID,
		TEXTARRAYOID, JSONBARRAYOID, JSONBARRAYOID, TEXTARRAYOID};
		Datum		v[10];
		Datum	   *d[9];
		bool	   *n[9];

		for (int k = 0; k < 9; k++)
		{
			d[k] = palloc(sizeof(Datum) * Max(A, 1));
			n[k] = palloc0(sizeof(bool) * Max(A, 1));
		}
		for (int a = 0; a < A; a++)
		{
			int			c = r->app_child[a],
						u = r->app_unit[a],
						got = run->final_app[c],
						la = run->m.last_admitted_wish[u];

			CHECK_FOR_INTERRUPTS();
			wish_outcome[a] = got == a ? "admitted" : (got < 0 || a < got) ? "rejected" : "not_needed";
			wish_crit[a] = NULL;
			wish_cutoff[a] = NULL;
			wish_text[a] = NULL;
			initStringInfo(&buf);
			criteria_json(&buf, r, u, a);
			wish_json[a] = buf.data;
			if (strcmp(wish_outcome[a], "rejected") == 0)
			{
				const SvCriterion *kc = NULL;
				StringInfoData s;

				if (la >= 0)
				{
					int			i = key_difference(r, a, la);

					kc = criterion_at(r, u, i);
					if (i > 0 && r->key[(size_t) a * r->n_keys + i - 1] < r->key[(size_t) la * r->n_keys + i - 1])
						wish_crit[a] = "earlier_round";
					else if (i == r->n_keys)
					{
						/* equal on every criterion and lottery number: multiples (child id order) */
						wish_crit[a] = "multiples";
						kc = NULL;
					}
					else
						wish_crit[a] = kc->name;
					initStringInfo(&buf);
					criteria_json(&buf, r, u, la);
					wish_cutoff[a] = buf.data;
				}
				initStringInfo(&s);
				if (r->app_implicit[a])
					appendStringInfo(&s, skolval_sv("Skola nära hemmet, %s (%s gångväg): ingen plats. "), r->unit_name[u],
									 skolval_value_sv(skolval_criterion_find("distance"), SV_FACT(r, a, SV_FACT_WALKING), false));
				else
					appendStringInfo(&s, skolval_sv("Önskemål %d, %s: ingen plats. "), r->app_rank[a], r->unit_name[u]);
				if (r->unit_rules_sv[u])
					appendStringInfo(&s, skolval_sv("%s är en fristående skola och antar efter sina egna regler (%s); beskedet är skolans, inte kommunens. "),
									 r->unit_name[u], r->unit_rules_sv[u]);
				if (r->seats[u] == 0)
					appendStringInfoString(&s, skolval_sv("Skolan hade inga platser i förskoleklass."));
				else if (wish_crit[a] && strcmp(wish_crit[a], "multiples") == 0)
					appendStringInfo(&s, skolval_sv("Skolan hade %s och %d sökande. Ert barn och den sist antagna är flerlingar med samma lottnummer och lika på varje kriterium; den sista platsen gick till syskonet (flerlingar med samma lottnummer tas i den ordning de är registrerade)."),
									 seats_sv(r->seats[u]), applicants[u]);
				else if (wish_crit[a] && strcmp(wish_crit[a], "earlier_round") == 0)
					appendStringInfo(&s, skolval_sv("Skolan hade %s och %d sökande; platserna hade redan fördelats till barn som valt skolan i en tidigare omgång."),
									 seats_sv(r->seats[u]), applicants[u]);
				else
				{
					const SvCriterion *dc = wish_crit[a] ? skolval_criterion_find(wish_crit[a]) : NULL;
					char	   *cv = dc ? skolval_value_sv(dc, SV_FACT(r, a, kc->fact), SV_FACT_NULL(r, a, kc->fact)) : NULL;
					char	   *lv = dc ? skolval_value_sv(dc, SV_FACT(r, la, kc->fact), SV_FACT_NULL(r, la, kc->fact)) : NULL;

					appendStringInfo(&s, skolval_sv("Skolan hade %s och %d sökande. Avgörande var %s: ert barn %s, sista antagna %s."),
									 seats_sv(r->seats[u]), applicants[u],
									 dc ? skolval_sv(dc->name_sv) : "", cv ? cv : "", lv ? lv : "");
				}
				wish_text[a] = s.data;
			}
			d[0][a] = Int64GetDatum(r->child_id[c]);
			d[1][a] = Int16GetDatum(r->app_rank[a]);
			d[2][a] = Int64GetDatum(r->unit_id[u]);
			d[3][a] = BoolGetDatum(r->app_implicit[a]);
			d[4][a] = CStringGetTextDatum(wish_outcome[a]);
			d[5][a] = text_or_null(wish_crit[a], &n[5][a]);
			d[6][a] = jsonb_datum(wish_json[a]);
			n[7][a] = wish_cutoff[a] == NULL;
			d[7][a] = wish_cutoff[a] ? jsonb_datum(wish_cutoff[a]) : (Datum) 0;
			d[8][a] = text_or_null(wish_text[a], &n[8][a]);
		}
		v[0] = Int64GetDatum(run_id);
		v[1] = skolval_make_array(INT8OID, d[0], n[0], A);
		v[2] = skolval_make_array(INT2OID, d[1], n[1], A);
		v[3] = skolval_make_array(INT8OID, d[2], n[2], A);
		v[4] = skolval_make_array(BOOLOID, d[3], n[3], A);
		v[5] = skolval_make_array(TEXTOID, d[4], n[4], A);
		v[6] = skolval_make_array(TEXTOID, d[5], n[5], A);
		v[7] = skolval_make_array(JSONBOID, d[6], n[6], A);
		v[8] = skolval_make_array(JSONBOID, d[7], n[7], A);
		v[9] = skolval_make_array(TEXTOID, d[8], n[8], A);
		write_rows("the wishes",
				   "INSERT INTO skolval.placement_wish (run_id, child_id, rank, unit_id, implicit, outcome,"
				   " decisive_criterion, child_values, cutoff_values, explanation_sv)"
				   " SELECT $1, x.* FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4),"
				   " pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8),"
				   " pg_catalog.unnest($9), pg_catalog.unnest($10)) AS x",
				   10, types, v, NULL, SPI_OK_INSERT);
	}

	/* Per child: the decision and its motivation. */
	initStringInfo(&rules);
	appendStringInfoString(&rules, skolval_sv("Beslutet grundar sig på 9 kap. 15 § skollagen (2010:800) och nämndens urvalsregler. "
											  "När en skola har fler sökande än platser går barnen före i denna ordning: "));
	for (int i = 0; i < r->n_criteria; i++)
		appendStringInfo(&rules, "%s%d) %s", i > 0 ? "; " : "", i + 1, skolval_rule_sv(r->criteria[i], r->near_home_m));
	appendStringInfoString(&rules, skolval_sv(". Gångvägen mäts längs gång- och vägnätet från folkbokföringsadressen till skolan."));
	initStringInfo(&nh_right);
	appendStringInfo(&nh_right, skolval_sv("Varje barn har rätt till en plats på en kommunal skola nära hemmet: en kommunal skola med platser i förskoleklass inom %s gångväg, eller den närmaste sådana skolan när ingen ligger så nära. Den rätten gäller efter vårdnadshavarnas egna önskemål, med förtur som skola nära hemmet."),
					 skolval_value_sv(dist_c, r->near_home_m, false));
	{
		Oid			types[11] = {INT8OID, INT8ARRAYOID, INT8ARRAYOID, TEXTARRAYOID, INT2ARRAYOID, FLOAT8ARRAYOID,
		TEXTARRAYOID, FLOAT8ARRAYOID, TEXTARRAYOID, TEXTARRAYOID, JSONBARRAYOID};
		Datum		v[11];
		Datum	   *d[10];
		bool	   *n[10];

		for (int k = 0; k < 10; k++)
		{
			d[k] = palloc(sizeof(Datum) * Max(C, 1));
			n[k] = palloc0(sizeof(bool) * Max(C, 1));
		}
		for (int i = 0; i < C; i++)
		{
			int			u = run->final_unit[i],
						got = run->final_app[i];
			SvKind		kind = run->kind[i];
			const char *dc;
			StringInfoData ds,
						ms;

			CHECK_FOR_INTERRUPTS();
			if (kind == SV_KIND_ADMINISTRATIVE)
				dc = "administrative";
			else if (run->m.first_rejected_wish[u] < 0)
				dc = "free_seat";
			else if (key_difference(r, got, run->m.first_rejected_wish[u]) == r->n_keys)
				dc = "multiples";
			else
				dc = criterion_at(r, u, key_difference(r, got, run->m.first_rejected_wish[u]))->name;

			initStringInfo(&ds);
			/*
			 * A municipal place is the board's decision ("placeras"); a place at an
			 * independent unit is that school's offer under its own rules ("har fått
			 * plats"), and the sentence says so (issue 13, issue 15).
			 */
			if (kind == SV_KIND_WISH && r->unit_rules_sv[u])
				appendStringInfo(&ds, skolval_sv("Ert barn har fått plats i förskoleklass vid %s från och med den %s"), r->unit_name[u], start_sv);
			else
				appendStringInfo(&ds, skolval_sv("Ert barn placeras i förskoleklass vid %s från och med den %s"), r->unit_name[u], start_sv);
			if (kind == SV_KIND_WISH && r->unit_rules_sv[u])
				appendStringInfo(&ds, skolval_sv(" (ert önskemål %d). Platsen är skolans erbjudande enligt dess egna urvalsregler, inte ett beslut av kommunen."), r->app_rank[got]);
			else if (kind == SV_KIND_WISH)
				appendStringInfo(&ds, skolval_sv(" (ert önskemål %d)."), r->app_rank[got]);
			else if (kind == SV_KIND_NEAR_HOME_OFFER)
				appendStringInfo(&ds, skolval_sv(", en kommunal skola nära hemmet (%s gångväg)."),
								 skolval_value_sv(dist_c, SV_FACT(r, got, SV_FACT_WALKING), false));
			else
				appendStringInfo(&ds, skolval_sv(", %s gångväg från hemmet."),
								 skolval_value_sv(dist_c, run->walking[i], false));

			initStringInfo(&ms);
			appendStringInfoString(&ms, rules.data);
			appendStringInfoChar(&ms, ' ');
			{
				bool		any = false,
							any_rn = false;

				/* every wish and near-home claim ranked above the place, and why it was not met */
				for (int a = r->app_start[i]; a < r->app_start[i + 1]; a++)
					if (wish_text[a] && strcmp(wish_outcome[a], "rejected") == 0)
					{
						appendStringInfo(&ms, "%s%s", any ? " " : "", wish_text[a]);
						any = true;
						any_rn |= wish_crit[a] && strcmp(wish_crit[a], "relative_proximity") == 0;
					}
				/* a sibling claim the register did not confirm, where it could have mattered */
				for (int a = r->app_start[i]; a < r->app_start[i + 1]; a++)
					if (r->app_sibling_claim[a] && SV_FACT(r, a, SV_FACT_SIBLING) == 0 && strcmp(wish_outcome[a], "not_needed") != 0)
					{
						appendStringInfo(&ms, skolval_sv("%sNi angav ett syskon på %s. Enligt elevregistret går inget syskon på samma adress i förskoleklass–årskurs 3 där vid skolstarten den %s, så syskonförtur gavs inte."),
										 any ? " " : "", r->unit_name[r->app_unit[a]], start_sv);
						any = true;
					}
				if (any_rn)
					appendStringInfoString(&ms, skolval_sv(" Relativ närhet är hur mycket längre ert barn skulle gå till den kommunala skola som annars ligger närmast (den näst närmaste, när den sökta skolan är den närmaste): gångvägen dit minus gångvägen till den sökta skolan. Ett negativt värde betyder att den andra skolan ligger närmare hemmet än den sökta."));
				if (any)
					appendStringInfoChar(&ms, ' ');
			}
			if (kind == SV_KIND_WISH && r->unit_rules_sv[u])
				appendStringInfo(&ms, skolval_sv("%s är en fristående skola och antar efter sina egna regler: %s. Platsen är skolans erbjudande enligt de reglerna, inte ett beslut av kommunen enligt 9 kap. 15 § skollagen, och den kan inte överklagas hos kommunen; frågor om antagningen ställs till skolan. "),
								 r->unit_name[u], r->unit_rules_sv[u]);
			if (kind == SV_KIND_WISH && strcmp(dc, "free_seat") == 0)
				appendStringInfo(&ms, skolval_sv("%s hade plats för alla som sökte dit."), r->unit_name[u]);
			else if (kind == SV_KIND_WISH)
				appendStringInfo(&ms, skolval_sv("På %s fick ert barn plats före de barn som inte kom in genom kriteriet %s."),
								 r->unit_name[u], skolval_sv(skolval_criterion_name_sv(dc)));
			else
			{
				appendStringInfoString(&ms, r->has_wishes[i] ?
									   skolval_sv("Inget av era önskemål kunde tillgodoses. ") :
									   skolval_sv("Ni har inte gjort något skolval. "));
				appendStringInfoString(&ms, nh_right.data);
				if (kind == SV_KIND_NEAR_HOME_OFFER)
				{
					appendStringInfo(&ms, skolval_sv(" Ert barn har fått plats på %s, %s gångväg från hemmet"),
									 r->unit_name[u], skolval_value_sv(dist_c, SV_FACT(r, got, SV_FACT_WALKING), false));
					if (strcmp(dc, "free_seat") == 0)
						appendStringInfoString(&ms, skolval_sv("; skolan hade plats för alla som sökte dit."));
					else
						appendStringInfo(&ms, skolval_sv("; där gick ert barn före de barn som inte kom in genom kriteriet %s."),
										 skolval_sv(skolval_criterion_name_sv(dc)));
				}
				else
				{
					StringInfoData names;

					initStringInfo(&names);
					for (int j = r->nh_start[i]; j < r->nh_start[i + 1]; j++)
					{
						int			uj = -1;

						for (int x = 0; x < r->n_units && uj < 0; x++)
							if (r->unit_id[x] == r->nh_unit_id[j])
								uj = x;
						appendStringInfo(&names, "%s%s", j > r->nh_start[i] ? (j + 1 == r->nh_start[i + 1] ? skolval_sv(" och ") : ", ") : "",
										 uj >= 0 ? r->unit_name[uj] : "?");
					}
					if (r->nh_start[i + 1] - r->nh_start[i] == 1)
						appendStringInfo(&ms, near_home_first ?
										 skolval_sv(" Skolan nära ert hem, %s, var full: alla dess platser gick till barn som också har den nära hemmet och som gick före ert barn enligt urvalsreglerna.") :
										 skolval_sv(" Skolan nära ert hem, %s, var full."),
										 names.data);
					else
						appendStringInfo(&ms, near_home_first ?
										 skolval_sv(" Skolorna nära ert hem (%s) var fulla: alla deras platser gick till barn som också har skolan nära hemmet och som gick före ert barn enligt urvalsreglerna.") :
										 skolval_sv(" Skolorna nära ert hem (%s) var fulla."),
										 names.data);
					if (!run->min_cost)
						appendStringInfo(&ms, skolval_sv(" Ert barn har därför placerats på %s, %s gångväg från hemmet: den kommunala skola närmast hemmet som hade en ledig plats."),
										 r->unit_name[u], skolval_value_sv(dist_c, run->walking[i], false));
					else
						appendStringInfo(&ms, skolval_sv(" Ert barn har därför placerats på %s, %s gångväg från hemmet, en kommunal skola med ledig plats; alla barn som placerades på detta sätt har placerats så att den sammanlagda gångvägen blev så kort som möjligt."),
										 r->unit_name[u], skolval_value_sv(dist_c, run->walking[i], false));
				}
			}

			if (split[r->multiple_group[i]])
				appendStringInfoString(&ms, r->shared_lottery ?
									   skolval_sv(" Ert barn och dess syskon på samma adress (flerlingar) har samma lottnummer men fick inte plats på samma skola: det fanns inte plats för dem alla på en skola de hade samma rätt till.") :
									   skolval_sv(" Ert barn och dess syskon på samma adress (flerlingar) har var sitt lottnummer och fick inte plats på samma skola."));

			/* The explanation as JSON. */
			initStringInfo(&buf);
			appendStringInfo(&buf, "{\"unit_id\": " INT64_FORMAT ", \"kind\": ", r->unit_id[u]);
			escape_json(&buf, kind_name[kind]);
			if (kind == SV_KIND_WISH)
				appendStringInfo(&buf, ", \"wish_rank\": %d", r->app_rank[got]);
			else
				appendStringInfoString(&buf, ", \"wish_rank\": null");
			appendStringInfo(&buf, ", \"walking_m\": %s, \"decisive_criterion\": ", skolval_numeric_text(run->walking[i], 1));
			escape_json(&buf, dc);
			appendStringInfoString(&buf, ", \"criteria\": [");
			for (int k = 0; k < r->n_criteria; k++)
			{
				if (k > 0)
					appendStringInfoString(&buf, ", ");
				escape_json(&buf, r->criteria[k]->name);
			}
			appendStringInfoString(&buf, "], \"lottery_number\": ");
			skolval_append_float(&buf, r->lottery[i]);
			appendStringInfoString(&buf, ", \"wishes\": [");
			for (int a = r->app_start[i]; a < r->app_start[i + 1]; a++)
			{
				appendStringInfo(&buf, "%s{\"rank\": %d, \"unit_id\": " INT64_FORMAT ", \"implicit\": %s, \"outcome\": ",
								 a > r->app_start[i] ? ", " : "", r->app_rank[a], r->unit_id[r->app_unit[a]],
								 r->app_implicit[a] ? "true" : "false");
				escape_json(&buf, wish_outcome[a]);
				appendStringInfoString(&buf, ", \"decisive_criterion\": ");
				if (wish_crit[a])
					escape_json(&buf, wish_crit[a]);
				else
					appendStringInfoString(&buf, "null");
				appendStringInfo(&buf, ", \"child\": %s, \"cutoff\": %s}", wish_json[a],
								 wish_cutoff[a] ? wish_cutoff[a] : "null");
			}
			appendStringInfoString(&buf, "]}");

			d[0][i] = Int64GetDatum(r->child_id[i]);
			d[1][i] = Int64GetDatum(r->unit_id[u]);
			d[2][i] = CStringGetTextDatum(kind_name[kind]);
			d[3][i] = kind == SV_KIND_WISH ? Int16GetDatum(r->app_rank[got]) : (Datum) 0;
			n[3][i] = kind != SV_KIND_WISH;
			d[4][i] = Float8GetDatum(run->walking[i]);
			d[5][i] = CStringGetTextDatum(dc);
			d[6][i] = Float8GetDatum(r->lottery[i]);
			d[7][i] = CStringGetTextDatum(ds.data);
			d[8][i] = CStringGetTextDatum(ms.data);
			d[9][i] = jsonb_datum(buf.data);
			pfree(ds.data);
			pfree(ms.data);
			pfree(buf.data);
		}
		v[0] = Int64GetDatum(run_id);
		v[1] = skolval_make_array(INT8OID, d[0], n[0], C);
		v[2] = skolval_make_array(INT8OID, d[1], n[1], C);
		v[3] = skolval_make_array(TEXTOID, d[2], n[2], C);
		v[4] = skolval_make_array(INT2OID, d[3], n[3], C);
		v[5] = skolval_make_array(FLOAT8OID, d[4], n[4], C);
		v[6] = skolval_make_array(TEXTOID, d[5], n[5], C);
		v[7] = skolval_make_array(FLOAT8OID, d[6], n[6], C);
		v[8] = skolval_make_array(TEXTOID, d[7], n[7], C);
		v[9] = skolval_make_array(TEXTOID, d[8], n[8], C);
		v[10] = skolval_make_array(JSONBOID, d[9], n[9], C);
		write_rows("the placements",
				   "INSERT INTO skolval.placement (run_id, child_id, unit_id, kind, wish_rank, walking_m,"
				   " decisive_criterion, lottery_number, decision_sv, motivation_sv, explanation)"
				   " SELECT $1, x.* FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4),"
				   " pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8),"
				   " pg_catalog.unnest($9), pg_catalog.unnest($10), pg_catalog.unnest($11)) AS x",
				   11, types, v, NULL, SPI_OK_INSERT);
	}
	return run_id;
}

/* ---- entry points ---------------------------------------------------------------------------- */

static SvMechanism
parse_mechanism(const char *mech)
{
	if (strcmp(mech, "deferred_acceptance") == 0)
		return SV_DEFERRED_ACCEPTANCE;
	if (strcmp(mech, "immediate_acceptance") == 0)
		return SV_IMMEDIATE_ACCEPTANCE;
	if (strcmp(mech, "top_trading_cycles") == 0)
		return SV_TOP_TRADING_CYCLES;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown mechanism \"%s\"", mech)));
	return SV_DEFERRED_ACCEPTANCE;
}

/* The seats check of 0.2.0, with its count by district (an error path: plain SQL is fine). */
static void
check_seats(SvRun *run)
{
	SvRound    *r = &run->r;
	Oid			t[1] = {INT8OID};
	Oid			c[1] = {TEXTOID};
	Datum		v[1] = {Int64GetDatum(r->round_id)};
	SPITupleTable *tt;
	char	   *detail;

	if (r->seats_offering >= r->n_children)
		return;
	tt = skolval_round_query(r, "seats by district",
							 "SELECT pg_catalog.string_agg(pg_catalog.format('%s: %s children, %s seats at the units nearest to them',"
							 " x.district, x.children, x.seats), '; ' ORDER BY x.district)"
							 " FROM (SELECT COALESCE(res.district_code, '(no district)') AS district, pg_catalog.count(*) AS children,"
							 " (SELECT COALESCE(pg_catalog.sum(c2.seats), 0) FROM skolval.round_capacity c2"
							 " WHERE c2.round_id" EQ "$1 AND c2.unit_id" EQ "ANY (ARRAY("
							 " SELECT n2.nearest_unit_id FROM skolval.child_nearest_unit n2"
							 " JOIN skolval.round_home h2 ON h2.round_id" EQ "n2.round_id AND h2.child_id" EQ "n2.child_id"
							 " JOIN skolval.residence res2 ON res2.residence_id" EQ "h2.residence_id"
							 " WHERE n2.round_id" EQ "$1"
							 " AND (res2.district_code" EQ "res.district_code OR (res2.district_code IS NULL AND res.district_code IS NULL))))) AS seats"
							 " FROM skolval.round_home h JOIN skolval.residence res ON res.residence_id" EQ "h.residence_id"
							 " WHERE h.round_id" EQ "$1 GROUP BY res.district_code) x",
							 1, t, v, 1, c);
	detail = tt->numvals == 1 ? skolval_get_text(tt, 0, 1) : NULL;
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("round \"%s\" has " INT64_FORMAT " seats for %d children: " INT64_FORMAT " seats are missing",
					r->name, r->seats_offering, r->n_children, (int64) r->n_children - r->seats_offering),
			 errdetail("By district: %s.", detail ? detail : "none"),
			 errhint("Add seats in skolval.round_capacity.")));
}

/*
 * _allocate_run(round_id bigint, mechanism text, admin_policy text, what_if boolean,
 *               created_by text, started_at timestamptz) -> bigint (the run)
 * Called only by skolval.allocate(), which has checked the arguments and the caller's rights.
 */
Datum
skolval_allocate_run(PG_FUNCTION_ARGS)
{
	int64		round_id = PG_GETARG_INT64(0);
	char	   *mech = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *policy = text_to_cstring(PG_GETARG_TEXT_PP(2));
	bool		what_if = PG_GETARG_BOOL(3);
	char	   *created_by = text_to_cstring(PG_GETARG_TEXT_PP(4));
	TimestampTz started_at = PG_GETARG_TIMESTAMPTZ(5);
	SvRun	   *run;
	SvRound    *r;
	char	   *fp;
	int64		run_id;
	TimestampTz step;

	if (strcmp(policy, "min_cost") != 0 && strcmp(policy, "nearest_free") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown administrative placement policy \"%s\"", policy)));
	if (!what_if && strcmp(mech, "deferred_acceptance") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("only deferred acceptance may place children for real; %s is for comparisons", mech)));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "allocate: SPI_connect failed");
	run = palloc0(sizeof(SvRun));
	r = &run->r;
	run->mech = parse_mechanism(mech);
	run->mech_name = mech;
	run->policy = policy;
	run->min_cost = strcmp(policy, "min_cost") == 0;
	run->what_if = what_if;

	step = GetCurrentTimestamp();
	skolval_round_read(r, round_id);
	step_done("reading the round", &step);
	if (!what_if && strcmp(r->status, "published") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("round \"%s\" is published; its placements are final", r->name)));
	check_seats(run);
	/*
	 * The near-home guarantee holds only when near-home priority comes first: then no child
	 * holds a seat at a unit that is not near its home while a child whose near-home unit it is
	 * goes without.  A real run refuses any other order; a what-if run may compare.
	 */
	if (!what_if && (r->n_criteria == 0 || r->criteria[0]->fact != SV_FACT_NEAR_HOME))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("round \"%s\": near_home must be the first criterion of a real run", r->name),
				 errdetail("The criteria are %s. A guardian's wish is met unless it displaces another child's right to a school near home (9 kap. 15 § skollagen); only near-home priority first keeps that right for every child.",
						   DatumGetCString(OidOutputFunctionCall(F_ARRAY_OUT, r->criteria_datum))),
				 errhint("Put near_home first in skolval.placement_round.criteria, or make a what-if run.")));

	run_matching(run);
	run->final_unit = palloc(sizeof(int) * Max(r->n_children, 1));
	run->final_app = palloc(sizeof(int) * Max(r->n_children, 1));
	run->kind = palloc(sizeof(SvKind) * Max(r->n_children, 1));
	run->walking = palloc(sizeof(double) * Max(r->n_children, 1));
	for (int i = 0; i < r->n_children; i++)
	{
		int			a = run->m.assigned_wish[i];

		run->final_app[i] = a;
		run->final_unit[i] = a >= 0 ? r->app_unit[a] : -1;
		run->kind[i] = a < 0 ? SV_KIND_ADMINISTRATIVE : r->app_implicit[a] ? SV_KIND_NEAR_HOME_OFFER : SV_KIND_WISH;
		run->walking[i] = a >= 0 ? r->app_walk_raw[a] : 0;
	}
	run_admin(run);
	for (int i = 0; i < r->n_children; i++)
		Assert(run->final_unit[i] >= 0 && run->final_unit[i] < r->n_units);
	fp = fingerprint(run);
	UnregisterSnapshot(r->snapshot);
	step_done("matching and administrative placement", &step);

	/* Writes: a what-if run writes its run only. */
	if (!what_if)
	{
		store_sibling_issues(run);
		store_multiples_issues(run);
	}
	run_id = store_run(run, fp, created_by, started_at);
	step_done("texts and storing the run", &step);
	if (!what_if)
	{
		Oid			t[1] = {INT8OID};
		Datum		v[1] = {Int64GetDatum(round_id)};

		write_rows("the round's status",
				   "UPDATE skolval.placement_round x SET status = 'allocated'"
				   " WHERE x.round_id" EQ "$1 AND x.status OPERATOR(pg_catalog.<>) 'allocated'::pg_catalog.text",
				   1, t, v, NULL, SPI_OK_UPDATE);
	}
	SPI_finish();
	PG_RETURN_INT64(run_id);
}

/*
 * placement_applications(round_id bigint) -> one row per application, as allocate() reads
 * them: the facts per criterion and the priority key.
 */
#define APPLICATION_COLS 11
Datum
skolval_round_applications(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SvRound		r;

	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != APPLICATION_COLS)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("placement_applications() must be declared with %d result columns, not %d",
						APPLICATION_COLS, rsinfo->setDesc->natts)));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "placement_applications: SPI_connect failed");
	skolval_round_read(&r, PG_GETARG_INT64(0));
	UnregisterSnapshot(r.snapshot);
	for (int a = 0; a < r.n_apps; a++)
	{
		Datum		v[APPLICATION_COLS];
		bool		n[APPLICATION_COLS] = {false};
		Datum	   *k = palloc(sizeof(Datum) * r.n_keys);

		CHECK_FOR_INTERRUPTS();
		v[0] = Int64GetDatum(r.child_id[r.app_child[a]]);
		v[1] = Int16GetDatum(r.app_rank[a]);
		v[2] = Int64GetDatum(r.unit_id[r.app_unit[a]]);
		v[3] = BoolGetDatum(r.app_implicit[a]);
		v[4] = Float8GetDatum(SV_FACT(&r, a, SV_FACT_WALKING));
		v[5] = Int32GetDatum((int32) SV_FACT(&r, a, SV_FACT_NEAR_HOME));
		n[5] = SV_FACT_NULL(&r, a, SV_FACT_NEAR_HOME);
		v[6] = Int32GetDatum((int32) SV_FACT(&r, a, SV_FACT_ACTIVE_CHOICE));
		v[7] = Int32GetDatum((int32) SV_FACT(&r, a, SV_FACT_SIBLING));
		v[8] = Float8GetDatum(SV_FACT(&r, a, SV_FACT_RELATIVE_PROXIMITY));
		v[9] = Float8GetDatum(SV_FACT(&r, a, SV_FACT_LOTTERY));
		for (int i = 0; i < r.n_keys; i++)
			k[i] = Float8GetDatum(r.key[(size_t) a * r.n_keys + i]);
		v[10] = skolval_make_array(FLOAT8OID, k, NULL, r.n_keys);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	}
	SPI_finish();
	return (Datum) 0;
}
