/* record.c: the record codec (see record.h): writes a change record as the
 * Streams API or the Lambda event shows it, and reads either back. Pure:
 * JSON text in and out, values in the caller's arena. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "query/json.h"
#include "streams/record.h"

static void sw__put_identity(buf_t *b, sw_form_t form) {
    if (form == SW_FORM_LAMBDA) {
        buf_puts(b, ",\"userIdentity\":{\"principalId\":\"dynamodb.amazonaws.com\","
                    "\"type\":\"Service\"}");
    } else {
        buf_puts(b, ",\"userIdentity\":{\"PrincipalId\":\"dynamodb.amazonaws.com\","
                    "\"Type\":\"Service\"}");
    }
}

void sw_record_put(buf_t *b, const sw_record_t *r, sw_form_t form) {
    buf_puts(b, "{\"eventID\":");
    json_put_str(b, r->event_id, strlen(r->event_id));
    buf_printf(b,
               ",\"eventName\":\"%s\",\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\","
               "\"awsRegion\":",
               sw_event_name(r->event));
    json_put_str(b, r->region, r->region_len);
    /* Lambda's events carry the time as a JSON double; the Streams API as
     * ddbd has always answered it, an integer */
    buf_printf(b,
               ",\"dynamodb\":{\"ApproximateCreationDateTime\":%" PRId64 "%s,\"Keys\":", r->time_s,
               form == SW_FORM_LAMBDA ? ".0" : "");
    json_put_item(b, r->keys);
    if (r->new_image) {
        buf_puts(b, ",\"NewImage\":");
        json_put_item(b, r->new_image);
    }
    if (r->old_image) {
        buf_puts(b, ",\"OldImage\":");
        json_put_item(b, r->old_image);
    }
    buf_puts(b, ",\"SequenceNumber\":");
    sw_put_seq(b, r->seq);
    buf_printf(b, ",\"SizeBytes\":%zu,\"StreamViewType\":\"%s\"}", r->size, sw_view_name(r->view));
    if (form == SW_FORM_LAMBDA) {
        buf_puts(b, ",\"eventSourceARN\":");
        json_put_str(b, r->source_arn ? r->source_arn : "", r->source_arn ? r->source_arn_len : 0);
    }
    if (r->by_ttl) sw__put_identity(b, form);
    buf_putc(b, '}');
}

/* ---- reading ------------------------------------------------------------------------ */

static int sw__bad(ddb_error_t *err, const char *member) {
    return ddb_error_set(err, DDB_ERR_SERIALIZATION, "Invalid stream record: %s", member);
}

/* A string member; NULL (and 0) when absent, an error when not a string. */
static int sw__str(const cJSON *o, const char *name, bool required, const char **s, size_t *len,
                   ddb_error_t *err) {
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
    *s = NULL;
    *len = 0;
    if (!m) return required ? sw__bad(err, name) : 0;
    if (!cJSON_IsString(m)) return sw__bad(err, name);
    *s = m->valuestring;
    *len = strlen(m->valuestring);
    return 0;
}

/* An item member (Keys, NewImage, OldImage) into the arena; *out NULL when absent. */
static int sw__item(ddb_arena_t *a, const cJSON *o, const char *name, bool required,
                    const ddb_value_t **out, ddb_error_t *err) {
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
    *out = NULL;
    if (!m) return required ? sw__bad(err, name) : 0;
    if (!cJSON_IsObject(m)) return sw__bad(err, name);
    ddb_value_t parsed, *v = ddb_arena_alloc(a, sizeof *v);
    int rc = json_to_item(a, m, &parsed, err);
    if (rc) return rc;
    /* json_to_item borrows its strings from the cJSON tree: copy them out */
    ddb_value_clone(a, &parsed, v);
    *out = v;
    return 0;
}

/* A non-negative number member, truncated (AWS may write the time with a
 * fraction: 1428537600.0, or microseconds); integral only when asked. */
static int sw__uint(const cJSON *o, const char *name, bool integral, int64_t *out,
                    ddb_error_t *err) {
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsNumber(m)) return sw__bad(err, name);
    double d = m->valuedouble;
    if (!(d >= 0) || d >= 9.2e18 || (integral && floor(d) != d)) return sw__bad(err, name);
    *out = (int64_t)d;
    return 0;
}

/* userIdentity in either casing: a TTL deletion when its type is Service. */
static int sw__identity(const cJSON *rec, bool *by_ttl, ddb_error_t *err) {
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(rec, "userIdentity");
    *by_ttl = false;
    if (!u || cJSON_IsNull(u)) return 0;
    if (!cJSON_IsObject(u)) return sw__bad(err, "userIdentity");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(u, "Type");
    if (!t) t = cJSON_GetObjectItemCaseSensitive(u, "type");
    *by_ttl = cJSON_IsString(t) && strcmp(t->valuestring, "Service") == 0;
    return 0;
}

/* The dynamodb member: keys, images, time, sequence number, size, view. */
static int sw__body(ddb_arena_t *a, const cJSON *d, sw_record_t *out, ddb_error_t *err) {
    if (!cJSON_IsObject(d)) return sw__bad(err, "dynamodb");
    int64_t size = 0;
    const char *seq, *view;
    size_t seql, viewl;
    int rc = sw__uint(d, "ApproximateCreationDateTime", false, &out->time_s, err);
    if (!rc) rc = sw__item(a, d, "Keys", true, &out->keys, err);
    if (!rc) rc = sw__item(a, d, "NewImage", false, &out->new_image, err);
    if (!rc) rc = sw__item(a, d, "OldImage", false, &out->old_image, err);
    if (!rc) rc = sw__str(d, "SequenceNumber", true, &seq, &seql, err);
    if (!rc) rc = sw__uint(d, "SizeBytes", true, &size, err);
    if (!rc) rc = sw__str(d, "StreamViewType", true, &view, &viewl, err);
    if (rc) return rc;
    if (!sw_seq_parse(seq, seql, &out->seq)) return sw__bad(err, "SequenceNumber");
    out->view = sw_view_parse(view, viewl);
    if (!out->view) return sw__bad(err, "StreamViewType");
    out->size = (size_t)size;
    return 0;
}

int sw_record_parse(ddb_arena_t *a, const cJSON *rec, sw_record_t *out, ddb_error_t *err) {
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(rec)) return sw__bad(err, "not an object");
    const char *id, *name, *region, *arn;
    size_t idl, namel, arnl;
    int rc = sw__str(rec, "eventID", true, &id, &idl, err);
    if (!rc) rc = sw__str(rec, "eventName", true, &name, &namel, err);
    if (!rc) rc = sw__str(rec, "awsRegion", true, &region, &out->region_len, err);
    if (!rc) rc = sw__str(rec, "eventSourceARN", false, &arn, &arnl, err);
    if (!rc) rc = sw__body(a, cJSON_GetObjectItemCaseSensitive(rec, "dynamodb"), out, err);
    if (!rc) rc = sw__identity(rec, &out->by_ttl, err);
    if (rc) return rc;
    if (idl > SW_EVENT_ID_LEN) return sw__bad(err, "eventID");
    memcpy(out->event_id, id, idl);
    out->event_id[idl] = '\0';
    out->event = sw_event_parse(name, namel);
    if (!out->event) return sw__bad(err, "eventName");
    out->region = ddb_arena_strndup(a, region, out->region_len);
    if (arn) {
        out->source_arn = ddb_arena_strndup(a, arn, arnl);
        out->source_arn_len = arnl;
    }
    return 0;
}
