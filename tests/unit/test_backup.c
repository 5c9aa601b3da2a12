/* test_backup.c: backups, restores and point-in-time recovery in the
 * engine: a backup holds the table as it was when taken however it is
 * written afterwards, its copy resumes after a close in the middle, a
 * restore rebuilds items, index entries and statistics exactly (ddb_check)
 * and hides the table from writes until done, a PITR restore gives the
 * table as it was at each of several instants (also after a reopen), the
 * errors of each call, and a deleted PITR table's SYSTEM backup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "storage/ddb.h"

static ddb_value_t sval(const char *s) {
    ddb_value_t v = {.type = DDB_T_S};
    v.u.str.ptr = s;
    v.u.str.len = strlen(s);
    return v;
}

typedef struct kv {
    ddb_attr_t attrs[2];
    ddb_value_t item;
} kv_t;

/* item {pk: S, v: S} (v NULL: the key alone) */
static const ddb_value_t *make_item(kv_t *kv, const char *pk, const char *v) {
    kv->attrs[0] = (ddb_attr_t){"pk", 2, sval(pk)};
    kv->attrs[1] = (ddb_attr_t){"v", 1, sval(v ? v : "")};
    kv->item = (ddb_value_t){.type = DDB_T_M, .u.map = {kv->attrs, v ? 2 : 1}};
    return &kv->item;
}

static int put_fn(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item,
                  ddb_error_t *err) {
    (void)old, (void)err;
    *new_item = ctx;
    return 0;
}

static int delete_fn(void *ctx, const ddb_value_t *old, const ddb_value_t **new_item,
                     ddb_error_t *err) {
    (void)ctx, (void)err, (void)old;
    *new_item = NULL;
    return 0;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The table's state as text: "pk=v;" per item in pk order (at most 64
 * items of short values). */
typedef struct state {
    char v[64][16]; /* "" : absent */
} state_t;

static void state_text(const state_t *s, char *out, size_t n) {
    size_t at = 0;
    out[0] = '\0';
    for (int i = 0; i < 64; i++) {
        if (s->v[i][0]) at += (size_t)snprintf(out + at, n - at, "k%02d=%s;", i, s->v[i]);
    }
}

/* The table's items read back as state_text. */
static void table_text(ddb_engine_t *e, const char *name, char *out, size_t n) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    ddb_error_t err;
    state_t s;
    memset(&s, 0, sizeof s);
    CHECK(ddb_table_get(e, name, strlen(name), a, &t, &err) == 0);
    ddb_iter_t *it;
    CHECK(ddb_iter_scan(e, &t, NULL, NULL, 0, 0, &it, &err) == 0);
    const ddb_value_t *item;
    while (ddb_iter_next(it, a, &item, &err) == 0 && item) {
        const ddb_value_t *pk = ddb_map_get(item, "pk", 2), *v = ddb_map_get(item, "v", 1);
        int i = atoi(pk->u.str.ptr + 1);
        snprintf(s.v[i], sizeof s.v[i], "%.*s", (int)v->u.str.len, v->u.str.ptr);
    }
    ddb_iter_destroy(it);
    ddb_arena_destroy(a);
    state_text(&s, out, n);
}

static void write_item(ddb_engine_t *e, const char *table, state_t *s, int i, const char *v) {
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_table_info_t t;
    ddb_error_t err;
    CHECK(ddb_table_get(e, table, strlen(table), a, &t, &err) == 0);
    char pk[16];
    snprintf(pk, sizeof pk, "k%02d", i);
    kv_t kv;
    const ddb_value_t *item = make_item(&kv, pk, v);
    if (v) {
        CHECK(ddb_item_write(e, &t, item, put_fn, (void *)item, a, &err) == 0);
        snprintf(s->v[i], sizeof s->v[i], "%s", v);
    } else {
        CHECK(ddb_item_write(e, &t, item, delete_fn, NULL, a, &err) == 0);
        s->v[i][0] = '\0';
    }
    ddb_arena_destroy(a);
}

static ddb_index_info_t gsi = {.name = "v-index",
                               .name_len = 7,
                               .key = {.hash_name = "v", .hash_len = 1, .hash_type = DDB_T_S}};

static void create_table(ddb_engine_t *e, const char *name) {
    static ddb_value_t meta = {.type = DDB_T_M};
    ddb_index_info_t ix = gsi;
    ddb_table_info_t t = {.name = name, .name_len = strlen(name), .meta = &meta};
    t.key = (ddb_key_schema_t){"pk", 2, DDB_T_S, NULL, 0, DDB_T_NONE};
    t.indexes = &ix;
    t.nindexes = 1;
    ddb_error_t err;
    CHECK(ddb_table_create(e, &t, &err) == 0);
}

/* Waits (up to 10 s) for a backup to be AVAILABLE. */
static bool wait_available(ddb_engine_t *e, const char *id) {
    for (int i = 0; i < 1000; i++) {
        ddb_arena_t *a = ddb_arena_create(0);
        ddb_backup_info_t b;
        ddb_error_t err;
        int rc = ddb_backup_get(e, id, strlen(id), a, &b, &err);
        bool ok = rc == 0 && b.status == DDB_BACKUP_AVAILABLE;
        ddb_arena_destroy(a);
        if (ok) return true;
        sleep_ms(10);
    }
    return false;
}

/* Waits (up to 10 s) for a restored table to be filled. */
static bool wait_restored(ddb_engine_t *e, const char *name) {
    for (int i = 0; i < 1000; i++) {
        ddb_arena_t *a = ddb_arena_create(0);
        ddb_table_info_t t;
        ddb_error_t err;
        int rc = ddb_table_get(e, name, strlen(name), a, &t, &err);
        bool ok = rc == 0 && !t.restoring;
        ddb_arena_destroy(a);
        if (ok) return true;
        sleep_ms(10);
    }
    return false;
}

/* The restore target: the source's key and its GSI, as the server passes it. */
static ddb_table_info_t target(const char *name, ddb_index_info_t *ix) {
    static ddb_value_t meta = {.type = DDB_T_M};
    *ix = gsi;
    ddb_table_info_t t = {.name = name, .name_len = strlen(name), .meta = &meta};
    t.key = (ddb_key_schema_t){"pk", 2, DDB_T_S, NULL, 0, DDB_T_NONE};
    t.indexes = ix;
    t.nindexes = 1;
    return t;
}

static ddb_engine_t *open_engine(const char *dir, uint32_t batch, uint32_t pause_ms) {
    ddb_engine_opts_t o = {.data_dir = dir,
                           .backfill_batch = batch,
                           .backfill_pause_ms = pause_ms,
                           .ttl_interval_ms = 50};
    ddb_engine_t *e;
    ddb_error_t err;
    CHECK(ddb_open(&o, &e, &err) == 0);
    return e;
}

static void test_backup_and_restore(const char *dir) {
    ddb_engine_t *e = open_engine(dir, 7, 0);
    ddb_error_t err;
    ddb_arena_t *a = ddb_arena_create(0);
    create_table(e, "src");
    state_t s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < 40; i++)
        write_item(e, "src", &s, i, i % 3 ? "a" : "b");
    char at_backup[2048], got[2048];
    state_text(&s, at_backup, sizeof at_backup);
    ddb_backup_info_t b;
    CHECK(ddb_backup_create(e, "nope", 4, "bk", 2, a, &b, &err) == DDB_ERR_TABLE_NOT_FOUND);
    int brc = ddb_backup_create(e, "src", 3, "bk1", 3, a, &b, &err);
    if (brc) fprintf(stderr, "backup: %s\n", err.msg);
    CHECK(brc == 0);
    CHECK(b.status == DDB_BACKUP_CREATING && b.id_len == 23 && b.type == DDB_BACKUP_USER);
    char id[24];
    memcpy(id, b.id, 24);
    /* writes after the backup do not reach it */
    for (int i = 0; i < 10; i++)
        write_item(e, "src", &s, i, NULL);
    write_item(e, "src", &s, 50, "new");
    CHECK(wait_available(e, id));
    CHECK(ddb_backup_get(e, id, 23, a, &b, &err) == 0 && b.table.item_count == 40);
    CHECK_STR(b.name, "bk1");
    CHECK_STR(b.table.name, "src");
    CHECK(b.table.nindexes == 1 && b.table.size_bytes > 0);
    /* restore into a new table; the name must be free */
    ddb_index_info_t ix;
    ddb_table_info_t tt = target("src", &ix);
    CHECK(ddb_backup_restore(e, id, 23, &tt, &err) == DDB_ERR_TABLE_ALREADY_EXISTS);
    CHECK(ddb_backup_restore(e, "01234567890123-00000000", 23, &tt, &err) ==
          DDB_ERR_BACKUP_NOT_FOUND);
    tt = target("copy", &ix);
    CHECK(ddb_backup_restore(e, id, 23, &tt, &err) == 0);
    /* while it is filled: no writes, and the backup cannot be deleted */
    ddb_table_info_t t;
    CHECK(ddb_table_get(e, "copy", 4, a, &t, &err) == 0);
    if (t.restoring) {
        kv_t kv;
        const ddb_value_t *item = make_item(&kv, "k01", "x");
        CHECK(ddb_item_write(e, &t, item, put_fn, (void *)item, a, &err) ==
              DDB_ERR_RESOURCE_NOT_FOUND);
    }
    CHECK(wait_restored(e, "copy"));
    table_text(e, "copy", got, sizeof got);
    CHECK_STR(got, at_backup);
    CHECK(ddb_table_get(e, "copy", 4, a, &t, &err) == 0);
    CHECK(t.item_count == 40 && t.nindexes == 1 && t.indexes[0].item_count == 40);
    CHECK(ddb_check(e, &err) == 0);
    /* listing, then deletion */
    ddb_close(e);
    e = open_engine(dir, 7, 0);
    CHECK(ddb_backup_get(e, id, 23, a, &b, &err) == 0 && b.status == DDB_BACKUP_AVAILABLE);
    table_text(e, "copy", got, sizeof got);
    CHECK_STR(got, at_backup);
    CHECK(ddb_backup_delete(e, id, 23, a, &b, &err) == 0 && b.status == DDB_BACKUP_DELETED);
    CHECK(ddb_backup_get(e, id, 23, a, &b, &err) == DDB_ERR_BACKUP_NOT_FOUND);
    CHECK(ddb_backup_delete(e, id, 23, a, &b, &err) == DDB_ERR_BACKUP_NOT_FOUND);
    ddb_arena_destroy(a);
    ddb_close(e);
}

static int count_fn(void *ctx, const ddb_backup_info_t *b) {
    (void)b;
    (*(int *)ctx)++;
    return 0;
}

/* A close in the middle of a backup's copy: the copy resumes at the next
 * open, from the checkpoint, and holds the table as it was at the backup. */
static void test_copy_resumes(const char *dir) {
    ddb_engine_t *e = open_engine(dir, 3, 200);
    ddb_error_t err;
    ddb_arena_t *a = ddb_arena_create(0);
    create_table(e, "slow");
    state_t s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < 30; i++)
        write_item(e, "slow", &s, i, "x");
    char at_backup[2048], got[2048];
    state_text(&s, at_backup, sizeof at_backup);
    ddb_backup_info_t b;
    CHECK(ddb_backup_create(e, "slow", 4, "mid", 3, a, &b, &err) == 0);
    char id[24];
    memcpy(id, b.id, 24);
    for (int i = 0; i < 30; i++)
        write_item(e, "slow", &s, i, "changed");
    CHECK(ddb_backup_delete(e, id, 23, a, &b, &err) == DDB_ERR_BACKUP_IN_USE);
    sleep_ms(250);
    ddb_close(e); /* 3 items a step, 200 ms apart: far from done */
    e = open_engine(dir, 7, 0);
    CHECK(wait_available(e, id));
    ddb_index_info_t ix;
    ddb_table_info_t tt = target("slowcopy", &ix);
    CHECK(ddb_backup_restore(e, id, 23, &tt, &err) == 0);
    CHECK(wait_restored(e, "slowcopy"));
    table_text(e, "slowcopy", got, sizeof got);
    CHECK_STR(got, at_backup);
    int n = 0;
    CHECK(ddb_backup_list(e, NULL, 0, count_fn, &n, &err) == 0 && n == 1);
    CHECK(ddb_check(e, &err) == 0);
    ddb_arena_destroy(a);
    ddb_close(e);
}

static void restore_at(ddb_engine_t *e, const char *src, int64_t at, const char *name,
                       const char *want) {
    ddb_index_info_t ix;
    ddb_table_info_t tt = target(name, &ix);
    ddb_error_t err;
    CHECK(ddb_pitr_restore(e, src, strlen(src), at, &tt, &err) == 0);
    CHECK(wait_restored(e, name));
    char got[2048];
    table_text(e, name, got, sizeof got);
    CHECK_STR(got, want);
}

static void test_pitr(const char *dir) {
    ddb_engine_t *e = open_engine(dir, 5, 0);
    ddb_error_t err;
    ddb_arena_t *a = ddb_arena_create(0);
    create_table(e, "p");
    state_t s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < 20; i++)
        write_item(e, "p", &s, i, "before");
    ddb_index_info_t ix;
    ddb_table_info_t tt = target("p0", &ix);
    CHECK(ddb_pitr_restore(e, "p", 1, ddb_now_ms(), &tt, &err) == DDB_ERR_PITR_UNAVAILABLE);
    CHECK(ddb_pitr_restore(e, "q", 1, ddb_now_ms(), &tt, &err) == DDB_ERR_TABLE_NOT_FOUND);
    CHECK(ddb_pitr_set(e, "q", 1, true, 0, &err) == DDB_ERR_TABLE_NOT_FOUND);
    CHECK(ddb_pitr_set(e, "p", 1, true, 0, &err) == 0);
    ddb_table_info_t t;
    CHECK(ddb_table_get(e, "p", 1, a, &t, &err) == 0 && t.pitr.enabled);
    int64_t lo, hi;
    ddb_pitr_window(e, &t, &lo, &hi);
    CHECK(lo == t.pitr.since_ms && hi >= lo && hi - lo < 1000);
    sleep_ms(3);
    char want[3][2048];
    int64_t at[3];
    /* three instants, each after a round of overwrites, deletes and new items */
    for (int r = 0; r < 3; r++) {
        char v[8];
        snprintf(v, sizeof v, "r%d", r);
        for (int i = r; i < 40; i += 3)
            write_item(e, "p", &s, i, (i + r) % 4 ? v : NULL);
        sleep_ms(3);
        at[r] = ddb_now_ms();
        state_text(&s, want[r], sizeof want[r]);
        sleep_ms(3);
    }
    /* one item changed twice after the instant, undone within one restore
     * step: put then delete, and two puts over an absent item */
    write_item(e, "p", &s, 60, "x");
    write_item(e, "p", &s, 60, NULL);
    write_item(e, "p", &s, 61, "y");
    write_item(e, "p", &s, 61, "z");
    for (int i = 0; i < 40; i++)
        write_item(e, "p", &s, i, "after");
    CHECK(ddb_pitr_restore(e, "p", 1, lo - 1, &tt, &err) == DDB_ERR_INVALID_RESTORE_TIME);
    CHECK(ddb_pitr_restore(e, "p", 1, ddb_now_ms() + 60000, &tt, &err) ==
          DDB_ERR_INVALID_RESTORE_TIME);
    restore_at(e, "p", at[1], "p1", want[1]);
    restore_at(e, "p", at[0], "p0", want[0]);
    CHECK(ddb_check(e, &err) == 0);
    ddb_close(e);
    /* the log survives a reopen */
    e = open_engine(dir, 5, 0);
    restore_at(e, "p", at[2], "p2", want[2]);
    char now[2048];
    state_text(&s, now, sizeof now);
    restore_at(e, "p", ddb_now_ms(), "pnow", now);
    /* deleting a PITR table leaves a SYSTEM backup of its last state */
    CHECK(ddb_table_delete(e, "p", 1, &err) == 0);
    int n = 0;
    CHECK(ddb_backup_list(e, NULL, 0, count_fn, &n, &err) == 0 && n == 1);
    ddb_close(e);
    ddb_arena_destroy(a);
}

static int first_id(void *ctx, const ddb_backup_info_t *b) {
    memcpy(ctx, b->id, 24);
    CHECK(b->type == DDB_BACKUP_SYSTEM && b->expires_ms > b->created_ms);
    CHECK_STR(b->name, "p$DeletedTableBackup");
    return 1;
}

static void test_system_backup(const char *dir, const char *want_state) {
    ddb_engine_t *e = open_engine(dir, 5, 0);
    ddb_error_t err;
    char id[24] = {0};
    CHECK(ddb_backup_list(e, NULL, 0, first_id, id, &err) == 1);
    CHECK(wait_available(e, id));
    ddb_index_info_t ix;
    ddb_table_info_t tt = target("p-again", &ix);
    CHECK(ddb_backup_restore(e, id, 23, &tt, &err) == 0);
    CHECK(wait_restored(e, "p-again"));
    char got[2048];
    table_text(e, "p-again", got, sizeof got);
    CHECK_STR(got, want_state);
    ddb_close(e);
}

int main(void) {
    char dir[] = "/tmp/ddb-test-backup-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    test_backup_and_restore(dir);
    test_copy_resumes(dir);
    char pd[] = "/tmp/ddb-test-pitr-XXXXXX";
    CHECK(mkdtemp(pd) != NULL);
    test_pitr(pd);
    state_t all;
    memset(&all, 0, sizeof all);
    for (int i = 0; i < 40; i++)
        snprintf(all.v[i], sizeof all.v[i], "after");
    snprintf(all.v[61], sizeof all.v[61], "z");
    char want[2048];
    state_text(&all, want, sizeof want);
    test_system_backup(pd, want);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir, pd);
    CHECK(system(cmd) == 0);
    return check_summary();
}
