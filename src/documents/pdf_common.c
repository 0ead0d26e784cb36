/*
 * pdf_common.c — the layout layer over libharu shared by the letter and the statement: a
 * document with an embedded TrueType font (UTF-8 text, so å, ä, ö and – print), pages with a
 * cursor that breaks to a new page, wrapped paragraphs, right-aligned numbers, rules and
 * shaded boxes, and output to memory.
 *
 * Plain C, no PostgreSQL: errors are recorded by the libharu callback (which never jumps) and
 * every function returns false once one is recorded.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hpdf_font.h>
#include <hpdf_fontdef.h>

#include "documents/pdf_int.h"
#include "common/sv_assert.h"

bool		(*sv_doc_interrupt_hook) (void) = NULL;

/*
 * With a synthesized bold, d->bold is this marker, not a libharu font: every helper below maps
 * it to the regular font and draws such text stroked as well as filled.
 */
static char fake_bold_marker;

static inline HPDF_Font
real_font(pdf_doc *d, HPDF_Font font)
{
	return (d->fake_bold && font == (HPDF_Font) &fake_bold_marker) ? d->font : font;
}

/* libharu calls this on every error and then returns an error code itself: record, return. */
static void
record_error(HPDF_STATUS status, HPDF_STATUS detail, void *user_data)
{
	pdf_doc    *d = (pdf_doc *) user_data;

	if (d->status == 0)
	{
		d->status = status;
		d->detail = detail;
	}
}

/*
 * libharu's allocator. Saving (HPDF_SaveToStream: deflating and writing every page) is one
 * library call that can take a good part of a second for a document of thousands of pages; the
 * memory stream it writes to asks for a new 4 kB block as it fills, so the allocator is where a
 * pending cancel is seen during the save: it refuses the block, libharu gives up with an
 * allocation error, and the document is marked interrupted (not out of memory). libharu has no
 * user data for its allocator: the document being saved is kept here (one backend, one thread).
 */
static pdf_doc *saving_doc = NULL;

static void *
pdf_alloc(HPDF_UINT size)
{
	if (saving_doc != NULL && !saving_doc->interrupted && DOC_INTERRUPTED())
		saving_doc->interrupted = true;
	if (saving_doc != NULL && saving_doc->interrupted)
		return NULL;
	return malloc(size);
}

static void
pdf_free(void *p)
{
	free(p);
}

const char *
sv_pdf_status_text(unsigned long status)
{
	switch (status)
	{
		case HPDF_FAILD_TO_ALLOC_MEM:
			return "memory allocation failed";
		case HPDF_FILE_IO_ERROR:
			return "file input/output error";
		case HPDF_FILE_OPEN_ERROR:
			return "cannot open file";
		case HPDF_INVALID_TTC_FILE:
		case HPDF_INVALID_TTC_INDEX:
		case HPDF_TTF_INVALID_CMAP:
		case HPDF_TTF_INVALID_FOMAT:
		case HPDF_TTF_MISSING_TABLE:
		case HPDF_INVALID_FONTDEF_DATA:
		case HPDF_UNSUPPORTED_FONT_TYPE:
			return "not a usable TrueType font";
		case HPDF_TTF_CANNOT_EMBEDDING_FONT:
			return "the font's licence does not allow embedding";
		case HPDF_INVALID_ENCODER:
		case HPDF_INVALID_ENCODING_NAME:
			return "invalid encoding";
		case HPDF_PAGE_INVALID_FONT_SIZE:
			return "invalid font size";
		case HPDF_ZLIB_ERROR:
			return "compression failed";
		case HPDF_INVALID_PARAMETER:
			return "invalid parameter";
		case HPDF_STRING_OUT_OF_RANGE:
			return "text too long";
		default:
			return "libharu error";
	}
}

/* ---------------------------------------------------------------------------------------
 * Text extraction and characters the font cannot show
 *
 * libharu's UTF-8 encoder writes each character as its 16-bit BMP code point and points the
 * font's /ToUnicode at its encoding CMap, which is not a ToUnicode CMap (it holds
 * "begincidrange", which readers refuse: poppler warns "Invalid 'begincidrange' operator in
 * ToUnicode CMap"). install_to_unicode() replaces it with the identity code -> Unicode map
 * that the codes really are. Characters outside the BMP cannot be encoded at all and libharu
 * drops them; characters without a glyph would print as nothing: shown_text() draws every
 * such character as U+FFFD (or "?" when the font lacks that too) and counts it, so that the
 * caller can report it.
 * --------------------------------------------------------------------------------------- */

static bool
install_to_unicode(pdf_doc *d, HPDF_Font font)
{
	HPDF_Dict	cmap = HPDF_DictStream_New(d->doc->mmgr, d->doc->xref);
	HPDF_STATUS rc = HPDF_OK;
	char		line[64];
	int			hi[256];
	int			n = 0;

	if (cmap == NULL || !PDF_OK(d))
		return false;
	cmap->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
	rc += HPDF_Stream_WriteStr(cmap->stream,
							   "/CIDInit /ProcSet findresource begin\n"
							   "12 dict begin\n"
							   "begincmap\n"
							   "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
							   "/CMapName /Adobe-Identity-UCS def\n"
							   "/CMapType 2 def\n"
							   "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
	/* one range per high byte (a bfrange may not cross one), surrogates left out */
	for (int h = 0; h < 256; h++)
		if (h < 0xD8 || h > 0xDF)
			hi[n++] = h;
	for (int i = 0; i < n && rc == HPDF_OK; i++)
	{
		if (i % 100 == 0)
		{
			snprintf(line, sizeof(line), "%d beginbfrange\n", n - i < 100 ? n - i : 100);
			rc += HPDF_Stream_WriteStr(cmap->stream, line);
		}
		snprintf(line, sizeof(line), "<%02X00> <%02XFF> <%02X00>\n", hi[i], hi[i], hi[i]);
		rc += HPDF_Stream_WriteStr(cmap->stream, line);
		if (i % 100 == 99 || i == n - 1)
			rc += HPDF_Stream_WriteStr(cmap->stream, "endbfrange\n");
	}
	rc += HPDF_Stream_WriteStr(cmap->stream,
							   "endcmap\n"
							   "CMapName currentdict /CMap defineresource pop\n"
							   "end\n"
							   "end\n");
	if (rc != HPDF_OK || !PDF_OK(d))
		return false;
	return HPDF_Dict_Add(font, "ToUnicode", cmap) == HPDF_OK && PDF_OK(d);
}

/* One UTF-8 character of s[0..len) (len > 0): its code point and length; a broken sequence
 * is one U+FFFD per byte that cannot start a character. */
static size_t
utf8_decode(const unsigned char *s, size_t len, unsigned int *cp)
{
	unsigned char b = s[0];
	size_t		n;
	unsigned int v;

	if (b < 0x80)
	{
		*cp = b;
		return 1;
	}
	if ((b & 0xE0) == 0xC0)
		n = 2, v = b & 0x1F;
	else if ((b & 0xF0) == 0xE0)
		n = 3, v = b & 0x0F;
	else if ((b & 0xF8) == 0xF0)
		n = 4, v = b & 0x07;
	else
	{
		*cp = 0xFFFD;
		return 1;
	}
	for (size_t i = 1; i < n; i++)
	{
		if (i >= len || (s[i] & 0xC0) != 0x80)
		{
			*cp = 0xFFFD;
			return i;
		}
		v = (v << 6) | (s[i] & 0x3F);
	}
	*cp = v;
	return n;
}

/* Whether the font draws cp: BMP only (libharu's codes are 16 bits), no control character. */
static bool
has_glyph(pdf_doc *d, HPDF_Font font, unsigned int cp)
{
	int			i;
	unsigned char *c;

	if (cp < 0x20 || cp > 0xFFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0x7F)
		return false;
	font = real_font(d, font);
	i = font == d->font ? 0 : 1;
	if (d->cover[i] == NULL)
	{
		d->cover[i] = calloc(65536, 1);
		if (d->cover[i] == NULL)
		{
			d->oom = true;
			return false;
		}
	}
	c = &d->cover[i][cp];
	if (*c == 0)
	{
		HPDF_FontAttr attr = (HPDF_FontAttr) font->attr;

		*c = HPDF_TTFontDef_GetGlyphid(attr->fontdef, (HPDF_UINT16) cp) != 0 ? 1 : 2;
	}
	return *c == 1;
}

static void
note_replaced(pdf_doc *d, unsigned int cp)
{
	d->replaced++;
	for (int k = 0; k < d->n_replaced_cp; k++)
		if (d->replaced_cp[k] == cp)
			return;
	if (d->n_replaced_cp < DOC_REPLACED_EXAMPLES)
		d->replaced_cp[d->n_replaced_cp++] = cp;
}

/*
 * s[0..len) as it is drawn: s itself when the font shows every character, otherwise a copy in
 * d->scratch (NUL-terminated) with each missing character substituted; count: note each one
 * (for drawn text, not for measuring). NULL after an out-of-memory.
 */
static const char *
shown_text(pdf_doc *d, HPDF_Font font, const char *s, size_t len, size_t *out_len, bool count)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		i = 0;
	size_t		o;
	unsigned int sub;

	while (i < len)
	{
		unsigned int cp;
		size_t		n = utf8_decode(u + i, len - i, &cp);

		if (!has_glyph(d, font, cp))
			break;
		i += n;
	}
	*out_len = len;
	if (i == len)
		return d->oom ? NULL : s;
	if (len > (SIZE_MAX - 1) / 3)
	{
		d->oom = true;
		return NULL;
	}
	if (d->scratch_cap < 3 * len + 1)
	{
		char	   *p = realloc(d->scratch, 3 * len + 1);

		if (p == NULL)
		{
			d->oom = true;
			return NULL;
		}
		d->scratch = p;
		d->scratch_cap = 3 * len + 1;
	}
	sub = has_glyph(d, font, 0xFFFD) ? 0xFFFD : '?';
	memcpy(d->scratch, s, i);
	o = i;
	while (i < len)
	{
		unsigned int cp;
		size_t		n = utf8_decode(u + i, len - i, &cp);

		if (has_glyph(d, font, cp))
		{
			memcpy(d->scratch + o, s + i, n);
			o += n;
		}
		else
		{
			if (sub == 0xFFFD)
			{
				memcpy(d->scratch + o, "\xEF\xBF\xBD", 3);
				o += 3;
			}
			else
				d->scratch[o++] = '?';
			if (count)
				note_replaced(d, cp);
		}
		i += n;
	}
	d->scratch[o] = '\0';
	*out_len = o;
	return d->oom ? NULL : d->scratch;
}

bool
sv_pdf_open(pdf_doc *d, const char *font_path, const char *bold_font_path)
{
	const char *name;

	memset(d, 0, sizeof(*d));
	d->step = "creating the document";
	d->doc = HPDF_NewEx(record_error, pdf_alloc, pdf_free, 0, d);
	if (d->doc == NULL)
	{
		d->oom = true;
		return false;
	}
	HPDF_SetCompressionMode(d->doc, HPDF_COMP_ALL);
	HPDF_SetInfoAttr(d->doc, HPDF_INFO_CREATOR, "skolval");
	HPDF_UseUTFEncodings(d->doc);
	HPDF_SetCurrentEncoder(d->doc, "UTF-8");
	if (!PDF_OK(d))
		return false;

	d->step = "loading the regular font";
	name = HPDF_LoadTTFontFromFile(d->doc, font_path, HPDF_TRUE);
	if (name == NULL || !PDF_OK(d))
		return false;
	d->font = HPDF_GetFont(d->doc, name, "UTF-8");
	if (d->font == NULL || !PDF_OK(d) || !install_to_unicode(d, d->font))
		return false;

	/*
	 * Without a bold font file the bold is synthesized from the regular font (its outlines
	 * stroked as well as filled): every embedded font costs about 10 ms per document to load
	 * and compress, which matters for a month's statements.
	 */
	if (bold_font_path == NULL || bold_font_path[0] == '\0')
	{
		d->bold = (HPDF_Font) &fake_bold_marker;
		d->fake_bold = true;
	}
	else
	{
		d->step = "loading the bold font";
		name = HPDF_LoadTTFontFromFile(d->doc, bold_font_path, HPDF_TRUE);
		if (name == NULL || !PDF_OK(d))
			return false;
		d->bold = HPDF_GetFont(d->doc, name, "UTF-8");
		if (d->bold == NULL || !PDF_OK(d) || !install_to_unicode(d, d->bold))
			return false;
	}
	d->step = "laying out the pages";
	return true;
}

/* A new A4 page; on a continuation page the document's callback draws the running head. */
bool
sv_pdf_add_page(pdf_doc *d)
{
	HPDF_Page	p;

	if (!PDF_OK(d))
		return false;
	if (d->n_pages == d->cap_pages)
	{
		int			cap = d->cap_pages ? d->cap_pages * 2 : 8;
		HPDF_Page  *pages = realloc(d->pages, sizeof(HPDF_Page) * cap);

		if (pages == NULL)
		{
			d->oom = true;
			return false;
		}
		d->pages = pages;
		d->cap_pages = cap;
	}
	p = HPDF_AddPage(d->doc);
	if (p == NULL || !PDF_OK(d))
		return false;
	HPDF_Page_SetSize(p, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	d->pages[d->n_pages++] = p;
	d->page = p;
	d->y = d->top;
	if (d->n_pages - 1 > d->first_page && d->on_new_page)
		d->on_new_page(d, d->cb_arg);
	return PDF_OK(d);
}

/* Room for height more points on this page, or a new page. */
bool
sv_pdf_ensure(pdf_doc *d, float height)
{
	if (!PDF_OK(d))
		return false;
	if (d->page == NULL || d->y - height < d->bottom)
		return sv_pdf_add_page(d);
	return true;
}

/* Width in points; libharu measures at most 65,535 bytes at a time, so longer text is measured
 * in pieces (widths add up: there is no kerning). */
float
sv_pdf_width(pdf_doc *d, HPDF_Font font, float size, const char *s, size_t len)
{
	float		total = 0;

	s = shown_text(d, font, s, len, &len, false);
	if (s == NULL)
		return 0;
	while (len > 0)
	{
		size_t		n = len;
		HPDF_TextWidth tw;

		if (n > 60000)
		{
			n = 60000;
			while (n > 0 && (((unsigned char) s[n]) & 0xC0) == 0x80)
				n--;
		}
		tw = HPDF_Font_TextWidth(real_font(d, font), (const HPDF_BYTE *) s, (HPDF_UINT) n);
		total += (float) tw.width * size / 1000.0f;
		s += n;
		len -= n;
	}
	return total;
}

bool
sv_pdf_text(pdf_doc *d, HPDF_Font font, float size, float x, float y, const char *s)
{
	size_t		len;

	if (!PDF_OK(d))
		return false;
	if (s == NULL || *s == '\0')
		return true;
	s = shown_text(d, font, s, strlen(s), &len, true);
	if (s == NULL)
		return false;
	HPDF_Page_BeginText(d->page);
	HPDF_Page_SetFontAndSize(d->page, real_font(d, font), size);
	if (real_font(d, font) != font)
	{
		HPDF_RGBColor c = HPDF_Page_GetRGBFill(d->page);

		HPDF_Page_SetRGBStroke(d->page, c.r, c.g, c.b);
		HPDF_Page_SetLineWidth(d->page, size * 0.055f);
		HPDF_Page_SetTextRenderingMode(d->page, HPDF_FILL_THEN_STROKE);
		HPDF_Page_TextOut(d->page, x, y, s);
		HPDF_Page_SetTextRenderingMode(d->page, HPDF_FILL);
	}
	else
		HPDF_Page_TextOut(d->page, x, y, s);
	HPDF_Page_EndText(d->page);
	return PDF_OK(d);
}

/* Text ending at right_x; a text wider than the text area starts at its left edge and is
 * shortened with an ellipsis (a long text is never measured whole). */
bool
sv_pdf_text_right(pdf_doc *d, HPDF_Font font, float size, float right_x, float y, const char *s)
{
	size_t		len;

	if (s == NULL || *s == '\0')
		return PDF_OK(d);
	/* a running head is drawn on every page: a long one is never scanned whole */
	len = strnlen(s, PDF_LINE_MAX_BYTES + 1);
	if (len <= PDF_LINE_MAX_BYTES)
	{
		float		w = sv_pdf_width(d, font, size, s, len);

		if (w <= right_x - d->left)
			return sv_pdf_text(d, font, size, right_x - w, y, s);
	}
	return sv_pdf_text_fit(d, font, size, d->left, y, right_x - d->left, s);
}

/* Start of the UTF-8 character that byte k is in (k itself when it starts one). */
static size_t
char_start(const char *s, size_t k)
{
	while (k > 0 && (((unsigned char) s[k]) & 0xC0) == 0x80)
		k--;
	return k;
}

/*
 * Length of the longest UTF-8 prefix of s[0..len) no wider than width (at least one character):
 * galloping from the start, then bisection, measuring only the bytes past what is known to fit
 * (widths add up: there is no kerning), so the work is proportional to what fits, not to len.
 */
static size_t
fit_prefix(pdf_doc *d, HPDF_Font font, float size, const char *s, size_t len, float width, const char *suffix)
{
	float		extra = suffix ? sv_pdf_width(d, font, size, suffix, strlen(suffix)) : 0;
	size_t		lo = 0;			/* fits */
	float		lo_w = 0;		/* width of s[0..lo) */
	size_t		hi = len;		/* upper bound */
	size_t		step = 64;

	while (lo + step < len)
	{
		size_t		probe = char_start(s, lo + step);
		float		w = lo_w + sv_pdf_width(d, font, size, s + lo, probe - lo);

		if (w + extra <= width)
		{
			lo = probe;
			lo_w = w;
			step *= 2;
		}
		else
		{
			hi = probe;
			break;
		}
	}
	if (hi == len && lo_w + sv_pdf_width(d, font, size, s + lo, len - lo) + extra <= width)
		return len;
	while (hi - lo > 1)
	{
		size_t		mid = char_start(s, lo + (hi - lo) / 2);
		float		w;

		if (mid <= lo)
		{
			/* no character boundary strictly between lo and hi: step over one character */
			mid = lo + 1;
			while (mid < hi && (((unsigned char) s[mid]) & 0xC0) == 0x80)
				mid++;
			if (mid >= hi)
				break;
		}
		w = lo_w + sv_pdf_width(d, font, size, s + lo, mid - lo);
		if (w + extra <= width)
		{
			lo = mid;
			lo_w = w;
		}
		else
			hi = mid;
	}
	if (lo == 0)
	{
		/* not even one character fits: take one anyway */
		lo = 1;
		while (lo < len && (((unsigned char) s[lo]) & 0xC0) == 0x80)
			lo++;
	}
	return lo;
}

/* One line in a table cell: shortened with an ellipsis when it does not fit. */
bool
sv_pdf_text_fit(pdf_doc *d, HPDF_Font font, float size, float x, float y, float width, const char *s)
{
	size_t		len;
	size_t		k;
	char	   *buf;
	bool		ok;

	if (s == NULL || *s == '\0')
		return PDF_OK(d);
	len = strnlen(s, PDF_LINE_MAX_BYTES + 1);
	if (len <= PDF_LINE_MAX_BYTES && sv_pdf_width(d, font, size, s, len) <= width)
		return sv_pdf_text(d, font, size, x, y, s);
	/* no line holds more: a longer text is never measured whole */
	if (len > PDF_LINE_MAX_BYTES)
		len = char_start(s, PDF_LINE_MAX_BYTES);
	k = fit_prefix(d, font, size, s, len, width, "\xE2\x80\xA6");
	buf = malloc(k + 4);
	if (buf == NULL)
	{
		d->oom = true;
		return false;
	}
	memcpy(buf, s, k);
	memcpy(buf + k, "\xE2\x80\xA6", 4);
	ok = sv_pdf_text(d, font, size, x, y, buf);
	free(buf);
	return ok;
}

bool
sv_pdf_rule(pdf_doc *d, float x1, float x2, float y, float width, float gray)
{
	if (!PDF_OK(d))
		return false;
	HPDF_Page_SetLineWidth(d->page, width);
	HPDF_Page_SetGrayStroke(d->page, gray);
	HPDF_Page_MoveTo(d->page, x1, y);
	HPDF_Page_LineTo(d->page, x2, y);
	HPDF_Page_Stroke(d->page);
	HPDF_Page_SetGrayStroke(d->page, 0);
	return PDF_OK(d);
}

bool
sv_pdf_box(pdf_doc *d, float x, float y, float w, float h, float gray)
{
	if (!PDF_OK(d))
		return false;
	HPDF_Page_SetGrayFill(d->page, gray);
	HPDF_Page_Rectangle(d->page, x, y, w, h);
	HPDF_Page_Fill(d->page);
	HPDF_Page_SetGrayFill(d->page, 0);
	return PDF_OK(d);
}

/*
 * Wrap text[0..len) into lines no wider than width, breaking at spaces (a word longer than a
 * line is broken between characters). With draw, the lines are written from the cursor down,
 * leading apart, breaking to a new page when needed. Returns the number of lines, or -1 after
 * an error.
 */
int
sv_pdf_wrap(pdf_doc *d, HPDF_Font font, float size, float x, float width, float leading,
		 const char *text, size_t len, bool draw)
{
	size_t		pos = 0;
	int			lines = 0;
	char	   *buf = NULL;

	Assert(d != NULL && (text != NULL || len == 0));

	if (draw)
	{
		buf = malloc((len < PDF_LINE_MAX_BYTES ? len : PDF_LINE_MAX_BYTES) + 1);
		if (buf == NULL)
		{
			d->oom = true;
			return -1;
		}
	}
	while (pos < len && text[pos] == ' ')
		pos++;

	/*
	 * Linear: each line looks at most PDF_LINE_MAX_BYTES bytes past its start, and measures
	 * each of its words once (widths add up: there is no kerning).
	 */
	while (pos < len && pdf_continue(d))
	{
		size_t		start = pos;
		size_t		end = pos;
		size_t		scan = pos;
		size_t		limit = len - start > PDF_LINE_MAX_BYTES ? start + PDF_LINE_MAX_BYTES : len;
		float		line_w = 0;

		while (scan < limit)
		{
			size_t		word_end = scan;
			size_t		probe;
			float		w;

			while (word_end < limit && text[word_end] != ' ')
				word_end++;
			/* a word cut at the limit is cut at a character boundary */
			if (word_end == limit && limit < len && text[limit] != ' ')
				word_end = start + char_start(text + start, limit - start);
			if (word_end <= scan)
				break;
			if (end == start)
			{
				/* the line's first word: as much of it as fits, measured by galloping */
				size_t		k = fit_prefix(d, font, size, text + start, word_end - start, width, NULL);

				if (k < word_end - start)
				{
					end = start + k;
					scan = end;
					break;
				}
				w = sv_pdf_width(d, font, size, text + start, k);
			}
			else
			{
				/* a later word: a long one is refused on its first 256 bytes */
				probe = word_end - end > 256 ? end + char_start(text + end, 256) : word_end;
				w = sv_pdf_width(d, font, size, text + end, probe - end);
				if (probe < word_end && line_w + w <= width)
					w += sv_pdf_width(d, font, size, text + probe, word_end - probe);
				if (line_w + w > width)
					break;
			}
			line_w += w;
			end = word_end;
			scan = word_end;
			while (scan < len && text[scan] == ' ')
				scan++;
		}
		if (end == start)
		{
			/* nothing fitted (cannot happen: fit_prefix takes one character at least) */
			end = start + 1;
			while (end < len && (((unsigned char) text[end]) & 0xC0) == 0x80)
				end++;
			scan = end;
		}
		if (draw)
		{
			if (!sv_pdf_ensure(d, leading))
				break;
			memcpy(buf, text + start, end - start);
			buf[end - start] = '\0';
			d->y -= leading;
			if (!sv_pdf_text(d, font, size, x, d->y, buf))
				break;
		}
		lines++;
		pos = scan;
		if (!PDF_OK(d))
			break;
	}
	free(buf);
	return PDF_OK(d) ? lines : -1;
}

/* Save the document to libharu's memory stream and copy it out into a malloc'd buffer. */
bool
sv_pdf_finish(pdf_doc *d, doc_output *out)
{
	HPDF_UINT32 size;
	HPDF_UINT32 got;
	HPDF_STATUS rc;

	out->data = NULL;
	out->len = 0;
	if (!PDF_OK(d))
		return false;
	d->step = "saving the document";
	saving_doc = d;
	rc = HPDF_SaveToStream(d->doc);
	saving_doc = NULL;
	if (rc != HPDF_OK || !PDF_OK(d))
		return false;
	size = HPDF_GetStreamSize(d->doc);
	if (size == 0 || !PDF_OK(d))
	{
		if (PDF_OK(d))
			d->status = HPDF_INVALID_STREAM;
		return false;
	}
	out->data = malloc(size);
	if (out->data == NULL)
	{
		d->oom = true;
		return false;
	}
	got = size;
	rc = HPDF_ReadFromStream(d->doc, out->data, &got);
	/* reading to the end may report HPDF_STREAM_EOF: that is success when all bytes came */
	if ((rc != HPDF_OK && rc != HPDF_STREAM_EOF) || got != size ||
		(d->status != 0 && d->status != HPDF_STREAM_EOF))
	{
		if (d->status == 0 || d->status == HPDF_STREAM_EOF)
			d->status = HPDF_FILE_IO_ERROR;
		free(out->data);
		out->data = NULL;
		return false;
	}
	d->status = 0;
	out->len = size;
	out->replaced = d->replaced;
	out->n_replaced_cp = d->n_replaced_cp;
	memcpy(out->replaced_cp, d->replaced_cp, sizeof(out->replaced_cp));
	return true;
}

/* Free the libharu document and our page list; safe to call on a failed or half-made doc. */
void
sv_pdf_close(pdf_doc *d)
{
	if (d->doc != NULL)
		HPDF_Free(d->doc);
	d->doc = NULL;
	free(d->pages);
	d->pages = NULL;
	d->n_pages = d->cap_pages = 0;
	free(d->cover[0]);
	free(d->cover[1]);
	d->cover[0] = d->cover[1] = NULL;
	free(d->scratch);
	d->scratch = NULL;
	d->scratch_cap = 0;
}

/* Describe the recorded failure for the glue. */
doc_fail_kind
sv_pdf_failure(pdf_doc *d, doc_failure *fail)
{
	memset(fail, 0, sizeof(*fail));
	fail->library = "libharu";
	fail->step = d->step;
	fail->status = d->status;
	fail->detail = d->detail;
	fail->message = sv_pdf_status_text(d->status);
	if (d->interrupted)
	{
		fail->kind = DOC_FAIL_INTERRUPTED;
		fail->message = "interrupted";
		return fail->kind;
	}
	if (d->oom || d->status == HPDF_FAILD_TO_ALLOC_MEM)
		fail->kind = DOC_FAIL_MEMORY;
	else if (d->status == HPDF_FILE_OPEN_ERROR && d->step != NULL && strstr(d->step, "font") != NULL)
		fail->kind = DOC_FAIL_FONT_OPEN;
	else if (d->step != NULL && strstr(d->step, "font") != NULL)
		fail->kind = DOC_FAIL_FONT_INVALID;
	else if (d->status == HPDF_FILE_OPEN_ERROR || d->status == HPDF_FILE_IO_ERROR)
		fail->kind = DOC_FAIL_FILE;
	else
		fail->kind = DOC_FAIL_LIBRARY;
	if (d->oom)
		fail->message = "out of memory";
	return fail->kind;
}

/* ---------------------------------------------------------------------------------------
 * The parts letters and statements share
 * --------------------------------------------------------------------------------------- */

static void
running_head(pdf_doc *d, void *arg)
{
	const pdf_head *head = (const pdf_head *) arg;

	sv_pdf_text(d, d->bold, 9, PDF_LEFT, PDF_A4_H - 46, head->sender);
	sv_pdf_text_right(d, d->font, 9, PDF_RIGHT, PDF_A4_H - 46, head->running_head);
	sv_pdf_rule(d, PDF_LEFT, PDF_RIGHT, PDF_A4_H - 53, 0.5f, 0.55f);
	d->y = PDF_A4_H - 66;
}

/*
 * Open the document and draw the first page's letterhead: sender and board on the left,
 * the kind of document, date and reference on the right, a rule under them. Continuation
 * pages get the running head.
 */
bool
sv_pdf_start(pdf_doc *d, const char *font_path, const char *bold_font_path, const pdf_head *head)
{
	if (!sv_pdf_open(d, font_path, bold_font_path))
		return false;
	return sv_pdf_letterhead(d, head);
}

/*
 * A new first page with the letterhead, in an open document: the next letter of a print file
 * starts here, and its continuation pages get its own running head.
 */
bool
sv_pdf_letterhead(pdf_doc *d, const pdf_head *head)
{
	d->left = PDF_LEFT;
	d->right = PDF_RIGHT;
	d->top = PDF_A4_H - 66;
	d->bottom = PDF_BOTTOM;
	d->on_new_page = running_head;
	d->cb_arg = (void *) head;
	d->first_page = d->n_pages;
	if (!sv_pdf_add_page(d))
		return false;
	sv_pdf_text(d, d->bold, 15, PDF_LEFT, PDF_A4_H - 62, head->sender);
	sv_pdf_text(d, d->font, 10, PDF_LEFT, PDF_A4_H - 77, head->sender_unit);
	sv_pdf_text(d, d->bold, 13, PDF_COL2, PDF_A4_H - 62, head->doc_kind);
	sv_pdf_text(d, d->font, 9, PDF_COL2, PDF_A4_H - 77, head->date_line);
	d->y = PDF_A4_H - 77;
	if (head->reference_line != NULL &&
		sv_pdf_wrap(d, d->font, 9, PDF_COL2, PDF_RIGHT - PDF_COL2, 11.5f,
				 head->reference_line, strlen(head->reference_line), true) < 0)
		return false;
	sv_pdf_rule(d, PDF_LEFT, PDF_RIGHT, PDF_A4_H - 112, 0.5f, 0.55f);
	return PDF_OK(d);
}

bool
sv_pdf_title(pdf_doc *d, const char *title, float y)
{
	d->y = y;
	if (sv_pdf_wrap(d, d->bold, 17, PDF_LEFT, PDF_RIGHT - PDF_LEFT, 20, title, strlen(title), true) < 0)
		return false;
	d->y -= 12;
	return PDF_OK(d);
}

/* Label: value pairs in a shaded box; measured first so that the box fits behind them. */
bool
sv_pdf_facts(pdf_doc *d, const letter_pair *facts, int n)
{
	const float label_x = PDF_LEFT + 10;
	const float value_x = PDF_LEFT + 118;
	const float width = PDF_RIGHT - 10 - value_x;
	float		height = 12;

	if (n == 0)
		return PDF_OK(d);
	for (int i = 0; i < n && pdf_continue(d); i++)
	{
		int			lines = sv_pdf_wrap(d, d->font, PDF_BODY_SIZE, value_x, width, PDF_BODY_LEAD,
									 facts[i].text, strlen(facts[i].text), false);

		if (lines < 0)
			return false;
		height += (lines > 0 ? lines : 1) * PDF_BODY_LEAD + 2;
	}
	if (!sv_pdf_ensure(d, height))
		return false;
	sv_pdf_box(d, PDF_LEFT, d->y - height, PDF_RIGHT - PDF_LEFT, height, 0.93f);
	d->y -= 6;
	for (int i = 0; i < n; i++)
	{
		float		top = d->y;

		sv_pdf_text(d, d->bold, 9.5f, label_x, top - PDF_BODY_LEAD, facts[i].label);
		if (sv_pdf_wrap(d, d->font, PDF_BODY_SIZE, value_x, width, PDF_BODY_LEAD,
					 facts[i].text, strlen(facts[i].text), true) < 0)
			return false;
		if (d->y == top)
			d->y -= PDF_BODY_LEAD;
		d->y -= 2;
	}
	d->y -= 6;
	return PDF_OK(d);
}

/* A section heading, kept on one page with keep_with points of what follows it. */
bool
sv_pdf_heading(pdf_doc *d, const char *heading, float keep_with)
{
	if (!sv_pdf_ensure(d, 22 + keep_with))
		return false;
	d->y -= 22;
	sv_pdf_text(d, d->bold, 12, PDF_LEFT, d->y, heading);
	d->y -= 3;
	return PDF_OK(d);
}

/*
 * The paragraphs of a section body: '\n' separates them. A paragraph that starts with '\t' is
 * a list item: its first word ("1)") hangs in the margin, the rest is indented under it.
 */
bool
sv_pdf_body(pdf_doc *d, const char *body)
{
	const char *p = body;

	while (p != NULL && *p != '\0' && pdf_continue(d))
	{
		const char *nl = strchr(p, '\n');
		size_t		len = nl ? (size_t) (nl - p) : strlen(p);

		/* keep two lines of a paragraph together at a page end */
		if (len > 0 && !sv_pdf_ensure(d, 2 * PDF_BODY_LEAD))
			return false;
		if (len > 1 && p[0] == '\t')
		{
			const char *text = p + 1;
			size_t		tlen = len - 1;
			const char *space = memchr(text, ' ', tlen);
			size_t		llen = space ? (size_t) (space - text) : tlen;
			char		label[32];
			float		top = d->y;

			snprintf(label, sizeof(label), "%.*s", (int) (llen < sizeof(label) ? llen : sizeof(label) - 1), text);
			if (sv_pdf_wrap(d, d->font, PDF_BODY_SIZE, PDF_LEFT + 30, PDF_RIGHT - PDF_LEFT - 30, PDF_BODY_LEAD,
						 text + llen, tlen - llen, true) < 0)
				return false;
			sv_pdf_text(d, d->font, PDF_BODY_SIZE, PDF_LEFT + 12, top - PDF_BODY_LEAD, label);
			d->y -= 2.0f;
		}
		else if (len > 0)
		{
			if (sv_pdf_wrap(d, d->font, PDF_BODY_SIZE, PDF_LEFT, PDF_RIGHT - PDF_LEFT, PDF_BODY_LEAD, p, len, true) < 0)
				return false;
			d->y -= 5.0f;
		}
		p = nl ? nl + 1 : NULL;
	}
	return PDF_OK(d);
}

/* Every page's footer, once the number of pages is known: a rule, the footer, "Sida i av n". */
bool
sv_pdf_footers(pdf_doc *d, const char *footer)
{
	return sv_pdf_footers_range(d, footer, 0, d->n_pages);
}

/* The footers of pages from..to-1 (one letter of a print file), numbered within them. */
bool
sv_pdf_footers_range(pdf_doc *d, const char *footer, int from, int to)
{
	char		page_no[64];

	for (int i = from; i < to && pdf_continue(d); i++)
	{
		d->page = d->pages[i];
		sv_pdf_rule(d, PDF_LEFT, PDF_RIGHT, 58, 0.5f, 0.55f);
		snprintf(page_no, sizeof(page_no), "Sida %d av %d", i - from + 1, to - from);
		sv_pdf_text_fit(d, d->font, 8, PDF_LEFT, 46, PDF_RIGHT - PDF_LEFT - 70, footer);
		sv_pdf_text_right(d, d->font, 8, PDF_RIGHT, 46, page_no);
	}
	return PDF_OK(d);
}
