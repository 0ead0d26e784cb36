/*
 * round_sql.h — a placement round as allocate() reads it (round_sql.c), shared by the SQL glue
 * of the placement room (allocate_sql.c).  Every array is indexed densely: children by
 * child_id, units by unit_id, applications ("wishes" of the core) by (child, rank).
 */
#ifndef SKOLVAL_ROUND_SQL_H
#define SKOLVAL_ROUND_SQL_H

#include "postgres.h"

#include <math.h>

#include "executor/spi.h"
#include "utils/date.h"
#include "utils/snapshot.h"

#include "placement/criteria.h"

typedef struct SvRound
{
	/* the round */
	int64		round_id;
	char	   *name;
	char	   *school_form;
	DateADT		start_date;
	DateADT		on_day;			/* cohort date, or the start date */
	int64		lottery_seed;
	Datum		criteria_datum; /* text[] as stored */
	int			n_criteria;
	const SvCriterion **criteria;
	double		near_home_m;
	char	   *status;
	bool		shared_lottery; /* multiples_rule = 'shared_lottery' */
	int64		network_id;
	char	   *network_hash;	/* NULL when the network has none */

	/* children, by child_id */
	int			n_children;
	int64	   *child_id;
	int64	   *residence_id;
	double	   *lottery;
	int		   *multiple_group; /* lowest child index of the child's multiples, or itself */
	int64	   *nearest_unit;	/* -1: none (municipal, offering the form, with seats) */
	double	   *nearest_m;		/* whole metres (skolval_metres) */
	double	   *second_m;
	bool	   *second_null;
	bool	   *has_wishes;		/* the guardians made a wish */
	/*
	 * The child's near-home units (CSR over the children, nearest first, ties by unit id):
	 * the municipal units offering the form with seats in the round within the near-home
	 * distance, or the nearest such unit when none is within it.
	 */
	int		   *nh_start;		/* [n_children + 1] */
	int64	   *nh_unit_id;
	double	   *nh_m;			/* whole metres */

	/* the round's units: capacity units offering the form and every unit applied to */
	int			n_units;
	int64	   *unit_id;
	int		   *seats;
	char	  **unit_name;
	bool	   *municipal;
	/*
	 * Each unit's criteria (CSR over the units): the round's for a municipal unit, an
	 * independent unit's own (unit_admission, or the default profile) for an independent one.
	 */
	int		   *unit_crit_start;	/* [n_units + 1] */
	const SvCriterion **unit_crit;
	char	  **unit_rules_sv;	/* an independent unit's published rules; NULL for a municipal unit */
	bool		any_own_rules;
	int64		seats_offering;	/* seats at capacity units offering the form */

	/* applications, by child then rank: CSR over the children */
	int			n_apps;
	int		   *app_start;		/* [n_children + 1] */
	int		   *app_child;
	int16	   *app_rank;
	int		   *app_unit;		/* index into the units */
	bool	   *app_implicit;	/* not a guardian's wish: a near-home claim of the guarantee */
	double	   *app_walk_raw;	/* walking metres as stored in distance (facts are whole metres) */
	bool	   *app_sibling_claim;
	double	   *fact;			/* [n_apps * SV_N_FACTS] */
	bool	   *fact_null;		/* [n_apps * SV_N_FACTS] */
	int			n_keys;
	double	   *key;			/* [n_apps * n_keys] */

	Snapshot	snapshot;		/* every read of the round */
} SvRound;

/*
 * Read and check a round under one snapshot (registered in round->snapshot; the caller
 * unregisters it), build its applications and their priority keys.  Must run inside SPI.
 * Raises the errors allocate() gives for a round that cannot be allocated.
 */
void		skolval_round_read(SvRound *round, int64 round_id);

/* A read query under the round's snapshot; every column's type is checked. */
SPITupleTable *skolval_round_query(const SvRound *round, const char *what, const char *sql,
								   int nargs, Oid *argtypes, Datum *values,
								   int ncols, const Oid *coltypes);

/*
 * Metres at the one resolution placement compares them: whole metres, rounded half away from
 * zero, exactly as the decision letters print them.  Two distances equal in whole metres are
 * equal for every criterion; the next criterion decides.
 */
static inline double
skolval_metres(double m)
{
	return round(m);
}

/* A one-dimensional array of n Datums (nulls may be NULL). */
Datum		skolval_make_array(Oid elemtype, Datum *values, bool *nulls, int n);

/* SPI result values, after their types were checked. */
int64		skolval_get_int64(SPITupleTable *t, uint64 row, int col, bool *isnull);
double		skolval_get_float8(SPITupleTable *t, uint64 row, int col, bool *isnull);
char	   *skolval_get_text(SPITupleTable *t, uint64 row, int col);

#define SV_FACT(round, app, f) ((round)->fact[(size_t) (app) * SV_N_FACTS + (f)])
#define SV_FACT_NULL(round, app, f) ((round)->fact_null[(size_t) (app) * SV_N_FACTS + (f)])

#endif
