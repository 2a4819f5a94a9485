/*
 * flow_series.c
 *		customer_flows(): the customer flow of every period of a series in one pass
 *		over the spans.
 *
 * Its transition state customer_flows_state is a varlena holding the boundaries of the whole
 * series of periods and per-period counts, a real SQL type so that Citus and parallel query
 * can ship it. The span, count and text-form helpers it shares with the one-period
 * aggregates are in flow.c (flow.h); period arithmetic is in period.c.
 */
#include "csmetrics.h"
#include "flow.h"
#include "period.h"

#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
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

/* Result-row description cached by the final functions in fn_extra. */
typedef struct FlowResultInfo
{
	TupleDesc	tupdesc;		/* blessed descriptor of customer_flow */
	Oid			elemtype;		/* customer_flow's type OID (array element) */
	int16		typlen;			/* its storage properties, for construct_array */
	bool		typbyval;
	char		typalign;
} FlowResultInfo;

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

/* The customer_flow row type and its storage properties, cached in fn_extra. */
static FlowResultInfo *
FlowResultType(FunctionCallInfo fcinfo)
{
	FlowResultInfo *info = (FlowResultInfo *) fcinfo->flinfo->fn_extra;

	if (info == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		Oid			arraytype = get_func_rettype(fcinfo->flinfo->fn_oid);

		info = (FlowResultInfo *) palloc(sizeof(FlowResultInfo));
		info->elemtype = get_element_type(arraytype);
		if (!OidIsValid(info->elemtype))
			elog(ERROR, "customer_flows_final must return an array");
		info->tupdesc = BlessTupleDesc(lookup_rowtype_tupdesc_copy(info->elemtype, -1));
		get_typlenbyvalalign(info->elemtype, &info->typlen, &info->typbyval, &info->typalign);
		fcinfo->flinfo->fn_extra = info;
		MemoryContextSwitchTo(old);
	}
	return info;
}

/* Final function of customer_flows: one customer_flow per period, in order. */
Datum
customer_flows_final(PG_FUNCTION_ARGS)
{
	FlowSeriesState *s = SeriesArg(fcinfo, 0);
	FlowResultInfo *info;
	Datum	   *rows;
	FlowCounts	c;
	int			k;

	if (s->inputs == 0)
		PG_RETURN_NULL();
	info = FlowResultType(fcinfo);
	rows = (Datum *) palloc(sizeof(Datum) * s->periods);
	c.customers_start = s->customers_start;
	for (k = 0; k < s->periods; k++)
	{
		c.new_customers = SeriesNew(s)[k];
		c.lost_customers = SeriesLost(s)[k];
		c.lost_new_customers = SeriesLostNew(s)[k];
		rows[k] = FlowComposite(info->tupdesc,
								period_instant_to_timestamptz(SeriesBounds(s)[k], s->kind),
								period_instant_to_timestamptz(SeriesBounds(s)[k + 1], s->kind), &c);
		c.customers_start = FlowCountsEnd(&c);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(rows, s->periods, info->elemtype,
										  info->typlen, info->typbyval, info->typalign));
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
