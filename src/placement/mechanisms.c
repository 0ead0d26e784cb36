/*
 * mechanisms.c — deferred acceptance, immediate acceptance (Boston) and top trading cycles
 * (see placement.h).  Each one carves its arrays from the workspace and writes the wish each
 * child obtained into assigned[] (all -1 on entry).
 */
#include "placement/placement_int.h"

#include <string.h>

static inline void
swap_int(int *a, int *b)
{
	int			t = *a;

	*a = *b;
	*b = t;
}

/* ---- deferred acceptance ------------------------------------------------------------- */

typedef struct DaWork
{
	int		   *next;			/* [C] next wish to propose to */
	int		   *stack;			/* [C] children without a held proposal */
	int		   *heap_start;		/* [U+1] each unit's heap: min(capacity, applicants) slots */
	int		   *heap_len;		/* [U] */
	int		   *heaps;			/* [W] held wishes, a max-heap per unit: worst on top */
	int		   *bound;			/* [U] most children a unit may ever hold: max(capacity, guarantees) */
	int		   *held_guaranteed;	/* [U] guaranteed wishes the unit holds now */
} DaWork;

static void
da_carve(SvArena *a, const SvInstance *in, int n_wishes, DaWork *w)
{
	w->next = sv_take(a, in->n_children, sizeof(int));
	w->stack = sv_take(a, in->n_children, sizeof(int));
	w->heap_start = sv_take(a, in->n_units + 1, sizeof(int));
	w->heap_len = sv_take(a, in->n_units, sizeof(int));
	w->heaps = sv_take(a, n_wishes, sizeof(int));
	w->bound = sv_take(a, in->n_units, sizeof(int));
	w->held_guaranteed = sv_take(a, in->n_units, sizeof(int));
}

/* The DA heaps' order: a guaranteed wish above every other wish, then the priority key. */
static inline int
da_cmp(const SvCtx *ctx, int a, int b)
{
	int			ga = sv_guaranteed(ctx, a),
				gb = sv_guaranteed(ctx, b);

	if (ga != gb)
		return ga ? -1 : 1;
	return sv_key_cmp(ctx, a, b);
}

/* Slots per unit: a unit never holds more than its applicants, whatever its capacity. */
static void
layout_heaps(const SvCtx *ctx, int *heap_start, const int *bound)
{
	const SvInstance *in = ctx->in;

	memset(heap_start, 0, sizeof(int) * (in->n_units + 1));
	for (int w = 0; w < ctx->n_wishes; w++)
		heap_start[in->wish_unit[w] + 1]++;
	for (int u = 0; u < in->n_units; u++)
	{
		int			n = heap_start[u + 1];

		heap_start[u + 1] = heap_start[u] + (n < bound[u] ? n : bound[u]);
	}
	/* The heaps fit in the n_wishes slots carved for them. */
	Assert(heap_start[in->n_units] <= ctx->n_wishes);
}

static void
heap_sift_up(const SvCtx *ctx, int *h, int i)
{
	while (i > 0)
	{
		int			p = (i - 1) / 2;

		if (da_cmp(ctx, h[p], h[i]) >= 0)
			break;
		swap_int(&h[p], &h[i]);
		i = p;
	}
}

static void
heap_sift_down(const SvCtx *ctx, int *h, int len, int i)
{
	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					m = i;

		if (l < len && da_cmp(ctx, h[l], h[m]) > 0)
			m = l;
		if (r < len && da_cmp(ctx, h[r], h[m]) > 0)
			m = r;
		if (m == i)
			return;
		swap_int(&h[m], &h[i]);
		i = m;
	}
}

/*
 * Gale–Shapley with capacities.  A free child proposes to its next wish; the unit holds it
 * if a slot is free, else keeps the better of it and its worst holder.  Each wish is proposed
 * to at most once, so the loop runs n_wishes times at most, O(log capacity) each.
 */
void
skolval_run_da(SvCtx *ctx, void *ws, int *assigned)
{
	const SvInstance *in = ctx->in;
	SvArena		a = {ws, 0};
	DaWork		w;
	int			top = 0;

	da_carve(&a, in, ctx->n_wishes, &w);
	/*
	 * A unit holds at most its capacity, or, where guaranteed wishes (later rounds) exceed it,
	 * as many children as it holds guarantees: bound[] is the most it can ever hold.
	 */
	for (int u = 0; u < in->n_units; u++)
	{
		w.bound[u] = in->capacity[u];
		w.held_guaranteed[u] = 0;
	}
	if (in->guaranteed_wish)
	{
		for (int c = 0; c < in->n_children; c++)
			if (in->guaranteed_wish[c] >= 0)
				w.held_guaranteed[in->wish_unit[in->guaranteed_wish[c]]]++;
		for (int u = 0; u < in->n_units; u++)
		{
			if (w.held_guaranteed[u] > w.bound[u])
				w.bound[u] = w.held_guaranteed[u];
			w.held_guaranteed[u] = 0;
		}
	}
	layout_heaps(ctx, w.heap_start, w.bound);
	memset(w.heap_len, 0, sizeof(int) * in->n_units);
	for (int c = in->n_children - 1; c >= 0; c--)
	{
		w.next[c] = in->wish_start[c];
		w.stack[top++] = c;
	}
	/* The stack never holds a child twice: at most n_children entries. */
	while (top > 0)
	{
		int			c = w.stack[--top];

		while (w.next[c] < in->wish_start[c + 1])
		{
			int			wish = w.next[c]++;
			int			u = in->wish_unit[wish];
			int		   *h = w.heaps + w.heap_start[u];
			int			slots = w.heap_start[u + 1] - w.heap_start[u];
			int			limit;

			sv_tick(ctx);
			/* Without guarantees limit == slots or more, as before: capacity, at most applicants. */
			if (sv_guaranteed(ctx, wish))
				w.held_guaranteed[u]++;
			limit = in->capacity[u] > w.held_guaranteed[u] ? in->capacity[u] : w.held_guaranteed[u];
			Assert(w.heap_len[u] <= slots && slots <= w.bound[u] && limit <= w.bound[u]);
			if (w.heap_len[u] < slots && w.heap_len[u] < limit)
			{
				h[w.heap_len[u]] = wish;
				heap_sift_up(ctx, h, w.heap_len[u]++);
				break;
			}
			if (w.heap_len[u] > 0 && da_cmp(ctx, wish, h[0]) < 0)
			{
				/* The worst holder is never a guarantee when a better wish arrives. */
				Assert(!sv_guaranteed(ctx, h[0]));
				Assert(top < in->n_children);
				w.stack[top++] = ctx->wish_child[h[0]];	/* the displaced child is free */
				h[0] = wish;
				heap_sift_down(ctx, h, w.heap_len[u], 0);
				break;
			}
			/* A guarantee always finds room: the unit holds fewer guarantees than its limit. */
			Assert(!sv_guaranteed(ctx, wish));
			/* refused: try the next wish */
		}
	}
	for (int u = 0; u < in->n_units; u++)
		for (int i = 0; i < w.heap_len[u]; i++)
		{
			int			wish = w.heaps[w.heap_start[u] + i];

			assigned[ctx->wish_child[wish]] = wish;
		}
}

/* ---- immediate acceptance ------------------------------------------------------------ */

typedef struct IaWork
{
	int		   *left;			/* [U] seats not yet given */
	int		   *count;			/* [U] applicants this round (0 outside a round) */
	int		   *pos;			/* [U] bucket offsets */
	int		   *touched;		/* [U] units with applicants this round */
	int		   *active;			/* [C] unplaced children with wishes left */
	int		   *round;			/* [C] this round's wishes */
	int		   *bucket;			/* [C] this round's wishes grouped by unit */
	int		   *tmp;			/* [C] for sorting */
} IaWork;

static void
ia_carve(SvArena *a, const SvInstance *in, IaWork *w)
{
	w->left = sv_take(a, in->n_units, sizeof(int));
	w->count = sv_take(a, in->n_units, sizeof(int));
	w->pos = sv_take(a, in->n_units, sizeof(int));
	w->touched = sv_take(a, in->n_units, sizeof(int));
	w->active = sv_take(a, in->n_children, sizeof(int));
	w->round = sv_take(a, in->n_children, sizeof(int));
	w->bucket = sv_take(a, in->n_children, sizeof(int));
	w->tmp = sv_take(a, in->n_children, sizeof(int));
}

/*
 * Round k: every active child applies to its k-th wish.  Units with more applicants than
 * seats left sort them by priority; the admitted are placed for good.  A child stays active
 * only while it has wishes left, so all rounds together touch each wish once.
 */
void
skolval_run_ia(SvCtx *ctx, void *ws, int *assigned)
{
	const SvInstance *in = ctx->in;
	SvArena		a = {ws, 0};
	IaWork		w;
	int			n_active = 0;

	ia_carve(&a, in, &w);
	memcpy(w.left, in->capacity, sizeof(int) * in->n_units);
	memset(w.count, 0, sizeof(int) * in->n_units);
	for (int c = 0; c < in->n_children; c++)
		if (in->wish_start[c + 1] > in->wish_start[c])
			w.active[n_active++] = c;

	for (int k = 0; n_active > 0; k++)
	{
		int			n_round = 0,
					n_touched = 0,
					keep = 0,
					off = 0;

		for (int i = 0; i < n_active; i++)
		{
			int			wish = in->wish_start[w.active[i]] + k;
			int			u = in->wish_unit[wish];

			w.round[n_round++] = wish;
			if (w.count[u]++ == 0)
				w.touched[n_touched++] = u;
		}
		for (int t = 0; t < n_touched; t++)
		{
			w.pos[w.touched[t]] = off;
			off += w.count[w.touched[t]];
		}
		for (int i = 0; i < n_round; i++)
			w.bucket[w.pos[in->wish_unit[w.round[i]]]++] = w.round[i];
		off = 0;
		for (int t = 0; t < n_touched; t++)
		{
			int			u = w.touched[t],
						n = w.count[u],
						take = n < w.left[u] ? n : w.left[u];
			int		   *b = w.bucket + off;

			sv_tick(ctx);
			Assert(take >= 0 && take <= w.left[u]);
			if (take < n && take > 0)
				skolval_sort_wishes(ctx, b, n, w.tmp);
			for (int i = 0; i < take; i++)
				assigned[ctx->wish_child[b[i]]] = b[i];
			w.left[u] -= take;
			w.count[u] = 0;
			off += n;
		}
		/* Still active: unplaced, with a (k+1)-th wish. */
		for (int i = 0; i < n_active; i++)
		{
			int			c = w.active[i];

			if (assigned[c] < 0 && in->wish_start[c] + k + 1 < in->wish_start[c + 1])
				w.active[keep++] = c;
		}
		n_active = keep;
	}
}

/* ---- top trading cycles -------------------------------------------------------------- */

typedef struct TtcWork
{
	int		   *unit_start;		/* [U+1] CSR of wishes by unit */
	int		   *unit_ptr;		/* [U] cursor: the unit's best remaining applicant */
	int		   *left;			/* [U] seats left */
	int		   *list;			/* [W] wishes by unit, best priority first */
	int		   *tmp;			/* [W] for sorting */
	int		   *next;			/* [C] cursor: the child's best wish with a seat left */
	unsigned char *gone;		/* [C] placed or out of wishes */
	unsigned char *on_path;		/* [C+U] */
	int		   *path;			/* [C+U] nodes: child c, unit C+u */
} TtcWork;

static void
ttc_carve(SvArena *a, const SvInstance *in, int n_wishes, TtcWork *w)
{
	int			nodes = in->n_children + in->n_units;

	w->unit_start = sv_take(a, in->n_units + 1, sizeof(int));
	w->unit_ptr = sv_take(a, in->n_units, sizeof(int));
	w->left = sv_take(a, in->n_units, sizeof(int));
	w->list = sv_take(a, n_wishes, sizeof(int));
	w->tmp = sv_take(a, n_wishes, sizeof(int));
	w->next = sv_take(a, in->n_children, sizeof(int));
	w->gone = sv_take(a, in->n_children, 1);
	w->on_path = sv_take(a, nodes, 1);
	w->path = sv_take(a, nodes, sizeof(int));
}

/*
 * Both cursors only move forward (seats and children only disappear), so all pointer
 * look-ups together cost O(n_wishes).  A path of pointers is grown from any remaining child;
 * when it meets itself the cycle at its end is traded, and the rest of the path stays valid
 * except its new last node, whose pointer is looked up again.
 */
void
skolval_run_ttc(SvCtx *ctx, void *ws, int *assigned)
{
	const SvInstance *in = ctx->in;
	int			C = in->n_children;
	SvArena		a = {ws, 0};
	TtcWork		w;
	int			len = 0;

	ttc_carve(&a, in, ctx->n_wishes, &w);
	memset(w.unit_start, 0, sizeof(int) * (in->n_units + 1));
	for (int i = 0; i < ctx->n_wishes; i++)
		w.unit_start[in->wish_unit[i] + 1]++;
	for (int u = 0; u < in->n_units; u++)
		w.unit_start[u + 1] += w.unit_start[u];
	memcpy(w.unit_ptr, w.unit_start, sizeof(int) * in->n_units);
	for (int i = 0; i < ctx->n_wishes; i++)
		w.list[w.unit_ptr[in->wish_unit[i]]++] = i;
	for (int u = 0; u < in->n_units; u++)
	{
		skolval_sort_wishes(ctx, w.list + w.unit_start[u], w.unit_start[u + 1] - w.unit_start[u], w.tmp);
		w.unit_ptr[u] = w.unit_start[u];
	}
	memcpy(w.left, in->capacity, sizeof(int) * in->n_units);
	for (int c = 0; c < C; c++)
	{
		w.next[c] = in->wish_start[c];
		w.gone[c] = 0;
	}
	for (int x = 0; x < C + in->n_units; x++)
		w.on_path[x] = 0;

	for (int start = 0; start < C; start++)
	{
		if (w.gone[start])
			continue;
		w.path[len++] = start;
		w.on_path[start] = 1;
		while (len > 0)
		{
			int			x = w.path[len - 1],
						y;

			sv_tick(ctx);
			if (x < C)
			{
				while (w.next[x] < in->wish_start[x + 1] && w.left[in->wish_unit[w.next[x]]] == 0)
					w.next[x]++;
				if (w.next[x] == in->wish_start[x + 1])
				{
					w.gone[x] = 1;	/* no wished unit has a seat left: out, unplaced */
					w.on_path[x] = 0;
					len--;
					continue;
				}
				y = C + in->wish_unit[w.next[x]];
			}
			else
			{
				int			u = x - C;

				while (w.unit_ptr[u] < w.unit_start[u + 1] &&
					   w.gone[ctx->wish_child[w.list[w.unit_ptr[u]]]])
					w.unit_ptr[u]++;
				if (w.unit_ptr[u] == w.unit_start[u + 1])
				{
					/* Cannot happen (the child before it on the path wished it); be safe. */
					w.on_path[x] = 0;
					len--;
					continue;
				}
				y = ctx->wish_child[w.list[w.unit_ptr[u]]];
			}
			if (!w.on_path[y])
			{
				w.path[len++] = y;
				w.on_path[y] = 1;
				continue;
			}
			/* A cycle from y to the end of the path: each child gets the unit it points to. */
			for (;;)
			{
				int			z = w.path[--len];

				w.on_path[z] = 0;
				if (z < C)
				{
					assigned[z] = w.next[z];
					w.gone[z] = 1;
					Assert(w.left[in->wish_unit[w.next[z]]] > 0);
					w.left[in->wish_unit[w.next[z]]]--;
				}
				if (z == y)
					break;
			}
		}
	}
}

size_t
skolval_mech_workspace(const SvInstance *in, int n_wishes)
{
	SvArena		a = {NULL, 0};
	size_t		most;
	DaWork		da;
	IaWork		ia;
	TtcWork		ttc;

	da_carve(&a, in, n_wishes, &da);
	most = a.used;
	a.used = 0;
	ia_carve(&a, in, &ia);
	most = a.used > most ? a.used : most;
	a.used = 0;
	ttc_carve(&a, in, n_wishes, &ttc);
	return a.used > most ? a.used : most;
}
