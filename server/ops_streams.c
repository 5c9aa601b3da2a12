/* ops_streams.c: the DynamoDB Streams API (X-Amz-Target
 * DynamoDBStreams_20120810.*): ListStreams, DescribeStream,
 * GetShardIterator, GetRecords; and the stream members of table
 * descriptions. Stream ARNs are table ARNs + "/stream/<label>", the label
 * being the stream's creation time; shard iterators are self-describing
 * strings (stream ARN, shard, position, issue time) with a checksum, valid
 * for 15 minutes. Messages follow DynamoDB Local where it was asked. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "query/json.h"
#include "server/meta.h"
#include "query/params.h"
#include "server/streams.h"

#define ITERATOR_TTL_MS (15 * 60 * 1000)
#define ITERATOR_SEED 0x64646273u /* "ddbs" */
#define GET_RECORDS_MAX_BYTES (1 << 20)

static const char *const view_names[] = {NULL, "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE",
                                          "NEW_AND_OLD_IMAGES"};

const char *ddbd_view_name(ddb_stream_view_t v) {
    return v >= DDB_VIEW_KEYS_ONLY && v <= DDB_VIEW_NEW_AND_OLD_IMAGES ? view_names[v] : "KEYS_ONLY";
}

ddb_stream_view_t ddbd_view_parse(const char *s, size_t len) {
    for (int v = DDB_VIEW_KEYS_ONLY; v <= DDB_VIEW_NEW_AND_OLD_IMAGES; v++) {
        if (strlen(view_names[v]) == len && memcmp(view_names[v], s, len) == 0) return (ddb_stream_view_t)v;
    }
    return 0;
}

void ddbd_stream_label(char out[32], int64_t created_ms) {
    time_t secs = (time_t)(created_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03d", (int)(created_ms % 1000));
}

static void put_stream_arn(ddbd_req_t *r, buf_t *b, const char *table, size_t len, int64_t created_ms) {
    char label[32];
    ddbd_stream_label(label, created_ms);
    ddbd_put_table_arn(r, b, table, len);
    buf_puts(b, "/stream/");
    buf_puts(b, label);
}

void ddbd_put_stream_desc(ddbd_req_t *r, const ddb_table_info_t *t) {
    buf_t *b = r->out;
    if (t->stream.enabled) {
        buf_printf(b, ",\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"%s\"}",
                   ddbd_view_name(t->stream.view));
    }
    if (t->stream.id) {
        char label[32];
        ddbd_stream_label(label, t->stream.created_ms);
        buf_printf(b, ",\"LatestStreamLabel\":\"%s\",\"LatestStreamArn\":\"", label);
        put_stream_arn(r, b, t->name, t->name_len, t->stream.created_ms);
        buf_putc(b, '"');
    }
}

int ddbd_parse_stream_spec(ddbd_req_t *r, const cJSON *spec, bool *enabled, ddb_stream_view_t *view) {
    bool en = false, present = false;
    const char *vt;
    size_t vl;
    int rc = p_bool(spec, "StreamEnabled", &en, &present, r->err);
    if (!rc) rc = p_str(spec, "StreamViewType", &vt, &vl, r->err);
    if (rc) return rc;
    if (!present) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "1 validation error detected: Value null at 'streamSpecification.streamEnabled' "
                             "failed to satisfy constraint: Member must not be null");
    }
    *view = 0;
    if (vt) {
        *view = ddbd_view_parse(vt, vl);
        if (!*view) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION, "Invalid StreamViewType: %.*s",
                                 (int)(vl > 100 ? 100 : vl), vt);
        }
    }
    if (en && !vt) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "Invalid StreamViewType: Stream ViewType must not be null or empty when "
                             "enabling streams.");
    }
    if (!en && vt) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "Invalid StreamViewType: Stream StreamEnabled was false but a "
                             "StreamViewType was present.");
    }
    *enabled = en;
    return 0;
}

/* ---- resolving ARNs, shard ids and iterators ---------------------------------- */

/* The stream an ARN names (its region is not checked: one namespace). */
static int find_stream(ddbd_req_t *r, const char *arn, size_t len, ddb_stream_desc_t *out) {
    ddb_stream_desc_t *all;
    size_t n;
    int rc = ddb_stream_list(r->srv->engine, r->arena, &all, &n, r->err);
    if (rc) return rc;
    const char *tp = NULL;
    for (size_t i = 0; i + 6 <= len; i++) {
        if (memcmp(arn + i, ":table/", 7) == 0) {
            tp = arn + i + 7;
            break;
        }
    }
    if (tp && strncmp(arn, "arn:", 4) == 0) {
        const char *end = arn + len;
        for (size_t i = 0; i < n; i++) {
            char label[32];
            ddbd_stream_label(label, all[i].created_ms);
            size_t ll = strlen(label);
            size_t want = all[i].table_len + 8 + ll;
            if ((size_t)(end - tp) == want && memcmp(tp, all[i].table, all[i].table_len) == 0 &&
                memcmp(tp + all[i].table_len, "/stream/", 8) == 0 &&
                memcmp(tp + all[i].table_len + 8, label, ll) == 0) {
                *out = all[i];
                return 0;
            }
        }
    }
    return ddb_error_set(r->err, DDB_ERR_RESOURCE_NOT_FOUND,
                         "Requested resource not found: Stream: %.*s not found", (int)(len > 300 ? 300 : len), arn);
}

static int stream_arg(ddbd_req_t *r, ddb_stream_desc_t *d) {
    const char *arn;
    size_t al;
    int rc = p_str(r->in, "StreamArn", &arn, &al, r->err);
    if (rc) return rc;
    if (!arn) return ddb_error_set(r->err, DDB_ERR_VALIDATION, "Invalid StreamArn");
    if (al < 37 || al > 1024) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "1 validation error detected: Value '%.*s' at 'streamArn' failed to satisfy "
                             "constraint: Member must have length %s",
                             (int)(al > 300 ? 300 : al), arn,
                             al < 37 ? "greater than or equal to 37" : "less than or equal to 1024");
    }
    return find_stream(r, arn, al, d);
}

/* The stream StreamArn names, with its shards and trim point. */
static int stream_shards_arg(ddbd_req_t *r, ddb_stream_desc_t *d, ddb_shard_t **sh, size_t *n,
                             uint64_t *trim) {
    int rc = stream_arg(r, d);
    if (!rc) rc = ddb_stream_shards(r->srv->engine, d->id, r->arena, sh, n, trim, r->err);
    return rc;
}

static void put_shard_id(buf_t *b, const ddb_shard_t *s) {
    buf_printf(b, "shardId-%020" PRId64 "-%08x", s->created_ms, s->index);
}

/* Parses a shard id into its index; false if malformed. */
static bool parse_shard_id(const char *s, size_t len, uint32_t *index, int64_t *created) {
    if (len != 8 + 20 + 1 + 8 || memcmp(s, "shardId-", 8) != 0 || s[28] != '-') return false;
    char tmp[21];
    memcpy(tmp, s + 8, 20);
    tmp[20] = '\0';
    char *end;
    long long c = strtoll(tmp, &end, 10);
    if (*end) return false;
    char hx[9];
    memcpy(hx, s + 29, 8);
    hx[8] = '\0';
    unsigned long x = strtoul(hx, &end, 16);
    if (*end) return false;
    *index = (uint32_t)x;
    *created = c;
    return true;
}

static void put_seq(buf_t *b, uint64_t seq) {
    buf_printf(b, "\"%021" PRIu64 "\"", seq);
}

/* A sequence number as DynamoDB writes them (21 to 40 digits). */
static bool parse_seq(const char *s, size_t len, uint64_t *out) {
    if (len < 1 || len > 40) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        if (v > (UINT64_MAX - 9) / 10) return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

typedef struct iterator {
    ddb_stream_desc_t stream;
    uint32_t shard;
    uint64_t pos;
    int64_t issued_ms;
} iterator_t;

static void put_iterator(ddbd_req_t *r, buf_t *b, const ddb_stream_desc_t *d, uint32_t shard, uint64_t pos) {
    buf_t s;
    buf_init(&s);
    put_stream_arn(r, &s, d->table, d->table_len, d->created_ms);
    buf_printf(&s, "|%x|%" PRIu64 "|%" PRId64, shard, pos, ddb_now_ms());
    uint64_t h = XXH3_64bits_withSeed(s.data, s.len, ITERATOR_SEED);
    buf_printf(&s, "|%016" PRIx64, h);
    json_put_str(b, s.data, s.len);
    buf_free(&s);
}

static int parse_iterator(ddbd_req_t *r, const char *s, size_t len, iterator_t *it) {
    /* ARN|shard|pos|issued|check: split from the right */
    const char *bar[4];
    int nb = 0;
    for (size_t i = len; i-- > 0 && nb < 4;) {
        if (s[i] == '|') bar[nb++] = s + i;
    }
    if (nb < 4 || len > 2048) return ddb_error_set(r->err, DDB_ERR_VALIDATION, "Invalid ShardIterator");
    const char *check = bar[0] + 1;
    size_t signed_len = (size_t)(bar[0] - s);
    char hx[17];
    if (s + len - check != 16) return ddb_error_set(r->err, DDB_ERR_VALIDATION, "Invalid ShardIterator");
    memcpy(hx, check, 16);
    hx[16] = '\0';
    if (strtoull(hx, NULL, 16) != XXH3_64bits_withSeed(s, signed_len, ITERATOR_SEED)) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION, "Invalid ShardIterator");
    }
    /* the fields between the ARN and the checksum are ours (it matched) */
    char tmp[80];
    size_t l = (size_t)(bar[0] - bar[3] - 1);
    if (l >= sizeof tmp) return ddb_error_set(r->err, DDB_ERR_VALIDATION, "Invalid ShardIterator");
    memcpy(tmp, bar[3] + 1, l);
    tmp[l] = '\0';
    unsigned shard;
    if (sscanf(tmp, "%x|%" SCNu64 "|%" SCNd64, &shard, &it->pos, &it->issued_ms) != 3) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION, "Invalid ShardIterator");
    }
    it->shard = shard;
    int64_t now = ddb_now_ms();
    int64_t ttl = r->srv->iterator_ttl_ms ? r->srv->iterator_ttl_ms : ITERATOR_TTL_MS;
    if (now - it->issued_ms > ttl) {
        char a[32], b[32];
        ddbd_stream_label(a, it->issued_ms);
        ddbd_stream_label(b, now);
        return ddb_error_set(r->err, DDB_ERR_EXPIRED_ITERATOR,
                             "Iterator expired. The iterator was created at time %s while right now "
                             "it's %s. The iterator expires 15 minutes after creation.", a, b);
    }
    return find_stream(r, s, (size_t)(bar[3] - s), &it->stream);
}

/* ---- operations -------------------------------------------------------------------- */

int op_list_streams(ddbd_req_t *r) {
    const char *table, *start;
    size_t tl, sl;
    int64_t limit = 100;
    bool lp;
    int rc = p_str(r->in, "TableName", &table, &tl, r->err);
    if (!rc) rc = p_str(r->in, "ExclusiveStartStreamArn", &start, &sl, r->err);
    if (!rc) rc = p_int(r->in, "Limit", &limit, &lp, r->err);
    if (rc) return rc;
    vlist_t v;
    vlist_init(&v);
    if (table) vlist_table_name(&v, "tableName", table, tl);
    vlist_range(&v, "limit", lp, limit, 1, 100);
    rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    if (!lp) limit = 100;
    ddb_stream_desc_t *all;
    size_t n;
    rc = ddb_stream_list(r->srv->engine, r->arena, &all, &n, r->err);
    if (rc) return rc;
    size_t i = 0;
    if (start) {
        ddb_stream_desc_t s;
        rc = find_stream(r, start, sl, &s);
        if (rc) return rc;
        while (i < n && all[i].id != s.id) i++;
        i++;
    }
    buf_puts(r->out, "{\"Streams\":[");
    int64_t count = 0;
    const ddb_stream_desc_t *last = NULL;
    bool more = false;
    for (; i < n; i++) {
        if (table && (all[i].table_len != tl || memcmp(all[i].table, table, tl) != 0)) continue;
        if (count == limit) {
            more = true;
            break;
        }
        char label[32];
        ddbd_stream_label(label, all[i].created_ms);
        if (count++) buf_putc(r->out, ',');
        buf_puts(r->out, "{\"StreamArn\":\"");
        put_stream_arn(r, r->out, all[i].table, all[i].table_len, all[i].created_ms);
        buf_puts(r->out, "\",\"TableName\":");
        json_put_str(r->out, all[i].table, all[i].table_len);
        buf_printf(r->out, ",\"StreamLabel\":\"%s\"}", label);
        last = &all[i];
    }
    buf_putc(r->out, ']');
    if (more && last) {
        buf_puts(r->out, ",\"LastEvaluatedStreamArn\":\"");
        put_stream_arn(r, r->out, last->table, last->table_len, last->created_ms);
        buf_putc(r->out, '"');
    }
    buf_putc(r->out, '}');
    return 0;
}


int op_describe_stream(ddbd_req_t *r) {
    int64_t limit = 100;
    bool lp;
    const char *after;
    size_t afl;
    int rc = p_int(r->in, "Limit", &limit, &lp, r->err);
    if (!rc) rc = p_str(r->in, "ExclusiveStartShardId", &after, &afl, r->err);
    if (rc) return rc;
    vlist_t v;
    vlist_init(&v);
    vlist_range(&v, "limit", lp, limit, 1, 100);
    rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    if (!lp) limit = 100;
    ddb_stream_desc_t d;
    ddb_shard_t *sh;
    size_t n;
    uint64_t trim;
    rc = stream_shards_arg(r, &d, &sh, &n, &trim);
    if (rc) return rc;
    char label[32];
    ddbd_stream_label(label, d.created_ms);
    buf_t *b = r->out;
    buf_puts(b, "{\"StreamDescription\":{\"StreamArn\":\"");
    put_stream_arn(r, b, d.table, d.table_len, d.created_ms);
    buf_printf(b, "\",\"StreamLabel\":\"%s\",\"StreamStatus\":\"%s\",\"StreamViewType\":\"%s\"", label,
               d.enabled ? "ENABLED" : "DISABLED", ddbd_view_name(d.view));
    buf_printf(b, ",\"CreationRequestDateTime\":%s,\"TableName\":", meta_time_text(r->arena, d.created_ms));
    json_put_str(b, d.table, d.table_len);
    buf_puts(b, ",\"KeySchema\":");
    ddbd_put_key_schema(b, &d.key);
    buf_puts(b, ",\"Shards\":[");
    size_t i = 0;
    if (after) {
        uint32_t idx;
        int64_t created;
        if (parse_shard_id(after, afl, &idx, &created)) {
            while (i < n && sh[i].index <= idx) i++;
        }
    }
    int64_t count = 0;
    const ddb_shard_t *last = NULL;
    bool more = false;
    for (; i < n; i++) {
        if (count == limit) {
            more = true;
            break;
        }
        if (count++) buf_putc(b, ',');
        buf_puts(b, "{\"ShardId\":\"");
        put_shard_id(b, &sh[i]);
        buf_puts(b, "\",\"SequenceNumberRange\":{\"StartingSequenceNumber\":");
        put_seq(b, sh[i].start < trim ? trim : sh[i].start);
        if (sh[i].closed) {
            buf_puts(b, ",\"EndingSequenceNumber\":");
            put_seq(b, sh[i].end);
        }
        buf_putc(b, '}');
        if (sh[i].has_parent) {
            /* the parent's id needs its creation time: it is the shard before */
            const ddb_shard_t *p = NULL;
            for (size_t j = 0; j < n; j++) {
                if (sh[j].index == sh[i].parent) p = &sh[j];
            }
            if (p) {
                buf_puts(b, ",\"ParentShardId\":\"");
                put_shard_id(b, p);
                buf_putc(b, '"');
            }
        }
        buf_putc(b, '}');
        last = &sh[i];
    }
    buf_putc(b, ']');
    if (more && last) {
        buf_puts(b, ",\"LastEvaluatedShardId\":\"");
        put_shard_id(b, last);
        buf_putc(b, '"');
    }
    buf_puts(b, "}}");
    return 0;
}

int op_get_shard_iterator(ddbd_req_t *r) {
    const char *sid, *type, *seqs;
    size_t sidl, tl, sql;
    int rc = p_str(r->in, "ShardId", &sid, &sidl, r->err);
    if (!rc) rc = p_str(r->in, "ShardIteratorType", &type, &tl, r->err);
    if (!rc) rc = p_str(r->in, "SequenceNumber", &seqs, &sql, r->err);
    if (rc) return rc;
    vlist_t v;
    vlist_init(&v);
    if (!sid) {
        vlist_add(&v, "Value null at 'shardId' failed to satisfy constraint: Member must not be null");
    } else if (sidl < 28 || sidl > 65) {
        vlist_add(&v, "Value '%.*s' at 'shardId' failed to satisfy constraint: Member must have length %s",
                  (int)(sidl > 100 ? 100 : sidl), sid,
                  sidl < 28 ? "greater than or equal to 28" : "less than or equal to 65");
    }
    if (!type) {
        vlist_add(&v, "Value null at 'shardIteratorType' failed to satisfy constraint: Member must not be null");
    }
    if (seqs && (sql < 21 || sql > 40)) {
        vlist_add(&v, "Value '%.*s' at 'sequenceNumber' failed to satisfy constraint: Member must have length %s",
                  (int)(sql > 100 ? 100 : sql), seqs,
                  sql < 21 ? "greater than or equal to 21" : "less than or equal to 40");
    }
    rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    enum { TRIM_HORIZON, LATEST, AT_SEQ, AFTER_SEQ, BAD } kind = BAD;
    static const char *const kinds[] = {"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"};
    for (int k = 0; k < 4; k++) {
        if (strlen(kinds[k]) == tl && memcmp(kinds[k], type, tl) == 0) kind = k;
    }
    if (kind == BAD) return ddb_error_set(r->err, DDB_ERR_VALIDATION, "Invalid ShardIteratorType.");
    bool needs_seq = kind == AT_SEQ || kind == AFTER_SEQ;
    if (needs_seq && !seqs) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Invalid SequenceNumber");
    }
    if (!needs_seq && seqs) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: SequenceNumber should not be "
                             "passed for this iterator type");
    }
    ddb_stream_desc_t d;
    ddb_shard_t *sh;
    size_t n;
    uint64_t trim;
    rc = stream_shards_arg(r, &d, &sh, &n, &trim);
    if (rc) return rc;
    uint32_t idx;
    int64_t created;
    const ddb_shard_t *s = NULL;
    if (parse_shard_id(sid, sidl, &idx, &created)) {
        for (size_t i = 0; i < n; i++) {
            if (sh[i].index == idx && sh[i].created_ms == created) s = &sh[i];
        }
    }
    if (!s) {
        return ddb_error_set(r->err, DDB_ERR_RESOURCE_NOT_FOUND,
                             "Requested resource not found: Shard does not exist");
    }
    uint64_t pos = 0;
    if (kind == TRIM_HORIZON) {
        pos = s->start < trim ? trim : s->start;
    } else if (kind == LATEST) {
        pos = s->closed ? s->end + 1 : ddb_stream_latest(r->srv->engine);
    } else {
        uint64_t seq;
        if (!parse_seq(seqs, sql, &seq)) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "One or more parameter values were invalid: Invalid SequenceNumber");
        }
        if (seq < s->start || (s->closed && seq > s->end)) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION, "Invalid SequenceNumber for the shard");
        }
        if (seq < trim) {
            return ddb_error_set(r->err, DDB_ERR_TRIMMED_DATA,
                                 "The requested sequence number %.*s has been trimmed.", (int)sql, seqs);
        }
        pos = kind == AT_SEQ ? seq : seq + 1;
    }
    buf_puts(r->out, "{\"ShardIterator\":");
    put_iterator(r, r->out, &d, s->index, pos);
    buf_putc(r->out, '}');
    return 0;
}

static const char *const event_names[] = {NULL, "INSERT", "MODIFY", "REMOVE"};

/* A record's eventID: 32 hex digits, the same each time the record is read. */
static void put_event_id(buf_t *b, uint32_t stream, uint64_t seq) {
    uint8_t k[12];
    for (int i = 0; i < 4; i++) k[i] = (uint8_t)(stream >> (8 * i));
    for (int i = 0; i < 8; i++) k[4 + i] = (uint8_t)(seq >> (8 * i));
    XXH128_hash_t h = XXH3_128bits(k, sizeof k);
    buf_printf(b, "\"%016" PRIx64 "%016" PRIx64 "\"", h.high64, h.low64);
}

int op_get_records(ddbd_req_t *r) {
    const char *its;
    size_t itl;
    int64_t limit = 1000;
    bool lp;
    int rc = p_str(r->in, "ShardIterator", &its, &itl, r->err);
    if (!rc) rc = p_int(r->in, "Limit", &limit, &lp, r->err);
    if (rc) return rc;
    vlist_t v;
    vlist_init(&v);
    vlist_range(&v, "limit", lp, limit, 1, INT64_MAX);
    rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    if (lp && limit > 1000) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Limit should be less than or "
                             "equal to 1000");
    }
    if (!lp) limit = 1000;
    if (!its) return ddb_error_set(r->err, DDB_ERR_VALIDATION, "Invalid ShardIterator");
    iterator_t it;
    rc = parse_iterator(r, its, itl, &it);
    if (rc) return rc;
    ddb_stream_record_t *recs;
    size_t n;
    uint64_t next;
    bool done;
    rc = ddb_stream_read(r->srv->engine, it.stream.id, it.shard, it.pos, (size_t)limit,
                         GET_RECORDS_MAX_BYTES, r->arena, &recs, &n, &next, &done, r->err);
    if (rc) return rc;
    buf_t *b = r->out;
    const char *view = ddbd_view_name(it.stream.view);
    buf_puts(b, "{\"Records\":[");
    for (size_t i = 0; i < n; i++) {
        const ddb_stream_record_t *x = &recs[i];
        if (i) buf_putc(b, ',');
        buf_puts(b, "{\"eventID\":");
        put_event_id(b, it.stream.id, x->seq);
        buf_printf(b, ",\"eventName\":\"%s\",\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\","
                      "\"awsRegion\":",
                   event_names[x->event >= DDB_EV_INSERT && x->event <= DDB_EV_REMOVE ? x->event : 1]);
        json_put_str(b, r->region, strlen(r->region));
        buf_printf(b, ",\"dynamodb\":{\"ApproximateCreationDateTime\":%" PRId64 ",\"Keys\":", x->time_ms / 1000);
        json_put_item(b, x->keys);
        if (x->new_image) {
            buf_puts(b, ",\"NewImage\":");
            json_put_item(b, x->new_image);
        }
        if (x->old_image) {
            buf_puts(b, ",\"OldImage\":");
            json_put_item(b, x->old_image);
        }
        buf_puts(b, ",\"SequenceNumber\":");
        put_seq(b, x->seq);
        buf_printf(b, ",\"SizeBytes\":%zu,\"StreamViewType\":\"%s\"}", x->size, view);
        if (x->by_ttl) {
            buf_puts(b, ",\"userIdentity\":{\"PrincipalId\":\"dynamodb.amazonaws.com\",\"Type\":\"Service\"}");
        }
        buf_putc(b, '}');
    }
    buf_putc(b, ']');
    if (!done) {
        buf_puts(b, ",\"NextShardIterator\":");
        put_iterator(r, b, &it.stream, it.shard, next);
    }
    buf_putc(b, '}');
    return 0;
}
