/*
 * mrr_movements.c
 *		The mrr_movements aggregate with its storable state type, rollup and
 *		accessors (nrr, grr, quick_ratio, net_new_mrr, arpa), and the cohort nrr/grr
 *		aggregates, which share its state. Customer-months are classified by revenue.c.
 *
 * Money is summed exactly without allocating per row (decimal.c): every amount is decoded
 * straight from numeric's stored digits into a 128-bit fixed-point integer, and a state keeps
 * all its amounts at one common scale (number of fraction digits), raised when an input needs
 * more. An amount may have at most MRR_MAX_SCALE significant fraction digits, and a sum that
 * would not fit in 128 bits is an error; results go back to numeric only in final functions.
 */
#include "csmetrics.h"
#include "decimal.h"
#include "revenue.h"
#include "state_io.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/typcache.h"

/* On-disk format version of mrr_movements_state (binary and text forms). */
#define MRR_STATE_VERSION 1

/* The amounts and counts of a movement summary, in the order of the composite's fields. */
typedef enum MrrField
{
	MRR_STARTING,
	MRR_ENDING,
	MRR_NEW,
	MRR_EXPANSION,
	MRR_CONTRACTION,
	MRR_CHURNED,
	MRR_REACTIVATION,
	MRR_NFIELDS
} MrrField;

/* Field names of the composite mrr_movements, amounts first, then counts. */
static const char *const mrr_amount_names[MRR_NFIELDS] = {
	"starting_mrr", "ending_mrr", "new_mrr", "expansion_mrr", "contraction_mrr",
	"churned_mrr", "reactivation_mrr"
};
static const char *const mrr_count_names[MRR_NFIELDS] = {
	"customers_start", "customers_end", "new_customers", "expansion_customers",
	"contraction_customers", "churned_customers", "reactivation_customers"
};

/*
 * Transition state of mrr_movements, rollup(mrr_movements), nrr and grr: SQL type
 * mrr_movements_state, fixed length, passed by reference, updated in place.
 */
typedef struct MrrMovementsState
{
	int32		version;		/* MRR_STATE_VERSION */
	int16		scale;			/* amounts hold value x 10^scale; 0..MRR_MAX_SCALE, only grows */
	int16		dscale;			/* fraction digits shown in results: the most any input showed */
	int64		dscale_rows;	/* inputs showing dscale digits; an inverse transition that
								 * removes the last one asks for a recomputation, so dscale
								 * can shrink exactly as numeric sum() would */
	int64		rows;			/* non-NULL input rows; 0 with a non-NULL state only after
								 * inverse transitions removed every row (result NULL) */
	int128		amount[MRR_NFIELDS];	/* starting_mrr .. reactivation_mrr, scaled */
	int64		count[MRR_NFIELDS]; /* customers_start .. reactivation_customers */
} MrrMovementsState;

StaticAssertDecl(sizeof(MrrMovementsState) == 192, "mrr_movements_state must stay 192 bytes");

static CSM_NORETURN void
SumOverflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("mrr_movements sum is out of range"),
			 errdetail("Sums are exact up to 1.7e38 / 10^(fraction digits).")));
}

/* a + b with an overflow error. */
static inline int128
AddAmount(int128 a, int128 b)
{
	int128		result;

	if (!DecimalAdd(a, b, &result))
		SumOverflow();
	return result;
}
/* ---------------------------------------------------------------------------------------
 * The mrr_movements_state type
 * ---------------------------------------------------------------------------------------
 */

/* Raise the state's scale to at least scale, rescaling its amounts exactly. */
static void
StateRaiseScale(MrrMovementsState *s, int scale)
{
	if (!DecimalRaiseScale(s->amount, MRR_NFIELDS, &s->scale, scale))
		SumOverflow();
}

/* An amount at the state's scale (which must be at least the amount's). */
static int128
AtStateScale(const MrrMovementsState *s, const MrrAmount *a)
{
	int128		v;

	if (!DecimalScaleUp(a->value, s->scale - a->scale, &v))
		SumOverflow();
	return v;
}

/* Count an input showing dscale fraction digits; sign -1 removes it. false: recompute. */
static bool
StateTrackDscale(MrrMovementsState *s, int dscale, int sign)
{
	if (sign > 0)
	{
		s->rows = csm_add_count(s->rows, 1);
		if (dscale > s->dscale)
		{
			s->dscale = dscale;
			s->dscale_rows = 1;
		}
		else if (dscale == s->dscale)
			s->dscale_rows = csm_add_count(s->dscale_rows, 1);
		return true;
	}
	s->rows = csm_sub_count(s->rows, 1);
	if (dscale > s->dscale)
		csm_nothing_to_remove("An amount with %d fraction digits is not in a state whose amounts show %d.",
							  dscale, s->dscale);
	if (s->rows == 0)
	{
		/* Nothing left: start afresh, so later inputs set the scales again. */
		s->scale = 0;
		s->dscale = 0;
		s->dscale_rows = 0;
		return true;
	}
	if (dscale == s->dscale)
	{
		s->dscale_rows = csm_sub_count(s->dscale_rows, 1);
		if (s->dscale_rows == 0)
			return false;
	}
	return true;
}

/* Take amount v (at the state's scale) out of field f; more than it holds is an error. */
static void
RemoveAmount(MrrMovementsState *s, MrrField f, int128 v)
{
	if (v > s->amount[f])
		csm_nothing_to_remove("The %s of the state is smaller than the amount removed.",
							  mrr_amount_names[f]);
	s->amount[f] -= v;
}

/* Add (sign 1) or remove (sign -1) amount v and one customer to field f. */
static inline void
StateCount(MrrMovementsState *s, MrrField f, int128 v, int sign)
{
	if (sign > 0)
	{
		s->amount[f] = AddAmount(s->amount[f], v);
		s->count[f] = csm_add_count(s->count[f], 1);
	}
	else
	{
		RemoveAmount(s, f, v);
		s->count[f] = csm_sub_count(s->count[f], 1);
	}
}

static void CheckRemoved(const MrrMovementsState *s);

/*
 * Add or remove one customer-month. Returns false when an inverse transition cannot
 * restore the display scale, which asks the executor to recompute the frame.
 */
static bool
StateAddMovement(MrrMovementsState *s, const MrrAmount *prev, const MrrAmount *curr,
				 bool seen_before, int sign)
{
	int128		p;
	int128		c;

	StateRaiseScale(s, Max(prev->scale, curr->scale));
	p = AtStateScale(s, prev);
	c = AtStateScale(s, curr);
	if (p > 0)
		StateCount(s, MRR_STARTING, p, sign);
	if (c > 0)
		StateCount(s, MRR_ENDING, c, sign);
	switch (MrrClassify(prev, curr, seen_before))
	{
		case MRR_CLASS_NEW:
			StateCount(s, MRR_NEW, c, sign);
			break;
		case MRR_CLASS_REACTIVATION:
			StateCount(s, MRR_REACTIVATION, c, sign);
			break;
		case MRR_CLASS_EXPANSION:
			StateCount(s, MRR_EXPANSION, c - p, sign);
			break;
		case MRR_CLASS_CONTRACTION:
			StateCount(s, MRR_CONTRACTION, p - c, sign);
			break;
		case MRR_CLASS_CHURN:
			StateCount(s, MRR_CHURNED, p, sign);
			break;
		case MRR_CLASS_NONE:
		case MRR_CLASS_UNCHANGED:
			break;
	}
	if (!StateTrackDscale(s, Max(prev->dscale, curr->dscale), sign))
		return false;
	if (sign < 0)
		CheckRemoved(s);
	return true;
}

/* A new, empty state, in the per-call context (the rule in csmetrics.h). */
static MrrMovementsState *
StateCreate(void)
{
	MrrMovementsState *s = (MrrMovementsState *) palloc0(sizeof(MrrMovementsState));

	s->version = MRR_STATE_VERSION;
	return s;
}

/* The state argument ready to be updated: a new one for NULL, else csm_state_for_update. */
static MrrMovementsState *
StateArg(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		return StateCreate();
	return (MrrMovementsState *) csm_state_for_update(fcinfo, sizeof(MrrMovementsState));
}

/*
 * Why a state is not one a movement aggregate could have produced, or NULL. Amounts and
 * counts must be non-negative and obey the two identities of a movement summary: the ending
 * MRR is the starting MRR plus new, reactivation and expansion minus contraction and churn,
 * and the customers at the end are those at the start plus new and reactivated minus churned.
 */
static const char *
StateProblem(const MrrMovementsState *s)
{
	int128		gained;
	int128		lost;
	int64		gained_customers;
	int			i;

	if (s->scale < 0 || s->scale > MRR_MAX_SCALE)
		return "scale out of range";
	if (s->dscale < s->scale || s->dscale > NUMERIC_MAX_DISPLAY_SCALE)
		return "display scale out of range";
	if (s->rows < 0 || s->dscale_rows < 0 || s->dscale_rows > s->rows)
		return "row counts out of range";
	for (i = 0; i < MRR_NFIELDS; i++)
	{
		if (s->amount[i] < 0 || s->count[i] < 0)
			return "negative amount or count";
		if ((s->amount[i] == 0) != (s->count[i] == 0))
			return "an amount and its customer count disagree";
	}
	/*
	 * ending - starting = new + reactivation + expansion - contraction - churn. The sums are
	 * checked: wrapped around, hostile values could pass as consistent, and quick_ratio()
	 * adds the same amounts.
	 */
	if (!DecimalAdd(s->amount[MRR_NEW], s->amount[MRR_REACTIVATION], &gained) ||
		!DecimalAdd(gained, s->amount[MRR_EXPANSION], &gained) ||
		!DecimalAdd(s->amount[MRR_CONTRACTION], s->amount[MRR_CHURNED], &lost))
		return "the movement amounts add up beyond the range of the sums";
	if (s->rows == 0)
		for (i = 0; i < MRR_NFIELDS; i++)
			if (s->count[i] != 0)
				return "a state without rows counts customers";
	if (s->amount[MRR_ENDING] - s->amount[MRR_STARTING] != gained - lost)
		return "ending_mrr - starting_mrr differs from the movements";
	if (pg_add_s64_overflow(s->count[MRR_NEW], s->count[MRR_REACTIVATION], &gained_customers))
		return "the customer counts add up beyond the range of bigint";
	if (s->count[MRR_ENDING] - s->count[MRR_STARTING] != gained_customers - s->count[MRR_CHURNED])
		return "customers_end - customers_start differs from new + reactivation - churned";
	return NULL;
}

/*
 * After an inverse transition: a state that StateProblem finds wrong means that what was
 * removed had not been added (only possible in a direct call; csmetrics.h, rule 5).
 */
static void
CheckRemoved(const MrrMovementsState *s)
{
	const char *problem = StateProblem(s);

	if (problem)
		csm_nothing_to_remove("What was removed had not been added: %s.", problem);
}

/* Reject a state read from outside (text or binary) that fails StateProblem. */
static void
StateValidate(CsmInput *in, const MrrMovementsState *s)
{
	const char *problem = StateProblem(s);

	if (problem)
		csm_input_error(in, "The state is inconsistent: %s.", problem);
}

/*
 * Text form, version 1: v1;scale;dscale;dscale_rows;rows;a0,...,a6;c0,...,c6 with the
 * amounts as integers times 10^scale, in the field order of the composite mrr_movements.
 */
PG_FUNCTION_INFO_V1(mrr_movements_state_out);
Datum
mrr_movements_state_out(PG_FUNCTION_ARGS)
{
	MrrMovementsState *s = (MrrMovementsState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d;%d;%d;" INT64_FORMAT ";" INT64_FORMAT ";",
					 s->version, s->scale, s->dscale, s->dscale_rows, s->rows);
	for (i = 0; i < MRR_NFIELDS; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		DecimalAppendText(&buf, s->amount[i], 0, 0);
	}
	appendStringInfoChar(&buf, ';');
	csm_append_int64_list(&buf, s->count, MRR_NFIELDS);
	PG_RETURN_CSTRING(buf.data);
}

/* Parse and validate the text form. */
PG_FUNCTION_INFO_V1(mrr_movements_state_in);
Datum
mrr_movements_state_in(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	MrrMovementsState *s = palloc0(sizeof(MrrMovementsState));
	int			i;

	csm_text_begin(&in, "mrr_movements_state", PG_GETARG_CSTRING(0), false);
	csm_text_expect(&in, "v");
	s->version = csm_check_version(&in, csm_text_int64(&in, "version", PG_INT64_MIN, PG_INT64_MAX),
								   MRR_STATE_VERSION, MRR_STATE_VERSION);
	csm_text_expect(&in, ";");
	s->scale = (int16) csm_text_int64(&in, "scale", 0, MRR_MAX_SCALE);
	csm_text_expect(&in, ";");
	s->dscale = (int16) csm_text_int64(&in, "display scale", 0, NUMERIC_MAX_DISPLAY_SCALE);
	csm_text_expect(&in, ";");
	s->dscale_rows = csm_text_int64(&in, "dscale_rows", 0, PG_INT64_MAX);
	csm_text_expect(&in, ";");
	s->rows = csm_text_int64(&in, "rows", 0, PG_INT64_MAX);
	csm_text_expect(&in, ";");
	for (i = 0; i < MRR_NFIELDS; i++)
	{
		if (i > 0)
			csm_text_expect(&in, ",");
		s->amount[i] = csm_text_int128(&in, mrr_amount_names[i], 0, DECIMAL_INT128_MAX);
	}
	csm_text_expect(&in, ";");
	for (i = 0; i < MRR_NFIELDS; i++)
	{
		if (i > 0)
			csm_text_expect(&in, ",");
		s->count[i] = csm_text_int64(&in, mrr_count_names[i], 0, PG_INT64_MAX);
	}
	csm_text_end(&in);
	StateValidate(&in, s);
	PG_RETURN_POINTER(s);
}

/*
 * Binary form, version 1: int32 version, int16 scale, int16 dscale, int64 dscale_rows and
 * rows, the seven amounts as int128 (two int64 halves, high first), the seven counts as int64.
 */
PG_FUNCTION_INFO_V1(mrr_movements_state_send);
Datum
mrr_movements_state_send(PG_FUNCTION_ARGS)
{
	MrrMovementsState *s = (MrrMovementsState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, s->version);
	pq_sendint16(&buf, s->scale);
	pq_sendint16(&buf, s->dscale);
	pq_sendint64(&buf, s->dscale_rows);
	pq_sendint64(&buf, s->rows);
	for (i = 0; i < MRR_NFIELDS; i++)
		csm_send_int128(&buf, s->amount[i]);
	for (i = 0; i < MRR_NFIELDS; i++)
		pq_sendint64(&buf, s->count[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Read and validate the binary form. */
PG_FUNCTION_INFO_V1(mrr_movements_state_recv);
Datum
mrr_movements_state_recv(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	MrrMovementsState *s = palloc0(sizeof(MrrMovementsState));
	int			i;

	csm_recv_begin(&in, "mrr_movements_state", (StringInfo) PG_GETARG_POINTER(0));
	s->version = csm_check_version(&in, csm_recv_int(&in, 4, "version"),
								   MRR_STATE_VERSION, MRR_STATE_VERSION);
	csm_recv_length(&in, 2 + 2 + 8 + 8 + MRR_NFIELDS * 24, "a version 1 value");
	s->scale = (int16) csm_recv_int(&in, 2, "scale");
	s->dscale = (int16) csm_recv_int(&in, 2, "display scale");
	s->dscale_rows = csm_recv_int(&in, 8, "dscale_rows");
	s->rows = csm_recv_int(&in, 8, "rows");
	for (i = 0; i < MRR_NFIELDS; i++)
		s->amount[i] = csm_recv_int128(&in, mrr_amount_names[i]);
	for (i = 0; i < MRR_NFIELDS; i++)
		s->count[i] = csm_recv_int(&in, 8, mrr_count_names[i]);
	StateValidate(&in, s);
	PG_RETURN_POINTER(s);
}

/* ---------------------------------------------------------------------------------------
 * Aggregate support: transitions, combine, finals
 * ---------------------------------------------------------------------------------------
 */

/* Shared body of the mrr_movements transition (sign 1) and inverse transition (sign -1). */
static Datum
MovementsTransition(FunctionCallInfo fcinfo, int sign)
{
	MrrMovementsState *s = StateArg(fcinfo);
	MrrAmount	prev;
	MrrAmount	curr;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(s);
	MrrRead(PG_GETARG_DATUM(1), "previous MRR", &prev);
	MrrRead(PG_GETARG_DATUM(2), "MRR", &curr);
	if (!StateAddMovement(s, &prev, &curr, PG_GETARG_BOOL(3), sign))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(s);
}

/* mrr_movements transition: add one customer-month (prev, curr, seen_before). */
PG_FUNCTION_INFO_V1(mrr_movements_trans);
Datum
mrr_movements_trans(PG_FUNCTION_ARGS)
{
	return MovementsTransition(fcinfo, 1);
}

/* mrr_movements inverse transition (sliding window frames): remove one customer-month. */
PG_FUNCTION_INFO_V1(mrr_movements_inv);
Datum
mrr_movements_inv(PG_FUNCTION_ARGS)
{
	return MovementsTransition(fcinfo, -1);
}

/* Shared body of the cohort transitions: rows whose start MRR is 0 are ignored. */
static Datum
CohortTransition(FunctionCallInfo fcinfo, int sign)
{
	MrrMovementsState *s = StateArg(fcinfo);
	MrrAmount	start;
	MrrAmount	end;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(s);
	MrrRead(PG_GETARG_DATUM(1), "start MRR", &start);
	MrrRead(PG_GETARG_DATUM(2), "end MRR", &end);
	if (start.value == 0)
		PG_RETURN_POINTER(s);
	/* A cohort customer is a movement from start to end; it was seen before by definition. */
	if (!StateAddMovement(s, &start, &end, true, sign))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(s);
}

/* nrr/grr(start_mrr, end_mrr) transition. */
PG_FUNCTION_INFO_V1(mrr_cohort_trans);
Datum
mrr_cohort_trans(PG_FUNCTION_ARGS)
{
	return CohortTransition(fcinfo, 1);
}

/* nrr/grr(start_mrr, end_mrr) inverse transition. */
PG_FUNCTION_INFO_V1(mrr_cohort_inv);
Datum
mrr_cohort_inv(PG_FUNCTION_ARGS)
{
	return CohortTransition(fcinfo, -1);
}

/* Merge state b into a (both at their own scale); b is not modified. */
static void
StateMerge(MrrMovementsState *a, const MrrMovementsState *b)
{
	int			i;

	StateRaiseScale(a, b->scale);
	for (i = 0; i < MRR_NFIELDS; i++)
	{
		if (!DecimalAddScaled(a->amount[i], b->amount[i], a->scale - b->scale, &a->amount[i]))
			SumOverflow();
		a->count[i] = csm_add_count(a->count[i], b->count[i]);
	}
	if (b->dscale > a->dscale)
	{
		a->dscale = b->dscale;
		a->dscale_rows = b->dscale_rows;
	}
	else if (b->dscale == a->dscale)
		a->dscale_rows = csm_add_count(a->dscale_rows, b->dscale_rows);
	a->rows = csm_add_count(a->rows, b->rows);
}

/* Combine function of every movement aggregate. */
PG_FUNCTION_INFO_V1(mrr_movements_combine);
Datum
mrr_movements_combine(PG_FUNCTION_ARGS)
{
	MrrMovementsState *a;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	/* the executor keeps its own copy of a state it did not have */
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(PG_GETARG_POINTER(1));
	a = (MrrMovementsState *) csm_state_for_update(fcinfo, sizeof(MrrMovementsState));
	StateMerge(a, (MrrMovementsState *) PG_GETARG_POINTER(1));
	PG_RETURN_POINTER(a);
}

/* The composite mrr_movements of a state. */
static Datum
StateToComposite(FunctionCallInfo fcinfo, const MrrMovementsState *s)
{
	TupleDesc	tupdesc;
	Datum		values[2 * MRR_NFIELDS];
	bool		nulls[2 * MRR_NFIELDS] = {0};
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "mrr_movements: return type must be a row type");
	if (tupdesc->natts != 2 * MRR_NFIELDS)
		elog(ERROR, "mrr_movements: the row type has %d fields, expected %d",
			 tupdesc->natts, 2 * MRR_NFIELDS);
	tupdesc = BlessTupleDesc(tupdesc);
	for (i = 0; i < MRR_NFIELDS; i++)
	{
		values[i] = DecimalToNumeric(s->amount[i], s->scale, s->dscale);
		values[MRR_NFIELDS + i] = Int64GetDatum(s->count[i]);
	}
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* Final function of mrr_movements and rollup: the composite, NULL without rows. */
PG_FUNCTION_INFO_V1(mrr_movements_final);
Datum
mrr_movements_final(PG_FUNCTION_ARGS)
{
	MrrMovementsState *s;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (MrrMovementsState *) PG_GETARG_POINTER(0);
	if (s->rows == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(StateToComposite(fcinfo, s));
}

/*
 * Read a composite mrr_movements into state s (sign 1 adds it, -1 removes it). Every field
 * must be present and the summary consistent. Returns false as StateAddMovement does.
 * An mrr_period_movements (the same fields after period_start and period_end) reads the same.
 */
static bool
StateAddComposite(MrrMovementsState *s, HeapTupleHeader th, int sign)
{
	Oid			typid = HeapTupleHeaderGetTypeId(th);
	int32		typmod = HeapTupleHeaderGetTypMod(th);
	TupleDesc	tupdesc = lookup_rowtype_tupdesc(typid, typmod);
	HeapTupleData tuple;
	Datum		fields[2 * MRR_NFIELDS + 2];
	bool		field_nulls[2 * MRR_NFIELDS + 2];
	Datum	   *values;
	bool	   *nulls;
	MrrMovementsState part;
	MrrAmount	amounts[MRR_NFIELDS];
	const char *problem;
	int			dscale = 0;
	int			i;

	if (tupdesc->natts != 2 * MRR_NFIELDS && tupdesc->natts != 2 * MRR_NFIELDS + 2)
		elog(ERROR, "mrr_movements: the row type has %d fields, expected %d or %d",
			 tupdesc->natts, 2 * MRR_NFIELDS, 2 * MRR_NFIELDS + 2);
	tuple.t_len = HeapTupleHeaderGetDatumLength(th);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = th;
	heap_deform_tuple(&tuple, tupdesc, fields, field_nulls);
	/* the movement fields are the last 2 x MRR_NFIELDS */
	values = fields + tupdesc->natts - 2 * MRR_NFIELDS;
	nulls = field_nulls + tupdesc->natts - 2 * MRR_NFIELDS;
	ReleaseTupleDesc(tupdesc);

	for (i = 0; i < 2 * MRR_NFIELDS; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("mrr_movements field %s is null",
							i < MRR_NFIELDS ? mrr_amount_names[i] : mrr_count_names[i - MRR_NFIELDS]),
					 errdetail("Every amount and count of an mrr_movements value must be present.")));

	/* Build the composite as a one-row state, validate it, then merge it. */
	memset(&part, 0, sizeof(part));
	part.version = MRR_STATE_VERSION;
	for (i = 0; i < MRR_NFIELDS; i++)
	{
		MrrRead(values[i], mrr_amount_names[i], &amounts[i]);
		part.scale = Max(part.scale, amounts[i].scale);
		dscale = Max(dscale, amounts[i].dscale);
	}
	for (i = 0; i < MRR_NFIELDS; i++)
	{
		part.amount[i] = AtStateScale(&part, &amounts[i]);
		part.count[i] = DatumGetInt64(values[MRR_NFIELDS + i]);
		if (part.count[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("mrr_movements field %s is negative: " INT64_FORMAT,
							mrr_count_names[i], part.count[i]),
					 errdetail("Customer counts are at least 0.")));
	}
	part.rows = 1;
	part.dscale = dscale;
	part.dscale_rows = 1;
	problem = StateProblem(&part);
	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("mrr_movements value is inconsistent: %s", problem),
				 errdetail("ending_mrr - starting_mrr must equal new + reactivation + expansion - contraction - churned "
						   "and each amount is 0 exactly when its customer count is.")));

	if (sign > 0)
	{
		StateMerge(s, &part);
		return true;
	}
	StateRaiseScale(s, part.scale);
	for (i = 0; i < MRR_NFIELDS; i++)
	{
		RemoveAmount(s, (MrrField) i, AtStateScale(s, &amounts[i]));
		s->count[i] = csm_sub_count(s->count[i], part.count[i]);
	}
	if (!StateTrackDscale(s, dscale, -1))
		return false;
	CheckRemoved(s);
	return true;
}

/* Shared body of the rollup transition and inverse transition. */
static Datum
RollupTransition(FunctionCallInfo fcinfo, int sign)
{
	MrrMovementsState *s = StateArg(fcinfo);

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	if (!StateAddComposite(s, PG_GETARG_HEAPTUPLEHEADER(1), sign))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(s);
}

/* rollup(mrr_movements) transition: add one stored summary. */
PG_FUNCTION_INFO_V1(mrr_movements_rollup_trans);
Datum
mrr_movements_rollup_trans(PG_FUNCTION_ARGS)
{
	return RollupTransition(fcinfo, 1);
}

/* rollup(mrr_movements) inverse transition: remove one stored summary. */
PG_FUNCTION_INFO_V1(mrr_movements_rollup_inv);
Datum
mrr_movements_rollup_inv(PG_FUNCTION_ARGS)
{
	return RollupTransition(fcinfo, -1);
}

/* ---------------------------------------------------------------------------------------
 * Accessors and cohort finals
 * ---------------------------------------------------------------------------------------
 */

/* a / b as float8 for non-negative fixed-point amounts at one scale. */
static float8
AmountRatio(int128 a, int128 b)
{
	return (float8) ((long double) a / (long double) b);
}

/* NRR = (starting - churned - contraction + expansion) / starting; false when starting is 0. */
static bool
StateNrr(const MrrMovementsState *s, float8 *result)
{
	if (s->amount[MRR_STARTING] == 0)
		return false;
	*result = AmountRatio(s->amount[MRR_STARTING] - s->amount[MRR_CHURNED]
						  - s->amount[MRR_CONTRACTION] + s->amount[MRR_EXPANSION],
						  s->amount[MRR_STARTING]);
	return true;
}

/* GRR = (starting - churned - contraction) / starting; false when starting is 0. */
static bool
StateGrr(const MrrMovementsState *s, float8 *result)
{
	if (s->amount[MRR_STARTING] == 0)
		return false;
	*result = AmountRatio(s->amount[MRR_STARTING] - s->amount[MRR_CHURNED]
						  - s->amount[MRR_CONTRACTION],
						  s->amount[MRR_STARTING]);
	return true;
}

/* A composite argument read into a local state. */
static void
CompositeArg(FunctionCallInfo fcinfo, MrrMovementsState *s)
{
	memset(s, 0, sizeof(MrrMovementsState));
	s->version = MRR_STATE_VERSION;
	(void) StateAddComposite(s, PG_GETARG_HEAPTUPLEHEADER(0), 1);
}

/* nrr(mrr_movements): net revenue retention. */
PG_FUNCTION_INFO_V1(mrr_movements_nrr);
Datum
mrr_movements_nrr(PG_FUNCTION_ARGS)
{
	MrrMovementsState s;
	float8		result;

	CompositeArg(fcinfo, &s);
	if (!StateNrr(&s, &result))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result);
}

/* grr(mrr_movements): gross revenue retention. */
PG_FUNCTION_INFO_V1(mrr_movements_grr);
Datum
mrr_movements_grr(PG_FUNCTION_ARGS)
{
	MrrMovementsState s;
	float8		result;

	CompositeArg(fcinfo, &s);
	if (!StateGrr(&s, &result))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result);
}

/* quick_ratio(mrr_movements) = (new + expansion + reactivation) / (contraction + churned). */
PG_FUNCTION_INFO_V1(mrr_movements_quick_ratio);
Datum
mrr_movements_quick_ratio(PG_FUNCTION_ARGS)
{
	MrrMovementsState s;
	int128		lost;

	CompositeArg(fcinfo, &s);
	lost = s.amount[MRR_CONTRACTION] + s.amount[MRR_CHURNED];
	if (lost == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(AmountRatio(s.amount[MRR_NEW] + s.amount[MRR_EXPANSION]
								 + s.amount[MRR_REACTIVATION], lost));
}

/* net_new_mrr(mrr_movements) = new + reactivation + expansion - contraction - churned. */
PG_FUNCTION_INFO_V1(mrr_movements_net_new_mrr);
Datum
mrr_movements_net_new_mrr(PG_FUNCTION_ARGS)
{
	MrrMovementsState s;

	CompositeArg(fcinfo, &s);
	/* By the identity this is ending - starting, which cannot overflow. */
	PG_RETURN_DATUM(DecimalToNumeric(s.amount[MRR_ENDING] - s.amount[MRR_STARTING],
									s.scale, s.dscale));
}

/* arpa(mrr_movements) = ending_mrr / customers_end; NULL without paying customers. */
PG_FUNCTION_INFO_V1(mrr_movements_arpa);
Datum
mrr_movements_arpa(PG_FUNCTION_ARGS)
{
	MrrMovementsState s;

	CompositeArg(fcinfo, &s);
	if (s.count[MRR_ENDING] == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_div,
										DecimalToNumeric(s.amount[MRR_ENDING], s.scale, s.dscale),
										NumericGetDatum(csm_int64_to_numeric(s.count[MRR_ENDING]))));
}

/* Final function of the cohort nrr(start_mrr, end_mrr). */
PG_FUNCTION_INFO_V1(mrr_cohort_nrr_final);
Datum
mrr_cohort_nrr_final(PG_FUNCTION_ARGS)
{
	float8		result;

	if (PG_ARGISNULL(0) || !StateNrr((MrrMovementsState *) PG_GETARG_POINTER(0), &result))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result);
}

/* Final function of the cohort grr(start_mrr, end_mrr). */
PG_FUNCTION_INFO_V1(mrr_cohort_grr_final);
Datum
mrr_cohort_grr_final(PG_FUNCTION_ARGS)
{
	float8		result;

	if (PG_ARGISNULL(0) || !StateGrr((MrrMovementsState *) PG_GETARG_POINTER(0), &result))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result);
}
