/*
 * survey.h
 *		What the two survey files share: survey.c (rating_summary, the state of every survey
 *		aggregate but one, with its accessors) and nps_state.c (nps_agg_state, the smaller
 *		state of nps_agg(score)). The NPS groups and the checks of a score argument; the
 *		functions are defined in survey.c.
 */
#ifndef CSMETRICS_SURVEY_H
#define CSMETRICS_SURVEY_H

#include "csmetrics.h"

/* The NPS groups of a set of responses on the 0..10 scale. */
typedef struct NpsCounts
{
	int64		promoters;		/* scores 9-10 */
	int64		passives;		/* scores 7-8 */
	int64		detractors;		/* scores 0-6 */
	int64		responses;		/* all of them */
} NpsCounts;

/* NPS = 100 × (promoters − detractors) / responses, in −100..100 (responses > 0). */
static inline float8
NpsValue(const NpsCounts *c)
{
	return 100.0 * ((float8) c->promoters - (float8) c->detractors) / (float8) c->responses;
}

/* Score arguments: the error for an integer outside min..max, a numeric read as an integer. */
extern pg_noinline void SurveyScoreOutOfRange(const char *kind, int64 score, int min, int max);
extern int64 SurveyNumericScore(const char *kind, Datum num, int min, int max);

#endif							/* CSMETRICS_SURVEY_H */
