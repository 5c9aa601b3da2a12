/* route.c: REST path patterns, query strings and URL decoding for the
 * router. Pure string work on the caller's arena; never touches a socket or
 * a handler. */
#include "server/route.h"

#include <string.h>

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *route_decode(ddb_arena_t *a, const char *s, size_t len, bool plus_is_space, size_t *out_len) {
    char *out = ddb_arena_alloc(a, len + 1);
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        bool escape = s[i] == '%' && i + 2 < len; /* two characters follow */
        int hi = escape ? hex_digit(s[i + 1]) : -1;
        int lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
        if (s[i] == '%' && hi >= 0 && lo >= 0) {
            out[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else if (s[i] == '+' && plus_is_space) {
            out[k++] = ' ';
        } else {
            out[k++] = s[i];
        }
    }
    out[k] = '\0';
    *out_len = k;
    return out;
}

void route_split_url(const char *url, size_t len, const char **path, size_t *path_len,
                     const char **query, size_t *query_len) {
    const char *q = memchr(url, '?', len);
    *path = url;
    *path_len = q ? (size_t)(q - url) : len;
    *query = q ? q + 1 : NULL;
    *query_len = q ? len - *path_len - 1 : 0;
}

/* The segment of s[0..len) starting at *pos (after a '/'): its bounds, and
 * *pos moved past it. False at the end of s. */
static bool next_segment(const char *s, size_t len, size_t *pos, const char **seg,
                         size_t *seg_len) {
    if (*pos > len) return false;
    const char *start = s + *pos;
    const char *slash = memchr(start, '/', len - *pos);
    *seg = start;
    *seg_len = slash ? (size_t)(slash - start) : len - *pos;
    *pos += *seg_len + 1;
    return true;
}

static bool is_param(const char *seg, size_t len) {
    return len >= 2 && seg[0] == '{' && seg[len - 1] == '}';
}

/* Walks pattern and path together; with a NULL arena only checks. */
static bool match_segments(ddb_arena_t *a, const char *pattern, const char *path, size_t path_len,
                           route_kv_t *params, size_t *n) {
    size_t plen = strlen(pattern);
    if (plen == 0 || path_len == 0 || pattern[0] != '/' || path[0] != '/') return false;
    size_t ppos = 1, upos = 1;
    const char *ps = NULL, *us = NULL;
    size_t psl = 0, usl = 0;
    *n = 0;
    for (;;) {
        bool more_p = next_segment(pattern, plen, &ppos, &ps, &psl);
        bool more_u = next_segment(path, path_len, &upos, &us, &usl);
        if (!more_p || !more_u) return more_p == more_u;
        if (!is_param(ps, psl)) {
            if (psl != usl || memcmp(ps, us, psl) != 0) return false;
            continue;
        }
        if (usl == 0 || *n == ROUTE_MAX_PARAMS) return false;
        if (a) {
            route_kv_t *kv = &params[*n];
            kv->name = ps + 1;
            kv->name_len = psl - 2;
            kv->value = route_decode(a, us, usl, false, &kv->value_len);
        }
        (*n)++;
    }
}

bool route_match(ddb_arena_t *a, const char *pattern, const char *path, size_t path_len,
                 route_kv_t *params, size_t *n) {
    if (!match_segments(NULL, pattern, path, path_len, params, n)) return false;
    return match_segments(a, pattern, path, path_len, params, n);
}

void route_parse_query(ddb_arena_t *a, const char *qs, size_t len, route_kv_t **out, size_t *n) {
    *out = NULL;
    *n = 0;
    if (!qs || len == 0) return;
    size_t pieces = 1;
    for (size_t i = 0; i < len; i++)
        pieces += qs[i] == '&';
    route_kv_t *kvs = ddb_arena_alloc(a, sizeof *kvs * pieces);
    size_t pos = 0;
    while (pos <= len) {
        const char *amp = memchr(qs + pos, '&', len - pos);
        size_t plen = amp ? (size_t)(amp - (qs + pos)) : len - pos;
        const char *piece = qs + pos;
        pos += plen + 1;
        if (plen == 0) continue;
        const char *eq = memchr(piece, '=', plen);
        size_t kl = eq ? (size_t)(eq - piece) : plen;
        route_kv_t *kv = &kvs[(*n)++];
        kv->name = route_decode(a, piece, kl, true, &kv->name_len);
        kv->value = eq ? route_decode(a, eq + 1, plen - kl - 1, true, &kv->value_len)
                       : route_decode(a, "", 0, true, &kv->value_len);
    }
    *out = kvs;
}

const route_kv_t *route_get(const route_kv_t *kvs, size_t n, const char *name) {
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++) {
        if (kvs[i].name_len == len && memcmp(kvs[i].name, name, len) == 0) return &kvs[i];
    }
    return NULL;
}
