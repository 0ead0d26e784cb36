/*
 * pdf_letter.c — a letter on A4: the letterhead, the address block where a C5 window envelope
 * shows it, a title, a shaded table of facts and sections of wrapped text, with a running head
 * on continuation pages and "Sida i av n" in every footer. The words all come from the caller
 * (skolval.decision_letter_content()).
 */
#include <stdlib.h>
#include <string.h>

#include "documents/pdf_int.h"

/* The body of one letter, after its letterhead: address block, title, facts, sections. */
static bool
draw_letter(pdf_doc *d, const letter_input *in)
{
	float		y = PDF_A4_H - 150;

	/* The address block, where a C5 window envelope (right-hand window) shows it. */
	for (int i = 0; i < in->n_recipient && pdf_continue(d); i++)
	{
		sv_pdf_text_fit(d, d->font, 11, PDF_COL2, y, PDF_RIGHT - PDF_COL2, in->recipient[i]);
		y -= 14.5f;
	}
	if (!sv_pdf_title(d, in->title, PDF_A4_H - 242) || !sv_pdf_facts(d, in->facts, in->n_facts))
		return false;
	for (int i = 0; i < in->n_sections; i++)
	{
		if (!pdf_continue(d))
			return false;
		/* a heading never ends a page: it keeps two lines with it */
		if (!sv_pdf_heading(d, in->sections[i].label, 2 * PDF_BODY_LEAD) ||
			!sv_pdf_body(d, in->sections[i].text))
			return false;
	}
	return PDF_OK(d);
}

doc_fail_kind
sv_pdf_letter_render(const letter_input *in, doc_output *out, doc_failure *fail)
{
	return sv_pdf_letters_render(in, 1, out, fail);
}

/*
 * Many letters in one document (a print file): the fonts are embedded once, every letter starts
 * on a new page with its own letterhead, running head and "Sida i av n". A letter that ends on
 * an odd page gets no blank back page here: the print file is printed one-sided.
 */
doc_fail_kind
sv_pdf_letters_render(const letter_input *in, int n, doc_output *out, doc_failure *fail)
{
	pdf_doc		d;

	out->data = NULL;
	out->len = 0;
	memset(fail, 0, sizeof(*fail));
	if (n < 1)
	{
		fail->kind = DOC_FAIL_VALUE;
		fail->library = "libharu";
		fail->step = "starting the document";
		fail->message = "no letters";
		return fail->kind;
	}
	if (!sv_pdf_open(&d, in[0].font_path, in[0].bold_font_path))
		goto failed;
	for (int k = 0; k < n; k++)
	{
		pdf_head	head = {in[k].sender, in[k].sender_unit, in[k].doc_kind, in[k].date_line,
							in[k].reference_line, in[k].running_head, in[k].footer};
		int			from = d.n_pages;

		if (!pdf_continue(&d) || !sv_pdf_letterhead(&d, &head) || !draw_letter(&d, &in[k]) ||
			!sv_pdf_footers_range(&d, in[k].footer, from, d.n_pages))
			goto failed;
		d.cb_arg = NULL;
		d.on_new_page = NULL;
	}
	if (!sv_pdf_finish(&d, out))
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
