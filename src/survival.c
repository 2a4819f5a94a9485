/*
 * survival.c
 *		Kaplan–Meier customer lifetime (SPEC §3): the storable survival_summary type, its
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
#include "utils/memutils.h"

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

/* Refuse a value of another kind or version (a stored value from a future release). */
void
SurvivalCheck(const SurvivalSummary *s, int kind)
{
	if (s->version != SURVIVAL_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("survival summary version %d is not supported", s->version),
				 errdetail("This release reads version %d.", SURVIVAL_VERSION)));
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
 * The state a transition or combine function may update in place, with room for tenures
 * 0..slots-1: the state itself when it lives in the aggregate context and is big enough,
 * otherwise a new (grown) copy in the current context, which the executor moves into the
 * aggregate context (see the header comment). NULL state: a new empty value.
 */
SurvivalSummary *
SurvivalForUpdate(MemoryContext aggcontext, SurvivalSummary *state, int kind, int slots)
{
	SurvivalSummary *copy;
	int			have;

	if (state == NULL)
		return SurvivalNew(kind, slots);
	SurvivalCheck(state, kind);
	have = SurvivalSlots(state);
	if (slots <= have && GetMemoryChunkContext(state) == aggcontext)
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
		elog(ERROR, "survival inverse transition for tenure %d not in the state", tenure);
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
		elog(ERROR, "survival inverse transition removes tenures not in the state");
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
static SurvivalSummary *
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
 * Text and binary forms
 *
 * survival_summary:    1;0:1/2,3:0/5
 *   version; then tenure:churned/censored for every tenure with a customer, ascending.
 * survival_ltv_state:  1;h=12;a=1295.85;0:1/2,3:0/5
 *   version; horizon (h=- when none); exact sum of arpa; the counts as above.
 * Only the canonical spelling is accepted (no spaces, signs, leading zeros, empty or
 * repeated tenures), so every accepted text is exactly what the value prints as.
 * The binary forms are sparse in the same way (see SurvivalRecvCounts), with a version byte.
 * --------------------------------------------------------------------------------- */

/* Reject a malformed text form. */
void
SurvivalParseError(SurvivalParser *ps, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", ps->type, ps->input),
			 errdetail("%s", detail)));
}

/* Read an unsigned decimal integer without leading zeros, up to max. */
int64
SurvivalParseCount(SurvivalParser *ps, int64 max, const char *what)
{
	int64		value = 0;

	if (*ps->p < '0' || *ps->p > '9')
		SurvivalParseError(ps, psprintf("Expected %s at position %d.", what,
								(int) (ps->p - ps->input) + 1));
	if (ps->p[0] == '0' && ps->p[1] >= '0' && ps->p[1] <= '9')
		SurvivalParseError(ps, psprintf("The %s at position %d has a leading zero.", what,
								(int) (ps->p - ps->input) + 1));
	while (*ps->p >= '0' && *ps->p <= '9')
	{
		int			d = *ps->p++ - '0';

		if (value > (max - d) / 10)
			SurvivalParseError(ps, psprintf("The %s ending at position %d is larger than %lld.",
									what, (int) (ps->p - ps->input), (long long) max));
		value = value * 10 + d;
	}
	return value;
}

/* Expect one literal character. */
void
SurvivalParseExpect(SurvivalParser *ps, char c)
{
	if (*ps->p != c)
		SurvivalParseError(ps, psprintf("Expected \"%c\" at position %d.", c,
								(int) (ps->p - ps->input) + 1));
	ps->p++;
}

/* Read "1;" and refuse other versions. */
void
SurvivalParseVersion(SurvivalParser *ps)
{
	int64		version = SurvivalParseCount(ps, PG_INT32_MAX, "version");

	if (version != SURVIVAL_VERSION)
		SurvivalParseError(ps, psprintf("Version %lld is not supported; this release reads version %d.",
								(long long) version, SURVIVAL_VERSION));
	SurvivalParseExpect(ps, ';');
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

/* Read the tenure:churned/censored list up to the end of the input. */
SurvivalSummary *
SurvivalParseCounts(SurvivalParser *ps, int kind)
{
	SurvivalCount counts[SURVIVAL_SLOTS];
	int			ntenures = 0;
	SurvivalSummary *s;
	const char *problem;

	memset(counts, 0, sizeof(counts));
	while (*ps->p != '\0')
	{
		int			tenure;

		if (ntenures > 0)
			SurvivalParseExpect(ps, ',');
		tenure = (int) SurvivalParseCount(ps, PG_INT32_MAX, "tenure");
		if (tenure > SURVIVAL_MAX_TENURE)
			SurvivalParseError(ps, psprintf("Tenure %d is out of range 0..%d.", tenure,
									SURVIVAL_MAX_TENURE));
		if (tenure < ntenures)
			SurvivalParseError(ps, psprintf("Tenure %d is not in ascending order.", tenure));
		SurvivalParseExpect(ps, ':');
		counts[tenure].churned = SurvivalParseCount(ps, PG_INT64_MAX, "churned count");
		SurvivalParseExpect(ps, '/');
		counts[tenure].censored = SurvivalParseCount(ps, PG_INT64_MAX, "censored count");
		if (counts[tenure].churned == 0 && counts[tenure].censored == 0)
			SurvivalParseError(ps, psprintf("Tenure %d has no customers; empty tenures are left out.",
									tenure));
		ntenures = tenure + 1;
	}
	s = SurvivalNew(kind, ntenures);
	s->ntenures = ntenures;
	memcpy(s->counts, counts, ntenures * sizeof(SurvivalCount));
	problem = ValidateCounts(s);
	if (problem != NULL)
		SurvivalParseError(ps, problem);
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

/* Text input of survival_summary. */
Datum
survival_summary_in(PG_FUNCTION_ARGS)
{
	SurvivalParser ps = {PG_GETARG_CSTRING(0), PG_GETARG_CSTRING(0), "survival_summary"};

	SurvivalParseVersion(&ps);
	PG_RETURN_POINTER(SurvivalParseCounts(&ps, SURVIVAL_KIND_SUMMARY));
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

/* Reject malformed binary input. */
void
SurvivalRecvError(const char *type, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid binary value of type %s", type),
			 errdetail("%s", detail)));
}

/*
 * Read the counts of a binary value: int32 number of entries, then per tenure with
 * customers, ascending, int32 tenure, int64 churned, int64 censored; nothing after them.
 */
SurvivalSummary *
SurvivalRecvCounts(StringInfo buf, int kind, const char *type)
{
	SurvivalCount counts[SURVIVAL_SLOTS];
	SurvivalSummary *s;
	const char *problem;
	int			nentries;
	int			ntenures = 0;
	int			i;

	if (buf->len - buf->cursor < 4)
		SurvivalRecvError(type, "The value ends before its number of tenures.");
	nentries = pq_getmsgint(buf, 4);
	if (nentries < 0 || nentries > SURVIVAL_SLOTS)
		SurvivalRecvError(type, psprintf("The number of tenures %d is out of range 0..%d.",
								 nentries, SURVIVAL_SLOTS));
	if (buf->len - buf->cursor != nentries * SURVIVAL_ENTRY_BYTES)
		SurvivalRecvError(type, psprintf("Expected %d bytes of counts (%d per tenure), got %d.",
								 nentries * SURVIVAL_ENTRY_BYTES, SURVIVAL_ENTRY_BYTES,
								 buf->len - buf->cursor));
	memset(counts, 0, sizeof(counts));
	for (i = 0; i < nentries; i++)
	{
		int			tenure = pq_getmsgint(buf, 4);

		if (tenure < ntenures || tenure > SURVIVAL_MAX_TENURE)
			SurvivalRecvError(type, psprintf("Tenure %d is out of range or not in ascending order.",
									 tenure));
		counts[tenure].churned = pq_getmsgint64(buf);
		counts[tenure].censored = pq_getmsgint64(buf);
		if (counts[tenure].churned == 0 && counts[tenure].censored == 0)
			SurvivalRecvError(type, psprintf("Tenure %d has no customers; empty tenures are left out.",
									 tenure));
		ntenures = tenure + 1;
	}
	s = SurvivalNew(kind, ntenures);
	s->ntenures = ntenures;
	memcpy(s->counts, counts, ntenures * sizeof(SurvivalCount));
	problem = ValidateCounts(s);
	if (problem != NULL)
		SurvivalRecvError(type, problem);
	return s;
}

/* Read and check the version byte. */
void
SurvivalRecvVersion(StringInfo buf, const char *type)
{
	int			version;

	if (buf->len - buf->cursor < 1)
		SurvivalRecvError(type, "The value is empty.");
	version = pq_getmsgbyte(buf);
	if (version != SURVIVAL_VERSION)
		SurvivalRecvError(type, psprintf("Version %d is not supported; this release reads version %d.",
								 version, SURVIVAL_VERSION));
}

/* Binary input of survival_summary: version byte, then the counts (SurvivalRecvCounts). */
Datum
survival_summary_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);

	SurvivalRecvVersion(buf, "survival_summary");
	PG_RETURN_POINTER(SurvivalRecvCounts(buf, SURVIVAL_KIND_SUMMARY, "survival_summary"));
}

/* Append the counts in the binary form SurvivalRecvCounts reads. */
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
	MemoryContext aggcontext = csm_agg_context(fcinfo, "survival_summary transition");
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
	state = SurvivalForUpdate(aggcontext, state, SURVIVAL_KIND_SUMMARY, tenure + 1);
	SurvivalAdd(state, tenure, PG_GETARG_BOOL(2));
	PG_RETURN_POINTER(state);
}

/* Add the counts of the summary in argument 1 to the state; moving as above. */
static Datum
SummaryMerge(FunctionCallInfo fcinfo, bool moving)
{
	MemoryContext aggcontext = csm_agg_context(fcinfo, "survival_summary merge");
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
	state = SurvivalForUpdate(aggcontext, state, SURVIVAL_KIND_SUMMARY, other->ntenures);
	SurvivalMergeCounts(state, other);
	PG_RETURN_POINTER(state);
}

/* The state of an inverse transition: present, and writable in place. */
static SurvivalSummary *
InverseState(FunctionCallInfo fcinfo)
{
	MemoryContext aggcontext = csm_agg_context(fcinfo, "survival_summary inverse transition");
	SurvivalSummary *state = SurvivalStateArg(fcinfo, 0);

	if (state == NULL)
		elog(ERROR, "survival_summary inverse transition without a state");
	return SurvivalForUpdate(aggcontext, state, SURVIVAL_KIND_SUMMARY, 0);
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
	SurvivalSummary *state = InverseState(fcinfo);

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
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
	SurvivalSummary *state = InverseState(fcinfo);

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
