/* json.h: DynamoDB JSON <-> ddb values.
 *
 * Reading: request AttributeValues (parsed by cJSON) become ddb_value_t trees
 * in the request arena, validated with DynamoDB's messages (exactly one type
 * per value, numbers in range, sets non-empty without duplicates, valid
 * base64, nesting depth). Writing: values and items are written straight into
 * an output buffer as JSON text, with no intermediate JSON tree. */
#ifndef DDB_JSON_H
#define DDB_JSON_H

#include <cjson/cJSON.h>

#include "query/arena.h"
#include "query/error.h"
#include "query/expr.h"
#include "query/value.h"
#include "query/buf.h"

/* Writes s[0..len) as a JSON string literal (quotes, escapes). */
void json_put_str(buf_t *b, const char *s, size_t len);

/* Writes "name": (string key and colon). */
void json_put_key(buf_t *b, const char *name);

/* Writes one AttributeValue, e.g. {"S":"x"} or {"M":{...}}. */
void json_put_value(buf_t *b, const ddb_value_t *v);

/* Writes an item (a map value) as {"attr":{"S":"x"},...}. */
void json_put_item(buf_t *b, const ddb_value_t *item);

/* Writes item, reduced to the projection when proj is not NULL (scratch
 * values in arena a). */
void json_put_projected(buf_t *b, ddb_arena_t *a, const expr_projection_t *proj,
                        const ddb_value_t *item);

/* Epoch seconds as DynamoDB writes times (CreationDateTime, ...): 1700000000
 * or 1700000000.5, at most three decimals, no trailing zeros; returns the
 * length written (NUL-terminated). */
#define JSON_EPOCH_MAX 32
size_t json_epoch_text(char out[JSON_EPOCH_MAX], int64_t ms);

/* Writes a KeySchema list: [{"AttributeName":hash,"KeyType":"HASH"}, and the
 * RANGE element when range is not NULL]. */
void json_put_key_schema(buf_t *b, const char *hash, size_t hash_len, const char *range,
                         size_t range_len);

/* Writes DynamoDB's error body {"__type":...,"message":...} for err (the
 * message under ddb_error_message_key: "Message" for a few), with
 * extra's members (e.g. "Item":{...}, already JSON) after them when not empty. */
void json_put_error(buf_t *b, const ddb_error_t *err, const buf_t *extra);

/* Base64 (RFC 4648, with padding). Encode writes into b. Decode returns the
 * decoded length into *out_len (buffer in arena), or -1 if s is not valid. */
void json_put_base64(buf_t *b, const unsigned char *p, size_t len);
int json_base64_decode(ddb_arena_t *a, const char *s, size_t len, unsigned char **out,
                       size_t *out_len);

/* Parses a request body: one JSON object in well-formed UTF-8, with no raw
 * control characters in its strings and nothing but white space after it;
 * otherwise DDB_ERR_SERIALIZATION. The tree is cJSON's (allocated through
 * cJSON's hooks). */
/* The span p[*vs, *ve) of the value of top-level member name in the JSON
 * object text p[0..n) — to pass a member of text ddb wrote on without
 * parsing it; false when absent (or the text is not an object). Pure. */
bool json_member_span(const char *p, size_t n, const char *name, size_t *vs, size_t *ve);

/* The top-level members of object text p[0..n) in order, at most max (the
 * rest are not listed), in one pass: each name (without quotes, escapes
 * as written) and its value's span. 0 when p is not a whole object. */
typedef struct json_member {
    const char *name;
    size_t name_len;
    size_t vs, ve;
} json_member_t;
size_t json_members(const char *p, size_t n, json_member_t *out, size_t max);

int json_parse_request(const char *body, size_t len, cJSON **out, ddb_error_t *err);

/* The text of a string node of a parsed request, and of a member's name,
 * with their full length: a \u0000 in the request is a NUL here (cJSON's
 * own strings end at the first NUL; json_parse_request keeps them). Decodes
 * in place the first time (so use these, not valuestring/string, for any
 * text that may hold a NUL). */
const char *json_str(const cJSON *j, size_t *len);
const char *json_key(const cJSON *j, size_t *len);

/* Converts one AttributeValue JSON object into out (allocated in a). */
int json_to_value(ddb_arena_t *a, const cJSON *av, ddb_value_t *out, ddb_error_t *err);

/* Converts a JSON object of name -> AttributeValue into a map value. */
int json_to_item(ddb_arena_t *a, const cJSON *obj, ddb_value_t *out, ddb_error_t *err);

#endif
