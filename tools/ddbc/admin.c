/* admin.c: SHOW TABLES, DESCRIBE and DDL execution (admin.h). DESCRIBE's text is built from
 * DescribeTable and DescribeTimeToLive answers; DDL waits for ACTIVE (interruptible) where
 * the next request needs it, so scripts can use a table right after creating it. */
#include "tools/ddbc/admin.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "query/buf.h"

static const char *str_of(const cJSON *o, const char *name) {
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
    return v ? v : "";
}

static cJSON *table_req(const char *table) {
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "TableName", table);
    return r;
}

/* Every table name, ListTables page after page, into names (NULL: only s->tables). */
static int list_tables(session_t *s, bool quiet, cJSON *names) {
    char *start = NULL;
    int rc = 0;
    for (;;) {
        cJSON *req = cJSON_CreateObject(), *resp = NULL;
        if (start) cJSON_AddStringToObject(req, "ExclusiveStartTableName", start);
        free(start);
        start = NULL;
        rc = quiet ? ss_call_quiet(s, "ListTables", req, &resp, NULL, 0, NULL, 0)
                   : ss_call(s, "ListTables", req, &resp);
        cJSON_Delete(req);
        if (rc) break;
        const cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(resp, "TableNames")) {
            if (!cJSON_IsString(t)) continue;
            ss_names_add(&s->tables, t->valuestring);
            if (names) cJSON_AddItemToArray(names, cJSON_CreateString(t->valuestring));
        }
        const char *last =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(resp, "LastEvaluatedTableName"));
        if (last) start = strdup(last);
        cJSON_Delete(resp);
        if (!start || atomic_load(&s->stop)) break;
    }
    free(start);
    s->tables_listed = rc == 0;
    return rc;
}

void ad_list_tables(session_t *s) {
    list_tables(s, true, NULL);
}

int ad_show_tables(session_t *s) {
    cJSON *names = cJSON_CreateArray();
    int rc = list_tables(s, false, names);
    if (!rc) {
        size_t n = (size_t)cJSON_GetArraySize(names), i = 0;
        cJSON **items = calloc(n + 1, sizeof *items);
        const cJSON *t;
        cJSON_ArrayForEach(t, names) {
            items[i] = cJSON_CreateObject();
            cJSON_AddStringToObject(cJSON_AddObjectToObject(items[i], "table"), "S",
                                    t->valuestring);
            i++;
        }
        buf_t b;
        buf_init(&b);
        out_opts_t o = {s->format, s->expanded, 0, NULL, 0};
        out_items(&o, items, n, &b);
        ss_print(b.data ? b.data : "", b.len);
        buf_free(&b);
        for (i = 0; i < n; i++)
            cJSON_Delete(items[i]);
        free(items);
    }
    cJSON_Delete(names);
    return rc;
}

static void key_text(buf_t *b, const cJSON *ks, const cJSON *defs) {
    const cJSON *k, *d;
    bool first = true;
    cJSON_ArrayForEach(k, ks) {
        const char *n = str_of(k, "AttributeName"), *type = "?";
        cJSON_ArrayForEach(d, defs) {
            if (strcmp(str_of(d, "AttributeName"), n) == 0) type = str_of(d, "AttributeType");
        }
        buf_printf(b, "%s%s %s %s", first ? "" : ", ", n, type, str_of(k, "KeyType"));
        first = false;
    }
}

static void index_text(buf_t *b, const cJSON *list, const char *kind, const cJSON *defs) {
    const cJSON *ix;
    cJSON_ArrayForEach(ix, list) {
        const cJSON *proj = cJSON_GetObjectItemCaseSensitive(ix, "Projection");
        buf_printf(b, "  %s %s (", kind, str_of(ix, "IndexName"));
        key_text(b, cJSON_GetObjectItemCaseSensitive(ix, "KeySchema"), defs);
        buf_printf(b, ") PROJECT %s", str_of(proj, "ProjectionType"));
        const cJSON *na = cJSON_GetObjectItemCaseSensitive(proj, "NonKeyAttributes"), *a;
        if (na) {
            buf_puts(b, " (");
            bool first = true;
            cJSON_ArrayForEach(a, na) {
                buf_printf(b, "%s%s", first ? "" : ", ", a->valuestring);
                first = false;
            }
            buf_putc(b, ')');
        }
        if (*str_of(ix, "IndexStatus")) buf_printf(b, "  %s", str_of(ix, "IndexStatus"));
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ix, "Backfilling")))
            buf_puts(b, " (backfilling)");
        const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(ix, "ItemCount");
        if (cnt) buf_printf(b, "  items %.0f", cJSON_GetNumberValue(cnt));
        buf_putc(b, '\n');
    }
}

static void describe_text(buf_t *b, const cJSON *t, const cJSON *ttl) {
    const cJSON *defs = cJSON_GetObjectItemCaseSensitive(t, "AttributeDefinitions");
    buf_printf(b, "Table:    %s (%s)\n", str_of(t, "TableName"), str_of(t, "TableStatus"));
    buf_puts(b, "Keys:     ");
    key_text(b, cJSON_GetObjectItemCaseSensitive(t, "KeySchema"), defs);
    const cJSON *bm = cJSON_GetObjectItemCaseSensitive(t, "BillingModeSummary");
    const cJSON *pt = cJSON_GetObjectItemCaseSensitive(t, "ProvisionedThroughput");
    const char *mode = *str_of(bm, "BillingMode") ? str_of(bm, "BillingMode") : "PROVISIONED";
    buf_printf(b, "\nBilling:  %s", mode);
    if (strcmp(mode, "PROVISIONED") == 0 && pt)
        buf_printf(
            b, " (%.0f read, %.0f write)",
            cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(pt, "ReadCapacityUnits")),
            cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(pt, "WriteCapacityUnits")));
    buf_printf(b, "\nItems:    %.0f\nSize:     %.0f bytes\n",
               cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t, "ItemCount")),
               cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t, "TableSizeBytes")));
    const cJSON *ss = cJSON_GetObjectItemCaseSensitive(t, "StreamSpecification");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ss, "StreamEnabled")))
        buf_printf(b, "Stream:   %s %s\n", str_of(ss, "StreamViewType"),
                   str_of(t, "LatestStreamArn"));
    else
        buf_puts(b, "Stream:   off\n");
    const cJSON *td = cJSON_GetObjectItemCaseSensitive(ttl, "TimeToLiveDescription");
    const char *ts = str_of(td, "TimeToLiveStatus");
    if (*ts && strcmp(ts, "DISABLED") != 0)
        buf_printf(b, "TTL:      %s (%s)\n", str_of(td, "AttributeName"), ts);
    else
        buf_puts(b, "TTL:      off\n");
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(t, "GlobalSecondaryIndexes");
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(t, "LocalSecondaryIndexes");
    if (!g && !l) {
        buf_puts(b, "Indexes:  none\n");
        return;
    }
    buf_puts(b, "Indexes:\n");
    index_text(b, g, "GSI", defs);
    index_text(b, l, "LSI", defs);
}

int ad_describe(session_t *s, const char *table) {
    cJSON *req = table_req(table), *resp = NULL, *ttl = NULL;
    int rc = ss_call(s, "DescribeTable", req, &resp);
    if (!rc && ss_call_quiet(s, "DescribeTimeToLive", req, &ttl, NULL, 0, NULL, 0)) ttl = NULL;
    cJSON_Delete(req);
    if (rc) return rc;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(resp, "Table"), *ix;
    cJSON_ArrayForEach(ix, cJSON_GetObjectItemCaseSensitive(t, "GlobalSecondaryIndexes")) {
        ss_names_add(&s->indexes, str_of(ix, "IndexName"));
    }
    buf_t b;
    buf_init(&b);
    if (s->format == OUT_TABLE) {
        describe_text(&b, t, ttl);
    } else {
        cJSON *o = cJSON_Duplicate(t, true);
        if (ttl)
            cJSON_AddItemToObject(
                o, "TimeToLiveDescription",
                cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(ttl, "TimeToLiveDescription"),
                                true));
        char *j = cJSON_PrintUnformatted(o);
        buf_puts(&b, j);
        buf_putc(&b, '\n');
        free(j);
        cJSON_Delete(o);
    }
    ss_print(b.data, b.len);
    buf_free(&b);
    cJSON_Delete(resp);
    cJSON_Delete(ttl);
    return 0;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Whether a DescribeTable answer's table and indexes are all ACTIVE. */
static bool all_active(const cJSON *t) {
    if (strcmp(str_of(t, "TableStatus"), "ACTIVE") != 0) return false;
    const cJSON *ix;
    cJSON_ArrayForEach(ix, cJSON_GetObjectItemCaseSensitive(t, "GlobalSecondaryIndexes")) {
        const char *st = str_of(ix, "IndexStatus");
        if (*st && strcmp(st, "ACTIVE") != 0) return false;
    }
    return true;
}

/* Polls DescribeTable until the table and its indexes are ACTIVE (an index being created
 * includes its backfill); -1 on error or Ctrl-C. */
static int wait_active(session_t *s, const char *table) {
    for (int i = 0; i < 6000 && !atomic_load(&s->stop); i++) {
        cJSON *req = table_req(table), *resp = NULL;
        int rc = ss_call(s, "DescribeTable", req, &resp);
        cJSON_Delete(req);
        if (rc) return rc;
        bool active = all_active(cJSON_GetObjectItemCaseSensitive(resp, "Table"));
        cJSON_Delete(resp);
        if (active) return 0;
        sleep_ms(i < 20 ? 50 : 500);
    }
    ss_error(NULL, "interrupted while waiting for %s to become ACTIVE", table);
    return -1;
}

static int ttl_attr(session_t *s, const char *table, cJSON *spec) {
    cJSON *req = table_req(table), *resp = NULL;
    int rc = ss_call(s, "DescribeTimeToLive", req, &resp);
    cJSON_Delete(req);
    if (rc) return rc;
    const char *a =
        str_of(cJSON_GetObjectItemCaseSensitive(resp, "TimeToLiveDescription"), "AttributeName");
    if (!*a) {
        ss_error("ValidationException", "TimeToLive is already disabled on %s", table);
        cJSON_Delete(resp);
        return -1;
    }
    cJSON_ReplaceItemInObject(spec, "AttributeName", cJSON_CreateString(a));
    cJSON_Delete(resp);
    return 0;
}

int ad_ddl(session_t *s, const ddl_plan_t *d) {
    for (size_t i = 0; i < d->n; i++) {
        const ddl_step_t *st = &d->steps[i];
        if (st->wait_active && wait_active(s, d->table)) return -1;
        if (st->ttl_lookup &&
            ttl_attr(s, d->table,
                     cJSON_GetObjectItemCaseSensitive(st->req, "TimeToLiveSpecification")))
            return -1;
        cJSON *resp = NULL;
        if (ss_call(s, st->op, st->req, &resp)) return -1;
        cJSON_Delete(resp);
        ss_forget(s, d->table);
        if (strcmp(st->op, "CreateTable") == 0) ss_names_add(&s->tables, d->table);
        /* the next statement can use the table (or the index) at once */
        if (strcmp(st->op, "DeleteTable") != 0 && wait_active(s, d->table)) return -1;
    }
    if (s->format == OUT_TABLE) {
        const char *op = d->steps[0].op;
        printf("%s %s\n",
               strcmp(op, "CreateTable") == 0   ? "CREATE TABLE"
               : strcmp(op, "DeleteTable") == 0 ? "DROP TABLE"
                                                : "ALTER TABLE",
               d->table);
        fflush(stdout);
    }
    return 0;
}
