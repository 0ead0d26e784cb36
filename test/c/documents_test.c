/*
 * documents_test.c — the document cores in plain C, without a database: letters and
 * statements through libharu, the payment file through libxlsxwriter, and every failure path
 * the glue turns into an error (a missing font, a file that is not a font, an unwritable file,
 * a string too long for a cell, a bad date). Run by test/scripts/documents_core.sh, under
 * valgrind when it is installed (no invalid access, no leak).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "documents/documents.h"

#define FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define BOLD "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

static int passed = 0;
static int failed = 0;

#define CHECK(cond, ...) \
	do { \
		if (cond) \
			passed++; \
		else \
		{ \
			failed++; \
			printf("FAIL %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__); \
			printf("\n"); \
		} \
	} while (0)

static bool
is_pdf(const doc_output *o)
{
	return o->data != NULL && o->len > 1000 && memcmp(o->data, "%PDF-1.", 7) == 0 &&
		memmem(o->data + o->len - 8, 8, "%%EOF", 5) != NULL;
}

/* Pages: "/Type /Page" dictionaries that are not "/Type /Pages". */
static int
count_pages(const doc_output *o)
{
	int			n = 0;
	const unsigned char *p = o->data;
	const unsigned char *end = o->data + o->len;

	while ((p = memmem(p, end - p, "/Type /Page", 11)) != NULL)
	{
		if (p + 11 < end && p[11] != 's')
			n++;
		p += 11;
	}
	return n;
}

static letter_input
a_letter(const char *font, const char *bold, const char *body)
{
	static const char *recipient[] = {"Till vårdnadshavare för", "Åsa Öberg", "Ängsvägen 1", "222 22 Lund"};
	static letter_pair facts[] = {{"Barn", "Åsa Öberg, 20210101-0000"}, {"Skola", "Ängsskolan"}};
	static letter_pair sections[3];
	letter_input in;

	sections[0] = (letter_pair) {"Beslut", "Ert barn erbjuds plats i förskoleklass på Ängsskolan."};
	sections[1] = (letter_pair) {"Motivering", body};
	sections[2] = (letter_pair) {"Så överklagar ni", "Inom tre veckor från den dag ni fick del av beslutet.\n\t1) en punkt\n\t2) en punkt till"};
	memset(&in, 0, sizeof(in));
	in.font_path = font;
	in.bold_font_path = bold;
	in.sender = "Lunds kommun";
	in.sender_unit = "Barn- och skolnämnden";
	in.doc_kind = "BESLUT";
	in.date_line = "Datum 2027-03-15";
	in.reference_line = "Referens HT2027, beslut 1-1";
	in.recipient = recipient;
	in.n_recipient = 4;
	in.title = "Beslut om plats i förskoleklass";
	in.facts = facts;
	in.n_facts = 2;
	in.sections = sections;
	in.n_sections = 3;
	in.footer = "Lunds kommun · Barn- och skolnämnden";
	in.running_head = "Beslut om plats i förskoleklass";
	return in;
}

static void
test_letters(void)
{
	doc_output out;
	doc_output bold_out;
	doc_failure fail;
	letter_input in = a_letter(FONT, NULL, "Kort motivering.");
	char	   *long_text;
	char		junk[] = "/tmp/skolval-not-a-font-XXXXXX";
	int			fd;

	CHECK(sv_pdf_letter_render(&in, &out, &fail) == DOC_OK && is_pdf(&out), "letter with a synthesized bold");
	CHECK(count_pages(&out) == 1, "a short letter has one page, not %d", count_pages(&out));
	in = a_letter(FONT, BOLD, "Kort motivering.");
	CHECK(sv_pdf_letter_render(&in, &bold_out, &fail) == DOC_OK && is_pdf(&bold_out), "letter with a bold font");
	CHECK(bold_out.len > out.len + 50000, "a bold font is a second embedded font (%zu vs %zu bytes)", bold_out.len, out.len);
	free(out.data);
	free(bold_out.data);

	/* A long motivation breaks over pages; one word of 100,000 characters breaks between them. */
	long_text = malloc(400001);
	for (int i = 0; i < 400000; i++)
		long_text[i] = (i % 9 == 8) ? ' ' : "abcdefghå"[i % 9];
	long_text[400000] = '\0';
	in = a_letter(FONT, NULL, long_text);
	CHECK(sv_pdf_letter_render(&in, &out, &fail) == DOC_OK && is_pdf(&out) && count_pages(&out) > 10,
		  "a long letter runs over many pages (%d)", count_pages(&out));
	free(out.data);
	for (int i = 0; i < 200000; i += 2)
		memcpy(long_text + i, "\xC3\xA5", 2);
	long_text[200000] = '\0';
	in = a_letter(FONT, NULL, long_text);
	CHECK(sv_pdf_letter_render(&in, &out, &fail) == DOC_OK && is_pdf(&out), "a 100,000-character word");
	free(out.data);
	free(long_text);

	/* Failures: reported, nothing returned, everything freed (valgrind checks the last part). */
	in = a_letter("/nonexistent/DejaVuSans.ttf", NULL, "x");
	CHECK(sv_pdf_letter_render(&in, &out, &fail) == DOC_FAIL_FONT_OPEN && out.data == NULL && fail.detail == ENOENT
		  && strstr(fail.step, "regular") != NULL, "missing font: kind %d detail %lu", fail.kind, fail.detail);
	in = a_letter(FONT, "/nonexistent/DejaVuSans-Bold.ttf", "x");
	CHECK(sv_pdf_letter_render(&in, &out, &fail) == DOC_FAIL_FONT_OPEN && strstr(fail.step, "bold") != NULL,
		  "missing bold font: kind %d step %s", fail.kind, fail.step);
	fd = mkstemp(junk);
	CHECK(fd >= 0 && write(fd, "this is not a TrueType font\n", 28) == 28, "junk file");
	close(fd);
	in = a_letter(junk, NULL, "x");
	CHECK(sv_pdf_letter_render(&in, &out, &fail) == DOC_FAIL_FONT_INVALID && out.data == NULL,
		  "not a font: kind %d (%s)", fail.kind, fail.message);
	unlink(junk);
	CHECK(strcmp(sv_pdf_status_text(0x1017), "cannot open file") == 0, "libharu status text");
}

/* The interrupt hook: stop after a number of polls; count the polls. */
static long polls = 0;
static long stop_after = -1;

static bool
count_polls(void)
{
	polls++;
	return stop_after >= 0 && polls > stop_after;
}

static void
test_layout(void)
{
	doc_output out;
	doc_failure fail;
	letter_input in;
	char	   *word;
	long		polls_1mb;
	static const char *emoji_recipient[] = {"Ella\xF0\x9F\x98\x80Li\xE6\xBC\xA2"};

	/* A character the font cannot show (an astral emoji, a CJK ideograph) is printed as U+FFFD and counted. */
	in = a_letter(FONT, NULL, "Kort motivering.");
	in.recipient = emoji_recipient;
	in.n_recipient = 1;
	CHECK(sv_pdf_letter_render(&in, &out, &fail) == DOC_OK && is_pdf(&out), "letter with an emoji");
	CHECK(out.replaced == 2 && out.n_replaced_cp == 2 && out.replaced_cp[0] == 0x1F600 && out.replaced_cp[1] == 0x6F22,
		  "replaced %ld: U+%04X U+%04X", out.replaced, out.replaced_cp[0], out.replaced_cp[1]);
	CHECK(memmem(out.data, out.len, "begincidrange", 13) == NULL || memmem(out.data, out.len, "beginbfrange", 12) != NULL,
		  "a ToUnicode CMap with bfranges");
	free(out.data);
	in = a_letter(FONT, NULL, "Kort motivering.");
	CHECK(sv_pdf_letter_render(&in, &out, &fail) == DOC_OK && out.replaced == 0, "nothing replaced in plain Swedish text");
	free(out.data);

	/* Linear: a 2 MB word costs about ten times the interrupt polls of a 200 kB word (one per line). */
	word = malloc(2000001);
	memset(word, 'a', 2000000);
	word[200000] = '\0';
	sv_doc_interrupt_hook = count_polls;
	polls = 0;
	in = a_letter(FONT, NULL, word);
	CHECK(sv_pdf_letter_render(&in, &out, &fail) == DOC_OK, "a 200 kB word");
	free(out.data);
	polls_1mb = polls;
	word[200000] = 'a';
	word[2000000] = '\0';
	polls = 0;
	CHECK(sv_pdf_letter_render(&in, &out, &fail) == DOC_OK, "a 2 MB word");
	free(out.data);
	CHECK(polls > 9 * polls_1mb && polls < 11 * polls_1mb, "polls: %ld for 200 kB, %ld for 2 MB", polls_1mb, polls);

	/* Interrupted in the middle: DOC_FAIL_INTERRUPTED, nothing returned, everything freed. */
	polls = 0;
	stop_after = polls_1mb / 2;
	CHECK(sv_pdf_letter_render(&in, &out, &fail) == DOC_FAIL_INTERRUPTED && out.data == NULL && polls == stop_after + 1,
		  "interrupted letter: kind %d after %ld polls", fail.kind, polls);
	free(word);
	sv_doc_interrupt_hook = NULL;
	stop_after = -1;
}

static void
test_statement(void)
{
	static const char *headers[] = {"Namn", "Född", "Kategori", "Belopp"};
	statement_input in;
	report_block blocks[3];
	letter_pair facts[] = {{"Enhet", "Friskolan Ekorren (enhetskod F)"}, {"Status", "utkast"}};
	const char **cells;
	bool	   *total;
	int			rows = 300;
	doc_output	out;
	doc_failure fail;

	cells = calloc((size_t) rows * 4, sizeof(char *));
	total = calloc(rows, sizeof(bool));
	for (int r = 0; r < rows; r++)
	{
		cells[r * 4 + 0] = r % 7 == 0 ? "Barn med skyddad identitet (2 barn)" : "Öberg, Åsa Margareta Ingegärd Sofia Elisabet";
		cells[r * 4 + 1] = r % 7 == 0 ? "" : "2018-03-02";
		cells[r * 4 + 2] = "Fritidshem förskoleklass–åk 3 (12 av 31 dagar)";
		cells[r * 4 + 3] = "8 734,40";
	}
	total[rows - 1] = true;
	memset(blocks, 0, sizeof(blocks));
	blocks[0].kind = 't';
	blocks[0].table.title = "Barn som ersätts för april 2026";
	blocks[0].table.n_cols = 4;
	for (int c = 0; c < 4; c++)
		blocks[0].table.headers[c] = headers[c];
	blocks[0].table.widths[0] = 38;
	blocks[0].table.widths[1] = 12;
	blocks[0].table.widths[2] = 32;
	blocks[0].table.widths[3] = 18;
	memcpy(blocks[0].table.align, "lrlr", 4);
	blocks[0].table.cells = cells;
	blocks[0].table.total = total;
	blocks[0].table.n_rows = rows;
	blocks[1].kind = 't';			/* a table without rows */
	blocks[1].table = blocks[0].table;
	blocks[1].table.n_rows = 0;
	blocks[2].kind = 's';
	blocks[2].section = (letter_pair) {"Så räknas bidraget", "En tolftedel av årsbeloppet."};

	memset(&in, 0, sizeof(in));
	in.font_path = FONT;
	in.sender = "Lunds kommun";
	in.sender_unit = "Barn- och skolnämnden";
	in.doc_kind = "BIDRAGSSPECIFIKATION";
	in.date_line = "Utbetalningsmånad april 2026";
	in.reference_line = "Utbetalningskörning 2, enhet F";
	in.title = "Bidrag till Friskolan Ekorren, april 2026";
	in.banner = "UTKAST – underlaget är inte godkänt";
	in.facts = facts;
	in.n_facts = 2;
	in.blocks = blocks;
	in.n_blocks = 3;
	in.footer = "Lunds kommun";
	in.running_head = "Friskolan Ekorren · april 2026";
	CHECK(sv_pdf_statement_render(&in, &out, &fail) == DOC_OK && is_pdf(&out), "statement: kind %d", fail.kind);
	CHECK(count_pages(&out) >= 8, "300 two-line rows run over several pages (%d)", count_pages(&out));
	free(out.data);
	in.font_path = "/nonexistent.ttf";
	CHECK(sv_pdf_statement_render(&in, &out, &fail) == DOC_FAIL_FONT_OPEN && out.data == NULL, "statement without a font");
	free(cells);
	free(total);
}

static xlsx_input
a_workbook(const char *path, const char *tmpdir, xlsx_sheet *sheet, xlsx_cell *cells)
{
	static const char *headers[] = {"Namn", "Belopp", "Månad", "Barn"};
	xlsx_input	in;

	memset(sheet, 0, sizeof(*sheet));
	sheet->name = "Per förvaltning";
	sheet->headers = headers;
	sheet->n_columns = 4;
	sheet->cells = cells;
	sheet->n_rows = 2;
	sheet->last_row_bold = true;
	cells[0] = (xlsx_cell) {'s', "Öberg, Åsa", 0};
	cells[1] = (xlsx_cell) {'a', NULL, 1234.5};
	cells[2] = (xlsx_cell) {'d', "2026-04-01", 0};
	cells[3] = (xlsx_cell) {'i', NULL, 12};
	cells[4] = (xlsx_cell) {'s', "Summa", 0};
	cells[5] = (xlsx_cell) {'a', NULL, 1234.5};
	cells[6] = (xlsx_cell) {'-', NULL, 0};
	cells[7] = (xlsx_cell) {'i', NULL, 12};
	memset(&in, 0, sizeof(in));
	in.path = path;
	in.tmpdir = tmpdir;
	in.title = "Utbetalningar april 2026";
	in.created = 1775000000;
	in.sheets = sheet;
	in.n_sheets = 1;
	return in;
}

static void
test_xlsx(void)
{
	char		dir[] = "/tmp/skolval-xlsx-test-XXXXXX";
	char		path[256];
	xlsx_sheet	sheet;
	xlsx_cell	cells[8];
	xlsx_input	in;
	doc_failure fail;
	FILE	   *f;
	char		magic[2] = {0};
	char	   *big;

	CHECK(mkdtemp(dir) != NULL, "temporary directory");
	snprintf(path, sizeof(path), "%s/payments.xlsx", dir);
	in = a_workbook(path, dir, &sheet, cells);
	CHECK(sv_xlsx_write(&in, &fail) == DOC_OK, "xlsx: kind %d (%s)", fail.kind, fail.message);
	f = fopen(path, "rb");
	CHECK(f != NULL && fread(magic, 1, 2, f) == 2 && memcmp(magic, "PK", 2) == 0, "the file is a zip file");
	if (f)
		fclose(f);
	unlink(path);

	in = a_workbook("/nonexistent/dir/payments.xlsx", dir, &sheet, cells);
	CHECK(sv_xlsx_write(&in, &fail) == DOC_FAIL_FILE, "unwritable file: kind %d", fail.kind);

	big = malloc(40001);
	memset(big, 'x', 40000);
	big[40000] = '\0';
	in = a_workbook(path, dir, &sheet, cells);
	cells[0].text = big;
	CHECK(sv_xlsx_write(&in, &fail) == DOC_FAIL_VALUE && strstr(fail.message, "32,767") != NULL,
		  "string too long: kind %d (%s)", fail.kind, fail.message);
	unlink(path);
	free(big);

	in = a_workbook(path, dir, &sheet, cells);
	cells[2].text = "2026-13-45";
	CHECK(sv_xlsx_write(&in, &fail) != DOC_OK, "a bad date is refused");
	unlink(path);

	in = a_workbook(path, dir, &sheet, cells);
	sheet.name = "Bad/name";
	CHECK(sv_xlsx_write(&in, &fail) != DOC_OK, "a bad sheet name is refused");
	unlink(path);
	CHECK(rmdir(dir) == 0, "nothing else left in the temporary directory: %s", strerror(errno));
}

/* A print file: many letters in one PDF, each on its own pages (issue 15). */
static void
test_print_file(void)
{
	doc_output one, many;
	doc_failure fail;
	letter_input in[3];
	char	   *long_text = malloc(20001);

	for (int i = 0; i < 20000; i++)
		long_text[i] = (i % 9 == 8) ? ' ' : "abcdefghå"[i % 9];
	long_text[20000] = '\0';
	in[0] = a_letter(FONT, BOLD, "Kort motivering.");
	CHECK(sv_pdf_letters_render(in, 1, &one, &fail) == DOC_OK && is_pdf(&one) && count_pages(&one) == 1,
		  "a print file of one short letter has one page (%d)", count_pages(&one));
	/* a_letter() keeps its sections in one static array: the long letter gets its own */
	in[1] = a_letter(FONT, BOLD, "Kort motivering.");
	in[2] = in[1];
	{
		static letter_pair long_sections[3];

		memcpy(long_sections, in[1].sections, sizeof(long_sections));
		long_sections[1].text = long_text;
		in[1].sections = long_sections;
	}
	CHECK(sv_pdf_letters_render(in, 3, &many, &fail) == DOC_OK && is_pdf(&many), "a print file of three letters");
	/* the long letter takes several pages; the short ones one each; the fonts are embedded once */
	CHECK(count_pages(&many) >= 4, "three letters, one of them long, take at least four pages (%d)", count_pages(&many));
	CHECK(many.len < 2 * one.len, "the fonts are embedded once (%zu bytes for three letters, %zu for one)", many.len, one.len);
	free(one.data);
	free(many.data);
	CHECK(sv_pdf_letters_render(in, 0, &many, &fail) == DOC_FAIL_VALUE && many.data == NULL, "a print file of no letters is refused");
	free(long_text);
}

int
main(void)
{
	test_letters();
	test_print_file();
	test_layout();
	test_statement();
	test_xlsx();
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
