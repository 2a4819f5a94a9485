/*
 * decimal.c
 *		Exact numeric sums in int128 fixed point: reading a numeric in place, rescaling and
 *		adding with overflow detection, and building a numeric back from a sum.
 */
#include "decimal.h"

#include <float.h>
#include <math.h>

#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

/*
 * numeric's stored form, read directly so that a row costs no allocation. Reading it is
 * safe because pg_upgrade copies data files unchanged, so PostgreSQL cannot change this
 * layout; it is the same in 13 to 18, except that 14 added the infinities as two more
 * special values, which share the special-value header bits with NaN.
 *
 * After the varlena header comes a uint16. Its top two bits say the form:
 *   11  special value: then 0xC000 is NaN, 0xD000 Infinity, 0xF000 -Infinity;
 *   10  short form: bit 0x2000 the sign, 6 bits display scale, 7 bits signed weight;
 *   0s  long form: bit 0x4000 the sign, 14 bits display scale, then an int16 weight.
 * Then come int16 digits in base 10000, the first worth 10000^weight; stored values have
 * no leading or trailing zero digits and no nonzero digit beyond the display scale.
 */
#define NUM_FLAG_MASK			0xC000
#define NUM_FLAG_LONG_NEG		0x4000
#define NUM_FLAG_SHORT			0x8000
#define NUM_FLAG_SPECIAL		0xC000
#define NUM_SPECIAL_MASK		0xF000
#define NUM_SPECIAL_NAN			0xC000
#define NUM_SHORT_NEG			0x2000
#define NUM_SHORT_DSCALE_MASK	0x1F80
#define NUM_SHORT_DSCALE_SHIFT	7
#define NUM_SHORT_WEIGHT_NEG	0x0040
#define NUM_SHORT_WEIGHT_MASK	0x003F
#define NUM_LONG_DSCALE_MASK	DECIMAL_MAX_DSCALE
#define NUM_BASE				10000

StaticAssertDecl(NUM_LONG_DSCALE_MASK == 0x3FFF, "a numeric's display scale has 14 bits");

/* 10^k for k in 0..DECIMAL_MAX_POW10. */
static int128
Pow10(int k)
{
	static int128 powers[DECIMAL_MAX_POW10 + 1];

	Assert(k >= 0 && k <= DECIMAL_MAX_POW10);
	if (powers[0] == 0)
	{
		int			i;

		powers[0] = 1;
		for (i = 1; i <= DECIMAL_MAX_POW10; i++)
			powers[i] = powers[i - 1] * 10;
	}
	return powers[k];
}

/* The i-th base-10000 digit (unaligned in a packed varlena, hence memcpy). */
static inline int16
DigitAt(const char *digits, int i)
{
	int16		d;

	memcpy(&d, digits + i * sizeof(int16), sizeof(int16));
	return d;
}

/*
 * Read a numeric into out without allocating (unless it is toasted). A value with more than
 * max_scale significant fraction digits is DECIMAL_TOO_PRECISE, one whose significant digits
 * do not fit an int128 DECIMAL_TOO_LARGE; out->negative is set whatever the result.
 */
DecimalResult
DecimalDecode(Datum numeric, int max_scale, DecimalNumber *out)
{
	struct varlena *v = (struct varlena *) PG_DETOAST_DATUM_PACKED(numeric);
	const char *data = VARDATA_ANY(v);
	int			len = VARSIZE_ANY_EXHDR(v);
	uint16		header;
	int			weight;
	int			ndigits;
	const char *digits;
	int			exponent;
	int			i;
	DecimalResult result = DECIMAL_OK;

	memset(out, 0, sizeof(DecimalNumber));
	memcpy(&header, data, sizeof(uint16));
	if ((header & NUM_FLAG_MASK) == NUM_FLAG_SPECIAL)
	{
		result = (header & NUM_SPECIAL_MASK) == NUM_SPECIAL_NAN ? DECIMAL_NAN : DECIMAL_INFINITY;
		goto done;
	}
	if ((header & NUM_FLAG_MASK) == NUM_FLAG_SHORT)
	{
		out->negative = (header & NUM_SHORT_NEG) != 0;
		out->dscale = (header & NUM_SHORT_DSCALE_MASK) >> NUM_SHORT_DSCALE_SHIFT;
		weight = header & NUM_SHORT_WEIGHT_MASK;
		if (header & NUM_SHORT_WEIGHT_NEG)
			weight |= ~NUM_SHORT_WEIGHT_MASK;
		digits = data + sizeof(uint16);
		ndigits = (len - (int) sizeof(uint16)) / (int) sizeof(int16);
	}
	else
	{
		int16		w;

		out->negative = (header & NUM_FLAG_LONG_NEG) != 0;
		out->dscale = header & NUM_LONG_DSCALE_MASK;
		memcpy(&w, data + sizeof(uint16), sizeof(int16));
		weight = w;
		digits = data + 2 * sizeof(int16);
		ndigits = (len - 2 * (int) sizeof(int16)) / (int) sizeof(int16);
	}

	/* Trailing zero digits do not change the value (numeric strips them anyway). */
	while (ndigits > 0 && DigitAt(digits, ndigits - 1) == 0)
		ndigits--;
	if (ndigits == 0)
	{
		out->negative = false;
		goto done;
	}

	/*
	 * The last digit is worth 10000^exponent. Below zero it brings 4 fraction digits each,
	 * at least 4 x -exponent - 3 of them significant: too precise before anything overflows.
	 */
	exponent = weight - (ndigits - 1);
	if (exponent < 0 && -4 * exponent - 3 > max_scale)
	{
		result = DECIMAL_TOO_PRECISE;
		goto done;
	}
	for (i = 0; i < ndigits; i++)
	{
		int16		d = DigitAt(digits, i);

		if (d < 0 || d >= NUM_BASE)
			elog(ERROR, "corrupt numeric digit %d", d);
		if (out->digits > (DECIMAL_INT128_MAX - d) / NUM_BASE)
		{
			result = DECIMAL_TOO_LARGE;
			goto done;
		}
		out->digits = out->digits * NUM_BASE + d;
	}
	out->scale = -4 * exponent;
	while (out->scale > 0 && out->digits % 10 == 0)
	{
		out->digits /= 10;
		out->scale--;
	}
	if (out->scale > max_scale)
		result = DECIMAL_TOO_PRECISE;

done:
	if ((Pointer) v != DatumGetPointer(numeric))
		pfree(v);
	return result;
}

/* v x 10^k for k >= 0, or false when that does not fit. */
bool
DecimalScaleUp(int128 v, int k, int128 *result)
{
	int128		factor;

	Assert(k >= 0);
	if (v == 0)
	{
		*result = 0;
		return true;
	}
	if (k > DECIMAL_MAX_POW10)
		return false;
	factor = Pow10(k);
	if (v > DECIMAL_INT128_MAX / factor || v < -(DECIMAL_INT128_MAX / factor))
		return false;
	*result = v * factor;
	return true;
}

/*
 * Bring n values sharing *scale to new_scale when that is finer, rescaling them exactly.
 * false when one does not fit; the values are then partly rescaled (callers raise an error).
 */
bool
DecimalRaiseScale(int128 *values, int n, int16 *scale, int new_scale)
{
	int			i;

	if (new_scale <= *scale)
		return true;
	for (i = 0; i < n; i++)
		if (!DecimalScaleUp(values[i], new_scale - *scale, &values[i]))
			return false;
	*scale = new_scale;
	return true;
}

/* a + b (values at one scale), or false when that does not fit. */
bool
DecimalAdd(int128 a, int128 b, int128 *result)
{
	int128		sum = (int128) ((uint128) a + (uint128) b);

	/* Wrapped around exactly when both have one sign and the sum the other. */
	if ((a >= 0) == (b >= 0) && (sum >= 0) != (a >= 0))
		return false;
	*result = sum;
	return true;
}

/* sum + v x 10^k: v brought from its own scale to the sum's (k digits finer); false on overflow. */
bool
DecimalAddScaled(int128 sum, int128 v, int k, int128 *result)
{
	int128		scaled;

	return DecimalScaleUp(v, k, &scaled) && DecimalAdd(sum, scaled, result);
}

/* Append value / 10^scale in decimal with dscale (>= scale) fraction digits. */
void
DecimalAppendText(StringInfo buf, int128 value, int scale, int dscale)
{
	char		digits[40];		/* an int128 has at most 39 digits */
	int			n = 0;
	int			nint;
	int			i;
	uint128		u = value < 0 ? (uint128) (-(value + 1)) + 1 : (uint128) value;

	Assert(scale >= 0);
	/* digits[0] is the least significant */
	do
	{
		digits[n++] = '0' + (int) (u % 10);
		u /= 10;
	} while (u > 0);
	if (value < 0)
		appendStringInfoChar(buf, '-');
	/* Integer part, then the fraction: leading zeros, digits, zeros up to dscale. */
	nint = n - scale;
	if (nint > 0)
		for (i = n - 1; i >= scale; i--)
			appendStringInfoChar(buf, digits[i]);
	else
		appendStringInfoChar(buf, '0');
	if (dscale > 0)
	{
		appendStringInfoChar(buf, '.');
		for (i = nint; i < 0; i++)
			appendStringInfoChar(buf, '0');
		for (i = Min(scale, n) - 1; i >= 0; i--)
			appendStringInfoChar(buf, digits[i]);
		for (i = scale; i < dscale; i++)
			appendStringInfoChar(buf, '0');
	}
}

/*
 * Read a decimal number as DecimalAppendText writes it: an optional minus sign, digits, and
 * a fraction of at least one digit after a point. out->scale counts the significant fraction
 * digits (trailing zeros only set dscale) and is never below 0 here. A canonical cursor also
 * refuses leading zeros and minus zero, so that what reads prints back unchanged.
 */
void
DecimalReadText(CsmInput *in, const char *what, DecimalNumber *out)
{
	int			at = csm_text_position(in);
	const char *start;
	const char *end;
	const char *point = NULL;
	const char *c;
	int			fraction = 0;
	int			zeros = 0;

	memset(out, 0, sizeof(DecimalNumber));
	out->negative = csm_text_skip(in, "-");
	start = in->p;
	if (*in->p < '0' || *in->p > '9')
		csm_input_error(in, "Expected the %s (a decimal number) at character %d.", what, at);
	if (in->canonical && in->p[0] == '0' && in->p[1] >= '0' && in->p[1] <= '9')
		csm_input_error(in, "The %s at character %d is not written canonically (leading zero).",
						what, at);
	while ((*in->p >= '0' && *in->p <= '9') || (*in->p == '.' && point == NULL))
	{
		if (*in->p == '.')
		{
			point = in->p;
			if (in->p[1] < '0' || in->p[1] > '9')
				csm_input_error(in, "The %s at character %d has no digits after its decimal point.",
								what, at);
		}
		in->p++;
	}
	end = in->p;
	if (point != NULL)
	{
		fraction = (int) (end - point - 1);
		for (c = end - 1; c > point && *c == '0'; c--)
			zeros++;
	}
	if (fraction > DECIMAL_MAX_DSCALE)
		csm_input_error(in, "The %s at character %d has more than %d fraction digits.",
						what, at, DECIMAL_MAX_DSCALE);
	/* trailing fraction zeros only set the display scale */
	for (c = start; c < end - zeros; c++)
	{
		if (*c == '.')
			continue;
		if (out->digits > (DECIMAL_INT128_MAX - (*c - '0')) / 10)
			csm_input_error(in, "The %s at character %d has more than %d significant digits.",
							what, at, DECIMAL_MAX_POW10);
		out->digits = out->digits * 10 + (*c - '0');
	}
	out->scale = fraction - zeros;
	out->dscale = fraction;
	if (out->digits == 0)
	{
		if (out->negative && in->canonical)
			csm_input_error(in, "The %s at character %d is not written canonically (minus zero).",
							what, at);
		out->negative = false;
		out->scale = 0;
	}
}

#if LDBL_MANT_DIG >= 64
/*
 * The largest k (at most DECIMAL_MAX_POW10) for which 10^k is exact in a long double: 10^k is
 * 5^k shifted, so 5^k must fit its significand. Found once.
 */
static int
LongDoublePow10Limit(void)
{
	static int	limit = -1;

	if (limit < 0)
	{
		uint128		p = 1;
		int			k = 0;

		while (k < DECIMAL_MAX_POW10 && p * 5 < ((uint128) 1 << LDBL_MANT_DIG))
		{
			p *= 5;
			k++;
		}
		limit = k;
	}
	return limit;
}
#endif

/*
 * The weight and the leading digit of v / 10^scale (v > 0) in numeric's base 10000: the
 * value is first x 10000^weight plus lower digits, 1 <= first <= 9999.
 */
static void
LeadingBaseDigit(int128 v, int scale, int *weight, int *first)
{
	int			ndigits = 1;	/* decimal digits of v */
	int			exponent;		/* the value is in [10^exponent, 10^(exponent + 1)) */
	int			shift;

	Assert(v > 0);
	while (ndigits <= DECIMAL_MAX_POW10 && v >= Pow10(ndigits))
		ndigits++;
	exponent = ndigits - 1 - scale;
	*weight = exponent >= 0 ? exponent / 4 : -((3 - exponent) / 4);
	/* the value's digits from 10000^weight on: v / 10^(scale + 4 weight), at most 4 digits */
	shift = scale + 4 * *weight;
	*first = shift >= 0 ? (int) (v / Pow10(shift)) : (int) (v * Pow10(-shift));
}

/*
 * a / b for a >= 0 and b > 0, each at its scale (which is also its display scale), as
 * numeric division gives it: at the scale that keeps at least 16 significant digits and no
 * fewer fraction digits than either operand (the rule of select_div_scale in PostgreSQL's
 * numeric.c, the same in 13 to 18), rounded half away from zero. That scale goes in
 * *q_scale. false when a step would not fit in an int128.
 */
bool
DecimalDivide(int128 a, int a_scale, int128 b, int b_scale, int128 *q, int *q_scale)
{
	int			weight_a = 0,
				first_a = 0,
				weight_b,
				first_b,
				qweight,
				rscale,
				shift;
	int128		num,
				den,
				rem;

	Assert(a >= 0 && b > 0 && a_scale >= 0 && b_scale >= 0);
	if (a > 0)
		LeadingBaseDigit(a, a_scale, &weight_a, &first_a);
	LeadingBaseDigit(b, b_scale, &weight_b, &first_b);
	/* the quotient's weight, one less when the leading digits do not show a >= b */
	qweight = weight_a - weight_b;
	if (first_a <= first_b)
		qweight--;
	rscale = Max(Max(NUMERIC_MIN_SIG_DIGITS - 4 * qweight, a_scale), Max(b_scale, NUMERIC_MIN_DISPLAY_SCALE));
	if (rscale > NUMERIC_MAX_DISPLAY_SCALE)
		return false;			/* numeric would cut it to that */
	/* q = a x 10^(b_scale + rscale - a_scale) / b, rounded */
	shift = b_scale + rscale - a_scale;
	num = a;
	den = b;
	if (shift >= 0 ? !DecimalScaleUp(a, shift, &num) : !DecimalScaleUp(b, -shift, &den))
		return false;
	*q = num / den;
	rem = num % den;
	if (rem >= den - rem)
		(*q)++;
	*q_scale = rscale;
	return true;
}

/*
 * v / 10^scale as float8, as a numeric of that value is cast to float8 (float8in of its
 * decimal text): the nearest double.
 */
float8
DecimalToFloat8(int128 v, int scale)
{
	StringInfoData buf;
	float8		result;

	/*
	 * Both v and 10^scale are exact doubles here, and IEEE division rounds the exact
	 * quotient to the nearest double, as strtod does with the text.
	 */
	if (scale >= 0 && scale <= 22 && v <= ((int128) 1 << 53) && v >= -((int128) 1 << 53))
		return (float8) v / (float8) Pow10(scale);

	/*
	 * Where long double is wider (x86's 64-bit or a 113-bit significand), v and 10^scale may
	 * still be exact in it (10^scale is 5^scale shifted). Its quotient q is then the nearest
	 * long double, and q rounded to a double is the nearest double to the exact quotient
	 * unless q lies on the midpoint between two doubles: no other midpoint can lie between
	 * the exact value and q, or it would be a nearer long double. That case takes the text.
	 */
#if LDBL_MANT_DIG >= 64
	if (scale >= 0 && scale <= LongDoublePow10Limit() &&
		v < ((int128) 1 << (LDBL_MANT_DIG - 1)) && v > -((int128) 1 << (LDBL_MANT_DIG - 1)))
	{
		long double q = (long double) v / (long double) Pow10(scale);
		float8		d = (float8) q;
		float8		next = nextafter(d, q > d ? INFINITY : -INFINITY);	/* on q's side */

		if (fabsl(q - (long double) d) != fabsl((long double) next - (long double) d) / 2)
			return d;
	}
#endif
	initStringInfo(&buf);
	DecimalAppendText(&buf, v, scale, scale);
	result = DatumGetFloat8(DirectFunctionCall1(float8in, CStringGetDatum(buf.data)));
	pfree(buf.data);
	return result;
}

/* value / 10^scale as numeric showing dscale (>= scale) fraction digits. */
Datum
DecimalToNumeric(int128 value, int scale, int dscale)
{
	StringInfoData buf;

	initStringInfo(&buf);
	DecimalAppendText(&buf, value, scale, dscale);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(buf.data),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/*
 * kpi_finite_number(numeric) and kpi_finite_number(float8): whether a number is finite, not
 * NaN nor an infinity. The clean sources check every number column of every row with it,
 * where x - x <> 0 cost a numeric subtraction per row (a tenth of a microsecond, on every
 * scan of every source); a numeric's header bits say it at once.
 */
PG_FUNCTION_INFO_V1(kpi_finite_number_numeric);
Datum
kpi_finite_number_numeric(PG_FUNCTION_ARGS)
{
	struct varlena *v = (struct varlena *) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	uint16		header;

	memcpy(&header, VARDATA_ANY(v), sizeof(uint16));
	PG_RETURN_BOOL((header & NUM_FLAG_MASK) != NUM_FLAG_SPECIAL);
}

PG_FUNCTION_INFO_V1(kpi_finite_number_float8);
Datum
kpi_finite_number_float8(PG_FUNCTION_ARGS)
{
	float8		x = PG_GETARG_FLOAT8(0);

	PG_RETURN_BOOL(!isnan(x) && !isinf(x));
}
