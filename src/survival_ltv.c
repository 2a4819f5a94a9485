/*
 * survival_ltv.c
 *		The "survival form" of LTV: ltv(arpa, tenure, churned [, horizon]) =
 *		average arpa × the Kaplan–Meier restricted mean lifetime, and its transition state
 *		survival_ltv_state.
 *
 * The state is a survival summary (survival.h, same layout, kind SURVIVAL_KIND_LTV) plus the
 * horizon and the exact sum of arpa; it grows and is updated in place as survival.c explains.
 * Its text and binary forms are described in survival.c, next to the readers they share.
 */
#include "csmetrics.h"
#include "decimal.h"
#include "survival.h"

#include "libpq/pqformat.h"
#include "utils/builtins.h"
PG_FUNCTION_INFO_V1(survival_ltv_state_in);
PG_FUNCTION_INFO_V1(survival_ltv_state_out);
PG_FUNCTION_INFO_V1(survival_ltv_state_recv);
PG_FUNCTION_INFO_V1(survival_ltv_state_send);
PG_FUNCTION_INFO_V1(survival_ltv_transfn);
PG_FUNCTION_INFO_V1(survival_ltv_combine);
PG_FUNCTION_INFO_V1(survival_ltv_final);

/* ---------------------------------------------------------------------------------
 * Exact sum of arpa: int128 fixed point whose scale grows to the largest scale seen
 * --------------------------------------------------------------------------------- */

/* The error raised when the exact sum of arpa no longer fits. */
static void
ArpaOverflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("sum of arpa is out of range"),
			 errdetail("The exact sum of arpa (integer and fraction digits together) "
					   "is limited to 38 digits.")));
}

/* Read the fixed-point sum of an ltv state. */
static int128
ArpaSum(const SurvivalSummary *s)
{
	return DecimalFromHalves(s->arpa_hi, s->arpa_lo);
}

/* Store the fixed-point sum of an ltv state. */
static void
SetArpaSum(SurvivalSummary *s, int128 sum)
{
	s->arpa_lo = (uint64) sum;
	s->arpa_hi = (int64) (sum >> 64);
}

/* The error for an arpa that is negative or not finite. */
static void
ArpaOutOfRange(Datum arpa)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("ARPA %s is out of range",
					DatumGetCString(DirectFunctionCall1(numeric_out, arpa))),
			 errdetail("It must be a finite amount of at least 0.")));
}

/*
 * Read an arpa in place (decimal.c), so a row costs no allocation. Any number of fraction
 * digits is fine as long as the sum fits; negative or non-finite amounts are errors.
 */
static void
ArpaDecode(Datum datum, DecimalNumber *out)
{
	switch (DecimalDecode(datum, DECIMAL_ANY_SCALE, out))
	{
		case DECIMAL_OK:
			break;
		case DECIMAL_NAN:
		case DECIMAL_INFINITY:
			ArpaOutOfRange(datum);
			break;
		case DECIMAL_TOO_LARGE:
		case DECIMAL_TOO_PRECISE:
			ArpaOverflow();
			break;
	}
	if (out->negative)
		ArpaOutOfRange(datum);
}

/* Raise the scale of an ltv state's sum to at least scale. */
static void
ArpaRaiseScale(SurvivalSummary *s, int scale)
{
	int128		sum = ArpaSum(s);

	if (!DecimalRaiseScale(&sum, 1, &s->arpa_scale, scale))
		ArpaOverflow();
	SetArpaSum(s, sum);
}

/* Add value / 10^scale, shown with dscale fraction digits, to an ltv state's exact sum. */
static void
ArpaAddScaled(SurvivalSummary *s, int128 value, int scale, int dscale)
{
	int128		sum;

	ArpaRaiseScale(s, scale);
	if (!DecimalAddScaled(ArpaSum(s), value, s->arpa_scale - scale, &sum))
		ArpaOverflow();
	SetArpaSum(s, sum);
	if (dscale > s->arpa_dscale)
		s->arpa_dscale = dscale;
}

/* The error for rows (or partial states) of one group with different horizons. */
static void
HorizonMismatch(int32 horizon, int32 expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("horizon %d differs from horizon %d of other rows", horizon, expected),
			 errdetail("The horizon must be the same on every row of a group.")));
}

/* Merge the ltv fields of b into s (horizon must agree, sums add exactly). */
static void
ArpaMerge(SurvivalSummary *s, const SurvivalSummary *b)
{
	if (s->horizon != b->horizon)
		HorizonMismatch(b->horizon, s->horizon);
	ArpaAddScaled(s, ArpaSum(b), b->arpa_scale, b->arpa_dscale);
}

/* A state without customers has no arpa and no horizon (text or binary input). */
static void
CheckEmptyState(CsmInput *in, const SurvivalSummary *s)
{
	if (s->customers == 0 && (ArpaSum(s) != 0 || s->arpa_dscale != 0 || s->horizon != 0))
		csm_input_error(in, "A state without customers has no arpa and no horizon.");
}

/* A horizon read from text or binary input: 1..1201, or 0 for none. */
static int
CheckHorizonInput(CsmInput *in, int64 horizon)
{
	if (horizon != 0 && (horizon < 1 || horizon > SURVIVAL_MAX_HORIZON))
		csm_input_error(in, "Horizon %lld is out of range 1..%d (0 for none).", (long long) horizon,
						SURVIVAL_MAX_HORIZON);
	return (int) horizon;
}

/* Text input of survival_ltv_state (the form is described in survival.c). */
Datum
survival_ltv_state_in(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	SurvivalSummary *s;
	DecimalNumber sum;
	int			horizon = 0;

	csm_text_begin(&in, "survival_ltv_state", PG_GETARG_CSTRING(0), true);
	SurvivalReadVersion(&in);
	csm_text_expect(&in, "h=");
	if (!csm_text_skip(&in, "-"))
		horizon = (int) csm_text_int64(&in, "horizon", 1, SURVIVAL_MAX_HORIZON);
	csm_text_expect(&in, ";a=");
	DecimalReadText(&in, "sum of arpa", &sum);
	if (sum.negative)
		csm_input_error(&in, "The sum of arpa is negative.");
	csm_text_expect(&in, ";");
	s = SurvivalReadCounts(&in, SURVIVAL_KIND_LTV);
	s->horizon = horizon;
	s->arpa_scale = sum.scale;
	s->arpa_dscale = sum.dscale;
	SetArpaSum(s, sum.digits);
	CheckEmptyState(&in, s);
	PG_RETURN_POINTER(s);
}

/* Text output of survival_ltv_state. */
Datum
survival_ltv_state_out(PG_FUNCTION_ARGS)
{
	SurvivalSummary *s = PG_GETARG_SURVIVAL(0);
	StringInfoData buf;

	SurvivalCheck(s, SURVIVAL_KIND_LTV);
	initStringInfo(&buf);
	appendStringInfo(&buf, "%d;h=", SURVIVAL_VERSION);
	if (s->horizon > 0)
		appendStringInfo(&buf, "%d", s->horizon);
	else
		appendStringInfoChar(&buf, '-');
	appendStringInfoString(&buf, ";a=");
	DecimalAppendText(&buf, ArpaSum(s), s->arpa_scale, s->arpa_dscale);
	appendStringInfoChar(&buf, ';');
	SurvivalAppendCounts(&buf, s);
	PG_RETURN_CSTRING(buf.data);
}

/*
 * Binary input of survival_ltv_state: version byte, int32 horizon, int32 scale, int32
 * display scale, the sum as int128 (two int64 halves, high first), then the counts.
 */
Datum
survival_ltv_state_recv(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	int			horizon;
	int64		scale;
	int64		dscale;
	int128		sum;
	SurvivalSummary *s;

	csm_recv_begin(&in, "survival_ltv_state", (StringInfo) PG_GETARG_POINTER(0));
	SurvivalReadVersion(&in);
	horizon = CheckHorizonInput(&in, csm_recv_int(&in, 4, "horizon"));
	scale = csm_recv_int(&in, 4, "scale");
	dscale = csm_recv_int(&in, 4, "display scale");
	sum = csm_recv_int128(&in, "sum of arpa");
	if (scale < 0 || dscale < scale || dscale > DECIMAL_MAX_DSCALE)
		csm_input_error(&in, "Scale %lld and display scale %lld are inconsistent.",
						(long long) scale, (long long) dscale);
	if (sum < 0)
		csm_input_error(&in, "The sum of arpa is negative.");
	s = SurvivalReadCounts(&in, SURVIVAL_KIND_LTV);
	s->horizon = horizon;
	s->arpa_scale = (int16) scale;
	s->arpa_dscale = (int16) dscale;
	SetArpaSum(s, sum);
	CheckEmptyState(&in, s);
	PG_RETURN_POINTER(s);
}

/* Binary output of survival_ltv_state. */
Datum
survival_ltv_state_send(PG_FUNCTION_ARGS)
{
	SurvivalSummary *s = PG_GETARG_SURVIVAL(0);
	StringInfoData buf;

	SurvivalCheck(s, SURVIVAL_KIND_LTV);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, SURVIVAL_VERSION);
	pq_sendint32(&buf, s->horizon);
	pq_sendint32(&buf, s->arpa_scale);
	pq_sendint32(&buf, s->arpa_dscale);
	csm_send_int128(&buf, ArpaSum(s));
	SurvivalSendCounts(&buf, s);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ltv(arpa, tenure, churned [, horizon]) transition: count the customer, add its arpa. */
Datum
survival_ltv_transfn(PG_FUNCTION_ARGS)
{
	SurvivalSummary *state = SurvivalStateArg(fcinfo, 0);
	int			nargs = PG_NARGS();
	int32		tenure;
	int32		horizon = 0;
	DecimalNumber arpa;
	int			i;

	for (i = 1; i < nargs; i++)
		if (PG_ARGISNULL(i))
			return SurvivalReturnState(fcinfo, state);
	ArpaDecode(PG_GETARG_DATUM(1), &arpa);
	tenure = PG_GETARG_INT32(2);
	SurvivalCheckTenure(tenure);
	if (nargs > 4)
	{
		horizon = PG_GETARG_INT32(4);
		SurvivalCheckHorizon(horizon);
	}
	if (state == NULL)
	{
		state = SurvivalForUpdate(fcinfo, NULL, SURVIVAL_KIND_LTV, tenure + 1);
		state->horizon = horizon;
	}
	else
	{
		if (state->horizon != horizon)
			HorizonMismatch(horizon, state->horizon);
		state = SurvivalForUpdate(fcinfo, state, SURVIVAL_KIND_LTV, tenure + 1);
	}
	ArpaAddScaled(state, arpa.digits, arpa.scale, arpa.dscale);
	SurvivalAdd(state, tenure, PG_GETARG_BOOL(3));
	PG_RETURN_POINTER(state);
}

/* ltv combine: merge counts and sums of arpa exactly; horizons must agree. */
Datum
survival_ltv_combine(PG_FUNCTION_ARGS)
{
	SurvivalSummary *state = SurvivalStateArg(fcinfo, 0);
	SurvivalSummary *other;

	if (PG_ARGISNULL(1))
		return SurvivalReturnState(fcinfo, state);
	other = PG_GETARG_SURVIVAL(1);
	SurvivalCheck(other, SURVIVAL_KIND_LTV);
	if (other->customers == 0)	/* an empty state (text '1;h=-;a=0;') adds nothing */
		return SurvivalReturnState(fcinfo, state);
	if (state == NULL)
	{
		state = SurvivalForUpdate(fcinfo, NULL, SURVIVAL_KIND_LTV, other->ntenures);
		state->horizon = other->horizon;
	}
	else
		state = SurvivalForUpdate(fcinfo, state, SURVIVAL_KIND_LTV, other->ntenures);
	ArpaMerge(state, other);
	SurvivalMergeCounts(state, other);
	PG_RETURN_POINTER(state);
}

/*
 * ltv final: LTV_KM = ARPA × RMST(τ), where ARPA is the average arpa over the rows,
 * computed exactly as avg(arpa) would (the exact sum, with its display scale, divided by
 * the row count), and RMST is converted to numeric as float8::numeric does; so the result
 * equals avg(arpa) * expected_lifetime(survival_summary(tenure, churned) [, τ])::numeric.
 */
Datum
survival_ltv_final(PG_FUNCTION_ARGS)
{
	SurvivalSummary *state = SurvivalStateArg(fcinfo, 0);
	Datum		average;
	float8		rmst;

	if (state == NULL || state->customers == 0)
		PG_RETURN_NULL();
	SurvivalCheck(state, SURVIVAL_KIND_LTV);
	average = DirectFunctionCall2(numeric_div,
								  DecimalToNumeric(ArpaSum(state), state->arpa_scale,
												   state->arpa_dscale),
								  NumericGetDatum(csm_int64_to_numeric(state->customers)));
	rmst = SurvivalRestrictedMean(state, state->horizon > 0 ? state->horizon : SurvivalDefaultHorizon(state));
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_mul, average,
										DirectFunctionCall1(float8_numeric,
															Float8GetDatum(rmst))));
}
