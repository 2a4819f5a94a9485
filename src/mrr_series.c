/*
 * mrr_series.c
 *		Movements over MRR paths: the storable summary mrr_movements_series (the movements of
 *		every period of a series) with its aggregate, rollup and the accessor mrr_movements()
 *		that unfolds it, the one-step aggregate mrr_movements(path); and
 *		customer_mrr_movements(path), one customer's movement in each period, with
 *		customer_mrr_changes(path), only the periods where its MRR moves.
 *
 * A customer's MRR is a step function of the period, and its movements happen only where it
 * steps, so a path adds its movements in O(points): at a point where the MRR goes from prev
 * to curr, the class of mrr_movement(prev, curr, seen_before) is counted in that period, with
 * seen_before true after the customer's first paying period. Every other period of the path
 * is unchanged or has no MRR at all. Ending MRR and paying customers follow from the
 * movements by running sums (ending - starting = new + reactivation + expansion - contraction
 * - churned), and starting = the previous period's ending, so the state keeps only the five
 * classes per period. Customers enter the movements at their first paying period, as in the
 * gap-free customer x period grid the KPI views used before.
 *
 * Display scale: numeric sums show the most fraction digits of their inputs, so the grid
 * showed, for each period, the most digits among the MRR (current and previous) of the
 * customers in it. Each path point knows its digits; a customer's digits over a run of
 * periods are raised into a segment tree of per-period maxima in O(log P), which combines by
 * taking maxima and is unfolded in O(P) at the end.
 */
#include "csmetrics.h"
#include "decimal.h"
#include "mrr_path.h"
#include "revenue.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

/* The movement classes a series counts per period. */
typedef enum SeriesClass
{
	SERIES_NEW,
	SERIES_EXPANSION,
	SERIES_CONTRACTION,
	SERIES_CHURNED,
	SERIES_REACTIVATION,
	SERIES_NCLASSES
} SeriesClass;

/* Names of the classes in the text form. */
static const char *const series_class_names[SERIES_NCLASSES] = {
	"new", "expansion", "contraction", "churned", "reactivation"
};

/*
 * SQL type mrr_movements_series (varlena): the movements of every period of a series.
 * data[] holds, in order: bounds[periods + 1], amount[class][periods] (int128, times
 * 10^scale), count[class][periods] (int64), and the display-scale tree dscale[2 x periods]
 * (int16; leaves at periods .. 2 x periods - 1, node i's children 2i and 2i + 1, a period's
 * display scale the largest value on its leaf's way to the root).
 */
typedef struct MovementsSeries
{
	int32		vl_len_;		/* varlena header */
	int32		version;		/* MRR_PATH_FORMAT_VERSION */
	MrrSeriesKey series;		/* the series of every path aggregated */
	int64		paths;			/* paths aggregated */
	int32		scale;			/* amounts are times 10^scale, 0..MRR_MAX_SCALE */
	int32		unused;			/* always 0 */
	int64		data[FLEXIBLE_ARRAY_MEMBER];	/* bounds, amounts, counts, dscale tree */
} MovementsSeries;

#define SeriesP(s)				((s)->series.periods)
#define SeriesBounds(s)			((s)->data)
#define SeriesAmounts(s, c)		((int128 *) ((s)->data + SeriesP(s) + 1) + (Size) (c) * SeriesP(s))
#define SeriesCounts(s, c)		((int64 *) SeriesAmounts(s, SERIES_NCLASSES) + (Size) (c) * SeriesP(s))
#define SeriesDscales(s)		((int16 *) SeriesCounts(s, SERIES_NCLASSES))
#define SeriesSize(P) \
	(offsetof(MovementsSeries, data) + sizeof(int64) * ((Size) (P) + 1) + \
	 (sizeof(int128) + sizeof(int64)) * SERIES_NCLASSES * (Size) (P) + sizeof(int16) * 2 * (Size) (P))

/* Number of fields of the composite mrr_period_movements. */
#define PERIOD_NATTS 16

PG_FUNCTION_INFO_V1(mrr_movements_series_in);
PG_FUNCTION_INFO_V1(mrr_movements_series_out);
PG_FUNCTION_INFO_V1(mrr_movements_series_recv);
PG_FUNCTION_INFO_V1(mrr_movements_series_send);
PG_FUNCTION_INFO_V1(mrr_movements_series_trans);
PG_FUNCTION_INFO_V1(mrr_movements_series_combine);
PG_FUNCTION_INFO_V1(mrr_movements_series_final);
PG_FUNCTION_INFO_V1(mrr_movements_series_summary_final);
PG_FUNCTION_INFO_V1(mrr_movements_series_movements);
PG_FUNCTION_INFO_V1(customer_mrr_movements);
PG_FUNCTION_INFO_V1(customer_mrr_changes);
PG_FUNCTION_INFO_V1(kpi_mrr_movement_rows);

/* ---------------------------------------------------------------------------------------
 * The state
 * --------------------------------------------------------------------------------------- */

/* A zeroed series state over the given series and boundaries, in the current context. */
static MovementsSeries *
SeriesAlloc(const MrrSeriesKey *key, const int64 *bounds)
{
	MovementsSeries *s = (MovementsSeries *) palloc0(SeriesSize(key->periods));

	SET_VARSIZE(s, SeriesSize(key->periods));
	s->version = MRR_PATH_FORMAT_VERSION;
	s->series = *key;
	if (bounds)
		memcpy(SeriesBounds(s), bounds, sizeof(int64) * (key->periods + 1));
	return s;
}

/* Brings every amount of s to a finer scale. */
static void
SeriesRaiseScale(MovementsSeries *s, int scale)
{
	int16		old = (int16) s->scale;

	if (scale <= s->scale)
		return;
	if (!DecimalRaiseScale(SeriesAmounts(s, 0), SERIES_NCLASSES * SeriesP(s), &old, scale))
		MrrSumOverflow("mrr_movements_series");
	s->scale = old;
}

/* Adds amount v and one customer to class c of period k. */
static inline void
SeriesCount(MovementsSeries *s, SeriesClass c, int k, int128 v)
{
	int128	   *a = &SeriesAmounts(s, c)[k];

	if (!DecimalAdd(*a, v, a))
		MrrSumOverflow("mrr_movements_series");
	SeriesCounts(s, c)[k] = csm_add_count(SeriesCounts(s, c)[k], 1);
}

/* Raises the display scale of periods [lo, hi) to at least dscale (segment tree, O(log P)). */
static void
DscaleRaise(int16 *tree, int P, int lo, int hi, int dscale)
{
	if (dscale <= 0)
		return;
	for (lo += P, hi += P; lo < hi; lo >>= 1, hi >>= 1)
	{
		if (lo & 1)
		{
			tree[lo] = Max(tree[lo], dscale);
			lo++;
		}
		if (hi & 1)
		{
			hi--;
			tree[hi] = Max(tree[hi], dscale);
		}
	}
}

/* The display scale of every period: each leaf raised to the largest value above it. */
static int16 *
DscalePeriods(const int16 *tree, int P)
{
	int16	   *t = (int16 *) palloc(sizeof(int16) * 2 * P);
	int			i;

	memcpy(t, tree, sizeof(int16) * 2 * P);
	for (i = 1; i < P; i++)
	{
		t[2 * i] = Max(t[2 * i], t[i]);
		t[2 * i + 1] = Max(t[2 * i + 1], t[i]);
	}
	return t + P;
}

/*
 * Adds one customer's path. From the first paying period f on, each point where the MRR
 * changes is a movement in its period; each point's display scale holds over its run of
 * periods, and the previous run's over the first period of the next (its previous MRR).
 */
static void
SeriesAddPath(MovementsSeries *s, const MrrPath *p)
{
	const MrrPathPoint *pt = MrrPathPoints(p);
	int			P = SeriesP(s);
	int			first = MrrPathFirstPaying(p);
	MrrAmount	prev = {0, 0, 0};
	int			f,
				j;

	s->paths = csm_add_count(s->paths, 1);
	if (first < 0)
		return;					/* never paid: not in the movements */
	SeriesRaiseScale(s, p->scale);
	prev.scale = s->scale;
	f = pt[first].period;
	for (j = first; j < p->npoints; j++)
	{
		MrrAmount	curr;
		int			k = pt[j].period;
		int			next = j + 1 < p->npoints ? pt[j + 1].period : P;

		curr.value = MrrScaleAmount(pt[j].mrr, p->scale, s->scale, "mrr_movements_series");
		curr.scale = s->scale;
		curr.dscale = pt[j].dscale;
		switch (MrrClassify(&prev, &curr, k > f))
		{
			case MRR_CLASS_NEW:
				SeriesCount(s, SERIES_NEW, k, curr.value);
				break;
			case MRR_CLASS_REACTIVATION:
				SeriesCount(s, SERIES_REACTIVATION, k, curr.value);
				break;
			case MRR_CLASS_EXPANSION:
				SeriesCount(s, SERIES_EXPANSION, k, curr.value - prev.value);
				break;
			case MRR_CLASS_CONTRACTION:
				SeriesCount(s, SERIES_CONTRACTION, k, prev.value - curr.value);
				break;
			case MRR_CLASS_CHURN:
				SeriesCount(s, SERIES_CHURNED, k, prev.value);
				break;
			case MRR_CLASS_NONE:
			case MRR_CLASS_UNCHANGED:
				break;			/* only the display scale changed */
		}
		DscaleRaise(SeriesDscales(s), P, k, next, curr.dscale);
		if (k > f)
			DscaleRaise(SeriesDscales(s), P, k, k + 1, prev.dscale);
		prev = curr;
	}
}

/* Adds state b into a (same series; b unchanged). */
static void
SeriesMerge(MovementsSeries *a, const MovementsSeries *b)
{
	int			P = SeriesP(a);
	int			c,
				k;

	MrrSeriesCheckSame(&a->series, &b->series, "mrr_movements_series values");
	if (memcmp(SeriesBounds(a), SeriesBounds(b), sizeof(int64) * (P + 1)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine mrr_movements_series values with different period boundaries"),
				 errdetail("The values were computed in different time zones.")));
	SeriesRaiseScale(a, b->scale);
	a->paths = csm_add_count(a->paths, b->paths);
	for (c = 0; c < SERIES_NCLASSES; c++)
		for (k = 0; k < P; k++)
		{
			int128		v = SeriesAmounts(b, c)[k];
			int128	   *sum = &SeriesAmounts(a, c)[k];

			if (!DecimalAddScaled(*sum, v, a->scale - b->scale, sum))
				MrrSumOverflow("mrr_movements_series");
			SeriesCounts(a, c)[k] = csm_add_count(SeriesCounts(a, c)[k], SeriesCounts(b, c)[k]);
		}
	for (k = 1; k < 2 * P; k++)
		SeriesDscales(a)[k] = Max(SeriesDscales(a)[k], SeriesDscales(b)[k]);
}

/* A series state argument, detoasted (stored values may be compressed). */
static MovementsSeries *
SeriesArg(FunctionCallInfo fcinfo, int argno)
{
	return (MovementsSeries *) PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
}

/*
 * The MRR at the end of period k, from the MRR at its start: starting - churned - contraction
 * + new + reactivation + expansion. Churned and contraction come out of the starting MRR, so
 * only the additions can overflow; false when they do. Each class sum fits on its own, but a
 * period's MRR adds up every customer paying then, which may not.
 */
static bool
SeriesEndingMrr(const MovementsSeries *s, int k, int128 starting, int128 *ending)
{
	return DecimalAdd(starting - SeriesAmounts(s, SERIES_CHURNED)[k] - SeriesAmounts(s, SERIES_CONTRACTION)[k],
					  SeriesAmounts(s, SERIES_NEW)[k], ending) &&
		DecimalAdd(*ending, SeriesAmounts(s, SERIES_REACTIVATION)[k], ending) &&
		DecimalAdd(*ending, SeriesAmounts(s, SERIES_EXPANSION)[k], ending);
}

/*
 * Errors unless the MRR of every period of s fits the exact sums: what a value must satisfy
 * to be unfolded, printed and read back. O(periods): checked where a value is finished.
 */
static void
SeriesCheckSums(const MovementsSeries *s)
{
	int128		mrr = 0;
	int			k;

	for (k = 0; k < SeriesP(s); k++)
		if (!SeriesEndingMrr(s, k, mrr, &mrr))
			MrrSumOverflow("mrr_movements_series");
}

/* ---------------------------------------------------------------------------------------
 * Aggregates
 * --------------------------------------------------------------------------------------- */

/* Transition of mrr_movements_series(path) and mrr_movements(path): add one path. */
Datum
mrr_movements_series_trans(PG_FUNCTION_ARGS)
{
	MovementsSeries *s = PG_ARGISNULL(0) ? NULL : (MovementsSeries *) PG_GETARG_POINTER(0);
	MrrPath    *p;

	if (PG_ARGISNULL(1))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	p = MrrPathArg(fcinfo, 1);
	if (s == NULL)
	{
		/* the boundaries of this session must be those the path was built with */
		const MrrSeriesBounds *b = MrrSeriesInSession(&p->series, "an MRR path");

		s = SeriesAlloc(&b->key, b->bounds);	/* per-call context: copied once */
	}
	else
	{
		s = (MovementsSeries *) csm_state_for_update(fcinfo, -1);
		MrrSeriesCheckSame(&s->series, &p->series, "MRR paths");
	}
	SeriesAddPath(s, p);
	/* an aggregate checks once, in its final function; a direct call returns a finished value */
	if (!csm_in_aggregate(fcinfo))
		SeriesCheckSums(s);
	PG_RETURN_POINTER(s);
}

/*
 * Combine function of the series aggregates, and transition of rollup(mrr_movements_series).
 * Never modifies its second argument.
 */
Datum
mrr_movements_series_combine(PG_FUNCTION_ARGS)
{
	MovementsSeries *a;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	/* the executor keeps its own copy of a state it did not have */
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(SeriesArg(fcinfo, 1));
	a = (MovementsSeries *) csm_state_for_update(fcinfo, -1);
	SeriesMerge(a, SeriesArg(fcinfo, 1));
	if (!csm_in_aggregate(fcinfo))
		SeriesCheckSums(a);
	PG_RETURN_POINTER(a);
}

/*
 * Final function of mrr_movements_series(path) and rollup(mrr_movements_series): the summary
 * as stored, once the MRR of every period is known to fit (so that it reads back).
 */
Datum
mrr_movements_series_summary_final(PG_FUNCTION_ARGS)
{
	MovementsSeries *s;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = SeriesArg(fcinfo, 0);
	SeriesCheckSums(s);
	/* never hand out the transition state itself: a window aggregate reuses it */
	PG_RETURN_POINTER(PG_DETOAST_DATUM_COPY(PointerGetDatum(s)));
}

/*
 * One mrr_period_movements per period: the bounds, starting and ending MRR (running sums of
 * the movements), the five movement amounts, then the matching customer counts.
 */
static Datum
SeriesPeriods(FunctionCallInfo fcinfo, const MovementsSeries *s)
{
	CsmRowArrayType *info = csm_result_row_type(fcinfo, PERIOD_NATTS);
	int			P = SeriesP(s);
	int16	   *dscale = DscalePeriods(SeriesDscales(s), P);
	Datum	   *rows = (Datum *) palloc(sizeof(Datum) * P);
	int128		ending = 0;
	int64		customers_end = 0;
	int			k;

	for (k = 0; k < P; k++)
	{
		Datum		values[PERIOD_NATTS];
		bool		nulls[PERIOD_NATTS] = {0};
		int128		starting = ending;
		int64		customers_start = customers_end;
		int			c;

		if (!SeriesEndingMrr(s, k, starting, &ending))
			MrrSumOverflow("mrr_movements_series");
		customers_end = customers_start + SeriesCounts(s, SERIES_NEW)[k]
			+ SeriesCounts(s, SERIES_REACTIVATION)[k] - SeriesCounts(s, SERIES_CHURNED)[k];

		values[0] = TimestampTzGetDatum(period_instant_to_timestamptz(SeriesBounds(s)[k], s->series.kind));
		values[1] = TimestampTzGetDatum(period_instant_to_timestamptz(SeriesBounds(s)[k + 1], s->series.kind));
		/* the field order of mrr_movements, after the two bounds */
		values[2] = MrrAmountNumeric(starting, s->scale, dscale[k]);
		values[3] = MrrAmountNumeric(ending, s->scale, dscale[k]);
		values[9] = Int64GetDatum(customers_start);
		values[10] = Int64GetDatum(customers_end);
		for (c = 0; c < SERIES_NCLASSES; c++)
		{
			/* new, expansion, contraction, churned, reactivation: the composite's order */
			values[4 + c] = MrrAmountNumeric(SeriesAmounts(s, c)[k], s->scale, dscale[k]);
			values[11 + c] = Int64GetDatum(SeriesCounts(s, c)[k]);
		}
		rows[k] = HeapTupleGetDatum(heap_form_tuple(info->tupdesc, values, nulls));
	}
	return PointerGetDatum(csm_row_array(info, rows, P));
}

/* Final function of mrr_movements(path): one mrr_period_movements per period. */
Datum
mrr_movements_series_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(SeriesPeriods(fcinfo, SeriesArg(fcinfo, 0)));
}

/* mrr_movements(mrr_movements_series): the summary unfolded, one row per period. */
Datum
mrr_movements_series_movements(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(SeriesPeriods(fcinfo, SeriesArg(fcinfo, 0)));
}

/* ---------------------------------------------------------------------------------------
 * Text and binary forms
 * --------------------------------------------------------------------------------------- */

/*
 * Validates a state read from outside: boundaries those of its series, amounts and counts
 * non-negative and zero together, and per period no more lost (churned, contraction) than
 * there was at the start, no more changing customers than started it.
 */
static void
SeriesValidate(CsmInput *in, const MovementsSeries *s)
{
	int			P = SeriesP(s);
	int128		ending = 0;
	int64		customers_end = 0;
	int64		new_customers = 0;
	int			c,
				k;

	if (s->paths < 0)
		csm_input_error(in, "The path count " INT64_FORMAT " is negative.", s->paths);
	if (s->scale < 0 || s->scale > MRR_MAX_SCALE)
		csm_input_error(in, "The scale %d is outside 0..%d.", s->scale, MRR_MAX_SCALE);
	MrrCheckBounds(in, &s->series, SeriesBounds(s));
	for (k = P; k < 2 * P; k++)
		if (SeriesDscales(s)[k] < 0 || SeriesDscales(s)[k] > DECIMAL_MAX_DSCALE)
			csm_input_error(in, "The display scale of period %d is out of range.", k - P + 1);
	for (k = 0; k < P; k++)
	{
		int128		a[SERIES_NCLASSES];
		int64		n[SERIES_NCLASSES];
		int128		starting = ending;
		int64		customers_start = customers_end;

		for (c = 0; c < SERIES_NCLASSES; c++)
		{
			a[c] = SeriesAmounts(s, c)[k];
			n[c] = SeriesCounts(s, c)[k];
			if (a[c] < 0 || n[c] < 0 || (a[c] == 0) != (n[c] == 0))
				csm_input_error(in, "Period %d: %s MRR and customers must be at least 0 and zero together.",
								k + 1, series_class_names[c]);
		}
		/* churned and contraction come out of starting; each customer moves once */
		if (a[SERIES_CHURNED] > starting || a[SERIES_CONTRACTION] > starting - a[SERIES_CHURNED] ||
			n[SERIES_CHURNED] > customers_start ||
			n[SERIES_CONTRACTION] > customers_start - n[SERIES_CHURNED] ||
			n[SERIES_EXPANSION] > customers_start - n[SERIES_CHURNED] - n[SERIES_CONTRACTION])
			csm_input_error(in, "Period %d loses more MRR or customers than it started with.", k + 1);
		if (!SeriesEndingMrr(s, k, starting, &ending))
			csm_input_error(in, "Period %d: the MRR adds up beyond the range of the sums.", k + 1);
		customers_end = csm_add_count(customers_start - n[SERIES_CHURNED],
									  csm_add_count(n[SERIES_NEW], n[SERIES_REACTIVATION]));
		if ((ending == 0) != (customers_end == 0) ||
			n[SERIES_EXPANSION] + n[SERIES_CONTRACTION] > customers_end)
			csm_input_error(in, "Period %d ends with MRR and paying customers that disagree.", k + 1);
		new_customers = csm_add_count(new_customers, n[SERIES_NEW]);
	}
	if (new_customers > s->paths)
		csm_input_error(in, INT64_FORMAT " new customers cannot come from " INT64_FORMAT " paths.",
						new_customers, s->paths);
}

/*
 * Text form: v1 <series> paths=<n> scale=<s> bounds={...}, then per class <class>_mrr={...}
 * (amounts times 10^scale) and <class>_customers={...}, and dscale={...} (per period).
 */
Datum
mrr_movements_series_out(PG_FUNCTION_ARGS)
{
	MovementsSeries *s = SeriesArg(fcinfo, 0);
	int			P = SeriesP(s);
	int16	   *dscale = DscalePeriods(SeriesDscales(s), P);
	int64	   *dscale64 = (int64 *) palloc(sizeof(int64) * P);
	StringInfoData buf;
	int			c,
				k;

	initStringInfo(&buf);
	MrrAppendHeader(&buf, s->version, &s->series);
	appendStringInfo(&buf, " paths=" INT64_FORMAT " scale=%d", s->paths, s->scale);
	MrrAppendInt64List(&buf, "bounds", SeriesBounds(s), P + 1);
	for (c = 0; c < SERIES_NCLASSES; c++)
	{
		MrrAppendInt128List(&buf, psprintf("%s_mrr", series_class_names[c]), SeriesAmounts(s, c), P);
		MrrAppendInt64List(&buf, psprintf("%s_customers", series_class_names[c]), SeriesCounts(s, c), P);
	}
	for (k = 0; k < P; k++)
		dscale64[k] = dscale[k];
	MrrAppendInt64List(&buf, "dscale", dscale64, P);
	PG_RETURN_CSTRING(buf.data);
}

/* Text input: the form mrr_movements_series_out writes, validated. */
Datum
mrr_movements_series_in(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	MrrSeriesKey series;
	MovementsSeries *s;
	int128	   *values;
	int			P,
				n,
				c,
				k;

	csm_text_begin(&in, "mrr_movements_series", PG_GETARG_CSTRING(0), true);
	MrrReadHeader(&in, &series);
	P = series.periods;
	s = SeriesAlloc(&series, NULL);
	csm_text_expect(&in, " paths=");
	s->paths = csm_text_int64(&in, "path count", 0, PG_INT64_MAX);
	csm_text_expect(&in, " scale=");
	s->scale = (int32) csm_text_int64(&in, "scale", 0, MRR_MAX_SCALE);
	values = MrrReadList(&in, "bounds", P + 1, true, PG_INT64_MIN, PG_INT64_MAX, &n);
	for (k = 0; k <= P; k++)
		SeriesBounds(s)[k] = (int64) values[k];
	for (c = 0; c < SERIES_NCLASSES; c++)
	{
		values = MrrReadList(&in, psprintf("%s_mrr", series_class_names[c]), P, true,
							 0, DECIMAL_INT128_MAX, &n);
		memcpy(SeriesAmounts(s, c), values, sizeof(int128) * P);
		values = MrrReadList(&in, psprintf("%s_customers", series_class_names[c]), P, true,
							 0, PG_INT64_MAX, &n);
		for (k = 0; k < P; k++)
			SeriesCounts(s, c)[k] = (int64) values[k];
	}
	values = MrrReadList(&in, "dscale", P, true, 0, DECIMAL_MAX_DSCALE, &n);
	for (k = 0; k < P; k++)
		SeriesDscales(s)[P + k] = (int16) values[k];
	csm_text_end(&in);
	SeriesValidate(&in, s);
	PG_RETURN_POINTER(s);
}

/* Binary form: version, series, paths, scale, bounds, amounts, counts, dscales. */
Datum
mrr_movements_series_send(PG_FUNCTION_ARGS)
{
	MovementsSeries *s = SeriesArg(fcinfo, 0);
	int			P = SeriesP(s);
	int16	   *dscale = DscalePeriods(SeriesDscales(s), P);
	int128	   *amounts = SeriesAmounts(s, 0);
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	MrrSendHeader(&buf, s->version, &s->series);
	pq_sendint64(&buf, s->paths);
	pq_sendint32(&buf, s->scale);
	for (i = 0; i <= P; i++)
		pq_sendint64(&buf, SeriesBounds(s)[i]);
	for (i = 0; i < SERIES_NCLASSES * P; i++)
		csm_send_int128(&buf, amounts[i]);
	for (i = 0; i < SERIES_NCLASSES * P; i++)
		pq_sendint64(&buf, SeriesCounts(s, 0)[i]);
	for (i = 0; i < P; i++)
		pq_sendint16(&buf, dscale[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Binary input: the layout mrr_movements_series_send writes, validated. */
Datum
mrr_movements_series_recv(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	MrrSeriesKey series;
	MovementsSeries *s;
	int128	   *amounts;
	int			P,
				i;

	csm_recv_begin(&in, "mrr_movements_series", (StringInfo) PG_GETARG_POINTER(0));
	MrrRecvHeader(&in, &series);
	P = series.periods;
	s = SeriesAlloc(&series, NULL);
	s->paths = csm_recv_int(&in, 8, "path count");
	s->scale = (int32) csm_recv_int(&in, 4, "scale");
	/* bounds, amounts (16 bytes) and counts of each class, dscales (2 bytes) */
	csm_recv_length(&in, 8 * ((int64) P + 1) + (16 + 8) * (int64) SERIES_NCLASSES * P + 2 * (int64) P,
					psprintf("a series of %d periods", P));
	for (i = 0; i <= P; i++)
		SeriesBounds(s)[i] = csm_recv_int(&in, 8, "bounds");
	amounts = SeriesAmounts(s, 0);
	for (i = 0; i < SERIES_NCLASSES * P; i++)
		amounts[i] = csm_recv_int128(&in, "amounts");
	for (i = 0; i < SERIES_NCLASSES * P; i++)
		SeriesCounts(s, 0)[i] = csm_recv_int(&in, 8, "counts");
	for (i = 0; i < P; i++)
		SeriesDscales(s)[P + i] = (int16) csm_recv_int(&in, 2, "display scales");
	csm_recv_end(&in);
	SeriesValidate(&in, s);
	PG_RETURN_POINTER(s);
}

/* ---------------------------------------------------------------------------------------
 * customer_mrr_movements(path), customer_mrr_changes(path)
 * --------------------------------------------------------------------------------------- */

/* What customer_mrr_movements and its siblings keep across calls in fn_extra. */
typedef struct PathMovementsCache
{
	TupleDesc	tupdesc;		/* the result row */
	Datum		classes[MRR_CLASS_UNCHANGED + 1];	/* text of each class, made once */
	/* kpi_mrr_movement_rows: the local date of each period start of the series last seen */
	MrrSeriesKey dates_series;	/* that series (periods 0 before the first call) */
	pg_tz	   *dates_zone;		/* the TimeZone they were computed in */
	DateADT    *dates;			/* periods entries */
} PathMovementsCache;

/* Which rows and columns a function over one path returns. */
typedef enum PathRowsKind
{
	PATH_ROWS_ALL,				/* customer_mrr_movements: every period, with its bounds */
	PATH_ROWS_CHANGES,			/* customer_mrr_changes: the periods where the MRR moves */
	PATH_ROWS_VIEW				/* kpi_mrr_movement_rows: every period, as the view shows it */
} PathRowsKind;

/* Text of each MrrClass, as mrr_movement() returns it. */
static const char *const path_class_names[] = {
	NULL, "new", "reactivation", "expansion", "contraction", "churn", "unchanged"
};

/* The cache of a function returning movement rows, made on its first call. */
static PathMovementsCache *
PathMovementsCacheOf(FunctionCallInfo fcinfo, const char *fname)
{
	PathMovementsCache *cache = (PathMovementsCache *) fcinfo->flinfo->fn_extra;

	if (cache == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		TupleDesc	tupdesc;
		int			c;

		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "%s: return type must be a row type", fname);
		cache = (PathMovementsCache *) palloc0(sizeof(PathMovementsCache));
		cache->tupdesc = CreateTupleDescCopy(tupdesc);
		for (c = MRR_CLASS_NEW; c <= MRR_CLASS_UNCHANGED; c++)
			cache->classes[c] = PointerGetDatum(cstring_to_text(path_class_names[c]));
		fcinfo->flinfo->fn_extra = cache;
		MemoryContextSwitchTo(old);
	}
	return cache;
}

/*
 * The local date of each period start of the series of b, as timestamptz::date gives it in
 * the session's TimeZone: made once per series and zone, not once per row.
 */
static const DateADT *
PathPeriodDates(PathMovementsCache *cache, FunctionCallInfo fcinfo, const MrrSeriesBounds *b)
{
	if (cache->dates == NULL || cache->dates_zone != session_timezone ||
		memcmp(&cache->dates_series, &b->key, sizeof(MrrSeriesKey)) != 0)
	{
		int			P = b->key.periods;
		int			k;

		if (cache->dates != NULL)
			pfree(cache->dates);
		cache->dates = (DateADT *) MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(DateADT) * P);
		for (k = 0; k < P; k++)
			cache->dates[k] = DatumGetDateADT(DirectFunctionCall1(timestamptz_date,
																  TimestampTzGetDatum(b->reported[k])));
		cache->dates_series = b->key;
		cache->dates_zone = session_timezone;
	}
	return cache->dates;
}

/*
 * The movement rows of one customer's path, all at once (a tuplestore), from its first paying
 * period to the end of the series, leaving out periods with neither previous nor current MRR
 * (the rows of mrr_movement() that are NULL) and, for PATH_ROWS_CHANGES, the unchanged ones.
 * A run of periods left out is skipped in one step, so the cost is the number of rows
 * returned (at most the path's points for PATH_ROWS_CHANGES). Each distinct numeric is made
 * once per path point, the change of PATH_ROWS_VIEW included, and the dates once per series.
 * A row is
 *   (period_start, period_end, previous_mrr, mrr, movement), or for PATH_ROWS_VIEW
 *   (period_start::date, previous_mrr, mrr, mrr - previous_mrr, movement).
 */
static Datum
PathMovementRows(FunctionCallInfo fcinfo, PathRowsKind kind, const char *fname)
{
	PathMovementsCache *cache = PathMovementsCacheOf(fcinfo, fname);
	MrrPath    *p = MrrPathArg(fcinfo, 0);
	const MrrPathPoint *pt = MrrPathPoints(p);
	Tuplestorestate *store = MrrMaterialize(fcinfo, cache->tupdesc, fname);
	const MrrSeriesBounds *bounds = MrrSeriesInSession(&p->series, "an MRR path");
	const DateADT *dates = kind == PATH_ROWS_VIEW ? PathPeriodDates(cache, fcinfo, bounds) : NULL;
	int			first = MrrPathFirstPaying(p);
	int			P = p->series.periods;
	Datum	   *numerics;
	Datum		zero;
	Datum		step_change = (Datum) 0;	/* PATH_ROWS_VIEW: the change at the point in force */
	Datum		flat_change = (Datum) 0;	/* and that of its unchanged periods */
	int			changes_of = -1;	/* the point those two belong to */
	Datum		values[5];
	bool		nulls[5] = {0};
	int			j;				/* the point in force */
	int			k;				/* the period */

	if (first < 0)
		return (Datum) 0;		/* never paid: no rows */
	numerics = (Datum *) palloc(sizeof(Datum) * p->npoints);
	for (j = first; j < p->npoints; j++)
		numerics[j] = MrrAmountNumeric(pt[j].mrr, p->scale, pt[j].dscale);
	zero = MrrAmountNumeric(0, 0, 0);
	j = first;
	k = pt[first].period;
	while (k < P)
	{
		MrrAmount	prev = {0, p->scale, 0};
		MrrAmount	curr;
		MrrClass	c;
		Datum		prev_numeric;

		/* the point in force at k, and the previous period's MRR */
		if (j + 1 < p->npoints && pt[j + 1].period <= k)
			j++;
		curr.value = pt[j].mrr;
		curr.scale = p->scale;
		curr.dscale = pt[j].dscale;
		if (k > pt[first].period)
		{
			const MrrPathPoint *before = pt[j].period == k ? &pt[j - 1] : &pt[j];

			prev.value = before->mrr;
			prev.dscale = before->dscale;
		}
		c = MrrClassify(&prev, &curr, k > pt[first].period);
		if (c == MRR_CLASS_NONE || (kind == PATH_ROWS_CHANGES && c == MRR_CLASS_UNCHANGED))
		{
			/* nothing to show until the next point */
			k = j + 1 < p->npoints ? pt[j + 1].period : P;
			continue;
		}
		prev_numeric = k == pt[first].period ? zero : pt[j].period == k ? numerics[j - 1] : numerics[j];
		if (kind == PATH_ROWS_VIEW)
		{
			/* numeric_sub, as the SQL expression: its display scale is the larger one */
			if (changes_of != j)
			{
				step_change = DirectFunctionCall2(numeric_sub, numerics[j], j == first ? zero : numerics[j - 1]);
				flat_change = DirectFunctionCall2(numeric_sub, numerics[j], numerics[j]);
				changes_of = j;
			}
			values[0] = DateADTGetDatum(dates[k]);
			values[1] = prev_numeric;
			values[2] = numerics[j];
			values[3] = pt[j].period == k ? step_change : flat_change;
		}
		else
		{
			values[0] = TimestampTzGetDatum(bounds->reported[k]);
			values[1] = TimestampTzGetDatum(bounds->reported[k + 1]);
			values[2] = prev_numeric;
			values[3] = numerics[j];
		}
		values[4] = cache->classes[c];
		tuplestore_putvalues(store, cache->tupdesc, values, nulls);
		k++;
	}
	return (Datum) 0;
}

/* customer_mrr_movements(path): the customer's movement in each period (unchanged included). */
Datum
customer_mrr_movements(PG_FUNCTION_ARGS)
{
	return PathMovementRows(fcinfo, PATH_ROWS_ALL, "customer_mrr_movements");
}

/*
 * customer_mrr_changes(path): the periods where the customer's MRR moves (new, expansion,
 * contraction, churn, reactivation), in O(points).
 */
Datum
customer_mrr_changes(PG_FUNCTION_ARGS)
{
	return PathMovementRows(fcinfo, PATH_ROWS_CHANGES, "customer_mrr_changes");
}

/*
 * kpi_mrr_movement_rows(path): the rows of customer_mrr_movements(path) as the view
 * customer_mrr_movements shows them (internal).
 */
Datum
kpi_mrr_movement_rows(PG_FUNCTION_ARGS)
{
	return PathMovementRows(fcinfo, PATH_ROWS_VIEW, "kpi_mrr_movement_rows");
}
