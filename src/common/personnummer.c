/*
 * personnummer.c — validation of Swedish personal identity numbers (see personnummer.h).
 */
#include "common/personnummer.h"
#include "common/sv_assert.h"

#include <string.h>

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool
sv_is_valid_date(int year, int month, int day)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (year < 1800 || year > 2999 || month < 1 || month > 12 || day < 1)
		return false;
	return day <= days[month - 1] + (month == 2 && is_leap(year) ? 1 : 0);
}

int
sv_pn_check_digit(const char digits9[9])
{
	int			sum = 0;

	for (int i = 0; i < 9; i++)
	{
		int			d = (digits9[i] - '0') * (i % 2 == 0 ? 2 : 1);

		Assert(digits9[i] >= '0' && digits9[i] <= '9');	/* callers pass digits only */

		sum += d > 9 ? d - 9 : d;
	}
	return (10 - sum % 10) % 10;
}

SvPnResult
sv_pn_parse(const char *text, char canonical[13], int *year, int *month, int *day)
{
	size_t		len = strlen(text);
	int			n = 0;

	/* Accept YYYYMMDDNNNC and YYYYMMDD-NNNC (the register's two usual spellings). */
	if (len != 12 && !(len == 13 && text[8] == '-'))
		return SV_PN_BAD_FORMAT;
	for (size_t i = 0; i < len; i++)
	{
		if (len == 13 && i == 8)
			continue;
		if (text[i] < '0' || text[i] > '9')
			return SV_PN_BAD_FORMAT;
		canonical[n++] = text[i];
	}
	canonical[12] = '\0';

	*year = (canonical[0] - '0') * 1000 + (canonical[1] - '0') * 100 +
		(canonical[2] - '0') * 10 + (canonical[3] - '0');
	*month = (canonical[4] - '0') * 10 + (canonical[5] - '0');
	*day = (canonical[6] - '0') * 10 + (canonical[7] - '0');
	if (*day > 60)
		*day -= 60;				/* samordningsnummer */
	if (!sv_is_valid_date(*year, *month, *day))
		return SV_PN_BAD_DATE;
	if (sv_pn_check_digit(canonical + 2) != canonical[11] - '0')
		return SV_PN_BAD_CHECKSUM;
	return SV_PN_OK;
}

static int
two_digits(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

SvPnResult
sv_pn_parse_on(const char *text, int ref_year, int ref_month, int ref_day,
			   char canonical[13], int *year, int *month, int *day)
{
	size_t		len = strlen(text);
	char		digits[10];
	int			yy,
				mm,
				dd,
				birth_day,
				y;
	char		sep;
	SvPnResult	r;

	if (len != 10 && len != 11)
	{
		r = sv_pn_parse(text, canonical, year, month, day);
		return r == SV_PN_BAD_FORMAT ? SV_PN_BAD_FORMAT_ANY : r;
	}
	if (!sv_is_valid_date(ref_year, ref_month, ref_day))
		return SV_PN_BAD_REFERENCE;

	if (len == 10)
	{
		for (size_t i = 0; i < len; i++)
			if (text[i] < '0' || text[i] > '9')
				return SV_PN_BAD_FORMAT_ANY;
		return SV_PN_NO_CENTURY;
	}
	sep = text[6];
	if (sep != '-' && sep != '+')
		return SV_PN_BAD_FORMAT_ANY;
	for (size_t i = 0, n = 0; i < len; i++)
	{
		if (i == 6)
			continue;
		if (text[i] < '0' || text[i] > '9')
			return SV_PN_BAD_FORMAT_ANY;
		digits[n++] = text[i];
	}
	yy = two_digits(digits);
	mm = two_digits(digits + 2);
	dd = two_digits(digits + 4);
	birth_day = dd > 60 ? dd - 60 : dd; /* samordningsnummer */

	/*
	 * The latest year ending in yy whose birthday (month, day) is not after the reference
	 * date: the person is then 0 to 99 years old on it.  (A 29 February that lands on a
	 * year without one is refused by sv_pn_parse() below as not a calendar date.)
	 */
	y = ref_year - ((ref_year % 100 - yy + 100) % 100);
	if (y == ref_year && (mm > ref_month || (mm == ref_month && birth_day > ref_day)))
		y -= 100;
	if (sep == '+')
		y -= 100;

	if (y < 1800)
		return SV_PN_BAD_DATE;
	canonical[0] = (char) ('0' + y / 1000 % 10);
	canonical[1] = (char) ('0' + y / 100 % 10);
	memcpy(canonical + 2, digits, 10);
	canonical[12] = '\0';
	return sv_pn_parse(canonical, canonical, year, month, day);
}

const char *
sv_pn_reason(SvPnResult r)
{
	switch (r)
	{
		case SV_PN_OK:
			return "valid";
		case SV_PN_BAD_FORMAT:
			return "must be 12 digits, YYYYMMDDNNNC or YYYYMMDD-NNNC";
		case SV_PN_BAD_FORMAT_ANY:
			return "must be YYYYMMDDNNNC, YYYYMMDD-NNNC, YYMMDD-NNNC or YYMMDD+NNNC";
		case SV_PN_BAD_DATE:
			return "the date part is not a calendar date";
		case SV_PN_BAD_CHECKSUM:
			return "the check digit is wrong";
		case SV_PN_NO_CENTURY:
			return "ten digits without a separator: the century is unknown; write YYMMDD-NNNC (under 100 years old) or YYMMDD+NNNC (100 or older), or all twelve digits";
		case SV_PN_BAD_REFERENCE:
			return "the reference date for a ten-digit number must be a date between 1800 and 2999";
	}
	return "unknown";
}
