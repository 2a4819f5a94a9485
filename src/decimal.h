/*
 * decimal.h
 *		Exact numeric sums in int128 fixed point, shared by the revenue and survival families.
 *
 * A fixed-point value v at scale s stands for v / 10^s. Aggregates read each numeric input
 * in place (no allocation per row) with DecimalDecode, keep their sums as int128 at one
 * common scale that only grows, add with overflow detection, and turn a sum back into a
 * numeric only in final functions. Functions here report problems as results or false; each
 * family raises its own errors with its own limits.
 */
#ifndef CSMETRICS_DECIMAL_H
#define CSMETRICS_DECIMAL_H

#include "pg_compat.h"

#include "lib/stringinfo.h"
#include "state_io.h"

/* Largest int128. */
#define DECIMAL_INT128_MAX		((int128) (((uint128) 1 << 127) - 1))

/* Largest k with 10^k in an int128 (10^38 < 1.7e38 < 10^39). */
#define DECIMAL_MAX_POW10		38

/* Largest display scale a numeric can carry (the width of its dscale field). */
#define DECIMAL_MAX_DSCALE		0x3FFF

/* max_scale of DecimalDecode for a family without a fraction-digit limit. */
#define DECIMAL_ANY_SCALE		PG_INT32_MAX

/* What decoding a numeric found. */
typedef enum DecimalResult
{
	DECIMAL_OK,
	DECIMAL_NAN,
	DECIMAL_INFINITY,			/* Infinity or -Infinity */
	DECIMAL_TOO_LARGE,			/* its significant digits do not fit an int128 */
	DECIMAL_TOO_PRECISE			/* more significant fraction digits than max_scale */
} DecimalResult;

/* A numeric read by DecimalDecode: (negative ? -1 : 1) x digits / 10^scale. */
typedef struct DecimalNumber
{
	int128		digits;			/* the significant digits, >= 0; 0 for zero */
	int			scale;			/* fraction digits in digits, trailing zeros stripped; below 0
								 * (a multiple of 4) for a whole number whose last -scale
								 * zeros are not in digits; 0 for zero */
	int			dscale;			/* the numeric's display scale (trailing zeros included) */
	bool		negative;		/* below zero; false for zero, NaN and the infinities */
} DecimalNumber;

extern DecimalResult DecimalDecode(Datum numeric, int max_scale, DecimalNumber *out);
extern bool DecimalScaleUp(int128 v, int k, int128 *result);
extern bool DecimalRaiseScale(int128 *values, int n, int16 *scale, int new_scale);
extern bool DecimalAdd(int128 a, int128 b, int128 *result);
extern bool DecimalAddScaled(int128 sum, int128 v, int k, int128 *result);
extern void DecimalAppendText(StringInfo buf, int128 value, int scale, int dscale);
extern void DecimalReadText(CsmInput *in, const char *what, DecimalNumber *out);
extern Datum DecimalToNumeric(int128 value, int scale, int dscale);
extern bool DecimalDivide(int128 a, int a_scale, int128 b, int b_scale, int128 *q, int *q_scale);
extern float8 DecimalToFloat8(int128 v, int scale);

/* An int128 from the two int64 halves the binary forms send (high first). */
static inline int128
DecimalFromHalves(int64 hi, uint64 lo)
{
	return (int128) (((uint128) (uint64) hi << 64) | (uint128) lo);
}

#endif							/* CSMETRICS_DECIMAL_H */
