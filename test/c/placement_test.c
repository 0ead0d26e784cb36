/*
 * placement_test.c — checks of the placement core (src/placement) without a database:
 * textbook instances with known answers, properties on generated instances, naive reference
 * implementations, brute-force strategy-proofness and Pareto efficiency, administrative
 * placement against brute force, and informative timings.
 *
 * cc -O2 -Wall -Wextra -Werror -I src test/c/placement_test.c src/placement/placement.c \
 *    src/placement/mechanisms.c src/placement/admin.c src/common/prng.c -lm
 * Prints one line per check, then "N passed, N failed"; exits 1 on any failure.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/prng.h"
#include "placement/criteria.h"
#include "placement/placement.h"

static int	n_passed,
			n_failed;

static void
check(int ok, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	printf("%s: ", ok ? "ok" : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	if (ok)
		n_passed++;
	else
		n_failed++;
}

static void *
xmalloc(size_t n)
{
	void	   *p = malloc(n > 0 ? n : 1);

	if (!p)
	{
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	return p;
}

/* ---- instances ----------------------------------------------------------------------- */

#define MAXK 3

typedef struct Inst
{
	int			C,
				U,
				nk;
	int		   *cap;			/* [U] */
	int		   *start;			/* [C+1] */
	int		   *unit;			/* [W] */
	double	   *key;			/* [W*nk] */
} Inst;

typedef struct Out
{
	int		   *got;			/* assigned_wish */
	int		   *last,
			   *first,
			   *apps,
			   *adm;
} Out;

static void
inst_alloc(Inst *g, int C, int U, int W, int nk)
{
	g->C = C;
	g->U = U;
	g->nk = nk;
	g->cap = xmalloc(sizeof(int) * U);
	g->start = xmalloc(sizeof(int) * (C + 1));
	g->unit = xmalloc(sizeof(int) * W);
	g->key = xmalloc(sizeof(double) * W * nk);
	g->start[0] = 0;
}

static void
inst_free(Inst *g)
{
	free(g->cap);
	free(g->start);
	free(g->unit);
	free(g->key);
}

static SvInstance
sv_of(const Inst *g)
{
	SvInstance	in = {g->C, g->U, g->cap, g->start, g->unit, g->nk, g->key, NULL, NULL, NULL};

	return in;
}

static void
out_alloc(Out *o, int C, int U)
{
	o->got = xmalloc(sizeof(int) * C);
	o->last = xmalloc(sizeof(int) * U);
	o->first = xmalloc(sizeof(int) * U);
	o->apps = xmalloc(sizeof(int) * U);
	o->adm = xmalloc(sizeof(int) * U);
}

static void
out_free(Out *o)
{
	free(o->got);
	free(o->last);
	free(o->first);
	free(o->apps);
	free(o->adm);
}

static int
run(const Inst *g, SvMechanism m, Out *o)
{
	SvInstance	in = sv_of(g);
	SvResult	r = {o->got, o->last, o->first, o->apps, o->adm};
	void	   *ws = xmalloc(skolval_place_workspace_size(&in));
	int			rc = skolval_place(&in, m, ws, &r);

	free(ws);
	return rc;
}

static int
child_of(const Inst *g, int w)
{
	int			c = 0;

	while (g->start[c + 1] <= w)
		c++;
	return c;
}

/* < 0 when wish a has priority over wish b (same rule as the core: keys, then child). */
static int
cmp_wish(const Inst *g, int a, int b)
{
	for (int k = 0; k < g->nk; k++)
		if (g->key[a * g->nk + k] != g->key[b * g->nk + k])
			return g->key[a * g->nk + k] < g->key[b * g->nk + k] ? -1 : 1;
	return child_of(g, a) - child_of(g, b);
}

/* Unit obtained (-1: none). */
static int
unit_got(const Inst *g, const int *got, int c)
{
	return got[c] < 0 ? -1 : g->unit[got[c]];
}

/* 0-based rank of the wish obtained; the list length when unplaced. */
static int
rank_got(const Inst *g, const int *got, int c)
{
	return got[c] < 0 ? g->start[c + 1] - g->start[c] : got[c] - g->start[c];
}

/*
 * Generated instances.  Priorities exist for every (child, unit) pair, so a child can list
 * any unit when it manipulates: key 0 a coarse class (many ties), key 1 the child's lottery
 * number (single tie-breaking).
 */
typedef struct GenSpec
{
	uint64_t	seed;
	int			C,
				U,
				maxlen,
				capmax;
} GenSpec;

enum
{
	ST_CAP = 1, ST_LEN, ST_PICK, ST_CLASS, ST_LOTTERY, ST_COST, ST_TRUE
};

static double
rnd(uint64_t seed, uint64_t stream, uint64_t i)
{
	return sv_random_unit(seed, stream, i);
}

static void
gen_keys(const GenSpec *s, int c, int u, double *key)
{
	key[0] = floor(rnd(s->seed, ST_CLASS, (uint64_t) c * s->U + u) * 3);
	key[1] = rnd(s->seed, ST_LOTTERY, c);
}

/* An instance in which child c lists list[0..len-1] (others: generated). */
static void
gen_with(const GenSpec *s, Inst *g, int who, const int *list, int list_len)
{
	int		   *perm = xmalloc(sizeof(int) * s->U);
	int			W = 0;

	inst_alloc(g, s->C, s->U, s->C * (s->U > list_len ? s->U : list_len) + 1, 2);
	for (int u = 0; u < s->U; u++)
	{
		double		r = rnd(s->seed, ST_CAP, u);

		g->cap[u] = r < 0.15 ? 0 : (int) (r * (s->capmax + 1));
	}
	for (int c = 0; c < s->C; c++)
	{
		int			maxl = s->maxlen < s->U ? s->maxlen : s->U;
		int			len = (int) (rnd(s->seed, ST_LEN, c) * (maxl + 1));

		for (int u = 0; u < s->U; u++)
			perm[u] = u;
		for (int i = 0; i < len; i++)	/* partial Fisher-Yates */
		{
			int			j = i + (int) (rnd(s->seed, ST_PICK, (uint64_t) c * 1000 + i) * (s->U - i));
			int			t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		if (c == who)
		{
			len = list_len;
			memcpy(perm, list, sizeof(int) * len);
		}
		for (int i = 0; i < len; i++)
		{
			g->unit[W] = perm[i];
			gen_keys(s, c, perm[i], g->key + 2 * W);
			W++;
		}
		g->start[c + 1] = W;
	}
	free(perm);
}

static void
gen(const GenSpec *s, Inst *g)
{
	gen_with(s, g, -1, NULL, 0);
}

/* ---- textbook instances -------------------------------------------------------------- */

/*
 * Preferences in the MatchingMarkets.jl layout: s_prefs has n_s blocks of n_c+1 entries
 * (colleges 1-based, the list ends at 0), c_prefs n_c blocks of n_s+1 entries.  A child's
 * wishes are its acceptable units that also find it acceptable (a unit would refuse it
 * anyway, so DA does not change); the key is the position in the unit's list.
 */
static void
from_prefs(Inst *g, int ns, int nc, const int *s_prefs, const int *c_prefs, const int *caps)
{
	int			W = 0;

	inst_alloc(g, ns, nc, ns * nc, 1);
	for (int u = 0; u < nc; u++)
		g->cap[u] = caps ? caps[u] : 1;
	for (int c = 0; c < ns; c++)
	{
		for (int i = 0; i < nc && s_prefs[c * (nc + 1) + i] != 0; i++)
		{
			int			u = s_prefs[c * (nc + 1) + i] - 1;

			for (int j = 0; j < ns && c_prefs[u * (ns + 1) + j] != 0; j++)
				if (c_prefs[u * (ns + 1) + j] == c + 1)
				{
					g->unit[W] = u;
					g->key[W] = j;
					W++;
				}
		}
		g->start[c + 1] = W;
	}
}

/* DA with s proposing must give s_expect (1-based, 0 unplaced). */
static void
textbook(const char *name, int ns, int nc, const int *s_prefs, const int *c_prefs,
		 const int *caps, const int *s_expect)
{
	Inst		g;
	Out			o;
	int			ok;
	char		got[256] = "";

	from_prefs(&g, ns, nc, s_prefs, c_prefs, caps);
	out_alloc(&o, ns, nc);
	ok = run(&g, SV_DEFERRED_ACCEPTANCE, &o) == SV_OK;
	for (int c = 0; c < ns; c++)
	{
		int			u = unit_got(&g, o.got, c) + 1;

		ok = ok && u == s_expect[c];
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%d", c ? "," : "", u);
	}
	check(ok, "textbook DA %s -> [%s]", name, got);
	out_free(&o);
	inst_free(&g);
}

static void
test_textbook(void)
{
	/* Gale & Shapley 1962, the cyclic 3x3 example: each side gets its first choice when it
	 * proposes.  Men a,b,g: A>B>C, B>C>A, C>A>B; women A: b>g>a, B: g>a>b, C: a>b>g. */
	static const int gs_m[] = {1, 2, 3, 0, 2, 3, 1, 0, 3, 1, 2, 0};
	static const int gs_w[] = {2, 3, 1, 0, 3, 1, 2, 0, 1, 2, 3, 0};
	static const int gs_m_opt[] = {1, 2, 3}, gs_w_opt[] = {2, 3, 1};

	/* daffidwilde/matching README: residents A,S,D,J,L; hospitals M,C,G with capacity 2
	 * -> {M: [L, S], C: [D, A], G: [J]}. */
	static const int mr_r[] = {2, 0, 0, 0, 2, 1, 0, 0, 2, 1, 3, 0, 2, 3, 1, 0, 1, 2, 3, 0};
	static const int mr_h[] = {3, 5, 2, 4, 0, 0, 3, 1, 2, 5, 4, 0, 3, 4, 5, 0, 0, 0};
	static const int mr_cap[] = {2, 2, 2}, mr_opt[] = {2, 1, 2, 3, 1};

	/* oyamad/MatchingMarkets.jl test_deferred_acceptance.jl fixtures. */
	static const int t1_m[] = {1, 2, 3, 0, 3, 1, 2, 0, 2, 3, 1, 0, 3, 1, 2, 0};
	static const int t1_f[] = {3, 1, 2, 4, 0, 1, 2, 3, 4, 0, 3, 0, 2, 1, 4};
	static const int t1_m_opt[] = {1, 2, 3, 0}, t1_f_opt[] = {1, 2, 3};

	static const int rs29_m[] = {1, 2, 3, 4, 0, 4, 2, 3, 1, 0, 4, 3, 1, 2, 0, 1, 4, 3, 2, 0, 1, 2, 4, 0, 3};
	static const int rs29_f[] = {2, 3, 1, 4, 5, 0, 3, 1, 2, 4, 5, 0, 5, 4, 1, 2, 3, 0, 1, 4, 5, 2, 3, 0};
	static const int rs29_m_opt[] = {1, 2, 3, 4, 0}, rs29_f_opt[] = {2, 3, 4, 1};

	static const int rs217_m[] = {1, 2, 3, 4, 0, 2, 1, 4, 3, 0, 3, 4, 1, 2, 0, 4, 3, 2, 1, 0};
	static const int rs217_f[] = {4, 3, 2, 1, 0, 3, 4, 1, 2, 0, 2, 1, 4, 3, 0, 1, 2, 3, 4, 0};
	static const int rs217_m_opt[] = {1, 2, 3, 4}, rs217_f_opt[] = {4, 3, 2, 1};

	/* Gusfield & Irving 1989, section 1.6.5: 11 students, 5 colleges. */
	static const int gi_s[] = {3, 1, 5, 4, 0, 2, 1, 3, 4, 2, 5, 0, 4, 5, 3, 1, 2, 0,
		3, 4, 1, 5, 0, 2, 1, 4, 2, 0, 3, 5, 4, 3, 2, 1, 5, 0, 2, 5, 1, 3, 0, 4,
		1, 3, 2, 5, 4, 0, 4, 1, 5, 0, 2, 3, 3, 1, 5, 2, 4, 0, 5, 4, 1, 3, 2, 0};
	static const int gi_c[] = {3, 7, 9, 11, 5, 4, 10, 8, 6, 1, 2, 0,
		5, 7, 10, 6, 8, 2, 3, 11, 0, 1, 4, 9,
		11, 6, 8, 3, 2, 4, 7, 1, 10, 0, 5, 9,
		10, 1, 2, 11, 4, 9, 5, 3, 6, 8, 0, 7,
		2, 4, 10, 7, 6, 1, 8, 3, 11, 9, 0, 5};
	static const int gi_cap[] = {4, 1, 3, 2, 1}, gi_opt[] = {3, 1, 4, 3, 1, 3, 2, 1, 4, 1, 5};

	/* Roth & Sotomayor 1990, p. 16: 7 students, 5 colleges. */
	static const int rs16_s[] = {5, 1, 0, 2, 3, 4, 2, 5, 1, 0, 3, 4, 3, 1, 0, 2, 4, 5,
		4, 1, 0, 2, 3, 5, 1, 2, 0, 3, 4, 5, 1, 3, 0, 2, 4, 5, 1, 3, 4, 0, 2, 6};
	static const int rs16_c[] = {1, 2, 3, 4, 5, 6, 7, 0, 5, 2, 0, 1, 3, 4, 6, 7,
		6, 7, 3, 0, 1, 2, 4, 5, 7, 4, 0, 1, 2, 3, 5, 6, 2, 1, 0, 3, 4, 5, 6, 7};
	static const int rs16_cap[] = {3, 1, 1, 1, 1}, rs16_opt[] = {5, 2, 3, 4, 1, 1, 1};

	textbook("Gale-Shapley 1962 3x3, men propose", 3, 3, gs_m, gs_w, NULL, gs_m_opt);
	textbook("Gale-Shapley 1962 3x3, women propose", 3, 3, gs_w, gs_m, NULL, gs_w_opt);
	textbook("matching README (hospital-resident)", 5, 3, mr_r, mr_h, mr_cap, mr_opt);
	textbook("MatchingMarkets.jl 4x3, males propose", 4, 3, t1_m, t1_f, NULL, t1_m_opt);
	textbook("MatchingMarkets.jl 4x3, females propose", 3, 4, t1_f, t1_m, NULL, t1_f_opt);
	textbook("Roth-Sotomayor Ex. 2.9, men propose", 5, 4, rs29_m, rs29_f, NULL, rs29_m_opt);
	textbook("Roth-Sotomayor Ex. 2.9, women propose", 4, 5, rs29_f, rs29_m, NULL, rs29_f_opt);
	textbook("Roth-Sotomayor Ex. 2.17, men propose", 4, 4, rs217_m, rs217_f, NULL, rs217_m_opt);
	textbook("Roth-Sotomayor Ex. 2.17, women propose", 4, 4, rs217_f, rs217_m, NULL, rs217_f_opt);
	textbook("Gusfield-Irving 1.6.5 (11 students, caps 4,1,3,2,1)", 11, 5, gi_s, gi_c, gi_cap, gi_opt);
	textbook("Roth-Sotomayor p. 16 (7 students, caps 3,1,1,1,1)", 7, 5, rs16_s, rs16_c, rs16_cap, rs16_opt);

	/* The README's cut-offs: C admitted D (1st) and A (2nd), turned away S (3rd). */
	{
		Inst		g;
		Out			o;

		from_prefs(&g, 5, 3, mr_r, mr_h, mr_cap);
		out_alloc(&o, 5, 3);
		run(&g, SV_DEFERRED_ACCEPTANCE, &o);
		check(o.apps[1] == 5 && o.adm[1] == 2 && child_of(&g, o.last[1]) == 0 &&
			  child_of(&g, o.first[1]) == 1 && o.adm[2] == 1 && o.first[2] == -1,
			  "matching README: unit C applicants 5, admitted 2, cut-off A, first turned away S");
		out_free(&o);
		inst_free(&g);
	}
}

/* ---- references ---------------------------------------------------------------------- */

/* Textbook round-based DA: all free children propose at once; units keep the best. */
static void
ref_da(const Inst *g, int *got)
{
	int		   *ptr = xmalloc(sizeof(int) * g->C);
	int		   *at = xmalloc(sizeof(int) * g->C);
	int			changed = 1;

	for (int c = 0; c < g->C; c++)
		ptr[c] = g->start[c];
	while (changed)
	{
		changed = 0;
		for (int u = 0; u < g->U; u++)
		{
			int			n = 0;

			for (int c = 0; c < g->C; c++)
				if (ptr[c] < g->start[c + 1] && g->unit[ptr[c]] == u)
					at[n++] = ptr[c];
			for (int i = 1; i < n; i++)	/* insertion sort, best first */
				for (int j = i; j > 0 && cmp_wish(g, at[j], at[j - 1]) < 0; j--)
				{
					int			t = at[j];

					at[j] = at[j - 1];
					at[j - 1] = t;
				}
			for (int i = g->cap[u]; i < n; i++)
			{
				ptr[child_of(g, at[i])]++;
				changed = 1;
			}
		}
	}
	for (int c = 0; c < g->C; c++)
		got[c] = ptr[c] < g->start[c + 1] ? ptr[c] : -1;
	free(ptr);
	free(at);
}

/* Boston, straight from the definition. */
static void
ref_ia(const Inst *g, int *got)
{
	int		   *left = xmalloc(sizeof(int) * g->U);
	int		   *at = xmalloc(sizeof(int) * (g->C + 1));

	memcpy(left, g->cap, sizeof(int) * g->U);
	for (int c = 0; c < g->C; c++)
		got[c] = -1;
	for (int k = 0; k < g->U; k++)
		for (int u = 0; u < g->U; u++)
		{
			int			n = 0;

			for (int c = 0; c < g->C; c++)
				if (got[c] < 0 && g->start[c] + k < g->start[c + 1] && g->unit[g->start[c] + k] == u)
					at[n++] = g->start[c] + k;
			for (int i = 1; i < n; i++)
				for (int j = i; j > 0 && cmp_wish(g, at[j], at[j - 1]) < 0; j--)
				{
					int			t = at[j];

					at[j] = at[j - 1];
					at[j - 1] = t;
				}
			for (int i = 0; i < n && left[u] > 0; i++, left[u]--)
				got[child_of(g, at[i])] = at[i];
		}
	free(left);
	free(at);
}

/* TTC by rounds: all pointers, then every cycle at once (cycles are disjoint). */
static void
ref_ttc(const Inst *g, int *got)
{
	int		   *left = xmalloc(sizeof(int) * g->U);
	int		   *alive = xmalloc(sizeof(int) * g->C);
	int		   *cp = xmalloc(sizeof(int) * g->C);	/* child -> wish */
	int		   *up = xmalloc(sizeof(int) * g->U);	/* unit -> child */
	int		   *mark = xmalloc(sizeof(int) * g->C);
	int			remaining = g->C;

	memcpy(left, g->cap, sizeof(int) * g->U);
	for (int c = 0; c < g->C; c++)
	{
		alive[c] = 1;
		got[c] = -1;
	}
	while (remaining > 0)
	{
		for (int c = 0; c < g->C; c++)
		{
			cp[c] = -1;
			if (!alive[c])
				continue;
			for (int w = g->start[c]; w < g->start[c + 1] && cp[c] < 0; w++)
				if (left[g->unit[w]] > 0)
					cp[c] = w;
			if (cp[c] < 0)
			{
				alive[c] = 0;
				remaining--;
			}
		}
		for (int u = 0; u < g->U; u++)
		{
			int			best = -1;

			for (int w = 0; w < g->start[g->C]; w++)
				if (g->unit[w] == u && alive[child_of(g, w)] && (best < 0 || cmp_wish(g, w, best) < 0))
					best = w;
			up[u] = best < 0 ? -1 : child_of(g, best);
		}
		for (int c = 0; c < g->C; c++)
			mark[c] = 0;
		for (int c0 = 0; c0 < g->C; c0++)
		{
			int			c = c0,
						steps = 0;

			if (!alive[c0] || cp[c0] < 0)
				continue;
			/* walk 2C steps: then we are surely on a cycle, if there is one */
			while (c >= 0 && alive[c] && cp[c] >= 0 && steps++ < 2 * g->C)
				c = up[g->unit[cp[c]]];
			if (c < 0 || !alive[c] || cp[c] < 0 || mark[c])
				continue;
			/* c is on a cycle: trade it */
			{
				int			d = c;

				do
				{
					mark[d] = 1;
					d = up[g->unit[cp[d]]];
				} while (d != c);
				do
				{
					int			next = up[g->unit[cp[d]]];

					got[d] = cp[d];
					left[g->unit[cp[d]]]--;
					alive[d] = 0;
					remaining--;
					d = next;
				} while (d != c);
			}
		}
	}
	free(left);
	free(alive);
	free(cp);
	free(up);
	free(mark);
}

/* ---- properties ---------------------------------------------------------------------- */

/* Within capacity and each child got one of its own wishes (or nothing). */
static int
feasible(const Inst *g, const int *got)
{
	int		   *n = calloc(g->U > 0 ? g->U : 1, sizeof(int));
	int			ok = 1;

	for (int c = 0; c < g->C; c++)
		if (got[c] >= 0)
		{
			if (got[c] < g->start[c] || got[c] >= g->start[c + 1])
				ok = 0;
			else
				n[g->unit[got[c]]]++;
		}
	for (int u = 0; u < g->U; u++)
		if (n[u] > g->cap[u])
			ok = 0;
	free(n);
	return ok;
}

/* 0: stable; 1: a child prefers a unit with a free seat; 2: ... one that admitted a worse child. */
static int
blocking(const Inst *g, const int *got)
{
	int		   *n = calloc(g->U > 0 ? g->U : 1, sizeof(int));
	int		   *worst = xmalloc(sizeof(int) * (g->U > 0 ? g->U : 1));
	int			r = 0;

	for (int u = 0; u < g->U; u++)
		worst[u] = -1;
	for (int c = 0; c < g->C; c++)
		if (got[c] >= 0)
		{
			int			u = g->unit[got[c]];

			n[u]++;
			if (worst[u] < 0 || cmp_wish(g, got[c], worst[u]) > 0)
				worst[u] = got[c];
		}
	for (int c = 0; c < g->C && !r; c++)
		for (int w = g->start[c]; w < g->start[c + 1] && (got[c] < 0 || w < got[c]); w++)
		{
			int			u = g->unit[w];

			if (n[u] < g->cap[u])
				r = 1;
			else if (worst[u] >= 0 && cmp_wish(g, w, worst[u]) < 0)
				r = 2;
		}
	free(n);
	free(worst);
	return r;
}

/* The per-unit figures, recomputed from the outcome as placement.h defines them. */
static int
figures_ok(const Inst *g, const Out *o)
{
	for (int u = 0; u < g->U; u++)
	{
		int			apps = 0,
					adm = 0,
					last = -1,
					first = -1;

		for (int c = 0; c < g->C; c++)
			for (int w = g->start[c]; w < g->start[c + 1]; w++)
				if (g->unit[w] == u)
				{
					apps++;
					if (o->got[c] == w)
					{
						adm++;
						if (last < 0 || cmp_wish(g, w, last) > 0)
							last = w;
					}
					else if (o->got[c] < 0 || o->got[c] > w)
					{
						if (first < 0 || cmp_wish(g, w, first) < 0)
							first = w;
					}
				}
		if (apps != o->apps[u] || adm != o->adm[u] || last != o->last[u] || first != o->first[u])
			return 0;
	}
	return 1;
}

/* Boston = DA under priorities (rank, key): the copy with the rank prepended. */
static void
rank_first(const Inst *g, Inst *h)
{
	int			W = g->start[g->C];

	inst_alloc(h, g->C, g->U, W, g->nk + 1);
	memcpy(h->cap, g->cap, sizeof(int) * g->U);
	memcpy(h->start, g->start, sizeof(int) * (g->C + 1));
	memcpy(h->unit, g->unit, sizeof(int) * W);
	for (int c = 0; c < g->C; c++)
		for (int w = g->start[c]; w < g->start[c + 1]; w++)
		{
			h->key[w * h->nk] = w - g->start[c];
			memcpy(h->key + w * h->nk + 1, g->key + w * g->nk, sizeof(double) * g->nk);
		}
}

static void
test_properties(void)
{
	int			n = 0,
				bad_feasible[3] = {0},
				bad_stable = 0,
				bad_ref[3] = {0},
				bad_fig[3] = {0},
				bad_cut = 0,
				bad_ia_da = 0,
				bad_rc = 0;
	uint64_t	first_bad = 0;

	for (uint64_t seed = 1; seed <= 3000; seed++)
	{
		GenSpec		s = {seed, (int) (seed % 61), 1 + (int) (seed % 13), 1 + (int) (seed % 6), 1 + (int) (seed % 5)};
		Inst		g,
					h;
		Out			o;
		int		   *ref = xmalloc(sizeof(int) * (s.C + 1));

		gen(&s, &g);
		out_alloc(&o, s.C + 1, s.U);
		for (int m = 0; m < 3; m++)
		{
			if (run(&g, (SvMechanism) m, &o) != SV_OK)
			{
				bad_rc++;
				continue;
			}
			bad_feasible[m] += !feasible(&g, o.got);
			bad_fig[m] += !figures_ok(&g, &o);
			if (m == SV_DEFERRED_ACCEPTANCE)
			{
				if (blocking(&g, o.got))
				{
					bad_stable++;
					first_bad = first_bad ? first_bad : seed;
				}
				for (int u = 0; u < s.U; u++)
					if (o.first[u] >= 0 && (o.adm[u] < g.cap[u] ||
											(o.last[u] >= 0 && cmp_wish(&g, o.first[u], o.last[u]) < 0)))
						bad_cut++;
				ref_da(&g, ref);
			}
			else if (m == SV_IMMEDIATE_ACCEPTANCE)
			{
				Out			o2;

				ref_ia(&g, ref);
				rank_first(&g, &h);
				out_alloc(&o2, s.C + 1, s.U);
				run(&h, SV_DEFERRED_ACCEPTANCE, &o2);
				bad_ia_da += memcmp(o2.got, o.got, sizeof(int) * s.C) != 0;
				out_free(&o2);
				inst_free(&h);
			}
			else
				ref_ttc(&g, ref);
			bad_ref[m] += memcmp(ref, o.got, sizeof(int) * s.C) != 0;
		}
		n++;
		out_free(&o);
		inst_free(&g);
		free(ref);
	}
	check(bad_rc == 0, "generated instances: every run returns 0 (%d instances x 3 mechanisms, up to 60 children, 13 units, capacity 0-5)", n);
	check(bad_feasible[0] + bad_feasible[1] + bad_feasible[2] == 0,
		  "generated: DA/IA/TTC within capacity and individually rational (bad: %d/%d/%d)",
		  bad_feasible[0], bad_feasible[1], bad_feasible[2]);
	check(bad_stable == 0, "generated: DA stable and non-wasteful (no blocking pair; %d bad, first seed %llu)",
		  bad_stable, (unsigned long long) first_bad);
	check(bad_ref[0] == 0, "generated: DA equals the naive round-based reference (%d differ)", bad_ref[0]);
	check(bad_ref[1] == 0, "generated: IA equals the naive Boston reference (%d differ)", bad_ref[1]);
	check(bad_ia_da == 0, "generated: IA equals DA under (rank, key) priorities (%d differ)", bad_ia_da);
	check(bad_ref[2] == 0, "generated: TTC equals the naive round-based TTC reference (%d differ)", bad_ref[2]);
	check(bad_fig[0] + bad_fig[1] + bad_fig[2] == 0,
		  "generated: applicants/admitted/cut-off fields as defined (bad: %d/%d/%d)",
		  bad_fig[0], bad_fig[1], bad_fig[2]);
	check(bad_cut == 0, "generated: DA's first turned away is below its cut-off and only at full units (%d bad)", bad_cut);
}

/* ---- brute force on tiny instances --------------------------------------------------- */

/* Every assignment (wish or nothing per child) within capacity: f(assignment) for each. */
typedef int (*Visit) (const Inst *g, const int *a, void *arg);

static int
enumerate(const Inst *g, int *a, int c, int *load, Visit f, void *arg)
{
	if (c == g->C)
		return f(g, a, arg);
	a[c] = -1;
	if (enumerate(g, a, c + 1, load, f, arg))
		return 1;
	for (int w = g->start[c]; w < g->start[c + 1]; w++)
		if (load[g->unit[w]] < g->cap[g->unit[w]])
		{
			a[c] = w;
			load[g->unit[w]]++;
			if (enumerate(g, a, c + 1, load, f, arg))
				return 1;
			load[g->unit[w]]--;
		}
	a[c] = -1;
	return 0;
}

/* Stops (returns 1) at a stable matching some child strictly prefers to got. */
static int
visit_better_stable(const Inst *g, const int *a, void *arg)
{
	const int  *got = arg;

	if (blocking(g, a))
		return 0;
	for (int c = 0; c < g->C; c++)
		if (rank_got(g, a, c) < rank_got(g, got, c))
			return 1;
	return 0;
}

/* Stops at an assignment Pareto-dominating got. */
static int
visit_dominating(const Inst *g, const int *a, void *arg)
{
	const int  *got = arg;
	int			strict = 0;

	for (int c = 0; c < g->C; c++)
	{
		if (rank_got(g, a, c) > rank_got(g, got, c))
			return 0;
		strict |= rank_got(g, a, c) < rank_got(g, got, c);
	}
	return strict;
}

static int
brute(const Inst *g, Visit f, void *arg)
{
	int			a[16],
				load[16] = {0};

	return enumerate(g, a, 0, load, f, arg);
}

/*
 * Can one child do better by reporting another list (any order of any subset of units)?
 * Returns the child, or -1.  Outcomes are valued by the child's true list.
 */
static int
manipulable(const GenSpec *s, SvMechanism m, int own_units_only)
{
	Inst		g;
	Out			o;
	int			who = -1;
	int			lists[64][4],
				lens[64],
				n_lists = 0;

	/* all ordered lists over U <= 3 units */
	for (int mask = 0; mask < (1 << s->U); mask++)
	{
		int			items[4],
					k = 0,
					perm[4];

		for (int u = 0; u < s->U; u++)
			if (mask & (1 << u))
				items[k++] = u;
		for (int i = 0; i < k; i++)
			perm[i] = i;
		for (;;)
		{
			for (int i = 0; i < k; i++)
				lists[n_lists][i] = items[perm[i]];
			lens[n_lists++] = k;
			/* next permutation */
			{
				int			i = k - 2,
							j;

				while (i >= 0 && perm[i] > perm[i + 1])
					i--;
				if (i < 0)
					break;
				for (j = k - 1; perm[j] < perm[i]; j--)
					;
				{
					int			t = perm[i];

					perm[i] = perm[j];
					perm[j] = t;
				}
				for (int l = i + 1, r = k - 1; l < r; l++, r--)
				{
					int			t = perm[l];

					perm[l] = perm[r];
					perm[r] = t;
				}
			}
		}
	}
	gen(s, &g);
	out_alloc(&o, s->C, s->U);
	run(&g, m, &o);
	for (int c = 0; c < s->C && who < 0; c++)
	{
		int			truth = rank_got(&g, o.got, c);
		int			true_len = g.start[c + 1] - g.start[c];
		int			true_list[8];

		memcpy(true_list, g.unit + g.start[c], sizeof(int) * true_len);
		for (int l = 0; l < n_lists && who < 0; l++)
		{
			Inst		h;
			Out			p;
			int			u,
						foreign = 0;

			for (int i = 0; i < lens[l]; i++)
			{
				int			listed = 0;

				for (int r = 0; r < true_len; r++)
					listed |= true_list[r] == lists[l][i];
				foreign |= !listed;
			}
			if (own_units_only && foreign)
				continue;

			gen_with(s, &h, c, lists[l], lens[l]);
			out_alloc(&p, s->C, s->U);
			run(&h, m, &p);
			u = unit_got(&h, p.got, c);
			for (int r = 0; r < truth && u >= 0; r++)
				if (true_list[r] == u)
					who = c;
			out_free(&p);
			inst_free(&h);
		}
	}
	out_free(&o);
	inst_free(&g);
	return who;
}

static void
test_brute_force(void)
{
	int			n = 0,
				not_optimal = 0,
				ttc_dominated = 0,
				da_manip = 0,
				ttc_manip = 0,
				ttc_foreign = 0,
				ia_manip = 0;
	uint64_t	ia_seed = 0;

	for (uint64_t seed = 1; seed <= 400; seed++)
	{
		GenSpec		s = {seed * 7919, 2 + (int) (seed % 4), 1 + (int) (seed % 3), 3, 2};
		Inst		g;
		Out			o;

		gen(&s, &g);
		out_alloc(&o, s.C, s.U);
		run(&g, SV_DEFERRED_ACCEPTANCE, &o);
		not_optimal += brute(&g, visit_better_stable, o.got);
		run(&g, SV_TOP_TRADING_CYCLES, &o);
		ttc_dominated += brute(&g, visit_dominating, o.got);
		out_free(&o);
		inst_free(&g);
		da_manip += manipulable(&s, SV_DEFERRED_ACCEPTANCE, 0) >= 0;
		ttc_manip += manipulable(&s, SV_TOP_TRADING_CYCLES, 1) >= 0;
		ttc_foreign += manipulable(&s, SV_TOP_TRADING_CYCLES, 0) >= 0;
		if (manipulable(&s, SV_IMMEDIATE_ACCEPTANCE, 1) >= 0)
		{
			ia_manip++;
			ia_seed = ia_seed ? ia_seed : s.seed;
		}
		n++;
	}
	check(not_optimal == 0, "brute force, %d tiny instances: no stable matching is better for any child than DA (child-optimal; %d bad)", n, not_optimal);
	check(da_manip == 0, "brute force: DA strategy-proof, no child gains by any reordered sub-list of units (%d manipulable)", da_manip);
	check(ttc_dominated == 0, "brute force: TTC Pareto-efficient, no feasible assignment dominates it (%d dominated)", ttc_dominated);
	check(ttc_manip == 0, "brute force: TTC strategy-proof against reordering or truncating the own list (%d manipulable)", ttc_manip);
	/*
	 * A unit points only to children who listed it (priorities exist only for wishes), so a
	 * child can gain pointing power by listing a unit it does not want: informative only.
	 */
	check(1, "brute force, informative: TTC manipulable by listing an unwanted unit on %d of %d instances", ttc_foreign, n);
	check(ia_manip > 0, "brute force: IA (Boston) manipulable by reordering the own list on %d of %d tiny instances (first seed %llu)",
		  ia_manip, n, (unsigned long long) ia_seed);

	/*
	 * By hand: units X, Y with one seat; children 0, 1 list X then Y, child 2 lists Y then X.
	 * Priorities: X: 0 > 1 > 2; Y: 1 > 2 > 0.  Truthful Boston: X takes 0, Y takes 2, child
	 * 1 gets nothing.  If child 1 lists Y first it gets Y.  (DA: 1 gets Y either way.)
	 */
	{
		int			cap[] = {1, 1},
					st[] = {0, 2, 4, 6},
					un[] = {0, 1, 0, 1, 1, 0},
					lie[] = {0, 2, 4, 6},
					un_lie[] = {0, 1, 1, 0, 1, 0};
		double		key[] = {0, 2, 1, 0, 1, 2},
					key_lie[] = {0, 2, 0, 1, 1, 2};
		Inst		g = {3, 2, 1, cap, st, un, key},
					h = {3, 2, 1, cap, lie, un_lie, key_lie};
		Out			o,
					p,
					q;

		out_alloc(&o, 3, 2);
		out_alloc(&p, 3, 2);
		out_alloc(&q, 3, 2);
		run(&g, SV_IMMEDIATE_ACCEPTANCE, &o);
		run(&h, SV_IMMEDIATE_ACCEPTANCE, &p);
		run(&g, SV_DEFERRED_ACCEPTANCE, &q);
		check(unit_got(&g, o.got, 1) == -1 && unit_got(&h, p.got, 1) == 1 && unit_got(&g, q.got, 1) == 1,
			  "Boston manipulation by hand: child 1 gets nothing truthfully, Y by ranking Y first (DA gives Y truthfully)");
		check(o.first[1] == 3 && o.last[1] == 4,
			  "IA cut-off fields: at Y the first turned away (child 1) has priority over the last admitted (child 2)");
		out_free(&o);
		out_free(&p);
		out_free(&q);
	}
}

/* ---- errors and edge cases ----------------------------------------------------------- */

static void
test_errors(void)
{
	int			cap[] = {1, 1},
				neg[] = {1, -1},
				st[] = {0, 2, 3},
				un[] = {0, 1, 0},
				dup[] = {0, 0, 1},
				out_of_range[] = {0, 2, 1};
	double		key[] = {0, 0, 1},
				nan_key[] = {0, NAN, 1};
	Inst		ok = {2, 2, 1, cap, st, un, key};
	Inst		bad_dup = {2, 2, 1, cap, st, dup, key};
	Inst		bad_unit = {2, 2, 1, cap, st, out_of_range, key};
	Inst		bad_cap = {2, 2, 1, neg, st, un, key};
	Inst		bad_nan = {2, 2, 1, cap, st, un, nan_key};
	Inst		empty = {0, 0, 1, cap, st, un, key};
	Out			o;
	SvInstance	in = sv_of(&ok);
	SvResult	r;
	void	   *ws = xmalloc(skolval_place_workspace_size(&in));

	out_alloc(&o, 2, 2);
	r = (SvResult) {o.got, o.last, o.first, o.apps, o.adm};
	check(run(&ok, SV_DEFERRED_ACCEPTANCE, &o) == SV_OK && o.got[0] == 0 && o.got[1] == -1,
		  "two children, one unit each wished: priority decides, the other is unplaced");
	check(run(&bad_dup, SV_DEFERRED_ACCEPTANCE, &o) == SV_ERR_DUPLICATE, "a unit listed twice: %s", skolval_place_error(SV_ERR_DUPLICATE));
	check(run(&bad_unit, SV_TOP_TRADING_CYCLES, &o) == SV_ERR_INPUT, "unit index out of range: %s", skolval_place_error(SV_ERR_INPUT));
	check(run(&bad_cap, SV_IMMEDIATE_ACCEPTANCE, &o) == SV_ERR_INPUT, "negative capacity rejected");
	check(run(&bad_nan, SV_DEFERRED_ACCEPTANCE, &o) == SV_ERR_NAN, "NaN key: %s", skolval_place_error(SV_ERR_NAN));
	check(skolval_place(&in, (SvMechanism) 7, ws, &r) == SV_ERR_MECHANISM, "unknown mechanism: %s", skolval_place_error(SV_ERR_MECHANISM));
	check(run(&empty, SV_DEFERRED_ACCEPTANCE, &o) == SV_OK && run(&empty, SV_TOP_TRADING_CYCLES, &o) == SV_OK,
		  "no children and no units: nothing to do, no error");
	free(ws);
	out_free(&o);
}

/* ---- administrative placement -------------------------------------------------------- */

typedef struct Adm
{
	int			C,
				U;
	int		   *seats,
			   *start,
			   *unit;
	double	   *cost,
			   *order;
} Adm;

static SvAdminInstance
adm_of(const Adm *a)
{
	SvAdminInstance in = {a->C, a->U, a->seats, a->start, a->unit, a->cost, a->order, NULL, NULL};

	return in;
}

static void
adm_gen(Adm *a, uint64_t seed, int C, int U, int maxc, int maxseats, int integer_costs)
{
	int			K = 0;

	a->C = C;
	a->U = U;
	a->seats = xmalloc(sizeof(int) * U);
	a->start = xmalloc(sizeof(int) * (C + 1));
	a->unit = xmalloc(sizeof(int) * C * U + 1);
	a->cost = xmalloc(sizeof(double) * C * U + 1);
	a->order = xmalloc(sizeof(double) * C + 1);
	for (int u = 0; u < U; u++)
		a->seats[u] = (int) (rnd(seed, ST_CAP, u) * (maxseats + 1));
	a->start[0] = 0;
	for (int c = 0; c < C; c++)
	{
		int			n = (int) (rnd(seed, ST_LEN, c) * (maxc + 1));

		for (int u = 0; u < U && n > 0; u++)
			if (rnd(seed, ST_PICK, (uint64_t) c * U + u) < (double) n / (U - u))
			{
				double		d = rnd(seed, ST_COST, (uint64_t) c * U + u) * 1000;

				a->unit[K] = u;
				a->cost[K++] = integer_costs ? floor(d / 50) * 50 : d;
				n--;
			}
		a->start[c + 1] = K;
		a->order[c] = rnd(seed, ST_LOTTERY, c);
	}
}

static void
adm_free(Adm *a)
{
	free(a->seats);
	free(a->start);
	free(a->unit);
	free(a->cost);
	free(a->order);
}

typedef struct Best
{
	int			placed;
	double		cost;
} Best;

/* Brute force: the most children placed, and the least cost for that many. */
static void
adm_brute(const Adm *a, int c, int *load, int placed, double cost, Best *best)
{
	if (c == a->C)
	{
		if (placed > best->placed || (placed == best->placed && cost < best->cost))
		{
			best->placed = placed;
			best->cost = cost;
		}
		return;
	}
	adm_brute(a, c + 1, load, placed, cost, best);
	for (int k = a->start[c]; k < a->start[c + 1]; k++)
		if (load[a->unit[k]] < a->seats[a->unit[k]])
		{
			load[a->unit[k]]++;
			adm_brute(a, c + 1, load, placed + 1, cost + a->cost[k], best);
			load[a->unit[k]]--;
		}
}

static int
adm_valid(const Adm *a, const int *got, int *placed, double *cost)
{
	int		   *load = calloc(a->U + 1, sizeof(int));
	int			ok = 1;

	*placed = 0;
	*cost = 0;
	for (int c = 0; c < a->C; c++)
		if (got[c] >= 0)
		{
			ok &= got[c] >= a->start[c] && got[c] < a->start[c + 1];
			load[a->unit[got[c]]]++;
			++*placed;
			*cost += a->cost[got[c]];
		}
	for (int u = 0; u < a->U; u++)
		ok &= load[u] <= a->seats[u];
	free(load);
	return ok;
}

/* Greedy by hand: children by (order, index), cheapest candidate with a seat, first on ties. */
static void
ref_nearest(const Adm *a, int *got)
{
	int		   *load = calloc(a->U + 1, sizeof(int));
	int		   *done = calloc(a->C + 1, sizeof(int));

	for (int i = 0; i < a->C; i++)
	{
		int			c = -1,
					best = -1;

		for (int d = 0; d < a->C; d++)
			if (!done[d] && (c < 0 || a->order[d] < a->order[c]))
				c = d;
		done[c] = 1;
		for (int k = a->start[c]; k < a->start[c + 1]; k++)
			if (load[a->unit[k]] < a->seats[a->unit[k]] && (best < 0 || a->cost[k] < a->cost[best]))
				best = k;
		got[c] = best;
		if (best >= 0)
			load[a->unit[best]]++;
	}
	free(load);
	free(done);
}

static void
test_admin(void)
{
	int			n = 0,
				n_infeasible = 0,
				bad_opt = 0,
				bad_rc = 0,
				bad_valid = 0,
				bad_near = 0,
				worse = 0;

	for (uint64_t seed = 1; seed <= 1500; seed++)
	{
		Adm			a;
		SvAdminInstance in;
		int			got[8],
					near[8],
					ref[8],
					load[8] = {0},
					placed,
					rc;
		double		total,
					cost;
		Best		best = {-1, 0};
		void	   *ws;

		adm_gen(&a, seed, 1 + (int) (seed % 6), 1 + (int) (seed % 4), 3, 2, (int) (seed & 1));
		in = adm_of(&a);
		ws = xmalloc(skolval_admin_workspace_size(&in));
		rc = skolval_admin_min_cost(&in, ws, got, &total);
		adm_brute(&a, 0, load, 0, 0, &best);
		bad_valid += !adm_valid(&a, got, &placed, &cost);
		if (best.placed == a.C)
		{
			bad_rc += rc != SV_OK;
			bad_opt += fabs(total - best.cost) > 1e-6 || fabs(cost - total) > 1e-6;
		}
		else
		{
			n_infeasible++;
			bad_rc += rc != SV_ERR_INFEASIBLE;
			bad_opt += placed != best.placed;
		}
		rc = skolval_admin_nearest_free(&in, ws, near);
		ref_nearest(&a, ref);
		bad_near += memcmp(near, ref, sizeof(int) * a.C) != 0;
		bad_valid += !adm_valid(&a, near, &placed, &cost);
		worse += best.placed == a.C && placed == a.C && cost < total - 1e-6;
		n++;
		free(ws);
		adm_free(&a);
	}
	check(bad_valid == 0, "admin, %d tiny instances: both policies within seats and among the child's candidates (%d bad)", n, bad_valid);
	check(bad_opt == 0 && bad_rc == 0,
		  "admin: min_cost equals the brute-force optimum; when infeasible (%d cases) it reports it and still places as many as possible (%d/%d bad)",
		  n_infeasible, bad_opt, bad_rc);
	check(bad_near == 0, "admin: nearest_free follows the order, cheapest free candidate each (%d differ from reference)", bad_near);
	check(worse == 0, "admin: nearest_free never cheaper than min_cost in total (%d)", worse);

	/* Greedy is not optimal: A (first) takes X at 100 although B can only go to X. */
	{
		int			seats[] = {1, 1},
					st[] = {0, 2, 3},
					un[] = {0, 1, 0},
					got[2];
		double		cost[] = {100, 150, 100},
					order[] = {0.1, 0.2},
					total = 0;
		Adm			a = {2, 2, seats, st, un, cost, order};
		SvAdminInstance in = adm_of(&a);
		void	   *ws = xmalloc(skolval_admin_workspace_size(&in));
		int			rc = skolval_admin_nearest_free(&in, ws, got);

		check(rc == SV_ERR_INFEASIBLE && got[0] == 0 && got[1] == -1,
			  "nearest_free by hand: the first child takes the last seat the second needed (reported infeasible)");
		rc = skolval_admin_min_cost(&in, ws, got, &total);
		check(rc == SV_OK && got[0] == 1 && got[1] == 2 && total == 250,
			  "min_cost by hand: the first child walks 150 m so that both are placed (total 250)");
		free(ws);
	}
}

/* ---- timings ------------------------------------------------------------------------- */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A city-like instance: popular units (skewed), 5 wishes, class + lottery keys, seats ~ children. */
static void
gen_big(Inst *g, uint64_t seed, int C, int L, int U)
{
	int			W = 0;

	inst_alloc(g, C, U, C * L, 2);
	for (int u = 0; u < U; u++)
		g->cap[u] = (int) ceil(1.02 * C / U);
	for (int c = 0; c < C; c++)
	{
		int			home = (int) (rnd(seed, ST_PICK, c) * U);

		for (int i = 0, attempt = 0; i < L; i++)
		{
			int			u,
						dup;

			do			/* near home, sometimes one of 20 popular units */
			{
				double		r = rnd(seed, ST_TRUE, (uint64_t) c * 1024 + attempt++);

				u = r < 0.2 ? (int) (r * 100) % U : (home + (int) ((r - 0.2) * 25)) % U;
				dup = 0;
				for (int j = g->start[c]; j < W; j++)
					dup |= g->unit[j] == u;
			} while (dup);
			g->unit[W] = u;
			g->key[2 * W] = floor(rnd(seed, ST_CLASS, (uint64_t) c * U + u) * 4);
			g->key[2 * W + 1] = rnd(seed, ST_LOTTERY, c);
			W++;
		}
		g->start[c + 1] = W;
	}
}

static void
count_call(void *arg)
{
	++*(int *) arg;
}

static void
test_timing(void)
{
	static const int sizes[][3] = {{120000, 5, 4800}, {10500, 5, 150}, {1500, 3, 40}};
	static const char *names[] = {"DA", "IA", "TTC"};

	for (int s = 0; s < 3; s++)
	{
		Inst		g;
		Out			o;
		char		line[256] = "";

		gen_big(&g, 42 + s, sizes[s][0], sizes[s][1], sizes[s][2]);
		out_alloc(&o, g.C, g.U);
		if (s == 0)
		{
			int			calls = 0;
			SvInstance	in = sv_of(&g);
			SvResult	r = {o.got, o.last, o.first, o.apps, o.adm};
			void	   *ws = xmalloc(skolval_place_workspace_size(&in));

			in.check_interrupts = count_call;
			in.interrupt_arg = &calls;
			for (int m = 0; m < 3; m++)
				skolval_place(&in, (SvMechanism) m, ws, &r);
			check(calls > 3 * 10, "check_interrupts called during long runs (%d calls for 3 x 600,000 wishes)", calls);
			free(ws);
		}
		for (int m = 0; m < 3; m++)
		{
			double		t0 = now();
			int			rc = run(&g, (SvMechanism) m, &o),
						placed = 0;

			for (int c = 0; c < g.C; c++)
				placed += o.got[c] >= 0;
			snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s %.1f ms (%d placed)",
					 m ? ", " : "", names[m], (now() - t0) * 1000, rc == SV_OK ? placed : -1);
		}
		check(1, "timing %d children x %d wishes x %d units: %s", sizes[s][0], sizes[s][1], sizes[s][2], line);
		out_free(&o);
		inst_free(&g);
	}

	/* Admin: 10,000 children x 50 nearest of 150 units, seats ~5% over the children. */
	{
		int			C = 10000,
					U = 150,
					K = 50;
		Adm			a = {C, U, xmalloc(sizeof(int) * U), xmalloc(sizeof(int) * (C + 1)),
		xmalloc(sizeof(int) * C * K), xmalloc(sizeof(double) * C * K), xmalloc(sizeof(double) * C)};
		double	   *ux = xmalloc(sizeof(double) * U),
				   *uy = xmalloc(sizeof(double) * U),
					d[150];
		int		   *got = xmalloc(sizeof(int) * C);
		double		total = 0,
					t0;
		SvAdminInstance in;
		void	   *ws;
		int			rc;

		for (int u = 0; u < U; u++)
		{
			ux[u] = rnd(7, ST_COST, 2 * u) * 10000;
			uy[u] = rnd(7, ST_COST, 2 * u + 1) * 10000;
			a.seats[u] = (int) (1.05 * C / U);
		}
		a.start[0] = 0;
		for (int c = 0; c < C; c++)
		{
			/* children crowd the centre, so central units are short of seats */
			double		x = 5000 + (rnd(7, ST_PICK, 2 * c) - 0.5) * 6000,
						y = 5000 + (rnd(7, ST_PICK, 2 * c + 1) - 0.5) * 6000;

			for (int u = 0; u < U; u++)
				d[u] = hypot(x - ux[u], y - uy[u]) * 1.3;
			for (int k = 0; k < K; k++)
			{
				int			b = -1;

				for (int u = 0; u < U; u++)
					if (d[u] >= 0 && (b < 0 || d[u] < d[b]))
						b = u;
				a.unit[c * K + k] = b;
				a.cost[c * K + k] = d[b];
				d[b] = -1;
			}
			a.start[c + 1] = (c + 1) * K;
			a.order[c] = rnd(7, ST_LOTTERY, c);
		}
		in = adm_of(&a);
		ws = xmalloc(skolval_admin_workspace_size(&in));
		t0 = now();
		rc = skolval_admin_min_cost(&in, ws, got, &total);
		check(rc == SV_OK, "timing admin min_cost 10000 children x 50 candidates x 150 units: %.1f ms, total %.0f km",
			  (now() - t0) * 1000, total / 1000);
		t0 = now();
		rc = skolval_admin_nearest_free(&in, ws, got);
		{
			double		g_total = 0;
			int			unplaced = 0;

			for (int c = 0; c < C; c++)
			{
				if (got[c] >= 0)
					g_total += a.cost[got[c]];
				unplaced += got[c] < 0;
			}
			check(1, "timing admin nearest_free same instance: %.1f ms, total %.0f km, %d unplaced",
				  (now() - t0) * 1000, g_total / 1000, unplaced);
		}
		free(ws);
		free(ux);
		free(uy);
		free(got);
		adm_free(&a);
	}
}

/* ---- the criteria table --------------------------------------------------------------- */

static void
test_criteria(void)
{
	int			n = skolval_criteria_count();
	int			facts_seen[SV_N_FACTS] = {0};

	check(n == 7, "seven criteria in the table: the round's six and the independent units' queue_date (%d)", n);
	for (int i = 0; i < n; i++)
	{
		const SvCriterion *c = &skolval_criteria[i];

		check(skolval_criterion_find(c->name) == c && c->name_sv && c->rule_sv && c->fact < SV_N_FACTS,
			  "criterion %s: found by name, Swedish name and rule, a known fact", c->name);
		for (int j = 0; j < i; j++)
			check(strcmp(skolval_criteria[j].name, c->name) != 0, "criterion %s listed once", c->name);
		facts_seen[c->fact]++;
		/* lower key = higher priority, whatever the direction */
		if (c->kind == SV_VALUE_YES_NO)
			check((skolval_criterion_key(c, 1) < skolval_criterion_key(c, 0)) == c->higher_first,
				  "criterion %s: yes goes first exactly when higher_first", c->name);
		else
			check((skolval_criterion_key(c, 900) < skolval_criterion_key(c, 100)) == c->higher_first,
				  "criterion %s: more goes first exactly when higher_first", c->name);
	}
	for (int f = 0; f < SV_N_FACTS; f++)
		check(facts_seen[f] == 1, "fact %d read by exactly one criterion", f);
	check(strcmp(skolval_criteria[0].name, "near_home") == 0 && strcmp(skolval_criteria[5].name, "lottery") == 0 &&
		  strcmp(skolval_criteria[n - 1].name, "queue_date") == 0,
		  "Lund's order: near_home first, lottery last of the round's criteria; queue_date (units' own rules) after them");
	check(skolval_criterion_find("queue_date")->kind == SV_VALUE_DATE &&
		  skolval_criterion_key(skolval_criterion_find("queue_date"), 100) < skolval_criterion_key(skolval_criterion_find("queue_date"), 900),
		  "queue_date: the earlier date (longer in the queue) goes first");
	check(skolval_criterion_name_sv("multiples") != NULL && skolval_criterion_find("multiples") == NULL,
		  "multiples is a reason with a Swedish name, not a criterion");
	check(skolval_criterion_key(skolval_criterion_find("near_home"), 1) == 0 &&
		  skolval_criterion_key(skolval_criterion_find("relative_proximity"), 588) == -588 &&
		  skolval_criterion_key(skolval_criterion_find("distance"), 558) == 558,
		  "keys as 0.2.0 built them: 1 - near_home, -rn, walking_m");
	check(skolval_criterion_find("free_seat") == NULL && skolval_criterion_name_sv("free_seat") != NULL &&
		  skolval_criterion_name_sv("administrative") != NULL && skolval_criterion_name_sv("nonsense") == NULL,
		  "free_seat and administrative are reasons with Swedish names, not criteria");
	check(strstr(skolval_criterion_find("near_home")->rule_sv, "%s") != NULL,
		  "the near-home rule names the near-home distance");
}

/* ---- later rounds: the current placement as a guaranteed last wish ------------------- */

/*
 * A naive simultaneous DA with the guarantee rule written from the definition (not the core's
 * heaps): each round every free child proposes to its next wish; a unit keeps every guaranteed
 * proposal and then the best others up to capacity minus the guarantees it keeps.
 */
static void
naive_da_guaranteed(const Inst *g, const int *guar, int *got)
{
	int		   *next = xmalloc(sizeof(int) * g->C);
	int		   *held = xmalloc(sizeof(int) * (g->start[g->C] + 1));
	int			changed = 1;

	for (int c = 0; c < g->C; c++)
	{
		next[c] = g->start[c];
		got[c] = -1;
	}
	while (changed)
	{
		changed = 0;
		for (int c = 0; c < g->C; c++)
			if (got[c] < 0 && next[c] < g->start[c + 1])
			{
				got[c] = next[c]++;
				changed = 1;
			}
		for (int u = 0; u < g->U; u++)
		{
			int			n = 0,
						nguar = 0,
						room;

			for (int c = 0; c < g->C; c++)
				if (got[c] >= 0 && g->unit[got[c]] == u)
				{
					if (guar[c] == got[c])
						nguar++;
					else
						held[n++] = got[c];
				}
			/* insertion sort of the non-guaranteed, best first */
			for (int i = 1; i < n; i++)
				for (int j = i; j > 0 && cmp_wish(g, held[j], held[j - 1]) < 0; j--)
				{
					int			t = held[j];

					held[j] = held[j - 1];
					held[j - 1] = t;
				}
			room = g->cap[u] - nguar;
			for (int i = (room > 0 ? room : 0); i < n; i++)
			{
				got[child_of(g, held[i])] = -1;
				changed = 1;
			}
		}
	}
	free(next);
	free(held);
}

static void
test_guaranteed(void)
{
	int			bad_worse = 0,
				bad_cap = 0,
				bad_stable = 0,
				bad_naive = 0,
				instances = 0,
				over = 0;

	for (uint64_t seed = 1; seed <= 400; seed++)
	{
		GenSpec		s = {seed, 5 + (int) (seed % 40), 2 + (int) (seed % 7), 3, 4};
		Inst		g0,
					g;
		Out			o0,
					o;
		int		   *guar,
				   *naive,
				   *held_g;
		int			W = 0;

		gen(&s, &g0);
		out_alloc(&o0, g0.C, g0.U);
		if (run(&g0, SV_DEFERRED_ACCEPTANCE, &o0) != SV_OK)
		{
			check(0, "guaranteed: first round of seed %llu runs", (unsigned long long) seed);
			continue;
		}
		/* The later round: new wishes (another seed), cut at the current unit, which follows as a guarantee. */
		{
			GenSpec		s2 = {seed * 7919 + 13, s.C, s.U, 3, 4};
			Inst		g1;

			gen(&s2, &g1);
			inst_alloc(&g, g0.C, g0.U, g1.start[g1.C] + g0.C, 2);
			guar = xmalloc(sizeof(int) * g.C);
			naive = xmalloc(sizeof(int) * g.C);
			for (int u = 0; u < g.U; u++)
				g.cap[u] = g0.cap[u];
			/* every third instance: a unit's capacity cut below its children (an ordered place) */
			if (seed % 3 == 0)
				for (int u = 0; u < g.U; u++)
					if (o0.adm[u] > 0)
					{
						g.cap[u] = o0.adm[u] - 1;
						over++;
						break;
					}
			for (int c = 0; c < g.C; c++)
			{
				int			cur = unit_got(&g0, o0.got, c);

				guar[c] = -1;
				for (int w = g1.start[c]; w < g1.start[c + 1]; w++)
				{
					if (g1.unit[w] == cur)
						break;
					g.unit[W] = g1.unit[w];
					memcpy(g.key + 2 * W, g1.key + 2 * w, sizeof(double) * 2);
					W++;
				}
				if (cur >= 0)
				{
					g.unit[W] = cur;
					g.key[2 * W] = 0;
					g.key[2 * W + 1] = 0;
					guar[c] = W++;
				}
				g.start[c + 1] = W;
			}
			inst_free(&g1);
		}
		out_alloc(&o, g.C, g.U);
		{
			SvInstance	in = sv_of(&g);
			SvResult	r = {o.got, o.last, o.first, o.apps, o.adm};
			void	   *ws;
			int			rc;

			in.guaranteed_wish = guar;
			ws = xmalloc(skolval_place_workspace_size(&in));
			rc = skolval_place(&in, SV_DEFERRED_ACCEPTANCE, ws, &r);
			free(ws);
			if (rc != SV_OK)
			{
				check(0, "guaranteed: later round of seed %llu runs (%s)", (unsigned long long) seed, skolval_place_error(rc));
				continue;
			}
		}
		instances++;
		held_g = xmalloc(sizeof(int) * g.U);
		memset(held_g, 0, sizeof(int) * g.U);
		for (int c = 0; c < g.C; c++)
		{
			if (guar[c] >= 0 && (o.got[c] < 0 || o.got[c] > guar[c]))
				bad_worse++;
			if (guar[c] >= 0 && o.got[c] == guar[c])
				held_g[g.unit[guar[c]]]++;
		}
		for (int u = 0; u < g.U; u++)
		{
			int			n = 0;

			for (int c = 0; c < g.C; c++)
				n += unit_got(&g, o.got, c) == u;
			if (n > (g.cap[u] > held_g[u] ? g.cap[u] : held_g[u]))
				bad_cap++;
		}
		/* stability: no child prefers a unit with room, or one holding a lower-priority non-guarantee */
		for (int c = 0; c < g.C; c++)
			for (int w = g.start[c]; w < (o.got[c] < 0 ? g.start[c + 1] : o.got[c]); w++)
			{
				int			u = g.unit[w],
							n = 0,
							beaten = 0;

				for (int d = 0; d < g.C; d++)
					if (unit_got(&g, o.got, d) == u)
					{
						n++;
						if (o.got[d] != guar[d] && cmp_wish(&g, w, o.got[d]) < 0)
							beaten = 1;
					}
				if (n < g.cap[u] || beaten)
					bad_stable++;
			}
		naive_da_guaranteed(&g, guar, naive);
		for (int c = 0; c < g.C; c++)
			if (naive[c] != o.got[c])
			{
				bad_naive++;
				break;
			}
		free(held_g);
		free(guar);
		free(naive);
		out_free(&o);
		out_free(&o0);
		inst_free(&g);
		inst_free(&g0);
	}
	check(instances == 400, "guaranteed: 400 generated later rounds ran (%d)", instances);
	check(over > 50, "guaranteed: %d of them have a unit above capacity through its guarantees", over);
	check(bad_worse == 0, "guaranteed: no child ends worse than its guaranteed current placement (%d violations)", bad_worse);
	check(bad_cap == 0, "guaranteed: no unit holds more than max(capacity, guarantees kept) (%d violations)", bad_cap);
	check(bad_stable == 0, "guaranteed: no blocking pair for the later wishes (%d)", bad_stable);
	check(bad_naive == 0, "guaranteed: equal to a naive simultaneous DA with the same rule (%d instances differ)", bad_naive);

	/* errors: a guarantee that is not the last wish, and a guarantee with another mechanism */
	{
		int			cap[2] = {1, 1},
					start[2] = {0, 2},
					unit[2] = {0, 1},
					guar1[1] = {0},
					guar2[1] = {1},
					got[1],
					l[2],
					f[2],
					a[2],
					d[2];
		double		key[2] = {0, 0};
		SvInstance	in = {1, 2, cap, start, unit, 1, key, NULL, NULL, guar1};
		SvResult	r = {got, l, f, a, d};
		void	   *ws = xmalloc(skolval_place_workspace_size(&in));

		check(skolval_place(&in, SV_DEFERRED_ACCEPTANCE, ws, &r) == SV_ERR_GUARANTEE,
			  "guaranteed: a guarantee that is not the last wish is refused");
		in.guaranteed_wish = guar2;
		check(skolval_place(&in, SV_TOP_TRADING_CYCLES, ws, &r) == SV_ERR_GUARANTEE,
			  "guaranteed: TTC with a guarantee is refused");
		check(skolval_place(&in, SV_DEFERRED_ACCEPTANCE, ws, &r) == SV_OK && got[0] == 0,
			  "guaranteed: a child with a free first wish leaves its guarantee");
		free(ws);
	}
}

int
main(void)
{
	test_criteria();
	test_textbook();
	test_errors();
	test_properties();
	test_brute_force();
	test_admin();
	test_guaranteed();
	test_timing();
	printf("%d passed, %d failed\n", n_passed, n_failed);
	return n_failed > 0;
}
