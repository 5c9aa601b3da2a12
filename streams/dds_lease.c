/* dds_lease.c: the lease table, KCL's item shape in an ordinary DynamoDB table (leaseKey,
 * leaseOwner, leaseCounter, checkpoint, checkpointSubSequenceNumber,
 * ownerSwitchesSinceCheckpoint, parentShardIds; plus streamArn, ours). Every write that
 * changes a lease is conditional on its leaseCounter and advances it, so of two workers
 * acting on one lease exactly one wins and the other learns it lost (DDS_ELEASE_LOST). No
 * consumer state is touched here; callers serialize writes to one lease themselves. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "query/json.h"
#include "streams/dds_core.h"

static void put_s(buf_t *b, const char *name, const char *s) {
    buf_printf(b, "\"%s\":{\"S\":", name);
    json_put_str(b, s, strlen(s));
    buf_putc(b, '}');
}

static void put_head(buf_t *b, const char *app, const char *key) {
    buf_puts(b, "{\"TableName\":");
    json_put_str(b, app, strlen(app));
    buf_puts(b, ",\"Key\":{");
    put_s(b, "leaseKey", key);
    buf_putc(b, '}');
}

int dds__lease_table(dc_client_t *cl, const char *app, dds_error *err) {
    buf_t body, resp;
    buf_init(&body);
    buf_init(&resp);
    buf_puts(&body, "{\"TableName\":");
    json_put_str(&body, app, strlen(app));
    buf_puts(&body, ",\"AttributeDefinitions\":[{\"AttributeName\":\"leaseKey\","
                    "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"leaseKey\","
                    "\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}");
    int rc = dds__call(cl, DC_DYNAMODB, "CreateTable", &body, &resp, err);
    if (rc && !strcmp(err->type, "ResourceInUseException")) rc = 0; /* it exists */
    /* wait for ACTIVE: immediate on ddbd, seconds on AWS */
    buf_reset(&body);
    buf_puts(&body, "{\"TableName\":");
    json_put_str(&body, app, strlen(app));
    buf_putc(&body, '}');
    for (int i = 0; !rc && i < 600; i++) {
        rc = dds__call(cl, DC_DYNAMODB, "DescribeTable", &body, &resp, err);
        if (rc) break;
        cJSON *j = cJSON_ParseWithLength(resp.data, resp.len);
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "Table");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(t, "TableStatus");
        bool active = cJSON_IsString(st) && !strcmp(st->valuestring, "ACTIVE");
        cJSON_Delete(j);
        if (active) break;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    buf_free(&body);
    buf_free(&resp);
    return rc;
}

static const char *av_text(const cJSON *item, const char *name, const char *type, size_t *len) {
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(item, name);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(av, type);
    if (!cJSON_IsString(v)) return NULL;
    return json_str(v, len);
}

static void read_lease(const cJSON *item, dds_lease *l) {
    memset(l, 0, sizeof *l);
    size_t n;
    const char *s;
    if ((s = av_text(item, "leaseKey", "S", &n))) dds__copyn(l->key, sizeof l->key, s, n);
    if ((s = av_text(item, "leaseOwner", "S", &n))) dds__copyn(l->owner, sizeof l->owner, s, n);
    if ((s = av_text(item, "checkpoint", "S", &n)))
        dds__copyn(l->checkpoint, sizeof l->checkpoint, s, n);
    if ((s = av_text(item, "streamArn", "S", &n))) dds__copyn(l->stream, sizeof l->stream, s, n);
    if ((s = av_text(item, "leaseCounter", "N", &n))) l->counter = strtoll(s, NULL, 10);
    if ((s = av_text(item, "ownerSwitchesSinceCheckpoint", "N", &n)))
        l->owner_switches = strtoll(s, NULL, 10);
    const cJSON *ps = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(item, "parentShardIds"), "SS");
    const cJSON *p;
    int i = 0;
    cJSON_ArrayForEach(p, ps) {
        if (i < 2 && cJSON_IsString(p)) {
            dds__copyn(l->parents[i], sizeof l->parents[i], p->valuestring, strlen(p->valuestring));
            i++;
        }
    }
}

int dds__lease_scan(dc_client_t *cl, const char *app, dds_lease **out, size_t *n, dds_error *err) {
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    buf_t body, resp, start;
    buf_init(&body);
    buf_init(&resp);
    buf_init(&start);
    int rc = 0;
    for (int page = 0; page < 10000; page++) {
        buf_reset(&body);
        buf_puts(&body, "{\"TableName\":");
        json_put_str(&body, app, strlen(app));
        buf_puts(&body, ",\"ConsistentRead\":true");
        if (start.len) {
            buf_puts(&body, ",\"ExclusiveStartKey\":");
            buf_put(&body, start.data, start.len);
        }
        buf_putc(&body, '}');
        rc = dds__call(cl, DC_DYNAMODB, "Scan", &body, &resp, err);
        if (rc) break;
        cJSON *j = cJSON_ParseWithLength(resp.data, resp.len);
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(j, "Items");
        if (!cJSON_IsArray(items)) {
            cJSON_Delete(j);
            rc = dds__fail(err, DDS_ESERVICE, "Scan of %s: no Items", app);
            break;
        }
        const cJSON *it;
        cJSON_ArrayForEach(it, items) {
            if (*n == cap) {
                size_t nc = cap ? cap * 2 : 16;
                dds_lease *g = realloc(*out, nc * sizeof *g);
                if (!g) {
                    rc = dds__fail(err, DDS_ESERVICE, "out of memory");
                    break;
                }
                *out = g;
                cap = nc;
            }
            read_lease(it, &(*out)[*n]);
            if ((*out)[*n].key[0]) (*n)++;
        }
        buf_reset(&start);
        const cJSON *last = cJSON_GetObjectItemCaseSensitive(j, "LastEvaluatedKey");
        if (!rc && cJSON_IsObject(last)) {
            char *t = cJSON_PrintUnformatted(last);
            if (t) buf_puts(&start, t);
            cJSON_free(t);
        }
        cJSON_Delete(j);
        if (rc || !start.len) break;
    }
    buf_free(&body);
    buf_free(&resp);
    buf_free(&start);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int dds__lease_create(dc_client_t *cl, const char *app, const dds_lease *l, int *created,
                      dds_error *err) {
    buf_t body, resp;
    buf_init(&body);
    buf_init(&resp);
    buf_puts(&body, "{\"TableName\":");
    json_put_str(&body, app, strlen(app));
    buf_puts(&body, ",\"Item\":{");
    put_s(&body, "leaseKey", l->key);
    buf_puts(&body, ",\"leaseCounter\":{\"N\":\"0\"},");
    put_s(&body, "checkpoint", l->checkpoint);
    buf_puts(&body, ",\"checkpointSubSequenceNumber\":{\"N\":\"0\"},"
                    "\"ownerSwitchesSinceCheckpoint\":{\"N\":\"0\"},");
    put_s(&body, "streamArn", l->stream);
    if (l->parents[0][0]) {
        buf_puts(&body, ",\"parentShardIds\":{\"SS\":[");
        json_put_str(&body, l->parents[0], strlen(l->parents[0]));
        if (l->parents[1][0]) {
            buf_putc(&body, ',');
            json_put_str(&body, l->parents[1], strlen(l->parents[1]));
        }
        buf_puts(&body, "]}");
    }
    buf_puts(&body, "},\"ConditionExpression\":\"attribute_not_exists(leaseKey)\"}");
    int rc = dds__call(cl, DC_DYNAMODB, "PutItem", &body, &resp, err);
    *created = !rc;
    if (rc == DDS_ELEASE_LOST) rc = 0; /* another worker made it first */
    buf_free(&body);
    buf_free(&resp);
    return rc;
}

/* One UpdateItem on leaseKey `key`: `set` (an update expression using :n, the new counter, and
 * the values in `values`), on `cond` (which may use :c, the expected counter, and :o). */
static int update(dc_client_t *cl, const char *app, const char *key, const char *expr,
                  const char *cond, const char *owner, const char *extra, int64_t *counter,
                  dds_error *err) {
    buf_t body, resp;
    buf_init(&body);
    buf_init(&resp);
    put_head(&body, app, key);
    buf_puts(&body, ",\"UpdateExpression\":");
    json_put_str(&body, expr, strlen(expr));
    buf_puts(&body, ",\"ConditionExpression\":");
    json_put_str(&body, cond, strlen(cond));
    buf_printf(&body,
               ",\"ExpressionAttributeValues\":{\":c\":{\"N\":\"%" PRId64 "\"},"
               "\":n\":{\"N\":\"%" PRId64 "\"}",
               *counter, *counter + 1);
    if (owner) {
        buf_putc(&body, ',');
        put_s(&body, ":o", owner);
    }
    if (extra) buf_puts(&body, extra);
    buf_puts(&body, "}}");
    int rc = dds__call(cl, DC_DYNAMODB, "UpdateItem", &body, &resp, err);
    if (!rc) (*counter)++;
    buf_free(&body);
    buf_free(&resp);
    return rc;
}

int dds__lease_renew(dc_client_t *cl, const char *app, const char *key, const char *owner,
                     int64_t *counter, dds_error *err) {
    return update(cl, app, key, "SET leaseCounter = :n", "leaseCounter = :c AND leaseOwner = :o",
                  owner, NULL, counter, err);
}

int dds__lease_take(dc_client_t *cl, const char *app, const char *key, const char *owner,
                    bool switch_owner, int64_t *counter, dds_error *err) {
    const char *expr =
        switch_owner ? "SET leaseOwner = :o, leaseCounter = :n, ownerSwitchesSinceCheckpoint = "
                       "if_not_exists(ownerSwitchesSinceCheckpoint, :z) + :one"
                     : "SET leaseOwner = :o, leaseCounter = :n";
    const char *extra = switch_owner ? ",\":z\":{\"N\":\"0\"},\":one\":{\"N\":\"1\"}" : NULL;
    return update(cl, app, key, expr, "leaseCounter = :c", owner, extra, counter, err);
}

int dds__lease_checkpoint(dc_client_t *cl, const char *app, const char *key, const char *owner,
                          const char *checkpoint, int64_t *counter, dds_error *err) {
    buf_t extra;
    buf_init(&extra);
    buf_putc(&extra, ',');
    put_s(&extra, ":k", checkpoint);
    buf_puts(&extra, ",\":z\":{\"N\":\"0\"}");
    int rc = update(cl, app, key,
                    "SET checkpoint = :k, checkpointSubSequenceNumber = :z, "
                    "ownerSwitchesSinceCheckpoint = :z, leaseCounter = :n",
                    "leaseCounter = :c AND leaseOwner = :o", owner, buf_cstr(&extra), counter, err);
    buf_free(&extra);
    return rc;
}

int dds__lease_release(dc_client_t *cl, const char *app, const char *key, const char *owner,
                       int64_t *counter, dds_error *err) {
    return update(cl, app, key, "REMOVE leaseOwner SET leaseCounter = :n",
                  "leaseCounter = :c AND leaseOwner = :o", owner, NULL, counter, err);
}

int dds__lease_delete(dc_client_t *cl, const char *app, const char *key, int64_t counter,
                      dds_error *err) {
    buf_t body, resp;
    buf_init(&body);
    buf_init(&resp);
    put_head(&body, app, key);
    buf_printf(&body,
               ",\"ConditionExpression\":\"leaseCounter = :c\","
               "\"ExpressionAttributeValues\":{\":c\":{\"N\":\"%" PRId64 "\"}}}",
               counter);
    int rc = dds__call(cl, DC_DYNAMODB, "DeleteItem", &body, &resp, err);
    buf_free(&body);
    buf_free(&resp);
    return rc;
}
