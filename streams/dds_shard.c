/* dds_shard.c: the consumer's Streams API calls: which stream a table has (DescribeTable),
 * its shards (DescribeStream, every page), shard iterators and GetRecords. Each builds its
 * request, makes one call through the client and reads the answer; no lock is held and no
 * consumer state is touched here. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/json.h"
#include "streams/dds_core.h"

static cJSON *parse(const buf_t *resp, const char *op, dds_error *err) {
    cJSON *j = cJSON_ParseWithLength(resp->data ? resp->data : "", resp->len);
    if (!j || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        dds__fail(err, DDS_ESERVICE, "%s: the response is not a JSON object", op);
        return NULL;
    }
    return j;
}

static const char *str_of(const cJSON *o, const char *name) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int dds__resolve_stream(dc_client_t *cl, const char *table, char *out, size_t cap, dds_error *err) {
    buf_t body, resp;
    buf_init(&body);
    buf_init(&resp);
    buf_puts(&body, "{\"TableName\":");
    json_put_str(&body, table, strlen(table));
    buf_putc(&body, '}');
    int rc = dds__call(cl, DC_DYNAMODB, "DescribeTable", &body, &resp, err);
    if (rc == DDS_ENOSTREAM) {
        snprintf(err->message, sizeof err->message, "table %s does not exist", table);
    } else if (!rc) {
        cJSON *j = parse(&resp, "DescribeTable", err);
        const cJSON *t = j ? cJSON_GetObjectItemCaseSensitive(j, "Table") : NULL;
        const cJSON *spec = t ? cJSON_GetObjectItemCaseSensitive(t, "StreamSpecification") : NULL;
        const char *arn = t ? str_of(t, "LatestStreamArn") : NULL;
        bool on = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "StreamEnabled"));
        if (!j) {
            rc = DDS_ESERVICE;
        } else if (!arn || !on) {
            rc = dds__fail(err, DDS_ENOSTREAM, "table %s has no stream enabled", table);
        } else if (strlen(arn) >= cap) {
            rc = dds__fail(err, DDS_ESERVICE, "table %s: stream ARN too long", table);
        } else {
            dds__copy(out, cap, arn);
        }
        cJSON_Delete(j);
    }
    buf_free(&body);
    buf_free(&resp);
    return rc;
}

/* Appends one page's shards to *out. */
static int take_shards(const cJSON *shards, dds_listed **out, size_t *n, size_t *cap) {
    const cJSON *s;
    cJSON_ArrayForEach(s, shards) {
        const char *id = str_of(s, "ShardId");
        if (!id || strlen(id) >= DDS__ID_MAX) continue;
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 16;
            dds_listed *g = realloc(*out, nc * sizeof *g);
            if (!g) return -1;
            *out = g;
            *cap = nc;
        }
        dds_listed *l = &(*out)[(*n)++];
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(s, "SequenceNumberRange");
        dds__copy(l->id, sizeof l->id, id);
        dds__copy(l->parent, sizeof l->parent, str_of(s, "ParentShardId"));
        dds__copy(l->end, sizeof l->end, r ? str_of(r, "EndingSequenceNumber") : NULL);
    }
    return 0;
}

int dds__describe(dc_client_t *cl, const char *arn, dds_listed **out, size_t *n, dds_error *err) {
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    char after[DDS__ID_MAX] = "";
    buf_t body, resp;
    buf_init(&body);
    buf_init(&resp);
    int rc = 0;
    for (int page = 0; page < 1000 && !rc; page++) {
        buf_reset(&body);
        buf_puts(&body, "{\"StreamArn\":");
        json_put_str(&body, arn, strlen(arn));
        if (after[0]) {
            buf_puts(&body, ",\"ExclusiveStartShardId\":");
            json_put_str(&body, after, strlen(after));
        }
        buf_putc(&body, '}');
        rc = dds__call(cl, DC_STREAMS, "DescribeStream", &body, &resp, err);
        if (rc) break;
        cJSON *j = parse(&resp, "DescribeStream", err);
        const cJSON *d = j ? cJSON_GetObjectItemCaseSensitive(j, "StreamDescription") : NULL;
        if (!d) {
            cJSON_Delete(j);
            rc = dds__fail(err, DDS_ESERVICE, "DescribeStream: no StreamDescription");
            break;
        }
        if (take_shards(cJSON_GetObjectItemCaseSensitive(d, "Shards"), out, n, &cap)) {
            rc = dds__fail(err, DDS_ESERVICE, "DescribeStream: out of memory");
        }
        const char *last = str_of(d, "LastEvaluatedShardId");
        dds__copy(after, sizeof after, last);
        cJSON_Delete(j);
        if (!last) break;
    }
    buf_free(&body);
    buf_free(&resp);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int dds__iterator(dc_client_t *cl, const char *arn, const char *shard, const char *position,
                  char **iter, dds_error *err) {
    *iter = NULL;
    buf_t body, resp;
    buf_init(&body);
    buf_init(&resp);
    buf_puts(&body, "{\"StreamArn\":");
    json_put_str(&body, arn, strlen(arn));
    buf_puts(&body, ",\"ShardId\":");
    json_put_str(&body, shard, strlen(shard));
    if (!strcmp(position, DDS__CK_TRIM) || !strcmp(position, DDS__CK_LATEST)) {
        buf_printf(&body, ",\"ShardIteratorType\":\"%s\"}", position);
    } else {
        buf_puts(&body, ",\"ShardIteratorType\":\"AFTER_SEQUENCE_NUMBER\",\"SequenceNumber\":");
        json_put_str(&body, position, strlen(position));
        buf_putc(&body, '}');
    }
    int rc = dds__call(cl, DC_STREAMS, "GetShardIterator", &body, &resp, err);
    if (!rc) {
        cJSON *j = parse(&resp, "GetShardIterator", err);
        const char *it = j ? str_of(j, "ShardIterator") : NULL;
        if (!j)
            rc = DDS_ESERVICE;
        else if (!it)
            rc = dds__fail(err, DDS_ESERVICE, "GetShardIterator: no ShardIterator");
        else if (!(*iter = strdup(it)))
            rc = dds__fail(err, DDS_ESERVICE, "out of memory");
        cJSON_Delete(j);
    }
    buf_free(&body);
    buf_free(&resp);
    return rc;
}

int dds__get_records(dc_client_t *cl, const char *iter, int limit, const char *shard,
                     dds_batch **out, char **next, dds_error *err) {
    *out = NULL;
    *next = NULL;
    buf_t body, resp;
    buf_init(&body);
    buf_init(&resp);
    buf_puts(&body, "{\"ShardIterator\":");
    json_put_str(&body, iter, strlen(iter));
    buf_printf(&body, ",\"Limit\":%d}", limit);
    int rc = dds__call(cl, DC_STREAMS, "GetRecords", &body, &resp, err);
    if (!rc) rc = dds__parse_records(resp.data, resp.len, shard, out, next, err);
    buf_free(&body);
    buf_free(&resp);
    return rc;
}
