/*
 * admin.c — administrative placement of children the matching left without a place
 * (see placement.h): greedy nearest free seat, or a least-total-walking assignment.
 */
#include "placement/placement.h"

#include <math.h>
#include <string.h>

#define SV_ALIGN(x) (((x) + 15) & ~(size_t) 15)

static inline void
swap_int(int *a, int *b)
{
	int			t = *a;

	*a = *b;
	*b = t;
}

typedef struct Arena
{
	char	   *next;
} Arena;

static void *
take(Arena *a, size_t bytes)
{
	void	   *p = a->next;

	a->next += SV_ALIGN(bytes);
	return p;
}

size_t
sv_admin_workspace_size(const SvAdminInstance *in)
{
	size_t		n = (size_t) in->n_children,
				u = (size_t) in->n_units,
				k = n > 0 ? (size_t) in->cand_start[n] : 0;

	/* ints: order, seats, per-unit candidate lists (k + u + 1), heap nodes, parent; doubles:
	 * potentials and distances over n + u nodes */
	return SV_ALIGN((n + 1) * sizeof(int)) * 2 + SV_ALIGN((u + 1) * sizeof(int)) * 2 +
		SV_ALIGN((k + 1) * sizeof(int)) * 2 + SV_ALIGN((n + u + 1) * sizeof(int)) * 4 +
		SV_ALIGN((n + u + 1) * sizeof(double)) * 3 + 1024;
}

/* Children in greedy order: by order[], then by index (heap sort, no qsort context needed). */
static int
order_less(const double *order, int a, int b)
{
	return order[a] < order[b] || (order[a] == order[b] && a < b);
}

static void
sort_children(const double *order, int *idx, int n)
{
	for (int start = n / 2 - 1, end = n; end > 1;)
	{
		int			i;

		if (start >= 0)
			i = start--;
		else
		{
			int			t = idx[0];

			idx[0] = idx[--end];
			idx[end] = t;
			i = 0;
		}
		for (;;)
		{
			int			l = 2 * i + 1,
						r = l + 1,
						m = i;

			if (l < end && order_less(order, idx[m], idx[l]))
				m = l;
			if (r < end && order_less(order, idx[m], idx[r]))
				m = r;
			if (m == i)
				break;
			swap_int(&idx[m], &idx[i]);
			i = m;
		}
	}
}

int
sv_admin_nearest_free(const SvAdminInstance *in, void *workspace, int *assigned_cand)
{
	Arena		ar = {(char *) workspace};
	int		   *idx = take(&ar, sizeof(int) * (in->n_children + 1));
	int		   *seats = take(&ar, sizeof(int) * (in->n_units + 1));
	int			rc = SV_OK;

	for (int c = 0; c < in->n_children; c++)
		idx[c] = c;
	sort_children(in->order, idx, in->n_children);
	memcpy(seats, in->seats_left, sizeof(int) * in->n_units);
	for (int i = 0; i < in->n_children; i++)
	{
		int			c = idx[i],
					best = -1;

		if (in->check_interrupts && i % 1024 == 0)
			in->check_interrupts(in->interrupt_arg);
		for (int k = in->cand_start[c]; k < in->cand_start[c + 1]; k++)
			if (seats[in->cand_unit[k]] > 0 &&
				(best < 0 || in->cand_cost[k] < in->cand_cost[best] ||
				 (in->cand_cost[k] == in->cand_cost[best] && in->cand_unit[k] < in->cand_unit[best])))
				best = k;
		assigned_cand[c] = best;
		if (best < 0)
			rc = SV_ERR_INFEASIBLE;
		else
			seats[in->cand_unit[best]]--;
	}
	return rc;
}

/* Binary heap of (distance, node) for Dijkstra; ties by node keep it deterministic. */
typedef struct Heap
{
	int		   *node;
	int			len;
	const double *dist;
} Heap;

static int
heap_less(const Heap *h, int a, int b)
{
	return h->dist[a] < h->dist[b] || (h->dist[a] == h->dist[b] && a < b);
}

static void
heap_push(Heap *h, int v)
{
	int			i = h->len++;

	h->node[i] = v;
	while (i > 0 && heap_less(h, h->node[i], h->node[(i - 1) / 2]))
	{
		int			p = (i - 1) / 2,
					t = h->node[p];

		h->node[p] = h->node[i];
		h->node[i] = t;
		i = p;
	}
}

static int
heap_pop(Heap *h)
{
	int			top = h->node[0],
				i = 0;

	h->node[0] = h->node[--h->len];
	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					m = i;

		if (l < h->len && heap_less(h, h->node[l], h->node[m]))
			m = l;
		if (r < h->len && heap_less(h, h->node[r], h->node[m]))
			m = r;
		if (m == i)
			break;
		swap_int(&h->node[m], &h->node[i]);
		i = m;
	}
	return top;
}

/*
 * Successive shortest paths: children are added one at a time (in order[]); each takes the
 * cheapest augmenting path in the residual graph — possibly moving already placed children to
 * other units — to a unit with a seat left. Dijkstra on reduced costs (Johnson potentials)
 * stops at the first such unit. The result is a least-cost assignment of all children added.
 * Nodes: children 0..n-1, units n..n+U-1.
 */
int
sv_admin_min_cost(const SvAdminInstance *in, void *workspace, int *assigned_cand, double *total_cost)
{
	Arena		ar = {(char *) workspace};
	int			n = in->n_children,
				U = in->n_units,
				V = n + U;
	int			n_cand = in->cand_start[n];
	int		   *idx = take(&ar, sizeof(int) * (n + 1));
	int		   *cand_child = take(&ar, sizeof(int) * (n_cand + 1));
	int		   *unit_start = take(&ar, sizeof(int) * (U + 1));
	int		   *unit_cands = take(&ar, sizeof(int) * (n_cand + 1));
	int		   *seats = take(&ar, sizeof(int) * (U + 1));
	int		   *via = take(&ar, sizeof(int) * (V + 1));	/* candidate used to reach a node */
	int		   *done = take(&ar, sizeof(int) * (V + 1));
	double	   *pot = take(&ar, sizeof(double) * (V + 1));
	double	   *dist = take(&ar, sizeof(double) * (V + 1));
	Heap		h = {take(&ar, sizeof(int) * (V + n_cand + 1)), 0, dist};
	int			rc = SV_OK;

	memset(unit_start, 0, sizeof(int) * (U + 1));
	for (int c = 0; c < n; c++)
	{
		idx[c] = c;
		assigned_cand[c] = -1;
		for (int k = in->cand_start[c]; k < in->cand_start[c + 1]; k++)
		{
			cand_child[k] = c;
			unit_start[in->cand_unit[k] + 1]++;
		}
	}
	for (int u = 0; u < U; u++)
		unit_start[u + 1] += unit_start[u];
	memcpy(seats, unit_start, sizeof(int) * U);	/* fill cursor, reused below */
	for (int k = 0; k < n_cand; k++)
		unit_cands[seats[in->cand_unit[k]]++] = k;
	memcpy(seats, in->seats_left, sizeof(int) * U);
	memset(pot, 0, sizeof(double) * V);
	sort_children(in->order, idx, n);
	*total_cost = 0;

	for (int i = 0; i < n; i++)
	{
		int			s = idx[i],
					target = -1;

		if (in->check_interrupts)
			in->check_interrupts(in->interrupt_arg);
		for (int v = 0; v < V; v++)
		{
			dist[v] = INFINITY;
			done[v] = 0;
			via[v] = -1;
		}
		dist[s] = 0;
		h.len = 0;
		heap_push(&h, s);
		while (h.len > 0)
		{
			int			v = heap_pop(&h);

			if (done[v])
				continue;
			done[v] = 1;
			if (v >= n && seats[v - n] > 0)
			{
				target = v;
				break;
			}
			if (v < n)
			{
				/* child -> each candidate unit it is not placed at */
				for (int k = in->cand_start[v]; k < in->cand_start[v + 1]; k++)
				{
					int			u = n + in->cand_unit[k];
					double		d = dist[v] + in->cand_cost[k] + pot[v] - pot[u];

					if (k != assigned_cand[v] && !done[u] && d < dist[u])
					{
						dist[u] = d;
						via[u] = k;
						heap_push(&h, u);
					}
				}
			}
			else
			{
				/* unit -> each child placed there, which could move elsewhere */
				for (int j = unit_start[v - n]; j < unit_start[v - n + 1]; j++)
				{
					int			k = unit_cands[j],
								c = cand_child[k];
					double		d;

					if (assigned_cand[c] != k || done[c])
						continue;
					d = dist[v] - in->cand_cost[k] + pot[v] - pot[c];
					if (d < dist[c])
					{
						dist[c] = d;
						via[c] = k;
						heap_push(&h, c);
					}
				}
			}
		}
		if (target < 0)
		{
			rc = SV_ERR_INFEASIBLE;
			continue;
		}
		/* Keep reduced costs non-negative for the next search. */
		for (int v = 0; v < V; v++)
			pot[v] += dist[v] < dist[target] ? dist[v] : dist[target];
		/*
		 * Walk the path back from the unit: the child that reached each unit moves there; a
		 * child already placed came from its old unit, which is the step before it.
		 */
		seats[target - n]--;
		for (int v = target;;)
		{
			int			k = via[v];
			int			c = cand_child[k];
			int			old = assigned_cand[c];

			assigned_cand[c] = k;
			if (c == s)
				break;
			v = n + in->cand_unit[old];
		}
	}
	for (int c = 0; c < n; c++)
		if (assigned_cand[c] >= 0)
			*total_cost += in->cand_cost[assigned_cand[c]];
	return rc;
}
