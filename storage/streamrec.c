/* streamrec.c: stream descriptors and change records as stored (see
 * streamrec.h): item-codec maps, so any backend keeps them the same way. */
#include <string.h>

#include "storage/streamrec.h"

void ddb__encode_desc(bytes_t *out, const ddb_stream_desc_t *d) {
    uint8_t nums[18];
    nums[0] = (uint8_t)d->view;
    nums[1] = d->enabled;
    kc_put_be64(nums + 2, (uint64_t)d->created_ms);
    kc_put_be64(nums + 10, (uint64_t)d->disabled_ms);
    char ht = (char)d->key.hash_type, rt = (char)d->key.range_type;
    uint8_t ln[4];
    kc_put_be32(ln, d->lanes);
    ddb_attr_t at[7];
    size_t n = 0;
    at[n++] = (ddb_attr_t){"tn", 2, {.type = DDB_T_S, .u.str = {d->table, d->table_len}}};
    at[n++] = (ddb_attr_t){"x", 1, {.type = DDB_T_B, .u.str = {(const char *)nums, sizeof nums}}};
    at[n++] =
        (ddb_attr_t){"hn", 2, {.type = DDB_T_S, .u.str = {d->key.hash_name, d->key.hash_len}}};
    at[n++] = (ddb_attr_t){"ht", 2, {.type = DDB_T_B, .u.str = {&ht, 1}}};
    if (d->key.range_type != DDB_T_NONE) {
        at[n++] = (ddb_attr_t){
            "rn", 2, {.type = DDB_T_S, .u.str = {d->key.range_name, d->key.range_len}}};
        at[n++] = (ddb_attr_t){"rt", 2, {.type = DDB_T_B, .u.str = {&rt, 1}}};
    }
    if (d->lanes > 1) { /* absent: one lane, as every descriptor before lanes */
        at[n++] = (ddb_attr_t){"ln", 2, {.type = DDB_T_B, .u.str = {(const char *)ln, 4}}};
    }
    ddb_value_t m = {.type = DDB_T_M, .u.map = {at, n}};
    ic_encode(out, &m);
}

bool ddb__decode_desc(const uint8_t *p, size_t len, uint32_t id, ddb_arena_t *a,
                      ddb_stream_desc_t *d) {
    ddb_value_t m;
    ddb_error_t err;
    if (ic_decode(p, len, a, &m, &err)) return false;
    const ddb_value_t *tn = ddb_map_get(&m, "tn", 2), *x = ddb_map_get(&m, "x", 1);
    const ddb_value_t *hn = ddb_map_get(&m, "hn", 2), *ht = ddb_map_get(&m, "ht", 2);
    const ddb_value_t *rn = ddb_map_get(&m, "rn", 2), *rt = ddb_map_get(&m, "rt", 2);
    const ddb_value_t *ln = ddb_map_get(&m, "ln", 2);
    if (ln && (ln->type != DDB_T_B || ln->u.str.len != 4)) return false;
    if (!tn || !x || x->u.str.len != 18 || !hn || !ht || ht->u.str.len != 1) return false;
    const uint8_t *b = (const uint8_t *)x->u.str.ptr;
    memset(d, 0, sizeof *d);
    d->id = id;
    d->table = ddb_arena_strndup(a, tn->u.str.ptr, tn->u.str.len);
    d->table_len = tn->u.str.len;
    d->view = (ddb_stream_view_t)b[0];
    d->enabled = b[1] != 0;
    d->created_ms = (int64_t)kc_get_be64(b + 2);
    d->disabled_ms = (int64_t)kc_get_be64(b + 10);
    d->lanes = ln ? kc_get_be32((const uint8_t *)ln->u.str.ptr) : 1;
    if (d->lanes < 1 || d->lanes > DDB_STREAM_LANES_MAX) return false;
    d->key.hash_name = hn->u.str.ptr;
    d->key.hash_len = hn->u.str.len;
    d->key.hash_type = (ddb_type_t)ht->u.str.ptr[0];
    d->key.range_type = DDB_T_NONE;
    if (rn && rt && rt->u.str.len == 1) {
        d->key.range_name = rn->u.str.ptr;
        d->key.range_len = rn->u.str.len;
        d->key.range_type = (ddb_type_t)rt->u.str.ptr[0];
    }
    return true;
}

/* The table-key attributes of item. */
static ddb_value_t keys_of(ddb_attr_t at[2], const ddb_table_info_t *t, const ddb_value_t *item) {
    ddb_value_t out = {.type = DDB_T_M, .u.map = {at, 0}};
    const ddb_key_schema_t *k = &t->key;
    const ddb_value_t *h = ddb_map_get(item, k->hash_name, k->hash_len);
    if (h) at[out.u.map.n++] = (ddb_attr_t){k->hash_name, k->hash_len, *h};
    if (k->range_type != DDB_T_NONE) {
        const ddb_value_t *r = ddb_map_get(item, k->range_name, k->range_len);
        if (r) at[out.u.map.n++] = (ddb_attr_t){k->range_name, k->range_len, *r};
    }
    return out;
}

bool ddb__view_new(ddb_stream_view_t view) {
    return view == DDB_VIEW_NEW_IMAGE || view == DDB_VIEW_NEW_AND_OLD_IMAGES;
}

bool ddb__view_old(ddb_stream_view_t view) {
    return view == DDB_VIEW_OLD_IMAGE || view == DDB_VIEW_NEW_AND_OLD_IMAGES;
}

void ddb__encode_record(bytes_t *out, const ddb_table_info_t *t, const ddb_value_t *old,
                        const ddb_value_t *next, bool with_new, bool with_old, bool by_ttl,
                        int64_t now_ms) {
    const ddb_value_t *item = next ? next : old;
    ddb_event_t ev = !old ? DDB_EV_INSERT : !next ? DDB_EV_REMOVE : DDB_EV_MODIFY;
    ddb_attr_t at[3], key_at[2];
    size_t n = 0;
    at[n++] = (ddb_attr_t){"k", 1, keys_of(key_at, t, item)};
    if (next && with_new) at[n++] = (ddb_attr_t){"n", 1, *next};
    if (old && with_old) at[n++] = (ddb_attr_t){"o", 1, *old};
    ddb_value_t m = {.type = DDB_T_M, .u.map = {at, n}};
    uint8_t head[10];
    kc_put_be64(head, (uint64_t)now_ms);
    head[8] = (uint8_t)ev;
    head[9] = by_ttl;
    bytes_put(out, head, sizeof head);
    ic_encode(out, &m);
}

int ddb__decode_record(const uint8_t *p, size_t len, uint32_t stream, uint64_t seq, ddb_arena_t *a,
                       ddb_stream_record_t *r, ddb_error_t *err) {
    ddb_value_t *m = ddb_arena_alloc(a, sizeof *m);
    ddb_error_t ignored;
    memset(r, 0, sizeof *r);
    if (len < 10 || p[8] < DDB_EV_INSERT || p[8] > DDB_EV_REMOVE ||
        ic_decode(p + 10, len - 10, a, m, &ignored) || m->type != DDB_T_M) {
        return ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: record %llu does not decode",
                             stream, (unsigned long long)seq);
    }
    r->seq = seq;
    r->time_ms = (int64_t)kc_get_be64(p);
    r->event = (ddb_event_t)p[8];
    r->by_ttl = p[9] != 0;
    r->keys = ddb_map_get(m, "k", 1);
    r->new_image = ddb_map_get(m, "n", 1);
    r->old_image = ddb_map_get(m, "o", 1);
    if (!r->keys || r->keys->type != DDB_T_M) {
        return ddb_error_set(err, DDB_ERR_INTERNAL, "stream %u: record %llu has no keys", stream,
                             (unsigned long long)seq);
    }
    r->size = ddb_item_size(r->keys);
    if (r->new_image) r->size += ddb_item_size(r->new_image);
    if (r->old_image) r->size += ddb_item_size(r->old_image);
    return 0;
}
