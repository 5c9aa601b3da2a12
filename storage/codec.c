/* codec.c: key encoding (order-preserving, self-delimiting) and item
 * serialization (type byte + varint lengths), both robust against corrupt
 * input on decode. Pure: no I/O, no RocksDB. Its exported names carry the
 * codec's module prefixes kc_ (keys) and ic_ (items), see codec.h. */
#include "storage/codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "query/number.h"

void kc_put_be32(uint8_t *p, uint32_t v) {
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

void kc_put_be64(uint8_t *p, uint64_t v) {
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

uint32_t kc_get_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int ddb__cmp_bytes(const uint8_t *a, size_t al, const uint8_t *b, size_t bl) {
    size_t m = al < bl ? al : bl;
    int c = memcmp(a, b, m);
    if (c) return c;
    return (al > bl) - (al < bl);
}

uint64_t kc_get_be64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* ---- keys ------------------------------------------------------------------ */

/* Bytes: 0x00 becomes 0x00 0xFF and the string ends with 0x00 0x01, so a
 * proper prefix sorts first and embedded zeros keep their order. */
static void escape_bytes(bytes_t *out, const char *p, size_t len);

static void encode_bytes(bytes_t *out, const char *p, size_t len) {
    escape_bytes(out, p, len);
    bytes_putc(out, 0x00);
    bytes_putc(out, 0x01);
}

/* The escaped content of encode_bytes, without the terminator. */
static void escape_bytes(bytes_t *out, const char *p, size_t len) {
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] != 0) continue;
        bytes_put(out, p + run, i - run + 1);
        bytes_putc(out, 0xff);
        run = i + 1;
    }
    bytes_put(out, p + run, len - run);
}

int kc_encode_prefix(bytes_t *out, const ddb_value_t *v) {
    if (v->type != DDB_T_S && v->type != DDB_T_B) return DDB_ERR_VALIDATION;
    escape_bytes(out, v->u.str.ptr, v->u.str.len);
    return 0;
}

bool kc_successor(bytes_t *b) {
    while (b->len > 0 && b->p[b->len - 1] == 0xff)
        b->len--;
    if (b->len == 0) return false;
    b->p[b->len - 1]++;
    return true;
}

int kc_encode_value(bytes_t *out, const ddb_value_t *v) {
    switch (v->type) {
    case DDB_T_S:
    case DDB_T_B:
        encode_bytes(out, v->u.str.ptr, v->u.str.len);
        return 0;
    case DDB_T_N: {
        ddb_num_t n;
        if (ddb_num_parse(v->u.str.ptr, v->u.str.len, &n, NULL)) return DDB_ERR_VALIDATION;
        uint8_t buf[DDB_NUM_MAX_KEY];
        bytes_put(out, buf, ddb_num_encode_key(&n, buf));
        return 0;
    }
    default:
        return DDB_ERR_VALIDATION;
    }
}

size_t kc_decode_value(const uint8_t *p, size_t len, ddb_type_t t, ddb_arena_t *a,
                       ddb_value_t *out) {
    out->type = t;
    if (t == DDB_T_N) {
        ddb_num_t n;
        size_t used = ddb_num_decode_key(p, len, &n);
        if (!used) return 0;
        char text[DDB_NUM_MAX_TEXT];
        size_t tl = ddb_num_format(&n, text, sizeof text);
        out->u.str.ptr = ddb_arena_strndup(a, text, tl);
        out->u.str.len = tl;
        return used;
    }
    if (t != DDB_T_S && t != DDB_T_B) return 0;
    char *dst = ddb_arena_alloc(a, len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] != 0) {
            dst[n++] = (char)p[i];
            continue;
        }
        if (i + 1 >= len) return 0;
        if (p[i + 1] == 0xff) {
            dst[n++] = 0;
            i++;
            continue;
        }
        if (p[i + 1] != 0x01) return 0;
        out->u.str.ptr = dst;
        out->u.str.len = n;
        return i + 2;
    }
    return 0;
}

uint64_t kc_partition_hash(const uint8_t *enc, size_t len) {
    return XXH3_64bits(enc, len);
}

uint64_t kc_segment_start(uint32_t seg, uint32_t total, int *is_end) {
    *is_end = 0;
    if (total <= 1) {
        if (seg >= 1) *is_end = 1;
        return 0;
    }
    if (seg >= total) {
        *is_end = 1;
        return 0;
    }
    unsigned __int128 x = ((unsigned __int128)1 << 64) * seg / total;
    return (uint64_t)x;
}

int kc_partition_prefix(bytes_t *out, uint32_t table_id, const ddb_value_t *hash) {
    return kc_partition_prefix_n(out, table_id, &hash, 1);
}

int kc_partition_prefix_n(bytes_t *out, uint32_t table_id, const ddb_value_t *const *hash,
                          size_t n) {
    bytes_t pk = {0};
    for (size_t i = 0; i < n; i++) {
        int rc = kc_encode_value(&pk, hash[i]);
        if (rc) {
            bytes_free(&pk);
            return rc;
        }
    }
    uint8_t head[12];
    kc_put_be32(head, table_id);
    kc_put_be64(head + 4, kc_partition_hash(pk.p, pk.len));
    bytes_put(out, head, sizeof head);
    bytes_put(out, pk.p, pk.len);
    bytes_free(&pk);
    return 0;
}

int kc_item_key(bytes_t *out, uint32_t table_id, const ddb_key_schema_t *ks,
                const ddb_value_t *key) {
    const ddb_value_t *hv = ddb_map_get(key, ks->hash_name, ks->hash_len);
    if (!hv || hv->type != ks->hash_type) return DDB_ERR_VALIDATION;
    int rc = kc_partition_prefix(out, table_id, hv);
    if (rc) return rc;
    if (ks->range_type != DDB_T_NONE) {
        const ddb_value_t *rv = ddb_map_get(key, ks->range_name, ks->range_len);
        if (!rv || rv->type != ks->range_type) return DDB_ERR_VALIDATION;
        return kc_encode_value(out, rv);
    }
    return 0;
}

/* ---- items ----------------------------------------------------------------- */

static void put_varint(bytes_t *out, uint64_t v) {
    uint8_t buf[10];
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        buf[n++] = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v);
    bytes_put(out, buf, n);
}

static void put_str(bytes_t *out, const char *p, size_t len) {
    put_varint(out, len);
    bytes_put(out, p, len);
}

static int encode_value(bytes_t *out, const ddb_value_t *v, int depth) {
    if (depth > IC_MAX_DEPTH) return -1;
    bytes_putc(out, (uint8_t)v->type);
    switch (v->type) {
    case DDB_T_S:
    case DDB_T_N:
    case DDB_T_B:
        put_str(out, v->u.str.ptr, v->u.str.len);
        break;
    case DDB_T_BOOL:
        bytes_putc(out, v->u.boolean ? 1 : 0);
        break;
    case DDB_T_NULL:
    case DDB_T_NONE:
        break;
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS:
        put_varint(out, v->u.list.n);
        for (size_t i = 0; i < v->u.list.n; i++) {
            put_str(out, v->u.list.v[i].u.str.ptr, v->u.list.v[i].u.str.len);
        }
        break;
    case DDB_T_L:
        put_varint(out, v->u.list.n);
        for (size_t i = 0; i < v->u.list.n; i++) {
            if (encode_value(out, &v->u.list.v[i], depth + 1)) return -1;
        }
        break;
    case DDB_T_M:
        put_varint(out, v->u.map.n);
        for (size_t i = 0; i < v->u.map.n; i++) {
            put_str(out, v->u.map.a[i].name, v->u.map.a[i].name_len);
            if (encode_value(out, &v->u.map.a[i].value, depth + 1)) return -1;
        }
        break;
    }
    return 0;
}

int ic_encode(bytes_t *out, const ddb_value_t *v) {
    size_t start = out->len;
    if (encode_value(out, v, 0) == 0) return 0;
    out->len = start; /* the partial encoding is dropped */
    return DDB_ERR_INTERNAL;
}

typedef struct reader {
    const uint8_t *p;
    size_t len, pos;
    ddb_arena_t *a;
} reader_t;

static int get_varint(reader_t *r, uint64_t *v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->pos >= r->len) return -1;
        uint8_t b = r->p[r->pos++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return 0;
    }
    return -1;
}

static int get_str(reader_t *r, const char **s, size_t *len) {
    uint64_t n;
    if (get_varint(r, &n) || n > r->len - r->pos) return -1;
    *s = (const char *)r->p + r->pos;
    *len = (size_t)n;
    r->pos += (size_t)n;
    return 0;
}

/* Counts are bounded by the remaining input (every element takes >= 1 byte),
 * so a corrupt count cannot make us allocate unbounded memory. */
static int get_count(reader_t *r, size_t *n) {
    uint64_t v;
    if (get_varint(r, &v) || v > r->len - r->pos) return -1;
    *n = (size_t)v;
    return 0;
}

static int decode_value(reader_t *r, ddb_value_t *out, int depth) {
    if (depth > IC_MAX_DEPTH || r->pos >= r->len) return -1;
    uint8_t t = r->p[r->pos++];
    out->type = (ddb_type_t)t;
    size_t n;
    switch (t) {
    case DDB_T_S:
    case DDB_T_N:
    case DDB_T_B:
        return get_str(r, &out->u.str.ptr, &out->u.str.len);
    case DDB_T_BOOL:
        if (r->pos >= r->len || r->p[r->pos] > 1) return -1;
        out->u.boolean = r->p[r->pos++] == 1;
        return 0;
    case DDB_T_NULL:
        return 0;
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS:
        if (get_count(r, &n)) return -1;
        out->u.list.n = n;
        out->u.list.v = ddb_arena_alloc(r->a, sizeof(ddb_value_t) * (n ? n : 1));
        for (size_t i = 0; i < n; i++) {
            ddb_value_t *e = &out->u.list.v[i];
            e->type = ddb_set_elem_type((ddb_type_t)t);
            if (get_str(r, &e->u.str.ptr, &e->u.str.len)) return -1;
        }
        return 0;
    case DDB_T_L:
        if (get_count(r, &n)) return -1;
        out->u.list.n = n;
        out->u.list.v = ddb_arena_alloc(r->a, sizeof(ddb_value_t) * (n ? n : 1));
        for (size_t i = 0; i < n; i++) {
            if (decode_value(r, &out->u.list.v[i], depth + 1)) return -1;
        }
        return 0;
    case DDB_T_M:
        if (get_count(r, &n)) return -1;
        out->u.map.n = n;
        out->u.map.a = ddb_arena_alloc(r->a, sizeof(ddb_attr_t) * (n ? n : 1));
        for (size_t i = 0; i < n; i++) {
            ddb_attr_t *at = &out->u.map.a[i];
            if (get_str(r, &at->name, &at->name_len)) return -1;
            if (decode_value(r, &at->value, depth + 1)) return -1;
        }
        return 0;
    default:
        return -1;
    }
}

int ic_decode(const uint8_t *p, size_t len, ddb_arena_t *a, ddb_value_t *out, ddb_error_t *err) {
    /* copy into the arena so the value outlives RocksDB's buffer */
    reader_t r = {.p = ddb_arena_memdup(a, p, len), .len = len, .pos = 0, .a = a};
    if (decode_value(&r, out, 0) || r.pos != len) {
        return ddb_error_set(err, DDB_ERR_INTERNAL, "corrupt item record (%zu bytes)", len);
    }
    return 0;
}
