/*
 * flow.c
 *		Customer flow (SPEC §2): customers at the start of a period, new, lost, lost new and
 *		at the end, from customer spans [started_at, ended_at); churn and retention rates.
 *
 * Two transition states, both real SQL types so that Citus and parallel query can ship them:
 *
 * - customer_flow_state: fixed 64 bytes, the counts of ONE period. Used by the aggregates
 *   customer_flow, churn_rate, retention_rate and rollup(customer_flow).
 * - customer_flows_state: a varlena holding the boundaries of a whole series of periods and
 *   per-period counts, so customer_flows() answers every period in one pass over the spans.
 *
 * Instants and period arithmetic (calendar boundaries, finding an instant's period) live in
 * period.c. Results report period bounds as timestamptz; a date bound becomes midnight in the
 * session time zone, like date::timestamptz.
 */
#include "csmetrics.h"
#include "period.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include <math.h>

/* On-disk format version of both state types; input rejects any other. */
#define FLOW_FORMAT_VERSION 1

/* Upper bound on the periods of one customer_flows() series (keeps the state < 400 kB). */
#define FLOW_MAX_PERIODS 10000

/* Number of attributes of the composite type customer_flow. */
#define FLOW_NATTS 7

/* The four independent counts of one period; customers_end follows from them. */
typedef struct FlowCounts
{
	int64		customers_start;	/* S: present at period start */
	int64		new_customers;	/* N: started within the period */
	int64		lost_customers; /* L: present at start, ended within the period */
	int64		lost_new_customers; /* Ln: started and ended within the period */
} FlowCounts;

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

/*
 * Transition state of customer_flows() (SQL type customer_flows_state, a varlena).
 * data[] holds, in order: bounds[periods + 1] (period k is [bounds[k], bounds[k+1])),
 * new[periods], lost[periods], lost_new[periods]. Customers at the start of period k+1 are
 * those at the start of period k plus new minus lost minus lost new (the SPEC identity), so
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

/* Which rate FlowRate computes. */
typedef enum FlowRateKind
{
	FLOW_CHURN,					/* L / S */
	FLOW_CHURN_WITH_NEW,		/* (L + Ln) / S */
	FLOW_RETENTION				/* (E − N) / S */
} FlowRateKind;

/* Result-row description cached by the final functions in fn_extra. */
typedef struct FlowResultInfo
{
	TupleDesc	tupdesc;		/* blessed descriptor of customer_flow */
	Oid			elemtype;		/* customer_flow's type OID (array element) */
	int16		typlen;			/* its storage properties, for construct_array */
	bool		typbyval;
	char		typalign;
} FlowResultInfo;

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
 * Spans and counts
 * --------------------------------------------------------------------------------------- */

/* Reads one span's bounds; *open is set when ended_at is NULL. ended_at < started_at errors. */
static void
ReadSpan(FunctionCallInfo fcinfo, InstantKind kind, int64 *start, int64 *end, bool *open)
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
static void
RequireArg(FunctionCallInfo fcinfo, int argno, const char *what)
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
static void
CheckStateKind(int state_kind, InstantKind kind)
{
	if (state_kind != kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a customer flow state of %s cannot take %s input",
						period_kind_name(state_kind), period_kind_name(kind)),
				 errdetail("A state and its inputs must both use date or both use timestamptz.")));
}

/* Adds (sign 1) or removes (sign -1) n to a counter, with overflow and underflow checks. */
static inline void
CountAdd(int64 *counter, int sign, int64 n)
{
	*counter = sign > 0 ? csm_add_count(*counter, n) : csm_sub_count(*counter, n);
}

/* Adds (sign 1) or removes (sign -1) counts b to counts a. */
static void
CountsAdd(FlowCounts *a, const FlowCounts *b, int sign)
{
	CountAdd(&a->customers_start, sign, b->customers_start);
	CountAdd(&a->new_customers, sign, b->new_customers);
	CountAdd(&a->lost_customers, sign, b->lost_customers);
	CountAdd(&a->lost_new_customers, sign, b->lost_new_customers);
}

/* customers_end E = S + N − L − Ln (the SPEC identity). */
static int64
CountsEnd(const FlowCounts *c)
{
	return csm_add_count(c->customers_start, c->new_customers)
		- c->lost_customers - c->lost_new_customers;
}

/*
 * Checks counts read from outside (text, binary, a customer_flow value): none negative,
 * lost at most start, lost new at most new. Returns false when they are inconsistent.
 */
static bool
CountsValid(const FlowCounts *c)
{
	return c->customers_start >= 0 && c->new_customers >= 0 &&
		c->lost_customers >= 0 && c->lost_new_customers >= 0 &&
		c->lost_customers <= c->customers_start &&
		c->lost_new_customers <= c->new_customers;
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
			*rate = (float8) (CountsEnd(c) - c->new_customers) / s;
			break;
	}
	return true;
}

/* ---------------------------------------------------------------------------------------
 * Text form helpers shared by both state types
 * --------------------------------------------------------------------------------------- */

/* Position in a text form being parsed, and what to name in errors. */
typedef struct TextCursor
{
	const char *p;				/* next character to read */
	const char *input;			/* the whole input, for the message */
	const char *type;			/* the SQL type being read */
} TextCursor;

/* Rejects a malformed text form. */
static void
TextError(const TextCursor *c, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", c->type, c->input),
			 errdetail("%s", detail)));
}

/* Consumes the literal lit or errors. */
static void
ExpectText(TextCursor *c, const char *lit)
{
	size_t		len = strlen(lit);

	if (strncmp(c->p, lit, len) != 0)
		TextError(c, psprintf("Expected \"%s\" at \"%.20s\".", lit, c->p));
	c->p += len;
}

/* Consumes a decimal int64 (optional minus sign) or errors; overflow is an error. */
static int64
ReadInt64(TextCursor *c)
{
	bool		negative = false;
	int64		value = 0;
	const char *start;

	if (*c->p == '-')
	{
		negative = true;
		c->p++;
	}
	start = c->p;
	while (*c->p >= '0' && *c->p <= '9')
	{
		int			digit = *c->p - '0';

		/* accumulate negatively so that INT64_MIN reads back */
		if (pg_mul_s64_overflow(value, 10, &value) || pg_sub_s64_overflow(value, digit, &value))
			TextError(c, "A number is out of range.");
		c->p++;
	}
	if (c->p == start)
		TextError(c, psprintf("Expected a number at \"%.20s\".", c->p));
	if (!negative)
	{
		if (value == PG_INT64_MIN)
			TextError(c, "A number is out of range.");
		value = -value;
	}
	return value;
}

/* Consumes "date" or "timestamptz". */
static InstantKind
ReadKind(TextCursor *c)
{
	if (strncmp(c->p, "date", 4) == 0)
	{
		c->p += 4;
		return INSTANT_DATE;
	}
	ExpectText(c, "timestamptz");
	return INSTANT_TIMESTAMPTZ;
}

/* Checks a format version read from text or binary input. */
static void
CheckVersion(int64 version, const char *type)
{
	if (version != FLOW_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("%s format version %lld is not supported", type, (long long) version),
				 errdetail("This csmetrics reads version %d.", FLOW_FORMAT_VERSION)));
}

/* Checks a kind read from binary input. */
static InstantKind
CheckKind(int32 kind, const char *type)
{
	if (kind != INSTANT_DATE && kind != INSTANT_TIMESTAMPTZ)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid %s: unknown instant kind %d", type, kind),
				 errdetail("Kind 1 is timestamptz, kind 2 is date.")));
	return (InstantKind) kind;
}

/* Rejects an inconsistent state read from text or binary input. */
static void
StateError(const char *type, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid %s value", type),
			 errdetail("%s", detail)));
}

/* Binary input must hold exactly the bytes its layout needs: a short or long value is malformed. */
static void
RecvCheckLength(StringInfo buf, int64 need, const char *type)
{
	if (buf->len - buf->cursor != need)
		StateError(type, psprintf("The binary value has %d bytes where %lld are expected.",
								  buf->len - buf->cursor, (long long) need));
}

/* ---------------------------------------------------------------------------------------
 * customer_flow_state: one period
 * --------------------------------------------------------------------------------------- */

/* Validates a FlowState read from outside (text or binary). */
static void
FlowStateValidate(const FlowState *s)
{
	if (!IS_VALID_TIMESTAMP(s->period_start) || !IS_VALID_TIMESTAMP(s->period_end))
		StateError("customer_flow_state", "Period bounds must be finite timestamps.");
	/* the state of rollup(customer_flow) before its first flow: [0,0), nothing counted */
	if (s->period_start == 0 && s->period_end == 0 && s->inputs == 0 &&
		s->counts.customers_start == 0 && s->counts.new_customers == 0 &&
		s->counts.lost_customers == 0 && s->counts.lost_new_customers == 0)
		return;
	if (s->period_end <= s->period_start)
		StateError("customer_flow_state", "period_end must be after period_start.");
	if (s->inputs < 0 || !CountsValid(&s->counts) || CountsEnd(&s->counts) < 0)
		StateError("customer_flow_state",
				   "Counts must be non-negative, lost at most start, lost_new at most new.");
}

/* Text input: v1 <kind> [<start>,<end>) inputs=<n> start=<S> new=<N> lost=<L> lost_new=<Ln>. */
Datum
customer_flow_state_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	TextCursor	c = {str, str, "customer_flow_state"};
	FlowState  *s = (FlowState *) palloc0(sizeof(FlowState));

	ExpectText(&c, "v");
	CheckVersion(ReadInt64(&c), c.type);
	s->version = FLOW_FORMAT_VERSION;
	ExpectText(&c, " ");
	s->kind = ReadKind(&c);
	ExpectText(&c, " [");
	s->period_start = ReadInt64(&c);
	ExpectText(&c, ",");
	s->period_end = ReadInt64(&c);
	ExpectText(&c, ") inputs=");
	s->inputs = ReadInt64(&c);
	ExpectText(&c, " start=");
	s->counts.customers_start = ReadInt64(&c);
	ExpectText(&c, " new=");
	s->counts.new_customers = ReadInt64(&c);
	ExpectText(&c, " lost=");
	s->counts.lost_customers = ReadInt64(&c);
	ExpectText(&c, " lost_new=");
	s->counts.lost_new_customers = ReadInt64(&c);
	if (*c.p != '\0')
		TextError(&c, "Unexpected text after the last count.");
	FlowStateValidate(s);
	PG_RETURN_POINTER(s);
}

/* Text output; bounds are raw microseconds, so the text reads back exactly in any time zone. */
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

/* Binary input: version, kind, bounds, inputs and the four counts. */
Datum
customer_flow_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	FlowState  *s = (FlowState *) palloc0(sizeof(FlowState));

	/* version, kind, then seven 8-byte fields */
	RecvCheckLength(buf, 2 * 4 + 7 * 8, "customer_flow_state");
	CheckVersion(pq_getmsgint(buf, 4), "customer_flow_state");
	s->version = FLOW_FORMAT_VERSION;
	s->kind = CheckKind(pq_getmsgint(buf, 4), "customer_flow_state");
	s->period_start = pq_getmsgint64(buf);
	s->period_end = pq_getmsgint64(buf);
	s->inputs = pq_getmsgint64(buf);
	s->counts.customers_start = pq_getmsgint64(buf);
	s->counts.new_customers = pq_getmsgint64(buf);
	s->counts.lost_customers = pq_getmsgint64(buf);
	s->counts.lost_new_customers = pq_getmsgint64(buf);
	FlowStateValidate(s);
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
 * Adds (sign 1) or removes (sign -1) one span to the period's counts, by the SPEC table:
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
			CountAdd(&s->counts.customers_start, sign, 1);
			if (!open && end < pe)
				CountAdd(&s->counts.lost_customers, sign, 1);
		}
	}
	else if (start < pe)
	{
		CountAdd(&s->counts.new_customers, sign, 1);
		if (!open && end < pe)
			CountAdd(&s->counts.lost_new_customers, sign, 1);
	}
	CountAdd(&s->inputs, sign, 1);
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

	csm_agg_context(fcinfo, "customer_flow transition");

	/*
	 * The period comes from the arguments, so the state exists from the first row on, even
	 * when that row is skipped: a moving aggregate's transition may never return NULL (an
	 * empty state finishes as NULL all the same).
	 */
	RequireArg(fcinfo, 3, "period_start");
	RequireArg(fcinfo, 4, "period_end");
	ps = period_instant_from_datum(PG_GETARG_DATUM(3), kind, "period_start");
	pe = period_instant_from_datum(PG_GETARG_DATUM(4), kind, "period_end");
	if (s == NULL)
		s = FlowStateCreate(kind, ps, pe);
	else
	{
		CheckStateKind(s->kind, kind);
		FlowStateCheckPeriod(s, ps, pe);
	}

	/* NULL started_at: skipped, like any NULL aggregate input */
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	ReadSpan(fcinfo, kind, &start, &end, &open);
	FlowStateAddSpan(s, start, end, open, sign);
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

	csm_agg_context(fcinfo, "customer_flow_combine");
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
	CheckStateKind(b->kind, a->kind);
	FlowStateCheckPeriod(a, b->period_start, b->period_end);
	CountsAdd(&a->counts, &b->counts, 1);
	CountAdd(&a->inputs, 1, b->inputs);
	PG_RETURN_POINTER(a);
}

/* Builds a customer_flow composite datum from a period and its counts. */
static Datum
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
	values[6] = Int64GetDatum(CountsEnd(c));
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
	if (!CountsValid(c) || CountsEnd(c) != v[6])
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

	csm_agg_context(fcinfo, "rollup(customer_flow)");
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
		CheckStateKind(s->kind, INSTANT_TIMESTAMPTZ);
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
	CountAdd(&s->inputs, sign, 1);
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

/* ---------------------------------------------------------------------------------------
 * customer_flows_state: a whole series of periods
 * --------------------------------------------------------------------------------------- */

/* Errors unless periods is within 1..FLOW_MAX_PERIODS. */
static void
CheckPeriodCount(int64 periods)
{
	if (periods < 1 || periods > FLOW_MAX_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("periods %lld is out of range", (long long) periods),
				 errdetail("A series has 1 to %d periods.", FLOW_MAX_PERIODS)));
}

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
	CheckPeriodCount(periods);
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

	CountAdd(&s->inputs, sign, 1);
	if (start >= bounds[P] || (!open && end < bounds[0]))
		return;					/* entirely after or before the series */
	as = period_locate(bounds, P, start);
	ae = open ? P + 1 : period_locate(bounds, P, end);

	if (as == 0)
	{
		/* here ae >= 1 since end >= bounds[0] */
		CountAdd(&s->customers_start, sign, 1);
		if (ae <= P)
			CountAdd(&SeriesLost(s)[ae - 1], sign, 1);
		return;
	}
	CountAdd(&SeriesNew(s)[as - 1], sign, 1);	/* as <= P since start < bounds[P] */
	if (ae == as)
		CountAdd(&SeriesLostNew(s)[as - 1], sign, 1);
	else if (ae <= P)
		CountAdd(&SeriesLost(s)[ae - 1], sign, 1);
}

/* Detoasted copy-free view of a series state argument that may come from a table. */
static FlowSeriesState *
SeriesArg(FunctionCallInfo fcinfo, int argno)
{
	return (FlowSeriesState *) PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
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

	csm_agg_context(fcinfo, "customer_flows transition");
	if (!PG_ARGISNULL(0))
	{
		s = (FlowSeriesState *) PG_GETARG_POINTER(0);
		/* our own state is never toasted; a hand-made initial value might be */
		if (VARATT_IS_EXTENDED(s))
			s = (FlowSeriesState *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0));
	}

	/* As for customer_flow: the state exists from the first row on, skipped or not. */
	RequireArg(fcinfo, 3, "first_period_start");
	RequireArg(fcinfo, 4, "period_length");
	RequireArg(fcinfo, 5, "periods");
	first = period_instant_from_datum(PG_GETARG_DATUM(3), kind, "first_period_start");
	length = PG_GETARG_INTERVAL_P(4);
	periods = PG_GETARG_INT32(5);
	if (s == NULL)
		s = SeriesCreate(kind, first, length, periods);
	else
	{
		CheckStateKind(s->kind, kind);
		SeriesCheckParameters(s, first, length, periods);
	}

	/* NULL started_at: skipped, like any NULL aggregate input */
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	ReadSpan(fcinfo, kind, &start, &end, &open);
	SeriesAddSpan(s, start, end, open, sign);
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

	csm_agg_context(fcinfo, "customer_flows_combine");
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
	CheckStateKind(b->kind, a->kind);
	SeriesCheckParameters(a, SeriesBounds(b)[0], &b->period_length, b->periods);
	if (memcmp(SeriesBounds(a), SeriesBounds(b), sizeof(int64) * (a->periods + 1)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine customer_flows states with different period boundaries"),
				 errdetail("The states were computed in different time zones.")));
	CountAdd(&a->inputs, 1, b->inputs);
	CountAdd(&a->customers_start, 1, b->customers_start);
	n = 3 * a->periods;
	for (i = 0; i < n; i++)
		CountAdd(&SeriesNew(a)[i], 1, SeriesNew(b)[i]);
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
		c.customers_start = CountsEnd(&c);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(rows, s->periods, info->elemtype,
										  info->typlen, info->typbyval, info->typalign));
}

/*
 * Validates a series state read from outside: bounds finite and ascending, counts
 * consistent period by period, no more spans counted than were aggregated.
 */
static void
SeriesValidate(const FlowSeriesState *s)
{
	const char *type = "customer_flows_state";
	const int64 *bounds = SeriesBounds(s);
	FlowCounts	c;
	int64		counted;
	int			k;

	if (s->inputs < 0 || s->customers_start < 0)
		StateError(type, "Counts must be non-negative.");
	for (k = 0; k <= s->periods; k++)
		if (!IS_VALID_TIMESTAMP(bounds[k]) || (k > 0 && bounds[k] <= bounds[k - 1]))
			StateError(type, "Period bounds must be finite and ascending.");
	counted = s->customers_start;
	c.customers_start = s->customers_start;
	for (k = 0; k < s->periods; k++)
	{
		c.new_customers = SeriesNew(s)[k];
		c.lost_customers = SeriesLost(s)[k];
		c.lost_new_customers = SeriesLostNew(s)[k];
		if (!CountsValid(&c) || CountsEnd(&c) < 0)
			StateError(type, psprintf("Counts of period %d are inconsistent.", k + 1));
		counted = csm_add_count(counted, c.new_customers);
		c.customers_start = CountsEnd(&c);
	}
	if (counted > s->inputs)
		StateError(type, "More customers are counted than spans were aggregated.");
}

/* Appends a braced list of n int64 values. */
static void
AppendList(StringInfo buf, const char *name, const int64 *values, int n)
{
	int			i;

	appendStringInfo(buf, " %s={", name);
	for (i = 0; i < n; i++)
		appendStringInfo(buf, i == 0 ? INT64_FORMAT : "," INT64_FORMAT, values[i]);
	appendStringInfoChar(buf, '}');
}

/* Consumes " name={v1,...,vn}" with exactly n values. */
static void
ReadList(TextCursor *c, const char *name, int64 *values, int n)
{
	int			i;

	ExpectText(c, " ");
	ExpectText(c, name);
	ExpectText(c, "={");
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			ExpectText(c, ",");
		values[i] = ReadInt64(c);
	}
	ExpectText(c, "}");
}

/*
 * Text input: v1 <kind> periods=<P> length=(<months>,<days>,<usecs>) inputs=<n> start=<S0>
 * bounds={...} new={...} lost={...} lost_new={...}.
 */
Datum
customer_flows_state_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	TextCursor	c = {str, str, "customer_flows_state"};
	InstantKind	kind;
	int64		periods;
	Interval	length;
	FlowSeriesState *s;
	int64		v;

	ExpectText(&c, "v");
	CheckVersion(ReadInt64(&c), c.type);
	ExpectText(&c, " ");
	kind = ReadKind(&c);
	ExpectText(&c, " periods=");
	periods = ReadInt64(&c);
	if (periods < 1 || periods > FLOW_MAX_PERIODS)
		TextError(&c, psprintf("A series has 1 to %d periods.", FLOW_MAX_PERIODS));
	ExpectText(&c, " length=(");
	v = ReadInt64(&c);
	if (v < PG_INT32_MIN || v > PG_INT32_MAX)
		TextError(&c, "Interval months are out of range.");
	length.month = (int32) v;
	ExpectText(&c, ",");
	v = ReadInt64(&c);
	if (v < PG_INT32_MIN || v > PG_INT32_MAX)
		TextError(&c, "Interval days are out of range.");
	length.day = (int32) v;
	ExpectText(&c, ",");
	length.time = ReadInt64(&c);
	ExpectText(&c, ")");

	s = SeriesAlloc(CurrentMemoryContext, (int) periods);
	s->kind = kind;
	s->period_length = length;
	ExpectText(&c, " inputs=");
	s->inputs = ReadInt64(&c);
	ExpectText(&c, " start=");
	s->customers_start = ReadInt64(&c);
	ReadList(&c, "bounds", SeriesBounds(s), s->periods + 1);
	ReadList(&c, "new", SeriesNew(s), s->periods);
	ReadList(&c, "lost", SeriesLost(s), s->periods);
	ReadList(&c, "lost_new", SeriesLostNew(s), s->periods);
	if (*c.p != '\0')
		TextError(&c, "Unexpected text after the last list.");
	SeriesValidate(s);
	PG_RETURN_POINTER(s);
}

/* Text output, the form customer_flows_state_in reads; bounds in raw microseconds. */
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

/* Binary input: header fields, then bounds, new, lost and lost_new. */
Datum
customer_flows_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	InstantKind	kind;
	int32		periods;
	FlowSeriesState *s;
	int			i,
				n;

	if (buf->len - buf->cursor < 3 * 4)
		RecvCheckLength(buf, 3 * 4, "customer_flows_state");
	CheckVersion(pq_getmsgint(buf, 4), "customer_flows_state");
	kind = CheckKind(pq_getmsgint(buf, 4), "customer_flows_state");
	periods = pq_getmsgint(buf, 4);
	if (periods < 1 || periods > FLOW_MAX_PERIODS)
		StateError("customer_flows_state", psprintf("A series has 1 to %d periods.", FLOW_MAX_PERIODS));
	/* period length (4 + 4 + 8), inputs, customers_start, then 4 × periods + 1 values */
	RecvCheckLength(buf, 16 + 8 + 8 + 8 * (4 * (int64) periods + 1), "customer_flows_state");
	s = SeriesAlloc(CurrentMemoryContext, periods);
	s->kind = kind;
	s->period_length.month = pq_getmsgint(buf, 4);
	s->period_length.day = pq_getmsgint(buf, 4);
	s->period_length.time = pq_getmsgint64(buf);
	s->inputs = pq_getmsgint64(buf);
	s->customers_start = pq_getmsgint64(buf);
	n = 4 * periods + 1;
	for (i = 0; i < n; i++)
		s->data[i] = pq_getmsgint64(buf);
	SeriesValidate(s);
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
