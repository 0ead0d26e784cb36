/*
 * xlsx_payment.c — the payment file as XLSX with libxlsxwriter 1.1.4.
 *
 * Sheets of typed cells: strings, amounts (number format "#,##0.00", which Excel shows with the
 * reader's own separators: "1 234,50" in Swedish), integers, dates (real dates, "yyyy-mm-dd").
 * Totals are written as numbers, never as formulas (a formula has no stored value until a
 * spreadsheet program recalculates it). A header row in bold and frozen; a filter on a data
 * sheet; a total row in bold.
 *
 * 1.1.4 cannot write to memory: the workbook goes to the file the caller names, libxlsxwriter's
 * own temporary files to the caller's directory. workbook_close() always frees the workbook,
 * also after an error; the caller removes the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "documents/documents.h"

static doc_fail_kind
set_failure(doc_failure *fail, lxw_error e, const char *step, int saved_errno)
{
	memset(fail, 0, sizeof(*fail));
	fail->library = "libxlsxwriter";
	fail->status = (unsigned long) e;
	fail->step = step;
	fail->message = lxw_strerror(e);
	switch (e)
	{
		case LXW_ERROR_MEMORY_MALLOC_FAILED:
			fail->kind = DOC_FAIL_MEMORY;
			break;
		case LXW_ERROR_CREATING_XLSX_FILE:
		case LXW_ERROR_CREATING_TMPFILE:
		case LXW_ERROR_READING_TMPFILE:
		case LXW_ERROR_ZIP_FILE_OPERATION:
		case LXW_ERROR_ZIP_FILE_ADD:
		case LXW_ERROR_ZIP_CLOSE:
			fail->kind = DOC_FAIL_FILE;
			fail->detail = (unsigned long) (saved_errno ? saved_errno : EIO);
			break;
		case LXW_ERROR_32_STRING_LENGTH_EXCEEDED:
		case LXW_ERROR_128_STRING_LENGTH_EXCEEDED:
		case LXW_ERROR_255_STRING_LENGTH_EXCEEDED:
		case LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED:
		case LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE:
		case LXW_ERROR_SHEETNAME_LENGTH_EXCEEDED:
		case LXW_ERROR_INVALID_SHEETNAME_CHARACTER:
		case LXW_ERROR_SHEETNAME_START_END_APOSTROPHE:
		case LXW_ERROR_SHEETNAME_ALREADY_USED:
			fail->kind = DOC_FAIL_VALUE;
			break;
		default:
			fail->kind = DOC_FAIL_LIBRARY;
			break;
	}
	return fail->kind;
}

/* Characters of a UTF-8 string, for column widths. */
static size_t
utf8_chars(const char *s)
{
	size_t		n = 0;

	for (; *s; s++)
		if ((((unsigned char) *s) & 0xC0) != 0x80)
			n++;
	return n;
}

static bool
parse_date(const char *s, lxw_datetime *dt)
{
	memset(dt, 0, sizeof(*dt));
	return s != NULL && sscanf(s, "%d-%d-%d", &dt->year, &dt->month, &dt->day) == 3 &&
		dt->year >= 1900 && dt->year <= 9999 && dt->month >= 1 && dt->month <= 12 &&
		dt->day >= 1 && dt->day <= 31;
}

typedef struct formats
{
	lxw_format *header;
	lxw_format *text[2];		/* [bold] */
	lxw_format *amount[2];
	lxw_format *integer[2];
	lxw_format *date[2];
} formats;

static void
make_formats(lxw_workbook *wb, formats *f)
{
	f->header = workbook_add_format(wb);
	format_set_bold(f->header);
	format_set_bg_color(f->header, 0xD9D9D9);
	format_set_bottom(f->header, LXW_BORDER_THIN);
	format_set_text_wrap(f->header);
	format_set_align(f->header, LXW_ALIGN_VERTICAL_TOP);
	for (int b = 0; b < 2; b++)
	{
		f->text[b] = workbook_add_format(wb);
		f->amount[b] = workbook_add_format(wb);
		format_set_num_format(f->amount[b], "#,##0.00");
		f->integer[b] = workbook_add_format(wb);
		format_set_num_format(f->integer[b], "0");
		f->date[b] = workbook_add_format(wb);
		format_set_num_format(f->date[b], "yyyy-mm-dd");
		if (b)
		{
			format_set_bold(f->text[b]);
			format_set_bold(f->amount[b]);
			format_set_bold(f->integer[b]);
			format_set_bold(f->date[b]);
			format_set_top(f->text[b], LXW_BORDER_THIN);
			format_set_top(f->amount[b], LXW_BORDER_THIN);
			format_set_top(f->integer[b], LXW_BORDER_THIN);
			format_set_top(f->date[b], LXW_BORDER_THIN);
		}
	}
}

static lxw_error
write_sheet(lxw_workbook *wb, const formats *f, const xlsx_sheet *sh, const char **step, bool *stop)
{
	lxw_worksheet *ws;
	lxw_error	e;

	*step = "adding a worksheet";
	ws = workbook_add_worksheet(wb, sh->name);
	if (ws == NULL)
		return LXW_ERROR_PARAMETER_VALIDATION;

	*step = "writing the header row";
	for (int c = 0; c < sh->n_columns; c++)
	{
		e = worksheet_write_string(ws, 0, (lxw_col_t) c, sh->headers[c], f->header);
		if (e != LXW_NO_ERROR)
			return e;
	}

	*step = "writing the rows";
	for (long r = 0; r < sh->n_rows; r++)
	{
		int			bold = sh->last_row_bold && r == sh->n_rows - 1;
		lxw_row_t	row = (lxw_row_t) (r + 1);

		if (r + 1 >= LXW_ROW_MAX)
			return LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE;
		if (r % 256 == 0 && DOC_INTERRUPTED())
		{
			*stop = true;
			return LXW_ERROR_PARAMETER_VALIDATION;
		}
		for (int c = 0; c < sh->n_columns; c++)
		{
			const xlsx_cell *cell = &sh->cells[r * sh->n_columns + c];
			lxw_datetime dt;

			switch (cell->type)
			{
				case 's':
					e = worksheet_write_string(ws, row, (lxw_col_t) c, cell->text, f->text[bold]);
					break;
				case 'a':
					e = worksheet_write_number(ws, row, (lxw_col_t) c, cell->number, f->amount[bold]);
					break;
				case 'i':
					e = worksheet_write_number(ws, row, (lxw_col_t) c, cell->number, f->integer[bold]);
					break;
				case 'n':
					e = worksheet_write_number(ws, row, (lxw_col_t) c, cell->number, f->text[bold]);
					break;
				case 'd':
					if (!parse_date(cell->text, &dt))
						return LXW_ERROR_PARAMETER_VALIDATION;
					e = worksheet_write_datetime(ws, row, (lxw_col_t) c, &dt, f->date[bold]);
					break;
				default:
					e = bold ? worksheet_write_blank(ws, row, (lxw_col_t) c, f->text[bold]) : LXW_NO_ERROR;
					break;
			}
			if (e != LXW_NO_ERROR)
				return e;
		}
	}

	*step = "setting the column widths";
	for (int c = 0; c < sh->n_columns; c++)
	{
		double		width = sh->widths ? sh->widths[c] : 0;

		if (width <= 0)
		{
			size_t		w = utf8_chars(sh->headers[c]);

			/* at most 2,000 rows of at most 32,767 characters: bounded, no poll needed */
			for (long r = 0; r < sh->n_rows && r < 2000; r++)
			{
				const xlsx_cell *cell = &sh->cells[r * sh->n_columns + c];
				size_t		cw = cell->type == 's' ? utf8_chars(cell->text)
					: cell->type == 'a' ? 14 : cell->type == 'd' ? 11 : cell->type == '-' ? 0 : 8;

				if (cw > w)
					w = cw;
			}
			width = w < 6 ? 6 : w > 50 ? 50 : (double) w + 1;
		}
		worksheet_set_column(ws, (lxw_col_t) c, (lxw_col_t) c, width, NULL);
	}
	worksheet_freeze_panes(ws, 1, 0);
	/* a filter on a data sheet; on a sheet with a total row, sorting would move the total */
	if (sh->n_columns > 0 && !sh->last_row_bold)
		worksheet_autofilter(ws, 0, 0, (lxw_row_t) sh->n_rows, (lxw_col_t) (sh->n_columns - 1));
	return LXW_NO_ERROR;
}

doc_fail_kind
sv_xlsx_write(const xlsx_input *in, doc_failure *fail)
{
	lxw_workbook_options options = {.constant_memory = LXW_FALSE, .tmpdir = (char *) in->tmpdir, .use_zip64 = LXW_FALSE};
	lxw_doc_properties props;
	lxw_workbook *wb;
	formats		f;
	lxw_error	first = LXW_NO_ERROR;
	lxw_error	closed;
	const char *step = "creating the workbook";
	int			saved_errno;
	bool		stop = false;

	memset(fail, 0, sizeof(*fail));
	wb = workbook_new_opt(in->path, &options);
	if (wb == NULL)
		return set_failure(fail, LXW_ERROR_MEMORY_MALLOC_FAILED, step, errno);

	memset(&props, 0, sizeof(props));
	props.title = (char *) in->title;
	props.author = (char *) "skolval";
	props.created = in->created;
	workbook_set_properties(wb, &props);
	make_formats(wb, &f);
	for (int i = 0; i < in->n_sheets && first == LXW_NO_ERROR; i++)
		first = write_sheet(wb, &f, &in->sheets[i], &step, &stop);

	/* Always close: it frees the workbook. After an error the file is useless and removed. */
	errno = 0;
	closed = workbook_close(wb);
	saved_errno = errno;
	if (stop)
	{
		set_failure(fail, first, step, 0);
		fail->kind = DOC_FAIL_INTERRUPTED;
		fail->message = "interrupted";
		return fail->kind;
	}
	if (first != LXW_NO_ERROR)
		return set_failure(fail, first, step, 0);
	if (closed != LXW_NO_ERROR)
		return set_failure(fail, closed, "writing the file", saved_errno);
	return DOC_OK;
}
