/*
 * survey.c
 *		Survey KPIs: NPS, CSAT and CES, and rating_summary, the storable histogram of
 *		integer scores that the survey aggregates use as their transition state.
 *
 * One state type serves the survey aggregates: the one-step aggregates (csat_agg...)
 * finish it with an accessor, the summary aggregates (nps_summary...) return it, and
 * rollup() merges stored ones. Because the state is a histogram of counts, merging
 * (combine, rollup) is addition and the moving-aggregate inverse is subtraction, both
 * exact. The executor keeps each group's state in the aggregate context and the
 * transition functions update it in place, so the per-row cost of csat_agg(int) is a range
 * check and an increment, with no allocation. nps_agg(score) alone keeps a smaller state
 * (nps_state.c), and uses rating_summary only in window frames.
 */
#include "csmetrics.h"
#include "state_io.h"
#include "survey.h"

#include <math.h>

#include "libpq/pqformat.h"
#include "nodes/execnodes.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

/* The on-disk format version written by this code (text "v1", first binary byte). */
#define RATING_SUMMARY_VERSION 1

/* Scores 0..10 at most: the NPS scale, the widest any survey KPI uses. */
#define RATING_MAX_SCORES 11
#define RATING_MAX_SCALE 10

/*
 * A histogram of integer scores with its scale. Fixed size (96 bytes), passed by
 * reference; every constructor zeroes it, so bytes past the scale are always zero.
 */
typedef struct RatingSummary
{
	uint8		version;		/* RATING_SUMMARY_VERSION; lets a later release read old values */
	uint8		scale_min;		/* lowest score: 0 (NPS) or 1 (CSAT, CES) */
	uint8		scale_max;		/* highest score, at most 10 */
	uint8		satisfied_from; /* lowest score csat() counts as satisfied */
	uint8		padding[4];		/* zero; keeps counts 8-byte aligned */
	int64		counts[RATING_MAX_SCORES];	/* counts[i]: responses with score scale_min + i */
} RatingSummary;

StaticAssertDecl(sizeof(RatingSummary) == 96, "rating_summary must stay 96 bytes (INTERNALLENGTH)");

#define DatumGetRatingSummary(d)	((RatingSummary *) DatumGetPointer(d))
#define PG_GETARG_RATING_SUMMARY(n) DatumGetRatingSummary(PG_GETARG_DATUM(n))

/* What a survey aggregate measures: its name in messages and its default scale. */
typedef struct RatingKind
{
	const char *name;			/* "NPS", "CSAT" or "CES" */
	int			default_min;	/* scale of the aggregates without a scale_max argument */
	int			default_max;
	bool		scale_args;		/* has aggregates taking scale_max (NPS does not) */
} RatingKind;

static const RatingKind NpsKind = {"NPS", 0, 10, false};
static const RatingKind CsatKind = {"CSAT", 1, 5, true};
static const RatingKind CesKind = {"CES", 1, 7, true};

/* The SQL type a score arrives as; each has its own transition function. */
typedef enum ScoreType
{
	SCORE_INT2,
	SCORE_INT4,
	SCORE_INT8,
	SCORE_NUMERIC
} ScoreType;

/* Number of scores on a summary's scale. */
static inline int
ScaleSize(const RatingSummary *s)
{
	return s->scale_max - s->scale_min + 1;
}

/*
 * A fresh, empty summary on the scale min..max, in the current memory context. New
 * aggregate states are made here too: the executor copies a new by-reference state into
 * the aggregate context itself (datumCopy), so allocating there as well would only leave
 * a dead copy per group.
 */
static RatingSummary *
NewSummary(int min, int max, int satisfied_from)
{
	RatingSummary *s = palloc0(sizeof(RatingSummary));

	s->version = RATING_SUMMARY_VERSION;
	s->scale_min = (uint8) min;
	s->scale_max = (uint8) max;
	s->satisfied_from = (uint8) satisfied_from;
	return s;
}

/*
 * A window aggregate's moving-mode transition may not return NULL, but until the first
 * non-NULL input arrives the scale of the group is unknown. There the state is "unset":
 * empty, scale 0..0. It never leaves the window aggregate (every final function sees an
 * empty summary and returns NULL) and is never valid as input.
 */
#define StateIsUnset(s) ((s)->scale_max == 0)

/* The state to return when there is still nothing to count: NULL, or unset in a window. */
static Datum
NoState(FunctionCallInfo fcinfo)
{
	if (fcinfo->context != NULL && IsA(fcinfo->context, WindowAggState))
		PG_RETURN_POINTER(NewSummary(0, 0, 0));
	PG_RETURN_NULL();
}

/* ------------------------------------------------------------------------------------
 * Counting
 * ------------------------------------------------------------------------------------ */

/* Responses with a score in lo..hi (clipped to the scale); overflow is an error. */
static int64
CountBetween(const RatingSummary *s, int lo, int hi)
{
	int64		total = 0;
	int			score;

	for (score = Max(lo, s->scale_min); score <= Min(hi, s->scale_max); score++)
		total = csm_add_count(total, s->counts[score - s->scale_min]);
	return total;
}

/* All responses of a summary. */
static int64
Responses(const RatingSummary *s)
{
	return CountBetween(s, s->scale_min, s->scale_max);
}

/* Mean score; *empty says there were no responses (the caller returns NULL). */
static float8
MeanScore(const RatingSummary *s, bool *empty)
{
	int64		n = Responses(s);
	float8		sum = 0.0;
	int			i;

	*empty = (n == 0);
	if (n == 0)
		return 0.0;
	/* Σ score × count in float8: exact below 2^53 responses, never overflows. */
	for (i = 0; i < ScaleSize(s); i++)
		sum += (float8) (s->scale_min + i) * (float8) s->counts[i];
	return sum / (float8) n;
}

/* ------------------------------------------------------------------------------------
 * Validation shared by the text and binary input functions
 * ------------------------------------------------------------------------------------ */

/* A scale is 0..10 (NPS) or 1..N with 2 <= N <= 10 (CSAT, CES). */
static void
CheckScale(const CsmInput *in, int64 min, int64 max)
{
	if (!((min == 0 && max == RATING_MAX_SCALE) || (min == 1 && max >= 2 && max <= RATING_MAX_SCALE)))
		csm_input_error(in, "Scale %lld..%lld is not allowed; scales are 0..10 or 1..N with N from 2 to 10.",
						(long long) min, (long long) max);
}

/* The satisfied threshold must be a score of the scale. */
static void
CheckSatisfiedFrom(const CsmInput *in, int64 from, int min, int max)
{
	if (from < min || from > max)
		csm_input_error(in, "satisfied_from %lld is outside the scale %d..%d.",
						(long long) from, min, max);
}

/* Counts are never negative. */
static void
CheckCount(const CsmInput *in, int64 count)
{
	if (count < 0)
		csm_input_error(in, "Count %lld is negative.", (long long) count);
}

/* ------------------------------------------------------------------------------------
 * Text form, version 1: (v1,MIN..MAX,{c_min,...,c_max}) with ",satisfied_from=N" before
 * the closing parenthesis when the threshold is not the default MAX-1. White space is
 * allowed around the whole value, nowhere else.
 * ------------------------------------------------------------------------------------ */

/* Parse the text form, validating as it goes. */
PG_FUNCTION_INFO_V1(rating_summary_in);
Datum
rating_summary_in(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	RatingSummary *s;
	int64		counts[RATING_MAX_SCORES];
	int64		min,
				max;
	int			n,
				i;

	csm_text_begin(&in, "rating_summary", PG_GETARG_CSTRING(0), false);
	csm_text_skip_spaces(&in);
	csm_text_expect(&in, "(v");
	csm_check_version(&in, csm_text_int64(&in, "version", PG_INT64_MIN, PG_INT64_MAX),
					  RATING_SUMMARY_VERSION, RATING_SUMMARY_VERSION);
	csm_text_expect(&in, ",");
	min = csm_text_int64(&in, "scale minimum", PG_INT64_MIN, PG_INT64_MAX);
	csm_text_expect(&in, "..");
	max = csm_text_int64(&in, "scale maximum", PG_INT64_MIN, PG_INT64_MAX);
	CheckScale(&in, min, max);
	s = NewSummary((int) min, (int) max, (int) max - 1);

	csm_text_expect(&in, ",{");
	n = csm_text_int64_list(&in, "count", counts, RATING_MAX_SCORES, PG_INT64_MIN, PG_INT64_MAX);
	for (i = 0; i < n; i++)
	{
		CheckCount(&in, counts[i]);
		s->counts[i] = counts[i];
	}
	csm_text_expect(&in, "}");
	if (n != ScaleSize(s))
		csm_input_error(&in, "%d counts for the scale %d..%d, which needs %d.",
						n, s->scale_min, s->scale_max, ScaleSize(s));

	if (csm_text_skip(&in, ",satisfied_from="))
	{
		int64		from = csm_text_int64(&in, "satisfied_from", PG_INT64_MIN, PG_INT64_MAX);

		CheckSatisfiedFrom(&in, from, s->scale_min, s->scale_max);
		s->satisfied_from = (uint8) from;
	}
	csm_text_expect(&in, ")");
	csm_text_skip_spaces(&in);
	csm_text_end(&in);
	PG_RETURN_POINTER(s);
}

/* The text form; reads back to an equal value. */
PG_FUNCTION_INFO_V1(rating_summary_out);
Datum
rating_summary_out(PG_FUNCTION_ARGS)
{
	RatingSummary *s = PG_GETARG_RATING_SUMMARY(0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "(v%d,%d..%d,{", s->version, s->scale_min, s->scale_max);
	csm_append_int64_list(&buf, s->counts, ScaleSize(s));
	appendStringInfoChar(&buf, '}');
	if (s->satisfied_from != s->scale_max - 1)
		appendStringInfo(&buf, ",satisfied_from=%d", s->satisfied_from);
	appendStringInfoChar(&buf, ')');
	PG_RETURN_CSTRING(buf.data);
}

/*
 * Binary form, version 1: four bytes (version, scale_min, scale_max, satisfied_from), then
 * one big-endian int64 count per score of the scale.
 */
PG_FUNCTION_INFO_V1(rating_summary_recv);
Datum
rating_summary_recv(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	RatingSummary *s;
	int			min,
				max,
				from,
				i;

	csm_recv_begin(&in, "rating_summary", (StringInfo) PG_GETARG_POINTER(0));
	csm_check_version(&in, csm_recv_int(&in, 1, "version"),
					  RATING_SUMMARY_VERSION, RATING_SUMMARY_VERSION);
	min = (int) csm_recv_int(&in, 1, "scale minimum");
	max = (int) csm_recv_int(&in, 1, "scale maximum");
	CheckScale(&in, min, max);
	from = (int) csm_recv_int(&in, 1, "satisfied_from");
	CheckSatisfiedFrom(&in, from, min, max);
	csm_recv_length(&in, 8 * (max - min + 1), psprintf("counts for the scale %d..%d", min, max));

	s = NewSummary(min, max, from);
	for (i = 0; i < ScaleSize(s); i++)
	{
		s->counts[i] = csm_recv_int(&in, 8, "counts");
		CheckCount(&in, s->counts[i]);
	}
	PG_RETURN_POINTER(s);
}

/* The binary form described above rating_summary_recv. */
PG_FUNCTION_INFO_V1(rating_summary_send);
Datum
rating_summary_send(PG_FUNCTION_ARGS)
{
	RatingSummary *s = PG_GETARG_RATING_SUMMARY(0);
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, s->version);
	pq_sendbyte(&buf, s->scale_min);
	pq_sendbyte(&buf, s->scale_max);
	pq_sendbyte(&buf, s->satisfied_from);
	for (i = 0; i < ScaleSize(s); i++)
		pq_sendint64(&buf, s->counts[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Same scale, threshold and counts. */
static bool
SummariesEqual(const RatingSummary *a, const RatingSummary *b)
{
	return a->version == b->version && a->scale_min == b->scale_min &&
		a->scale_max == b->scale_max && a->satisfied_from == b->satisfied_from &&
		memcmp(a->counts, b->counts, sizeof(a->counts)) == 0;
}

/* The = operator. */
PG_FUNCTION_INFO_V1(rating_summary_eq);
Datum
rating_summary_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SummariesEqual(PG_GETARG_RATING_SUMMARY(0), PG_GETARG_RATING_SUMMARY(1)));
}

/* The <> operator. */
PG_FUNCTION_INFO_V1(rating_summary_ne);
Datum
rating_summary_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!SummariesEqual(PG_GETARG_RATING_SUMMARY(0), PG_GETARG_RATING_SUMMARY(1)));
}

/* ------------------------------------------------------------------------------------
 * Transition functions for scores
 * ------------------------------------------------------------------------------------ */

/* Error for a score outside the scale; value is the score as text. */
static pg_noinline void
ScoreOutOfRange(const char *kind, const char *value, int min, int max)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s score %s is out of range", kind, value),
			 errdetail("Scores must be integers from %d to %d.", min, max)));
}

/* Same, for an integer score. */
pg_noinline void
SurveyScoreOutOfRange(const char *kind, int64 score, int min, int max)
{
	char		value[32];

	snprintf(value, sizeof(value), INT64_FORMAT, score);
	ScoreOutOfRange(kind, value, min, max);
}

/*
 * A numeric score as an integer in min..max: NaN, infinities and values outside the
 * scale are out of range, a value with a fraction is not an integer.
 */
int64
SurveyNumericScore(const char *kind, Datum num, int min, int max)
{
	Datum		rounded;

	/* numeric_cmp sorts NaN above and -Infinity below every number, so one test each. */
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, num,
										  NumericGetDatum(csm_int64_to_numeric(min)))) < 0 ||
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, num,
										  NumericGetDatum(csm_int64_to_numeric(max)))) > 0)
		ScoreOutOfRange(kind, DatumGetCString(DirectFunctionCall1(numeric_out, num)), min, max);

	rounded = DirectFunctionCall2(numeric_round, num, Int32GetDatum(0));
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, num, rounded)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s score %s is not an integer", kind,
						DatumGetCString(DirectFunctionCall1(numeric_out, num))),
				 errdetail("Scores must be integers from %d to %d.", min, max)));
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, rounded));
}

/* The scale_max argument (argument 2), checked: 2..10. */
static int
ScaleMaxArg(FunctionCallInfo fcinfo, const RatingKind *kind)
{
	int32		max;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s scale_max must not be NULL", kind->name)));
	max = PG_GETARG_INT32(2);
	if (max < 2 || max > RATING_MAX_SCALE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s scale_max %d is out of range", kind->name, max),
				 errdetail("scale_max must be from 2 to %d (the scale is 1..scale_max).",
						   RATING_MAX_SCALE)));
	return max;
}

/* The satisfied_from argument (argument 3), checked against the scale 1..max. */
static int
SatisfiedFromArg(FunctionCallInfo fcinfo, const RatingKind *kind, int max)
{
	int32		from;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s satisfied_from must not be NULL", kind->name)));
	from = PG_GETARG_INT32(3);
	if (from < 1 || from > max)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s satisfied_from %d is out of range", kind->name, from),
				 errdetail("satisfied_from must be a score of the scale 1..%d.", max)));
	return from;
}

/* Error when a scale argument differs from the one the group started with. */
static pg_noinline void
ArgumentVaries(const RatingKind *kind, const char *arg, int first, int now)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s %s must be the same on every row of a group", kind->name, arg),
			 errdetail("It was %d, then %d.", first, now)));
}

/* Empty state for the first row of a group, on the scale the arguments give. */
static RatingSummary *
FirstState(FunctionCallInfo fcinfo, const RatingKind *kind)
{
	int			min = kind->default_min;
	int			max = kind->default_max;
	int			from;

	if (PG_NARGS() > 2)
		max = ScaleMaxArg(fcinfo, kind);
	from = (PG_NARGS() > 3) ? SatisfiedFromArg(fcinfo, kind, max) : max - 1;
	return NewSummary(min, max, from);
}

/* Later rows: the scale arguments must not change within a group. */
static void
CheckSameArgs(FunctionCallInfo fcinfo, const RatingKind *kind, const RatingSummary *state)
{
	int			max = ScaleMaxArg(fcinfo, kind);

	if (max != state->scale_max)
		ArgumentVaries(kind, "scale_max", state->scale_max, max);
	if (PG_NARGS() > 3)
	{
		int			from = SatisfiedFromArg(fcinfo, kind, max);

		if (from != state->satisfied_from)
			ArgumentVaries(kind, "satisfied_from", state->satisfied_from, from);
	}
}

/* A copy of a summary, in the current memory context. */
static RatingSummary *
CopySummary(const RatingSummary *s)
{
	RatingSummary *copy = palloc(sizeof(RatingSummary));

	memcpy(copy, s, sizeof(RatingSummary));
	return copy;
}

/* Error for an inverse transition that would take out what the summary does not hold. */
static pg_noinline void
NothingToRemove(int score)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("cannot remove responses with score %d from a rating summary that has fewer",
					score),
			 errdetail("Inverse transitions only take out what was added.")));
}

/* Error for a state that the transition functions of this kind did not make. */
static pg_noinline void
ForeignState(const RatingKind *kind, const RatingSummary *state)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s scores cannot be added to a rating summary of scale %d..%d",
					kind->name, state->scale_min, state->scale_max),
			 errdetail("Transition states of %s aggregates are made by the %s aggregate itself.",
					   kind->name, kind->name)));
}

/*
 * Add (or, for the moving-aggregate inverse, remove) one score: the body of every
 * score transition function. Arguments: state, score [, scale_max [, satisfied_from]].
 * Inlined per kind and type, so the one-argument forms check against constants.
 */
static pg_attribute_always_inline Datum
RatingTransition(FunctionCallInfo fcinfo, const RatingKind *kind, ScoreType type, bool inverse)
{
	/* NPS has no scale arguments: a constant here drops their code from its functions. */
	int			nargs = kind->scale_args ? PG_NARGS() : 2;
	RatingSummary *state = PG_ARGISNULL(0) ? NULL : PG_GETARG_RATING_SUMMARY(0);
	int			min,
				max;
	int64		score;

	if (PG_ARGISNULL(1))
	{
		if (state == NULL)
			return NoState(fcinfo);
		PG_RETURN_POINTER(state);
	}

	if (state == NULL || unlikely(StateIsUnset(state)))
		state = FirstState(fcinfo, kind);
	else
	{
		/*
		 * A state of another kind or scale can only come from a direct call or a
		 * hand-made aggregate; counting into it would make an inconsistent summary.
		 */
		if (unlikely(state->scale_min != kind->default_min ||
					 (nargs == 2 && state->scale_max != kind->default_max)))
			ForeignState(kind, state);
		state = (RatingSummary *) csm_state_for_update(fcinfo, sizeof(RatingSummary));
		if (nargs > 2 && !inverse)
			CheckSameArgs(fcinfo, kind, state);
	}

	if (nargs > 2)
	{
		min = state->scale_min;
		max = state->scale_max;
	}
	else
	{
		min = kind->default_min;
		max = kind->default_max;
	}

	switch (type)
	{
		case SCORE_INT2:
			score = PG_GETARG_INT16(1);
			break;
		case SCORE_INT4:
			score = PG_GETARG_INT32(1);
			break;
		case SCORE_INT8:
			score = PG_GETARG_INT64(1);
			break;
		default:
			score = SurveyNumericScore(kind->name, PG_GETARG_DATUM(1), min, max);
			break;
	}
	if (unlikely(score < min || score > max))
		SurveyScoreOutOfRange(kind->name, score, min, max);

	if (inverse)
	{
		if (unlikely(state->counts[score - min] == 0))
			NothingToRemove((int) score);
		state->counts[score - min]--;
	}
	else
		state->counts[score - min] = csm_add_count(state->counts[score - min], 1);
	PG_RETURN_POINTER(state);
}

/*
 * SQL-callable transition (PREFIX_trans_TYPE) and inverse (PREFIX_inv_TYPE) functions of
 * one kind for one score type; the body is RatingTransition.
 */
#define RATING_TRANSITIONS(prefix, kind, typename, type) \
PG_FUNCTION_INFO_V1(prefix##_trans_##typename); \
Datum \
prefix##_trans_##typename(PG_FUNCTION_ARGS) \
{ \
	return RatingTransition(fcinfo, &kind, type, false); \
} \
PG_FUNCTION_INFO_V1(prefix##_inv_##typename); \
Datum \
prefix##_inv_##typename(PG_FUNCTION_ARGS) \
{ \
	return RatingTransition(fcinfo, &kind, type, true); \
}

/* Every kind for every score type. */
#define RATING_TRANSITIONS_ALL_TYPES(prefix, kind) \
RATING_TRANSITIONS(prefix, kind, int2, SCORE_INT2) \
RATING_TRANSITIONS(prefix, kind, int4, SCORE_INT4) \
RATING_TRANSITIONS(prefix, kind, int8, SCORE_INT8) \
RATING_TRANSITIONS(prefix, kind, numeric, SCORE_NUMERIC)

RATING_TRANSITIONS_ALL_TYPES(nps, NpsKind)
RATING_TRANSITIONS_ALL_TYPES(csat, CsatKind)
RATING_TRANSITIONS_ALL_TYPES(ces, CesKind)

/* ------------------------------------------------------------------------------------
 * Merging summaries: rollup, combine, and the inverse of rollup
 * ------------------------------------------------------------------------------------ */

/* Summaries can only be merged when they count the same scale with the same threshold. */
static void
CheckSameScale(const RatingSummary *a, const RatingSummary *b)
{
	if (a->scale_min != b->scale_min || a->scale_max != b->scale_max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot roll up rating summaries of scales %d..%d and %d..%d",
						a->scale_min, a->scale_max, b->scale_min, b->scale_max),
				 errdetail("Summaries of different survey scales do not add up.")));
	if (a->satisfied_from != b->satisfied_from)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot roll up rating summaries with satisfied_from %d and %d",
						a->satisfied_from, b->satisfied_from),
				 errdetail("Summaries counting different CSAT thresholds do not add up.")));
}

/*
 * Add (or subtract) the summary in argument 1 into the state in argument 0, in place
 * inside an aggregate and on a copy outside one (the rule in csmetrics.h).
 */
static Datum
MergeStates(FunctionCallInfo fcinfo, bool subtract)
{
	RatingSummary *state;
	RatingSummary *other;
	int			i;

	if (PG_ARGISNULL(1) || StateIsUnset(PG_GETARG_RATING_SUMMARY(1)))
	{
		if (PG_ARGISNULL(0))
			return NoState(fcinfo);
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	other = PG_GETARG_RATING_SUMMARY(1);
	if (PG_ARGISNULL(0) || StateIsUnset(PG_GETARG_RATING_SUMMARY(0)))
	{
		for (i = 0; subtract && i < ScaleSize(other); i++)
			if (other->counts[i] > 0)
				NothingToRemove(other->scale_min + i);
		PG_RETURN_POINTER(CopySummary(other));
	}

	state = (RatingSummary *) csm_state_for_update(fcinfo, sizeof(RatingSummary));
	CheckSameScale(state, other);
	for (i = 0; i < ScaleSize(state); i++)
	{
		if (!subtract)
			state->counts[i] = csm_add_count(state->counts[i], other->counts[i]);
		else if (other->counts[i] > state->counts[i])
			NothingToRemove(state->scale_min + i);
		else
			state->counts[i] -= other->counts[i];
	}
	PG_RETURN_POINTER(state);
}

/* rollup's transition function and the combine function of every survey aggregate. */
PG_FUNCTION_INFO_V1(rating_summary_merge);
Datum
rating_summary_merge(PG_FUNCTION_ARGS)
{
	return MergeStates(fcinfo, false);
}

/* Moving-aggregate inverse of rollup: take out a summary that leaves the window frame. */
PG_FUNCTION_INFO_V1(rating_summary_unmerge);
Datum
rating_summary_unmerge(PG_FUNCTION_ARGS)
{
	return MergeStates(fcinfo, true);
}

/*
 * Final function of the summary aggregates and rollup: the summary, or NULL when it
 * holds no response (a window frame whose rows all left, or empty stored summaries).
 */
PG_FUNCTION_INFO_V1(rating_summary_final);
Datum
rating_summary_final(PG_FUNCTION_ARGS)
{
	RatingSummary *s = PG_GETARG_RATING_SUMMARY(0);

	if (Responses(s) == 0)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(s);
}

/* ------------------------------------------------------------------------------------
 * Accessors
 * ------------------------------------------------------------------------------------ */

/* Number of responses. */
PG_FUNCTION_INFO_V1(rating_summary_responses);
Datum
rating_summary_responses(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(Responses(PG_GETARG_RATING_SUMMARY(0)));
}

/* Mean score; NULL when empty. Also ces(s): CES is reported as the mean by default. */
PG_FUNCTION_INFO_V1(rating_summary_mean_score);
Datum
rating_summary_mean_score(PG_FUNCTION_ARGS)
{
	bool		empty;
	float8		mean = MeanScore(PG_GETARG_RATING_SUMMARY(0), &empty);

	if (empty)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(mean);
}

/* A score argument that must lie on the summary's scale. */
static int
ScoreArg(const RatingSummary *s, int32 score, const char *fname)
{
	if (score < s->scale_min || score > s->scale_max)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s: score %d is outside the scale %d..%d",
						fname, score, s->scale_min, s->scale_max)));
	return score;
}

/* Responses with exactly the given score. */
PG_FUNCTION_INFO_V1(rating_summary_score_count);
Datum
rating_summary_score_count(PG_FUNCTION_ARGS)
{
	RatingSummary *s = PG_GETARG_RATING_SUMMARY(0);
	int			score = ScoreArg(s, PG_GETARG_INT32(1), "score_count");

	PG_RETURN_INT64(s->counts[score - s->scale_min]);
}

/* Share (0..1) of responses with a score >= from, the result of an accessor; NULL when empty. */
static Datum
ShareAtLeast(FunctionCallInfo fcinfo, const RatingSummary *s, int from)
{
	int64		n = Responses(s);

	if (n == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((float8) CountBetween(s, from, s->scale_max) / (float8) n);
}

/* share_at_least(s, score): e.g. CES "share agreeing" is share_at_least(s, 5) on 1..7. */
PG_FUNCTION_INFO_V1(rating_summary_share_at_least);
Datum
rating_summary_share_at_least(PG_FUNCTION_ARGS)
{
	RatingSummary *s = PG_GETARG_RATING_SUMMARY(0);

	return ShareAtLeast(fcinfo, s, ScoreArg(s, PG_GETARG_INT32(1), "share_at_least"));
}

/* CSAT, the share of satisfied responses (score >= the summary's satisfied_from). */
PG_FUNCTION_INFO_V1(rating_summary_csat);
Datum
rating_summary_csat(PG_FUNCTION_ARGS)
{
	RatingSummary *s = PG_GETARG_RATING_SUMMARY(0);

	return ShareAtLeast(fcinfo, s, s->satisfied_from);
}

/* CSAT with an explicit threshold. */
PG_FUNCTION_INFO_V1(rating_summary_csat_from);
Datum
rating_summary_csat_from(PG_FUNCTION_ARGS)
{
	RatingSummary *s = PG_GETARG_RATING_SUMMARY(0);

	return ShareAtLeast(fcinfo, s, ScoreArg(s, PG_GETARG_INT32(1), "csat"));
}

/* Split a summary into NPS groups; other scales are an error. */
static NpsCounts
GetNpsCounts(const RatingSummary *s, const char *fname)
{
	NpsCounts	c;

	if ((s->scale_min != 0 || s->scale_max != 10) && !StateIsUnset(s))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs a summary on the NPS scale 0..10, not %d..%d",
						fname, s->scale_min, s->scale_max),
				 errdetail("Build NPS summaries with nps_summary(score).")));
	c.promoters = CountBetween(s, 9, 10);
	c.passives = CountBetween(s, 7, 8);
	c.detractors = CountBetween(s, 0, 6);
	c.responses = Responses(s);
	return c;
}

/*
 * Standard error of the NPS (normal approximation of a trinomial difference): with
 * p = promoters/n and d = detractors/n, SE = 100 × sqrt((p + d − (p − d)²) / n).
 */
static float8
NpsStderr(const NpsCounts *c)
{
	float8		n = (float8) c->responses;
	float8		p = (float8) c->promoters / n;
	float8		d = (float8) c->detractors / n;
	float8		v = (p + d - (p - d) * (p - d)) / n;

	/* Rounding can leave v a hair below zero when everyone answers alike. */
	return 100.0 * sqrt(Max(v, 0.0));
}

/* Net Promoter Score; NULL when empty. */
PG_FUNCTION_INFO_V1(rating_summary_nps);
Datum
rating_summary_nps(PG_FUNCTION_ARGS)
{
	NpsCounts	c = GetNpsCounts(PG_GETARG_RATING_SUMMARY(0), "nps");

	if (c.responses == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(NpsValue(&c));
}

/* Promoters: scores 9 and 10. */
PG_FUNCTION_INFO_V1(rating_summary_promoters);
Datum
rating_summary_promoters(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(GetNpsCounts(PG_GETARG_RATING_SUMMARY(0), "promoters").promoters);
}

/* Passives: scores 7 and 8. */
PG_FUNCTION_INFO_V1(rating_summary_passives);
Datum
rating_summary_passives(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(GetNpsCounts(PG_GETARG_RATING_SUMMARY(0), "passives").passives);
}

/* Detractors: scores 0 to 6. */
PG_FUNCTION_INFO_V1(rating_summary_detractors);
Datum
rating_summary_detractors(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(GetNpsCounts(PG_GETARG_RATING_SUMMARY(0), "detractors").detractors);
}

/* Standard error of the NPS; NULL when empty. */
PG_FUNCTION_INFO_V1(rating_summary_nps_stderr);
Datum
rating_summary_nps_stderr(PG_FUNCTION_ARGS)
{
	NpsCounts	c = GetNpsCounts(PG_GETARG_RATING_SUMMARY(0), "nps_stderr");

	if (c.responses == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(NpsStderr(&c));
}

/*
 * Inverse of the standard normal CDF. Acklam's rational approximations (relative error
 * below 1.2e-9) on three regions, then one Halley step on erfc, which brings it to
 * double precision.
 */
static float8
NormalQuantile(float8 p)
{
	static const float8 a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
		-2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01,
	2.506628277459239e+00};
	static const float8 b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
		-1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01};
	static const float8 c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
		-2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00,
	2.938163982698783e+00};
	static const float8 d[] = {7.784695709041462e-03, 3.224671290700398e-01,
	2.445134137142996e+00, 3.754408661907416e+00};
	const float8 p_low = 0.02425;
	float8		q,
				r,
				x,
				e,
				u;

	if (p < p_low)
	{
		/* lower tail */
		q = sqrt(-2.0 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
			((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
	}
	else if (p <= 1.0 - p_low)
	{
		/* central region */
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
			(((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
	}
	else
	{
		/* upper tail, by symmetry */
		q = sqrt(-2.0 * log(1.0 - p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
			((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
	}

	/* Halley refinement: e is the CDF error at x, u the Newton step. */
	e = 0.5 * erfc(-x / M_SQRT2) - p;
	u = e * sqrt(2.0 * M_PI) * exp(x * x / 2.0);
	return x - u / (1.0 + x * u / 2.0);
}

/* z(L) for a two-sided confidence level L in (0, 1): z(0.95) = 1.959964. */
static float8
ConfidenceZ(float8 level)
{
	if (!(level > 0.0 && level < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("confidence level %g is out of range", level),
				 errdetail("The level must be between 0 and 1, exclusive (e.g. 0.95).")));
	return NormalQuantile((1.0 + level) / 2.0);
}

/* One bound of the NPS confidence interval NPS ± z(L) × SE, clamped to [−100, 100]. */
static Datum
NpsBound(FunctionCallInfo fcinfo, const char *fname, float8 sign)
{
	NpsCounts	c = GetNpsCounts(PG_GETARG_RATING_SUMMARY(0), fname);
	float8		z = ConfidenceZ(PG_GETARG_FLOAT8(1));
	float8		bound;

	if (c.responses == 0)
		PG_RETURN_NULL();
	bound = NpsValue(&c) + sign * z * NpsStderr(&c);
	PG_RETURN_FLOAT8(Max(-100.0, Min(100.0, bound)));
}

/* Lower bound of the NPS confidence interval at a level. */
PG_FUNCTION_INFO_V1(rating_summary_nps_ci_lower);
Datum
rating_summary_nps_ci_lower(PG_FUNCTION_ARGS)
{
	return NpsBound(fcinfo, "nps_ci_lower", -1.0);
}

/* Upper bound of the NPS confidence interval at a level. */
PG_FUNCTION_INFO_V1(rating_summary_nps_ci_upper);
Datum
rating_summary_nps_ci_upper(PG_FUNCTION_ARGS)
{
	return NpsBound(fcinfo, "nps_ci_upper", 1.0);
}
