/*
 * sort.c — the stable sorts the mechanisms (mechanisms.c) and the administrative placement
 * (admin.c) share.  It calls nothing of the placement core, so no file calls back into the one
 * that called it.
 */
#include "placement/placement_int.h"

#include <string.h>

void
skolval_merge_sort(int *a, int n, int *tmp, int (*before) (const void *arg, int x, int y), const void *arg)
{
	Assert(n >= 0);
	Assert(n == 0 || (a != NULL && tmp != NULL));
	/* Bottom-up merge sort: O(n log n) whatever the keys, and stable. */
	for (int width = 1; width < n; width *= 2)
	{
		for (int lo = 0; lo < n; lo += 2 * width)
		{
			int			mid = lo + width < n ? lo + width : n,
						hi = lo + 2 * width < n ? lo + 2 * width : n,
						i = lo,
						j = mid,
						k = lo;

			while (i < mid && j < hi)
				tmp[k++] = before(arg, a[j], a[i]) ? a[j++] : a[i++];
			while (i < mid)
				tmp[k++] = a[i++];
			while (j < hi)
				tmp[k++] = a[j++];
			Assert(k == hi);
		}
		memcpy(a, tmp, sizeof(int) * n);
	}
}

static int
wish_before(const void *arg, int x, int y)
{
	return sv_key_cmp((const SvCtx *) arg, x, y) < 0;
}

void
skolval_sort_wishes(const SvCtx *ctx, int *a, int n, int *tmp)
{
	skolval_merge_sort(a, n, tmp, wish_before, ctx);
}
