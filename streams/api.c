/* api.c: the Streams API operations (see api.h). Stream ARNs, shard ids,
 * sequence numbers and records are written by streams/wire.c and
 * streams/record.c, iterators by streams/iterator.c; this file checks the
 * arguments, pages, and asks the engine. Messages follow DynamoDB Local
 * where it was asked; keep them byte for byte. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "query/arn.h"
#include "query/json.h"
#include "query/params.h"
#include "streams/api.h"
#include "streams/iterator.h"
#include "streams/record.h"
#include "streams/wire.h"

#define SAPI_ITERATOR_TTL_MS       (15 * 60 * 1000)
#define SAPI_GET_RECORDS_MAX_BYTES (1 << 20)

/* The wire enums are the engine's, number for number. */
_Static_assert((int)SW_VIEW_KEYS_ONLY == (int)DDB_VIEW_KEYS_ONLY &&
                   (int)SW_VIEW_NEW_AND_OLD_IMAGES == (int)DDB_VIEW_NEW_AND_OLD_IMAGES,
               "sw_view_t and ddb_stream_view_t differ");
_Static_assert((int)SW_EV_INSERT == (int)DDB_EV_INSERT && (int)SW_EV_REMOVE == (int)DDB_EV_REMOVE,
               "sw_event_t and ddb_event_t differ");

static void sapi__put_arn(const sapi_ctx_t *c, buf_t *b, const ddb_stream_desc_t *d) {
    sw_put_stream_arn(b, c->region, c->account, d->table, d->table_len, d->created_ms);
}

/* ---- resolving ARNs and arguments ------------------------------------------------ */

/* Whether stored table name q is in the request's namespace; *plain, *pl:
 * its plain name. */
static bool sapi__in_ns(const sapi_ctx_t *c, const char *q, size_t ql, const char **plain,
                        size_t *pl) {
    const char *rg;
    size_t rl;
    ddb_qname_split(q, ql, &rg, &rl, plain, pl);
    size_t nl = c->ns ? strlen(c->ns) : 0;
    return rl == nl && (!nl || memcmp(rg, c->ns, nl) == 0);
}

int sapi_find_stream(const sapi_ctx_t *c, const char *arn, size_t len, ddb_stream_desc_t *out) {
    ddb_stream_desc_t *all;
    size_t n;
    int rc = ddb_stream_list(c->engine, c->arena, &all, &n, c->err);
    if (rc) return rc;
    /* what follows the first ":table/" names the stream, whatever partition,
     * service, region and account come before it: ddbd has always looked
     * streams up so */
    const char *tp = NULL;
    for (size_t i = 0; i + 7 <= len; i++) {
        if (memcmp(arn + i, ":table/", 7) == 0) {
            tp = arn + i + 1;
            break;
        }
    }
    ddb_arn_t a, whole;
    /* the ARN's region names the region whose stream it is */
    bool here = c->shared_regions ||
                (ddb_arn_parse(arn, len, &whole) && whole.region_len == strlen(c->region) &&
                 memcmp(whole.region, c->region, whole.region_len) == 0);
    if (here && tp && strncmp(arn, "arn:", 4) == 0 &&
        ddb_arn_parse_resource(tp, (size_t)(arn + len - tp), &a) && a.kind == DDB_ARN_STREAM) {
        for (size_t i = 0; i < n; i++) {
            char label[SW_LABEL_SIZE];
            sw_stream_label(label, all[i].created_ms);
            const char *pn;
            size_t pnl;
            if (sapi__in_ns(c, all[i].table, all[i].table_len, &pn, &pnl) && a.table_len == pnl &&
                memcmp(a.table, pn, pnl) == 0 && a.sub_len == strlen(label) &&
                memcmp(a.sub, label, a.sub_len) == 0) {
                *out = all[i];
                return 0;
            }
        }
    }
    return ddb_error_set(c->err, DDB_ERR_RESOURCE_NOT_FOUND,
                         "Requested resource not found: Stream: %.*s not found",
                         (int)(len > 300 ? 300 : len), arn);
}

static int sapi__stream_arg(const sapi_ctx_t *c, const cJSON *in, ddb_stream_desc_t *d) {
    const char *arn;
    size_t al;
    int rc = p_str(in, "StreamArn", &arn, &al, c->err);
    if (rc) return rc;
    if (!arn) return ddb_error_set(c->err, DDB_ERR_VALIDATION, "Invalid StreamArn");
    rc = p_error_len(c->err, arn, p_cut(al, 300), al, 37, 1024, "streamArn");
    if (rc) return rc;
    return sapi_find_stream(c, arn, al, d);
}

/* The stream StreamArn names, with its shards and trim point. */
static int sapi__stream_shards_arg(const sapi_ctx_t *c, const cJSON *in, ddb_stream_desc_t *d,
                                   ddb_shard_t **sh, size_t *n, uint64_t *trim) {
    int rc = sapi__stream_arg(c, in, d);
    if (!rc) rc = ddb_stream_shards(c->engine, d->id, c->arena, sh, n, trim, c->err);
    return rc;
}

/* ---- ListStreams --------------------------------------------------------------------- */

int sapi_list_streams(const sapi_ctx_t *c, const cJSON *in, buf_t *out) {
    const char *table, *start;
    size_t tl, sl;
    int64_t limit = 100;
    bool lp;
    int rc = p_str(in, "TableName", &table, &tl, c->err);
    if (!rc) rc = p_str(in, "ExclusiveStartStreamArn", &start, &sl, c->err);
    if (!rc) rc = p_int(in, "Limit", &limit, &lp, c->err);
    if (rc) return rc;
    vlist_t v;
    vlist_init(&v);
    if (table) vlist_table_name(&v, "tableName", table, tl);
    vlist_range(&v, "limit", lp, limit, 1, 100);
    rc = vlist_finish(&v, c->err);
    if (rc) return rc;
    if (!lp) limit = 100;
    ddb_stream_desc_t *all;
    size_t n;
    rc = ddb_stream_list(c->engine, c->arena, &all, &n, c->err);
    if (rc) return rc;
    size_t i = 0;
    if (start) {
        ddb_stream_desc_t s;
        rc = sapi_find_stream(c, start, sl, &s);
        if (rc) return rc;
        while (i < n && all[i].id != s.id)
            i++;
        i++;
    }
    buf_puts(out, "{\"Streams\":[");
    int64_t count = 0;
    const ddb_stream_desc_t *last = NULL;
    bool more = false;
    for (; i < n; i++) {
        const char *pn;
        size_t pnl;
        if (!sapi__in_ns(c, all[i].table, all[i].table_len, &pn, &pnl)) continue;
        if (table && (pnl != tl || memcmp(pn, table, tl) != 0)) continue;
        if (count == limit) {
            more = true;
            break;
        }
        char label[SW_LABEL_SIZE];
        sw_stream_label(label, all[i].created_ms);
        if (count++) buf_putc(out, ',');
        buf_puts(out, "{\"StreamArn\":\"");
        sapi__put_arn(c, out, &all[i]);
        buf_puts(out, "\",\"TableName\":");
        json_put_str(out, pn, pnl);
        buf_printf(out, ",\"StreamLabel\":\"%s\"}", label);
        last = &all[i];
    }
    buf_putc(out, ']');
    if (more && last) {
        buf_puts(out, ",\"LastEvaluatedStreamArn\":\"");
        sapi__put_arn(c, out, last);
        buf_putc(out, '"');
    }
    buf_putc(out, '}');
    return 0;
}

/* ---- DescribeStream ------------------------------------------------------------------ */

static void sapi__put_shard_id(buf_t *b, const ddb_shard_t *s) {
    char id[SW_SHARD_ID_LEN + 1];
    sw_shard_id(id, s->created_ms, s->index);
    buf_put(b, id, SW_SHARD_ID_LEN);
}

static void sapi__put_shard(buf_t *b, const ddb_shard_t *sh, size_t n, size_t i, uint64_t trim) {
    buf_puts(b, "{\"ShardId\":\"");
    sapi__put_shard_id(b, &sh[i]);
    buf_puts(b, "\",\"SequenceNumberRange\":{\"StartingSequenceNumber\":");
    sw_put_seq(b, sh[i].start < trim ? trim : sh[i].start);
    if (sh[i].closed) {
        buf_puts(b, ",\"EndingSequenceNumber\":");
        sw_put_seq(b, sh[i].end);
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
            sapi__put_shard_id(b, p);
            buf_putc(b, '"');
        }
    }
    buf_putc(b, '}');
}

/* ShardFilter {"Type": "CHILD_SHARDS", "ShardId": parent}: its members'
 * constraints join Limit's in one message, as DynamoDB's model checks do. */
typedef struct sapi_filter {
    const char *type, *sid;
    size_t tl, sl;
} sapi_filter_t;

static int sapi__describe_args(const sapi_ctx_t *c, const cJSON *in, int64_t *limit,
                               const char **after, size_t *afl, sapi_filter_t *f) {
    bool lp;
    const cJSON *filter;
    *f = (sapi_filter_t){0};
    int rc = p_int(in, "Limit", limit, &lp, c->err);
    if (!rc) rc = p_str(in, "ExclusiveStartShardId", after, afl, c->err);
    if (!rc) rc = p_obj(in, "ShardFilter", &filter, c->err);
    if (!rc && filter) rc = p_str(filter, "Type", &f->type, &f->tl, c->err);
    if (!rc && filter) rc = p_str(filter, "ShardId", &f->sid, &f->sl, c->err);
    if (rc) return rc;
    vlist_t v;
    vlist_init(&v);
    vlist_range(&v, "limit", lp, *limit, 1, 100);
    if (f->type && !(f->tl == 12 && memcmp(f->type, "CHILD_SHARDS", 12) == 0)) {
        vlist_enum(&v, f->type, p_cut(f->tl, 100), "CHILD_SHARDS", "shardFilter.type");
    }
    if (f->sid) vlist_len(&v, f->sid, p_cut(f->sl, 100), f->sl, 28, 65, "shardFilter.shardId");
    rc = vlist_finish(&v, c->err);
    if (rc) return rc;
    if (!lp) *limit = 100;
    return 0;
}

/* Whether shard i passes the filter: with CHILD_SHARDS and a ShardId, only
 * the children of that shard do (none when it names no shard). */
static bool sapi__passes(const sapi_filter_t *f, const ddb_shard_t *sh, size_t n, size_t i) {
    if (!f->type || !f->sid) return true;
    uint32_t idx;
    int64_t created;
    if (!sw_shard_id_parse(f->sid, f->sl, &created, &idx)) return false;
    for (size_t j = 0; j < n; j++) {
        if (sh[j].index == idx && sh[j].created_ms == created) {
            return sh[i].has_parent && sh[i].parent == idx;
        }
    }
    return false;
}

int sapi_describe_stream(const sapi_ctx_t *c, const cJSON *in, buf_t *b) {
    int64_t limit = 100;
    const char *after;
    size_t afl;
    sapi_filter_t filter;
    int rc = sapi__describe_args(c, in, &limit, &after, &afl, &filter);
    if (rc) return rc;
    ddb_stream_desc_t d;
    ddb_shard_t *sh;
    size_t n;
    uint64_t trim;
    rc = sapi__stream_shards_arg(c, in, &d, &sh, &n, &trim);
    if (rc) return rc;
    char label[SW_LABEL_SIZE];
    sw_stream_label(label, d.created_ms);
    buf_puts(b, "{\"StreamDescription\":{\"StreamArn\":\"");
    sapi__put_arn(c, b, &d);
    buf_printf(b, "\",\"StreamLabel\":\"%s\",\"StreamStatus\":\"%s\",\"StreamViewType\":\"%s\"",
               label, d.enabled ? "ENABLED" : "DISABLED", sw_view_name((sw_view_t)d.view));
    buf_puts(b, ",\"CreationRequestDateTime\":");
    char created[JSON_EPOCH_MAX];
    buf_put(b, created, json_epoch_text(created, d.created_ms));
    buf_puts(b, ",\"TableName\":");
    size_t pnl;
    const char *pn = ddb_qname_plain(d.table, d.table_len, &pnl);
    json_put_str(b, pn, pnl);
    buf_puts(b, ",\"KeySchema\":");
    bool range = d.key.range_type != DDB_T_NONE;
    json_put_key_schema(b, d.key.hash_name, d.key.hash_len, range ? d.key.range_name : NULL,
                        range ? d.key.range_len : 0);
    buf_puts(b, ",\"Shards\":[");
    size_t i = 0;
    if (after) {
        uint32_t idx;
        int64_t created;
        if (sw_shard_id_parse(after, afl, &created, &idx)) {
            while (i < n && sh[i].index <= idx)
                i++;
        }
    }
    int64_t count = 0;
    const ddb_shard_t *last = NULL;
    bool more = false;
    for (; i < n; i++) {
        if (!sapi__passes(&filter, sh, n, i)) continue;
        if (count == limit) {
            more = true;
            break;
        }
        if (count++) buf_putc(b, ',');
        sapi__put_shard(b, sh, n, i, trim);
        last = &sh[i];
    }
    buf_putc(b, ']');
    if (more && last) {
        buf_puts(b, ",\"LastEvaluatedShardId\":\"");
        sapi__put_shard_id(b, last);
        buf_putc(b, '"');
    }
    buf_puts(b, "}}");
    return 0;
}

/* ---- GetShardIterator ---------------------------------------------------------------- */

typedef enum sapi_iter_kind {
    SAPI_TRIM_HORIZON,
    SAPI_LATEST,
    SAPI_AT_SEQ,
    SAPI_AFTER_SEQ,
    SAPI_BAD
} sapi_iter_kind_t;

/* The member checks GetShardIterator reports together, as DynamoDB does. */
static int sapi__check_iterator_args(const sapi_ctx_t *c, const char *sid, size_t sidl,
                                     const char *type, const char *seqs, size_t sql) {
    vlist_t v;
    vlist_init(&v);
    if (!sid)
        vlist_not_null(&v, "shardId");
    else
        vlist_len(&v, sid, p_cut(sidl, 100), sidl, 28, 65, "shardId");
    if (!type) vlist_not_null(&v, "shardIteratorType");
    if (seqs) vlist_len(&v, seqs, p_cut(sql, 100), sql, 21, 40, "sequenceNumber");
    return vlist_finish(&v, c->err);
}

static sapi_iter_kind_t sapi__iter_kind(const char *type, size_t tl) {
    static const char *const kinds[] = {"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER",
                                        "AFTER_SEQUENCE_NUMBER"};
    for (int k = 0; k < 4; k++) {
        if (strlen(kinds[k]) == tl && memcmp(kinds[k], type, tl) == 0) return (sapi_iter_kind_t)k;
    }
    return SAPI_BAD;
}

/* The shard a shard id names among sh[0..n); NULL when none. */
static const ddb_shard_t *sapi__find_shard(const ddb_shard_t *sh, size_t n, const char *sid,
                                           size_t sidl) {
    uint32_t idx;
    int64_t created;
    const ddb_shard_t *s = NULL;
    if (sw_shard_id_parse(sid, sidl, &created, &idx)) {
        for (size_t i = 0; i < n; i++) {
            if (sh[i].index == idx && sh[i].created_ms == created) s = &sh[i];
        }
    }
    return s;
}

/* The position an AT_/AFTER_SEQUENCE_NUMBER iterator starts at in shard s. */
static int sapi__seq_position(const sapi_ctx_t *c, const ddb_shard_t *s, uint64_t trim,
                              sapi_iter_kind_t kind, const char *seqs, size_t sql, uint64_t *pos) {
    uint64_t seq;
    if (!sw_seq_parse(seqs, sql, &seq)) {
        return ddb_error_set(c->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Invalid SequenceNumber");
    }
    if (seq < s->start || (s->closed && seq > s->end)) {
        return ddb_error_set(c->err, DDB_ERR_VALIDATION, "Invalid SequenceNumber for the shard");
    }
    if (seq < trim) {
        return ddb_error_set(c->err, DDB_ERR_TRIMMED_DATA,
                             "The requested sequence number %.*s has been trimmed.", (int)sql,
                             seqs);
    }
    *pos = kind == SAPI_AT_SEQ ? seq : seq + 1;
    return 0;
}

_Static_assert(SAPI_ITERATOR_KEY_LEN == DDB_SECRET_LEN, "iterators are keyed by the secret");

/* Writes a new iterator for shard `shard` of stream d at pos, signed with
 * the data directory's secret. */
static int sapi__put_iterator(const sapi_ctx_t *c, buf_t *b, const ddb_stream_desc_t *d,
                              uint32_t shard, uint64_t pos) {
    uint8_t key[DDB_SECRET_LEN];
    int rc = ddb_secret(c->engine, key, c->err);
    if (rc) return rc;
    buf_t arn;
    buf_init(&arn);
    sapi__put_arn(c, &arn, d);
    sapi_iterator_put(b, key, arn.data, arn.len, shard, pos, ddb_now_ms());
    buf_free(&arn);
    return 0;
}

int sapi_get_shard_iterator(const sapi_ctx_t *c, const cJSON *in, buf_t *out) {
    const char *sid, *type, *seqs;
    size_t sidl, tl, sql;
    int rc = p_str(in, "ShardId", &sid, &sidl, c->err);
    if (!rc) rc = p_str(in, "ShardIteratorType", &type, &tl, c->err);
    if (!rc) rc = p_str(in, "SequenceNumber", &seqs, &sql, c->err);
    if (!rc) rc = sapi__check_iterator_args(c, sid, sidl, type, seqs, sql);
    if (rc) return rc;
    sapi_iter_kind_t kind = sapi__iter_kind(type, tl);
    if (kind == SAPI_BAD) {
        return ddb_error_set(c->err, DDB_ERR_VALIDATION, "Invalid ShardIteratorType.");
    }
    bool needs_seq = kind == SAPI_AT_SEQ || kind == SAPI_AFTER_SEQ;
    if (needs_seq && !seqs) {
        return ddb_error_set(c->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Invalid SequenceNumber");
    }
    if (!needs_seq && seqs) {
        return ddb_error_set(c->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: SequenceNumber should "
                             "not be passed for this iterator type");
    }
    ddb_stream_desc_t d;
    ddb_shard_t *sh;
    size_t n;
    uint64_t trim;
    rc = sapi__stream_shards_arg(c, in, &d, &sh, &n, &trim);
    if (rc) return rc;
    const ddb_shard_t *s = sapi__find_shard(sh, n, sid, sidl);
    if (!s) {
        return ddb_error_set(c->err, DDB_ERR_RESOURCE_NOT_FOUND,
                             "Requested resource not found: Shard does not exist");
    }
    uint64_t pos = 0;
    if (kind == SAPI_TRIM_HORIZON) {
        pos = s->start < trim ? trim : s->start;
    } else if (kind == SAPI_LATEST) {
        pos = s->closed ? s->end + 1 : ddb_stream_latest(c->engine);
    } else {
        rc = sapi__seq_position(c, s, trim, kind, seqs, sql, &pos);
        if (rc) return rc;
    }
    buf_puts(out, "{\"ShardIterator\":");
    rc = sapi__put_iterator(c, out, &d, s->index, pos);
    if (rc) return rc;
    buf_putc(out, '}');
    return 0;
}

/* ---- GetRecords ---------------------------------------------------------------------- */

/* Reads and checks ShardIterator: well formed, not expired, its stream still there. */
static int sapi__iterator_arg(const sapi_ctx_t *c, const char *its, size_t itl, sapi_iterator_t *it,
                              ddb_stream_desc_t *d) {
    if (!its) return ddb_error_set(c->err, DDB_ERR_VALIDATION, "Invalid ShardIterator");
    uint8_t key[DDB_SECRET_LEN];
    int rc = ddb_secret(c->engine, key, c->err);
    if (rc) return rc;
    /* forged, altered, or signed under another data directory's secret:
     * all look alike to the client, as a malformed one does */
    int64_t now = ddb_now_ms();
    if (!sapi_iterator_parse(its, itl, key, now, it)) {
        return ddb_error_set(c->err, DDB_ERR_VALIDATION, "Invalid ShardIterator");
    }
    int64_t ttl = c->iterator_ttl_ms ? c->iterator_ttl_ms : SAPI_ITERATOR_TTL_MS;
    if (now - it->issued_ms > ttl) {
        char a[SW_LABEL_SIZE], b[SW_LABEL_SIZE];
        sw_stream_label(a, it->issued_ms);
        sw_stream_label(b, now);
        return ddb_error_set(c->err, DDB_ERR_EXPIRED_ITERATOR,
                             "Iterator expired. The iterator was created at time %s while right "
                             "now it's %s. The iterator expires 15 minutes after creation.",
                             a, b);
    }
    return sapi_find_stream(c, it->arn, it->arn_len, d);
}

/* The wire record of an engine record of stream d. */
static void sapi__wire_record(const sapi_ctx_t *c, const ddb_stream_desc_t *d,
                              const ddb_stream_record_t *x, sw_record_t *w) {
    memset(w, 0, sizeof *w);
    sw_event_id(w->event_id, d->id, x->seq);
    w->event = (sw_event_t)x->event;
    w->region = c->region;
    w->region_len = strlen(c->region);
    w->time_s = x->time_ms / 1000;
    w->keys = x->keys;
    w->new_image = x->new_image;
    w->old_image = x->old_image;
    w->seq = x->seq;
    w->size = x->size;
    w->view = (sw_view_t)d->view;
    w->by_ttl = x->by_ttl;
}

int sapi_get_records(const sapi_ctx_t *c, const cJSON *in, buf_t *b) {
    const char *its;
    size_t itl;
    int64_t limit = 1000;
    bool lp;
    int rc = p_str(in, "ShardIterator", &its, &itl, c->err);
    if (!rc) rc = p_int(in, "Limit", &limit, &lp, c->err);
    if (rc) return rc;
    rc = p_error_range(c->err, "limit", lp, limit, 1, INT64_MAX);
    if (rc) return rc;
    if (lp && limit > 1000) {
        return ddb_error_set(c->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: Limit should be less "
                             "than or equal to 1000");
    }
    if (!lp) limit = 1000;
    sapi_iterator_t it;
    ddb_stream_desc_t d;
    rc = sapi__iterator_arg(c, its, itl, &it, &d);
    if (rc) return rc;
    ddb_stream_record_t *recs;
    size_t n;
    uint64_t next;
    bool done;
    rc = ddb_stream_read(c->engine, d.id, it.shard, it.pos, (size_t)limit,
                         SAPI_GET_RECORDS_MAX_BYTES, c->arena, &recs, &n, &next, &done, c->err);
    if (rc) return rc;
    buf_puts(b, "{\"Records\":[");
    for (size_t i = 0; i < n; i++) {
        sw_record_t w;
        sapi__wire_record(c, &d, &recs[i], &w);
        if (i) buf_putc(b, ',');
        sw_record_put(b, &w, SW_FORM_STREAMS);
    }
    buf_putc(b, ']');
    if (!done) {
        buf_puts(b, ",\"NextShardIterator\":");
        rc = sapi__put_iterator(c, b, &d, it.shard, next);
        if (rc) return rc;
    }
    buf_putc(b, '}');
    return 0;
}
