/*
 * common_sql.c — SQL glue for the shared helpers: seeded random numbers and personal
 * identity numbers.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"

#include "common/personnummer.h"
#include "common/prng.h"

PG_FUNCTION_INFO_V1(skolval_seeded_random);
PG_FUNCTION_INFO_V1(skolval_personal_number_problem);
PG_FUNCTION_INFO_V1(skolval_personal_number_normalize);
PG_FUNCTION_INFO_V1(skolval_personal_number_birth_date);
PG_FUNCTION_INFO_V1(skolval_personal_number_make);

/* seeded_random(seed bigint, stream text, n bigint) -> float8 in [0, 1) */
Datum
skolval_seeded_random(PG_FUNCTION_ARGS)
{
	int64		seed = PG_GETARG_INT64(0);
	text	   *stream = PG_GETARG_TEXT_PP(1);
	int64		n = PG_GETARG_INT64(2);
	uint64_t	stream_id = sv_hash_bytes(VARDATA_ANY(stream), VARSIZE_ANY_EXHDR(stream));

	PG_RETURN_FLOAT8(sv_random_unit((uint64_t) seed, stream_id, (uint64_t) n));
}

/* personal_number_problem(text) -> NULL when valid, else the reason */
Datum
skolval_personal_number_problem(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char		canon[13];
	int			y,
				m,
				d;
	SvPnResult	r = sv_pn_parse(s, canon, &y, &m, &d);

	if (r == SV_PN_OK)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(sv_pn_reason(r)));
}

static void
parse_or_error(const char *s, char canon[13], int *y, int *m, int *d)
{
	SvPnResult	r = sv_pn_parse(s, canon, y, m, d);

	/* The number itself is personal data: say why it is wrong, never echo it. */
	if (r != SV_PN_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid personal identity number: %s", sv_pn_reason(r)),
				 errhint("Use the 12-digit form YYYYMMDDNNNC.")));
}

/* personal_number_normalize(text) -> the canonical 12 digits, or an error */
Datum
skolval_personal_number_normalize(PG_FUNCTION_ARGS)
{
	char		canon[13];
	int			y,
				m,
				d;

	parse_or_error(text_to_cstring(PG_GETARG_TEXT_PP(0)), canon, &y, &m, &d);
	PG_RETURN_TEXT_P(cstring_to_text(canon));
}

/* personal_number_birth_date(text) -> date of birth */
Datum
skolval_personal_number_birth_date(PG_FUNCTION_ARGS)
{
	char		canon[13];
	int			y,
				m,
				d;

	parse_or_error(text_to_cstring(PG_GETARG_TEXT_PP(0)), canon, &y, &m, &d);
	PG_RETURN_DATEADT(date2j(y, m, d) - POSTGRES_EPOCH_JDATE);
}

/* personal_number_make(birth date, serial 0..999) -> a valid number, for generated data */
Datum
skolval_personal_number_make(PG_FUNCTION_ARGS)
{
	DateADT		birth = PG_GETARG_DATEADT(0);
	int32		serial = PG_GETARG_INT32(1);
	int			y,
				m,
				d;
	char		buf[16];

	if (DATE_NOT_FINITE(birth))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("birth date must be finite")));
	if (serial < 0 || serial > 999)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("serial must be between 0 and 999, got %d", serial)));
	j2date(birth + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	if (y < 1800 || y > 2999)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("birth year must be between 1800 and 2999, got %d", y)));
	snprintf(buf, sizeof(buf), "%04d%02d%02d%03d", y, m, d, serial);
	buf[11] = (char) ('0' + sv_pn_check_digit(buf + 2));
	buf[12] = '\0';
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}
