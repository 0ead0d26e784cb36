/*
 * pdf_int.h — the small layout layer over libharu shared by the letter and the statement.
 *
 * libharu reports errors through a callback; ours only records the first error in the
 * pdf_doc and returns, libharu then returns an error code, and every helper here returns
 * false once an error is recorded. The caller stops at the first false, calls sv_pdf_close()
 * (HPDF_Free) and reports the failure.
 */
#ifndef SKOLVAL_PDF_INT_H
#define SKOLVAL_PDF_INT_H

#include <hpdf.h>

#include "documents/documents.h"

#define PDF_A4_W 595.276f
#define PDF_A4_H 841.89f

typedef struct pdf_doc pdf_doc;
typedef void (*pdf_page_cb) (pdf_doc *d, void *arg);

struct pdf_doc
{
	HPDF_Doc	doc;
	HPDF_Font	font;			/* regular */
	HPDF_Font	bold;			/* a marker, not a font, when the bold is synthesized */
	bool		fake_bold;		/* bold drawn by stroking the regular font's outlines */
	unsigned long status;		/* first libharu error, recorded by the callback */
	unsigned long detail;
	const char *step;			/* what was being done when it failed */
	bool		oom;			/* one of our own mallocs failed */
	HPDF_Page  *pages;			/* every page, for the footers written at the end */
	int			n_pages;
	int			cap_pages;
	HPDF_Page	page;			/* the current page */
	int			first_page;		/* index of the first page of the current letter (a print file holds many) */
	float		y;				/* baseline of the next line, points from the bottom */
	float		left;			/* text area */
	float		right;
	float		top;			/* where content starts on a continuation page */
	float		bottom;			/* content may not go below this */
	pdf_page_cb on_new_page;	/* draws a continuation page's header and sets y */
	void	   *cb_arg;
	bool		interrupted;	/* sv_doc_interrupt_hook said stop */
	unsigned char *cover[2];	/* per BMP code point of the regular and the bold font: 0 not
								 * looked up yet, 1 has a glyph, 2 has none (malloc'd lazily) */
	unsigned int substitute;	/* what a missing character is drawn as: U+FFFD or '?' */
	char	   *scratch;		/* the text with missing characters substituted */
	size_t		scratch_cap;
	long		replaced;		/* characters substituted in drawn text */
	unsigned int replaced_cp[DOC_REPLACED_EXAMPLES];
	int			n_replaced_cp;
};

#define PDF_OK(d) ((d)->status == 0 && !(d)->oom && !(d)->interrupted)

/* No line holds more bytes than this (about 250 characters fit an A4 line at 8 points). */
#define PDF_LINE_MAX_BYTES 2000

/* Poll the interrupt hook: false (and the document failed) when the work must stop. */
static inline bool
pdf_continue(pdf_doc *d)
{
	if (!d->interrupted && DOC_INTERRUPTED())
		d->interrupted = true;
	return PDF_OK(d);
}

/* The page layout shared by letters and statements (points). */
#define PDF_LEFT		62.0f
#define PDF_RIGHT		(PDF_A4_W - 62.0f)
#define PDF_COL2		335.0f			/* right column of the letterhead and the address block */
#define PDF_BOTTOM		80.0f
#define PDF_BODY_SIZE	10.0f
#define PDF_BODY_LEAD	14.0f

/* What the letterhead, the running head of continuation pages and the footers say. */
typedef struct pdf_head
{
	const char *sender;
	const char *sender_unit;
	const char *doc_kind;
	const char *date_line;
	const char *reference_line;
	const char *running_head;
	const char *footer;
} pdf_head;

extern bool sv_pdf_open(pdf_doc *d, const char *font_path, const char *bold_font_path);
extern bool sv_pdf_add_page(pdf_doc *d);
extern bool sv_pdf_ensure(pdf_doc *d, float height);
extern float sv_pdf_width(pdf_doc *d, HPDF_Font font, float size, const char *s, size_t len);
extern bool sv_pdf_text(pdf_doc *d, HPDF_Font font, float size, float x, float y, const char *s);
extern bool sv_pdf_text_right(pdf_doc *d, HPDF_Font font, float size, float right_x, float y, const char *s);
extern bool sv_pdf_text_fit(pdf_doc *d, HPDF_Font font, float size, float x, float y, float width, const char *s);
extern bool sv_pdf_rule(pdf_doc *d, float x1, float x2, float y, float width, float gray);
extern bool sv_pdf_box(pdf_doc *d, float x, float y, float w, float h, float gray);
extern int	sv_pdf_wrap(pdf_doc *d, HPDF_Font font, float size, float x, float width, float leading,
					 const char *text, size_t len, bool draw);
extern bool sv_pdf_finish(pdf_doc *d, doc_output *out);
extern void sv_pdf_close(pdf_doc *d);
extern doc_fail_kind sv_pdf_failure(pdf_doc *d, doc_failure *fail);

extern bool sv_pdf_start(pdf_doc *d, const char *font_path, const char *bold_font_path, const pdf_head *head);
extern bool sv_pdf_title(pdf_doc *d, const char *title, float y);
extern bool sv_pdf_facts(pdf_doc *d, const letter_pair *facts, int n);
extern bool sv_pdf_heading(pdf_doc *d, const char *heading, float keep_with);
extern bool sv_pdf_body(pdf_doc *d, const char *body);
extern bool sv_pdf_footers(pdf_doc *d, const char *footer);
extern bool sv_pdf_letterhead(pdf_doc *d, const pdf_head *head);
extern bool sv_pdf_footers_range(pdf_doc *d, const char *footer, int from, int to);

#endif
