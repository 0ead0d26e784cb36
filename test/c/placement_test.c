/*
 * placement_test.c — checks of the placement core without a database: textbook instances,
 * the defining properties of deferred acceptance on generated instances, agreement with a
 * naive reference, strategy-proofness by brute force, and administrative placement against
 * brute force. Prints "N passed, N failed".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/prng.h"
#include "placement/placement.h"

static int	passed,
			failed;

static void
check(int ok, const char *what)
{
	if (ok)
		passed++;
	else
	{
		failed++;
		printf("FAILED: %s\n", what);
	}
}

/* A generated instance: children rank up to L units; priorities are one key per (child, unit). */
typedef struct Gen
{
	int			n,
				u,
				nw;
	int		   *cap,
			   *start,
			   *unit;
	double	   *key;			/* 2 keys per wish: a coarse class (ties) and a lottery */
} Gen;

static void
gen_make(Gen *g, uint64_t seed, int n, int u, int maxlen)
{
	g->n = n;
	g->u = u;
	g->cap = malloc(sizeof(int) * u);
	g->start = malloc(sizeof(int) * (n + 1));
	g->unit = malloc(sizeof(int) * n * maxlen);
	g->key = malloc(sizeof(double) * 2 * n * maxlen);
	for (int j = 0; j < u; j++)
		g->cap[j] = (int) (sv_random_unit(seed, 1, j) * 3.0 * n / u);	/* some 0 */
	g->nw = 0;
	for (int c = 0; c < n; c++)
	{
		int			len = (int) (sv_random_unit(seed, 2, c) * (maxlen + 1));	/* 0..maxlen */

		g->start[c] = g->nw;
		for (int k = 0; k < len; k++)
		{
			int			j = (int) (sv_random_unit(seed, 3, c * 1000 + k) * u),
						dup = 0;

			for (int w = g->start[c]; w < g->nw; w++)
				dup |= g->unit[w] == j;
			if (dup)
				continue;
			g->unit[g->nw] = j;
			/* the priority of child c at unit j is the same whatever c's list looks like */
			g->key[2 * g->nw] = floor(sv_random_unit(seed, 4, c * 1000 + j) * 3);
			g->key[2 * g->nw + 1] = sv_random_unit(seed, 5, c);
			g->nw++;
		}
	}
	g->start[n] = g->nw;
}

static void
gen_free(Gen *g)
{
	free(g->cap);
	free(g->start);
	free(g->unit);
	free(g->key);
}

static int
run(const Gen *g, SvMechanism m, int *assigned)
{
	SvInstance	in = {g->n, g->u, g->cap, g->start, g->unit, 2, g->key, NULL, NULL};
	int		   *la = malloc(sizeof(int) * (g->u + 1)),
			   *fr = malloc(sizeof(int) * (g->u + 1)),
			   *ap = malloc(sizeof(int) * (g->u + 1)),
			   *ad = malloc(sizeof(int) * (g->u + 1));
	SvResult	out = {assigned, la, fr, ap, ad};
	void	   *ws = malloc(sv_place_workspace_size(&in));
	int			rc = sv_place(&in, m, ws, &out);

	free(ws);
	free(la);
	free(fr);
	free(ap);
	free(ad);
	return rc;
}

static int
key_less(const Gen *g, int a, int b)
{
	for (int i = 0; i < 2; i++)
		if (g->key[2 * a + i] != g->key[2 * b + i])
			return g->key[2 * a + i] < g->key[2 * b + i];
	return 0;
}

/* Naive round-based deferred acceptance: the reference. */
static void
reference_da(const Gen *g, int *assigned)
{
	int		   *next = malloc(sizeof(int) * g->n);
	int			changed = 1;

	for (int c = 0; c < g->n; c++)
	{
		next[c] = g->start[c];
		assigned[c] = -1;
	}
	while (changed)
	{
		changed = 0;
		for (int c = 0; c < g->n; c++)
			if (assigned[c] < 0 && next[c] < g->start[c + 1])
			{
				assigned[c] = next[c]++;
				changed = 1;
			}
		for (int j = 0; j < g->u; j++)
		{
			/* keep the cap[j] best holders, reject the others */
			for (;;)
			{
				int			count = 0,
							worst = -1;

				for (int c = 0; c < g->n; c++)
					if (assigned[c] >= 0 && g->unit[assigned[c]] == j)
					{
						count++;
						if (worst < 0 || key_less(g, assigned[worst], assigned[c]))
							worst = c;
					}
				if (count <= g->cap[j])
					break;
				assigned[worst] = -1;
			}
		}
	}
	free(next);
}

/* Properties: within capacity, individually rational, non-wasteful, no blocking pair. */
static void
check_properties(const Gen *g, const int *a, const char *label)
{
	int		   *filled = calloc(g->u, sizeof(int));
	int			over = 0,
				waste = 0,
				block = 0,
				ir = 0;
	char		msg[200];

	for (int c = 0; c < g->n; c++)
		if (a[c] >= 0)
		{
			ir += a[c] < g->start[c] || a[c] >= g->start[c + 1];
			filled[g->unit[a[c]]]++;
		}
	for (int j = 0; j < g->u; j++)
		over += filled[j] > g->cap[j];
	for (int c = 0; c < g->n; c++)
		for (int w = g->start[c]; w < g->start[c + 1] && (a[c] < 0 || w < a[c]); w++)
		{
			int			j = g->unit[w];

			waste += filled[j] < g->cap[j];
			for (int d = 0; d < g->n; d++)
				block += a[d] >= 0 && g->unit[a[d]] == j && key_less(g, w, a[d]);
		}
	snprintf(msg, sizeof msg, "%s: capacity %d, individually rational %d, wasteful %d, blocking %d",
			 label, over, ir, waste, block);
	check(over == 0 && ir == 0 && waste == 0 && block == 0, msg);
	free(filled);
}

static void
test_properties(void)
{
	for (uint64_t seed = 1; seed <= 300; seed++)
	{
		Gen			g;
		int			n = 5 + (int) (seed % 60),
					u = 2 + (int) (seed % 9);
		int		   *a,
				   *r;
		char		label[64];

		gen_make(&g, seed, n, u, 4);
		a = malloc(sizeof(int) * n);
		r = malloc(sizeof(int) * n);
		snprintf(label, sizeof label, "DA seed %d", (int) seed);
		check(run(&g, SV_DEFERRED_ACCEPTANCE, a) == 0, "DA runs");
		check_properties(&g, a, label);
		reference_da(&g, r);
		check(memcmp(a, r, sizeof(int) * n) == 0, "DA equals the naive reference");
		/* TTC and IA stay within capacity and individually rational */
		check(run(&g, SV_TOP_TRADING_CYCLES, a) == 0, "TTC runs");
		{
			int		   *f = calloc(u, sizeof(int)),
						ok = 1;

			for (int c = 0; c < n; c++)
				if (a[c] >= 0)
				{
					ok &= a[c] >= g.start[c] && a[c] < g.start[c + 1];
					f[g.unit[a[c]]]++;
				}
			for (int j = 0; j < u; j++)
				ok &= f[j] <= g.cap[j];
			check(ok, "TTC within capacity and individually rational");
			free(f);
		}
		check(run(&g, SV_IMMEDIATE_ACCEPTANCE, a) == 0, "IA runs");
		free(a);
		free(r);
		gen_free(&g);
	}
}

/* Gale & Shapley (1962) style instance, solved by hand. Units M, C, G with 2, 2, 1 seats. */
static void
test_textbook(void)
{
	/* children A S D J L; wishes (unit indexes M=0 C=1 G=2) */
	int			cap[] = {2, 2, 1};
	int			start[] = {0, 2, 4, 5, 7, 9};
	int			unit[] = {1, 0, 1, 0, 1, 0, 2, 2, 0};
	/* priorities: M: D > L > S > J > A ; C: D > A > S > L > J ; G: D > A > J > L > S */
	double		rankM[] = {5, 3, 1, 4, 2},
				rankC[] = {2, 3, 1, 5, 4},
				rankG[] = {2, 5, 1, 3, 4};
	int			child_of[9];
	double		key[18];
	int			a[5],
				la[3],
				fr[3],
				ap[3],
				ad[3];
	SvInstance	in = {5, 3, cap, start, unit, 2, key, NULL, NULL};
	SvResult	out = {a, la, fr, ap, ad};
	void	   *ws;

	for (int c = 0; c < 5; c++)
		for (int w = start[c]; w < start[c + 1]; w++)
			child_of[w] = c;
	for (int w = 0; w < 9; w++)
	{
		int			c = child_of[w];

		key[2 * w] = unit[w] == 0 ? rankM[c] : unit[w] == 1 ? rankC[c] : rankG[c];
		key[2 * w + 1] = c;
	}
	ws = malloc(sv_place_workspace_size(&in));
	sv_place(&in, SV_DEFERRED_ACCEPTANCE, ws, &out);
	/*
	 * By hand: A->C, S->C, D->C, J->M, L->G first; C holds D, A (rejects S); S->M: M holds J, S;
	 * all settled: A C, S M, D C, J M, L G.
	 */
	check(unit[a[0]] == 1 && unit[a[1]] == 0 && unit[a[2]] == 1 && unit[a[3]] == 0 && unit[a[4]] == 2,
		  "textbook instance: A C, S M, D C, J M, L G");
	check(ad[0] == 2 && ad[1] == 2 && ad[2] == 1 && ap[1] == 3, "textbook counts");
	check(child_of[fr[1]] == 1, "C's first rejected applicant is S");
	check(child_of[la[1]] == 0, "C's cut-off is A (D ranks above A)");
	free(ws);
}

/* No child gains by reordering or truncating its list (all permutations of its wishes). */
static int
next_permutation(int *v, int n)
{
	int			i = n - 2,
				j,
				t;

	while (i >= 0 && v[i] >= v[i + 1])
		i--;
	if (i < 0)
		return 0;
	for (j = n - 1; v[j] <= v[i]; j--);
	t = v[i], v[i] = v[j], v[j] = t;
	for (int a = i + 1, b = n - 1; a < b; a++, b--)
		t = v[a], v[a] = v[b], v[b] = t;
	return 1;
}

static int
true_rank(const Gen *g, int c, int unit_or_minus1)
{
	if (unit_or_minus1 < 0)
		return 1000;
	for (int w = g->start[c]; w < g->start[c + 1]; w++)
		if (g->unit[w] == unit_or_minus1)
			return w - g->start[c];
	return 1001;				/* a unit it did not truly want: no better than none */
}

static void
test_strategy_proofness(void)
{
	int			gains_da = 0,
				gains_ia = 0;

	for (uint64_t seed = 1000; seed < 1060; seed++)
	{
		Gen			g;
		int			n = 5,
					u = 3;
		int			a[5],
					b[5];

		gen_make(&g, seed, n, u, 3);
		for (int m = 0; m < 2; m++)
		{
			SvMechanism mech = m == 0 ? SV_DEFERRED_ACCEPTANCE : SV_IMMEDIATE_ACCEPTANCE;

			run(&g, mech, a);
			for (int c = 0; c < n; c++)
			{
				int			truth = true_rank(&g, c, a[c] >= 0 ? g.unit[a[c]] : -1);
				int			perm[3] = {0, 1, 2};

				/* every ordering of every subset of the 3 units as c's reported list */
				do
				{
					for (int len = 0; len <= 3; len++)
					{
						Gen			h = g;
						int			unit2[64],
									start2[6];
						double		key2[128];
						int			nw = 0;

						for (int d = 0; d < n; d++)
						{
							start2[d] = nw;
							if (d == c)
								for (int k = 0; k < len; k++)
								{
									unit2[nw] = perm[k];
									key2[2 * nw] = floor(sv_random_unit(seed, 4, d * 1000 + perm[k]) * 3);
									key2[2 * nw + 1] = sv_random_unit(seed, 5, d);
									nw++;
								}
							else
								for (int w = g.start[d]; w < g.start[d + 1]; w++)
								{
									unit2[nw] = g.unit[w];
									key2[2 * nw] = g.key[2 * w];
									key2[2 * nw + 1] = g.key[2 * w + 1];
									nw++;
								}
						}
						start2[n] = nw;
						h.start = start2;
						h.unit = unit2;
						h.key = key2;
						h.nw = nw;
						run(&h, mech, b);
						if (true_rank(&g, c, b[c] >= 0 ? unit2[b[c]] : -1) < truth)
						{
							if (m == 0)
								gains_da++;
							else
								gains_ia++;
						}
					}
				} while (next_permutation(perm, 3));
			}
		}
		gen_free(&g);
	}
	check(gains_da == 0, "deferred acceptance: no child gains by misreporting (60 instances, brute force)");
	check(gains_ia > 0, "immediate acceptance: some child gains by misreporting (it is manipulable)");
	printf("misreports that pay: deferred acceptance %d, immediate acceptance %d\n", gains_da, gains_ia);
}

/* Min-cost administrative placement equals the brute-force optimum on small instances. */
static double
brute(const SvAdminInstance *in, int c, int *seats)
{
	double		best = INFINITY;

	if (c == in->n_children)
		return 0;
	for (int k = in->cand_start[c]; k < in->cand_start[c + 1]; k++)
		if (seats[in->cand_unit[k]] > 0)
		{
			double		rest;

			seats[in->cand_unit[k]]--;
			rest = brute(in, c + 1, seats);
			seats[in->cand_unit[k]]++;
			if (in->cand_cost[k] + rest < best)
				best = in->cand_cost[k] + rest;
		}
	return best;
}

static void
test_admin(void)
{
	int			worse = 0,
				infeasible_ok = 1;

	for (uint64_t seed = 1; seed <= 200; seed++)
	{
		int			n = 2 + (int) (seed % 6),
					u = 2 + (int) (seed % 3);
		int			seats[8],
					start[10],
					unit[64],
					assigned[10];
		double		cost[64],
					order[10],
					total,
					best;
		int			k = 0,
					total_seats = 0;
		SvAdminInstance in;
		void	   *ws;
		int			rc;

		for (int j = 0; j < u; j++)
			total_seats += seats[j] = (int) (sv_random_unit(seed, 10, j) * 3);
		for (int c = 0; c < n; c++)
		{
			start[c] = k;
			order[c] = sv_random_unit(seed, 11, c);
			for (int j = 0; j < u; j++)
			{
				unit[k] = j;
				cost[k++] = floor(sv_random_unit(seed, 12, c * 10 + j) * 1000);
			}
		}
		start[n] = k;
		in = (SvAdminInstance) {n, u, seats, start, unit, cost, order, NULL, NULL};
		ws = malloc(sv_admin_workspace_size(&in));
		rc = sv_admin_min_cost(&in, ws, assigned, &total);
		{
			int			s2[8];

			memcpy(s2, seats, sizeof(seats));
			best = brute(&in, 0, s2);
		}
		if (total_seats < n)
			infeasible_ok &= rc == SV_ERR_INFEASIBLE;
		else if (rc != 0 || fabs(total - best) > 1e-6)
			worse++;
		rc = sv_admin_nearest_free(&in, ws, assigned);
		free(ws);
	}
	check(worse == 0, "min-cost administrative placement equals the brute-force optimum (200 instances)");
	check(infeasible_ok, "too few seats is reported as infeasible");
}

static void
test_timing(int n, int wishes, int u)
{
	Gen			g;
	int		   *a = malloc(sizeof(int) * n);
	clock_t		t0;
	double		ms;

	g.n = n;
	g.u = u;
	g.cap = malloc(sizeof(int) * u);
	g.start = malloc(sizeof(int) * (n + 1));
	g.unit = malloc(sizeof(int) * n * wishes);
	g.key = malloc(sizeof(double) * 2 * n * wishes);
	for (int j = 0; j < u; j++)
		g.cap[j] = (int) (1.05 * n / u) + 1;
	g.nw = 0;
	for (int c = 0; c < n; c++)
	{
		g.start[c] = g.nw;
		for (int k = 0; k < wishes; k++)
		{
			/* popular units: wishes concentrate on low indexes */
			int			j = (int) (pow(sv_random_unit(7, 3, (uint64_t) c * 100 + k), 2) * u);

			g.unit[g.nw] = (j + k * 7) % u;
			g.key[2 * g.nw] = floor(sv_random_unit(7, 4, (uint64_t) c * 100 + k) * 4);
			g.key[2 * g.nw + 1] = sv_random_unit(7, 5, c);
			g.nw++;
		}
	}
	g.start[n] = g.nw;
	t0 = clock();
	run(&g, SV_DEFERRED_ACCEPTANCE, a);
	ms = 1000.0 * (clock() - t0) / CLOCKS_PER_SEC;
	printf("timing: deferred acceptance %d children x %d wishes x %d units: %.1f ms\n", n, wishes, u, ms);
	free(a);
	gen_free(&g);
}

int
main(void)
{
	test_textbook();
	test_properties();
	test_strategy_proofness();
	test_admin();
	test_timing(1500, 3, 40);
	test_timing(10500, 5, 150);
	test_timing(120000, 5, 4800);
	printf("%d passed, %d failed\n", passed, failed);
	return failed > 0;
}
