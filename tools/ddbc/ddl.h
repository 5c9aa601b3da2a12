/* ddl.h: ddbc's data-definition statements — CREATE TABLE, ALTER TABLE, DROP TABLE — parsed
 * into the exact DynamoDB API requests they stand for (CreateTable, UpdateTable,
 * UpdateTimeToLive, DeleteTable). Pure: builds JSON, sends nothing. */
#ifndef DDBC_DDL_H
#define DDBC_DDL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "query/error.h"

/* One request of a DDL statement, in the order they are sent. */
typedef struct ddl_step {
    const char *op;   /* "CreateTable", "UpdateTable", "UpdateTimeToLive", "DeleteTable" */
    cJSON *req;       /* the request body (owned by the plan) */
    bool wait_active; /* the table must be ACTIVE first (TTL right after CREATE) */
    bool ttl_lookup;  /* TTL OFF: the attribute's name is to be read from DescribeTimeToLive */
} ddl_step_t;

#define DDL_MAX_STEPS 4

typedef struct ddl_plan {
    ddl_step_t steps[DDL_MAX_STEPS];
    size_t n;        /* number of steps */
    char table[256]; /* the table the statement is about */
} ddl_plan_t;

/* Parses one DDL statement s[0..len) (a trailing ';' allowed). On a syntax error returns
 * DDB_ERR_VALIDATION with the message in err and the offending token's byte offset in
 * *err_pos. The plan's requests are malloc'ed: free them with ddl_free. */
int ddl_parse(const char *s, size_t len, ddl_plan_t *out, size_t *err_pos, ddb_error_t *err);

/* Frees the plan's requests. */
void ddl_free(ddl_plan_t *p);

#endif
