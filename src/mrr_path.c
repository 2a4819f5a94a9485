/*
 * mrr_path.c
 *		mrr_path(): a customer's MRR at the end of every period of a series, from its
 *		subscription rows, kept as change points; its storable type, combine and rollup, and
 *		the reading of a path argument. What every aggregate over paths shares is in
 *		mrr_shared.c.
 *
 * A customer's MRR at the end of period k is the sum of mrr over its rows in force then:
 * started_at < period_end and (ended_at IS NULL or ended_at >= period_end). A row therefore
 * counts in a contiguous run of periods, and the path is a step function: the transition
 * function only records each row as two events (its MRR starts counting in one period and
 * stops in another), and the path is built once, by sorting the events, when it is read. So a
 * customer with n rows costs O(n log n), whatever the number of periods. A group of many rows
 * (a segment, every customer) folds its events into points whenever they pile up, so that its
 * state stays within O(periods).
 *
 * Amounts are exact: 128-bit fixed point at the path's scale (decimal.c), at most
 * MRR_MAX_SCALE fraction digits, as every MRR amount of the revenue family. Each point also
 * keeps the display scale sum(mrr) would show for it, so that results built from paths show
 * the same digits as the SQL they replace.
 */
#include "csmetrics.h"
#include "decimal.h"
#include "flow.h"
#include "mrr_path.h"
#include "period.h"
#include "revenue.h"

#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

/* A display scale and the number of rows in force showing it (building a path). */
typedef struct DscaleCount
{
	int32		dscale;
	int64		rows;
} DscaleCount;

/* Event slots of a new transition state: the two events of two subscription rows. */
#define PATH_INITIAL_SLOTS 4

/*
 * Events a transition state keeps before it folds them into its points when it runs out of
 * room: a path has at most one point per period, so a group of many rows (a plan, a segment,
 * every customer) keeps O(periods) slots instead of two more per row. Folding n events costs
 * O(n log n) once every n / 2 rows or so: O(log n) per row.
 */
#define PathFoldAt(p)	Max(2 * (p)->series.periods, 64)

PG_FUNCTION_INFO_V1(mrr_path_in);
PG_FUNCTION_INFO_V1(mrr_path_out);
PG_FUNCTION_INFO_V1(mrr_path_recv);
PG_FUNCTION_INFO_V1(mrr_path_send);
PG_FUNCTION_INFO_V1(mrr_path_trans);
PG_FUNCTION_INFO_V1(mrr_path_trans_date);
PG_FUNCTION_INFO_V1(mrr_path_combine);
PG_FUNCTION_INFO_V1(mrr_path_final);

/* ---------------------------------------------------------------------------------------
 * Building a path
 * --------------------------------------------------------------------------------------- */

/* A zeroed path with room for nslots points and events, in the current context. */
static MrrPath *
PathAlloc(const MrrSeriesKey *series, int nslots)
{
	MrrPath    *p = (MrrPath *) palloc0(MrrPathSize(nslots));

	SET_VARSIZE(p, MrrPathSize(nslots));
	p->version = MRR_PATH_FORMAT_VERSION;
	p->series = *series;
	return p;
}

/* Free slots after the points and events of p. */
static int
PathFreeSlots(const MrrPath *p)
{
	return (int) ((VARSIZE(p) - offsetof(MrrPath, slots)) / sizeof(MrrPathPoint))
		- p->npoints - p->nevents;
}

/* Brings every amount of p to a finer scale. */
static void
PathRaiseScale(MrrPath *p, int scale)
{
	MrrPathEvent *events = MrrPathEvents(p);
	int			i;

	if (scale <= p->scale)
		return;
	for (i = 0; i < p->npoints; i++)
		p->slots[i].mrr = MrrScaleAmount(p->slots[i].mrr, p->scale, scale, "MRR path");
	for (i = 0; i < p->nevents; i++)
		events[i].mrr = MrrScaleAmount(events[i].mrr, p->scale, scale, "MRR path");
	p->scale = scale;
}

/* Orders events by period. */
static int
EventCompare(const void *a, const void *b)
{
	int32		x = ((const MrrPathEvent *) a)->period;
	int32		y = ((const MrrPathEvent *) b)->period;

	return (x > y) - (x < y);
}

/*
 * The step function of n events, as change points written to out (room for n): sorted by
 * period, the events of one period applied together, a point wherever the MRR or the display
 * scale (the most among the rows in force) changes. Sorts events in place.
 */
static int
EventsToPoints(MrrPathEvent *events, int n, MrrPathPoint *out)
{
	DscaleCount *active = (DscaleCount *) palloc(sizeof(DscaleCount) * Max(n, 1));
	int			nactive = 0;
	int128		mrr = 0;
	int32		last_dscale = 0;
	int128		last_mrr = 0;
	int			npoints = 0;
	int			i = 0;

	qsort(events, n, sizeof(MrrPathEvent), EventCompare);
	while (i < n)
	{
		int32		period = events[i].period;
		int32		dscale = 0;
		int			j;

		for (; i < n && events[i].period == period; i++)
		{
			if (!DecimalAdd(mrr, events[i].mrr, &mrr))
				MrrSumOverflow("MRR path");
			for (j = 0; j < nactive && active[j].dscale != events[i].dscale; j++)
				;
			if (j == nactive)
			{
				active[nactive].dscale = events[i].dscale;
				active[nactive++].rows = 0;
			}
			active[j].rows += events[i].rows;
		}
		for (j = 0; j < nactive; j++)
			if (active[j].rows > 0 && active[j].dscale > dscale)
				dscale = active[j].dscale;
		if (mrr != last_mrr || dscale != last_dscale)
		{
			out[npoints].period = period;
			out[npoints].dscale = dscale;
			out[npoints++].mrr = mrr;
			last_mrr = mrr;
			last_dscale = dscale;
		}
	}
	pfree(active);
	return npoints;
}

/*
 * The pointwise sum of two step functions (MRR added, display scale the larger), as change
 * points written to out (room for na + nb).
 */
static int
MergePoints(const MrrPathPoint *a, int na, const MrrPathPoint *b, int nb, MrrPathPoint *out)
{
	MrrPathPoint va = {0, 0, 0};
	MrrPathPoint vb = {0, 0, 0};
	int128		last_mrr = 0;
	int32		last_dscale = 0;
	int			ia = 0,
				ib = 0,
				n = 0;

	while (ia < na || ib < nb)
	{
		int32		period = ia == na ? b[ib].period :
			ib == nb ? a[ia].period : Min(a[ia].period, b[ib].period);
		int128		mrr;
		int32		dscale;

		if (ia < na && a[ia].period == period)
			va = a[ia++];
		if (ib < nb && b[ib].period == period)
			vb = b[ib++];
		if (!DecimalAdd(va.mrr, vb.mrr, &mrr))
			MrrSumOverflow("MRR path");
		dscale = Max(va.dscale, vb.dscale);
		if (mrr != last_mrr || dscale != last_dscale)
		{
			out[n].period = period;
			out[n].dscale = dscale;
			out[n++].mrr = mrr;
			last_mrr = mrr;
			last_dscale = dscale;
		}
	}
	return n;
}

/* Lowers the scale of p to the fewest fraction digits that keep every amount exact. */
static void
PathMinimizeScale(MrrPath *p)
{
	int			needed = 0;
	int			i;

	for (i = 0; i < p->npoints && needed < p->scale; i++)
	{
		int128		v = p->slots[i].mrr;
		int			s = p->scale;

		while (s > needed && v % 10 == 0)
		{
			v /= 10;
			s--;
		}
		needed = Max(needed, s);
	}
	for (; p->scale > needed; p->scale--)
		for (i = 0; i < p->npoints; i++)
			p->slots[i].mrr /= 10;
}

/* A compact path holding the points of pa and pb added (both built, same series and scale). */
static MrrPath *
PathMerge(const MrrPath *pa, const MrrPath *pb)
{
	MrrPath    *out = PathAlloc(&pa->series, pa->npoints + pb->npoints);

	out->scale = pa->scale;
	out->rows = csm_add_count(pa->rows, pb->rows);
	out->npoints = MergePoints(pa->slots, pa->npoints, pb->slots, pb->npoints, out->slots);
	PathMinimizeScale(out);
	SET_VARSIZE(out, MrrPathSize(out->npoints));
	return out;
}

/*
 * The path p as stored: its points with the events of a transition state applied, no free
 * slots. Returns p itself when it is already so; never modifies p.
 */
MrrPath *
MrrPathBuilt(MrrPath *p)
{
	MrrPath    *steps;
	MrrPath    *out;

	if (p->nevents == 0 && VARSIZE(p) == MrrPathSize(p->npoints))
		return p;
	/* the events as a path of their own, then added to the points */
	steps = PathAlloc(&p->series, p->nevents);
	steps->scale = p->scale;
	memcpy(steps->slots, MrrPathEvents(p), sizeof(MrrPathEvent) * p->nevents);
	steps->npoints = EventsToPoints((MrrPathEvent *) steps->slots, p->nevents, steps->slots);
	out = PathMerge(p, steps);
	out->rows = p->rows;
	pfree(steps);
	return out;
}

/* A path argument, detoasted and built. */
MrrPath *
MrrPathArg(FunctionCallInfo fcinfo, int argno)
{
	return MrrPathBuilt((MrrPath *) PG_DETOAST_DATUM(PG_GETARG_DATUM(argno)));
}

/* Index of the first point with MRR > 0 (the customer's first paying period), or -1. */
int
MrrPathFirstPaying(const MrrPath *p)
{
	int			i;

	for (i = 0; i < p->npoints; i++)
		if (p->slots[i].mrr > 0)
			return i;
	return -1;
}

/* ---------------------------------------------------------------------------------------
 * The mrr_path aggregate
 * --------------------------------------------------------------------------------------- */

/* Appends the two events of a row counting in periods lo..hi, making room as needed. */
static MrrPath *
PathAddRow(MrrPath *p, int lo, int hi, const MrrAmount *amount)
{
	MrrPathEvent *events;
	int128		v;
	int			need = hi + 1 < p->series.periods ? 2 : 1;

	if (PathFreeSlots(p) < need)
	{
		int			used;
		int			room;
		MrrPath    *grown;

		if (p->nevents >= PathFoldAt(p))
			p = MrrPathBuilt(p);	/* a new value: the state itself is not modified */
		/* double the room: the executor copies a grown state once, so appends stay O(1) */
		used = p->npoints + p->nevents;
		room = 2 * (used + need);
		grown = PathAlloc(&p->series, room);
		memcpy(grown, p, MrrPathSize(used));
		SET_VARSIZE(grown, MrrPathSize(room));
		p = grown;
	}
	PathRaiseScale(p, amount->scale);
	v = MrrScaleAmount(amount->value, amount->scale, p->scale, "MRR path");
	events = MrrPathEvents(p);
	events[p->nevents].period = lo;
	events[p->nevents].dscale = (int16) amount->dscale;
	events[p->nevents].rows = 1;
	events[p->nevents++].mrr = v;
	if (need == 2)
	{
		events[p->nevents].period = hi + 1;
		events[p->nevents].dscale = (int16) amount->dscale;
		events[p->nevents].rows = -1;
		events[p->nevents++].mrr = -v;
	}
	return p;
}

/*
 * Transition of mrr_path: (state, started_at, ended_at, mrr, first_period_start,
 * period_length, periods). A row counts in period k when started_at < end of k <= ended_at:
 * with a(x) the number of period boundaries at or before x, in periods a(started_at) - 1 to
 * a(ended_at) - 2 (to the last period when ended_at is NULL).
 */
static Datum
PathTransition(FunctionCallInfo fcinfo, InstantKind kind)
{
	MrrPath    *p = NULL;
	MrrSeriesKey key;
	const MrrSeriesBounds *b;
	int64		start,
				end;
	bool		open;
	MrrAmount	amount;
	int			P,
				lo,
				hi;

	if (!PG_ARGISNULL(0))
		p = (MrrPath *) csm_state_for_update(fcinfo, -1);

	/* The state exists from the first row on, even a skipped one, as for customer_flows. */
	MrrSeriesFromArgs(fcinfo, 4, kind, &key);
	if (p != NULL)
		MrrSeriesCheckRow(&p->series, &key);
	b = MrrSeriesGetBounds(&key);
	if (p == NULL)
		p = PathAlloc(&b->key, PATH_INITIAL_SLOTS);	/* per-call: the executor copies it once */
	else if (p->series.bounds_hash != b->key.bounds_hash)
		MrrSeriesCheckSame(&p->series, &b->key, "MRR path rows");

	/* NULL started_at or mrr: skipped, like any NULL aggregate input */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(p);
	FlowReadSpan(fcinfo, kind, &start, &end, &open);
	MrrRead(PG_GETARG_DATUM(3), "mrr", &amount);
	p->rows = csm_add_count(p->rows, 1);

	P = key.periods;
	lo = Max(period_locate(b->bounds, P, start) - 1, 0);
	hi = open ? P - 1 : period_locate(b->bounds, P, end) - 2;
	if (lo <= hi)
		p = PathAddRow(p, lo, hi, &amount);
	PG_RETURN_POINTER(p);
}

/* Transition of mrr_path over timestamptz rows. */
Datum
mrr_path_trans(PG_FUNCTION_ARGS)
{
	return PathTransition(fcinfo, INSTANT_TIMESTAMPTZ);
}

/* Transition of mrr_path over date rows. */
Datum
mrr_path_trans_date(PG_FUNCTION_ARGS)
{
	return PathTransition(fcinfo, INSTANT_DATE);
}

/*
 * Combine function of mrr_path, and transition of rollup(mrr_path): the sum of two paths of
 * one series (a customer's rows split between workers, or the paths of several accounts).
 * Never modifies its second argument.
 */
Datum
mrr_path_combine(PG_FUNCTION_ARGS)
{
	MrrPath    *a;
	MrrPath    *b;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = MrrPathArg(fcinfo, 1);
	/* the executor keeps its own copy of a state it did not have */
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(b);
	a = MrrPathBuilt((MrrPath *) csm_state_for_update(fcinfo, -1));
	MrrSeriesCheckSame(&a->series, &b->series, "MRR paths");
	if (a->scale < b->scale)
		PathRaiseScale(a, b->scale);
	else if (b->scale < a->scale)
	{
		b = (MrrPath *) PG_DETOAST_DATUM_COPY(PointerGetDatum(b));
		PathRaiseScale(b, a->scale);
	}
	PG_RETURN_POINTER(PathMerge(a, b));
}

/* Final function of mrr_path and rollup(mrr_path): the built path; NULL without rows. */
Datum
mrr_path_final(PG_FUNCTION_ARGS)
{
	MrrPath    *p;
	MrrPath    *out;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	p = (MrrPath *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	if (p->rows == 0)
		PG_RETURN_NULL();
	out = MrrPathBuilt(p);
	/* never hand out the transition state itself: a window aggregate reuses it */
	if (out == p)
		out = (MrrPath *) PG_DETOAST_DATUM_COPY(PointerGetDatum(p));
	PG_RETURN_POINTER(out);
}

/* ---------------------------------------------------------------------------------------
 * Text and binary forms
 * --------------------------------------------------------------------------------------- */

/*
 * Validates a path read from outside: points in period order within the series, each one a
 * change, amounts at least 0 and shown with every significant digit, at the fewest fraction
 * digits they need, no more points than its rows can make (two each).
 */
static void
PathValidate(CsmInput *in, const MrrPath *p)
{
	MrrPathPoint last = {0, 0, 0};
	int			i;

	if (p->rows < 0)
		csm_input_error(in, "The row count " INT64_FORMAT " is negative.", p->rows);
	if (p->scale < 0 || p->scale > MRR_MAX_SCALE)
		csm_input_error(in, "The scale %d is outside 0..%d.", p->scale, MRR_MAX_SCALE);
	if (p->npoints > 2 * Min(p->rows, MRR_MAX_PERIODS))
		csm_input_error(in, "%d points cannot come from " INT64_FORMAT " rows.", p->npoints, p->rows);
	/* the fewest fraction digits the amounts need, as every path has: equal paths, equal forms */
	for (i = 0; p->scale > 0 && i < p->npoints && p->slots[i].mrr % 10 == 0; i++)
		;
	if (p->scale > 0 && i == p->npoints)
		csm_input_error(in, "The scale %d has more fraction digits than the amounts need.", p->scale);
	for (i = 0; i < p->npoints; i++)
	{
		const MrrPathPoint *pt = &p->slots[i];

		if (pt->period < 0 || pt->period >= p->series.periods || (i > 0 && pt->period <= last.period))
			csm_input_error(in, "Point %d: periods must ascend within 0..%d.", i + 1, p->series.periods - 1);
		if (pt->mrr < 0)
			csm_input_error(in, "Point %d: MRR is negative.", i + 1);
		if (pt->dscale < 0 || pt->dscale > DECIMAL_MAX_DSCALE)
			csm_input_error(in, "Point %d: display scale %d is out of range.", i + 1, pt->dscale);
		if (pt->dscale < p->scale)
		{
			int128		unit;

			(void) DecimalScaleUp(1, p->scale - pt->dscale, &unit);
			if (pt->mrr % unit != 0)
				csm_input_error(in, "Point %d: MRR has more fraction digits than its display scale.", i + 1);
		}
		if (pt->mrr == last.mrr && pt->dscale == last.dscale)
			csm_input_error(in, "Point %d changes neither the MRR nor its display scale.", i + 1);
		last = *pt;
	}
}

/*
 * Text input: v1 <series> rows=<n> point_periods={...} point_mrr={...}, each MRR written with
 * its display scale ("0" and "0.00" differ: no subscription in force, or free ones).
 */
Datum
mrr_path_in(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	MrrSeriesKey series;
	MrrPath    *p;
	int128	   *periods;
	int		   *scales;
	int			n,
				i;

	csm_text_begin(&in, "mrr_path", PG_GETARG_CSTRING(0), true);
	MrrReadHeader(&in, &series);
	p = PathAlloc(&series, series.periods);
	csm_text_expect(&in, " rows=");
	p->rows = csm_text_int64(&in, "row count", 0, PG_INT64_MAX);
	periods = MrrReadList(&in, "point_periods", series.periods, false, 0, series.periods - 1, &n);
	csm_text_expect(&in, " point_mrr={");
	scales = (int *) palloc(sizeof(int) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		DecimalNumber d;

		if (i > 0)
			csm_text_expect(&in, ",");
		DecimalReadText(&in, "MRR", &d);
		if (d.negative)
			csm_input_error(&in, "Point %d: MRR is negative.", i + 1);
		if (d.scale > MRR_MAX_SCALE)
			csm_input_error(&in, "Point %d: MRR has more than %d significant fraction digits.",
							i + 1, MRR_MAX_SCALE);
		p->slots[i].period = (int32) periods[i];
		p->slots[i].dscale = d.dscale;
		p->slots[i].mrr = d.digits;
		scales[i] = d.scale;
		p->scale = Max(p->scale, d.scale);
	}
	csm_text_expect(&in, "}");
	csm_text_end(&in);
	for (i = 0; i < n; i++)
		if (!DecimalScaleUp(p->slots[i].mrr, p->scale - scales[i], &p->slots[i].mrr))
			csm_input_error(&in, "Point %d: MRR is out of range at %d fraction digits.", i + 1, p->scale);
	p->npoints = n;
	SET_VARSIZE(p, MrrPathSize(n));
	PathValidate(&in, p);
	PG_RETURN_POINTER(p);
}

/* Text output, the form mrr_path_in reads. */
Datum
mrr_path_out(PG_FUNCTION_ARGS)
{
	MrrPath    *p = MrrPathArg(fcinfo, 0);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	MrrAppendHeader(&buf, p->version, &p->series);
	appendStringInfo(&buf, " rows=" INT64_FORMAT " point_periods={", p->rows);
	for (i = 0; i < p->npoints; i++)
		appendStringInfo(&buf, i == 0 ? "%d" : ",%d", p->slots[i].period);
	appendStringInfoString(&buf, "} point_mrr={");
	for (i = 0; i < p->npoints; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfoString(&buf, DatumGetCString(DirectFunctionCall1(numeric_out,
																		 MrrAmountNumeric(p->slots[i].mrr, p->scale, p->slots[i].dscale))));
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

/* Binary input: version, series, rows, scale, point count, then each point. */
Datum
mrr_path_recv(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	MrrSeriesKey series;
	MrrPath    *p;
	int64		rows;
	int32		scale,
				npoints;
	int			i;

	csm_recv_begin(&in, "mrr_path", (StringInfo) PG_GETARG_POINTER(0));
	MrrRecvHeader(&in, &series);
	rows = csm_recv_int(&in, 8, "row count");
	scale = (int32) csm_recv_int(&in, 4, "scale");
	npoints = (int32) csm_recv_int(&in, 4, "point count");
	if (npoints < 0 || npoints > series.periods)
		csm_input_error(&in, "%d points do not fit a series of %d periods.", npoints, series.periods);
	csm_recv_length(&in, 24 * (int64) npoints, "points");
	p = PathAlloc(&series, npoints);
	p->rows = rows;
	p->scale = scale;
	p->npoints = npoints;
	for (i = 0; i < npoints; i++)
	{
		p->slots[i].period = (int32) csm_recv_int(&in, 4, "point period");
		p->slots[i].dscale = (int32) csm_recv_int(&in, 4, "point display scale");
		p->slots[i].mrr = csm_recv_int128(&in, "point MRR");
	}
	csm_recv_end(&in);
	PathValidate(&in, p);
	PG_RETURN_POINTER(p);
}

/* Binary output, the layout mrr_path_recv reads. */
Datum
mrr_path_send(PG_FUNCTION_ARGS)
{
	MrrPath    *p = MrrPathArg(fcinfo, 0);
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	MrrSendHeader(&buf, p->version, &p->series);
	pq_sendint64(&buf, p->rows);
	pq_sendint32(&buf, p->scale);
	pq_sendint32(&buf, p->npoints);
	for (i = 0; i < p->npoints; i++)
	{
		pq_sendint32(&buf, p->slots[i].period);
		pq_sendint32(&buf, p->slots[i].dscale);
		csm_send_int128(&buf, p->slots[i].mrr);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
