/*
 * delivery_sql.c — SQL glue of the delivery room: the letter of one outbox row, and the print
 * file of a batch (every paper letter in postal order, one PDF).
 *
 * The words come from skolval.delivery_letter_content() (sql/delivery/delivery.sql), read over
 * SPI with $n parameters under the pinned path of sv_spi_connect(), column types checked; the
 * layout is the documents room's libharu core (sv_pdf_letter_render, sv_pdf_letters_render).
 * Delivery letters embed the true bold face: the document settings' bold font, else DejaVu
 * Sans Bold (skolval._delivery_fonts()).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"

#include "common/spi_util.h"
#include "documents/documents.h"
#include "documents/documents_glue.h"

PG_FUNCTION_INFO_V1(skolval_delivery_letter);
PG_FUNCTION_INFO_V1(skolval_delivery_print_file);

static const Oid delivery_fonts_types[] = {TEXTOID, TEXTOID};
static const Oid batch_types[] = {INT8OID};

static void
delivery_fonts(SvSpi *spi, font_paths *f)
{
	uint64		n = sv_spi_select(spi, "skolval._delivery_fonts()",
								  "SELECT f.font_path, f.bold_font_path FROM skolval._delivery_fonts() f",
								  0, NULL, NULL, 2, delivery_fonts_types);

	if (n != 1)
		elog(ERROR, "skolval._delivery_fonts() returned " UINT64_FORMAT " rows", n);
	f->regular = sv_spi_text(spi, 0, 1);
	f->bold = sv_spi_text(spi, 0, 2);
	if (f->regular == NULL || f->regular[0] != '/' || (f->bold != NULL && f->bold[0] != '/'))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the document fonts must be absolute paths"),
				 errhint("Set them with skolval.configure_documents(font_path => ..., bold_font_path => ...).")));
}

/* The parts of one outbox row's letter, into in (strings copied out of the SPI result). */
static void
load_letter(SvSpi *spi, Datum outbox_id, letter_input *in)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {outbox_id};
	uint64		n;

	n = sv_spi_select(spi, "skolval.delivery_letter_content()",
					  "SELECT c.part, c.label, c.body FROM skolval.delivery_letter_content($1) c ORDER BY c.ord",
					  1, types, values, 3, sv_doc_letter_types);
	sv_doc_letter_parts(spi, n, in, "skolval.delivery_letter_content()");
}

/* skolval.delivery_letter(outbox_id): one recipient's letter. */
Datum
skolval_delivery_letter(PG_FUNCTION_ARGS)
{
	font_paths	fonts;
	letter_input in;
	doc_output	out = {0};
	doc_failure fail;
	doc_fail_kind kind;
	bytea	   *result;
	SvSpi		spi;

	sv_doc_use_interrupt_hook();
	sv_spi_connect(&spi);
	delivery_fonts(&spi, &fonts);
	load_letter(&spi, PG_GETARG_DATUM(0), &in);
	in.font_path = fonts.regular;
	in.bold_font_path = fonts.bold;
	kind = sv_pdf_letter_render(&in, &out, &fail);
	result = sv_doc_take_output(kind, &out, &fail, "decision letter", &fonts);
	sv_spi_finish(&spi);
	PG_RETURN_BYTEA_P(result);
}

/*
 * skolval.delivery_print_file(batch_id): the batch's paper letters in postal order. Each
 * letter's parts are read in turn; sv_doc_letter_parts() points into the SPI result, which
 * the next query frees, so every string is copied first.
 */
static char *
keep(const char *s)
{
	return s ? pstrdup(s) : NULL;
}

static void
keep_letter(letter_input *in)
{
	in->sender = keep(in->sender);
	in->sender_unit = keep(in->sender_unit);
	in->doc_kind = keep(in->doc_kind);
	in->date_line = keep(in->date_line);
	in->reference_line = keep(in->reference_line);
	in->title = keep(in->title);
	in->footer = keep(in->footer);
	in->running_head = keep(in->running_head);
	for (int i = 0; i < in->n_recipient; i++)
		in->recipient[i] = keep(in->recipient[i]);
	for (int i = 0; i < in->n_facts; i++)
	{
		in->facts[i].label = keep(in->facts[i].label);
		in->facts[i].text = keep(in->facts[i].text);
	}
	for (int i = 0; i < in->n_sections; i++)
	{
		in->sections[i].label = keep(in->sections[i].label);
		in->sections[i].text = keep(in->sections[i].text);
	}
}

Datum
skolval_delivery_print_file(PG_FUNCTION_ARGS)
{
	Datum		values[1] = {PG_GETARG_DATUM(0)};
	font_paths	fonts;
	letter_input *letters;
	Datum	   *ids;
	doc_output	out = {0};
	doc_failure fail;
	doc_fail_kind kind;
	bytea	   *result;
	uint64		n;
	SvSpi		spi;

	sv_doc_use_interrupt_hook();
	sv_spi_connect(&spi);
	delivery_fonts(&spi, &fonts);
	fonts.regular = pstrdup(fonts.regular);
	fonts.bold = keep(fonts.bold);
	n = sv_spi_select(&spi, "skolval.outbox",
					  "SELECT o.outbox_id FROM skolval.outbox o "
					  "WHERE o.batch_id OPERATOR(pg_catalog.=) $1 AND o.channel OPERATOR(pg_catalog.=) 'paper'::pg_catalog.text "
					  "ORDER BY o.postal_order COLLATE \"C\", o.outbox_id",
					  1, (Oid *) batch_types, values, 1, batch_types);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("batch " INT64_FORMAT " holds no paper letters", PG_GETARG_INT64(0)),
				 errhint("Claim a batch of the paper channel with skolval.outbox_claim('paper', ...).")));
	if (n > 100000)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("batch " INT64_FORMAT " holds " UINT64_FORMAT " paper letters; a print file holds at most 100000",
						PG_GETARG_INT64(0), n)));
	ids = palloc(sizeof(Datum) * n);
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;

		ids[i] = sv_spi_datum(&spi, i, 1, INT8OID, &isnull);
	}
	letters = palloc0(sizeof(letter_input) * n);
	for (uint64 i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		load_letter(&spi, ids[i], &letters[i]);
		keep_letter(&letters[i]);
		letters[i].font_path = fonts.regular;
		letters[i].bold_font_path = fonts.bold;
	}
	kind = sv_pdf_letters_render(letters, (int) n, &out, &fail);
	result = sv_doc_take_output(kind, &out, &fail, "print file", &fonts);
	sv_spi_finish(&spi);
	PG_RETURN_BYTEA_P(result);
}
