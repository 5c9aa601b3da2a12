/* tokens.h: idempotency tokens of rk_write_all_once (TransactWriteItems'
 * ClientRequestToken), kept in the default column family beside nothing
 * else: looked up and recorded under the writer, in the transaction's own
 * batch, and swept by the maintenance thread once their window has passed.
 * Internal to storage/. */
#ifndef DDB_STORAGE_TOKENS_H
#define DDB_STORAGE_TOKENS_H

#include "storage/engine.h"

/* What a token's lookup found (ddb__token_check). */
typedef struct token_seen {
    bool replay;      /* applied within the window with the same digest */
    int64_t stale_ms; /* an expired record's time (its index key is replaced when the
                       * token is recorded again), -1: none */
} token_seen_t;

/* Looks token up at now_ms. Caller holds the writer (so that no other
 * transaction records the token between this and ddb__token_put). 0 with
 * *seen filled, DDB_ERR_IDEMPOTENT_MISMATCH when the token was applied
 * within the window with another digest, or DDB_ERR_INTERNAL. */
int ddb__token_check(rk_engine_t *e, const ddb_token_t *token, int64_t now_ms, token_seen_t *seen,
                     ddb_error_t *err);

/* Adds the token's record (applied at now_ms) to wb, the transaction's own
 * batch, replacing the expired record seen->stale_ms names. Caller holds the
 * writer. */
void ddb__token_put(rk_engine_t *e, rocksdb_writebatch_t *wb, const ddb_token_t *token,
                    const token_seen_t *seen, int64_t now_ms);

/* Deletes the records whose window has passed by now_ms, oldest first,
 * bounded per call; takes the writer itself, a small group at a time. */
int ddb__token_sweep(rk_engine_t *e, int64_t now_ms, ddb_error_t *err);

#endif
