/*
 * survival.h
 *		What the two Kaplan–Meier files share: survival.c (the survival_summary type, its
 *		aggregates and accessors) and survival_ltv.c (the ltv(arpa, tenure, churned
 *		[, horizon]) aggregate and its survival_ltv_state). Both values use one layout; the
 *		helpers that build, update, read, write and measure it are defined in survival.c.
 */
#ifndef CSMETRICS_SURVIVAL_H
#define CSMETRICS_SURVIVAL_H

#include "csmetrics.h"
#include "state_io.h"

#include "lib/stringinfo.h"

#define SURVIVAL_VERSION		1
#define SURVIVAL_MAX_TENURE		1200
#define SURVIVAL_SLOTS			(SURVIVAL_MAX_TENURE + 1)	/* tenures 0..1200 */
#define SURVIVAL_MAX_HORIZON	SURVIVAL_SLOTS

/* What a value is: a survival_summary, or the state of the ltv aggregate. */
#define SURVIVAL_KIND_SUMMARY	1
#define SURVIVAL_KIND_LTV		2

/* Customers with one tenure. */
typedef struct SurvivalCount
{
	int64		churned;		/* churned after exactly this many whole periods */
	int64		censored;		/* still active, observed for exactly this many periods */
} SurvivalCount;

/*
 * survival_summary and survival_ltv_state share this layout (kind tells them apart).
 * counts[] may have spare slots beyond ntenures in a transition state (geometric growth);
 * stored values, text and binary forms never do. counts[] starts 8-byte aligned.
 */
typedef struct SurvivalSummary
{
	int32		vl_len_;		/* varlena header; covers every allocated slot of counts[] */
	uint8		version;		/* format version, SURVIVAL_VERSION */
	uint8		kind;			/* SURVIVAL_KIND_SUMMARY or SURVIVAL_KIND_LTV */
	int16		ntenures;		/* largest tenure with a customer + 1; 0 when empty */
	int32		horizon;		/* ltv: the horizon given on every row, 0 when none */
	int16		arpa_scale;		/* ltv: the sum of arpa is arpa_sum / 10^arpa_scale */
	int16		arpa_dscale;	/* ltv: largest display scale of an arpa (as sum() keeps) */
	int64		customers;		/* sum of all counts; bounds every sum taken over counts */
	int64		churned;		/* sum of the churned counts */
	uint64		arpa_lo;		/* ltv: low 64 bits of the fixed-point sum of arpa */
	int64		arpa_hi;		/* ltv: high 64 bits (kept as two fields: int128 alignment) */
	SurvivalCount counts[FLEXIBLE_ARRAY_MEMBER];	/* counts[t] for tenure t */
} SurvivalSummary;

#define SURVIVAL_HEADER_SIZE	offsetof(SurvivalSummary, counts)
#define SurvivalSize(slots)		(SURVIVAL_HEADER_SIZE + (Size) (slots) * sizeof(SurvivalCount))
#define SurvivalSlots(s)		((int) ((VARSIZE(s) - SURVIVAL_HEADER_SIZE) / sizeof(SurvivalCount)))

#define PG_GETARG_SURVIVAL(n)	((SurvivalSummary *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

/* Building and updating values (survival.c, "Building and updating summaries"). */
extern SurvivalSummary *SurvivalNew(int kind, int slots);
extern void SurvivalCheck(const SurvivalSummary *s, int kind);
extern void SurvivalCheckTenure(int32 tenure);
extern void SurvivalCheckHorizon(int32 horizon);
extern SurvivalSummary *SurvivalForUpdate(FunctionCallInfo fcinfo, SurvivalSummary *state,
										  int kind, int slots);
extern void SurvivalAdd(SurvivalSummary *s, int tenure, bool churned);
extern void SurvivalMergeCounts(SurvivalSummary *s, const SurvivalSummary *b);
extern SurvivalSummary *SurvivalCompact(const SurvivalSummary *s);

/* Kaplan–Meier: the restricted mean lifetime and its default horizon. */
extern float8 SurvivalRestrictedMean(const SurvivalSummary *s, int horizon);
extern int	SurvivalDefaultHorizon(const SurvivalSummary *s);

/* Text and binary forms: the version and the tenure counts both types carry (state_io.h). */
extern void SurvivalReadVersion(CsmInput *in);
extern SurvivalSummary *SurvivalReadCounts(CsmInput *in, int kind);
extern void SurvivalAppendCounts(StringInfo buf, const SurvivalSummary *s);
extern void SurvivalSendCounts(StringInfo buf, const SurvivalSummary *s);

/* Aggregate states that may be NULL. */
extern SurvivalSummary *SurvivalStateArg(FunctionCallInfo fcinfo, int n);
extern Datum SurvivalReturnState(FunctionCallInfo fcinfo, SurvivalSummary *state);

#endif							/* CSMETRICS_SURVIVAL_H */
