/*
 * admin.c — administrative placement of children the matching left without a seat (see
 * placement.h): greedy nearest free seat in lottery order, or a least-total-walking
 * assignment by successive shortest paths.
 */
#include "placement/placement_int.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct AdminWork
{
	int		   *idx;			/* [C] children in processing order */
	int		   *tmp;			/* [C] for sorting */
	int		   *used;			/* [U] children placed at the unit */
	/* min_cost only */
	int		   *cand_child;		/* [K] */
	int		   *slot_start;		/* [U+1] per unit: slots for its placed children's cands */
	int		   *slots;			/* [K] */
	int		   *slot_of;		/* [C] the child's slot */
	int		   *ex_start;		/* [U+1] per unit: room for its exits */
	int		   *ex_len;			/* [U] */
	int		   *ex_k;			/* [R] exit: a placed child's candidate at another unit */
	double	   *ex_d;			/* [R] its extra cost: cost(k) - cost(current) */
	unsigned char *dirty;		/* [U] exits to rebuild (the unit's children changed) */
	int		   *best_k;			/* [U] scratch for the rebuild, -1 between rebuilds */
	int		   *via;			/* [U] candidate by which a unit was reached */
	int		   *heap;			/* [U] indexed binary heap of units by dist */
	int		   *heap_pos;		/* [U] -1 when not in the heap */
	int		   *touched;		/* [U] units given a distance this search */
	unsigned char *done;		/* [U] */
	double	   *dist;			/* [U] */
	double	   *pot;			/* [U] potentials: reduced costs stay >= 0 */
} AdminWork;

/*
 * Room for each unit's exits: at most one per other unit, and at most K_max - 1 per child it
 * can hold.  Returns the total; fills ex_start when given.
 */
static size_t
exit_room(const SvAdminInstance *in, int *ex_start)
{
	int			kmax = 0;
	size_t		total = 0;

	for (int c = 0; c < in->n_children; c++)
		if (in->cand_start[c + 1] - in->cand_start[c] > kmax)
			kmax = in->cand_start[c + 1] - in->cand_start[c];
	for (int u = 0; u < in->n_units; u++)
	{
		int64_t		room = (int64_t) in->seats_left[u] * (kmax > 0 ? kmax - 1 : 0);

		if (room > in->n_units - 1)
			room = in->n_units - 1;
		Assert(room >= 0);
		if (ex_start)
			ex_start[u] = (int) total;
		total += (size_t) room;
	}
	if (ex_start)
		ex_start[in->n_units] = (int) total;
	return total;
}

static void
admin_carve(SvArena *a, const SvAdminInstance *in, int n_cands, size_t room, AdminWork *w)
{
	int			U = in->n_units;

	w->idx = sv_take(a, in->n_children, sizeof(int));
	w->tmp = sv_take(a, in->n_children, sizeof(int));
	w->used = sv_take(a, U, sizeof(int));
	w->cand_child = sv_take(a, n_cands, sizeof(int));
	w->slot_start = sv_take(a, U + 1, sizeof(int));
	w->slots = sv_take(a, n_cands, sizeof(int));
	w->slot_of = sv_take(a, in->n_children, sizeof(int));
	w->ex_start = sv_take(a, U + 1, sizeof(int));
	w->ex_len = sv_take(a, U, sizeof(int));
	w->ex_k = sv_take(a, room, sizeof(int));
	w->ex_d = sv_take(a, room, sizeof(double));
	w->dirty = sv_take(a, U, 1);
	w->best_k = sv_take(a, U, sizeof(int));
	w->via = sv_take(a, U, sizeof(int));
	w->heap = sv_take(a, U, sizeof(int));
	w->heap_pos = sv_take(a, U, sizeof(int));
	w->touched = sv_take(a, U, sizeof(int));
	w->done = sv_take(a, U, 1);
	w->dist = sv_take(a, U, sizeof(double));
	w->pot = sv_take(a, U, sizeof(double));
}

static int
n_cands_of(const SvAdminInstance *in)
{
	return in->n_children > 0 && in->cand_start ? in->cand_start[in->n_children] : 0;
}

static int
check_admin(const SvAdminInstance *in)
{
	if (in->n_children < 0 || in->n_units < 0 || !in->cand_start || in->cand_start[0] != 0)
		return SV_ERR_INPUT;
	if ((in->n_units > 0 && !in->seats_left) || (in->n_children > 0 && !in->order))
		return SV_ERR_INPUT;
	for (int u = 0; u < in->n_units; u++)
		if (in->seats_left[u] < 0)
			return SV_ERR_INPUT;
	for (int c = 0; c < in->n_children; c++)
	{
		if (in->cand_start[c + 1] < in->cand_start[c])
			return SV_ERR_INPUT;
		if (isnan(in->order[c]))
			return SV_ERR_NAN;
	}
	if (n_cands_of(in) > 0 && (!in->cand_unit || !in->cand_cost))
		return SV_ERR_INPUT;
	Assert(in->cand_start[0] == 0 && n_cands_of(in) >= 0);
	for (int k = 0; k < n_cands_of(in); k++)
	{
		if (in->cand_unit[k] < 0 || in->cand_unit[k] >= in->n_units)
			return SV_ERR_INPUT;
		if (!isfinite(in->cand_cost[k]))
			return SV_ERR_NAN;
		if (in->cand_cost[k] < 0)
			return SV_ERR_INPUT;	/* the potentials below start at 0 */
	}
	return SV_OK;
}

/* Children by order[], then by index (stable merge sort of the identity). */
static int
child_before(const void *arg, int x, int y)
{
	return ((const double *) arg)[x] < ((const double *) arg)[y];
}

static void
sort_children(const double *order, int *idx, int n, int *tmp)
{
	for (int c = 0; c < n; c++)
		idx[c] = c;
	skolval_merge_sort(idx, n, tmp, child_before, order);
}

size_t
skolval_admin_workspace_size(const SvAdminInstance *in)
{
	SvArena		a = {NULL, 0};
	AdminWork	w;

	if (check_admin(in) != SV_OK)
		return 16;
	admin_carve(&a, in, n_cands_of(in), exit_room(in, NULL), &w);
	return a.used;
}

int
skolval_admin_nearest_free(const SvAdminInstance *in, void *workspace, int *assigned_cand)
{
	SvArena		a = {workspace, 0};
	AdminWork	w;
	int			rc = check_admin(in);

	if (rc != SV_OK)
		return rc;
	admin_carve(&a, in, n_cands_of(in), exit_room(in, NULL), &w);
	sort_children(in->order, w.idx, in->n_children, w.tmp);
	memset(w.used, 0, sizeof(int) * in->n_units);
	for (int i = 0; i < in->n_children; i++)
	{
		int			c = w.idx[i],
					best = -1;

		if (in->check_interrupts && i % SV_INTERRUPT_EVERY == 0)
			in->check_interrupts(in->interrupt_arg);
		for (int k = in->cand_start[c]; k < in->cand_start[c + 1]; k++)
			if (w.used[in->cand_unit[k]] < in->seats_left[in->cand_unit[k]] &&
				(best < 0 || in->cand_cost[k] < in->cand_cost[best]))
				best = k;
		assigned_cand[c] = best;
		if (best < 0)
			rc = SV_ERR_INFEASIBLE;
		else
			w.used[in->cand_unit[best]]++;
		Assert(best < 0 || w.used[in->cand_unit[best]] <= in->seats_left[in->cand_unit[best]]);
	}
	return rc;
}

/* ---- min-cost assignment ------------------------------------------------------------- */

/* Ties by unit number keep the search, and so the result, deterministic. */
static int
unit_less(const AdminWork *w, int a, int b)
{
	return w->dist[a] < w->dist[b] || (w->dist[a] == w->dist[b] && a < b);
}

static void
heap_up(AdminWork *w, int i)
{
	int			v = w->heap[i];

	while (i > 0 && unit_less(w, v, w->heap[(i - 1) / 2]))
	{
		w->heap[i] = w->heap[(i - 1) / 2];
		w->heap_pos[w->heap[i]] = i;
		i = (i - 1) / 2;
	}
	w->heap[i] = v;
	w->heap_pos[v] = i;
}

static int
heap_pop(AdminWork *w, int *len)
{
	int			top = w->heap[0],
				v = w->heap[--*len],
				i = 0;

	w->heap_pos[top] = -1;
	if (*len == 0)
		return top;
	for (;;)
	{
		int			m = 2 * i + 1;

		if (m >= *len)
			break;
		if (m + 1 < *len && unit_less(w, w->heap[m + 1], w->heap[m]))
			m++;
		if (!unit_less(w, w->heap[m], v))
			break;
		w->heap[i] = w->heap[m];
		w->heap_pos[w->heap[i]] = i;
		i = m;
	}
	w->heap[i] = v;
	w->heap_pos[v] = i;
	return top;
}

/* Offer unit v the distance d, reached by candidate k. */
static void
relax(AdminWork *w, int *len, int *n_touched, int v, double d, int k)
{
	if (w->done[v] || d >= w->dist[v])
		return;
	if (w->dist[v] == INFINITY)
		w->touched[(*n_touched)++] = v;
	w->dist[v] = d;
	w->via[v] = k;
	if (w->heap_pos[v] < 0)
	{
		w->heap_pos[v] = *len;
		w->heap[(*len)++] = v;
	}
	heap_up(w, w->heap_pos[v]);
}

static void
slot_add(const SvAdminInstance *in, AdminWork *w, int c, int k)
{
	int			u = in->cand_unit[k],
				s = w->slot_start[u] + w->used[u]++;

	/* A unit never holds more children than its seats left (nor than its slots). */
	Assert(k >= in->cand_start[c] && k < in->cand_start[c + 1]);
	Assert(w->used[u] <= in->seats_left[u] && s < w->slot_start[u + 1]);

	w->slots[s] = k;
	w->slot_of[c] = s;
	w->dirty[u] = 1;
}

static void
slot_remove(const SvAdminInstance *in, AdminWork *w, int c, int k)
{
	int			u = in->cand_unit[k],
				s = w->slot_of[c],
				last = w->slot_start[u] + --w->used[u];

	w->slots[s] = w->slots[last];
	w->slot_of[w->cand_child[w->slots[s]]] = s;
	w->dirty[u] = 1;
}

/*
 * A unit's exits: for each other unit v, the cheapest way to free a seat here by moving one
 * of its children to v, as (candidate of that child at v, extra cost).  Independent of the
 * potentials, so rebuilt only when the unit's children change.
 */
static void
rebuild_exits(const SvAdminInstance *in, AdminWork *w, int u)
{
	int			n = 0,
				base = w->ex_start[u];

	for (int j = w->slot_start[u]; j < w->slot_start[u] + w->used[u]; j++)
	{
		int			cur = w->slots[j],
					c = w->cand_child[cur];

		for (int k = in->cand_start[c]; k < in->cand_start[c + 1]; k++)
		{
			int			v = in->cand_unit[k],
						b = w->best_k[v];

			if (v == u)
				continue;
			if (b < 0)
			{
				/* At most one exit per other unit: the room exit_room() gave the unit. */
				Assert(base + n < w->ex_start[u + 1]);
				w->best_k[v] = base + n;	/* position of v's exit */
				w->ex_k[base + n] = k;
				w->ex_d[base + n++] = in->cand_cost[k] - in->cand_cost[cur];
			}
			else if (in->cand_cost[k] - in->cand_cost[cur] < w->ex_d[b])
			{
				w->ex_k[b] = k;
				w->ex_d[b] = in->cand_cost[k] - in->cand_cost[cur];
			}
		}
	}
	for (int i = 0; i < n; i++)
		w->best_k[in->cand_unit[w->ex_k[base + i]]] = -1;
	w->ex_len[u] = n;
	w->dirty[u] = 0;
}

/*
 * Children are added one at a time in order; each is brought in by the cheapest augmenting
 * path: to a candidate unit, and while that unit is full, one of its children moves on to
 * another of its candidates, until a unit with a free seat.  A placed child is reached only
 * from its own unit, so the search runs over units alone, along their exits.  Dijkstra on
 * reduced costs (unit potentials) stops at the first free unit: all free units keep equal
 * potentials (only units settled before the target change theirs), so that unit ends the
 * cheapest path.  After k children the assignment is a least-cost one of those k; a child
 * with no path stays unplaced, and (Berge) no later augmentation can create one for it.
 */
int
skolval_admin_min_cost(const SvAdminInstance *in, void *workspace, int *assigned_cand, double *total_cost)
{
	SvArena		a = {workspace, 0};
	AdminWork	w;
	int			C = in->n_children,
				U = in->n_units,
				rc = check_admin(in);
	unsigned	steps = 0;

	*total_cost = 0;
	if (rc != SV_OK)
		return rc;
	admin_carve(&a, in, n_cands_of(in), exit_room(in, NULL), &w);
	exit_room(in, w.ex_start);

	/* A unit holds at most min(seats, its candidates) children: that many slots. */
	memset(w.slot_start, 0, sizeof(int) * (U + 1));
	for (int c = 0; c < C; c++)
		for (int k = in->cand_start[c]; k < in->cand_start[c + 1]; k++)
		{
			w.cand_child[k] = c;
			w.slot_start[in->cand_unit[k] + 1]++;
		}
	for (int u = 0; u < U; u++)
	{
		int			n = w.slot_start[u + 1];

		w.slot_start[u + 1] = w.slot_start[u] + (n < in->seats_left[u] ? n : in->seats_left[u]);
	}
	for (int u = 0; u < U; u++)
	{
		w.used[u] = 0;
		w.ex_len[u] = 0;
		w.dirty[u] = 0;
		w.best_k[u] = -1;
		w.dist[u] = INFINITY;
		w.pot[u] = 0;
		w.heap_pos[u] = -1;
		w.done[u] = 0;
	}
	for (int c = 0; c < C; c++)
		assigned_cand[c] = -1;
	sort_children(in->order, w.idx, C, w.tmp);

	for (int i = 0; i < C; i++)
	{
		int			s = w.idx[i],
					target = -1,
					len = 0,
					n_touched = 0;

		if (in->check_interrupts && i % 256 == 0)
			in->check_interrupts(in->interrupt_arg);
		for (int k = in->cand_start[s]; k < in->cand_start[s + 1]; k++)
			relax(&w, &len, &n_touched, in->cand_unit[k], in->cand_cost[k] - w.pot[in->cand_unit[k]], k);
		while (len > 0)
		{
			int			u = heap_pop(&w, &len);

			w.done[u] = 1;
			if (w.used[u] < in->seats_left[u])
			{
				target = u;
				break;
			}
			if (w.dirty[u])
				rebuild_exits(in, &w, u);
			for (int e = w.ex_start[u]; e < w.ex_start[u] + w.ex_len[u]; e++)
			{
				int			v = in->cand_unit[w.ex_k[e]];

				relax(&w, &len, &n_touched, v, w.dist[u] + w.ex_d[e] + w.pot[u] - w.pot[v], w.ex_k[e]);
			}
			if (++steps % SV_INTERRUPT_EVERY == 0 && in->check_interrupts)
				in->check_interrupts(in->interrupt_arg);
		}
		if (target >= 0)
		{
			double		D = w.dist[target];

			/* Settled units: pot += dist - D; the others (all free units among them) keep theirs. */
			for (int t = 0; t < n_touched; t++)
				if (w.done[w.touched[t]])
					w.pot[w.touched[t]] += w.dist[w.touched[t]] - D;
			/* Walk back: each child on the path moves to the unit it reached. */
			for (int v = target;;)
			{
				int			k = w.via[v],
							c = w.cand_child[k],
							old = assigned_cand[c];

				if (old >= 0)
					slot_remove(in, &w, c, old);
				slot_add(in, &w, c, k);
				assigned_cand[c] = k;
				if (c == s)
					break;
				v = in->cand_unit[old];
			}
		}
		else
			rc = SV_ERR_INFEASIBLE;
		for (int t = 0; t < n_touched; t++)
		{
			int			v = w.touched[t];

			w.dist[v] = INFINITY;
			w.done[v] = 0;
			w.heap_pos[v] = -1;
		}
	}
	for (int c = 0; c < C; c++)
		if (assigned_cand[c] >= 0)
		{
			Assert(assigned_cand[c] >= in->cand_start[c] && assigned_cand[c] < in->cand_start[c + 1]);
			*total_cost += in->cand_cost[assigned_cand[c]];
		}
	return rc;
}
