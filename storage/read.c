/* read.c: item reads: one item by primary key, and several from one
 * snapshot (TransactGetItems, BatchGetItem). Reads never take the writer;
 * nothing here writes. */
#include <stdlib.h>

#include "storage/read.h"

int ddb__read_item(rk_engine_t *e, const rocksdb_readoptions_t *ro, const bytes_t *k,
                   ddb_arena_t *a, const ddb_value_t **out, ddb_error_t *err) {
    char *v;
    size_t vl;
    *out = NULL;
    int rc = ddb__get(e, ro, CF_ITEMS, k->p, k->len, &v, &vl, err);
    if (rc || !v) return rc;
    ddb_value_t *item = ddb_arena_alloc(a, sizeof *item);
    rc = ic_decode((const uint8_t *)v, vl, a, item, err);
    free(v);
    if (!rc) *out = item;
    return rc;
}

int rk_item_get(rk_engine_t *e, const ddb_table_info_t *t, const ddb_value_t *key, ddb_arena_t *a,
                const ddb_value_t **out, ddb_error_t *err) {
    bytes_t k = {0};
    int rc = ddb__item_key(&k, t, key, err);
    if (rc) return rc;
    rc = ddb__read_item(e, e->ro, &k, a, out, err);
    bytes_free(&k);
    return rc;
}

int rk_read_all(rk_engine_t *e, const ddb_table_info_t *const *tables,
                const ddb_value_t *const *keys, size_t n, ddb_arena_t *a, const ddb_value_t **out,
                ddb_error_t *err) {
    const rocksdb_snapshot_t *snap = rocksdb_create_snapshot(e->db);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_snapshot(ro, snap);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        bytes_t k = {0};
        rc = ddb__item_key(&k, tables[i], keys[i], err);
        if (!rc) rc = ddb__read_item(e, ro, &k, a, &out[i], err);
        bytes_free(&k);
    }
    rocksdb_readoptions_destroy(ro);
    rocksdb_release_snapshot(e->db, snap);
    return rc;
}
