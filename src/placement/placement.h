/*
 * placement.h — the placement core: matching children to units (förskoleklass placement).
 *
 * Pure C11: no PostgreSQL headers and no allocation.  The caller sizes a workspace with
 * skolval_place_workspace_size() / skolval_admin_workspace_size() and passes it in, so the glue can
 * palloc it and the C tests can malloc it.  Long loops call the instance's optional
 * check_interrupts(interrupt_arg) every few thousand steps; it may longjmp (ereport), since
 * nothing here holds resources.
 *
 * Indexes are 0-based.  "Wish w" is an index into wish_unit[]; child i's wishes are
 * wish_start[i] .. wish_start[i+1]-1, rank 1 first.
 */
#ifndef SKOLVAL_PLACEMENT_H
#define SKOLVAL_PLACEMENT_H

#include <stddef.h>

/* Error codes; 0 is success.  skolval_place_error() gives an English message. */
#define SV_OK 0
#define SV_ERR_INPUT 1			/* sizes, CSR offsets, unit index or capacity out of range */
#define SV_ERR_INFEASIBLE 2		/* admin: some child has no candidate seat left */
#define SV_ERR_DUPLICATE 3		/* a child lists a unit twice */
#define SV_ERR_NAN 4			/* a priority key or a cost is NaN (or a cost infinite) */
#define SV_ERR_MECHANISM 5		/* unknown mechanism */
#define SV_ERR_GUARANTEE 6		/* a guaranteed wish that is not the child's last, or with IA/TTC */

typedef struct SvInstance
{
	int			n_children;
	int			n_units;
	const int  *capacity;		/* [n_units], >= 0 */
	const int  *wish_start;		/* [n_children + 1], wish_start[0] = 0, non-decreasing */
	const int  *wish_unit;		/* [n_wishes]: a unit at most once per child */
	int			n_keys;			/* length of a priority key, >= 1 */
	/*
	 * [n_wishes * n_keys]: the child's priority at the wished unit, compared
	 * lexicographically, LOWER = HIGHER priority.  Keys of different children at one unit
	 * should never tie completely (append a lottery number); if they do, the lower child
	 * index wins, so the result is still deterministic.
	 */
	const double *wish_key;
	void		(*check_interrupts) (void *arg);	/* optional */
	void	   *interrupt_arg;
	/*
	 * Optional (NULL: none; deferred acceptance only), for later rounds of a school year:
	 * [n_children] the child's guaranteed wish, or -1.  It must be the child's LAST wish (its
	 * current placement, appended after the new wishes).  A unit never turns a guaranteed
	 * wish away: guaranteed wishes rank above every other wish at the unit, and a unit holds
	 * at most max(capacity, guaranteed wishes it holds) children, so a unit already above
	 * capacity (an ordered place) keeps its children but gives no seat to anyone else until
	 * it is below capacity again.  Hence no child with a guarantee ends worse than it, and the
	 * result is stable for these priorities (see doc/school-year.md).
	 */
	const int  *guaranteed_wish;
} SvInstance;

typedef enum SvMechanism
{
	SV_DEFERRED_ACCEPTANCE,		/* student-proposing DA (Gale–Shapley with capacities) */
	SV_IMMEDIATE_ACCEPTANCE,	/* Boston */
	SV_TOP_TRADING_CYCLES		/* Abdulkadiroğlu–Sönmez 2003, multi-capacity */
} SvMechanism;

/*
 * All arrays are allocated by the caller.  The cut-off fields are defined the same way for
 * every mechanism, from the outcome alone:
 *   last_admitted_wish[u]  the admitted wish at u with the LOWEST priority (-1: none);
 *   first_rejected_wish[u] among children who listed u ABOVE what they got (or listed u
 *                          and got nothing), the wish with the HIGHEST priority (-1: none).
 * Under DA (stable, non-wasteful) first_rejected is always below last_admitted, so these two
 * are the unit's cut-off.  Under IA and TTC first_rejected may be above last_admitted: a
 * child who lost a seat by ranking the unit too low (IA) or by the trading (TTC).
 */
typedef struct SvResult
{
	int		   *assigned_wish;	/* [n_children]: wish obtained, or -1 (unplaced) */
	int		   *last_admitted_wish; /* [n_units] */
	int		   *first_rejected_wish;	/* [n_units] */
	int		   *applicants;		/* [n_units]: children who listed the unit */
	int		   *admitted;		/* [n_units]: children placed there */
} SvResult;

/* Bytes of workspace skolval_place needs for this instance (any mechanism). */
size_t		skolval_place_workspace_size(const SvInstance *in);

/*
 * Place the children by mechanism m.  Returns 0 or an error code (the instance is checked
 * first; out is then undefined).  The result never exceeds a capacity and gives each child
 * one of its own wishes or nothing.  Deterministic.
 *   DA:  stable (no child prefers a unit that has a free seat or admitted a lower-priority
 *        child), the child-optimal stable matching, strategy-proof for children.
 *        O(n_wishes * log capacity).
 *   IA:  round k: every unplaced child applies to its k-th wish; a unit admits by priority
 *        up to its remaining seats, for good.  Equal to DA with priorities (rank, key).
 *   TTC: children point to their best wished unit with a seat left, units to their
 *        highest-priority remaining child among those who wished them; each cycle trades
 *        one seat per unit.  A unit no remaining child wished points nowhere: no child can
 *        point to it either, so it could never be in a cycle.  A child with no wished unit
 *        with seats left leaves unplaced.  Pareto-efficient for children; no child gains
 *        by reordering or truncating its list, but since units point only to children who
 *        listed them, listing an unwanted unit can (rarely) gain pointing power.
 */
int			skolval_place(const SvInstance *in, SvMechanism m, void *workspace, SvResult *out);

const char *skolval_place_error(int code);

/* Administrative placement of children left without a seat: a sparse candidate list. */
typedef struct SvAdminInstance
{
	int			n_children;
	int			n_units;
	const int  *seats_left;		/* [n_units], >= 0 */
	const int  *cand_start;		/* [n_children + 1] CSR */
	const int  *cand_unit;		/* [n_cands] candidate unit */
	const double *cand_cost;	/* [n_cands] walking metres, finite and >= 0 */
	const double *order;		/* [n_children] lower first (the lottery); ties by index */
	void		(*check_interrupts) (void *arg);	/* optional */
	void	   *interrupt_arg;
} SvAdminInstance;

/* Bytes of workspace either admin function needs. */
size_t		skolval_admin_workspace_size(const SvAdminInstance *in);

/*
 * Greedy: children in `order` each take their cheapest candidate with a seat left (ties:
 * the earlier candidate).  assigned_cand[i] is an index into cand_* or -1 when none of the
 * child's candidates has a seat left; then the return is SV_ERR_INFEASIBLE (the others are
 * still placed).  Otherwise 0, or SV_ERR_INPUT / SV_ERR_NAN for a bad instance.
 */
int			skolval_admin_nearest_free(const SvAdminInstance *in, void *workspace,
								  int *assigned_cand);

/*
 * Exact: an assignment of every child to one of its candidates, within seats_left, with the
 * least total cost (successive shortest paths, one child at a time in `order`; Dijkstra with
 * potentials over units only, each unit keeping its cheapest "move one child elsewhere" per
 * other unit; 10,000 children x 50 candidates x 150 tight units: ~0.7 s).  Returns 0, or SV_ERR_INFEASIBLE when the candidates cannot hold every
 * child: assigned_cand then still holds a largest possible assignment, of least cost among
 * those placing the same children, and the children left at -1 are the ones the order
 * reached when no seat could be freed for them any more.  *total_cost sums the placed.
 */
int			skolval_admin_min_cost(const SvAdminInstance *in, void *workspace,
							  int *assigned_cand, double *total_cost);

#endif
