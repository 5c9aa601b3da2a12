/* dds_record.c: libddbstreams' batches and records: parses a GetRecords response body into a
 * batch (one validating pass over the raw text that notes the spans of the members it needs,
 * no JSON tree), and the batch and record accessors of dds.h. Images are kept as their exact
 * text (their values: dds_value.c). Never prints, never aborts on any input: a body that is
 * not a GetRecords response is DDS_ESERVICE with a message. */
#include <stdlib.h>
#include <string.h>

#include "streams/dds_int.h"

#define BAD SIZE_MAX
/* JSON levels: DynamoDB's 32 item levels take two each, plus the envelope's */
#define MAX_DEPTH 160

/* ---- a validating scanner of JSON text --------------------------------------------------- */

typedef struct scan {
    const char *p;
    size_t n;
    const char *why; /* the first error */
    size_t at;       /* its offset */
} scan_t;

static size_t sc_fail(scan_t *s, size_t i, const char *why) {
    if (!s->why) {
        s->why = why;
        s->at = i;
    }
    return BAD;
}

static size_t sc_ws(const scan_t *s, size_t i) {
    while (i < s->n && (s->p[i] == ' ' || s->p[i] == '\t' || s->p[i] == '\n' || s->p[i] == '\r'))
        i++;
    return i;
}

/* The length of the well-formed UTF-8 sequence at p[0..n), 0 when there is none. */
static size_t utf8_len(const unsigned char *p, size_t n) {
    unsigned c = p[0];
    size_t len;
    unsigned min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) return 0;
    unsigned cp = c & (0x7F >> len);
    for (size_t k = 1; k < len; k++) {
        if ((p[k] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (p[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A byte of w is '"', '\\', a control character or >= 0x80 (its high bit set in the result;
 * the lowest flagged byte is exact). */
static uint64_t special8(uint64_t w) {
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    return ((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w) | (w & highs);
}

/* The string at p[i] == '"': returns the offset after its closing quote. */
static size_t sc_string(scan_t *s, size_t i) {
    const unsigned char *p = (const unsigned char *)s->p;
    size_t start = i++;
    while (i < s->n) {
        if (i + 8 <= s->n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            uint64_t m = special8(w) & 0x8080808080808080ull;
            if (!m) {
                i += 8;
                continue;
            }
            i += (size_t)__builtin_ctzll(m) / 8;
        }
        unsigned char c = p[i];
        if (c == '"') return i + 1;
        if (c < 0x20) return sc_fail(s, i, "a control character in a string");
        if (c >= 0x80) {
            size_t k = utf8_len(p + i, s->n - i);
            if (!k) return sc_fail(s, i, "invalid UTF-8");
            i += k;
            continue;
        }
        if (c != '\\') {
            i++;
            continue;
        }
        if (i + 1 >= s->n) break;
        c = p[i + 1];
        if (c == 'u') {
            if (i + 6 > s->n) break;
            for (size_t k = 2; k < 6; k++) {
                if (hexval((char)p[i + k]) < 0) return sc_fail(s, i, "a bad \\u escape");
            }
            i += 6;
        } else if (strchr("\"\\/bfnrt", c) && c) {
            i += 2;
        } else {
            return sc_fail(s, i, "a bad escape in a string");
        }
    }
    return sc_fail(s, start, "an unterminated string");
}

static size_t sc_digits(const scan_t *s, size_t i) {
    while (i < s->n && s->p[i] >= '0' && s->p[i] <= '9')
        i++;
    return i;
}

static size_t sc_number(scan_t *s, size_t i) {
    size_t start = i;
    if (i < s->n && s->p[i] == '-') i++;
    if (i < s->n && s->p[i] == '0') {
        i++;
    } else {
        size_t e = sc_digits(s, i);
        if (e == i) return sc_fail(s, start, "a bad value");
        i = e;
    }
    if (i < s->n && s->p[i] == '.') {
        size_t e = sc_digits(s, i + 1);
        if (e == i + 1) return sc_fail(s, start, "a bad number");
        i = e;
    }
    if (i < s->n && (s->p[i] == 'e' || s->p[i] == 'E')) {
        i++;
        if (i < s->n && (s->p[i] == '+' || s->p[i] == '-')) i++;
        size_t e = sc_digits(s, i);
        if (e == i) return sc_fail(s, start, "a bad number");
        i = e;
    }
    return i;
}

/* Called for each member of an object: name (as written, without quotes) and the offset of its
 * value; returns the offset after the value, or BAD. */
typedef size_t (*member_fn)(scan_t *s, void *ctx, const char *name, size_t nl, size_t vs,
                            int depth);
/* Called for each element of an array. */
typedef size_t (*elem_fn)(scan_t *s, void *ctx, size_t vs, int depth);

static size_t sc_value(scan_t *s, size_t i, int depth);

static size_t sc_object(scan_t *s, size_t i, int depth, member_fn fn, void *ctx) {
    if (depth > MAX_DEPTH) return sc_fail(s, i, "nesting too deep");
    i = sc_ws(s, i + 1);
    if (i < s->n && s->p[i] == '}') return i + 1;
    for (;;) {
        if (i >= s->n || s->p[i] != '"') return sc_fail(s, i, "a member name expected");
        size_t ne = sc_string(s, i);
        if (ne == BAD) return BAD;
        size_t c = sc_ws(s, ne);
        if (c >= s->n || s->p[c] != ':') return sc_fail(s, c, "':' expected");
        size_t vs = sc_ws(s, c + 1);
        size_t ve =
            fn ? fn(s, ctx, s->p + i + 1, ne - i - 2, vs, depth + 1) : sc_value(s, vs, depth + 1);
        if (ve == BAD) return BAD;
        i = sc_ws(s, ve);
        if (i < s->n && s->p[i] == '}') return i + 1;
        if (i >= s->n || s->p[i] != ',') return sc_fail(s, i, "',' or '}' expected");
        i = sc_ws(s, i + 1);
    }
}

static size_t sc_array(scan_t *s, size_t i, int depth, elem_fn fn, void *ctx) {
    if (depth > MAX_DEPTH) return sc_fail(s, i, "nesting too deep");
    i = sc_ws(s, i + 1);
    if (i < s->n && s->p[i] == ']') return i + 1;
    for (;;) {
        size_t ve = fn ? fn(s, ctx, i, depth + 1) : sc_value(s, i, depth + 1);
        if (ve == BAD) return BAD;
        i = sc_ws(s, ve);
        if (i < s->n && s->p[i] == ']') return i + 1;
        if (i >= s->n || s->p[i] != ',') return sc_fail(s, i, "',' or ']' expected");
        i = sc_ws(s, i + 1);
    }
}

static size_t sc_literal(scan_t *s, size_t i, const char *lit) {
    size_t l = strlen(lit);
    if (s->n - i < l || memcmp(s->p + i, lit, l) != 0) return sc_fail(s, i, "a bad value");
    return i + l;
}

static size_t sc_value(scan_t *s, size_t i, int depth) {
    if (i >= s->n) return sc_fail(s, i, "a value expected");
    switch (s->p[i]) {
    case '{':
        return sc_object(s, i, depth, NULL, NULL);
    case '[':
        return sc_array(s, i, depth, NULL, NULL);
    case '"':
        return sc_string(s, i);
    case 't':
        return sc_literal(s, i, "true");
    case 'f':
        return sc_literal(s, i, "false");
    case 'n':
        return sc_literal(s, i, "null");
    default:
        return sc_number(s, i);
    }
}

/* ---- the members a record is read from --------------------------------------------------- */

enum {
    F_EVENT_ID,
    F_EVENT_NAME,
    F_TIME,
    F_KEYS,
    F_NEW,
    F_OLD,
    F_SEQ,
    F_SIZE,
    F_VIEW,
    F_ID_TYPE,
    F_ID_PRINCIPAL,
    F_DYNAMODB,
    F_IDENTITY,
    F_COUNT
};

typedef struct span {
    size_t vs, ve; /* ve == 0: absent */
} span_t;

typedef struct wanted {
    const char *name;
    size_t len;
    int field;
    const struct wanted *sub; /* an object whose members are wanted too */
} wanted_t;

#define W(name, field, sub)                                                                        \
    { name, sizeof name - 1, field, sub }
static const wanted_t WANT_DDB[] = {W("ApproximateCreationDateTime", F_TIME, NULL),
                                    W("Keys", F_KEYS, NULL),
                                    W("NewImage", F_NEW, NULL),
                                    W("OldImage", F_OLD, NULL),
                                    W("SequenceNumber", F_SEQ, NULL),
                                    W("SizeBytes", F_SIZE, NULL),
                                    W("StreamViewType", F_VIEW, NULL),
                                    {NULL, 0, 0, NULL}};
/* the Streams API writes Type/PrincipalId, Lambda's events type/principalId */
static const wanted_t WANT_ID[] = {W("Type", F_ID_TYPE, NULL),
                                   W("type", F_ID_TYPE, NULL),
                                   W("PrincipalId", F_ID_PRINCIPAL, NULL),
                                   W("principalId", F_ID_PRINCIPAL, NULL),
                                   {NULL, 0, 0, NULL}};
static const wanted_t WANT_REC[] = {W("eventID", F_EVENT_ID, NULL),
                                    W("eventName", F_EVENT_NAME, NULL),
                                    W("dynamodb", F_DYNAMODB, WANT_DDB),
                                    W("userIdentity", F_IDENTITY, WANT_ID),
                                    {NULL, 0, 0, NULL}};
#undef W

typedef struct capture {
    const wanted_t *want;
    span_t *spans;
} capture_t;

static size_t capture_member(scan_t *s, void *ctx, const char *name, size_t nl, size_t vs,
                             int depth) {
    const capture_t *c = ctx;
    for (const wanted_t *w = c->want; w->name; w++) {
        if (w->len != nl || memcmp(w->name, name, nl) != 0) continue;
        size_t ve;
        if (w->sub && vs < s->n && s->p[vs] == '{') {
            capture_t sub = {w->sub, c->spans};
            ve = sc_object(s, vs, depth, capture_member, &sub);
        } else {
            ve = sc_value(s, vs, depth);
        }
        if (ve != BAD) c->spans[w->field] = (span_t){vs, ve};
        return ve;
    }
    return sc_value(s, vs, depth);
}

/* ---- from spans to a record -------------------------------------------------------------- */

typedef struct parse {
    scan_t s;
    ddb_arena_t *arena;
    const char *shard_id; /* in the arena */
    dds_record *recs;     /* malloc'ed while parsing */
    size_t n, cap;
    size_t next_vs, next_ve; /* NextShardIterator's span (ve 0: absent) */
    bool have_records;
} parse_t;

static bool is_kind(const scan_t *s, span_t f, char first) {
    return f.ve && s->p[f.vs] == first;
}

static bool is_null(const scan_t *s, span_t f) {
    return f.ve && s->p[f.vs] == 'n';
}

static void put_utf8(char *o, size_t *k, unsigned cp) {
    if (cp < 0x80) {
        o[(*k)++] = (char)cp;
    } else if (cp < 0x800) {
        o[(*k)++] = (char)(0xC0 | cp >> 6);
        o[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        o[(*k)++] = (char)(0xE0 | cp >> 12);
        o[(*k)++] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        o[(*k)++] = (char)(0xF0 | cp >> 18);
        o[(*k)++] = (char)(0x80 | (cp >> 12 & 0x3F));
        o[(*k)++] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[(*k)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static unsigned hex4(const char *p) {
    return (unsigned)(hexval(p[0]) << 12 | hexval(p[1]) << 8 | hexval(p[2]) << 4 | hexval(p[3]));
}

/* Decodes the validated string literal p[0..n) (quotes included) into o (room for n bytes);
 * returns the length. A lone surrogate becomes U+FFFD. */
static size_t unescape(const char *p, size_t n, char *o) {
    size_t k = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        if (p[i] != '\\') {
            o[k++] = p[i];
            continue;
        }
        char c = p[++i];
        const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
        if (c != 'u') {
            o[k++] = to[strchr(from, c) - from];
            continue;
        }
        unsigned cp = hex4(p + i + 1);
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < n && p[i + 1] == '\\' && p[i + 2] == 'u') {
            unsigned lo = hex4(p + i + 3);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
        put_utf8(o, &k, cp);
    }
    return k;
}

/* The text of a string member, NUL-terminated in the arena (a \u0000 ends it early: record
 * ids and names hold none). */
static const char *arena_str(parse_t *ps, span_t f) {
    const char *p = ps->s.p + f.vs;
    size_t n = f.ve - f.vs;
    if (!memchr(p, '\\', n)) return ddb_arena_strndup(ps->arena, p + 1, n - 2);
    char *o = ddb_arena_alloc(ps->arena, n);
    o[unescape(p, n, o)] = '\0';
    return o;
}

/* A JSON number p[0..n) times 10^scale, toward zero; -1 when it does not fit an int64. */
static int decimal(const char *p, size_t n, int scale, int64_t *out) {
    size_t i = 0;
    bool neg = false;
    if (i < n && p[i] == '-') {
        neg = true;
        i++;
    }
    uint64_t m = 0;
    long exp = scale;
    bool dot = false;
    for (; i < n && p[i] != 'e' && p[i] != 'E'; i++) {
        if (p[i] == '.') {
            dot = true;
            continue;
        }
        if (m < 100000000000000000ull) {
            m = m * 10 + (uint64_t)(p[i] - '0');
            if (dot) exp--;
        } else if (!dot) {
            exp++; /* digits past 17 only scale what was kept */
        }
    }
    if (i < n) {
        i++;
        bool eneg = i < n && p[i] == '-';
        if (i < n && (p[i] == '-' || p[i] == '+')) i++;
        long e = 0;
        for (; i < n; i++)
            if (e < 100000) e = e * 10 + (p[i] - '0');
        exp += eneg ? -e : e;
    }
    for (; exp < 0 && m; exp++)
        m /= 10;
    for (; exp > 0 && m; exp--) {
        if (m > (uint64_t)INT64_MAX / 10) return -1;
        m *= 10;
    }
    *out = neg ? -(int64_t)m : (int64_t)m;
    return 0;
}

static size_t rec_fail(parse_t *ps, size_t at, const char *why) {
    return sc_fail(&ps->s, at, why);
}

static const char *image_text(parse_t *ps, span_t f, size_t *len) {
    *len = f.ve - f.vs;
    return ddb_arena_strndup(ps->arena, ps->s.p + f.vs, *len);
}

/* Fills r from the spans of its members; BAD (with the reason) when they are not a record. */
static size_t fill_record(parse_t *ps, const span_t *f, size_t vs, size_t ve, dds_record *r) {
    const scan_t *s = &ps->s;
    if (!is_kind(s, f[F_EVENT_NAME], '"')) return rec_fail(ps, vs, "a record without eventName");
    static const char *const names[] = {"INSERT", "MODIFY", "REMOVE"};
    span_t en = f[F_EVENT_NAME];
    for (int k = 0; k < 3 && !r->event; k++) {
        if (en.ve - en.vs == 8 && memcmp(s->p + en.vs + 1, names[k], 6) == 0) {
            r->event = (dds_event)(DDS_INSERT + k);
            r->event_name = names[k];
        }
    }
    if (!r->event) return rec_fail(ps, en.vs, "an unknown eventName");
    if (!is_kind(s, f[F_DYNAMODB], '{')) return rec_fail(ps, vs, "a record without dynamodb");
    span_t sq = f[F_SEQ];
    if (!is_kind(s, sq, '"') || sq.ve - sq.vs < 3 || sq.ve - sq.vs - 2 >= DDS__SEQ_MAX) {
        return rec_fail(ps, vs, "a record without a SequenceNumber");
    }
    for (size_t i = sq.vs + 1; i + 1 < sq.ve; i++) {
        if (s->p[i] < '0' || s->p[i] > '9') return rec_fail(ps, i, "a bad SequenceNumber");
    }
    r->seq = ddb_arena_strndup(ps->arena, s->p + sq.vs + 1, sq.ve - sq.vs - 2);
    r->event_id = "";
    if (f[F_EVENT_ID].ve && !is_null(s, f[F_EVENT_ID])) {
        if (!is_kind(s, f[F_EVENT_ID], '"')) return rec_fail(ps, vs, "a bad eventID");
        r->event_id = arena_str(ps, f[F_EVENT_ID]);
    }
    r->view = "";
    if (f[F_VIEW].ve && !is_null(s, f[F_VIEW])) {
        if (!is_kind(s, f[F_VIEW], '"')) return rec_fail(ps, vs, "a bad StreamViewType");
        r->view = arena_str(ps, f[F_VIEW]);
    }
    span_t t = f[F_TIME];
    if (t.ve && !is_null(s, t)) {
        char c = s->p[t.vs];
        if (!(c == '-' || (c >= '0' && c <= '9')) ||
            decimal(s->p + t.vs, t.ve - t.vs, 3, &r->time_ms)) {
            return rec_fail(ps, t.vs, "a bad ApproximateCreationDateTime");
        }
    }
    span_t sz = f[F_SIZE];
    if (sz.ve && !is_null(s, sz)) {
        int64_t v;
        char c = s->p[sz.vs];
        if (!(c >= '0' && c <= '9') || decimal(s->p + sz.vs, sz.ve - sz.vs, 0, &v)) {
            return rec_fail(ps, sz.vs, "a bad SizeBytes");
        }
        r->size = (size_t)v;
    }
    const int img[3] = {F_KEYS, F_NEW, F_OLD};
    const char **text[3] = {&r->keys_json, &r->new_json, &r->old_json};
    size_t *len[3] = {&r->keys_len, &r->new_len, &r->old_len};
    for (int k = 0; k < 3; k++) {
        span_t im = f[img[k]];
        if (!im.ve || is_null(s, im)) continue;
        if (!is_kind(s, im, '{')) return rec_fail(ps, im.vs, "an image that is not an object");
        *text[k] = image_text(ps, im, len[k]);
    }
    span_t ty = f[F_ID_TYPE], pr = f[F_ID_PRINCIPAL];
    r->ttl = is_kind(s, ty, '"') && is_kind(s, pr, '"') && ty.ve - ty.vs == 9 &&
             memcmp(s->p + ty.vs, "\"Service\"", 9) == 0 && pr.ve - pr.vs == 24 &&
             memcmp(s->p + pr.vs, "\"dynamodb.amazonaws.com\"", 24) == 0;
    r->shard_id = ps->shard_id;
    r->arena = ps->arena;
    r->json = ddb_arena_strndup(ps->arena, s->p + vs, ve - vs);
    r->json_len = ve - vs;
    return ve;
}

static size_t record_elem(scan_t *s, void *ctx, size_t vs, int depth) {
    parse_t *ps = ctx;
    if (vs >= s->n || s->p[vs] != '{') return sc_fail(s, vs, "a record that is not an object");
    span_t f[F_COUNT] = {{0, 0}};
    capture_t c = {WANT_REC, f};
    size_t ve = sc_object(s, vs, depth, capture_member, &c);
    if (ve == BAD) return BAD;
    if (f[F_IDENTITY].ve && !is_null(s, f[F_IDENTITY]) && !is_kind(s, f[F_IDENTITY], '{')) {
        return sc_fail(s, f[F_IDENTITY].vs, "a bad userIdentity");
    }
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 64;
        dds_record *nr = realloc(ps->recs, cap * sizeof *nr);
        if (!nr) return sc_fail(s, vs, "out of memory");
        ps->recs = nr;
        ps->cap = cap;
    }
    dds_record *r = &ps->recs[ps->n];
    memset(r, 0, sizeof *r);
    if (fill_record(ps, f, vs, ve, r) == BAD) return BAD;
    ps->n++;
    return ve;
}

static size_t body_member(scan_t *s, void *ctx, const char *name, size_t nl, size_t vs, int depth) {
    parse_t *ps = ctx;
    if (nl == 7 && memcmp(name, "Records", 7) == 0) {
        if (vs >= s->n || s->p[vs] != '[') return sc_fail(s, vs, "Records is not a list");
        ps->have_records = true;
        return sc_array(s, vs, depth, record_elem, ps);
    }
    size_t ve = sc_value(s, vs, depth);
    if (ve != BAD && nl == 17 && memcmp(name, "NextShardIterator", 17) == 0) {
        ps->next_vs = vs;
        ps->next_ve = ve;
    }
    return ve;
}

static int parse_fail(parse_t *ps, dds_error *err) {
    free(ps->recs);
    ddb_arena_destroy(ps->arena);
    return dds__fail(err, DDS_ESERVICE, "malformed GetRecords response: %s at offset %zu",
                     ps->s.why ? ps->s.why : "not a JSON object", ps->s.at);
}

int dds__parse_records(const char *body, size_t len, const char *shard_id, dds_batch **out,
                       char **next, dds_error *err) {
    *out = NULL;
    *next = NULL;
    if (!shard_id || strlen(shard_id) >= DDS__ID_MAX) {
        return dds__fail(err, DDS_EINVAL, "a shard id of 1 to %d bytes expected", DDS__ID_MAX - 1);
    }
    parse_t ps = {.s = {body ? body : "", body ? len : 0, NULL, 0}};
    ps.arena = ddb_arena_create(len * 2 + 4096);
    ps.shard_id = ddb_arena_strndup(ps.arena, shard_id, strlen(shard_id));
    scan_t *s = &ps.s;
    size_t i = sc_ws(s, 0);
    if (i >= s->n || s->p[i] != '{') return parse_fail(&ps, err);
    size_t end = sc_object(s, i, 0, body_member, &ps);
    if (end == BAD) return parse_fail(&ps, err);
    end = sc_ws(s, end);
    if (end != s->n) {
        sc_fail(s, end, "text after the object");
        return parse_fail(&ps, err);
    }
    if (!ps.have_records) {
        sc_fail(s, 0, "no Records");
        return parse_fail(&ps, err);
    }
    span_t nx = {ps.next_vs, ps.next_ve};
    if (nx.ve && !is_null(s, nx) && !is_kind(s, nx, '"')) {
        sc_fail(s, nx.vs, "NextShardIterator is not a string");
        return parse_fail(&ps, err);
    }
    dds_batch *b = calloc(1, sizeof *b);
    char *it = NULL;
    if (nx.ve && !is_null(s, nx)) {
        it = malloc(nx.ve - nx.vs);
        if (it) it[unescape(s->p + nx.vs, nx.ve - nx.vs, it)] = '\0';
    }
    if (!b || (nx.ve && !is_null(s, nx) && !it)) {
        free(b);
        free(it);
        sc_fail(s, 0, "out of memory");
        return parse_fail(&ps, err);
    }
    b->arena = ps.arena;
    b->n = ps.n;
    b->recs = ddb_arena_alloc(ps.arena, (ps.n ? ps.n : 1) * sizeof *ps.recs);
    if (ps.n) memcpy(b->recs, ps.recs, ps.n * sizeof *ps.recs);
    free(ps.recs);
    memcpy(b->shard_id, shard_id, strlen(shard_id) + 1);
    b->shard_end = it == NULL;
    *out = b;
    *next = it;
    return 0;
}

/* ---- batches ----------------------------------------------------------------------------- */

size_t dds_batch_len(const dds_batch *b) {
    return b ? b->n : 0;
}

const dds_record *dds_batch_at(const dds_batch *b, size_t i) {
    return b && i < b->n ? &b->recs[i] : NULL;
}

const char *dds_batch_shard_id(const dds_batch *b) {
    return b ? b->shard_id : "";
}

int dds_batch_shard_end(const dds_batch *b) {
    return b && b->shard_end;
}

void dds_batch_free(dds_batch *b) {
    if (!b) return;
    if (b->arena) ddb_arena_destroy(b->arena);
    free(b);
}

/* ---- records ----------------------------------------------------------------------------- */

const char *dds_record_event_id(const dds_record *r) {
    return r->event_id;
}

dds_event dds_record_event(const dds_record *r) {
    return r->event;
}

const char *dds_record_event_name(const dds_record *r) {
    return r->event_name;
}

const char *dds_record_seq(const dds_record *r) {
    return r->seq;
}

int64_t dds_record_time_ms(const dds_record *r) {
    return r->time_ms;
}

size_t dds_record_size(const dds_record *r) {
    return r->size;
}

const char *dds_record_view(const dds_record *r) {
    return r->view;
}

int dds_record_is_ttl(const dds_record *r) {
    return r->ttl;
}

const char *dds_record_shard_id(const dds_record *r) {
    return r->shard_id;
}

static const char *text_out(const char *text, size_t n, size_t *len) {
    if (len) *len = text ? n : 0;
    return text;
}

const char *dds_record_json(const dds_record *r, size_t *len) {
    return text_out(r->json, r->json_len, len);
}

const char *dds_record_keys_json(const dds_record *r, size_t *len) {
    return text_out(r->keys_json, r->keys_len, len);
}

const char *dds_record_new_json(const dds_record *r, size_t *len) {
    return text_out(r->new_json, r->new_len, len);
}

const char *dds_record_old_json(const dds_record *r, size_t *len) {
    return text_out(r->old_json, r->old_len, len);
}
