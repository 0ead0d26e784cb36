/*
 * placement.c — deferred acceptance, immediate acceptance and top trading cycles over
 * lexicographic priority keys (see placement.h).
 */
#include "placement/placement.h"

#include <string.h>

#define SV_ALIGN(x) (((x) + 15) & ~(size_t) 15)

static inline void
swap_int(int *a, int *b)
{
	int			t = *a;

	*a = *b;
	*b = t;
}
#define SV_INTERRUPT_EVERY 4096

/* Carve typed arrays out of the caller's workspace. */
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

typedef struct Ctx
{
	const SvInstance *in;
	const int  *wish_child;		/* [n_wishes] */
	long		steps;
} Ctx;

static void
tick(Ctx *ctx)
{
	if (++ctx->steps % SV_INTERRUPT_EVERY == 0 && ctx->in->check_interrupts)
		ctx->in->check_interrupts(ctx->in->interrupt_arg);
}

/* Negative when wish a has priority over wish b at their (common) unit. */
static int
key_cmp(const Ctx *ctx, int a, int b)
{
	const double *ka = ctx->in->wish_key + (size_t) a * ctx->in->n_keys;
	const double *kb = ctx->in->wish_key + (size_t) b * ctx->in->n_keys;

	for (int i = 0; i < ctx->in->n_keys; i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	/* Keys never tie by construction; fall back to the child so results stay deterministic. */
	return (ctx->wish_child[a] > ctx->wish_child[b]) - (ctx->wish_child[a] < ctx->wish_child[b]);
}

/* A max-heap of wishes held by one unit: the lowest-priority holder is on top. */
static void
heap_push(const Ctx *ctx, int *h, int *len, int w)
{
	int			i = (*len)++;

	h[i] = w;
	while (i > 0)
	{
		int			p = (i - 1) / 2;

		if (key_cmp(ctx, h[p], h[i]) >= 0)
			break;
		swap_int(&h[p], &h[i]);
		i = p;
	}
}

static void
heap_replace_top(const Ctx *ctx, int *h, int len, int w)
{
	int			i = 0;

	h[0] = w;
	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					m = i;

		if (l < len && key_cmp(ctx, h[l], h[m]) > 0)
			m = l;
		if (r < len && key_cmp(ctx, h[r], h[m]) > 0)
			m = r;
		if (m == i)
			break;
		swap_int(&h[m], &h[i]);
		i = m;
	}
}

size_t
sv_place_workspace_size(const SvInstance *in)
{
	size_t		n = (size_t) (in->n_children > 0 ? in->n_children : 0);
	size_t		u = (size_t) (in->n_units > 0 ? in->n_units : 0);
	size_t		w = n > 0 ? (size_t) in->wish_start[n] : 0;

	/* wish_child, heap storage, order (per wish); next, stack (per child); heap bounds and
	 * seats left (per unit); TTC: per-unit pointer, on-stack flags, node stack. */
	return SV_ALIGN(w * sizeof(int)) * 3 + SV_ALIGN(n * sizeof(int)) * 4 +
		SV_ALIGN((u + 1) * sizeof(int)) * 5 + SV_ALIGN((n + u + 1) * sizeof(int)) * 2 + 1024;
}

const char *
sv_place_error(int code)
{
	switch (code)
	{
		case SV_OK:
			return "no error";
		case SV_ERR_INPUT:
			return "inconsistent input arrays";
		case SV_ERR_INFEASIBLE:
			return "some children have no candidate unit with a free seat";
	}
	return "unknown error";
}

/* Bounds of each unit's heap: min(capacity, applicants), laid out one after another. */
static void
layout_heaps(const SvInstance *in, int *heap_start)
{
	int			n_wishes = in->wish_start[in->n_children];

	memset(heap_start, 0, sizeof(int) * (in->n_units + 1));
	for (int w = 0; w < n_wishes; w++)
		heap_start[in->wish_unit[w] + 1]++;
	for (int u = 0; u < in->n_units; u++)
	{
		int			size = heap_start[u + 1] < in->capacity[u] ? heap_start[u + 1] : in->capacity[u];

		heap_start[u + 1] = heap_start[u] + size;
	}
}

/*
 * Student-proposing deferred acceptance. Free children propose to their next wish; a unit
 * holds its best applicants up to capacity and releases the worst when a better one comes.
 */
static void
deferred_acceptance(Ctx *ctx, Arena *ar, int *assigned)
{
	const SvInstance *in = ctx->in;
	int		   *next = take(ar, sizeof(int) * in->n_children);
	int		   *stack = take(ar, sizeof(int) * in->n_children);
	int		   *heap_start = take(ar, sizeof(int) * (in->n_units + 1));
	int		   *heap_len = take(ar, sizeof(int) * (in->n_units + 1));
	int		   *heaps = take(ar, sizeof(int) * (in->wish_start[in->n_children] + 1));
	int			top = 0;

	layout_heaps(in, heap_start);
	memset(heap_len, 0, sizeof(int) * in->n_units);
	for (int c = in->n_children - 1; c >= 0; c--)
	{
		next[c] = in->wish_start[c];
		stack[top++] = c;
	}
	while (top > 0)
	{
		int			c = stack[--top];
		int			w,
					u;
		int		   *h;

		tick(ctx);
		if (next[c] >= in->wish_start[c + 1])
			continue;			/* every wish refused: left for administrative placement */
		w = next[c]++;
		u = in->wish_unit[w];
		h = heaps + heap_start[u];
		if (heap_len[u] < heap_start[u + 1] - heap_start[u])
			heap_push(ctx, h, &heap_len[u], w);
		else if (heap_len[u] > 0 && key_cmp(ctx, w, h[0]) < 0)
		{
			stack[top++] = ctx->wish_child[h[0]];
			heap_replace_top(ctx, h, heap_len[u], w);
		}
		else
			stack[top++] = c;
	}
	for (int u = 0; u < in->n_units; u++)
		for (int i = 0; i < heap_len[u]; i++)
			assigned[ctx->wish_child[heaps[heap_start[u] + i]]] = heaps[heap_start[u] + i];
}

/*
 * Immediate acceptance ("Boston"): in round k every unplaced child applies to its k-th wish and
 * units admit the best of that round's applicants into the seats still free, for good.
 */
static void
immediate_acceptance(Ctx *ctx, Arena *ar, int *assigned)
{
	const SvInstance *in = ctx->in;
	int		   *heap_start = take(ar, sizeof(int) * (in->n_units + 1));
	int		   *heap_len = take(ar, sizeof(int) * (in->n_units + 1));
	int		   *left = take(ar, sizeof(int) * (in->n_units + 1));
	int		   *heaps = take(ar, sizeof(int) * (in->wish_start[in->n_children] + 1));
	int			longest = 0;

	layout_heaps(in, heap_start);
	for (int u = 0; u < in->n_units; u++)
		left[u] = in->capacity[u];
	for (int c = 0; c < in->n_children; c++)
		if (in->wish_start[c + 1] - in->wish_start[c] > longest)
			longest = in->wish_start[c + 1] - in->wish_start[c];
	for (int k = 0; k < longest; k++)
	{
		memset(heap_len, 0, sizeof(int) * in->n_units);
		for (int c = 0; c < in->n_children; c++)
		{
			int			w = in->wish_start[c] + k;
			int			u;
			int		   *h;

			tick(ctx);
			if (assigned[c] >= 0 || w >= in->wish_start[c + 1])
				continue;
			u = in->wish_unit[w];
			h = heaps + heap_start[u];
			if (heap_len[u] < left[u] && heap_len[u] < heap_start[u + 1] - heap_start[u])
				heap_push(ctx, h, &heap_len[u], w);
			else if (heap_len[u] > 0 && key_cmp(ctx, w, h[0]) < 0)
				heap_replace_top(ctx, h, heap_len[u], w);
		}
		for (int u = 0; u < in->n_units; u++)
		{
			for (int i = 0; i < heap_len[u]; i++)
				assigned[ctx->wish_child[heaps[heap_start[u] + i]]] = heaps[heap_start[u] + i];
			left[u] -= heap_len[u];
		}
	}
}

/* Heap sort of wishes by priority (best first), for the units' lists in TTC. */
static void
sift_down(const Ctx *ctx, int *a, int n, int i)
{
	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					m = i;

		if (l < n && key_cmp(ctx, a[l], a[m]) > 0)
			m = l;
		if (r < n && key_cmp(ctx, a[r], a[m]) > 0)
			m = r;
		if (m == i)
			return;
		swap_int(&a[m], &a[i]);
		i = m;
	}
}

static void
sort_by_priority(const Ctx *ctx, int *a, int n)
{
	for (int i = n / 2 - 1; i >= 0; i--)
		sift_down(ctx, a, n, i);
	for (int end = n - 1; end > 0; end--)
	{
		swap_int(&a[0], &a[end]);
		sift_down(ctx, a, end, 0);
	}
}

/*
 * Top trading cycles: every remaining child points to its best wished unit with seats left,
 * every such unit to its highest-priority remaining applicant; each cycle is traded. A path of
 * pointers is kept on a stack, so each step either extends it or closes a cycle.
 */
static void
top_trading_cycles(Ctx *ctx, Arena *ar, int *assigned)
{
	const SvInstance *in = ctx->in;
	int			n = in->n_children;
	int			n_wishes = in->wish_start[n];
	int		   *unit_start = take(ar, sizeof(int) * (in->n_units + 1));
	int		   *unit_ptr = take(ar, sizeof(int) * (in->n_units + 1));
	int		   *left = take(ar, sizeof(int) * (in->n_units + 1));
	int		   *list = take(ar, sizeof(int) * (n_wishes + 1));
	int		   *next = take(ar, sizeof(int) * (n + 1));
	int		   *state = take(ar, sizeof(int) * (n + 1));	/* 0 active, 1 placed, 2 out */
	int		   *on_stack = take(ar, sizeof(int) * (n + in->n_units + 1));
	int		   *stack = take(ar, sizeof(int) * (n + in->n_units + 1));
	int			top = 0;

	memset(unit_start, 0, sizeof(int) * (in->n_units + 1));
	for (int w = 0; w < n_wishes; w++)
		unit_start[in->wish_unit[w] + 1]++;
	for (int u = 0; u < in->n_units; u++)
		unit_start[u + 1] += unit_start[u];
	memcpy(unit_ptr, unit_start, sizeof(int) * in->n_units);
	for (int w = 0; w < n_wishes; w++)
		list[unit_ptr[in->wish_unit[w]]++] = w;
	for (int u = 0; u < in->n_units; u++)
	{
		sort_by_priority(ctx, list + unit_start[u], unit_start[u + 1] - unit_start[u]);
		unit_ptr[u] = unit_start[u];
		left[u] = in->capacity[u];
	}
	for (int c = 0; c < n; c++)
	{
		next[c] = in->wish_start[c];
		state[c] = 0;
	}
	memset(on_stack, 0, sizeof(int) * (n + in->n_units));

	for (int start = 0; start < n; start++)
	{
		if (state[start] != 0)
			continue;
		stack[top++] = start;
		on_stack[start] = 1;
		while (top > 0)
		{
			int			x = stack[top - 1];
			int			y;

			tick(ctx);
			if (x < n)
			{
				while (next[x] < in->wish_start[x + 1] && left[in->wish_unit[next[x]]] == 0)
					next[x]++;
				if (next[x] == in->wish_start[x + 1])
				{
					state[x] = 2;	/* no wished unit has a seat left */
					on_stack[x] = 0;
					top--;
					continue;
				}
				y = n + in->wish_unit[next[x]];
			}
			else
			{
				int			u = x - n;

				while (unit_ptr[u] < unit_start[u + 1] && state[ctx->wish_child[list[unit_ptr[u]]]] != 0)
					unit_ptr[u]++;
				if (unit_ptr[u] == unit_start[u + 1])
				{
					on_stack[x] = 0;	/* nobody left wants it */
					top--;
					continue;
				}
				y = ctx->wish_child[list[unit_ptr[u]]];
			}
			if (!on_stack[y])
			{
				stack[top++] = y;
				on_stack[y] = 1;
				continue;
			}
			/* A cycle from y to the top: every child in it gets the unit it points to. */
			for (;;)
			{
				int			z = stack[--top];

				on_stack[z] = 0;
				if (z < n)
				{
					assigned[z] = next[z];
					state[z] = 1;
					left[in->wish_unit[next[z]]]--;
				}
				if (z == y)
					break;
			}
		}
	}
}

int
sv_place(const SvInstance *in, SvMechanism m, void *workspace, SvResult *out)
{
	Arena		ar = {(char *) workspace};
	Ctx			ctx = {in, NULL, 0};
	int			n_wishes;
	int		   *wish_child;

	if (in->n_children < 0 || in->n_units < 0 || in->n_keys < 1)
		return SV_ERR_INPUT;
	n_wishes = in->wish_start[in->n_children];
	wish_child = take(&ar, sizeof(int) * (n_wishes + 1));
	for (int c = 0; c < in->n_children; c++)
		for (int w = in->wish_start[c]; w < in->wish_start[c + 1]; w++)
			wish_child[w] = c;
	ctx.wish_child = wish_child;

	for (int c = 0; c < in->n_children; c++)
		out->assigned_wish[c] = -1;
	switch (m)
	{
		case SV_DEFERRED_ACCEPTANCE:
			deferred_acceptance(&ctx, &ar, out->assigned_wish);
			break;
		case SV_IMMEDIATE_ACCEPTANCE:
			immediate_acceptance(&ctx, &ar, out->assigned_wish);
			break;
		case SV_TOP_TRADING_CYCLES:
			top_trading_cycles(&ctx, &ar, out->assigned_wish);
			break;
		default:
			return SV_ERR_INPUT;
	}

	/*
	 * Per unit: applicants, admissions, the cut-off (the lowest-priority admitted) and the
	 * highest-priority applicant turned away (one who ranked the unit above what it got).
	 */
	for (int u = 0; u < in->n_units; u++)
	{
		out->applicants[u] = out->admitted[u] = 0;
		out->last_admitted_wish[u] = out->first_rejected_wish[u] = -1;
	}
	for (int w = 0; w < n_wishes; w++)
	{
		int			u = in->wish_unit[w];
		int			got = out->assigned_wish[wish_child[w]];

		out->applicants[u]++;
		if (got == w)
		{
			out->admitted[u]++;
			if (out->last_admitted_wish[u] < 0 || key_cmp(&ctx, w, out->last_admitted_wish[u]) > 0)
				out->last_admitted_wish[u] = w;
		}
		else if (got < 0 || got > w)
		{
			if (out->first_rejected_wish[u] < 0 || key_cmp(&ctx, w, out->first_rejected_wish[u]) < 0)
				out->first_rejected_wish[u] = w;
		}
	}
	return SV_OK;
}
