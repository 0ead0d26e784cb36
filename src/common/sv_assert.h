/*
 * sv_assert.h — Assert() for the pure C cores, which do not include postgres.h.
 *
 * In the server build PostgreSQL's Assert() is used (active with USE_ASSERT_CHECKING, as in
 * a --enable-cassert server); in the plain C core tests (test/c, built with
 * -DUSE_ASSERT_CHECKING) it is the C library's assert(). Invariants only: never user input.
 */
#ifndef SKOLVAL_SV_ASSERT_H
#define SKOLVAL_SV_ASSERT_H

#ifndef Assert
#ifdef USE_ASSERT_CHECKING
#include <assert.h>
#define Assert(condition) assert(condition)
#else
#define Assert(condition) ((void) 1)
#endif
#endif

#endif
