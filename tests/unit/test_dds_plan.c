/* test_dds_plan.c: the lease decisions of libddbstreams (dds__plan, streams/dds_balance.c):
 * single plans over hand-made views, and rounds of plans applied to a simulated lease table
 * by workers that renew their leases, see each other's counters move, join and die, until the
 * shards are spread as KCL spreads them. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "streams/dds_int.h"

#define LEASE_MS 10000
#define MAXL     16
#define MAXW     4

/* ---- single plans -------------------------------------------------------------------------- */

static dds_lease leases[MAXL];
static dds_view_lease view[MAXL];

static void set(size_t i, const char *owner, const char *ck, int64_t seen_ms) {
    memset(&leases[i], 0, sizeof leases[i]);
    snprintf(leases[i].key, sizeof leases[i].key, "shardId-%02zu", i);
    snprintf(leases[i].owner, sizeof leases[i].owner, "%s", owner);
    snprintf(leases[i].checkpoint, sizeof leases[i].checkpoint, "%s", ck);
    leases[i].counter = 1;
    view[i].lease = &leases[i];
    view[i].seen_ms = seen_ms;
}

static void test_expiry(void) {
    const int64_t now = 100000;
    dds_plan p;
    /* ownerless: taken at once, even when just seen */
    set(0, "", DDS__CK_TRIM, now);
    dds__plan(view, 1, "me", now, LEASE_MS, 0, &p);
    CHECK(p.ntake == 1 && p.take[0] == 0 && !p.steal);
    /* an owner whose counter moved within lease_ms keeps it; one that stood still loses it */
    set(0, "other", "123", now - LEASE_MS);
    dds__plan(view, 1, "me", now, LEASE_MS, 0, &p);
    CHECK(p.ntake == 0 && !p.steal);
    set(0, "other", "123", now - LEASE_MS - 1);
    dds__plan(view, 1, "me", now, LEASE_MS, 0, &p);
    CHECK(p.ntake == 1 && p.take[0] == 0);
    /* finished shards are never taken, expired or ownerless */
    set(0, "", DDS__CK_END, now);
    set(1, "dead", DDS__CK_END, 0);
    set(2, "", DDS__CK_LATEST, now);
    dds__plan(view, 3, "me", now, LEASE_MS, 0, &p);
    CHECK(p.ntake == 1 && p.take[0] == 2 && !p.steal);
}

static void test_expired_first(void) {
    const int64_t now = 100000;
    dds_plan p;
    /* a busy worker holds three; a dead one's lease has expired: that one is taken, nothing
     * stolen */
    set(0, "busy", "1", now);
    set(1, "busy", "2", now);
    set(2, "busy", "3", now);
    set(3, "dead", "4", now - 2 * LEASE_MS);
    dds__plan(view, 4, "me", now, LEASE_MS, 0, &p);
    CHECK(p.ntake == 1 && p.take[0] == 3 && !p.steal);
    /* once it is taken, the next plan steals one of busy's (3 > target 2) */
    set(3, "me", "4", now);
    dds__plan(view, 4, "me", now, LEASE_MS, 0, &p);
    CHECK(p.ntake == 0 && p.steal && p.steal_at <= 2);
}

static void test_steal(void) {
    const int64_t now = 100000;
    dds_plan p;
    /* from the busiest only, never a finished lease of it, never from self */
    set(0, "a", "1", now);
    set(1, "b", DDS__CK_END, now);
    set(2, "b", "2", now);
    set(3, "b", "3", now);
    set(4, "b", "4", now);
    set(5, "me", "5", now);
    dds__plan(view, 6, "me", now, LEASE_MS, 0, &p);
    /* 5 unfinished leases, 3 workers: target 2; b holds 3 */
    CHECK(p.ntake == 0 && p.steal && (p.steal_at == 2 || p.steal_at == 3 || p.steal_at == 4));
    /* the busiest at the target: only when self holds two fewer */
    set(4, "a", "4", now); /* a 2, b 2, me 1 of 5: target 2 */
    dds__plan(view, 6, "me", now, LEASE_MS, 0, &p);
    CHECK(!p.steal && p.ntake == 0);
    set(5, "a", "5", now); /* a 3, b 2, me 0: target ceil(5/3) = 2: steal from a */
    dds__plan(view, 6, "me", now, LEASE_MS, 0, &p);
    CHECK(p.steal && (p.steal_at == 0 || p.steal_at == 4 || p.steal_at == 5));
    /* self the only holder: nothing to steal */
    for (size_t i = 0; i < 4; i++)
        set(i, "me", "1", now);
    dds__plan(view, 4, "me", now, LEASE_MS, 0, &p);
    CHECK(!p.steal && p.ntake == 0);
    /* max_leases caps the target */
    for (size_t i = 0; i < 4; i++)
        set(i, "", DDS__CK_TRIM, now);
    dds__plan(view, 4, "me", now, LEASE_MS, 1, &p);
    CHECK(p.ntake == 1 && !p.steal);
    dds__plan(view, 4, "me", now, LEASE_MS, 3, &p);
    CHECK(p.ntake == 3);
}

/* ---- a simulated lease table --------------------------------------------------------------- */

typedef struct worker {
    const char *id;
    bool alive;
    int max_leases;
    int64_t seen_counter[MAXL]; /* the counters this worker last saw, and when they moved */
    int64_t seen_ms[MAXL];
} worker_t;

typedef struct sim {
    dds_lease table[MAXL];
    size_t n;
    worker_t w[MAXW];
    size_t nw;
    int64_t now;
} sim_t;

static void sim_init(sim_t *s, size_t n) {
    memset(s, 0, sizeof *s);
    s->n = n;
    s->now = 1000000;
    for (size_t i = 0; i < n; i++) {
        snprintf(s->table[i].key, sizeof s->table[i].key, "shardId-%02zu", i);
        snprintf(s->table[i].checkpoint, sizeof s->table[i].checkpoint, "%s", DDS__CK_TRIM);
    }
}

static worker_t *sim_join(sim_t *s, const char *id, int max_leases) {
    worker_t *w = &s->w[s->nw++];
    w->id = id;
    w->alive = true;
    w->max_leases = max_leases;
    for (size_t i = 0; i < MAXL; i++)
        w->seen_counter[i] = -1;
    return w;
}

static size_t held(const sim_t *s, const char *id) {
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->table[i].owner, id) == 0) k++;
    return k;
}

/* One worker's round: renew its leases, scan, plan, apply the plan (a take or a steal is a
 * conditional write on the counter it saw, which in this sequential table always succeeds). */
static void sim_step(sim_t *s, worker_t *w) {
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->table[i].owner, w->id) == 0) s->table[i].counter++;
    dds_view_lease v[MAXL];
    for (size_t i = 0; i < s->n; i++) {
        if (w->seen_counter[i] != s->table[i].counter) {
            w->seen_counter[i] = s->table[i].counter;
            w->seen_ms[i] = s->now;
        }
        v[i] = (dds_view_lease){&s->table[i], w->seen_ms[i]};
    }
    dds_plan p;
    dds__plan(v, s->n, w->id, s->now, LEASE_MS, w->max_leases, &p);
    for (size_t k = 0; k < p.ntake; k++) {
        dds_lease *l = &s->table[p.take[k]];
        CHECK(strcmp(l->checkpoint, DDS__CK_END) != 0);
        snprintf(l->owner, sizeof l->owner, "%s", w->id);
        l->counter++;
    }
    if (p.steal) {
        dds_lease *l = &s->table[p.steal_at];
        CHECK(strcmp(l->owner, w->id) != 0 && l->owner[0]);
        CHECK(strcmp(l->checkpoint, DDS__CK_END) != 0);
        snprintf(l->owner, sizeof l->owner, "%s", w->id);
        l->counter++;
        l->owner_switches++;
    }
}

/* rounds of every live worker, lease_ms / 3 apart (the renewal period) */
static void sim_rounds(sim_t *s, int rounds) {
    for (int r = 0; r < rounds; r++) {
        for (size_t k = 0; k < s->nw; k++)
            if (s->w[k].alive) sim_step(s, &s->w[k]);
        s->now += LEASE_MS / 3;
    }
}

static void test_two_workers(void) {
    sim_t s;
    sim_init(&s, 4);
    sim_join(&s, "A", 0);
    sim_rounds(&s, 1);
    CHECK(held(&s, "A") == 4); /* ownerless: all taken in one plan */
    sim_join(&s, "B", 0);
    sim_rounds(&s, 1);
    CHECK(held(&s, "A") == 3 && held(&s, "B") == 1); /* one steal a plan */
    sim_rounds(&s, 1);
    CHECK(held(&s, "A") == 2 && held(&s, "B") == 2);
    sim_rounds(&s, 20); /* and it stays so: renewed counters never look expired */
    CHECK(held(&s, "A") == 2 && held(&s, "B") == 2);
    /* B dies: A takes its leases once they have stood still for lease_ms, not before */
    s.w[1].alive = false;
    sim_rounds(&s, 3);
    CHECK(held(&s, "A") == 2 && held(&s, "B") == 2);
    sim_rounds(&s, 2);
    CHECK(held(&s, "A") == 4 && held(&s, "B") == 0);
}

static void test_three_workers(void) {
    sim_t s;
    sim_init(&s, 4);
    sim_join(&s, "A", 0);
    sim_rounds(&s, 1);
    sim_join(&s, "B", 0);
    sim_join(&s, "C", 0);
    sim_rounds(&s, 10);
    CHECK(held(&s, "A") == 2 && held(&s, "B") == 1 && held(&s, "C") == 1);
    /* 7 leases, 3 workers: target 3; a worker two below a busiest at the target steals */
    sim_init(&s, 7);
    sim_join(&s, "A", 0);
    sim_join(&s, "B", 0);
    sim_rounds(&s, 5);
    CHECK(held(&s, "A") == 4 && held(&s, "B") == 3);
    sim_join(&s, "C", 0);
    sim_rounds(&s, 10);
    size_t a = held(&s, "A"), b = held(&s, "B"), c = held(&s, "C");
    CHECK(a + b + c == 7 && a <= 3 && b <= 3 && c >= 2);
}

static void test_finished_and_capped(void) {
    sim_t s;
    sim_init(&s, 4);
    snprintf(s.table[0].checkpoint, sizeof s.table[0].checkpoint, "%s", DDS__CK_END);
    sim_join(&s, "A", 1);
    sim_join(&s, "B", 0);
    sim_rounds(&s, 10);
    CHECK(s.table[0].owner[0] == '\0'); /* SHARD_END: never taken */
    CHECK(held(&s, "A") == 1 && held(&s, "B") == 2);
}

int main(void) {
    test_expiry();
    test_expired_first();
    test_steal();
    test_two_workers();
    test_three_workers();
    test_finished_and_capped();
    return check_summary();
}
