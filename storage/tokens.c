/* tokens.c: idempotency tokens (ddb_write_all_once). A token is two keys of
 * the default column family, which holds nothing else, written in the
 * transaction's own batch under the writer, so a token is recorded exactly
 * when its transaction is:
 *
 *   'T' token                 -> [version 1][applied ms BE64][digest 16]
 *   'E' [applied ms BE64] token -> ""   (expiry order, for the sweep)
 *
 * The sweep reads the 'E' keys oldest first and deletes the records whose
 * window has passed, a bounded amount per call. Never decides what a
 * digest covers (the caller does). */
#include <stdlib.h>
#include <string.h>

#include "storage/tokens.h"
#include "storage/writer.h"

#define RECORD_LEN  (1 + 8 + 16)
#define SWEEP_READ  1000  /* index keys read per pass */
#define SWEEP_GROUP 100   /* deletions per batch (and writer hold) */
#define SWEEP_MAX   10000 /* index keys handled per call */

static void record_key(bytes_t *k, const char *text, size_t len) {
    bytes_putc(k, 'T');
    bytes_put(k, text, len);
}

static void expiry_key(bytes_t *k, int64_t at, const char *text, size_t len) {
    uint8_t be[8];
    kc_put_be64(be, (uint64_t)at);
    bytes_putc(k, 'E');
    bytes_put(k, be, 8);
    bytes_put(k, text, len);
}

/* Reads a token's record: *found false when absent. */
static int read_record(rk_engine_t *e, const char *text, size_t len, bool *found, int64_t *at,
                       uint8_t digest[16], ddb_error_t *err) {
    bytes_t k = {0};
    record_key(&k, text, len);
    char *v;
    size_t vl;
    int rc = ddb__get(e, e->ro, CF_DEFAULT, k.p, k.len, &v, &vl, err);
    bytes_free(&k);
    *found = false;
    if (rc || !v) return rc;
    if (vl != RECORD_LEN || v[0] != 1) {
        free(v);
        return ddb_error_set(err, DDB_ERR_INTERNAL, "an idempotency token record does not decode");
    }
    *found = true;
    *at = (int64_t)kc_get_be64((const uint8_t *)v + 1);
    memcpy(digest, v + 9, 16);
    free(v);
    return 0;
}

int ddb__token_check(rk_engine_t *e, const ddb_token_t *token, int64_t now_ms, token_seen_t *seen,
                     ddb_error_t *err) {
    seen->replay = false;
    seen->stale_ms = -1;
    bool found;
    int64_t at;
    uint8_t digest[16];
    int rc = read_record(e, token->text, token->len, &found, &at, digest, err);
    if (rc || !found) return rc;
    if (now_ms - at >= e->token_window_ms) {
        seen->stale_ms = at; /* forgotten: a new request (the sweep has not reached it) */
        return 0;
    }
    if (memcmp(digest, token->digest, 16) != 0) {
        return ddb_error_set(err, DDB_ERR_IDEMPOTENT_MISMATCH,
                             "Request with the same client token was previously submitted with "
                             "different request parameters");
    }
    seen->replay = true;
    return 0;
}

void ddb__token_put(rk_engine_t *e, rocksdb_writebatch_t *wb, const ddb_token_t *token,
                    const token_seen_t *seen, int64_t now_ms) {
    bytes_t k = {0};
    if (seen->stale_ms >= 0) {
        expiry_key(&k, seen->stale_ms, token->text, token->len);
        rocksdb_writebatch_delete_cf(wb, e->cf[CF_DEFAULT], (const char *)k.p, k.len);
        k.len = 0;
    }
    uint8_t v[RECORD_LEN];
    v[0] = 1;
    kc_put_be64(v + 1, (uint64_t)now_ms);
    memcpy(v + 9, token->digest, 16);
    record_key(&k, token->text, token->len);
    rocksdb_writebatch_put_cf(wb, e->cf[CF_DEFAULT], (const char *)k.p, k.len, (const char *)v,
                              sizeof v);
    k.len = 0;
    expiry_key(&k, now_ms, token->text, token->len);
    rocksdb_writebatch_put_cf(wb, e->cf[CF_DEFAULT], (const char *)k.p, k.len, "", 0);
    bytes_free(&k);
}

/* Deletes the tokens of n expiry keys, under the writer: a record is
 * deleted only while it still carries the key's time (the token may have
 * been recorded afresh since the keys were read). */
static int delete_group(rk_engine_t *e, const bytes_t *keys, size_t n, ddb_error_t *err) {
    pthread_mutex_lock(&e->writer);
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        const char *text = (const char *)keys[i].p + 9;
        size_t len = keys[i].len - 9;
        bool found;
        int64_t at;
        uint8_t digest[16];
        rc = read_record(e, text, len, &found, &at, digest, err);
        if (!rc && found && at == (int64_t)kc_get_be64(keys[i].p + 1)) {
            bytes_t k = {0};
            record_key(&k, text, len);
            rocksdb_writebatch_delete_cf(wb, e->cf[CF_DEFAULT], (const char *)k.p, k.len);
            bytes_free(&k);
        }
        rocksdb_writebatch_delete_cf(wb, e->cf[CF_DEFAULT], (const char *)keys[i].p, keys[i].len);
    }
    if (rc)
        ddb__abandon_batch(e, wb);
    else
        rc = ddb__commit_batch(e, wb, NULL, err);
    pthread_mutex_unlock(&e->writer);
    return rc;
}

/* The expiry keys of tokens applied at or before cutoff, oldest first, at
 * most SWEEP_READ (malloc'd into keys[]). */
static int due_keys(rk_engine_t *e, int64_t cutoff, bytes_t *keys, size_t *n, ddb_error_t *err) {
    uint8_t lo[1] = {'E'}, hi[9] = {'E'};
    kc_put_be64(hi + 1, (uint64_t)cutoff + 1);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi, sizeof hi);
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(e->db, ro, e->cf[CF_DEFAULT]);
    *n = 0;
    for (rocksdb_iter_seek(it, (const char *)lo, sizeof lo);
         rocksdb_iter_valid(it) && *n < SWEEP_READ; rocksdb_iter_next(it)) {
        size_t kl;
        const char *k = rocksdb_iter_key(it, &kl);
        if (kl <= 9) continue; /* not an expiry key of ours */
        keys[*n] = (bytes_t){0};
        bytes_put(&keys[(*n)++], k, kl);
    }
    int rc = ddb__iter_status(it, err);
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    return rc;
}

int ddb__token_sweep(rk_engine_t *e, int64_t now_ms, ddb_error_t *err) {
    int64_t cutoff = now_ms - e->token_window_ms;
    if (cutoff < 0) return 0;
    bytes_t *keys = calloc(SWEEP_READ, sizeof *keys);
    if (!keys) abort();
    int rc = 0;
    for (size_t done = 0; !rc && done < SWEEP_MAX;) {
        size_t n;
        rc = due_keys(e, cutoff, keys, &n, err);
        for (size_t i = 0; !rc && i < n; i += SWEEP_GROUP)
            rc = delete_group(e, keys + i, n - i < SWEEP_GROUP ? n - i : SWEEP_GROUP, err);
        for (size_t i = 0; i < n; i++)
            bytes_free(&keys[i]);
        done += n;
        if (n < SWEEP_READ) break;
    }
    free(keys);
    return rc;
}
