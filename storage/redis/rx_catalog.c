/* rx_catalog.c: tables on the cluster: their records in one hash of the
 * catalog's slot (name -> the table record of storage/tablerec.c), ids from
 * the catalog's counter (never reused, so a deleted table's buckets may be
 * dropped after its record), changes of a record by compare-and-set, and the
 * statistics summed over a table's (and each index's) buckets. Indexes
 * are rx_index.c's, TTL rx_ttl.c's, streams rx_feed.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "query/arn.h"
#include "storage/redis/rx_int.h"
#include "storage/tablerec.h"

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The record of table name: *rec the reply string (NULL: no such table). */
static int get_record(rx_engine_t *e, const char *name, size_t len, redisReply **rec,
                      ddb_error_t *err) {
    const char *argv[] = {"HGET", RX_CAT_TABLES, name};
    size_t lens[] = {4, strlen(RX_CAT_TABLES), len};
    int rc = rx__cat(e, false, 3, argv, lens, rec, err);
    if (!rc && (*rec)->type != REDIS_REPLY_STRING) {
        freeReplyObject(*rec);
        *rec = NULL;
    }
    return rc;
}

static int not_found(ddb_error_t *err, const char *name, size_t len) {
    size_t pl;
    const char *plain = ddb_qname_plain(name, len, &pl);
    return ddb_error_set(err, DDB_ERR_RESOURCE_NOT_FOUND,
                         "Requested resource not found: Table: %.*s not found", (int)pl, plain);
}

/* The tables of name's region (its qualifier, query/arn.h) at the quota? */
static int at_limit(rx_engine_t *e, const char *name, size_t len, bool *full, ddb_error_t *err) {
    *full = false;
    if (!e->max_tables) return 0;
    const char *argv[] = {"HKEYS", RX_CAT_TABLES};
    redisReply *r;
    int rc = rx__cat(e, false, 2, argv, NULL, &r, err);
    if (rc) return rc;
    const char *reg, *plain;
    size_t rl, pl;
    bool q = ddb_qname_split(name, len, &reg, &rl, &plain, &pl);
    size_t n = 0;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const char *reg2, *plain2;
        size_t rl2, pl2;
        bool q2 =
            ddb_qname_split(r->element[i]->str, r->element[i]->len, &reg2, &rl2, &plain2, &pl2);
        if (q == q2 && (!q || (rl == rl2 && !memcmp(reg, reg2, rl)))) n++;
    }
    freeReplyObject(r);
    *full = n >= e->max_tables;
    return 0;
}

int rx_table_create(rx_engine_t *e, ddb_table_info_t *info, ddb_error_t *err) {
    return rx__table_create(e, info, NULL, err);
}

int rx__table_create(rx_engine_t *e, ddb_table_info_t *info, const char *restore_of,
                     ddb_error_t *err) {
    bool with_stream = info->stream.enabled && !restore_of;
    if (with_stream && !e->stream_lanes)
        return rx__unsupported(err, "DynamoDB Streams on a cluster of more than 64 buckets");
    ddb_stream_view_t view = info->stream.view;
    bool full;
    int rc = at_limit(e, info->name, info->name_len, &full, err);
    if (rc) return rc;
    if (full)
        return ddb_error_set(
            err, DDB_ERR_LIMIT_EXCEEDED,
            "Subscriber limit exceeded: There is a limit of %u tables per subscriber",
            e->max_tables);
    /* ids for the table and each of its indexes */
    char count[16];
    snprintf(count, sizeof count, "%zu", 1 + info->nindexes + with_stream);
    const char *incr[] = {"INCRBY", RX_CAT_IDS, count};
    redisReply *r;
    rc = rx__cat(e, true, 3, incr, NULL, &r, err);
    if (rc) return rc;
    uint32_t last = r->type == REDIS_REPLY_INTEGER ? (uint32_t)r->integer : 0;
    freeReplyObject(r);
    info->id = last ? last - (uint32_t)info->nindexes - with_stream : 0;
    for (size_t i = 0; i < info->nindexes; i++) {
        info->indexes[i].id = info->id + 1 + (uint32_t)i;
        info->indexes[i].backfilling = false;
    }
    if (!info->id)
        return ddb_error_set(err, DDB_ERR_INTERNAL, "the catalog's id counter is not a number");
    info->restoring = restore_of != NULL;
    memset(&info->pitr, 0, sizeof info->pitr);
    memset(&info->stream, 0, sizeof info->stream);
    int64_t now = ddb_now_ms();
    if (with_stream)
        info->stream =
            (ddb_stream_ref_t){.id = last, .enabled = true, .view = view, .created_ms = now};
    /* the record, and its stream's descriptor or its restore's state, in one step */
    bytes_t rec = {0}, extra = {0};
    ddb__encode_table(&rec, info);
    char field[16];
    snprintf(field, sizeof field, "%u", with_stream ? info->stream.id : info->id);
    const char *hash2 = NULL;
    if (with_stream) {
        rx__stream_desc(&extra, e, info, view, now);
        hash2 = RX_CAT_STREAMS;
    } else if (restore_of) {
        bytes_put(&extra, restore_of, strlen(restore_of));
        hash2 = RX_CAT_RESTORES;
    }
    const char *set[] = {"FCALL", "ddb_cas", "1",  RX_CAT_TABLES, NULL,
                         NULL,    NULL,      NULL, NULL,          NULL};
    size_t lens[10] = {5, 7, 1, strlen(RX_CAT_TABLES)};
    int argc = 4;
    if (hash2) {
        set[2] = "2";
        set[argc] = hash2, lens[argc++] = strlen(hash2);
    }
    set[argc] = info->name, lens[argc++] = info->name_len;
    set[argc] = "", lens[argc++] = 0;
    set[argc] = (const char *)rec.p, lens[argc++] = rec.len;
    if (hash2) {
        set[argc] = field, lens[argc++] = strlen(field);
        set[argc] = (const char *)extra.p, lens[argc++] = extra.len;
    }
    rc = rx__cat(e, true, argc, set, lens, &r, err);
    bytes_free(&rec);
    bytes_free(&extra);
    if (rc) return rc;
    bool created = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    if (!created)
        return ddb_error_set(err, DDB_ERR_RESOURCE_IN_USE, "Table already exists: %.*s",
                             (int)info->name_len, info->name);
    return 0;
}

int rx_table_get(rx_engine_t *e, const char *name, size_t len, ddb_arena_t *a,
                 ddb_table_info_t *out, ddb_error_t *err) {
    redisReply *rec;
    int rc = get_record(e, name, len, &rec, err);
    if (rc) return rc;
    if (!rec) return not_found(err, name, len);
    memset(out, 0, sizeof *out);
    out->name = ddb_arena_strndup(a, name, len);
    out->name_len = len;
    /* decoded strings may point into the record: keep a copy in the arena */
    uint8_t *copy = ddb_arena_alloc(a, rec->len ? rec->len : 1);
    memcpy(copy, rec->str, rec->len);
    rc = ddb__decode_table(copy, rec->len, a, out, err);
    freeReplyObject(rec);
    if (!rc) rc = rx__stats(e, 0, out->id, &out->item_count, &out->size_bytes, err);
    for (size_t i = 0; !rc && i < out->nindexes; i++)
        if (!out->indexes[i].ttl)
            rc = rx__stats(e, rx__owner(out, &out->indexes[i]), out->indexes[i].id,
                           &out->indexes[i].item_count, &out->indexes[i].size_bytes, err);
    return rc;
}

int rx__change_record(rx_engine_t *e, const char *name, size_t len, rx_change_fn change,
                      const void *ctx, ddb_error_t *err) {
    for (int attempt = 0; attempt < RX_RETRIES; attempt++) {
        redisReply *rec;
        int rc = get_record(e, name, len, &rec, err);
        if (rc) return rc;
        if (!rec) return not_found(err, name, len);
        ddb_arena_t *a = ddb_arena_create(0);
        ddb_table_info_t t = {.name = name, .name_len = len};
        rc = ddb__decode_table((const uint8_t *)rec->str, rec->len, a, &t, err);
        if (!rc) rc = change(a, &t, ctx, err);
        bytes_t next = {0};
        if (!rc) ddb__encode_table(&next, &t);
        ddb_arena_destroy(a);
        if (rc) {
            freeReplyObject(rec);
            return rc;
        }
        const char *cas[] = {"FCALL",  "ddb_cas",           "1", RX_CAT_TABLES, name,
                             rec->str, (const char *)next.p};
        size_t lens[] = {5, 7, 1, strlen(RX_CAT_TABLES), len, rec->len, next.len};
        redisReply *r;
        rc = rx__cat(e, true, 7, cas, lens, &r, err);
        freeReplyObject(rec);
        bytes_free(&next);
        if (rc) return rc;
        bool done = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
        freeReplyObject(r);
        if (done) return 0;
    }
    return ddb_error_set(err, DDB_ERR_INTERNAL, "the table record kept changing");
}

static int set_meta(ddb_arena_t *a, ddb_table_info_t *t, const void *ctx, ddb_error_t *err) {
    (void)a, (void)err;
    t->meta = ctx;
    return 0;
}

int rx_table_set_meta(rx_engine_t *e, const char *name, size_t len, const ddb_value_t *meta,
                      ddb_error_t *err) {
    return rx__change_record(e, name, len, set_meta, meta, err);
}

const char *const rx_extra_suffix[RX_EXTRA_KEYS] = {"a", "g", "w", "d", "e"};

int rx__drop_buckets(rx_engine_t *e, uint32_t owner, uint32_t id, bool keep_feed,
                     ddb_error_t *err) {
    enum { NK = RS_BUCKET_KEYS + RX_EXTRA_KEYS };
    rc_cmd_t *cmds = calloc(e->buckets, sizeof *cmds);
    char(*names)[NK][48] = calloc(e->buckets, sizeof *names);
    const char *(*argv)[1 + NK] = calloc(e->buckets, sizeof *argv);
    rs_bucket_t *tags = calloc(e->buckets, sizeof *tags);
    /* with keep_feed, two more commands per bucket: its stream's and its history's expiry */
    rc_cmd_t *cmds2 = calloc(2 * e->buckets, sizeof *cmds2);
    char(*feeds)[48] = calloc(2 * e->buckets, sizeof *feeds);
    const char *(*argv2)[3] = calloc(2 * e->buckets, sizeof *argv2);
    if (!cmds || !names || !argv || !tags || !cmds2 || !feeds || !argv2) abort();
    char keep[24];
    snprintf(keep, sizeof keep, "%lld", (long long)(e->retention_ms / 1000 + 1));
    size_t nc2 = 0;
    for (uint32_t b = 0; b < e->buckets; b++) {
        rx__set_name(owner, id, b, &tags[b]);
        argv[b][0] = "DEL";
        int argc = 1;
        for (size_t k = 0; k < NK; k++) {
            const char *suf =
                k < RS_BUCKET_KEYS ? rs_bucket_suffix[k] : rx_extra_suffix[k - RS_BUCKET_KEYS];
            if (keep_feed && (!strcmp(suf, "s") || !strcmp(suf, "h"))) {
                snprintf(feeds[nc2], sizeof feeds[nc2], "%s%s", tags[b].tag, suf);
                argv2[nc2][0] = "EXPIRE", argv2[nc2][1] = feeds[nc2], argv2[nc2][2] = keep;
                cmds2[nc2] = (rc_cmd_t){.key = tags[b].tag,
                                        .klen = tags[b].len,
                                        .argc = 3,
                                        .argv = argv2[nc2],
                                        .write = true,
                                        .idempotent = true};
                nc2++;
                continue;
            }
            snprintf(names[b][k], sizeof names[b][k], "%s%s", tags[b].tag, suf);
            argv[b][argc++] = names[b][k];
        }
        cmds[b] = (rc_cmd_t){.key = tags[b].tag,
                             .klen = tags[b].len,
                             .argc = argc,
                             .argv = argv[b],
                             .write = true,
                             .idempotent = true};
    }
    int rc = rc_exec(rx__conn(e), cmds, e->buckets, err);
    if (!rc && nc2) rc = rc_exec(rx__conn(e), cmds2, nc2, err);
    for (uint32_t b = 0; b < e->buckets; b++)
        if (cmds[b].reply) freeReplyObject(cmds[b].reply);
    for (size_t b = 0; b < nc2; b++)
        if (cmds2[b].reply) freeReplyObject(cmds2[b].reply);
    free(cmds), free(names), free(argv), free(tags), free(cmds2), free(feeds), free(argv2);
    rx__stats_drop(e, id);
    return rc;
}

int rx_table_delete(rx_engine_t *e, const char *name, size_t len, ddb_error_t *err) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    redisReply *rec;
    int rc = get_record(e, name, len, &rec, err);
    if (!rc && !rec) rc = not_found(err, name, len);
    if (!rc) {
        memset(&t, 0, sizeof t);
        rc = ddb__decode_table((const uint8_t *)rec->str, rec->len, a, &t, err);
        freeReplyObject(rec); /* t's strings pointed into it: only its ids and flags are used */
        t.name = name;
        t.name_len = len;
    }
    /* a table with PITR on leaves a SYSTEM backup, as DynamoDB's do */
    if (!rc && t.pitr.enabled) rc = rx__backup_system(e, &t, err);
    const char *del[] = {"HDEL", RX_CAT_TABLES, name};
    size_t lens[] = {4, strlen(RX_CAT_TABLES), len};
    redisReply *r = NULL;
    if (!rc) rc = rx__cat(e, true, 3, del, lens, &r, err);
    if (!rc && !(r->type == REDIS_REPLY_INTEGER && r->integer == 1))
        rc = not_found(err, name, len); /* another front end deleted it first */
    if (r) freeReplyObject(r);
    /* its buckets and its indexes', every key of each */
    /* its stream stays readable until its records age out */
    if (!rc && t.stream.enabled) rc = rx__stream_disable(e, t.stream.id, ddb_now_ms(), err);
    /* a PITR table's history stays too, for restores from it still reading it */
    bool keep = t.stream.id != 0 || t.pitr.enabled;
    if (!rc) rx__note_dead(e, 0, t.id, keep);
    if (!rc) rc = rx__drop_buckets(e, 0, t.id, keep, err);
    for (size_t i = 0; !rc && i < t.nindexes; i++) {
        if (t.indexes[i].ttl) continue;
        rx__note_dead(e, rx__owner(&t, &t.indexes[i]), t.indexes[i].id, false);
        rc = rx__drop_buckets(e, rx__owner(&t, &t.indexes[i]), t.indexes[i].id, false, err);
    }
    ddb_arena_destroy(a);
    return rc;
}

void rx__note_dead(rx_engine_t *e, uint32_t owner, uint32_t id, bool keep_feed) {
    char field[32], value[32];
    snprintf(field, sizeof field, "%u:%u", owner, id);
    snprintf(value, sizeof value, "%lld:%d", (long long)ddb_now_ms(), keep_feed);
    const char *argv[] = {"HSET", RX_CAT_DEAD, field, value};
    redisReply *r;
    ddb_error_t err;
    if (rx__cat(e, true, 4, argv, NULL, &r, &err) == 0) freeReplyObject(r);
}

void rx__dead_sweep(rx_engine_t *e) {
    const char *argv[] = {"HGETALL", RX_CAT_DEAD};
    redisReply *r;
    ddb_error_t err;
    if (rx__cat(e, false, 2, argv, NULL, &r, &err)) return;
    int64_t now = ddb_now_ms();
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
        unsigned owner, id;
        long long at;
        int keep;
        if (sscanf(r->element[i]->str, "%u:%u", &owner, &id) != 2 ||
            sscanf(r->element[i + 1]->str, "%lld:%d", &at, &keep) != 2 || at + RX_DEAD_MS > now)
            continue;
        if (rx__drop_buckets(e, owner, id, keep != 0, &err)) continue;
        const char *del[] = {"HDEL", RX_CAT_DEAD, r->element[i]->str};
        redisReply *d;
        if (rx__cat(e, true, 3, del, NULL, &d, &err) == 0) freeReplyObject(d);
    }
    freeReplyObject(r);
}

int rx_table_list(rx_engine_t *e, const char *after, size_t after_len, size_t limit, ddb_arena_t *a,
                  const char ***names, size_t **lens, size_t *count, bool *more, ddb_error_t *err) {
    const char *argv[] = {"HKEYS", RX_CAT_TABLES};
    redisReply *r;
    int rc = rx__cat(e, false, 2, argv, NULL, &r, err);
    if (rc) return rc;
    size_t n = r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
    redisReply **all = malloc((n ? n : 1) * sizeof *all);
    if (!all) abort();
    for (size_t i = 0; i < n; i++)
        all[i] = r->element[i];
    qsort(all, n, sizeof *all, rx__cmp_replies);
    size_t first = 0;
    if (after && after_len) {
        while (first < n && ddb__cmp_bytes((const uint8_t *)all[first]->str, all[first]->len,
                                           (const uint8_t *)after, after_len) <= 0)
            first++;
    }
    size_t take = n - first < limit ? n - first : limit;
    *names = ddb_arena_alloc(a, (take ? take : 1) * sizeof **names);
    *lens = ddb_arena_alloc(a, (take ? take : 1) * sizeof **lens);
    for (size_t i = 0; i < take; i++) {
        (*names)[i] = ddb_arena_strndup(a, all[first + i]->str, all[first + i]->len);
        (*lens)[i] = all[first + i]->len;
    }
    *count = take;
    *more = first + take < n;
    free(all);
    freeReplyObject(r);
    return 0;
}

/* ---- statistics -------------------------------------------------------- */

void rx__stats_note(rx_engine_t *e, uint32_t id, int64_t dcount, int64_t dbytes) {
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->nstats; i++) {
        if (e->stats[i].id == id) {
            e->stats[i].dcount += dcount;
            e->stats[i].dbytes += dbytes;
        }
    }
    pthread_mutex_unlock(&e->mu);
}

void rx__stats_drop(rx_engine_t *e, uint32_t id) {
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->nstats; i++)
        if (e->stats[i].id == id) e->stats[i] = e->stats[--e->nstats];
    pthread_mutex_unlock(&e->mu);
}

int rx__stats(rx_engine_t *e, uint32_t owner, uint32_t id, uint64_t *count, uint64_t *bytes,
              ddb_error_t *err) {
    int64_t now = mono_ms();
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->nstats; i++) {
        if (e->stats[i].id == id && now - e->stats[i].at_ms < RX_STATS_MS) {
            int64_t c = (int64_t)e->stats[i].count + e->stats[i].dcount;
            int64_t b = e->stats[i].bytes + e->stats[i].dbytes;
            *count = c > 0 ? (uint64_t)c : 0;
            *bytes = b > 0 ? (uint64_t)b : 0;
            pthread_mutex_unlock(&e->mu);
            return 0;
        }
    }
    pthread_mutex_unlock(&e->mu);
    /* every bucket's ddb_stats, pipelined */
    rc_cmd_t *cmds = calloc(e->buckets, sizeof *cmds);
    char(*keys)[2][48] = calloc(e->buckets, sizeof *keys);
    const char *(*argv)[5] = calloc(e->buckets, sizeof *argv);
    rs_bucket_t *tags = calloc(e->buckets, sizeof *tags);
    if (!cmds || !keys || !argv || !tags) abort();
    for (uint32_t b = 0; b < e->buckets; b++) {
        rx__set_name(owner, id, b, &tags[b]);
        snprintf(keys[b][0], 48, "%sb", tags[b].tag);
        snprintf(keys[b][1], 48, "%sn", tags[b].tag);
        argv[b][0] = "FCALL_RO", argv[b][1] = "ddb_stats", argv[b][2] = "2";
        argv[b][3] = keys[b][0], argv[b][4] = keys[b][1];
        cmds[b] = (rc_cmd_t){.key = tags[b].tag,
                             .klen = tags[b].len,
                             .argc = 5,
                             .argv = argv[b],
                             .idempotent = true};
    }
    int rc = rc_exec(rx__conn(e), cmds, e->buckets, err);
    uint64_t c = 0;
    int64_t s = 0;
    for (uint32_t b = 0; b < e->buckets; b++) {
        redisReply *r = cmds[b].reply;
        if (!rc && (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2))
            rc = ddb_error_set(err, DDB_ERR_INTERNAL, "ddb_stats: an unexpected reply");
        if (!rc) {
            c += (uint64_t)r->element[0]->integer;
            s += r->element[1]->integer;
        }
        if (r) freeReplyObject(r);
    }
    free(cmds), free(keys), free(argv), free(tags);
    if (rc) return rc;
    *count = c;
    *bytes = s > 0 ? (uint64_t)s : 0;
    pthread_mutex_lock(&e->mu);
    size_t i = 0;
    while (i < e->nstats && e->stats[i].id != id)
        i++;
    if (i == e->nstats) {
        if (e->nstats == e->capstats) {
            e->capstats = e->capstats ? 2 * e->capstats : 16;
            e->stats = realloc(e->stats, e->capstats * sizeof *e->stats);
            if (!e->stats) abort();
        }
        e->nstats++;
    }
    e->stats[i] = (rx_stats_t){.id = id, .count = c, .bytes = s, .at_ms = now};
    pthread_mutex_unlock(&e->mu);
    return 0;
}

int rx__each_table(rx_engine_t *e, ddb_arena_t *a, rx_table_fn fn, void *ctx, ddb_error_t *err) {
    const char *argv[] = {"HGETALL", RX_CAT_TABLES};
    redisReply *r;
    int rc = rx__cat(e, false, 2, argv, NULL, &r, err);
    if (rc) return rc;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements && !rc; i += 2) {
        const redisReply *name = r->element[i], *rec = r->element[i + 1];
        ddb_table_info_t *t = ddb_arena_alloc(a, sizeof *t);
        memset(t, 0, sizeof *t);
        t->name = ddb_arena_strndup(a, name->str, name->len);
        t->name_len = name->len;
        uint8_t *copy = ddb_arena_alloc(a, rec->len ? rec->len : 1);
        memcpy(copy, rec->str, rec->len);
        ddb_error_t e2;
        if (ddb__decode_table(copy, rec->len, a, t, &e2) == 0) rc = fn(ctx, t);
    }
    freeReplyObject(r);
    return rc;
}
