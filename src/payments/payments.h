/*
 * payments.h — the monthly payment rows, as pure C.
 *
 * The caller (payments_sql.c) reads the register for one month into these arrays; the core
 * decides, day by day, which enrollments are paid in which category at which rate, sums the
 * components in öre and reports every problem it meets as an issue.  Nothing here knows of
 * PostgreSQL: dates are day numbers (any epoch), money is int64 öre, percentages are basis
 * points (3 % = 300).
 */
#ifndef SKOLVAL_PAYMENTS_H
#define SKOLVAL_PAYMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAY_OPEN_END INT32_MAX		/* valid_to NULL */
#define PAY_NONE (-1)

typedef enum PayForm
{
	PAY_FORSKOLA = 0,
	PAY_FORSKOLEKLASS,
	PAY_GRUNDSKOLA,
	PAY_FRITIDSHEM,
	PAY_N_FORMS
} PayForm;

typedef struct PayCategory
{
	int			form;
	int			grade_from, grade_to;	/* PAY_NONE: any */
	int			age_from, age_to;		/* PAY_NONE: any */
	double		hours_over, hours_up_to;	/* < 0: no limit */
} PayCategory;

typedef struct PayRate
{
	int			category;		/* index into categories */
	int32_t		from, to;
	int64_t		base_annual, premises_annual;	/* öre a year */
	int32_t		admin_bp, vat_bp;
	int64_t		rate_id;
} PayRate;

typedef struct PayEnrollment
{
	int64_t		enrollment_id;
	int			child;			/* index into children */
	int64_t		unit_id;
	bool		independent;
	int			form;
	int			grade;			/* PAY_NONE when not registered */
	double		hours;			/* < 0 when not registered */
	int32_t		from, to;
} PayEnrollment;

typedef struct PayResidence
{
	int			child;
	int32_t		from, to;
	bool		ours;			/* registered in this municipality */
	bool		has_address;
	int			district;		/* index into districts, PAY_NONE when unknown */
	int			municipality_code;	/* for the issue text */
} PayResidence;

typedef struct PaySupplement
{
	int64_t		supplement_id;
	int			child;
	int64_t		unit_id;
	int64_t		amount_monthly;	/* öre */
	int32_t		vat_bp;
	int32_t		from, to;
} PaySupplement;

typedef struct PayChild
{
	int64_t		child_id;
	int			birth_year, birth_month, birth_day;
	/* Index ranges into the sorted enrollment/residence/supplement arrays. */
	int			first_enrollment, n_enrollments;
	int			first_residence, n_residences;
	int			first_supplement, n_supplements;
} PayChild;

/* Who ran a unit when (dated organizer, huvudman): outside every period the unit's own
 * current organizer (PayEnrollment.independent) applies. */
typedef struct PayOrganizerPeriod
{
	int64_t		unit_id;
	int32_t		from, to;
	bool		independent;
	int64_t		organizer_id;
} PayOrganizerPeriod;

typedef struct PayAccount
{
	int			administration;	/* index into administrations */
	int			form;			/* PAY_NONE: every form */
	int			account;		/* index into the caller's account strings */
} PayAccount;

typedef struct PayInput
{
	/* The month: [month_first, month_last], with its calendar year and month. */
	int32_t		month_first, month_last;
	int			year, month;
	bool		per_day;
	int32_t		count_date;		/* count_day basis */
	/* count_day basis: the day whose rate applies (the count date, or the month's first day
	 * when a special month counts on another month's date) */
	int32_t		rate_day;
	int			cutover_month, cutover_day;	/* 0: exact age on the day */
	/* Tilläggsbelopp per day of the month (monthly amount × days / days in month) even on the
	 * count_day basis; false: on the count_day basis the decision must cover the rate day */
	bool		supplement_per_day;
	/* Day number of 1 January 2000 in the caller's epoch, for the calendar arithmetic. */
	int32_t		epoch_2000;

	const PayCategory *categories;
	int			n_categories;
	const PayRate *rates;		/* sorted by category, from */
	int			n_rates;
	const PayChild *children;	/* sorted by child_id */
	int			n_children;
	const PayEnrollment *enrollments;	/* grouped by child, by from */
	int			n_enrollments;
	const PayResidence *residences;	/* grouped by child, by from */
	int			n_residences;
	const PaySupplement *supplements;	/* grouped by child */
	int			n_supplements;
	const int  *district_administration;	/* per district: administration index or PAY_NONE */
	int			n_districts;
	const PayAccount *accounts;
	int			n_accounts;
	const PayOrganizerPeriod *organizer_periods;	/* sorted by unit_id, from; may be empty */
	int			n_organizer_periods;
} PayInput;

/* Issue kinds; the glue turns them into messages. */
typedef enum PayIssueKind
{
	PI_PARALLEL_PLACEMENT,		/* two school placements (error) or two förskola/fritidshem (warning) */
	PI_OVERLAPPING_ENROLLMENT,	/* the same unit and form twice (error, the later one held) */
	PI_NO_RESIDENCE,			/* no registered residence on a counted day (error) */
	PI_RESIDENT_ELSEWHERE,		/* registered in another municipality (warning; IKE, not a grant) */
	PI_MISSING_ADDRESS,			/* registered without an address (warning) */
	PI_ADDRESS_CHANGED,			/* registered address changed during the month (warning) */
	PI_NO_CATEGORY,				/* no category matches (error) */
	PI_AMBIGUOUS_CATEGORY,		/* several categories match (error) */
	PI_NO_RATE,					/* category without a rate on a counted day (error) */
	PI_NO_DISTRICT,				/* residence without a district/administration (error) */
	PI_NO_ACCOUNT,				/* administration without an account (error) */
	PI_SUPPLEMENT_WITHOUT_ENROLLMENT,	/* supplement but not placed at the unit (warning) */
	PI_RESIDENCE_GAP,			/* per_day: days without a registered residence, the others ours (warning; those days are not paid) */
	PI_N_KINDS
} PayIssueKind;

typedef struct PayIssue
{
	PayIssueKind kind;
	bool		error;
	int			child;
	int64_t		unit_id;
	int64_t		enrollment_id;
	int64_t		other_id;		/* the other enrollment, the supplement, ... */
	int64_t		other_unit_id;
	int32_t		day;
	int			value;			/* age, grade, municipality code, category index, ... */
} PayIssue;

#define PAY_FLAG(k) (1u << (k))

typedef struct PayRow
{
	int			child;
	int64_t		unit_id;
	bool		supplement;
	int			enrollment;		/* index, or PAY_NONE */
	int			supplement_index;	/* index, or PAY_NONE */
	int			category;		/* index, or PAY_NONE */
	int			age;
	int64_t		rate_id;		/* 0 when none */
	int64_t		organizer_id;	/* the organizer period's organizer; 0: the unit's own */
	int32_t		last_day;
	int			days, days_in_month;
	int64_t		base, premises, admin, vat, amount;
	int			district;
	int			administration;
	int			account;		/* PAY_NONE when unknown */
	bool		held;
	uint32_t	flags;			/* PAY_FLAG(issue kind) */
	/* accumulators */
	int64_t		base_num, premises_num;
	int32_t		admin_bp, vat_bp;
} PayRow;

typedef struct PayOutput
{
	PayRow	   *rows;
	int			n_rows, cap_rows;
	PayIssue   *issues;
	int			n_issues, cap_issues;
} PayOutput;

/* Allocation and interrupt hooks; the glue passes palloc-based ones. */
typedef struct PayHooks
{
	void	   *(*grow) (void *ptr, size_t size, void *arg);
	void		(*check_interrupts) (void *arg);
	void	   *arg;
} PayHooks;

extern void sv_pay_compute(const PayInput *in, PayOutput *out, const PayHooks *hooks);

/* Calendar helpers on day numbers relative to epoch_2000 (exposed for tests). */
extern void sv_pay_ymd(int32_t day, int32_t epoch_2000, int *y, int *m, int *d);
extern int	sv_pay_band_age(const PayInput *in, const PayChild *c, int32_t day);
extern int64_t sv_pay_round_div(int64_t num, int64_t den);

#endif
