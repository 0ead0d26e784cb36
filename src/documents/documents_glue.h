/*
 * documents_glue.h — what the documents room's SQL glue shares with other rooms' glue
 * (src/delivery): fonts, letter parts from SPI, the interrupt hook and turning a core's
 * output into a bytea. PostgreSQL code: include after postgres.h.
 */
#ifndef SKOLVAL_DOCUMENTS_GLUE_H
#define SKOLVAL_DOCUMENTS_GLUE_H

#include "common/spi_util.h"
#include "documents/documents.h"

typedef struct font_paths
{
	char	   *regular;
	char	   *bold;
} font_paths;

/* part, label, body: the column types of a letter content function */
extern const Oid sv_doc_letter_types[3];

extern void sv_doc_get_fonts(SvSpi *spi, font_paths *f);
extern void sv_doc_use_interrupt_hook(void);
extern void sv_doc_letter_parts(SvSpi *spi, uint64 n, letter_input *in, const char *source);
extern bytea *sv_doc_take_output(doc_fail_kind kind, doc_output *out, const doc_failure *fail, const char *what,
								 const font_paths *fonts);

#endif
