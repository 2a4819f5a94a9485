/*
 * pg_compat.h
 *		Every PostgreSQL version difference csmetrics cares about, in one place.
 *
 * csmetrics is built and tested against PostgreSQL 15 and written to compile against
 * 13 to 18. Code elsewhere uses the names defined here and never tests
 * PG_VERSION_NUM itself.
 */
#ifndef CSMETRICS_PG_COMPAT_H
#define CSMETRICS_PG_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 130000
#error "csmetrics needs PostgreSQL 13 or later"
#endif

/* varatt.h split out of postgres.h in 16; postgres.h still includes it there. */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

#include "utils/numeric.h"
#include "fmgr.h"

/* int64_to_numeric() arrived in 14; 13 goes through the SQL-callable cast. */
#if PG_VERSION_NUM >= 140000
#define csm_int64_to_numeric(v) int64_to_numeric(v)
#else
#include "utils/builtins.h"
#define csm_int64_to_numeric(v) \
	DatumGetNumeric(DirectFunctionCall1(int8_numeric, Int64GetDatum(v)))
#endif

/* 18 lets a module describe itself; older servers only want the magic block. */
#if PG_VERSION_NUM >= 180000
#define CSM_MODULE_MAGIC PG_MODULE_MAGIC_EXT(.name = "csmetrics", .version = CSM_VERSION)
#else
#define CSM_MODULE_MAGIC PG_MODULE_MAGIC
#endif

/* 18 replaced pg_attribute_noreturn() with pg_noreturn, a C11 function specifier. */
#if PG_VERSION_NUM >= 180000
#define CSM_NORETURN pg_noreturn
#else
#define CSM_NORETURN pg_attribute_noreturn()
#endif

/*
 * Exact money sums (decimal.c) keep fixed-point values in a 128-bit integer. configure
 * records the compiler's type as PG_INT128_TYPE in pg_config.h, and c.h defines int128 and
 * HAVE_INT128 from it when the type can be aligned; without one the sums cannot be exact.
 */
#ifndef HAVE_INT128
#error "csmetrics needs a compiler with a 128-bit integer type (PG_INT128_TYPE / HAVE_INT128)"
#endif

#endif							/* CSMETRICS_PG_COMPAT_H */
