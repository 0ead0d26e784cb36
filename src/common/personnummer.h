/*
 * personnummer.h — Swedish personal identity numbers (personnummer, samordningsnummer).
 *
 * Canonical form is 12 digits, YYYYMMDDNNNC, where C is the Luhn check digit over the
 * ten digits YYMMDDNNN.  A samordningsnummer has 60 added to the day.  Pure C.
 */
#ifndef SKOLVAL_PERSONNUMMER_H
#define SKOLVAL_PERSONNUMMER_H

#include <stdbool.h>

typedef enum SvPnResult
{
	SV_PN_OK = 0,
	SV_PN_BAD_FORMAT,			/* not YYYYMMDDNNNC or YYYYMMDD-NNNC */
	SV_PN_BAD_DATE,				/* no such calendar date */
	SV_PN_BAD_CHECKSUM,			/* Luhn check digit does not match */
	SV_PN_BAD_FORMAT_ANY,		/* sv_pn_parse_on(): none of the four forms it accepts */
	SV_PN_NO_CENTURY,			/* ten digits without the '-' or '+' that gives the century */
	SV_PN_BAD_REFERENCE			/* the reference date is not a date skolval can use */
} SvPnResult;

/*
 * Parse and validate.  On SV_PN_OK, canonical (13 bytes incl. NUL) holds the 12 digits
 * and year/month/day the birth date (day already reduced by 60 for samordningsnummer).
 */
SvPnResult	sv_pn_parse(const char *text, char canonical[13], int *year, int *month, int *day);

/*
 * Parse a number in any of the forms exports hold: the twelve-digit forms sv_pn_parse()
 * accepts, and the ten-digit forms YYMMDD-NNNC and YYMMDD+NNNC.  A ten-digit number's
 * century follows from its separator, relative to the reference date (the day the number
 * was written, normally the day of the extract): '-' means the person is younger than 100
 * on that day, '+' that the person is 100 or older (Skatteverket's rule: the hyphen becomes
 * a plus sign in the year the person turns 100).  So with '-' the birth date is the latest
 * one not after the reference date, with '+' the one a hundred years before that.  Ten
 * digits without a separator are refused (SV_PN_NO_CENTURY): the century is unknown.
 * Outputs as for sv_pn_parse().
 */
SvPnResult	sv_pn_parse_on(const char *text, int ref_year, int ref_month, int ref_day,
						   char canonical[13], int *year, int *month, int *day);

/* Human-readable reason for a parse result, in English. */
const char *sv_pn_reason(SvPnResult r);

/* Luhn check digit (0-9) for the nine digits YYMMDDNNN given as characters. */
int			sv_pn_check_digit(const char digits9[9]);

bool		sv_is_valid_date(int year, int month, int day);

#endif
