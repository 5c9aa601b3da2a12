/* items.h: one item write, prepared and validated apart from its execution,
 * so that PutItem/UpdateItem/DeleteItem and the actions of batches and
 * transactions share one implementation (ops_item.c). */
#ifndef DDB_ITEMS_H
#define DDB_ITEMS_H

#include "server/ddbd.h"
#include "server/exprs.h"

typedef enum { W_PUT, W_DELETE, W_UPDATE, W_CHECK } write_kind_t;

typedef struct item_write {
    write_kind_t kind;
    ddbd_req_t *r;
    ddb_table_info_t table;
    ddb_value_t key;          /* primary key map */
    ddb_value_t item;         /* W_PUT: the new item */
    req_exprs_t x;            /* condition / update */
    const ddb_value_t *old;   /* out: the item before */
    const ddb_value_t *result; /* out: the item after (NULL when deleted) */
} item_write_t;

/* Parses and validates one write from r->in (Item or Key, TableName,
 * expressions): kind selects the members (W_CHECK: a ConditionCheck). */
int item_prepare(ddbd_req_t *r, write_kind_t kind, item_write_t *w);

/* The ddb_mutate_fn of a prepared write (ctx is the item_write_t). */
int item_mutate(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item,
                ddb_error_t *err);

/* Reads the member `member` of r->in as an item/key map ("where" names it in
 * the not-null message). */
int item_read_map(ddbd_req_t *r, const char *member, const char *where, ddb_value_t *out);

#endif
