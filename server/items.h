/* items.h: one item write, described by plain values, prepared and validated
 * apart from its execution, so that PutItem/UpdateItem/DeleteItem, the
 * actions of batches and transactions (and later PartiQL statements and
 * triggers) share one implementation (ops_item.c).
 *
 * Two steps: item_spec_read turns a JSON object (a request body or one entry
 * of a batch/transaction) into an item_spec_t; item_prepare checks a spec
 * against its table. A caller without JSON fills the spec itself. */
#ifndef DDB_ITEMS_H
#define DDB_ITEMS_H

#include "server/ddbd.h"
#include "server/exprs.h"

typedef enum { W_PUT, W_DELETE, W_UPDATE, W_CHECK } write_kind_t;

/* ReturnValues of the single-item writes. */
typedef enum { RV_NONE, RV_ALL_OLD, RV_UPDATED_OLD, RV_ALL_NEW, RV_UPDATED_NEW } item_rv_t;

/* What to write, as values. Everything lives in the request arena (or is
 * otherwise kept alive by the caller until the write is done). */
typedef struct item_spec {
    write_kind_t kind;
    const char *table; /* table name (not NUL-terminated), NULL when absent */
    size_t table_len;
    ddb_value_t item;            /* W_PUT: the new item (a map) */
    ddb_value_t key;             /* W_DELETE, W_UPDATE, W_CHECK: the primary key (a map) */
    const expr_node_t *cond;     /* condition or NULL; #names and :values already
                                  * substituted, as expr_parse_condition leaves them */
    const expr_update_t *update; /* W_UPDATE: the actions, or NULL (no change) */
    bool old_on_failure;         /* ReturnValuesOnConditionCheckFailure = ALL_OLD */
    item_rv_t return_values;     /* ReturnValues (RV_NONE unless set) */
} item_spec_t;

typedef struct item_write {
    item_spec_t s; /* the spec, copied by item_prepare */
    ddbd_req_t *r; /* engine, arena and error of the request */
    ddb_table_info_t table;
    ddb_value_t key;           /* primary key map (W_PUT: taken from s.item) */
    const ddb_value_t *old;    /* out: the item before */
    const ddb_value_t *result; /* out: the item after (NULL when deleted) */
} item_write_t;

/* Reads one write of kind `kind` from the JSON object `in` (the request body,
 * or a batch/transaction entry): Item or Key, the condition/update members,
 * ReturnValuesOnConditionCheckFailure and TableName. table, when not NULL,
 * names the table instead of in's TableName (BatchWriteItem's RequestItems
 * key). ReturnValues is left RV_NONE. Checks members in DynamoDB's order;
 * the table itself is checked by item_prepare. */
int item_spec_read(ddbd_req_t *r, const cJSON *in, write_kind_t kind, const char *table,
                   item_spec_t *s);

/* Validates a spec against its table (name, existence, key schema, index
 * key types, item size, updates of key attributes) and fills *w. Reads no
 * JSON: r supplies only the engine, the arena and the error. */
int item_prepare(ddbd_req_t *r, const item_spec_t *s, item_write_t *w);

/* After item_prepare refused s: whether DynamoDB reports the refusal as
 * the action's ValidationError cancellation reason in a transaction rather
 * than refusing the whole request: a key value of another type or over its
 * size limit, an index key attribute of another type (Put), an update of a
 * key attribute; DynamoDB Local's split (its messages are terser). */
bool item_failure_is_reason(const item_write_t *w, const item_spec_t *s);

/* The ddb_mutate_fn of a prepared write (ctx is the item_write_t). */
int item_mutate(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item, ddb_error_t *err);

/* Reads the member `member` of in as an item/key map ("where" names it in
 * the not-null message). */
int item_read_map(ddbd_req_t *r, const cJSON *in, const char *member, const char *where,
                  ddb_value_t *out);

#endif
