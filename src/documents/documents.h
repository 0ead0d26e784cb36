/*
 * documents.h — the documents room: decision letters and payment statements as PDF (libharu),
 * the payment file as XLSX (libxlsxwriter).
 *
 * The cores (pdf_common.c, pdf_letter.c, pdf_statement.c, xlsx_payment.c) are plain C: they
 * take plain structs of UTF-8 strings and numbers, know nothing of PostgreSQL, allocate with
 * malloc and never jump out of a library callback. They free every library object before they
 * return and report a failure as a doc_failure; the glue (documents_sql.c) turns that into a
 * PostgreSQL error with a specific SQLSTATE.
 */
#ifndef SKOLVAL_DOCUMENTS_H
#define SKOLVAL_DOCUMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Where a document failed. */
typedef enum doc_fail_kind
{
	DOC_OK = 0,
	DOC_FAIL_MEMORY,			/* malloc or the library ran out of memory */
	DOC_FAIL_FONT_OPEN,			/* the font file could not be opened (errno in detail) */
	DOC_FAIL_FONT_INVALID,		/* the font file is not a usable TrueType font */
	DOC_FAIL_FILE,				/* a file could not be created, written or read (errno in detail) */
	DOC_FAIL_VALUE,				/* a value the format cannot hold (too long a string, a bad date) */
	DOC_FAIL_LIBRARY,			/* any other error reported by the library */
	DOC_FAIL_INTERRUPTED		/* sv_doc_interrupt_hook asked the core to stop (a cancel) */
} doc_fail_kind;

/*
 * Set by the glue (NULL in plain C): returns true when the work must stop, for example because
 * the query was cancelled. The cores poll it in every loop over user data; when it returns
 * true they free everything of the library and fail with DOC_FAIL_INTERRUPTED, and the glue
 * then lets PostgreSQL raise the cancel. The hook itself must never jump.
 */
extern bool (*sv_doc_interrupt_hook) (void);

#define DOC_INTERRUPTED() (sv_doc_interrupt_hook != NULL && sv_doc_interrupt_hook())

typedef struct doc_failure
{
	doc_fail_kind kind;
	const char *library;		/* "libharu" or "libxlsxwriter" */
	unsigned long status;		/* the library's error code */
	unsigned long detail;		/* libharu's detail code (errno for file errors) */
	const char *step;			/* what the core was doing, for the error detail */
	const char *message;		/* the library's own text, when it has one */
} doc_failure;

/* A finished document: malloc'd bytes the caller frees with free(). */
#define DOC_REPLACED_EXAMPLES 4

typedef struct doc_output
{
	unsigned char *data;
	size_t		len;
	/*
	 * Characters the embedded font cannot show (outside the Basic Multilingual Plane, or
	 * without a glyph): each is drawn as U+FFFD (or "?" when the font lacks that too), never
	 * dropped; how many, and the first distinct code points, for the caller to report.
	 */
	long		replaced;
	unsigned int replaced_cp[DOC_REPLACED_EXAMPLES];
	int			n_replaced_cp;
} doc_output;

/* English text for a libharu error code (libharu has no strerror). */
extern const char *sv_pdf_status_text(unsigned long status);

/* ---------------------------------------------------------------------------------------
 * Decision letter: a letterhead, an address block, a title, a table of facts and sections
 * of text. Paragraphs in a section body are separated by '\n'; a paragraph that starts with
 * '\t' is a list item (indented, hanging).
 * --------------------------------------------------------------------------------------- */

typedef struct letter_pair
{
	const char *label;
	const char *text;
} letter_pair;

typedef struct letter_input
{
	const char *font_path;		/* regular TrueType font (DejaVu Sans) */
	const char *bold_font_path; /* NULL: bold drawn from the regular font */
	const char *sender;			/* the municipality */
	const char *sender_unit;	/* the board (nämnd) */
	const char *doc_kind;		/* "BESLUT" */
	const char *date_line;		/* "Datum 2027-03-15" */
	const char *reference_line; /* "Referens ..." */
	const char **recipient;		/* address block lines */
	int			n_recipient;
	const char *title;
	letter_pair *facts;			/* label: value table under the title */
	int			n_facts;
	letter_pair *sections;		/* heading: body */
	int			n_sections;
	const char *footer;			/* left part of every page's footer */
	const char *running_head;	/* header of continuation pages */
} letter_input;

extern doc_fail_kind sv_pdf_letter_render(const letter_input *in, doc_output *out, doc_failure *fail);

/* Many letters in one PDF (a print file): each on new pages with its own page numbers. */
extern doc_fail_kind sv_pdf_letters_render(const letter_input *in, int n, doc_output *out, doc_failure *fail);

/* ---------------------------------------------------------------------------------------
 * Payment statement: the same letterhead and facts as a letter, then blocks in order: tables
 * (a title, column headers, widths in percent of the text width, 'l'/'r' alignment, rows of
 * text cells, total rows in bold) and sections of text. The numbers arrive formatted.
 * --------------------------------------------------------------------------------------- */

#define REPORT_MAX_COLS 12

typedef struct report_table
{
	const char *title;
	int			n_cols;
	const char *headers[REPORT_MAX_COLS];
	float		widths[REPORT_MAX_COLS];	/* percent of the text width */
	char		align[REPORT_MAX_COLS];		/* 'l' or 'r' */
	const char **cells;			/* n_rows * n_cols, row by row */
	bool	   *total;			/* per row: a total (bold, rule above) */
	int			n_rows;
} report_table;

typedef struct report_block
{
	char		kind;			/* 't' table, 's' section */
	report_table table;
	letter_pair section;
} report_block;

typedef struct statement_input
{
	const char *font_path;
	const char *bold_font_path;
	const char *sender;
	const char *sender_unit;
	const char *doc_kind;
	const char *date_line;
	const char *reference_line;
	const char *title;
	const char *banner;			/* a warning under the title (a draft), may be NULL */
	letter_pair *facts;
	int			n_facts;
	report_block *blocks;
	int			n_blocks;
	const char *footer;
	const char *running_head;
} statement_input;

extern doc_fail_kind sv_pdf_statement_render(const statement_input *in, doc_output *out, doc_failure *fail);

/* ---------------------------------------------------------------------------------------
 * XLSX payment file: three sheets written to a file the caller names (libxlsxwriter 1.1.4
 * cannot write to memory); the caller reads it back and removes it.
 * --------------------------------------------------------------------------------------- */

typedef struct xlsx_cell
{
	char		type;			/* 's' string, 'n' number, 'a' amount, 'd' date (YYYY-MM-DD), 'i' integer, '-' empty */
	const char *text;
	double		number;
} xlsx_cell;

typedef struct xlsx_sheet
{
	const char *name;
	const char **headers;
	const double *widths;		/* column widths, may be NULL */
	int			n_columns;
	xlsx_cell  *cells;			/* n_rows * n_columns, row by row */
	long		n_rows;
	bool		last_row_bold;	/* a totals row */
} xlsx_sheet;

typedef struct xlsx_input
{
	const char *path;			/* the file to write */
	const char *tmpdir;			/* libxlsxwriter's own temporary files */
	const char *title;			/* document property */
	time_t		created;		/* document property (the run's time, so equal runs give equal files) */
	xlsx_sheet *sheets;
	int			n_sheets;
} xlsx_input;

extern doc_fail_kind sv_xlsx_write(const xlsx_input *in, doc_failure *fail);

#endif
