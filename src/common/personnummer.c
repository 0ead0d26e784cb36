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

const char *
sv_pn_reason(SvPnResult r)
{
	switch (r)
	{
		case SV_PN_OK:
			return "valid";
		case SV_PN_BAD_FORMAT:
			return "must be 12 digits, YYYYMMDDNNNC or YYYYMMDD-NNNC";
		case SV_PN_BAD_DATE:
			return "the date part is not a calendar date";
		case SV_PN_BAD_CHECKSUM:
			return "the check digit is wrong";
	}
	return "unknown";
}
