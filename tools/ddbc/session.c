/* session.c: the session helpers of session.h — connecting through the client transport,
 * one API call with its error printed the way ddbc prints errors, the schema cache, the
 * confirmation question. The only place ddbc calls dc_call. */
#include "tools/ddbc/session.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "query/buf.h"
#include "tools/ddbc/explain.h"

int ss_connect(session_t *s) {
    dc_options_t o = {0};
    o.endpoint = *s->endpoint ? s->endpoint : NULL;
    o.region = *s->region ? s->region : NULL;
    o.profile = *s->profile ? s->profile : NULL;
    dc_error_t err = {0};
    dc_client_t *c = dc_open(&o, &err);
    if (!c) {
        ss_error(NULL, "cannot connect: %s", err.message);
        return -1;
    }
    ss_disconnect(s);
    s->client = c;
    dc_set_abort(c, &s->stop);
    for (size_t i = 0; i < s->nschemas; i++)
        ddb_arena_destroy(s->schemas[i].arena);
    s->nschemas = 0;
    ss_names_clear(&s->tables);
    s->tables_listed = false;
    return 0;
}

void ss_disconnect(session_t *s) {
    if (s->client) dc_close(s->client);
    s->client = NULL;
}

void ss_error(const char *type, const char *fmt, ...) {
    va_list ap;
    fflush(stdout);
    fputs("ERROR: ", stderr);
    if (type && *type) fprintf(stderr, "%s: ", type);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void ss_error_at(const char *text, size_t len, size_t pos, const char *type, const char *msg) {
    if (pos > len) pos = len;
    size_t ls = pos, le = pos, line = 1;
    while (ls && text[ls - 1] != '\n')
        ls--;
    while (le < len && text[le] != '\n')
        le++;
    for (size_t i = 0; i < ls; i++)
        line += text[i] == '\n';
    size_t col = 0;
    for (size_t i = ls; i < pos; i++)
        col += ((unsigned char)text[i] & 0xC0) != 0x80;
    ss_error(type, "%s (line %zu, column %zu)", msg, line, col + 1);
    fprintf(stderr, "  %.*s\n  %*s^\n", (int)(le - ls), text + ls, (int)col, "");
}

static double capacity_of(const cJSON *resp) {
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(resp, "ConsumedCapacity"), *e;
    double sum = 0;
    if (cJSON_IsArray(c)) {
        cJSON_ArrayForEach(e, c) {
            sum += cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "CapacityUnits"));
        }
    } else if (c) {
        sum = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "CapacityUnits"));
    }
    return sum == sum ? sum : 0;
}

int ss_call_quiet(session_t *s, const char *op, const cJSON *req, cJSON **resp, char *type_out,
                  size_t cap, char *msg_out, size_t mcap) {
    if (!s->client) {
        if (type_out) snprintf(type_out, cap, "%s", "");
        if (msg_out) snprintf(msg_out, mcap, "not connected (\\connect URL|REGION)");
        return -1;
    }
    char *body = cJSON_PrintUnformatted(req);
    buf_t out;
    buf_init(&out);
    dc_error_t err = {0};
    int rc = dc_call(s->client, DC_DYNAMODB, op, body, strlen(body), &out, &err);
    free(body);
    if (rc) {
        if (type_out) snprintf(type_out, cap, "%s", err.type);
        if (msg_out)
            snprintf(msg_out, mcap, "%s",
                     rc == DC_EABORTED ? "interrupted"
                     : *err.message    ? err.message
                                       : "failed");
        buf_free(&out);
        return -1;
    }
    *resp = cJSON_ParseWithLength(out.data ? out.data : "{}", out.data ? out.len : 2);
    buf_free(&out);
    if (!*resp) {
        if (type_out) snprintf(type_out, cap, "%s", "");
        if (msg_out) snprintf(msg_out, mcap, "%s answered with JSON that does not parse", op);
        return -1;
    }
    s->consumed += capacity_of(*resp);
    return 0;
}

int ss_call(session_t *s, const char *op, const cJSON *req, cJSON **resp) {
    char type[96], msg[600];
    if (ss_call_quiet(s, op, req, resp, type, sizeof type, msg, sizeof msg) == 0) return 0;
    ss_error(type, "%s", msg);
    return -1;
}

const pq_schema_t *ss_schema(session_t *s, const char *table) {
    for (size_t i = 0; i < s->nschemas; i++)
        if (strcmp(s->schemas[i].table, table) == 0) return &s->schemas[i].schema;
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    cJSON_AddStringToObject(req, "TableName", table);
    int rc = ss_call(s, "DescribeTable", req, &resp);
    cJSON_Delete(req);
    if (rc) return NULL;
    s->schemas = realloc(s->schemas, (s->nschemas + 1) * sizeof *s->schemas);
    if (!s->schemas) abort();
    ss_schema_entry_t *e = &s->schemas[s->nschemas];
    snprintf(e->table, sizeof e->table, "%s", table);
    e->arena = ddb_arena_create(0);
    ddb_error_t err;
    if (xp_schema(resp, e->arena, &e->schema, &err)) {
        ss_error("ValidationException", "%s", err.msg);
        ddb_arena_destroy(e->arena);
        cJSON_Delete(resp);
        return NULL;
    }
    cJSON_Delete(resp);
    for (size_t i = 0; i < e->schema.nindexes; i++)
        ss_names_add(&s->indexes, e->schema.indexes[i].name);
    ss_names_add(&s->attrs, e->schema.keys.hash);
    if (e->schema.keys.range) ss_names_add(&s->attrs, e->schema.keys.range);
    ss_names_add(&s->tables, table);
    return &s->schemas[s->nschemas++].schema;
}

void ss_forget(session_t *s, const char *table) {
    for (size_t i = 0; i < s->nschemas; i++) {
        if (strcmp(s->schemas[i].table, table) != 0) continue;
        ddb_arena_destroy(s->schemas[i].arena);
        s->schemas[i] = s->schemas[--s->nschemas];
        return;
    }
}

bool ss_confirm(session_t *s, const char *question) {
    if (s->yes) return true;
    if (!s->tty) {
        ss_error(NULL, "%s: refused without a terminal to confirm on (use --yes)", question);
        return false;
    }
    fflush(stdout);
    fprintf(stderr, "%s [y/N] ", question);
    fflush(stderr);
    char line[64];
    if (!fgets(line, sizeof line, stdin)) return false;
    return line[0] == 'y' || line[0] == 'Y';
}

void ss_names_add(ss_names_t *l, const char *name) {
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], name) == 0) return;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 32;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v) abort();
    }
    l->v[l->n] = strdup(name);
    if (!l->v[l->n]) abort();
    l->n++;
}

void ss_names_clear(ss_names_t *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

void ss_print(const char *text, size_t len) {
    fwrite(text, 1, len, stdout);
    fflush(stdout);
}
