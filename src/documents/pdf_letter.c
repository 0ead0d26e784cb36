/*
 * pdf_letter.c — a letter on A4: the letterhead, the address block where a C5 window envelope
 * shows it, a title, a shaded table of facts and sections of wrapped text, with a running head
 * on continuation pages and "Sida i av n" in every footer. The words all come from the caller
 * (skolval.decision_letter_content()).
 */
#include <stdlib.h>
#include <string.h>

#include "documents/pdf_int.h"

doc_fail_kind
sv_pdf_letter_render(const letter_input *in, doc_output *out, doc_failure *fail)
{
	pdf_doc		d;
	pdf_head	head = {in->sender, in->sender_unit, in->doc_kind, in->date_line,
						in->reference_line, in->running_head, in->footer};
	float		y;

	out->data = NULL;
	out->len = 0;
	memset(fail, 0, sizeof(*fail));
	if (!sv_pdf_start(&d, in->font_path, in->bold_font_path, &head))
		goto failed;

	/* The address block. */
	y = PDF_A4_H - 150;
	for (int i = 0; i < in->n_recipient && pdf_continue(&d); i++)
	{
		sv_pdf_text_fit(&d, d.font, 11, PDF_COL2, y, PDF_RIGHT - PDF_COL2, in->recipient[i]);
		y -= 14.5f;
	}

	if (!sv_pdf_title(&d, in->title, PDF_A4_H - 242) || !sv_pdf_facts(&d, in->facts, in->n_facts))
		goto failed;
	for (int i = 0; i < in->n_sections; i++)
	{
		if (!pdf_continue(&d))
			goto failed;
		/* a heading never ends a page: it keeps two lines with it */
		if (!sv_pdf_heading(&d, in->sections[i].label, 2 * PDF_BODY_LEAD) ||
			!sv_pdf_body(&d, in->sections[i].text))
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
