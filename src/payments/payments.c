/*
 * payments.c — which enrollments are paid in a month, in which category, at which rate.
 *
 * Day by day (every day of the month on the per_day basis, the count date on the count_day
 * basis) each enrollment at an independent unit is checked: the child must be registered in
 * the municipality that day, the category follows from school form, grade, age and hours,
 * the rate from the category and the day.  Components are summed in öre and rounded once:
 * base = round(Σ annual / 12 × days / days_in_month), admin on base + premises, VAT on top.
 * Every problem becomes an issue; errors hold the row (computed, not paid).
 */
#include "payments/payments.h"
#include "common/sv_assert.h"

#include <string.h>

typedef struct Work
{
	const PayInput *in;
	PayOutput  *out;
	const PayHooks *hooks;
	int		   *category_first_rate;	/* per category: first index in rates, or PAY_NONE */
	int32_t		eval_first, eval_last;	/* days evaluated: [first, last] */
	uint32_t   *enrollment_flags;	/* per enrollment of the current child */
	bool	   *enrollment_hold;
} Work;

/* ---- calendar --------------------------------------------------------------------- */

/* Civil date from a day count (Howard Hinnant's algorithm, proleptic Gregorian). */
void
sv_pay_ymd(int32_t day, int32_t epoch_2000, int *y, int *m, int *d)
{
	int64_t		z = (int64_t) day - epoch_2000 + 10957 + 719468;	/* days since 0000-03-01 */
	int64_t		era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;

	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = (int) (yoe + era * 400 + (*m <= 2));
}

/*
 * Age for the category bands.  With a cut-over (say 1 September) a child counts as n years
 * old from the cut-over of the year it turns n; without one, from the birthday.
 */
int
sv_pay_band_age(const PayInput *in, const PayChild *c, int32_t day)
{
	int			y, m, d;
	int			ref_m, ref_d;

	sv_pay_ymd(day, in->epoch_2000, &y, &m, &d);
	ref_m = in->cutover_month > 0 ? in->cutover_month : c->birth_month;
	ref_d = in->cutover_month > 0 ? in->cutover_day : c->birth_day;
	return y - c->birth_year - ((m < ref_m || (m == ref_m && d < ref_d)) ? 1 : 0);
}

/* num / den rounded half away from zero; den > 0. */
int64_t
sv_pay_round_div(int64_t num, int64_t den)
{
	Assert(den > 0);
	return num >= 0 ? (num + den / 2) / den : -((-num + den / 2) / den);
}

/* ---- output ----------------------------------------------------------------------- */

static void *
grow(Work *w, void *ptr, int *cap, int need, size_t elem)
{
	if (need <= *cap)
		return ptr;
	*cap = *cap ? *cap * 2 : 256;
	while (*cap < need)
		*cap *= 2;
	return w->hooks->grow(ptr, (size_t) *cap * elem, w->hooks->arg);
}

/* Record an issue once per child, kind and enrollment (or other id); resident_elsewhere once
 * per child and unit. */
static void
add_issue(Work *w, int child_issues_from, PayIssue issue)
{
	PayOutput  *out = w->out;

	for (int i = child_issues_from; i < out->n_issues; i++)
	{
		PayIssue   *x = &out->issues[i];

		if (x->kind != issue.kind || x->unit_id != issue.unit_id)
			continue;
		/* Registered elsewhere is a fact about the child and the unit: one issue however many
		 * enrollments the child has there. */
		if (issue.kind == PI_RESIDENT_ELSEWHERE ||
			(x->enrollment_id == issue.enrollment_id && x->other_id == issue.other_id))
			return;
	}
	out->issues = grow(w, out->issues, &out->cap_issues, out->n_issues + 1, sizeof(PayIssue));
	out->issues[out->n_issues++] = issue;
}

static PayRow *
row_for(Work *w, int child_rows_from, int child, int enrollment, int category, int64_t unit_id,
		int64_t organizer_id, int district)
{
	PayOutput  *out = w->out;
	PayRow	   *r;

	for (int i = child_rows_from; i < out->n_rows; i++)
	{
		r = &out->rows[i];
		if (!r->supplement && r->enrollment == enrollment && r->category == category &&
			r->organizer_id == organizer_id && r->district == district)
			return r;
	}
	out->rows = grow(w, out->rows, &out->cap_rows, out->n_rows + 1, sizeof(PayRow));
	r = &out->rows[out->n_rows++];
	memset(r, 0, sizeof(*r));
	r->child = child;
	r->unit_id = unit_id;
	r->enrollment = enrollment;
	r->supplement_index = PAY_NONE;
	r->category = category;
	r->organizer_id = organizer_id;
	r->district = district;
	r->administration = PAY_NONE;
	r->account = PAY_NONE;
	return r;
}

/* ---- lookups ---------------------------------------------------------------------- */

static bool
active(int32_t from, int32_t to, int32_t day)
{
	return from <= day && day <= to;
}

static const PayResidence *
residence_on(const PayInput *in, const PayChild *c, int32_t day)
{
	for (int i = 0; i < c->n_residences; i++)
	{
		const PayResidence *r = &in->residences[c->first_residence + i];

		if (active(r->from, r->to, day))
			return r;
	}
	return NULL;
}

/* The organizer period of a unit on a day, or NULL (the unit's own organizer applies). */
static const PayOrganizerPeriod *
organizer_on(const PayInput *in, int64_t unit_id, int32_t day)
{
	int			lo = 0, hi = in->n_organizer_periods;

	/* first period of the unit: periods are sorted by unit, then from */
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (in->organizer_periods[mid].unit_id < unit_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int i = lo; i < in->n_organizer_periods && in->organizer_periods[i].unit_id == unit_id; i++)
		if (active(in->organizer_periods[i].from, in->organizer_periods[i].to, day))
			return &in->organizer_periods[i];
	return NULL;
}

/* Was the enrollment's unit run by an independent organizer on the day? */
static bool
independent_on(const PayInput *in, const PayEnrollment *e, int32_t day)
{
	const PayOrganizerPeriod *p = organizer_on(in, e->unit_id, day);

	return p ? p->independent : e->independent;
}

/* The matching category; PAY_NONE when none, -2 when several match (*count says how many). */
static int
category_for(const PayInput *in, const PayEnrollment *e, int age, int *count)
{
	int			found = PAY_NONE;

	*count = 0;
	for (int k = 0; k < in->n_categories; k++)
	{
		const PayCategory *c = &in->categories[k];

		if (c->form != e->form)
			continue;
		if (c->grade_from != PAY_NONE &&
			(e->grade == PAY_NONE || e->grade < c->grade_from || e->grade > c->grade_to))
			continue;
		if (c->age_from != PAY_NONE && (age < c->age_from || age > c->age_to))
			continue;
		if ((c->hours_over >= 0 || c->hours_up_to >= 0) &&
			(e->hours < 0 || (c->hours_over >= 0 && !(e->hours > c->hours_over)) ||
			 (c->hours_up_to >= 0 && !(e->hours <= c->hours_up_to))))
			continue;
		(*count)++;
		found = k;
	}
	return *count > 1 ? -2 : found;
}

static const PayRate *
rate_for(Work *w, int category, int32_t day)
{
	const PayInput *in = w->in;
	int			i = w->category_first_rate[category];

	if (i == PAY_NONE)
		return NULL;
	for (; i < in->n_rates && in->rates[i].category == category; i++)
		if (active(in->rates[i].from, in->rates[i].to, day))
			return &in->rates[i];
	return NULL;
}

static int
form_group(int form)
{
	/* A pupil has one school placement: förskoleklass and grundskola share a group. */
	return form == PAY_GRUNDSKOLA ? PAY_FORSKOLEKLASS : form;
}

/* Is there a day in the evaluated range when both periods are active? */
static bool
overlap_in_eval(const Work *w, int32_t f1, int32_t t1, int32_t f2, int32_t t2)
{
	int32_t		lo = f1 > f2 ? f1 : f2;
	int32_t		hi = t1 < t2 ? t1 : t2;

	if (lo < w->eval_first)
		lo = w->eval_first;
	if (hi > w->eval_last)
		hi = w->eval_last;
	return lo <= hi;
}

/* Was the enrollment's unit independent on some evaluated day of the enrollment? */
static bool
independent_in_eval(const Work *w, const PayEnrollment *e)
{
	int32_t		lo = e->from > w->eval_first ? e->from : w->eval_first;
	int32_t		hi = e->to < w->eval_last ? e->to : w->eval_last;

	for (int32_t d = lo; d <= hi; d++)
		if (independent_on(w->in, e, d))
			return true;
	return false;
}

/* ---- one child -------------------------------------------------------------------- */

static void
child_month(Work *w, int ci)
{
	const PayInput *in = w->in;
	PayOutput  *out = w->out;
	const PayChild *c = &in->children[ci];
	int			rows_from = out->n_rows;
	int			issues_from = out->n_issues;
	uint32_t   *held_enrollment = w->enrollment_flags;	/* issue flags per enrollment of the child */
	bool	   *hold = w->enrollment_hold;
	int			ne = c->n_enrollments;
	int			dim = in->month_last - in->month_first + 1;
	bool		ours_some_day = false;

	memset(held_enrollment, 0, sizeof(uint32_t) * ne);
	memset(hold, 0, sizeof(bool) * ne);

	/* Pairs of enrollments: duplicates at one unit, parallel placements. */
	for (int a = 0; a < ne; a++)
		for (int b = a + 1; b < ne; b++)
		{
			const PayEnrollment *ea = &in->enrollments[c->first_enrollment + a];
			const PayEnrollment *eb = &in->enrollments[c->first_enrollment + b];
			PayIssue	is = {0};

			if (form_group(ea->form) != form_group(eb->form) ||
				!overlap_in_eval(w, ea->from, ea->to, eb->from, eb->to))
				continue;
			is.child = ci;
			is.enrollment_id = ea->enrollment_id;
			is.other_id = eb->enrollment_id;
			is.unit_id = ea->unit_id;
			is.other_unit_id = eb->unit_id;
			is.day = ea->from > eb->from ? ea->from : eb->from;
			if (ea->unit_id == eb->unit_id && ea->form == eb->form)
			{
				/* The same placement registered twice: pay the first, hold the second. */
				is.kind = PI_OVERLAPPING_ENROLLMENT;
				is.error = true;
				held_enrollment[b] |= PAY_FLAG(PI_OVERLAPPING_ENROLLMENT);
				hold[b] = true;
			}
			else
			{
				is.kind = PI_PARALLEL_PLACEMENT;
				is.error = form_group(ea->form) == PAY_FORSKOLEKLASS;
				is.value = ea->form;
				held_enrollment[a] |= PAY_FLAG(PI_PARALLEL_PLACEMENT);
				held_enrollment[b] |= PAY_FLAG(PI_PARALLEL_PLACEMENT);
				if (is.error)
					hold[a] = hold[b] = true;
			}
			if (independent_in_eval(w, ea) || independent_in_eval(w, eb))
				add_issue(w, issues_from, is);
		}

	/* Registered here on some counted day? (per day: the other days are then a gap, not paid) */
	for (int32_t d = w->eval_first; d <= w->eval_last && !ours_some_day; d++)
	{
		const PayResidence *res = residence_on(in, c, d);

		ours_some_day = res != NULL && res->ours;
	}

	/* Day by day. */
	for (int32_t d = w->eval_first; d <= w->eval_last; d++)
	{
		const PayResidence *res = residence_on(in, c, d);

		for (int k = 0; k < c->n_enrollments; k++)
		{
			const PayEnrollment *e = &in->enrollments[c->first_enrollment + k];
			int			age, count, cat;
			const PayRate *rate;
			PayRow	   *row;
			uint32_t	flags = held_enrollment[k];
			bool		held = hold[k];
			PayIssue	is = {0};

			const PayOrganizerPeriod *op;

			if (!active(e->from, e->to, d) || !independent_on(in, e, d))
				continue;
			op = organizer_on(in, e->unit_id, d);
			is.child = ci;
			is.unit_id = e->unit_id;
			is.enrollment_id = e->enrollment_id;
			is.day = d;
			if (res != NULL && !res->ours)
			{
				/* Another municipality pays (interkommunal ersättning): no grant row. */
				is.kind = PI_RESIDENT_ELSEWHERE;
				is.value = res->municipality_code;
				add_issue(w, issues_from, is);
				continue;
			}
			if (res == NULL && in->per_day && ours_some_day)
			{
				/* Per day: the days the child is registered here are paid, the others not. */
				is.kind = PI_RESIDENCE_GAP;
				add_issue(w, issues_from, is);
				continue;
			}
			if (res == NULL)
			{
				is.kind = PI_NO_RESIDENCE;
				is.error = true;
				add_issue(w, issues_from, is);
				flags |= PAY_FLAG(PI_NO_RESIDENCE);
				held = true;
			}
			age = sv_pay_band_age(in, c, d);
			cat = category_for(in, e, age, &count);
			if (cat < 0)
			{
				is.kind = cat == PAY_NONE ? PI_NO_CATEGORY : PI_AMBIGUOUS_CATEGORY;
				is.error = true;
				is.value = cat == PAY_NONE ? age : count;
				add_issue(w, issues_from, is);
				flags |= PAY_FLAG(is.kind);
				held = true;
				cat = PAY_NONE;
			}
			rate = cat >= 0 ? rate_for(w, cat, in->per_day ? d : in->rate_day) : NULL;
			if (cat >= 0 && rate == NULL)
			{
				is.kind = PI_NO_RATE;
				is.error = true;
				is.value = cat;
				is.day = in->per_day ? d : in->rate_day;
				add_issue(w, issues_from, is);
				flags |= PAY_FLAG(PI_NO_RATE);
				held = true;
			}
			row = row_for(w, rows_from, ci, c->first_enrollment + k, cat, e->unit_id, op ? op->organizer_id : 0,
						  res != NULL ? res->district : PAY_NONE);
			row->days++;
			row->age = age;
			row->last_day = d;
			row->flags |= flags;
			row->held |= held;
			if (rate != NULL)
			{
				row->base_num += rate->base_annual;
				row->premises_num += rate->premises_annual;
				row->admin_bp = rate->admin_bp;
				row->vat_bp = rate->vat_bp;
				row->rate_id = rate->rate_id;
			}
		}
	}

	/*
	 * Supplements: paid for the counted days the child is placed at the unit (while it is run
	 * independently) and registered here, one row per district of those days. On the
	 * count_day basis the decision must cover the rate day (the paid month's count date, or
	 * its first day when counted on another month's date), unless supplement_per_day: then
	 * each day of the paid month counts, amount × days / days in month.
	 */
	for (int s = 0; s < c->n_supplements; s++)
	{
		const PaySupplement *sp = &in->supplements[c->first_supplement + s];
		int			placed_days = 0;
		int			supp_rows_from = out->n_rows;
		bool		by_day = in->per_day || in->supplement_per_day;
		int32_t		first = by_day ? in->month_first : w->eval_first;
		int32_t		last = by_day ? in->month_last : w->eval_last;

		for (int32_t d = first; d <= last; d++)
		{
			const PayResidence *res;
			const PayOrganizerPeriod *op;
			bool		placed = false;
			int64_t		organizer_id;
			PayRow	   *row = NULL;

			if (!active(sp->from, sp->to, by_day ? d : in->rate_day))
				continue;
			for (int k = 0; k < c->n_enrollments && !placed; k++)
			{
				const PayEnrollment *e = &in->enrollments[c->first_enrollment + k];

				placed = e->unit_id == sp->unit_id && active(e->from, e->to, d) && independent_on(in, e, d);
			}
			if (!placed)
				continue;
			placed_days++;
			res = residence_on(in, c, d);
			if (res == NULL || !res->ours)
				continue;		/* reported with the enrollment */
			op = organizer_on(in, sp->unit_id, d);
			organizer_id = op ? op->organizer_id : 0;
			for (int i = supp_rows_from; i < out->n_rows && row == NULL; i++)
				if (out->rows[i].district == res->district && out->rows[i].organizer_id == organizer_id)
					row = &out->rows[i];
			if (row == NULL)
			{
				out->rows = grow(w, out->rows, &out->cap_rows, out->n_rows + 1, sizeof(PayRow));
				row = &out->rows[out->n_rows++];
				memset(row, 0, sizeof(*row));
				row->child = ci;
				row->unit_id = sp->unit_id;
				row->supplement = true;
				row->enrollment = PAY_NONE;
				row->supplement_index = c->first_supplement + s;
				row->category = PAY_NONE;
				row->district = res->district;
				row->organizer_id = organizer_id;
				row->administration = PAY_NONE;
				row->account = PAY_NONE;
				row->vat_bp = sp->vat_bp;
			}
			row->days++;
			row->last_day = d;
			row->base_num += sp->amount_monthly;	/* monthly amount × counted days */
		}
		if (placed_days == 0 && (by_day ? (sp->from <= last && sp->to >= first)
								 : active(sp->from, sp->to, in->rate_day)))
		{
			PayIssue	is = {0};

			is.kind = PI_SUPPLEMENT_WITHOUT_ENROLLMENT;
			is.child = ci;
			is.unit_id = sp->unit_id;
			is.other_id = sp->supplement_id;
			is.day = first > sp->from ? first : sp->from;
			add_issue(w, issues_from, is);
		}
	}

	if (out->n_rows == rows_from)
		return;

	/* Address checks, once per paid child. */
	{
		const PayResidence *last = residence_on(in, c, out->rows[rows_from].last_day);
		int			ours_in_month = 0;
		PayIssue	is = {0};

		is.child = ci;
		for (int i = 0; i < c->n_residences; i++)
		{
			const PayResidence *r = &in->residences[c->first_residence + i];

			if (r->from <= in->month_last && r->to >= in->month_first)
				ours_in_month++;
		}
		if (last != NULL && !last->has_address)
		{
			is.kind = PI_MISSING_ADDRESS;
			is.day = out->rows[rows_from].last_day;
			add_issue(w, issues_from, is);
			for (int i = rows_from; i < out->n_rows; i++)
				out->rows[i].flags |= PAY_FLAG(PI_MISSING_ADDRESS);
		}
		if (ours_in_month > 1)
		{
			is.kind = PI_ADDRESS_CHANGED;
			is.day = in->month_first;
			is.value = ours_in_month;
			add_issue(w, issues_from, is);
			for (int i = rows_from; i < out->n_rows; i++)
				out->rows[i].flags |= PAY_FLAG(PI_ADDRESS_CHANGED);
		}
	}

	/* Amounts, administration and account of each row. */
	for (int i = rows_from; i < out->n_rows; i++)
	{
		PayRow	   *r = &out->rows[i];
		int			form = r->supplement ? PAY_NONE : in->enrollments[r->enrollment].form;
		int			months_den = r->supplement ? 1 : 12;
		int			days_den = in->per_day || (r->supplement && in->supplement_per_day) ? dim : 1;
		PayIssue	is = {0};

		r->days_in_month = days_den;
		r->base = sv_pay_round_div(r->base_num, (int64_t) months_den * days_den);
		r->premises = sv_pay_round_div(r->premises_num, (int64_t) months_den * days_den);
		r->admin = sv_pay_round_div((r->base + r->premises) * r->admin_bp, 10000);
		r->vat = sv_pay_round_div((r->base + r->premises + r->admin) * r->vat_bp, 10000);
		r->amount = r->base + r->premises + r->admin + r->vat;

		is.child = r->child;
		is.unit_id = r->unit_id;
		is.enrollment_id = r->enrollment >= 0 ? in->enrollments[r->enrollment].enrollment_id : 0;
		is.day = r->last_day;
		is.error = true;
		if (r->flags & PAY_FLAG(PI_NO_RESIDENCE))
			continue;			/* no district to look up; already an error */
		if (r->district != PAY_NONE && r->district < in->n_districts)
			r->administration = in->district_administration[r->district];
		if (r->administration == PAY_NONE)
		{
			is.kind = PI_NO_DISTRICT;
			add_issue(w, issues_from, is);
			r->flags |= PAY_FLAG(PI_NO_DISTRICT);
			r->held = true;
			continue;
		}
		for (int a = 0; a < in->n_accounts; a++)
		{
			const PayAccount *acc = &in->accounts[a];

			if (acc->administration != r->administration)
				continue;
			if (acc->form == form && form != PAY_NONE)
			{
				r->account = acc->account;
				break;
			}
			if (acc->form == PAY_NONE)
				r->account = acc->account;
		}
		if (r->account == PAY_NONE)
		{
			is.kind = PI_NO_ACCOUNT;
			is.value = r->administration;
			add_issue(w, issues_from, is);
			r->flags |= PAY_FLAG(PI_NO_ACCOUNT);
			r->held = true;
		}
	}
}

void
sv_pay_compute(const PayInput *in, PayOutput *out, const PayHooks *hooks)
{
	Work		w = {in, out, hooks, NULL, 0, 0, NULL, NULL};
	int			max_enrollments = 1;

	w.category_first_rate = hooks->grow(NULL, sizeof(int) * (in->n_categories + 1), hooks->arg);
	for (int k = 0; k < in->n_categories; k++)
		w.category_first_rate[k] = PAY_NONE;
	for (int i = in->n_rates - 1; i >= 0; i--)
	{
		/* rates are sorted by category, then from; each names a category that was read */
		Assert(in->rates[i].category >= 0 && in->rates[i].category < in->n_categories);
		Assert(i == 0 || in->rates[i - 1].category < in->rates[i].category ||
			   (in->rates[i - 1].category == in->rates[i].category && in->rates[i - 1].from <= in->rates[i].from));
		w.category_first_rate[in->rates[i].category] = i;
	}
	for (int ci = 0; ci < in->n_children; ci++)
	{
		const PayChild *c = &in->children[ci];

		/* children sorted by id; each child's rows are one range inside the arrays */
		Assert(ci == 0 || in->children[ci - 1].child_id < c->child_id);
		Assert(c->n_enrollments == 0 ||
			   (c->first_enrollment >= 0 && c->first_enrollment + c->n_enrollments <= in->n_enrollments));
		Assert(c->n_residences == 0 ||
			   (c->first_residence >= 0 && c->first_residence + c->n_residences <= in->n_residences));
		Assert(c->n_supplements == 0 ||
			   (c->first_supplement >= 0 && c->first_supplement + c->n_supplements <= in->n_supplements));
		if (c->n_enrollments > max_enrollments)
			max_enrollments = c->n_enrollments;
	}
	w.enrollment_flags = hooks->grow(NULL, sizeof(uint32_t) * max_enrollments, hooks->arg);
	w.enrollment_hold = hooks->grow(NULL, sizeof(bool) * max_enrollments, hooks->arg);
	w.eval_first = in->per_day ? in->month_first : in->count_date;
	w.eval_last = in->per_day ? in->month_last : in->count_date;

	for (int ci = 0; ci < in->n_children; ci++)
	{
		if ((ci & 1023) == 0 && hooks->check_interrupts)
			hooks->check_interrupts(hooks->arg);
		child_month(&w, ci);
	}
}
