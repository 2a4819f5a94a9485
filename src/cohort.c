/*
 * cohort.c
 *		Cohort retention over MRR paths: the storable summary cohort_summary (the whole
 *		triangle), its aggregate cohort_summary(path), rollup(cohort_summary), and
 *		cohort_retention(summary), which unfolds it into one row per cohort and number of
 *		periods since its start.
 *
 * A customer's cohort c is its first paying period. For each k = 0, 1, ... the triangle
 * holds, per cohort: customers; retained customers (MRR > 0 at the end of period c + k; a
 * customer who left and came back counts again); starting MRR (at the end of c); MRR at the
 * end of c + k; and the gross MRR, sum of least(MRR at c + k, MRR at c). Each of those is a
 * step function of k that changes only where a path steps, so a path adds the change of each
 * measure at its points only, as a cell (c, k) of deltas: O(points) per path. Customers and
 * starting MRR are the cells at k = 0. The cells live in an open-addressing hash table inside
 * the state while aggregating, and sorted by (cohort, k) once stored; unfolding sums the
 * deltas along each cohort's row, so the whole triangle costs O(cells + rows returned) and
 * never O(customers x periods).
 */
#include "csmetrics.h"
#include "decimal.h"
#include "mrr_path.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

/* The cohort of a free hash-table slot. */
#define CELL_FREE (-1)

/* Slots of a new state's hash table (a power of two). */
#define COHORT_INITIAL_SLOTS 64

/* Number of columns cohort_retention returns. */
#define COHORT_NATTS 9

/* The changes at one cell of the triangle: cohort c, k periods since its start. */
typedef struct CohortCell
{
	int32		cohort;			/* the cohort's period c, 0-based; CELL_FREE in a free slot */
	int32		offset;			/* k, periods since the cohort's start (c + k < periods) */
	int64		retained;		/* change in retained customers from k - 1 to k */
	int128		mrr;			/* change in the cohort's MRR, times 10^scale */
	int128		gross;			/* change in sum of least(MRR, starting MRR), times 10^scale */
} CohortCell;

/*
 * SQL type cohort_summary (varlena). data[] holds bounds[periods + 1], then the cells. A
 * transition state keeps them in a hash table of nslots slots (a power of two, at most half
 * full); a stored value has them sorted by (cohort, offset), nslots = ncells.
 */
typedef struct CohortSummary
{
	int32		vl_len_;		/* varlena header */
	int32		version;		/* MRR_PATH_FORMAT_VERSION */
	MrrSeriesKey series;		/* the series of every path aggregated */
	int64		paths;			/* paths aggregated */
	int32		scale;			/* amounts are times 10^scale, 0..MRR_MAX_SCALE */
	int32		dscale;			/* fraction digits shown: the most of any path point */
	int32		ncells;			/* cells in use */
	int32		nslots;			/* cell slots */
	int32		hashed;			/* 1: the slots are a hash table; 0: sorted cells */
	int32		unused;			/* always 0 */
	int64		data[FLEXIBLE_ARRAY_MEMBER];	/* bounds, then the cell slots */
} CohortSummary;

#define CohortBounds(s)		((s)->data)
#define CohortCells(s)		((CohortCell *) ((s)->data + (s)->series.periods + 1))
#define CohortSize(P, nslots) \
	(offsetof(CohortSummary, data) + sizeof(int64) * ((Size) (P) + 1) + sizeof(CohortCell) * (Size) (nslots))

PG_FUNCTION_INFO_V1(cohort_summary_in);
PG_FUNCTION_INFO_V1(cohort_summary_out);
PG_FUNCTION_INFO_V1(cohort_summary_recv);
PG_FUNCTION_INFO_V1(cohort_summary_send);
PG_FUNCTION_INFO_V1(cohort_summary_trans);
PG_FUNCTION_INFO_V1(cohort_summary_combine);
PG_FUNCTION_INFO_V1(cohort_summary_final);
PG_FUNCTION_INFO_V1(cohort_retention);

/* ---------------------------------------------------------------------------------------
 * Cells
 * --------------------------------------------------------------------------------------- */

/* A summary with nslots slots (hashed: all free), in the current context. */
static CohortSummary *
CohortAlloc(const MrrSeriesKey *key, const int64 *bounds, int nslots, bool hashed)
{
	CohortSummary *s = (CohortSummary *) palloc0(CohortSize(key->periods, nslots));
	int			i;

	SET_VARSIZE(s, CohortSize(key->periods, nslots));
	s->version = MRR_PATH_FORMAT_VERSION;
	s->series = *key;
	s->nslots = nslots;
	s->hashed = hashed ? 1 : 0;
	if (bounds)
		memcpy(CohortBounds(s), bounds, sizeof(int64) * (key->periods + 1));
	if (hashed)
		for (i = 0; i < nslots; i++)
			CohortCells(s)[i].cohort = CELL_FREE;
	return s;
}

/* Hash-table slot where cell (cohort, offset) starts its search. */
static inline uint32
CellHash(int32 cohort, int32 offset, int32 nslots)
{
	uint64		h = ((uint64) (uint32) cohort << 32) | (uint32) offset;

	/* a 64-bit finalizer (splitmix64): neighbouring cells spread over the table */
	h ^= h >> 30;
	h *= UINT64CONST(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64CONST(0x94d049bb133111eb);
	h ^= h >> 31;
	return (uint32) h & (uint32) (nslots - 1);
}

/* The slot of cell (cohort, offset) in a hashed summary: the cell's, or the free one for it. */
static CohortCell *
CellSlot(CohortSummary *s, int32 cohort, int32 offset)
{
	CohortCell *cells = CohortCells(s);
	uint32		i = CellHash(cohort, offset, s->nslots);

	while (cells[i].cohort != CELL_FREE &&
		   (cells[i].cohort != cohort || cells[i].offset != offset))
		i = (i + 1) & (uint32) (s->nslots - 1);
	return &cells[i];
}

/* A hashed copy of s with room for at least `cells` cells at most half full. */
static CohortSummary *
CohortRehash(const CohortSummary *s, int cells)
{
	int			nslots = COHORT_INITIAL_SLOTS;
	CohortSummary *out;
	const CohortCell *from = CohortCells(s);
	int			i;

	while (nslots < 2 * cells)
		nslots *= 2;
	out = CohortAlloc(&s->series, CohortBounds(s), nslots, true);
	out->paths = s->paths;
	out->scale = s->scale;
	out->dscale = s->dscale;
	for (i = 0; i < s->nslots; i++)
		if (from[i].cohort != CELL_FREE)
			*CellSlot(out, from[i].cohort, from[i].offset) = from[i];
	out->ncells = s->ncells;
	return out;
}

/*
 * Adds changes to cell (cohort, offset), growing the table when it would pass half full;
 * returns the summary, which may have moved.
 */
static CohortSummary *
CellAdd(CohortSummary *s, int32 cohort, int32 offset, int64 retained, int128 mrr, int128 gross)
{
	CohortCell *cell;

	if (2 * (s->ncells + 1) > s->nslots)
		s = CohortRehash(s, s->ncells + 1);
	cell = CellSlot(s, cohort, offset);
	if (cell->cohort == CELL_FREE)
	{
		memset(cell, 0, sizeof(CohortCell));
		cell->cohort = cohort;
		cell->offset = offset;
		s->ncells++;
	}
	if (pg_add_s64_overflow(cell->retained, retained, &cell->retained))
		MrrSumOverflow("cohort_summary");
	if (!DecimalAdd(cell->mrr, mrr, &cell->mrr) || !DecimalAdd(cell->gross, gross, &cell->gross))
		MrrSumOverflow("cohort_summary");
	return s;
}

/* Brings every amount of s to a finer scale. */
static void
CohortRaiseScale(CohortSummary *s, int scale)
{
	CohortCell *cells = CohortCells(s);
	int			i;

	if (scale <= s->scale)
		return;
	for (i = 0; i < s->nslots; i++)
		if (cells[i].cohort != CELL_FREE)
		{
			cells[i].mrr = MrrScaleAmount(cells[i].mrr, s->scale, scale, "cohort_summary");
			cells[i].gross = MrrScaleAmount(cells[i].gross, s->scale, scale, "cohort_summary");
		}
	s->scale = scale;
}

/* Orders cells by cohort, then offset. */
static int
CellCompare(const void *a, const void *b)
{
	const CohortCell *x = (const CohortCell *) a;
	const CohortCell *y = (const CohortCell *) b;

	if (x->cohort != y->cohort)
		return (x->cohort > y->cohort) - (x->cohort < y->cohort);
	return (x->offset > y->offset) - (x->offset < y->offset);
}

/*
 * The stored form of s: its cells sorted, without free slots, cells whose changes all
 * cancelled dropped. Returns s itself when it is stored already.
 */
static CohortSummary *
CohortSorted(CohortSummary *s)
{
	CohortSummary *out;
	CohortCell *cells;
	int			i,
				n = 0;

	if (!s->hashed)
		return s;
	out = CohortAlloc(&s->series, CohortBounds(s), s->ncells, false);
	out->paths = s->paths;
	out->scale = s->scale;
	out->dscale = s->dscale;
	cells = CohortCells(out);
	for (i = 0; i < s->nslots; i++)
	{
		const CohortCell *c = &CohortCells(s)[i];

		if (c->cohort != CELL_FREE && (c->retained != 0 || c->mrr != 0 || c->gross != 0))
			cells[n++] = *c;
	}
	qsort(cells, n, sizeof(CohortCell), CellCompare);
	out->ncells = out->nslots = n;
	SET_VARSIZE(out, CohortSize(s->series.periods, n));
	return out;
}

/*
 * Adds one customer's path: its cohort c is the period of its first paying point; at each
 * later point where the MRR changes from prev to v, cell (c, period - c) gets the changes of
 * retained (v > 0), MRR and least(v, starting MRR).
 */
static CohortSummary *
CohortAddPath(CohortSummary *s, const MrrPath *p)
{
	const MrrPathPoint *pt = MrrPathPoints(p);
	int			first = MrrPathFirstPaying(p);
	int128		base = 0,
				prev = 0;
	int			c,
				j;

	s->paths = csm_add_count(s->paths, 1);
	if (first < 0)
		return s;				/* never paid: in no cohort */
	CohortRaiseScale(s, p->scale);
	c = pt[first].period;
	for (j = first; j < p->npoints; j++)
	{
		int128		v = MrrScaleAmount(pt[j].mrr, p->scale, s->scale, "cohort_summary");

		s->dscale = Max(s->dscale, pt[j].dscale);
		if (j == first)
			base = v;
		if (v == prev)
			continue;			/* only the display scale changed */
		s = CellAdd(s, c, pt[j].period - c, (int64) (v > 0) - (int64) (prev > 0), v - prev,
					Min(v, base) - Min(prev, base));
		prev = v;
	}
	return s;
}

/* A summary argument, detoasted. */
static CohortSummary *
CohortArg(FunctionCallInfo fcinfo, int argno)
{
	return (CohortSummary *) PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
}

/*
 * A cohort's measures k periods after its start (retained customers, MRR, gross MRR), moved
 * on by the changes of cell c; false when a sum does not fit. Each cell fits on its own, but
 * a cohort's MRR adds up every customer of the cohort paying then, which may not.
 */
static bool
CohortStep(const CohortCell *c, int64 *retained, int128 *mrr, int128 *gross)
{
	return !pg_add_s64_overflow(*retained, c->retained, retained) &&
		DecimalAdd(*mrr, c->mrr, mrr) && DecimalAdd(*gross, c->gross, gross);
}

/*
 * Errors unless every cohort's measures fit the exact sums along its row (s sorted): what a
 * value must satisfy to be unfolded, printed and read back. Checked where a value is
 * finished.
 */
static void
CohortCheckSums(const CohortSummary *s)
{
	const CohortCell *cells = CohortCells(s);
	int64		retained = 0;
	int128		mrr = 0,
				gross = 0;
	int			i;

	for (i = 0; i < s->ncells; i++)
	{
		if (cells[i].offset == 0)
			retained = mrr = gross = 0;
		if (!CohortStep(&cells[i], &retained, &mrr, &gross))
			MrrSumOverflow("cohort_summary");
	}
}

/* ---------------------------------------------------------------------------------------
 * Aggregates
 * --------------------------------------------------------------------------------------- */

/* Transition of cohort_summary(path): add one path. */
Datum
cohort_summary_trans(PG_FUNCTION_ARGS)
{
	CohortSummary *s = PG_ARGISNULL(0) ? NULL : (CohortSummary *) PG_GETARG_POINTER(0);
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

		s = CohortAlloc(&b->key, b->bounds, COHORT_INITIAL_SLOTS, true);
	}
	else
	{
		s = CohortArg(fcinfo, 0);
		/* a stored summary becomes a table to add into: a new value, as a copy is */
		s = s->hashed ? (CohortSummary *) csm_state_for_update(fcinfo, -1) : CohortRehash(s, s->ncells);
		MrrSeriesCheckSame(&s->series, &p->series, "MRR paths");
	}
	s = CohortAddPath(s, p);
	/* an aggregate checks once, in its final function; a direct call returns a finished value */
	if (!csm_in_aggregate(fcinfo))
		CohortCheckSums(CohortSorted(s));
	PG_RETURN_POINTER(s);
}

/*
 * Combine function of cohort_summary, and transition of rollup(cohort_summary): adds the
 * cells of the second summary into the first. Never modifies its second argument.
 */
Datum
cohort_summary_combine(PG_FUNCTION_ARGS)
{
	CohortSummary *a;
	CohortSummary *b;
	const CohortCell *cells;
	int			i;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = CohortArg(fcinfo, 1);
	/* the executor keeps its own copy of a state it did not have */
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(b);
	a = CohortArg(fcinfo, 0);
	/* a stored summary (the first one rolled up) becomes a table to add into */
	a = a->hashed ? (CohortSummary *) csm_state_for_update(fcinfo, -1) : CohortRehash(a, a->ncells + b->ncells);
	MrrSeriesCheckSame(&a->series, &b->series, "cohort_summary values");
	if (memcmp(CohortBounds(a), CohortBounds(b), sizeof(int64) * (a->series.periods + 1)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine cohort_summary values with different period boundaries"),
				 errdetail("The values were computed in different time zones.")));
	CohortRaiseScale(a, b->scale);
	a->paths = csm_add_count(a->paths, b->paths);
	a->dscale = Max(a->dscale, b->dscale);
	cells = CohortCells(b);
	for (i = 0; i < b->nslots; i++)
		if (cells[i].cohort != CELL_FREE)
			a = CellAdd(a, cells[i].cohort, cells[i].offset, cells[i].retained,
						MrrScaleAmount(cells[i].mrr, b->scale, a->scale, "cohort_summary"),
						MrrScaleAmount(cells[i].gross, b->scale, a->scale, "cohort_summary"));
	if (!csm_in_aggregate(fcinfo))
		CohortCheckSums(CohortSorted(a));
	PG_RETURN_POINTER(a);
}

/* Final function of cohort_summary(path) and rollup(cohort_summary): the stored form. */
Datum
cohort_summary_final(PG_FUNCTION_ARGS)
{
	CohortSummary *s;
	CohortSummary *out;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = CohortArg(fcinfo, 0);
	out = CohortSorted(s);
	CohortCheckSums(out);
	/* never hand out the transition state itself: a window aggregate reuses it */
	if (out == s)
		out = (CohortSummary *) PG_DETOAST_DATUM_COPY(PointerGetDatum(s));
	PG_RETURN_POINTER(out);
}

/* a / b as float8 for amounts at one scale (b > 0). */
static float8
AmountRatio(int128 a, int128 b)
{
	return (float8) ((long double) a / (long double) b);
}

/*
 * cohort_retention(summary): one row per cohort with customers and each k from 0 to the end
 * of the series: (cohort, periods_since_start, customers, retained_customers,
 * logo_retention, starting_mrr, mrr, revenue_retention, gross_revenue_retention).
 */
Datum
cohort_retention(PG_FUNCTION_ARGS)
{
	CohortSummary *s = CohortSorted(CohortArg(fcinfo, 0));
	const CohortCell *cells = CohortCells(s);
	TupleDesc	tupdesc;
	Tuplestorestate *store;
	int			P = s->series.periods;
	int			i = 0;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE || tupdesc->natts != COHORT_NATTS)
		elog(ERROR, "cohort_retention: return type must be a row type of %d columns", COHORT_NATTS);
	store = MrrMaterialize(fcinfo, tupdesc, "cohort_retention");
	while (i < s->ncells)
	{
		int32		c = cells[i].cohort;
		int64		customers = cells[i].retained;	/* the first cell of a cohort is k = 0 */
		int128		starting = cells[i].mrr;
		Datum		starting_numeric = MrrAmountNumeric(starting, s->scale, s->dscale);
		Datum		mrr_numeric = starting_numeric;
		Datum		cohort = TimestampTzGetDatum(period_instant_to_timestamptz(CohortBounds(s)[c],
																			   s->series.kind));
		int64		retained = 0;
		int128		mrr = 0,
					gross = 0;
		int			k;

		for (k = 0; c + k < P; k++)
		{
			Datum		values[COHORT_NATTS];
			bool		nulls[COHORT_NATTS] = {0};

			/* a triangle may have 50 million rows: stay cancellable while making them */
			CHECK_FOR_INTERRUPTS();
			if (i < s->ncells && cells[i].cohort == c && cells[i].offset == k)
			{
				if (!CohortStep(&cells[i], &retained, &mrr, &gross))
					MrrSumOverflow("cohort_summary");
				mrr_numeric = MrrAmountNumeric(mrr, s->scale, s->dscale);
				i++;
			}
			values[0] = cohort;
			values[1] = Int32GetDatum(k);
			values[2] = Int64GetDatum(customers);
			values[3] = Int64GetDatum(retained);
			values[4] = Float8GetDatum((float8) retained / (float8) customers);
			values[5] = starting_numeric;
			values[6] = mrr_numeric;
			values[7] = Float8GetDatum(AmountRatio(mrr, starting));
			values[8] = Float8GetDatum(AmountRatio(gross, starting));
			tuplestore_putvalues(store, tupdesc, values, nulls);
		}
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------------------------
 * Text and binary forms
 * --------------------------------------------------------------------------------------- */

/*
 * Validates a stored summary: cells sorted and inside the triangle; every cohort starts with
 * its customers at k = 0, all paying; along a cohort's row, retained customers stay within 0
 * and the cohort size, MRR at least 0 and positive exactly while someone is retained, gross
 * MRR within 0 and the smaller of MRR and starting MRR.
 */
static void
CohortValidate(CsmInput *in, const CohortSummary *s)
{
	const CohortCell *cells = CohortCells(s);
	int			P = s->series.periods;
	int64		customers = 0,
				retained = 0,
				counted = 0;
	int128		starting = 0,
				mrr = 0,
				gross = 0;
	int			i;

	if (s->paths < 0)
		csm_input_error(in, "The path count " INT64_FORMAT " is negative.", s->paths);
	if (s->scale < 0 || s->scale > MRR_MAX_SCALE || s->dscale < 0 || s->dscale > DECIMAL_MAX_DSCALE)
		csm_input_error(in, "The scale %d or display scale %d is out of range.", s->scale, s->dscale);
	MrrCheckBounds(in, &s->series, CohortBounds(s));
	for (i = 0; i < s->ncells; i++)
	{
		const CohortCell *c = &cells[i];

		if (c->cohort < 0 || c->offset < 0 || c->cohort >= P || c->offset >= P - c->cohort ||
			(i > 0 && CellCompare(&cells[i - 1], c) >= 0))
			csm_input_error(in, "Cell %d: cells must be sorted and inside the triangle of %d periods.",
							i + 1, P);
		if (c->offset == 0)
		{
			/* a new cohort: its customers all pay, so gross = MRR = starting MRR > 0 */
			if (c->retained <= 0 || c->mrr <= 0 || c->gross != c->mrr)
				csm_input_error(in, "Cohort %d does not start with paying customers.", c->cohort);
			customers = retained = c->retained;
			starting = mrr = gross = c->mrr;
			counted = csm_add_count(counted, customers);
			continue;
		}
		if (i == 0 || cells[i - 1].cohort != c->cohort)
			csm_input_error(in, "Cohort %d has no cell for its first period.", c->cohort);
		if (!CohortStep(c, &retained, &mrr, &gross) ||
			retained < 0 || retained > customers || mrr < 0 || (mrr == 0) != (retained == 0) ||
			gross < 0 || gross > mrr || gross > starting)
			csm_input_error(in, "Cohort %d is inconsistent %d periods after its start.",
							c->cohort, c->offset);
	}
	if (counted > s->paths)
		csm_input_error(in, INT64_FORMAT " customers in cohorts cannot come from " INT64_FORMAT " paths.",
						counted, s->paths);
}

/*
 * Text form: v1 <series> paths=<n> scale=<s> dscale=<d> bounds={...}, then the cells as
 * parallel lists cohorts={...} offsets={...} retained={...} mrr={...} gross={...}, amounts
 * times 10^scale.
 */
Datum
cohort_summary_out(PG_FUNCTION_ARGS)
{
	CohortSummary *s = CohortSorted(CohortArg(fcinfo, 0));
	const CohortCell *cells = CohortCells(s);
	int			n = s->ncells;
	int64	   *ints = (int64 *) palloc(sizeof(int64) * Max(n, 1));
	int128	   *amounts = (int128 *) palloc(sizeof(int128) * Max(n, 1));
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	MrrAppendHeader(&buf, s->version, &s->series);
	appendStringInfo(&buf, " paths=" INT64_FORMAT " scale=%d dscale=%d", s->paths, s->scale, s->dscale);
	MrrAppendInt64List(&buf, "bounds", CohortBounds(s), s->series.periods + 1);
	for (i = 0; i < n; i++)
		ints[i] = cells[i].cohort;
	MrrAppendInt64List(&buf, "cohorts", ints, n);
	for (i = 0; i < n; i++)
		ints[i] = cells[i].offset;
	MrrAppendInt64List(&buf, "offsets", ints, n);
	for (i = 0; i < n; i++)
		ints[i] = cells[i].retained;
	MrrAppendInt64List(&buf, "retained", ints, n);
	for (i = 0; i < n; i++)
		amounts[i] = cells[i].mrr;
	MrrAppendInt128List(&buf, "mrr", amounts, n);
	for (i = 0; i < n; i++)
		amounts[i] = cells[i].gross;
	MrrAppendInt128List(&buf, "gross", amounts, n);
	PG_RETURN_CSTRING(buf.data);
}

/* Text input: the form cohort_summary_out writes, validated. */
Datum
cohort_summary_in(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	MrrSeriesKey series;
	CohortSummary *s;
	int128	   *values;
	int			P,
				max_cells,
				n,
				i;
	int			unused;

	csm_text_begin(&in, "cohort_summary", PG_GETARG_CSTRING(0), true);
	MrrReadHeader(&in, &series);
	P = series.periods;
	/* the triangle has P (P + 1) / 2 cells */
	max_cells = (int) Min((int64) P * (P + 1) / 2, (int64) PG_INT32_MAX / 2);
	s = CohortAlloc(&series, NULL, 0, false);
	csm_text_expect(&in, " paths=");
	s->paths = csm_text_int64(&in, "path count", 0, PG_INT64_MAX);
	csm_text_expect(&in, " scale=");
	s->scale = (int32) csm_text_int64(&in, "scale", 0, MRR_MAX_SCALE);
	csm_text_expect(&in, " dscale=");
	s->dscale = (int32) csm_text_int64(&in, "display scale", 0, DECIMAL_MAX_DSCALE);
	values = MrrReadList(&in, "bounds", P + 1, true, PG_INT64_MIN, PG_INT64_MAX, &unused);
	for (i = 0; i <= P; i++)
		CohortBounds(s)[i] = (int64) values[i];
	values = MrrReadList(&in, "cohorts", max_cells, false, 0, P - 1, &n);
	s = (CohortSummary *) repalloc(s, CohortSize(P, n));
	SET_VARSIZE(s, CohortSize(P, n));
	s->ncells = s->nslots = n;
	for (i = 0; i < n; i++)
		CohortCells(s)[i].cohort = (int32) values[i];
	values = MrrReadList(&in, "offsets", n, true, 0, P - 1, &unused);
	for (i = 0; i < n; i++)
		CohortCells(s)[i].offset = (int32) values[i];
	values = MrrReadList(&in, "retained", n, true, PG_INT64_MIN, PG_INT64_MAX, &unused);
	for (i = 0; i < n; i++)
		CohortCells(s)[i].retained = (int64) values[i];
	values = MrrReadList(&in, "mrr", n, true, -DECIMAL_INT128_MAX, DECIMAL_INT128_MAX, &unused);
	for (i = 0; i < n; i++)
		CohortCells(s)[i].mrr = values[i];
	values = MrrReadList(&in, "gross", n, true, -DECIMAL_INT128_MAX, DECIMAL_INT128_MAX, &unused);
	for (i = 0; i < n; i++)
		CohortCells(s)[i].gross = values[i];
	csm_text_end(&in);
	CohortValidate(&in, s);
	PG_RETURN_POINTER(s);
}

/* Binary form: version, series, paths, scale, dscale, cell count, bounds, then each cell. */
Datum
cohort_summary_send(PG_FUNCTION_ARGS)
{
	CohortSummary *s = CohortSorted(CohortArg(fcinfo, 0));
	const CohortCell *cells = CohortCells(s);
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	MrrSendHeader(&buf, s->version, &s->series);
	pq_sendint64(&buf, s->paths);
	pq_sendint32(&buf, s->scale);
	pq_sendint32(&buf, s->dscale);
	pq_sendint32(&buf, s->ncells);
	for (i = 0; i <= s->series.periods; i++)
		pq_sendint64(&buf, CohortBounds(s)[i]);
	for (i = 0; i < s->ncells; i++)
	{
		pq_sendint32(&buf, cells[i].cohort);
		pq_sendint32(&buf, cells[i].offset);
		pq_sendint64(&buf, cells[i].retained);
		csm_send_int128(&buf, cells[i].mrr);
		csm_send_int128(&buf, cells[i].gross);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Binary input: the layout cohort_summary_send writes, validated. */
Datum
cohort_summary_recv(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	MrrSeriesKey series;
	CohortSummary *s;
	int64		paths;
	int32		scale,
				dscale,
				ncells;
	int			i;

	csm_recv_begin(&in, "cohort_summary", (StringInfo) PG_GETARG_POINTER(0));
	MrrRecvHeader(&in, &series);
	paths = csm_recv_int(&in, 8, "path count");
	scale = (int32) csm_recv_int(&in, 4, "scale");
	dscale = (int32) csm_recv_int(&in, 4, "display scale");
	ncells = (int32) csm_recv_int(&in, 4, "cell count");
	if (ncells < 0 || (int64) ncells > (int64) series.periods * (series.periods + 1) / 2)
		csm_input_error(&in, "%d cells do not fit the triangle of %d periods.", ncells, series.periods);
	csm_recv_length(&in, 8 * ((int64) series.periods + 1) + 48 * (int64) ncells, "bounds and cells");
	s = CohortAlloc(&series, NULL, ncells, false);
	s->paths = paths;
	s->scale = scale;
	s->dscale = dscale;
	s->ncells = ncells;
	for (i = 0; i <= series.periods; i++)
		CohortBounds(s)[i] = csm_recv_int(&in, 8, "bounds");
	for (i = 0; i < ncells; i++)
	{
		CohortCell *cell = &CohortCells(s)[i];

		cell->cohort = (int32) csm_recv_int(&in, 4, "cohort");
		cell->offset = (int32) csm_recv_int(&in, 4, "offset");
		cell->retained = csm_recv_int(&in, 8, "retained");
		cell->mrr = csm_recv_int128(&in, "mrr");
		cell->gross = csm_recv_int128(&in, "gross");
	}
	csm_recv_end(&in);
	CohortValidate(&in, s);
	PG_RETURN_POINTER(s);
}
