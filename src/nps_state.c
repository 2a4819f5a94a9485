/*
 * nps_state.c
 *		nps_agg_state, the transition state of the one-step nps_agg(score) aggregates: the
 *		three NPS groups and nothing else.
 *
 * Every other survey aggregate keeps a rating_summary (96 bytes, one count per score). The
 * NPS of a group needs only promoters, passives and detractors, and with many groups the
 * size of the state is what costs: each group's state is a separate allocation next to its
 * hash table entry, and a row's increment waits for that memory. At 32 bytes a state sits in
 * the cache line its hash entry already brought in, where a rating_summary needs one or two
 * more. Window frames (moving-aggregate mode) keep using rating_summary, whose inverse
 * transition is exact per score.
 */
#include "csmetrics.h"
#include "state_io.h"
#include "survey.h"

#include "libpq/pqformat.h"

/* The on-disk format version written by this code. */
#define NPS_STATE_VERSION 1

/* The NPS groups counted so far (SQL type nps_agg_state, 32 bytes, passed by reference). */
typedef struct NpsAggState
{
	uint8		version;		/* NPS_STATE_VERSION */
	uint8		padding[7];		/* zero; keeps the counts 8-byte aligned */
	int64		groups[3];		/* responses per NPS group (NPS_PROMOTERS, NPS_PASSIVES,
								 * NPS_DETRACTORS) */
} NpsAggState;

/* The NPS groups, as indexes into NpsAggState.groups. */
#define NPS_PROMOTERS	0		/* scores 9 and 10 */
#define NPS_PASSIVES	1		/* scores 7 and 8 */
#define NPS_DETRACTORS	2		/* scores 0 to 6 */

/* The group of each score 0..10: a table, so that a random score costs no mispredicted branch. */
static const uint8 group_of_score[11] = {
	NPS_DETRACTORS, NPS_DETRACTORS, NPS_DETRACTORS, NPS_DETRACTORS, NPS_DETRACTORS,
	NPS_DETRACTORS, NPS_DETRACTORS, NPS_PASSIVES, NPS_PASSIVES, NPS_PROMOTERS, NPS_PROMOTERS
};

StaticAssertDecl(sizeof(NpsAggState) == 32, "nps_agg_state must stay 32 bytes (INTERNALLENGTH)");

#define PG_GETARG_NPS_STATE(n)	((NpsAggState *) PG_GETARG_POINTER(n))

/* A new, empty state in the current memory context. */
static NpsAggState *
NewState(void)
{
	NpsAggState *s = palloc0(sizeof(NpsAggState));

	s->version = NPS_STATE_VERSION;
	return s;
}

/* Counts are never negative. */
static void
CheckCounts(CsmInput *in, const NpsAggState *s)
{
	if (s->groups[NPS_PROMOTERS] < 0 || s->groups[NPS_PASSIVES] < 0 ||
		s->groups[NPS_DETRACTORS] < 0)
		csm_input_error(in, "Counts must not be negative.");
}

/*
 * Text form, version 1, in the grammar of state_io.h:
 *		v1 promoters=<n> passives=<n> detractors=<n>
 */
PG_FUNCTION_INFO_V1(nps_agg_state_in);
Datum
nps_agg_state_in(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	NpsAggState *s = NewState();

	csm_text_begin(&in, "nps_agg_state", PG_GETARG_CSTRING(0), true);
	csm_text_expect(&in, "v");
	csm_check_version(&in, csm_text_int64(&in, "version", 0, PG_INT64_MAX),
					  NPS_STATE_VERSION, NPS_STATE_VERSION);
	csm_text_field(&in, "promoters");
	s->groups[NPS_PROMOTERS] = csm_text_int64(&in, "promoter count", 0, PG_INT64_MAX);
	csm_text_field(&in, "passives");
	s->groups[NPS_PASSIVES] = csm_text_int64(&in, "passive count", 0, PG_INT64_MAX);
	csm_text_field(&in, "detractors");
	s->groups[NPS_DETRACTORS] = csm_text_int64(&in, "detractor count", 0, PG_INT64_MAX);
	csm_text_end(&in);
	PG_RETURN_POINTER(s);
}

/* The text form above. */
PG_FUNCTION_INFO_V1(nps_agg_state_out);
Datum
nps_agg_state_out(PG_FUNCTION_ARGS)
{
	NpsAggState *s = PG_GETARG_NPS_STATE(0);

	PG_RETURN_CSTRING(psprintf("v%d promoters=" INT64_FORMAT " passives=" INT64_FORMAT
							   " detractors=" INT64_FORMAT,
							   s->version, s->groups[NPS_PROMOTERS], s->groups[NPS_PASSIVES],
							   s->groups[NPS_DETRACTORS]));
}

/* Binary form, version 1: the version byte, then the three counts as int64. */
PG_FUNCTION_INFO_V1(nps_agg_state_recv);
Datum
nps_agg_state_recv(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	NpsAggState *s = NewState();

	csm_recv_begin(&in, "nps_agg_state", (StringInfo) PG_GETARG_POINTER(0));
	csm_check_version(&in, csm_recv_int(&in, 1, "version"), NPS_STATE_VERSION, NPS_STATE_VERSION);
	csm_recv_length(&in, 3 * 8, "counts");
	s->groups[NPS_PROMOTERS] = csm_recv_int(&in, 8, "promoters");
	s->groups[NPS_PASSIVES] = csm_recv_int(&in, 8, "passives");
	s->groups[NPS_DETRACTORS] = csm_recv_int(&in, 8, "detractors");
	CheckCounts(&in, s);
	PG_RETURN_POINTER(s);
}

/* The binary form read by nps_agg_state_recv. */
PG_FUNCTION_INFO_V1(nps_agg_state_send);
Datum
nps_agg_state_send(PG_FUNCTION_ARGS)
{
	NpsAggState *s = PG_GETARG_NPS_STATE(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, s->version);
	pq_sendint64(&buf, s->groups[NPS_PROMOTERS]);
	pq_sendint64(&buf, s->groups[NPS_PASSIVES]);
	pq_sendint64(&buf, s->groups[NPS_DETRACTORS]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* The score types a transition function reads. */
typedef enum NpsScoreType
{
	NPS_INT2,
	NPS_INT4,
	NPS_INT8,
	NPS_NUMERIC
} NpsScoreType;

/*
 * Count one score (the body of every nps_agg transition function), following the rule of
 * csmetrics.h: in place inside the aggregate, on a copy when called directly.
 */
static pg_attribute_always_inline Datum
NpsTransition(FunctionCallInfo fcinfo, NpsScoreType type)
{
	NpsAggState *s;
	int64		score;
	int64	   *count;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	switch (type)
	{
		case NPS_INT2:
			score = PG_GETARG_INT16(1);
			break;
		case NPS_INT4:
			score = PG_GETARG_INT32(1);
			break;
		case NPS_INT8:
			score = PG_GETARG_INT64(1);
			break;
		default:
			score = SurveyNumericScore("NPS", PG_GETARG_DATUM(1), 0, 10);
			break;
	}
	if (unlikely(score < 0 || score > 10))
		SurveyScoreOutOfRange("NPS", score, 0, 10);

	if (PG_ARGISNULL(0))
		s = NewState();
	else
		s = (NpsAggState *) csm_state_for_update(fcinfo, sizeof(NpsAggState));
	count = &s->groups[group_of_score[score]];
	*count = csm_add_count(*count, 1);
	PG_RETURN_POINTER(s);
}

/* nps_agg_trans for int2 scores. */
PG_FUNCTION_INFO_V1(nps_agg_trans_int2);
Datum
nps_agg_trans_int2(PG_FUNCTION_ARGS)
{
	return NpsTransition(fcinfo, NPS_INT2);
}

/* nps_agg_trans for int4 scores. */
PG_FUNCTION_INFO_V1(nps_agg_trans_int4);
Datum
nps_agg_trans_int4(PG_FUNCTION_ARGS)
{
	return NpsTransition(fcinfo, NPS_INT4);
}

/* nps_agg_trans for int8 scores. */
PG_FUNCTION_INFO_V1(nps_agg_trans_int8);
Datum
nps_agg_trans_int8(PG_FUNCTION_ARGS)
{
	return NpsTransition(fcinfo, NPS_INT8);
}

/* nps_agg_trans for numeric scores (integers 0..10). */
PG_FUNCTION_INFO_V1(nps_agg_trans_numeric);
Datum
nps_agg_trans_numeric(PG_FUNCTION_ARGS)
{
	return NpsTransition(fcinfo, NPS_NUMERIC);
}

/* Combine function: add the second state's counts to the first; the second is never modified. */
PG_FUNCTION_INFO_V1(nps_agg_combine);
Datum
nps_agg_combine(PG_FUNCTION_ARGS)
{
	NpsAggState *s;
	NpsAggState *other;
	int			i;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	/* the executor keeps its own copy of a state it did not have */
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(PG_GETARG_DATUM(1));
	s = (NpsAggState *) csm_state_for_update(fcinfo, sizeof(NpsAggState));
	other = PG_GETARG_NPS_STATE(1);
	for (i = 0; i < 3; i++)
		s->groups[i] = csm_add_count(s->groups[i], other->groups[i]);
	PG_RETURN_POINTER(s);
}

/* Final function: the NPS of the counted responses; NULL when there are none. */
PG_FUNCTION_INFO_V1(nps_agg_final);
Datum
nps_agg_final(PG_FUNCTION_ARGS)
{
	NpsAggState *s = PG_GETARG_NPS_STATE(0);
	NpsCounts	c;

	c.promoters = s->groups[NPS_PROMOTERS];
	c.passives = s->groups[NPS_PASSIVES];
	c.detractors = s->groups[NPS_DETRACTORS];
	c.responses = csm_add_count(csm_add_count(c.promoters, c.passives), c.detractors);
	if (c.responses == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(NpsValue(&c));
}
