/*
 * criteria.h — the placement criteria, defined once.
 *
 * A round orders some of these criteria (placement_round.criteria); an oversubscribed unit
 * admits its applicants by them in that order.  Everything about a criterion lives in one row
 * of skolval_criteria[] (criteria.c): its name in SQL, its Swedish name and the rule text the
 * decisions quote, the kind of value (which also decides how the value is written in Swedish
 * and in the JSON explanations), which way the priority key runs, and the fact of an
 * application it reads.  skolval.criteria_catalogue(), criterion_sv(), criterion_value_sv(),
 * criterion_rule_sv(), placement_criteria() and allocate() all read this table, so adding a
 * criterion is one row here (plus, for a new kind of fact, the line that computes it).
 *
 * Pure C: no PostgreSQL headers.
 */
#ifndef SKOLVAL_CRITERIA_H
#define SKOLVAL_CRITERIA_H

#include <stdbool.h>

/* The facts allocate() knows about every application (child, wished unit). */
typedef enum SvFact
{
	SV_FACT_NEAR_HOME,			/* 1/0: a municipal unit near home (or the nearest) */
	SV_FACT_ACTIVE_CHOICE,		/* 1/0: the guardians made a choice */
	SV_FACT_SIBLING,			/* 1/0: a verified sibling in F-3 at the unit, same address */
	SV_FACT_RELATIVE_PROXIMITY, /* metres: alternative unit's walk minus this unit's */
	SV_FACT_WALKING,			/* metres from home */
	SV_FACT_LOTTERY,			/* the child's lottery number in [0, 1) */
	SV_FACT_QUEUE_DATE,			/* day of the child's place in an independent unit's queue
								 * (PostgreSQL day number), SV_NO_QUEUE_DATE without one */
	SV_N_FACTS
} SvFact;

typedef enum SvValueKind
{
	SV_VALUE_YES_NO,			/* 1 or 0; "ja"/"nej"; JSON true/false */
	SV_VALUE_METRES,			/* "1 234 m"; JSON rounded to 0.1 */
	SV_VALUE_NUMBER,			/* "0,123457"; JSON the number itself */
	SV_VALUE_DATE				/* "12 mars 2025" or "ingen köplats"; JSON the date or null */
} SvValueKind;

/* The queue date of a child that is not in the unit's queue: after every real date. */
#define SV_NO_QUEUE_DATE 1.0e9

typedef struct SvCriterion
{
	const char *name;			/* as written in placement_round.criteria */
	const char *name_sv;		/* in decisions: "relativ närhet" */
	const char *rule_sv;		/* the rule; "%s" stands for the near-home distance */
	SvValueKind kind;
	bool		higher_first;	/* more (or "yes") goes first */
	SvFact		fact;
} SvCriterion;

/* The criteria, in Lund's order (the default of a round), then {NULL}. */
extern const SvCriterion skolval_criteria[];

/* Decisive reasons that are not criteria: the name in SQL and in Swedish, then {NULL}. */
typedef struct SvReason
{
	const char *name;
	const char *name_sv;
} SvReason;
extern const SvReason skolval_reasons[];

int			skolval_criteria_count(void);

/* The criterion of that name, or NULL. */
const SvCriterion *skolval_criterion_find(const char *name);

/* The Swedish name of a criterion or reason, or NULL. */
const char *skolval_criterion_name_sv(const char *name);

/* "higher first" or "lower first"; "yes/no", "metres", "number". */
const char *skolval_criterion_direction(const SvCriterion *c);
const char *skolval_value_kind_name(SvValueKind kind);

/*
 * The criterion's part of a priority key, lower first: 1 - v for a yes/no criterion where yes
 * goes first, -v for a measure where more goes first, v where less goes first.
 */
double		skolval_criterion_key(const SvCriterion *c, double value);

#endif
