/*
 * state_io.h
 *		Reading and writing the stored forms of csmetrics' state and summary types: one text
 *		cursor, one binary reader, one error per kind of bad input, one version check.
 *
 * Every storable type (rating_summary, customer_flow_state, mrr_movements_state,
 * survival_summary...) is read through a CsmInput, so that a malformed value is reported the
 * same way whichever type it is and whichever way it arrives.
 *
 * STORAGE FORMAT
 *
 * The rules every storable type follows, and the grammar of text forms added from 0.2.0 on.
 *
 * 1. Version. The in-memory struct of a type is its on-disk form (fixed-length types are
 *    stored as they are, varlena types as their bytes), and its first field after any varlena
 *    header is a format version. The text and binary forms start with the same version.
 *    Input accepts every version from the first one released up to the current one
 *    (csm_check_version) and builds the current in-memory form; output always writes the
 *    version of the value, so a value reads back to itself. A new layout or spelling gets a
 *    new version number; the readers of the old ones stay.
 *
 * 2. Text form. Output is deterministic: equal values print the same text (Citus ships
 *    states as text, and stored values are compared by it). Forms from 0.2.0 on follow
 *
 *        value  := "v" version { " " field }
 *        field  := name "=" item
 *        item   := integer | decimal | word | "-" | "{" [ item { "," item } ] "}"
 *
 *    version and integers in decimal without "+" or leading zeros (csm_text_int64 with a
 *    canonical cursor), decimals as numeric prints them (DecimalReadText), names and words
 *    lowercase ASCII letters, digits and "_", "-" for an absent value. Fields appear in a
 *    fixed order, all of them, separated by exactly one space, nothing before or after. Input
 *    accepts exactly that spelling, so any text that reads prints back unchanged. The forms
 *    of 0.1.0 (rating_summary, customer_flow_state, customer_flows_state,
 *    mrr_movements_state, survival_summary, survival_ltv_state) keep their own spelling,
 *    documented next to each type's input function; their output is unchanged.
 *
 * 3. Binary form (send/recv). The version first (one byte or an int32, as the type
 *    defined it), then the fields in the order of the text form, integers big-endian with
 *    pq_send*, an int128 as two int64 halves, high first (csm_send_int128). Nothing may
 *    follow the last field; a value that is short, long or inconsistent is rejected.
 *
 * 4. Validation. Input functions (text and binary alike) accept only what the type's own
 *    aggregates could have produced: counts non-negative and consistent with each other,
 *    scales and bounds in range, no spare bytes. A value that fails is malformed input:
 *    SQLSTATE 22P02 for text (invalid input syntax for type T: "...") and 22P03 for binary
 *    (invalid external "T" value), with a detail naming the problem and, for text, the
 *    character where it was found. Functions that take stored values trust them (they
 *    passed input), except for the version of a type that has more than one.
 */
#ifndef CSMETRICS_STATE_IO_H
#define CSMETRICS_STATE_IO_H

#include "pg_compat.h"

#include "lib/stringinfo.h"

/* Where a value being read comes from; decides the SQLSTATE and wording of errors. */
typedef enum CsmSource
{
	CSM_TEXT,					/* the type's input function: SQLSTATE 22P02 */
	CSM_BINARY,					/* the type's receive function: SQLSTATE 22P03 */
	CSM_STORED					/* a value taken from a table or an argument */
} CsmSource;

/* A value being read: its type, where it comes from and how far reading has got. */
typedef struct CsmInput
{
	const char *type;			/* SQL type name, for messages */
	CsmSource	source;			/* text, binary or stored */
	const char *text;			/* CSM_TEXT: the whole input, quoted in messages */
	const char *p;				/* CSM_TEXT: next character to read */
	bool		canonical;		/* CSM_TEXT: integers only as output spells them */
	StringInfo	buf;			/* CSM_BINARY: the message, read from buf->cursor on */
} CsmInput;

/* Starting to read. A canonical text cursor rejects leading zeros and "-0". */
extern void csm_text_begin(CsmInput *in, const char *type, const char *text, bool canonical);
extern void csm_recv_begin(CsmInput *in, const char *type, StringInfo buf);
extern void csm_stored_begin(CsmInput *in, const char *type);

/*
 * The error for a malformed value, with a detail (printf-style): 22P02 "invalid input syntax
 * for type T: "text"" for text, 22P03 "invalid external "T" value" for binary input.
 */
extern CSM_NORETURN void csm_input_error(const CsmInput *in, const char *fmt,...) pg_attribute_printf(2, 3);

/*
 * A format version read from a value, checked against the versions this code reads,
 * oldest..newest. A stored value of an unknown version (written by a later release) is
 * SQLSTATE 0A000.
 */
extern int	csm_check_version(const CsmInput *in, int64 version, int oldest, int newest);

/*
 * Text cursor. what names the item in messages ("count", "version"); every message gives
 * the character position. Integers are an optional minus sign and decimal digits; a value
 * outside min..max is an error (pass PG_INT64_MIN/MAX when the caller checks it itself).
 */
extern bool csm_text_skip(CsmInput *in, const char *lit);
extern void csm_text_expect(CsmInput *in, const char *lit);
extern void csm_text_field(CsmInput *in, const char *name);
extern void csm_text_skip_spaces(CsmInput *in);
extern void csm_text_end(CsmInput *in);
extern int	csm_text_position(const CsmInput *in);
extern int64 csm_text_int64(CsmInput *in, const char *what, int64 min, int64 max);
extern int128 csm_text_int128(CsmInput *in, const char *what, int128 min, int128 max);
extern int	csm_text_int64_list(CsmInput *in, const char *what, int64 *values, int max_n,
								int64 min, int64 max);

/*
 * Binary reader. csm_recv_int reads a big-endian integer of 1 byte (unsigned, 0..255), 2, 4
 * or 8 bytes (signed); what names the field when the value ends before it.
 * csm_recv_length requires exactly nbytes more (what names them); csm_recv_end nothing more.
 */
extern int64 csm_recv_int(CsmInput *in, int nbytes, const char *what);
extern int128 csm_recv_int128(CsmInput *in, const char *what);
extern void csm_recv_length(CsmInput *in, int64 nbytes, const char *what);
extern void csm_recv_end(CsmInput *in);

/* Writers: an int128 as two int64 halves (binary); n integers separated by commas (text). */
extern void csm_send_int128(StringInfo buf, int128 value);
extern void csm_append_int64_list(StringInfo buf, const int64 *values, int n);

#endif							/* CSMETRICS_STATE_IO_H */
