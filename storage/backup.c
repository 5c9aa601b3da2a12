/* backup.c: on-demand backups (checkpoint, copy into the backup store,
 * listing, deletion), restores and point-in-time recovery. Placeholder
 * while the engine side is written: every call fails plainly. */
#include "storage/engine.h"

static int later(ddb_error_t *err) {
    return ddb_error_set(err, DDB_ERR_INTERNAL, "backups are not implemented yet");
}

int ddb_backup_create(ddb_engine_t *e, const char *table, size_t len, const char *name,
                      size_t name_len, ddb_arena_t *a, ddb_backup_info_t *out, ddb_error_t *err) {
    (void)e, (void)table, (void)len, (void)name, (void)name_len, (void)a, (void)out;
    return later(err);
}

int ddb_backup_get(ddb_engine_t *e, const char *id, size_t id_len, ddb_arena_t *a,
                   ddb_backup_info_t *out, ddb_error_t *err) {
    (void)e, (void)id, (void)id_len, (void)a, (void)out;
    return later(err);
}

int ddb_backup_list(ddb_engine_t *e, const char *after, size_t after_len, ddb_backup_fn fn,
                    void *ctx, ddb_error_t *err) {
    (void)e, (void)after, (void)after_len, (void)fn, (void)ctx;
    return later(err);
}

int ddb_backup_delete(ddb_engine_t *e, const char *id, size_t id_len, ddb_arena_t *a,
                      ddb_backup_info_t *out, ddb_error_t *err) {
    (void)e, (void)id, (void)id_len, (void)a, (void)out;
    return later(err);
}

int ddb_backup_restore(ddb_engine_t *e, const char *id, size_t id_len, ddb_table_info_t *target,
                       ddb_error_t *err) {
    (void)e, (void)id, (void)id_len, (void)target;
    return later(err);
}

int ddb_pitr_set(ddb_engine_t *e, const char *table, size_t len, bool enabled, uint32_t period_days,
                 ddb_error_t *err) {
    (void)e, (void)table, (void)len, (void)enabled, (void)period_days;
    return later(err);
}

void ddb_pitr_window(ddb_engine_t *e, const ddb_table_info_t *t, int64_t *earliest_ms,
                     int64_t *latest_ms) {
    (void)e;
    *latest_ms = ddb_now_ms();
    *earliest_ms = t->pitr.since_ms;
}

int ddb_pitr_restore(ddb_engine_t *e, const char *source, size_t len, int64_t at_ms,
                     ddb_table_info_t *target, ddb_error_t *err) {
    (void)e, (void)source, (void)len, (void)at_ms, (void)target;
    return later(err);
}

int ddb_checkpoint(ddb_engine_t *e, const char *dir, ddb_error_t *err) {
    (void)e, (void)dir;
    return later(err);
}
