/*
 * texts_sql.c — the criteria's SQL face and the Swedish texts of decisions.
 *
 * skolval.criteria_catalogue(), criterion_sv(), criterion_value_sv(), criterion_rule_sv(),
 * date_sv() and placement_criteria() are C functions over the one table of criteria
 * (criteria.c); allocate() (allocate_sql.c) writes its texts with the same functions.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"
#include "utils/tuplestore.h"

#include "placement/texts_sql.h"

PG_FUNCTION_INFO_V1(skolval_criteria_catalogue);
PG_FUNCTION_INFO_V1(skolval_placement_criteria);
PG_FUNCTION_INFO_V1(skolval_criterion_sv);
PG_FUNCTION_INFO_V1(skolval_criterion_value_sv);
PG_FUNCTION_INFO_V1(skolval_criterion_rule_sv);
PG_FUNCTION_INFO_V1(skolval_date_sv_sql);

const char *
skolval_sv(const char *utf8)
{
	if (GetDatabaseEncoding() == PG_UTF8)
		return utf8;
	return pg_any_to_server(utf8, strlen(utf8), PG_UTF8);
}

char *
skolval_numeric_text(double v, int scale)
{
	Datum		n = DirectFunctionCall1(float8_numeric, Float8GetDatum(v));

	n = DirectFunctionCall2(numeric_round, n, Int32GetDatum(scale));
	return DatumGetCString(DirectFunctionCall1(numeric_out, n));
}

void
skolval_append_float(StringInfo buf, double v)
{
	char		s[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(v, s);
	appendStringInfoString(buf, s);
}

/*
 * Whole metres with a space between thousands and a proper minus sign: "1 234 m", "−457 m".
 * The value is rounded half away from zero, the one resolution at which placement compares
 * metres (skolval_metres in round_sql.h), so a letter never prints two values as equal that
 * decided a place, nor as different when they tied.
 */
static char *
metres_sv(double v)
{
	long long	m = isfinite(v) && fabs(v) <= 1e15 ? llround(v) : 0;
	char		n[32];
	int			len,
				start = 0;
	StringInfoData s;

	if (!isfinite(v) || fabs(v) > 1e15)
		return psprintf("%s m", skolval_numeric_text(v, 0));
	snprintf(n, sizeof(n), "%lld", m < 0 ? -m : m);
	len = strlen(n);
	initStringInfo(&s);
	if (m < 0)
		appendStringInfoString(&s, skolval_sv("\xe2\x88\x92"));
	for (int i = start; i < len; i++)
	{
		appendStringInfoChar(&s, n[i]);
		if (len - 1 - i >= 3 && (len - 1 - i) % 3 == 0)
			appendStringInfoChar(&s, ' ');
	}
	appendStringInfoString(&s, " m");
	return s.data;
}

/* A lottery number: to_char(v, 'FM0.000000') with a decimal comma. */
static char *
number_sv(double v)
{
	text	   *t = DatumGetTextPP(DirectFunctionCall2(float8_to_char, Float8GetDatum(v),
													   PointerGetDatum(cstring_to_text("FM0.000000"))));
	char	   *s = text_to_cstring(t);

	for (char *p = s; *p; p++)
		if (*p == '.')
			*p = ',';
	return s;
}

char *
skolval_value_sv(const SvCriterion *c, double v, bool isnull)
{
	if (c == NULL)
		return NULL;
	switch (c->kind)
	{
		case SV_VALUE_YES_NO:
			return pstrdup(!isnull && v > 0 ? "ja" : "nej");
		case SV_VALUE_METRES:
			return isnull ? NULL : metres_sv(v);
		case SV_VALUE_NUMBER:
			return isnull ? NULL : number_sv(v);
		case SV_VALUE_DATE:
			if (isnull)
				return NULL;
			return v >= SV_NO_QUEUE_DATE ? pstrdup(skolval_sv("ingen köplats")) : skolval_date_sv((DateADT) v);
	}
	return NULL;
}

char *
skolval_rule_sv(const SvCriterion *c, double near_home_m)
{
	const char *rule = skolval_sv(c->rule_sv);

	if (strstr(c->rule_sv, "%s"))
	{
		/* the rule names the near-home distance, written as a distance */
		const char *at = strstr(rule, "%s");
		StringInfoData s;

		initStringInfo(&s);
		appendBinaryStringInfo(&s, rule, at - rule);
		appendStringInfoString(&s, metres_sv(near_home_m));
		appendStringInfoString(&s, at + 2);
		return s.data;
	}
	return pstrdup(rule);
}

static const char *const month_sv[12] = {
	"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
	"september", "oktober", "november", "december"
};

char *
skolval_date_sv(DateADT d)
{
	int			y,
				m,
				day;

	if (DATE_NOT_FINITE(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("date_sv(): the date must be finite, not %s",
						DATE_IS_NOBEGIN(d) ? "-infinity" : "infinity")));
	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	/* extract(year): there is no year 0, 1 BC is -1 */
	return psprintf("%d %s %d", day, month_sv[m - 1], y > 0 ? y : y - 1);
}

void
skolval_append_json_value(StringInfo buf, const SvCriterion *c, double v, bool isnull)
{
	if (isnull)
	{
		appendStringInfoString(buf, "null");
		return;
	}
	switch (c->kind)
	{
		case SV_VALUE_YES_NO:
			appendStringInfoString(buf, v == 1 ? "true" : "false");
			break;
		case SV_VALUE_METRES:
			appendStringInfoString(buf, skolval_numeric_text(v, 1));
			break;
		case SV_VALUE_NUMBER:
			skolval_append_float(buf, v);
			break;
		case SV_VALUE_DATE:
			if (v >= SV_NO_QUEUE_DATE)
				appendStringInfoString(buf, "null");
			else
			{
				int			y,
							m,
							d;

				j2date((int) v + POSTGRES_EPOCH_JDATE, &y, &m, &d);
				appendStringInfo(buf, "\"%04d-%02d-%02d\"", y, m, d);
			}
			break;
	}
}

/* ---- SQL functions -------------------------------------------------------------------------- */

/* criteria_catalogue() -> text[]: the criteria a round can order, in Lund's order */
Datum
skolval_criteria_catalogue(PG_FUNCTION_ARGS)
{
	int			n = skolval_criteria_count();
	Datum	   *d = palloc(sizeof(Datum) * n);

	for (int i = 0; i < n; i++)
		d[i] = CStringGetTextDatum(skolval_criteria[i].name);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* placement_criteria() -> the table of criteria, one row each */
#define PLACEMENT_CRITERIA_COLS 7
Datum
skolval_placement_criteria(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != PLACEMENT_CRITERIA_COLS)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("placement_criteria() must be declared with %d result columns, not %d",
						PLACEMENT_CRITERIA_COLS, rsinfo->setDesc->natts)));
	for (int i = 0; skolval_criteria[i].name; i++)
	{
		const SvCriterion *c = &skolval_criteria[i];
		Datum		values[PLACEMENT_CRITERIA_COLS];
		bool		nulls[PLACEMENT_CRITERIA_COLS] = {false};

		values[0] = Int32GetDatum(i + 1);
		values[1] = CStringGetTextDatum(c->name);
		values[2] = CStringGetTextDatum(skolval_sv(c->name_sv));
		values[3] = CStringGetTextDatum(skolval_rule_sv(c, 2000));
		values[4] = CStringGetTextDatum(skolval_value_kind_name(c->kind));
		values[5] = CStringGetTextDatum(skolval_criterion_direction(c));
		values[6] = CStringGetTextDatum(c->kind == SV_VALUE_YES_NO && c->higher_first ? "1 - value" :
										c->higher_first ? "-value" : "value");
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* criterion_sv(criterion text) -> text */
Datum
skolval_criterion_sv(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	const char *sv = skolval_criterion_name_sv(name);

	if (sv == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(skolval_sv(sv)));
}

/* criterion_value_sv(criterion text, value float8) -> text; not strict, as the SQL was */
Datum
skolval_criterion_value_sv(PG_FUNCTION_ARGS)
{
	const SvCriterion *c;
	char	   *s;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	c = skolval_criterion_find(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	s = skolval_value_sv(c, PG_ARGISNULL(1) ? 0 : PG_GETARG_FLOAT8(1), PG_ARGISNULL(1));
	if (s == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(s));
}

/* criterion_rule_sv(criterion text, near_home_distance_m float8) -> text; not strict */
Datum
skolval_criterion_rule_sv(PG_FUNCTION_ARGS)
{
	const SvCriterion *c;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	c = skolval_criterion_find(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	if (c == NULL || (PG_ARGISNULL(1) && strstr(c->rule_sv, "%s")))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(skolval_rule_sv(c, PG_ARGISNULL(1) ? 0 : PG_GETARG_FLOAT8(1))));
}

/* date_sv(d date) -> text */
Datum
skolval_date_sv_sql(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(skolval_date_sv(PG_GETARG_DATEADT(0))));
}
