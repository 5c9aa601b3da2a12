/* ddl.c: CREATE / ALTER / DROP TABLE into DynamoDB API requests (ddl.h). A small recursive
 * descent over lang.h's tokens; every error names the offending token's offset so the shell
 * can point at it. Pure: no I/O. */
#include "tools/ddbc/ddl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ddbc/lang.h"

typedef struct parser {
    const char *s;
    size_t len;
    lx_tok_t t; /* the current token */
    size_t *err_pos;
    ddb_error_t *err;
} parser_t;

typedef struct keydef {
    char name[256];
    char type[2]; /* "S", "N" or "B" */
    bool range;
    size_t pos;
} keydef_t;

static void advance(parser_t *p) {
    p->t = lx_next(p->s, p->len, p->t.pos + p->t.len);
}

static int fail(parser_t *p, const char *what) {
    if (p->err_pos) *p->err_pos = p->t.pos;
    if (p->t.kind == LX_EOF)
        return ddb_error_set(p->err, DDB_ERR_VALIDATION, "%s, found the end of the statement",
                             what);
    return ddb_error_set(p->err, DDB_ERR_VALIDATION, "%s, found '%.*s'", what,
                         (int)(p->t.len > 40 ? 40 : p->t.len), p->t.p);
}

static int expect_kw(parser_t *p, const char *kw) {
    if (!lx_is(&p->t, kw)) {
        char what[64];
        snprintf(what, sizeof what, "expected %s", kw);
        return fail(p, what);
    }
    advance(p);
    return 0;
}

static int expect_punct(parser_t *p, char c) {
    if (!lx_punct(&p->t, c)) {
        char what[32];
        snprintf(what, sizeof what, "expected '%c'", c);
        return fail(p, what);
    }
    advance(p);
    return 0;
}

static int name(parser_t *p, char *out, size_t cap, const char *what) {
    if (p->t.kind != LX_WORD && p->t.kind != LX_QUOTED && p->t.kind != LX_STRING)
        return fail(p, what);
    lx_name(&p->t, out, cap);
    advance(p);
    return 0;
}

static int number(parser_t *p, long *out) {
    char text[24];
    char *end;
    if (p->t.kind != LX_WORD || p->t.len >= sizeof text) return fail(p, "expected a number");
    lx_name(&p->t, text, sizeof text);
    *out = strtol(text, &end, 10);
    if (*end || *out < 1) return fail(p, "expected a positive number");
    advance(p);
    return 0;
}

static int key_type(parser_t *p, char out[2]) {
    static const char *const NAMES[][2] = {{"S", "S"},      {"N", "N"},      {"B", "B"},
                                           {"STRING", "S"}, {"NUMBER", "N"}, {"BINARY", "B"}};
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
        if (lx_is(&p->t, NAMES[i][0])) {
            memcpy(out, NAMES[i][1], 2);
            advance(p);
            return 0;
        }
    return fail(p, "expected a key type (S, N or B)");
}

/* ( name TYPE HASH [, name TYPE RANGE] ) into k[0..*n) */
static int key_list(parser_t *p, keydef_t k[2], size_t *n) {
    int rc = expect_punct(p, '(');
    for (*n = 0; !rc; (*n)++) {
        if (*n == 2) return fail(p, "expected ')' (a key has at most a HASH and a RANGE part)");
        k[*n].pos = p->t.pos;
        rc = name(p, k[*n].name, sizeof k[*n].name, "expected a key attribute name");
        if (!rc) rc = key_type(p, k[*n].type);
        if (rc) return rc;
        if (lx_is(&p->t, "HASH") && *n == 0) {
            k[*n].range = false;
        } else if (lx_is(&p->t, "RANGE") && *n == 1) {
            k[*n].range = true;
        } else {
            return fail(p, *n ? "expected RANGE" : "expected HASH");
        }
        advance(p);
        if (lx_punct(&p->t, ')')) {
            (*n)++;
            break;
        }
        rc = expect_punct(p, ',');
    }
    if (!rc) rc = expect_punct(p, ')');
    return rc;
}

static cJSON *key_schema(const keydef_t *k, size_t n) {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "AttributeName", k[i].name);
        cJSON_AddStringToObject(e, "KeyType", k[i].range ? "RANGE" : "HASH");
        cJSON_AddItemToArray(a, e);
    }
    return a;
}

/* Adds k's attributes to AttributeDefinitions once each; a second, different type fails. */
static int add_defs(parser_t *p, cJSON *defs, const keydef_t *k, size_t n) {
    for (size_t i = 0; i < n; i++) {
        cJSON *e, *dup = NULL;
        cJSON_ArrayForEach(e, defs) {
            if (strcmp(cJSON_GetObjectItem(e, "AttributeName")->valuestring, k[i].name) == 0)
                dup = e;
        }
        if (dup) {
            if (strcmp(cJSON_GetObjectItem(dup, "AttributeType")->valuestring, k[i].type) == 0)
                continue;
            if (p->err_pos) *p->err_pos = k[i].pos;
            return ddb_error_set(p->err, DDB_ERR_VALIDATION,
                                 "attribute %s is given two different types", k[i].name);
        }
        e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "AttributeName", k[i].name);
        cJSON_AddStringToObject(e, "AttributeType", k[i].type);
        cJSON_AddItemToArray(defs, e);
    }
    return 0;
}

/* [PROJECT ALL | KEYS | KEYS_ONLY | INCLUDE (a, b, ...)] into a Projection object */
static int projection(parser_t *p, cJSON **out) {
    *out = cJSON_CreateObject();
    if (!lx_is(&p->t, "PROJECT")) {
        cJSON_AddStringToObject(*out, "ProjectionType", "ALL");
        return 0;
    }
    advance(p);
    if (lx_is(&p->t, "ALL") || lx_is(&p->t, "KEYS") || lx_is(&p->t, "KEYS_ONLY")) {
        cJSON_AddStringToObject(*out, "ProjectionType", lx_is(&p->t, "ALL") ? "ALL" : "KEYS_ONLY");
        advance(p);
        return 0;
    }
    int rc = expect_kw(p, "INCLUDE");
    if (!rc) rc = expect_punct(p, '(');
    if (rc) return rc;
    cJSON_AddStringToObject(*out, "ProjectionType", "INCLUDE");
    cJSON *attrs = cJSON_AddArrayToObject(*out, "NonKeyAttributes");
    for (;;) {
        char n[256];
        rc = name(p, n, sizeof n, "expected an attribute name");
        if (rc) return rc;
        cJSON_AddItemToArray(attrs, cJSON_CreateString(n));
        if (!lx_punct(&p->t, ',')) break;
        advance(p);
    }
    return expect_punct(p, ')');
}

/* PROVISIONED ( r , w ) into a ProvisionedThroughput object (the word already read) */
static int throughput(parser_t *p, cJSON **out) {
    long r, w;
    int rc = expect_punct(p, '(');
    if (!rc) rc = number(p, &r);
    if (!rc) rc = expect_punct(p, ',');
    if (!rc) rc = number(p, &w);
    if (!rc) rc = expect_punct(p, ')');
    if (rc) return rc;
    *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(*out, "ReadCapacityUnits", (double)r);
    cJSON_AddNumberToObject(*out, "WriteCapacityUnits", (double)w);
    return 0;
}

/* BILLING PAY_PER_REQUEST | PROVISIONED(r, w), the word BILLING already read */
static int billing(parser_t *p, cJSON *req, cJSON **tp) {
    *tp = NULL;
    if (lx_is(&p->t, "PAY_PER_REQUEST") || lx_is(&p->t, "ON_DEMAND")) {
        advance(p);
        cJSON_ReplaceItemInObject(req, "BillingMode", cJSON_CreateString("PAY_PER_REQUEST"));
        return 0;
    }
    int rc = expect_kw(p, "PROVISIONED");
    if (!rc) rc = throughput(p, tp);
    if (rc) return rc;
    cJSON_ReplaceItemInObject(req, "BillingMode", cJSON_CreateString("PROVISIONED"));
    cJSON_AddItemToObject(req, "ProvisionedThroughput", *tp);
    return 0;
}

static int stream_view(parser_t *p, cJSON **out) {
    static const char *const VIEWS[] = {"NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE",
                                        "KEYS_ONLY"};
    *out = cJSON_CreateObject();
    if (lx_is(&p->t, "OFF") || lx_is(&p->t, "DISABLED")) {
        advance(p);
        cJSON_AddBoolToObject(*out, "StreamEnabled", false);
        return 0;
    }
    for (size_t i = 0; i < 4; i++)
        if (lx_is(&p->t, VIEWS[i])) {
            advance(p);
            cJSON_AddBoolToObject(*out, "StreamEnabled", true);
            cJSON_AddStringToObject(*out, "StreamViewType", VIEWS[i]);
            return 0;
        }
    return fail(p, "expected NEW_AND_OLD_IMAGES, NEW_IMAGE, OLD_IMAGE, KEYS_ONLY or OFF");
}

static ddl_step_t *step(ddl_plan_t *d, const char *op, const char *table) {
    ddl_step_t *s = &d->steps[d->n++];
    s->op = op;
    s->req = cJSON_CreateObject();
    cJSON_AddStringToObject(s->req, "TableName", table);
    return s;
}

static void ttl_spec(cJSON *req, const char *attr, bool on) {
    cJSON *spec = cJSON_AddObjectToObject(req, "TimeToLiveSpecification");
    cJSON_AddBoolToObject(spec, "Enabled", on);
    cJSON_AddStringToObject(spec, "AttributeName", attr);
}

/* GSI|LSI name (keys) [PROJECT ...] as one index object; the defs gain its keys */
static int index_def(parser_t *p, cJSON *defs, bool lsi, cJSON **out) {
    char iname[256];
    keydef_t k[2];
    size_t nk;
    cJSON *proj;
    int rc = name(p, iname, sizeof iname, "expected an index name");
    if (!rc) rc = key_list(p, k, &nk);
    if (!rc && lsi && nk != 2) return fail(p, "an LSI needs the table's HASH key and a RANGE key");
    if (!rc) rc = add_defs(p, defs, k, nk);
    if (rc) return rc;
    *out = cJSON_CreateObject();
    cJSON_AddStringToObject(*out, "IndexName", iname);
    cJSON_AddItemToObject(*out, "KeySchema", key_schema(k, nk));
    rc = projection(p, &proj);
    cJSON_AddItemToObject(*out, "Projection", proj);
    return rc;
}

static int create_table(parser_t *p, ddl_plan_t *d) {
    keydef_t k[2];
    size_t nk;
    int rc = name(p, d->table, sizeof d->table, "expected a table name");
    if (!rc) rc = key_list(p, k, &nk);
    if (rc) return rc;
    ddl_step_t *s = step(d, "CreateTable", d->table);
    cJSON *defs = cJSON_AddArrayToObject(s->req, "AttributeDefinitions");
    cJSON_AddItemToObject(s->req, "KeySchema", key_schema(k, nk));
    cJSON_AddStringToObject(s->req, "BillingMode", "PAY_PER_REQUEST");
    rc = add_defs(p, defs, k, nk);
    cJSON *gsis = NULL, *lsis = NULL, *tp = NULL;
    while (!rc && p->t.kind != LX_EOF) {
        if (lx_is(&p->t, "GSI") || lx_is(&p->t, "LSI")) {
            bool lsi = lx_is(&p->t, "LSI");
            cJSON *ix = NULL;
            advance(p);
            rc = index_def(p, defs, lsi, &ix);
            cJSON **list = lsi ? &lsis : &gsis;
            if (!*list)
                *list = cJSON_AddArrayToObject(s->req, lsi ? "LocalSecondaryIndexes"
                                                           : "GlobalSecondaryIndexes");
            if (ix) cJSON_AddItemToArray(*list, ix);
        } else if (lx_is(&p->t, "STREAM")) {
            cJSON *spec;
            advance(p);
            rc = stream_view(p, &spec);
            cJSON_AddItemToObject(s->req, "StreamSpecification", spec);
        } else if (lx_is(&p->t, "TTL")) {
            char attr[256];
            if (d->n > 1) {
                rc = fail(p, "TTL is given twice");
                break;
            }
            advance(p);
            rc = name(p, attr, sizeof attr, "expected the TTL attribute's name");
            if (rc) break;
            ddl_step_t *t = step(d, "UpdateTimeToLive", d->table);
            t->wait_active = true;
            ttl_spec(t->req, attr, true);
        } else if (lx_is(&p->t, "BILLING")) {
            advance(p);
            rc = billing(p, s->req, &tp);
        } else {
            rc = fail(p, "expected GSI, LSI, STREAM, TTL or BILLING");
        }
    }
    /* provisioned tables give their GSIs the table's throughput */
    cJSON *ix;
    if (!rc && tp && gsis) cJSON_ArrayForEach(ix, gsis) {
            cJSON_AddItemToObject(ix, "ProvisionedThroughput", cJSON_Duplicate(tp, true));
        }
    return rc;
}

static int alter_table(parser_t *p, ddl_plan_t *d) {
    int rc = name(p, d->table, sizeof d->table, "expected a table name");
    if (rc) return rc;
    if (lx_is(&p->t, "ADD")) {
        advance(p);
        rc = expect_kw(p, "GSI");
        if (rc) return rc;
        ddl_step_t *s = step(d, "UpdateTable", d->table);
        cJSON *defs = cJSON_AddArrayToObject(s->req, "AttributeDefinitions");
        cJSON *ix = NULL;
        rc = index_def(p, defs, false, &ix);
        if (!ix) return rc;
        cJSON *ups = cJSON_AddArrayToObject(s->req, "GlobalSecondaryIndexUpdates");
        cJSON *up = cJSON_CreateObject();
        cJSON_AddItemToObject(up, "Create", ix);
        cJSON_AddItemToArray(ups, up);
        if (!rc && lx_is(&p->t, "PROVISIONED")) {
            cJSON *tp;
            advance(p);
            rc = throughput(p, &tp);
            if (!rc) cJSON_AddItemToObject(ix, "ProvisionedThroughput", tp);
        }
    } else if (lx_is(&p->t, "DROP")) {
        char iname[256];
        advance(p);
        rc = expect_kw(p, "GSI");
        if (!rc) rc = name(p, iname, sizeof iname, "expected an index name");
        if (rc) return rc;
        ddl_step_t *s = step(d, "UpdateTable", d->table);
        cJSON *up = cJSON_CreateObject(), *del = cJSON_AddObjectToObject(up, "Delete");
        cJSON_AddStringToObject(del, "IndexName", iname);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(s->req, "GlobalSecondaryIndexUpdates"), up);
    } else if (lx_is(&p->t, "STREAM")) {
        cJSON *spec;
        advance(p);
        rc = stream_view(p, &spec);
        ddl_step_t *s = step(d, "UpdateTable", d->table);
        cJSON_AddItemToObject(s->req, "StreamSpecification", spec);
    } else if (lx_is(&p->t, "TTL")) {
        char attr[256] = "";
        advance(p);
        bool off = lx_is(&p->t, "OFF") || lx_is(&p->t, "DISABLED");
        if (off)
            advance(p);
        else
            rc = name(p, attr, sizeof attr, "expected the TTL attribute's name or OFF");
        if (rc) return rc;
        ddl_step_t *s = step(d, "UpdateTimeToLive", d->table);
        s->ttl_lookup = off;
        ttl_spec(s->req, attr, !off);
    } else if (lx_is(&p->t, "BILLING")) {
        cJSON *tp;
        advance(p);
        ddl_step_t *s = step(d, "UpdateTable", d->table);
        cJSON_AddStringToObject(s->req, "BillingMode", "PAY_PER_REQUEST");
        rc = billing(p, s->req, &tp);
    } else {
        return fail(p, "expected ADD GSI, DROP GSI, STREAM, TTL or BILLING");
    }
    return rc;
}

int ddl_parse(const char *s, size_t len, ddl_plan_t *out, size_t *err_pos, ddb_error_t *err) {
    memset(out, 0, sizeof *out);
    parser_t p = {s, lang_trim_end(s, len), {LX_EOF, 0, s, 0}, err_pos, err};
    advance(&p);
    int rc;
    if (lx_is(&p.t, "CREATE")) {
        advance(&p);
        rc = expect_kw(&p, "TABLE");
        if (!rc) rc = create_table(&p, out);
    } else if (lx_is(&p.t, "ALTER")) {
        advance(&p);
        rc = expect_kw(&p, "TABLE");
        if (!rc) rc = alter_table(&p, out);
    } else if (lx_is(&p.t, "DROP")) {
        advance(&p);
        rc = expect_kw(&p, "TABLE");
        if (!rc) rc = name(&p, out->table, sizeof out->table, "expected a table name");
        if (!rc) step(out, "DeleteTable", out->table);
    } else {
        rc = fail(&p, "expected CREATE, ALTER or DROP");
    }
    if (!rc && p.t.kind != LX_EOF) rc = fail(&p, "expected the end of the statement");
    if (rc) ddl_free(out);
    return rc;
}

void ddl_free(ddl_plan_t *p) {
    for (size_t i = 0; i < p->n; i++)
        cJSON_Delete(p->steps[i].req);
    p->n = 0;
}
