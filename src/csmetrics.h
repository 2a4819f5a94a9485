/*
 * csmetrics.h
 *		Declarations shared by every KPI family: the checks and error helpers that each
 *		family would otherwise write again.
 */
#ifndef CSMETRICS_H
#define CSMETRICS_H

#include "pg_compat.h"

#include "common/int.h"
#include "utils/array.h"

/* Add two counters, raising an error instead of wrapping around. */
static inline int64
csm_add_count(int64 a, int64 b)
{
	int64		result;

	if (unlikely(pg_add_s64_overflow(a, b, &result)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("csmetrics counter overflow"),
				 errdetail("A count would exceed %lld.", (long long) PG_INT64_MAX)));
	return result;
}

/* Subtract b from counter a (inverse transitions); a result below zero is a bug. */
static inline int64
csm_sub_count(int64 a, int64 b)
{
	if (unlikely(b > a))
		elog(ERROR, "csmetrics counter would become negative (%lld - %lld)",
			 (long long) a, (long long) b);
	return a - b;
}

/*
 * Memory context of the aggregate calling us; errors out when the function is called
 * outside an aggregate, so transition functions can update their state in place.
 *
 * The rule for pass-by-reference states: create a new state in the per-call context
 * (palloc), never in the aggregate context. The executor copies any state pointer it did
 * not hand in into the aggregate context itself, so a state allocated there would be left
 * behind once per group; every later call gets that copy and may update it in place.
 */
extern MemoryContext csm_agg_context(FunctionCallInfo fcinfo, const char *fname);

/*
 * A one-dimensional float8 array, read without copying: values and NULL flags
 * (nulls is NULL when the array has none). what names the argument in errors.
 */
typedef struct CsmFloatArray
{
	int			n;				/* number of elements */
	float8	   *values;			/* element values; undefined where nulls[i] */
	bool	   *nulls;			/* NULL flags, or NULL when no element is NULL */
} CsmFloatArray;

extern void csm_read_float_array(ArrayType *array, const char *what, CsmFloatArray *out);

#endif							/* CSMETRICS_H */
