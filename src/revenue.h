/*
 * revenue.h
 *		What the revenue files share: an MRR amount as read from numeric, and the classes
 *		of MRR movement (new, reactivation, expansion, contraction, churn). revenue.c defines the reader and the classifier (used by
 *		mrr_movement() and its window functions); mrr_movements.c sums the classes in the
 *		mrr_movements, nrr and grr aggregates.
 */
#ifndef CSMETRICS_REVENUE_H
#define CSMETRICS_REVENUE_H

#include "csmetrics.h"

/* Most significant fraction digits an MRR amount may have (trailing zeros do not count). */
#define MRR_MAX_SCALE 8

/* One MRR amount decoded from numeric: value / 10^scale, shown with dscale digits. */
typedef struct MrrAmount
{
	int128		value;			/* the amount times 10^scale */
	int			scale;			/* significant fraction digits, 0..MRR_MAX_SCALE */
	int			dscale;			/* numeric's display scale (trailing zeros included) */
} MrrAmount;

/* Movement classes, as the classifier names them. */
typedef enum MrrClass
{
	MRR_CLASS_NONE,				/* prev = curr = 0: no movement, SQL NULL */
	MRR_CLASS_NEW,
	MRR_CLASS_REACTIVATION,
	MRR_CLASS_EXPANSION,
	MRR_CLASS_CONTRACTION,
	MRR_CLASS_CHURN,
	MRR_CLASS_UNCHANGED
} MrrClass;

/* Reading amounts and classifying a customer-month (revenue.c). */
extern void MrrRead(Datum datum, const char *what, MrrAmount *out);
extern MrrClass MrrClassify(const MrrAmount *prev, const MrrAmount *curr, bool seen_before);

#endif							/* CSMETRICS_REVENUE_H */
