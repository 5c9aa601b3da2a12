/* tablerec.c: the table record (everything the catalog keeps of a table but
 * its name and statistics), one map value in the item codec; written once
 * for both backends' catalogs and the backups. Pure. */
#include <string.h>

#include "storage/index.h"
#include "storage/tablerec.h"

/* Table record: the key schema and meta as one map value via the item codec. */
void ddb__encode_table(bytes_t *out, const ddb_table_info_t *t) {
    uint8_t id[4];
    kc_put_be32(id, t->id);
    bytes_put(out, id, 4);
    ddb_attr_t attrs[9];
    size_t n = 0;
    char ht = (char)t->key.hash_type, rt = (char)t->key.range_type;
    attrs[n++] =
        (ddb_attr_t){"hn", 2, {.type = DDB_T_S, .u.str = {t->key.hash_name, t->key.hash_len}}};
    attrs[n++] = (ddb_attr_t){"ht", 2, {.type = DDB_T_B, .u.str = {&ht, 1}}};
    if (t->key.range_type != DDB_T_NONE) {
        attrs[n++] = (ddb_attr_t){
            "rn", 2, {.type = DDB_T_S, .u.str = {t->key.range_name, t->key.range_len}}};
        attrs[n++] = (ddb_attr_t){"rt", 2, {.type = DDB_T_B, .u.str = {&rt, 1}}};
    }
    ddb_value_t empty = {.type = DDB_T_M};
    attrs[n++] = (ddb_attr_t){"meta", 4, t->meta ? *t->meta : empty};
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_value_t ix;
    ddb__ix_defs_to_value(a, t->indexes, t->nindexes, &ix);
    attrs[n++] = (ddb_attr_t){"ix", 2, ix};
    /* the latest stream: [id BE32][view][enabled][created ms BE64] */
    uint8_t st[14];
    if (t->stream.id) {
        kc_put_be32(st, t->stream.id);
        st[4] = (uint8_t)t->stream.view;
        st[5] = t->stream.enabled;
        kc_put_be64(st + 6, (uint64_t)t->stream.created_ms);
        attrs[n++] =
            (ddb_attr_t){"st", 2, {.type = DDB_T_B, .u.str = {(const char *)st, sizeof st}}};
    }
    /* point-in-time recovery: [enabled][since ms BE64][period ms BE64] */
    uint8_t pr[17];
    if (t->pitr.enabled) {
        pr[0] = 1;
        kc_put_be64(pr + 1, (uint64_t)t->pitr.since_ms);
        kc_put_be64(pr + 9, (uint64_t)t->pitr.period_ms);
        attrs[n++] =
            (ddb_attr_t){"pitr", 4, {.type = DDB_T_B, .u.str = {(const char *)pr, sizeof pr}}};
    }
    if (t->restoring) attrs[n++] = (ddb_attr_t){"rg", 2, {.type = DDB_T_BOOL, .u.boolean = true}};
    ddb_value_t rec = {.type = DDB_T_M, .u.map = {attrs, n}};
    ic_encode(out, &rec);
    ddb_arena_destroy(a);
}

int ddb__decode_table(const uint8_t *p, size_t len, ddb_arena_t *a, ddb_table_info_t *t,
                      ddb_error_t *err) {
    if (len < 4) return ddb_error_set(err, DDB_ERR_INTERNAL, "corrupt table record");
    t->id = kc_get_be32(p);
    ddb_value_t *rec = ddb_arena_alloc(a, sizeof *rec);
    int rc = ic_decode(p + 4, len - 4, a, rec, err);
    if (rc) return rc;
    const ddb_value_t *hn = ddb_map_get(rec, "hn", 2), *ht = ddb_map_get(rec, "ht", 2);
    const ddb_value_t *rn = ddb_map_get(rec, "rn", 2), *rt = ddb_map_get(rec, "rt", 2);
    const ddb_value_t *meta = ddb_map_get(rec, "meta", 4);
    if (!hn || !ht || ht->u.str.len != 1 || !meta) {
        return ddb_error_set(err, DDB_ERR_INTERNAL, "corrupt table record");
    }
    t->key.hash_name = hn->u.str.ptr;
    t->key.hash_len = hn->u.str.len;
    t->key.hash_type = (ddb_type_t)ht->u.str.ptr[0];
    t->key.range_type = DDB_T_NONE;
    t->key.range_name = NULL;
    t->key.range_len = 0;
    if (rn && rt && rt->u.str.len == 1) {
        t->key.range_name = rn->u.str.ptr;
        t->key.range_len = rn->u.str.len;
        t->key.range_type = (ddb_type_t)rt->u.str.ptr[0];
    }
    t->meta = meta;
    memset(&t->stream, 0, sizeof t->stream);
    const ddb_value_t *st = ddb_map_get(rec, "st", 2);
    if (st && st->type == DDB_T_B && st->u.str.len == 14) {
        const uint8_t *b = (const uint8_t *)st->u.str.ptr;
        t->stream.id = kc_get_be32(b);
        t->stream.view = (ddb_stream_view_t)b[4];
        t->stream.enabled = b[5] != 0;
        t->stream.created_ms = (int64_t)kc_get_be64(b + 6);
    }
    memset(&t->pitr, 0, sizeof t->pitr);
    const ddb_value_t *pr = ddb_map_get(rec, "pitr", 4);
    if (pr && pr->type == DDB_T_B && pr->u.str.len == 17) {
        const uint8_t *b = (const uint8_t *)pr->u.str.ptr;
        t->pitr.enabled = b[0] != 0;
        t->pitr.since_ms = (int64_t)kc_get_be64(b + 1);
        t->pitr.period_ms = (int64_t)kc_get_be64(b + 9);
    }
    const ddb_value_t *rg = ddb_map_get(rec, "rg", 2);
    t->restoring = rg && rg->type == DDB_T_BOOL && rg->u.boolean;
    if (ddb__ix_defs_from_value(a, ddb_map_get(rec, "ix", 2), &t->indexes, &t->nindexes)) {
        return ddb_error_set(err, DDB_ERR_INTERNAL, "corrupt table record (indexes)");
    }
    return 0;
}
