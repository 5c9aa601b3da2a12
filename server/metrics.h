/* metrics.h: ddbd's metrics and their Prometheus text rendering (GET
 * /metrics, exposition format 0.0.4).
 *
 * Each event loop counts its own requests in its own metrics_loop_t (one
 * writer, relaxed atomics on cache lines of its own: no lock and no shared
 * line on the request path); a scrape sums the loops and reads the engine's
 * statistics. Knows the operations only as slots and names the router gives. */
#ifndef DDB_METRICS_H
#define DDB_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "query/arena.h"
#include "query/buf.h"
#include "storage/ddb.h"

/* Operation slots a loop counts (the router's operations, and its
 * catch-alls, fit under this). */
#define METRICS_MAX_OPS 40

typedef struct metrics metrics_t;
typedef struct metrics_loop metrics_loop_t;

/* A registry for nloops loops; nconns is the shared count of open
 * connections (http_limits_t's), or NULL. Aborts when out of memory.
 * Release with metrics_destroy once no loop runs. */
metrics_t *metrics_create(int nloops, _Atomic int *nconns);
void metrics_destroy(metrics_t *m);

/* Loop i's counters (0 <= i < nloops), written only by that loop's thread. */
metrics_loop_t *metrics_loop(metrics_t *m, int i);

/* The monotonic clock in nanoseconds (request latency). */
uint64_t metrics_now_ns(void);

/* Counts one request of operation `slot` (< METRICS_MAX_OPS), whose name
 * `op` (a static string) labels it, answered with HTTP status `status`
 * after `ns` nanoseconds, with bytes_in request and bytes_out response body
 * bytes. Only l's own loop thread may call it. */
void metrics_count(metrics_loop_t *l, int slot, const char *op, int status, uint64_t ns,
                   size_t bytes_in, size_t bytes_out);

/* Renders every metric into out: the loops' sums, connections, the tables'
 * gauges and the engine's statistics (e). Reads the catalog (memory from
 * arena a); any loop thread. */
void metrics_render(metrics_t *m, ddb_engine_t *e, ddb_arena_t *a, buf_t *out);

#endif
