/*
 * period.c
 *		Instants and calendar periods for the customer-flow family: reading date and
 *		timestamptz arguments, the boundaries of a series of calendar periods, and finding
 *		the period an instant falls in.
 *
 * An instant is an int64 count of microseconds: a timestamptz as it is, a date as the local
 * timestamp of its midnight (what date + interval yields), so dates and timestamps share
 * one arithmetic and one comparison.
 */
#include "csmetrics.h"
#include "period.h"

#include "datatype/timestamp.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/timestamp.h"

/* Name of an InstantKind, as written in the text forms. */
const char *
period_kind_name(int kind)
{
	return kind == INSTANT_DATE ? "date" : "timestamptz";
}

/* Text of a date or timestamptz argument, for error messages. */
char *
period_datum_text(Datum value, InstantKind kind)
{
	if (kind == INSTANT_DATE)
		return DatumGetCString(DirectFunctionCall1(date_out, value));
	return DatumGetCString(DirectFunctionCall1(timestamptz_out, value));
}

/* Text of an instant in state units (microseconds), for error messages. */
char *
period_instant_text(int64 instant, InstantKind kind)
{
	/* a date series bound at midnight reads best as the date itself */
	if (kind == INSTANT_DATE && instant % USECS_PER_DAY == 0)
		return DatumGetCString(DirectFunctionCall1(date_out,
												   DateADTGetDatum((DateADT) (instant / USECS_PER_DAY))));
	if (kind == INSTANT_DATE)
		return DatumGetCString(DirectFunctionCall1(timestamp_out, TimestampGetDatum(instant)));
	return DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(instant)));
}

/* An instant reported as timestamptz: a date's local midnight goes through the time zone. */
TimestampTz
period_instant_to_timestamptz(int64 instant, int kind)
{
	if (kind == INSTANT_DATE)
		return DatumGetTimestampTz(DirectFunctionCall1(timestamp_timestamptz,
													   TimestampGetDatum(instant)));
	return (TimestampTz) instant;
}

/* A date or timestamptz argument in state units; infinite values are an error. */
int64
period_instant_from_datum(Datum value, InstantKind kind, const char *what)
{
	int64		instant;
	bool		finite;

	if (kind == INSTANT_DATE)
	{
		DateADT		d = DatumGetDateADT(value);

		finite = !DATE_NOT_FINITE(d);
		/* far dates overflow int64 microseconds; those beyond timestamp's range are errors */
		if (finite && (pg_mul_s64_overflow((int64) d, USECS_PER_DAY, &instant) ||
					   !IS_VALID_TIMESTAMP(instant)))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("%s %s is out of range", what, period_datum_text(value, kind)),
					 errdetail("Dates must lie within the range of timestamp.")));
	}
	else
	{
		instant = DatumGetTimestampTz(value);
		finite = !TIMESTAMP_NOT_FINITE(instant);
	}
	if (!finite)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s %s is not a finite instant", what, period_datum_text(value, kind)),
				 errdetail("Spans and periods take finite dates or timestamps; an open span has ended_at NULL.")));
	return instant;
}

/* Errors unless a series has 1 to max_periods periods. */
void
period_check_count(int64 periods, int max_periods)
{
	if (periods < 1 || periods > max_periods)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("periods %lld is out of range", (long long) periods),
				 errdetail("A series has 1 to %d periods.", max_periods)));
}

/* Errors unless the period [start, end) is non-empty. */
void
period_check(int64 start, int64 end, InstantKind kind)
{
	if (end <= start)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("period_end %s is not after period_start %s",
						period_instant_text(end, kind), period_instant_text(start, kind)),
				 errdetail("A period [period_start, period_end) must not be empty.")));
}

/* Text of an interval, for error messages. */
char *
period_interval_text(const Interval *iv)
{
	return DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv)));
}

/* Errors: the start of period k (counted from 0) falls outside the range of timestamps. */
static void
PeriodOutOfRange(int k, const Interval *length)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("start of period %d with period_length %s is out of range", k + 1, period_interval_text(length)),
			 errdetail("The series reaches beyond the range of timestamps.")));
}

/*
 * Start of period k: first + k × length, computed the way timestamptz + interval (or, for a
 * date series, timestamp + interval) is: months first, clamping to the month's last day, then
 * days, then time. Multiplying the interval instead of adding it k times keeps month ends
 * from drifting (Jan 31 + 2 months is Mar 31, not Mar 29).
 */
static int64
PeriodBoundary(int64 first, const Interval *length, int k, InstantKind kind)
{
	MemoryContext cxt = CurrentMemoryContext;
	Interval	step;
	int64		result = 0;

	if (pg_mul_s32_overflow(length->month, k, &step.month) ||
		pg_mul_s32_overflow(length->day, k, &step.day) ||
		pg_mul_s64_overflow(length->time, (int64) k, &step.time))
		PeriodOutOfRange(k, length);
	/* PostgreSQL's own addition; its bare "timestamp out of range" becomes our message */
	PG_TRY();
	{
		if (kind == INSTANT_DATE)
			result = DatumGetTimestamp(DirectFunctionCall2(timestamp_pl_interval,
														   TimestampGetDatum(first),
														   IntervalPGetDatum(&step)));
		else
			result = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
															 TimestampTzGetDatum(first),
															 IntervalPGetDatum(&step)));
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_DATETIME_VALUE_OUT_OF_RANGE)
			PG_RE_THROW();
		FlushErrorState();
		PeriodOutOfRange(k, length);
	}
	PG_END_TRY();
	return result;
}

/* Number of boundaries at or before x (0..n): binary search over ascending bounds. */
int
period_locate_search(const int64 *bounds, int n, int64 x)
{
	int			lo = 0,
				hi = n;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (bounds[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Computes the P + 1 boundaries of a series and checks that they strictly increase. */
void
period_bounds(int64 first, const Interval *length, int periods, InstantKind kind, int64 *bounds)
{
	int			k;

	bounds[0] = first;
	for (k = 1; k <= periods; k++)
	{
		bounds[k] = PeriodBoundary(first, length, k, kind);
		if (!IS_VALID_TIMESTAMP(bounds[k]))
			PeriodOutOfRange(k, length);
		if (bounds[k] <= bounds[k - 1])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("period_length %s is not positive", period_interval_text(length)),
					 errdetail("Period %d would start at %s, not after the previous start %s.",
							   k + 1, period_instant_text(bounds[k], kind),
							   period_instant_text(bounds[k - 1], kind))));
	}
}

