/* route.h: the pure part of REST routing: matching a request path against
 * patterns with {param} segments, splitting off and parsing the query
 * string, and URL-decoding (RFC 3986 percent escapes).
 *
 * Pure: no I/O, no libuv; decoded strings go into the caller's arena. The
 * router (router.c) owns the route table and the handlers. */
#ifndef DDB_ROUTE_H
#define DDB_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "query/arena.h"

/* A path parameter or a query-string parameter. */
typedef struct route_kv {
    const char *name; /* path: the name inside {} (points into the pattern, not
                       * NUL-terminated); query: the decoded key (NUL-terminated) */
    size_t name_len;
    const char *value; /* decoded value, NUL-terminated, in the arena */
    size_t value_len;
} route_kv_t;

/* Most {param} segments a pattern may have. */
#define ROUTE_MAX_PARAMS 8

/* Percent-decodes s[0..len) into the arena (NUL-terminated, *out_len its
 * length). plus_is_space: '+' means ' ' (query strings, not paths). A '%'
 * not followed by two hex digits is kept as it is. */
char *route_decode(ddb_arena_t *a, const char *s, size_t len, bool plus_is_space, size_t *out_len);

/* Splits a request target into path and query string (without the '?';
 * *query NULL when there is none). */
void route_split_url(const char *url, size_t len, const char **path, size_t *path_len,
                     const char **query, size_t *query_len);

/* Matches path against pattern, segment by segment: a literal segment must
 * be equal byte for byte (undecoded); a "{name}" segment matches any
 * non-empty segment, whose decoded value is stored in params[]. Returns
 * true on a match with *n parameters (at most ROUTE_MAX_PARAMS; params has
 * room for that many); on no match nothing is allocated. */
bool route_match(ddb_arena_t *a,      /* arena for decoded values */
                 const char *pattern, /* e.g. "/2015-03-31/functions/{name}/invocations" */
                 const char *path,    /* request path, no query string */
                 size_t path_len,     /* its length */
                 route_kv_t *params,  /* out: ROUTE_MAX_PARAMS entries */
                 size_t *n);          /* out: parameters filled */

/* Parses "a=1&b=x%20y&c" into decoded pairs (a missing '=' gives an empty
 * value; empty pieces are skipped). *out is an arena array of *n entries
 * (NULL, 0 when qs is NULL or empty). */
void route_parse_query(ddb_arena_t *a, const char *qs, size_t len, route_kv_t **out, size_t *n);

/* The entry named name among kvs (path or query parameters), or NULL. */
const route_kv_t *route_get(const route_kv_t *kvs, size_t n, const char *name);

#endif
