/* rtx.h: transactions across buckets on the cluster: one bucket's writes
 * are one ddb_apply; several buckets' go through two phases (intents on
 * every item, then one decision in a coordinator record, then the writes),
 * all or nothing and isolated: a plain write or a read of an item a
 * transaction holds sees it, and any front end finishes a transaction whose
 * front end died (rolls it forward once decided, aborts it once abandoned). */
#ifndef DDB_RTX_H
#define DDB_RTX_H

#include "storage/redis/rstore.h"

/* Key sets one slot's share of a transaction may write at most: a table's
 * bucket and its local indexes' (DynamoDB allows 5 LSIs a table). */
#define RTX_SETS_MAX 6

/* One slot's share of a transaction. */
typedef struct rtx_group {
    rs_bucket_t sets[RTX_SETS_MAX]; /* its key sets (rs_apply), sets[0] holding the prepare */
    size_t nsets;
    rs_write_t *w; /* its writes (versions and stream ids filled on success) */
    size_t n;
} rtx_group_t;

typedef struct rtx_opts {
    int abandon_ms;        /* a transaction still preparing this long after it began may be
                            * aborted by any front end (0: 5000) */
    size_t stream_keep_ms; /* the buckets' stream retention (rs_apply) */
    int stop_after;        /* tests only: 1 = give up after the prepares, 2 = after the commit
                            * decision, as a front end killed there would (0: run to the end) */
} rtx_opts_t;

/* Runs the writes of g[0..ng) (distinct slots) all or none. Fails with
 * DDB_ERR_TRANSACTION_CONFLICT, writing nothing, when an item is at another
 * version than its write expects or another transaction holds it:
 * *failed = the index of the group (and *item of the write, both may be
 * NULL) and holder that transaction's id ("" for a version; may be NULL).
 * Once the decision to commit is recorded the transaction succeeds, even
 * if a phase-two write could not be sent (any front end finishes it; the
 * versions of such a group are then left 0). */
int rtx_run(rc_conn_t *k, rtx_group_t *g, size_t ng, const rtx_opts_t *o, size_t *failed,
            size_t *item, char holder[RS_TXID_LEN + 1], ddb_error_t *err);

/* Finishes transaction txid, found holding an item of key set where: when
 * it was decided, applies (or drops) its writes in every slot it names;
 * when it is still preparing past abandon_ms, aborts it first. *resolved:
 * it no longer holds anything (else it is alive and young: the caller
 * reports a conflict or tries later). */
int rtx_resolve(rc_conn_t *k, const char *txid, const rs_bucket_t *where, const rtx_opts_t *o,
                bool *resolved, ddb_error_t *err);

#endif
