/*
 * placement_int.h — helpers shared by the placement core's files (not part of the API).
 */
#ifndef SKOLVAL_PLACEMENT_INT_H
#define SKOLVAL_PLACEMENT_INT_H

#include "placement/placement.h"

#define SV_INTERRUPT_EVERY 4096

/*
 * Assert(): the core includes no PostgreSQL header, so it brings its own.  Active when the
 * extension is built with -DUSE_ASSERT_CHECKING (as PostgreSQL's own Assert is) and in the
 * plain C tests (-DSV_ASSERT, test/scripts/placement_core.sh); a no-op otherwise.
 */
#ifndef Assert
#if defined(USE_ASSERT_CHECKING) || defined(SV_ASSERT)
#include <assert.h>
#define Assert(condition) assert(condition)
#else
#define Assert(condition) ((void) 0)
#endif
#endif

/*
 * Carves arrays out of the caller's workspace.  With base NULL it only counts, so that one
 * carving function both sizes the workspace and lays it out.
 */
typedef struct SvArena
{
	char	   *base;
	size_t		used;
} SvArena;

static inline void *
sv_take(SvArena *a, size_t count, size_t elem)
{
	size_t		off = (a->used + 15) & ~(size_t) 15;

	a->used = off + (count > 0 ? count : 1) * elem;
	return a->base ? a->base + off : NULL;
}

/* What every mechanism needs: the instance, each wish's child, an interrupt counter. */
typedef struct SvCtx
{
	const SvInstance *in;
	int			n_wishes;
	int		   *wish_child;		/* [n_wishes] */
	unsigned	steps;
} SvCtx;

static inline void
sv_tick(SvCtx *ctx)
{
	if (++ctx->steps % SV_INTERRUPT_EVERY == 0 && ctx->in->check_interrupts)
		ctx->in->check_interrupts(ctx->in->interrupt_arg);
}

/* < 0 when wish a has priority over wish b at their (common) unit; ties by child index. */
static inline int
sv_key_cmp(const SvCtx *ctx, int a, int b)
{
	int			k = ctx->in->n_keys;
	const double *ka = ctx->in->wish_key + (size_t) a * k;
	const double *kb = ctx->in->wish_key + (size_t) b * k;

	for (int i = 0; i < k; i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	return (ctx->wish_child[a] > ctx->wish_child[b]) - (ctx->wish_child[a] < ctx->wish_child[b]);
}

/* Whether wish w is its child's guaranteed wish (later rounds; placement.h). */
static inline int
sv_guaranteed(const SvCtx *ctx, int w)
{
	return ctx->in->guaranteed_wish && ctx->in->guaranteed_wish[ctx->wish_child[w]] == w;
}

/* sort.c.  Sort wishes best first (stable merge sort; tmp has room for n). */
void		skolval_sort_wishes(const SvCtx *ctx, int *a, int n, int *tmp);

/* Stable merge sort of indexes; before(arg, x, y) says whether x goes before y. */
void		skolval_merge_sort(int *a, int n, int *tmp, int (*before) (const void *arg, int x, int y),
						  const void *arg);

/*
 * The mechanisms (mechanisms.c): each carves its arrays from ws and fills assigned[] (all -1
 * on entry) with wish indexes.  skolval_mech_workspace() is the most any of them takes.
 */
size_t		skolval_mech_workspace(const SvInstance *in, int n_wishes);
void		skolval_run_da(SvCtx *ctx, void *ws, int *assigned);
void		skolval_run_ia(SvCtx *ctx, void *ws, int *assigned);
void		skolval_run_ttc(SvCtx *ctx, void *ws, int *assigned);

#endif
