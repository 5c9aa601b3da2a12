/* ops_partiql_batch.c: BatchExecuteStatement and ExecuteTransaction.
 *
 * A batch runs each statement on its own through the single-item handlers
 * (one failing does not fail the others); a transaction hands its planned
 * requests to TransactWriteItems or TransactGetItems as their TransactItems,
 * so idempotency, atomicity and cancellation reasons are theirs. Never
 * writes an item by any other path. */
#include <stdio.h>
#include <string.h>

#include "server/ddbd.h"
#include "server/partiql_exec.h"
#include "query/json.h"
#include "query/params.h"

#define MAX_BATCH_STATEMENTS    25
#define MAX_TRANSACT_STATEMENTS 100

static bool is_read(const pq_stmt_t *st) {
    return st->kind == PQ_SELECT;
}

/* BatchStatementError's Code of an error. */
static const char *batch_code(ddb_status_t code) {
    switch (code) {
    case DDB_ERR_CONDITIONAL_CHECK:
        return "ConditionalCheckFailed";
    case DDB_ERR_DUPLICATE_ITEM:
        return "DuplicateItem";
    case DDB_ERR_VALIDATION:
    case DDB_ERR_SERIALIZATION:
        return "ValidationError";
    case DDB_ERR_RESOURCE_NOT_FOUND:
        return "ResourceNotFound";
    case DDB_ERR_TRANSACTION_CONFLICT:
        return "TransactionConflict";
    case DDB_ERR_ACCESS_DENIED:
        return "AccessDenied";
    default:
        return "InternalServerError";
    }
}

/* The primary key attribute `name` of a write plan's request. */
static const cJSON *key_attr(const cJSON *req, const char *name) {
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(req, "Key");
    if (!k) k = cJSON_GetObjectItemCaseSensitive(req, "Item");
    return cJSON_GetObjectItemCaseSensitive(k, name);
}

static bool same_key(const pqx_stmt_t *a, const pqx_stmt_t *b) {
    if (a->table.id != b->table.id) return false;
    const ddb_key_schema_t *k = &a->table.key;
    char hash[256], range[256];
    snprintf(hash, sizeof hash, "%.*s", (int)k->hash_len, k->hash_name);
    snprintf(range, sizeof range, "%.*s", (int)k->range_len, k->range_name ? k->range_name : "");
    const cJSON *ra = a->plan->req[0], *rb = b->plan->req[0];
    if (!cJSON_Compare(key_attr(ra, hash), key_attr(rb, hash), true)) return false;
    if (k->range_type == DDB_T_NONE) return true;
    return cJSON_Compare(key_attr(ra, range), key_attr(rb, range), true);
}

/* Capacity of a batch, per table in order of first use. */
typedef struct table_units {
    const ddb_table_info_t *t;
    ddbd_capacity_t cap;
} table_units_t;

static void add_units(table_units_t *tu, size_t *n, const ddb_table_info_t *t,
                      const ddbd_capacity_t *c) {
    for (size_t i = 0; i < *n; i++) {
        if (tu[i].t->name_len == t->name_len && memcmp(tu[i].t->name, t->name, t->name_len) == 0) {
            ddbd_cap_add(&tu[i].cap, c, 1);
            return;
        }
    }
    tu[(*n)++] = (table_units_t){.t = t, .cap = *c};
}

/* Runs one planned statement of a batch; its item (a read's, or RETURNING's
 * attributes) into *item. */
static int run_one(ddbd_req_t *r, pqx_stmt_t *s, const cJSON *entry, ddb_error_t *err, buf_t *extra,
                   const cJSON **item) {
    cJSON *req = s->plan->req[0], *out;
    *item = NULL;
    if (is_read(s->st)) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(entry, "ConsistentRead");
        if (c) cJSON_AddItemToObject(req, "ConsistentRead", cJSON_Duplicate(c, true));
    } else {
        const cJSON *rv =
            cJSON_GetObjectItemCaseSensitive(entry, "ReturnValuesOnConditionCheckFailure");
        if (rv) {
            cJSON_AddItemToObject(req, "ReturnValuesOnConditionCheckFailure",
                                  cJSON_Duplicate(rv, true));
        }
    }
    pqx_ask_capacity(r, req);
    int rc = pqx_call(r, pqx_handler(s->plan->op), req, err, extra, &out);
    if (rc == DDB_ERR_CONDITIONAL_CHECK && s->plan->insert) {
        buf_reset(extra);
        return ddb_error_set(err, DDB_ERR_DUPLICATE_ITEM, "Duplicate primary key exists in table");
    }
    if (rc) return rc;
    *item = cJSON_GetObjectItemCaseSensitive(out, is_read(s->st) ? "Item" : "Attributes");
    return 0;
}

/* Reads and parses the statements of a batch or transaction (list member
 * `member`, at most max); per-statement parse errors into rcs/errs. */
static int read_list(ddbd_req_t *r, const char *member, const char *where, size_t max,
                     const cJSON **list, size_t *n) {
    int rc = p_arr(r->in, member, list, r->err);
    if (rc) return rc;
    if (!*list) return p_error_not_null(r->err, "%s", where);
    *n = (size_t)cJSON_GetArraySize(*list);
    rc = p_error_len(r->err, "[...]", 5, *n, 1, max, "%s", where);
    if (rc) return rc;
    const cJSON *e;
    size_t i = 0;
    cJSON_ArrayForEach(e, *list) {
        i++;
        if (!cJSON_IsObject(e)) return p_error_type(r->err, member);
        /* the members' shapes are the request's errors, its statements' own */
        char at[64];
        const char *text;
        size_t len;
        snprintf(at, sizeof at, "%s.%zu.member.statement", where, i);
        const cJSON *params;
        rc = pqx_statement(e, at, &text, &len, r->err);
        if (!rc) rc = p_arr(e, "Parameters", &params, r->err);
        if (rc) return rc;
        if (params && cJSON_GetArraySize(params) == 0)
            return p_error_len_min(r->err, "[]", 2, 1, "%s.%zu.member.parameters", where, i);
    }
    return 0;
}

int op_batch_execute_statement(ddbd_req_t *r) {
    const cJSON *list;
    size_t n = 0;
    int rcc;
    int rc = read_list(r, "Statements", "statements", MAX_BATCH_STATEMENTS, &list, &n);
    if (!rc) rc = ddbd_parse_rcc(r, &rcc);
    if (rc) return rc;
    pqx_stmt_t *s = ddb_arena_alloc(r->arena, sizeof *s * n);
    ddb_error_t *errs = ddb_arena_alloc(r->arena, sizeof *errs * n);
    int *rcs = ddb_arena_alloc(r->arena, sizeof *rcs * n);
    bool reads = false, writes = false;
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, list) {
        char where[64];
        snprintf(where, sizeof where, "statements.%zu.member.statement", i + 1);
        rcs[i] = pqx_parse(r, e, where, &s[i], &errs[i]);
        if (!rcs[i] && is_read(s[i].st)) reads = true;
        if (!rcs[i] && !is_read(s[i].st)) writes = true;
        i++;
    }
    if (reads && writes) {
        return ddb_error_set(
            r->err, DDB_ERR_VALIDATION,
            "Read and write requests together in the same batch is not supported.");
    }
    i = 0;
    cJSON_ArrayForEach(e, list) {
        if (!rcs[i] && s[i].st->kind == PQ_EXISTS) {
            rcs[i] = ddb_error_set(&errs[i], DDB_ERR_VALIDATION,
                                   "EXISTS can only be used in ExecuteTransaction write requests.");
        }
        if (!rcs[i]) {
            if (i == 0 || !r->srv->note.table_len) pqx_note_table(r, &s[i]);
            rcs[i] =
                pqx_plan(r, cJSON_GetObjectItemCaseSensitive(e, "Parameters"), &s[i], &errs[i]);
        }
        if (!rcs[i] && is_read(s[i].st) && s[i].plan->op != PQ_OP_GET_ITEM) {
            rcs[i] =
                ddb_error_set(&errs[i], DDB_ERR_VALIDATION, "Only single item select is supported");
        }
        for (size_t k = 0; !rcs[i] && writes && k < i; k++) {
            if (!rcs[k] && same_key(&s[k], &s[i])) {
                return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                     "Provided list of item keys contains duplicates");
            }
        }
        i++;
    }
    table_units_t *tu = ddb_arena_alloc(r->arena, sizeof *tu * n);
    size_t ntu = 0;
    double total = 0;
    buf_t extra;
    buf_init(&extra);
    buf_puts(r->out, "{\"Responses\":[");
    i = 0;
    cJSON_ArrayForEach(e, list) {
        const cJSON *item = NULL;
        bool ran = !rcs[i]; /* DynamoDB names the table of a statement it ran, not of one
                             * it refused */
        buf_reset(&extra);
        if (ran) {
            rcs[i] = run_one(r, &s[i], e, &errs[i], &extra, &item);
            if (!rcs[i] || rcs[i] == DDB_ERR_CONDITIONAL_CHECK ||
                rcs[i] == DDB_ERR_DUPLICATE_ITEM) {
                ddbd_capacity_t none = {0};
                const ddbd_capacity_t *u = rcs[i] ? &none : &r->srv->note.cap;
                total += ddbd_cap_total(u);
                add_units(tu, &ntu, &s[i].table, u);
            }
        }
        if (i) buf_putc(r->out, ',');
        buf_putc(r->out, '{');
        bool first = true;
        if (ran) {
            buf_puts(r->out, "\"TableName\":");
            ddbd_put_table_name(r->out, s[i].table.name, s[i].table.name_len);
            first = false;
        }
        if (rcs[i]) {
            const char *code = batch_code(errs[i].code);
            buf_puts(r->out, first ? "\"Error\":{\"Code\":" : ",\"Error\":{\"Code\":");
            json_put_str(r->out, code, strlen(code));
            buf_puts(r->out, ",\"Message\":");
            json_put_str(r->out, errs[i].msg, strlen(errs[i].msg));
            if (extra.len) {
                buf_putc(r->out, ',');
                buf_put(r->out, extra.data, extra.len);
            }
            buf_putc(r->out, '}');
        } else if (item && (is_read(s[i].st) || s[i].st->ret != PQ_RET_NONE)) {
            buf_puts(r->out, first ? "\"Item\":" : ",\"Item\":");
            int prc = pqx_put_item(r, r->out, item, r->err);
            if (prc) {
                buf_free(&extra);
                return prc;
            }
        }
        buf_putc(r->out, '}');
        i++;
    }
    buf_free(&extra);
    buf_putc(r->out, ']');
    if (rcc && ntu) {
        buf_puts(r->out, ",\"ConsumedCapacity\":[");
        for (size_t k = 0; k < ntu; k++) {
            if (k) buf_putc(r->out, ',');
            ddbd_put_capacity(r->out, tu[k].t, rcc, &tu[k].cap, CAP_PLAIN);
        }
        buf_putc(r->out, ']');
    }
    buf_putc(r->out, '}');
    r->srv->note.capacity = total;
    r->srv->note.has_capacity = true;
    return 0;
}

/* ---- ExecuteTransaction ------------------------------------------------------------- */

/* A statement's own error, as DynamoDB words it in a transaction. */
static int statement_error(ddbd_req_t *r, size_t i, const char *msg) {
    return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                         "Validation failed in TransactStatements[%zu]: %s", i, msg);
}

/* TransactWriteItems reports an INSERT's failed attribute_not_exists as
 * ConditionalCheckFailed; DynamoDB (Local) reports the duplicate key as a
 * ValidationError with the INSERT's message. Rewrites those reasons. */
static void fix_reasons(ddbd_req_t *r, const pqx_stmt_t *s, size_t n) {
    buf_t *x = r->err_extra;
    buf_t wrapped;
    buf_init(&wrapped);
    buf_putc(&wrapped, '{');
    buf_put(&wrapped, x->data, x->len);
    buf_putc(&wrapped, '}');
    cJSON *j;
    ddb_error_t perr;
    int rc = json_parse_request(wrapped.data, wrapped.len, &j, &perr);
    buf_free(&wrapped);
    if (rc) return;
    const cJSON *reasons = cJSON_GetObjectItemCaseSensitive(j, "CancellationReasons");
    if (cJSON_GetArraySize(reasons) != (int)n) return;
    char list[1024] = "";
    size_t k = 0;
    buf_reset(x);
    buf_puts(x, "\"CancellationReasons\":[");
    size_t i = 0;
    const cJSON *reason;
    cJSON_ArrayForEach(reason, reasons) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(reason, "Code");
        const char *c = cJSON_IsString(code) ? code->valuestring : "None";
        bool dup = s[i].plan->insert && strcmp(c, "ConditionalCheckFailed") == 0;
        if (dup) c = "ValidationError";
        if (k < sizeof list)
            k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "", c);
        if (i) buf_putc(x, ',');
        if (dup) {
            buf_puts(x, "{\"Code\":\"ValidationError\","
                        "\"Message\":\"Duplicate primary key exists in table\"}");
        } else {
            char *p = cJSON_PrintUnformatted(reason);
            if (p) buf_puts(x, p);
            cJSON_free(p);
        }
        i++;
    }
    buf_putc(x, ']');
    ddb_error_set(r->err, DDB_ERR_TRANSACTION_CANCELED,
                  "Transaction cancelled, please refer cancellation reasons for specific reasons "
                  "[%s]",
                  list);
}

static const char *action_of(pq_op_t op) {
    switch (op) {
    case PQ_OP_PUT_ITEM:
        return "Put";
    case PQ_OP_UPDATE_ITEM:
        return "Update";
    case PQ_OP_DELETE_ITEM:
        return "Delete";
    case PQ_OP_CONDITION_CHECK:
        return "ConditionCheck";
    default:
        return "Get";
    }
}

int op_execute_transaction(ddbd_req_t *r) {
    const cJSON *list;
    size_t n = 0;
    int rc = read_list(r, "TransactStatements", "transactStatements", MAX_TRANSACT_STATEMENTS,
                       &list, &n);
    if (rc) return rc;
    pqx_stmt_t *s = ddb_arena_alloc(r->arena, sizeof *s * n);
    bool reads = false, writes = false;
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, list) {
        char where[64];
        snprintf(where, sizeof where, "transactStatements.%zu.member.statement", i + 1);
        rc = pqx_parse(r, e, where, &s[i], r->err);
        if (rc) return rc;
        if (is_read(s[i].st))
            reads = true;
        else
            writes = true;
        i++;
    }
    if (reads && writes) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "ExecuteTransaction API does not support both read and write "
                             "operations in the same request.");
    }
    pqx_note_table(r, &s[0]);
    cJSON *items = cJSON_CreateArray();
    i = 0;
    cJSON_ArrayForEach(e, list) {
        if (s[i].st->ret != PQ_RET_NONE) {
            return statement_error(r, i,
                                   "RETURNING clause is not supported in ExecuteTransaction.");
        }
        rc = pqx_plan(r, cJSON_GetObjectItemCaseSensitive(e, "Parameters"), &s[i], r->err);
        if (rc == DDB_ERR_VALIDATION)
            return statement_error(r, i,
                                   ddb_arena_strndup(r->arena, r->err->msg, strlen(r->err->msg)));
        if (rc) return rc;
        cJSON *req = s[i].plan->req[0];
        if (reads && s[i].plan->op != PQ_OP_GET_ITEM) {
            return statement_error(r, i,
                                   "Select statements within ExecuteTransaction must specify the "
                                   "primary key in the where clause.");
        }
        const cJSON *rv =
            cJSON_GetObjectItemCaseSensitive(e, "ReturnValuesOnConditionCheckFailure");
        if (rv && !reads) {
            cJSON_AddItemToObject(req, "ReturnValuesOnConditionCheckFailure",
                                  cJSON_Duplicate(rv, true));
        }
        cJSON *action = cJSON_CreateObject();
        cJSON_AddItemReferenceToObject(action, action_of(s[i].plan->op), req);
        cJSON_AddItemToArray(items, action);
        i++;
    }
    /* the transaction operations read these members as their own */
    cJSON *in = cJSON_CreateObject();
    cJSON_AddItemToObject(in, "TransactItems", items);
    static const char *const passed[] = {"ClientRequestToken", "ReturnConsumedCapacity"};
    for (size_t k = 0; k < 2; k++) {
        cJSON *m = cJSON_GetObjectItemCaseSensitive(r->in, passed[k]);
        if (m && (k || !reads)) cJSON_AddItemReferenceToObject(in, passed[k], m);
    }
    ddbd_req_t sub = *r;
    sub.in = in;
    rc = reads ? op_transact_get_items(&sub) : op_transact_write_items(&sub);
    if (rc == DDB_ERR_TRANSACTION_CANCELED) fix_reasons(r, s, n);
    return rc;
}
