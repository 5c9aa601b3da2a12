/* secret.c: the data directory's secret (ddb_secret): 32 random bytes from
 * getrandom, made the first time they are asked for and kept in the catalog
 * column family, so that what the server signs stays valid across restarts.
 * Never hands out a secret it has not stored durably; never logs it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "storage/commit.h"
#include "storage/engine.h"

/* Beside the id counter ("\x01next_table_id"): outside the 't' and 'b'
 * ranges that the table and backfill scans walk. */
#define SECRET_KEY "\x01secret"

/* Reads the stored secret: 0 with *found, or an error (a record of the
 * wrong size is one: a secret is never silently replaced). */
static int read_secret(rk_engine_t *e, uint8_t out[DDB_SECRET_LEN], bool *found, ddb_error_t *err) {
    char *v;
    size_t vl;
    int rc = ddb__get(e, e->ro, CF_CATALOG, SECRET_KEY, sizeof SECRET_KEY - 1, &v, &vl, err);
    if (rc) return rc;
    *found = v != NULL;
    if (v && vl != DDB_SECRET_LEN) rc = ddb_error_set(err, DDB_ERR_INTERNAL, "corrupt secret");
    if (v && !rc) memcpy(out, v, DDB_SECRET_LEN);
    free(v);
    return rc;
}

static int random_bytes(uint8_t *p, size_t n, ddb_error_t *err) {
    while (n) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return ddb_error_set(err, DDB_ERR_INTERNAL, "getrandom: %s", strerror(errno));
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

/* Makes and stores a new secret (caller holds the writer): written to the
 * WAL (fsynced with --sync) before it is used, as any acknowledged write, since
 * a secret lost in a crash would invalidate what was signed with it. */
static int make_secret(rk_engine_t *e, uint8_t out[DDB_SECRET_LEN], ddb_error_t *err) {
    int rc = random_bytes(out, DDB_SECRET_LEN, err);
    if (rc) return rc;
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    rocksdb_writebatch_put_cf(wb, e->cf[CF_CATALOG], SECRET_KEY, sizeof SECRET_KEY - 1,
                              (const char *)out, DDB_SECRET_LEN);
    rc = ddb__write_batch(e, wb, err);
    /* in the WAL before use, through the commit path (which knows a failed
     * disk, and an in-memory engine's WAL, that cannot be synced) */
    return rc ? rc : rk_commit(e, err);
}

int rk_secret(rk_engine_t *e, uint8_t out[DDB_SECRET_LEN], ddb_error_t *err) {
    bool found;
    int rc = read_secret(e, out, &found, err);
    if (rc || found) return rc;
    /* the first use: the writer makes concurrent first uses agree */
    pthread_mutex_lock(&e->writer);
    rc = read_secret(e, out, &found, err);
    if (!rc && !found) rc = make_secret(e, out, err);
    pthread_mutex_unlock(&e->writer);
    if (rc) memset(out, 0, DDB_SECRET_LEN);
    return rc;
}
