/*
 * texts_sql.h — Swedish texts and JSON values of placement decisions (texts_sql.c), written
 * exactly as the SQL functions criterion_sv(), criterion_value_sv(), criterion_rule_sv() and
 * date_sv() write them (those functions are these).
 */
#ifndef SKOLVAL_TEXTS_SQL_H
#define SKOLVAL_TEXTS_SQL_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/date.h"

#include "placement/criteria.h"

/* A text of the source (UTF-8) in the database's encoding. */
const char *skolval_sv(const char *utf8);

/* round(v::numeric, scale) as text. */
char	   *skolval_numeric_text(double v, int scale);

/* A float8 as float8out writes it by default (shortest exact). */
void		skolval_append_float(StringInfo buf, double v);

/* criterion_value_sv(): NULL when the value has no Swedish form. */
char	   *skolval_value_sv(const SvCriterion *c, double v, bool isnull);

/* criterion_rule_sv() */
char	   *skolval_rule_sv(const SvCriterion *c, double near_home_m);

/* date_sv(): "16 augusti 2027" */
char	   *skolval_date_sv(DateADT d);

/* A criterion's value as JSON (to_jsonb of the natural value). */
void		skolval_append_json_value(StringInfo buf, const SvCriterion *c, double v, bool isnull);

#endif
