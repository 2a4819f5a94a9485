/*
 * health_windows.c
 *		Health measures that look back a year: one customer's invoices or answers, given as
 *		arrays, measured in every window [window_start, window_end) of a list at once.
 *
 * The health views score each customer at the end of several periods, and two built-in
 * measures read the year before each period end: billing (the mean days late of the invoices
 * due in it) and NPS (the latest answer in it). In SQL each such row would be joined to every
 * period whose year holds it, a dozen copies of every invoice to group and sort again; here a
 * customer's rows (array_agg of one group) are read once and every window is filled from
 * them. Each function returns one element per window, NULL where no row falls in it.
 *
 * Which customers are scored at a period end, and which still pay N periods later, is read
 * the same way: kpi_in_force_periods turns a customer's subscriptions into the numbers of the
 * periods at whose end one of them is in force, instead of a probe of every customer's
 * subscriptions for every period.
 *
 * Usage and tickets count within each period: kpi_sums_in_windows, an aggregate over a
 * customer's rows, sums them per period at once.
 */
#include "csmetrics.h"
#include "decimal.h"

#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* The windows of one call: [starts[k], ends[k]) as dates, and end_ats[k] the instant of ends[k]. */
typedef struct Windows
{
	int			n;
	DateADT    *starts;
	DateADT    *ends;
	TimestampTz *end_ats;		/* NULL when the function does not take them */
} Windows;

/*
 * Elements of a one-dimensional array of a pass-by-value type (date, timestamptz, float8),
 * with their NULL flags (never NULL itself). what names the argument in errors.
 */
static Datum *
ReadArray(ArrayType *array, Oid elemtype, const char *what, bool **nulls, int *n)
{
	Datum	   *elems;

	csm_check_one_dimensional(array, what);
	if (ARR_ELEMTYPE(array) != elemtype)
		elog(ERROR, "%s: expected an array of type %u, got type %u", what, elemtype, ARR_ELEMTYPE(array));
	/* date is a 4-byte, timestamptz and float8 an 8-byte value, both by value */
	if (elemtype == DATEOID)
		deconstruct_array(array, elemtype, sizeof(DateADT), true, TYPALIGN_INT, &elems, nulls, n);
	else
		deconstruct_array(array, elemtype, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, nulls, n);
	return elems;
}

/* The three arrays of one customer's rows (arguments 0 to 2): element i of each is row i. */
typedef struct Rows
{
	int			n;
	Datum	   *values[3];
	bool	   *nulls[3];
} Rows;

/* Reads the rows' arrays, of the given names and element types, which must pair up. */
static void
ReadRows(FunctionCallInfo fcinfo, const char *const names[3], const Oid types[3], Rows *rows)
{
	int			i;

	for (i = 0; i < 3; i++)
	{
		int			n;

		rows->values[i] = ReadArray(PG_GETARG_ARRAYTYPE_P(i), types[i], names[i], &rows->nulls[i], &n);
		if (i == 0)
			rows->n = n;
		else
			csm_check_same_length(names[0], rows->n, names[i], n);
	}
}

/* Errors when element i (counted from 0) of a window array is NULL or infinite. */
static void
CheckWindowBound(const char *what, int i, bool isnull, bool finite)
{
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s %d is NULL", what, i + 1),
				 errdetail("Windows and period ends are never NULL.")));
	if (!finite)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s %d is not finite", what, i + 1),
				 errdetail("Windows and period ends are finite dates and instants.")));
}

/*
 * The windows of arrays[0] (starts), arrays[1] (ends) and arrays[2] (end instants, when
 * with_end_ats): as many of each, none NULL or infinite, each start before its end.
 */
static void
ParseWindows(ArrayType **arrays, bool with_end_ats, Windows *w)
{
	Datum	   *starts,
			   *ends,
			   *end_ats = NULL;
	bool	   *starts_null,
			   *ends_null,
			   *end_ats_null = NULL;
	int			nends,
				nend_ats,
				k;

	starts = ReadArray(arrays[0], DATEOID, "window_starts", &starts_null, &w->n);
	ends = ReadArray(arrays[1], DATEOID, "window_ends", &ends_null, &nends);
	csm_check_same_length("window_starts", w->n, "window_ends", nends);
	if (with_end_ats)
	{
		end_ats = ReadArray(arrays[2], TIMESTAMPTZOID, "window_end_ats",
							&end_ats_null, &nend_ats);
		csm_check_same_length("window_starts", w->n, "window_end_ats", nend_ats);
	}
	w->starts = palloc(sizeof(DateADT) * Max(w->n, 1));
	w->ends = palloc(sizeof(DateADT) * Max(w->n, 1));
	w->end_ats = with_end_ats ? palloc(sizeof(TimestampTz) * Max(w->n, 1)) : NULL;
	for (k = 0; k < w->n; k++)
	{
		w->starts[k] = DatumGetDateADT(starts[k]);
		w->ends[k] = DatumGetDateADT(ends[k]);
		CheckWindowBound("window_starts", k, starts_null[k], !DATE_NOT_FINITE(w->starts[k]));
		CheckWindowBound("window_ends", k, ends_null[k], !DATE_NOT_FINITE(w->ends[k]));
		if (with_end_ats)
		{
			w->end_ats[k] = DatumGetTimestampTz(end_ats[k]);
			CheckWindowBound("window_end_ats", k, end_ats_null[k], !TIMESTAMP_NOT_FINITE(w->end_ats[k]));
		}
		if (w->ends[k] <= w->starts[k])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("window %d is empty: window_end %s is not after window_start %s", k + 1,
							DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(w->ends[k]))),
							DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(w->starts[k])))),
					 errdetail("A window [window_start, window_end) holds at least one day.")));
	}
}

/* A copy of size bytes in the current memory context. */
static void *
CopyBytes(const void *from, Size size)
{
	void	   *to = palloc(size);

	memcpy(to, from, size);
	return to;
}

/* The windows of the last call of a function, kept for the next: the same on every row. */
typedef struct WindowsCache
{
	Size		nbytes;			/* total size of the window arrays */
	char	   *bytes;			/* their contents, one after the other */
	Windows		windows;
} WindowsCache;

/*
 * The windows given by the arguments starts_arg, starts_arg + 1 (and + 2 when with_end_ats).
 * A query passes the same windows with every customer's rows, so they are read once and
 * kept with the function's call site, and read again only when their arrays differ.
 */
static const Windows *
ReadWindows(FunctionCallInfo fcinfo, int starts_arg, bool with_end_ats)
{
	WindowsCache *cache = (WindowsCache *) fcinfo->flinfo->fn_extra;
	ArrayType  *arrays[3];
	int			narrays = with_end_ats ? 3 : 2;
	Size		nbytes = 0;
	Size		offset = 0;
	Windows		parsed;
	MemoryContext oldcxt;
	int			i;

	for (i = 0; i < narrays; i++)
	{
		arrays[i] = PG_GETARG_ARRAYTYPE_P(starts_arg + i);
		nbytes += VARSIZE(arrays[i]);
	}
	if (cache != NULL && cache->nbytes == nbytes)
	{
		for (i = 0; i < narrays; i++)
		{
			if (memcmp(cache->bytes + offset, arrays[i], VARSIZE(arrays[i])) != 0)
				break;
			offset += VARSIZE(arrays[i]);
		}
		if (i == narrays)
			return &cache->windows;
	}

	/*
	 * Read them in the call's memory, which is reset row by row, so that a bad window leaves
	 * the cache as it was and nothing of the parse stays; then keep a copy.
	 */
	ParseWindows(arrays, with_end_ats, &parsed);
	oldcxt = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (cache == NULL)
		cache = (WindowsCache *) palloc0(sizeof(WindowsCache));
	else
	{
		/* other windows (a call site whose windows vary): drop the old ones */
		pfree(cache->bytes);
		pfree(cache->windows.starts);
		pfree(cache->windows.ends);
		if (cache->windows.end_ats)
			pfree(cache->windows.end_ats);
	}
	cache->windows.n = parsed.n;
	cache->windows.starts = CopyBytes(parsed.starts, sizeof(DateADT) * Max(parsed.n, 1));
	cache->windows.ends = CopyBytes(parsed.ends, sizeof(DateADT) * Max(parsed.n, 1));
	cache->windows.end_ats = parsed.end_ats ? CopyBytes(parsed.end_ats, sizeof(TimestampTz) * Max(parsed.n, 1)) : NULL;
	cache->bytes = palloc(nbytes);
	offset = 0;
	for (i = 0; i < narrays; i++)
	{
		memcpy(cache->bytes + offset, arrays[i], VARSIZE(arrays[i]));
		offset += VARSIZE(arrays[i]);
	}
	cache->nbytes = nbytes;
	fcinfo->flinfo->fn_extra = cache;
	MemoryContextSwitchTo(oldcxt);
	return &cache->windows;
}

/* The float8[] of one value per window, NULL where has[k] is false. */
static Datum
WindowResult(const Windows *w, const float8 *values, const bool *has)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(w->n, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(w->n, 1));
	int			dims[1] = {w->n};
	int			lbs[1] = {1};
	int			k;

	for (k = 0; k < w->n; k++)
	{
		elems[k] = Float8GetDatum(has[k] ? values[k] : 0.0);
		nulls[k] = !has[k];
	}
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs, FLOAT8OID,
											  sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * kpi_days_late(due_on date[], due_at timestamptz[], paid_at timestamptz[],
 *               window_starts date[], window_ends date[], window_end_ats timestamptz[])
 *
 * Per window, the mean days late of the invoices due in it (due_on within the window): from
 * the due instant to the payment, or to the window's end instant when the invoice is unpaid
 * then (paid_at NULL or later), never below 0. It is the value of
 *     avg(greatest(0, extract(epoch FROM least(coalesce(paid_at, end_at), end_at) - due_at)::numeric)) / 86400
 * as float8, computed from exact sums of microseconds. Invoices with due_on or due_at NULL are
 * left out.
 */
PG_FUNCTION_INFO_V1(kpi_days_late);
Datum
kpi_days_late(PG_FUNCTION_ARGS)
{
	const Windows *w;
	Datum	   *due_on,
			   *due_at,
			   *paid_at;
	bool	   *due_on_null,
			   *due_at_null,
			   *paid_at_null;
	static const char *const names[3] = {"due_on", "due_at", "paid_at"};
	static const Oid types[3] = {DATEOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Rows		rows;
	int			n,
				i,
				k;
	int128	   *late_usecs;
	int64	   *count;
	float8	   *values;
	bool	   *has;

	ReadRows(fcinfo, names, types, &rows);
	due_on = rows.values[0];
	due_at = rows.values[1];
	paid_at = rows.values[2];
	due_on_null = rows.nulls[0];
	due_at_null = rows.nulls[1];
	paid_at_null = rows.nulls[2];
	n = rows.n;
	w = ReadWindows(fcinfo, 3, true);

	late_usecs = palloc0(sizeof(int128) * Max(w->n, 1));
	count = palloc0(sizeof(int64) * Max(w->n, 1));
	for (i = 0; i < n; i++)
	{
		DateADT		day;
		TimestampTz due;

		if (due_on_null[i] || due_at_null[i])
			continue;
		day = DatumGetDateADT(due_on[i]);
		due = DatumGetTimestampTz(due_at[i]);
		if (TIMESTAMP_NOT_FINITE(due) || (!paid_at_null[i] && TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(paid_at[i]))))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("invoice %d has an infinite due_at or paid_at", i + 1),
					 errdetail("Days late are measured between finite instants.")));
		for (k = 0; k < w->n; k++)
		{
			TimestampTz until = w->end_ats[k];

			if (day < w->starts[k] || day >= w->ends[k])
				continue;
			if (!paid_at_null[i] && DatumGetTimestampTz(paid_at[i]) < until)
				until = DatumGetTimestampTz(paid_at[i]);
			count[k]++;
			if (until > due)
				late_usecs[k] += (int128) until - due;
		}
	}

	values = palloc(sizeof(float8) * Max(w->n, 1));
	has = palloc(sizeof(bool) * Max(w->n, 1));
	for (k = 0; k < w->n; k++)
	{
		int128		seconds,	/* the mean seconds late, at seconds_scale */
					days;
		int			seconds_scale,
					days_scale;

		has[k] = count[k] > 0;
		if (!has[k])
			continue;
		/*
		 * As SQL computes it: the sum of the seconds (six decimals) divided by the count, then
		 * by 86400, both as numeric divides. A sum of at most 2^63 microseconds for each of at
		 * most 2^27 invoices (an array's limit) and a mean of at most 20 significant digits
		 * leave both steps far inside an int128.
		 */
		if (!DecimalDivide(late_usecs[k], 6, count[k], 0, &seconds, &seconds_scale) ||
			!DecimalDivide(seconds, seconds_scale, SECS_PER_DAY, 0, &days, &days_scale))
			elog(ERROR, "mean days late of window %d does not fit in an int128", k + 1);
		values[k] = DecimalToFloat8(days, days_scale);
	}
	PG_RETURN_DATUM(WindowResult(w, values, has));
}

/*
 * kpi_latest_in_windows(days date[], instants timestamptz[], vals float8[],
 *                       window_starts date[], window_ends date[])
 *
 * Per window, the value of the latest row whose day is within it: the greatest instant, and
 * of rows at that same instant the lowest value (a NULL value counts as the highest), so that
 * the pick does not depend on the order of the rows. Rows with day or instant NULL are left
 * out. A window whose pick has a NULL value gives NULL.
 */
PG_FUNCTION_INFO_V1(kpi_latest_in_windows);
Datum
kpi_latest_in_windows(PG_FUNCTION_ARGS)
{
	const Windows *w;
	Datum	   *days,
			   *instants,
			   *vals;
	bool	   *days_null,
			   *instants_null,
			   *vals_null;
	static const char *const names[3] = {"days", "instants", "vals"};
	static const Oid types[3] = {DATEOID, TIMESTAMPTZOID, FLOAT8OID};
	Rows		rows;
	int			n,
				i,
				k;
	TimestampTz *latest;
	float8	   *values;
	bool	   *value_null;
	bool	   *has;
	bool	   *has_value;

	ReadRows(fcinfo, names, types, &rows);
	days = rows.values[0];
	instants = rows.values[1];
	vals = rows.values[2];
	days_null = rows.nulls[0];
	instants_null = rows.nulls[1];
	vals_null = rows.nulls[2];
	n = rows.n;
	w = ReadWindows(fcinfo, 3, false);

	latest = palloc(sizeof(TimestampTz) * Max(w->n, 1));
	values = palloc(sizeof(float8) * Max(w->n, 1));
	value_null = palloc(sizeof(bool) * Max(w->n, 1));
	has = palloc0(sizeof(bool) * Max(w->n, 1));
	for (i = 0; i < n; i++)
	{
		DateADT		day;
		TimestampTz at;
		float8		v;

		if (days_null[i] || instants_null[i])
			continue;
		day = DatumGetDateADT(days[i]);
		at = DatumGetTimestampTz(instants[i]);
		v = vals_null[i] ? 0.0 : DatumGetFloat8(vals[i]);
		for (k = 0; k < w->n; k++)
		{
			if (day < w->starts[k] || day >= w->ends[k])
				continue;
			/* take the row when it is later, or as late with a lower value (NULL highest) */
			if (!has[k] || at > latest[k] ||
				(at == latest[k] && !vals_null[i] && (value_null[k] || float8_lt(v, values[k]))))
			{
				has[k] = true;
				latest[k] = at;
				values[k] = v;
				value_null[k] = vals_null[i];
			}
		}
	}
	has_value = palloc(sizeof(bool) * Max(w->n, 1));
	for (k = 0; k < w->n; k++)
		has_value[k] = has[k] && !value_null[k];
	PG_RETURN_DATUM(WindowResult(w, values, has_value));
}

/*
 * kpi_in_force_periods(started_on date[], ended_on date[], period_ends date[]) RETURNS int4[]
 *
 * The numbers k (from 1, ascending) of the periods at whose end period_ends[k] at least one
 * row is in force: started before it (started_on < period_end) and not ended before it
 * (ended_on NULL or ended_on >= period_end). Rows with started_on NULL are left out.
 */
PG_FUNCTION_INFO_V1(kpi_in_force_periods);
Datum
kpi_in_force_periods(PG_FUNCTION_ARGS)
{
	Datum	   *started,
			   *ended,
			   *ends;
	bool	   *started_null,
			   *ended_null,
			   *ends_null;
	int			n,
				n_ended,
				nperiods,
				nfound = 0,
				i,
				k;
	bool	   *in_force;
	Datum	   *found;

	started = ReadArray(PG_GETARG_ARRAYTYPE_P(0), DATEOID, "started_on", &started_null, &n);
	ended = ReadArray(PG_GETARG_ARRAYTYPE_P(1), DATEOID, "ended_on", &ended_null, &n_ended);
	csm_check_same_length("started_on", n, "ended_on", n_ended);
	ends = ReadArray(PG_GETARG_ARRAYTYPE_P(2), DATEOID, "period_ends", &ends_null, &nperiods);
	for (k = 0; k < nperiods; k++)
		CheckWindowBound("period_ends", k, ends_null[k], !DATE_NOT_FINITE(DatumGetDateADT(ends[k])));

	in_force = palloc0(sizeof(bool) * Max(nperiods, 1));
	for (i = 0; i < n; i++)
	{
		if (started_null[i])
			continue;
		for (k = 0; k < nperiods; k++)
		{
			DateADT		end = DatumGetDateADT(ends[k]);

			if (DatumGetDateADT(started[i]) < end &&
				(ended_null[i] || DatumGetDateADT(ended[i]) >= end))
				in_force[k] = true;
		}
	}
	found = palloc(sizeof(Datum) * Max(nperiods, 1));
	for (k = 0; k < nperiods; k++)
		if (in_force[k])
			found[nfound++] = Int32GetDatum(k + 1);
	PG_RETURN_ARRAYTYPE_P(construct_array(found, nfound, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}

/*
 * kpi_sums_in_windows(day date, value numeric, window_starts date[], window_ends date[])
 * RETURNS float8[], an aggregate
 *
 * Per window, the exact sum of the values of the group's rows whose day is in it, as
 * sum(value)::float8 gives it; NULL where no row falls in it. Usage and tickets are summed
 * this way per customer for every period at once (one group per customer, the windows its
 * periods), where a GROUP BY of customer and period followed by a join to the customer's
 * period rows did the work twice. Rows with a NULL day or value are left out. The sums are
 * int128 fixed point (decimal.c); the windows must be the same on every row of a group.
 */
/* Transition state: the group's windows and, per window, its exact sum and rows. */
typedef struct SumsState
{
	Windows		windows;		/* without end instants */
	int128	   *sums;			/* at scale, the same for every window */
	int64	   *rows;
	int16		scale;
} SumsState;

/* Errors unless the windows of this row are those of the group. */
static void
SumsCheckWindows(const SumsState *st, const Windows *w)
{
	const Windows *g = &st->windows;

	if (w->n != g->n || memcmp(w->starts, g->starts, sizeof(DateADT) * g->n) != 0 ||
		memcmp(w->ends, g->ends, sizeof(DateADT) * g->n) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("windows differ between rows of a group"),
				 errdetail("kpi_sums_in_windows takes the same window_starts and window_ends on every row of a group.")));
}

/* A state for the windows w, in the aggregate's context cxt. */
static SumsState *
SumsStateCreate(MemoryContext cxt, const Windows *w)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	SumsState  *st = (SumsState *) palloc0(sizeof(SumsState));

	st->windows.n = w->n;
	st->windows.starts = CopyBytes(w->starts, sizeof(DateADT) * Max(w->n, 1));
	st->windows.ends = CopyBytes(w->ends, sizeof(DateADT) * Max(w->n, 1));
	st->sums = palloc0(sizeof(int128) * Max(w->n, 1));
	st->rows = palloc0(sizeof(int64) * Max(w->n, 1));
	MemoryContextSwitchTo(old);
	return st;
}

/* The error of a sum that does not fit. */
static void
SumsOverflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("sum of values is out of range"),
			 errdetail("kpi_sums_in_windows keeps exact sums of up to 38 significant digits.")));
}

PG_FUNCTION_INFO_V1(kpi_sums_in_windows_trans);
Datum
kpi_sums_in_windows_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	SumsState  *st = PG_ARGISNULL(0) ? NULL : (SumsState *) PG_GETARG_POINTER(0);
	const Windows *w;
	DateADT		day;
	DecimalNumber v;
	int			k;

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "kpi_sums_in_windows_trans called outside its aggregate");
	if (PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("window_starts or window_ends is NULL"),
				 errdetail("kpi_sums_in_windows needs its windows on every row.")));
	w = ReadWindows(fcinfo, 3, false);
	if (st == NULL)
		st = SumsStateCreate(cxt, w);
	else
		SumsCheckWindows(st, w);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(st);
	switch (DecimalDecode(PG_GETARG_DATUM(2), DECIMAL_ANY_SCALE, &v))
	{
		case DECIMAL_OK:
			break;
		case DECIMAL_NAN:
		case DECIMAL_INFINITY:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value %s is not finite",
							DatumGetCString(DirectFunctionCall1(numeric_out, PG_GETARG_DATUM(2)))),
					 errdetail("kpi_sums_in_windows adds finite values.")));
			break;
		case DECIMAL_TOO_LARGE:
		case DECIMAL_TOO_PRECISE:
			SumsOverflow();
			break;
	}
	day = PG_GETARG_DATEADT(1);
	for (k = 0; k < st->windows.n; k++)
	{
		int128		sum;

		if (day < st->windows.starts[k] || day >= st->windows.ends[k])
			continue;
		if (!DecimalRaiseScale(st->sums, st->windows.n, &st->scale, v.scale) ||
			!DecimalAddScaled(st->sums[k], v.negative ? -v.digits : v.digits, st->scale - v.scale, &sum))
			SumsOverflow();
		st->sums[k] = sum;
		st->rows[k]++;
	}
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(kpi_sums_in_windows_final);
Datum
kpi_sums_in_windows_final(PG_FUNCTION_ARGS)
{
	SumsState  *st = PG_ARGISNULL(0) ? NULL : (SumsState *) PG_GETARG_POINTER(0);
	float8	   *values;
	bool	   *has;
	int			k;

	if (st == NULL)
		PG_RETURN_NULL();
	values = palloc(sizeof(float8) * Max(st->windows.n, 1));
	has = palloc(sizeof(bool) * Max(st->windows.n, 1));
	for (k = 0; k < st->windows.n; k++)
	{
		has[k] = st->rows[k] > 0;
		values[k] = has[k] ? DecimalToFloat8(st->sums[k], st->scale) : 0.0;
	}
	PG_RETURN_DATUM(WindowResult(&st->windows, values, has));
}
