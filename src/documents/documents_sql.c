/*
 * documents_sql.c — SQL glue of the documents room.
 *
 * Each entry point reads the document's words and numbers over SPI (the composing is done by
 * SQL functions in sql/documents/documents.sql, always with $n parameters), fills the plain structs of
 * documents.h and calls a core. A core never raises: it frees everything of the library before
 * it returns and hands back either malloc'd bytes or a doc_failure, which becomes an error here
 * with a specific SQLSTATE. Whatever is malloc'd or on disk while PostgreSQL code runs is freed
 * or removed in PG_FINALLY.
 */
#include "postgres.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/pg_tablespace_d.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "common/spi_util.h"
#include "documents/documents.h"
#include "documents/documents_glue.h"

PG_FUNCTION_INFO_V1(skolval_decision_letter);
PG_FUNCTION_INFO_V1(skolval_payment_statement);
PG_FUNCTION_INFO_V1(skolval_payment_xlsx);
PG_FUNCTION_INFO_V1(skolval_ike_invoice);
PG_FUNCTION_INFO_V1(skolval_ike_xlsx);

/* ---------------------------------------------------------------------------------------
 * Shared helpers
 * --------------------------------------------------------------------------------------- */


/* Every query runs under the pinned path of sv_spi_connect() and is checked column by column. */
static const Oid fonts_types[] = {TEXTOID, TEXTOID};
const Oid	sv_doc_letter_types[3] = {TEXTOID, TEXTOID, TEXTOID};
static const Oid statement_types[] = {TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID};
static const Oid xlsx_head_types[] = {TEXTOID, INT8OID};

/* The fonts to embed: absolute paths; no bold font (NULL) means bold drawn from the regular. */
void
sv_doc_get_fonts(SvSpi *spi, font_paths *f)
{
	uint64		n = sv_spi_select(spi, "skolval.document_setup()",
								  "SELECT s.font_path, s.bold_font_path FROM skolval.document_setup() s",
								  0, NULL, NULL, 2, fonts_types);

	if (n != 1)
		elog(ERROR, "skolval.document_setup() returned " UINT64_FORMAT " rows", n);
	f->regular = sv_spi_text(spi, 0, 1);
	f->bold = sv_spi_text(spi, 0, 2);
	if (f->regular == NULL || f->regular[0] != '/' || (f->bold != NULL && f->bold[0] != '/'))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the document fonts must be absolute paths"),
				 errhint("Set them with skolval.configure_documents(font_path => ..., bold_font_path => ...).")));
}

/*
 * The cores' interrupt hook: a cancel, statement_timeout or termination is pending. The core
 * then frees what it holds and fails with DOC_FAIL_INTERRUPTED, and report_failure() lets
 * CHECK_FOR_INTERRUPTS() raise it. Other pending interrupts (a barrier, say) are served at the
 * next CHECK_FOR_INTERRUPTS() of the glue, not by stopping the document.
 */
static bool
cancel_pending(void)
{
	return INTERRUPTS_PENDING_CONDITION() && (QueryCancelPending || ProcDiePending);
}

void
sv_doc_use_interrupt_hook(void)
{
	sv_doc_interrupt_hook = cancel_pending;
}

/* Turn a core's failure into an error with a specific SQLSTATE. */
static void
report_failure(const doc_failure *f, const char *what, const font_paths *fonts)
{
	const char *font = NULL;

	if (fonts != NULL)
		font = (f->step != NULL && strstr(f->step, "bold") != NULL) ? fonts->bold : fonts->regular;

	switch (f->kind)
	{
		case DOC_OK:
			return;
		case DOC_FAIL_INTERRUPTED:
			CHECK_FOR_INTERRUPTS();
			/* the interrupt was served without an error: still, the document was not made */
			ereport(ERROR,
					(errcode(ERRCODE_QUERY_CANCELED),
					 errmsg("canceling the %s: an interrupt stopped the layout", what)));
			break;
		case DOC_FAIL_MEMORY:
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory while making the %s", what),
					 errdetail("%s ran out of memory while %s.", f->library, f->step)));
			break;
		case DOC_FAIL_FONT_OPEN:
			errno = (int) f->detail;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not open font file \"%s\": %m", font ? font : "?"),
					 errdetail("The %s embeds a TrueType font for å, ä and ö.", what),
					 errhint("Install the Debian package fonts-dejavu-core, or set another font with skolval.configure_documents(font_path => ..., bold_font_path => ...).")));
			break;
		case DOC_FAIL_FONT_INVALID:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("font file \"%s\" is not a usable TrueType font", font ? font : "?"),
					 errdetail("libharu error 0x%04lX (%s) while %s.", f->status, f->message, f->step),
					 errhint("Use a TrueType (.ttf) font such as /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf.")));
			break;
		case DOC_FAIL_FILE:
			errno = (int) f->detail;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not write the %s: %m", what),
					 errdetail("%s error %lu (%s) while %s.", f->library, f->status,
							   f->message ? f->message : "", f->step)));
			break;
		case DOC_FAIL_VALUE:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a value does not fit in the %s: %s", what, f->message ? f->message : ""),
					 errdetail("%s refused it while %s.", f->library, f->step)));
			break;
		case DOC_FAIL_LIBRARY:
			ereport(ERROR,
					(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
					 errmsg("could not make the %s: %s error 0x%04lX (%s)", what, f->library, f->status,
							f->message ? f->message : ""),
					 errdetail("The error occurred while %s.", f->step ? f->step : "working")));
			break;
	}
}

/*
 * The core's result as a bytea in the caller's memory context (outside SPI), or its failure as
 * an error; the malloc'd bytes are freed either way.
 */
bytea *
sv_doc_take_output(doc_fail_kind kind, doc_output *out, const doc_failure *fail, const char *what,
			const font_paths *fonts)
{
	bytea	   *volatile result = NULL;

	PG_TRY();
	{
		if (kind != DOC_OK)
			report_failure(fail, what, fonts);
		if (out->len > MaxAllocSize - VARHDRSZ)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the %s is too large (%zu bytes)", what, out->len)));
		result = (bytea *) SPI_palloc(out->len + VARHDRSZ);
		SET_VARSIZE(result, out->len + VARHDRSZ);
		memcpy(VARDATA(result), out->data, out->len);
		if (out->replaced > 0)
		{
			StringInfoData cps;

			initStringInfo(&cps);
			for (int i = 0; i < out->n_replaced_cp; i++)
				appendStringInfo(&cps, "%sU+%04X", i ? ", " : "", out->replaced_cp[i]);
			if (out->n_replaced_cp == DOC_REPLACED_EXAMPLES)
				appendStringInfoString(&cps, ", ...");
			ereport(WARNING,
					(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
					 errmsg("%ld character%s in the %s cannot be shown by the font and %s printed as U+FFFD",
							out->replaced, out->replaced == 1 ? "" : "s", what,
							out->replaced == 1 ? "is" : "are"),
					 errdetail("Code points: %s.", cps.data),
					 errhint("The embedded font (%s) has no glyph for them; characters outside the Basic Multilingual Plane (emoji and the like) can never be printed.",
							 fonts && fonts->regular ? fonts->regular : "?")));
		}
	}
	PG_FINALLY();
	{
		free(out->data);
		out->data = NULL;
		out->len = 0;
	}
	PG_END_TRY();
	return result;
}

/*
 * The parts of a letter (part, label, body rows of the SPI result, in print order) into a
 * letter_input; the strings stay in the SPI result. Fonts are the caller's to set.
 */
void
sv_doc_letter_parts(SvSpi *spi, uint64 n, letter_input *in, const char *source)
{
	memset(in, 0, sizeof(*in));
	in->recipient = palloc0(sizeof(char *) * (n + 1));
	in->facts = palloc0(sizeof(letter_pair) * (n + 1));
	in->sections = palloc0(sizeof(letter_pair) * (n + 1));
	for (uint64 i = 0; i < n; i++)
	{
		char	   *part = sv_spi_text(spi, i, 1);
		char	   *label = sv_spi_text(spi, i, 2);
		char	   *body = sv_spi_text(spi, i, 3);

		CHECK_FOR_INTERRUPTS();
		if (part == NULL || body == NULL)
			continue;
		if (strcmp(part, "sender") == 0)
			in->sender = body;
		else if (strcmp(part, "sender_unit") == 0)
			in->sender_unit = body;
		else if (strcmp(part, "doc_kind") == 0)
			in->doc_kind = body;
		else if (strcmp(part, "date") == 0)
			in->date_line = body;
		else if (strcmp(part, "reference") == 0)
			in->reference_line = body;
		else if (strcmp(part, "title") == 0)
			in->title = body;
		else if (strcmp(part, "running_head") == 0)
			in->running_head = body;
		else if (strcmp(part, "footer") == 0)
			in->footer = body;
		else if (strcmp(part, "recipient") == 0)
			in->recipient[in->n_recipient++] = body;
		else if (strcmp(part, "fact") == 0)
		{
			in->facts[in->n_facts].label = label ? label : "";
			in->facts[in->n_facts++].text = body;
		}
		else if (strcmp(part, "section") == 0)
		{
			in->sections[in->n_sections].label = label ? label : "";
			in->sections[in->n_sections++].text = body;
		}
		else
			elog(ERROR, "unknown letter part \"%s\" from %s", part, source);
	}
	if (in->sender == NULL || in->title == NULL)
		elog(ERROR, "%s returned no sender or title", source);
}

/* ---------------------------------------------------------------------------------------
 * skolval.decision_letter(run_id, child_id)
 * --------------------------------------------------------------------------------------- */

Datum
skolval_decision_letter(PG_FUNCTION_ARGS)
{
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		values[2] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)};
	font_paths	fonts;
	letter_input in;
	doc_output	out = {0};
	doc_failure fail;
	doc_fail_kind kind;
	bytea	   *result;
	uint64		n;
	SvSpi		spi;

	sv_doc_use_interrupt_hook();
	sv_spi_connect(&spi);
	sv_doc_get_fonts(&spi, &fonts);
	n = sv_spi_select(&spi, "skolval.decision_letter_content()",
					  "SELECT c.part, c.label, c.body FROM skolval.decision_letter_content($1, $2) c ORDER BY c.ord",
					  2, types, values, 3, sv_doc_letter_types);

	sv_doc_letter_parts(&spi, n, &in, "skolval.decision_letter_content()");
	in.font_path = fonts.regular;
	in.bold_font_path = fonts.bold;
	kind = sv_pdf_letter_render(&in, &out, &fail);
	result = sv_doc_take_output(kind, &out, &fail, "decision letter", &fonts);
	sv_spi_finish(&spi);
	PG_RETURN_BYTEA_P(result);
}

/* ---------------------------------------------------------------------------------------
 * skolval.payment_statement(run_id, unit_id)
 * --------------------------------------------------------------------------------------- */

/* A text[] column as C strings, NULL elements as "". */
static const char **
text_array(SvSpi *spi, uint64 row, int colno, int *n)
{
	bool		isnull;
	Datum		d = sv_spi_datum(spi, row, colno, TEXTARRAYOID, &isnull);
	Datum	   *elems;
	bool	   *nulls;
	const char **out;

	*n = 0;
	if (isnull)
		return NULL;
	deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, n);
	out = palloc0(sizeof(char *) * (*n + 1));
	for (int i = 0; i < *n; i++)
		out[i] = nulls[i] ? "" : TextDatumGetCString(elems[i]);
	return out;
}

/* "l31,r7,r13": alignment and width in percent per column. */
static void
parse_columns(report_table *t, const char *spec)
{
	const char *p = spec;

	for (int c = 0; c < t->n_cols; c++)
	{
		t->align[c] = 'l';
		t->widths[c] = 0;
		if (p == NULL || *p == '\0')
			continue;
		if (*p == 'l' || *p == 'r')
			t->align[c] = *p++;
		t->widths[c] = (float) strtod(p, (char **) &p);
		if (*p == ',')
			p++;
	}
}

/*
 * A report (a payment statement, an IKE invoice basis) from its content query: parts in print
 * order (ord, part, label, body, cells), laid out by the statement renderer.
 */
static bytea *
render_report(const char *what, const char *content_fn, const char *sql, int nargs, Oid *types, Datum *values)
{
	font_paths	fonts;
	statement_input in;
	report_table *table = NULL;
	doc_output	out = {0};
	doc_failure fail;
	doc_fail_kind kind;
	bytea	   *result;
	uint64		n;
	SvSpi		spi;

	sv_doc_use_interrupt_hook();
	sv_spi_connect(&spi);
	sv_doc_get_fonts(&spi, &fonts);
	n = sv_spi_select(&spi, content_fn, sql, nargs, types, values, 4, statement_types);

	memset(&in, 0, sizeof(in));
	in.font_path = fonts.regular;
	in.bold_font_path = fonts.bold;
	in.facts = palloc0(sizeof(letter_pair) * (n + 1));
	in.blocks = palloc0(sizeof(report_block) * (n + 1));
	for (uint64 i = 0; i < n; i++)
	{
		char	   *part = sv_spi_text(&spi, i, 1);
		char	   *label = sv_spi_text(&spi, i, 2);
		char	   *body = sv_spi_text(&spi, i, 3);

		CHECK_FOR_INTERRUPTS();
		if (part == NULL)
			continue;
		if (strcmp(part, "table") == 0 || strcmp(part, "row") == 0)
		{
			int			n_cells;
			const char **cells = text_array(&spi, i, 4, &n_cells);

			if (strcmp(part, "table") == 0)
			{
				report_block *b = &in.blocks[in.n_blocks++];

				if (n_cells < 1 || n_cells > REPORT_MAX_COLS)
					elog(ERROR, "a statement table must have 1 to %d columns, not %d", REPORT_MAX_COLS, n_cells);
				b->kind = 't';
				table = &b->table;
				table->title = label ? label : "";
				table->n_cols = n_cells;
				for (int c = 0; c < n_cells; c++)
					table->headers[c] = cells[c];
				parse_columns(table, body);
				/* at most every remaining row belongs to this table */
				table->cells = palloc0(sizeof(char *) * (n - i) * n_cells);
				table->total = palloc0(sizeof(bool) * (n - i));
			}
			else
			{
				if (table == NULL || n_cells != table->n_cols)
					elog(ERROR, "statement row %d does not fit its table", (int) i);
				memcpy(table->cells + (size_t) table->n_rows * table->n_cols, cells, sizeof(char *) * n_cells);
				table->total[table->n_rows++] = body != NULL && strcmp(body, "total") == 0;
			}
			continue;
		}
		table = NULL;
		if (body == NULL)
			continue;
		if (strcmp(part, "sender") == 0)
			in.sender = body;
		else if (strcmp(part, "sender_unit") == 0)
			in.sender_unit = body;
		else if (strcmp(part, "doc_kind") == 0)
			in.doc_kind = body;
		else if (strcmp(part, "date") == 0)
			in.date_line = body;
		else if (strcmp(part, "reference") == 0)
			in.reference_line = body;
		else if (strcmp(part, "title") == 0)
			in.title = body;
		else if (strcmp(part, "banner") == 0)
			in.banner = body;
		else if (strcmp(part, "running_head") == 0)
			in.running_head = body;
		else if (strcmp(part, "footer") == 0)
			in.footer = body;
		else if (strcmp(part, "fact") == 0)
		{
			in.facts[in.n_facts].label = label ? label : "";
			in.facts[in.n_facts++].text = body;
		}
		else if (strcmp(part, "section") == 0)
		{
			report_block *b = &in.blocks[in.n_blocks++];

			b->kind = 's';
			b->section.label = label ? label : "";
			b->section.text = body;
		}
		else
			elog(ERROR, "unknown %s part \"%s\"", what, part);
	}
	if (in.sender == NULL || in.title == NULL)
		elog(ERROR, "%s returned no sender or title", content_fn);

	kind = sv_pdf_statement_render(&in, &out, &fail);
	result = sv_doc_take_output(kind, &out, &fail, what, &fonts);
	sv_spi_finish(&spi);
	return result;
}

Datum
skolval_payment_statement(PG_FUNCTION_ARGS)
{
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		values[2] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)};

	PG_RETURN_BYTEA_P(render_report("payment statement", "skolval.payment_statement_content()",
									"SELECT c.part, c.label, c.body, c.cells FROM skolval.payment_statement_content($1, $2) c ORDER BY c.ord",
									2, types, values));
}

/* skolval.ike_invoice(month, home_municipality): the IKE invoice basis for one home municipality. */
Datum
skolval_ike_invoice(PG_FUNCTION_ARGS)
{
	Oid			types[2] = {DATEOID, TEXTOID};
	Datum		values[2] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)};

	PG_RETURN_BYTEA_P(render_report("IKE invoice basis", "skolval.ike_invoice_content()",
									"SELECT c.part, c.label, c.body, c.cells FROM skolval.ike_invoice_content($1, $2) c ORDER BY c.ord",
									2, types, values));
}

/* ---------------------------------------------------------------------------------------
 * skolval.payment_xlsx(run_id)
 * --------------------------------------------------------------------------------------- */

typedef struct
{
	const char *name;
	const char *sql;
	bool		totals;
} xlsx_sheet_def;

static const xlsx_sheet_def xlsx_sheets[] = {
	{"Betalningar", "SELECT * FROM skolval.payment_file_payees($1)", false},
	{"Rader", "SELECT * FROM skolval.payment_file_rows($1)", false},
	{"Per enhet", "SELECT * FROM skolval.payment_file_units($1)", true},
	{"Per förvaltning", "SELECT * FROM skolval.payment_file_administrations($1)", true},
};

#define N_XLSX_SHEETS lengthof(xlsx_sheets)

/* The IKE basis of a month (skolval.ike_xlsx): per home municipality and category, and per child. */
static const xlsx_sheet_def ike_sheets[] = {
	{"Per kommun", "SELECT * FROM skolval.ike_file_municipalities($1)", true},
	{"Barn", "SELECT * FROM skolval.ike_file_children($1)", false},
};

#define N_IKE_SHEETS lengthof(ike_sheets)
#define MAX_XLSX_SHEETS 8

/* One query's result as a sheet: the column names are the headers, the types decide the cells. */
static void
fill_sheet(xlsx_sheet *sh)
{
	TupleDesc	desc = SPI_tuptable->tupdesc;
	int			ncol = desc->natts;
	uint64		nrow = SPI_processed;

	sh->n_columns = ncol;
	sh->headers = palloc(sizeof(char *) * ncol);
	for (int c = 0; c < ncol; c++)
		sh->headers[c] = pstrdup(NameStr(TupleDescAttr(desc, c)->attname));
	sh->n_rows = (long) nrow;
	sh->cells = palloc0(sizeof(xlsx_cell) * (nrow > 0 ? nrow : 1) * ncol);
	for (uint64 r = 0; r < nrow; r++)
	{
		HeapTuple	t = SPI_tuptable->vals[r];

		CHECK_FOR_INTERRUPTS();
		for (int c = 0; c < ncol; c++)
		{
			xlsx_cell  *cell = &sh->cells[r * ncol + c];
			bool		isnull;
			Datum		v = SPI_getbinval(t, desc, c + 1, &isnull);
			Oid			type = getBaseType(TupleDescAttr(desc, c)->atttypid);

			if (isnull)
			{
				cell->type = '-';
				continue;
			}
			switch (type)
			{
				case INT2OID:
					cell->type = 'i';
					cell->number = DatumGetInt16(v);
					break;
				case INT4OID:
					cell->type = 'i';
					cell->number = DatumGetInt32(v);
					break;
				case INT8OID:
					cell->type = 'i';
					cell->number = (double) DatumGetInt64(v);
					break;
				case NUMERICOID:
					cell->type = 'a';
					cell->number = DatumGetFloat8(DirectFunctionCall1(numeric_float8, v));
					break;
				case FLOAT4OID:
				case FLOAT8OID:
					cell->type = 'a';
					cell->number = type == FLOAT4OID ? DatumGetFloat4(v) : DatumGetFloat8(v);
					break;
				case DATEOID:
					{
						DateADT		d = DatumGetDateADT(v);
						int			y,
									m,
									day;

						if (DATE_NOT_FINITE(d))
						{
							cell->type = 's';
							cell->text = SPI_getvalue(t, desc, c + 1);
							break;
						}
						j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
						cell->type = 'd';
						cell->text = psprintf("%04d-%02d-%02d", y, m, day);
					}
					break;
				case BOOLOID:
					cell->type = 's';
					cell->text = DatumGetBool(v) ? "ja" : "nej";
					break;
				default:
					cell->type = 's';
					cell->text = SPI_getvalue(t, desc, c + 1);
					break;
			}
		}
	}
}

/* Remove the private temporary directory and whatever is in it; never raises. */
static void
remove_temp_dir(const char *dir)
{
	DIR		   *d = opendir(dir);

	if (d != NULL)
	{
		struct dirent *e;

		while ((e = readdir(d)) != NULL)
		{
			char		path[MAXPGPATH];

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (unlink(path) != 0 && errno != ENOENT)
				elog(WARNING, "could not remove temporary file \"%s\": %m", path);
		}
		closedir(d);
	}
	if (rmdir(dir) != 0 && errno != ENOENT)
		elog(WARNING, "could not remove temporary directory \"%s\": %m", dir);
}

/* The whole file into a bytea in the caller's memory context. */
static bytea *
read_back(const char *path)
{
	int			fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	struct stat st;
	bytea	   *result;
	size_t		done = 0;

	if (fd < 0)
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not open file \"%s\": %m", path)));
	if (fstat(fd, &st) != 0)
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not stat file \"%s\": %m", path)));
	if ((size_t) st.st_size > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the payment file is too large (%lld bytes)", (long long) st.st_size)));
	result = (bytea *) SPI_palloc(st.st_size + VARHDRSZ);
	SET_VARSIZE(result, st.st_size + VARHDRSZ);
	while (done < (size_t) st.st_size)
	{
		ssize_t		got = read(fd, VARDATA(result) + done, st.st_size - done);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			ereport(ERROR, (errcode_for_file_access(), errmsg("could not read file \"%s\": %m", path)));
		done += got;
	}
	CloseTransientFile(fd);
	return result;
}

/*
 * A workbook: the head query gives the title and the creation time (so the same data gives the
 * same bytes), then one sheet per query. what names it in errors.
 */
static bytea *
write_workbook(const char *what, const char *head_sql, const char *missing, const xlsx_sheet_def *defs, int n_defs,
			   int nargs, Oid *types, Datum *values)
{
	xlsx_input	in;
	xlsx_sheet	sheets[MAX_XLSX_SHEETS];
	char		base[MAXPGPATH];
	char		dir[MAXPGPATH];
	char		path[MAXPGPATH];
	bytea	   *volatile result = NULL;
	SvSpi		spi;
	uint64		n;

	Assert(n_defs <= MAX_XLSX_SHEETS);
	sv_doc_use_interrupt_hook();
	sv_spi_connect(&spi);
	n = sv_spi_select(&spi, what, head_sql, nargs, types, values, 2, xlsx_head_types);
	if (n != 1)
		ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND), errmsg("%s", missing)));
	memset(&in, 0, sizeof(in));
	in.title = sv_spi_text_required(&spi, 0, 1);
	in.created = (time_t) sv_spi_int8_required(&spi, 0, 2);
	memset(sheets, 0, sizeof(sheets));
	for (int i = 0; i < n_defs; i++)
	{
		CHECK_FOR_INTERRUPTS();
		(void) sv_spi_select_any(&spi, defs[i].name, defs[i].sql, nargs, types, values);
		sheets[i].name = defs[i].name;
		sheets[i].last_row_bold = defs[i].totals;
		fill_sheet(&sheets[i]);
	}
	in.sheets = sheets;
	in.n_sheets = n_defs;

	/*
	 * A private directory under the default tablespace's pgsql_tmp, named with the temporary
	 * file prefix: should the server crash before it is removed, the next start removes it.
	 */
	TempTablespacePath(base, DEFAULTTABLESPACE_OID);
	if (MakePGDirectory(base) != 0 && errno != EEXIST)
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not create directory \"%s\": %m", base)));
	snprintf(dir, sizeof(dir), "%s/%sskolval_xlsx_%d_XXXXXX", base, PG_TEMP_FILE_PREFIX, MyProcPid);
	if (mkdtemp(dir) == NULL)
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not create temporary directory \"%s\": %m", dir)));
	snprintf(path, sizeof(path), "%s/workbook.xlsx", dir);
	in.path = path;
	in.tmpdir = dir;

	PG_TRY();
	{
		doc_failure fail;
		doc_fail_kind kind = sv_xlsx_write(&in, &fail);

		if (kind != DOC_OK)
			report_failure(&fail, what, NULL);
		result = read_back(path);
	}
	PG_FINALLY();
	{
		remove_temp_dir(dir);
	}
	PG_END_TRY();
	sv_spi_finish(&spi);
	return result;
}

Datum
skolval_payment_xlsx(PG_FUNCTION_ARGS)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {PG_GETARG_DATUM(0)};
	char		missing[64];

	snprintf(missing, sizeof(missing), "payment run %lld does not exist", (long long) PG_GETARG_INT64(0));
	PG_RETURN_BYTEA_P(write_workbook("payment file",
									 "SELECT 'Utbetalningar '::pg_catalog.text OPERATOR(pg_catalog.||) skolval.month_sv(r.month),"
									 "       pg_catalog.extract('epoch'::pg_catalog.text, r.created_at)::pg_catalog.int8"
									 "  FROM skolval.payment_run r WHERE r.run_id OPERATOR(pg_catalog.=) $1",
									 missing, xlsx_sheets, N_XLSX_SHEETS, 1, types, values));
}

/* skolval.ike_xlsx(month): the IKE basis of a month as a workbook, dated the month's first day. */
Datum
skolval_ike_xlsx(PG_FUNCTION_ARGS)
{
	Oid			types[1] = {DATEOID};
	Datum		values[1] = {PG_GETARG_DATUM(0)};

	PG_RETURN_BYTEA_P(write_workbook("IKE basis",
									 "SELECT 'Interkommunal ersättning '::pg_catalog.text OPERATOR(pg_catalog.||) skolval.month_sv($1),"
									 "       (($1 OPERATOR(pg_catalog.-) '1970-01-01'::pg_catalog.date) OPERATOR(pg_catalog.*) 86400)::pg_catalog.int8",
									 "no month", ike_sheets, N_IKE_SHEETS, 1, types, values));
}
