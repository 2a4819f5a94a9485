/*
 * mrr_path.h
 *		MRR paths: a customer's MRR at the end of every period of a series, kept as change
 *		points. mrr_path.c builds them (the mrr_path aggregate and type); mrr_shared.c holds
 *		what every aggregate over paths shares: the series a value follows, its cached period
 *		boundaries, the start of the stored forms, amounts. mrr_series.c sums the movements
 *		of paths period by period; cohort.c builds the cohort retention triangle.
 */
#ifndef CSMETRICS_MRR_PATH_H
#define CSMETRICS_MRR_PATH_H

#include "csmetrics.h"
#include "period.h"
#include "revenue.h"
#include "state_io.h"

#include "access/tupdesc.h"
#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

/* Most periods of a series (the same bound as customer_flows). */
#define MRR_MAX_PERIODS 10000

/* On-disk format version of mrr_path, mrr_movements_series and cohort_summary. */
#define MRR_PATH_FORMAT_VERSION 1

/*
 * The series of periods a value is computed over: period k (0-based) is
 * [first + k x length, first + (k + 1) x length) in calendar arithmetic (period.c). Two values
 * combine only when their series are the same; bounds_hash also tells apart series whose
 * timestamptz boundaries were computed in different time zones.
 */
typedef struct MrrSeriesKey
{
	int64		first;			/* start of the first period, in state units (period.h) */
	Interval	length;			/* the period_length argument */
	int32		periods;		/* number of periods, 1..MRR_MAX_PERIODS */
	int32		kind;			/* InstantKind of first and of every boundary */
	uint64		bounds_hash;	/* MrrBoundsHash of the periods + 1 boundaries */
} MrrSeriesKey;

/* The boundaries of a series as this session computes them (cached, read-only). */
typedef struct MrrSeriesBounds
{
	MrrSeriesKey key;			/* the series, bounds_hash included */
	int64	   *bounds;			/* periods + 1 boundaries in state units */
	TimestampTz *reported;		/* the same as timestamptz, the way results report them */
} MrrSeriesBounds;

/*
 * One change point of a path: from period `period` until the next point (or the end of the
 * series) the customer's MRR is mrr. Before the first point it is 0.
 */
typedef struct MrrPathPoint
{
	int32		period;			/* first period of the step, 0..periods - 1 */
	int32		dscale;			/* fraction digits shown: the most among the subscriptions in
								 * force (0 when none is), as sum(mrr) shows them */
	int128		mrr;			/* the MRR times 10^scale */
} MrrPathPoint;

/*
 * A subscription row as the transition function records it, before the path is built: the
 * MRR it adds from its first period on, and removes after its last.
 */
typedef struct MrrPathEvent
{
	int32		period;			/* period from which the change holds */
	int16		dscale;			/* the row's display scale */
	int16		rows;			/* 1 when the row starts counting, -1 when it stops */
	int128		mrr;			/* +mrr or -mrr, times 10^scale */
} MrrPathEvent;

StaticAssertDecl(sizeof(MrrPathPoint) == sizeof(MrrPathEvent),
				 "points and events share one array of slots");

/*
 * SQL type mrr_path (varlena). Stored and exchanged values hold points only. A transition
 * state also holds the events of the rows read so far after the points, and free slots after
 * those (so that appending costs no copy); every reader builds the points first (MrrPathBuilt).
 */
typedef struct MrrPath
{
	int32		vl_len_;		/* varlena header */
	int32		version;		/* MRR_PATH_FORMAT_VERSION */
	MrrSeriesKey series;		/* the series the path follows */
	int64		rows;			/* subscription rows aggregated (0: result NULL) */
	int32		scale;			/* amounts are times 10^scale, 0..MRR_MAX_SCALE */
	int32		npoints;		/* change points, in period order */
	int32		nevents;		/* events after the points (transition states only) */
	int32		unused;			/* always 0; keeps the slots 8-byte aligned */
	MrrPathPoint slots[FLEXIBLE_ARRAY_MEMBER];	/* points, then events, then free slots */
} MrrPath;

#define MrrPathPoints(p)	((p)->slots)
#define MrrPathEvents(p)	((MrrPathEvent *) ((p)->slots + (p)->npoints))
#define MrrPathSize(nslots) (offsetof(MrrPath, slots) + sizeof(MrrPathPoint) * (Size) (nslots))

/* The series of a value (mrr_shared.c). */
extern void MrrSeriesFromArgs(FunctionCallInfo fcinfo, int argno, InstantKind kind,
							  MrrSeriesKey *key);
extern const MrrSeriesBounds *MrrSeriesGetBounds(const MrrSeriesKey *key);
extern uint64 MrrBoundsHash(const int64 *bounds, int n);
extern const MrrSeriesBounds *MrrSeriesInSession(const MrrSeriesKey *key, const char *what);
extern void MrrSeriesCheckSame(const MrrSeriesKey *a, const MrrSeriesKey *b, const char *what);
extern void MrrSeriesCheckRow(const MrrSeriesKey *state, const MrrSeriesKey *row);
extern void MrrCheckBounds(CsmInput *in, const MrrSeriesKey *key, const int64 *bounds);

/*
 * Text and binary forms of the types over a series: the version and the series first
 * ("v1 kind=date first=... length={m,d,us} periods=P hash=h"), then lists " name={...}".
 */
extern void MrrAppendHeader(StringInfo buf, int32 version, const MrrSeriesKey *key);
extern void MrrReadHeader(CsmInput *in, MrrSeriesKey *key);
extern void MrrAppendInt64List(StringInfo buf, const char *name, const int64 *values, int n);
extern void MrrAppendInt128List(StringInfo buf, const char *name, const int128 *values, int n);
extern int128 *MrrReadList(CsmInput *in, const char *name, int max_n, bool exact,
						   int128 min, int128 max, int *n);
extern void MrrSendHeader(StringInfo buf, int32 version, const MrrSeriesKey *key);
extern void MrrRecvHeader(CsmInput *in, MrrSeriesKey *key);

/* Paths as arguments (mrr_path.c). */
extern MrrPath *MrrPathBuilt(MrrPath *p);
extern MrrPath *MrrPathArg(FunctionCallInfo fcinfo, int argno);
extern int	MrrPathFirstPaying(const MrrPath *p);

/* Set-returning functions over paths (mrr_shared.c). */
extern Tuplestorestate *MrrMaterialize(FunctionCallInfo fcinfo, TupleDesc tupdesc, const char *fname);

/* Amounts (mrr_shared.c). */
extern CSM_NORETURN void MrrSumOverflow(const char *what);
extern int128 MrrScaleAmount(int128 v, int from_scale, int to_scale, const char *what);
extern Datum MrrAmountNumeric(int128 v, int scale, int dscale);

#endif							/* CSMETRICS_MRR_PATH_H */
