/*
 * flow_series.c
 *		customer_flows(): the customer flow of every period of a series in one pass
 *		over the spans; kpi_subscription_flows(), the same from subscriptions that it
 *		merges into spans itself (the KPI views' flows).
 *
 * Its transition state customer_flows_state is a varlena holding the boundaries of the whole
 * series of periods and per-period counts, a real SQL type so that Citus and parallel query
 * can ship it. The span, count and text-form helpers it shares with the one-period
 * aggregates are in flow.c (flow.h); period arithmetic is in period.c.
 */
#include "csmetrics.h"
#include "flow.h"
#include "period.h"
#include "survival.h"

#include "common/hashfn.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/sortsupport.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

/* Upper bound on the periods of one customer_flows() series (keeps the state < 400 kB). */
#define FLOW_MAX_PERIODS 10000

/*
 * Transition state of customer_flows() (SQL type customer_flows_state, a varlena).
 * data[] holds, in order: bounds[periods + 1] (period k is [bounds[k], bounds[k+1])),
 * new[periods], lost[periods], lost_new[periods]. Customers at the start of period k+1 are
 * those at the start of period k plus new minus lost minus lost new (see FlowCountsEnd), so
 * only the start count of the first period is kept: every other start and end follows.
 */
typedef struct FlowSeriesState
{
	int32		vl_len_;		/* varlena header */
	int32		version;		/* FLOW_FORMAT_VERSION */
	int32		kind;			/* InstantKind of the bounds */
	int32		periods;		/* number of periods, 1..FLOW_MAX_PERIODS */
	Interval	period_length;	/* the period_length argument, to check every row */
	int64		inputs;			/* spans aggregated; 0 = empty */
	int64		customers_start;	/* customers at the start of the first period */
	int64		data[FLEXIBLE_ARRAY_MEMBER];	/* bounds, new, lost, lost_new */
} FlowSeriesState;

#define SeriesSize(periods)		(offsetof(FlowSeriesState, data) + sizeof(int64) * (4 * (Size) (periods) + 1))
#define SeriesBounds(s)			((s)->data)
#define SeriesNew(s)			((s)->data + (s)->periods + 1)
#define SeriesLost(s)			((s)->data + 2 * (s)->periods + 1)
#define SeriesLostNew(s)		((s)->data + 3 * (s)->periods + 1)

PG_FUNCTION_INFO_V1(customer_flows_state_in);
PG_FUNCTION_INFO_V1(customer_flows_state_out);
PG_FUNCTION_INFO_V1(customer_flows_state_recv);
PG_FUNCTION_INFO_V1(customer_flows_state_send);
PG_FUNCTION_INFO_V1(customer_flows_trans);
PG_FUNCTION_INFO_V1(customer_flows_inv);
PG_FUNCTION_INFO_V1(customer_flows_trans_date);
PG_FUNCTION_INFO_V1(customer_flows_inv_date);
PG_FUNCTION_INFO_V1(customer_flows_combine);
PG_FUNCTION_INFO_V1(customer_flows_final);

/* ---------------------------------------------------------------------------------------
 * customer_flows_state: a whole series of periods
 * --------------------------------------------------------------------------------------- */

/* A zeroed series state of the given size, in context cxt. */
static FlowSeriesState *
SeriesAlloc(MemoryContext cxt, int periods)
{
	FlowSeriesState *s = (FlowSeriesState *) MemoryContextAllocZero(cxt, SeriesSize(periods));

	SET_VARSIZE(s, SeriesSize(periods));
	s->version = FLOW_FORMAT_VERSION;
	s->periods = periods;
	return s;
}

/* A new series state: checks the parameters and computes every period boundary once. */
static FlowSeriesState *
SeriesCreate(InstantKind kind, int64 first, const Interval *length, int32 periods)
{
	FlowSeriesState *s;

	/* per-call context: the executor copies a new state into the aggregate context once */
	period_check_count(periods, FLOW_MAX_PERIODS);
	s = SeriesAlloc(CurrentMemoryContext, periods);
	s->kind = kind;
	s->period_length = *length;
	period_bounds(first, length, periods, kind, SeriesBounds(s));
	return s;
}

/* Errors unless the row's series parameters are the state's. */
static void
SeriesCheckParameters(const FlowSeriesState *s, int64 first, const Interval *length,
					  int32 periods)
{
	if (SeriesBounds(s)[0] != first || s->periods != periods ||
		s->period_length.month != length->month || s->period_length.day != length->day ||
		s->period_length.time != length->time)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("series (%s, %s, %d periods) differs from series (%s, %s, %d periods) of the same group",
						period_instant_text(first, s->kind), period_interval_text(length), periods,
						period_instant_text(SeriesBounds(s)[0], s->kind),
						period_interval_text(&s->period_length), s->periods),
				 errdetail("first_period_start, period_length and periods must be the same on every row of a group.")));
}

/*
 * Adds (sign 1) or removes (sign -1) one span to every period of the series, in O(log P).
 * With a(x) = number of boundaries ≤ x, the span is new in period a(start) − 1, present at
 * the start of the first period when a(start) = 0 < a(end), lost in period a(end) − 1 when
 * it started before that period, and lost new when a(start) = a(end). Starts of later
 * periods follow from the identity, so nothing else changes.
 */
static void
SeriesAddSpan(FlowSeriesState *s, int64 start, int64 end, bool open, int sign)
{
	int			P = s->periods;
	const int64 *bounds = SeriesBounds(s);
	int			as,
				ae;

	FlowCountAdd(&s->inputs, sign, 1);
	if (start >= bounds[P] || (!open && end < bounds[0]))
		return;					/* entirely after or before the series */
	as = period_locate(bounds, P, start);
	ae = open ? P + 1 : period_locate(bounds, P, end);

	if (as == 0)
	{
		/* here ae >= 1 since end >= bounds[0] */
		FlowCountAdd(&s->customers_start, sign, 1);
		if (ae <= P)
			FlowCountAdd(&SeriesLost(s)[ae - 1], sign, 1);
		return;
	}
	FlowCountAdd(&SeriesNew(s)[as - 1], sign, 1);	/* as <= P since start < bounds[P] */
	if (ae == as)
		FlowCountAdd(&SeriesLostNew(s)[as - 1], sign, 1);
	else if (ae <= P)
		FlowCountAdd(&SeriesLost(s)[ae - 1], sign, 1);
}

/* Detoasted copy-free view of a series state argument that may come from a table. */
static FlowSeriesState *
SeriesArg(FunctionCallInfo fcinfo, int argno)
{
	return (FlowSeriesState *) PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
}

/*
 * What makes a series state inconsistent (bounds not finite and ascending, counts of a
 * period that do not fit, more spans counted than aggregated), or NULL.
 */
static const char *
SeriesProblem(const FlowSeriesState *s)
{
	const int64 *bounds = SeriesBounds(s);
	FlowCounts	c;
	int64		counted;
	int			k;

	if (s->inputs < 0 || s->customers_start < 0)
		return "Counts must be non-negative.";
	for (k = 0; k <= s->periods; k++)
		if (!IS_VALID_TIMESTAMP(bounds[k]) || (k > 0 && bounds[k] <= bounds[k - 1]))
			return "Period bounds must be finite and ascending.";
	counted = s->customers_start;
	c.customers_start = s->customers_start;
	for (k = 0; k < s->periods; k++)
	{
		c.new_customers = SeriesNew(s)[k];
		c.lost_customers = SeriesLost(s)[k];
		c.lost_new_customers = SeriesLostNew(s)[k];
		if (!FlowCountsValid(&c) || FlowCountsEnd(&c) < 0)
			return psprintf("Counts of period %d are inconsistent.", k + 1);
		counted = csm_add_count(counted, c.new_customers);
		c.customers_start = FlowCountsEnd(&c);
	}
	if (counted > s->inputs)
		return "More customers are counted than spans were aggregated.";
	return NULL;
}

/*
 * Transition of customer_flows (and its inverse): (state, started_at, ended_at,
 * first_period_start, period_length, periods).
 */
static Datum
SeriesTransition(FunctionCallInfo fcinfo, InstantKind kind, int sign)
{
	FlowSeriesState *s = NULL;
	int64		start,
				end,
				first;
	bool		open;
	Interval   *length;
	int32		periods;

	if (!PG_ARGISNULL(0))
		s = (FlowSeriesState *) csm_state_for_update(fcinfo, -1);

	/* As for customer_flow: the state exists from the first row on, skipped or not. */
	FlowRequireArg(fcinfo, 3, "first_period_start");
	FlowRequireArg(fcinfo, 4, "period_length");
	FlowRequireArg(fcinfo, 5, "periods");
	first = period_instant_from_datum(PG_GETARG_DATUM(3), kind, "first_period_start");
	length = PG_GETARG_INTERVAL_P(4);
	periods = PG_GETARG_INT32(5);
	if (s == NULL)
		s = SeriesCreate(kind, first, length, periods);
	else
	{
		FlowCheckStateKind(s->kind, kind);
		SeriesCheckParameters(s, first, length, periods);
	}

	/* NULL started_at: skipped, like any NULL aggregate input */
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	FlowReadSpan(fcinfo, kind, &start, &end, &open);
	SeriesAddSpan(s, start, end, open, sign);
	/* a window frame only removes what it added; a direct call may try anything */
	if (sign < 0 && !csm_in_aggregate(fcinfo))
	{
		const char *problem = SeriesProblem(s);

		if (problem)
			csm_nothing_to_remove("What was removed had not been added: %s", problem);
	}
	PG_RETURN_POINTER(s);
}

/* Transition of customer_flows over timestamptz spans. */
Datum
customer_flows_trans(PG_FUNCTION_ARGS)
{
	return SeriesTransition(fcinfo, INSTANT_TIMESTAMPTZ, 1);
}

/* Inverse transition of customer_flows over timestamptz spans. */
Datum
customer_flows_inv(PG_FUNCTION_ARGS)
{
	return SeriesTransition(fcinfo, INSTANT_TIMESTAMPTZ, -1);
}

/* Transition of customer_flows over date spans. */
Datum
customer_flows_trans_date(PG_FUNCTION_ARGS)
{
	return SeriesTransition(fcinfo, INSTANT_DATE, 1);
}

/* Inverse transition of customer_flows over date spans. */
Datum
customer_flows_inv_date(PG_FUNCTION_ARGS)
{
	return SeriesTransition(fcinfo, INSTANT_DATE, -1);
}

/* Combine two series states with the same parameters. Never modifies the second. */
Datum
customer_flows_combine(PG_FUNCTION_ARGS)
{
	FlowSeriesState *a = PG_ARGISNULL(0) ? NULL : (FlowSeriesState *) PG_GETARG_POINTER(0);
	FlowSeriesState *b;
	int			i,
				n;

	if (PG_ARGISNULL(1))
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	b = SeriesArg(fcinfo, 1);
	/* the executor keeps its own copy of a state it did not have */
	if (a == NULL)
		PG_RETURN_POINTER(b);
	a = (FlowSeriesState *) csm_state_for_update(fcinfo, -1);
	FlowCheckStateKind(b->kind, a->kind);
	SeriesCheckParameters(a, SeriesBounds(b)[0], &b->period_length, b->periods);
	if (memcmp(SeriesBounds(a), SeriesBounds(b), sizeof(int64) * (a->periods + 1)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine customer_flows states with different period boundaries"),
				 errdetail("The states were computed in different time zones.")));
	FlowCountAdd(&a->inputs, 1, b->inputs);
	FlowCountAdd(&a->customers_start, 1, b->customers_start);
	n = 3 * a->periods;
	for (i = 0; i < n; i++)
		FlowCountAdd(&SeriesNew(a)[i], 1, SeriesNew(b)[i]);
	PG_RETURN_POINTER(a);
}

/* One customer_flow per period of a series state from period from on, in order, as an array. */
static ArrayType *
SeriesArray(const CsmRowArrayType *info, const FlowSeriesState *s, int from)
{
	Datum	   *rows;
	FlowCounts	c;
	int			k;

	rows = (Datum *) palloc(sizeof(Datum) * (s->periods - from));
	c.customers_start = s->customers_start;
	for (k = 0; k < s->periods; k++)
	{
		c.new_customers = SeriesNew(s)[k];
		c.lost_customers = SeriesLost(s)[k];
		c.lost_new_customers = SeriesLostNew(s)[k];
		if (k >= from)
			rows[k - from] = FlowComposite(info->tupdesc,
										   period_instant_to_timestamptz(SeriesBounds(s)[k], s->kind),
										   period_instant_to_timestamptz(SeriesBounds(s)[k + 1], s->kind), &c);
		c.customers_start = FlowCountsEnd(&c);
	}
	return csm_row_array(info, rows, s->periods - from);
}

/* The result of a final function returning customer_flow[]: one row per period of s. */
static Datum
SeriesResult(FunctionCallInfo fcinfo, const FlowSeriesState *s)
{
	PG_RETURN_ARRAYTYPE_P(SeriesArray(csm_result_row_type(fcinfo, FLOW_NATTS), s, 0));
}

/* Final function of customer_flows: one customer_flow per period, in order. */
Datum
customer_flows_final(PG_FUNCTION_ARGS)
{
	FlowSeriesState *s = SeriesArg(fcinfo, 0);

	if (s->inputs == 0)
		PG_RETURN_NULL();
	return SeriesResult(fcinfo, s);
}

/* ---------------------------------------------------------------------------------------
 * kpi_subscription_flows: the flows of a whole series straight from subscriptions
 *
 * customer_flows() needs spans: each customer's subscriptions merged where they overlap or
 * touch, which SQL computes by sorting the subscriptions per customer, two window passes and
 * a GROUP BY. This aggregate takes the subscriptions in any order, keeps them in its
 * memory, sorts them once by customer and start, merges each customer's into spans and adds
 * the spans to a series state. It also finds the series itself: from the period of the first
 * start to that of the last start or end, but not past the period of today.
 *
 * Its state is internal (a sorted list cannot be summed from parts cheaply), so it has no
 * combine function: parallel workers may scan, the leader aggregates. The views use it on a
 * single server only; under Citus they keep the spans, which are summed in the shards. The
 * final function sorts the rows in place, which leaves what the state holds unchanged: a
 * window frame may add rows and call it again.
 * --------------------------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(kpi_subscription_flows_trans);
PG_FUNCTION_INFO_V1(kpi_subscription_flows_final);

/* One subscription, as the aggregate keeps it. */
typedef struct SubscriptionRow
{
	Datum		customer;		/* copied into the aggregate context when by reference */
	TimestampTz started_at;
	TimestampTz ended_at;		/* meaningless when open */
	DateADT		started_on;		/* local dates of started_at and ended_at */
	DateADT		ended_on;
	bool		customer_null;
	bool		open;			/* ended_at is NULL */
	int32		segment;		/* kpi_subscription_lifetimes: the segment's number, -1 for none */
	Datum		mrr;			/* kpi_subscription_lifetimes: numeric, 0 when NULL */
} SubscriptionRow;

/* The calendar grains of the KPI views. */
typedef enum ViewGrain
{
	GRAIN_DAY,
	GRAIN_WEEK,
	GRAIN_MONTH,
	GRAIN_QUARTER
} ViewGrain;

typedef struct SubscriptionFlowsState
{
	const char *name;			/* the aggregate's, for messages */
	MemoryContext cxt;			/* the aggregate context: rows and copied customers */
	SortSupportData customer_order; /* the customer type's default ordering */
	Oid			customer_type;
	int16		customer_len;
	bool		customer_byval;
	ViewGrain	grain;
	const char *grain_name;		/* as given, for the per-row check */
	DateADT		today;
	DateADT		last_change;	/* latest started_on or ended_on */
	SubscriptionRow *rows;
	int64		n;
	int64		allocated;
} SubscriptionFlowsState;

/* The grain of a name; any other name is an error naming it. */
static ViewGrain
GrainFromText(const char *name)
{
	if (strcmp(name, "day") == 0)
		return GRAIN_DAY;
	if (strcmp(name, "week") == 0)
		return GRAIN_WEEK;
	if (strcmp(name, "month") == 0)
		return GRAIN_MONTH;
	if (strcmp(name, "quarter") == 0)
		return GRAIN_QUARTER;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("grain \"%s\" is not supported", name),
			 errhint("Use day, week, month or quarter.")));
	return GRAIN_DAY;			/* keep the compiler quiet */
}

/* Errors when a parameter argument of kpi_subscription_flows is NULL. */
static void
SubscriptionRequireArg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", what)));
}

/*
 * A new state of size bytes (a SubscriptionFlowsState first) in the aggregate context,
 * ordering customers as the input's type and collation do; grain_name and today are the
 * series' parameters.
 */
static SubscriptionFlowsState *
SubscriptionStateCreate(FunctionCallInfo fcinfo, MemoryContext cxt, Size size, const char *name,
						const char *grain_name, DateADT today)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	SubscriptionFlowsState *st = (SubscriptionFlowsState *) palloc0(size);

	csm_argument_order(fcinfo, 1, cxt, "customer ids", &st->customer_order, &st->customer_len,
					   &st->customer_byval);
	st->name = name;
	st->cxt = cxt;
	st->customer_type = get_fn_expr_argtype(fcinfo->flinfo, 1);
	st->grain_name = pstrdup(grain_name);
	st->grain = GrainFromText(st->grain_name);
	st->today = today;
	if (DATE_NOT_FINITE(st->today))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("today %s is not a finite date",
						period_datum_text(DateADTGetDatum(st->today), INSTANT_DATE))));
	st->last_change = DATEVAL_NOBEGIN;
	st->allocated = 1024;
	st->rows = (SubscriptionRow *) palloc(sizeof(SubscriptionRow) * st->allocated);
	MemoryContextSwitchTo(old);
	return st;
}

/* Errors unless the row's grain and today are the state's. */
static void
SubscriptionCheckParameters(FunctionCallInfo fcinfo, const SubscriptionFlowsState *st)
{
	text	   *grain = PG_GETARG_TEXT_PP(6);
	DateADT		today = PG_GETARG_DATEADT(7);

	if (today != st->today ||
		VARSIZE_ANY_EXHDR(grain) != strlen(st->grain_name) ||
		memcmp(VARDATA_ANY(grain), st->grain_name, VARSIZE_ANY_EXHDR(grain)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("series (%s, today %s) differs from series (%s, today %s) of the same group",
						text_to_cstring(grain), period_datum_text(DateADTGetDatum(today), INSTANT_DATE),
						st->grain_name, period_datum_text(DateADTGetDatum(st->today), INSTANT_DATE)),
				 errdetail("The grain and today must be the same on every row of a group.")));
}

/*
 * Keeps the subscription of arguments 1 to 5 (customer_id, started_at, ended_at, started_on,
 * ended_on) and returns its row, or NULL for a row without started_at, which is skipped as
 * customer_flows() skips it; ended_at NULL is a subscription that has not ended.
 */
static SubscriptionRow *
SubscriptionKeep(FunctionCallInfo fcinfo, SubscriptionFlowsState *st)
{
	SubscriptionRow *row;

	if (PG_ARGISNULL(2))
		return NULL;
	if (PG_ARGISNULL(4) || PG_ARGISNULL(3) != PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 PG_ARGISNULL(4) ? errmsg("started_on is NULL where started_at is %s",
										  period_datum_text(PG_GETARG_DATUM(2), INSTANT_TIMESTAMPTZ)) :
				 PG_ARGISNULL(5) ? errmsg("ended_on is NULL where ended_at is %s",
										  period_datum_text(PG_GETARG_DATUM(3), INSTANT_TIMESTAMPTZ)) :
				 errmsg("ended_on %s is given where ended_at is NULL",
						period_datum_text(PG_GETARG_DATUM(5), INSTANT_DATE)),
				 errdetail("started_on and ended_on are the local dates of started_at and ended_at.")));

	if (st->n == st->allocated)
	{
		if (st->allocated > MaxAllocHugeSize / sizeof(SubscriptionRow) / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s cannot keep more than %lld subscriptions", st->name,
							(long long) st->allocated)));
		st->allocated *= 2;
		st->rows = (SubscriptionRow *) repalloc_huge(st->rows, sizeof(SubscriptionRow) * st->allocated);
	}
	row = &st->rows[st->n];
	row->customer_null = PG_ARGISNULL(1);
	row->customer = (Datum) 0;
	if (!row->customer_null)
	{
		Datum		customer = PG_GETARG_DATUM(1);
		MemoryContext old;

		/* a toasted id would be fetched again on every comparison */
		if (st->customer_len == -1)
			customer = PointerGetDatum(PG_DETOAST_DATUM_PACKED(customer));
		old = MemoryContextSwitchTo(st->cxt);
		row->customer = datumCopy(customer, st->customer_byval, st->customer_len);
		MemoryContextSwitchTo(old);
	}
	row->started_at = PG_GETARG_TIMESTAMPTZ(2);
	row->open = PG_ARGISNULL(3);
	row->ended_at = row->open ? 0 : PG_GETARG_TIMESTAMPTZ(3);
	row->started_on = PG_GETARG_DATEADT(4);
	row->ended_on = row->open ? 0 : PG_GETARG_DATEADT(5);
	row->segment = -1;
	row->mrr = (Datum) 0;
	/* finite dates within timestamp's range, as customer_flows() takes them */
	(void) period_instant_from_datum(PG_GETARG_DATUM(4), INSTANT_DATE, "started_on");
	if (!row->open)
		(void) period_instant_from_datum(PG_GETARG_DATUM(5), INSTANT_DATE, "ended_on");
	if (!row->open && row->ended_at < row->started_at)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("ended_at %s is before started_at %s",
						period_instant_text(row->ended_at, INSTANT_TIMESTAMPTZ),
						period_instant_text(row->started_at, INSTANT_TIMESTAMPTZ)),
				 errdetail("A subscription ends at or after its start.")));
	st->last_change = Max(st->last_change, row->started_on);
	if (!row->open)
		st->last_change = Max(st->last_change, row->ended_on);
	st->n++;
	return row;
}

/* Transition: (state, customer_id, started_at, ended_at, started_on, ended_on, grain, today). */
Datum
kpi_subscription_flows_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	SubscriptionFlowsState *st;

	/* SQL cannot pass an internal state: only the aggregate calls this */
	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "kpi_subscription_flows_trans called outside its aggregate");
	SubscriptionRequireArg(fcinfo, 6, "grain");
	SubscriptionRequireArg(fcinfo, 7, "today");
	if (PG_ARGISNULL(0))
		st = SubscriptionStateCreate(fcinfo, cxt, sizeof(SubscriptionFlowsState), "kpi_subscription_flows",
									 text_to_cstring(PG_GETARG_TEXT_PP(6)), PG_GETARG_DATEADT(7));
	else
	{
		st = (SubscriptionFlowsState *) PG_GETARG_POINTER(0);
		SubscriptionCheckParameters(fcinfo, st);
	}
	(void) SubscriptionKeep(fcinfo, st);
	PG_RETURN_POINTER(st);
}

/* Order of the kept rows: customer (NULL last), started_at, ended_at (open last). */
static int
SubscriptionRowCompare(const void *a, const void *b, void *arg)
{
	const SubscriptionRow *x = (const SubscriptionRow *) a;
	const SubscriptionRow *y = (const SubscriptionRow *) b;
	int			c = ApplySortComparator(x->customer, x->customer_null,
										y->customer, y->customer_null, (SortSupport) arg);

	if (c != 0)
		return c;
	if (x->started_at != y->started_at)
		return x->started_at < y->started_at ? -1 : 1;
	if (x->open != y->open)
		return x->open ? 1 : -1;
	if (!x->open && x->ended_at != y->ended_at)
		return x->ended_at < y->ended_at ? -1 : 1;
	return 0;
}

/* One customer's span, as the rows merge into it. */
typedef struct MergedSpan
{
	const SubscriptionRow *first;	/* its first subscription (for the customer) */
	TimestampTz ended_at;		/* its latest end, meaningless when open */
	DateADT		started_on;
	DateADT		ended_on;		/* meaningless when open */
	bool		open;
} MergedSpan;

/*
 * The span that starts at sorted row *next, which moves past its rows. A later subscription
 * of the customer joins the span unless it starts after every earlier one has ended: so
 * overlapping and touching subscriptions merge. The span starts at its first subscription's
 * start and ends with the latest end, or is open when one of them is.
 */
static MergedSpan
NextSpan(SubscriptionFlowsState *st, int64 *next)
{
	const SubscriptionRow *first = &st->rows[*next];
	MergedSpan	span = {first, first->ended_at, first->started_on, first->ended_on, first->open};
	int64		j;

	for (j = *next + 1; j < st->n; j++)
	{
		const SubscriptionRow *r = &st->rows[j];

		if (ApplySortComparator(first->customer, first->customer_null,
								r->customer, r->customer_null, &st->customer_order) != 0 ||
			(!span.open && r->started_at > span.ended_at))
			break;
		if (r->open)
			span.open = true;
		else if (!span.open && r->ended_at > span.ended_at)
		{
			span.ended_at = r->ended_at;
			span.ended_on = r->ended_on;
		}
	}
	*next = j;
	return span;
}

/* The first day of the period of a grain that contains day d (weeks start on Monday). */
static DateADT
GrainStart(ViewGrain grain, DateADT d)
{
	int			year,
				month,
				day;

	switch (grain)
	{
		case GRAIN_DAY:
			return d;
		case GRAIN_WEEK:
			return d - (j2day(d + POSTGRES_EPOCH_JDATE) + 6) % 7;
		case GRAIN_MONTH:
		case GRAIN_QUARTER:
			j2date(d + POSTGRES_EPOCH_JDATE, &year, &month, &day);
			if (grain == GRAIN_QUARTER)
				month = (month - 1) / 3 * 3 + 1;
			return date2j(year, month, 1) - POSTGRES_EPOCH_JDATE;
	}
	return d;					/* keep the compiler quiet */
}

/* Number of periods from the one starting on first to the one starting on last, both included. */
static int64
GrainPeriods(ViewGrain grain, DateADT first, DateADT last)
{
	int			y1,
				m1,
				d1,
				y2,
				m2,
				d2;

	if (grain == GRAIN_DAY)
		return (int64) last - first + 1;
	if (grain == GRAIN_WEEK)
		return ((int64) last - first) / 7 + 1;
	j2date(first + POSTGRES_EPOCH_JDATE, &y1, &m1, &d1);
	j2date(last + POSTGRES_EPOCH_JDATE, &y2, &m2, &d2);
	return ((int64) (y2 - y1) * 12 + m2 - m1) / (grain == GRAIN_QUARTER ? 3 : 1) + 1;
}

/* The length of one period of a grain. */
static Interval
GrainStep(ViewGrain grain)
{
	Interval	step = {0};

	if (grain == GRAIN_DAY)
		step.day = 1;
	else if (grain == GRAIN_WEEK)
		step.day = 7;
	else
		step.month = grain == GRAIN_QUARTER ? 3 : 1;
	return step;
}

/* The customer of a subscription row as text, for an error message. */
static const char *
CustomerText(const SubscriptionFlowsState *st, const SubscriptionRow *row)
{
	Oid			output;
	bool		varlena;

	if (row->customer_null)
		return "NULL";
	getTypeOutputInfo(st->customer_type, &output, &varlena);
	return OidOutputFunctionCall(output, row->customer);
}

/*
 * Sorts the kept subscriptions and finds the series of their spans: from the period of the
 * first span's start to that of the last change, but not past the period of today. Sets
 * *first and *periods and returns true, or returns false when there is no period to show (the
 * first start is after the period of today).
 */
static bool
SubscriptionSeries(SubscriptionFlowsState *st, DateADT *first, int64 *periods)
{
	DateADT		first_on = DATEVAL_NOEND;
	const SubscriptionRow *earliest = NULL;
	DateADT		last;
	int64		next;

	qsort_arg(st->rows, st->n, sizeof(SubscriptionRow), SubscriptionRowCompare, &st->customer_order);
	for (next = 0; next < st->n;)
	{
		MergedSpan	span = NextSpan(st, &next);

		if (span.started_on < first_on)
		{
			first_on = span.started_on;
			earliest = span.first;
		}
	}
	*first = GrainStart(st->grain, first_on);
	last = Min(GrainStart(st->grain, st->last_change), GrainStart(st->grain, st->today));
	if (*first > last)
		return false;
	*periods = GrainPeriods(st->grain, *first, last);
	/* as kpi_period_count() says it for the other views: most often a mistyped year */
	if (*periods > FLOW_MAX_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the %s series from %s to %s has %lld periods, more than %d", st->grain_name,
						period_datum_text(DateADTGetDatum(*first), INSTANT_DATE),
						period_datum_text(DateADTGetDatum(last), INSTANT_DATE), (long long) *periods, FLOW_MAX_PERIODS),
				 errdetail("Its first period is that of the earliest subscription start, %s, of customer %s.",
						   period_datum_text(DateADTGetDatum(first_on), INSTANT_DATE), CustomerText(st, earliest)),
				 errhint("A start far in the past is most often a mistyped year: correct it in the source, or register a view of the source that leaves the row out.")));
	return true;
}

/* A new series state over the series of SubscriptionSeries(). */
static FlowSeriesState *
SubscriptionSeriesState(const SubscriptionFlowsState *st, DateADT first, int64 periods)
{
	Interval	step = GrainStep(st->grain);

	return SeriesCreate(INSTANT_DATE, (int64) first * USECS_PER_DAY, &step, (int32) periods);
}

/* Adds a merged span to a series state. */
static void
SubscriptionAddSpan(const SubscriptionFlowsState *st, FlowSeriesState *s, const MergedSpan *span)
{
	/* a clock turned back over midnight can give a later instant an earlier day */
	if (!span->open && span->ended_on < span->started_on)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("span of customer %s ends on %s, before it starts on %s",
						CustomerText(st, span->first),
						period_datum_text(DateADTGetDatum(span->ended_on), INSTANT_DATE),
						period_datum_text(DateADTGetDatum(span->started_on), INSTANT_DATE)),
				 errdetail("A span ends on or after the day it starts.")));
	SeriesAddSpan(s, (int64) span->started_on * USECS_PER_DAY,
				  (int64) span->ended_on * USECS_PER_DAY, span->open, 1);
}

/*
 * Final function: sorts the subscriptions, merges them into spans, and returns the
 * customer_flow of every period of the series, or NULL when there is no period to show (no
 * subscription, or the first starts after the period of today).
 */
Datum
kpi_subscription_flows_final(PG_FUNCTION_ARGS)
{
	SubscriptionFlowsState *st;
	FlowSeriesState *s;
	DateADT		first = 0;
	int64		periods = 0;
	int64		next;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (SubscriptionFlowsState *) PG_GETARG_POINTER(0);
	if (st->n == 0 || !SubscriptionSeries(st, &first, &periods))
		PG_RETURN_NULL();
	s = SubscriptionSeriesState(st, first, periods);
	for (next = 0; next < st->n;)
	{
		MergedSpan	span = NextSpan(st, &next);

		SubscriptionAddSpan(st, s, &span);
	}
	return SeriesResult(fcinfo, s);
}

/* ---------------------------------------------------------------------------------------
 * kpi_subscription_lifetimes: what the ltv view needs, per segment, in one pass
 *
 * From the same subscriptions and spans as kpi_subscription_flows (monthly), and for every
 * segment and for all customers ('(all)'): the flows of the last 12 months, the customers with a
 * subscription in force at the end of the latest month and what they pay, and the
 * Kaplan–Meier counts of the spans' tenures in whole months. The view would otherwise read
 * the subscriptions twice (spans and ARPA) and sort them for the spans' window passes.
 *
 * A span's tenure is the age, in whole months, from its start to its end, as wall time in the
 * given time zone (age() and AT TIME ZONE themselves are called, so it is the month count SQL
 * gives). A span that lasts past the data end (the end of the latest month), open or with an
 * end to come, is counted as still active there, with its tenure up to it; a span that starts
 * after the data end is not counted.
 * --------------------------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(kpi_subscription_lifetimes_trans);
PG_FUNCTION_INFO_V1(kpi_subscription_lifetimes_final);

/* A segment name: bytes and length (not terminated). */
typedef struct SegmentKey
{
	const char *data;
	int			len;
} SegmentKey;

/* A segment in the hash table: its name and number. */
typedef struct SegmentEntry
{
	SegmentKey	key;
	int32		number;
	char		status;
} SegmentEntry;

#define SH_PREFIX		segment_table
#define SH_ELEMENT_TYPE SegmentEntry
#define SH_KEY_TYPE		SegmentKey
#define SH_KEY			key
#define SH_HASH_KEY(tb, k)	hash_bytes((const unsigned char *) (k).data, (k).len)
#define SH_EQUAL(tb, a, b)	((a).len == (b).len && memcmp((a).data, (b).data, (a).len) == 0)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct SubscriptionLifetimesState
{
	SubscriptionFlowsState base;	/* the rows and the monthly series */
	char	   *zone;			/* the time zone of the tenures, as given */
	segment_table_hash *segments;	/* name -> number */
	SegmentKey *names;			/* by number */
	int32		nsegments;
	int32		allocated;
	int32		last;			/* the last row's segment, tried first */
} SubscriptionLifetimesState;

/* The months of flows a kpi_segment_lifetime gives: those of the mean monthly churn. */
#define LIFETIME_RECENT_MONTHS 12

/* What one segment (or all customers) adds up to. */
typedef struct SegmentLifetime
{
	FlowSeriesState *flows;		/* NULL when there is no period to show */
	SurvivalSummary *survival;	/* grown to the largest tenure seen */
	int64		in_force;		/* customers with a subscription in force at the data end */
	int64		paying;			/* of them, those whose MRR there is above 0 */
	Datum		mrr;			/* the sum of their MRR there (numeric), 0 when none */
} SegmentLifetime;

/* The row type of the result and of its flows, cached in fn_extra. */
typedef struct LifetimeResultInfo
{
	CsmRowArrayType row;		/* kpi_segment_lifetime */
	CsmRowArrayType flow;		/* customer_flow */
} LifetimeResultInfo;

/* The number of a segment, numbering it when new; -1 for NULL (counted in '(all)' only). */
static int32
SegmentNumber(SubscriptionLifetimesState *lt, text *segment)
{
	SegmentKey	key = {VARDATA_ANY(segment), VARSIZE_ANY_EXHDR(segment)};
	SegmentEntry *entry;
	bool		found;

	if (lt->last >= 0 && lt->names[lt->last].len == key.len &&
		memcmp(lt->names[lt->last].data, key.data, key.len) == 0)
		return lt->last;
	entry = segment_table_insert(lt->segments, key, &found);
	if (!found)
	{
		char	   *copy = MemoryContextAlloc(lt->base.cxt, Max(key.len, 1));

		memcpy(copy, key.data, key.len);
		entry->key.data = copy;
		if (lt->nsegments == lt->allocated)
		{
			lt->allocated *= 2;
			lt->names = repalloc(lt->names, sizeof(SegmentKey) * lt->allocated);
		}
		entry->number = lt->nsegments++;
		lt->names[entry->number] = entry->key;
	}
	lt->last = entry->number;
	return entry->number;
}

/*
 * Transition: (state, customer_id, started_at, ended_at, started_on, ended_on, segment, mrr,
 * zone, today). A customer's segment is that of its first subscription.
 */
Datum
kpi_subscription_lifetimes_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	SubscriptionLifetimesState *lt;
	SubscriptionRow *row;

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "kpi_subscription_lifetimes_trans called outside its aggregate");
	SubscriptionRequireArg(fcinfo, 8, "zone");
	SubscriptionRequireArg(fcinfo, 9, "today");
	if (PG_ARGISNULL(0))
	{
		MemoryContext old;

		lt = (SubscriptionLifetimesState *)
			SubscriptionStateCreate(fcinfo, cxt, sizeof(SubscriptionLifetimesState),
									"kpi_subscription_lifetimes", "month", PG_GETARG_DATEADT(9));
		old = MemoryContextSwitchTo(cxt);
		lt->zone = text_to_cstring(PG_GETARG_TEXT_PP(8));
		lt->segments = segment_table_create(cxt, 16, NULL);
		lt->allocated = 16;
		lt->names = palloc(sizeof(SegmentKey) * lt->allocated);
		lt->last = -1;
		MemoryContextSwitchTo(old);
	}
	else
	{
		text	   *zone = PG_GETARG_TEXT_PP(8);

		lt = (SubscriptionLifetimesState *) PG_GETARG_POINTER(0);
		if (PG_GETARG_DATEADT(9) != lt->base.today ||
			VARSIZE_ANY_EXHDR(zone) != strlen(lt->zone) ||
			memcmp(VARDATA_ANY(zone), lt->zone, VARSIZE_ANY_EXHDR(zone)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("time zone %s and today %s differ from time zone %s and today %s of the same group",
							text_to_cstring(zone), period_datum_text(PG_GETARG_DATUM(9), INSTANT_DATE), lt->zone,
							period_datum_text(DateADTGetDatum(lt->base.today), INSTANT_DATE)),
					 errdetail("The time zone and today must be the same on every row of a group.")));
	}
	row = SubscriptionKeep(fcinfo, &lt->base);
	if (row != NULL)
	{
		if (!PG_ARGISNULL(6))
			row->segment = SegmentNumber(lt, PG_GETARG_TEXT_PP(6));
		if (!PG_ARGISNULL(7))
		{
			/* detoasted: the amount may end up in the result row as it is */
			Datum		mrr = PointerGetDatum(PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(7)));
			MemoryContext old = MemoryContextSwitchTo(cxt);

			row->mrr = datumCopy(mrr, false, -1);
			MemoryContextSwitchTo(old);
		}
	}
	PG_RETURN_POINTER(lt);
}

/* The wall time of instant t in time zone zone, as AT TIME ZONE gives it. */
static Datum
WallTime(Datum zone, TimestampTz t)
{
	return DirectFunctionCall2(timestamptz_zone, zone, TimestampTzGetDatum(t));
}

/*
 * Counts a span's tenure in a segment, making room for it: the counts start small and grow
 * geometrically, as a segment's tenures seldom reach the 1,201 slots they may take.
 */
static void
LifetimeAddTenure(SegmentLifetime *seg, int32 tenure, bool churned)
{
	int			have = SurvivalSlots(seg->survival);

	SurvivalCheckTenure(tenure);
	if (tenure >= have)
	{
		int			slots = Min(Max(tenure + 1, 2 * have), SURVIVAL_SLOTS);
		SurvivalSummary *grown = SurvivalNew(SURVIVAL_KIND_SUMMARY, slots);

		memcpy(grown, seg->survival, SurvivalSize(seg->survival->ntenures));
		SET_VARSIZE(grown, SurvivalSize(slots));
		pfree(seg->survival);
		seg->survival = grown;
	}
	SurvivalAdd(seg->survival, tenure, churned);
}

/* Adds amount (numeric) to a segment's customers in force at the data end. */
static void
LifetimeAddInForce(SegmentLifetime *seg, Datum amount, bool paying)
{
	seg->in_force = csm_add_count(seg->in_force, 1);
	if (amount == (Datum) 0)
		return;
	if (paying)
		seg->paying = csm_add_count(seg->paying, 1);
	seg->mrr = seg->mrr == (Datum) 0 ? amount : DirectFunctionCall2(numeric_add, seg->mrr, amount);
}

/*
 * The result row of one segment: (segment, latest_month, recent_flows, in force, paying, mrr,
 * survival), with the flows of the last 12 months only: a segment's row stays small however
 * many segments there are.
 */
static Datum
LifetimeRow(const LifetimeResultInfo *info, text *name, DateADT latest, const SegmentLifetime *seg)
{
	Datum		values[7];
	bool		nulls[7] = {false};

	values[0] = PointerGetDatum(name);
	values[1] = DateADTGetDatum(latest);
	nulls[1] = seg->flows == NULL;
	nulls[2] = seg->flows == NULL;
	if (seg->flows != NULL)
		values[2] = PointerGetDatum(SeriesArray(&info->flow, seg->flows,
												Max(seg->flows->periods - LIFETIME_RECENT_MONTHS, 0)));
	values[3] = Int64GetDatum(seg->in_force);
	values[4] = Int64GetDatum(seg->paying);
	values[5] = seg->mrr;
	nulls[5] = seg->mrr == (Datum) 0;
	nulls[6] = seg->survival->customers == 0;
	if (!nulls[6])
		values[6] = PointerGetDatum(SurvivalCompact(seg->survival));
	return HeapTupleGetDatum(heap_form_tuple(info->row.tupdesc, values, nulls));
}

/* The result's row types, cached in fn_extra. */
static LifetimeResultInfo *
LifetimeResultType(FunctionCallInfo fcinfo)
{
	LifetimeResultInfo *info = (LifetimeResultInfo *) fcinfo->flinfo->fn_extra;

	if (info == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		Oid			rowtype = get_element_type(get_func_rettype(fcinfo->flinfo->fn_oid));

		if (!OidIsValid(rowtype))
			elog(ERROR, "kpi_subscription_lifetimes_final must return an array");
		info = (LifetimeResultInfo *) palloc(sizeof(LifetimeResultInfo));
		csm_describe_row_type(&info->row, rowtype);
		csm_describe_row_type(&info->flow,
						   get_element_type(TupleDescAttr(info->row.tupdesc, 2)->atttypid));
		fcinfo->flinfo->fn_extra = info;
		MemoryContextSwitchTo(old);
	}
	return info;
}

/* Orders segment numbers (int32) by the bytes of their names, a shorter name first. */
static int
SegmentNameCompare(const void *a, const void *b, void *arg)
{
	const SegmentKey *names = (const SegmentKey *) arg;
	const SegmentKey *x = &names[*(const int32 *) a];
	const SegmentKey *y = &names[*(const int32 *) b];
	int			c = memcmp(x->data, y->data, Min(x->len, y->len));

	if (c != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

/*
 * Final function: one kpi_segment_lifetime for all customers ('(all)') and one per segment,
 * the segments in the byte order of their names (not the order the rows came in, which under
 * Citus or a parallel plan is not the same twice), or NULL when no subscription was given.
 * When there is no month to show, a row's flows and latest month are NULL and nothing is in
 * force.
 */
Datum
kpi_subscription_lifetimes_final(PG_FUNCTION_ARGS)
{
	SubscriptionLifetimesState *lt;
	SubscriptionFlowsState *st;
	LifetimeResultInfo *info;
	SegmentLifetime *segs;
	FlowSeriesState *empty;
	Datum	   *rows;
	int32	   *order;
	Datum		zone;
	Datum		zero;
	DateADT		first = 0,
				latest = 0,
				data_end = 0;
	int64		periods = 0;
	bool		series;
	int64		next;
	int			i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	lt = (SubscriptionLifetimesState *) PG_GETARG_POINTER(0);
	st = &lt->base;
	if (st->n == 0)
		PG_RETURN_NULL();
	info = LifetimeResultType(fcinfo);
	zone = CStringGetTextDatum(lt->zone);
	zero = NumericGetDatum(csm_int64_to_numeric(0));
	series = SubscriptionSeries(st, &first, &periods);
	empty = series ? SubscriptionSeriesState(st, first, periods) : NULL;
	if (series)
	{
		/* the latest month and the data end, the bounds of the last period (in days) */
		latest = (DateADT) (SeriesBounds(empty)[periods - 1] / USECS_PER_DAY);
		data_end = (DateADT) (SeriesBounds(empty)[periods] / USECS_PER_DAY);
	}

	/* segs[0] is '(all)', segs[k + 1] segment k; their series states copies of one */
	segs = palloc0(sizeof(SegmentLifetime) * (lt->nsegments + 1));
	for (i = 0; i <= lt->nsegments; i++)
	{
		if (series)
		{
			segs[i].flows = (FlowSeriesState *) palloc(VARSIZE(empty));
			memcpy(segs[i].flows, empty, VARSIZE(empty));
		}
		segs[i].survival = SurvivalNew(SURVIVAL_KIND_SUMMARY, 16);
	}

	/* without a month to show, nothing of the spans is shown */
	for (next = series ? 0 : st->n; next < st->n;)
	{
		const SubscriptionRow *customer = &st->rows[next];
		SegmentLifetime *seg = customer->segment >= 0 ? &segs[customer->segment + 1] : NULL;
		Datum		amount = (Datum) 0;
		bool		in_force = false;
		int64		j;

		/* the customer's spans: flows and tenures */
		do
		{
			MergedSpan	span = NextSpan(st, &next);
			Datum		end;
			Interval   *age;
			bool		churned;

			SubscriptionAddSpan(st, segs[0].flows, &span);
			if (seg != NULL)
				SubscriptionAddSpan(st, seg->flows, &span);
			/* a span that starts after the data end has no tenure yet */
			if (span.started_on >= data_end)
				continue;
			churned = !span.open && span.ended_on < data_end;
			end = churned ? WallTime(zone, span.ended_at)
				: TimestampGetDatum((Timestamp) data_end * USECS_PER_DAY);
			age = DatumGetIntervalP(DirectFunctionCall2(timestamp_age, end,
														WallTime(zone, span.first->started_at)));
			LifetimeAddTenure(&segs[0], age->month, churned);
			if (seg != NULL)
				LifetimeAddTenure(seg, age->month, churned);
		} while (next < st->n &&
				 ApplySortComparator(customer->customer, customer->customer_null,
									 st->rows[next].customer, st->rows[next].customer_null,
									 &st->customer_order) == 0);

		/* its MRR at the data end: the subscriptions started before it and not ended */
		for (j = customer - st->rows; j < next; j++)
		{
			const SubscriptionRow *r = &st->rows[j];

			if (r->started_on >= data_end || (!r->open && r->ended_on < data_end))
				continue;
			in_force = true;
			if (r->mrr != (Datum) 0)
				amount = amount == (Datum) 0 ? r->mrr : DirectFunctionCall2(numeric_add, amount, r->mrr);
		}
		if (in_force)
		{
			bool		paying = amount != (Datum) 0 &&
				DatumGetInt32(DirectFunctionCall2(numeric_cmp, amount, zero)) > 0;

			LifetimeAddInForce(&segs[0], amount, paying);
			if (seg != NULL)
				LifetimeAddInForce(seg, amount, paying);
		}
	}

	order = palloc(sizeof(int32) * Max(lt->nsegments, 1));
	for (i = 0; i < lt->nsegments; i++)
		order[i] = i;
	qsort_arg(order, lt->nsegments, sizeof(int32), SegmentNameCompare, lt->names);
	rows = palloc(sizeof(Datum) * (lt->nsegments + 1));
	rows[0] = LifetimeRow(info, cstring_to_text("(all)"), latest, &segs[0]);
	for (i = 0; i < lt->nsegments; i++)
	{
		const SegmentKey *name = &lt->names[order[i]];

		rows[i + 1] = LifetimeRow(info, cstring_to_text_with_len(name->data, name->len), latest,
								  &segs[order[i] + 1]);
	}
	PG_RETURN_ARRAYTYPE_P(csm_row_array(&info->row, rows, lt->nsegments + 1));
}

/* Rejects a series state read from outside (text or binary) that SeriesProblem finds wrong. */
static void
SeriesValidate(CsmInput *in, const FlowSeriesState *s)
{
	const char *problem = SeriesProblem(s);

	if (problem)
		csm_input_error(in, "%s", problem);
}

/* Appends " name={v1,...,vn}". */
static void
AppendList(StringInfo buf, const char *name, const int64 *values, int n)
{
	appendStringInfo(buf, " %s={", name);
	csm_append_int64_list(buf, values, n);
	appendStringInfoChar(buf, '}');
}

/* Consumes " name={v1,...,vn}" with exactly n values. */
static void
ReadList(CsmInput *in, const char *name, int64 *values, int n)
{
	csm_text_field(in, name);
	csm_text_expect(in, "{");
	if (csm_text_int64_list(in, name, values, n, PG_INT64_MIN, PG_INT64_MAX) != n)
		csm_input_error(in, "The list %s ending at character %d needs %d values.",
						name, csm_text_position(in), n);
	csm_text_expect(in, "}");
}

/* A series length in 1..FLOW_MAX_PERIODS, checked for text or binary input. */
static int
ReadPeriods(CsmInput *in, int64 periods)
{
	if (periods < 1 || periods > FLOW_MAX_PERIODS)
		csm_input_error(in, "A series has 1 to %d periods, not %lld.", FLOW_MAX_PERIODS,
						(long long) periods);
	return (int) periods;
}

/*
 * Text form, version 1: v1 <kind> periods=<P> length=(<months>,<days>,<usecs>) inputs=<n>
 * start=<S0> bounds={...} new={...} lost={...} lost_new={...}; bounds in raw microseconds.
 */
Datum
customer_flows_state_in(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	InstantKind kind;
	int			periods;
	Interval	length;
	FlowSeriesState *s;

	csm_text_begin(&in, "customer_flows_state", PG_GETARG_CSTRING(0), false);
	csm_text_expect(&in, "v");
	csm_check_version(&in, csm_text_int64(&in, "version", PG_INT64_MIN, PG_INT64_MAX),
					  FLOW_FORMAT_VERSION, FLOW_FORMAT_VERSION);
	csm_text_expect(&in, " ");
	kind = FlowReadKind(&in);
	periods = ReadPeriods(&in, FlowReadField(&in, "periods"));
	csm_text_field(&in, "length");
	csm_text_expect(&in, "(");
	length.month = (int32) csm_text_int64(&in, "month count", PG_INT32_MIN, PG_INT32_MAX);
	csm_text_expect(&in, ",");
	length.day = (int32) csm_text_int64(&in, "day count", PG_INT32_MIN, PG_INT32_MAX);
	csm_text_expect(&in, ",");
	length.time = csm_text_int64(&in, "microseconds", PG_INT64_MIN, PG_INT64_MAX);
	csm_text_expect(&in, ")");

	s = SeriesAlloc(CurrentMemoryContext, periods);
	s->kind = kind;
	s->period_length = length;
	s->inputs = FlowReadField(&in, "inputs");
	s->customers_start = FlowReadField(&in, "start");
	ReadList(&in, "bounds", SeriesBounds(s), s->periods + 1);
	ReadList(&in, "new", SeriesNew(s), s->periods);
	ReadList(&in, "lost", SeriesLost(s), s->periods);
	ReadList(&in, "lost_new", SeriesLostNew(s), s->periods);
	csm_text_end(&in);
	SeriesValidate(&in, s);
	PG_RETURN_POINTER(s);
}

/* Text output, the form customer_flows_state_in reads. */
Datum
customer_flows_state_out(PG_FUNCTION_ARGS)
{
	FlowSeriesState *s = SeriesArg(fcinfo, 0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d %s periods=%d length=(%d,%d," INT64_FORMAT ") inputs=" INT64_FORMAT
					 " start=" INT64_FORMAT,
					 s->version, period_kind_name(s->kind), s->periods, s->period_length.month,
					 s->period_length.day, s->period_length.time, s->inputs, s->customers_start);
	AppendList(&buf, "bounds", SeriesBounds(s), s->periods + 1);
	AppendList(&buf, "new", SeriesNew(s), s->periods);
	AppendList(&buf, "lost", SeriesLost(s), s->periods);
	AppendList(&buf, "lost_new", SeriesLostNew(s), s->periods);
	PG_RETURN_CSTRING(buf.data);
}

/*
 * Binary form, version 1: int32 version, kind and periods; the period length as int32
 * months, int32 days, int64 microseconds; int64 inputs and customers_start; then bounds,
 * new, lost and lost_new as int64, in the order of the text form.
 */
Datum
customer_flows_state_recv(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	InstantKind kind;
	int			periods;
	FlowSeriesState *s;
	int			i,
				n;

	csm_recv_begin(&in, "customer_flows_state", (StringInfo) PG_GETARG_POINTER(0));
	csm_check_version(&in, csm_recv_int(&in, 4, "version"), FLOW_FORMAT_VERSION, FLOW_FORMAT_VERSION);
	kind = FlowCheckKind(&in, csm_recv_int(&in, 4, "kind"));
	periods = ReadPeriods(&in, csm_recv_int(&in, 4, "periods"));
	/* period length (4 + 4 + 8), inputs, customers_start, then 4 × periods + 1 values */
	csm_recv_length(&in, 16 + 8 + 8 + 8 * (4 * (int64) periods + 1),
					psprintf("a series of %d periods", periods));
	s = SeriesAlloc(CurrentMemoryContext, periods);
	s->kind = kind;
	s->period_length.month = (int32) csm_recv_int(&in, 4, "months");
	s->period_length.day = (int32) csm_recv_int(&in, 4, "days");
	s->period_length.time = csm_recv_int(&in, 8, "microseconds");
	s->inputs = csm_recv_int(&in, 8, "inputs");
	s->customers_start = csm_recv_int(&in, 8, "start");
	n = 4 * periods + 1;
	for (i = 0; i < n; i++)
		s->data[i] = csm_recv_int(&in, 8, "counts");
	SeriesValidate(&in, s);
	PG_RETURN_POINTER(s);
}

/* Binary output, the layout customer_flows_state_recv reads. */
Datum
customer_flows_state_send(PG_FUNCTION_ARGS)
{
	FlowSeriesState *s = SeriesArg(fcinfo, 0);
	StringInfoData buf;
	int			i,
				n = 4 * s->periods + 1;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, s->version);
	pq_sendint32(&buf, s->kind);
	pq_sendint32(&buf, s->periods);
	pq_sendint32(&buf, s->period_length.month);
	pq_sendint32(&buf, s->period_length.day);
	pq_sendint64(&buf, s->period_length.time);
	pq_sendint64(&buf, s->inputs);
	pq_sendint64(&buf, s->customers_start);
	for (i = 0; i < n; i++)
		pq_sendint64(&buf, s->data[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
