/* esm.c: an event-source mapping's JSON: the body Lambda answers for it
 * (esm_put_json), which is also the form it is stored in, and the reader of
 * that stored form (esm_parse). Validation of requests is the Lambda API's
 * (server/ops_lambda.c); this file trusts what it wrote itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "query/json.h"
#include "streams/esm.h"

static const char *const state_names[] = {
    [ESM_CREATING] = "Creating",   [ESM_ENABLING] = "Enabling", [ESM_ENABLED] = "Enabled",
    [ESM_DISABLING] = "Disabling", [ESM_DISABLED] = "Disabled", [ESM_UPDATING] = "Updating",
    [ESM_DELETING] = "Deleting",
};

const char *esm_state_name(esm_state_t s) {
    if (s < ESM_CREATING || s > ESM_DELETING) return "Enabled";
    return state_names[s];
}

static esm_state_t state_parse(const char *s) {
    for (int i = ESM_CREATING; i <= ESM_DELETING; i++) {
        if (strcmp(state_names[i], s) == 0) return (esm_state_t)i;
    }
    return 0;
}

static void put_str_member(buf_t *b, const char *name, const char *s) {
    buf_printf(b, ",\"%s\":", name);
    json_put_str(b, s, strlen(s));
}

/* The mapping's ARN: the function's region and account, resource
 * event-source-mapping:UUID. */
static void put_mapping_arn(buf_t *b, const esm_t *m) {
    /* arn:aws:lambda:REGION:ACCOUNT:function:NAME -> its first five fields */
    const char *f = m->function_arn;
    const char *p = f;
    for (int colons = 0; *p && colons < 5; p++) {
        if (*p == ':') colons++;
    }
    buf_puts(b, ",\"EventSourceMappingArn\":\"");
    buf_printf(b, "%.*sevent-source-mapping:%s\"", (int)(p - f), f, m->uuid);
}

static void put_json(buf_t *b, const esm_t *m, esm_state_t state, const char *last_result,
                     bool stored) {
    buf_puts(b, "{\"UUID\":");
    json_put_str(b, m->uuid, strlen(m->uuid));
    put_str_member(b, "StartingPosition", m->start == ESM_LATEST ? "LATEST" : "TRIM_HORIZON");
    buf_printf(b, ",\"BatchSize\":%d,\"MaximumBatchingWindowInSeconds\":%d", m->batch_size,
               m->window_s);
    buf_printf(b, ",\"ParallelizationFactor\":%d", m->parallelization);
    put_str_member(b, "EventSourceArn", m->event_source_arn);
    if (m->nfilters) {
        buf_puts(b, ",\"FilterCriteria\":{\"Filters\":[");
        for (size_t i = 0; i < m->nfilters; i++) {
            buf_puts(b, i ? ",{\"Pattern\":" : "{\"Pattern\":");
            json_put_str(b, m->filters[i], strlen(m->filters[i]));
            buf_putc(b, '}');
        }
        buf_puts(b, "]}");
    }
    put_str_member(b, "FunctionArn", m->function_arn);
    /* seconds with a fraction, as Lambda's timestamps */
    buf_printf(b, ",\"LastModified\":%lld.%03lld", (long long)(m->last_modified_ms / 1000),
               (long long)(m->last_modified_ms % 1000));
    put_str_member(b, "LastProcessingResult", last_result ? last_result : "No records processed");
    put_str_member(b, "State", esm_state_name(state));
    put_str_member(b, "StateTransitionReason", m->state_reason ? m->state_reason : "User action");
    buf_puts(b, ",\"DestinationConfig\":{\"OnFailure\":{");
    if (m->on_failure) {
        buf_puts(b, "\"Destination\":");
        json_put_str(b, m->on_failure, strlen(m->on_failure));
    }
    buf_puts(b, "}}");
    buf_printf(b, ",\"MaximumRecordAgeInSeconds\":%d", m->max_age_s);
    buf_printf(b, ",\"BisectBatchOnFunctionError\":%s", m->bisect ? "true" : "false");
    buf_printf(b, ",\"MaximumRetryAttempts\":%d", m->max_retries);
    buf_printf(b, ",\"TumblingWindowInSeconds\":%d", m->tumbling_s);
    buf_puts(b, m->report_item_failures ? ",\"FunctionResponseTypes\":[\"ReportBatchItemFailures\"]"
                                        : ",\"FunctionResponseTypes\":[]");
    put_mapping_arn(b, m);
    /* what the user asked, beside the state: a mapping stored while
     * Updating must come back enabled or disabled after a restart */
    if (stored) buf_printf(b, ",\"Enabled\":%s", m->enabled ? "true" : "false");
    buf_putc(b, '}');
}

void esm_put_json(buf_t *b, const esm_t *m, esm_state_t state, const char *last_result) {
    put_json(b, m, state, last_result, false);
}

void esm_put_stored(buf_t *b, const esm_t *m) {
    put_json(b, m, m->state, NULL, true);
}

static const char *dup_str(ddb_arena_t *a, const cJSON *o, const char *name) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsString(v)) return NULL;
    return ddb_arena_strndup(a, v->valuestring, strlen(v->valuestring));
}

static int get_int(const cJSON *o, const char *name, int dflt) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? (int)v->valuedouble : dflt;
}

static bool get_bool(const cJSON *o, const char *name) {
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, name));
}

static int parse_into(const cJSON *o, ddb_arena_t *a, esm_t *m, ddb_error_t *err) {
    const char *uuid = dup_str(a, o, "UUID");
    m->function_arn = dup_str(a, o, "FunctionArn");
    m->event_source_arn = dup_str(a, o, "EventSourceArn");
    const char *start = dup_str(a, o, "StartingPosition");
    const char *state = dup_str(a, o, "State");
    if (!uuid || strlen(uuid) != ESM_UUID_LEN || !m->function_arn || !m->event_source_arn ||
        !start || !state) {
        return ddb_error_set(err, DDB_ERR_INTERNAL, "corrupt event-source mapping record");
    }
    memcpy(m->uuid, uuid, ESM_UUID_LEN + 1);
    m->start = strcmp(start, "LATEST") == 0 ? ESM_LATEST : ESM_TRIM_HORIZON;
    m->batch_size = get_int(o, "BatchSize", ESM_DEFAULT_BATCH);
    m->window_s = get_int(o, "MaximumBatchingWindowInSeconds", 0);
    m->parallelization = get_int(o, "ParallelizationFactor", 1);
    m->max_retries = get_int(o, "MaximumRetryAttempts", -1);
    m->max_age_s = get_int(o, "MaximumRecordAgeInSeconds", -1);
    m->bisect = get_bool(o, "BisectBatchOnFunctionError");
    m->tumbling_s = get_int(o, "TumblingWindowInSeconds", 0);
    m->report_item_failures =
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "FunctionResponseTypes")) > 0;
    const cJSON *dest = cJSON_GetObjectItemCaseSensitive(o, "DestinationConfig");
    m->on_failure = dup_str(a, cJSON_GetObjectItemCaseSensitive(dest, "OnFailure"), "Destination");
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(o, "FilterCriteria");
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(fc, "Filters")) {
        const char *p = dup_str(a, f, "Pattern");
        if (p && m->nfilters < ESM_MAX_FILTERS) m->filters[m->nfilters++] = p;
    }
    m->state = state_parse(state);
    m->state_reason = dup_str(a, o, "StateTransitionReason");
    const cJSON *lm = cJSON_GetObjectItemCaseSensitive(o, "LastModified");
    m->last_modified_ms = cJSON_IsNumber(lm) ? (int64_t)(lm->valuedouble * 1000 + 0.5) : 0;
    m->enabled = get_bool(o, "Enabled");
    return 0;
}

int esm_parse(const char *json, size_t len, ddb_arena_t *a, esm_t *m, ddb_error_t *err) {
    memset(m, 0, sizeof *m);
    cJSON *o = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return ddb_error_set(err, DDB_ERR_INTERNAL, "corrupt event-source mapping record");
    }
    int rc = parse_into(o, a, m, err);
    cJSON_Delete(o);
    return rc;
}
