/*
 * flow.c
 *		Customer flow: customers at the start of a period, new, lost, lost new and
 *		at the end, from customer spans [started_at, ended_at); churn and retention rates.
 *
 * This file holds the one-period aggregates and what both state types share (flow.h):
 *
 * - customer_flow_state: fixed 64 bytes, the counts of ONE period, a real SQL type so that
 *   Citus and parallel query can ship it. Used by the aggregates customer_flow, churn_rate,
 *   retention_rate and rollup(customer_flow); the customer_flow accessors and
 *   annualized_churn follow.
 * - customer_flows_state, the series of periods behind customer_flows(), is in
 *   flow_series.c.
 *
 * Instants and period arithmetic (calendar boundaries, finding an instant's period) live in
 * period.c. Results report period bounds as timestamptz; a date bound becomes midnight in the
 * session time zone, like date::timestamptz.
 */
#include "csmetrics.h"
#include "flow.h"
#include "period.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/float.h"
#include "utils/timestamp.h"

#include <math.h>

/* Transition state of the one-period aggregates (SQL type customer_flow_state, 64 bytes). */
typedef struct FlowState
{
	int32		version;		/* FLOW_FORMAT_VERSION */
	int32		kind;			/* InstantKind of period_start/period_end */
	int64		period_start;	/* period bounds [period_start, period_end), microseconds */
	int64		period_end;
	int64		inputs;			/* spans (or, for rollup, flows) aggregated; 0 = empty */
	FlowCounts	counts;			/* the period's counts */
} FlowState;

/* False only for rollup(customer_flow) before its first flow (see FlowStateWithoutPeriod). */
#define FlowStateHasPeriod(s)	((s)->period_end > (s)->period_start)

/* Which rate FlowRate computes. */
typedef enum FlowRateKind
{
	FLOW_CHURN,					/* L / S */
	FLOW_CHURN_WITH_NEW,		/* (L + Ln) / S */
	FLOW_RETENTION				/* (E − N) / S */
} FlowRateKind;

PG_FUNCTION_INFO_V1(customer_flow_state_in);
PG_FUNCTION_INFO_V1(customer_flow_state_out);
PG_FUNCTION_INFO_V1(customer_flow_state_recv);
PG_FUNCTION_INFO_V1(customer_flow_state_send);
PG_FUNCTION_INFO_V1(customer_flow_trans);
PG_FUNCTION_INFO_V1(customer_flow_inv);
PG_FUNCTION_INFO_V1(customer_flow_trans_date);
PG_FUNCTION_INFO_V1(customer_flow_inv_date);
PG_FUNCTION_INFO_V1(customer_flow_combine);
PG_FUNCTION_INFO_V1(customer_flow_final);
PG_FUNCTION_INFO_V1(customer_flow_churn_final);
PG_FUNCTION_INFO_V1(customer_flow_retention_final);
PG_FUNCTION_INFO_V1(customer_flow_rollup_trans);
PG_FUNCTION_INFO_V1(customer_flow_rollup_inv);
PG_FUNCTION_INFO_V1(customer_flow_churn_rate);
PG_FUNCTION_INFO_V1(customer_flow_churn_rate_new);
PG_FUNCTION_INFO_V1(customer_flow_retention_rate);
PG_FUNCTION_INFO_V1(annualized_churn);

/* ---------------------------------------------------------------------------------------
 * Spans and counts
 * --------------------------------------------------------------------------------------- */

/* Reads one span's bounds; *open is set when ended_at is NULL. ended_at < started_at errors. */
void
FlowReadSpan(FunctionCallInfo fcinfo, InstantKind kind, int64 *start, int64 *end, bool *open)
{
	*start = period_instant_from_datum(PG_GETARG_DATUM(1), kind, "started_at");
	*open = PG_ARGISNULL(2);
	*end = 0;
	if (*open)
		return;
	*end = period_instant_from_datum(PG_GETARG_DATUM(2), kind, "ended_at");
	if (*end < *start)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("ended_at %s is before started_at %s",
						period_datum_text(PG_GETARG_DATUM(2), kind),
						period_datum_text(PG_GETARG_DATUM(1), kind)),
				 errdetail("A span ends at or after its start.")));
}

/* Errors when a required parameter argument is NULL. */
void
FlowRequireArg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", what),
				 errdetail("Only ended_at may be NULL (an open span); rows with NULL started_at are skipped.")));
}

/*
 * Errors unless a state holds instants of the kind this function reads. Our aggregates never
 * mix kinds; a user-defined aggregate with a hand-written INITCOND could.
 */
void
FlowCheckStateKind(int state_kind, InstantKind kind)
{
	if (state_kind != kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a customer flow state of %s cannot take %s input",
						period_kind_name(state_kind), period_kind_name(kind)),
				 errdetail("A state and its inputs must both use date or both use timestamptz.")));
}

/* Adds (sign 1) or removes (sign -1) counts b to counts a. */
static void
CountsAdd(FlowCounts *a, const FlowCounts *b, int sign)
{
	FlowCountAdd(&a->customers_start, sign, b->customers_start);
	FlowCountAdd(&a->new_customers, sign, b->new_customers);
	FlowCountAdd(&a->lost_customers, sign, b->lost_customers);
	FlowCountAdd(&a->lost_new_customers, sign, b->lost_new_customers);
}

/*
 * customers_end E = S + N − L − Ln: everyone present at the start or new in the period is at
 * the end unless lost (L from the start, Ln among the new).
 */
int64
FlowCountsEnd(const FlowCounts *c)
{
	return csm_add_count(c->customers_start, c->new_customers)
		- c->lost_customers - c->lost_new_customers;
}

/*
 * Checks counts read from outside (text, binary, a customer_flow value): none negative,
 * lost at most start, lost new at most new. Returns false when they are inconsistent.
 */
bool
FlowCountsValid(const FlowCounts *c)
{
	return c->customers_start >= 0 && c->new_customers >= 0 &&
		c->lost_customers >= 0 && c->lost_new_customers >= 0 &&
		c->lost_customers <= c->customers_start &&
		c->lost_new_customers <= c->new_customers;
}

/*
 * After an inverse transition: counts that no longer fit together mean that what was
 * removed had not been added (only possible in a direct call; csmetrics.h, rule 5).
 */
void
FlowCheckRemoved(const FlowCounts *c)
{
	if (!FlowCountsValid(c))
		csm_nothing_to_remove("What was removed had not been added: lost would exceed start or lost_new would exceed new.");
}

/*
 * One rate of a period; false (SQL NULL) when nobody was a customer at the start.
 * churn = L / S; churn including newcomers = (L + Ln) / S;
 * retention = (E − N) / S, which equals (S − L − Ln) / S.
 */
static bool
FlowRate(const FlowCounts *c, FlowRateKind which, float8 *rate)
{
	float8		s = (float8) c->customers_start;

	if (c->customers_start == 0)
		return false;
	switch (which)
	{
		case FLOW_CHURN:
			*rate = (float8) c->lost_customers / s;
			break;
		case FLOW_CHURN_WITH_NEW:
			*rate = ((float8) c->lost_customers + (float8) c->lost_new_customers) / s;
			break;
		case FLOW_RETENTION:
			*rate = (float8) (FlowCountsEnd(c) - c->new_customers) / s;
			break;
	}
	return true;
}

/* ---------------------------------------------------------------------------------------
 * The instant kind in the text and binary forms of both state types
 * --------------------------------------------------------------------------------------- */

/* Consumes "date" or "timestamptz". */
InstantKind
FlowReadKind(CsmInput *in)
{
	if (csm_text_skip(in, "date"))
		return INSTANT_DATE;
	csm_text_expect(in, "timestamptz");
	return INSTANT_TIMESTAMPTZ;
}

/* Checks a kind read from binary input: 1 is timestamptz, 2 is date. */
InstantKind
FlowCheckKind(CsmInput *in, int64 kind)
{
	if (kind != INSTANT_DATE && kind != INSTANT_TIMESTAMPTZ)
		csm_input_error(in, "Unknown instant kind %lld; kind 1 is timestamptz, kind 2 is date.",
						(long long) kind);
	return (InstantKind) kind;
}

/* ---------------------------------------------------------------------------------------
 * customer_flow_state: one period
 * --------------------------------------------------------------------------------------- */

/* Validates a FlowState read from outside (text or binary). */
static void
FlowStateValidate(CsmInput *in, const FlowState *s)
{
	if (!IS_VALID_TIMESTAMP(s->period_start) || !IS_VALID_TIMESTAMP(s->period_end))
		csm_input_error(in, "Period bounds must be finite timestamps.");
	/* the state of rollup(customer_flow) before its first flow: [0,0), nothing counted */
	if (s->period_start == 0 && s->period_end == 0 && s->inputs == 0 &&
		s->counts.customers_start == 0 && s->counts.new_customers == 0 &&
		s->counts.lost_customers == 0 && s->counts.lost_new_customers == 0)
		return;
	if (s->period_end <= s->period_start)
		csm_input_error(in, "period_end must be after period_start.");
	if (s->inputs < 0 || !FlowCountsValid(&s->counts) || FlowCountsEnd(&s->counts) < 0)
		csm_input_error(in, "Counts must be non-negative, lost at most start, lost_new at most new.");
}

/* Reads one " name=<int64>" field of the text forms. */
int64
FlowReadField(CsmInput *in, const char *name)
{
	csm_text_field(in, name);
	return csm_text_int64(in, name, PG_INT64_MIN, PG_INT64_MAX);
}

/*
 * Text form, version 1: v1 <kind> [<start>,<end>) inputs=<n> start=<S> new=<N> lost=<L>
 * lost_new=<Ln>, kind "date" or "timestamptz", bounds in raw microseconds (so the text
 * reads back exactly in any time zone).
 */
Datum
customer_flow_state_in(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	FlowState  *s = (FlowState *) palloc0(sizeof(FlowState));

	csm_text_begin(&in, "customer_flow_state", PG_GETARG_CSTRING(0), false);
	csm_text_expect(&in, "v");
	s->version = csm_check_version(&in, csm_text_int64(&in, "version", PG_INT64_MIN, PG_INT64_MAX),
								   FLOW_FORMAT_VERSION, FLOW_FORMAT_VERSION);
	csm_text_expect(&in, " ");
	s->kind = FlowReadKind(&in);
	csm_text_expect(&in, " [");
	s->period_start = csm_text_int64(&in, "period start", PG_INT64_MIN, PG_INT64_MAX);
	csm_text_expect(&in, ",");
	s->period_end = csm_text_int64(&in, "period end", PG_INT64_MIN, PG_INT64_MAX);
	csm_text_expect(&in, ")");
	s->inputs = FlowReadField(&in, "inputs");
	s->counts.customers_start = FlowReadField(&in, "start");
	s->counts.new_customers = FlowReadField(&in, "new");
	s->counts.lost_customers = FlowReadField(&in, "lost");
	s->counts.lost_new_customers = FlowReadField(&in, "lost_new");
	csm_text_end(&in);
	FlowStateValidate(&in, s);
	PG_RETURN_POINTER(s);
}

/* Text output, the form customer_flow_state_in reads. */
Datum
customer_flow_state_out(PG_FUNCTION_ARGS)
{
	FlowState  *s = (FlowState *) PG_GETARG_POINTER(0);

	PG_RETURN_CSTRING(psprintf("v%d %s [" INT64_FORMAT "," INT64_FORMAT ") inputs=" INT64_FORMAT
							   " start=" INT64_FORMAT " new=" INT64_FORMAT " lost=" INT64_FORMAT
							   " lost_new=" INT64_FORMAT,
							   s->version, period_kind_name(s->kind), s->period_start, s->period_end,
							   s->inputs, s->counts.customers_start, s->counts.new_customers,
							   s->counts.lost_customers, s->counts.lost_new_customers));
}

/*
 * Binary form, version 1: int32 version, int32 kind (1 timestamptz, 2 date), then the
 * bounds, inputs and the four counts as int64, in the order of the text form.
 */
Datum
customer_flow_state_recv(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	FlowState  *s = (FlowState *) palloc0(sizeof(FlowState));

	csm_recv_begin(&in, "customer_flow_state", (StringInfo) PG_GETARG_POINTER(0));
	csm_recv_length(&in, 2 * 4 + 7 * 8, "a version 1 value");
	s->version = csm_check_version(&in, csm_recv_int(&in, 4, "version"),
								   FLOW_FORMAT_VERSION, FLOW_FORMAT_VERSION);
	s->kind = FlowCheckKind(&in, csm_recv_int(&in, 4, "kind"));
	s->period_start = csm_recv_int(&in, 8, "period start");
	s->period_end = csm_recv_int(&in, 8, "period end");
	s->inputs = csm_recv_int(&in, 8, "inputs");
	s->counts.customers_start = csm_recv_int(&in, 8, "start");
	s->counts.new_customers = csm_recv_int(&in, 8, "new");
	s->counts.lost_customers = csm_recv_int(&in, 8, "lost");
	s->counts.lost_new_customers = csm_recv_int(&in, 8, "lost_new");
	FlowStateValidate(&in, s);
	PG_RETURN_POINTER(s);
}

/* Binary output, the layout customer_flow_state_recv reads. */
Datum
customer_flow_state_send(PG_FUNCTION_ARGS)
{
	FlowState  *s = (FlowState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, s->version);
	pq_sendint32(&buf, s->kind);
	pq_sendint64(&buf, s->period_start);
	pq_sendint64(&buf, s->period_end);
	pq_sendint64(&buf, s->inputs);
	pq_sendint64(&buf, s->counts.customers_start);
	pq_sendint64(&buf, s->counts.new_customers);
	pq_sendint64(&buf, s->counts.lost_customers);
	pq_sendint64(&buf, s->counts.lost_new_customers);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * A new empty state for the period [start, end), in the per-call context: the executor
 * copies a new state into the aggregate context once, and later calls update that copy.
 */
static FlowState *
FlowStateCreate(InstantKind kind, int64 start, int64 end)
{
	FlowState  *s = (FlowState *) palloc0(sizeof(FlowState));

	period_check(start, end, kind);
	s->version = FLOW_FORMAT_VERSION;
	s->kind = kind;
	s->period_start = start;
	s->period_end = end;
	return s;
}

/*
 * rollup(customer_flow) over NULL flows only: no period yet, bounds [0, 0). It takes the
 * period of the first flow it gets; every other state has period_end > period_start.
 */
static FlowState *
FlowStateWithoutPeriod(void)
{
	FlowState  *s = (FlowState *) palloc0(sizeof(FlowState));

	s->version = FLOW_FORMAT_VERSION;
	s->kind = INSTANT_TIMESTAMPTZ;
	return s;
}

/* Errors unless the state's period is [start, end): bounds must not vary within a group. */
static void
FlowStateCheckPeriod(const FlowState *s, int64 start, int64 end)
{
	if (s->period_start != start || s->period_end != end)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("period [%s, %s) differs from period [%s, %s) of the same group",
						period_instant_text(start, s->kind), period_instant_text(end, s->kind),
						period_instant_text(s->period_start, s->kind), period_instant_text(s->period_end, s->kind)),
				 errdetail("period_start and period_end must be the same on every row of a group; "
						   "group by the period or use customer_flows() for a series.")));
}

/*
 * Adds (sign 1) or removes (sign -1) one span to the period's counts [ps, pe):
 * S: started < ps and (open or ended ≥ ps)      N: ps ≤ started < pe
 * L: started < ps and ps ≤ ended < pe           Ln: ps ≤ started and ended < pe
 */
static void
FlowStateAddSpan(FlowState *s, int64 start, int64 end, bool open, int sign)
{
	int64		ps = s->period_start;
	int64		pe = s->period_end;

	if (start < ps)
	{
		if (open || end >= ps)
		{
			FlowCountAdd(&s->counts.customers_start, sign, 1);
			if (!open && end < pe)
				FlowCountAdd(&s->counts.lost_customers, sign, 1);
		}
	}
	else if (start < pe)
	{
		FlowCountAdd(&s->counts.new_customers, sign, 1);
		if (!open && end < pe)
			FlowCountAdd(&s->counts.lost_new_customers, sign, 1);
	}
	FlowCountAdd(&s->inputs, sign, 1);
}

/*
 * Transition of customer_flow / churn_rate / retention_rate over spans (and its inverse):
 * (state, started_at, ended_at, period_start, period_end).
 */
static Datum
FlowTransition(FunctionCallInfo fcinfo, InstantKind kind, int sign)
{
	FlowState  *s = PG_ARGISNULL(0) ? NULL : (FlowState *) PG_GETARG_POINTER(0);
	int64		start,
				end,
				ps,
				pe;
	bool		open;

	/*
	 * The period comes from the arguments, so the state exists from the first row on, even
	 * when that row is skipped: a moving aggregate's transition may never return NULL (an
	 * empty state finishes as NULL all the same).
	 */
	FlowRequireArg(fcinfo, 3, "period_start");
	FlowRequireArg(fcinfo, 4, "period_end");
	ps = period_instant_from_datum(PG_GETARG_DATUM(3), kind, "period_start");
	pe = period_instant_from_datum(PG_GETARG_DATUM(4), kind, "period_end");
	if (s == NULL)
		s = FlowStateCreate(kind, ps, pe);
	else
	{
		s = (FlowState *) csm_state_for_update(fcinfo, sizeof(FlowState));
		FlowCheckStateKind(s->kind, kind);
		FlowStateCheckPeriod(s, ps, pe);
	}

	/* NULL started_at: skipped, like any NULL aggregate input */
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	FlowReadSpan(fcinfo, kind, &start, &end, &open);
	FlowStateAddSpan(s, start, end, open, sign);
	if (sign < 0)
		FlowCheckRemoved(&s->counts);
	PG_RETURN_POINTER(s);
}

/* Transition over timestamptz spans. */
Datum
customer_flow_trans(PG_FUNCTION_ARGS)
{
	return FlowTransition(fcinfo, INSTANT_TIMESTAMPTZ, 1);
}

/* Inverse transition over timestamptz spans (moving-aggregate mode). */
Datum
customer_flow_inv(PG_FUNCTION_ARGS)
{
	return FlowTransition(fcinfo, INSTANT_TIMESTAMPTZ, -1);
}

/* Transition over date spans. */
Datum
customer_flow_trans_date(PG_FUNCTION_ARGS)
{
	return FlowTransition(fcinfo, INSTANT_DATE, 1);
}

/* Inverse transition over date spans (moving-aggregate mode). */
Datum
customer_flow_inv_date(PG_FUNCTION_ARGS)
{
	return FlowTransition(fcinfo, INSTANT_DATE, -1);
}

/* Combine two one-period states; their periods must match. Never modifies the second. */
Datum
customer_flow_combine(PG_FUNCTION_ARGS)
{
	FlowState  *a = PG_ARGISNULL(0) ? NULL : (FlowState *) PG_GETARG_POINTER(0);
	FlowState  *b = PG_ARGISNULL(1) ? NULL : (FlowState *) PG_GETARG_POINTER(1);

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	/* the executor keeps its own copy of a state it did not have */
	if (a == NULL || !FlowStateHasPeriod(a))
		PG_RETURN_POINTER(b);
	if (!FlowStateHasPeriod(b))
		PG_RETURN_POINTER(a);
	a = (FlowState *) csm_state_for_update(fcinfo, sizeof(FlowState));
	FlowCheckStateKind(b->kind, a->kind);
	FlowStateCheckPeriod(a, b->period_start, b->period_end);
	CountsAdd(&a->counts, &b->counts, 1);
	FlowCountAdd(&a->inputs, 1, b->inputs);
	PG_RETURN_POINTER(a);
}

/* Builds a customer_flow composite datum from a period and its counts. */
Datum
FlowComposite(TupleDesc tupdesc, TimestampTz ps, TimestampTz pe, const FlowCounts *c)
{
	Datum		values[FLOW_NATTS];
	bool		nulls[FLOW_NATTS] = {false};

	values[0] = TimestampTzGetDatum(ps);
	values[1] = TimestampTzGetDatum(pe);
	values[2] = Int64GetDatum(c->customers_start);
	values[3] = Int64GetDatum(c->new_customers);
	values[4] = Int64GetDatum(c->lost_customers);
	values[5] = Int64GetDatum(c->lost_new_customers);
	values[6] = Int64GetDatum(FlowCountsEnd(c));
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* Final function of customer_flow and rollup: the composite; NULL when no input. */
Datum
customer_flow_final(PG_FUNCTION_ARGS)
{
	FlowState  *s = (FlowState *) PG_GETARG_POINTER(0);
	TupleDesc	tupdesc;

	if (s->inputs == 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "customer_flow_final: return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(FlowComposite(tupdesc, period_instant_to_timestamptz(s->period_start, s->kind),
								  period_instant_to_timestamptz(s->period_end, s->kind), &s->counts));
}

/* Returns one rate of a state, or NULL when empty or nobody was there at the start. */
static Datum
FlowStateRate(FunctionCallInfo fcinfo, FlowRateKind which)
{
	FlowState  *s = (FlowState *) PG_GETARG_POINTER(0);
	float8		rate;

	if (s->inputs == 0 || !FlowRate(&s->counts, which, &rate))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(rate);
}

/* Final function of churn_rate(spans): L / S. */
Datum
customer_flow_churn_final(PG_FUNCTION_ARGS)
{
	return FlowStateRate(fcinfo, FLOW_CHURN);
}

/* Final function of retention_rate(spans): (E − N) / S. */
Datum
customer_flow_retention_final(PG_FUNCTION_ARGS)
{
	return FlowStateRate(fcinfo, FLOW_RETENTION);
}

/* ---------------------------------------------------------------------------------------
 * customer_flow values: rollup and accessors
 * --------------------------------------------------------------------------------------- */

/* Reads and validates a customer_flow composite: bounds and counts. */
static void
FlowFromComposite(HeapTupleHeader row, int64 *ps, int64 *pe, FlowCounts *c)
{
	static const char *const names[FLOW_NATTS] = {
		"period_start", "period_end", "customers_start", "new_customers",
		"lost_customers", "lost_new_customers", "customers_end"
	};
	int64		v[FLOW_NATTS];
	int			i;

	for (i = 0; i < FLOW_NATTS; i++)
	{
		bool		isnull;
		Datum		d = GetAttributeByNum(row, i + 1, &isnull);

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("customer_flow field %s is NULL", names[i]),
					 errdetail("Every field of a customer_flow value must be set.")));
		/* timestamptz and bigint are both int64 */
		v[i] = DatumGetInt64(d);
	}
	*ps = v[0];
	*pe = v[1];
	c->customers_start = v[2];
	c->new_customers = v[3];
	c->lost_customers = v[4];
	c->lost_new_customers = v[5];
	if (TIMESTAMP_NOT_FINITE(*ps) || TIMESTAMP_NOT_FINITE(*pe))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("customer_flow period [%s, %s) is not finite",
						period_instant_text(*ps, INSTANT_TIMESTAMPTZ), period_instant_text(*pe, INSTANT_TIMESTAMPTZ)),
				 errdetail("Period bounds must be finite timestamps.")));
	period_check(*ps, *pe, INSTANT_TIMESTAMPTZ);
	if (!FlowCountsValid(c) || FlowCountsEnd(c) != v[6])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("customer_flow counts are inconsistent: start " INT64_FORMAT ", new " INT64_FORMAT
						", lost " INT64_FORMAT ", lost new " INT64_FORMAT ", end " INT64_FORMAT,
						v[2], v[3], v[4], v[5], v[6]),
				 errdetail("Counts are non-negative, lost <= start, lost new <= new, and "
						   "end = start + new - lost - lost new.")));
}

/* Transition (sign 1) or inverse (sign -1) of rollup(customer_flow). */
static Datum
FlowRollupStep(FunctionCallInfo fcinfo, int sign)
{
	FlowState  *s = PG_ARGISNULL(0) ? NULL : (FlowState *) PG_GETARG_POINTER(0);
	int64		ps,
				pe;
	FlowCounts	c;

	if (PG_ARGISNULL(1))
	{
		/* a moving aggregate's transition may never return NULL: a state without a period */
		if (s == NULL)
			s = FlowStateWithoutPeriod();
		PG_RETURN_POINTER(s);
	}
	FlowFromComposite(PG_GETARG_HEAPTUPLEHEADER(1), &ps, &pe, &c);
	if (s == NULL)
		s = FlowStateCreate(INSTANT_TIMESTAMPTZ, ps, pe);
	else
	{
		s = (FlowState *) csm_state_for_update(fcinfo, sizeof(FlowState));
		FlowCheckStateKind(s->kind, INSTANT_TIMESTAMPTZ);
		if (!FlowStateHasPeriod(s))
		{
			s->period_start = ps;
			s->period_end = pe;
		}
	}
	if (s->period_start != ps || s->period_end != pe)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot roll up customer flows of different periods: [%s, %s) and [%s, %s)",
						period_instant_text(s->period_start, s->kind), period_instant_text(s->period_end, s->kind),
						period_instant_text(ps, s->kind), period_instant_text(pe, s->kind)),
				 errdetail("rollup(customer_flow) sums segments of one period; group by period_start.")));
	CountsAdd(&s->counts, &c, sign);
	if (sign < 0)
		FlowCheckRemoved(&s->counts);
	FlowCountAdd(&s->inputs, sign, 1);
	PG_RETURN_POINTER(s);
}

/* Transition of rollup(customer_flow): adds one flow. */
Datum
customer_flow_rollup_trans(PG_FUNCTION_ARGS)
{
	return FlowRollupStep(fcinfo, 1);
}

/* Inverse transition of rollup(customer_flow): removes one flow. */
Datum
customer_flow_rollup_inv(PG_FUNCTION_ARGS)
{
	return FlowRollupStep(fcinfo, -1);
}

/* Returns one rate of a customer_flow value. */
static Datum
FlowValueRate(FunctionCallInfo fcinfo, FlowRateKind which)
{
	int64		ps,
				pe;
	FlowCounts	c;
	float8		rate;

	FlowFromComposite(PG_GETARG_HEAPTUPLEHEADER(0), &ps, &pe, &c);
	if (!FlowRate(&c, which, &rate))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(rate);
}

/* churn_rate(customer_flow): L / S. */
Datum
customer_flow_churn_rate(PG_FUNCTION_ARGS)
{
	return FlowValueRate(fcinfo, FLOW_CHURN);
}

/* churn_rate(customer_flow, include_new): (L + Ln) / S when include_new. */
Datum
customer_flow_churn_rate_new(PG_FUNCTION_ARGS)
{
	return FlowValueRate(fcinfo, PG_GETARG_BOOL(1) ? FLOW_CHURN_WITH_NEW : FLOW_CHURN);
}

/* retention_rate(customer_flow): (E − N) / S. */
Datum
customer_flow_retention_rate(PG_FUNCTION_ARGS)
{
	return FlowValueRate(fcinfo, FLOW_RETENTION);
}

/* annualized_churn(m) = 1 − (1 − m)^12 for a monthly churn fraction m in 0..1. */
Datum
annualized_churn(PG_FUNCTION_ARGS)
{
	float8		m = PG_GETARG_FLOAT8(0);

	if (isnan(m) || m < 0.0 || m > 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("monthly churn rate %s is out of range", float8out_internal(m)),
				 errdetail("A churn rate is a fraction from 0 to 1.")));
	PG_RETURN_FLOAT8(1.0 - pow(1.0 - m, 12.0));
}
