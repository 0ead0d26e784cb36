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
	SV_PN_BAD_CHECKSUM			/* Luhn check digit does not match */
} SvPnResult;

/*
 * Parse and validate.  On SV_PN_OK, canonical (13 bytes incl. NUL) holds the 12 digits
 * and year/month/day the birth date (day already reduced by 60 for samordningsnummer).
 */
SvPnResult	sv_pn_parse(const char *text, char canonical[13], int *year, int *month, int *day);

/* Human-readable reason for a parse result, in English. */
const char *sv_pn_reason(SvPnResult r);

/* Luhn check digit (0-9) for the nine digits YYMMDDNNN given as characters. */
int			sv_pn_check_digit(const char digits9[9]);

bool		sv_is_valid_date(int year, int month, int day);

#endif
