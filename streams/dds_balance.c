/* dds_balance.c: what a worker decides about the lease table after one scan (dds__plan): which
 * expired or ownerless leases it takes and whether it steals one from the busiest worker, so
 * that workers sharing an app end with ceil(leases / workers) shards each. Pure: no I/O, no
 * clock (the caller passes now and when it saw each counter move), no allocation. */
#include <string.h>

#include "streams/dds_int.h"

static bool finished(const dds_lease *l) {
    return strcmp(l->checkpoint, DDS__CK_END) == 0;
}

static bool expired(const dds_view_lease *v, int64_t now_ms, int64_t lease_ms) {
    return v->lease->owner[0] == '\0' || now_ms - v->seen_ms > lease_ms;
}

/* Unexpired, unfinished leases of owner. */
static size_t held_by(const dds_view_lease *v, size_t n, const char *owner, int64_t now_ms,
                      int64_t lease_ms) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!finished(v[i].lease) && !expired(&v[i], now_ms, lease_ms) &&
            strcmp(v[i].lease->owner, owner) == 0) {
            k++;
        }
    }
    return k;
}

/* Whether lease i is the first unexpired one of its owner in the view (to count owners once). */
static bool first_of_owner(const dds_view_lease *v, size_t i, int64_t now_ms, int64_t lease_ms) {
    for (size_t j = 0; j < i; j++) {
        if (!expired(&v[j], now_ms, lease_ms) &&
            strcmp(v[j].lease->owner, v[i].lease->owner) == 0) {
            return false;
        }
    }
    return true;
}

void dds__plan(const dds_view_lease *v, size_t n, const char *self, int64_t now_ms,
               int64_t lease_ms, int max_leases, dds_plan *out) {
    memset(out, 0, sizeof *out);
    size_t workers = 1, work = 0;
    for (size_t i = 0; i < n; i++) {
        if (!finished(v[i].lease)) work++;
        if (expired(&v[i], now_ms, lease_ms) || strcmp(v[i].lease->owner, self) == 0) continue;
        if (first_of_owner(v, i, now_ms, lease_ms)) workers++;
    }
    size_t target = (work + workers - 1) / workers;
    if (max_leases > 0 && target > (size_t)max_leases) target = (size_t)max_leases;
    size_t mine = held_by(v, n, self, now_ms, lease_ms);
    if (mine >= target) return;

    size_t want = target - mine, candidates = 0;
    for (size_t i = 0; i < n; i++) {
        if (finished(v[i].lease) || !expired(&v[i], now_ms, lease_ms)) continue;
        candidates++;
        if (out->ntake < want && out->ntake < sizeof out->take / sizeof out->take[0]) {
            out->take[out->ntake++] = i;
        }
    }
    if (candidates) return;

    /* nothing free: one lease of the busiest other worker, when that evens the load */
    size_t most = 0, at = 0;
    const char *busiest = NULL;
    for (size_t i = 0; i < n; i++) {
        const dds_lease *l = v[i].lease;
        if (finished(l) || expired(&v[i], now_ms, lease_ms) || strcmp(l->owner, self) == 0) {
            continue;
        }
        size_t k = held_by(v, n, l->owner, now_ms, lease_ms);
        if (k > most) {
            most = k;
            busiest = l->owner;
            at = i;
        }
    }
    if (!busiest || !(most > target || (most == target && mine + 2 <= most))) return;
    out->steal = true;
    out->steal_at = at;
}
