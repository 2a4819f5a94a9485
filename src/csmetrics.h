/*
 * csmetrics.h
 *		Declarations shared by every KPI family: the checks and error helpers that each
 *		family would otherwise write again.
 */
#ifndef CSMETRICS_H
#define CSMETRICS_H

#include "pg_compat.h"

#include "common/int.h"
#include "nodes/execnodes.h"
#include "utils/array.h"
#include "utils/sortsupport.h"

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

extern CSM_NORETURN void csm_nothing_to_remove(const char *fmt,...) pg_attribute_printf(1, 2);

/* Subtract b from counter a (inverse transitions): taking out more than a holds is an error. */
static inline int64
csm_sub_count(int64 a, int64 b)
{
	if (unlikely(b > a || b < 0))
		csm_nothing_to_remove("A count of %lld cannot lose %lld.", (long long) a, (long long) b);
	return a - b;
}

/*
 * TRANSITION FUNCTIONS AND DIRECT CALLS: the rule every csmetrics aggregate follows.
 *
 * Transition, inverse and combine functions are ordinary SQL functions of a real state type,
 * so they behave like PostgreSQL's own (float8_accum, int8inc): anyone may call them.
 *
 *  1. Called by an aggregate (csm_in_aggregate: a plain or window aggregate is running
 *     them), they update the state in their first argument in place and return it. The
 *     executor owns that state, keeps it in the aggregate's memory context and hands it
 *     back with the next row; updating it in place is what keeps a row free of allocation.
 *  2. Called directly (SELECT nps_trans(s, 9)), they never modify an argument: they work on
 *     a copy (csm_state_for_update makes it) and return that.
 *  3. A NULL state holds nothing yet. The first input that needs a state makes an empty one
 *     in the current (per-call) memory context, never in the aggregate context: the executor
 *     copies a new state into the aggregate context itself, so allocating it there would
 *     leave a dead copy per group. A state that must grow is grown the same way (a bigger
 *     copy in the current context, returned; the executor frees the old one).
 *  4. NULL inputs are skipped, as by any aggregate: the state comes back as it was. In
 *     moving-aggregate mode a transition may not return NULL, so there an empty state is
 *     returned instead of NULL.
 *  5. An inverse transition only takes out what was added; taking out more is an error
 *     (SQLSTATE 22000), never a negative count. Combine and merge functions never modify
 *     their second argument.
 */

/* True when a plain or window aggregate is running the function (AggCheckCallContext without the call). */
static inline bool
csm_in_aggregate(FunctionCallInfo fcinfo)
{
	return fcinfo->context != NULL &&
		(IsA(fcinfo->context, AggState) || IsA(fcinfo->context, WindowAggState));
}

extern Pointer csm_copy_state(Datum state, int typlen);

/*
 * The state in argument 0 (not NULL), ready to be updated: itself inside an aggregate, a
 * copy outside one (rule 2). typlen is the state type's length, -1 for a varlena type; a
 * toasted varlena state (a hand-written initial value) is always copied.
 */
static inline Pointer
csm_state_for_update(FunctionCallInfo fcinfo, int typlen)
{
	Datum		state = PG_GETARG_DATUM(0);

	if (likely(csm_in_aggregate(fcinfo)) &&
		(typlen > 0 || !VARATT_IS_EXTENDED(DatumGetPointer(state))))
		return DatumGetPointer(state);
	return csm_copy_state(state, typlen);
}

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

/* Array arguments: at most one dimension; two arrays that pair up have the same length. */
extern void csm_check_one_dimensional(ArrayType *array, const char *what);
extern void csm_check_same_length(const char *what1, int n1, const char *what2, int n2);

/*
 * The row type of a function returning an array of a composite type, described once and
 * cached in fn_extra: the blessed descriptor of the rows, and the storage properties of the
 * type that construct_array needs.
 */
typedef struct CsmRowArrayType
{
	TupleDesc	tupdesc;		/* blessed descriptor of the element type */
	Oid			elemtype;		/* the element (row) type */
	int16		typlen;
	bool		typbyval;
	char		typalign;
} CsmRowArrayType;

/*
 * The default order of the type of argument argno (a btree "<", NULLs last, in the call's
 * collation), prepared in ssup for sorting in cxt; an error names the values (what, plural)
 * when the type has no default order. Gives the type's storage, for copying its values.
 */
extern void csm_argument_order(FunctionCallInfo fcinfo, int argno, MemoryContext cxt,
							   const char *what, SortSupport ssup, int16 *typlen, bool *typbyval);

extern void csm_describe_row_type(CsmRowArrayType *info, Oid elemtype);
extern CsmRowArrayType *csm_result_row_type(FunctionCallInfo fcinfo, int natts);
extern ArrayType *csm_row_array(const CsmRowArrayType *info, Datum *rows, int n);

#endif							/* CSMETRICS_H */
