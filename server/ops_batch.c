/* ops_batch.c: BatchWriteItem, BatchGetItem, TransactWriteItems and
 * TransactGetItems.
 *
 * Every action is prepared and validated with the single-item code
 * (items.h) before anything is written; the writes of one request then go
 * to the engine as one all-or-nothing batch (ddb_write_all, or with a
 * transaction's token ddb_write_all_once), and reads come from one
 * snapshot (ddb_read_all). Transactions are serializable by construction:
 * the engine's single writer applies them whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "server/ddbd.h"
#include "server/items.h"
#include "query/json.h"
#include "query/params.h"

#define MAX_BATCH_WRITES   25
#define MAX_BATCH_GETS     100
#define MAX_TRANSACT_ITEMS 100
#define BATCH_GET_BYTES    (16 * 1024 * 1024)

/* The storage key of an item key, for duplicate detection within a request. */
static bool same_item(const ddb_table_info_t *ta, const ddb_value_t *ka, const ddb_table_info_t *tb,
                      const ddb_value_t *kb) {
    return ta->id == tb->id && ddb_value_equal(ka, kb);
}

/* Whether ws[i] is the first of the writes to its table (capacity is
 * reported once per table). */
static bool first_of_table(const item_write_t *ws, size_t i) {
    for (size_t k = 0; k < i; k++) {
        if (ws[k].table.id == ws[i].table.id) return false;
    }
    return true;
}

/* Writes ,"ConsumedCapacity":[...] for prepared writes, one entry per table,
 * each write costing `factor` times its table and index writes (2 in
 * transactions, which name their units: kind). */
static void put_writes_capacity(ddbd_req_t *r, const item_write_t *ws, size_t n, int rcc,
                                double factor, ddbd_cap_kind_t kind, bool leading_comma) {
    if (!rcc) return;
    buf_puts(r->out, leading_comma ? ",\"ConsumedCapacity\":[" : "\"ConsumedCapacity\":[");
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (!first_of_table(ws, i)) continue;
        ddbd_capacity_t cap = {0};
        for (size_t k = i; k < n; k++) {
            if (ws[k].table.id == ws[i].table.id)
                ddbd_cap_write(r, &ws[i].table, ws[k].old, ws[k].result, factor, true, &cap);
        }
        if (!first) buf_putc(r->out, ',');
        first = false;
        ddbd_put_capacity(r->out, &ws[i].table, rcc, &cap, kind);
    }
    buf_putc(r->out, ']');
}

/* ---- BatchWriteItem --------------------------------------------------------------- */

int op_batch_write_item(ddbd_req_t *r) {
    const cJSON *items;
    int rcc;
    int rc = p_obj(r->in, "RequestItems", &items, r->err);
    if (!rc) rc = ddbd_parse_rcc(r, &rcc);
    if (rc) return rc;
    if (!items || cJSON_GetArraySize(items) == 0) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "BatchWriteItem cannot have a null or no requests set");
    }
    size_t total = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, items) {
        if (!cJSON_IsArray(t)) {
            return p_error_type(r->err, "RequestItems");
        }
        if (cJSON_GetArraySize(t) == 0) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                 "The batch write request list for a table cannot be null or "
                                 "empty: %s",
                                 t->string);
        }
        total += (size_t)cJSON_GetArraySize(t);
    }
    if (total > MAX_BATCH_WRITES) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "Too many items requested for the BatchWriteItem call");
    }
    item_write_t *ws = ddb_arena_alloc(r->arena, sizeof *ws * (total + 1));
    ddb_write_t *ops = ddb_arena_alloc(r->arena, sizeof *ops * (total + 1));
    size_t n = 0;
    cJSON_ArrayForEach(t, items) {
        const cJSON *req;
        cJSON_ArrayForEach(req, t) {
            const cJSON *put = cJSON_GetObjectItemCaseSensitive(req, "PutRequest");
            const cJSON *del = cJSON_GetObjectItemCaseSensitive(req, "DeleteRequest");
            if ((put != NULL) == (del != NULL) || !cJSON_IsObject(put ? put : del)) {
                return ddb_error_set(
                    r->err, DDB_ERR_VALIDATION,
                    "Supplied AttributeValue has more than one datatypes set, must "
                    "contain exactly one of the supported datatypes");
            }
            item_spec_t spec;
            rc = item_spec_read(r, put ? put : del, put ? W_PUT : W_DELETE, t->string, &spec);
            if (!rc) rc = item_prepare(r, &spec, &ws[n]);
            n++;
            if (rc) return rc;
            for (size_t i = 0; i + 1 < n; i++) {
                if (same_item(&ws[i].table, &ws[i].key, &ws[n - 1].table, &ws[n - 1].key)) {
                    return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                         "Provided list of item keys contains duplicates");
                }
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        ops[i] = (ddb_write_t){
            .table = &ws[i].table, .key = &ws[i].key, .fn = item_mutate, .ctx = &ws[i]};
    }
    rc = ddb_write_all(r->srv->engine, ops, n, r->arena, r->err);
    if (rc == DDB_ERR_TRANSACTION_CANCELED) {
        /* a table dropped meanwhile: report it as the single-item call would */
        for (size_t i = 0; i < n; i++) {
            if (ops[i].status) {
                rc = ddb_error_set(r->err, (ddb_status_t)ops[i].status, "%s", ops[i].error.msg);
                break;
            }
        }
    }
    if (rc) return rc;
    buf_puts(r->out, "{\"UnprocessedItems\":{}");
    put_writes_capacity(r, ws, n, rcc, 1, CAP_PLAIN, true);
    buf_putc(r->out, '}');
    return 0;
}

/* ---- BatchGetItem ------------------------------------------------------------------- */

int op_batch_get_item(ddbd_req_t *r) {
    const cJSON *items;
    int rcc;
    int rc = p_obj(r->in, "RequestItems", &items, r->err);
    if (!rc) rc = ddbd_parse_rcc(r, &rcc);
    if (rc) return rc;
    if (!items || cJSON_GetArraySize(items) == 0) {
        return p_error_len_min(r->err, "{}", 2, 1, "requestItems");
    }
    size_t total = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, items) {
        const cJSON *keys = cJSON_IsObject(t) ? cJSON_GetObjectItemCaseSensitive(t, "Keys") : NULL;
        if (keys && !cJSON_IsNull(keys) && !cJSON_IsArray(keys)) {
            return p_error_type(r->err, "Keys");
        }
        if (cJSON_GetArraySize(keys) == 0) { /* no Keys reads as an empty list */
            return ddb_error_set(
                r->err, DDB_ERR_VALIDATION,
                "The list of keys in RequestItems for BatchGetItem is required: %s "
                "has empty list",
                t->string);
        }
        total += (size_t)cJSON_GetArraySize(keys);
    }
    if (total > MAX_BATCH_GETS) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "Too many items requested for the BatchGetItem call");
    }
    size_t ntables = (size_t)cJSON_GetArraySize(items);
    ddb_table_info_t *tables = ddb_arena_alloc(r->arena, sizeof *tables * ntables);
    req_exprs_t *xs = ddb_arena_alloc(r->arena, sizeof *xs * ntables);
    bool *consistent = ddb_arena_alloc(r->arena, sizeof *consistent * ntables);
    const ddb_table_info_t **tptr = ddb_arena_alloc(r->arena, sizeof *tptr * (total + 1));
    const ddb_value_t **kptr = ddb_arena_alloc(r->arena, sizeof *kptr * (total + 1));
    size_t *owner = ddb_arena_alloc(r->arena, sizeof *owner * (total + 1));
    size_t n = 0, ti = 0;
    cJSON_ArrayForEach(t, items) {
        bool cp;
        rc = exprs_parse(r, t, EXPRS_PROJECTION, &xs[ti]);
        if (!rc) rc = p_bool(t, "ConsistentRead", &consistent[ti], &cp, r->err);
        if (!rc) rc = ddbd_load_table_name(r, t->string, strlen(t->string), false, &tables[ti]);
        const cJSON *k;
        cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(t, "Keys")) {
            if (rc) break;
            ddb_value_t *key = ddb_arena_alloc(r->arena, sizeof *key);
            if (!cJSON_IsObject(k)) {
                rc = p_error_type(r->err, "Keys");
                break;
            }
            rc = json_to_item(r->arena, k, key, r->err);
            if (!rc) rc = ddbd_check_key(r, &tables[ti], key);
            for (size_t i = 0; !rc && i < n; i++) {
                if (owner[i] == ti && ddb_value_equal(kptr[i], key)) {
                    rc = ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                       "Provided list of item keys contains duplicates");
                }
            }
            tptr[n] = &tables[ti];
            kptr[n] = key;
            owner[n++] = ti;
        }
        ti++;
        if (rc) return rc;
    }
    const ddb_value_t **got = ddb_arena_alloc(r->arena, sizeof *got * (n + 1));
    rc = ddb_read_all(r->srv->engine, tptr, kptr, n, r->arena, got, r->err);
    if (rc) return rc;
    /* responses per table, up to 16 MB; the rest is UnprocessedKeys */
    size_t bytes = 0, cut = n;
    for (size_t i = 0; i < n; i++) {
        if (got[i]) bytes += ddb_item_size(got[i]);
        if (bytes > BATCH_GET_BYTES) {
            cut = i;
            break;
        }
    }
    buf_puts(r->out, "{\"Responses\":{");
    for (size_t k = 0; k < ntables; k++) {
        if (k) buf_putc(r->out, ',');
        ddbd_put_table_name(r->out, tables[k].name, tables[k].name_len);
        buf_puts(r->out, ":[");
        bool first = true;
        for (size_t i = 0; i < cut; i++) {
            if (owner[i] != k || !got[i]) continue;
            if (!first) buf_putc(r->out, ',');
            first = false;
            json_put_projected(r->out, r->arena, xs[k].proj, got[i]);
        }
        buf_putc(r->out, ']');
    }
    buf_puts(r->out, "},\"UnprocessedKeys\":{");
    bool first_table = true;
    for (size_t k = 0; k < ntables && cut < n; k++) {
        bool any = false;
        for (size_t i = cut; i < n; i++)
            any |= owner[i] == k;
        if (!any) continue;
        if (!first_table) buf_putc(r->out, ',');
        first_table = false;
        ddbd_put_table_name(r->out, tables[k].name, tables[k].name_len);
        buf_puts(r->out, ":{\"Keys\":[");
        bool first = true;
        for (size_t i = cut; i < n; i++) {
            if (owner[i] != k) continue;
            if (!first) buf_putc(r->out, ',');
            first = false;
            json_put_item(r->out, kptr[i]);
        }
        buf_puts(r->out, "]}");
    }
    buf_putc(r->out, '}');
    if (rcc) {
        buf_puts(r->out, ",\"ConsumedCapacity\":[");
        /* each key a GetItem of its own: its item rounded up alone, a
         * missing one the minimum */
        for (size_t k = 0; k < ntables; k++) {
            ddbd_capacity_t cap = {0};
            for (size_t i = 0; i < cut; i++) {
                if (owner[i] == k) {
                    ddbd_cap_read(
                        &cap, &tables[k], NULL,
                        ddbd_read_units(got[i] ? ddb_item_size(got[i]) : 0, consistent[k]));
                }
            }
            if (k) buf_putc(r->out, ',');
            ddbd_put_capacity(r->out, &tables[k], rcc, &cap, CAP_PLAIN);
        }
        buf_putc(r->out, ']');
    }
    buf_putc(r->out, '}');
    return 0;
}

/* ---- TransactWriteItems ------------------------------------------------------------- */

/* Idempotency tokens. DynamoDB's "same parameters" are, here, the same
 * TransactItems: the same JSON tree with the members of every object in
 * any order (SDKs retry with byte-identical bodies; a client that rebuilds
 * its request from a map should not get a mismatch for it), while the order
 * of list elements and of the actions counts (it orders
 * CancellationReasons). ReturnConsumedCapacity and
 * ReturnItemCollectionMetrics shape only the response and are left out. The
 * engine keeps the token with the transaction's own write
 * (ddb_write_all_once), so a replay is recognised however many
 * transactions ran meanwhile, across restarts and when copies race. */

/* The digest of a value of one JSON type: the type is the seed. */
static XXH128_hash_t digest_bytes(char tag, const void *p, size_t len) {
    return XXH3_128bits_withSeed(p, len, (XXH64_hash_t)(unsigned char)tag);
}

static int cmp_hash(const void *a, const void *b) {
    return XXH128_cmp(a, b);
}

/* A 128-bit digest of a JSON tree, member order aside: an object's digest
 * is over its members' (name, value) digests in sorted order. */
static XXH128_hash_t digest_json(ddb_arena_t *a, const cJSON *j) {
    if (cJSON_IsString(j)) {
        size_t len;
        const char *s = json_str(j, &len);
        return digest_bytes('s', s, len);
    }
    if (cJSON_IsNumber(j)) return digest_bytes('n', &j->valuedouble, sizeof j->valuedouble);
    if (cJSON_IsTrue(j)) return digest_bytes('t', "", 0);
    if (cJSON_IsFalse(j)) return digest_bytes('f', "", 0);
    if (!cJSON_IsArray(j) && !cJSON_IsObject(j)) return digest_bytes('z', "", 0);
    size_t n = (size_t)cJSON_GetArraySize(j), i = 0;
    XXH128_canonical_t *parts = ddb_arena_alloc(a, sizeof *parts * (n ? n : 1));
    const cJSON *c;
    cJSON_ArrayForEach(c, j) {
        XXH128_hash_t h = digest_json(a, c);
        if (cJSON_IsObject(j)) {
            /* a member: its value's digest, then its name (no ambiguity:
             * the digest has a fixed length) */
            size_t nl;
            const char *name = json_key(c, &nl);
            unsigned char *m = ddb_arena_alloc(a, sizeof(XXH128_canonical_t) + nl);
            XXH128_canonicalFromHash((XXH128_canonical_t *)m, h);
            memcpy(m + sizeof(XXH128_canonical_t), name, nl);
            h = digest_bytes('m', m, sizeof(XXH128_canonical_t) + nl);
        }
        XXH128_canonicalFromHash(&parts[i++], h);
    }
    if (cJSON_IsObject(j)) qsort(parts, n, sizeof *parts, cmp_hash);
    return digest_bytes(cJSON_IsObject(j) ? 'o' : 'a', parts, sizeof *parts * n);
}

static void token_digest(ddbd_req_t *r, const cJSON *items, uint8_t out[16]) {
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, digest_json(r->arena, items));
    memcpy(out, c.digest, 16);
}

/* A replay's answer: DynamoDB reports the read capacity of reading the
 * items (a strongly consistent read each), not the writes' capacity. */
static int replay_answer(ddbd_req_t *r, const item_write_t *ws, size_t n, int rcc) {
    if (!rcc) {
        buf_puts(r->out, "{}");
        return 0;
    }
    const ddb_table_info_t **tptr = ddb_arena_alloc(r->arena, sizeof *tptr * n);
    const ddb_value_t **kptr = ddb_arena_alloc(r->arena, sizeof *kptr * n);
    const ddb_value_t **got = ddb_arena_alloc(r->arena, sizeof *got * n);
    for (size_t i = 0; i < n; i++) {
        tptr[i] = &ws[i].table;
        kptr[i] = &ws[i].key;
    }
    int rc = ddb_read_all(r->srv->engine, tptr, kptr, n, r->arena, got, r->err);
    if (rc) return rc;
    buf_puts(r->out, "{\"ConsumedCapacity\":[");
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (!first_of_table(ws, i)) continue;
        ddbd_capacity_t cap = {0};
        for (size_t k = i; k < n; k++) {
            if (ws[k].table.id == ws[i].table.id) {
                ddbd_cap_read(&cap, &ws[i].table, NULL,
                              ddbd_read_units(got[k] ? ddb_item_size(got[k]) : 0, true));
            }
        }
        if (!first) buf_putc(r->out, ',');
        first = false;
        ddbd_put_capacity(r->out, &ws[i].table, rcc, &cap, CAP_READS);
    }
    buf_puts(r->out, "]}");
    return 0;
}

#define MAX_TRANSACT_BYTES (4u << 20)

static const char *const action_names[] = {"Put", "Delete", "Update", "ConditionCheck"};
static const write_kind_t action_kinds[] = {W_PUT, W_DELETE, W_UPDATE, W_CHECK};

static const char *reason_code(int status) {
    switch (status) {
    case 0:
        return "None";
    case DDB_ERR_CONDITIONAL_CHECK:
        return "ConditionalCheckFailed";
    case DDB_ERR_VALIDATION:
        return "ValidationError";
    case DDB_ERR_RESOURCE_NOT_FOUND:
        return "ResourceNotFound";
    default:
        return "InternalError";
    }
}

static int transaction_canceled(ddbd_req_t *r, const ddb_write_t *ops, const item_write_t *ws,
                                size_t n) {
    char list[1024];
    size_t k = 0;
    for (size_t i = 0; i < n && k < sizeof list; i++) {
        k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "",
                              reason_code(ops[i].status));
    }
    buf_puts(r->err_extra, "\"CancellationReasons\":[");
    for (size_t i = 0; i < n; i++) {
        if (i) buf_putc(r->err_extra, ',');
        buf_puts(r->err_extra, "{\"Code\":");
        json_put_str(r->err_extra, reason_code(ops[i].status), strlen(reason_code(ops[i].status)));
        if (ops[i].status) {
            buf_puts(r->err_extra, ",\"Message\":");
            json_put_str(r->err_extra, ops[i].error.msg, strlen(ops[i].error.msg));
            if (ops[i].status == DDB_ERR_CONDITIONAL_CHECK && ws[i].s.old_on_failure && ws[i].old) {
                buf_puts(r->err_extra, ",\"Item\":");
                json_put_item(r->err_extra, ws[i].old);
            }
        }
        buf_putc(r->err_extra, '}');
    }
    buf_putc(r->err_extra, ']');
    return ddb_error_set(r->err, DDB_ERR_TRANSACTION_CANCELED,
                         "Transaction cancelled, please refer cancellation reasons for specific "
                         "reasons [%s]",
                         list);
}

int op_transact_write_items(ddbd_req_t *r) {
    const cJSON *items;
    const char *token;
    size_t tl;
    int rcc;
    int rc = p_arr(r->in, "TransactItems", &items, r->err);
    if (!rc) rc = p_str(r->in, "ClientRequestToken", &token, &tl, r->err);
    if (!rc) rc = ddbd_parse_rcc(r, &rcc);
    if (rc) return rc;
    size_t n = items ? (size_t)cJSON_GetArraySize(items) : 0;
    if (!items) return p_error_not_null(r->err, "transactItems");
    rc = p_error_len(r->err, "[...]", 5, n, 1, MAX_TRANSACT_ITEMS, "transactItems");
    if (rc) return rc;
    if (token && (tl < 1 || tl > 36)) {
        /* DynamoDB names only the upper bound, even for an empty token */
        return p_error_len_max(r->err, token, (int)tl, 36, "clientRequestToken");
    }
    item_write_t *ws = ddb_arena_alloc(r->arena, sizeof *ws * n);
    ddb_write_t *ops = ddb_arena_alloc(r->arena, sizeof *ops * n);
    size_t i = 0, total = 0;
    bool reasons = false; /* an action failed in a way reported as its reason */
    const cJSON *a;
    cJSON_ArrayForEach(a, items) {
        int found = -1, count = 0;
        for (int k = 0; k < 4; k++) {
            if (cJSON_GetObjectItemCaseSensitive(a, action_names[k])) found = k, count++;
        }
        if (count != 1) {
            return ddb_error_set(
                r->err, DDB_ERR_VALIDATION,
                "TransactItems can only contain one of Check, Put, Update or Delete");
        }
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(a, action_names[found]);
        if (!cJSON_IsObject(body)) {
            return p_error_type(r->err, action_names[found]);
        }
        item_spec_t spec;
        rc = item_spec_read(r, body, action_kinds[found], NULL, &spec);
        if (rc) return rc;
        rc = item_prepare(r, &spec, &ws[i]);
        if (rc == DDB_ERR_VALIDATION && item_failure_is_reason(&ws[i], &spec)) {
            /* this action's reason; the rest are still checked, and any
             * request-level error among them wins */
            ops[i] = (ddb_write_t){.status = DDB_ERR_VALIDATION, .error = *r->err};
            reasons = true;
            i++;
            continue;
        }
        if (rc) return rc;
        for (size_t k = 0; k < i; k++) {
            if (ops[k].status) continue; /* a refused action's key may be no key */
            if (same_item(&ws[k].table, &ws[k].key, &ws[i].table, &ws[i].key)) {
                return ddb_error_set(
                    r->err, DDB_ERR_VALIDATION,
                    "Transaction request cannot include multiple operations on one item");
            }
        }
        ops[i] = (ddb_write_t){
            .table = &ws[i].table, .key = &ws[i].key, .fn = item_mutate, .ctx = &ws[i]};
        /* the items a Put writes, the keys of the rest */
        total += ddb_item_size(spec.kind == W_PUT ? &spec.item : &ws[i].key);
        i++;
    }
    if (reasons) {
        for (size_t k = 0; k < n; k++) {
            if (ops[k].status != DDB_ERR_VALIDATION) ops[k] = (ddb_write_t){0};
        }
        return transaction_canceled(r, ops, ws, n);
    }
    if (total > MAX_TRANSACT_BYTES) {
        /* DynamoDB documents the limit, not its message: ours, in its words
         * (DynamoDB Local does not check it) */
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "The aggregate size of the items in the transaction cannot exceed "
                             "4 MB");
    }
    ddb_token_t tk = {.text = token, .len = token ? tl : 0};
    if (token) token_digest(r, items, tk.digest);
    bool replayed;
    rc =
        ddb_write_all_once(r->srv->engine, ops, n, token ? &tk : NULL, &replayed, r->arena, r->err);
    if (rc == DDB_ERR_TRANSACTION_CANCELED) return transaction_canceled(r, ops, ws, n);
    if (rc) return rc;
    if (replayed) return replay_answer(r, ws, n, rcc);
    buf_putc(r->out, '{');
    put_writes_capacity(r, ws, n, rcc, 2, CAP_WRITES, false); /* transactional writes cost double */
    buf_putc(r->out, '}');
    return 0;
}

/* ---- TransactGetItems --------------------------------------------------------------- */

int op_transact_get_items(ddbd_req_t *r) {
    const cJSON *items;
    int rcc;
    int rc = p_arr(r->in, "TransactItems", &items, r->err);
    if (!rc) rc = ddbd_parse_rcc(r, &rcc);
    if (rc) return rc;
    size_t n = items ? (size_t)cJSON_GetArraySize(items) : 0;
    rc = p_error_len(r->err, "[...]", 5, n, 1, MAX_TRANSACT_ITEMS, "transactItems");
    if (rc) return rc;
    ddb_table_info_t *tables = ddb_arena_alloc(r->arena, sizeof *tables * n);
    const ddb_table_info_t **tptr = ddb_arena_alloc(r->arena, sizeof *tptr * n);
    const ddb_value_t **kptr = ddb_arena_alloc(r->arena, sizeof *kptr * n);
    req_exprs_t *xs = ddb_arena_alloc(r->arena, sizeof *xs * n);
    size_t i = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, items) {
        const cJSON *get = cJSON_GetObjectItemCaseSensitive(a, "Get");
        if (!cJSON_IsObject(get)) {
            return p_error_not_null(r->err, "transactItems.%zu.member.get", i + 1);
        }
        ddb_value_t *key = ddb_arena_alloc(r->arena, sizeof *key);
        const char *name;
        size_t nl;
        rc = item_read_map(r, get, "Key", "key", key);
        if (!rc) rc = exprs_parse(r, get, EXPRS_PROJECTION, &xs[i]);
        if (!rc) rc = p_str(get, "TableName", &name, &nl, r->err);
        if (!rc) rc = ddbd_load_table_name(r, name, nl, false, &tables[i]);
        if (!rc) rc = ddbd_check_key(r, &tables[i], key);
        if (rc) return rc;
        for (size_t k = 0; k < i; k++) {
            if (same_item(&tables[k], kptr[k], &tables[i], key)) {
                return ddb_error_set(
                    r->err, DDB_ERR_VALIDATION,
                    "Transaction request cannot include multiple operations on one item");
            }
        }
        tptr[i] = &tables[i];
        kptr[i] = key;
        i++;
    }
    const ddb_value_t **got = ddb_arena_alloc(r->arena, sizeof *got * n);
    rc = ddb_read_all(r->srv->engine, tptr, kptr, n, r->arena, got, r->err);
    if (rc) return rc;
    buf_puts(r->out, "{\"Responses\":[");
    for (size_t k = 0; k < n; k++) {
        if (k) buf_putc(r->out, ',');
        if (!got[k]) {
            buf_puts(r->out, "{}");
            continue;
        }
        buf_puts(r->out, "{\"Item\":");
        json_put_projected(r->out, r->arena, xs[k].proj, got[k]);
        buf_putc(r->out, '}');
    }
    buf_putc(r->out, ']');
    if (rcc) {
        /* per table in order of first use, each read a transactional one
         * (twice a strongly consistent read) */
        buf_puts(r->out, ",\"ConsumedCapacity\":[");
        for (size_t k = 0; k < n; k++) {
            bool seen = false;
            for (size_t j = 0; j < k && !seen; j++)
                seen = tables[j].id == tables[k].id;
            if (seen) continue;
            ddbd_capacity_t cap = {0};
            for (size_t j = k; j < n; j++) {
                if (tables[j].id == tables[k].id) {
                    ddbd_cap_read(&cap, &tables[k], NULL,
                                  2 * ddbd_read_units(got[j] ? ddb_item_size(got[j]) : 0, true));
                }
            }
            if (k) buf_putc(r->out, ',');
            ddbd_put_capacity(r->out, &tables[k], rcc, &cap, CAP_READS);
        }
        buf_putc(r->out, ']');
    }
    buf_putc(r->out, '}');
    return 0;
}
