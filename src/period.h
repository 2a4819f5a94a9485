/*
 * period.h
 *		Instants and calendar periods (period.c): date and timestamptz arguments as int64
 *		microseconds, series boundaries computed with PostgreSQL's interval arithmetic, and
 *		the lookup of the period an instant falls in.
 */
#ifndef CSMETRICS_PERIOD_H
#define CSMETRICS_PERIOD_H

#include "datatype/timestamp.h"

/* How the instants of a state were given; decides how period bounds are reported. */
typedef enum InstantKind
{
	INSTANT_TIMESTAMPTZ = 1,	/* timestamptz: microseconds since 2000-01-01 UTC */
	INSTANT_DATE = 2			/* date: its midnight as a local timestamp */
} InstantKind;

extern const char *period_kind_name(int kind);
extern char *period_datum_text(Datum value, InstantKind kind);
extern char *period_instant_text(int64 instant, InstantKind kind);
extern char *period_interval_text(const Interval *iv);
extern TimestampTz period_instant_to_timestamptz(int64 instant, int kind);
extern int64 period_instant_from_datum(Datum value, InstantKind kind, const char *what);
extern void period_check(int64 start, int64 end, InstantKind kind);
extern void period_check_count(int64 periods, int max_periods);
extern void period_bounds(int64 first, const Interval *length, int periods, InstantKind kind,
						  int64 *bounds);
extern int	period_locate_search(const int64 *bounds, int n, int64 x);

/*
 * Number of the P + 1 boundaries at or before x. Calendar periods have nearly equal lengths,
 * so interpolating between the first and last boundary lands on the right period or its
 * neighbour; only when it does not (very uneven periods) does a binary search run.
 */
static inline int
period_locate(const int64 *bounds, int P, int64 x)
{
	int			k;

	if (x < bounds[0])
		return 0;
	if (x >= bounds[P])
		return P + 1;
	/* in double: the int64 difference of two extreme timestamps can overflow */
	k = (int) (((double) x - (double) bounds[0]) / ((double) bounds[P] - (double) bounds[0]) * P);
	if (k >= P)
		k = P - 1;
	if (k < 0)
		k = 0;
	if (bounds[k] > x && k > 0)
		k--;
	else if (bounds[k + 1] <= x && k + 1 < P)
		k++;
	if (bounds[k] <= x && x < bounds[k + 1])
		return k + 1;
	return period_locate_search(bounds, P + 1, x);
}

#endif							/* CSMETRICS_PERIOD_H */
