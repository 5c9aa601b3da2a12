/* ops_partiql.c: ExecuteStatement, and the steps every PartiQL operation
 * shares (partiql_exec.h): parse, load the table, plan (query/partiql.h),
 * then run the plan's request(s) through the JSON operations' own handlers
 * (op_get_item, op_query, op_put_item, ...), whose responses are reshaped
 * into PartiQL's. Never evaluates a condition, applies an update or pages
 * by itself: whatever the handlers do is what a statement does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "server/ddbd.h"
#include "server/partiql_exec.h"
#include "query/json.h"
#include "query/params.h"

/* DynamoDB's bound on NextToken. */
#define MAX_NEXT_TOKEN 32768

int pqx_statement(const cJSON *obj, const char *where, const char **text, size_t *len,
                  ddb_error_t *err) {
    int rc = p_str(obj, "Statement", text, len, err);
    if (rc) return rc;
    if (!*text) return p_error_not_null(err, "%s", where);
    return p_error_len(err, *text, p_cut(*len, 100), *len, 1, PQ_MAX_STATEMENT, "%s", where);
}

int pqx_parse(ddbd_req_t *r, const cJSON *obj, const char *where, pqx_stmt_t *s, ddb_error_t *err) {
    memset(s, 0, sizeof *s);
    const char *text;
    size_t len;
    int rc = pqx_statement(obj, where, &text, &len, err);
    if (rc) return rc;
    /* the AST points into the text: keep it in the arena with the AST */
    const char *copy = ddb_arena_memdup(r->arena, text, len);
    return pq_parse(copy, len, r->arena, &s->st, err);
}

static void keys_of(ddb_arena_t *a, const ddb_key_schema_t *k, pq_keys_t *out) {
    out->hash = ddb_arena_strndup(a, k->hash_name, k->hash_len);
    out->hash_type = k->hash_type;
    bool range = k->range_type != DDB_T_NONE;
    out->range = range ? ddb_arena_strndup(a, k->range_name, k->range_len) : NULL;
    out->range_type = range ? k->range_type : DDB_T_NONE;
}

int pqx_plan(ddbd_req_t *r, const cJSON *params, pqx_stmt_t *s, ddb_error_t *err) {
    ddbd_req_t sub = *r;
    sub.err = err;
    int rc = ddbd_load_table_name(&sub, s->st->table, s->st->table_len, false, &s->table);
    if (rc) return rc;
    s->has_table = true;
    const ddb_table_info_t *t = &s->table;
    pq_schema_t schema = {.nindexes = 0};
    keys_of(r->arena, &t->key, &schema.keys);
    pq_index_t *ix = ddb_arena_alloc(r->arena, sizeof *ix * (t->nindexes + 1));
    for (size_t i = 0; i < t->nindexes; i++) {
        if (t->indexes[i].ttl) continue; /* the hidden expiry index is no index of the user's */
        ix[schema.nindexes].name =
            ddb_arena_strndup(r->arena, t->indexes[i].name, t->indexes[i].name_len);
        keys_of(r->arena, &t->indexes[i].key, &ix[schema.nindexes].keys);
        if (t->indexes[i].nhash) {
            /* the planner knows single-attribute keys only: it scans an index
             * with a multi-attribute key (no attribute is named "") */
            ix[schema.nindexes].keys = (pq_keys_t){.hash = "", .hash_type = DDB_T_S};
        }
        schema.nindexes++;
    }
    schema.indexes = ix;
    size_t np = params ? (size_t)cJSON_GetArraySize(params) : 0;
    ddb_value_t *pv = ddb_arena_alloc(r->arena, sizeof *pv * (np + 1));
    size_t i = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, params) {
        rc = json_to_value(r->arena, p, &pv[i++], err);
        if (rc) return rc;
    }
    return pq_plan(s->st, &schema, pv, np, r->arena, &s->plan, err);
}

ddbd_op_fn pqx_handler(pq_op_t op) {
    switch (op) {
    case PQ_OP_GET_ITEM:
        return op_get_item;
    case PQ_OP_QUERY:
        return op_query;
    case PQ_OP_SCAN:
        return op_scan;
    case PQ_OP_PUT_ITEM:
        return op_put_item;
    case PQ_OP_UPDATE_ITEM:
        return op_update_item;
    case PQ_OP_DELETE_ITEM:
        return op_delete_item;
    case PQ_OP_CONDITION_CHECK:
        break;
    }
    return NULL;
}

/* Runs fn on request in with its answer's text in *b (the caller's,
 * initialized), its errors in err and err_extra. */
static int call_text(ddbd_req_t *r, ddbd_op_fn fn, const cJSON *in, ddb_error_t *err,
                     buf_t *err_extra, buf_t *b) {
    ddbd_req_t sub = *r;
    sub.in = in;
    sub.out = b;
    sub.err = err;
    sub.err_extra = err_extra;
    return fn(&sub);
}

int pqx_call(ddbd_req_t *r, ddbd_op_fn fn, const cJSON *in, ddb_error_t *err, buf_t *err_extra,
             cJSON **out) {
    buf_t b;
    buf_init(&b);
    int rc = call_text(r, fn, in, err, err_extra, &b);
    if (!rc) rc = json_parse_request(b.data, b.len, out, err);
    buf_free(&b);
    return rc;
}

void pqx_ask_capacity(ddbd_req_t *r, cJSON *req) {
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(r->in, "ReturnConsumedCapacity");
    if (!m) return;
    if (cJSON_GetObjectItemCaseSensitive(req, "ReturnConsumedCapacity"))
        cJSON_ReplaceItemInObjectCaseSensitive(req, "ReturnConsumedCapacity",
                                               cJSON_Duplicate(m, 1));
    else
        cJSON_AddItemToObject(req, "ReturnConsumedCapacity", cJSON_Duplicate(m, 1));
}

int pqx_put_item(ddbd_req_t *r, buf_t *b, const cJSON *item, ddb_error_t *err) {
    ddb_value_t v;
    int rc = json_to_item(r->arena, item, &v, err);
    if (rc) return rc;
    json_put_item(b, &v);
    return 0;
}

void pqx_note_table(ddbd_req_t *r, const pqx_stmt_t *s) {
    ddbd_note_t *n = &r->srv->note;
    size_t len = s->st->table_len < sizeof n->table - 1 ? s->st->table_len : sizeof n->table - 1;
    memcpy(n->table, s->st->table, len);
    n->table[len] = '\0';
    n->table_len = len;
}

/* ---- NextToken -------------------------------------------------------------------- */

/* A page's token names the statement it belongs to (a digest of its text
 * and parameters), the request of the plan to continue (IN on a partition
 * key is one Query per value) and that request's ExclusiveStartKey. */
static uint64_t statement_digest(const cJSON *in) {
    XXH3_state_t *st = XXH3_createState();
    XXH3_64bits_reset(st);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(in, "Statement");
    size_t len;
    const char *text = json_str(s, &len);
    XXH3_64bits_update(st, text, len);
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(in, "Parameters");
    if (params) {
        char *p = cJSON_PrintUnformatted(params);
        if (p) XXH3_64bits_update(st, p, strlen(p));
        cJSON_free(p);
    }
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}

static void put_token(ddbd_req_t *r, uint64_t digest, size_t req, const cJSON *lek) {
    buf_t t;
    buf_init(&t);
    buf_printf(&t, "{\"d\":\"%016llx\",\"i\":%zu", (unsigned long long)digest, req);
    if (lek) {
        buf_puts(&t, ",\"k\":");
        char *k = cJSON_PrintUnformatted(lek);
        if (k) buf_puts(&t, k);
        cJSON_free(k);
    }
    buf_putc(&t, '}');
    buf_puts(r->out, ",\"NextToken\":"); /* json_put_base64 writes the quotes */
    json_put_base64(r->out, (const unsigned char *)t.data, t.len);
    buf_free(&t);
}

static int bad_token(ddbd_req_t *r) {
    return ddb_error_set(r->err, DDB_ERR_VALIDATION, "Invalid NextToken");
}

/* Decodes a NextToken into the request index to resume and its start key. */
static int read_token(ddbd_req_t *r, const char *tok, size_t len, uint64_t digest, size_t nreq,
                      size_t *req, const cJSON **esk) {
    if (len < 1 || len > MAX_NEXT_TOKEN) {
        return p_error_len(r->err, tok, p_cut(len, 100), len, 1, MAX_NEXT_TOKEN, "nextToken");
    }
    unsigned char *raw;
    size_t n;
    ddb_error_t perr;
    cJSON *j;
    if (json_base64_decode(r->arena, tok, len, &raw, &n) < 0) return bad_token(r);
    if (json_parse_request((const char *)raw, n, &j, &perr)) return bad_token(r);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "d");
    const cJSON *i = cJSON_GetObjectItemCaseSensitive(j, "i");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "k");
    char want[17];
    snprintf(want, sizeof want, "%016llx", (unsigned long long)digest);
    if (!cJSON_IsString(d) || strcmp(d->valuestring, want) != 0) return bad_token(r);
    if (!cJSON_IsNumber(i) || i->valuedouble < 0 || i->valuedouble >= (double)nreq)
        return bad_token(r);
    if (k && !cJSON_IsObject(k)) return bad_token(r);
    *req = (size_t)i->valuedouble;
    *esk = k;
    return 0;
}

/* ---- ExecuteStatement ------------------------------------------------------------- */

typedef struct call_opts {
    bool consistent;
    bool has_consistent;
    int64_t limit; /* 0: none */
    int rcc;
    const cJSON *rv_failure; /* ReturnValuesOnConditionCheckFailure as sent, or NULL */
    const char *token;
    size_t token_len;
} call_opts_t;

static void set_member(cJSON *obj, const char *name, cJSON *v) {
    if (cJSON_GetObjectItemCaseSensitive(obj, name))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, name, v);
    else
        cJSON_AddItemToObject(obj, name, v);
}

/* A handler's answer's top-level members (its own JSON: the items pass on
 * as written instead of being parsed and written again), found in one pass. */
typedef struct answer {
    const buf_t *b;
    json_member_t m[8];
    size_t n;
} answer_t;

static void answer_scan(answer_t *an, const buf_t *b) {
    an->b = b;
    an->n = json_members(b->data, b->len, an->m, 8);
}

static bool member(const answer_t *an, const char *name, const char **v, size_t *len) {
    size_t nl = strlen(name);
    for (size_t i = 0; i < an->n; i++) {
        if (an->m[i].name_len == nl && memcmp(an->m[i].name, name, nl) == 0) {
            *v = an->b->data + an->m[i].vs;
            *len = an->m[i].ve - an->m[i].vs;
            return true;
        }
    }
    return false;
}

/* SELECT as a GetItem: Items is the item, or nothing. */
static int run_get(ddbd_req_t *r, pqx_stmt_t *s, const call_opts_t *o) {
    cJSON *req = s->plan->req[0];
    if (o->has_consistent) set_member(req, "ConsistentRead", cJSON_CreateBool(o->consistent));
    pqx_ask_capacity(r, req);
    buf_t b;
    buf_init(&b);
    int rc = call_text(r, op_get_item, req, r->err, r->err_extra, &b);
    if (!rc) {
        buf_puts(r->out, "{\"Items\":[");
        const char *item;
        size_t il;
        answer_t an;
        answer_scan(&an, &b);
        if (member(&an, "Item", &item, &il)) buf_put(r->out, item, il);
        buf_putc(r->out, ']');
        ddbd_capacity_t cap = r->srv->note.cap;
        ddbd_put_consumed(r, &s->table, o->rcc, &cap);
        buf_putc(r->out, '}');
    }
    buf_free(&b);
    return rc;
}

/* SELECT as Queries or a Scan: one page, Limit items at most, resumed from
 * the token; the plan's requests follow each other. */
static int run_pages(ddbd_req_t *r, pqx_stmt_t *s, const call_opts_t *o) {
    pq_plan_t *plan = s->plan;
    uint64_t digest = statement_digest(r->in);
    size_t first = 0;
    const cJSON *esk = NULL;
    if (o->token) {
        int rc = read_token(r, o->token, o->token_len, digest, plan->nreq, &first, &esk);
        if (rc) return rc;
    }
    ddbd_op_fn fn = pqx_handler(plan->op);
    buf_puts(r->out, "{\"Items\":[");
    int64_t count = 0;
    ddbd_capacity_t cap = {0};
    const cJSON *lek = NULL;
    size_t next = plan->nreq; /* nreq: no more pages */
    buf_t b;
    buf_init(&b);
    cJSON *lek_json = NULL;
    answer_t an = {.n = 0};
    int rc = 0;
    for (size_t i = first; !rc && i < plan->nreq; i++) {
        cJSON *req = plan->req[i];
        if (o->limit) set_member(req, "Limit", cJSON_CreateNumber((double)(o->limit - count)));
        if (o->has_consistent) set_member(req, "ConsistentRead", cJSON_CreateBool(o->consistent));
        if (i == first && esk) set_member(req, "ExclusiveStartKey", cJSON_Duplicate(esk, true));
        pqx_ask_capacity(r, req);
        buf_reset(&b);
        rc = call_text(r, fn, req, r->err, r->err_extra, &b);
        if (rc) break;
        ddbd_cap_add(&cap, &r->srv->note.cap, 1);
        const char *items, *n, *k;
        size_t il, nl, kl;
        answer_scan(&an, &b);
        int64_t got = member(&an, "Count", &n, &nl) ? strtoll(n, NULL, 10) : 0;
        if (got && member(&an, "Items", &items, &il) && il > 2) {
            if (count) buf_putc(r->out, ',');
            buf_put(r->out, items + 1, il - 2); /* inside the brackets */
            count += got;
        }
        if (member(&an, "LastEvaluatedKey", &k, &kl)) {
            ddb_error_t perr;
            rc = json_parse_request(k, kl, &lek_json, &perr);
            if (rc) rc = ddb_error_set(r->err, DDB_ERR_INTERNAL, "%s", perr.msg);
            lek = lek_json;
            next = i;
            break;
        }
        if (o->limit && count >= o->limit) {
            next = i + 1;
            break;
        }
    }
    if (!rc) {
        buf_putc(r->out, ']');
        if (next < plan->nreq) {
            put_token(r, digest, next, lek);
            if (lek) {
                /* DynamoDB documents it beside NextToken (DynamoDB Local omits it) */
                const char *k;
                size_t kl;
                buf_puts(r->out, ",\"LastEvaluatedKey\":");
                if (member(&an, "LastEvaluatedKey", &k, &kl)) buf_put(r->out, k, kl);
            }
        }
        ddbd_put_consumed(r, &s->table, o->rcc, &cap);
        buf_putc(r->out, '}');
    }
    if (lek_json) cJSON_Delete(lek_json);
    buf_free(&b);
    return rc;
}

/* INSERT, UPDATE, DELETE: Items holds RETURNING's attributes. */
static int run_write(ddbd_req_t *r, pqx_stmt_t *s, const call_opts_t *o) {
    cJSON *req = s->plan->req[0], *out;
    if (o->rv_failure) {
        set_member(req, "ReturnValuesOnConditionCheckFailure", cJSON_Duplicate(o->rv_failure, 1));
    }
    pqx_ask_capacity(r, req);
    int rc = pqx_call(r, pqx_handler(s->plan->op), req, r->err, r->err_extra, &out);
    if (rc == DDB_ERR_CONDITIONAL_CHECK && s->plan->insert) {
        buf_reset(r->err_extra);
        return ddb_error_set(r->err, DDB_ERR_DUPLICATE_ITEM,
                             "Duplicate primary key exists in table");
    }
    if (rc) return rc;
    buf_puts(r->out, "{\"Items\":[");
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(out, "Attributes");
    if (attrs && s->st->ret != PQ_RET_NONE) rc = pqx_put_item(r, r->out, attrs, r->err);
    if (rc) return rc;
    buf_putc(r->out, ']');
    ddbd_capacity_t cap = r->srv->note.cap;
    ddbd_put_consumed(r, &s->table, o->rcc, &cap);
    buf_putc(r->out, '}');
    return 0;
}

int op_execute_statement(ddbd_req_t *r) {
    call_opts_t o = {.limit = 0};
    const cJSON *params;
    bool lp;
    pqx_stmt_t s;
    int rc = p_arr(r->in, "Parameters", &params, r->err);
    if (!rc) rc = p_bool(r->in, "ConsistentRead", &o.consistent, &o.has_consistent, r->err);
    if (!rc) rc = p_str(r->in, "NextToken", &o.token, &o.token_len, r->err);
    if (!rc) rc = p_int(r->in, "Limit", &o.limit, &lp, r->err);
    if (!rc) rc = ddbd_parse_rcc(r, &o.rcc);
    if (rc) return rc;
    if (lp && o.limit < 1) return p_error_value_min(r->err, o.limit, 1, "limit");
    if (params && cJSON_GetArraySize(params) == 0) {
        return p_error_len_min(r->err, "[]", 2, 1, "parameters");
    }
    o.rv_failure = cJSON_GetObjectItemCaseSensitive(r->in, "ReturnValuesOnConditionCheckFailure");
    rc = pqx_parse(r, r->in, "statement", &s, r->err);
    if (rc) return rc;
    if (s.st->kind == PQ_EXISTS) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "EXISTS can only be used in ExecuteTransaction write requests.");
    }
    pqx_note_table(r, &s);
    rc = pqx_plan(r, params, &s, r->err);
    if (rc) return rc;
    switch (s.plan->op) {
    case PQ_OP_GET_ITEM:
        return run_get(r, &s, &o);
    case PQ_OP_QUERY:
    case PQ_OP_SCAN:
        return run_pages(r, &s, &o);
    default:
        return run_write(r, &s, &o);
    }
}
