/* json.c: AttributeValue conversion between the wire's JSON and ddb values,
 * and the JSON text writer used for every response. */
#include "query/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/number.h"

/* DynamoDB allows 32 levels of nesting in a document. */
#define JSON_MAX_DEPTH 32

/* ---- writing ----------------------------------------------------------- */

/* 0x80 in the bytes of w that need escaping in JSON (a control character,
 * '"' or '\\'): word-at-a-time tests for a zero byte, exact in the lowest
 * flagged byte (higher ones may be false positives). */
static inline uint64_t special8(uint64_t w) {
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t lt20 = (w - ones * 0x20) & ~w & highs;
    uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
    uint64_t zq = (q - ones) & ~q & highs, zb = (bs - ones) & ~bs & highs;
    return lt20 | zq | zb;
}

/* Whether any of the 8 bytes of w needs escaping in JSON. */
static inline bool needs_escape8(uint64_t w) {
    return special8(w) != 0;
}

void json_put_str(buf_t *b, const char *s, size_t len) {
    static const char hex[] = "0123456789abcdef";
    buf_reserve(b, len + 2);
    buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        while (i + 8 <= len) { /* skip clean words */
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (needs_escape8(w)) break;
            i += 8;
        }
        if (i >= len) break;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        buf_put(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            buf_put(b, "\\\"", 2);
            break;
        case '\\':
            buf_put(b, "\\\\", 2);
            break;
        case '\n':
            buf_put(b, "\\n", 2);
            break;
        case '\r':
            buf_put(b, "\\r", 2);
            break;
        case '\t':
            buf_put(b, "\\t", 2);
            break;
        case '\b':
            buf_put(b, "\\b", 2);
            break;
        case '\f':
            buf_put(b, "\\f", 2);
            break;
        default: {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_put(b, esc, 6);
        }
        }
    }
    buf_put(b, s + run, len - run);
    buf_putc(b, '"');
}

void json_put_key(buf_t *b, const char *name) {
    json_put_str(b, name, strlen(name));
    buf_putc(b, ':');
}

void json_put_base64(buf_t *b, const unsigned char *p, size_t len) {
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    buf_reserve(b, (len + 2) / 3 * 4 + 2);
    buf_putc(b, '"');
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        char o[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], tbl[(v >> 6) & 63], tbl[v & 63]};
        buf_put(b, o, 4);
    }
    if (len - i == 1) {
        unsigned v = (unsigned)p[i] << 16;
        char o[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], '=', '='};
        buf_put(b, o, 4);
    } else if (len - i == 2) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
        char o[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], tbl[(v >> 6) & 63], '='};
        buf_put(b, o, 4);
    }
    buf_putc(b, '"');
}

static void put_list(buf_t *b, const ddb_value_t *v) {
    buf_putc(b, '[');
    for (size_t i = 0; i < v->u.list.n; i++) {
        const ddb_value_t *e = &v->u.list.v[i];
        if (i) buf_putc(b, ',');
        if (v->type == DDB_T_L) {
            json_put_value(b, e);
        } else if (e->type == DDB_T_B) {
            json_put_base64(b, (const unsigned char *)e->u.str.ptr, e->u.str.len);
        } else {
            json_put_str(b, e->u.str.ptr, e->u.str.len);
        }
    }
    buf_putc(b, ']');
}

void json_put_value(buf_t *b, const ddb_value_t *v) {
    buf_putc(b, '{');
    json_put_key(b, ddb_type_name(v->type));
    switch (v->type) {
    case DDB_T_S:
    case DDB_T_N:
        json_put_str(b, v->u.str.ptr, v->u.str.len);
        break;
    case DDB_T_B:
        json_put_base64(b, (const unsigned char *)v->u.str.ptr, v->u.str.len);
        break;
    case DDB_T_BOOL:
        buf_puts(b, v->u.boolean ? "true" : "false");
        break;
    case DDB_T_NULL:
        buf_puts(b, "true");
        break;
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS:
    case DDB_T_L:
        put_list(b, v);
        break;
    case DDB_T_M:
        json_put_item(b, v);
        break;
    case DDB_T_NONE:
        buf_puts(b, "null");
        break;
    }
    buf_putc(b, '}');
}

void json_put_item(buf_t *b, const ddb_value_t *item) {
    buf_putc(b, '{');
    for (size_t i = 0; i < item->u.map.n; i++) {
        const ddb_attr_t *a = &item->u.map.a[i];
        if (i) buf_putc(b, ',');
        json_put_str(b, a->name, a->name_len);
        buf_putc(b, ':');
        json_put_value(b, &a->value);
    }
    buf_putc(b, '}');
}

void json_put_projected(buf_t *b, ddb_arena_t *a, const expr_projection_t *proj,
                        const ddb_value_t *item) {
    if (!proj) {
        json_put_item(b, item);
        return;
    }
    ddb_value_t projected;
    expr_project(a, proj, item, &projected);
    json_put_item(b, &projected);
}

/* ---- base64 decoding --------------------------------------------------- */

static int b64val(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int json_base64_decode(ddb_arena_t *a, const char *s, size_t len, unsigned char **out,
                       size_t *out_len) {
    if (len % 4) return -1;
    unsigned char *o = ddb_arena_alloc(a, len / 4 * 3 + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)s[i + k];
            if (c == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad) return -1; /* data after padding */
            v[k] = b64val(c);
            if (v[k] < 0) return -1;
        }
        unsigned x =
            (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
        o[n++] = (unsigned char)(x >> 16);
        if (pad < 2) o[n++] = (unsigned char)(x >> 8);
        if (pad < 1) o[n++] = (unsigned char)x;
    }
    *out = o;
    *out_len = n;
    return 0;
}

/* ---- reading ----------------------------------------------------------- */

static int value_from_json(ddb_arena_t *a, const cJSON *av, ddb_value_t *out, int depth,
                           ddb_error_t *err);

static int scalar_from_json(ddb_arena_t *a, ddb_type_t t, const cJSON *j, ddb_value_t *out,
                            ddb_error_t *err) {
    out->type = t;
    if (!cJSON_IsString(j)) {
        return ddb_error_set(err, DDB_ERR_SERIALIZATION, "Unexpected value type in payload");
    }
    size_t len;
    const char *s = json_str(j, &len);
    if (t == DDB_T_S) {
        out->u.str.ptr = s;
        out->u.str.len = len;
        return 0;
    }
    if (t == DDB_T_B) {
        unsigned char *p;
        size_t n;
        if (json_base64_decode(a, s, len, &p, &n)) {
            return ddb_error_set(
                err, DDB_ERR_SERIALIZATION,
                "Base64 encoded length is expected a multiple of 4 bytes but found: %zu", len);
        }
        out->u.str.ptr = (const char *)p;
        out->u.str.len = n;
        return 0;
    }
    ddb_num_t num;
    ddb_error_t nerr;
    if (ddb_num_parse(s, len, &num, &nerr)) {
        return ddb_error_set(err, DDB_ERR_VALIDATION, "%s", nerr.msg);
    }
    char text[DDB_NUM_MAX_TEXT];
    size_t tl = ddb_num_format(&num, text, sizeof text);
    out->u.str.ptr = ddb_arena_strndup(a, text, tl);
    out->u.str.len = tl;
    return 0;
}

static int cmp_elem(const void *x, const void *y) {
    const ddb_value_t *a = x, *b = y;
    size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
    int c = memcmp(a->u.str.ptr, b->u.str.ptr, n);
    if (c) return c;
    return (a->u.str.len > b->u.str.len) - (a->u.str.len < b->u.str.len);
}

static const char *set_word(ddb_type_t t) {
    return t == DDB_T_SS ? "string" : t == DDB_T_NS ? "number" : "binary";
}

/* Writes "[a, b, ...]" of a set's members for the duplicates message. */
static void describe_set(const ddb_value_t *set, char *out, size_t cap) {
    buf_t b;
    buf_init(&b);
    buf_putc(&b, '[');
    for (size_t i = 0; i < set->u.list.n; i++) {
        const ddb_value_t *e = &set->u.list.v[i];
        if (i) buf_puts(&b, ", ");
        if (e->type == DDB_T_B) {
            json_put_base64(&b, (const unsigned char *)e->u.str.ptr, e->u.str.len);
        } else {
            buf_put(&b, e->u.str.ptr, e->u.str.len);
        }
    }
    buf_putc(&b, ']');
    size_t n = b.len < cap - 1 ? b.len : cap - 1;
    memcpy(out, b.data, n);
    out[n] = '\0';
    buf_free(&b);
}

static int set_from_json(ddb_arena_t *a, ddb_type_t t, const cJSON *j, ddb_value_t *out,
                         ddb_error_t *err) {
    out->type = t;
    if (!cJSON_IsArray(j)) {
        return ddb_error_set(err, DDB_ERR_SERIALIZATION, "Unexpected value type in payload");
    }
    size_t n = (size_t)cJSON_GetArraySize(j);
    if (n == 0) {
        return ddb_error_set(
            err, DDB_ERR_VALIDATION,
            "One or more parameter values were invalid: An %s set  may not be empty", set_word(t));
    }
    ddb_value_t *v = ddb_arena_alloc(a, sizeof *v * n);
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, j) {
        int rc = scalar_from_json(a, ddb_set_elem_type(t), e, &v[i], err);
        if (rc) return rc;
        i++;
    }
    out->u.list.v = v;
    out->u.list.n = n;
    /* duplicates: canonical text/bytes are unique per value, so sort a copy */
    ddb_value_t *sorted = ddb_arena_memdup(a, v, sizeof *v * n);
    qsort(sorted, n, sizeof *sorted, cmp_elem);
    for (i = 1; i < n; i++) {
        if (cmp_elem(&sorted[i - 1], &sorted[i]) == 0) {
            char desc[512];
            describe_set(out, desc, sizeof desc);
            return ddb_error_set(err, DDB_ERR_VALIDATION,
                                 "One or more parameter values were invalid: Input collection %s "
                                 "contains duplicates",
                                 desc);
        }
    }
    return 0;
}

static int map_from_json(ddb_arena_t *a, const cJSON *j, ddb_value_t *out, int depth,
                         ddb_error_t *err) {
    out->type = DDB_T_M;
    if (!cJSON_IsObject(j)) {
        return ddb_error_set(err, DDB_ERR_SERIALIZATION, "Unexpected value type in payload");
    }
    size_t n = (size_t)cJSON_GetArraySize(j);
    ddb_attr_t *attrs = ddb_arena_alloc(a, sizeof *attrs * (n ? n : 1));
    /* a JSON object may repeat a member; as in DynamoDB's parser the last
     * one wins, so names stay unique. Open addressing over the names. */
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    size_t *slots = ddb_arena_alloc(a, sizeof *slots * cap); /* index + 1, 0 = empty */
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, j) {
        size_t len;
        const char *name = json_key(e, &len);
        int rc = ddb_check_attr_name(len, err);
        if (rc) return rc;
        size_t h = 1469598103934665603u;
        for (size_t k = 0; k < len; k++)
            h = (h ^ (unsigned char)name[k]) * 1099511628211u;
        size_t slot = h & (cap - 1);
        ddb_attr_t *at = NULL;
        while (slots[slot]) {
            ddb_attr_t *c = &attrs[slots[slot] - 1];
            if (c->name_len == len && memcmp(c->name, name, len) == 0) {
                at = c;
                break;
            }
            slot = (slot + 1) & (cap - 1);
        }
        if (!at) {
            at = &attrs[i++];
            slots[slot] = i;
            at->name = name;
            at->name_len = len;
        }
        rc = value_from_json(a, e, &at->value, depth + 1, err);
        if (rc) return rc;
    }
    out->u.map.a = attrs;
    out->u.map.n = i;
    return 0;
}

static int list_from_json(ddb_arena_t *a, const cJSON *j, ddb_value_t *out, int depth,
                          ddb_error_t *err) {
    out->type = DDB_T_L;
    if (!cJSON_IsArray(j)) {
        return ddb_error_set(err, DDB_ERR_SERIALIZATION, "Unexpected value type in payload");
    }
    size_t n = (size_t)cJSON_GetArraySize(j);
    ddb_value_t *v = ddb_arena_alloc(a, sizeof *v * (n ? n : 1));
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, j) {
        int rc = value_from_json(a, e, &v[i], depth + 1, err);
        if (rc) return rc;
        i++;
    }
    out->u.list.v = v;
    out->u.list.n = n;
    return 0;
}

static int value_from_json(ddb_arena_t *a, const cJSON *av, ddb_value_t *out, int depth,
                           ddb_error_t *err) {
    if (!cJSON_IsObject(av)) {
        return ddb_error_set(err, DDB_ERR_SERIALIZATION, "Unexpected value type in payload");
    }
    if (depth > JSON_MAX_DEPTH) {
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "Nesting Levels have exceeded supported limits: Attributes in the "
                             "item have nested levels beyond supported limit");
    }
    const cJSON *field = NULL, *e;
    ddb_type_t type = DDB_T_NONE;
    int count = 0;
    cJSON_ArrayForEach(e, av) {
        ddb_type_t t = ddb_type_from_name(e->string, strlen(e->string));
        if (t == DDB_T_NONE) {
            /* unknown members are ignored by DynamoDB's deserializer */
            continue;
        }
        if (cJSON_IsNull(e)) continue;
        count++;
        type = t;
        field = e;
    }
    if (count == 0) {
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "Supplied AttributeValue is empty, must contain exactly one of the "
                             "supported datatypes");
    }
    if (count > 1) {
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "Supplied AttributeValue has more than one datatypes set, must "
                             "contain exactly one of the supported datatypes");
    }
    switch (type) {
    case DDB_T_S:
    case DDB_T_N:
    case DDB_T_B:
        return scalar_from_json(a, type, field, out, err);
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS:
        return set_from_json(a, type, field, out, err);
    case DDB_T_M:
        return map_from_json(a, field, out, depth, err);
    case DDB_T_L:
        return list_from_json(a, field, out, depth, err);
    case DDB_T_BOOL:
        if (!cJSON_IsBool(field)) {
            return ddb_error_set(err, DDB_ERR_SERIALIZATION, "Unexpected value type in payload");
        }
        out->type = DDB_T_BOOL;
        out->u.boolean = cJSON_IsTrue(field);
        return 0;
    case DDB_T_NULL:
        if (!cJSON_IsBool(field)) {
            return ddb_error_set(err, DDB_ERR_SERIALIZATION, "Unexpected value type in payload");
        }
        if (!cJSON_IsTrue(field)) {
            return ddb_error_set(err, DDB_ERR_VALIDATION,
                                 "One or more parameter values were invalid: Null attribute "
                                 "value types must have the value of true");
        }
        out->type = DDB_T_NULL;
        return 0;
    case DDB_T_NONE:
        break;
    }
    return ddb_error_set(err, DDB_ERR_INTERNAL, "unreachable attribute type");
}

int json_to_value(ddb_arena_t *a, const cJSON *av, ddb_value_t *out, ddb_error_t *err) {
    return value_from_json(a, av, out, 1, err);
}

int json_to_item(ddb_arena_t *a, const cJSON *obj, ddb_value_t *out, ddb_error_t *err) {
    return map_from_json(a, obj, out, 0, err);
}

size_t json_epoch_text(char out[JSON_EPOCH_MAX], int64_t ms) {
    int64_t sec = ms / 1000, frac = ms % 1000;
    int n;
    if (frac == 0) {
        n = snprintf(out, JSON_EPOCH_MAX, "%" PRId64, sec);
    } else {
        n = snprintf(out, JSON_EPOCH_MAX, "%" PRId64 ".%03" PRId64, sec, frac);
        while (out[n - 1] == '0')
            out[--n] = '\0';
    }
    return (size_t)n;
}

void json_put_key_schema(buf_t *b, const char *hash, size_t hash_len, const char *range,
                         size_t range_len) {
    buf_puts(b, "[{\"AttributeName\":");
    json_put_str(b, hash, hash_len);
    buf_puts(b, ",\"KeyType\":\"HASH\"}");
    if (range) {
        buf_puts(b, ",{\"AttributeName\":");
        json_put_str(b, range, range_len);
        buf_puts(b, ",\"KeyType\":\"RANGE\"}");
    }
    buf_putc(b, ']');
}

static size_t unmark_nuls(char *s, size_t len);

void json_put_error(buf_t *b, const ddb_error_t *err, const buf_t *extra) {
    const char *type = ddb_error_type(err->code);
    buf_puts(b, "{\"__type\":");
    json_put_str(b, type, strlen(type));
    buf_putc(b, ',');
    json_put_key(b, ddb_error_message_key(err->code));
    /* a message quoting a request string may hold its NULs' C0 80 marks */
    char msg[sizeof err->msg];
    size_t n = strlen(err->msg);
    memcpy(msg, err->msg, n);
    json_put_str(b, msg, unmark_nuls(msg, n));
    if (extra && extra->len) {
        buf_putc(b, ',');
        buf_put(b, extra->data, extra->len);
    }
    buf_putc(b, '}');
}

/* ---- request text -------------------------------------------------------------- */

/* Length of the UTF-8 sequence at p[0..n) (1 to 4), or 0 when it is not
 * well-formed: no overlong forms, no surrogates, nothing past U+10FFFF
 * (RFC 3629). */
static size_t utf8_seq(const unsigned char *p, size_t n) {
    unsigned char c = p[0];
    if (c < 0x80) return 1;
    size_t len = c >= 0xC2 && c <= 0xDF   ? 2
                 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4
                                          : 0;
    if (!len || len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
    }
    if (c == 0xE0 && p[1] < 0xA0) return 0; /* overlong */
    if (c == 0xED && p[1] > 0x9F) return 0; /* U+D800..DFFF */
    if (c == 0xF0 && p[1] < 0x90) return 0; /* overlong */
    if (c == 0xF4 && p[1] > 0x8F) return 0; /* past U+10FFFF */
    return len;
}

/* Checks what JSON's grammar leaves to the text: well-formed UTF-8 (RFC
 * 8259 requires it; a stored invalid string would make every reader's
 * decoder fail), and no raw control character inside a string (cJSON lets
 * them through). */
/* How many bytes of w equal c: exact (no carries between bytes). */
static unsigned count_byte8(uint64_t w, unsigned char c) {
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7full;
    uint64_t x = w ^ (0x0101010101010101ull * c);
    uint64_t t = ~(((x & low7) + low7) | x | low7); /* 0x80 where x's byte is 0 */
    return (unsigned)__builtin_popcountll(t);
}

/* The separators that can start a value outside strings: each value of a
 * document is its first, or follows '[', '{' or ','. */
static unsigned count_seps8(uint64_t w) {
    return count_byte8(w, ',') + count_byte8(w, '[') + count_byte8(w, '{');
}

/* DynamoDB JSON spends at least 3 bytes on every value (`"",`, `{},`,
 * `[],`); denser text (`[0,0,0,...]`) is no DynamoDB request, and would
 * cost a 64-byte tree node per 2 bytes of body. */
#define MIN_BYTES_PER_VALUE 3

static int check_text(const char *text, size_t len, size_t *nuls, ddb_error_t *err) {
    const unsigned char *p = (const unsigned char *)text;
    *nuls = 0;
    const uint64_t highs = 0x8080808080808080ull;
    bool in_str = false;
    size_t i = 0, values = 1;
    while (i < len) {
        if (i + 8 <= len) {
            /* skip the plain bytes before the first special one (a control
             * character, '"', '\\' or a byte >= 0x80): the lowest byte flagged
             * by the zero-byte tests is exact, as their borrows only run
             * upwards */
            uint64_t w;
            memcpy(&w, p + i, 8);
            uint64_t m = special8(w) | (w & highs);
            size_t k = m ? (size_t)__builtin_ctzll(m) / 8 : 8;
            if (k) {
                if (!in_str) values += count_seps8(k == 8 ? w : w & ((1ull << (8 * k)) - 1));
                i += k;
                continue;
            }
        }
        unsigned char c = p[i];
        if (c >= 0x80) {
            size_t n = utf8_seq(p + i, len - i);
            if (!n) {
                return ddb_error_set(err, DDB_ERR_SERIALIZATION,
                                     "Invalid UTF-8 byte 0x%02x at offset %zu of the request body",
                                     c, i);
            }
            i += n;
            continue;
        }
        if (in_str && c < 0x20) {
            return ddb_error_set(err, DDB_ERR_SERIALIZATION,
                                 "Illegal unquoted character (code %u) at offset %zu: control "
                                 "characters must be escaped with a backslash in a JSON string",
                                 c, i);
        }
        if (c == '"')
            in_str = !in_str;
        else if (c == '\\' && in_str) {
            if (len - i >= 6 && memcmp(p + i + 1, "u0000", 5) == 0) ++*nuls;
            i++; /* the escaped character cannot end the string */
        } else if (!in_str && (c == ',' || c == '[' || c == '{'))
            values++;
        i++;
    }
    if (values * MIN_BYTES_PER_VALUE > len + 64) {
        return ddb_error_set(err, DDB_ERR_SERIALIZATION,
                             "The request body holds %zu values in %zu bytes: more than a "
                             "DynamoDB request can",
                             values, len);
    }
    return 0;
}

/* A copy of body with every \u0000 escape inside strings (nuls of them)
 * replaced by the two bytes C0 80, which well-formed UTF-8 never holds (so
 * no request can send them) and cJSON passes through: strings then keep
 * their NUL characters through cJSON's NUL-terminated strings, and
 * json_str/json_key turn them back. Allocated with cJSON's allocator. */
static char *mark_nuls(const char *body, size_t len, size_t nuls, size_t *out_len) {
    char *copy = cJSON_malloc(len - nuls * 4 + 1);
    if (!copy) return NULL;
    size_t o = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = body[i];
        if (c == '"') {
            in_str = !in_str;
        } else if (c == '\\' && in_str) {
            if (len - i >= 6 && memcmp(body + i + 1, "u0000", 5) == 0) {
                copy[o++] = (char)0xC0;
                copy[o++] = (char)0x80;
                i += 5;
                continue;
            }
            copy[o++] = c;           /* the escaped character is copied next, whatever it is */
            if (i + 1 == len) break; /* a text ending in a backslash (cJSON refuses it) */
            c = body[++i];
        }
        copy[o++] = c;
    }
    copy[o] = '\0';
    *out_len = o;
    return copy;
}

/* Decodes C0 80 pairs in s[0..len) to NUL in place; returns the new length. */
static size_t unmark_nuls(char *s, size_t len) {
    char *q = memchr(s, 0xC0, len);
    if (!q) return len;
    size_t o = (size_t)(q - s);
    for (size_t i = o; i < len; i++) {
        if ((unsigned char)s[i] == 0xC0 && i + 1 < len && (unsigned char)s[i + 1] == 0x80) {
            s[o++] = '\0';
            i++;
        } else {
            s[o++] = s[i];
        }
    }
    return o;
}

const char *json_str(const cJSON *j, size_t *len) {
    cJSON *m = (cJSON *)j; /* decoded in place once; valueint remembers the length */
    if (m->valueint > 0) {
        *len = (size_t)m->valueint - 1;
        return m->valuestring;
    }
    *len = unmark_nuls(m->valuestring, strlen(m->valuestring));
    if (*len < (size_t)INT32_MAX) m->valueint = (int)*len + 1;
    return m->valuestring;
}

const char *json_key(const cJSON *j, size_t *len) {
    cJSON *m = (cJSON *)j;
    if (cJSON_IsNumber(j)) { /* valuedouble is the number: names of numbers stay as sent */
        *len = strlen(j->string);
        return j->string;
    }
    if (m->valuedouble > 0) {
        *len = (size_t)m->valuedouble - 1;
        return m->string;
    }
    *len = unmark_nuls(m->string, strlen(m->string));
    m->valuedouble = (double)*len + 1;
    return m->string;
}

int json_parse_request(const char *body, size_t len, cJSON **out, ddb_error_t *err) {
    *out = NULL;
    size_t nuls;
    int rc = check_text(body, len, &nuls, err);
    if (rc) return rc;
    char *marked = NULL;
    if (nuls) {
        marked = mark_nuls(body, len, nuls, &len);
        if (!marked) return ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory");
        body = marked;
    }
    const char *end = NULL;
    cJSON *in = cJSON_ParseWithLengthOpts(body, len, &end, false);
    if (!in || !cJSON_IsObject(in)) {
        cJSON_Delete(in);
        cJSON_free(marked);
        return ddb_error_set(err, DDB_ERR_SERIALIZATION,
                             len ? "Start of structure or map found where not expected"
                                 : "Unexpected end of input: expected a JSON object");
    }
    for (const char *q = end; q && q < body + len; q++) {
        if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r') {
            cJSON_Delete(in);
            rc = ddb_error_set(err, DDB_ERR_SERIALIZATION,
                               "Unexpected character at offset %zu after the end of the JSON "
                               "object",
                               (size_t)(q - body));
            cJSON_free(marked);
            return rc;
        }
    }
    cJSON_free(marked); /* cJSON copied what it keeps */
    *out = in;
    return 0;
}

/* ---- spans of members in JSON text --------------------------------------- */

static size_t skip_ws(const char *p, size_t n, size_t i) {
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    return i;
}

/* The end of the string starting at p[i] == '"' (after its closing quote),
 * or n when unterminated. A quote ends it unless an odd run of backslashes
 * precedes it; memchr finds the quotes (items are mostly string bytes). */
static size_t skip_string(const char *p, size_t n, size_t i) {
    size_t at = i + 1;
    for (;;) {
        const char *q = at < n ? memchr(p + at, '"', n - at) : NULL;
        if (!q) return n;
        size_t k = (size_t)(q - p), bs = 0;
        while (k - bs > i + 1 && p[k - bs - 1] == '\\')
            bs++;
        if (bs % 2 == 0) return k + 1;
        at = k + 1;
    }
}

/* The end of the value starting at p[i], or n when it is cut short. */
static size_t skip_value(const char *p, size_t n, size_t i) {
    if (i >= n) return n;
    if (p[i] == '"') return skip_string(p, n, i);
    if (p[i] == '{' || p[i] == '[') {
        size_t depth = 0;
        while (i < n) {
            char c = p[i];
            if (c == '"') {
                i = skip_string(p, n, i);
                continue;
            }
            if (c == '{' || c == '[') depth++;
            if ((c == '}' || c == ']') && --depth == 0) return i + 1;
            i++;
        }
        return n;
    }
    while (i < n && p[i] != ',' && p[i] != '}' && p[i] != ']' && p[i] != ' ' && p[i] != '\n')
        i++;
    return i;
}

size_t json_members(const char *p, size_t n, json_member_t *out, size_t max) {
    size_t i = skip_ws(p, n, 0), k = 0;
    if (i >= n || p[i] != '{') return 0;
    i = skip_ws(p, n, i + 1);
    while (i < n && p[i] == '"' && k < max) {
        size_t ks = i + 1, kend = skip_string(p, n, i);
        if (kend >= n) return 0;
        i = skip_ws(p, n, kend);
        if (i >= n || p[i] != ':') return 0;
        i = skip_ws(p, n, i + 1);
        size_t end = skip_value(p, n, i);
        if (end >= n) return 0; /* an object ends after its last value */
        out[k++] = (json_member_t){p + ks, kend - 1 - ks, i, end};
        i = skip_ws(p, n, end);
        if (i >= n || p[i] != ',') break;
        i = skip_ws(p, n, i + 1);
    }
    return k;
}

bool json_member_span(const char *p, size_t n, const char *name, size_t *vs, size_t *ve) {
    json_member_t m[32];
    size_t k = json_members(p, n, m, 32), nl = strlen(name);
    for (size_t i = 0; i < k; i++) {
        if (m[i].name_len == nl && memcmp(m[i].name, name, nl) == 0) {
            *vs = m[i].vs;
            *ve = m[i].ve;
            return true;
        }
    }
    return false;
}
