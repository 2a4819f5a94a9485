/*
 * median.c
 *		kpi_median(float8): the median of a group's values, the same number as
 *		percentile_cont(0.5) WITHIN GROUP (ORDER BY value), as an ordinary aggregate.
 *
 * The views report medians per period (resolution hours, days to first value, days to
 * convert, days to activation). As an ordered-set aggregate, percentile_cont makes the
 * planner sort every input row by the group keys before aggregating: at a million customers
 * that sort of every row by segment and period was most of a view's time. An ordinary
 * aggregate can be hashed: each group keeps its values in an array, and the final function
 * sorts only the group's own values. The result is computed the way percentile_cont
 * computes it (the two middle values of the sorted values, NaN above every number,
 * interpolated as lo + 0.5 * (hi - lo)), so the numbers are the same to the last bit, but
 * for the sign of a zero: where -0 and 0 are the middle values, which of the two equal
 * values comes first depends on the sort.
 *
 * The state is every value of the group: internal, with a combine function and a binary
 * form so that parallel workers can aggregate their part of a group. The views use it on a
 * single server; under Citus they keep percentile_cont.
 */
#include "csmetrics.h"

#include "port/pg_bswap.h"
#include "utils/float.h"
#include "utils/memutils.h"

typedef struct MedianState
{
	int64		n;				/* values kept */
	int64		size;			/* room in values */
	float8	   *values;
} MedianState;

/* An empty state with room for size values (at least 16), in the memory context cxt. */
static MedianState *
MedianStateCreate(MemoryContext cxt, int64 size)
{
	MedianState *st = (MedianState *) MemoryContextAlloc(cxt, sizeof(MedianState));

	st->n = 0;
	st->size = Max(size, 16);
	st->values = (float8 *) MemoryContextAllocHuge(cxt, sizeof(float8) * st->size);
	return st;
}

/* Makes room for more values, doubling the array (in the memory context it lives in). */
static void
MedianStateReserve(MedianState *st, int64 more)
{
	int64		size = st->size;

	if (st->n + more <= size)
		return;
	while (size < st->n + more)
		size *= 2;
	st->values = (float8 *) repalloc_huge(st->values, sizeof(float8) * size);
	st->size = size;
}

/* float8's btree order: NaN after every number, as percentile_cont sorts them. */
static int
MedianCompare(const void *a, const void *b)
{
	return float8_cmp_internal(*(const float8 *) a, *(const float8 *) b);
}

PG_FUNCTION_INFO_V1(kpi_median_trans);
Datum
kpi_median_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	MedianState *st = PG_ARGISNULL(0) ? NULL : (MedianState *) PG_GETARG_POINTER(0);

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "kpi_median_trans called outside its aggregate");
	if (st == NULL)
		st = MedianStateCreate(cxt, 0);
	/* NULL values are left out, as percentile_cont leaves them out */
	if (!PG_ARGISNULL(1))
	{
		MedianStateReserve(st, 1);
		st->values[st->n++] = PG_GETARG_FLOAT8(1);
	}
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(kpi_median_combine);
Datum
kpi_median_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	MedianState *st = PG_ARGISNULL(0) ? NULL : (MedianState *) PG_GETARG_POINTER(0);
	MedianState *other = PG_ARGISNULL(1) ? NULL : (MedianState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "kpi_median_combine called outside its aggregate");
	if (other == NULL)
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}
	if (st == NULL)
		st = MedianStateCreate(cxt, other->n);
	MedianStateReserve(st, other->n);
	memcpy(st->values + st->n, other->values, sizeof(float8) * other->n);
	st->n += other->n;
	PG_RETURN_POINTER(st);
}

/*
 * The binary form of a state: each value's IEEE 754 bits in network byte order, the count
 * given by the length. PostgreSQL passes it between parallel workers; Citus (from 14) sends
 * it from the shards to the coordinator, possibly another machine. Like any bytea it holds at
 * most 1 GB: a worker's part of one group of more than 134M values cannot be passed on.
 */
PG_FUNCTION_INFO_V1(kpi_median_serialize);
Datum
kpi_median_serialize(PG_FUNCTION_ARGS)
{
	MedianState *st = (MedianState *) PG_GETARG_POINTER(0);
	Size		bytes = sizeof(uint64) * st->n;
	bytea	   *result;
	char	   *out;
	int64		i;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "kpi_median_serialize called outside its aggregate");
	result = (bytea *) palloc(VARHDRSZ + bytes);
	SET_VARSIZE(result, VARHDRSZ + bytes);
	out = VARDATA(result);
	for (i = 0; i < st->n; i++)
	{
		uint64		bits;

		memcpy(&bits, &st->values[i], sizeof(bits));
		bits = pg_hton64(bits);
		memcpy(out + i * sizeof(bits), &bits, sizeof(bits));
	}
	PG_RETURN_BYTEA_P(result);
}

PG_FUNCTION_INFO_V1(kpi_median_deserialize);
Datum
kpi_median_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	Size		size = VARSIZE_ANY_EXHDR(bytes);
	const char *in = VARDATA_ANY(bytes);
	MedianState *st;
	int64		i;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "kpi_median_deserialize called outside its aggregate");
	if (size % sizeof(uint64) != 0)
		elog(ERROR, "kpi_median_deserialize: a state of %zu bytes is not a list of float8 values", size);
	/* short-lived, as the executor expects: the combine function copies the values it keeps */
	st = MedianStateCreate(CurrentMemoryContext, size / sizeof(uint64));
	for (i = 0; i < (int64) (size / sizeof(uint64)); i++)
	{
		uint64		bits;

		memcpy(&bits, in + i * sizeof(bits), sizeof(bits));
		bits = pg_ntoh64(bits);
		memcpy(&st->values[i], &bits, sizeof(bits));
	}
	st->n = size / sizeof(uint64);
	PG_RETURN_POINTER(st);
}

/*
 * The median: NULL without a value; with an odd count the middle value of the sorted values,
 * with an even count the lower middle value plus half the difference to the upper one. The
 * sort happens in place: the state still holds the same values, so a window frame may add
 * rows and ask again.
 */
PG_FUNCTION_INFO_V1(kpi_median_final);
Datum
kpi_median_final(PG_FUNCTION_ARGS)
{
	MedianState *st = PG_ARGISNULL(0) ? NULL : (MedianState *) PG_GETARG_POINTER(0);
	int64		lo;
	int64		hi;

	if (st == NULL || st->n == 0)
		PG_RETURN_NULL();
	qsort(st->values, st->n, sizeof(float8), MedianCompare);
	lo = (st->n - 1) / 2;
	hi = st->n / 2;
	if (lo == hi)
		PG_RETURN_FLOAT8(st->values[lo]);
	PG_RETURN_FLOAT8(st->values[lo] + 0.5 * (st->values[hi] - st->values[lo]));
}
