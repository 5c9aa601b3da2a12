/* explain.c: ddbc's planning around query/partiql.h (explain.h): the schema from
 * DescribeTable, the keyless write rewrite, transaction entries and EXPLAIN's text. The
 * PartiQL itself is parsed and planned by the shared parser only. Pure: no I/O. */
#include "tools/ddbc/explain.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/json.h"
#include "tools/ddbc/lang.h"

static const char *str_of(const cJSON *o, const char *name) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static ddb_type_t attr_type(const cJSON *defs, const char *name) {
    const cJSON *d;
    cJSON_ArrayForEach(d, defs) {
        const char *n = str_of(d, "AttributeName"), *t = str_of(d, "AttributeType");
        if (n && t && strcmp(n, name) == 0) return ddb_type_from_name(t, strlen(t));
    }
    return DDB_T_NONE;
}

static int keys_of(const cJSON *ks, const cJSON *defs, ddb_arena_t *a, pq_keys_t *out) {
    const cJSON *k;
    memset(out, 0, sizeof *out);
    int nh = 0, nr = 0;
    cJSON_ArrayForEach(k, ks) {
        const char *n = str_of(k, "AttributeName"), *t = str_of(k, "KeyType");
        if (!n || !t) return -1;
        bool hash = strcmp(t, "HASH") == 0;
        nh += hash, nr += !hash;
        if (nh > 1 || nr > 1) {
            /* a multi-attribute key: planned as ddbd plans it, a Scan of the
             * index (no attribute is named "") */
            *out = (pq_keys_t){.hash = "", .hash_type = DDB_T_S};
            continue;
        }
        if (hash) {
            out->hash = ddb_arena_strndup(a, n, strlen(n));
            out->hash_type = attr_type(defs, n);
        } else {
            out->range = ddb_arena_strndup(a, n, strlen(n));
            out->range_type = attr_type(defs, n);
        }
    }
    return out->hash ? 0 : -1;
}

int xp_schema(const cJSON *table, ddb_arena_t *a, pq_schema_t *out, ddb_error_t *err) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(table, "Table");
    if (t) table = t;
    const cJSON *defs = cJSON_GetObjectItemCaseSensitive(table, "AttributeDefinitions");
    memset(out, 0, sizeof *out);
    if (keys_of(cJSON_GetObjectItemCaseSensitive(table, "KeySchema"), defs, a, &out->keys))
        return ddb_error_set(err, DDB_ERR_VALIDATION, "DescribeTable gave no key schema");
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(table, "GlobalSecondaryIndexes");
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(table, "LocalSecondaryIndexes");
    size_t n = (size_t)cJSON_GetArraySize(g) + (size_t)cJSON_GetArraySize(l);
    pq_index_t *ix = ddb_arena_alloc(a, (n ? n : 1) * sizeof *ix);
    const cJSON *lists[2] = {g, l}, *e;
    for (int i = 0; i < 2; i++)
        cJSON_ArrayForEach(e, lists[i]) {
            const char *name = str_of(e, "IndexName");
            if (!name) continue;
            pq_index_t *x = &ix[out->nindexes];
            x->name = ddb_arena_strndup(a, name, strlen(name));
            if (keys_of(cJSON_GetObjectItemCaseSensitive(e, "KeySchema"), defs, a, &x->keys))
                continue;
            out->nindexes++;
        }
    out->indexes = ix;
    return 0;
}

int xp_parse(const char *text, size_t len, ddb_arena_t *a, xp_plan_t *out, size_t *err_pos,
             ddb_error_t *err) {
    memset(out, 0, sizeof *out);
    out->limit = -1;
    size_t cut;
    long limit;
    if (lang_strip_limit(text, len, &cut, &limit)) {
        len = cut;
        out->limit = limit;
    }
    len = lang_trim_end(text, len);
    char *copy = ddb_arena_strndup(a, text, len);
    int rc = pq_parse_at(copy, len, a, &out->stmt, err_pos, err);
    if (rc) return rc;
    if (out->limit >= 0 && out->stmt->kind != PQ_SELECT) {
        if (err_pos) *err_pos = cut;
        return ddb_error_set(err, DDB_ERR_VALIDATION, "LIMIT is for SELECT only");
    }
    size_t n =
        out->stmt->table_len < sizeof out->table ? out->stmt->table_len : sizeof out->table - 1;
    memcpy(out->table, out->stmt->table, n);
    out->table[n] = '\0';
    return 0;
}

/* Whether where's top-level ANDs hold `name = literal`. */
static bool has_eq(const pq_node_t *w, const char *name) {
    for (; w; w = w->kind == PQ_N_AND ? w->kids[0] : NULL) {
        const pq_node_t *n = w->kind == PQ_N_AND ? w->kids[1] : w;
        if (n->kind != PQ_N_CMP || n->op != PQ_EQ) continue;
        for (int i = 0; i < 2; i++) {
            const pq_node_t *p = n->kids[i], *v = n->kids[1 - i];
            if (p->kind == PQ_N_PATH && p->nelems == 1 && p->elems[0].index < 0 &&
                p->elems[0].len == strlen(name) &&
                !memcmp(p->elems[0].name, name, p->elems[0].len) && v->kind != PQ_N_PATH &&
                v->kind != PQ_N_CALL)
                return true;
        }
    }
    return false;
}

int xp_plan(xp_plan_t *x, const pq_schema_t *schema, ddb_arena_t *a, ddb_error_t *err) {
    const pq_stmt_t *st = x->stmt;
    bool write = st->kind == PQ_UPDATE || st->kind == PQ_DELETE;
    x->keyless = write && !st->index &&
                 !(has_eq(st->where, schema->keys.hash) &&
                   (!schema->keys.range || has_eq(st->where, schema->keys.range)));
    if (!x->keyless) return pq_plan(st, schema, NULL, 0, a, &x->plan, err);
    pq_stmt_t *read = ddb_arena_memdup(a, st, sizeof *st);
    read->kind = PQ_SELECT;
    read->star = true;
    read->nproj = 0;
    read->acts = NULL;
    read->nacts = 0;
    read->ret = PQ_RET_NONE;
    return pq_plan(read, schema, NULL, 0, a, &x->plan, err);
}

static pq_node_t *node(ddb_arena_t *a, pq_node_kind_t kind, size_t nkids) {
    pq_node_t *n = ddb_arena_alloc(a, sizeof *n);
    n->kind = kind;
    n->nkids = nkids;
    if (nkids) n->kids = ddb_arena_alloc(a, nkids * sizeof *n->kids);
    return n;
}

static pq_node_t *and_of(ddb_arena_t *a, pq_node_t *l, pq_node_t *r) {
    if (!l) return r;
    pq_node_t *n = node(a, PQ_N_AND, 2);
    n->kids[0] = l;
    n->kids[1] = r;
    return n;
}

/* `name = ?param` */
static pq_node_t *key_eq(ddb_arena_t *a, const char *name, size_t param) {
    pq_node_t *path = node(a, PQ_N_PATH, 0), *ph = node(a, PQ_N_PARAM, 0);
    path->elems = ddb_arena_alloc(a, sizeof *path->elems);
    path->elems[0] = (pq_elem_t){name, strlen(name), -1};
    path->nelems = 1;
    ph->param = param;
    pq_node_t *eq = node(a, PQ_N_CMP, 2);
    eq->op = PQ_EQ;
    eq->kids[0] = path;
    eq->kids[1] = ph;
    return eq;
}

/* Adds where's top-level conjuncts to acc, left to right, except equalities on the key. */
static pq_node_t *rest_of(ddb_arena_t *a, const pq_node_t *w, const pq_keys_t *k, pq_node_t *acc) {
    if (!w) return acc;
    if (w->kind == PQ_N_AND) {
        acc = rest_of(a, w->kids[0], k, acc);
        return rest_of(a, w->kids[1], k, acc);
    }
    pq_node_t *only = (pq_node_t *)w;
    if (has_eq(only, k->hash) || (k->range && has_eq(only, k->range))) return acc;
    return and_of(a, acc, only);
}

int xp_keyed_write(const xp_plan_t *x, const pq_schema_t *schema, const cJSON *item, ddb_arena_t *a,
                   pq_plan_t **out, ddb_error_t *err) {
    const char *names[2] = {schema->keys.hash, schema->keys.range};
    ddb_value_t params[2];
    pq_node_t *where = NULL;
    size_t np = 0;
    for (; np < 2 && names[np]; np++) {
        const cJSON *av = cJSON_GetObjectItemCaseSensitive(item, names[np]);
        if (!av)
            return ddb_error_set(err, DDB_ERR_VALIDATION, "an item found has no %s", names[np]);
        int rc = json_to_value(a, av, &params[np], err);
        if (rc) return rc;
        where = and_of(a, where, key_eq(a, names[np], np));
    }
    pq_stmt_t *w = ddb_arena_memdup(a, x->stmt, sizeof *x->stmt);
    w->where = rest_of(a, x->stmt->where, &schema->keys, where);
    w->nparams = np;
    return pq_plan(w, schema, params, np, a, out, err);
}

cJSON *xp_transact_item(const pq_plan_t *p, ddb_error_t *err) {
    static const char *const NAMES[] = {[PQ_OP_PUT_ITEM] = "Put",
                                        [PQ_OP_UPDATE_ITEM] = "Update",
                                        [PQ_OP_DELETE_ITEM] = "Delete",
                                        [PQ_OP_CONDITION_CHECK] = "ConditionCheck"};
    if (p->op < PQ_OP_PUT_ITEM || p->nreq != 1) {
        ddb_error_set(err, DDB_ERR_VALIDATION,
                      "a transaction holds INSERT, UPDATE, DELETE and EXISTS only, not %s",
                      pq_op_name(p->op));
        return NULL;
    }
    cJSON *req = cJSON_Duplicate(p->req[0], true);
    cJSON_DeleteItemFromObjectCaseSensitive(req, "ReturnValues");
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToObject(e, NAMES[p->op], req);
    return e;
}

const char *xp_index_of(const cJSON *req) {
    const char *ix = str_of(req, "IndexName");
    return ix ? ix : "";
}

void xp_cli_name(const char *op, char *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; op[i] && o + 2 < cap; i++) {
        if (isupper((unsigned char)op[i]) && i) out[o++] = '-';
        out[o++] = (char)tolower((unsigned char)op[i]);
    }
    out[o] = '\0';
}

void xp_explain_request(const char *op, const cJSON *req, const char *note, bool json, buf_t *b) {
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "Operation", op);
        if (note) cJSON_AddStringToObject(o, "Note", note);
        cJSON_AddItemToObject(o, "Request", cJSON_Duplicate(req, true));
        char *s = cJSON_PrintUnformatted(o);
        buf_puts(b, s);
        buf_putc(b, '\n');
        free(s);
        cJSON_Delete(o);
        return;
    }
    char cli[64];
    xp_cli_name(op, cli, sizeof cli);
    buf_printf(b, "-- %s\n-- aws dynamodb %s --cli-input-json \"$(cat request.json)\"\n",
               note ? note : op, cli);
    char *s = cJSON_Print(req);
    buf_puts(b, s);
    buf_putc(b, '\n');
    free(s);
}

void xp_explain(const xp_plan_t *x, bool json, buf_t *b) {
    const pq_plan_t *p = x->plan;
    for (size_t i = 0; i < p->nreq; i++) {
        char note[512];
        const char *ix = xp_index_of(p->req[i]);
        const char *tbl = x->table;
        switch (p->op) {
        case PQ_OP_QUERY:
            if (*ix)
                snprintf(note, sizeof note, "Query on index %s of %s", ix, tbl);
            else
                snprintf(note, sizeof note, "Query on the table %s", tbl);
            break;
        case PQ_OP_SCAN:
            snprintf(note, sizeof note, "Scan of %s%s%s%s: a full scan, reading every item",
                     *ix ? "index " : "", *ix ? ix : "", *ix ? " of " : "", tbl);
            break;
        case PQ_OP_GET_ITEM:
            snprintf(note, sizeof note, "GetItem of one item of %s, by its key", tbl);
            break;
        default:
            snprintf(note, sizeof note, "%s of one item of %s, by its key", pq_op_name(p->op), tbl);
            break;
        }
        if (x->keyless) {
            size_t n = strlen(note);
            snprintf(note + n, sizeof note - n, "; then %s of each item found, by its key",
                     x->stmt->kind == PQ_UPDATE ? "UpdateItem" : "DeleteItem");
        }
        if (x->limit >= 0) {
            size_t n = strlen(note);
            snprintf(note + n, sizeof note - n, "; stops after %ld items", x->limit);
        }
        xp_explain_request(pq_op_name(p->op), p->req[i], note, json, b);
    }
}

void xp_explain_ddl(const ddl_plan_t *d, bool json, buf_t *b) {
    for (size_t i = 0; i < d->n; i++)
        xp_explain_request(d->steps[i].op, d->steps[i].req,
                           d->steps[i].wait_active  ? "once the table is ACTIVE"
                           : d->steps[i].ttl_lookup ? "AttributeName from DescribeTimeToLive"
                                                    : NULL,
                           json, b);
}

void xp_free(xp_plan_t *x) {
    if (x->plan) pq_plan_free(x->plan);
    x->plan = NULL;
}
