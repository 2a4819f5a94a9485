/*
 * survival.c
 *		Kaplan–Meier customer lifetime: the storable survival_summary type, its
 *		aggregates and accessors, and the helpers it shares with the "survival form" of LTV,
 *		the ltv(arpa, tenure, churned [, horizon]) aggregate in survival_ltv.c (survival.h).
 *
 * A summary holds, for every whole-period tenure 0..1200, how many customers churned with
 * that tenure and how many are still active (censored) with it. That is everything the
 * Kaplan–Meier estimator needs, and counts add up exactly, so summaries merge (rollup,
 * parallel combine) and un-merge (sliding windows) without loss.
 *
 * Memory: a transition state grows geometrically when a larger tenure arrives. The grown
 * copy is built in the calling (per-row) memory context and returned; the executor then
 * copies it into the aggregate context and frees the old state itself. That is why a grown
 * state is never repalloc'd in the aggregate context: repalloc would free the old value a
 * second time when the executor frees it, and a palloc there would leak one copy per
 * growth. Between growths (at most ~11 per group) the state is updated in place.
 */
#include "csmetrics.h"
#include "survival.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"

/*
 * A median is the first k with Ŝ(k) <= 0.5. A product of up to 1201 factors carries a
 * relative rounding error below 1e-13, so a curve that is exactly one half in exact
 * arithmetic still counts when it lands just above 0.5 in floating point.
 */
#define SURVIVAL_MEDIAN_TOLERANCE 1e-12

/* Bytes of one tenure in the binary form: int32 tenure, int64 churned, int64 censored. */
#define SURVIVAL_ENTRY_BYTES	20

PG_FUNCTION_INFO_V1(survival_summary_in);
PG_FUNCTION_INFO_V1(survival_summary_out);
PG_FUNCTION_INFO_V1(survival_summary_recv);
PG_FUNCTION_INFO_V1(survival_summary_send);
PG_FUNCTION_INFO_V1(survival_summary_eq);
PG_FUNCTION_INFO_V1(survival_summary_transfn);
PG_FUNCTION_INFO_V1(survival_summary_mtransfn);
PG_FUNCTION_INFO_V1(survival_summary_invfn);
PG_FUNCTION_INFO_V1(survival_summary_combine);
PG_FUNCTION_INFO_V1(survival_summary_rollup_mtransfn);
PG_FUNCTION_INFO_V1(survival_summary_rollup_invfn);
PG_FUNCTION_INFO_V1(survival_summary_final);
PG_FUNCTION_INFO_V1(survival_at);
PG_FUNCTION_INFO_V1(survival_median_lifetime);
PG_FUNCTION_INFO_V1(survival_expected_lifetime);
PG_FUNCTION_INFO_V1(survival_expected_lifetime_horizon);
PG_FUNCTION_INFO_V1(survival_curve);
PG_FUNCTION_INFO_V1(survival_customers);
PG_FUNCTION_INFO_V1(survival_churned);

/* ---------------------------------------------------------------------------------
 * Building and updating summaries
 * --------------------------------------------------------------------------------- */

/* A zeroed value of the given kind with room for slots tenures, in the current context. */
SurvivalSummary *
SurvivalNew(int kind, int slots)
{
	SurvivalSummary *s = palloc0(SurvivalSize(slots));

	SET_VARSIZE(s, SurvivalSize(slots));
	s->version = SURVIVAL_VERSION;
	s->kind = kind;
	return s;
}

/* Refuse a value of another kind or version (a stored value from a later release). */
void
SurvivalCheck(const SurvivalSummary *s, int kind)
{
	if (unlikely(s->version != SURVIVAL_VERSION))
	{
		CsmInput	in;

		csm_stored_begin(&in, kind == SURVIVAL_KIND_LTV ? "survival_ltv_state" : "survival_summary");
		csm_check_version(&in, s->version, SURVIVAL_VERSION, SURVIVAL_VERSION);
	}
	if (s->kind != kind)
		elog(ERROR, "survival value of kind %d where kind %d was expected", s->kind, kind);
}

/* Check a tenure against 0..1200. */
void
SurvivalCheckTenure(int32 tenure)
{
	if (tenure < 0 || tenure > SURVIVAL_MAX_TENURE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("tenure %d is out of range", tenure),
				 errdetail("Tenures are whole periods from 0 to %d.", SURVIVAL_MAX_TENURE)));
}

/* Check a horizon against 1..1201 (RMST sums Ŝ(0) .. Ŝ(horizon - 1)). */
void
SurvivalCheckHorizon(int32 horizon)
{
	if (horizon < 1 || horizon > SURVIVAL_MAX_HORIZON)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("horizon %d is out of range", horizon),
				 errdetail("The horizon is a number of whole periods from 1 to %d.",
						   SURVIVAL_MAX_HORIZON)));
}

/*
 * The state a transition or combine function may update, with room for tenures
 * 0..slots-1 (the rule in csmetrics.h): inside an aggregate the state itself when it is big
 * enough, otherwise (too small, or a direct call) a copy in the current context, grown
 * geometrically; the executor moves a new copy into the aggregate context (see the header
 * comment). NULL state: a new empty value.
 */
SurvivalSummary *
SurvivalForUpdate(FunctionCallInfo fcinfo, SurvivalSummary *state, int kind, int slots)
{
	SurvivalSummary *copy;
	int			have;

	if (state == NULL)
		return SurvivalNew(kind, slots);
	SurvivalCheck(state, kind);
	have = SurvivalSlots(state);
	if (slots <= have && csm_in_aggregate(fcinfo))
		return state;
	if (slots > have)
		slots = Min(Max(slots, 2 * have), SURVIVAL_SLOTS);
	else
		slots = have;
	copy = SurvivalNew(kind, slots);
	memcpy(copy, state, SurvivalSize(state->ntenures));
	SET_VARSIZE(copy, SurvivalSize(slots));
	return copy;
}

/* Count one customer with the given tenure. */
void
SurvivalAdd(SurvivalSummary *s, int tenure, bool churned)
{
	SurvivalCount *c = &s->counts[tenure];

	s->customers = csm_add_count(s->customers, 1);
	if (churned)
	{
		c->churned = csm_add_count(c->churned, 1);
		s->churned = csm_add_count(s->churned, 1);
	}
	else
		c->censored = csm_add_count(c->censored, 1);
	if (tenure >= s->ntenures)
		s->ntenures = tenure + 1;
}

/* Drop trailing empty tenures, so that equal counts mean equal values. */
static void
SurvivalTrim(SurvivalSummary *s)
{
	while (s->ntenures > 0 &&
		   s->counts[s->ntenures - 1].churned == 0 &&
		   s->counts[s->ntenures - 1].censored == 0)
		s->ntenures--;
}

/* Uncount one customer (inverse transition of SurvivalAdd). */
static void
SurvivalRemove(SurvivalSummary *s, int tenure, bool churned)
{
	SurvivalCount *c;

	if (tenure < 0 || tenure >= s->ntenures)
		csm_nothing_to_remove("The state holds no customer with tenure %d.", tenure);
	c = &s->counts[tenure];
	s->customers = csm_sub_count(s->customers, 1);
	if (churned)
	{
		c->churned = csm_sub_count(c->churned, 1);
		s->churned = csm_sub_count(s->churned, 1);
	}
	else
		c->censored = csm_sub_count(c->censored, 1);
	SurvivalTrim(s);
}

/* Add the counts of b to s, which has room for b's tenures. */
void
SurvivalMergeCounts(SurvivalSummary *s, const SurvivalSummary *b)
{
	int			t;

	s->customers = csm_add_count(s->customers, b->customers);
	s->churned = csm_add_count(s->churned, b->churned);
	for (t = 0; t < b->ntenures; t++)
	{
		s->counts[t].churned = csm_add_count(s->counts[t].churned, b->counts[t].churned);
		s->counts[t].censored = csm_add_count(s->counts[t].censored, b->counts[t].censored);
	}
	if (b->ntenures > s->ntenures)
		s->ntenures = b->ntenures;
}

/* Subtract the counts of b from s (inverse of SurvivalMergeCounts). */
static void
SurvivalSubtractCounts(SurvivalSummary *s, const SurvivalSummary *b)
{
	int			t;

	if (b->ntenures > s->ntenures)
		csm_nothing_to_remove("The state holds no customer with tenure %d.", b->ntenures - 1);
	s->customers = csm_sub_count(s->customers, b->customers);
	s->churned = csm_sub_count(s->churned, b->churned);
	for (t = 0; t < b->ntenures; t++)
	{
		s->counts[t].churned = csm_sub_count(s->counts[t].churned, b->counts[t].churned);
		s->counts[t].censored = csm_sub_count(s->counts[t].censored, b->counts[t].censored);
	}
	SurvivalTrim(s);
}

/* A copy of s without spare slots: the form values are stored and compared in. */
SurvivalSummary *
SurvivalCompact(const SurvivalSummary *s)
{
	SurvivalSummary *copy = palloc(SurvivalSize(s->ntenures));

	memcpy(copy, s, SurvivalSize(s->ntenures));
	SET_VARSIZE(copy, SurvivalSize(s->ntenures));
	return copy;
}

/* ---------------------------------------------------------------------------------
 * Kaplan–Meier
 * --------------------------------------------------------------------------------- */

/*
 * Walks the Kaplan–Meier curve one whole period at a time. With n_j = customers with
 * tenure >= j and d_j = customers churned with tenure = j,
 *
 *		Ŝ(k) = Π_{j <= k} (1 − d_j / n_j)
 *
 * A period with n_j = 0 (past the largest tenure) contributes no factor, so the curve
 * stays at its last value from there on.
 */
typedef struct KaplanMeier
{
	const SurvivalSummary *s;	/* the counts */
	int			k;				/* period of the current value, -1 before the first step */
	int64		at_risk;		/* n_{k+1}: customers with tenure > k */
	float8		survival;		/* Ŝ(k) (1 before the first step) */
} KaplanMeier;

/* Start a walk before period 0. */
static void
KaplanMeierStart(KaplanMeier *km, const SurvivalSummary *s)
{
	km->s = s;
	km->k = -1;
	km->at_risk = s->customers;
	km->survival = 1.0;
}

/* Advance to the next period and return Ŝ(k) there. */
static float8
KaplanMeierStep(KaplanMeier *km)
{
	int			j = ++km->k;

	if (j < km->s->ntenures)
	{
		const SurvivalCount *c = &km->s->counts[j];

		if (c->churned > 0)		/* then n_j >= d_j > 0 */
			km->survival *= 1.0 - (float8) c->churned / (float8) km->at_risk;
		km->at_risk -= c->churned + c->censored;
	}
	return km->survival;
}

/* RMST(τ) = Σ_{k=0}^{τ−1} Ŝ(k): the area under the step curve up to the horizon τ. */
float8
SurvivalRestrictedMean(const SurvivalSummary *s, int horizon)
{
	KaplanMeier km;
	float8		area = 0.0;
	int			k;

	KaplanMeierStart(&km, s);
	for (k = 0; k < horizon; k++)
		area += KaplanMeierStep(&km);
	return area;
}

/* The horizon used when none is given: the largest observed tenure + 1. */
int
SurvivalDefaultHorizon(const SurvivalSummary *s)
{
	return s->ntenures;
}

/* ---------------------------------------------------------------------------------
 * Text and binary forms, version 1
 *
 * survival_summary:    1;0:1/2,3:0/5
 *   version; then tenure:churned/censored for every tenure with a customer, ascending.
 * survival_ltv_state:  1;h=12;a=1295.85;0:1/2,3:0/5
 *   version; horizon (h=- when none); exact sum of arpa; the counts as above.
 * Only the canonical spelling is accepted (no spaces, signs, leading zeros, empty or
 * repeated tenures), so every accepted text is exactly what the value prints as.
 * The binary forms are sparse in the same way: a version byte, then (for the ltv state)
 * its own fields, then int32 number of entries and per tenure with customers, ascending,
 * int32 tenure, int64 churned, int64 censored.
 * --------------------------------------------------------------------------------- */

/* Read the version: "1;" in text, one byte in binary. */
void
SurvivalReadVersion(CsmInput *in)
{
	if (in->source == CSM_TEXT)
	{
		csm_check_version(in, csm_text_int64(in, "version", 0, PG_INT64_MAX),
						  SURVIVAL_VERSION, SURVIVAL_VERSION);
		csm_text_expect(in, ";");
	}
	else
		csm_check_version(in, csm_recv_int(in, 1, "version"), SURVIVAL_VERSION, SURVIVAL_VERSION);
}

/*
 * Check decoded counts and compute the totals; returns what is wrong, or NULL. Tenures
 * between listed ones may be empty, the last one may not (equal values, equal forms).
 */
static const char *
ValidateCounts(SurvivalSummary *s)
{
	int			t;
	int64		customers = 0;
	int64		churned = 0;

	for (t = 0; t < s->ntenures; t++)
	{
		SurvivalCount *c = &s->counts[t];

		if (c->churned < 0 || c->censored < 0)
			return psprintf("The counts of tenure %d are negative.", t);
		if (pg_add_s64_overflow(churned, c->churned, &churned) ||
			pg_add_s64_overflow(customers, c->churned, &customers) ||
			pg_add_s64_overflow(customers, c->censored, &customers))
			return "The total number of customers exceeds the bigint range.";
	}
	if (s->ntenures > 0 && s->counts[s->ntenures - 1].churned == 0 &&
		s->counts[s->ntenures - 1].censored == 0)
		return psprintf("The last tenure %d has no customers.", s->ntenures - 1);
	s->customers = customers;
	s->churned = churned;
	return NULL;
}

/* Read one tenure's entry into counts[] (text or binary); *ntenures follows the largest. */
static void
ReadEntry(CsmInput *in, SurvivalCount *counts, int *ntenures)
{
	int64		tenure;
	SurvivalCount c;

	if (in->source == CSM_TEXT)
	{
		tenure = csm_text_int64(in, "tenure", 0, SURVIVAL_MAX_TENURE);
		csm_text_expect(in, ":");
		c.churned = csm_text_int64(in, "churned count", 0, PG_INT64_MAX);
		csm_text_expect(in, "/");
		c.censored = csm_text_int64(in, "censored count", 0, PG_INT64_MAX);
	}
	else
	{
		tenure = csm_recv_int(in, 4, "tenure");
		c.churned = csm_recv_int(in, 8, "churned count");
		c.censored = csm_recv_int(in, 8, "censored count");
		if (tenure < 0 || tenure > SURVIVAL_MAX_TENURE)
			csm_input_error(in, "Tenure %lld is out of range 0..%d.", (long long) tenure,
							SURVIVAL_MAX_TENURE);
	}
	if (tenure < *ntenures)
		csm_input_error(in, "Tenure %lld is not in ascending order.", (long long) tenure);
	if (c.churned == 0 && c.censored == 0)
		csm_input_error(in, "Tenure %lld has no customers; empty tenures are left out.",
						(long long) tenure);
	counts[tenure] = c;
	*ntenures = (int) tenure + 1;
}

/*
 * Read the tenure counts that end a text or binary form: in text a comma-separated list of
 * tenure:churned/censored up to the end of the input, in binary an int32 number of entries
 * and the entries, nothing after them.
 */
SurvivalSummary *
SurvivalReadCounts(CsmInput *in, int kind)
{
	SurvivalCount counts[SURVIVAL_SLOTS];
	int			ntenures = 0;
	SurvivalSummary *s;
	const char *problem;

	memset(counts, 0, sizeof(counts));
	if (in->source == CSM_TEXT)
	{
		while (*in->p != '\0')
		{
			if (ntenures > 0)
				csm_text_expect(in, ",");
			ReadEntry(in, counts, &ntenures);
		}
	}
	else
	{
		int64		nentries = csm_recv_int(in, 4, "number of tenures");
		int			i;

		if (nentries < 0 || nentries > SURVIVAL_SLOTS)
			csm_input_error(in, "The number of tenures %lld is out of range 0..%d.",
							(long long) nentries, SURVIVAL_SLOTS);
		csm_recv_length(in, nentries * SURVIVAL_ENTRY_BYTES,
						psprintf("counts (%d per tenure)", SURVIVAL_ENTRY_BYTES));
		for (i = 0; i < nentries; i++)
			ReadEntry(in, counts, &ntenures);
	}
	s = SurvivalNew(kind, ntenures);
	s->ntenures = ntenures;
	memcpy(s->counts, counts, ntenures * sizeof(SurvivalCount));
	problem = ValidateCounts(s);
	if (problem != NULL)
		csm_input_error(in, "%s", problem);
	return s;
}

/* Append the tenure:churned/censored list. */
void
SurvivalAppendCounts(StringInfo buf, const SurvivalSummary *s)
{
	bool		first = true;
	int			t;

	for (t = 0; t < s->ntenures; t++)
	{
		const SurvivalCount *c = &s->counts[t];

		if (c->churned == 0 && c->censored == 0)
			continue;
		appendStringInfo(buf, "%s%d:%lld/%lld", first ? "" : ",", t,
						 (long long) c->churned, (long long) c->censored);
		first = false;
	}
}

/* Append the counts in the binary form SurvivalReadCounts reads. */
void
SurvivalSendCounts(StringInfo buf, const SurvivalSummary *s)
{
	int			nentries = 0;
	int			t;

	for (t = 0; t < s->ntenures; t++)
		if (s->counts[t].churned != 0 || s->counts[t].censored != 0)
			nentries++;
	pq_sendint32(buf, nentries);
	for (t = 0; t < s->ntenures; t++)
	{
		if (s->counts[t].churned == 0 && s->counts[t].censored == 0)
			continue;
		pq_sendint32(buf, t);
		pq_sendint64(buf, s->counts[t].churned);
		pq_sendint64(buf, s->counts[t].censored);
	}
}

/* Text input of survival_summary. */
Datum
survival_summary_in(PG_FUNCTION_ARGS)
{
	CsmInput	in;

	csm_text_begin(&in, "survival_summary", PG_GETARG_CSTRING(0), true);
	SurvivalReadVersion(&in);
	PG_RETURN_POINTER(SurvivalReadCounts(&in, SURVIVAL_KIND_SUMMARY));
}

/* Text output of survival_summary. */
Datum
survival_summary_out(PG_FUNCTION_ARGS)
{
	SurvivalSummary *s = PG_GETARG_SURVIVAL(0);
	StringInfoData buf;

	SurvivalCheck(s, SURVIVAL_KIND_SUMMARY);
	initStringInfo(&buf);
	appendStringInfo(&buf, "%d;", SURVIVAL_VERSION);
	SurvivalAppendCounts(&buf, s);
	PG_RETURN_CSTRING(buf.data);
}

/* Binary input of survival_summary: version byte, then the counts. */
Datum
survival_summary_recv(PG_FUNCTION_ARGS)
{
	CsmInput	in;

	csm_recv_begin(&in, "survival_summary", (StringInfo) PG_GETARG_POINTER(0));
	SurvivalReadVersion(&in);
	PG_RETURN_POINTER(SurvivalReadCounts(&in, SURVIVAL_KIND_SUMMARY));
}

/* Binary output of survival_summary. */
Datum
survival_summary_send(PG_FUNCTION_ARGS)
{
	SurvivalSummary *s = PG_GETARG_SURVIVAL(0);
	StringInfoData buf;

	SurvivalCheck(s, SURVIVAL_KIND_SUMMARY);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, SURVIVAL_VERSION);
	SurvivalSendCounts(&buf, s);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* survival_summary = survival_summary: the same counts at every tenure. */
Datum
survival_summary_eq(PG_FUNCTION_ARGS)
{
	SurvivalSummary *a = PG_GETARG_SURVIVAL(0);
	SurvivalSummary *b = PG_GETARG_SURVIVAL(1);

	SurvivalCheck(a, SURVIVAL_KIND_SUMMARY);
	SurvivalCheck(b, SURVIVAL_KIND_SUMMARY);
	PG_RETURN_BOOL(a->ntenures == b->ntenures &&
				   memcmp(a->counts, b->counts, a->ntenures * sizeof(SurvivalCount)) == 0);
}

/* ---------------------------------------------------------------------------------
 * Aggregates
 * --------------------------------------------------------------------------------- */

/* The state argument, or NULL. */
SurvivalSummary *
SurvivalStateArg(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : PG_GETARG_SURVIVAL(n);
}

/* Return a state that may be NULL. */
Datum
SurvivalReturnState(FunctionCallInfo fcinfo, SurvivalSummary *state)
{
	if (state == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(state);
}

/*
 * Count one customer (tenure, churned). moving: the state exists from the first row on,
 * NULL rows included, because a window frame must never hold a NULL state when it removes
 * a row (and the final function maps an empty summary to NULL anyway).
 */
static Datum
SummaryTransition(FunctionCallInfo fcinfo, bool moving)
{
	SurvivalSummary *state = SurvivalStateArg(fcinfo, 0);
	int32		tenure;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (moving && state == NULL)
			state = SurvivalNew(SURVIVAL_KIND_SUMMARY, 0);
		return SurvivalReturnState(fcinfo, state);
	}
	tenure = PG_GETARG_INT32(1);
	SurvivalCheckTenure(tenure);
	state = SurvivalForUpdate(fcinfo, state, SURVIVAL_KIND_SUMMARY, tenure + 1);
	SurvivalAdd(state, tenure, PG_GETARG_BOOL(2));
	PG_RETURN_POINTER(state);
}

/* Add the counts of the summary in argument 1 to the state; moving as above. */
static Datum
SummaryMerge(FunctionCallInfo fcinfo, bool moving)
{
	SurvivalSummary *state = SurvivalStateArg(fcinfo, 0);
	SurvivalSummary *other;

	if (PG_ARGISNULL(1))
	{
		if (moving && state == NULL)
			state = SurvivalNew(SURVIVAL_KIND_SUMMARY, 0);
		return SurvivalReturnState(fcinfo, state);
	}
	other = PG_GETARG_SURVIVAL(1);
	SurvivalCheck(other, SURVIVAL_KIND_SUMMARY);
	state = SurvivalForUpdate(fcinfo, state, SURVIVAL_KIND_SUMMARY, other->ntenures);
	SurvivalMergeCounts(state, other);
	PG_RETURN_POINTER(state);
}

/*
 * The state of an inverse transition, ready to be updated; a NULL state holds nothing, so
 * only a NULL input (nothing to remove) may come with it.
 */
static SurvivalSummary *
InverseState(FunctionCallInfo fcinfo, bool nothing_to_remove)
{
	SurvivalSummary *state = SurvivalStateArg(fcinfo, 0);

	if (state == NULL)
	{
		if (!nothing_to_remove)
			csm_nothing_to_remove("The state is empty.");
		return SurvivalNew(SURVIVAL_KIND_SUMMARY, 0);
	}
	return SurvivalForUpdate(fcinfo, state, SURVIVAL_KIND_SUMMARY, 0);
}

/* survival_summary(tenure, churned) transition: count one customer. */
Datum
survival_summary_transfn(PG_FUNCTION_ARGS)
{
	return SummaryTransition(fcinfo, false);
}

/* Moving-aggregate transition of survival_summary(tenure, churned). */
Datum
survival_summary_mtransfn(PG_FUNCTION_ARGS)
{
	return SummaryTransition(fcinfo, true);
}

/* Inverse transition: uncount a customer that leaves the window frame. */
Datum
survival_summary_invfn(PG_FUNCTION_ARGS)
{
	bool		skip = PG_ARGISNULL(1) || PG_ARGISNULL(2);
	SurvivalSummary *state = InverseState(fcinfo, skip);

	if (!skip)
		SurvivalRemove(state, PG_GETARG_INT32(1), PG_GETARG_BOOL(2));
	PG_RETURN_POINTER(state);
}

/* Combine (and rollup transition): add the counts of the second summary to the first. */
Datum
survival_summary_combine(PG_FUNCTION_ARGS)
{
	return SummaryMerge(fcinfo, false);
}

/* rollup() moving transition. */
Datum
survival_summary_rollup_mtransfn(PG_FUNCTION_ARGS)
{
	return SummaryMerge(fcinfo, true);
}

/* rollup() inverse transition: subtract a summary that leaves the window frame. */
Datum
survival_summary_rollup_invfn(PG_FUNCTION_ARGS)
{
	SurvivalSummary *state = InverseState(fcinfo, PG_ARGISNULL(1));

	if (!PG_ARGISNULL(1))
	{
		SurvivalSummary *other = PG_GETARG_SURVIVAL(1);

		SurvivalCheck(other, SURVIVAL_KIND_SUMMARY);
		SurvivalSubtractCounts(state, other);
	}
	PG_RETURN_POINTER(state);
}

/* Final function: the summary without spare slots; NULL when no customer was counted. */
Datum
survival_summary_final(PG_FUNCTION_ARGS)
{
	SurvivalSummary *state = SurvivalStateArg(fcinfo, 0);

	if (state == NULL || state->customers == 0)
		PG_RETURN_NULL();
	SurvivalCheck(state, SURVIVAL_KIND_SUMMARY);
	PG_RETURN_POINTER(SurvivalCompact(state));
}


/* ---------------------------------------------------------------------------------
 * Accessors
 * --------------------------------------------------------------------------------- */

/* The summary argument, checked; NULL when it counts no customer. */
static SurvivalSummary *
SummaryArg(FunctionCallInfo fcinfo, int n)
{
	SurvivalSummary *s = PG_GETARG_SURVIVAL(n);

	SurvivalCheck(s, SURVIVAL_KIND_SUMMARY);
	return s->customers > 0 ? s : NULL;
}

/* survival_at(s, k): Ŝ(k); past the largest tenure the last value. */
Datum
survival_at(PG_FUNCTION_ARGS)
{
	SurvivalSummary *s = SummaryArg(fcinfo, 0);
	int32		k = PG_GETARG_INT32(1);
	KaplanMeier km;
	float8		value = 1.0;
	int			j;

	if (k < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("period %d is out of range", k),
				 errdetail("Survival is defined for whole periods k >= 0.")));
	if (s == NULL)
		PG_RETURN_NULL();
	KaplanMeierStart(&km, s);
	for (j = 0; j <= Min(k, s->ntenures - 1); j++)
		value = KaplanMeierStep(&km);
	PG_RETURN_FLOAT8(value);
}

/* median_lifetime(s): the first k with Ŝ(k) <= 0.5; NULL when the curve stays above. */
Datum
survival_median_lifetime(PG_FUNCTION_ARGS)
{
	SurvivalSummary *s = SummaryArg(fcinfo, 0);
	KaplanMeier km;
	int			k;

	if (s == NULL)
		PG_RETURN_NULL();
	KaplanMeierStart(&km, s);
	for (k = 0; k < s->ntenures; k++)
		if (KaplanMeierStep(&km) <= 0.5 + SURVIVAL_MEDIAN_TOLERANCE)
			PG_RETURN_INT32(k);
	PG_RETURN_NULL();
}

/* expected_lifetime(s): RMST up to the largest observed tenure + 1. */
Datum
survival_expected_lifetime(PG_FUNCTION_ARGS)
{
	SurvivalSummary *s = SummaryArg(fcinfo, 0);

	if (s == NULL)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(SurvivalRestrictedMean(s, SurvivalDefaultHorizon(s)));
}

/* expected_lifetime(s, horizon): RMST(horizon). */
Datum
survival_expected_lifetime_horizon(PG_FUNCTION_ARGS)
{
	SurvivalSummary *s = SummaryArg(fcinfo, 0);
	int32		horizon = PG_GETARG_INT32(1);

	SurvivalCheckHorizon(horizon);
	if (s == NULL)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(SurvivalRestrictedMean(s, horizon));
}

/* survival_curve(s): Ŝ(0) .. Ŝ(largest tenure) as float8[]. */
Datum
survival_curve(PG_FUNCTION_ARGS)
{
	SurvivalSummary *s = SummaryArg(fcinfo, 0);
	KaplanMeier km;
	Datum	   *values;
	int			k;

	if (s == NULL)
		PG_RETURN_NULL();
	values = palloc(sizeof(Datum) * s->ntenures);
	KaplanMeierStart(&km, s);
	for (k = 0; k < s->ntenures; k++)
		values[k] = Float8GetDatum(KaplanMeierStep(&km));
	PG_RETURN_ARRAYTYPE_P(construct_array(values, s->ntenures, FLOAT8OID, sizeof(float8),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* customers(s): customers counted (churned and still active). */
Datum
survival_customers(PG_FUNCTION_ARGS)
{
	SurvivalSummary *s = PG_GETARG_SURVIVAL(0);

	SurvivalCheck(s, SURVIVAL_KIND_SUMMARY);
	PG_RETURN_INT64(s->customers);
}

/* churned(s): customers counted as churned. */
Datum
survival_churned(PG_FUNCTION_ARGS)
{
	SurvivalSummary *s = PG_GETARG_SURVIVAL(0);

	SurvivalCheck(s, SURVIVAL_KIND_SUMMARY);
	PG_RETURN_INT64(s->churned);
}
