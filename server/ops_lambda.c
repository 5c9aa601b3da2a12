/* ops_lambda.c: Lambda's event-source-mapping operations (Create, List,
 * Get, Update, Delete) on ddbd's port. Mappings are server records
 * (ddb_kv under DDB_KV_MAPPINGS, keyed by UUID, in esm_put_stored's form);
 * every write is followed by trig_reload so the dispatcher follows it.
 * Never invokes a function or waits for the dispatcher. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "query/json.h"
#include "server/lambda.h"
#include "streams/trigger.h"

#define NOT_FOUND       "The resource you requested does not exist."
#define NO_RECORDS      "No records processed"
#define LIST_DEFAULT    100 /* mappings per page when MaxItems is absent */
#define STATUS_TEXT_MAX 256

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A random (version 4) UUID: a mapping's name must never repeat. */
static int new_uuid(ddbd_rest_req_t *r, char out[ESM_UUID_LEN + 1]) {
    unsigned char b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        return ddbd_rest_error_set(r->err, 500, "ServiceException", "no random bytes for a UUID");
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, ESM_UUID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
    return 0;
}

/* Whether mapping m is one of the request's region: as Lambda's, a
 * mapping lives in a region, the one of its stream (its EventSourceArn);
 * under --shared-regions every mapping is every region's. */
static bool in_region(const ddbd_rest_req_t *r, const esm_t *m) {
    if (r->srv->shared_regions) return true;
    ddb_arn_t a;
    const char *s = m->event_source_arn;
    return ddb_arn_parse(s, strlen(s), &a) && a.region_len == strlen(r->region) &&
           memcmp(a.region, r->region, a.region_len) == 0;
}

/* The stored mapping `uuid` of the request's region; *found false when
 * there is none. */
static int load(ddbd_rest_req_t *r, const char *uuid, esm_t *m, bool *found) {
    *found = false;
    if (strlen(uuid) != ESM_UUID_LEN) return 0;
    char *val;
    size_t vlen;
    ddb_error_t e;
    if (ddb_kv_get(r->srv->engine, DDB_KV_MAPPINGS, uuid, ESM_UUID_LEN, r->arena, &val, &vlen, &e))
        return ddbd_rest_error_from(r->err, &e);
    if (!val) return 0;
    if (esm_parse(val, vlen, r->arena, m, &e)) return ddbd_rest_error_from(r->err, &e);
    *found = in_region(r, m);
    return 0;
}

static int load_param(ddbd_rest_req_t *r, esm_t *m) {
    const route_kv_t *p = route_get(r->params, r->nparams, "UUID");
    bool found = false;
    int rc = p ? load(r, p->value, m, &found) : 0;
    if (rc) return rc;
    if (!found) return ddbd_rest_error_set(r->err, 404, "ResourceNotFoundException", NOT_FOUND);
    return 0;
}

/* Writes a created or updated mapping: modified now, its settled state
 * what the user asked; the dispatcher is told. */
static int store(ddbd_rest_req_t *r, esm_t *m) {
    m->last_modified_ms = now_ms();
    m->state = m->enabled ? ESM_ENABLED : ESM_DISABLED;
    m->state_reason = "User action";
    buf_t b;
    buf_init(&b);
    esm_put_stored(&b, m);
    ddb_error_t e;
    int rc = ddb_kv_put(r->srv->engine, DDB_KV_MAPPINGS, m->uuid, ESM_UUID_LEN, b.data, b.len, &e);
    buf_free(&b);
    if (rc) return ddbd_rest_error_from(r->err, &e);
    if (r->srv->triggers) trig_reload(r->srv->triggers, m->uuid);
    return 0;
}

/* The state and LastProcessingResult to show: the stored state is what
 * the user last asked (Enabled or Disabled), the dispatcher's refines it
 * while it catches up (Creating before a new mapping's poller runs,
 * Enabling while a re-enabled one restarts); its LastProcessingResult when
 * it knows the mapping. A disabled mapping shows Disabled at once: its
 * poller takes no new batch after trig_reload. */
static esm_state_t status_of(ddbd_rest_req_t *r, const esm_t *m, char *last, size_t n) {
    esm_state_t st = m->state, live = 0;
    snprintf(last, n, "%s", NO_RECORDS);
    if (!r->srv->triggers || trig_status(r->srv->triggers, m->uuid, &live, last, n) != 0) {
        snprintf(last, n, "%s", NO_RECORDS);
        return st;
    }
    if (st == ESM_ENABLED && live == ESM_DISABLED) return ESM_ENABLING;
    if (st == ESM_ENABLED && live == ESM_CREATING) return ESM_CREATING;
    return st;
}

/* ---- every stored mapping -------------------------------------------------------- */

typedef struct all_maps {
    ddbd_rest_req_t *r;
    esm_t *v;
    size_t n, cap;
    int rc;
} all_maps_t;

static int collect(void *ctx, const char *key, size_t klen, const char *val, size_t vlen) {
    (void)key, (void)klen;
    all_maps_t *a = ctx;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        esm_t *v = ddb_arena_alloc(a->r->arena, cap * sizeof *v);
        if (a->n) memcpy(v, a->v, a->n * sizeof *v);
        a->v = v;
        a->cap = cap;
    }
    ddb_error_t e;
    if (esm_parse(val, vlen, a->r->arena, &a->v[a->n], &e)) {
        a->rc = ddbd_rest_error_from(a->r->err, &e);
        return 1;
    }
    if (in_region(a->r, &a->v[a->n])) a->n++;
    return 0;
}

/* Every stored mapping of the request's region, in UUID order. */
static int load_all(ddbd_rest_req_t *r, all_maps_t *a) {
    memset(a, 0, sizeof *a);
    a->r = r;
    ddb_error_t e;
    if (ddb_kv_scan(r->srv->engine, DDB_KV_MAPPINGS, "", 0, collect, a, &e))
        return ddbd_rest_error_from(r->err, &e);
    return a->rc;
}

/* Lambda keeps one mapping per (stream, function): another one is a
 * conflict naming the existing mapping. */
static int check_conflict(ddbd_rest_req_t *r, const esm_t *m, const lesm_asked_t *asked) {
    all_maps_t a;
    int rc = load_all(r, &a);
    if (rc) return rc;
    for (size_t i = 0; i < a.n; i++) {
        const esm_t *o = &a.v[i];
        if (strcmp(o->uuid, m->uuid) == 0) continue;
        if (strcmp(o->function_arn, m->function_arn) ||
            strcmp(o->event_source_arn, m->event_source_arn))
            continue;
        /* the message names the function as the request did, bare */
        const char *fn = asked->function ? asked->function : m->function_arn;
        const char *bare = strstr(fn, "function:");
        bare = bare ? bare + 9 : fn;
        size_t bl = strcspn(bare, ":");
        return ddbd_rest_error_set(r->err, 409, "ResourceConflictException",
                                   "The event source arn (\" %s \") and function (\" %.*s \") "
                                   "provided mapping already exists. Please update or delete the "
                                   "existing mapping with UUID %s",
                                   o->event_source_arn, (int)bl, bare, o->uuid);
    }
    return 0;
}

/* ---- the operations ---------------------------------------------------------------- */

int op_lambda_create_esm(ddbd_rest_req_t *r) {
    esm_t m = {.batch_size = ESM_DEFAULT_BATCH,
               .parallelization = 1,
               .max_retries = -1,
               .max_age_s = -1,
               .enabled = true};
    lesm_asked_t asked;
    int rc = lesm_parse(r, true, &m, &asked);
    if (!rc) rc = new_uuid(r, m.uuid);
    if (!rc) rc = check_conflict(r, &m, &asked);
    if (rc) return rc;
    rc = store(r, &m);
    if (rc) return rc;
    r->status = 202;
    esm_put_json(r->out, &m, ESM_CREATING, NO_RECORDS);
    return 0;
}

int op_lambda_get_esm(ddbd_rest_req_t *r) {
    esm_t m;
    int rc = load_param(r, &m);
    if (rc) return rc;
    char last[STATUS_TEXT_MAX];
    esm_state_t st = status_of(r, &m, last, sizeof last);
    esm_put_json(r->out, &m, st, last);
    return 0;
}

int op_lambda_update_esm(ddbd_rest_req_t *r) {
    esm_t m;
    int rc = load_param(r, &m);
    if (rc) return rc;
    bool was_enabled = m.enabled;
    char last[STATUS_TEXT_MAX];
    status_of(r, &m, last, sizeof last);
    lesm_asked_t asked;
    rc = lesm_parse(r, false, &m, &asked);
    if (!rc && asked.function_given) rc = check_conflict(r, &m, &asked);
    if (rc) return rc;
    rc = store(r, &m);
    if (rc) return rc;
    esm_state_t shown = ESM_UPDATING;
    if (asked.enabled_present && m.enabled != was_enabled)
        shown = m.enabled ? ESM_ENABLING : ESM_DISABLING;
    r->status = 202;
    esm_put_json(r->out, &m, shown, last);
    return 0;
}

int op_lambda_delete_esm(ddbd_rest_req_t *r) {
    esm_t m;
    int rc = load_param(r, &m);
    if (rc) return rc;
    char last[STATUS_TEXT_MAX];
    status_of(r, &m, last, sizeof last);
    ddb_error_t e;
    if (ddb_kv_delete(r->srv->engine, DDB_KV_MAPPINGS, m.uuid, ESM_UUID_LEN, &e))
        return ddbd_rest_error_from(r->err, &e);
    if (r->srv->triggers) trig_reload(r->srv->triggers, m.uuid);
    r->status = 202;
    esm_put_json(r->out, &m, ESM_DELETING, last);
    return 0;
}

/* ---- ListEventSourceMappings -------------------------------------------------------- */

/* Whether a mapping's function is the one a List filter names (a name,
 * NAME:QUALIFIER, a partial or a full ARN; no qualifier: any). */
static bool fn_matches(const char *filter, const char *function_arn) {
    const char *fname, *fqual, *mname, *mqual;
    size_t fnl, mnl;
    fn_name_split(filter, &fname, &fnl, &fqual);
    fn_name_split(function_arn, &mname, &mnl, &mqual);
    if (fnl != mnl || memcmp(fname, mname, fnl) != 0) return false;
    if (!fqual) return true;
    return mqual && strcmp(fqual, mqual) == 0;
}

/* MaxItems from the query string: 1..10000, as the model says. */
static int list_limit(ddbd_rest_req_t *r, int64_t *limit) {
    const route_kv_t *q = route_get(r->query, r->nquery, "MaxItems");
    *limit = LIST_DEFAULT;
    if (!q) return 0;
    char *end;
    long long v = strtoll(q->value, &end, 10);
    if (!q->value[0] || *end) {
        return ddbd_rest_error_set(r->err, 400, "ValidationException",
                                   "1 validation error detected: Value '%.*s' at 'maxItems' "
                                   "failed to satisfy constraint: Member must be an integer",
                                   p_cut(q->value_len, 100), q->value);
    }
    ddb_error_t e;
    if (p_error_range(&e, "maxItems", true, v, 1, 10000))
        return ddbd_rest_error_set(r->err, 400, "ValidationException", "%s", e.msg);
    *limit = v;
    return 0;
}

int op_lambda_list_esms(ddbd_rest_req_t *r) {
    int64_t limit;
    int rc = list_limit(r, &limit);
    if (rc) return rc;
    const route_kv_t *src = route_get(r->query, r->nquery, "EventSourceArn");
    const route_kv_t *fn = route_get(r->query, r->nquery, "FunctionName");
    const route_kv_t *marker = route_get(r->query, r->nquery, "Marker");
    all_maps_t a;
    rc = load_all(r, &a);
    if (rc) return rc;
    buf_puts(r->out, "{\"EventSourceMappings\":[");
    int64_t shown = 0;
    const char *next = NULL;
    for (size_t i = 0; i < a.n; i++) {
        const esm_t *m = &a.v[i];
        /* the marker is the UUID the next page starts at (mappings are
         * listed in UUID order, so a page boundary survives deletions) */
        if (marker && strcmp(m->uuid, marker->value) < 0) continue;
        if (src && strcmp(m->event_source_arn, src->value)) continue;
        if (fn && !fn_matches(fn->value, m->function_arn)) continue;
        if (shown == limit) {
            next = m->uuid;
            break;
        }
        char last[STATUS_TEXT_MAX];
        esm_state_t st = status_of(r, m, last, sizeof last);
        if (shown++) buf_putc(r->out, ',');
        esm_put_json(r->out, m, st, last);
    }
    buf_putc(r->out, ']');
    if (next) {
        buf_puts(r->out, ",\"NextMarker\":");
        json_put_str(r->out, next, strlen(next));
    }
    buf_putc(r->out, '}');
    return 0;
}
