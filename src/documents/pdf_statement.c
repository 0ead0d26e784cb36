/*
 * pdf_statement.c — a payment statement on A4: the letterhead, a title, a warning banner for a
 * draft, the facts, then tables and sections in the caller's order. A table has a shaded header
 * row that is repeated on every page it continues on, light bands on every other row, and total
 * rows in bold under a rule. Cells arrive as text (amounts formatted by SQL): left-aligned text
 * that does not fit is shortened with an ellipsis, numbers are right-aligned.
 */
#include <stdlib.h>
#include <string.h>

#include "documents/pdf_int.h"

#define T_SIZE		8.5f
#define T_ROW		13.0f
#define T_HEAD		15.0f
#define T_PAD		3.0f
#define T_LINE		10.5f			/* leading of a wrapped cell */

/* Column edges from the widths in percent. */
static void
column_edges(const report_table *t, float *x)
{
	float		total = 0;

	for (int c = 0; c < t->n_cols; c++)
		total += t->widths[c] > 0 ? t->widths[c] : 1;
	x[0] = PDF_LEFT;
	for (int c = 0; c < t->n_cols; c++)
		x[c + 1] = x[c] + (PDF_RIGHT - PDF_LEFT) * (t->widths[c] > 0 ? t->widths[c] : 1) / total;
}

/* Lines a row needs: left-aligned cells wrap, numbers stay on one line. */
static int
row_lines(pdf_doc *d, const report_table *t, const float *x, const char *const *cells, HPDF_Font font)
{
	int			lines = 1;

	for (int c = 0; c < t->n_cols; c++)
	{
		const char *s = cells[c];
		int			n;

		if (t->align[c] == 'r' || s == NULL || *s == '\0')
			continue;
		n = sv_pdf_wrap(d, font, T_SIZE, x[c] + T_PAD, x[c + 1] - x[c] - 2 * T_PAD, T_LINE, s, strlen(s), false);
		if (n > lines)
			lines = n;
	}
	return lines;
}

/* One row whose top is the cursor; the caller has made room for all its lines. */
static bool
draw_cells(pdf_doc *d, const report_table *t, const float *x, const char *const *cells, HPDF_Font font)
{
	float		top = d->y;
	float		first = top - T_ROW + 3.8f;

	for (int c = 0; c < t->n_cols; c++)
	{
		const char *s = cells[c];

		if (s == NULL || *s == '\0')
			continue;
		if (t->align[c] == 'r')
			sv_pdf_text_right(d, font, T_SIZE, x[c + 1] - T_PAD, first, s);
		else
		{
			d->y = first + T_LINE;
			if (sv_pdf_wrap(d, font, T_SIZE, x[c] + T_PAD, x[c + 1] - x[c] - 2 * T_PAD, T_LINE, s, strlen(s), true) < 0)
				return false;
		}
	}
	d->y = top;
	return PDF_OK(d);
}

static bool
draw_header(pdf_doc *d, const report_table *t, const float *x)
{
	float		top = d->y;

	sv_pdf_box(d, PDF_LEFT, d->y - T_HEAD, PDF_RIGHT - PDF_LEFT, T_HEAD, 0.85f);
	for (int c = 0; c < t->n_cols; c++)
	{
		if (t->align[c] == 'r')
			sv_pdf_text_right(d, d->bold, T_SIZE, x[c + 1] - T_PAD, top - T_HEAD + 4.5f, t->headers[c]);
		else
			sv_pdf_text_fit(d, d->bold, T_SIZE, x[c] + T_PAD, top - T_HEAD + 4.5f, x[c + 1] - x[c] - 2 * T_PAD, t->headers[c]);
	}
	d->y = top - T_HEAD;
	return PDF_OK(d);
}

static bool
draw_table(pdf_doc *d, const report_table *t)
{
	float		x[REPORT_MAX_COLS + 1];
	int			band = 0;

	column_edges(t, x);
	/* the title stays with the header row and the first two rows */
	if (!sv_pdf_heading(d, t->title, T_HEAD + 2 * T_ROW + 4))
		return false;
	d->y -= 4;
	if (!draw_header(d, t, x))
		return false;
	for (int r = 0; r < t->n_rows && pdf_continue(d); r++)
	{
		const char *const *cells = t->cells + (size_t) r * t->n_cols;
		bool		total = t->total[r];
		HPDF_Font	font = total ? d->bold : d->font;
		float		height = T_ROW + (row_lines(d, t, x, cells, font) - 1) * T_LINE;

		if (!PDF_OK(d))
			return false;
		if (d->y - height - (total ? 2 : 0) < d->bottom)
		{
			if (!sv_pdf_add_page(d))
				return false;
			d->y -= 6;
			sv_pdf_text(d, d->bold, 9, PDF_LEFT, d->y - 9, t->title);
			sv_pdf_text(d, d->font, 9, PDF_LEFT + sv_pdf_width(d, d->bold, 9, t->title, strlen(t->title)) + 4,
					 d->y - 9, "(forts.)");
			d->y -= 14;
			if (!draw_header(d, t, x))
				return false;
			band = 0;
		}
		if (total)
		{
			d->y -= 2;
			sv_pdf_rule(d, PDF_LEFT, PDF_RIGHT, d->y, 0.8f, 0.2f);
		}
		else if (band++ % 2 == 1)
			sv_pdf_box(d, PDF_LEFT, d->y - height, PDF_RIGHT - PDF_LEFT, height, 0.955f);
		if (!draw_cells(d, t, x, cells, font))
			return false;
		d->y -= height;
	}
	sv_pdf_rule(d, PDF_LEFT, PDF_RIGHT, d->y, 0.4f, 0.6f);
	d->y -= 4;
	return PDF_OK(d);
}

doc_fail_kind
sv_pdf_statement_render(const statement_input *in, doc_output *out, doc_failure *fail)
{
	pdf_doc		d;
	pdf_head	head = {in->sender, in->sender_unit, in->doc_kind, in->date_line,
						in->reference_line, in->running_head, in->footer};

	out->data = NULL;
	out->len = 0;
	memset(fail, 0, sizeof(*fail));
	if (!sv_pdf_start(&d, in->font_path, in->bold_font_path, &head))
		goto failed;
	if (!sv_pdf_title(&d, in->title, PDF_A4_H - 120))
		goto failed;
	if (in->banner != NULL && in->banner[0] != '\0')
	{
		/* a draft says so in a red band that cannot be missed */
		HPDF_Page_SetRGBFill(d.page, 0.99f, 0.88f, 0.86f);
		HPDF_Page_Rectangle(d.page, PDF_LEFT, d.y - 20, PDF_RIGHT - PDF_LEFT, 20);
		HPDF_Page_Fill(d.page);
		HPDF_Page_SetRGBFill(d.page, 0.65f, 0.05f, 0.05f);
		sv_pdf_text_fit(&d, d.bold, 10, PDF_LEFT + 8, d.y - 14, PDF_RIGHT - PDF_LEFT - 16, in->banner);
		HPDF_Page_SetRGBFill(d.page, 0, 0, 0);
		d.y -= 28;
	}
	if (!sv_pdf_facts(&d, in->facts, in->n_facts))
		goto failed;
	for (int i = 0; i < in->n_blocks; i++)
	{
		const report_block *b = &in->blocks[i];

		if (!pdf_continue(&d))
			goto failed;
		if (b->kind == 't')
		{
			if (!draw_table(&d, &b->table))
				goto failed;
		}
		else if (!sv_pdf_heading(&d, b->section.label, 2 * PDF_BODY_LEAD) || !sv_pdf_body(&d, b->section.text))
			goto failed;
	}
	if (!sv_pdf_footers(&d, in->footer) || !sv_pdf_finish(&d, out))
		goto failed;
	sv_pdf_close(&d);
	return DOC_OK;

failed:
	sv_pdf_failure(&d, fail);
	sv_pdf_close(&d);
	free(out->data);
	out->data = NULL;
	out->len = 0;
	return fail->kind;
}
