/*
 * roc.c
 *		Does a score predict churn? The ROC AUC of a score against a churned flag: the storable
 *		roc_summary type, its aggregates (roc_auc, roc_summary, rollup) and accessors.
 *
 * The AUC is the probability that a retained row scores higher than a churned row, ties
 * counted half:
 *
 *		AUC = (wins + ½ ties) / (n_retained × n_churned)
 *
 * over every (retained, churned) pair: the Mann–Whitney U of the retained rows divided by the
 * number of pairs. It depends only on the order of the scores and on the class of each row,
 * so a summary that keeps every distinct score with its number of retained and churned rows
 * computes it exactly, and two summaries merge exactly: the counts of equal scores add up.
 *
 * Rows arrive in any order. A transition appends the row as an entry (score, 1, 0) or
 * (score, 0, 1) without looking for its score, so a row costs a few stores; only when the
 * room allocated is full, and when the value is read (final function, accessors, output),
 * are the entries sorted and equal scores folded into one entry ("compaction": lookups in
 * the sorted entries while they are few, a radix sort and a merge otherwise). After a
 * compaction that leaves the room more than half full the room doubles, so each row pays
 * O(log n) for sorting, amortised, and the room stays below four entries of 24 bytes per
 * distinct score. A compacted value is the canonical one: its text and binary forms,
 * equality and the results of roc_summary() and rollup() are always compacted.
 *
 * Compacting changes the bytes of a value but never what it holds, so the final function and
 * the accessors compact the executor's state in place when an aggregate runs them (the next
 * transition, or a second final function sharing the state, sees the same value); called
 * directly they compact a copy (the rule in csmetrics.h).
 *
 * kpi_score_ntiles(buckets, score, churned, tiebreak), internal to the health validation
 * views, splits a group's rows into ntiles of the score as ntile() would over ORDER BY
 * score, tiebreak, and returns a compacted roc_summary of each: the rows are kept, sorted
 * once and cut in runs, so that the deciles of a period cost no window over sorted rows.
 */
#include "csmetrics.h"
#include "state_io.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/datum.h"
#include "utils/memutils.h"


#define ROC_VERSION			1
#define ROC_INITIAL_SLOTS	8		/* room of a new transition state (it doubles as rows come) */
#define ROC_INSERT_LIMIT	16		/* appended entries inserted one by one, not sorted */
#define ROC_LOOKUP_LIMIT	8192	/* up to this many sorted entries, appended ones are looked up */

/* One distinct score and the rows that had it. */
typedef struct RocScore
{
	float8		score;			/* finite, never -0 (stored as 0) */
	int64		retained;		/* rows with this score that did not churn */
	int64		churned;		/* rows with this score that churned */
} RocScore;

/*
 * roc_summary, in memory and on disk. scores[0..nsorted) are in ascending order of score,
 * each score once; scores[nsorted..nscores) were appended since and may repeat any score.
 * A transition state may have spare room after nscores (VARSIZE covers it); a compacted
 * value has nsorted = nscores. scores[] starts 8-byte aligned.
 */
typedef struct RocSummary
{
	int32		vl_len_;		/* varlena header; covers every allocated slot of scores[] */
	int32		version;		/* format version, ROC_VERSION */
	int32		nscores;		/* entries in use */
	int32		nsorted;		/* leading entries that are sorted and distinct */
	int64		retained;		/* retained rows, the sum of scores[].retained */
	int64		churned;		/* churned rows, the sum of scores[].churned */
	RocScore	scores[FLEXIBLE_ARRAY_MEMBER];	/* the entries */
} RocSummary;

#define ROC_HEADER_SIZE		offsetof(RocSummary, scores)
#define RocSize(slots)		(ROC_HEADER_SIZE + (Size) (slots) * sizeof(RocScore))
#define RocSlots(s)			((int) ((VARSIZE(s) - ROC_HEADER_SIZE) / sizeof(RocScore)))
#define ROC_MAX_SCORES		((int) ((MaxAllocSize - ROC_HEADER_SIZE) / sizeof(RocScore)))

/* Bytes of one score in the binary form: float8 score, int64 retained, int64 churned. */
#define ROC_ENTRY_BYTES		24

PG_FUNCTION_INFO_V1(roc_summary_in);
PG_FUNCTION_INFO_V1(roc_summary_out);
PG_FUNCTION_INFO_V1(roc_summary_recv);
PG_FUNCTION_INFO_V1(roc_summary_send);
PG_FUNCTION_INFO_V1(roc_summary_eq);
PG_FUNCTION_INFO_V1(roc_summary_trans);
PG_FUNCTION_INFO_V1(roc_summary_mtrans);
PG_FUNCTION_INFO_V1(roc_summary_inv);
PG_FUNCTION_INFO_V1(roc_summary_combine);
PG_FUNCTION_INFO_V1(roc_summary_rollup_mtrans);
PG_FUNCTION_INFO_V1(roc_summary_rollup_inv);
PG_FUNCTION_INFO_V1(roc_summary_final);
PG_FUNCTION_INFO_V1(roc_auc_summary);
PG_FUNCTION_INFO_V1(roc_summary_customers);
PG_FUNCTION_INFO_V1(roc_summary_retained);
PG_FUNCTION_INFO_V1(roc_summary_churned);
PG_FUNCTION_INFO_V1(kpi_score_ntiles_trans);
PG_FUNCTION_INFO_V1(kpi_score_ntiles_final);

/* ---------------------------------------------------------------------------------
 * Scores
 * --------------------------------------------------------------------------------- */

/* A score from a row, checked: finite, and -0 made 0 so that equal scores have equal bytes. */
static float8
CheckScore(float8 score)
{
	if (unlikely(isnan(score) || isinf(score)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("score is %s", isnan(score) ? "NaN" : score > 0 ? "Infinity" : "-Infinity"),
				 errdetail("Scores must be finite numbers; a row with a NULL score is left out.")));
	return score + 0.0;
}

/*
 * Append the canonical text of a finite score: the shortest decimal that reads back to the
 * same float8, written out without an exponent (1e-05 as 0.00001), -0 as 0.
 */
static void
AppendScore(StringInfo buf, float8 score)
{
	char		shortest[DOUBLE_SHORTEST_DECIMAL_LEN];
	char		digits[DOUBLE_SHORTEST_DECIMAL_LEN];
	int			ndigits = 0;
	int			point = 0;		/* the decimal point follows this many of the digits */
	bool		after_point = false;
	const char *p;
	int			i;

	double_to_shortest_decimal_buf(score + 0.0, shortest);
	p = shortest;
	if (*p == '-')
	{
		appendStringInfoChar(buf, '-');
		p++;
	}
	for (; *p != '\0' && *p != 'e'; p++)
	{
		if (*p == '.')
			after_point = true;
		else if (ndigits == 0 && *p == '0')
			point -= after_point ? 1 : 0;	/* a leading zero */
		else
		{
			digits[ndigits++] = *p;
			point += after_point ? 0 : 1;
		}
	}
	if (*p == 'e')
		point += atoi(p + 1);
	while (ndigits > 0 && digits[ndigits - 1] == '0')
		ndigits--;
	if (ndigits == 0)
		appendStringInfoChar(buf, '0');
	else if (point <= 0)
	{
		appendStringInfoString(buf, "0.");
		for (i = point; i < 0; i++)
			appendStringInfoChar(buf, '0');
		appendBinaryStringInfo(buf, digits, ndigits);
	}
	else if (point >= ndigits)
	{
		appendBinaryStringInfo(buf, digits, ndigits);
		for (i = ndigits; i < point; i++)
			appendStringInfoChar(buf, '0');
	}
	else
	{
		appendBinaryStringInfo(buf, digits, point);
		appendStringInfoChar(buf, '.');
		appendBinaryStringInfo(buf, digits + point, ndigits - point);
	}
}

/* The canonical text of a score, for messages. */
static char *
ScoreText(float8 score)
{
	StringInfoData buf;

	initStringInfo(&buf);
	AppendScore(&buf, score);
	return buf.data;
}

/*
 * The key that orders scores as unsigned integers: the sign bit set for positive scores,
 * every bit inverted for negative ones (scores are never NaN).
 */
static inline uint64
ScoreKey(float8 score)
{
	uint64		bits;

	memcpy(&bits, &score, sizeof(bits));
	return (bits & UINT64CONST(0x8000000000000000)) ? ~bits : bits | UINT64CONST(0x8000000000000000);
}

/*
 * Sort n entries by score: a least-significant-byte radix sort of their keys, moving the
 * entries between a and tmp (both of n entries), which beats comparison sorting of floats
 * by a wide margin. Bytes that every key shares are skipped. Returns the sorted array, a or
 * tmp.
 */
static RocScore *
RadixSort(RocScore *a, RocScore *tmp, int n)
{
	uint32		counts[8][256];
	int			byte;
	int			i;

	memset(counts, 0, sizeof(counts));
	for (i = 0; i < n; i++)
	{
		uint64		key = ScoreKey(a[i].score);

		for (byte = 0; byte < 8; byte++)
			counts[byte][(key >> (8 * byte)) & 0xFF]++;
	}
	for (byte = 0; byte < 8; byte++)
	{
		uint32	   *c = counts[byte];
		uint32		offset = 0;
		RocScore   *swap;
		int			b;

		if (c[(ScoreKey(a[0].score) >> (8 * byte)) & 0xFF] == (uint32) n)
			continue;			/* every key has this byte */
		for (b = 0; b < 256; b++)
		{
			uint32		count = c[b];

			c[b] = offset;
			offset += count;
		}
		for (i = 0; i < n; i++)
			tmp[c[(ScoreKey(a[i].score) >> (8 * byte)) & 0xFF]++] = a[i];
		swap = a;
		a = tmp;
		tmp = swap;
	}
	return a;
}

/* ---------------------------------------------------------------------------------
 * Building and updating summaries
 * --------------------------------------------------------------------------------- */

/* An empty value with room for slots entries, in the current memory context. */
static RocSummary *
RocNew(int slots)
{
	RocSummary *s = palloc0(RocSize(slots));

	SET_VARSIZE(s, RocSize(slots));
	s->version = ROC_VERSION;
	return s;
}

/* Refuse a value of a version this code does not read (one written by a later release). */
static void
RocCheck(const RocSummary *s)
{
	if (unlikely(s->version != ROC_VERSION))
	{
		CsmInput	in;

		csm_stored_begin(&in, "roc_summary");
		csm_check_version(&in, s->version, ROC_VERSION, ROC_VERSION);
	}
	if (unlikely(s->nscores < 0 || s->nscores > RocSlots(s) || s->nsorted < 0 ||
				 s->nsorted > s->nscores))
		elog(ERROR, "roc_summary with %d entries, %d sorted, in room for %d",
			 s->nscores, s->nsorted, RocSlots(s));
}

/* Add rows to the totals; the number of rows must fit a bigint. */
static void
RocAddTotals(RocSummary *s, int64 retained, int64 churned)
{
	s->retained = csm_add_count(s->retained, retained);
	s->churned = csm_add_count(s->churned, churned);
	(void) csm_add_count(s->retained, s->churned);
}

/* Fold the entries of a sorted array that share a score; returns how many are left. */
static int
FoldEqual(RocScore *e, int n)
{
	int			out = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		if (out > 0 && e[out - 1].score == e[i].score)
		{
			e[out - 1].retained += e[i].retained;
			e[out - 1].churned += e[i].churned;
		}
		else
			e[out++] = e[i];
	}
	return out;
}

/* Insert one entry into the sorted, distinct scores[0..nsorted), which has room after it. */
static void
InsertSorted(RocSummary *s, RocScore e)
{
	int			lo = 0;
	int			hi = s->nsorted;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (s->scores[mid].score < e.score)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nsorted && s->scores[lo].score == e.score)
	{
		s->scores[lo].retained += e.retained;
		s->scores[lo].churned += e.churned;
		return;
	}
	memmove(&s->scores[lo + 1], &s->scores[lo], (s->nsorted - lo) * sizeof(RocScore));
	s->scores[lo] = e;
	s->nsorted++;
}

/* Index of score in the sorted, distinct scores[0..n), or -1. */
static int
FindScore(const RocScore *scores, int n, float8 score)
{
	int			lo = 0;
	int			hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (scores[mid].score < score)
			lo = mid + 1;
		else if (scores[mid].score > score)
			hi = mid - 1;
		else
			return mid;
	}
	return -1;
}

/*
 * Fold the appended entries whose score is among the sorted ones into them; only the new
 * scores stay appended. Worth it while the sorted entries fit in a processor cache: then a
 * score seen before costs one binary search instead of its share of a sort.
 */
static void
FoldKnownScores(RocSummary *s)
{
	int			k = s->nsorted;
	int			out = k;
	int			i;

	for (i = k; i < s->nscores; i++)
	{
		RocScore   *e = &s->scores[i];
		int			j = FindScore(s->scores, k, e->score);

		if (j >= 0)
		{
			s->scores[j].retained += e->retained;
			s->scores[j].churned += e->churned;
		}
		else
			s->scores[out++] = *e;
	}
	s->nscores = out;
}

/*
 * Sort the entries appended since the last compaction and fold them into the sorted ones:
 * afterwards every score appears once, in ascending order. Counts cannot overflow: each is
 * at most the total, which was checked when the rows were added.
 */
static void
RocCompact(RocSummary *s)
{
	int			k = s->nsorted;
	int			m;
	RocScore   *copy;
	RocScore   *spare;
	RocScore   *tail;
	int			i,
				j,
				out;

	if (s->nscores == k)
		return;
	if (k > 0 && k <= ROC_LOOKUP_LIMIT)
		FoldKnownScores(s);
	m = s->nscores - k;
	if (m <= ROC_INSERT_LIMIT)
	{
		RocScore	pending[ROC_INSERT_LIMIT];

		memcpy(pending, &s->scores[k], m * sizeof(RocScore));
		for (i = 0; i < m; i++)
			InsertSorted(s, pending[i]);
		s->nscores = s->nsorted;
		return;
	}

	/* sort a copy of the tail, then merge both runs from the back into place */
	copy = palloc(m * sizeof(RocScore));
	spare = palloc(m * sizeof(RocScore));
	memcpy(copy, &s->scores[k], m * sizeof(RocScore));
	tail = RadixSort(copy, spare, m);
	m = FoldEqual(tail, m);
	i = k - 1;
	j = m - 1;
	out = k + m;
	while (j >= 0)
	{
		if (i >= 0 && s->scores[i].score > tail[j].score)
			s->scores[--out] = s->scores[i--];
		else if (i >= 0 && s->scores[i].score == tail[j].score)
		{
			RocScore	e = s->scores[i--];

			e.retained += tail[j].retained;
			e.churned += tail[j--].churned;
			s->scores[--out] = e;
		}
		else
			s->scores[--out] = tail[j--];
	}
	/* scores[0..i] are in place; equal scores folded leave a gap between them and out */
	if (out > i + 1)
		memmove(&s->scores[i + 1], &s->scores[out], (k + m - out) * sizeof(RocScore));
	s->nscores = s->nsorted = i + 1 + (k + m - out);
	pfree(copy);
	pfree(spare);
}

/* A compacted copy of s without spare room, in the current memory context. */
static RocSummary *
RocCompactCopy(const RocSummary *s)
{
	RocSummary *copy = palloc(RocSize(s->nscores));

	memcpy(copy, s, RocSize(s->nscores));
	SET_VARSIZE(copy, RocSize(s->nscores));
	RocCompact(copy);
	SET_VARSIZE(copy, RocSize(copy->nscores));
	return copy;
}

/*
 * The value in argument n, compacted, to be read: compacted in place when it is the state
 * of the running aggregate (or a detoasted copy), otherwise a compacted copy. NULL when the
 * argument is NULL.
 */
static RocSummary *
RocArgCompacted(FunctionCallInfo fcinfo, int n)
{
	Datum		d;
	RocSummary *s;

	if (PG_ARGISNULL(n))
		return NULL;
	d = PG_GETARG_DATUM(n);
	s = (RocSummary *) PG_DETOAST_DATUM(d);
	RocCheck(s);
	if (s->nsorted == s->nscores)
		return s;
	if ((n == 0 && csm_in_aggregate(fcinfo)) || (Pointer) s != DatumGetPointer(d))
	{
		RocCompact(s);
		return s;
	}
	return RocCompactCopy(s);
}

/*
 * The state in argument 0, ready to take extra more entries (the rule in csmetrics.h):
 * inside an aggregate the state itself when it has room, or has room once compacted and is
 * then at most half full; otherwise a copy in the current memory context, with doubled room
 * inside an aggregate (the executor copies it into the aggregate context and frees the old
 * one) and just enough room for a direct call. A NULL state: a new empty value.
 */
static RocSummary *
RocForUpdate(FunctionCallInfo fcinfo, int extra)
{
	Datum		d;
	RocSummary *s;
	RocSummary *copy;
	bool		own;
	int64		need;
	int64		slots;

	if (PG_ARGISNULL(0))
		return RocNew(Max(extra, ROC_INITIAL_SLOTS));
	d = PG_GETARG_DATUM(0);
	s = (RocSummary *) PG_DETOAST_DATUM(d);
	RocCheck(s);
	own = csm_in_aggregate(fcinfo) || (Pointer) s != DatumGetPointer(d);
	if (own && (int64) s->nscores + extra <= RocSlots(s))
		return s;
	if (own)
	{
		RocCompact(s);
		if ((int64) s->nscores + extra <= RocSlots(s) && s->nscores <= RocSlots(s) / 2)
			return s;
	}
	need = (int64) s->nscores + extra;
	if (need > ROC_MAX_SCORES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("roc_summary cannot hold more than %d distinct scores", ROC_MAX_SCORES),
				 errdetail("Round the scores, or compute the AUC over smaller groups and compare them.")));
	slots = own ? Min(Max(Max(need, 2 * (int64) RocSlots(s)), ROC_INITIAL_SLOTS), ROC_MAX_SCORES) : need;
	copy = RocNew((int) slots);
	memcpy(copy, s, RocSize(s->nscores));
	SET_VARSIZE(copy, RocSize(slots));
	return copy;
}

/* Count rows with one score (already checked), appended or folded into the last entry. */
static void
RocAppend(RocSummary *s, float8 score, int64 retained, int64 churned)
{
	RocScore   *last = s->nscores > 0 ? &s->scores[s->nscores - 1] : NULL;

	RocAddTotals(s, retained, churned);
	if (last != NULL && last->score == score)
	{
		last->retained += retained;
		last->churned += churned;
		return;
	}
	if (s->nsorted == s->nscores && (last == NULL || last->score < score))
		s->nsorted++;			/* rows in ascending order keep the value compacted */
	s->scores[s->nscores].score = score;
	s->scores[s->nscores].retained = retained;
	s->scores[s->nscores].churned = churned;
	s->nscores++;
}

/* Append every entry of b (room for them is there). */
static void
RocAppendAll(RocSummary *s, const RocSummary *b)
{
	bool		stays_sorted;

	if (b->nscores == 0)
		return;
	stays_sorted = s->nsorted == s->nscores && b->nsorted == b->nscores &&
		(s->nscores == 0 || s->scores[s->nscores - 1].score < b->scores[0].score);
	RocAddTotals(s, b->retained, b->churned);
	memcpy(&s->scores[s->nscores], b->scores, b->nscores * sizeof(RocScore));
	s->nscores += b->nscores;
	if (stays_sorted)
		s->nsorted = s->nscores;
}

/* Drop the entries of a compacted value that no longer count a row. */
static void
RocDropEmpty(RocSummary *s)
{
	int			out = 0;
	int			i;

	for (i = 0; i < s->nscores; i++)
		if (s->scores[i].retained != 0 || s->scores[i].churned != 0)
			s->scores[out++] = s->scores[i];
	s->nscores = s->nsorted = out;
}

/* Uncount one row (inverse transition); s is compacted. */
static void
RocRemoveRow(RocSummary *s, float8 score, bool churned)
{
	int			i = FindScore(s->scores, s->nscores, score);

	if (i < 0 || (churned ? s->scores[i].churned : s->scores[i].retained) == 0)
		csm_nothing_to_remove("The state holds no %s row with score %s.",
							  churned ? "churned" : "retained", ScoreText(score));
	if (churned)
	{
		s->scores[i].churned--;
		s->churned--;
	}
	else
	{
		s->scores[i].retained--;
		s->retained--;
	}
	RocDropEmpty(s);
}

/* Subtract the counts of b from s, both compacted (inverse of merging b in). */
static void
RocSubtract(RocSummary *s, const RocSummary *b)
{
	int			i = 0;
	int			j;

	/* check everything first, so that a failed subtraction leaves s as it was */
	for (j = 0; j < b->nscores; j++)
	{
		const RocScore *e = &b->scores[j];

		while (i < s->nscores && s->scores[i].score < e->score)
			i++;
		if (i == s->nscores || s->scores[i].score != e->score ||
			s->scores[i].retained < e->retained || s->scores[i].churned < e->churned)
			csm_nothing_to_remove("The state holds fewer rows with score %s than the summary taken out.",
								  ScoreText(e->score));
	}
	i = 0;
	for (j = 0; j < b->nscores; j++)
	{
		while (s->scores[i].score < b->scores[j].score)
			i++;
		s->scores[i].retained -= b->scores[j].retained;
		s->scores[i].churned -= b->scores[j].churned;
	}
	s->retained -= b->retained;
	s->churned -= b->churned;
	RocDropEmpty(s);
}

/* ---------------------------------------------------------------------------------
 * The AUC
 * --------------------------------------------------------------------------------- */

/* num / den for 0 <= num <= den, den > 0, rounded once where the integers allow it. */
static float8
Int128Ratio(int128 num, int128 den)
{
	const int128 exact = (int128) 1 << 53;

	if (den <= exact)
		return (float8) (int64) num / (float8) (int64) den;
	return (float8) ((long double) num / (long double) den);
}

/*
 * The AUC of a compacted value; false when a class is empty. Walking the scores upwards
 * with the number of churned rows below: each retained row at a score wins against every
 * churned row below it and ties with the churned rows at its score, so
 *
 *		2U = Σ retained(x) × (2 × churned(< x) + churned(x))
 *
 * in exact integers (at most 2 × n_retained × n_churned < 2^125: the rows fit a bigint).
 */
static bool
RocAuc(const RocSummary *s, float8 *auc)
{
	int128		twice_u = 0;
	int128		churned_below = 0;
	int			i;

	if (s->retained == 0 || s->churned == 0)
		return false;
	for (i = 0; i < s->nscores; i++)
	{
		const RocScore *e = &s->scores[i];

		twice_u += (int128) e->retained * (2 * churned_below + e->churned);
		churned_below += e->churned;
	}
	*auc = Int128Ratio(twice_u, 2 * (int128) s->retained * s->churned);
	return true;
}

/* ---------------------------------------------------------------------------------
 * Text and binary forms, version 1
 *
 * Text:    v1 scores={30,60,80} retained={0,2,1} churned={1,1,0}
 *   the distinct scores in ascending order, each as the shortest decimal that reads back to
 *   the same float8, without exponent; then the retained and the churned rows of each score.
 *   Only that spelling is read (no 60.0, 1e5, -0, +1, spaces or repeated scores), so any
 *   accepted text prints back unchanged. An empty value is v1 scores={} retained={} churned={}.
 * Binary:  version byte, int32 number of scores n, n float8 scores, n int64 retained counts,
 *   n int64 churned counts, in the order of the text form.
 * Every score must count at least one row, and all rows together must fit a bigint.
 * --------------------------------------------------------------------------------- */

/* What is wrong with a value read from outside, or NULL. */
static const char *
RocProblem(const RocSummary *s)
{
	int64		retained = 0;
	int64		churned = 0;
	int64		rows;
	int			i;

	for (i = 0; i < s->nscores; i++)
	{
		const RocScore *e = &s->scores[i];

		if (isnan(e->score) || isinf(e->score))
			return psprintf("Score %d is not a finite number.", i + 1);
		if (e->score == 0 && signbit(e->score))
			return psprintf("Score %d is negative zero; zero is stored as 0.", i + 1);
		if (i > 0 && !(s->scores[i - 1].score < e->score))
			return psprintf("Score %d (%s) does not follow score %d (%s) in ascending order.",
							i + 1, ScoreText(e->score), i, ScoreText(s->scores[i - 1].score));
		if (e->retained < 0 || e->churned < 0)
			return psprintf("The counts of score %s are negative.", ScoreText(e->score));
		if (e->retained == 0 && e->churned == 0)
			return psprintf("Score %s counts no row; scores without rows are left out.",
							ScoreText(e->score));
		if (pg_add_s64_overflow(retained, e->retained, &retained) ||
			pg_add_s64_overflow(churned, e->churned, &churned))
			return "The number of rows exceeds the bigint range.";
	}
	if (pg_add_s64_overflow(retained, churned, &rows))
		return "The number of rows exceeds the bigint range.";
	return NULL;
}

/* Check a value read from outside and complete its totals. */
static void
RocValidate(CsmInput *in, RocSummary *s)
{
	const char *problem = RocProblem(s);
	int			i;

	if (problem != NULL)
		csm_input_error(in, "%s", problem);
	for (i = 0; i < s->nscores; i++)
	{
		s->retained += s->scores[i].retained;
		s->churned += s->scores[i].churned;
	}
	s->nsorted = s->nscores;
}

/* Read one score at the text cursor, in its canonical spelling only. */
static float8
ReadScore(CsmInput *in)
{
	const char *start = in->p;
	const char *p = in->p;
	int			at = csm_text_position(in);
	char	   *text;
	float8		score;
	StringInfoData canonical;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		csm_input_error(in, "Expected a score (a decimal number) at character %d.", at);
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.')
	{
		p++;
		if (*p < '0' || *p > '9')
			csm_input_error(in, "Expected the digits of the score at character %d after its decimal point.",
							(int) (p - in->text) + 1);
		while (*p >= '0' && *p <= '9')
			p++;
	}
	text = pnstrdup(start, p - start);
	score = strtod(text, NULL);
	if (isinf(score))
		csm_input_error(in, "The score %s at character %d is out of range for double precision.",
						text, at);
	initStringInfo(&canonical);
	AppendScore(&canonical, score);
	if (strcmp(canonical.data, text) != 0)
		csm_input_error(in, "The score %s at character %d is not written canonically (as %s).",
						text, at, canonical.data);
	in->p = p;
	return score;
}

/*
 * Read " name={a,b,...}", one count per score (what names a count in messages), into the
 * field at offset of each entry.
 */
static void
ReadCounts(CsmInput *in, const char *name, const char *what, RocSummary *s, size_t offset)
{
	int64	   *values = palloc(Max(s->nscores, 1) * sizeof(int64));
	int			i;

	csm_text_field(in, name);
	csm_text_expect(in, "{");
	if (s->nscores > 0 &&
		csm_text_int64_list(in, what, values, s->nscores, 0, PG_INT64_MAX) != s->nscores)
		csm_input_error(in, "The list %s ending at character %d needs %d values, one per score.",
						name, csm_text_position(in), s->nscores);
	csm_text_expect(in, "}");
	for (i = 0; i < s->nscores; i++)
		*(int64 *) ((char *) &s->scores[i] + offset) = values[i];
	pfree(values);
}

/* Text input of roc_summary. */
Datum
roc_summary_in(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	RocSummary *s;
	int			slots = ROC_INITIAL_SLOTS;

	csm_text_begin(&in, "roc_summary", PG_GETARG_CSTRING(0), true);
	csm_text_expect(&in, "v");
	csm_check_version(&in, csm_text_int64(&in, "version", 0, PG_INT64_MAX), ROC_VERSION, ROC_VERSION);
	s = RocNew(slots);
	csm_text_field(&in, "scores");
	csm_text_expect(&in, "{");
	if (*in.p != '}')
	{
		do
		{
			if (s->nscores == slots)
			{
				RocSummary *bigger;

				if (slots == ROC_MAX_SCORES)
					csm_input_error(&in, "More than %d scores.", ROC_MAX_SCORES);
				slots = (int) Min((int64) slots * 2, ROC_MAX_SCORES);
				bigger = RocNew(slots);
				memcpy(bigger, s, RocSize(s->nscores));
				SET_VARSIZE(bigger, RocSize(slots));
				pfree(s);
				s = bigger;
			}
			s->scores[s->nscores++].score = ReadScore(&in);
		} while (csm_text_skip(&in, ","));
	}
	csm_text_expect(&in, "}");
	ReadCounts(&in, "retained", "retained count", s, offsetof(RocScore, retained));
	ReadCounts(&in, "churned", "churned count", s, offsetof(RocScore, churned));
	csm_text_end(&in);
	RocValidate(&in, s);
	SET_VARSIZE(s, RocSize(s->nscores));
	PG_RETURN_POINTER(s);
}

/* Text output of roc_summary, the form roc_summary_in reads. */
Datum
roc_summary_out(PG_FUNCTION_ARGS)
{
	RocSummary *s = RocArgCompacted(fcinfo, 0);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d scores={", s->version);
	for (i = 0; i < s->nscores; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		AppendScore(&buf, s->scores[i].score);
	}
	appendStringInfoString(&buf, "} retained={");
	for (i = 0; i < s->nscores; i++)
		appendStringInfo(&buf, i == 0 ? INT64_FORMAT : "," INT64_FORMAT, s->scores[i].retained);
	appendStringInfoString(&buf, "} churned={");
	for (i = 0; i < s->nscores; i++)
		appendStringInfo(&buf, i == 0 ? INT64_FORMAT : "," INT64_FORMAT, s->scores[i].churned);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

/* Binary input of roc_summary. */
Datum
roc_summary_recv(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	RocSummary *s;
	int64		n;
	int			i;

	csm_recv_begin(&in, "roc_summary", (StringInfo) PG_GETARG_POINTER(0));
	csm_check_version(&in, csm_recv_int(&in, 1, "version"), ROC_VERSION, ROC_VERSION);
	n = csm_recv_int(&in, 4, "number of scores");
	if (n < 0 || n > ROC_MAX_SCORES)
		csm_input_error(&in, "The number of scores %lld is out of range 0..%d.",
						(long long) n, ROC_MAX_SCORES);
	csm_recv_length(&in, n * ROC_ENTRY_BYTES,
					psprintf("scores and counts (%d per score)", ROC_ENTRY_BYTES));
	s = RocNew((int) n);
	s->nscores = (int) n;
	for (i = 0; i < n; i++)
	{
		int64		bits = csm_recv_int(&in, 8, "score");

		memcpy(&s->scores[i].score, &bits, sizeof(float8));
	}
	for (i = 0; i < n; i++)
		s->scores[i].retained = csm_recv_int(&in, 8, "retained count");
	for (i = 0; i < n; i++)
		s->scores[i].churned = csm_recv_int(&in, 8, "churned count");
	csm_recv_end(&in);
	RocValidate(&in, s);
	PG_RETURN_POINTER(s);
}

/* Binary output of roc_summary. */
Datum
roc_summary_send(PG_FUNCTION_ARGS)
{
	RocSummary *s = RocArgCompacted(fcinfo, 0);
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, (uint8) s->version);
	pq_sendint32(&buf, s->nscores);
	for (i = 0; i < s->nscores; i++)
		pq_sendfloat8(&buf, s->scores[i].score);
	for (i = 0; i < s->nscores; i++)
		pq_sendint64(&buf, s->scores[i].retained);
	for (i = 0; i < s->nscores; i++)
		pq_sendint64(&buf, s->scores[i].churned);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* roc_summary = roc_summary: the same rows at every score. */
Datum
roc_summary_eq(PG_FUNCTION_ARGS)
{
	RocSummary *a = RocArgCompacted(fcinfo, 0);
	RocSummary *b = RocArgCompacted(fcinfo, 1);

	PG_RETURN_BOOL(a->nscores == b->nscores &&
				   memcmp(a->scores, b->scores, a->nscores * sizeof(RocScore)) == 0);
}

/* ---------------------------------------------------------------------------------
 * Aggregates
 * --------------------------------------------------------------------------------- */

/* Return a state that may be NULL. */
static Datum
ReturnState(FunctionCallInfo fcinfo, RocSummary *s)
{
	if (s == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(s);
}

/*
 * The state argument when the input is NULL and nothing changes: as it is, or (moving
 * aggregate, where a state may not be NULL) an empty value in place of NULL.
 */
static Datum
Unchanged(FunctionCallInfo fcinfo, bool moving)
{
	if (PG_ARGISNULL(0))
		return moving ? PointerGetDatum(RocNew(0)) : ReturnState(fcinfo, NULL);
	PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}

/* Count one row (score, churned); moving as in Unchanged. */
static Datum
RowTransition(FunctionCallInfo fcinfo, bool moving)
{
	RocSummary *s;
	float8		score;
	bool		churned;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return Unchanged(fcinfo, moving);
	score = CheckScore(PG_GETARG_FLOAT8(1));
	churned = PG_GETARG_BOOL(2);
	s = RocForUpdate(fcinfo, 1);
	RocAppend(s, score, churned ? 0 : 1, churned ? 1 : 0);
	PG_RETURN_POINTER(s);
}

/* Add the summary in argument 1 to the state; moving as in Unchanged. */
static Datum
SummaryMerge(FunctionCallInfo fcinfo, bool moving)
{
	RocSummary *b;
	RocSummary *s;

	if (PG_ARGISNULL(1))
		return Unchanged(fcinfo, moving);
	b = (RocSummary *) PG_DETOAST_DATUM(PG_GETARG_DATUM(1));
	RocCheck(b);
	s = RocForUpdate(fcinfo, b->nscores);
	RocAppendAll(s, b);
	PG_RETURN_POINTER(s);
}

/*
 * The compacted state of an inverse transition, ready to be updated; a NULL state holds
 * nothing, so only a NULL input (nothing to remove) may come with it.
 */
static RocSummary *
InverseState(FunctionCallInfo fcinfo, bool nothing_to_remove)
{
	RocSummary *s;

	if (PG_ARGISNULL(0))
	{
		if (!nothing_to_remove)
			csm_nothing_to_remove("The state is empty.");
		return RocNew(0);
	}
	s = RocForUpdate(fcinfo, 0);
	RocCompact(s);
	return s;
}

/* roc_auc(score, churned) and roc_summary(score, churned) transition: count one row. */
Datum
roc_summary_trans(PG_FUNCTION_ARGS)
{
	return RowTransition(fcinfo, false);
}

/* Moving-aggregate transition of roc_auc(score, churned) and roc_summary(score, churned). */
Datum
roc_summary_mtrans(PG_FUNCTION_ARGS)
{
	return RowTransition(fcinfo, true);
}

/* Inverse transition: uncount a row that leaves the window frame. */
Datum
roc_summary_inv(PG_FUNCTION_ARGS)
{
	bool		skip = PG_ARGISNULL(1) || PG_ARGISNULL(2);
	RocSummary *s = InverseState(fcinfo, skip);

	if (!skip)
		RocRemoveRow(s, CheckScore(PG_GETARG_FLOAT8(1)), PG_GETARG_BOOL(2));
	PG_RETURN_POINTER(s);
}

/* Combine function of every roc_summary aggregate, and transition of rollup(roc_summary). */
Datum
roc_summary_combine(PG_FUNCTION_ARGS)
{
	return SummaryMerge(fcinfo, false);
}

/* Moving-aggregate transition of rollup(roc_summary). */
Datum
roc_summary_rollup_mtrans(PG_FUNCTION_ARGS)
{
	return SummaryMerge(fcinfo, true);
}

/* rollup(roc_summary) inverse transition: subtract a summary that leaves the window frame. */
Datum
roc_summary_rollup_inv(PG_FUNCTION_ARGS)
{
	RocSummary *s = InverseState(fcinfo, PG_ARGISNULL(1));

	if (!PG_ARGISNULL(1))
		RocSubtract(s, RocArgCompacted(fcinfo, 1));
	PG_RETURN_POINTER(s);
}

/* Final function of roc_summary() and rollup(): the compacted value; NULL when it counts no row. */
Datum
roc_summary_final(PG_FUNCTION_ARGS)
{
	RocSummary *s = RocArgCompacted(fcinfo, 0);

	if (s == NULL || s->nscores == 0)
		PG_RETURN_NULL();
	if (RocSlots(s) == s->nscores && s != (RocSummary *) DatumGetPointer(PG_GETARG_DATUM(0)))
		PG_RETURN_POINTER(s);	/* already a copy of its own */
	PG_RETURN_POINTER(RocCompactCopy(s));
}

/* ---------------------------------------------------------------------------------
 * Accessors
 * --------------------------------------------------------------------------------- */

/* roc_auc(s), also the final function of roc_auc(score, churned): NULL when a class is empty. */
Datum
roc_auc_summary(PG_FUNCTION_ARGS)
{
	RocSummary *s = RocArgCompacted(fcinfo, 0);
	float8		auc;

	if (!RocAuc(s, &auc))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(auc);
}

/* The value in argument 0, checked, for the counting accessors (they need no compaction). */
static RocSummary *
RocArg(FunctionCallInfo fcinfo)
{
	RocSummary *s = (RocSummary *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));

	RocCheck(s);
	return s;
}

/* customers(s): rows counted, retained and churned. */
Datum
roc_summary_customers(PG_FUNCTION_ARGS)
{
	RocSummary *s = RocArg(fcinfo);

	PG_RETURN_INT64(s->retained + s->churned);
}

/* retained(s): rows counted as retained. */
Datum
roc_summary_retained(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(RocArg(fcinfo)->retained);
}

/* churned(s): rows counted as churned. */
Datum
roc_summary_churned(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(RocArg(fcinfo)->churned);
}

/* ---------------------------------------------------------------------------------
 * Ntiles of a score (kpi_score_ntiles)
 * --------------------------------------------------------------------------------- */

/* Fields of kpi_score_ntile: ntile, summary, min_score, max_score. */
#define NTILE_NATTS			4
#define NTILE_INITIAL_ROWS	1024

/* One row of a group: its score, its class, and the value that orders equal scores. */
typedef struct NtileRow
{
	float8		score;			/* finite, never -0 */
	Datum		tiebreak;		/* a copy in the aggregate's context, when by reference */
	bool		churned;
	bool		tiebreak_null;
} NtileRow;

/* Transition state of kpi_score_ntiles: the group's rows, in the aggregate's context. */
typedef struct NtileState
{
	MemoryContext cxt;
	int32		buckets;		/* the same on every row of the group */
	bool		sorted;			/* rows[] is in order (no row appended since the sort) */
	int16		typlen;			/* storage of the tiebreak type */
	bool		typbyval;
	int64		nrows;
	int64		allocated;
	NtileRow   *rows;
	SortSupportData order;		/* the tiebreak type's default order, NULLs last */
} NtileState;

/* The number of buckets of a row: positive, and the group's. */
static int32
NtileBuckets(FunctionCallInfo fcinfo, const NtileState *st)
{
	int32		buckets;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_ARGUMENT_FOR_NTILE),
				 errmsg("number of buckets is NULL"),
				 errdetail("kpi_score_ntiles needs a positive number of buckets on every row.")));
	buckets = PG_GETARG_INT32(1);
	if (buckets <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_ARGUMENT_FOR_NTILE),
				 errmsg("number of buckets must be greater than zero, not %d", buckets)));
	if (st != NULL && buckets != st->buckets)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of buckets %d differs from %d on an earlier row of the group",
						buckets, st->buckets),
				 errdetail("The number of buckets must be the same on every row of a group.")));
	return buckets;
}

/* A new state in cxt for the tiebreak type of argument 4. */
static NtileState *
NtileStateCreate(FunctionCallInfo fcinfo, MemoryContext cxt, int32 buckets)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	NtileState *st = (NtileState *) palloc0(sizeof(NtileState));

	csm_argument_order(fcinfo, 4, cxt, "tie-break values", &st->order, &st->typlen, &st->typbyval);
	st->cxt = cxt;
	st->buckets = buckets;
	st->allocated = NTILE_INITIAL_ROWS;
	st->rows = (NtileRow *) palloc(sizeof(NtileRow) * st->allocated);
	MemoryContextSwitchTo(old);
	return st;
}

/*
 * kpi_score_ntiles transition: keep the row (score, churned, tiebreak). Rows with a NULL
 * score or class are left out, as roc_summary leaves them out.
 */
Datum
kpi_score_ntiles_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	NtileState *st = PG_ARGISNULL(0) ? NULL : (NtileState *) PG_GETARG_POINTER(0);
	int32		buckets;
	NtileRow   *row;

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "kpi_score_ntiles_trans called outside its aggregate");
	buckets = NtileBuckets(fcinfo, st);
	if (st == NULL)
		st = NtileStateCreate(fcinfo, cxt, buckets);
	if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(st);
	if (st->nrows == st->allocated)
	{
		if ((Size) st->allocated * 2 > MaxAllocHugeSize / sizeof(NtileRow))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("kpi_score_ntiles cannot keep more than " INT64_FORMAT " rows in a group",
							st->allocated)));
		st->allocated *= 2;
		st->rows = (NtileRow *) repalloc_huge(st->rows, sizeof(NtileRow) * st->allocated);
	}
	row = &st->rows[st->nrows];
	row->score = CheckScore(PG_GETARG_FLOAT8(2));
	row->churned = PG_GETARG_BOOL(3);
	row->tiebreak_null = PG_ARGISNULL(4);
	if (row->tiebreak_null || st->typbyval)
		row->tiebreak = row->tiebreak_null ? (Datum) 0 : PG_GETARG_DATUM(4);
	else
	{
		MemoryContext old = MemoryContextSwitchTo(st->cxt);

		row->tiebreak = datumCopy(PG_GETARG_DATUM(4), false, st->typlen);
		MemoryContextSwitchTo(old);
	}
	st->nrows++;
	st->sorted = false;
	PG_RETURN_POINTER(st);
}

/* Order of two rows: by score, then by tiebreak (NULLs last). */
static int
NtileRowCompare(const void *a, const void *b, void *arg)
{
	const NtileRow *x = (const NtileRow *) a;
	const NtileRow *y = (const NtileRow *) b;

	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	return ApplySortComparator(x->tiebreak, x->tiebreak_null, y->tiebreak, y->tiebreak_null,
							   (SortSupport) arg);
}

/* A compacted summary of n rows sorted by score. */
static RocSummary *
RocFromSortedRows(const NtileRow *rows, int64 n)
{
	RocSummary *s;
	int64		distinct = 0;
	int64		churned = 0;
	int64		i;
	int			out = -1;

	for (i = 0; i < n; i++)
		if (i == 0 || rows[i].score != rows[i - 1].score)
			distinct++;
	if (distinct > ROC_MAX_SCORES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("roc_summary cannot hold " INT64_FORMAT " distinct scores", distinct)));
	s = RocNew((int) distinct);
	for (i = 0; i < n; i++)
	{
		if (i == 0 || rows[i].score != rows[i - 1].score)
			s->scores[++out].score = rows[i].score;
		if (rows[i].churned)
			s->scores[out].churned++;
		else
			s->scores[out].retained++;
		churned += rows[i].churned;
	}
	s->nscores = s->nsorted = (int) distinct;
	RocAddTotals(s, n - churned, churned);
	return s;
}

/* One kpi_score_ntile: the ntile's number, its summary and its lowest and highest score. */
static Datum
NtileComposite(const CsmRowArrayType *info, int32 ntile, const NtileRow *rows, int64 n)
{
	Datum		values[NTILE_NATTS];
	bool		nulls[NTILE_NATTS] = {false};

	values[0] = Int32GetDatum(ntile);
	values[1] = PointerGetDatum(RocFromSortedRows(rows, n));
	values[2] = Float8GetDatum(rows[0].score);
	values[3] = Float8GetDatum(rows[n - 1].score);
	return HeapTupleGetDatum(heap_form_tuple(info->tupdesc, values, nulls));
}

/*
 * kpi_score_ntiles final function: the rows in order of score and tiebreak, cut as ntile()
 * cuts them (the first n mod buckets ntiles have one row more than the others; with fewer
 * rows than buckets, one row each), one kpi_score_ntile per ntile that has rows; NULL
 * without rows. Sorting the state in place changes the order of its rows only.
 */
Datum
kpi_score_ntiles_final(PG_FUNCTION_ARGS)
{
	NtileState *st = PG_ARGISNULL(0) ? NULL : (NtileState *) PG_GETARG_POINTER(0);
	CsmRowArrayType *info;
	Datum	   *out;
	int64		per;
	int64		extra;
	int64		from = 0;
	int			ntiles;
	int			b;

	if (st == NULL || st->nrows == 0)
		PG_RETURN_NULL();
	info = csm_result_row_type(fcinfo, NTILE_NATTS);
	if (!st->sorted)
	{
		qsort_arg(st->rows, st->nrows, sizeof(NtileRow), NtileRowCompare, &st->order);
		st->sorted = true;
	}
	per = st->nrows / st->buckets;
	extra = st->nrows % st->buckets;
	ntiles = per > 0 ? st->buckets : (int) extra;
	out = (Datum *) palloc(sizeof(Datum) * ntiles);
	for (b = 0; b < ntiles; b++)
	{
		int64		size = per + (b < extra ? 1 : 0);

		out[b] = NtileComposite(info, b + 1, st->rows + from, size);
		from += size;
	}
	PG_RETURN_ARRAYTYPE_P(csm_row_array(info, out, ntiles));
}
