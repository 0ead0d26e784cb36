/*
 * criteria.c — the one definition of the placement criteria (see criteria.h).
 */
#include "placement/criteria.h"

#include <string.h>

const SvCriterion skolval_criteria[] = {
	{"near_home", "skola nära hemmet",
		"barn som har skolan nära hemmet (en kommunal skola med platser i förskoleklass inom %s "
		"gångväg, eller den närmaste sådana skolan när ingen ligger så nära) går före",
	SV_VALUE_YES_NO, true, SV_FACT_NEAR_HOME},
	{"active_choice", "aktivt val",
		"barn vars vårdnadshavare har sökt skolan (aktivt val) går före barn som har den bara genom "
		"rätten till en skola nära hemmet",
	SV_VALUE_YES_NO, true, SV_FACT_ACTIVE_CHOICE},
	{"sibling", "syskonförtur",
		"barn som har ett syskon på samma adress i förskoleklass till årskurs 3 på skolan går före",
	SV_VALUE_YES_NO, true, SV_FACT_SIBLING},
	{"relative_proximity", "relativ närhet",
		"barn med större relativ närhet (hur mycket längre gångvägen är till den kommunala skola med "
		"platser som annars ligger närmast) går före",
	SV_VALUE_METRES, true, SV_FACT_RELATIVE_PROXIMITY},
	{"distance", "gångavstånd",
		"barn med kortare gångväg går före",
	SV_VALUE_METRES, false, SV_FACT_WALKING},
	{"lottery", "lottning",
		"lägre lottnummer går före",
	SV_VALUE_NUMBER, false, SV_FACT_LOTTERY},
	/* Independent units' own rules only (unit_admission), never a round's. */
	{"queue_date", "kötid",
		"barn som har stått längre i skolans kö går före",
	SV_VALUE_DATE, false, SV_FACT_QUEUE_DATE},
	{NULL, NULL, NULL, SV_VALUE_NUMBER, false, SV_N_FACTS}
};

const SvReason skolval_reasons[] = {
	{"free_seat", "lediga platser"},
	{"administrative", "administrativ placering på en kommunal skola med ledig plats"},
	{"multiples", "ordningen mellan flerlingar med samma lottnummer"},
	{NULL, NULL}
};

int
skolval_criteria_count(void)
{
	int			n = 0;

	while (skolval_criteria[n].name)
		n++;
	return n;
}

const SvCriterion *
skolval_criterion_find(const char *name)
{
	for (const SvCriterion *c = skolval_criteria; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

const char *
skolval_criterion_name_sv(const char *name)
{
	const SvCriterion *c = skolval_criterion_find(name);

	if (c)
		return c->name_sv;
	for (const SvReason *r = skolval_reasons; r->name; r++)
		if (strcmp(r->name, name) == 0)
			return r->name_sv;
	return NULL;
}

const char *
skolval_criterion_direction(const SvCriterion *c)
{
	return c->higher_first ? "higher first" : "lower first";
}

const char *
skolval_value_kind_name(SvValueKind kind)
{
	switch (kind)
	{
		case SV_VALUE_YES_NO:
			return "yes/no";
		case SV_VALUE_METRES:
			return "metres";
		case SV_VALUE_NUMBER:
			return "number";
		case SV_VALUE_DATE:
			return "date";
	}
	return "?";
}

double
skolval_criterion_key(const SvCriterion *c, double value)
{
	if (!c->higher_first)
		return value;
	return c->kind == SV_VALUE_YES_NO ? 1 - value : -value;
}
