/*
 * placement.c — the orchestrator: checks the instance, runs a mechanism (mechanisms.c) and
 * derives the per-unit figures from the outcome (see placement.h).  The sorts the mechanisms
 * and the administrative placement share live in sort.c, so the calls run one way only:
 * placement.c -> mechanisms.c -> sort.c <- admin.c.
 */
#include "placement/placement_int.h"

#include <math.h>
#include <string.h>

static int
n_wishes_of(const SvInstance *in)
{
	return in->n_children > 0 && in->wish_start ? in->wish_start[in->n_children] : 0;
}

/* The common part: wish_child and a per-unit stamp for the duplicate check. */
static void
common_carve(SvArena *a, const SvInstance *in, int n_wishes, int **wish_child, int **stamp)
{
	*wish_child = sv_take(a, n_wishes, sizeof(int));
	*stamp = sv_take(a, in->n_units, sizeof(int));
}

size_t
skolval_place_workspace_size(const SvInstance *in)
{
	SvArena		a = {NULL, 0};
	int		   *wc,
			   *st;
	int			n_wishes = n_wishes_of(in);

	if (in->n_children < 0 || in->n_units < 0 || n_wishes < 0)
		return 16;
	common_carve(&a, in, n_wishes, &wc, &st);
	return a.used + 16 + skolval_mech_workspace(in, n_wishes);
}

const char *
skolval_place_error(int code)
{
	switch (code)
	{
		case SV_OK:
			return "no error";
		case SV_ERR_INPUT:
			return "inconsistent input: a size, offset, unit index or capacity is out of range";
		case SV_ERR_INFEASIBLE:
			return "some children have no candidate unit with a free seat";
		case SV_ERR_DUPLICATE:
			return "a child lists the same unit twice";
		case SV_ERR_NAN:
			return "a priority key or cost is NaN or infinite";
		case SV_ERR_MECHANISM:
			return "unknown placement mechanism";
		case SV_ERR_GUARANTEE:
			return "a guaranteed wish must be its child's last wish, and only deferred acceptance takes guarantees";
	}
	return "unknown error";
}

/* Every invariant the mechanisms rely on; also fills wish_child. */
static int
check_instance(const SvInstance *in, int *wish_child, int *stamp)
{
	int			n_wishes;

	if (in->n_children < 0 || in->n_units < 0 || in->n_keys < 1 || !in->wish_start)
		return SV_ERR_INPUT;
	if ((in->n_units > 0 && !in->capacity) || in->wish_start[0] != 0)
		return SV_ERR_INPUT;
	for (int u = 0; u < in->n_units; u++)
	{
		if (in->capacity[u] < 0)
			return SV_ERR_INPUT;
		stamp[u] = -1;
	}
	for (int c = 0; c < in->n_children; c++)
		if (in->wish_start[c + 1] < in->wish_start[c])
			return SV_ERR_INPUT;
	n_wishes = in->wish_start[in->n_children];
	if (n_wishes > 0 && (!in->wish_unit || !in->wish_key))
		return SV_ERR_INPUT;
	/* From here on the wishes form a CSR: offsets from 0, never decreasing, to n_wishes. */
	Assert(in->wish_start[0] == 0 && n_wishes >= 0);
	for (int c = 0; c < in->n_children; c++)
		for (int w = in->wish_start[c]; w < in->wish_start[c + 1]; w++)
		{
			int			u = in->wish_unit[w];

			if (u < 0 || u >= in->n_units)
				return SV_ERR_INPUT;
			if (stamp[u] == c)
				return SV_ERR_DUPLICATE;
			stamp[u] = c;
			wish_child[w] = c;
			for (int k = 0; k < in->n_keys; k++)
				if (isnan(in->wish_key[(size_t) w * in->n_keys + k]))
					return SV_ERR_NAN;
		}
	if (in->guaranteed_wish)
		for (int c = 0; c < in->n_children; c++)
			if (in->guaranteed_wish[c] != -1 &&
				(in->guaranteed_wish[c] != in->wish_start[c + 1] - 1 || in->wish_start[c + 1] == in->wish_start[c]))
				return SV_ERR_GUARANTEE;
	return SV_OK;
}

int
skolval_place(const SvInstance *in, SvMechanism m, void *workspace, SvResult *out)
{
	SvArena		a = {workspace, 0};
	SvCtx		ctx = {in, 0, NULL, 0};
	int		   *stamp;
	int			rc;

	if (m != SV_DEFERRED_ACCEPTANCE && m != SV_IMMEDIATE_ACCEPTANCE && m != SV_TOP_TRADING_CYCLES)
		return SV_ERR_MECHANISM;
	if (in->n_children < 0 || in->n_units < 0 || !in->wish_start)
		return SV_ERR_INPUT;
	if (in->guaranteed_wish && m != SV_DEFERRED_ACCEPTANCE)
		return SV_ERR_GUARANTEE;
	ctx.n_wishes = n_wishes_of(in);
	if (ctx.n_wishes < 0)
		return SV_ERR_INPUT;
	common_carve(&a, in, ctx.n_wishes, &ctx.wish_child, &stamp);
	if ((rc = check_instance(in, ctx.wish_child, stamp)) != SV_OK)
		return rc;

	for (int c = 0; c < in->n_children; c++)
		out->assigned_wish[c] = -1;
	/* The mechanism's arrays start after the common ones (the stamp is no longer needed). */
	{
		char	   *rest = (char *) workspace + ((a.used + 15) & ~(size_t) 15);

		if (m == SV_DEFERRED_ACCEPTANCE)
			skolval_run_da(&ctx, rest, out->assigned_wish);
		else if (m == SV_IMMEDIATE_ACCEPTANCE)
			skolval_run_ia(&ctx, rest, out->assigned_wish);
		else
			skolval_run_ttc(&ctx, rest, out->assigned_wish);
	}

	/*
	 * Per unit: applicants, admissions, the lowest-priority admitted, and the highest-priority
	 * child turned away (one who ranked the unit above what it got, or got nothing).
	 */
	for (int u = 0; u < in->n_units; u++)
	{
		out->applicants[u] = out->admitted[u] = 0;
		out->last_admitted_wish[u] = out->first_rejected_wish[u] = -1;
	}
	for (int w = 0; w < ctx.n_wishes; w++)
	{
		int			u = in->wish_unit[w];
		int			got = out->assigned_wish[ctx.wish_child[w]];

		/* A child obtains one of its own wishes or nothing. */
		Assert(got == -1 || (got >= in->wish_start[ctx.wish_child[w]] &&
							 got < in->wish_start[ctx.wish_child[w] + 1]));

		out->applicants[u]++;
		if (sv_guaranteed(&ctx, w))
		{
			/* A guarantee is never turned away (the child may get a better wish), and is no one's cut-off. */
			Assert(got >= 0 && got <= w);
			if (got == w)
				out->admitted[u]++;
			continue;
		}
		if (got == w)
		{
			out->admitted[u]++;
			if (out->last_admitted_wish[u] < 0 || sv_key_cmp(&ctx, w, out->last_admitted_wish[u]) > 0)
				out->last_admitted_wish[u] = w;
		}
		else if (got < 0 || got > w)
		{
			if (out->first_rejected_wish[u] < 0 || sv_key_cmp(&ctx, w, out->first_rejected_wish[u]) < 0)
				out->first_rejected_wish[u] = w;
		}
	}
	/* No mechanism gives a unit more children than seats (or than its guarantees). */
	for (int u = 0; u < in->n_units; u++)
		Assert((out->admitted[u] <= in->capacity[u] || in->guaranteed_wish) && out->admitted[u] <= out->applicants[u]);
	return SV_OK;
}
