/* value.h: DynamoDB attribute values in memory.
 *
 * An item is a value of type M. Values are immutable trees allocated from an
 * arena (or decoded straight from storage into one); strings and binaries are
 * pointer + length and may hold any bytes. Numbers are kept as their canonical
 * text (see number.h), so equal numbers have equal text. Pure: no I/O. */
#ifndef DDB_VALUE_H
#define DDB_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query/arena.h"
#include "query/error.h"

typedef enum ddb_type {
    DDB_T_NONE = 0,
    DDB_T_S,    /* string: UTF-8 bytes */
    DDB_T_N,    /* number: canonical decimal text */
    DDB_T_B,    /* binary: raw bytes (base64 only on the wire) */
    DDB_T_SS,   /* string set: list of S values */
    DDB_T_NS,   /* number set: list of N values */
    DDB_T_BS,   /* binary set: list of B values */
    DDB_T_M,    /* map: attrs */
    DDB_T_L,    /* list: values */
    DDB_T_BOOL, /* boolean */
    DDB_T_NULL  /* null (always true) */
} ddb_type_t;

typedef struct ddb_value ddb_value_t;
typedef struct ddb_attr ddb_attr_t;

struct ddb_value {
    ddb_type_t type;
    union {
        struct {
            const char *ptr;
            size_t len;
        } str;        /* S, N, B */
        bool boolean; /* BOOL */
        struct {
            ddb_value_t *v;
            size_t n;
        } list; /* L, SS, NS, BS: elements */
        struct {
            ddb_attr_t *a;
            size_t n;
        } map; /* M: attributes in insertion order, names unique */
    } u;
};

struct ddb_attr {
    const char *name; /* attribute name bytes (UTF-8) */
    size_t name_len;  /* length of name */
    ddb_value_t value;
};

/* Wire names "S", "N", ... for a type; "" for DDB_T_NONE. */
const char *ddb_type_name(ddb_type_t t);

/* Parses a wire type name ("S", "SS", "BOOL", ...); DDB_T_NONE if unknown. */
ddb_type_t ddb_type_from_name(const char *name, size_t len);

/* True for SS, NS, BS. */
bool ddb_type_is_set(ddb_type_t t);

/* Element type of a set type (SS -> S ...), DDB_T_NONE otherwise. */
ddb_type_t ddb_set_elem_type(ddb_type_t t);

/* Looks up an attribute of a map value by name; NULL if absent or not a map. */
const ddb_value_t *ddb_map_get(const ddb_value_t *map, const char *name, size_t len);

/* Deep equality as DynamoDB defines it: same type, numbers numerically,
 * sets as unordered collections, maps regardless of attribute order. */
bool ddb_value_equal(const ddb_value_t *a, const ddb_value_t *b);

/* Deep copy of v into arena a. */
void ddb_value_clone(ddb_arena_t *a, const ddb_value_t *v, ddb_value_t *out);

/* Size of a value as DynamoDB counts it for the 400 KB item limit and for
 * capacity units (not including the attribute name). */
/* The longest attribute name, in bytes. */
#define DDB_ATTR_NAME_MAX 65535

/* DynamoDB's ValidationException for an attribute name of len bytes that
 * is empty or too long; 0 when it is fine. */
int ddb_check_attr_name(size_t len, ddb_error_t *err);

size_t ddb_value_size(const ddb_value_t *v);

/* Size of an item (a map value): sum of name length + value size. */
size_t ddb_item_size(const ddb_value_t *item);

#endif
