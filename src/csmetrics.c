/*
 * csmetrics.c
 *		Module entry point and the helpers every KPI family shares.
 */
#include "csmetrics.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

CSM_MODULE_MAGIC;

/* A copy of a state in the current memory context (rule 2 of csmetrics.h). */
Pointer
csm_copy_state(Datum state, int typlen)
{
	if (typlen < 0)
		return (Pointer) PG_DETOAST_DATUM_COPY(state);
	return DatumGetPointer(datumCopy(state, false, typlen));
}

/*
 * The error of an inverse transition that would take out more than the state holds (rule 5
 * of csmetrics.h); the detail (printf-style) says what.
 */
void
csm_nothing_to_remove(const char *fmt,...)
{
	char		detail[256];
	va_list		args;

	va_start(args, fmt);
	vsnprintf(detail, sizeof(detail), fmt, args);
	va_end(args);
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("cannot remove more than the state holds"),
			 errdetail_internal("%s Inverse transitions only take out what was added.", detail)));
}

/* Errors unless an array argument (named what) has at most one dimension. */
void
csm_check_one_dimensional(ArrayType *array, const char *what)
{
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what),
				 errdetail("The array has %d dimensions.", ARR_NDIM(array))));
}

/* Errors when two arrays that pair up element by element differ in length. */
void
csm_check_same_length(const char *what1, int n1, const char *what2, int n2)
{
	if (n1 != n2)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s and %s have different lengths", what1, what2),
				 errdetail("%s has %d elements, %s has %d.", what1, n1, what2, n2)));
}

/* Read a one-dimensional float8 array; multidimensional arrays are an error. */
void
csm_read_float_array(ArrayType *array, const char *what, CsmFloatArray *out)
{
	Datum	   *elems;
	int			i;

	csm_check_one_dimensional(array, what);
	if (ARR_ELEMTYPE(array) != FLOAT8OID)
		elog(ERROR, "%s: expected a float8 array, got type %u", what, ARR_ELEMTYPE(array));

	out->n = ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array));
	out->nulls = NULL;
	if (out->n == 0)
	{
		out->values = NULL;
		return;
	}
	if (!ARR_HASNULL(array))
	{
		/* float8 is pass-by-value and aligned: the data area is a plain C array. */
		out->values = (float8 *) ARR_DATA_PTR(array);
		return;
	}

	deconstruct_array(array, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &out->nulls, &out->n);
	out->values = (float8 *) palloc(sizeof(float8) * out->n);
	for (i = 0; i < out->n; i++)
		out->values[i] = out->nulls[i] ? 0.0 : DatumGetFloat8(elems[i]);
	pfree(elems);
}

/* The default order of an argument's type (csmetrics.h). */
void
csm_argument_order(FunctionCallInfo fcinfo, int argno, MemoryContext cxt, const char *what,
				   SortSupport ssup, int16 *typlen, bool *typbyval)
{
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, argno);
	TypeCacheEntry *entry = lookup_type_cache(type, TYPECACHE_LT_OPR);

	if (!OidIsValid(entry->lt_opr))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("%s of type %s cannot be sorted", what, format_type_be(type)),
				 errdetail("The type needs a default btree operator class.")));
	memset(ssup, 0, sizeof(SortSupportData));
	ssup->ssup_cxt = cxt;
	ssup->ssup_collation = PG_GET_COLLATION();
	ssup->ssup_nulls_first = false;
	PrepareSortSupportFromOrderingOp(entry->lt_opr, ssup);
	get_typlenbyval(type, typlen, typbyval);
}

/* Describe the row type elemtype in info (allocated in the current memory context). */
void
csm_describe_row_type(CsmRowArrayType *info, Oid elemtype)
{
	info->elemtype = elemtype;
	info->tupdesc = BlessTupleDesc(lookup_rowtype_tupdesc_copy(elemtype, -1));
	get_typlenbyvalalign(elemtype, &info->typlen, &info->typbyval, &info->typalign);
}

/*
 * The row type of the array the called function returns, with natts fields, described once
 * per call site and cached in fn_extra.
 */
CsmRowArrayType *
csm_result_row_type(FunctionCallInfo fcinfo, int natts)
{
	CsmRowArrayType *info = (CsmRowArrayType *) fcinfo->flinfo->fn_extra;

	if (info == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		Oid			elemtype = get_element_type(get_func_rettype(fcinfo->flinfo->fn_oid));

		if (!OidIsValid(elemtype))
			elog(ERROR, "function %u must return an array", fcinfo->flinfo->fn_oid);
		info = (CsmRowArrayType *) palloc(sizeof(CsmRowArrayType));
		csm_describe_row_type(info, elemtype);
		if (info->tupdesc->natts != natts)
			elog(ERROR, "row type %s has %d fields, expected %d",
				 format_type_be(elemtype), info->tupdesc->natts, natts);
		fcinfo->flinfo->fn_extra = info;
		MemoryContextSwitchTo(old);
	}
	return info;
}

/* An array of n rows of the type info describes. */
ArrayType *
csm_row_array(const CsmRowArrayType *info, Datum *rows, int n)
{
	return construct_array(rows, n, info->elemtype, info->typlen, info->typbyval, info->typalign);
}
