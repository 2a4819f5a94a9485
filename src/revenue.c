/*
 * revenue.c
 *		MRR movements and lifetime value: reading MRR amounts, the scalar movement classifier,
 *		the window functions that track a customer's previous MRR themselves, and the scalar
 *		LTV and CLV formulas. The mrr_movements aggregate, its rollup and accessors and the
 *		cohort NRR/GRR aggregates are in mrr_movements.c.
 *
 * An amount is decoded straight from numeric's stored digits into a 128-bit fixed-point
 * integer (decimal.c), without allocating; it may have at most MRR_MAX_SCALE significant
 * fraction digits.
 */
#include "csmetrics.h"
#include "decimal.h"
#include "revenue.h"

#include "datatype/timestamp.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"
#include "windowapi.h"

#include <float.h>
#include <math.h>

/* Text of each MrrClass, as mrr_movement() returns it. */
static const char *const mrr_class_names[] = {
	NULL, "new", "reactivation", "expansion", "contraction", "churn", "unchanged"
};

/* Read an MRR amount into fixed point at its own scale; *negative reports the sign. */
static DecimalResult
DecodeMrr(Datum datum, MrrAmount *out, bool *negative)
{
	DecimalNumber n;
	DecimalResult result = DecimalDecode(datum, MRR_MAX_SCALE, &n);

	*negative = n.negative;
	if (result != DECIMAL_OK)
		return result;
	/* A whole number's trailing zeros go into the value: amounts have a scale >= 0. */
	out->scale = Max(n.scale, 0);
	out->dscale = n.dscale;
	if (!DecimalScaleUp(n.digits, out->scale - n.scale, &out->value))
		return DECIMAL_TOO_LARGE;
	if (n.negative)
		out->value = -out->value;
	return DECIMAL_OK;
}

/* Text of a numeric for an error message. */
static char *
NumericText(Datum datum)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out, datum));
}

/* Decode an MRR amount, raising an error unless it is a finite, non-negative, exact amount. */
void
MrrRead(Datum datum, const char *what, MrrAmount *out)
{
	bool		negative;

	switch (DecodeMrr(datum, out, &negative))
	{
		case DECIMAL_OK:
			break;
		case DECIMAL_NAN:
		case DECIMAL_INFINITY:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s %s is not a finite amount", what, NumericText(datum)),
					 errdetail("MRR must be a finite amount of at least 0.")));
			break;
		case DECIMAL_TOO_PRECISE:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s %s has too many fraction digits", what, NumericText(datum)),
					 errdetail("MRR amounts are summed exactly with at most %d fraction digits.",
							   MRR_MAX_SCALE)));
			break;
		case DECIMAL_TOO_LARGE:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s %s is too large", what, NumericText(datum)),
					 errdetail("MRR amounts must be below 1.7e38 / 10^(fraction digits).")));
			break;
	}
	if (negative)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s %s is negative", what, NumericText(datum)),
				 errdetail("MRR must be a finite amount of at least 0.")));
}


/* -1, 0 or 1 as a is below, equal to or above b; both are non-negative. */
static int
CompareAmounts(const MrrAmount *a, const MrrAmount *b)
{
	int128		x = a->value;
	int128		y = b->value;

	/* A value too large to scale up is larger than any value at the finer scale. */
	if (a->scale < b->scale && !DecimalScaleUp(x, b->scale - a->scale, &x))
		return 1;
	if (b->scale < a->scale && !DecimalScaleUp(y, a->scale - b->scale, &y))
		return -1;
	return (x > y) - (x < y);
}

/*
 * Classify one customer-month by its previous and current MRR: from 0 to more is new (or a
 * reactivation when the customer paid before), from more to 0 churn, up expansion, down
 * contraction, the same unchanged, 0 to 0 no movement.
 */
MrrClass
MrrClassify(const MrrAmount *prev, const MrrAmount *curr, bool seen_before)
{
	int			cmp;

	if (prev->value == 0)
	{
		if (curr->value == 0)
			return MRR_CLASS_NONE;
		return seen_before ? MRR_CLASS_REACTIVATION : MRR_CLASS_NEW;
	}
	if (curr->value == 0)
		return MRR_CLASS_CHURN;
	cmp = CompareAmounts(curr, prev);
	if (cmp > 0)
		return MRR_CLASS_EXPANSION;
	if (cmp < 0)
		return MRR_CLASS_CONTRACTION;
	return MRR_CLASS_UNCHANGED;
}

/* The text result for a class; NULL for no movement. */
static Datum
ClassDatum(MrrClass c, bool *isnull)
{
	*isnull = (c == MRR_CLASS_NONE);
	return *isnull ? (Datum) 0 : PointerGetDatum(cstring_to_text(mrr_class_names[c]));
}

/* mrr_movement(prev, curr, seen_before): the movement class of one customer-month. */
PG_FUNCTION_INFO_V1(mrr_movement_classify);
Datum
mrr_movement_classify(PG_FUNCTION_ARGS)
{
	MrrAmount	prev;
	MrrAmount	curr;
	Datum		result;
	bool		isnull;

	MrrRead(PG_GETARG_DATUM(0), "previous MRR", &prev);
	MrrRead(PG_GETARG_DATUM(1), "MRR", &curr);
	result = ClassDatum(MrrClassify(&prev, &curr, PG_GETARG_BOOL(2)), &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/* ---------------------------------------------------------------------------------------
 * Window functions
 * ---------------------------------------------------------------------------------------
 */

/*
 * Partition-local memory of the mrr_movement window functions: what the rows before
 * next_row left behind. All zeros is the correct history of row 0 (no previous MRR, never
 * paid), so the zeroed memory the executor hands out is already valid.
 */
typedef struct MrrWindowHistory
{
	int64		next_row;		/* the partition row this history leads up to */
	MrrAmount	prev;			/* MRR of row next_row - 1 (0 before the first row) */
	int32		prev_month;		/* month number of row next_row - 1 (date overload) */
	bool		seen_before;	/* some row before next_row had MRR > 0 */
} MrrWindowHistory;

/* How the window functions learn each row's month. */
typedef enum MrrMonthArg
{
	MRR_MONTH_NONE,				/* mrr_movement(mrr): rows are consecutive months */
	MRR_MONTH_DATE,				/* mrr_movement(mrr, month date) */
	MRR_MONTH_TIMESTAMPTZ		/* mrr_movement(mrr, month timestamptz), session time zone */
} MrrMonthArg;

/* Text of a month argument for an error message. */
static char *
MonthText(Datum month, MrrMonthArg kind)
{
	if (kind == MRR_MONTH_DATE)
		return DatumGetCString(DirectFunctionCall1(date_out, month));
	return DatumGetCString(DirectFunctionCall1(timestamptz_out, month));
}

/* Calendar month number (year x 12 + month - 1) of a finite date or timestamptz. */
static int32
MonthNumber(Datum month, MrrMonthArg kind)
{
	int			year,
				mon,
				day;
	bool		finite;

	if (kind == MRR_MONTH_DATE)
		finite = !DATE_NOT_FINITE(DatumGetDateADT(month));
	else
		finite = !TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(month));
	if (!finite)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("month %s is not finite", MonthText(month, kind)),
				 errdetail("Months must be finite dates.")));
	if (kind == MRR_MONTH_DATE)
		j2date(DatumGetDateADT(month) + POSTGRES_EPOCH_JDATE, &year, &mon, &day);
	else
	{
		struct pg_tm tm;
		fsec_t		fsec;
		int			tz;

		if (timestamp2tm(DatumGetTimestampTz(month), &tz, &tm, &fsec, NULL, NULL) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("month %s is out of range", MonthText(month, kind))));
		year = tm.tm_year;
		mon = tm.tm_mon;
	}
	return year * 12 + mon - 1;
}

/*
 * Feed one row into the history and return its class. mrr NULL means no MRR that month.
 * With a month argument, a row more than one month after the previous row follows months
 * of MRR 0.
 */
static MrrClass
HistoryStep(MrrWindowHistory *h, Datum mrr, bool mrr_null, MrrMonthArg kind,
			Datum month, bool month_null)
{
	MrrAmount	curr = {0, 0, 0};
	MrrClass	c;

	if (!mrr_null)
		MrrRead(mrr, "MRR", &curr);
	if (kind != MRR_MONTH_NONE)
	{
		int32		m;

		if (month_null)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("month must not be null"),
					 errdetail("mrr_movement(mrr, month) needs the month of every row.")));
		m = MonthNumber(month, kind);
		if (h->next_row > 0)
		{
			if (m <= h->prev_month)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("month %s does not follow the previous row's month",
								MonthText(month, kind)),
						 errdetail("Order the window by month, with at most one row per customer and month.")));
			if (m > h->prev_month + 1)
			{
				/* The missing months had MRR 0. */
				h->prev.value = 0;
				h->prev.scale = 0;
			}
		}
		h->prev_month = m;
	}
	c = MrrClassify(&h->prev, &curr, h->seen_before);
	if (curr.value > 0)
		h->seen_before = true;
	h->prev = curr;
	h->next_row++;
	return c;
}

/* Shared body of both window functions. */
static Datum
MrrMovementWindow(FunctionCallInfo fcinfo, MrrMonthArg kind)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	MrrWindowHistory *h;
	int64		pos = WinGetCurrentPosition(winobj);
	Datum		mrr;
	Datum		month = (Datum) 0;
	bool		mrr_null;
	bool		month_null = false;
	bool		isnull;
	Datum		result;

	h = (MrrWindowHistory *) WinGetPartitionLocalMemory(winobj, sizeof(MrrWindowHistory));

	/*
	 * Rows normally come in order and the history is the previous row's. Called out of
	 * order, rebuild it from the partition's first row, never guess.
	 */
	if (h->next_row != pos)
	{
		int64		i;

		memset(h, 0, sizeof(MrrWindowHistory));
		for (i = 0; i < pos; i++)
		{
			bool		isout = false;

			/*
			 * The month (by value) first: a later fetch may reuse the slot that a
			 * by-reference mrr points into.
			 */
			if (kind != MRR_MONTH_NONE)
				month = WinGetFuncArgInPartition(winobj, 1, i, WINDOW_SEEK_HEAD, false,
												 &month_null, &isout);
			if (!isout)
				mrr = WinGetFuncArgInPartition(winobj, 0, i, WINDOW_SEEK_HEAD, false,
											   &mrr_null, &isout);
			if (isout)
				elog(ERROR, "mrr_movement: partition row " INT64_FORMAT " is missing", i);
			(void) HistoryStep(h, mrr, mrr_null, kind, month, month_null);
		}
	}

	mrr = WinGetFuncArgCurrent(winobj, 0, &mrr_null);
	if (kind != MRR_MONTH_NONE)
		month = WinGetFuncArgCurrent(winobj, 1, &month_null);
	result = ClassDatum(HistoryStep(h, mrr, mrr_null, kind, month, month_null), &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/* mrr_movement(mrr) OVER (PARTITION BY customer ORDER BY month), gap-free months. */
PG_FUNCTION_INFO_V1(mrr_movement_window);
Datum
mrr_movement_window(PG_FUNCTION_ARGS)
{
	return MrrMovementWindow(fcinfo, MRR_MONTH_NONE);
}

/* mrr_movement(mrr, month) OVER (...): missing months count as MRR 0. */
PG_FUNCTION_INFO_V1(mrr_movement_window_month);
Datum
mrr_movement_window_month(PG_FUNCTION_ARGS)
{
	return MrrMovementWindow(fcinfo, MRR_MONTH_DATE);
}

/* mrr_movement(mrr, month timestamptz) OVER (...): months in the session time zone. */
PG_FUNCTION_INFO_V1(mrr_movement_window_month_tz);
Datum
mrr_movement_window_month_tz(PG_FUNCTION_ARGS)
{
	return MrrMovementWindow(fcinfo, MRR_MONTH_TIMESTAMPTZ);
}

/* ---------------------------------------------------------------------------------------
 * LTV and CLV
 * ---------------------------------------------------------------------------------------
 */

/* A float8 argument checked against [lo, hi] (lo_open excludes lo), as numeric. */
static Datum
CheckedFactor(float8 v, const char *what, float8 lo, bool lo_open, float8 hi, const char *range)
{
	if (isnan(v) || v < lo || (lo_open && v == lo) || v > hi)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s %g is out of range", what, v),
				 errdetail("%s", range)));
	return DirectFunctionCall1(float8_numeric, Float8GetDatum(v));
}

/* A numeric money argument that must be finite and at least 0 (any precision). */
static Datum
CheckedMoney(Datum v, const char *what)
{
	DecimalNumber n;
	DecimalResult r = DecimalDecode(v, DECIMAL_ANY_SCALE, &n);

	if (r == DECIMAL_NAN || r == DECIMAL_INFINITY || n.negative)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s %s is out of range", what, NumericText(v)),
				 errdetail("It must be a finite amount of at least 0.")));
	return v;
}

/*
 * ltv(arpa, churn_rate [, gross_margin]) = arpa x gross_margin / churn_rate, in numeric
 * (the float8 factors converted exactly as ::numeric does); NULL when churn_rate is 0.
 */
static Datum
Ltv(FunctionCallInfo fcinfo, bool has_margin)
{
	Datum		arpa = CheckedMoney(PG_GETARG_DATUM(0), "ARPA");
	float8		churn = PG_GETARG_FLOAT8(1);
	Datum		churn_num;

	churn_num = CheckedFactor(churn, "churn rate", 0.0, false, 1.0,
							  "The monthly churn rate must be a fraction from 0 to 1.");
	if (has_margin)
		arpa = DirectFunctionCall2(numeric_mul, arpa,
								   CheckedFactor(PG_GETARG_FLOAT8(2), "gross margin", 0.0, false,
												 1.0, "The gross margin must be a fraction from 0 to 1."));
	if (churn == 0.0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_div, arpa, churn_num));
}

/* ltv(arpa, churn_rate): lifetime value from monthly ARPA and monthly churn. */
PG_FUNCTION_INFO_V1(ltv_churn);
Datum
ltv_churn(PG_FUNCTION_ARGS)
{
	return Ltv(fcinfo, false);
}

/* ltv(arpa, churn_rate, gross_margin): lifetime gross profit. */
PG_FUNCTION_INFO_V1(ltv_churn_margin);
Datum
ltv_churn_margin(PG_FUNCTION_ARGS)
{
	return Ltv(fcinfo, true);
}

/* clv = avg_purchase_value x purchase_frequency x lifespan, in numeric. */
PG_FUNCTION_INFO_V1(clv);
Datum
clv(PG_FUNCTION_ARGS)
{
	Datum		value = CheckedMoney(PG_GETARG_DATUM(0), "average purchase value");
	Datum		frequency = CheckedFactor(PG_GETARG_FLOAT8(1), "purchase frequency", 0.0, false,
										  DBL_MAX,
										  "The purchase frequency must be finite and at least 0.");
	Datum		lifespan = CheckedFactor(PG_GETARG_FLOAT8(2), "lifespan", 0.0, false, DBL_MAX,
										 "The lifespan must be finite and at least 0.");

	PG_RETURN_DATUM(DirectFunctionCall2(numeric_mul,
										DirectFunctionCall2(numeric_mul, value, frequency),
										lifespan));
}
