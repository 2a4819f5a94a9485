/*
 * health.c
 *		Customer health scores: the weighted score and the points score of one
 *		customer, normalising a raw measure by fixed bounds or by its percentile rank in a
 *		window partition, fixed, custom and quartile bands, and the mean-score aggregate.
 *
 * Measures are doubles; NULL means "no value" and is left out of a weighted score, never
 * counted as zero. Every number that reaches a formula is finite, so a NaN or an overflow
 * is always an error and never a silently wrong score.
 */
#include "csmetrics.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "windowapi.h"

/* The fixed bands (docs/health.md): a score equal to a threshold falls in the lower band. */
static const float8 default_thresholds[] = {40.0, 70.0, 100.0};
static const char *const default_labels[] = {"red", "yellow", "green", "thriving"};

/*
 * Running sums of a weighted score; the score is sum / weight once every measure is in.
 */
typedef struct WeightedSum
{
	float8		sum;			/* Σ wᵢ·vᵢ over the measures present */
	float8		weight;			/* Σ wᵢ over the same measures */
} WeightedSum;

/*
 * One value of a window partition and the row it came from, so that the values can be
 * sorted and their percentile ranks written back to their rows.
 */
typedef struct RankedValue
{
	float8		value;			/* the measure or score */
	int64		row;			/* its position in the partition */
} RankedValue;

/*
 * Partition-local cache of a window function's results: filled on the first call in a
 * partition, read by position on every call. Lives in the partition's memory, so the
 * executor frees it when the partition ends.
 */
typedef struct HealthPartition
{
	bool		computed;		/* results below are filled in */
	int64		nrows;			/* rows in the partition */
	float8	   *results;		/* result per row (score or percentile); NaN = NULL */
} HealthPartition;

/*
 * The weighting model of health_score_ranked: one weight and one direction per measure,
 * the same on every row of a partition.
 */
typedef struct HealthModel
{
	int			nmeasures;		/* number of measures (and weights and directions) */
	float8	   *weights;		/* validated weights: finite, >= 0, not all zero */
	bool	   *higher_is_better;	/* false: a low value is healthy, rank inverted */
} HealthModel;

/* Text of a double for error messages, exactly as float8 output prints it. */
static char *
FloatText(float8 v)
{
	return float8out_internal(v);
}

/*
 * Ensure a measure is a finite number (NULL measures never get here): element i (from 0) of
 * the argument named what, or the argument itself when i < 0.
 */
static inline void
CheckFinite(float8 v, const char *what, int i)
{
	if (unlikely(isnan(v) || isinf(v)))
	{
		if (i < 0)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s is %s", what, FloatText(v)),
					 errdetail("Measures must be finite numbers; a NULL measure is left out.")));
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s %d is %s", what, i + 1, FloatText(v)),
				 errdetail("Measures must be finite numbers; a NULL measure is left out.")));
	}
}

/* Ensure measure i (from 0) is a finite number. */
static inline void
CheckMeasure(float8 v, int i)
{
	CheckFinite(v, "measure", i);
}

/* Element i of an array, which must be present and finite; rule is the errdetail. */
static float8
FiniteElement(const CsmFloatArray *a, int i, const char *what, const char *rule)
{
	float8		v = a->values[i];

	if (a->nulls && a->nulls[i])
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s %d is NULL", what, i + 1),
				 errdetail("%s", rule)));
	if (isnan(v) || isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s %d is %s", what, i + 1, FloatText(v)),
				 errdetail("%s", rule)));
	return v;
}

/* Ensure the weights fit the measures: same length, finite, non-negative, not all zero. */
static void
CheckWeights(const CsmFloatArray *w, int nmeasures)
{
	bool		any_positive = false;
	int			i;

	csm_check_same_length("measures", nmeasures, "weights", w->n);
	if (w->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no measures given"),
				 errdetail("A health score needs at least one measure with a positive weight.")));
	for (i = 0; i < w->n; i++)
	{
		const char *rule = "Weights must be finite and non-negative; to leave a measure out, make the measure NULL.";
		float8		wi = FiniteElement(w, i, "weight", rule);

		if (wi < 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("weight %d is %s", i + 1, FloatText(wi)),
					 errdetail("%s", rule)));
		if (wi > 0.0)
			any_positive = true;
	}
	if (!any_positive)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("all weights are zero"),
				 errdetail("At least one weight must be positive.")));
}

/* Add one present measure to a weighted score. */
static inline void
AddWeighted(WeightedSum *ws, float8 weight, float8 value)
{
	ws->sum += weight * value;
	ws->weight += weight;
}

/*
 * Weighted score  score = Σ wᵢ·vᵢ / Σ wᵢ  over the measures present (a missing measure is
 * left out, which re-normalises the remaining weights). False when the present weights sum
 * to zero: with no weighted evidence there is no score, as with any zero denominator.
 */
static bool
FinishWeighted(const WeightedSum *ws, float8 *score)
{
	if (ws->weight == 0.0)
		return false;
	/*
	 * The inputs are finite, so an infinite sum can only be an overflow, and a NaN one an
	 * overflow to both infinities.
	 */
	if (unlikely(isinf(ws->sum) || isnan(ws->sum) || isinf(ws->weight)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("health score is out of range"),
				 errdetail("The weighted sum of the measures overflows double precision.")));
	*score = ws->sum / ws->weight;
	return true;
}

/* Weighted score of one customer's arrays; false when it has none (see FinishWeighted). */
static bool
ScoreOfArrays(ArrayType *measures, ArrayType *weights, float8 *score)
{
	CsmFloatArray m;
	CsmFloatArray w;
	WeightedSum ws = {0.0, 0.0};
	int			i;

	csm_read_float_array(measures, "measures", &m);
	csm_read_float_array(weights, "weights", &w);
	CheckWeights(&w, m.n);
	for (i = 0; i < m.n; i++)
	{
		if (m.nulls && m.nulls[i])
			continue;
		CheckMeasure(m.values[i], i);
		AddWeighted(&ws, w.values[i], m.values[i]);
	}
	return FinishWeighted(&ws, score);
}

/* Read a one-dimensional boolean array without NULLs, paired with nmeasures measures. */
static bool *
ReadDirections(ArrayType *array, int nmeasures)
{
	Datum	   *elems;
	bool	   *nulls;
	bool	   *result;
	int			n;
	int			i;

	csm_check_one_dimensional(array, "higher_is_better");
	if (ARR_ELEMTYPE(array) != BOOLOID)
		elog(ERROR, "higher_is_better: expected a boolean array, got type %u",
			 ARR_ELEMTYPE(array));
	deconstruct_array(array, BOOLOID, 1, true, TYPALIGN_CHAR, &elems, &nulls, &n);
	csm_check_same_length("measures", nmeasures, "higher_is_better", n);
	result = (bool *) palloc(sizeof(bool) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("higher_is_better %d is NULL", i + 1),
					 errdetail("Each measure needs a direction: true when a high value is healthy.")));
		result[i] = DatumGetBool(elems[i]);
	}
	return result;
}

/* Palloc in a given context, allowing more than 1 GB for very large partitions. */
static void *
AllocLarge(MemoryContext cxt, Size size)
{
	return MemoryContextAllocExtended(cxt, Max(size, 1), MCXT_ALLOC_HUGE);
}

/* Order values ascending; NaN never gets here (it is rejected or marks NULL). */
static int
CompareRankedValue(const void *a, const void *b)
{
	float8		va = ((const RankedValue *) a)->value;
	float8		vb = ((const RankedValue *) b)->value;

	return (va > vb) - (va < vb);
}

/*
 * The percentile rank of a value among n values, below of them lower and equal of them (the
 * value included) equal to it: p = 100 × (below + (equal − 1)/2) / (n − 1), ties sharing the
 * mid-rank; a single value gives 50. Lower is better (invert): 100 − p, the same rule applied
 * to the reversed order.
 */
static float8
PercentileOf(int64 below, int64 equal, int64 n, bool invert)
{
	float8		p;

	if (n == 1)
		p = 50.0;
	else
		p = 100.0 * ((float8) below + (float8) (equal - 1) / 2.0) / (float8) (n - 1);
	return invert ? 100.0 - p : p;
}

/*
 * Sort the n values of one measure and write the percentile rank of each to its row:
 * out[row * stride]. Ties share the mid-rank, so one sort serves the whole partition.
 */
static void
PercentileRanks(RankedValue *items, int64 n, float8 *out, int stride, bool invert)
{
	int64		start;
	int64		end;

	qsort(items, n, sizeof(RankedValue), CompareRankedValue);
	for (start = 0; start < n; start = end)
	{
		int64		below = start;	/* L: values below v */
		int64		equal;		/* T: values equal to v, v included */
		float8		p;
		int64		k;

		for (end = start + 1; end < n && items[end].value == items[start].value; end++)
			;
		equal = end - start;
		p = PercentileOf(below, equal, n, invert);
		for (k = start; k < end; k++)
			out[items[k].row * stride] = p;
	}
}

/* Rows of the current partition; our fetch API addresses rows with an int. */
static int64
PartitionRows(WindowObject winobj)
{
	int64		nrows = WinGetPartitionRowCount(winobj);

	if (nrows > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("window partition of %lld rows is too large", (long long) nrows),
				 errdetail("Health window functions handle up to %d rows per partition.",
						   PG_INT32_MAX)));
	return nrows;
}

/* Value of argument argno on row `row` of the partition. */
static Datum
ArgAtRow(WindowObject winobj, int argno, int64 row, bool *isnull)
{
	bool		isout;
	Datum		d;

	d = WinGetFuncArgInPartition(winobj, argno, (int) row, WINDOW_SEEK_HEAD, false,
								 isnull, &isout);
	if (isout)
		elog(ERROR, "row %lld is outside its window partition", (long long) row);
	return d;
}

/* Weights and directions on one row of a partition, validated against nmeasures. */
static void
ReadModelAtRow(WindowObject winobj, int64 row, int nmeasures, HealthModel *model)
{
	bool		isnull;
	Datum		d;
	CsmFloatArray w;

	d = ArgAtRow(winobj, 1, row, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("weights are NULL on row %lld of the window partition", (long long) row + 1),
				 errdetail("health_score_ranked needs the weights on every row.")));
	csm_read_float_array(DatumGetArrayTypeP(d), "weights", &w);
	if (nmeasures < 0)
		nmeasures = w.n;
	CheckWeights(&w, nmeasures);
	model->nmeasures = nmeasures;
	/* The values may point into the fetched tuple, which the next fetch replaces. */
	model->weights = (float8 *) palloc(sizeof(float8) * nmeasures);
	memcpy(model->weights, w.values, sizeof(float8) * nmeasures);

	d = ArgAtRow(winobj, 2, row, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("higher_is_better is NULL on row %lld of the window partition",
						(long long) row + 1),
				 errdetail("health_score_ranked needs the directions on every row.")));
	model->higher_is_better = ReadDirections(DatumGetArrayTypeP(d), nmeasures);
}

/*
 * The weights and directions arguments of row 0 as they were passed, kept to recognise the
 * same arrays on later rows without reading them again.
 */
typedef struct ModelArgs
{
	struct varlena *weights;
	struct varlena *directions;
} ModelArgs;

/* Copies of the model arguments of row 0 (not NULL: ReadModelAtRow checked them). */
static void
KeepModelArgs(WindowObject winobj, ModelArgs *args)
{
	bool		isnull;

	args->weights = PG_DETOAST_DATUM_COPY(ArgAtRow(winobj, 1, 0, &isnull));
	args->directions = PG_DETOAST_DATUM_COPY(ArgAtRow(winobj, 2, 0, &isnull));
}

/* True when an argument is byte for byte the array kept from row 0. */
static bool
SameArray(Datum d, bool isnull, const struct varlena *kept)
{
	struct varlena *v;

	if (isnull)
		return false;
	v = PG_DETOAST_DATUM_PACKED(d);
	if (VARATT_IS_SHORT(v) || VARSIZE(v) != VARSIZE(kept))
		return false;
	return memcmp(v, kept, VARSIZE(kept)) == 0;
}

/*
 * Error out unless a later row carries the same weights and directions as the first. Arrays
 * identical to the first row's (the usual case, when they come from one model row) are not
 * read again.
 */
static void
CheckSameModel(WindowObject winobj, int64 row, const HealthModel *first, const ModelArgs *first_args)
{
	HealthModel model;
	bool		isnull;
	Datum		d;
	int			i;

	d = ArgAtRow(winobj, 1, row, &isnull);
	if (SameArray(d, isnull, first_args->weights))
	{
		d = ArgAtRow(winobj, 2, row, &isnull);
		if (SameArray(d, isnull, first_args->directions))
			return;
	}
	ReadModelAtRow(winobj, row, first->nmeasures, &model);
	for (i = 0; i < first->nmeasures; i++)
	{
		if (model.weights[i] != first->weights[i] ||
			model.higher_is_better[i] != first->higher_is_better[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("weights or directions differ between rows of a window partition"),
					 errdetail("Row %lld has weight %s (%s) for measure %d, the first row %s (%s); "
							   "health_score_ranked takes one model per partition.",
							   (long long) row + 1, FloatText(model.weights[i]),
							   model.higher_is_better[i] ? "higher is better" : "lower is better",
							   i + 1, FloatText(first->weights[i]),
							   first->higher_is_better[i] ? "higher is better" : "lower is better")));
	}
}

/*
 * Fill the partition cache of health_score_ranked: read every row once, sort each measure
 * once, turn each value into its percentile rank, then weight the ranks row by row.
 */
static void
RankPartitionScores(FunctionCallInfo fcinfo, WindowObject winobj, HealthPartition *part)
{
	MemoryContext partcxt = GetMemoryChunkContext(part);
	MemoryContext workcxt;
	MemoryContext rowcxt;
	MemoryContext oldcxt;
	int64		nrows = PartitionRows(winobj);
	bool		model_is_constant;
	ModelArgs	first_args = {NULL, NULL};
	HealthModel model;
	float8	   *cells;			/* nrows × m: measure, then its percentile; NaN = NULL */
	RankedValue *items;
	int			m;
	int			j;
	int64		row;

	workcxt = AllocSetContextCreate(CurrentMemoryContext, "health_score_ranked",
									ALLOCSET_DEFAULT_SIZES);
	rowcxt = AllocSetContextCreate(workcxt, "health_score_ranked row", ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(workcxt);

	ReadModelAtRow(winobj, 0, -1, &model);
	m = model.nmeasures;
	/* Constant weights (the usual case) need no per-row comparison. */
	model_is_constant = get_fn_expr_arg_stable(fcinfo->flinfo, 1) &&
		get_fn_expr_arg_stable(fcinfo->flinfo, 2);
	if (!model_is_constant)
		KeepModelArgs(winobj, &first_args);

	cells = (float8 *) AllocLarge(workcxt, sizeof(float8) * (Size) nrows * m);
	for (row = 0; row < nrows; row++)
	{
		float8	   *cell = cells + row * m;
		bool		isnull;
		Datum		d;

		/* Argument values are built in the current context: drop them row by row. */
		MemoryContextReset(rowcxt);
		MemoryContextSwitchTo(rowcxt);
		if (row > 0 && !model_is_constant)
			CheckSameModel(winobj, row, &model, &first_args);

		d = ArgAtRow(winobj, 0, row, &isnull);
		if (isnull)
		{
			/* A NULL array has no measures: the row gets no rank and no score. */
			for (j = 0; j < m; j++)
				cell[j] = get_float8_nan();
		}
		else
		{
			CsmFloatArray meas;

			csm_read_float_array(DatumGetArrayTypeP(d), "measures", &meas);
			csm_check_same_length("measures", meas.n, "weights", m);
			for (j = 0; j < m; j++)
			{
				if (meas.nulls && meas.nulls[j])
					cell[j] = get_float8_nan();
				else
				{
					CheckMeasure(meas.values[j], j);
					cell[j] = meas.values[j];
				}
			}
		}
		CHECK_FOR_INTERRUPTS();
	}
	MemoryContextSwitchTo(workcxt);

	/* Replace each measure by its percentile rank among the partition's values. */
	items = (RankedValue *) AllocLarge(workcxt, sizeof(RankedValue) * (Size) nrows);
	for (j = 0; j < m; j++)
	{
		int64		n = 0;

		for (row = 0; row < nrows; row++)
		{
			float8		v = cells[row * m + j];

			if (!isnan(v))
			{
				items[n].value = v;
				items[n].row = row;
				n++;
			}
		}
		PercentileRanks(items, n, cells + j, m, !model.higher_is_better[j]);
	}

	part->results = (float8 *) AllocLarge(partcxt, sizeof(float8) * (Size) nrows);
	for (row = 0; row < nrows; row++)
	{
		WeightedSum ws = {0.0, 0.0};
		float8		score;

		for (j = 0; j < m; j++)
		{
			float8		p = cells[row * m + j];

			if (!isnan(p))
				AddWeighted(&ws, model.weights[j], p);
		}
		part->results[row] = FinishWeighted(&ws, &score) ? score : get_float8_nan();
	}
	part->nrows = nrows;
	part->computed = true;

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(workcxt);
}

/*
 * Fill the partition cache of health_quartile_band with each score's percentile rank.
 */
static void
RankPartitionPercentiles(FunctionCallInfo fcinfo, WindowObject winobj, HealthPartition *part)
{
	MemoryContext partcxt = GetMemoryChunkContext(part);
	MemoryContext workcxt;
	MemoryContext rowcxt;
	MemoryContext oldcxt;
	int64		nrows = PartitionRows(winobj);
	RankedValue *items;
	int64		n = 0;
	int64		row;

	workcxt = AllocSetContextCreate(CurrentMemoryContext, "health_quartile_band",
									ALLOCSET_DEFAULT_SIZES);
	rowcxt = AllocSetContextCreate(workcxt, "health_quartile_band row", ALLOCSET_SMALL_SIZES);
	items = (RankedValue *) AllocLarge(workcxt, sizeof(RankedValue) * (Size) nrows);
	part->results = (float8 *) AllocLarge(partcxt, sizeof(float8) * (Size) nrows);
	for (row = 0; row < nrows; row++)
	{
		bool		isnull;
		float8		score;

		/* The score expression is evaluated in the current context: drop it row by row. */
		MemoryContextReset(rowcxt);
		oldcxt = MemoryContextSwitchTo(rowcxt);
		score = DatumGetFloat8(ArgAtRow(winobj, 0, row, &isnull));
		MemoryContextSwitchTo(oldcxt);

		part->results[row] = get_float8_nan();
		if (isnull)
			continue;
		if (isnan(score))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("health score is NaN"),
					 errdetail("Scores must be numbers; a NULL score gets no band.")));
		items[n].value = score;
		items[n].row = row;
		n++;
		CHECK_FOR_INTERRUPTS();
	}
	PercentileRanks(items, n, part->results, 1, false);
	part->nrows = nrows;
	part->computed = true;
	MemoryContextDelete(workcxt);
}

/* Fills the partition cache of one window function. */
typedef void (*PartitionFiller) (FunctionCallInfo fcinfo, WindowObject winobj,
								 HealthPartition *part);

/*
 * The cached result of the current row, filling the cache on the partition's first call;
 * false when the result is NULL.
 */
static bool
CachedResult(FunctionCallInfo fcinfo, PartitionFiller fill, float8 *result)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	HealthPartition *part;
	int64		pos;

	part = (HealthPartition *) WinGetPartitionLocalMemory(winobj, sizeof(HealthPartition));
	if (!part->computed)
		fill(fcinfo, winobj, part);
	pos = WinGetCurrentPosition(winobj);
	if (pos < 0 || pos >= part->nrows)
		elog(ERROR, "window position %lld outside a partition of %lld rows",
			 (long long) pos, (long long) part->nrows);
	*result = part->results[pos];
	return !isnan(*result);
}

/* Band of a score: a score equal to a threshold falls in the lower band. */
static int
BandIndex(float8 score, const float8 *thresholds, int nthresholds)
{
	int			i;

	if (isnan(score))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("health score is NaN"),
				 errdetail("Scores must be numbers; NULL gives NULL.")));
	for (i = 0; i < nthresholds; i++)
	{
		if (score <= thresholds[i])
			return i;
	}
	return nthresholds;
}

/* health_score(measures, weights): weighted score over the measures present. */
PG_FUNCTION_INFO_V1(health_score);
Datum
health_score(PG_FUNCTION_ARGS)
{
	float8		score;

	if (!ScoreOfArrays(PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(1), &score))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(score);
}

/* health_points(counts, impacts): Σ countᵢ × impactᵢ, NULL counts counting as 0. */
PG_FUNCTION_INFO_V1(health_points);
Datum
health_points(PG_FUNCTION_ARGS)
{
	CsmFloatArray counts;
	CsmFloatArray impacts;
	float8		points = 0.0;
	int			i;

	csm_read_float_array(PG_GETARG_ARRAYTYPE_P(0), "counts", &counts);
	csm_read_float_array(PG_GETARG_ARRAYTYPE_P(1), "impacts", &impacts);
	csm_check_same_length("counts", counts.n, "impacts", impacts.n);
	for (i = 0; i < counts.n; i++)
	{
		float8		impact;
		float8		count;

		impact = FiniteElement(&impacts, i, "impact",
							   "Every impact must be a finite number (negative impacts subtract).");
		if (counts.nulls && counts.nulls[i])
			continue;
		count = counts.values[i];
		if (isnan(count) || isinf(count) || count < 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("count %d is %s", i + 1, FloatText(count)),
					 errdetail("Counts must be finite and non-negative; a NULL count counts as 0.")));
		points += count * impact;
	}
	/* Finite terms: infinity is an overflow, NaN an overflow to both signs. */
	if (isinf(points) || isnan(points))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("health points are out of range"),
				 errdetail("The sum of count × impact overflows double precision.")));
	PG_RETURN_FLOAT8(points);
}

/* health_normalize(x, lo, hi, higher_is_better): a raw measure on the 0..100 scale. */
PG_FUNCTION_INFO_V1(health_normalize);
Datum
health_normalize(PG_FUNCTION_ARGS)
{
	float8		x = PG_GETARG_FLOAT8(0);
	float8		lo = PG_GETARG_FLOAT8(1);
	float8		hi = PG_GETARG_FLOAT8(2);
	bool		higher_is_better = PG_GETARG_BOOL(3);
	float8		fraction;

	if (isnan(x))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value to normalise is NaN"),
				 errdetail("Normalise numbers only; NULL gives NULL.")));
	if (isnan(lo) || isinf(lo) || isnan(hi) || isinf(hi))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("normalising bounds %s and %s are not finite", FloatText(lo), FloatText(hi)),
				 errdetail("lo and hi must be finite numbers with lo < hi.")));
	if (hi <= lo)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("upper bound %s is not above lower bound %s", FloatText(hi), FloatText(lo)),
				 errdetail("lo and hi must be finite numbers with lo < hi.")));

	/* clamp((x − lo) / (hi − lo), 0, 1) × 100, inverted when lower is better */
	if (x <= lo)
		fraction = 0.0;
	else if (x >= hi)
		fraction = 1.0;
	else if (!isinf(hi - lo))
		fraction = (x - lo) / (hi - lo);
	else
		/* Bounds a full double range apart: halve everything to stay finite. */
		fraction = (x / 2.0 - lo / 2.0) / (hi / 2.0 - lo / 2.0);
	PG_RETURN_FLOAT8(higher_is_better ? fraction * 100.0 : 100.0 - fraction * 100.0);
}

/* health_band(score): red, yellow, green or thriving by the fixed thresholds 40, 70, 100. */
PG_FUNCTION_INFO_V1(health_band);
Datum
health_band(PG_FUNCTION_ARGS)
{
	int			band = BandIndex(PG_GETARG_FLOAT8(0), default_thresholds,
								 lengthof(default_thresholds));

	PG_RETURN_TEXT_P(cstring_to_text(default_labels[band]));
}

/* health_band(score, thresholds, labels): the label of a custom band. */
PG_FUNCTION_INFO_V1(health_band_custom);
Datum
health_band_custom(PG_FUNCTION_ARGS)
{
	float8		score = PG_GETARG_FLOAT8(0);
	ArrayType  *labels_array = PG_GETARG_ARRAYTYPE_P(2);
	CsmFloatArray thresholds;
	Datum	   *labels;
	bool	   *label_nulls;
	int			nlabels;
	int			i;

	csm_read_float_array(PG_GETARG_ARRAYTYPE_P(1), "thresholds", &thresholds);
	for (i = 0; i < thresholds.n; i++)
	{
		float8		t = FiniteElement(&thresholds, i, "band threshold",
									  "Thresholds must be finite and strictly ascending.");

		if (i > 0 && t <= thresholds.values[i - 1])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("band thresholds are not strictly ascending"),
					 errdetail("Threshold %d (%s) is not above threshold %d (%s).",
							   i + 1, FloatText(t), i, FloatText(thresholds.values[i - 1]))));
	}

	csm_check_one_dimensional(labels_array, "labels");
	if (ARR_ELEMTYPE(labels_array) != TEXTOID)
		elog(ERROR, "labels: expected a text array, got type %u", ARR_ELEMTYPE(labels_array));
	deconstruct_array(labels_array, TEXTOID, -1, false, TYPALIGN_INT,
					  &labels, &label_nulls, &nlabels);
	if (nlabels != thresholds.n + 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("labels must have one element more than thresholds"),
				 errdetail("%d thresholds need %d labels, got %d.",
						   thresholds.n, thresholds.n + 1, nlabels)));
	for (i = 0; i < nlabels; i++)
	{
		if (label_nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("band label %d is NULL", i + 1),
					 errdetail("Every band needs a label.")));
	}

	PG_RETURN_TEXT_P(DatumGetTextPCopy(labels[BandIndex(score, thresholds.values,
														 thresholds.n)]));
}

/*
 * health_score_ranked(measures, weights, higher_is_better) OVER (...): each measure
 * replaced by its percentile rank in the partition, then weighted as health_score.
 */
PG_FUNCTION_INFO_V1(health_score_ranked);
Datum
health_score_ranked(PG_FUNCTION_ARGS)
{
	float8		score;

	if (!CachedResult(fcinfo, RankPartitionScores, &score))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(score);
}

/* Order doubles ascending (no NaN gets here). */
static int
CompareFloat8(const void *a, const void *b)
{
	float8		va = *(const float8 *) a;
	float8		vb = *(const float8 *) b;

	return (va > vb) - (va < vb);
}

/*
 * kpi_sorted_sample(vals float8[]) RETURNS float8[]
 *
 * The values of one partition in ascending order, the sample kpi_percentile_rank searches:
 * sorted here once per partition, so that the values can be gathered by a plain array_agg
 * (no sorted input, no ordered aggregate). NULL elements are left out; a NaN or infinite
 * one is an error, as it would be in a health score.
 */
PG_FUNCTION_INFO_V1(kpi_sorted_sample);
Datum
kpi_sorted_sample(PG_FUNCTION_ARGS)
{
	ArrayType  *vals = PG_GETARG_ARRAYTYPE_P(0);
	CsmFloatArray a;
	float8	   *sorted;
	Datum	   *elems;
	int			n = 0;
	int			i;

	csm_read_float_array(vals, "vals", &a);
	sorted = (float8 *) palloc(sizeof(float8) * Max(a.n, 1));
	for (i = 0; i < a.n; i++)
	{
		if (a.nulls && a.nulls[i])
			continue;
		CheckFinite(a.values[i], "vals", i);
		sorted[n++] = a.values[i];
	}
	qsort(sorted, n, sizeof(float8), CompareFloat8);
	elems = (Datum *) palloc(sizeof(Datum) * Max(n, 1));
	for (i = 0; i < n; i++)
		elems[i] = Float8GetDatum(sorted[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * kpi_percentile_rank(sample float8[], value float8, higher_is_better bool) RETURNS float8
 *
 * The health of value by its percentile rank in sample, the values of a whole partition in
 * ascending order (kpi_sorted_sample(array_agg(v))), value among them:
 * the same number health_score_ranked(ARRAY[value], ARRAY[1], ARRAY[higher_is_better])
 * OVER (that partition) gives, from a sample sorted once and searched by every row instead
 * of a window over the partition's rows. The sample is checked where the search looks: a
 * value missing from it, or elements out of order there, is an error.
 */
PG_FUNCTION_INFO_V1(kpi_percentile_rank);
Datum
kpi_percentile_rank(PG_FUNCTION_ARGS)
{
	ArrayType  *sample = PG_GETARG_ARRAYTYPE_P(0);
	float8		v = PG_GETARG_FLOAT8(1);
	bool		higher_is_better = PG_GETARG_BOOL(2);
	const float8 *x;
	int64		n;
	int64		lo,
				hi,
				below,
				end;

	csm_check_one_dimensional(sample, "sample");
	if (ARR_ELEMTYPE(sample) != FLOAT8OID)
		elog(ERROR, "sample: expected an array of type %u, got type %u", FLOAT8OID, ARR_ELEMTYPE(sample));
	if (ARR_HASNULL(sample))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sample has a NULL element"),
				 errdetail("The sample holds the values of the partition that are not NULL.")));
	CheckFinite(v, "value", -1);
	x = (const float8 *) ARR_DATA_PTR(sample);
	n = ArrayGetNItems(ARR_NDIM(sample), ARR_DIMS(sample));

	/* below: the first element not lower than v; end: the first one higher */
	for (lo = 0, hi = n; lo < hi;)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (x[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	below = lo;
	for (hi = n; lo < hi;)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (x[mid] <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	end = lo;
	if (end == below || x[below] != v || x[end - 1] != v ||
		(below > 0 && !(x[below - 1] < v)) || (end < n && !(x[end] > v)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value %s is not in the sample, or the sample is not in ascending order", FloatText(v)),
				 errdetail("The sample holds the partition's values, value among them, sorted ascending.")));
	PG_RETURN_FLOAT8(PercentileOf(below, end - below, n, !higher_is_better));
}

/*
 * health_quartile_band(score) OVER (...): healthy from the 75th percentile of the
 * partition up, unhealthy below the 25th, at risk between.
 */
PG_FUNCTION_INFO_V1(health_quartile_band);
Datum
health_quartile_band(PG_FUNCTION_ARGS)
{
	float8		p;

	if (!CachedResult(fcinfo, RankPartitionPercentiles, &p))
		PG_RETURN_NULL();
	if (p >= 75.0)
		PG_RETURN_TEXT_P(cstring_to_text("healthy"));
	if (p < 25.0)
		PG_RETURN_TEXT_P(cstring_to_text("unhealthy"));
	PG_RETURN_TEXT_P(cstring_to_text("at risk"));
}

/*
 * Transition of health_score_agg: add the row's weighted score to an avg(float8) state
 * {N, Σx, Σ(x − mean)²}, in place, so float8_combine and float8_avg finish the job.
 */
PG_FUNCTION_INFO_V1(health_score_agg_transfn);
Datum
health_score_agg_transfn(PG_FUNCTION_ARGS)
{
	ArrayType  *state;
	float8	   *sums;
	float8		score;
	float8		n;
	float8		sx;
	float8		sxx;

	/*
	 * Inside the aggregate the state starts as its initial value {0,0,0}, which the
	 * executor keeps in the aggregate context, so it is updated in place. Called directly,
	 * the function works on a copy, and a NULL state is an empty one (csmetrics.h).
	 */
	if (PG_ARGISNULL(0))
	{
		Datum		zeros[3] = {Float8GetDatum(0.0), Float8GetDatum(0.0), Float8GetDatum(0.0)};

		state = construct_array(zeros, 3, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	}
	else
		state = (ArrayType *) csm_state_for_update(fcinfo, -1);

	/* Rows without a score (NULL arrays, all measures NULL) are skipped, like avg(). */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) ||
		!ScoreOfArrays(PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_ARRAYTYPE_P(2), &score))
		PG_RETURN_ARRAYTYPE_P(state);

	if (ARR_ELEMTYPE(state) != FLOAT8OID)
		elog(ERROR, "health_score_agg_transfn: expected a float8 array state, got type %u",
			 ARR_ELEMTYPE(state));
	/* Our own states always pass; a hand-made one passed to a direct call may not. */
	sums = (float8 *) ARR_DATA_PTR(state);
	if (ARR_NDIM(state) != 1 || ARR_DIMS(state)[0] != 3 || ARR_HASNULL(state) ||
		!(sums[0] >= 0.0 && sums[0] == floor(sums[0])) || isinf(sums[0]) ||
		isnan(sums[1]) || isinf(sums[1]) || !(sums[2] >= 0.0) || isinf(sums[2]))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("malformed health_score_agg state"),
				 errdetail("The state is {N, sum, sum of squared deviations}: three finite numbers, N a whole number >= 0.")));

	/* Youngs–Cramer update, the form float8_combine expects. */
	n = sums[0] + 1.0;
	sx = sums[1] + score;
	sxx = sums[2];
	if (sums[0] > 0.0)
	{
		float8		d = score * n - sx;

		sxx += d * d / (n * sums[0]);
	}
	if (isinf(sx) || isinf(sxx))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("health_score_agg is out of range"),
				 errdetail("The sum of the scores overflows double precision.")));
	sums[0] = n;
	sums[1] = sx;
	sums[2] = sxx;
	PG_RETURN_ARRAYTYPE_P(state);
}
