/* indexes.h: secondary indexes at the protocol level: CreateTable's
 * GlobalSecondaryIndexes/LocalSecondaryIndexes (validation and the engine's
 * index definitions), their DescribeTable shape, and the checks every item
 * write makes on index key attributes (ops_index.c). */
#ifndef DDB_INDEXES_H
#define DDB_INDEXES_H

#include "server/ddbd.h"
#include "query/params.h"

/* An attribute definition of CreateTable. */
typedef struct attr_def {
    const char *name;
    size_t len;
    ddb_type_t type;
} attr_def_t;

#define MAX_GSI 20
#define MAX_LSI 5

/* Parses and validates the index members of CreateTable against the table
 * key and attribute definitions; fills *out (arena) and adds the GSIs'
 * provisioned throughput to *throughput (a map value, name -> {RCU, WCU}). */
int ddbd_parse_indexes(ddbd_req_t *r, const cJSON *gsi, const cJSON *lsi, bool on_demand,
                       const ddb_key_schema_t *table_key, const attr_def_t *defs, size_t ndefs,
                       ddb_index_info_t **out, size_t *n, ddb_value_t *throughput);

/* Parses an index's KeySchema into ix->key (and, for a GSI naming more than
 * one partition or sort attribute, ix->nhash/hash/nrange/range) with
 * DynamoDB's validation against the attribute definitions. */
int ddbd_parse_index_key(ddbd_req_t *r, const cJSON *ks, bool global, const attr_def_t *defs,
                         size_t ndefs, ddb_index_info_t *ix);

/* Whether name is one of ix's key attributes (any of a multi-attribute key). */
bool ddbd_index_key_has(const ddb_index_info_t *ix, const char *name, size_t len);

/* Writes ix's KeySchema list as it was given. */
void ddbd_put_index_key_schema(buf_t *b, const ddb_index_info_t *ix);

/* Writes ,"GlobalSecondaryIndexes":[...],"LocalSecondaryIndexes":[...] for t;
 * the index named deleting (if any) is reported as DELETING. */
void ddbd_put_indexes_desc(ddbd_req_t *r, const ddb_table_info_t *t, const char *deleting,
                           size_t deleting_len);

/* Writes an index description's start: {"IndexName":…,"KeySchema":…,
 * "Projection":{…} (the object left open for what the caller adds). */
void ddbd_put_index_head(buf_t *b, const ddb_index_info_t *ix);

/* The type AttributeDefinitions give name (DDB_T_NONE when it is not defined). */
ddb_type_t ddbd_attr_type(const attr_def_t *defs, size_t n, const char *name, size_t len);

/* Parses AttributeDefinitions (CreateTable, UpdateTable) into *defs (in the
 * request arena, as many as the list holds), collecting constraint errors in v. */
int ddbd_parse_attr_defs(ddbd_req_t *r, const cJSON *arr, attr_def_t **defs, size_t *ndefs,
                         vlist_t *v);

/* UpdateTable's GlobalSecondaryIndexUpdates, validated against table t. */
typedef enum { GSI_NONE, GSI_CREATE, GSI_DELETE, GSI_UPDATE } gsi_action_t;
typedef struct gsi_update {
    gsi_action_t action;
    ddb_index_info_t ix; /* GSI_CREATE: the new index */
    const char *name;    /* GSI_DELETE / GSI_UPDATE: the index */
    size_t name_len;
    ddb_value_t defs;       /* the table's AttributeDefinitions afterwards */
    ddb_value_t throughput; /* the table's IndexThroughput afterwards */
} gsi_update_t;

int ddbd_parse_gsi_updates(ddbd_req_t *r, const cJSON *updates, const cJSON *attr_defs,
                           const ddb_table_info_t *t, bool on_demand, gsi_update_t *out);

/* An item's index key attributes must have the index's types and not be
 * empty (DynamoDB rejects the write otherwise). */
int ddbd_check_index_keys(const ddb_table_info_t *t, const ddb_value_t *item, ddb_error_t *err);

#endif
