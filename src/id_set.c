/*
 * id_set.c
 *		kpi_id_set: a set of integer ids as an open-addressing hash table that is itself the
 *		value, so that testing a row against it needs no table built per query.
 *
 * Every clean relation of the views keeps only the rows whose customer is known. Written as
 * EXISTS over the customers, PostgreSQL builds a hash table of the customer ids for each scan
 * that checks it, and tests each row through that generic table (a slot, a hash function and
 * an equality function called through fmgr). At 100k customers that is about 85 ms to build
 * and a third of a microsecond per row, on every scan of every source: a KPI overview scans
 * the sources some thirty times.
 *
 * When the ids are integers, the views compute the set once per scan instead, as a value
 * (an InitPlan: SELECT kpi_id_set_agg(id) FROM the clean customers), and each row asks
 * kpi_id_set_contains(set, id): a hash of the id and, most often, one or two slots read in the
 * value itself, which PostgreSQL passes to every call without copying it. A materialized set
 * of views stores the set once per refresh instead (the helper customer_id_set); read from a
 * table, the value comes as a TOAST pointer, and kpi_id_set_contains keeps what it fetched.
 *
 * Two layouts, chosen by the ids when a set is made; the text and binary forms do not show
 * which. Ids in a narrow range, as serial customer ids are, take a bitmap: bit i of the words
 * says whether first + i is a member, a test is one bit (100k customers: 12.5 kB, which stays
 * in the processor's cache). Other ids take a hash table: the members at the slot of their
 * hash (linear probing), PG_INT64_MIN marking an empty slot and a flag telling whether
 * PG_INT64_MIN is itself a member. The number of slots is a power of two, at least twice the
 * members (so that a probe ends soon), and at most ID_SET_MAX_SLOTS: a value may not exceed
 * 1 GB. Past half of that the table may fill up to seven eighths; more ids than that are an
 * error naming the limit. A bitmap is taken when it has no more words than the table would
 * have slots.
 *
 * The text form is v1 ids={<id>,...} with the members ascending; input accepts exactly that
 * (ascending, no repeats), so that a value prints back unchanged. The binary form is the
 * version (one byte), the member count (int32) and the members ascending (int64 each).
 */
#include "csmetrics.h"
#include "state_io.h"

#include "access/detoast.h"
#include "libpq/pqformat.h"
#include "nodes/supportnodes.h"

PG_FUNCTION_INFO_V1(kpi_id_set_in);
PG_FUNCTION_INFO_V1(kpi_id_set_out);
PG_FUNCTION_INFO_V1(kpi_id_set_recv);
PG_FUNCTION_INFO_V1(kpi_id_set_send);
PG_FUNCTION_INFO_V1(kpi_id_set_agg_trans);
PG_FUNCTION_INFO_V1(kpi_id_set_agg_final);
PG_FUNCTION_INFO_V1(kpi_id_set_contains);
PG_FUNCTION_INFO_V1(kpi_id_set_contains_support);

#define ID_SET_VERSION 1

/* The mark of an empty slot. */
#define ID_SET_EMPTY PG_INT64_MIN

/* At most 2^26 slots: 512 MB of them, the largest power of two a value can hold. */
#define ID_SET_MAX_SLOTS ((int64) 1 << 26)

/* The most members: seven eighths of the largest table. */
#define ID_SET_MAX_MEMBERS (ID_SET_MAX_SLOTS / 8 * 7)

/* The layouts of a set. */
#define ID_SET_HASH 0
#define ID_SET_BITMAP 1

typedef struct IdSet
{
	int32		vl_len_;		/* varlena header */
	uint8		version;		/* ID_SET_VERSION */
	uint8		layout;			/* ID_SET_HASH or ID_SET_BITMAP */
	bool		has_empty_mark; /* hash: whether PG_INT64_MIN is a member */
	uint8		padding;		/* zero */
	int32		count;			/* members */
	int32		nslots;			/* hash: slots, a power of two; bitmap: words */
	int64		first;			/* bitmap: the id of bit 0 of word 0; hash: 0 */
	int64		slots[FLEXIBLE_ARRAY_MEMBER];	/* hash: a member or ID_SET_EMPTY each; bitmap:
												 * 64 bits each */
} IdSet;

#define IdSetSize(nslots) (offsetof(IdSet, slots) + sizeof(int64) * (Size) (nslots))

/* The ids gathered by kpi_id_set_agg, as given (repeats included). */
typedef struct IdSetAggState
{
	int64	   *ids;
	int64		n;
	int64		allocated;
} IdSetAggState;

/* A 64-bit mix of the id (murmur3's finalizer), so that ids in sequence spread over the slots. */
static inline uint64
IdHash(int64 id)
{
	uint64		x = (uint64) id;

	x ^= x >> 33;
	x *= UINT64CONST(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64CONST(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

/* The error for more ids than a set holds. */
static CSM_NORETURN void
IdSetTooLarge(int64 n)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("too many ids for a kpi_id_set: " INT64_FORMAT, n),
			 errdetail("A kpi_id_set holds at most " INT64_FORMAT " ids.", (int64) ID_SET_MAX_MEMBERS)));
}

/* The slots for up to n members: twice n rounded up to a power of two, at least 8. */
static int32
IdSetSlotsFor(int64 n)
{
	int64		nslots = 8;

	if (n > ID_SET_MAX_MEMBERS)
		IdSetTooLarge(n);
	while (nslots < 2 * n && nslots < ID_SET_MAX_SLOTS)
		nslots *= 2;
	return (int32) nslots;
}

/* An empty set with room for up to n members, in the current memory context. */
static IdSet *
IdSetCreate(int64 n)
{
	int32		nslots = IdSetSlotsFor(n);
	IdSet	   *set = (IdSet *) palloc0(IdSetSize(nslots));
	int32		i;

	SET_VARSIZE(set, IdSetSize(nslots));
	set->version = ID_SET_VERSION;
	set->layout = ID_SET_HASH;
	set->nslots = nslots;
	for (i = 0; i < nslots; i++)
		set->slots[i] = ID_SET_EMPTY;
	return set;
}

/* Whether id is a member. */
static inline bool
IdSetContains(const IdSet *set, int64 id)
{
	uint64		mask = (uint64) set->nslots - 1;
	uint64		i;

	if (set->layout == ID_SET_BITMAP)
	{
		/* the offset from first, in unsigned arithmetic: ids below first wrap to large */
		uint64		bit = (uint64) id - (uint64) set->first;

		return bit < (uint64) set->nslots * 64 && (set->slots[bit / 64] >> (bit % 64)) & 1;
	}
	if (unlikely(id == ID_SET_EMPTY))
		return set->has_empty_mark;
	for (i = IdHash(id) & mask; set->slots[i] != ID_SET_EMPTY; i = (i + 1) & mask)
		if (set->slots[i] == id)
			return true;
	return false;
}

/* Adds id unless it is a member (set has room for it: it was made for at least this many). */
static void
IdSetAdd(IdSet *set, int64 id)
{
	uint64		mask = (uint64) set->nslots - 1;
	uint64		i;

	if (unlikely(id == ID_SET_EMPTY))
	{
		if (!set->has_empty_mark)
		{
			set->has_empty_mark = true;
			set->count++;
		}
		return;
	}
	for (i = IdHash(id) & mask; set->slots[i] != ID_SET_EMPTY; i = (i + 1) & mask)
		if (set->slots[i] == id)
			return;
	set->slots[i] = id;
	set->count++;
}

/*
 * The set of the n ids (repeats allowed): a bitmap when the words over their range are no
 * more than the slots a hash table of n members would take, else that table.
 */
static IdSet *
IdSetFrom(const int64 *ids, int64 n)
{
	IdSet	   *set;
	int64		lo,
				hi,
				i;
	uint64		words;

	if (n == 0)
		return IdSetCreate(0);
	lo = hi = ids[0];
	for (i = 1; i < n; i++)
	{
		lo = Min(lo, ids[i]);
		hi = Max(hi, ids[i]);
	}
	/* (hi - lo) / 64 + 1 words, in unsigned arithmetic: the range may exceed an int64 */
	words = ((uint64) hi - (uint64) lo) / 64 + 1;
	if (words > (uint64) IdSetSlotsFor(n))
	{
		set = IdSetCreate(n);
		for (i = 0; i < n; i++)
			IdSetAdd(set, ids[i]);
		return set;
	}
	set = (IdSet *) palloc0(IdSetSize(words));
	SET_VARSIZE(set, IdSetSize(words));
	set->version = ID_SET_VERSION;
	set->layout = ID_SET_BITMAP;
	set->nslots = (int32) words;
	set->first = lo;
	for (i = 0; i < n; i++)
	{
		uint64		bit = (uint64) ids[i] - (uint64) lo;
		uint64		mask = UINT64CONST(1) << (bit % 64);

		if (!((uint64) set->slots[bit / 64] & mask))
		{
			set->slots[bit / 64] = (int64) ((uint64) set->slots[bit / 64] | mask);
			set->count++;
		}
	}
	return set;
}

static int
CompareIds(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* The members ascending, in a new array of set->count ids. */
static int64 *
IdSetMembers(const IdSet *set)
{
	int64	   *ids = (int64 *) palloc(sizeof(int64) * Max(set->count, 1));
	int32		n = 0;
	int32		i;

	if (set->layout == ID_SET_BITMAP)
	{
		/* ascending already */
		for (i = 0; i < set->nslots; i++)
		{
			uint64		word = (uint64) set->slots[i];
			int			b;

			for (b = 0; word != 0; b++, word >>= 1)
				if (word & 1)
					ids[n++] = (int64) ((uint64) set->first + (uint64) i * 64 + (uint64) b);
		}
		return ids;
	}
	if (set->has_empty_mark)
		ids[n++] = ID_SET_EMPTY;
	for (i = 0; i < set->nslots; i++)
		if (set->slots[i] != ID_SET_EMPTY)
			ids[n++] = set->slots[i];
	qsort(ids, n, sizeof(int64), CompareIds);
	return ids;
}

/* The set in argument argno, with its version checked (a value of a later release is an error). */
static const IdSet *
IdSetArg(FunctionCallInfo fcinfo, int argno)
{
	const IdSet *set = (const IdSet *) PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));

	if (unlikely(set->version != ID_SET_VERSION))
	{
		CsmInput	in;

		csm_stored_begin(&in, "kpi_id_set");
		csm_check_version(&in, set->version, ID_SET_VERSION, ID_SET_VERSION);
	}
	return set;
}

/* ---------------------------------------------------------------------------------------
 * Input and output
 * --------------------------------------------------------------------------------------- */

/* Errors unless ids ascend without repeats. */
static void
CheckAscending(const CsmInput *in, const int64 *ids, int64 n)
{
	int64		i;

	for (i = 1; i < n; i++)
		if (ids[i] <= ids[i - 1])
			csm_input_error(in, "Id " INT64_FORMAT " (number " INT64_FORMAT ") does not follow " INT64_FORMAT ": ids must ascend without repeats.",
							ids[i], i + 1, ids[i - 1]);
}

/* Text input: v1 ids={<id>,...}, ascending. */
Datum
kpi_id_set_in(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	int64	   *ids;
	int64		n = 0;
	int64		allocated = 16;

	csm_text_begin(&in, "kpi_id_set", PG_GETARG_CSTRING(0), true);
	csm_text_expect(&in, "v");
	csm_check_version(&in, csm_text_int64(&in, "version", PG_INT64_MIN, PG_INT64_MAX),
					  ID_SET_VERSION, ID_SET_VERSION);
	csm_text_expect(&in, " ids={");
	ids = (int64 *) palloc(sizeof(int64) * allocated);
	if (!csm_text_skip(&in, "}"))
	{
		do
		{
			if (n == allocated)
			{
				if (n >= ID_SET_MAX_MEMBERS)
					IdSetTooLarge(n + 1);
				allocated *= 2;
				ids = (int64 *) repalloc_huge(ids, sizeof(int64) * allocated);
			}
			ids[n++] = csm_text_int64(&in, "id", PG_INT64_MIN, PG_INT64_MAX);
		} while (csm_text_skip(&in, ","));
		csm_text_expect(&in, "}");
	}
	csm_text_end(&in);
	CheckAscending(&in, ids, n);
	PG_RETURN_POINTER(IdSetFrom(ids, n));
}

/* Text output, the form kpi_id_set_in reads. */
Datum
kpi_id_set_out(PG_FUNCTION_ARGS)
{
	const IdSet *set = IdSetArg(fcinfo, 0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "v%d ids={", (int) set->version);
	csm_append_int64_list(&buf, IdSetMembers(set), set->count);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

/* Binary input: version (one byte), member count (int32), members ascending (int64 each). */
Datum
kpi_id_set_recv(PG_FUNCTION_ARGS)
{
	CsmInput	in;
	int64		n;
	int64	   *ids;
	int64		i;

	csm_recv_begin(&in, "kpi_id_set", (StringInfo) PG_GETARG_POINTER(0));
	csm_check_version(&in, csm_recv_int(&in, 1, "version"), ID_SET_VERSION, ID_SET_VERSION);
	n = csm_recv_int(&in, 4, "id count");
	if (n < 0)
		csm_input_error(&in, "The id count is negative (" INT64_FORMAT ").", n);
	csm_recv_length(&in, 8 * n, "ids");
	if (n > ID_SET_MAX_MEMBERS)
		IdSetTooLarge(n);
	ids = (int64 *) palloc_extended(sizeof(int64) * Max(n, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < n; i++)
		ids[i] = csm_recv_int(&in, 8, "id");
	csm_recv_end(&in);
	CheckAscending(&in, ids, n);
	PG_RETURN_POINTER(IdSetFrom(ids, n));
}

/* Binary output, the layout kpi_id_set_recv reads. */
Datum
kpi_id_set_send(PG_FUNCTION_ARGS)
{
	const IdSet *set = IdSetArg(fcinfo, 0);
	const int64 *ids = IdSetMembers(set);
	StringInfoData buf;
	int32		i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, set->version);
	pq_sendint32(&buf, set->count);
	for (i = 0; i < set->count; i++)
		pq_sendint64(&buf, ids[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---------------------------------------------------------------------------------------
 * kpi_id_set_agg(id bigint): the set of the group's ids (NULLs left out); an empty set over
 * no row, so that a test against it is false rather than NULL.
 * --------------------------------------------------------------------------------------- */

Datum
kpi_id_set_agg_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	IdSetAggState *st = PG_ARGISNULL(0) ? NULL : (IdSetAggState *) PG_GETARG_POINTER(0);

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "kpi_id_set_agg_trans called outside its aggregate");
	if (st == NULL)
	{
		st = (IdSetAggState *) MemoryContextAllocZero(cxt, sizeof(IdSetAggState));
		st->allocated = 1024;
		st->ids = (int64 *) MemoryContextAlloc(cxt, sizeof(int64) * st->allocated);
	}
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);
	if (st->n == st->allocated)
	{
		/* the ids gathered may repeat, so their number is only checked against the limit here */
		if (st->n > 2 * ID_SET_MAX_MEMBERS)
			IdSetTooLarge(st->n);
		st->allocated *= 2;
		st->ids = (int64 *) repalloc_huge(st->ids, sizeof(int64) * st->allocated);
	}
	st->ids[st->n++] = PG_GETARG_INT64(1);
	PG_RETURN_POINTER(st);
}

Datum
kpi_id_set_agg_final(PG_FUNCTION_ARGS)
{
	IdSetAggState *st = PG_ARGISNULL(0) ? NULL : (IdSetAggState *) PG_GETARG_POINTER(0);
	int64	   *ids;
	int64		n;
	int64		i;
	int64		kept = 0;

	if (st == NULL)
		PG_RETURN_POINTER(IdSetCreate(0));
	if (st->n <= ID_SET_MAX_MEMBERS)
		PG_RETURN_POINTER(IdSetFrom(st->ids, st->n));

	/*
	 * More ids than a set holds, maybe with repeats: count the distinct ones, so that the
	 * error happens only when they are too many (a copy, since the state is not changed).
	 */
	n = st->n;
	ids = (int64 *) palloc_extended(sizeof(int64) * n, MCXT_ALLOC_HUGE);
	memcpy(ids, st->ids, sizeof(int64) * n);
	qsort(ids, n, sizeof(int64), CompareIds);
	for (i = 0; i < n; i++)
		if (i == 0 || ids[i] != ids[i - 1])
			ids[kept++] = ids[i];
	PG_RETURN_POINTER(IdSetFrom(ids, kept));
}

/* ---------------------------------------------------------------------------------------
 * kpi_id_set_contains(set kpi_id_set, id bigint): whether id is a member.
 * --------------------------------------------------------------------------------------- */

/*
 * A set read from a table arrives as a TOAST pointer (or compressed in its row) for every
 * row a query tests, as the value of the InitPlan that read it: detoasting it each time would
 * copy the whole table of ids per row. The call site keeps the last set it detoasted, known
 * by its TOAST pointer (a stored value is never changed in place, and is not removed while
 * the query's snapshot can see it) or, compressed in its row, by its compressed bytes.
 */
typedef struct IdSetCache
{
	Oid			toastrelid;		/* the set's TOAST pointer, when it came as one */
	Oid			valueid;
	struct varlena *compressed; /* else its compressed bytes */
	const IdSet *set;			/* the set, detoasted, in fn_mcxt */
} IdSetCache;

static const IdSet *
IdSetArgCached(FunctionCallInfo fcinfo, int argno)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	IdSetCache *cache = (IdSetCache *) fcinfo->flinfo->fn_extra;
	struct varatt_external pointer = {0};
	bool		ondisk = VARATT_IS_EXTERNAL_ONDISK(raw);
	MemoryContext old;

	if (!ondisk && !VARATT_IS_COMPRESSED(raw))
		return IdSetArg(fcinfo, argno);		/* in memory already, or a short copy */
	if (ondisk)
		VARATT_EXTERNAL_GET_POINTER(pointer, raw);
	if (cache != NULL && cache->set != NULL
		&& (ondisk ? cache->compressed == NULL && cache->toastrelid == pointer.va_toastrelid
			&& cache->valueid == pointer.va_valueid
			: cache->compressed != NULL && VARSIZE(cache->compressed) == VARSIZE(raw)
			&& memcmp(cache->compressed, raw, VARSIZE(raw)) == 0))
		return cache->set;

	if (cache == NULL)
	{
		cache = (IdSetCache *) MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(IdSetCache));
		fcinfo->flinfo->fn_extra = cache;
	}
	if (cache->set != NULL)
		pfree((void *) cache->set);
	if (cache->compressed != NULL)
		pfree(cache->compressed);
	cache->set = NULL;
	cache->compressed = NULL;
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (ondisk)
	{
		cache->toastrelid = pointer.va_toastrelid;
		cache->valueid = pointer.va_valueid;
	}
	else
	{
		cache->compressed = (struct varlena *) palloc(VARSIZE(raw));
		memcpy(cache->compressed, raw, VARSIZE(raw));
	}
	cache->set = IdSetArg(fcinfo, argno);
	MemoryContextSwitchTo(old);
	return cache->set;
}

Datum
kpi_id_set_contains(PG_FUNCTION_ARGS)
{
	const IdSet *set = IdSetArgCached(fcinfo, 0);

	PG_RETURN_BOOL(IdSetContains(set, PG_GETARG_INT64(1)));
}

/*
 * The planner's estimate of the rows kpi_id_set_contains keeps: one half, what it takes for
 * the EXISTS test it replaces in the views (its default for a subquery), so that the plans
 * around the test stay those it had. Without this, a boolean function counts for a third.
 */
Datum
kpi_id_set_contains_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);

	if (IsA(rawreq, SupportRequestSelectivity))
	{
		SupportRequestSelectivity *req = (SupportRequestSelectivity *) rawreq;

		req->selectivity = 0.5;
		PG_RETURN_POINTER(req);
	}
	PG_RETURN_POINTER(NULL);
}
