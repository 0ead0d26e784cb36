/*
 * personnummer_sql.c — SQL glue for the export forms of personal identity numbers: the
 * ten-digit YYMMDD-NNNC and YYMMDD+NNNC, whose century follows from the separator relative
 * to a reference date (sv_pn_parse_on() in personnummer.c).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"

#include "common/personnummer.h"

PG_FUNCTION_INFO_V1(skolval_personal_number_problem_on);
PG_FUNCTION_INFO_V1(skolval_personal_number_normalize_on);

static SvPnResult
parse_on(FunctionCallInfo fcinfo, char canon[13])
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	DateADT		ref = PG_GETARG_DATEADT(1);
	int			ry,
				rm,
				rd,
				y,
				m,
				d;

	if (DATE_NOT_FINITE(ref))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("reference_date must be a finite date")));
	j2date(ref + POSTGRES_EPOCH_JDATE, &ry, &rm, &rd);
	return sv_pn_parse_on(s, ry, rm, rd, canon, &y, &m, &d);
}

/* personal_number_problem(text, reference_date) -> NULL when valid, else the reason */
Datum
skolval_personal_number_problem_on(PG_FUNCTION_ARGS)
{
	char		canon[13];
	SvPnResult	r = parse_on(fcinfo, canon);

	if (r == SV_PN_OK)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(sv_pn_reason(r)));
}

/* personal_number_normalize(text, reference_date) -> the canonical 12 digits, or an error */
Datum
skolval_personal_number_normalize_on(PG_FUNCTION_ARGS)
{
	char		canon[13];
	SvPnResult	r = parse_on(fcinfo, canon);

	/* The number itself is personal data: say why it is wrong, never echo it. */
	if (r != SV_PN_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid personal identity number: %s", sv_pn_reason(r)),
				 errhint("Use YYYYMMDDNNNC, YYYYMMDD-NNNC, YYMMDD-NNNC or YYMMDD+NNNC.")));
	PG_RETURN_TEXT_P(cstring_to_text(canon));
}
