/*
 * common_test.c — checks of the personal identity number core (src/common/personnummer.c)
 * without a database: hand cases for the twelve- and ten-digit forms, and every two-digit
 * year, month, day and separator against a brute-force reference on generated reference dates.
 *
 * cc -O1 -std=gnu11 -Wall -Wextra -Werror -fsanitize=address,undefined -I src \
 *    test/c/common_test.c src/common/personnummer.c
 *
 * Prints "ok: ..." per hand check, then "ok: N cases checked".  Any failure prints
 * "FAIL: ..." and exits 1.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/personnummer.h"

static long n_checks;
static int	n_failed;

static void
check(bool ok, bool verbose, const char *fmt,...)
{
	va_list		ap;

	n_checks++;
	if (ok && !verbose)
		return;
	va_start(ap, fmt);
	printf("%s: ", ok ? "ok" : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	if (!ok)
		n_failed++;
}

/* The Luhn check digit, written out independently of sv_pn_check_digit(). */
static int
luhn(const char *nine)
{
	int			sum = 0;

	for (int i = 0; i < 9; i++)
	{
		int			v = nine[i] - '0';

		if (i % 2 == 0)
		{
			v *= 2;
			if (v > 9)
				v = v / 10 + v % 10;
		}
		sum += v;
	}
	return sum % 10 == 0 ? 0 : 10 - sum % 10;
}

/* A ten-digit number "YYMMDD<sep>NNNC" with the right check digit. */
static void
make10(char out[12], int yy, int mm, int dd, int serial, char sep)
{
	char		nine[10];

	snprintf(nine, sizeof(nine), "%02d%02d%02d%03d", yy, mm, dd, serial);
	snprintf(out, 12, "%.6s%c%.3s%d", nine, sep, nine + 6, luhn(nine));
}

/* The twelve digits expected for a ten-digit number in the given century ("19", "20"). */
static const char *
with_century(const char *century, const char *n10)
{
	static char buf[13];

	snprintf(buf, sizeof(buf), "%s%.6s%.4s", century, n10, n10 + 7);
	return buf;
}

/* One hand case: the expected result and, when OK, the expected twelve digits. */
static void
hand(const char *in, int ry, int rm, int rd, SvPnResult want, const char *want12)
{
	char		canon[13] = "";
	int			y = 0,
				m = 0,
				d = 0;
	SvPnResult	r = sv_pn_parse_on(in, ry, rm, rd, canon, &y, &m, &d);
	bool		ok = r == want && (want != SV_PN_OK || strcmp(canon, want12) == 0);

	check(ok, true, "%s on %04d-%02d-%02d -> %s%s%s (want %s%s%s)", in, ry, rm, rd,
		  sv_pn_reason(r), r == SV_PN_OK ? " " : "", r == SV_PN_OK ? canon : "",
		  sv_pn_reason(want), want == SV_PN_OK ? " " : "", want == SV_PN_OK ? want12 : "");
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return days[m - 1] + (m == 2 && leap(y) ? 1 : 0);
}

/* Age in whole years on (ry, rm, rd) of someone born (y, m, d); m/d compared as given. */
static int
age_on(int y, int m, int d, int ry, int rm, int rd)
{
	return ry - y - ((m > rm || (m == rm && d > rd)) ? 1 : 0);
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t) (rng >> 16);
}

int
main(void)
{
	char		n10[12];
	long		cases = 0;

	/* Twelve digits, with or without the hyphen: as sv_pn_parse() has it. */
	check(luhn("811218987") == 6, true, "independent Luhn: 811218-987C has C = 6");
	hand("198112189876", 2026, 12, 1, SV_PN_OK, "198112189876");
	hand("19811218-9876", 2026, 12, 1, SV_PN_OK, "198112189876");
	hand("198112189875", 2026, 12, 1, SV_PN_BAD_CHECKSUM, NULL);
	hand("19811318-9876", 2026, 12, 1, SV_PN_BAD_DATE, NULL);

	/* Ten digits: the separator gives the century. */
	hand("811218-9876", 2026, 12, 1, SV_PN_OK, "198112189876");
	hand("811218+9876", 2026, 12, 1, SV_PN_OK, "188112189876");
	hand("811218-9875", 2026, 12, 1, SV_PN_BAD_CHECKSUM, NULL);
	hand("8112189876", 2026, 12, 1, SV_PN_NO_CENTURY, NULL);
	hand("811218*9876", 2026, 12, 1, SV_PN_BAD_FORMAT_ANY, NULL);
	hand("81121x-9876", 2026, 12, 1, SV_PN_BAD_FORMAT_ANY, NULL);
	hand("81121-89876", 2026, 12, 1, SV_PN_BAD_FORMAT_ANY, NULL);
	hand("", 2026, 12, 1, SV_PN_BAD_FORMAT_ANY, NULL);
	hand("811218-9876", 2026, 2, 30, SV_PN_BAD_REFERENCE, NULL);

	/* A child: born this year before the reference date, or last century's year after it. */
	make10(n10, 21, 3, 15, 123, '-');
	hand(n10, 2026, 12, 1, SV_PN_OK, with_century("20", n10));
	make10(n10, 26, 11, 30, 123, '-');
	hand(n10, 2026, 12, 1, SV_PN_OK, with_century("20", n10));
	/* born on the reference day: 0 years old, this century */
	make10(n10, 26, 12, 1, 123, '-');
	hand(n10, 2026, 12, 1, SV_PN_OK, with_century("20", n10));
	/* the day after the reference date: 99 years old, so last century */
	make10(n10, 26, 12, 2, 123, '-');
	hand(n10, 2026, 12, 1, SV_PN_OK, with_century("19", n10));
	/* ... and written with '+' (100 or older) it is a century earlier still */
	make10(n10, 26, 12, 1, 123, '+');
	hand(n10, 2026, 12, 1, SV_PN_OK, with_century("19", n10));
	make10(n10, 26, 12, 2, 123, '+');
	hand(n10, 2026, 12, 1, SV_PN_OK, with_century("18", n10));

	/* Samordningsnummer: day + 60. */
	make10(n10, 21, 3, 75, 238, '-');
	hand(n10, 2026, 12, 1, SV_PN_OK, with_century("20", n10));

	/* 29 February: 2000 was a leap year, 1900 was not. */
	make10(n10, 0, 2, 29, 456, '-');
	hand(n10, 2026, 12, 1, SV_PN_OK, with_century("20", n10));
	make10(n10, 0, 2, 29, 456, '+');
	hand(n10, 2026, 12, 1, SV_PN_BAD_DATE, NULL);
	make10(n10, 21, 2, 29, 456, '-');
	hand(n10, 2026, 12, 1, SV_PN_BAD_DATE, NULL);

	/* '+' before 1900 + 100: a birth year before 1800 is not a date skolval knows. */
	make10(n10, 50, 6, 1, 111, '+');
	hand(n10, 1899, 1, 1, SV_PN_BAD_DATE, NULL);

	/*
	 * Every two-digit year, both separators, against a brute-force reference: the birth year
	 * ending in yy whose age on the reference date is 0-99 ('-') or 100-199 ('+').
	 */
	for (int t = 0; t < 400; t++)
	{
		int			ry = 1990 + (int) (next_rand() % 1000);
		int			rm = 1 + (int) (next_rand() % 12);
		int			rd = 1 + (int) (next_rand() % days_in(ry, rm));

		for (int yy = 0; yy < 100; yy++)
		{
			for (int s = 0; s < 2; s++)
			{
				char		sep = s == 0 ? '-' : '+';
				int			mm = 1 + (int) (next_rand() % 12);
				int			dd = 1 + (int) (next_rand() % 31);
				bool		coord = next_rand() % 4 == 0;
				int			serial = (int) (next_rand() % 1000);
				int			want_y = -1;
				bool		want_ok;
				char		canon[13];
				int			y,
							m,
							d;
				SvPnResult	r;

				for (int cand = ry; cand > ry - 250; cand--)
				{
					int			age = age_on(cand, mm, dd, ry, rm, rd);

					if ((cand % 100 + 100) % 100 == yy &&
						(sep == '-' ? (age >= 0 && age <= 99) : (age >= 100 && age <= 199)))
					{
						want_y = cand;
						break;
					}
				}
				want_ok = want_y >= 1800 && dd <= days_in(want_y, mm);
				make10(n10, yy, mm, dd + (coord ? 60 : 0), serial, sep);
				r = sv_pn_parse_on(n10, ry, rm, rd, canon, &y, &m, &d);
				cases++;
				if (want_ok)
					check(r == SV_PN_OK && y == want_y && m == mm && d == dd &&
						  strncmp(canon + 2, n10, 6) == 0 && strncmp(canon + 8, n10 + 7, 4) == 0,
						  false, "%s on %04d-%02d-%02d: want %04d-%02d-%02d, got %s %04d-%02d-%02d",
						  n10, ry, rm, rd, want_y, mm, dd, sv_pn_reason(r), y, m, d);
				else
					check(r == SV_PN_BAD_DATE, false, "%s on %04d-%02d-%02d: want not a calendar date (year %d), got %s",
						  n10, ry, rm, rd, want_y, sv_pn_reason(r));
			}
		}
	}

	if (n_failed > 0)
	{
		printf("FAIL: %d of %ld checks failed\n", n_failed, n_checks);
		return 1;
	}
	printf("ok: %ld cases checked\n", cases);
	return 0;
}
