/*
 * flow.h
 *		What the two customer-flow files share: flow.c (one period: customer_flow,
 *		churn_rate, retention_rate, rollup(customer_flow) and the accessors) and
 *		flow_series.c (customer_flows over a series of periods). The counts of a period, the
 *		span and count helpers, the customer_flow row builder and the helpers of the text and
 *		binary forms of both state types; all are defined in flow.c.
 */
#ifndef CSMETRICS_FLOW_H
#define CSMETRICS_FLOW_H

#include "csmetrics.h"
#include "period.h"

#include "access/tupdesc.h"
#include "lib/stringinfo.h"

/* On-disk format version of both state types; input rejects any other. */
#define FLOW_FORMAT_VERSION 1

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

/* Position in a text form being parsed, and what to name in errors. */
typedef struct FlowTextCursor
{
	const char *p;				/* next character to read */
	const char *input;			/* the whole input, for the message */
	const char *type;			/* the SQL type being read */
} FlowTextCursor;

/* Spans, parameters and counts (the arguments of the transition functions). */
extern void FlowReadSpan(FunctionCallInfo fcinfo, InstantKind kind, int64 *start, int64 *end,
						 bool *open);
extern void FlowRequireArg(FunctionCallInfo fcinfo, int argno, const char *what);
extern void FlowCheckStateKind(int state_kind, InstantKind kind);
extern int64 FlowCountsEnd(const FlowCounts *c);
extern bool FlowCountsValid(const FlowCounts *c);

/* One customer_flow row from a period and its counts. */
extern Datum FlowComposite(TupleDesc tupdesc, TimestampTz ps, TimestampTz pe,
						   const FlowCounts *c);

/* Reading and checking the text and binary forms of the state types. */
extern void FlowTextError(const FlowTextCursor *c, const char *detail);
extern void FlowExpectText(FlowTextCursor *c, const char *lit);
extern int64 FlowReadInt64(FlowTextCursor *c);
extern InstantKind FlowReadKind(FlowTextCursor *c);
extern void FlowCheckVersion(int64 version, const char *type);
extern InstantKind FlowCheckKind(int32 kind, const char *type);
extern void FlowStateError(const char *type, const char *detail);
extern void FlowRecvCheckLength(StringInfo buf, int64 need, const char *type);

#endif							/* CSMETRICS_FLOW_H */
