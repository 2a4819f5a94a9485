/*
 * state_io.c
 *		The text cursor, binary reader, input errors and version check that every storable
 *		csmetrics type reads its values with (state_io.h describes the storage rules).
 */
#include "state_io.h"

#include "libpq/pqformat.h"

/* Start reading a text form. */
void
csm_text_begin(CsmInput *in, const char *type, const char *text, bool canonical)
{
	memset(in, 0, sizeof(CsmInput));
	in->type = type;
	in->source = CSM_TEXT;
	in->text = text;
	in->p = text;
	in->canonical = canonical;
}

/* Start reading a binary form from buf's cursor on. */
void
csm_recv_begin(CsmInput *in, const char *type, StringInfo buf)
{
	memset(in, 0, sizeof(CsmInput));
	in->type = type;
	in->source = CSM_BINARY;
	in->buf = buf;
}

/* Start checking a value that comes from a table or an argument. */
void
csm_stored_begin(CsmInput *in, const char *type)
{
	memset(in, 0, sizeof(CsmInput));
	in->type = type;
	in->source = CSM_STORED;
}

/* Malformed text (22P02) or binary (22P03) input; the detail says what is wrong. */
void
csm_input_error(const CsmInput *in, const char *fmt,...)
{
	char		detail[512];
	va_list		args;

	va_start(args, fmt);
	vsnprintf(detail, sizeof(detail), fmt, args);
	va_end(args);

	if (in->source == CSM_TEXT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"", in->type, in->text),
				 errdetail_internal("%s", detail)));
	if (in->source == CSM_BINARY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external \"%s\" value", in->type),
				 errdetail_internal("%s", detail)));
	/* a stored value only fails its checks when a later release wrote it */
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("cannot read this %s value", in->type),
			 errdetail_internal("%s", detail),
			 errhint("The value was written by a later release of csmetrics.")));
	pg_unreachable();
}

/* Check a format version against the versions this code reads. */
int
csm_check_version(const CsmInput *in, int64 version, int oldest, int newest)
{
	if (version < oldest || version > newest)
	{
		if (oldest == newest)
			csm_input_error(in, "Version %lld is not supported; this csmetrics reads version %d.",
							(long long) version, newest);
		csm_input_error(in, "Version %lld is not supported; this csmetrics reads versions %d to %d.",
						(long long) version, oldest, newest);
	}
	return (int) version;
}

/* ------------------------------------------------------------------------------------
 * Text cursor
 * ------------------------------------------------------------------------------------ */

/* Position of the next character, counted from 1 as PostgreSQL's syntax errors do. */
int
csm_text_position(const CsmInput *in)
{
	return (int) (in->p - in->text) + 1;
}

/* Consume lit when the text continues with it; false (nothing consumed) otherwise. */
bool
csm_text_skip(CsmInput *in, const char *lit)
{
	size_t		len = strlen(lit);

	if (strncmp(in->p, lit, len) != 0)
		return false;
	in->p += len;
	return true;
}

/* Consume lit, or fail naming it and where it was expected. */
void
csm_text_expect(CsmInput *in, const char *lit)
{
	if (!csm_text_skip(in, lit))
		csm_input_error(in, "Expected \"%s\" at character %d.", lit, csm_text_position(in));
}

/* Consume the start of a field, " name=" (one space, the name, an equals sign). */
void
csm_text_field(CsmInput *in, const char *name)
{
	csm_text_expect(in, " ");
	csm_text_expect(in, name);
	csm_text_expect(in, "=");
}

/* Skip white space (the forms that allow it around the value). */
void
csm_text_skip_spaces(CsmInput *in)
{
	while (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' || *in->p == '\r' ||
		   *in->p == '\f' || *in->p == '\v')
		in->p++;
}

/* Fail unless the whole text has been read. */
void
csm_text_end(CsmInput *in)
{
	if (*in->p != '\0')
		csm_input_error(in, "Unexpected text at character %d.", csm_text_position(in));
}

/* Largest and smallest int128. */
#define INT128_MAX_VALUE	((int128) (((uint128) 1 << 127) - 1))
#define INT128_MIN_VALUE	(-INT128_MAX_VALUE - 1)

/* Decimal text of an int128 into buf (at least 41 bytes); returns buf. */
static char *
Int128Text(int128 value, char *buf)
{
	char		digits[40];
	int			n = 0;
	int			len = 0;
	uint128		u = value < 0 ? (uint128) (-(value + 1)) + 1 : (uint128) value;

	do
	{
		digits[n++] = '0' + (int) (u % 10);
		u /= 10;
	} while (u > 0);
	if (value < 0)
		buf[len++] = '-';
	while (n > 0)
		buf[len++] = digits[--n];
	buf[len] = '\0';
	return buf;
}

/*
 * Read an integer in min..max. Shared by the int64 and int128 readers: an int128 holds
 * every value either can carry, and the magnitude is accumulated unsigned, so the most
 * negative int128 reads back.
 */
static int128
ReadInteger(CsmInput *in, const char *what, int128 min, int128 max)
{
	const uint128 cap = (uint128) 1 << 127;	/* magnitude of the most negative int128 */
	const char *start = in->p;
	int			at = csm_text_position(in);
	bool		negative = (*in->p == '-');
	bool		overflow = false;
	uint128		magnitude = 0;
	int128		value = 0;

	if (negative)
		in->p++;
	if (*in->p < '0' || *in->p > '9')
		csm_input_error(in, "Expected the %s (an integer) at character %d.", what, at);
	if (in->canonical && in->p[0] == '0' && (negative || (in->p[1] >= '0' && in->p[1] <= '9')))
		csm_input_error(in, "The %s at character %d is not written canonically (leading zero or minus zero).",
						what, at);
	while (*in->p >= '0' && *in->p <= '9')
	{
		int			d = *in->p++ - '0';

		if (magnitude > (cap - d) / 10)
			overflow = true;
		else
			magnitude = magnitude * 10 + d;
	}
	if (!overflow)
	{
		if (negative)
			value = magnitude == cap ? INT128_MIN_VALUE : -(int128) magnitude;
		else if (magnitude == cap)
			overflow = true;
		else
			value = (int128) magnitude;
	}
	if (overflow || value < min || value > max)
	{
		char		lo[41];
		char		hi[41];

		if (min == PG_INT64_MIN && max == PG_INT64_MAX)
			csm_input_error(in, "The %s %.*s at character %d is out of range for bigint.",
							what, (int) (in->p - start), start, at);
		csm_input_error(in, "The %s %.*s at character %d is out of range (%s to %s).",
						what, (int) (in->p - start), start, at, Int128Text(min, lo),
						Int128Text(max, hi));
	}
	return value;
}

/* Read an int64 in min..max. */
int64
csm_text_int64(CsmInput *in, const char *what, int64 min, int64 max)
{
	return (int64) ReadInteger(in, what, min, max);
}

/* Read an int128 in min..max. */
int128
csm_text_int128(CsmInput *in, const char *what, int128 min, int128 max)
{
	return ReadInteger(in, what, min, max);
}

/*
 * Read one or more comma-separated integers in min..max into values (room for max_n);
 * returns how many. A longer list is an error.
 */
int
csm_text_int64_list(CsmInput *in, const char *what, int64 *values, int max_n,
					int64 min, int64 max)
{
	int			n = 0;

	do
	{
		if (n == max_n)
			csm_input_error(in, "Too many values in the %s list at character %d (at most %d).",
							what, csm_text_position(in), max_n);
		values[n++] = csm_text_int64(in, what, min, max);
	} while (csm_text_skip(in, ","));
	return n;
}

/* ------------------------------------------------------------------------------------
 * Binary reader and writers
 * ------------------------------------------------------------------------------------ */

/* Bytes left to read. */
static int
RecvLeft(const CsmInput *in)
{
	return in->buf->len - in->buf->cursor;
}

/* Read a big-endian integer of 1 (unsigned), 2, 4 or 8 bytes (signed). */
int64
csm_recv_int(CsmInput *in, int nbytes, const char *what)
{
	if (RecvLeft(in) < nbytes)
		csm_input_error(in, "The value ends before its %s (%d bytes left, %d needed).",
						what, RecvLeft(in), nbytes);
	switch (nbytes)
	{
		case 1:
			return (int64) (uint8) pq_getmsgbyte(in->buf);
		case 2:
			return (int64) (int16) pq_getmsgint(in->buf, 2);
		case 4:
			return (int64) (int32) pq_getmsgint(in->buf, 4);
		case 8:
			return pq_getmsgint64(in->buf);
	}
	elog(ERROR, "csm_recv_int: %d-byte integers are not supported", nbytes);
	return 0;
}

/* Read an int128 sent as two int64 halves, high first. */
int128
csm_recv_int128(CsmInput *in, const char *what)
{
	int64		hi = csm_recv_int(in, 8, what);
	uint64		lo = (uint64) csm_recv_int(in, 8, what);

	return (int128) (((uint128) (uint64) hi << 64) | (uint128) lo);
}

/* Require exactly nbytes more; what names them in the message. */
void
csm_recv_length(CsmInput *in, int64 nbytes, const char *what)
{
	if (RecvLeft(in) != nbytes)
		csm_input_error(in, "Expected %lld bytes of %s, got %d.",
						(long long) nbytes, what, RecvLeft(in));
}

/* Require that nothing is left after the last field. */
void
csm_recv_end(CsmInput *in)
{
	if (RecvLeft(in) != 0)
		csm_input_error(in, "%d bytes follow the last field.", RecvLeft(in));
}

/* Send an int128 as two int64 halves, high first. */
void
csm_send_int128(StringInfo buf, int128 value)
{
	pq_sendint64(buf, (int64) (value >> 64));
	pq_sendint64(buf, (int64) (uint64) value);
}

/* Append n integers separated by commas. */
void
csm_append_int64_list(StringInfo buf, const int64 *values, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		appendStringInfo(buf, i == 0 ? INT64_FORMAT : "," INT64_FORMAT, values[i]);
}
