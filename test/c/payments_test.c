/*
 * payments_test.c — checks of the payment core (src/payments/payments.c) without a database:
 * the calendar helpers against an independent day-by-day calendar walk, hand-computed small
 * months built directly as PayInput structs, and properties on generated random instances
 * checked against a naive day-by-day reference.
 *
 * cc -O2 -std=gnu11 -Wall -Wextra -Werror -I src test/c/payments_test.c src/payments/payments.c
 *
 * Prints "ok: ..." per hand check, then "ok: N instances, M rows checked".  Any failure
 * prints "FAIL: ..." (a property failure also the instance's seed and the row) and exits 1.
 * With an argument, runs only the generated instance of that seed (for debugging).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "payments/payments.h"

static long n_checks;
static int	n_failed;

static void
check(bool ok, const char *fmt,...)
{
	va_list		ap;

	n_checks++;
	va_start(ap, fmt);
	printf("%s: ", ok ? "ok" : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	if (!ok)
		n_failed++;
}

/* ---- an independent calendar: walk day by day from 1900-01-01 to 2100-12-31 ------------ */

#define CAL_Y0 1900
#define CAL_Y1 2100
#define CAL_DAYS 73414			/* 201 × 365 + 49 leap days (1904 … 2096; not 1900, 2100) */

static short cal_y[CAL_DAYS];
static signed char cal_m[CAL_DAYS], cal_d[CAL_DAYS];
static int	cal_2000;			/* index of 2000-01-01 */
static int32_t cal_month_first[CAL_Y1 - CAL_Y0 + 2][13];	/* day number (2000-01-01 = 0) */

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_length(int y, int m)
{
	static const int len[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && leap(y) ? 29 : len[m];
}

static void
cal_build(void)
{
	int			y = CAL_Y0, m = 1, d = 1, n = 0;

	cal_2000 = -1;
	while (y <= CAL_Y1)
	{
		if (n >= CAL_DAYS)
		{
			printf("FAIL: the calendar walk has more than %d days\n", CAL_DAYS);
			exit(1);
		}
		cal_y[n] = (short) y;
		cal_m[n] = (signed char) m;
		cal_d[n] = (signed char) d;
		if (y == 2000 && m == 1 && d == 1)
			cal_2000 = n;
		n++;
		if (++d > month_length(y, m))
		{
			d = 1;
			if (++m > 12)
			{
				m = 1;
				y++;
			}
		}
	}
	check(n == CAL_DAYS && cal_2000 == 36524,
		  "calendar walk 1900-01-01 .. 2100-12-31: %d days, 2000-01-01 is day %d of the walk", n, cal_2000);
	for (int i = 0; i < n; i++)
		if (cal_d[i] == 1)
			cal_month_first[cal_y[i] - CAL_Y0][cal_m[i]] = i - cal_2000;
	cal_month_first[CAL_Y1 + 1 - CAL_Y0][1] = n - cal_2000;
}

/* Day number (2000-01-01 = 0) of a civil date, from the walk. */
static int32_t
D(int y, int m, int d)
{
	if (y < CAL_Y0 || y > CAL_Y1 || m < 1 || m > 12 || d < 1 || d > month_length(y, m))
	{
		printf("FAIL: test bug: date %04d-%02d-%02d outside the walk\n", y, m, d);
		exit(1);
	}
	return cal_month_first[y - CAL_Y0][m] + d - 1;
}

static void
ymd_of(int32_t day, int *y, int *m, int *d)
{
	int			i = day + cal_2000;

	if (i < 0 || i >= CAL_DAYS)
	{
		printf("FAIL: test bug: day %d outside the walk\n", (int) day);
		exit(1);
	}
	*y = cal_y[i];
	*m = cal_m[i];
	*d = cal_d[i];
}

static int32_t
month_last_day(int y, int m)
{
	return D(y, m, month_length(y, m));
}

/* Band age by counting anniversaries: with a cut-over, the cut-over dates of the years after
 * birth; without one, the birthdays (29 February: 1 March in common years, as PostgreSQL's
 * age() counts). */
static int
ref_band_age(int cut_m, int cut_d, int by, int bm, int bd, int32_t day)
{
	int			age = -1000;

	for (int k = -3; k <= 40; k++)
	{
		int			y = by + k;
		int32_t		ann;

		if (y < CAL_Y0 || y > CAL_Y1)
			continue;
		if (cut_m > 0)
			ann = D(y, cut_m, cut_d);
		else if (bd <= month_length(y, bm))
			ann = D(y, bm, bd);
		else
			ann = D(y, 3, 1);
		if (ann <= day)
			age = k;
	}
	return age;
}

/* num / den, half away from zero, by comparing twice the remainder with the divisor. */
static int64_t
ref_round_div(int64_t num, int64_t den)
{
	uint64_t	a = num < 0 ? (uint64_t) 0 - (uint64_t) num : (uint64_t) num;
	uint64_t	q = a / (uint64_t) den,
				r = a % (uint64_t) den;

	if (2 * r >= (uint64_t) den)
		q++;
	return num < 0 ? -(int64_t) q : (int64_t) q;
}

static void
test_calendar(void)
{
	static const int32_t epochs[] = {0, 10957, -36524, 2451545, -7, 123456};
	long		bad = 0, n = 0;
	int			first_bad = 0;

	cal_build();

	/* sv_pay_ymd against the walk, for several epochs (day 0 = 2000-01-01 when epoch_2000 = 0). */
	for (size_t e = 0; e < sizeof(epochs) / sizeof(epochs[0]); e++)
	{
		bad = 0;
		for (int i = 0; i < CAL_DAYS; i++)
		{
			int			y, m, d;

			sv_pay_ymd(i - cal_2000 + epochs[e], epochs[e], &y, &m, &d);
			if (y != cal_y[i] || m != cal_m[i] || d != cal_d[i])
			{
				if (bad++ == 0)
					first_bad = i;
			}
		}
		if (bad)
		{
			int			y, m, d;

			sv_pay_ymd(first_bad - cal_2000 + epochs[e], epochs[e], &y, &m, &d);
			check(false, "sv_pay_ymd epoch_2000 = %d: %ld days wrong, first %04d-%02d-%02d given as %04d-%02d-%02d",
				  (int) epochs[e], bad, cal_y[first_bad], cal_m[first_bad], cal_d[first_bad], y, m, d);
		}
		else
			check(true, "sv_pay_ymd epoch_2000 = %d matches the walk on all %d days 1900-01-01 .. 2100-12-31",
				  (int) epochs[e], CAL_DAYS);
	}
	{
		int			y, m, d, y2, m2, d2;

		sv_pay_ymd(0, 0, &y, &m, &d);
		sv_pay_ymd(-36524, 0, &y2, &m2, &d2);
		check(y == 2000 && m == 1 && d == 1 && y2 == 1900 && m2 == 1 && d2 == 1,
			  "sv_pay_ymd: day 0 = %04d-%02d-%02d, day -36524 = %04d-%02d-%02d (PostgreSQL date numbers)",
			  y, m, d, y2, m2, d2);
		sv_pay_ymd(D(2024, 2, 29), 0, &y, &m, &d);
		sv_pay_ymd(D(2100, 3, 1) - 1, 0, &y2, &m2, &d2);
		check(y == 2024 && m == 2 && d == 29 && y2 == 2100 && m2 == 2 && d2 == 28,
			  "sv_pay_ymd: 2024-02-29 exists, the day before 2100-03-01 is %04d-%02d-%02d", y2, m2, d2);
	}

	/* sv_pay_band_age: hand cases. */
	{
		PayInput	in = {0};
		PayChild	c = {0};

		c.birth_year = 2023, c.birth_month = 10, c.birth_day = 20;
		in.cutover_month = 9, in.cutover_day = 1;
		check(sv_pay_band_age(&in, &c, D(2026, 8, 31)) == 2 && sv_pay_band_age(&in, &c, D(2026, 9, 1)) == 3 &&
			  sv_pay_band_age(&in, &c, D(2026, 10, 19)) == 3,
			  "sv_pay_band_age cut-over 1 Sep, born 2023-10-20: 2 on 2026-08-31, 3 from 2026-09-01");
		in.cutover_month = 0, in.cutover_day = 0;
		check(sv_pay_band_age(&in, &c, D(2026, 9, 1)) == 2 && sv_pay_band_age(&in, &c, D(2026, 10, 19)) == 2 &&
			  sv_pay_band_age(&in, &c, D(2026, 10, 20)) == 3,
			  "sv_pay_band_age birthday rule, born 2023-10-20: 2 on 2026-10-19, 3 on 2026-10-20");
		c.birth_year = 2020, c.birth_month = 2, c.birth_day = 29;
		check(sv_pay_band_age(&in, &c, D(2021, 2, 28)) == 0 && sv_pay_band_age(&in, &c, D(2021, 3, 1)) == 1 &&
			  sv_pay_band_age(&in, &c, D(2024, 2, 28)) == 3 && sv_pay_band_age(&in, &c, D(2024, 2, 29)) == 4 &&
			  sv_pay_band_age(&in, &c, D(2020, 2, 29)) == 0 && sv_pay_band_age(&in, &c, D(2020, 2, 28)) == -1,
			  "sv_pay_band_age birthday rule, born 2020-02-29: 0 on 2021-02-28, 1 on 2021-03-01, 4 on 2024-02-29");
		in.cutover_month = 9, in.cutover_day = 1;
		check(sv_pay_band_age(&in, &c, D(2026, 8, 31)) == 5 && sv_pay_band_age(&in, &c, D(2026, 9, 1)) == 6 &&
			  sv_pay_band_age(&in, &c, D(2021, 2, 28)) == 0 && sv_pay_band_age(&in, &c, D(2021, 3, 1)) == 0,
			  "sv_pay_band_age cut-over 1 Sep, born 2020-02-29: 5 on 2026-08-31, 6 on 2026-09-01, the leap day plays no part");
		in.epoch_2000 = 10957;
		check(sv_pay_band_age(&in, &c, D(2026, 9, 1) + 10957) == 6 && sv_pay_band_age(&in, &c, D(2026, 8, 31) + 10957) == 5,
			  "sv_pay_band_age with another epoch (epoch_2000 = 10957)");
	}

	/* sv_pay_band_age: every birth date 2014-2024 against the anniversary count, on the days
	 * around every birthday, cut-over, 28 February/1 March and New Year for 14 years. */
	{
		static const int cuts[][2] = {{0, 0}, {9, 1}, {1, 1}, {8, 15}, {7, 1}};
		long		cases = 0;

		bad = 0;
		for (size_t ct = 0; ct < sizeof(cuts) / sizeof(cuts[0]); ct++)
			for (int32_t b = D(2014, 1, 1); b <= D(2024, 12, 31); b++)
			{
				PayInput	in = {0};
				PayChild	c = {0};
				int			by, bm, bd;

				ymd_of(b, &by, &bm, &bd);
				c.birth_year = by, c.birth_month = bm, c.birth_day = bd;
				in.cutover_month = cuts[ct][0], in.cutover_day = cuts[ct][1];
				for (int y = by - 1; y <= by + 13; y++)
				{
					int32_t		days[8];
					int			nd = 0;

					days[nd++] = bd <= month_length(y, bm) ? D(y, bm, bd) : D(y, 3, 1);
					days[nd++] = D(y, 3, 1);
					days[nd++] = D(y, 1, 1);
					if (cuts[ct][0] > 0)
						days[nd++] = D(y, cuts[ct][0], cuts[ct][1]);
					days[nd++] = D(y, 6, 15) + (int) ((b * 7 + y) % 90);
					for (int i = 0; i < nd; i++)
						for (int32_t dd = days[i] - 1; dd <= days[i] + 1; dd++)
						{
							int			got = sv_pay_band_age(&in, &c, dd),
										want = ref_band_age(cuts[ct][0], cuts[ct][1], by, bm, bd, dd);

							cases++;
							if (got != want && bad++ < 5)
							{
								int			y2, m2, d2;

								ymd_of(dd, &y2, &m2, &d2);
								printf("FAIL: sv_pay_band_age born %04d-%02d-%02d, cut-over %d-%d, on %04d-%02d-%02d: %d, expected %d\n",
									   by, bm, bd, cuts[ct][0], cuts[ct][1], y2, m2, d2, got, want);
							}
						}
				}
			}
		check(bad == 0, "sv_pay_band_age against the anniversary count: %ld cases (births 2014-2024, 29 February included, 5 cut-over settings), %ld wrong",
			  cases, bad);
	}

	/* sv_pay_round_div. */
	check(sv_pay_round_div(5, 10) == 1 && sv_pay_round_div(-5, 10) == -1 && sv_pay_round_div(4, 10) == 0 &&
		  sv_pay_round_div(-4, 10) == 0 && sv_pay_round_div(15, 10) == 2 && sv_pay_round_div(-15, 10) == -2 &&
		  sv_pay_round_div(25, 10) == 3 && sv_pay_round_div(-25, 10) == -3 && sv_pay_round_div(0, 7) == 0 &&
		  sv_pay_round_div(1, 3) == 0 && sv_pay_round_div(2, 3) == 1 && sv_pay_round_div(-2, 3) == -1 &&
		  sv_pay_round_div(-1, 3) == 0 && sv_pay_round_div(7, 1) == 7 && sv_pay_round_div(-7, 1) == -7 &&
		  sv_pay_round_div(1, 2) == 1 && sv_pay_round_div(-1, 2) == -1,
		  "sv_pay_round_div half away from zero: 0.5 -> 1, -0.5 -> -1, 2.5 -> 3, -2.5 -> -3, 0.4 -> 0, 2/3 -> 1, -2/3 -> -1");
	check(sv_pay_round_div(INT64_C(100000000000005), 10) == INT64_C(10000000000001) &&
		  sv_pay_round_div(INT64_C(-100000000000005), 10) == INT64_C(-10000000000001) &&
		  sv_pay_round_div(INT64_C(8400000) * 12, 372) == 270968,
		  "sv_pay_round_div on large values and 84 000 kr × 12 / 372 = 2 709.68 kr");
	bad = 0;
	n = 0;
	for (int64_t den = 1; den <= 64; den++)
		for (int64_t num = -5000; num <= 5000; num++)
		{
			n++;
			if (sv_pay_round_div(num, den) != ref_round_div(num, den) && bad++ < 5)
				printf("FAIL: sv_pay_round_div(%" PRId64 ", %" PRId64 ") = %" PRId64 ", expected %" PRId64 "\n",
					   num, den, sv_pay_round_div(num, den), ref_round_div(num, den));
		}
	check(bad == 0, "sv_pay_round_div against the remainder rule: %ld cases (-5000..5000 / 1..64), %ld wrong", n, bad);
}

/* ---- building inputs ------------------------------------------------------------------ */

#define MAXN 256

typedef struct B
{
	PayInput	in;
	PayCategory cat[MAXN];
	PayRate		rate[MAXN];
	PayChild	child[MAXN];
	PayEnrollment enr[MAXN];
	PayResidence res[MAXN];
	PaySupplement sup[MAXN];
	int			dist_admin[MAXN];
	PayAccount	acc[MAXN];
	int			nc, nr, nch, ne, nres, ns, nd, na;
} B;

static void
room(int n)
{
	if (n >= MAXN)
	{
		printf("FAIL: test bug: more than %d items\n", MAXN);
		exit(1);
	}
}

static void
b_month(B *b, int y, int m, bool per_day, int32_t count_date, int cut_m, int cut_d)
{
	PayInput   *in = &b->in;

	in->year = y;
	in->month = m;
	in->month_first = D(y, m, 1);
	in->month_last = month_last_day(y, m);
	in->per_day = per_day;
	in->count_date = count_date;
	/* as the glue: the count date's rate, or the month's first day's when counted elsewhere */
	in->rate_day = count_date >= in->month_first && count_date <= in->month_last ? count_date : in->month_first;
	in->cutover_month = cut_m;
	in->cutover_day = cut_d;
	in->epoch_2000 = 0;
}

static int
b_category(B *b, int form, int gf, int gt, int af, int at, double over, double up_to)
{
	PayCategory *c = &b->cat[b->nc];

	room(b->nc);
	c->form = form;
	c->grade_from = gf, c->grade_to = gt;
	c->age_from = af, c->age_to = at;
	c->hours_over = over, c->hours_up_to = up_to;
	return b->nc++;
}

static void
b_rate(B *b, int64_t id, int cat, int32_t from, int32_t to, int64_t base, int64_t premises, int32_t admin_bp, int32_t vat_bp)
{
	PayRate    *r = &b->rate[b->nr++];

	room(b->nr);
	r->rate_id = id;
	r->category = cat;
	r->from = from, r->to = to;
	r->base_annual = base, r->premises_annual = premises;
	r->admin_bp = admin_bp, r->vat_bp = vat_bp;
}

/* Children must be added in child_id order. */
static int
b_child(B *b, int64_t id, int y, int m, int d)
{
	PayChild   *c = &b->child[b->nch];

	room(b->nch);
	memset(c, 0, sizeof(*c));
	c->child_id = id;
	c->birth_year = y, c->birth_month = m, c->birth_day = d;
	return b->nch++;
}

static void
b_enrollment(B *b, int child, int64_t id, int64_t unit, bool independent, int form, int grade, double hours,
			 int32_t from, int32_t to)
{
	PayEnrollment *e = &b->enr[b->ne++];

	room(b->ne);
	e->enrollment_id = id;
	e->child = child;
	e->unit_id = unit;
	e->independent = independent;
	e->form = form;
	e->grade = grade;
	e->hours = hours;
	e->from = from, e->to = to;
}

static void
b_residence(B *b, int child, int32_t from, int32_t to, bool ours, bool has_address, int district, int code)
{
	PayResidence *r = &b->res[b->nres++];

	room(b->nres);
	r->child = child;
	r->from = from, r->to = to;
	r->ours = ours;
	r->has_address = has_address;
	r->district = district;
	r->municipality_code = code;
}

static void
b_supplement(B *b, int child, int64_t id, int64_t unit, int64_t amount, int32_t vat_bp, int32_t from, int32_t to)
{
	PaySupplement *s = &b->sup[b->ns++];

	room(b->ns);
	s->supplement_id = id;
	s->child = child;
	s->unit_id = unit;
	s->amount_monthly = amount;
	s->vat_bp = vat_bp;
	s->from = from, s->to = to;
}

static void
b_district(B *b, int administration)
{
	room(b->nd);
	b->dist_admin[b->nd++] = administration;
}

static void
b_account(B *b, int administration, int form, int account)
{
	PayAccount *a = &b->acc[b->na++];

	room(b->na);
	a->administration = administration;
	a->form = form;
	a->account = account;
}

static int
cmp_rate(const void *x, const void *y)
{
	const PayRate *a = x, *b = y;

	if (a->category != b->category)
		return a->category < b->category ? -1 : 1;
	return a->from < b->from ? -1 : a->from > b->from;
}

static int
cmp_enr(const void *x, const void *y)
{
	const PayEnrollment *a = x, *b = y;

	if (a->child != b->child)
		return a->child < b->child ? -1 : 1;
	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	return a->enrollment_id < b->enrollment_id ? -1 : a->enrollment_id > b->enrollment_id;
}

static int
cmp_res(const void *x, const void *y)
{
	const PayResidence *a = x, *b = y;

	if (a->child != b->child)
		return a->child < b->child ? -1 : 1;
	return a->from < b->from ? -1 : a->from > b->from;
}

static int
cmp_sup(const void *x, const void *y)
{
	const PaySupplement *a = x, *b = y;

	if (a->child != b->child)
		return a->child < b->child ? -1 : 1;
	return a->supplement_id < b->supplement_id ? -1 : a->supplement_id > b->supplement_id;
}

/* Sort as the glue does and fill in the children's index ranges and the input's pointers. */
static void
b_finish(B *b)
{
	PayInput   *in = &b->in;

	qsort(b->rate, b->nr, sizeof(PayRate), cmp_rate);
	qsort(b->enr, b->ne, sizeof(PayEnrollment), cmp_enr);
	qsort(b->res, b->nres, sizeof(PayResidence), cmp_res);
	qsort(b->sup, b->ns, sizeof(PaySupplement), cmp_sup);
	for (int c = 0; c < b->nch; c++)
	{
		PayChild   *ch = &b->child[c];

		ch->first_enrollment = ch->n_enrollments = 0;
		ch->first_residence = ch->n_residences = 0;
		ch->first_supplement = ch->n_supplements = 0;
	}
	for (int i = 0; i < b->ne; i++)
		if (b->child[b->enr[i].child].n_enrollments++ == 0)
			b->child[b->enr[i].child].first_enrollment = i;
	for (int i = 0; i < b->nres; i++)
		if (b->child[b->res[i].child].n_residences++ == 0)
			b->child[b->res[i].child].first_residence = i;
	for (int i = 0; i < b->ns; i++)
		if (b->child[b->sup[i].child].n_supplements++ == 0)
			b->child[b->sup[i].child].first_supplement = i;
	in->categories = b->cat, in->n_categories = b->nc;
	in->rates = b->rate, in->n_rates = b->nr;
	in->children = b->child, in->n_children = b->nch;
	in->enrollments = b->enr, in->n_enrollments = b->ne;
	in->residences = b->res, in->n_residences = b->nres;
	in->supplements = b->sup, in->n_supplements = b->ns;
	in->district_administration = b->dist_admin, in->n_districts = b->nd;
	in->accounts = b->acc, in->n_accounts = b->na;
}

/* ---- running the core: realloc-based hooks that remember their blocks ------------------- */

typedef struct Arena
{
	void	  **p;
	int			n, cap;
} Arena;

static void *
t_grow(void *ptr, size_t size, void *arg)
{
	Arena	   *a = arg;
	void	   *q = realloc(ptr, size > 0 ? size : 1);

	if (q == NULL)
	{
		printf("FAIL: out of memory\n");
		exit(2);
	}
	if (ptr != NULL)
	{
		for (int i = 0; i < a->n; i++)
			if (a->p[i] == ptr)
			{
				a->p[i] = q;
				return q;
			}
		printf("FAIL: grow of a block the hooks never gave out\n");
		exit(1);
	}
	if (a->n == a->cap)
	{
		a->cap = a->cap ? a->cap * 2 : 16;
		a->p = realloc(a->p, sizeof(void *) * a->cap);
		if (a->p == NULL)
			exit(2);
	}
	a->p[a->n++] = q;
	return q;
}

static void
arena_free(Arena *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->p[i]);
	free(a->p);
	memset(a, 0, sizeof(*a));
}

static void
run(const B *b, PayOutput *out, Arena *a)
{
	PayHooks	hooks = {t_grow, NULL, a};

	memset(out, 0, sizeof(*out));
	sv_pay_compute(&b->in, out, &hooks);
}

/* ---- hand-computed months ------------------------------------------------------------- */

enum
{
	FSK12, FSK12_15, FSK35, FSK35_15, FK, GR1_3, GR4_6, GR7_9, FRI0_3, FRI4_6
};

#define U10 10					/* independent */
#define U11 11					/* independent */
#define U12 12					/* municipal */
#define IND(u) ((u) != U12)

/*
 * The categories and rates of test/sql/payments.sql, in öre, 3 % administration, 6 % VAT:
 * FSK12 120 000 + 24 000, FSK12-15 60 000 + 12 000, FSK35 96 000 + 24 000, FSK35-15 48 000 +
 * 12 000, FK 60 000 + 12 000 until 30 June 2026 and 66 000 + 12 000 from 1 July, GR1-3 84 000 +
 * 12 000, GR4-6 90 000 + 12 000, GR7-9 108 000 + 12 000, FRI0-3 36 000, FRI4-6 no rate.
 * Districts: 0 -> administration 0 (account 0), 1 -> administration 1 (account 1, förskola
 * account 2), 2 -> no administration, 3 -> administration 2 without an account.
 */
static void
std_setup(B *b, int y, int m, bool per_day, int32_t count_date, int cut_m, int cut_d)
{
	memset(b, 0, sizeof(*b));
	b_month(b, y, m, per_day, count_date, cut_m, cut_d);
	b_category(b, PAY_FORSKOLA, PAY_NONE, PAY_NONE, 1, 2, 15, -1);
	b_category(b, PAY_FORSKOLA, PAY_NONE, PAY_NONE, 1, 2, -1, 15);
	b_category(b, PAY_FORSKOLA, PAY_NONE, PAY_NONE, 3, 5, 15, -1);
	b_category(b, PAY_FORSKOLA, PAY_NONE, PAY_NONE, 3, 5, -1, 15);
	b_category(b, PAY_FORSKOLEKLASS, PAY_NONE, PAY_NONE, PAY_NONE, PAY_NONE, -1, -1);
	b_category(b, PAY_GRUNDSKOLA, 1, 3, PAY_NONE, PAY_NONE, -1, -1);
	b_category(b, PAY_GRUNDSKOLA, 4, 6, PAY_NONE, PAY_NONE, -1, -1);
	b_category(b, PAY_GRUNDSKOLA, 7, 9, PAY_NONE, PAY_NONE, -1, -1);
	b_category(b, PAY_FRITIDSHEM, 0, 3, PAY_NONE, PAY_NONE, -1, -1);
	b_category(b, PAY_FRITIDSHEM, 4, 6, PAY_NONE, PAY_NONE, -1, -1);
	b_rate(b, 1, FSK12, D(2026, 1, 1), D(2026, 12, 31), 12000000, 2400000, 300, 600);
	b_rate(b, 2, FSK12_15, D(2026, 1, 1), D(2026, 12, 31), 6000000, 1200000, 300, 600);
	b_rate(b, 3, FSK35, D(2026, 1, 1), D(2026, 12, 31), 9600000, 2400000, 300, 600);
	b_rate(b, 4, FSK35_15, D(2026, 1, 1), D(2026, 12, 31), 4800000, 1200000, 300, 600);
	b_rate(b, 5, FK, D(2026, 1, 1), D(2026, 6, 30), 6000000, 1200000, 300, 600);
	b_rate(b, 6, FK, D(2026, 7, 1), D(2026, 12, 31), 6600000, 1200000, 300, 600);
	b_rate(b, 7, GR1_3, D(2026, 1, 1), D(2026, 12, 31), 8400000, 1200000, 300, 600);
	b_rate(b, 8, GR4_6, D(2026, 1, 1), D(2026, 12, 31), 9000000, 1200000, 300, 600);
	b_rate(b, 9, GR7_9, D(2026, 1, 1), D(2026, 12, 31), 10800000, 1200000, 300, 600);
	b_rate(b, 10, FRI0_3, D(2026, 1, 1), D(2026, 12, 31), 3600000, 0, 300, 600);
	b_district(b, 0);
	b_district(b, 1);
	b_district(b, PAY_NONE);
	b_district(b, 2);
	b_account(b, 0, PAY_NONE, 0);
	b_account(b, 1, PAY_NONE, 1);
	b_account(b, 1, PAY_FORSKOLA, 2);
}

/* A child living in district `district` of the municipality since 2020, with an address. */
static int
std_child(B *b, int64_t id, int y, int m, int d, int district)
{
	int			c = b_child(b, id, y, m, d);

	if (district != -9)
		b_residence(b, c, D(2020, 1, 1), PAY_OPEN_END, true, true, district, 1281);
	return c;
}

static int
rows_of_child(const B *b, const PayOutput *o, int64_t child_id)
{
	int			n = 0;

	for (int i = 0; i < o->n_rows; i++)
		n += b->child[o->rows[i].child].child_id == child_id;
	return n;
}

/* The grant row of an enrollment (by id) in a category (or any category with -99). */
static const PayRow *
grant_row(const B *b, const PayOutput *o, int64_t enrollment_id, int category)
{
	for (int i = 0; i < o->n_rows; i++)
	{
		const PayRow *r = &o->rows[i];

		if (!r->supplement && r->enrollment >= 0 && b->enr[r->enrollment].enrollment_id == enrollment_id &&
			(category == -99 || r->category == category))
			return r;
	}
	return NULL;
}

static const PayRow *
supplement_row(const B *b, const PayOutput *o, int64_t supplement_id)
{
	for (int i = 0; i < o->n_rows; i++)
	{
		const PayRow *r = &o->rows[i];

		if (r->supplement && b->sup[r->supplement_index].supplement_id == supplement_id)
			return r;
	}
	return NULL;
}

static int
issues_of(const B *b, const PayOutput *o, PayIssueKind kind, int64_t child_id, int error)
{
	int			n = 0;

	for (int i = 0; i < o->n_issues; i++)
	{
		const PayIssue *is = &o->issues[i];

		if (is->kind == kind && b->child[is->child].child_id == child_id && (error < 0 || is->error == (error > 0)))
			n++;
	}
	return n;
}

static bool
amounts(const PayRow *r, int64_t base, int64_t premises, int64_t admin, int64_t vat, int64_t amount)
{
	return r != NULL && r->base == base && r->premises == premises && r->admin == admin && r->vat == vat &&
		r->amount == amount;
}

static const char *
row_text(const PayRow *r)
{
	static char buf[400];

	if (r == NULL)
		return "no row";
	snprintf(buf, sizeof(buf), "cat %d days %d/%d base %" PRId64 " premises %" PRId64 " admin %" PRId64
			 " vat %" PRId64 " amount %" PRId64 " held %d flags 0x%x admin %d account %d",
			 r->category, r->days, r->days_in_month, r->base, r->premises, r->admin, r->vat, r->amount,
			 r->held, r->flags, r->administration, r->account);
	return buf;
}

static void
test_hand(void)
{
	static B	b;
	PayOutput	o;
	Arena		a = {0};
	const PayRow *r;
	int			c;

	/* 1. A count-day month: March 2026 counted on Monday 16 March. FK: 5 000 + 1 000 a month,
	 * admin 3 % of 6 000 = 180, VAT 6 % of 6 180 = 370.80: 6 550.80. */
	std_setup(&b, 2026, 3, false, D(2026, 3, 16), 9, 1);
	c = std_child(&b, 1, 2020, 3, 1, 0);
	b_enrollment(&b, c, 101, U10, true, PAY_FORSKOLEKLASS, 0, -1, D(2025, 8, 15), PAY_OPEN_END);
	b_finish(&b);
	run(&b, &o, &a);
	r = grant_row(&b, &o, 101, FK);
	check(o.n_rows == 1 && amounts(r, 500000, 100000, 18000, 37080, 655080) && r->days == 1 &&
		  r->days_in_month == 1 && !r->held && r->flags == 0 && r->rate_id == 5 && r->administration == 0 &&
		  r->account == 0 && r->district == 0 && r->last_day == D(2026, 3, 16) && o.n_issues == 0,
		  "count day March 2026, FK all year: 6 550.80 kr, not held, account 0 (%s)", row_text(r));
	arena_free(&a);

	/* June counted on 15 May (outside the month): June's rate; July counted on 24 August:
	 * July's new FK rate 5 500 + 1 000, admin 195, VAT 401.70: 7 096.70. */
	std_setup(&b, 2026, 6, false, D(2026, 5, 15), 9, 1);
	c = std_child(&b, 1, 2020, 3, 1, 0);
	b_enrollment(&b, c, 101, U10, true, PAY_FORSKOLEKLASS, 0, -1, D(2025, 8, 15), PAY_OPEN_END);
	b_finish(&b);
	run(&b, &o, &a);
	r = grant_row(&b, &o, 101, FK);
	check(o.n_rows == 1 && amounts(r, 500000, 100000, 18000, 37080, 655080) && r->rate_id == 5 && !r->held,
		  "June 2026 counted on 15 May: paid at June's FK rate 6 550.80 (%s)", row_text(r));
	arena_free(&a);
	std_setup(&b, 2026, 7, false, D(2026, 8, 24), 9, 1);
	c = std_child(&b, 1, 2020, 3, 1, 0);
	b_enrollment(&b, c, 101, U10, true, PAY_FORSKOLEKLASS, 0, -1, D(2025, 8, 15), PAY_OPEN_END);
	b_finish(&b);
	run(&b, &o, &a);
	r = grant_row(&b, &o, 101, FK);
	check(o.n_rows == 1 && amounts(r, 550000, 100000, 19500, 40170, 709670) && r->rate_id == 6 && !r->held,
		  "July 2026 counted on 24 August: July's new FK rate 7 096.70 (%s)", row_text(r));
	arena_free(&a);

	/* 2. Starts and stops around the count date (16 March). */
	std_setup(&b, 2026, 3, false, D(2026, 3, 16), 9, 1);
	c = std_child(&b, 2, 2020, 4, 1, 0);
	b_enrollment(&b, c, 102, U10, true, PAY_FORSKOLEKLASS, 0, -1, D(2026, 3, 10), PAY_OPEN_END);
	c = std_child(&b, 3, 2018, 5, 1, 0);
	b_enrollment(&b, c, 103, U10, true, PAY_GRUNDSKOLA, 2, -1, D(2026, 3, 20), PAY_OPEN_END);
	c = std_child(&b, 4, 2015, 6, 1, 0);
	b_enrollment(&b, c, 104, U10, true, PAY_GRUNDSKOLA, 5, -1, D(2025, 8, 15), D(2026, 3, 16));
	c = std_child(&b, 5, 2015, 7, 1, 0);
	b_enrollment(&b, c, 105, U10, true, PAY_GRUNDSKOLA, 5, -1, D(2025, 8, 15), D(2026, 3, 13));
	c = std_child(&b, 6, 2012, 8, 1, 0);
	b_enrollment(&b, c, 106, U10, true, PAY_GRUNDSKOLA, 7, -1, D(2026, 3, 16), PAY_OPEN_END);
	c = std_child(&b, 7, 2011, 9, 1, 0);
	b_enrollment(&b, c, 107, U10, true, PAY_GRUNDSKOLA, 8, -1, D(2025, 8, 15), D(2026, 3, 15));
	b_finish(&b);
	run(&b, &o, &a);
	check(o.n_rows == 3 && grant_row(&b, &o, 102, FK) && grant_row(&b, &o, 104, GR4_6) &&
		  grant_row(&b, &o, 106, GR7_9) && !grant_row(&b, &o, 103, -99) && !grant_row(&b, &o, 105, -99) &&
		  !grant_row(&b, &o, 107, -99),
		  "count day 16 March: paid from 10 March, to 16 March, from 16 March; not from 20 March, to 13 or 15 March (%d rows)",
		  o.n_rows);
	r = grant_row(&b, &o, 106, GR7_9);
	check(amounts(r, 900000, 100000, 30000, 61800, 1091800), "GR7-9 count-day month: 10 918.00 kr (%s)", row_text(r));
	arena_free(&a);

	/* 3. Per day: child 3 starts on 20 March, 12 of 31 days of GR1-3 (84 000 + 12 000):
	 * base 84 000 × 12 / 372 = 2 709.68, premises 387.10, admin 3 % of 3 096.78 = 92.90,
	 * VAT 6 % of 3 189.68 = 191.38, total 3 381.06.  Child 4 stops on 16 March, 16 days of
	 * GR4-6: 3 870.97 + 516.13, admin 131.61, VAT 271.12: 4 789.83.  Child 9 moves to Malmö on
	 * 11 March: 10 of 31 days of FK (60 000 + 12 000): 1 612.90 + 322.58, admin 58.06, VAT
	 * 119.61: 2 113.15. */
	std_setup(&b, 2026, 3, true, D(2026, 3, 16), 9, 1);
	c = std_child(&b, 3, 2018, 5, 1, 0);
	b_enrollment(&b, c, 103, U10, true, PAY_GRUNDSKOLA, 2, -1, D(2026, 3, 20), PAY_OPEN_END);
	c = std_child(&b, 4, 2015, 6, 1, 0);
	b_enrollment(&b, c, 104, U10, true, PAY_GRUNDSKOLA, 5, -1, D(2025, 8, 15), D(2026, 3, 16));
	c = b_child(&b, 9, 2020, 11, 1);
	b_residence(&b, c, D(2020, 1, 1), D(2026, 3, 10), true, true, 0, 1281);
	b_residence(&b, c, D(2026, 3, 11), PAY_OPEN_END, false, true, PAY_NONE, 1280);
	b_enrollment(&b, c, 109, U10, true, PAY_FORSKOLEKLASS, 0, -1, D(2025, 8, 15), PAY_OPEN_END);
	b_finish(&b);
	run(&b, &o, &a);
	r = grant_row(&b, &o, 103, GR1_3);
	check(amounts(r, 270968, 38710, 9290, 19138, 338106) && r->days == 12 && r->days_in_month == 31 && !r->held,
		  "per day, 12 of 31 days of 84 000 + 12 000: 2 709.68 + 387.10 + 92.90 + 191.38 = 3 381.06 (%s)", row_text(r));
	r = grant_row(&b, &o, 104, GR4_6);
	check(amounts(r, 387097, 51613, 13161, 27112, 478983) && r->days == 16,
		  "per day, 16 of 31 days of 90 000 + 12 000: 4 789.83 (%s)", row_text(r));
	r = grant_row(&b, &o, 109, FK);
	check(amounts(r, 161290, 32258, 5806, 11961, 211315) && r->days == 10 && !r->held &&
		  (r->flags & PAY_FLAG(PI_ADDRESS_CHANGED)) &&
		  issues_of(&b, &o, PI_RESIDENT_ELSEWHERE, 9, 0) == 1,
		  "per day, moved to another municipality on 11 March: 10 days paid, resident_elsewhere warning (%s)", row_text(r));
	arena_free(&a);

	/* 4. A rate change inside a per-day month: FK 60 000 until 15 March, 66 000 from 16 March,
	 * premises 12 000: (15 × 60 000 + 16 × 66 000) / 372 = 5 258.06, premises 1 000, admin
	 * 187.74, VAT 386.75: 6 832.55, one row at the new rate id. */
	std_setup(&b, 2026, 3, true, D(2026, 3, 16), 9, 1);
	b.nr = 0;
	b_rate(&b, 21, FK, D(2026, 1, 1), D(2026, 3, 15), 6000000, 1200000, 300, 600);
	b_rate(&b, 22, FK, D(2026, 3, 16), PAY_OPEN_END, 6600000, 1200000, 300, 600);
	c = std_child(&b, 1, 2020, 3, 1, 0);
	b_enrollment(&b, c, 101, U10, true, PAY_FORSKOLEKLASS, 0, -1, D(2025, 8, 15), PAY_OPEN_END);
	b_finish(&b);
	run(&b, &o, &a);
	r = grant_row(&b, &o, 101, FK);
	check(o.n_rows == 1 && amounts(r, 525806, 100000, 18774, 38675, 683255) && r->days == 31 && r->rate_id == 22,
		  "per day, rate change on 16 March: 15 + 16 days sum to 6 832.55 in one row (%s)", row_text(r));
	arena_free(&a);
	/* The same with a gap: no FK rate on 16-20 March -> those days unpaid, the row held. */
	std_setup(&b, 2026, 3, true, D(2026, 3, 16), 9, 1);
	b.nr = 0;
	b_rate(&b, 21, FK, D(2026, 1, 1), D(2026, 3, 15), 6000000, 1200000, 300, 600);
	b_rate(&b, 22, FK, D(2026, 3, 21), PAY_OPEN_END, 6600000, 1200000, 300, 600);
	c = std_child(&b, 1, 2020, 3, 1, 0);
	b_enrollment(&b, c, 101, U10, true, PAY_FORSKOLEKLASS, 0, -1, D(2025, 8, 15), PAY_OPEN_END);
	b_finish(&b);
	run(&b, &o, &a);
	r = grant_row(&b, &o, 101, FK);
	check(o.n_rows == 1 && r->days == 31 && r->base == sv_pay_round_div(15 * 6000000 + 11 * 6600000, 372) &&
		  r->premises == sv_pay_round_div(26 * 1200000, 372) && r->held && (r->flags & PAY_FLAG(PI_NO_RATE)) &&
		  issues_of(&b, &o, PI_NO_RATE, 1, 1) == 1,
		  "per day, a 5-day gap between two rates: 26 days priced, row held, one no_rate error (%s)", row_text(r));
	arena_free(&a);

	/* 5. The age cut-over: born 20 October 2023, förskola 40 h: FSK12 in August 2026
	 * (10 000 + 2 000, 360, 741.60: 13 101.60), FSK35 from September (10 918.00); without a
	 * cut-over still FSK12 in September. */
	for (int variant = 0; variant < 3; variant++)
	{
		int			month = variant == 0 ? 8 : 9;
		bool		cut = variant < 2;
		int			want_cat = variant == 1 ? FSK35 : FSK12;

		std_setup(&b, 2026, month, false, D(2026, month, 15), cut ? 9 : 0, cut ? 1 : 0);
		c = std_child(&b, 8, 2023, 10, 20, 0);
		b_enrollment(&b, c, 108, U11, true, PAY_FORSKOLA, PAY_NONE, 40, D(2025, 1, 1), PAY_OPEN_END);
		b_finish(&b);
		run(&b, &o, &a);
		r = grant_row(&b, &o, 108, want_cat);
		check(o.n_rows == 1 && r != NULL && r->age == (variant == 1 ? 3 : 2) &&
			  (want_cat == FSK12 ? amounts(r, 1000000, 200000, 36000, 74160, 1310160)
			   : amounts(r, 800000, 200000, 30000, 61800, 1091800)),
			  "age band: born 2023-10-20, %s 2026, %s: %s (%s)", month == 8 ? "August" : "September",
			  cut ? "cut-over 1 September" : "birthday rule", want_cat == FSK12 ? "FSK12" : "FSK35", row_text(r));
		arena_free(&a);
	}
	/* Per day, birthday rule, third birthday on 20 March: 19 days FSK12, 12 days FSK35. */
	std_setup(&b, 2026, 3, true, D(2026, 3, 16), 0, 0);
	c = std_child(&b, 8, 2023, 3, 20, 0);
	b_enrollment(&b, c, 108, U11, true, PAY_FORSKOLA, PAY_NONE, 40, D(2025, 1, 1), PAY_OPEN_END);
	b_finish(&b);
	run(&b, &o, &a);
	{
		const PayRow *r1 = grant_row(&b, &o, 108, FSK12),
				   *r2 = grant_row(&b, &o, 108, FSK35);

		check(o.n_rows == 2 && amounts(r1, 612903, 122581, 22065, 45453, 803002) && r1->days == 19 &&
			  amounts(r2, 309677, 77419, 11613, 23923, 422632) && r2->days == 12 && r2->age == 3,
			  "per day, third birthday on 20 March: FSK12 19/31 days 8 030.02, FSK35 12/31 days 4 226.32");
	}
	arena_free(&a);

	/* 6. Hours tiers: exactly 15 h is "at most 15", 15.5 h is "over 15", unknown hours match
	 * neither (no category, held). */
	std_setup(&b, 2026, 3, false, D(2026, 3, 16), 9, 1);
	c = std_child(&b, 30, 2021, 5, 1, 0);
	b_enrollment(&b, c, 301, U11, true, PAY_FORSKOLA, PAY_NONE, 15.0, D(2025, 1, 1), PAY_OPEN_END);
	c = std_child(&b, 31, 2021, 5, 1, 0);
	b_enrollment(&b, c, 311, U11, true, PAY_FORSKOLA, PAY_NONE, 15.5, D(2025, 1, 1), PAY_OPEN_END);
	c = std_child(&b, 32, 2021, 5, 1, 0);
	b_enrollment(&b, c, 321, U11, true, PAY_FORSKOLA, PAY_NONE, -1, D(2025, 1, 1), PAY_OPEN_END);
	c = std_child(&b, 33, 2021, 5, 1, 0);
	b_enrollment(&b, c, 331, U11, true, PAY_FORSKOLA, PAY_NONE, 0, D(2025, 1, 1), PAY_OPEN_END);
	b_finish(&b);
	run(&b, &o, &a);
	r = grant_row(&b, &o, 301, FSK35_15);
	check(amounts(r, 400000, 100000, 15000, 30900, 545900) && !r->held,
		  "hours exactly 15: FSK35-15 (at most 15 h), 5 459.00 (%s)", row_text(r));
	r = grant_row(&b, &o, 311, FSK35);
	check(amounts(r, 800000, 200000, 30000, 61800, 1091800) && !r->held, "hours 15.5: FSK35 (over 15 h) (%s)", row_text(r));
	r = grant_row(&b, &o, 321, PAY_NONE);
	check(r && r->held && r->amount == 0 && (r->flags & PAY_FLAG(PI_NO_CATEGORY)) && issues_of(&b, &o, PI_NO_CATEGORY, 32, 1) == 1,
		  "hours unknown: no category, held (%s)", row_text(r));
	r = grant_row(&b, &o, 331, FSK35_15);
	check(r && !r->held, "hours 0: FSK35-15 (%s)", row_text(r));
	arena_free(&a);

	/* 7. Supplements: 5 000 a month + 6 % VAT = 5 300.00 on a count day; 12 of 31 days per day
	 * = 1 935.48 + 116.13 = 2 051.61; one at a unit the child is not placed at: no row, a
	 * warning. */
	for (int per_day = 0; per_day < 2; per_day++)
	{
		std_setup(&b, 2026, 3, per_day, D(2026, 3, 16), 9, 1);
		c = std_child(&b, 12, 2019, 1, 10, 0);
		b_enrollment(&b, c, 114, U10, true, PAY_GRUNDSKOLA, 1, -1, D(2026, 3, 20), PAY_OPEN_END);
		b_supplement(&b, c, 1, U10, 500000, 600, D(2026, 1, 1), D(2026, 6, 30));
		b_supplement(&b, c, 2, U11, 200000, 600, D(2026, 3, 1), D(2026, 3, 31));
		if (!per_day)
			b.enr[0].from = D(2025, 8, 15);
		b_finish(&b);
		run(&b, &o, &a);
		r = supplement_row(&b, &o, 1);
		check(per_day ? amounts(r, 193548, 0, 0, 11613, 205161) && r->days == 12 && r->days_in_month == 31
			  : amounts(r, 500000, 0, 0, 30000, 530000) && r->days == 1,
			  "supplement 5 000 a month + 6 %%, %s (%s)", per_day ? "per day from 20 March: 2 051.61" : "count day: 5 300.00",
			  row_text(r));
		check(r && r->supplement && r->category == PAY_NONE && r->enrollment == PAY_NONE && !r->held && r->account == 0 &&
			  supplement_row(&b, &o, 2) == NULL && issues_of(&b, &o, PI_SUPPLEMENT_WITHOUT_ENROLLMENT, 12, 0) == 1 &&
			  o.n_rows == 2,
			  "supplement %s: paid to account 0; the one at a unit without placement: no row, one warning",
			  per_day ? "per day" : "count day");
		arena_free(&a);
	}

	/* 8. Parallel placements: grundskola at an independent and a municipal school -> error,
	 * the independent one held; two förskola placements -> warning, both paid. */
	std_setup(&b, 2026, 3, false, D(2026, 3, 16), 9, 1);
	c = std_child(&b, 10, 2017, 12, 1, 0);
	b_enrollment(&b, c, 110, U10, true, PAY_GRUNDSKOLA, 3, -1, D(2025, 8, 15), PAY_OPEN_END);
	b_enrollment(&b, c, 111, U12, false, PAY_GRUNDSKOLA, 3, -1, D(2026, 2, 1), PAY_OPEN_END);
	c = std_child(&b, 11, 2022, 5, 1, 0);
	b_enrollment(&b, c, 112, U10, true, PAY_FORSKOLA, PAY_NONE, 20, D(2025, 1, 1), PAY_OPEN_END);
	b_enrollment(&b, c, 113, U11, true, PAY_FORSKOLA, PAY_NONE, 10, D(2025, 1, 1), PAY_OPEN_END);
	b_finish(&b);
	run(&b, &o, &a);
	r = grant_row(&b, &o, 110, GR1_3);
	check(rows_of_child(&b, &o, 10) == 1 && r && r->held && (r->flags & PAY_FLAG(PI_PARALLEL_PLACEMENT)) &&
		  amounts(r, 700000, 100000, 24000, 49440, 873440) && issues_of(&b, &o, PI_PARALLEL_PLACEMENT, 10, 1) == 1,
		  "parallel school placement (independent + municipal): computed 8 734.40, held, one error (%s)", row_text(r));
	{
		const PayRow *r1 = grant_row(&b, &o, 112, FSK35),
				   *r2 = grant_row(&b, &o, 113, FSK35_15);

		check(rows_of_child(&b, &o, 11) == 2 && r1 && r2 && !r1->held && !r2->held &&
			  (r1->flags & PAY_FLAG(PI_PARALLEL_PLACEMENT)) && (r2->flags & PAY_FLAG(PI_PARALLEL_PLACEMENT)) &&
			  issues_of(&b, &o, PI_PARALLEL_PLACEMENT, 11, 0) == 1 && issues_of(&b, &o, PI_PARALLEL_PLACEMENT, 11, 1) == 0,
			  "parallel förskola placements: both paid (FSK35, FSK35-15), one warning");
	}
	arena_free(&a);
	/* Two independent schools: both held. */
	std_setup(&b, 2026, 3, false, D(2026, 3, 16), 9, 1);
	c = std_child(&b, 10, 2017, 12, 1, 0);
	b_enrollment(&b, c, 110, U10, true, PAY_GRUNDSKOLA, 3, -1, D(2025, 8, 15), PAY_OPEN_END);
	b_enrollment(&b, c, 111, U11, true, PAY_FORSKOLEKLASS, 0, -1, D(2026, 2, 1), PAY_OPEN_END);
	b_finish(&b);
	run(&b, &o, &a);
	check(o.n_rows == 2 && grant_row(&b, &o, 110, GR1_3) && grant_row(&b, &o, 110, GR1_3)->held &&
		  grant_row(&b, &o, 111, FK) && grant_row(&b, &o, 111, FK)->held,
		  "parallel grundskola + förskoleklass at two independent units: both held");
	arena_free(&a);

	/* 9. The same placement twice: the first paid, the second held. */
	std_setup(&b, 2026, 3, false, D(2026, 3, 16), 9, 1);
	c = std_child(&b, 15, 2020, 3, 10, 0);
	b_enrollment(&b, c, 119, U10, true, PAY_FORSKOLEKLASS, 0, -1, D(2026, 1, 1), PAY_OPEN_END);
	b_enrollment(&b, c, 118, U10, true, PAY_FORSKOLEKLASS, 0, -1, D(2025, 8, 15), PAY_OPEN_END);
	b_finish(&b);
	run(&b, &o, &a);
	{
		const PayRow *r1 = grant_row(&b, &o, 118, FK),
				   *r2 = grant_row(&b, &o, 119, FK);

		check(o.n_rows == 2 && r1 && r2 && !r1->held && r1->flags == 0 && r2->held &&
			  r2->flags == PAY_FLAG(PI_OVERLAPPING_ENROLLMENT) && issues_of(&b, &o, PI_OVERLAPPING_ENROLLMENT, 15, 1) == 1,
			  "duplicate enrollment at one unit: the earlier paid, the later held, one error");
	}
	arena_free(&a);

	/* 10-14. Residence, category, rate, district and account problems. */
	std_setup(&b, 2026, 3, false, D(2026, 3, 16), 9, 1);
	c = b_child(&b, 9, 2020, 11, 1);	/* resident elsewhere */
	b_residence(&b, c, D(2020, 1, 1), D(2026, 3, 10), true, true, 0, 1281);
	b_residence(&b, c, D(2026, 3, 11), PAY_OPEN_END, false, true, PAY_NONE, 1280);
	b_enrollment(&b, c, 109, U10, true, PAY_FORSKOLEKLASS, 0, -1, D(2025, 8, 15), PAY_OPEN_END);
	c = std_child(&b, 13, 2015, 2, 10, 0);	/* fritidshem grade 5: no rate */
	b_enrollment(&b, c, 115, U10, true, PAY_GRUNDSKOLA, 5, -1, D(2025, 8, 15), PAY_OPEN_END);
	b_enrollment(&b, c, 116, U10, true, PAY_FRITIDSHEM, 5, -1, D(2025, 8, 15), PAY_OPEN_END);
	c = std_child(&b, 14, 2025, 6, 1, 0);	/* too young for every category */
	b_enrollment(&b, c, 117, U11, true, PAY_FORSKOLA, PAY_NONE, 30, D(2026, 1, 1), PAY_OPEN_END);
	c = b_child(&b, 16, 2020, 4, 10);	/* no address */
	b_residence(&b, c, D(2020, 1, 1), PAY_OPEN_END, true, false, 0, 1281);
	b_enrollment(&b, c, 120, U10, true, PAY_FORSKOLEKLASS, 0, -1, D(2025, 8, 15), PAY_OPEN_END);
	c = std_child(&b, 17, 2020, 5, 10, -9);	/* no residence */
	b_enrollment(&b, c, 121, U10, true, PAY_FORSKOLEKLASS, 0, -1, D(2025, 8, 15), PAY_OPEN_END);
	c = std_child(&b, 19, 2018, 7, 10, 1);	/* district S: account 1 */
	b_enrollment(&b, c, 123, U10, true, PAY_GRUNDSKOLA, 1, -1, D(2025, 8, 15), PAY_OPEN_END);
	c = std_child(&b, 20, 2021, 2, 1, 1);	/* district S, förskola: account 2 */
	b_enrollment(&b, c, 124, U11, true, PAY_FORSKOLA, PAY_NONE, 40, D(2024, 1, 1), PAY_OPEN_END);
	c = std_child(&b, 21, 2018, 7, 10, 2);	/* district without an administration */
	b_enrollment(&b, c, 125, U10, true, PAY_GRUNDSKOLA, 1, -1, D(2025, 8, 15), PAY_OPEN_END);
	c = std_child(&b, 22, 2018, 7, 10, PAY_NONE);	/* residence without a district */
	b_enrollment(&b, c, 126, U10, true, PAY_GRUNDSKOLA, 1, -1, D(2025, 8, 15), PAY_OPEN_END);
	c = std_child(&b, 23, 2018, 7, 10, 3);	/* administration without an account */
	b_enrollment(&b, c, 127, U10, true, PAY_GRUNDSKOLA, 1, -1, D(2025, 8, 15), PAY_OPEN_END);
	c = std_child(&b, 24, 2018, 7, 10, 0);	/* only at a municipal school */
	b_enrollment(&b, c, 128, U12, false, PAY_GRUNDSKOLA, 1, -1, D(2025, 8, 15), PAY_OPEN_END);
	b_finish(&b);
	run(&b, &o, &a);
	check(rows_of_child(&b, &o, 9) == 0 && issues_of(&b, &o, PI_RESIDENT_ELSEWHERE, 9, 0) == 1 &&
		  o.issues[0].kind == PI_RESIDENT_ELSEWHERE && o.issues[0].value == 1280,
		  "resident in municipality 1280 on the count day: no row, a warning naming 1280");
	r = grant_row(&b, &o, 116, FRI4_6);
	check(r && r->held && r->amount == 0 && r->rate_id == 0 && r->flags == PAY_FLAG(PI_NO_RATE) &&
		  grant_row(&b, &o, 115, GR4_6) && !grant_row(&b, &o, 115, GR4_6)->held && issues_of(&b, &o, PI_NO_RATE, 13, 1) == 1,
		  "fritidshem grade 5 (FRI4-6 has no rate): held at 0, the grundskola row paid (%s)", row_text(r));
	r = grant_row(&b, &o, 117, PAY_NONE);
	check(r && r->held && r->flags == PAY_FLAG(PI_NO_CATEGORY) && r->age == 0 && issues_of(&b, &o, PI_NO_CATEGORY, 14, 1) == 1,
		  "förskola at age 0: no category, held (%s)", row_text(r));
	r = grant_row(&b, &o, 120, FK);
	check(r && !r->held && r->flags == PAY_FLAG(PI_MISSING_ADDRESS) && issues_of(&b, &o, PI_MISSING_ADDRESS, 16, 0) == 1,
		  "registered without an address: paid, a warning (%s)", row_text(r));
	r = grant_row(&b, &o, 121, FK);
	check(r && r->held && r->flags == PAY_FLAG(PI_NO_RESIDENCE) && r->account == PAY_NONE &&
		  amounts(r, 500000, 100000, 18000, 37080, 655080) && issues_of(&b, &o, PI_NO_RESIDENCE, 17, 1) == 1,
		  "no residence: computed 6 550.80, held, one error (%s)", row_text(r));
	r = grant_row(&b, &o, 123, GR1_3);
	check(r && !r->held && r->administration == 1 && r->account == 1, "district S grundskola: account 1 (%s)", row_text(r));
	r = grant_row(&b, &o, 124, FSK35);
	check(r && !r->held && r->administration == 1 && r->account == 2, "district S förskola: the förskola account 2 (%s)", row_text(r));
	r = grant_row(&b, &o, 125, GR1_3);
	check(r && r->held && r->flags == PAY_FLAG(PI_NO_DISTRICT) && issues_of(&b, &o, PI_NO_DISTRICT, 21, 1) == 1,
		  "district without an administration: held, no_district (%s)", row_text(r));
	r = grant_row(&b, &o, 126, GR1_3);
	check(r && r->held && r->flags == PAY_FLAG(PI_NO_DISTRICT) && issues_of(&b, &o, PI_NO_DISTRICT, 22, 1) == 1,
		  "residence without a district: held, no_district (%s)", row_text(r));
	r = grant_row(&b, &o, 127, GR1_3);
	check(r && r->held && r->administration == 2 && r->account == PAY_NONE && r->flags == PAY_FLAG(PI_NO_ACCOUNT) &&
		  issues_of(&b, &o, PI_NO_ACCOUNT, 23, 1) == 1,
		  "administration without an account: held, no_account (%s)", row_text(r));
	check(rows_of_child(&b, &o, 24) == 0 && o.n_rows == 10,
		  "only a municipal school: no row; 10 rows in all (%d)", o.n_rows);
	arena_free(&a);

	/* Two matching categories: ambiguous, held. */
	std_setup(&b, 2026, 3, false, D(2026, 3, 16), 9, 1);
	b_category(&b, PAY_FORSKOLEKLASS, PAY_NONE, PAY_NONE, PAY_NONE, PAY_NONE, -1, -1);
	c = std_child(&b, 1, 2020, 3, 1, 0);
	b_enrollment(&b, c, 101, U10, true, PAY_FORSKOLEKLASS, 0, -1, D(2025, 8, 15), PAY_OPEN_END);
	b_finish(&b);
	run(&b, &o, &a);
	r = grant_row(&b, &o, 101, PAY_NONE);
	check(o.n_rows == 1 && r && r->held && r->flags == PAY_FLAG(PI_AMBIGUOUS_CATEGORY) &&
		  issues_of(&b, &o, PI_AMBIGUOUS_CATEGORY, 1, 1) == 1 && o.issues[0].value == 2,
		  "two categories match: ambiguous (2), held (%s)", row_text(r));
	arena_free(&a);
}

/* ---- generated instances ---------------------------------------------------------------- */

static uint64_t rng;

static uint64_t
rnext(void)
{
	uint64_t	z = (rng += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static int
ri(int lo, int hi)
{
	return lo + (int) (rnext() % (uint64_t) (hi - lo + 1));
}

static bool
rb(int percent)
{
	return ri(0, 99) < percent;
}

static void
generate(B *b, uint64_t seed)
{
	int			y, m, nu;
	int32_t		mf, ml, count_date;
	bool		indep[6];
	int64_t		next_id = 1000;
	bool		tidy;			/* a well-kept register (most rows paid) or a messy one */

	rng = seed * UINT64_C(0x2545F4914F6CDD1D) + 12345;
	memset(b, 0, sizeof(*b));
	tidy = rb(60);
	y = ri(2019, 2031);
	m = ri(1, 12);
	mf = D(y, m, 1);
	ml = month_last_day(y, m);
	if (rb(85))
		count_date = mf + ri(0, ml - mf);
	else
		count_date = rb(50) ? mf - ri(1, 45) : ml + ri(1, 45);
	switch (ri(0, 3))
	{
		case 0:
			b_month(b, y, m, rb(50), count_date, 0, 0);
			break;
		case 1:
			b_month(b, y, m, rb(50), count_date, 9, 1);
			break;
		case 2:
			b_month(b, y, m, rb(50), count_date, 1, 1);
			break;
		default:
			b_month(b, y, m, rb(50), count_date, ri(1, 12), ri(1, 28));
	}
	b->in.supplement_per_day = rb(30);

	if (tidy)
	{
		/* Categories covering every registered case exactly once: förskola by age band and
		 * hours tier, förskoleklass, grundskola and fritidshem by grade band. */
		int			split = ri(1, 4);
		double		tier = rb(50) ? 15 : ri(10, 30);

		b_category(b, PAY_FORSKOLA, PAY_NONE, PAY_NONE, 0, split, tier, -1);
		b_category(b, PAY_FORSKOLA, PAY_NONE, PAY_NONE, 0, split, -1, tier);
		b_category(b, PAY_FORSKOLA, PAY_NONE, PAY_NONE, split + 1, 20, tier, -1);
		b_category(b, PAY_FORSKOLA, PAY_NONE, PAY_NONE, split + 1, 20, -1, tier);
		b_category(b, PAY_FORSKOLEKLASS, PAY_NONE, PAY_NONE, PAY_NONE, PAY_NONE, -1, -1);
		b_category(b, PAY_GRUNDSKOLA, 0, 3, PAY_NONE, PAY_NONE, -1, -1);
		b_category(b, PAY_GRUNDSKOLA, 4, 6, PAY_NONE, PAY_NONE, -1, -1);
		b_category(b, PAY_GRUNDSKOLA, 7, 9, PAY_NONE, PAY_NONE, -1, -1);
		b_category(b, PAY_FRITIDSHEM, 0, 9, PAY_NONE, PAY_NONE, -1, -1);
	}
	else
	{
		/* Random bands, so that none, one or several may match. */
		for (int k = ri(0, 9); k > 0; k--)
		{
			int			form = ri(0, PAY_N_FORMS - 1);
			int			gf = PAY_NONE, gt = PAY_NONE, af = PAY_NONE, at = PAY_NONE;
			double		over = -1, up_to = -1;

			if (form != PAY_FORSKOLA && rb(60))
			{
				gf = ri(0, 9);
				gt = ri(gf, 9);
			}
			if (rb(form == PAY_FORSKOLA ? 70 : 15))
			{
				af = ri(0, 6);
				at = af + ri(0, 3);
			}
			if (form == PAY_FORSKOLA && rb(60))
			{
				double		h = rb(50) ? 15 : ri(0, 80) * 0.5;

				switch (ri(0, 2))
				{
					case 0:
						over = h;
						break;
					case 1:
						up_to = h;
						break;
					default:
						over = h;
						up_to = h + ri(1, 40) * 0.5;
				}
			}
			b_category(b, form, gf, gt, af, at, over, up_to);
		}
	}
	/* Rates: periods around the month; tidy: contiguous, sometimes changing inside the month,
	 * rarely with a gap; messy: up to three periods with gaps, or none. */
	for (int k = 0; k < b->nc; k++)
	{
		int32_t		t = mf - ri(0, 60);

		for (int j = tidy ? 3 : ri(0, 3); j > 0; j--)
		{
			int32_t		to = (j == 1 && (tidy || rb(30))) ? PAY_OPEN_END
				: tidy ? (rb(50) ? mf + ri(0, ml - mf) : t + ri(0, 45)) : t + ri(0, 45);

			if (to < t)
				to = t + ri(0, 10);
			b_rate(b, next_id++, k, t, to, ri(0, 20000000), rb(20) ? 0 : ri(0, 3000000),
				   rb(60) ? 300 : ri(0, 1000), rb(60) ? 600 : ri(0, 2500));
			if (to == PAY_OPEN_END)
				break;
			t = to + 1 + (rb(tidy ? 95 : 50) ? 0 : ri(1, 6));
		}
	}
	/* Districts, administrations (0-2) and accounts, one per administration and form. */
	if (tidy)
	{
		for (int d = ri(1, 4); d > 0; d--)
			b_district(b, ri(0, 2));
		for (int adm = 0; adm < 3; adm++)
		{
			b_account(b, adm, PAY_NONE, adm);
			if (rb(30))
				b_account(b, adm, ri(0, PAY_N_FORMS - 1), 3 + adm);
		}
	}
	else
	{
		for (int d = ri(0, 4); d > 0; d--)
			b_district(b, rb(20) ? PAY_NONE : ri(0, 2));
		for (int adm = 0; adm < 3; adm++)
			for (int f = PAY_NONE; f < PAY_N_FORMS; f++)
				if (rb(f == PAY_NONE ? 60 : 20))
					b_account(b, adm, f, ri(0, 5));
	}
	/* Units. */
	nu = ri(1, 5);
	for (int u = 0; u < nu; u++)
		indep[u] = rb(70);

	/* Children. */
	{
		int			nch = ri(1, 10);
		int64_t		child_id = 0;

		for (int ci = 0; ci < nch; ci++)
		{
			int			by = y - ri(0, 13), bm = ri(1, 12), bd;
			int			c;

			if (rb(5))
			{
				by -= by % 4;	/* a leap day birth (2000-2028: every fourth year is a leap year) */
				bm = 2;
				bd = 29;
			}
			else
				bd = ri(1, month_length(by, bm));
			child_id += ri(1, 5);
			c = b_child(b, child_id, by, bm, bd);

			/* Enrollments, sometimes the same unit and form again. */
			for (int k = tidy ? (rb(80) ? 1 : ri(0, 2)) : ri(0, 4); k > 0; k--)
			{
				int			u = ri(0, nu - 1), form = ri(0, PAY_N_FORMS - 1);
				int32_t		from = tidy && rb(70) ? mf - ri(1, 400) : mf + ri(-70, 35);
				double		hours = (rb(tidy ? 2 : 20) || form != PAY_FORSKOLA) ? -1 : rb(30) ? 15.0 : ri(0, 100) * 0.5;
				int			grade = (rb(tidy ? 2 : 20) || form == PAY_FORSKOLA) ? PAY_NONE : ri(0, 9);

				if (!tidy && rb(20))
					hours = ri(0, 100) * 0.5;	/* hours or grades where they do not belong */
				if (!tidy && rb(20))
					grade = ri(0, 9);
				if (b->ne > 0 && b->enr[b->ne - 1].child == c && rb(tidy ? 5 : 20))
				{
					u = (int) (b->enr[b->ne - 1].unit_id - 100);
					form = b->enr[b->ne - 1].form;
				}
				b_enrollment(b, c, next_id++, 100 + u, indep[u], form, grade, hours,
							 from, rb(tidy ? 60 : 30) ? PAY_OPEN_END : from + ri(0, 80));
			}
			/* Residences: consecutive periods, sometimes with gaps, never overlapping. */
			if (tidy && rb(85))
				b_residence(b, c, mf - ri(0, 2000), PAY_OPEN_END, rb(95), rb(97), ri(0, b->nd - 1), 1281);
			else
			{
				int32_t		t = rb(80) ? mf - ri(0, 400) : mf + ri(-5, 25);

				for (int k = ri(tidy ? 1 : 0, 3); k > 0; k--)
				{
					int32_t		to = (k == 1 && rb(50)) ? PAY_OPEN_END : t + (rb(50) ? ri(0, 20) : ri(0, 400));
					bool		ours = rb(80);

					b_residence(b, c, t, to, ours, rb(90), rb(tidy ? 0 : 10) ? PAY_NONE : ri(0, b->nd - (tidy ? 1 : 0)),
								ours ? 1281 : ri(1000, 2999));
					if (to == PAY_OPEN_END)
						break;
					t = to + 1 + (rb(70) ? 0 : ri(1, 10));
				}
			}
			/* Supplements, mostly at a unit of the child's, always an independent one. */
			for (int k = rb(30) ? ri(1, 2) : 0; k > 0; k--)
			{
				int			u = ri(0, nu - 1);
				int32_t		from = mf + ri(-60, 35);

				if (b->ne > 0 && b->enr[b->ne - 1].child == c && rb(70))
					u = (int) (b->enr[b->ne - 1].unit_id - 100);
				if (!indep[u])
					continue;
				b_supplement(b, c, next_id++, 100 + u, ri(1, 2000000), rb(70) ? 600 : ri(0, 10000),
							 from, rb(30) ? PAY_OPEN_END : from + ri(0, 90));
			}
		}
	}
	b_finish(b);
}

/* ---- the properties ------------------------------------------------------------------- */

static uint64_t cur_seed;
static const B *cur_b;

static void
dump_row(const PayRow *r)
{
	const PayInput *in = &cur_b->in;

	printf("  row: child %" PRId64 " unit %" PRId64 " %s %" PRId64 " category %d age %d rate %" PRId64
		   " last_day %d days %d/%d\n"
		   "       base %" PRId64 " premises %" PRId64 " admin %" PRId64 " vat %" PRId64 " amount %" PRId64
		   " (num %" PRId64 "/%" PRId64 ", bp %d/%d)\n"
		   "       district %d administration %d account %d held %d flags 0x%x\n",
		   in->children[r->child].child_id, r->unit_id, r->supplement ? "supplement" : "enrollment",
		   r->supplement ? (r->supplement_index >= 0 ? in->supplements[r->supplement_index].supplement_id : -1)
		   : (r->enrollment >= 0 ? in->enrollments[r->enrollment].enrollment_id : -1),
		   r->category, r->age, r->rate_id, (int) r->last_day, r->days, r->days_in_month,
		   r->base, r->premises, r->admin, r->vat, r->amount, r->base_num, r->premises_num,
		   (int) r->admin_bp, (int) r->vat_bp, r->district, r->administration, r->account, r->held, r->flags);
}

static void
dump_instance(void)
{
	const PayInput *in = &cur_b->in;

	printf("  month %04d-%02d (days %d..%d) %s count_date %d rate_day %d cut-over %d-%d\n", in->year, in->month,
		   (int) in->month_first, (int) in->month_last, in->per_day ? "per_day" : "count_day",
		   (int) in->count_date, (int) in->rate_day, in->cutover_month, in->cutover_day);
	for (int k = 0; k < in->n_categories; k++)
	{
		const PayCategory *c = &in->categories[k];

		printf("  category %d: form %d grades %d-%d ages %d-%d hours over %.1f up to %.1f\n", k, c->form,
			   c->grade_from, c->grade_to, c->age_from, c->age_to, c->hours_over, c->hours_up_to);
	}
	for (int i = 0; i < in->n_rates; i++)
	{
		const PayRate *r = &in->rates[i];

		printf("  rate %" PRId64 ": category %d days %d..%d base %" PRId64 " premises %" PRId64 " bp %d/%d\n",
			   r->rate_id, r->category, (int) r->from, (int) r->to, r->base_annual, r->premises_annual,
			   (int) r->admin_bp, (int) r->vat_bp);
	}
	for (int c = 0; c < in->n_children; c++)
	{
		const PayChild *ch = &in->children[c];

		printf("  child %" PRId64 " born %04d-%02d-%02d\n", ch->child_id, ch->birth_year, ch->birth_month, ch->birth_day);
		for (int k = 0; k < ch->n_enrollments; k++)
		{
			const PayEnrollment *e = &in->enrollments[ch->first_enrollment + k];

			printf("    enrollment %" PRId64 ": unit %" PRId64 " %s form %d grade %d hours %.1f days %d..%d\n",
				   e->enrollment_id, e->unit_id, e->independent ? "independent" : "municipal", e->form, e->grade,
				   e->hours, (int) e->from, (int) e->to);
		}
		for (int k = 0; k < ch->n_residences; k++)
		{
			const PayResidence *r = &in->residences[ch->first_residence + k];

			printf("    residence days %d..%d %s address %d district %d\n", (int) r->from, (int) r->to,
				   r->ours ? "ours" : "elsewhere", r->has_address, r->district);
		}
		for (int k = 0; k < ch->n_supplements; k++)
		{
			const PaySupplement *s = &in->supplements[ch->first_supplement + k];

			printf("    supplement %" PRId64 ": unit %" PRId64 " %" PRId64 " a month, vat %d, days %d..%d\n",
				   s->supplement_id, s->unit_id, s->amount_monthly, (int) s->vat_bp, (int) s->from, (int) s->to);
		}
	}
}

static long n_prop_checks;

#define PROP(cond, row, ...) \
	do { \
		n_prop_checks++; \
		if (!(cond)) \
			prop_fail((row), __VA_ARGS__); \
	} while (0)

static void
prop_fail(const PayRow *r, const char *fmt,...)
{
	va_list		ap;

	printf("FAIL: instance seed %" PRIu64 ": ", cur_seed);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (r != NULL)
		dump_row(r);
	dump_instance();
	printf("  (rerun this instance alone: payments_test %" PRIu64 ")\n", cur_seed);
	exit(1);
}

static const PayResidence *
ref_residence(const PayInput *in, int child, int32_t day)
{
	const PayResidence *found = NULL;

	for (int i = 0; i < in->n_residences; i++)
		if (in->residences[i].child == child && in->residences[i].from <= day && day <= in->residences[i].to)
		{
			if (found != NULL)
				prop_fail(NULL, "test bug: overlapping residences");
			found = &in->residences[i];
		}
	return found;
}

static int
ref_category(const PayInput *in, const PayEnrollment *e, int age, int *count)
{
	int			found = PAY_NONE;

	*count = 0;
	for (int k = 0; k < in->n_categories; k++)
	{
		const PayCategory *c = &in->categories[k];
		bool		ok = c->form == e->form;

		if (ok && c->grade_from != PAY_NONE)
			ok = e->grade != PAY_NONE && c->grade_from <= e->grade && e->grade <= c->grade_to;
		if (ok && c->age_from != PAY_NONE)
			ok = c->age_from <= age && age <= c->age_to;
		if (ok && c->hours_over >= 0)
			ok = e->hours >= 0 && e->hours > c->hours_over;
		if (ok && c->hours_up_to >= 0)
			ok = e->hours >= 0 && e->hours <= c->hours_up_to;
		if (ok)
		{
			found = k;
			(*count)++;
		}
	}
	return *count == 1 ? found : PAY_NONE;
}

static const PayRate *
ref_rate(const PayInput *in, int category, int32_t day)
{
	const PayRate *found = NULL;

	for (int i = 0; i < in->n_rates; i++)
		if (in->rates[i].category == category && in->rates[i].from <= day && day <= in->rates[i].to)
		{
			if (found != NULL)
				prop_fail(NULL, "test bug: overlapping rates");
			found = &in->rates[i];
		}
	return found;
}

static int
ref_account(const PayInput *in, int administration, int form)
{
	int			any = PAY_NONE;

	for (int i = 0; i < in->n_accounts; i++)
		if (in->accounts[i].administration == administration)
		{
			if (form != PAY_NONE && in->accounts[i].form == form)
				return in->accounts[i].account;
			if (in->accounts[i].form == PAY_NONE)
				any = in->accounts[i].account;
		}
	return any;
}

static bool
school_group(int form)
{
	return form == PAY_FORSKOLEKLASS || form == PAY_GRUNDSKOLA;
}

#define ERROR_FLAGS (PAY_FLAG(PI_OVERLAPPING_ENROLLMENT) | PAY_FLAG(PI_NO_RESIDENCE) | PAY_FLAG(PI_NO_CATEGORY) | \
					 PAY_FLAG(PI_AMBIGUOUS_CATEGORY) | PAY_FLAG(PI_NO_RATE) | PAY_FLAG(PI_NO_DISTRICT) | \
					 PAY_FLAG(PI_NO_ACCOUNT))

static bool
has_issue(const PayOutput *o, int child, PayIssueKind kind, bool error)
{
	for (int i = 0; i < o->n_issues; i++)
		if (o->issues[i].child == child && o->issues[i].kind == kind && o->issues[i].error == error)
			return true;
	return false;
}

#define MAXDS 17
#define BK(cat, district) (((cat) == PAY_NONE ? nc : (cat)) * MAXDS + (district) + 1)

/* Per enrollment, category (index n_categories: none or several matched) and district, over the counted days. */
typedef struct Bucket
{
	int			days, noresidence_days, nocat_days, ambiguous_days, norate_days;
	int64_t		base_sum, premises_sum;
	const PayRate *last_rate;
	int32_t		last_day;
	int			last_age;
	int			district;
	bool		seen;
} Bucket;

static void
check_instance(const B *b, const PayOutput *o)
{
	const PayInput *in = &b->in;
	int32_t		ef = in->per_day ? in->month_first : in->count_date,
				el = in->per_day ? in->month_last : in->count_date;
	int			den = in->per_day ? in->month_last - in->month_first + 1 : 1;
	int			nc = in->n_categories;
	bool	   *row_seen = calloc(o->n_rows + 1, 1);
	/* one bucket per category slot and district slot (district + 1: no residence and a
	 * residence without a district share slot 0, as they share a row in the core) */
	Bucket	   *bk = calloc((size_t) (nc + 1) * MAXDS, sizeof(Bucket));
	int			dim = in->month_last - in->month_first + 1;

	cur_b = b;

	/* (a), (b): every row's amounts. */
	for (int i = 0; i < o->n_rows; i++)
	{
		const PayRow *r = &o->rows[i];

		PROP(r->child >= 0 && r->child < in->n_children, r, "row child index out of range");
		PROP(r->amount == r->base + r->premises + r->admin + r->vat, r, "(a) amount != base + premises + admin + vat");
		PROP(r->base >= 0 && r->premises >= 0 && r->admin >= 0 && r->vat >= 0 && r->amount >= 0, r,
			 "(a) a negative component");
		PROP(r->admin == ref_round_div((r->base + r->premises) * r->admin_bp, 10000), r,
			 "(b) admin != round((base + premises) × admin_bp / 10000)");
		PROP(r->vat == ref_round_div((r->base + r->premises + r->admin) * r->vat_bp, 10000), r,
			 "(b) vat != round((base + premises + admin) × vat_bp / 10000)");
		if (r->supplement && in->supplement_per_day)
			PROP(r->days > 0 && r->days <= dim && r->days_in_month == dim, r, "supplement per day: days out of range or wrong days_in_month");
		else
			PROP(r->days > 0 && r->days <= el - ef + 1 && r->days_in_month == den, r, "days out of range or wrong days_in_month");
		PROP(r->supplement ? (r->enrollment == PAY_NONE && r->supplement_index >= 0 &&
							  r->supplement_index < in->n_supplements &&
							  in->supplements[r->supplement_index].child == r->child &&
							  in->supplements[r->supplement_index].unit_id == r->unit_id && r->category == PAY_NONE)
			 : (r->supplement_index == PAY_NONE && r->enrollment >= 0 && r->enrollment < in->n_enrollments &&
				in->enrollments[r->enrollment].child == r->child &&
				in->enrollments[r->enrollment].unit_id == r->unit_id),
			 r, "row does not point at an enrollment or supplement of its child and unit");
		/* (c) */
		PROP(r->supplement || in->enrollments[r->enrollment].independent, r, "(c) a row for an enrollment at a municipal unit");
		/* (f) held <=> an error flag; a held row's child has an error issue of each flagged kind */
		{
			uint32_t	err = r->flags & ERROR_FLAGS;

			if (!r->supplement && (r->flags & PAY_FLAG(PI_PARALLEL_PLACEMENT)) &&
				school_group(in->enrollments[r->enrollment].form))
				err |= PAY_FLAG(PI_PARALLEL_PLACEMENT);
			PROP(r->held == (err != 0), r, "(f) held (%d) but error flags 0x%x", r->held, err);
			for (int k = 0; k < PI_N_KINDS; k++)
				if (err & PAY_FLAG(k))
					PROP(has_issue(o, r->child, (PayIssueKind) k, true), r, "(f) flag %d without an error issue for the child", k);
		}
	}

	/* Issues: the error bit follows the kind. */
	for (int i = 0; i < o->n_issues; i++)
	{
		const PayIssue *is = &o->issues[i];
		bool		want;

		switch (is->kind)
		{
			case PI_PARALLEL_PLACEMENT:
				want = school_group(is->value);
				break;
			case PI_RESIDENT_ELSEWHERE:
			case PI_MISSING_ADDRESS:
			case PI_ADDRESS_CHANGED:
			case PI_SUPPLEMENT_WITHOUT_ENROLLMENT:
			case PI_RESIDENCE_GAP:
				want = false;
				break;
			default:
				want = true;
		}
		PROP(is->child >= 0 && is->child < in->n_children && is->kind < PI_N_KINDS && is->error == want, NULL,
			 "issue %d (kind %d, child %d) has error = %d", i, is->kind, is->child, is->error);
	}

	for (int ci = 0; ci < in->n_children; ci++)
	{
		const PayChild *ch = &in->children[ci];
		uint32_t	pair_flags[MAXN] = {0};
		bool		pair_hold[MAXN] = {0};
		bool		elsewhere_seen = false;
		int			first_row = -1, ours_in_month = 0;
		uint32_t	addr_flags = 0;

		bool		ours_day = false, gap_seen = false;

		for (int32_t d = ef; d <= el; d++)
		{
			const PayResidence *rr = ref_residence(in, ci, d);

			ours_day |= rr != NULL && rr->ours;
		}
		for (int i = 0; i < o->n_rows; i++)
			if (o->rows[i].child == ci)
			{
				first_row = i;
				break;
			}
		/* Reference pairs: the same unit and form twice holds the later; two placements in one
		 * form group (förskoleklass and grundskola together) are parallel, an error for school. */
		for (int x = 0; x < ch->n_enrollments; x++)
			for (int y = x + 1; y < ch->n_enrollments; y++)
			{
				const PayEnrollment *ea = &in->enrollments[ch->first_enrollment + x],
						   *eb = &in->enrollments[ch->first_enrollment + y];
				bool		both = false;
				bool		same_group = ea->form == eb->form || (school_group(ea->form) && school_group(eb->form));

				for (int32_t d = ef; d <= el && !both; d++)
					both = ea->from <= d && d <= ea->to && eb->from <= d && d <= eb->to;
				if (!same_group || !both)
					continue;
				if (ea->unit_id == eb->unit_id && ea->form == eb->form)
				{
					pair_flags[y] |= PAY_FLAG(PI_OVERLAPPING_ENROLLMENT);
					pair_hold[y] = true;
				}
				else
				{
					pair_flags[x] |= PAY_FLAG(PI_PARALLEL_PLACEMENT);
					pair_flags[y] |= PAY_FLAG(PI_PARALLEL_PLACEMENT);
					if (school_group(ea->form))
						pair_hold[x] = pair_hold[y] = true;
				}
			}
		/* Address flags: missing address on the first row's last day, more than one residence
		 * in the month. */
		for (int i = 0; i < ch->n_residences; i++)
		{
			const PayResidence *rr = &in->residences[ch->first_residence + i];

			ours_in_month += rr->from <= in->month_last && rr->to >= in->month_first;
		}
		if (first_row >= 0)
		{
			const PayResidence *last = ref_residence(in, ci, o->rows[first_row].last_day);

			if (last != NULL && !last->has_address)
				addr_flags |= PAY_FLAG(PI_MISSING_ADDRESS);
			if (ours_in_month > 1)
				addr_flags |= PAY_FLAG(PI_ADDRESS_CHANGED);
		}

		/* Enrollments: day by day. */
		for (int k = 0; k < ch->n_enrollments; k++)
		{
			int			g = ch->first_enrollment + k;
			const PayEnrollment *e = &in->enrollments[g];
			int			active_days = 0, here_days = 0, none_days = 0, row_days = 0, rows = 0, buckets = 0;

			memset(bk, 0, sizeof(Bucket) * (nc + 1) * MAXDS);
			for (int q = 0; q < (nc + 1) * MAXDS; q++)
				bk[q].district = PAY_NONE;
			for (int32_t d = ef; d <= el; d++)
			{
				const PayResidence *res;
				const PayRate *rate;
				int			age, count, cat;
				Bucket	   *x;

				if (!(e->from <= d && d <= e->to))
					continue;
				active_days++;
				res = ref_residence(in, ci, d);
				if (res != NULL && !res->ours)
				{
					elsewhere_seen |= e->independent;
					continue;
				}
				if (res == NULL && in->per_day && ours_day)
				{
					/* per day: a day without residence while others are ours is not paid */
					gap_seen |= e->independent;
					continue;
				}
				if (res == NULL)
					none_days++;
				else
					here_days++;
				age = ref_band_age(in->cutover_month, in->cutover_day, ch->birth_year, ch->birth_month,
								   ch->birth_day, d);
				cat = ref_category(in, e, age, &count);
				x = &bk[BK(cat, res != NULL ? res->district : PAY_NONE)];
				PROP((res != NULL ? res->district : PAY_NONE) + 1 < MAXDS, NULL, "district index beyond the test's buckets");
				x->seen = true;
				x->days++;
				x->last_day = d;
				x->last_age = age;
				if (res == NULL)
					x->noresidence_days++;
				else
					x->district = res->district;
				if (count == 0)
					x->nocat_days++;
				else if (count > 1)
					x->ambiguous_days++;
				if (cat != PAY_NONE)
				{
					rate = ref_rate(in, cat, in->per_day ? d : in->rate_day);
					if (rate == NULL)
						x->norate_days++;
					else
					{
						x->base_sum += rate->base_annual;
						x->premises_sum += rate->premises_annual;
						x->last_rate = rate;
					}
				}
			}
			for (int q = 0; q < (nc + 1) * MAXDS; q++)
				buckets += bk[q].seen;

			for (int i = 0; i < o->n_rows; i++)
			{
				const PayRow *r = &o->rows[i];
				Bucket	   *x;
				uint32_t	want_flags;
				bool		want_held;

				if (r->supplement || r->enrollment != g)
					continue;
				PROP(!row_seen[i], r, "row counted twice");
				row_seen[i] = true;
				rows++;
				row_days += r->days;
				PROP(e->independent, r, "(c) a row for an enrollment at a municipal unit");
				PROP(r->category >= PAY_NONE && r->category < nc, r, "category index out of range");
				x = &bk[BK(r->category, r->district)];
				PROP(x->seen, r, "(d/e) a row in category %d and district %d, which no counted day of the enrollment has",
					 r->category, r->district);
				x->seen = false;	/* one row per category and district */
				PROP(r->days == x->days && r->last_day == x->last_day && r->age == x->last_age, r,
					 "(e) days %d (expected %d), last day %d (expected %d), age %d (expected %d)",
					 r->days, x->days, (int) r->last_day, (int) x->last_day, r->age, x->last_age);
				/* The reference sums: base = round(Σ annual / (12 × days in month)). */
				PROP(r->base == ref_round_div(x->base_sum, 12 * (int64_t) den) &&
					 r->premises == ref_round_div(x->premises_sum, 12 * (int64_t) den), r,
					 "base/premises differ from the day-by-day sums %" PRId64 "/%" PRId64 " over 12 × %d",
					 x->base_sum, x->premises_sum, den);
				PROP(x->last_rate ? (r->rate_id == x->last_rate->rate_id && r->admin_bp == x->last_rate->admin_bp &&
									 r->vat_bp == x->last_rate->vat_bp)
					 : (r->rate_id == 0 && r->amount == 0), r, "rate id or percentages differ from the last priced day's rate");
				want_flags = pair_flags[k] | addr_flags;
				want_held = pair_hold[k];
				if (x->noresidence_days)
					want_flags |= PAY_FLAG(PI_NO_RESIDENCE);
				if (x->nocat_days)
					want_flags |= PAY_FLAG(PI_NO_CATEGORY);
				if (x->ambiguous_days)
					want_flags |= PAY_FLAG(PI_AMBIGUOUS_CATEGORY);
				if (x->norate_days)
					want_flags |= PAY_FLAG(PI_NO_RATE);
				if (x->noresidence_days == 0)
				{
					int			adm = x->district != PAY_NONE && x->district < in->n_districts
						? in->district_administration[x->district] : PAY_NONE;

					PROP(r->district == x->district && r->administration == adm, r,
						 "district %d / administration %d, expected %d / %d", r->district, r->administration,
						 x->district, adm);
					if (adm == PAY_NONE)
						want_flags |= PAY_FLAG(PI_NO_DISTRICT);
					else
					{
						int			acc = ref_account(in, adm, e->form);

						PROP(r->account == acc, r, "account %d, expected %d", r->account, acc);
						if (acc == PAY_NONE)
							want_flags |= PAY_FLAG(PI_NO_ACCOUNT);
					}
				}
				else
					PROP(r->account == PAY_NONE, r, "an account for a row without residence");
				want_held |= (want_flags & ERROR_FLAGS) != 0;
				PROP(r->flags == want_flags, r, "flags 0x%x, expected 0x%x", r->flags, want_flags);
				PROP(r->held == want_held, r, "held %d, expected %d", r->held, want_held);
			}
			PROP(rows == (e->independent ? buckets : 0), NULL, "enrollment %" PRId64 ": %d rows, expected %d (one per category of its counted days)",
				 e->enrollment_id, rows, e->independent ? buckets : 0);
			if (!e->independent)
				PROP(rows == 0, NULL, "(c) enrollment %" PRId64 " at a municipal unit has %d rows", e->enrollment_id, rows);
			else if (!in->per_day)
			{
				/* (d) count_day: exactly one row when active on the count date and registered here
				 * (or registered nowhere: a held row), none otherwise. */
				bool		act = e->from <= in->count_date && in->count_date <= e->to;
				const PayResidence *res = ref_residence(in, ci, in->count_date);

				PROP(rows == (act && (res == NULL || res->ours) ? 1 : 0), NULL,
					 "(d) enrollment %" PRId64 " (active on the count date: %d, residence: %s): %d rows",
					 e->enrollment_id, act, res == NULL ? "none" : res->ours ? "ours" : "elsewhere", rows);
			}
			else
			{
				/* (e) per_day: at most the active days; exactly the days registered here (plus the
				 * days registered nowhere, which hold the row). */
				PROP(row_days <= active_days && row_days == here_days + none_days &&
					 (none_days > 0 || row_days == here_days), NULL,
					 "(e) enrollment %" PRId64 ": rows sum to %d days; active %d, registered here %d, nowhere %d",
					 e->enrollment_id, row_days, active_days, here_days, none_days);
			}
		}
		if (gap_seen)
			PROP(has_issue(o, ci, PI_RESIDENCE_GAP, false), NULL,
				 "child %" PRId64 ": days without residence skipped without a residence_gap warning", ch->child_id);
		if (elsewhere_seen)
			PROP(has_issue(o, ci, PI_RESIDENT_ELSEWHERE, false), NULL,
				 "child %" PRId64 " counted while registered elsewhere without a resident_elsewhere warning", ch->child_id);

		/* (h) supplements: paid for the counted days the child is placed at the unit and
		 * registered here, one row per district, round(monthly × days / days in month). On the
		 * count day the decision must cover the rate day, unless supplement_per_day: then every
		 * day of the paid month counts, over the month's days. */
		for (int s = 0; s < ch->n_supplements; s++)
		{
			int			gs = ch->first_supplement + s;
			const PaySupplement *sp = &in->supplements[gs];
			int			placed = 0, rows = 0, slots = 0;
			int			days[MAXDS] = {0};
			int32_t		last[MAXDS] = {0};
			bool		by_day = in->per_day || in->supplement_per_day;
			int32_t		sf = by_day ? in->month_first : ef, sl = by_day ? in->month_last : el;
			int			sden = by_day ? dim : 1;
			int32_t		dd = in->rate_day;
			bool		in_eval = by_day ? (sp->from <= sl && sp->to >= sf) : (sp->from <= dd && dd <= sp->to);

			for (int32_t d = sf; d <= sl; d++)
			{
				bool		at_unit = false;
				const PayResidence *res;
				int32_t		decision_day = by_day ? d : dd;

				if (!(sp->from <= decision_day && decision_day <= sp->to))
					continue;
				for (int k = 0; k < ch->n_enrollments; k++)
				{
					const PayEnrollment *e = &in->enrollments[ch->first_enrollment + k];

					at_unit |= e->unit_id == sp->unit_id && e->from <= d && d <= e->to && e->independent;
				}
				if (!at_unit)
					continue;
				placed++;
				res = ref_residence(in, ci, d);
				if (res == NULL || !res->ours)
					continue;
				slots += days[res->district + 1] == 0;
				days[res->district + 1]++;
				last[res->district + 1] = d;
			}
			for (int i = 0; i < o->n_rows; i++)
			{
				const PayRow *r = &o->rows[i];
				int64_t		base;
				int			adm, q = r->district + 1;

				if (!r->supplement || r->supplement_index != gs)
					continue;
				PROP(!row_seen[i], r, "row counted twice");
				row_seen[i] = true;
				rows++;
				base = ref_round_div(sp->amount_monthly * days[q], sden);
				adm = r->district != PAY_NONE && r->district < in->n_districts ? in->district_administration[r->district] : PAY_NONE;
				PROP(days[q] > 0, r, "(h) a supplement row for a district with no counted day placed at the unit and registered here");
				PROP(r->days == days[q] && r->last_day == last[q] && r->base == base && r->premises == 0 && r->admin == 0 &&
					 r->vat_bp == sp->vat_bp && r->days_in_month == sden, r,
					 "(h) supplement: %d days (expected %d), base expected %" PRId64, r->days, days[q], base);
				days[q] = -days[q];	/* one row per district */
				PROP(r->administration == adm &&
					 r->account == (adm == PAY_NONE ? PAY_NONE : ref_account(in, adm, PAY_NONE)), r,
					 "(h) supplement district/administration/account");
				PROP(r->flags == (addr_flags | (adm == PAY_NONE ? PAY_FLAG(PI_NO_DISTRICT)
												: ref_account(in, adm, PAY_NONE) == PAY_NONE ? PAY_FLAG(PI_NO_ACCOUNT) : 0)),
					 r, "(h) supplement flags");
			}
			PROP(rows == slots, NULL, "(h) supplement %" PRId64 ": %d rows, %d districts with counted days placed and registered here",
				 sp->supplement_id, rows, slots);
			if (placed == 0 && in_eval)
			{
				bool		found = false;

				for (int i = 0; i < o->n_issues; i++)
					found |= o->issues[i].kind == PI_SUPPLEMENT_WITHOUT_ENROLLMENT && o->issues[i].child == ci &&
						o->issues[i].other_id == sp->supplement_id;
				PROP(found, NULL, "(h) supplement %" PRId64 " without placement and no warning", sp->supplement_id);
			}
		}
	}
	for (int i = 0; i < o->n_rows; i++)
		PROP(row_seen[i], &o->rows[i], "a row that belongs to no enrollment or supplement of its child");
	/* (f) every held row's child has an error issue */
	for (int i = 0; i < o->n_rows; i++)
		if (o->rows[i].held)
		{
			bool		found = false;

			for (int j = 0; j < o->n_issues; j++)
				found |= o->issues[j].child == o->rows[i].child && o->issues[j].error;
			PROP(found, &o->rows[i], "(f) a held row whose child has no error issue");
		}
	free(row_seen);
	free(bk);
}

static bool
same_row(const PayRow *x, const PayRow *y)
{
	return x->child == y->child && x->unit_id == y->unit_id && x->supplement == y->supplement &&
		x->enrollment == y->enrollment && x->supplement_index == y->supplement_index &&
		x->category == y->category && x->age == y->age && x->rate_id == y->rate_id &&
		x->last_day == y->last_day && x->days == y->days && x->days_in_month == y->days_in_month &&
		x->base == y->base && x->premises == y->premises && x->admin == y->admin && x->vat == y->vat &&
		x->amount == y->amount && x->district == y->district && x->administration == y->administration &&
		x->account == y->account && x->held == y->held && x->flags == y->flags &&
		x->base_num == y->base_num && x->premises_num == y->premises_num && x->admin_bp == y->admin_bp &&
		x->vat_bp == y->vat_bp;
}

static bool
same_issue(const PayIssue *x, const PayIssue *y)
{
	return x->kind == y->kind && x->error == y->error && x->child == y->child && x->unit_id == y->unit_id &&
		x->enrollment_id == y->enrollment_id && x->other_id == y->other_id &&
		x->other_unit_id == y->other_unit_id && x->day == y->day && x->value == y->value;
}

static void
test_properties(int n_instances, long *rows_checked, uint64_t only_seed, bool single)
{
	static B	b;
	long		rows = 0, issues = 0, held = 0, supp = 0, per_day = 0;
	long		flagged[PI_N_KINDS] = {0};

	for (int i = 0; i < n_instances; i++)
	{
		PayOutput	o1, o2;
		Arena		a1 = {0}, a2 = {0};

		cur_seed = single ? only_seed : (uint64_t) i + 1;
		generate(&b, cur_seed);
		run(&b, &o1, &a1);
		check_instance(&b, &o1);
		/* (g) determinism: the same input again gives the same rows and issues. */
		run(&b, &o2, &a2);
		PROP(o1.n_rows == o2.n_rows && o1.n_issues == o2.n_issues, NULL, "(g) a second run gives %d rows/%d issues, not %d/%d",
			 o2.n_rows, o2.n_issues, o1.n_rows, o1.n_issues);
		for (int r = 0; r < o1.n_rows; r++)
			PROP(same_row(&o1.rows[r], &o2.rows[r]), &o2.rows[r], "(g) row %d differs in a second run", r);
		for (int r = 0; r < o1.n_issues; r++)
			PROP(same_issue(&o1.issues[r], &o2.issues[r]), NULL, "(g) issue %d differs in a second run", r);
		rows += o1.n_rows;
		issues += o1.n_issues;
		per_day += b.in.per_day;
		for (int r = 0; r < o1.n_rows; r++)
		{
			held += o1.rows[r].held;
			supp += o1.rows[r].supplement;
			for (int k = 0; k < PI_N_KINDS; k++)
				flagged[k] += (o1.rows[r].flags & PAY_FLAG(k)) != 0;
		}
		arena_free(&a1);
		arena_free(&a2);
	}
	check(true, "properties (a)-(h) and the day-by-day reference on %d generated instances (%ld per day): "
		  "%ld rows (%ld held, %ld supplements), %ld issues, %ld property checks",
		  n_instances, per_day, rows, held, supp, issues, n_prop_checks);
	printf("ok: rows flagged by kind: parallel %ld, overlapping %ld, no_residence %ld, missing_address %ld, "
		   "address_changed %ld, no_category %ld, ambiguous %ld, no_rate %ld, no_district %ld, no_account %ld\n",
		   flagged[PI_PARALLEL_PLACEMENT], flagged[PI_OVERLAPPING_ENROLLMENT], flagged[PI_NO_RESIDENCE],
		   flagged[PI_MISSING_ADDRESS], flagged[PI_ADDRESS_CHANGED], flagged[PI_NO_CATEGORY],
		   flagged[PI_AMBIGUOUS_CATEGORY], flagged[PI_NO_RATE], flagged[PI_NO_DISTRICT], flagged[PI_NO_ACCOUNT]);
	*rows_checked = rows;
}

int
main(int argc, char **argv)
{
	int			n_instances = 2000;
	long		rows = 0;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (argc > 1)
	{
		uint64_t	seed = strtoull(argv[1], NULL, 10);

		cal_build();
		test_properties(1, &rows, seed, true);
		printf("ok: 1 instances, %ld rows checked\n", rows);
		return 0;
	}
	test_calendar();
	test_hand();
	test_properties(n_instances, &rows, 0, false);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%ld checks (%ld property checks inside), %.2f s\n", n_checks, n_prop_checks,
		   (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (n_failed > 0)
	{
		printf("FAIL: %d of %ld checks failed\n", n_failed, n_checks);
		return 1;
	}
	printf("ok: %d instances, %ld rows checked\n", n_instances, rows);
	return 0;
}
