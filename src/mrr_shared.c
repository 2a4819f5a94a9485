/*
 * mrr_shared.c
 *		What the aggregates over MRR paths share (mrr_path.c, mrr_series.c, cohort.c): the
 *		series of periods a value follows, its boundaries computed once per session and time
 *		zone, the checks that values of one aggregate follow the same series, the version and
 *		series that start their stored forms, exact amounts, and the setup of their
 *		set-returning functions.
 */
#include "csmetrics.h"
#include "decimal.h"
#include "flow.h"
#include "mrr_path.h"
#include "period.h"

#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

/* Series boundaries kept per backend; a handful of series are in use at any one time. */
#define BOUNDS_CACHE_SIZE 4

/* One cached series: its boundaries as computed under one TimeZone setting. */
typedef struct BoundsCacheEntry
{
	bool		valid;			/* the entry holds a series */
	pg_tz	   *timezone;		/* session_timezone the boundaries were computed in */
	MrrSeriesBounds b;			/* the series and its boundaries (arrays in bounds_context) */
} BoundsCacheEntry;

static BoundsCacheEntry bounds_cache[BOUNDS_CACHE_SIZE];
static int	bounds_cache_next;	/* entry replaced on the next miss */
static MemoryContext bounds_context;

/* ---------------------------------------------------------------------------------------
 * The series of periods
 * --------------------------------------------------------------------------------------- */

/* Fingerprint of a series' boundaries: FNV-1a over their big-endian bytes (any platform). */
uint64
MrrBoundsHash(const int64 *bounds, int n)
{
	uint64		h = UINT64CONST(0xcbf29ce484222325);
	int			i,
				b;

	for (i = 0; i < n; i++)
		for (b = 56; b >= 0; b -= 8)
		{
			h ^= (uint64) ((bounds[i] >> b) & 0xFF);
			h *= UINT64CONST(0x100000001b3);
		}
	return h;
}

/* Text of a series for error messages: "(date 2024-01-01, 1 mon, 12 periods)". */
static char *
SeriesText(const MrrSeriesKey *key)
{
	return psprintf("(%s %s, %s, %d periods)", period_kind_name(key->kind),
					period_instant_text(key->first, key->kind),
					period_interval_text(&key->length), key->periods);
}

/* Do two keys name the same first period, length, count and kind (hash aside)? */
static bool
SeriesSameParameters(const MrrSeriesKey *a, const MrrSeriesKey *b)
{
	return a->kind == b->kind && a->first == b->first && a->periods == b->periods &&
		a->length.month == b->length.month && a->length.day == b->length.day &&
		a->length.time == b->length.time;
}

/*
 * The series named by the arguments first_period_start, period_length and periods at argno,
 * argno + 1 and argno + 2; bounds_hash is left 0 (MrrSeriesGetBounds fills it in).
 */
void
MrrSeriesFromArgs(FunctionCallInfo fcinfo, int argno, InstantKind kind, MrrSeriesKey *key)
{
	FlowRequireArg(fcinfo, argno, "first_period_start");
	FlowRequireArg(fcinfo, argno + 1, "period_length");
	FlowRequireArg(fcinfo, argno + 2, "periods");
	memset(key, 0, sizeof(MrrSeriesKey));
	key->kind = kind;
	key->first = period_instant_from_datum(PG_GETARG_DATUM(argno), kind, "first_period_start");
	key->length = *PG_GETARG_INTERVAL_P(argno + 1);
	key->periods = PG_GETARG_INT32(argno + 2);
	period_check_count(key->periods, MRR_MAX_PERIODS);
}

/*
 * The boundaries of a series in this session, computed once and cached: every group of an
 * aggregate over one series uses the same ones. A timestamptz series depends on the
 * TimeZone setting (calendar arithmetic in the session time zone), and a date series reports
 * its boundaries through it, so the time zone is part of the cache key. The result stays
 * valid until BOUNDS_CACHE_SIZE other series have been used; callers copy what they keep.
 */
const MrrSeriesBounds *
MrrSeriesGetBounds(const MrrSeriesKey *key)
{
	BoundsCacheEntry *e;
	int64	   *bounds;
	int			i;

	for (i = 0; i < BOUNDS_CACHE_SIZE; i++)
	{
		e = &bounds_cache[i];
		if (e->valid && e->timezone == session_timezone && SeriesSameParameters(&e->b.key, key))
			return &e->b;
	}

	/* Computed in the caller's context first: an error must not leave a half-made entry. */
	bounds = (int64 *) palloc(sizeof(int64) * (key->periods + 1));
	period_bounds(key->first, &key->length, key->periods, key->kind, bounds);

	if (bounds_context == NULL)
		bounds_context = AllocSetContextCreate(TopMemoryContext, "csmetrics series bounds",
											   ALLOCSET_SMALL_SIZES);
	e = &bounds_cache[bounds_cache_next];
	bounds_cache_next = (bounds_cache_next + 1) % BOUNDS_CACHE_SIZE;
	if (e->valid)
	{
		pfree(e->b.bounds);
		pfree(e->b.reported);
		e->valid = false;
	}
	e->b.key = *key;
	e->b.key.bounds_hash = MrrBoundsHash(bounds, key->periods + 1);
	e->b.bounds = (int64 *) MemoryContextAlloc(bounds_context, sizeof(int64) * (key->periods + 1));
	e->b.reported = (TimestampTz *) MemoryContextAlloc(bounds_context,
													   sizeof(TimestampTz) * (key->periods + 1));
	memcpy(e->b.bounds, bounds, sizeof(int64) * (key->periods + 1));
	for (i = 0; i <= key->periods; i++)
		e->b.reported[i] = period_instant_to_timestamptz(bounds[i], key->kind);
	e->timezone = session_timezone;
	e->valid = true;
	pfree(bounds);
	return &e->b;
}

/* Errors unless two values (what: "MRR paths", ...) were computed over the same series. */
void
MrrSeriesCheckSame(const MrrSeriesKey *a, const MrrSeriesKey *b, const char *what)
{
	if (!SeriesSameParameters(a, b))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine %s of series %s and %s", what, SeriesText(a), SeriesText(b)),
				 errdetail("Every path and summary aggregated together must follow the same first_period_start, period_length and periods.")));
	if (a->bounds_hash != b->bounds_hash)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine %s of series %s computed in different time zones",
						what, SeriesText(a)),
				 errdetail("The period boundaries differ; compute them with the same TimeZone setting.")));
}

/*
 * The boundaries of a stored value's series in this session; an error when they are not the
 * ones the value was computed with (a timestamptz series in another time zone).
 */
const MrrSeriesBounds *
MrrSeriesInSession(const MrrSeriesKey *key, const char *what)
{
	const MrrSeriesBounds *b = MrrSeriesGetBounds(key);

	if (b->key.bounds_hash != key->bounds_hash)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s of series %s was computed in another time zone", what, SeriesText(key)),
				 errdetail("Its period boundaries differ from those of this session's TimeZone, %s.",
						   pg_get_timezone_name(session_timezone)),
				 errhint("Set TimeZone to the zone the value was computed in.")));
	return b;
}

/* Errors unless a row's series arguments are those of the group's earlier rows. */
void
MrrSeriesCheckRow(const MrrSeriesKey *state, const MrrSeriesKey *row)
{
	if (!SeriesSameParameters(state, row))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("series %s differs from series %s of the same group",
						SeriesText(row), SeriesText(state)),
				 errdetail("first_period_start, period_length and periods must be the same on every row of a group.")));
}

/*
 * Checks the boundaries stored in a value against its series: finite, ascending, starting at
 * the first period and giving the series' hash.
 */
void
MrrCheckBounds(CsmInput *in, const MrrSeriesKey *key, const int64 *bounds)
{
	int			k;

	for (k = 0; k <= key->periods; k++)
		if (!IS_VALID_TIMESTAMP(bounds[k]) || (k > 0 && bounds[k] <= bounds[k - 1]))
			csm_input_error(in, "Period bound %d is not finite or not after the previous one.", k);
	if (bounds[0] != key->first || MrrBoundsHash(bounds, key->periods + 1) != key->bounds_hash)
		csm_input_error(in, "The period bounds are not those of the series (first or hash differ).");
}

/* Validates a series read from outside. */
static void
SeriesValidate(CsmInput *in, const MrrSeriesKey *key)
{
	if (key->kind != INSTANT_DATE && key->kind != INSTANT_TIMESTAMPTZ)
		csm_input_error(in, "Instant kind %d is unknown (1 is timestamptz, 2 is date).", key->kind);
	if (key->periods < 1 || key->periods > MRR_MAX_PERIODS)
		csm_input_error(in, "A series has 1 to %d periods, not %d.", MRR_MAX_PERIODS, key->periods);
	if (!IS_VALID_TIMESTAMP(key->first))
		csm_input_error(in, "The first period must start at a finite instant.");
}

/*
 * Appends the version and the series of a value:
 * v<version> kind=<date|timestamptz> first=<instant> length={<months>,<days>,<usecs>}
 * periods=<P> hash=<h>, instants in state units (microseconds) and the hash as a signed
 * bigint, so that the text reads back exactly in any time zone.
 */
void
MrrAppendHeader(StringInfo buf, int32 version, const MrrSeriesKey *key)
{
	appendStringInfo(buf, "v%d kind=%s first=" INT64_FORMAT " length={%d,%d," INT64_FORMAT "} periods=%d hash=" INT64_FORMAT,
					 version, period_kind_name(key->kind), key->first, key->length.month,
					 key->length.day, key->length.time, key->periods, (int64) key->bounds_hash);
}

/* Reads what MrrAppendHeader wrote and validates the series. */
void
MrrReadHeader(CsmInput *in, MrrSeriesKey *key)
{
	memset(key, 0, sizeof(MrrSeriesKey));
	csm_text_expect(in, "v");
	csm_check_version(in, csm_text_int64(in, "version", PG_INT64_MIN, PG_INT64_MAX),
					  MRR_PATH_FORMAT_VERSION, MRR_PATH_FORMAT_VERSION);
	csm_text_expect(in, " kind=");
	if (csm_text_skip(in, "date"))
		key->kind = INSTANT_DATE;
	else if (csm_text_skip(in, "timestamptz"))
		key->kind = INSTANT_TIMESTAMPTZ;
	else
		csm_input_error(in, "Expected the kind date or timestamptz at character %d.",
						csm_text_position(in));
	csm_text_expect(in, " first=");
	key->first = csm_text_int64(in, "first period start", PG_INT64_MIN, PG_INT64_MAX);
	csm_text_expect(in, " length={");
	key->length.month = (int32) csm_text_int64(in, "months", PG_INT32_MIN, PG_INT32_MAX);
	csm_text_expect(in, ",");
	key->length.day = (int32) csm_text_int64(in, "days", PG_INT32_MIN, PG_INT32_MAX);
	csm_text_expect(in, ",");
	key->length.time = csm_text_int64(in, "microseconds", PG_INT64_MIN, PG_INT64_MAX);
	csm_text_expect(in, "} periods=");
	key->periods = (int32) csm_text_int64(in, "number of periods", 1, MRR_MAX_PERIODS);
	csm_text_expect(in, " hash=");
	key->bounds_hash = (uint64) csm_text_int64(in, "hash", PG_INT64_MIN, PG_INT64_MAX);
	SeriesValidate(in, key);
}

/* Appends " name={v1,...,vn}". */
void
MrrAppendInt64List(StringInfo buf, const char *name, const int64 *values, int n)
{
	appendStringInfo(buf, " %s={", name);
	csm_append_int64_list(buf, values, n);
	appendStringInfoChar(buf, '}');
}

/* Appends " name={v1,...,vn}" of int128 values. */
void
MrrAppendInt128List(StringInfo buf, const char *name, const int128 *values, int n)
{
	int			i;

	appendStringInfo(buf, " %s={", name);
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(buf, ',');
		DecimalAppendText(buf, values[i], 0, 0);
	}
	appendStringInfoChar(buf, '}');
}

/*
 * Consumes " name={v1,...}": integers in min..max, at most max_n of them, exactly max_n when
 * exact. Returns them in a new array and their number in *n.
 */
int128 *
MrrReadList(CsmInput *in, const char *name, int max_n, bool exact, int128 min, int128 max, int *n)
{
	int			room = exact ? Max(max_n, 1) : Min(Max(max_n, 1), 64);
	int128	   *values = (int128 *) palloc(sizeof(int128) * room);

	*n = 0;
	csm_text_expect(in, " ");
	csm_text_expect(in, name);
	csm_text_expect(in, "={");
	if (!csm_text_skip(in, "}"))
	{
		do
		{
			if (*n == max_n)
				csm_input_error(in, "The list %s has more than %d values (character %d).",
								name, max_n, csm_text_position(in));
			if (*n == room)
			{
				room = Min(2 * room, max_n);
				values = (int128 *) repalloc(values, sizeof(int128) * room);
			}
			values[(*n)++] = csm_text_int128(in, name, min, max);
		} while (csm_text_skip(in, ","));
		csm_text_expect(in, "}");
	}
	if (exact && *n != max_n)
		csm_input_error(in, "The list %s has %d values where %d are expected.", name, *n, max_n);
	return values;
}

/* Binary form of the version and series: version, first, months, days, time, periods, kind, hash. */
void
MrrSendHeader(StringInfo buf, int32 version, const MrrSeriesKey *key)
{
	pq_sendint32(buf, version);
	pq_sendint64(buf, key->first);
	pq_sendint32(buf, key->length.month);
	pq_sendint32(buf, key->length.day);
	pq_sendint64(buf, key->length.time);
	pq_sendint32(buf, key->periods);
	pq_sendint32(buf, key->kind);
	pq_sendint64(buf, (int64) key->bounds_hash);
}

/* Reads what MrrSendHeader wrote and validates the series. */
void
MrrRecvHeader(CsmInput *in, MrrSeriesKey *key)
{
	memset(key, 0, sizeof(MrrSeriesKey));
	csm_check_version(in, csm_recv_int(in, 4, "version"), MRR_PATH_FORMAT_VERSION,
					  MRR_PATH_FORMAT_VERSION);
	key->first = csm_recv_int(in, 8, "first period start");
	key->length.month = (int32) csm_recv_int(in, 4, "period length");
	key->length.day = (int32) csm_recv_int(in, 4, "period length");
	key->length.time = csm_recv_int(in, 8, "period length");
	key->periods = (int32) csm_recv_int(in, 4, "number of periods");
	key->kind = (int32) csm_recv_int(in, 4, "instant kind");
	key->bounds_hash = (uint64) csm_recv_int(in, 8, "hash");
	SeriesValidate(in, key);
}

/* ---------------------------------------------------------------------------------------
 * Amounts
 * --------------------------------------------------------------------------------------- */

/* Errors: an exact sum of MRR amounts (what names it) does not fit. */
void
MrrSumOverflow(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s sum is out of range", what),
			 errdetail("Sums are exact up to 1.7e38 / 10^(fraction digits).")));
}

/* v at to_scale (>= from_scale), or an overflow error naming what. */
int128
MrrScaleAmount(int128 v, int from_scale, int to_scale, const char *what)
{
	int128		result;

	if (!DecimalScaleUp(v, to_scale - from_scale, &result))
		MrrSumOverflow(what);
	return result;
}

/*
 * v / 10^scale as numeric showing dscale fraction digits, or more if v needs them (a value
 * read from outside may). Trailing zero digits beyond dscale are dropped first.
 */
Datum
MrrAmountNumeric(int128 v, int scale, int dscale)
{
	while (scale > dscale && v % 10 == 0)
	{
		v /= 10;
		scale--;
	}
	return DecimalToNumeric(v, scale, Max(scale, dscale));
}

/*
 * Sets up a set-returning function (fname) to return its rows in a tuplestore, the way
 * FROM-clause functions are read anyway, and returns the store. tupdesc describes the rows.
 */
Tuplestorestate *
MrrMaterialize(FunctionCallInfo fcinfo, TupleDesc tupdesc, const char *fname)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext old;
	Tuplestorestate *store;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) || !(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s must be called in a context that accepts a set", fname)));
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	store = tuplestore_begin_heap((rsinfo->allowedModes & SFRM_Materialize_Random) != 0, false,
								  work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	/* the executor frees the descriptor it is given, so it gets a copy */
	rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
	MemoryContextSwitchTo(old);
	return store;
}
