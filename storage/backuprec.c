/* backuprec.c: backup records and ids as stored (see backuprec.h), shared
 * by the RocksDB store's backups and the cluster backend's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "storage/backuprec.h"
#include "storage/tablerec.h"

void ddb__put_str16(bytes_t *b, const void *s, size_t len) {
    uint8_t l[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    bytes_put(b, l, 2);
    bytes_put(b, s, len);
}

bool ddb__get_str16(const uint8_t **p, const uint8_t *end, const uint8_t **s, size_t *len) {
    if (end - *p < 2) return false;
    size_t l = (size_t)(*p)[0] << 8 | (*p)[1];
    if ((size_t)(end - *p - 2) < l) return false;
    *s = *p + 2;
    *len = l;
    *p += 2 + l;
    return true;
}

/* [status][type][created BE64][expires BE64][count BE64][size BE64]
 * [name len BE16][name][table len BE16][table name][table record] */
void ddb__encode_backup(bytes_t *out, const ddb_backup_info_t *b) {
    uint8_t h[34];
    h[0] = (uint8_t)b->status;
    h[1] = (uint8_t)b->type;
    kc_put_be64(h + 2, (uint64_t)b->created_ms);
    kc_put_be64(h + 10, (uint64_t)b->expires_ms);
    kc_put_be64(h + 18, b->table.item_count);
    kc_put_be64(h + 26, b->table.size_bytes);
    bytes_put(out, h, sizeof h);
    ddb__put_str16(out, b->name, b->name_len);
    ddb__put_str16(out, b->table.name, b->table.name_len);
    ddb__encode_table(out, &b->table);
}

static bool get_str16(const uint8_t **p, const uint8_t *end, ddb_arena_t *a, const char **s,
                      size_t *len) {
    const uint8_t *v;
    if (!ddb__get_str16(p, end, &v, len)) return false;
    *s = ddb_arena_strndup(a, (const char *)v, *len);
    return true;
}

int ddb__decode_backup(const char *id, const uint8_t *p, size_t len, ddb_arena_t *a,
                       ddb_backup_info_t *b, ddb_error_t *err) {
    memset(b, 0, sizeof *b);
    const uint8_t *end = p + len;
    if (len < 34) return ddb_error_set(err, DDB_ERR_INTERNAL, "corrupt backup record %s", id);
    b->id = ddb_arena_strndup(a, id, DDB__BACKUP_ID_LEN);
    b->id_len = DDB__BACKUP_ID_LEN;
    b->status = (ddb_backup_status_t)p[0];
    b->type = (ddb_backup_type_t)p[1];
    b->created_ms = (int64_t)kc_get_be64(p + 2);
    b->expires_ms = (int64_t)kc_get_be64(p + 10);
    uint64_t count = kc_get_be64(p + 18), size = kc_get_be64(p + 26);
    p += 34;
    const char *tname;
    size_t tlen;
    if (!get_str16(&p, end, a, &b->name, &b->name_len) || !get_str16(&p, end, a, &tname, &tlen)) {
        return ddb_error_set(err, DDB_ERR_INTERNAL, "corrupt backup record %s", id);
    }
    int rc = ddb__decode_table(p, (size_t)(end - p), a, &b->table, err);
    if (rc) return rc;
    b->table.name = tname;
    b->table.name_len = tlen;
    b->table.item_count = count;
    b->table.size_bytes = size;
    b->table.restoring = false;
    return 0;
}

/* A well-formed id: 14 digits, '-', 8 lowercase hex digits. */
static bool valid_id(const char *id, size_t len) {
    if (len != DDB__BACKUP_ID_LEN || id[14] != '-') return false;
    for (size_t i = 0; i < len; i++) {
        char c = id[i];
        if (i == 14) continue;
        bool ok = i < 14 ? c >= '0' && c <= '9' : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        if (!ok) return false;
    }
    return true;
}

/* Copies a caller's id into a NUL-terminated buffer; false when malformed. */
bool ddb__backup_take_id(char out[DDB__BACKUP_ID_LEN + 1], const char *id, size_t len) {
    if (!valid_id(id, len)) return false;
    memcpy(out, id, len);
    out[len] = '\0';
    return true;
}

/* A new backup id: the time in ms and 32 random bits. */
void ddb__backup_new_id(int64_t now, char id[DDB__BACKUP_ID_LEN + 1]) {
    uint32_t r;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = (uint32_t)now ^ (uint32_t)(uintptr_t)&r;
    snprintf(id, DDB__BACKUP_ID_LEN + 1, "%014lld-%08x", (long long)now, r);
}

void ddb__restore_target(ddb_table_info_t *target) {
    /* a restored table has no stream, TTL or PITR of its own (DynamoDB's) */
    memset(&target->stream, 0, sizeof target->stream);
    memset(&target->pitr, 0, sizeof target->pitr);
    size_t n = 0;
    for (size_t i = 0; i < target->nindexes; i++) {
        if (target->indexes[i].ttl) continue;
        target->indexes[n] = target->indexes[i];
        target->indexes[n].backfilling = false;
        n++;
    }
    target->nindexes = n;
}

bool ddb__pitr_edit(ddb_pitr_t *p, bool enabled, uint32_t period_days, int64_t now) {
    if (!enabled) {
        bool was = p->enabled;
        memset(p, 0, sizeof *p);
        return was;
    }
    if (!p->enabled) p->since_ms = now;
    p->enabled = true;
    p->period_ms = (int64_t)period_days * 86400000;
    return false;
}

int64_t ddb__pitr_period_of(const ddb_table_info_t *t, int64_t default_ms) {
    return t->pitr.period_ms > 0 ? t->pitr.period_ms : default_ms;
}

void ddb__pitr_window_of(const ddb_table_info_t *t, int64_t default_ms, int64_t now,
                         int64_t *earliest_ms, int64_t *latest_ms) {
    int64_t from = now - ddb__pitr_period_of(t, default_ms);
    *earliest_ms = t->pitr.since_ms > from ? t->pitr.since_ms : from;
    *latest_ms = now;
}

int ddb__pitr_admit(const ddb_table_info_t *src, const char *name, size_t len, int64_t at_ms,
                    int64_t default_ms, int64_t now, ddb_error_t *err) {
    if (!src->pitr.enabled)
        return ddb_error_set(err, DDB_ERR_PITR_UNAVAILABLE,
                             "Point in time recovery is not enabled for table '%.*s'", (int)len,
                             name);
    int64_t lo, hi;
    ddb__pitr_window_of(src, default_ms, now, &lo, &hi);
    if (at_ms < lo || at_ms > hi)
        return ddb_error_set(err, DDB_ERR_INVALID_RESTORE_TIME,
                             "Restore time is outside the restorable window [%lld, %lld]",
                             (long long)lo, (long long)hi);
    return 0;
}
