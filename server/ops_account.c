/* ops_account.c: resource tags (TagResource, UntagResource,
 * ListTagsOfResource, kept in the table's meta map) and the account-level
 * operations DescribeLimits and DescribeEndpoints. */
#include <string.h>
#include <strings.h>

#include "query/arn.h"
#include "query/json.h"
#include "query/params.h"
#include "server/ddbd.h"
#include "server/meta.h"

/* DynamoDB's limit of tags on one resource. */
#define MAX_TAGS 50

/* Characters (code points) in UTF-8 text: tag lengths count characters,
 * not bytes. */
static size_t utf8_chars(const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* DynamoDB's tag characters: letters, digits, white space and + - = . _ :
 * / (and @, which AWS's tagging rules allow everywhere). Any non-ASCII
 * character passes as a letter: without Unicode tables we do not tell
 * letters from symbols there. */
static bool tag_text_ok(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
            continue;
        }
        if (!strchr(" \t\n\r+-=._:/@", c) || c == 0) return false;
    }
    return true;
}

/* The checks past the length constraints, ours in DynamoDB's words (it
 * documents the rules, not its messages; DynamoDB Local has no tags). */
static int check_tag_key(ddbd_req_t *r, const char *k, size_t kl) {
    if (kl >= 4 && strncasecmp(k, "aws:", 4) == 0) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: The tag key prefix aws: "
                             "is reserved for AWS use; tag key: %.*s",
                             (int)p_cut(kl, 200), k);
    }
    if (!tag_text_ok(k, kl)) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "One or more parameter values were invalid: The tag key contains "
                             "characters that are not allowed; tag key: %.*s",
                             (int)p_cut(kl, 200), k);
    }
    return 0;
}

int ddbd_parse_tags(ddbd_req_t *r, const cJSON *arr, ddb_value_t *out, vlist_t *v,
                    const char *where) {
    size_t n = (size_t)cJSON_GetArraySize(arr);
    out->type = DDB_T_L;
    out->u.list.v = ddb_arena_alloc(r->arena, sizeof(ddb_value_t) * (n ? n : 1));
    out->u.list.n = 0;
    const cJSON *e;
    int idx = 0;
    cJSON_ArrayForEach(e, arr) {
        idx++;
        if (!cJSON_IsObject(e)) {
            return p_error_type(r->err, "Tags");
        }
        const char *k, *val;
        size_t kl, vl;
        int rc = p_str(e, "Key", &k, &kl, r->err);
        if (!rc) rc = p_str(e, "Value", &val, &vl, r->err);
        if (rc) return rc;
        if (!k) {
            vlist_not_null(v, "%s.%d.member.key", where, idx);
            continue;
        }
        if (!val) {
            vlist_not_null(v, "%s.%d.member.value", where, idx);
            continue;
        }
        vlist_len(v, k, p_cut(kl, 200), utf8_chars(k, kl), 1, 128, "%s.%d.member.key", where, idx);
        vlist_len(v, val, p_cut(vl, 200), utf8_chars(val, vl), 0, 256, "%s.%d.member.value", where,
                  idx);
        if (kl >= 1 && utf8_chars(k, kl) <= 128 && utf8_chars(val, vl) <= 256) {
            int rc2 = check_tag_key(r, k, kl);
            if (rc2) return rc2;
            if (!tag_text_ok(val, vl)) {
                return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                                     "One or more parameter values were invalid: The tag value "
                                     "contains characters that are not allowed; tag key: %.*s",
                                     (int)p_cut(kl, 200), k);
            }
        }
        mb_t m;
        mb_init(&m, r->arena, 2);
        mb_str(&m, "Key", k, kl);
        mb_str(&m, "Value", val, vl);
        out->u.list.v[out->u.list.n++] = mb_done(&m);
    }
    return 0;
}

int ddbd_check_tag_count(ddbd_req_t *r, size_t n) {
    if (n <= MAX_TAGS) return 0;
    return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                         "One or more parameter values were invalid: The number of tags "
                         "exceeds the limit of %d",
                         MAX_TAGS);
}

/* ---- tags ---------------------------------------------------------------- */

static int load_table_by_arn(ddbd_req_t *r, ddb_table_info_t *t) {
    const char *arn;
    size_t al;
    int rc = p_str(r->in, "ResourceArn", &arn, &al, r->err);
    if (rc) return rc;
    vlist_t v;
    vlist_init(&v);
    if (!arn) {
        vlist_not_null(&v, "resourceArn");
    } else {
        vlist_len(&v, arn, p_cut(al, 200), al, 1, 1283, "resourceArn");
    }
    rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    const char *name;
    size_t nl;
    rc = ddbd_table_from_arn(r, arn, al, &name, &nl);
    if (rc) return rc;
    ddb_arn_t a;
    if (ddb_arn_parse(arn, al, &a) && a.kind != DDB_ARN_TABLE) {
        /* only a table has tags: not its indexes or streams */
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "Invalid TableArn: Invalid ResourceArn provided as input %.*s",
                             (int)(al > 300 ? 300 : al), arn);
    }
    rc = ddb_table_get(r->srv->engine, name, nl, r->arena, t, r->err);
    if (rc == DDB_ERR_RESOURCE_NOT_FOUND) {
        return ddb_error_set(r->err, DDB_ERR_RESOURCE_NOT_FOUND,
                             "Requested resource not found: ResourcArn: %.*s not found", (int)al,
                             arn);
    }
    return rc;
}

static bool tag_key_eq(const ddb_value_t *tag, const char *k, size_t kl) {
    size_t l;
    const char *s = meta_str(tag, "Key", &l);
    return s && l == kl && memcmp(s, k, kl) == 0;
}

static int store_tags(ddbd_req_t *r, const ddb_table_info_t *t, const ddb_value_t *tags) {
    static const char *const replaced[] = {"Tags", NULL};
    mb_t m;
    mb_init(&m, r->arena, t->meta->u.map.n + 1);
    mb_copy_except(&m, t->meta, replaced);
    mb_val(&m, "Tags", tags);
    ddb_value_t meta = mb_done(&m);
    return ddb_table_set_meta(r->srv->engine, t->name, t->name_len, &meta, r->err);
}

int op_tag_resource(ddbd_req_t *r) {
    const cJSON *tags;
    int rc = p_arr(r->in, "Tags", &tags, r->err);
    if (rc) return rc;
    ddb_table_info_t t;
    vlist_t v;
    vlist_init(&v);
    ddb_value_t newtags = {.type = DDB_T_L};
    if (!tags) {
        vlist_not_null(&v, "tags");
    } else {
        rc = ddbd_parse_tags(r, tags, &newtags, &v, "tags");
        if (rc) return rc;
    }
    rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    rc = load_table_by_arn(r, &t);
    if (rc) return rc;
    const ddb_value_t *old = meta_get(t.meta, "Tags");
    size_t oldn = old && old->type == DDB_T_L ? old->u.list.n : 0;
    ddb_value_t merged = {.type = DDB_T_L};
    merged.u.list.v =
        ddb_arena_alloc(r->arena, sizeof(ddb_value_t) * (oldn + newtags.u.list.n + 1));
    for (size_t i = 0; i < oldn; i++) {
        const ddb_value_t *ot = &old->u.list.v[i];
        size_t kl;
        const char *k = meta_str(ot, "Key", &kl);
        bool replaced = false;
        for (size_t j = 0; j < newtags.u.list.n; j++) {
            if (tag_key_eq(&newtags.u.list.v[j], k, kl)) replaced = true;
        }
        if (!replaced) merged.u.list.v[merged.u.list.n++] = *ot;
    }
    for (size_t j = 0; j < newtags.u.list.n; j++) {
        /* a later duplicate key in one request wins */
        size_t kl;
        const char *k = meta_str(&newtags.u.list.v[j], "Key", &kl);
        bool dup = false;
        for (size_t q = j + 1; q < newtags.u.list.n; q++) {
            if (tag_key_eq(&newtags.u.list.v[q], k, kl)) dup = true;
        }
        if (!dup) merged.u.list.v[merged.u.list.n++] = newtags.u.list.v[j];
    }
    rc = ddbd_check_tag_count(r, merged.u.list.n);
    if (rc) return rc;
    rc = store_tags(r, &t, &merged);
    if (rc) return rc;
    buf_puts(r->out, "{}");
    return 0;
}

int op_untag_resource(ddbd_req_t *r) {
    const cJSON *keys;
    int rc = p_arr(r->in, "TagKeys", &keys, r->err);
    if (rc) return rc;
    if (!keys) return p_error_not_null(r->err, "tagKeys");
    const cJSON *e;
    vlist_t v;
    vlist_init(&v);
    int idx = 0;
    cJSON_ArrayForEach(e, keys) {
        if (!cJSON_IsString(e)) {
            return p_error_type(r->err, "TagKeys");
        }
        size_t kl;
        const char *k = json_str(e, &kl);
        vlist_len(&v, k, p_cut(kl, 200), utf8_chars(k, kl), 1, 128, "tagKeys.%d.member", ++idx);
    }
    rc = vlist_finish(&v, r->err);
    if (rc) return rc;
    cJSON_ArrayForEach(e, keys) {
        size_t kl;
        const char *k = json_str(e, &kl);
        rc = check_tag_key(r, k, kl);
        if (rc) return rc;
    }
    ddb_table_info_t t;
    rc = load_table_by_arn(r, &t);
    if (rc) return rc;
    const ddb_value_t *old = meta_get(t.meta, "Tags");
    size_t oldn = old && old->type == DDB_T_L ? old->u.list.n : 0;
    ddb_value_t kept = {.type = DDB_T_L};
    kept.u.list.v = ddb_arena_alloc(r->arena, sizeof(ddb_value_t) * (oldn + 1));
    for (size_t i = 0; i < oldn; i++) {
        bool removed = false;
        cJSON_ArrayForEach(e, keys) {
            size_t kl;
            const char *k = json_str(e, &kl);
            if (tag_key_eq(&old->u.list.v[i], k, kl)) {
                removed = true;
            }
        }
        if (!removed) kept.u.list.v[kept.u.list.n++] = old->u.list.v[i];
    }
    rc = store_tags(r, &t, &kept);
    if (rc) return rc;
    buf_puts(r->out, "{}");
    return 0;
}

int op_list_tags_of_resource(ddbd_req_t *r) {
    ddb_table_info_t t;
    int rc = load_table_by_arn(r, &t);
    if (rc) return rc;
    const ddb_value_t *tags = meta_get(t.meta, "Tags");
    buf_puts(r->out, "{\"Tags\":[");
    for (size_t i = 0; tags && tags->type == DDB_T_L && i < tags->u.list.n; i++) {
        size_t kl, vl;
        const char *k = meta_str(&tags->u.list.v[i], "Key", &kl);
        const char *val = meta_str(&tags->u.list.v[i], "Value", &vl);
        if (i) buf_putc(r->out, ',');
        buf_puts(r->out, "{\"Key\":");
        json_put_str(r->out, k ? k : "", kl);
        buf_puts(r->out, ",\"Value\":");
        json_put_str(r->out, val ? val : "", vl);
        buf_putc(r->out, '}');
    }
    buf_puts(r->out, "]}");
    return 0;
}

/* ---- account-level ------------------------------------------------------- */

int op_describe_limits(ddbd_req_t *r) {
    buf_puts(r->out, "{\"AccountMaxReadCapacityUnits\":80000,\"AccountMaxWriteCapacityUnits\":"
                     "80000,\"TableMaxReadCapacityUnits\":40000,\"TableMaxWriteCapacityUnits\":"
                     "40000}");
    return 0;
}

int op_describe_endpoints(ddbd_req_t *r) {
    buf_printf(r->out,
               "{\"Endpoints\":[{\"Address\":\"dynamodb.%s.amazonaws.com\","
               "\"CachePeriodInMinutes\":1440}]}",
               r->region);
    return 0;
}
