/*
 * flow.h
 *		What the two customer-flow files share: flow.c (one period: customer_flow,
 *		churn_rate, retention_rate, rollup(customer_flow) and the accessors) and
 *		flow_series.c (customer_flows over a series of periods). The counts of a period, the
 *		span and count helpers, the customer_flow row builder and the instant kind of the text
 *		and binary forms of both state types; all are defined in flow.c.
 */
#ifndef CSMETRICS_FLOW_H
#define CSMETRICS_FLOW_H

#include "csmetrics.h"
#include "period.h"
#include "state_io.h"

#include "access/tupdesc.h"
#include "lib/stringinfo.h"

/* On-disk format version of both state types; input rejects any other. */
#define FLOW_FORMAT_VERSION 1

/* Number of attributes of the composite type customer_flow. */
#define FLOW_NATTS 7

/* The four independent counts of one period; customers_end follows from them. */
typedef struct FlowCounts
{
	int64		customers_start;	/* S: present at period start */
	int64		new_customers;	/* N: started within the period */
	int64		lost_customers; /* L: present at start, ended within the period */
	int64		lost_new_customers; /* Ln: started and ended within the period */
} FlowCounts;

/* Adds (sign 1) or removes (sign -1) n to a counter, with overflow and underflow checks. */
static inline void
FlowCountAdd(int64 *counter, int sign, int64 n)
{
	*counter = sign > 0 ? csm_add_count(*counter, n) : csm_sub_count(*counter, n);
}

/* Spans, parameters and counts (the arguments of the transition functions). */
extern void FlowReadSpan(FunctionCallInfo fcinfo, InstantKind kind, int64 *start, int64 *end,
						 bool *open);
extern void FlowRequireArg(FunctionCallInfo fcinfo, int argno, const char *what);
extern void FlowCheckStateKind(int state_kind, InstantKind kind);
extern int64 FlowCountsEnd(const FlowCounts *c);
extern bool FlowCountsValid(const FlowCounts *c);
extern void FlowCheckRemoved(const FlowCounts *c);

/* One customer_flow row from a period and its counts. */
extern Datum FlowComposite(TupleDesc tupdesc, TimestampTz ps, TimestampTz pe,
						   const FlowCounts *c);

/* The instant kind and integer fields of the text and binary forms (state_io.h). */
extern InstantKind FlowReadKind(CsmInput *in);
extern InstantKind FlowCheckKind(CsmInput *in, int64 kind);
extern int64 FlowReadField(CsmInput *in, const char *name);

#endif							/* CSMETRICS_FLOW_H */
