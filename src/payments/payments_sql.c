/*
 * payments_sql.c — SQL glue for the payment core: read one month of the register with SPI,
 * run sv_pay_compute(), return payment rows and issues as one materialized result set.
 *
 * skolval._payment_compute(month) is called by skolval.payment_rows(), payment_check() and
 * create_payment_run(); one call reads everything under one snapshot, so rows and issues
 * always agree.
 */
#include "postgres.h"

#include <stdlib.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "common/spi_util.h"
#include "payments/payments.h"

PG_FUNCTION_INFO_V1(skolval_payment_rows);

static const char *const form_names[PAY_N_FORMS] = {"forskola", "forskoleklass", "grundskola", "fritidshem"};
static const char *const form_names_sv[PAY_N_FORMS] = {"förskola", "förskoleklass", "grundskola", "fritidshem"};

static const char *const issue_names[PI_N_KINDS] = {
	"parallel_placement", "overlapping_enrollment", "no_residence", "resident_elsewhere",
	"missing_address", "address_changed", "no_category", "ambiguous_category", "no_rate",
	"no_district", "no_account", "supplement_without_enrollment", "residence_gap"
};

/* Children of the month: an enrollment at a unit that is independent (now, or in a dated
 * organizer period overlapping [$1, $2]) or a supplement in [$1, $2]. */
#define KIDS_CTE \
	"WITH kids AS (" \
	"  SELECT e.child_id FROM skolval.enrollment e JOIN skolval.unit u ON u.unit_id = e.unit_id" \
	"   WHERE (u.organizer = 'independent'" \
	"          OR EXISTS (SELECT 1 FROM skolval.unit_organizer o JOIN skolval.organizer g ON g.organizer_id = o.organizer_id" \
	"                      WHERE o.unit_id = e.unit_id AND g.kind = 'independent'" \
	"                        AND o.valid_from <= $2 AND (o.valid_to IS NULL OR o.valid_to >= $1)))" \
	"     AND e.valid_from <= $2 AND (e.valid_to IS NULL OR e.valid_to >= $1)" \
	"  UNION" \
	"  SELECT s.child_id FROM skolval.supplement s" \
	"   WHERE s.valid_from <= $2 AND (s.valid_to IS NULL OR s.valid_to >= $1)) "

static void
pay_interrupts(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

static void *
pay_grow(void *ptr, size_t size, void *arg)
{
	return ptr ? repalloc_huge(ptr, size) : palloc_extended(size, MCXT_ALLOC_HUGE);
}

static int
form_index(const char *name)
{
	for (int i = 0; i < PAY_N_FORMS; i++)
		if (strcmp(name, form_names[i]) == 0)
			return i;
	elog(ERROR, "unknown school form \"%s\"", name);
	return PAY_NONE;
}

/* ---- reading ------------------------------------------------------------------------- */

/* Every query below runs under the pinned path of sv_spi_connect() and is checked column by
 * column (sv_spi_select); the casts name pg_catalog's types so the column types are exact. */
static SvSpi spi;

#define TXT TEXTOID
#define I4 INT4OID
#define I8 INT8OID
#define F8 FLOAT8OID
#define DT DATEOID
#define BL BOOLOID

static uint64
run_query(const char *what, const char *sql, int nargs, Oid *types, Datum *values, int ncols, const Oid *coltypes)
{
	return sv_spi_select(&spi, what, sql, nargs, types, values, ncols, coltypes);
}

static int32
col_date_to(uint64 row, int c)
{
	return sv_spi_date(&spi, row, c, PAY_OPEN_END);
}

static int
col_int_or_none(uint64 row, int c)
{
	return sv_spi_int4(&spi, row, c, PAY_NONE);
}

static double
col_hours(uint64 row, int c)
{
	return sv_spi_float8(&spi, row, c, -1.0);
}

static int64
col_id(uint64 row, int c)
{
	return sv_spi_int8_required(&spi, row, c);
}

static DateADT
col_date(uint64 row, int c)
{
	return sv_spi_date_required(&spi, row, c);
}

static char *
col_text(uint64 row, int c)
{
	return sv_spi_text(&spi, row, c);
}

/* A small string table: administrations, district codes, accounts. */
typedef struct Names
{
	char	  **v;
	int			n, cap;
} Names;

static int
names_find(Names *t, const char *s)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->v[i], s) == 0)
			return i;
	return PAY_NONE;
}

static int
names_add(Names *t, const char *s)
{
	int			i = names_find(t, s);

	if (i != PAY_NONE)
		return i;
	if (t->n == t->cap)
	{
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = t->v ? repalloc(t->v, sizeof(char *) * t->cap) : palloc(sizeof(char *) * t->cap);
	}
	t->v[t->n] = pstrdup(s);
	return t->n++;
}

static int
cmp_child(const void *key, const void *elem)
{
	int64		k = *(const int64 *) key;
	int64		id = ((const PayChild *) elem)->child_id;

	return k < id ? -1 : k > id ? 1 : 0;
}

static int
child_index(PayChild *children, int n, int64 child_id)
{
	PayChild   *c = bsearch(&child_id, children, n, sizeof(PayChild), cmp_child);

	if (c == NULL)
		elog(ERROR, "child " INT64_FORMAT " was not read", child_id);
	return (int) (c - children);
}

static int
cmp_rate(const void *a, const void *b)
{
	const PayRate *x = a, *y = b;

	if (x->category != y->category)
		return x->category - y->category;
	return x->from < y->from ? -1 : x->from > y->from;
}

/* ---- the month's input --------------------------------------------------------------- */

typedef struct MonthData
{
	PayInput	in;
	char	  **category_codes;
	char	  **category_names;
	Names		districts;
	Names		administrations;
	Names		accounts;
	int		   *residence_municipality;
	int			our_municipality;
} MonthData;

static void
read_month(MonthData *md, DateADT month_first, Datum rules)
{
	PayInput   *in = &md->in;
	Oid			types[3] = {DATEOID, DATEOID, INT8ARRAYOID};
	Datum		args[3];
	Oid			rtypes[3];
	Datum		rargs[3];
	DateADT		month_last, lo, hi;
	int			y, m, d;
	char	   *basis;
	PayCategory *cats;
	PayRate    *rates;
	PayChild   *children;
	PayEnrollment *enr;
	PayResidence *res;
	PaySupplement *sup;
	PayAccount *acc;
	int		   *dist_admin;
	uint64		n;

	j2date(month_first + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	month_last = date2j(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - POSTGRES_EPOCH_JDATE - 1;
	in->month_first = month_first;
	in->month_last = month_last;
	in->year = y;
	in->month = m;
	in->epoch_2000 = 0;			/* PostgreSQL dates count from 2000-01-01 */

	/* Municipality and policy. */
	{
		static const Oid t[] = {TXT};

		n = run_query("the municipality settings",
					  "SELECT s.municipality_code::pg_catalog.text FROM skolval.settings s", 0, NULL, NULL, 1, t);
	}
	if (n == 0 || col_text(0, 1) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the municipality is not configured"),
				 errhint("Call skolval.configure(municipality_code => ...) first; grants are paid for children registered there.")));
	md->our_municipality = atoi(col_text(0, 1));

	/*
	 * The rules: policy, count date, categories and rates come from the rules document the
	 * caller passes (skolval._payment_rules(month) for today's rules, the rules stored with a
	 * run for a paid month), never from the tables directly, so that a paid month is recomputed
	 * with the rules that were in force for it.
	 */
	rtypes[0] = JSONBOID;
	rtypes[1] = DATEOID;
	rtypes[2] = DATEOID;
	rargs[0] = rules;
	{
		static const Oid t[] = {TXT, I4, I4, DT, BL};

		n = run_query("the payment policy of the rules",
					  "SELECT p.basis, p.age_cutover_month, p.age_cutover_day,"
					  "       ($1 OPERATOR(pg_catalog.->>) 'count_date'::pg_catalog.text)::pg_catalog.date,"
					  "       p.supplement_basis IS NOT DISTINCT FROM 'per_day'::pg_catalog.text"
					  "  FROM pg_catalog.jsonb_to_record($1 OPERATOR(pg_catalog.->) 'policy'::pg_catalog.text)"
					  "       AS p(basis pg_catalog.text, age_cutover_month pg_catalog.int4, age_cutover_day pg_catalog.int4,"
					  "            supplement_basis pg_catalog.text)",
					  1, rtypes, rargs, 5, t);
	}
	if (n != 1 || col_text(0, 1) == NULL || sv_spi_date(&spi, 0, 4, PAY_OPEN_END) == PAY_OPEN_END)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the payment rules have no policy basis or count date"),
				 errhint("Rules are made by skolval._payment_rules(month) and stored with each payment run.")));
	basis = sv_spi_text_required(&spi, 0, 1);
	in->per_day = strcmp(basis, "per_day") == 0;
	in->cutover_month = sv_spi_int4(&spi, 0, 2, 0);
	in->cutover_day = sv_spi_int4(&spi, 0, 3, 0);
	in->count_date = col_date(0, 4);
	in->supplement_per_day = sv_spi_bool_required(&spi, 0, 5);
	in->rate_day = (in->count_date >= month_first && in->count_date <= month_last) ? in->count_date : month_first;
	lo = in->per_day || in->count_date > month_first ? month_first : in->count_date;
	hi = in->per_day || in->count_date < month_last ? month_last : in->count_date;
	args[0] = DateADTGetDatum(lo);
	args[1] = DateADTGetDatum(hi);
	rargs[1] = args[0];
	rargs[2] = args[1];

	/* Categories and rates. */
	{
		static const Oid t[] = {TXT, TXT, TXT, I4, I4, I4, I4, F8, F8};

		n = run_query("the payment categories of the rules",
					  "SELECT c.category_code, c.name_sv, c.school_form, c.grade_from, c.grade_to,"
					  "       c.age_from, c.age_to, c.hours_over, c.hours_up_to"
					  "  FROM pg_catalog.jsonb_to_recordset($1 OPERATOR(pg_catalog.->) 'categories'::pg_catalog.text)"
					  "       AS c(category_code pg_catalog.text, name_sv pg_catalog.text, school_form pg_catalog.text,"
					  "            grade_from pg_catalog.int4, grade_to pg_catalog.int4, age_from pg_catalog.int4,"
					  "            age_to pg_catalog.int4, hours_over pg_catalog.float8, hours_up_to pg_catalog.float8,"
					  "            sort_order pg_catalog.int4)"
					  " ORDER BY c.sort_order, c.category_code", 1, rtypes, rargs, 9, t);
	}
	cats = palloc0(sizeof(PayCategory) * (n + 1));
	md->category_codes = palloc(sizeof(char *) * (n + 1));
	md->category_names = palloc(sizeof(char *) * (n + 1));
	for (uint64 i = 0; i < n; i++)
	{
		md->category_codes[i] = sv_spi_text_required(&spi, i, 1);
		md->category_names[i] = sv_spi_text_required(&spi, i, 2);
		cats[i].form = form_index(sv_spi_text_required(&spi, i, 3));
		cats[i].grade_from = col_int_or_none(i, 4);
		cats[i].grade_to = col_int_or_none(i, 5);
		cats[i].age_from = col_int_or_none(i, 6);
		cats[i].age_to = col_int_or_none(i, 7);
		cats[i].hours_over = col_hours(i, 8);
		cats[i].hours_up_to = col_hours(i, 9);
	}
	in->categories = cats;
	in->n_categories = (int) n;

	{
		static const Oid t[] = {I8, TXT, DT, DT, I8, I8, I4, I4};

		n = run_query("the payment rates of the rules",
					  "SELECT r.rate_id, r.category_code, r.valid_from, r.valid_to,"
					  "       (r.base_annual OPERATOR(pg_catalog.*) 100::pg_catalog.numeric)::pg_catalog.int8,"
					  "       (r.premises_annual OPERATOR(pg_catalog.*) 100::pg_catalog.numeric)::pg_catalog.int8,"
					  "       (r.admin_pct OPERATOR(pg_catalog.*) 100::pg_catalog.numeric)::pg_catalog.int4,"
					  "       (r.vat_pct OPERATOR(pg_catalog.*) 100::pg_catalog.numeric)::pg_catalog.int4"
					  "  FROM pg_catalog.jsonb_to_recordset($1 OPERATOR(pg_catalog.->) 'rates'::pg_catalog.text)"
					  "       AS r(rate_id pg_catalog.int8, category_code pg_catalog.text, valid_from pg_catalog.date,"
					  "            valid_to pg_catalog.date, base_annual pg_catalog.numeric, premises_annual pg_catalog.numeric,"
					  "            admin_pct pg_catalog.numeric, vat_pct pg_catalog.numeric)"
					  " WHERE r.valid_from OPERATOR(pg_catalog.<=) $3"
					  "   AND (r.valid_to IS NULL OR r.valid_to OPERATOR(pg_catalog.>=) $2)",
					  3, rtypes, rargs, 8, t);
	}
	rates = palloc0(sizeof(PayRate) * (n + 1));
	for (uint64 i = 0; i < n; i++)
	{
		char	   *code = sv_spi_text_required(&spi, i, 2);
		int			k;

		for (k = 0; k < in->n_categories && strcmp(md->category_codes[k], code) != 0; k++)
			;
		if (k == in->n_categories)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a rate of the payment rules names category \"%s\", which the rules do not have", code)));
		rates[i].rate_id = col_id(i, 1);
		rates[i].category = k;
		rates[i].from = col_date(i, 3);
		rates[i].to = col_date_to(i, 4);
		rates[i].base_annual = col_id(i, 5);
		rates[i].premises_annual = col_id(i, 6);
		rates[i].admin_bp = sv_spi_int4(&spi, i, 7, 0);
		rates[i].vat_bp = sv_spi_int4(&spi, i, 8, 0);
	}
	qsort(rates, n, sizeof(PayRate), cmp_rate);
	in->rates = rates;
	in->n_rates = (int) n;

	/* Districts, administrations and accounts. */
	{
		static const Oid t[] = {TXT, TXT};

		n = run_query("the districts",
					  "SELECT d.district_code::pg_catalog.text, d.administration::pg_catalog.text"
					  "  FROM skolval.district d ORDER BY 1", 0, NULL, NULL, 2, t);
	}
	dist_admin = palloc(sizeof(int) * (n + 1));
	for (uint64 i = 0; i < n; i++)
	{
		names_add(&md->districts, sv_spi_text_required(&spi, i, 1));
		dist_admin[i] = names_add(&md->administrations, sv_spi_text_required(&spi, i, 2));
	}
	in->district_administration = dist_admin;
	in->n_districts = (int) n;
	{
		static const Oid t[] = {TXT, TXT, TXT};

		n = run_query("the cost accounts",
					  "SELECT a.administration::pg_catalog.text, a.school_form::pg_catalog.text, a.account::pg_catalog.text"
					  "  FROM skolval.cost_account a", 0, NULL, NULL, 3, t);
	}
	acc = palloc0(sizeof(PayAccount) * (n + 1));
	for (uint64 i = 0; i < n; i++)
	{
		char	   *form = col_text(i, 2);

		acc[i].administration = names_add(&md->administrations, sv_spi_text_required(&spi, i, 1));
		acc[i].form = form == NULL ? PAY_NONE : form_index(form);
		acc[i].account = names_add(&md->accounts, sv_spi_text_required(&spi, i, 3));
	}
	in->accounts = acc;
	in->n_accounts = (int) n;

	/* Dated organizers (huvudmän) of the units. */
	{
		static const Oid t[] = {I8, DT, DT, BL, I8};
		PayOrganizerPeriod *op;

		n = run_query("the units' organizer periods",
					  "SELECT o.unit_id::pg_catalog.int8, o.valid_from::pg_catalog.date, o.valid_to::pg_catalog.date,"
					  "       g.kind::pg_catalog.text = 'independent'::pg_catalog.text, o.organizer_id::pg_catalog.int8"
					  "  FROM skolval.unit_organizer o JOIN skolval.organizer g ON g.organizer_id = o.organizer_id"
					  " WHERE o.valid_from <= $2 AND (o.valid_to IS NULL OR o.valid_to >= $1)"
					  " ORDER BY o.unit_id, o.valid_from", 2, types, args, 5, t);
		op = palloc0(sizeof(PayOrganizerPeriod) * (n + 1));
		for (uint64 i = 0; i < n; i++)
		{
			op[i].unit_id = col_id(i, 1);
			op[i].from = col_date(i, 2);
			op[i].to = col_date_to(i, 3);
			op[i].independent = sv_spi_bool_required(&spi, i, 4);
			op[i].organizer_id = col_id(i, 5);
		}
		in->organizer_periods = op;
		in->n_organizer_periods = (int) n;
	}

	/* Children, then their enrollments, residences and supplements (all ordered by child). */
	{
		static const Oid t[] = {I8, DT};

		n = run_query("the month's children",
					  KIDS_CTE "SELECT c.child_id::pg_catalog.int8, c.birth_date::pg_catalog.date FROM skolval.child c"
					  " WHERE c.child_id IN (SELECT k.child_id FROM kids k) ORDER BY c.child_id", 2, types, args, 2, t);
	}
	children = palloc0(sizeof(PayChild) * (n + 1));
	for (uint64 i = 0; i < n; i++)
	{
		children[i].child_id = col_id(i, 1);
		/* ordered by child_id: child_index() searches them */
		Assert(i == 0 || children[i - 1].child_id < children[i].child_id);
		j2date(col_date(i, 2) + POSTGRES_EPOCH_JDATE,
			   &children[i].birth_year, &children[i].birth_month, &children[i].birth_day);
	}
	in->children = children;
	in->n_children = (int) n;

	/* The month's children, read once above, select the enrollments and residences below. */
	{
		Datum	   *ids = palloc(sizeof(Datum) * (n + 1));

		for (uint64 i = 0; i < n; i++)
			ids[i] = Int64GetDatum(children[i].child_id);
		args[2] = PointerGetDatum(construct_array(ids, (int) n, INT8OID, sizeof(int64), true, TYPALIGN_DOUBLE));
	}

	{
		static const Oid t[] = {I8, I8, I8, BL, TXT, I4, F8, DT, DT};

		n = run_query("the enrollments",
					  "SELECT e.enrollment_id::pg_catalog.int8, e.child_id::pg_catalog.int8, e.unit_id::pg_catalog.int8,"
					  "       u.organizer::pg_catalog.text = 'independent'::pg_catalog.text,"
					  "       e.school_form::pg_catalog.text, e.grade::pg_catalog.int4, e.hours_per_week::pg_catalog.float8,"
					  "       e.valid_from::pg_catalog.date, e.valid_to::pg_catalog.date"
					  "  FROM skolval.enrollment e JOIN skolval.unit u ON u.unit_id = e.unit_id"
					  " WHERE e.child_id = ANY ($3)"
					  "   AND e.valid_from <= $2 AND (e.valid_to IS NULL OR e.valid_to >= $1)"
					  " ORDER BY e.child_id, e.valid_from, e.enrollment_id", 3, types, args, 9, t);
	}
	enr = palloc0(sizeof(PayEnrollment) * (n + 1));
	for (uint64 i = 0; i < n; i++)
	{
		int			ci = child_index(children, in->n_children, col_id(i, 2));

		enr[i].enrollment_id = col_id(i, 1);
		enr[i].child = ci;
		enr[i].unit_id = col_id(i, 3);
		enr[i].independent = sv_spi_bool_required(&spi, i, 4);
		enr[i].form = form_index(sv_spi_text_required(&spi, i, 5));
		enr[i].grade = col_int_or_none(i, 6);
		enr[i].hours = col_hours(i, 7);
		enr[i].from = col_date(i, 8);
		enr[i].to = col_date_to(i, 9);
		if (children[ci].n_enrollments++ == 0)
			children[ci].first_enrollment = (int) i;
		/* grouped by child: each child's enrollments are one contiguous range */
		Assert(children[ci].first_enrollment + children[ci].n_enrollments == (int) i + 1);
	}
	in->enrollments = enr;
	in->n_enrollments = (int) n;

	{
		static const Oid t[] = {I8, DT, DT, TXT, BL, TXT};

		n = run_query("the residences",
					  "SELECT r.child_id::pg_catalog.int8, r.valid_from::pg_catalog.date, r.valid_to::pg_catalog.date,"
					  "       r.municipality_code::pg_catalog.text,"
					  "       coalesce(pg_catalog.btrim(r.address::pg_catalog.text), ''::pg_catalog.text)"
					  "         OPERATOR(pg_catalog.<>) ''::pg_catalog.text,"
					  "       r.district_code::pg_catalog.text"
					  "  FROM skolval.residence r WHERE r.child_id = ANY ($3)"
					  "   AND r.valid_from <= $2 AND (r.valid_to IS NULL OR r.valid_to >= $1)"
					  " ORDER BY r.child_id, r.valid_from", 3, types, args, 6, t);
	}
	res = palloc0(sizeof(PayResidence) * (n + 1));
	for (uint64 i = 0; i < n; i++)
	{
		int			ci = child_index(children, in->n_children, col_id(i, 1));
		char	   *district = col_text(i, 6);

		res[i].child = ci;
		res[i].from = col_date(i, 2);
		res[i].to = col_date_to(i, 3);
		res[i].municipality_code = atoi(sv_spi_text_required(&spi, i, 4));
		res[i].ours = res[i].municipality_code == md->our_municipality;
		res[i].has_address = sv_spi_bool_required(&spi, i, 5);
		res[i].district = district ? names_find(&md->districts, district) : PAY_NONE;
		if (children[ci].n_residences++ == 0)
			children[ci].first_residence = (int) i;
		Assert(children[ci].first_residence + children[ci].n_residences == (int) i + 1);
	}
	in->residences = res;
	in->n_residences = (int) n;

	{
		static const Oid t[] = {I8, I8, I8, I8, I4, DT, DT};

		n = run_query("the supplements",
					  "SELECT s.supplement_id::pg_catalog.int8, s.child_id::pg_catalog.int8, s.unit_id::pg_catalog.int8,"
					  "       (s.amount_monthly * 100)::pg_catalog.int8, (s.vat_pct * 100)::pg_catalog.int4,"
					  "       s.valid_from::pg_catalog.date, s.valid_to::pg_catalog.date"
					  "  FROM skolval.supplement s WHERE s.valid_from <= $2 AND (s.valid_to IS NULL OR s.valid_to >= $1)"
					  " ORDER BY s.child_id, s.supplement_id", 2, types, args, 7, t);
	}
	sup = palloc0(sizeof(PaySupplement) * (n + 1));
	for (uint64 i = 0; i < n; i++)
	{
		int			ci = child_index(children, in->n_children, col_id(i, 2));

		sup[i].supplement_id = col_id(i, 1);
		sup[i].child = ci;
		sup[i].unit_id = col_id(i, 3);
		sup[i].amount_monthly = col_id(i, 4);
		sup[i].vat_bp = sv_spi_int4(&spi, i, 5, 0);
		sup[i].from = col_date(i, 6);
		sup[i].to = col_date_to(i, 7);
		if (children[ci].n_supplements++ == 0)
			children[ci].first_supplement = (int) i;
		Assert(children[ci].first_supplement + children[ci].n_supplements == (int) i + 1);
	}
	in->supplements = sup;
	in->n_supplements = (int) n;
}

/* ---- output ---------------------------------------------------------------------- */

#define N_COLS 31

/* The columns of skolval._payment_compute(), in the order emit_row() and emit_issue() fill them. */
static const Oid result_types[N_COLS] = {
	TEXTOID, INT8OID, INT8OID, TEXTOID, INT8OID, INT8OID, TEXTOID, TEXTOID, TEXTOID, INT2OID,
	NUMERICOID, INT2OID, INT8OID, DATEOID, INT2OID, INT2OID, NUMERICOID, NUMERICOID, NUMERICOID, NUMERICOID,
	NUMERICOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID, TEXTARRAYOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID,
	INT8OID
};

static Datum
money(int64 ore)
{
	return NumericGetDatum(int64_div_fast_to_numeric(ore, 2));
}

static Datum
text_datum(const char *s)
{
	return CStringGetTextDatum(s);
}

static Datum
flags_array(uint32 flags, bool *isnull)
{
	Datum		d[PI_N_KINDS];
	int			n = 0;

	for (int k = 0; k < PI_N_KINDS; k++)
		if (flags & PAY_FLAG(k))
			d[n++] = CStringGetTextDatum(issue_names[k]);
	*isnull = false;
	return PointerGetDatum(construct_array(d, n, TEXTOID, -1, false, TYPALIGN_INT));
}

static void
emit_row(Tuplestorestate *ts, TupleDesc td, MonthData *md, const PayRow *r)
{
	const PayInput *in = &md->in;
	Datum		v[N_COLS];
	bool		nul[N_COLS];
	const PayEnrollment *e = r->enrollment >= 0 ? &in->enrollments[r->enrollment] : NULL;

	memset(nul, true, sizeof(nul));
	v[0] = text_datum("row"), nul[0] = false;
	v[1] = Int64GetDatum(in->children[r->child].child_id), nul[1] = false;
	v[2] = Int64GetDatum(r->unit_id), nul[2] = false;
	v[3] = text_datum(r->supplement ? "supplement" : "grant"), nul[3] = false;
	if (e)
	{
		v[4] = Int64GetDatum(e->enrollment_id), nul[4] = false;
		v[8] = text_datum(form_names[e->form]), nul[8] = false;
		if (e->grade != PAY_NONE)
			v[9] = Int16GetDatum(e->grade), nul[9] = false;
		if (e->hours >= 0)
			v[10] = DirectFunctionCall1(float8_numeric, Float8GetDatum(e->hours)), nul[10] = false;
		v[11] = Int16GetDatum(r->age), nul[11] = false;
	}
	if (r->supplement)
		v[5] = Int64GetDatum(in->supplements[r->supplement_index].supplement_id), nul[5] = false;
	if (r->category >= 0)
	{
		v[6] = text_datum(md->category_codes[r->category]), nul[6] = false;
		v[7] = text_datum(md->category_names[r->category]), nul[7] = false;
	}
	else
		v[7] = text_datum(r->supplement ? "Tilläggsbelopp" : "Ingen kategori"), nul[7] = false;
	if (r->rate_id)
		v[12] = Int64GetDatum(r->rate_id), nul[12] = false;
	v[13] = DateADTGetDatum(in->per_day ? r->last_day : in->count_date), nul[13] = false;
	v[14] = Int16GetDatum(r->days), nul[14] = false;
	v[15] = Int16GetDatum(r->days_in_month), nul[15] = false;
	v[16] = money(r->base), nul[16] = false;
	v[17] = money(r->premises), nul[17] = false;
	v[18] = money(r->admin), nul[18] = false;
	v[19] = money(r->vat), nul[19] = false;
	v[20] = money(r->amount), nul[20] = false;
	if (r->district >= 0)
		v[21] = text_datum(md->districts.v[r->district]), nul[21] = false;
	if (r->administration >= 0)
		v[22] = text_datum(md->administrations.v[r->administration]), nul[22] = false;
	if (r->account >= 0)
		v[23] = text_datum(md->accounts.v[r->account]), nul[23] = false;
	v[24] = BoolGetDatum(r->held), nul[24] = false;
	v[25] = flags_array(r->flags, &nul[25]);
	if (r->organizer_id)
		v[30] = Int64GetDatum(r->organizer_id), nul[30] = false;
	tuplestore_putvalues(ts, td, v, nul);
}

/* The issue's English message (ids only, never names) and its JSON detail. */
static void
describe_issue(MonthData *md, const PayIssue *is, StringInfo msg, StringInfo detail)
{
	const PayInput *in = &md->in;
	int64		child_id = in->children[is->child].child_id;
	char	   *day = DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(is->day)));

	appendStringInfo(detail, "{\"date\": \"%s\"", day);
	switch (is->kind)
	{
		case PI_PARALLEL_PLACEMENT:
			appendStringInfo(msg, "child " INT64_FORMAT " has parallel %s placements since %s: enrollment " INT64_FORMAT
							 " at unit " INT64_FORMAT " and enrollment " INT64_FORMAT " at unit " INT64_FORMAT "%s",
							 child_id, is->value == PAY_FORSKOLEKLASS || is->value == PAY_GRUNDSKOLA ? "school" : form_names_sv[is->value],
							 day, is->enrollment_id, is->unit_id, is->other_id, is->other_unit_id,
							 is->error ? "; both are held until one is ended" : "; both are paid, decide whether that is right");
			appendStringInfo(detail, ", \"enrollment_id\": " INT64_FORMAT ", \"other_enrollment_id\": " INT64_FORMAT
							 ", \"other_unit_id\": " INT64_FORMAT, is->enrollment_id, is->other_id, is->other_unit_id);
			break;
		case PI_OVERLAPPING_ENROLLMENT:
			appendStringInfo(msg, "child " INT64_FORMAT " is enrolled twice at unit " INT64_FORMAT " since %s (enrollments "
							 INT64_FORMAT " and " INT64_FORMAT "); the later one is held",
							 child_id, is->unit_id, day, is->enrollment_id, is->other_id);
			appendStringInfo(detail, ", \"enrollment_id\": " INT64_FORMAT ", \"other_enrollment_id\": " INT64_FORMAT,
							 is->enrollment_id, is->other_id);
			break;
		case PI_NO_RESIDENCE:
			appendStringInfo(msg, "child " INT64_FORMAT " has no registered residence on %s; the payment is held",
							 child_id, day);
			break;
		case PI_RESIDENT_ELSEWHERE:
			appendStringInfo(msg, "child " INT64_FORMAT " is registered in municipality %04d on %s: interkommunal ersättning from there, not a grant",
							 child_id, is->value, day);
			appendStringInfo(detail, ", \"municipality_code\": \"%04d\"", is->value);
			break;
		case PI_MISSING_ADDRESS:
			appendStringInfo(msg, "child " INT64_FORMAT " is registered without an address on %s", child_id, day);
			break;
		case PI_ADDRESS_CHANGED:
			appendStringInfo(msg, "child " INT64_FORMAT "'s registered address changed during the month (%d periods)",
							 child_id, is->value);
			appendStringInfo(detail, ", \"periods\": %d", is->value);
			break;
		case PI_NO_CATEGORY:
		case PI_AMBIGUOUS_CATEGORY:
			{
				const PayChild *c = &in->children[is->child];
				const PayEnrollment *e = NULL;

				for (int k = c->first_enrollment; k < c->first_enrollment + c->n_enrollments; k++)
					if (in->enrollments[k].enrollment_id == is->enrollment_id)
						e = &in->enrollments[k];
				if (is->kind == PI_NO_CATEGORY)
					appendStringInfo(msg, "enrollment " INT64_FORMAT " of child " INT64_FORMAT " (%s, grade %s, age %d on %s) matches no payment category",
									 is->enrollment_id, child_id, form_names[e->form],
									 e->grade == PAY_NONE ? "none" : psprintf("%d", e->grade), is->value, day);
				else
					appendStringInfo(msg, "enrollment " INT64_FORMAT " of child " INT64_FORMAT " (%s) matches %d payment categories",
									 is->enrollment_id, child_id, form_names[e->form], is->value);
				appendStringInfo(detail, ", \"enrollment_id\": " INT64_FORMAT, is->enrollment_id);
			}
			break;
		case PI_NO_RATE:
			appendStringInfo(msg, "category %s has no rate on %s (enrollment " INT64_FORMAT " of child " INT64_FORMAT ")",
							 md->category_codes[is->value], day, is->enrollment_id, child_id);
			appendStringInfo(detail, ", \"enrollment_id\": " INT64_FORMAT ", \"category_code\": ", is->enrollment_id);
			escape_json(detail, md->category_codes[is->value]);
			break;
		case PI_NO_DISTRICT:
			appendStringInfo(msg, "child " INT64_FORMAT "'s residence has no district with an administration on %s, so nobody bears the cost",
							 child_id, day);
			break;
		case PI_NO_ACCOUNT:
			appendStringInfo(msg, "administration \"%s\" has no account in skolval.cost_account (child " INT64_FORMAT ", unit " INT64_FORMAT ")",
							 md->administrations.v[is->value], child_id, is->unit_id);
			appendStringInfoString(detail, ", \"administration\": ");
			escape_json(detail, md->administrations.v[is->value]);
			break;
		case PI_RESIDENCE_GAP:
			appendStringInfo(msg, "child " INT64_FORMAT " has no registered residence on %s (and other days of the month in this municipality): the days without one are not paid",
							 child_id, day);
			break;
		case PI_SUPPLEMENT_WITHOUT_ENROLLMENT:
			appendStringInfo(msg, "supplement " INT64_FORMAT " of child " INT64_FORMAT ": the child is not placed at unit " INT64_FORMAT " this month; nothing is paid",
							 is->other_id, child_id, is->unit_id);
			appendStringInfo(detail, ", \"supplement_id\": " INT64_FORMAT, is->other_id);
			break;
		default:
			elog(ERROR, "unknown payment issue %d", is->kind);
	}
	appendStringInfoChar(detail, '}');
}

static void
emit_issue(Tuplestorestate *ts, TupleDesc td, MonthData *md, const PayIssue *is)
{
	Datum		v[N_COLS];
	bool		nul[N_COLS];
	StringInfoData msg, detail;

	initStringInfo(&msg);
	initStringInfo(&detail);
	describe_issue(md, is, &msg, &detail);
	memset(nul, true, sizeof(nul));
	v[0] = text_datum("issue"), nul[0] = false;
	v[1] = Int64GetDatum(md->in.children[is->child].child_id), nul[1] = false;
	if (is->unit_id)
		v[2] = Int64GetDatum(is->unit_id), nul[2] = false;
	if (is->enrollment_id)
		v[4] = Int64GetDatum(is->enrollment_id), nul[4] = false;
	v[25] = flags_array(0, &nul[25]);
	v[26] = text_datum(issue_names[is->kind]), nul[26] = false;
	v[27] = text_datum(is->error ? "error" : "warning"), nul[27] = false;
	v[28] = text_datum(msg.data), nul[28] = false;
	v[29] = DirectFunctionCall1(jsonb_in, CStringGetDatum(detail.data)), nul[29] = false;
	tuplestore_putvalues(ts, td, v, nul);
}

Datum
skolval_payment_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	DateADT		month;
	Datum		rules;
	int			y, m, d;
	MonthData	md;
	PayOutput	out;
	PayHooks	hooks = {pay_grow, pay_interrupts, NULL};

	if (PG_NARGS() != 2)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("skolval._payment_compute_with() is declared with %d arguments, the library reads 2 (month, rules)",
						PG_NARGS())));
	month = PG_GETARG_DATEADT(0);
	rules = PG_GETARG_DATUM(1);
	if (DATE_NOT_FINITE(month))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("month must be a finite date")));
	j2date(month + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	if (d != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("month must be the first day of a month, not %s",
						DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(month)))),
				 errhint("Use date_trunc('month', day)::date, for example '%04d-%02d-01'.", y, m)));

	InitMaterializedSRF(fcinfo, 0);
	sv_srf_check(fcinfo, "skolval._payment_compute_with()", N_COLS, result_types);
	memset(&md, 0, sizeof(md));
	memset(&out, 0, sizeof(out));

	sv_spi_connect(&spi);
	read_month(&md, month, rules);
	sv_pay_compute(&md.in, &out, &hooks);
	for (int i = 0; i < out.n_rows; i++)
		emit_row(rsinfo->setResult, rsinfo->setDesc, &md, &out.rows[i]);
	for (int i = 0; i < out.n_issues; i++)
		emit_issue(rsinfo->setResult, rsinfo->setDesc, &md, &out.issues[i]);
	sv_spi_finish(&spi);
	return (Datum) 0;
}
