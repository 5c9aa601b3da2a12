/* exec.c: statement execution (exec.h). PartiQL is parsed and planned here, client-side,
 * into plain DynamoDB API requests, so ddbc works against any endpoint: reads page through
 * LastEvaluatedKey (stopping at LIMIT or Ctrl-C), writes without the full key become a read
 * then one keyed write per item (after confirmation), and a transaction collects its writes
 * into one TransactWriteItems. */
#include "tools/ddbc/exec.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "query/buf.h"
#include "tools/ddbc/admin.h"
#include "tools/ddbc/ddl.h"
#include "tools/ddbc/explain.h"
#include "tools/ddbc/lang.h"
#include "tools/ddbc/meta.h"
#include "tools/ddbc/tail.h"

/* The items of a read, kept while they are needed (all of them for the whole-result
 * formats; a page at a time for jsonl and ddbjson). */
typedef struct rows {
    cJSON **v;
    size_t n, cap;
    size_t total; /* items delivered, over every page */
} rows_t;

static void rows_add(rows_t *r, cJSON *item) {
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
        if (!r->v) abort();
    }
    r->v[r->n++] = item;
    r->total++;
}

static void rows_clear(rows_t *r) {
    for (size_t i = 0; i < r->n; i++)
        cJSON_Delete(r->v[i]);
    r->n = 0;
}

/* Columns to put first: the projection's names, else the table's key. */
typedef struct firsts {
    const char *v[64];
    char buf[64][256];
    size_t n;
} firsts_t;

static void firsts_of(const xp_plan_t *x, const pq_schema_t *sc, firsts_t *f) {
    f->n = 0;
    if (!x->stmt->star) {
        for (size_t i = 0; i < x->stmt->nproj && f->n < 64; i++) {
            const pq_node_t *p = x->stmt->proj[i];
            if (p->kind != PQ_N_PATH || !p->nelems) continue;
            size_t n = p->elems[0].len < 255 ? p->elems[0].len : 255;
            memcpy(f->buf[f->n], p->elems[0].name, n);
            f->buf[f->n][n] = '\0';
            f->v[f->n] = f->buf[f->n];
            f->n++;
        }
        return;
    }
    f->v[f->n++] = sc->keys.hash;
    if (sc->keys.range) f->v[f->n++] = sc->keys.range;
}

static void print_rows(session_t *s, rows_t *r, const firsts_t *f) {
    out_opts_t o = {s->format, s->expanded, 0, f ? f->v : NULL, f ? f->n : 0};
    buf_t b;
    buf_init(&b);
    out_items(&o, r->v, r->n, &b);
    ss_print(b.data ? b.data : "", b.len);
    buf_free(&b);
    for (size_t i = 0; i < r->n; i++) {
        const cJSON *a;
        cJSON_ArrayForEach(a, r->v[i]) {
            ss_names_add(&s->attrs, a->string);
        }
    }
}

/* Takes the items of one answer (Items, or GetItem's Item) into r. */
static void take_items(cJSON *resp, rows_t *r, long limit) {
    cJSON *item = cJSON_DetachItemFromObjectCaseSensitive(resp, "Item");
    if (item) {
        rows_add(r, item);
        return;
    }
    cJSON *items = cJSON_GetObjectItemCaseSensitive(resp, "Items");
    while (cJSON_GetArraySize(items) > 0 && (limit < 0 || (long)r->total < limit))
        rows_add(r, cJSON_DetachItemFromArray(items, 0));
}

/* Runs a read's requests one after another, page after page; for each page calls page_fn
 * (when not NULL) with the items so far. Returns 0, -1 on error, 2 when interrupted. */
typedef int (*page_fn_t)(session_t *s, rows_t *r, void *arg);

static int run_read(session_t *s, const pq_plan_t *p, const char *op, long limit, rows_t *r,
                    page_fn_t fn, void *arg) {
    for (size_t i = 0; i < p->nreq; i++) {
        cJSON *req = cJSON_Duplicate(p->req[i], true);
        if (s->capacity) cJSON_AddStringToObject(req, "ReturnConsumedCapacity", "TOTAL");
        for (;;) {
            if (limit >= 0) {
                if ((long)r->total >= limit) break;
                cJSON_DeleteItemFromObjectCaseSensitive(req, "Limit");
                if (p->op != PQ_OP_GET_ITEM)
                    cJSON_AddNumberToObject(req, "Limit", (double)(limit - (long)r->total));
            }
            cJSON *resp = NULL;
            if (atomic_load(&s->stop) || ss_call(s, op, req, &resp)) {
                cJSON_Delete(req);
                return atomic_load(&s->stop) ? 2 : -1;
            }
            take_items(resp, r, limit);
            cJSON *lek = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
            cJSON_Delete(resp);
            if (fn && fn(s, r, arg)) {
                cJSON_Delete(lek);
                cJSON_Delete(req);
                return -1;
            }
            cJSON_DeleteItemFromObjectCaseSensitive(req, "ExclusiveStartKey");
            if (!lek) break;
            cJSON_AddItemToObject(req, "ExclusiveStartKey", lek);
        }
        cJSON_Delete(req);
    }
    return 0;
}

static int stream_page(session_t *s, rows_t *r, void *arg) {
    if (!out_streams(s->format)) return 0;
    print_rows(s, r, arg);
    rows_clear(r);
    return 0;
}

static int select_rows(session_t *s, xp_plan_t *x, const pq_schema_t *sc) {
    if (x->plan->op == PQ_OP_SCAN && s->tty && !s->yes && x->limit < 0) {
        char q[512];
        snprintf(q, sizeof q, "This is a full Scan of %s (it reads every item). Run it?", x->table);
        if (!ss_confirm(s, q)) return -1;
    }
    rows_t r = {0};
    firsts_t f;
    firsts_of(x, sc, &f);
    int rc = run_read(s, x->plan, pq_op_name(x->plan->op), x->limit, &r, stream_page, &f);
    if (rc == 2 && s->tty) ss_print("\n", 1); /* past the terminal's ^C */
    if (rc != -1) print_rows(s, &r, &f);
    if (rc == 2) fprintf(stderr, "-- interrupted after %zu items\n", r.total);
    rows_clear(&r);
    free(r.v);
    return rc ? -1 : 0;
}

/* One planned write; RETURNING's attributes printed as an item. */
static int run_write(session_t *s, const pq_plan_t *p, bool print) {
    cJSON *req = cJSON_Duplicate(p->req[0], true), *resp = NULL;
    if (s->capacity) cJSON_AddStringToObject(req, "ReturnConsumedCapacity", "TOTAL");
    char type[96], msg[600];
    int rc = ss_call_quiet(s, pq_op_name(p->op), req, &resp, type, sizeof type, msg, sizeof msg);
    cJSON_Delete(req);
    if (rc) {
        if (p->insert && strcmp(type, "ConditionalCheckFailedException") == 0)
            ss_error("DuplicateItemException", "Duplicate primary key exists in table");
        else
            ss_error(type, "%s", msg);
        return -1;
    }
    cJSON *attrs = cJSON_DetachItemFromObjectCaseSensitive(resp, "Attributes");
    cJSON_Delete(resp);
    if (attrs && print) {
        rows_t r = {0};
        rows_add(&r, attrs);
        print_rows(s, &r, NULL);
        rows_clear(&r);
        free(r.v);
    } else {
        cJSON_Delete(attrs);
    }
    return 0;
}

static const char *verb(pq_kind_t k) {
    return k == PQ_INSERT ? "INSERT" : k == PQ_UPDATE ? "UPDATE" : "DELETE";
}

static void status(session_t *s, const char *what, size_t n) {
    if (s->format != OUT_TABLE) return;
    printf("%s %zu\n", what, n);
    fflush(stdout);
}

typedef struct keyless_ctx {
    xp_plan_t *x;
    const pq_schema_t *sc;
    size_t written, skipped;
} keyless_ctx_t;

/* Writes each item of a page by its key; an item changed meanwhile so that the condition
 * fails any more is skipped, not an error. */
static int keyless_page(session_t *s, rows_t *r, void *arg) {
    keyless_ctx_t *k = arg;
    for (size_t i = 0; i < r->n; i++) {
        ddb_arena_t *a = ddb_arena_create(0);
        pq_plan_t *w = NULL;
        ddb_error_t err;
        int rc = xp_keyed_write(k->x, k->sc, r->v[i], a, &w, &err);
        if (rc) {
            ss_error("ValidationException", "%s", err.msg);
            ddb_arena_destroy(a);
            return -1;
        }
        cJSON *req = cJSON_Duplicate(w->req[0], true), *resp = NULL;
        char type[96], msg[600];
        rc = ss_call_quiet(s, pq_op_name(w->op), req, &resp, type, sizeof type, msg, sizeof msg);
        cJSON_Delete(req);
        cJSON_Delete(resp);
        pq_plan_free(w);
        ddb_arena_destroy(a);
        if (rc && strcmp(type, "ConditionalCheckFailedException") == 0) {
            k->skipped++;
        } else if (rc) {
            ss_error(type, "%s", msg);
            return -1;
        } else {
            k->written++;
        }
    }
    rows_clear(r);
    return 0;
}

static int keyless_write(session_t *s, xp_plan_t *x, const pq_schema_t *sc) {
    char q[600];
    snprintf(q, sizeof q, "%s without the full key: %s %s, then write each item found. Go on?",
             verb(x->stmt->kind), x->plan->op == PQ_OP_SCAN ? "Scan every item of" : "Query",
             x->table);
    if (!ss_confirm(s, q)) return -1;
    keyless_ctx_t k = {x, sc, 0, 0};
    rows_t r = {0};
    int rc = run_read(s, x->plan, pq_op_name(x->plan->op), -1, &r, keyless_page, &k);
    rows_clear(&r);
    free(r.v);
    if (rc == 2)
        fprintf(stderr, "%s-- interrupted after %zu items written\n", s->tty ? "\n" : "",
                k.written);
    status(s, verb(x->stmt->kind), k.written);
    return rc ? -1 : 0;
}

static int partiql(session_t *s, const char *text, size_t len, bool explain) {
    ddb_arena_t *a = ddb_arena_create(0);
    xp_plan_t x;
    ddb_error_t err;
    size_t pos = 0;
    int rc = xp_parse(text, len, a, &x, &pos, &err);
    if (rc) {
        ss_error_at(text, len, pos, "ValidationException", err.msg);
        ddb_arena_destroy(a);
        return -1;
    }
    const pq_schema_t *sc = ss_schema(s, x.table);
    if (!sc) {
        ddb_arena_destroy(a);
        return -1;
    }
    rc = xp_plan(&x, sc, a, &err);
    if (rc) {
        ss_error("ValidationException", "%s", err.msg);
        ddb_arena_destroy(a);
        return -1;
    }
    pq_kind_t kind = x.stmt->kind;
    if (explain) {
        buf_t b;
        buf_init(&b);
        xp_explain(&x, s->format != OUT_TABLE, &b);
        ss_print(b.data, b.len);
        buf_free(&b);
    } else if (s->tx) {
        cJSON *e = x.keyless ? NULL : xp_transact_item(x.plan, &err);
        if (x.keyless)
            ddb_error_set(&err, DDB_ERR_VALIDATION, "a transaction's writes need the full key");
        if (e)
            cJSON_AddItemToArray(s->tx, e);
        else
            ss_error("ValidationException", "%s", err.msg);
        rc = e ? 0 : -1;
    } else if (kind == PQ_EXISTS) {
        ss_error("ValidationException", "EXISTS can only be used in ExecuteTransaction write "
                                        "requests.");
        rc = -1;
    } else if (kind == PQ_SELECT) {
        rc = select_rows(s, &x, sc);
    } else if (x.keyless) {
        rc = keyless_write(s, &x, sc);
    } else {
        rc = run_write(s, x.plan, true);
        if (!rc) status(s, verb(kind), 1);
    }
    xp_free(&x);
    ddb_arena_destroy(a);
    return rc;
}

static int ddl(session_t *s, const char *text, size_t len, bool explain) {
    ddl_plan_t d;
    ddb_error_t err;
    size_t pos = 0;
    if (ddl_parse(text, len, &d, &pos, &err)) {
        ss_error_at(text, len, pos, "ValidationException", err.msg);
        return -1;
    }
    int rc = 0;
    if (explain) {
        buf_t b;
        buf_init(&b);
        xp_explain_ddl(&d, s->format != OUT_TABLE, &b);
        ss_print(b.data, b.len);
        buf_free(&b);
    } else {
        rc = ad_ddl(s, &d);
    }
    ddl_free(&d);
    return rc;
}

static int commit(session_t *s, bool explain) {
    if (!s->tx) {
        ss_error(NULL, "COMMIT without BEGIN");
        return -1;
    }
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    size_t n = (size_t)cJSON_GetArraySize(s->tx);
    cJSON_AddItemToObject(req, "TransactItems", s->tx);
    s->tx = NULL;
    if (s->capacity) cJSON_AddStringToObject(req, "ReturnConsumedCapacity", "TOTAL");
    int rc = 0;
    if (explain) {
        buf_t b;
        buf_init(&b);
        xp_explain_request("TransactWriteItems", req, NULL, s->format != OUT_TABLE, &b);
        ss_print(b.data, b.len);
        buf_free(&b);
    } else if (n) {
        rc = ss_call(s, "TransactWriteItems", req, &resp);
    }
    cJSON_Delete(req);
    cJSON_Delete(resp);
    if (!rc && !explain) status(s, "COMMIT", n);
    return rc;
}

/* The statement's first name (for DESCRIBE and TAIL) and the offset after it. */
static size_t first_name(const char *text, size_t len, size_t pos, char *out, size_t cap) {
    lx_tok_t t = lx_next(text, len, pos);
    out[0] = '\0';
    if (t.kind != LX_WORD && t.kind != LX_QUOTED) return pos;
    lx_name(&t, out, cap);
    return t.pos + t.len;
}

static int dispatch(session_t *s, const char *text, size_t len) {
    size_t rest;
    lang_kind_t k = lang_classify(text, len, &rest);
    len = lang_trim_end(text, len);
    char name[256];
    switch (k) {
    case LK_EMPTY:
        return 0;
    case LK_PARTIQL:
        return partiql(s, text + rest, len - rest, false);
    case LK_DDL:
        return ddl(s, text + rest, len - rest, false);
    case LK_EXPLAIN: {
        size_t r2;
        lang_kind_t inner = lang_classify(text + rest, len - rest, &r2);
        if (inner == LK_PARTIQL) return partiql(s, text + rest + r2, len - rest - r2, true);
        if (inner == LK_DDL) return ddl(s, text + rest + r2, len - rest - r2, true);
        if (inner == LK_COMMIT) return commit(s, true);
        ss_error(NULL, "EXPLAIN explains SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP "
                       "and COMMIT");
        return -1;
    }
    case LK_SHOW: {
        lx_tok_t t = lx_next(text, len, rest);
        if (!lx_is(&t, "TABLES")) {
            ss_error_at(text, len, t.pos, NULL, "expected SHOW TABLES");
            return -1;
        }
        return ad_show_tables(s);
    }
    case LK_DESCRIBE:
        if (first_name(text, len, rest, name, sizeof name) == rest) {
            ss_error_at(text, len, rest, NULL, "expected a table name");
            return -1;
        }
        return ad_describe(s, name);
    case LK_BEGIN:
        if (s->tx) {
            ss_error(NULL, "a transaction is already open (COMMIT or ROLLBACK it)");
            return -1;
        }
        s->tx = cJSON_CreateArray();
        return 0;
    case LK_COMMIT:
        return commit(s, false);
    case LK_ROLLBACK:
        if (!s->tx) {
            ss_error(NULL, "ROLLBACK without BEGIN");
            return -1;
        }
        cJSON_Delete(s->tx);
        s->tx = NULL;
        return 0;
    case LK_TAIL:
        return tail_run(s, text, len, rest);
    case LK_META:
        return meta_run(s, text + rest, len - rest);
    case LK_UNKNOWN:
        break;
    }
    lx_tok_t t = lx_next(text, len, 0);
    ss_error_at(text, len, t.pos, NULL, "unknown statement (\\? lists what ddbc understands)");
    return -1;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int ex_run(session_t *s, const char *text, size_t len) {
    double t0 = now_ms();
    s->consumed = 0;
    int rc = dispatch(s, text, len);
    if (s->timing) fprintf(stderr, "Time: %.3f ms\n", now_ms() - t0);
    if (s->capacity) fprintf(stderr, "Consumed capacity: %g units\n", s->consumed);
    return rc;
}

int ex_run_script(session_t *s, const char *text, size_t len) {
    int failed = 0;
    size_t pos = 0;
    while (pos < len) {
        bool blank;
        size_t end = lx_statement_end(text + pos, len - pos, &blank);
        if (blank) break;
        if (!end) end = len - pos; /* the last statement may end without ';' */
        int rc = ex_run(s, text + pos, end);
        if (rc == 1) return -1;
        failed += rc != 0;
        pos += end;
        atomic_store(&s->stop, 0);
    }
    return failed;
}
