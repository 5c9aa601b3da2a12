/* common.c: the helpers every storage file shares: RocksDB errors as
 * ddb_error_t values, checked point reads, iterator
 * status, and the engine's clock. Calls no other storage module. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/engine.h"

int ddb__rocks_error(ddb_error_t *err, char *msg) {
    int rc = ddb_error_set(err, DDB_ERR_INTERNAL, "storage error: %s", msg ? msg : "unknown");
    free(msg);
    return rc;
}

int ddb__get(rk_engine_t *e, const rocksdb_readoptions_t *ro, int cf, const void *k, size_t kl,
             char **v, size_t *vl, ddb_error_t *err) {
    char *msg = NULL;
    *vl = 0;
    *v = rocksdb_get_cf(e->db, ro, e->cf[cf], (const char *)k, kl, vl, &msg);
    if (msg) {
        free(*v);
        *v = NULL;
        return ddb__rocks_error(err, msg);
    }
    return 0;
}

int ddb__iter_status(rocksdb_iterator_t *it, ddb_error_t *err) {
    char *msg = NULL;
    rocksdb_iter_get_error(it, &msg);
    return msg ? ddb__rocks_error(err, msg) : 0;
}

int64_t ddb_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
