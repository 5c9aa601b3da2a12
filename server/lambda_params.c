/* lambda_params.c: validation of CreateEventSourceMapping and
 * UpdateEventSourceMapping bodies for a DynamoDB-stream mapping, with
 * Lambda's error types, messages and order (member types, the model's
 * constraints, then Lambda's own rules), applied to an esm_t. Reads the
 * engine (the stream list) and the function registry; writes nothing. */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "server/lambda.h"
#include "streams/api.h"
#include "streams/filter.h"
#include "streams/fn.h"

/* The model's patterns (botocore lambda 2015-03-31), as Lambda quotes them
 * in its messages, and their POSIX forms. */
#define FN_PATTERN                                                                                 \
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?"      \
    "([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
#define FN_POSIX                                                                                   \
    "^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-[0-9]:)?([0-9]{12}:)?(function:)?"    \
    "([a-zA-Z0-9_-]+)(:([$]LATEST|[a-zA-Z0-9_-]+))?$"
#define ARN_PATTERN                                                                                \
    "arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)"
#define ARN_POSIX                                                                                  \
    "^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z]{2}(-gov)?-[a-z]+-[0-9])?:([0-9]{12})?:(.*)$"

#define E_PARAM   "InvalidParameterValueException"
#define E_INVALID "ValidationException"

/* Members that apply to other kinds of event source, never to a DynamoDB
 * stream, with the name Lambda's message quotes. */
static const char *const foreign[][2] = {
    {"Topics", "topics"},
    {"Queues", "queues"},
    {"SourceAccessConfigurations", "sourceAccessConfigurations"},
    {"SelfManagedEventSource", "selfManagedEventSource"},
    {"AmazonManagedKafkaEventSourceConfig", "amazonManagedKafkaEventSourceConfig"},
    {"SelfManagedKafkaEventSourceConfig", "selfManagedKafkaEventSourceConfig"},
    {"ScalingConfig", "scalingConfig"},
    {"DocumentDBEventSourceConfig", "documentDBEventSourceConfig"},
    {"ProvisionedPollerConfig", "provisionedPollerConfig"},
};

static bool matches(const char *posix, const char *s) {
    regex_t re;
    if (regcomp(&re, posix, REG_EXTENDED | REG_NOSUB)) return false;
    bool ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static bool present(const cJSON *in, const char *name) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(in, name);
    return j && !cJSON_IsNull(j);
}

/* The typed members of a request, read once. */
typedef struct members {
    const char *fn, *arn, *start;
    size_t fn_len, arn_len, start_len;
    int64_t batch, window, par, age, retries, tumbling;
    bool has_batch, has_window, has_par, has_age, has_retries, has_tumbling;
    bool enabled, has_enabled, bisect, has_bisect;
    const cJSON *filters_obj, *filters, *dest, *types;
} members_t;

/* A member of the wrong JSON type: Lambda's deserializer refuses the body. */
static int bad_content(ddbd_rest_req_t *r, const ddb_error_t *e) {
    return ddbd_rest_error_set(r->err, 400, "InvalidRequestContentException",
                               "Could not parse request body into json: %s", e->msg);
}

static int read_members(ddbd_rest_req_t *r, const cJSON *in, bool create, members_t *m) {
    ddb_error_t e;
    memset(m, 0, sizeof *m);
    int rc = p_str(in, "FunctionName", &m->fn, &m->fn_len, &e);
    if (!rc && create) rc = p_str(in, "EventSourceArn", &m->arn, &m->arn_len, &e);
    if (!rc && create) rc = p_str(in, "StartingPosition", &m->start, &m->start_len, &e);
    if (!rc) rc = p_int(in, "BatchSize", &m->batch, &m->has_batch, &e);
    if (!rc) rc = p_int(in, "MaximumBatchingWindowInSeconds", &m->window, &m->has_window, &e);
    if (!rc) rc = p_int(in, "ParallelizationFactor", &m->par, &m->has_par, &e);
    if (!rc) rc = p_int(in, "MaximumRecordAgeInSeconds", &m->age, &m->has_age, &e);
    if (!rc) rc = p_int(in, "MaximumRetryAttempts", &m->retries, &m->has_retries, &e);
    if (!rc) rc = p_int(in, "TumblingWindowInSeconds", &m->tumbling, &m->has_tumbling, &e);
    if (!rc) rc = p_bool(in, "Enabled", &m->enabled, &m->has_enabled, &e);
    if (!rc) rc = p_bool(in, "BisectBatchOnFunctionError", &m->bisect, &m->has_bisect, &e);
    if (!rc) rc = p_obj(in, "FilterCriteria", &m->filters_obj, &e);
    if (!rc && m->filters_obj) rc = p_arr(m->filters_obj, "Filters", &m->filters, &e);
    if (!rc) rc = p_obj(in, "DestinationConfig", &m->dest, &e);
    if (!rc) rc = p_arr(in, "FunctionResponseTypes", &m->types, &e);
    const cJSON *f;
    cJSON_ArrayForEach(f, m->filters) {
        const char *pat;
        size_t pl;
        if (!rc && !cJSON_IsObject(f)) rc = p_error_type(&e, "Filters");
        if (!rc) rc = p_str(f, "Pattern", &pat, &pl, &e);
    }
    cJSON_ArrayForEach(f, m->types) {
        if (!rc && !cJSON_IsString(f)) rc = p_error_type(&e, "FunctionResponseTypes");
    }
    const cJSON *of = cJSON_GetObjectItemCaseSensitive(m->dest, "OnFailure");
    if (!rc && of && !cJSON_IsNull(of)) {
        const char *d;
        size_t dl;
        if (!cJSON_IsObject(of)) rc = p_error_type(&e, "OnFailure");
        if (!rc) rc = p_str(of, "Destination", &d, &dl, &e);
    }
    return rc ? bad_content(r, &e) : 0;
}

/* The model's constraints, all reported at once as Lambda's front end
 * does ("2 validation errors detected: ...; ..."). */
static int check_model(ddbd_rest_req_t *r, bool create, const members_t *m) {
    vlist_t v;
    vlist_init(&v);
    if (create && !m->fn) vlist_not_null(&v, "functionName");
    if (m->fn) {
        if (!matches(FN_POSIX, m->fn)) {
            vlist_add(&v,
                      "Value '%.*s' at 'functionName' failed to satisfy constraint: Member must "
                      "satisfy regular expression pattern: " FN_PATTERN,
                      p_cut(m->fn_len, 300), m->fn);
        }
        vlist_len(&v, m->fn, p_cut(m->fn_len, 300), m->fn_len, 1, 140, "functionName");
    }
    if (m->arn && !matches(ARN_POSIX, m->arn)) {
        vlist_add(&v,
                  "Value '%.*s' at 'eventSourceArn' failed to satisfy constraint: Member must "
                  "satisfy regular expression pattern: " ARN_PATTERN,
                  p_cut(m->arn_len, 300), m->arn);
    }
    vlist_range(&v, "batchSize", m->has_batch, m->batch, 1, ESM_MAX_BATCH);
    vlist_range(&v, "maximumBatchingWindowInSeconds", m->has_window, m->window, 0, 300);
    vlist_range(&v, "parallelizationFactor", m->has_par, m->par, 1, 10);
    if (m->start && strcmp(m->start, "TRIM_HORIZON") && strcmp(m->start, "LATEST") &&
        strcmp(m->start, "AT_TIMESTAMP")) {
        vlist_enum(&v, m->start, p_cut(m->start_len, 300), "LATEST, AT_TIMESTAMP, TRIM_HORIZON",
                   "startingPosition");
    }
    vlist_range(&v, "maximumRecordAgeInSeconds", m->has_age, m->age, -1, 604800);
    vlist_range(&v, "maximumRetryAttempts", m->has_retries, m->retries, -1, 10000);
    vlist_range(&v, "tumblingWindowInSeconds", m->has_tumbling, m->tumbling, 0, 900);
    int nt = cJSON_GetArraySize(m->types);
    const cJSON *t;
    bool bad_type = false;
    cJSON_ArrayForEach(t, m->types) {
        if (strcmp(t->valuestring, "ReportBatchItemFailures")) bad_type = true;
    }
    if (bad_type) {
        char *shown = cJSON_PrintUnformatted(m->types);
        /* Lambda shows a list as [a, b] */
        vlist_add(&v,
                  "Value '%s' at 'functionResponseTypes' failed to satisfy constraint: Member must "
                  "satisfy constraint: [Member must satisfy enum value set: "
                  "[ReportBatchItemFailures]]",
                  shown ? shown : "[...]");
    }
    if (nt > 1) {
        vlist_add(&v,
                  "Value '[...]' at 'functionResponseTypes' failed to satisfy constraint: Member "
                  "must have length less than or equal to 1");
    }
    int i = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, m->filters) {
        i++;
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "Pattern");
        if (cJSON_IsString(p) && strlen(p->valuestring) > 4096) {
            vlist_len_max(&v, p->valuestring, 300, 4096, "filterCriteria.filters.%d.member.pattern",
                          i);
        }
    }
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(m->dest, "OnFailure"), "Destination");
    if (cJSON_IsString(d)) {
        size_t dl = strlen(d->valuestring);
        vlist_len(&v, d->valuestring, p_cut(dl, 300), dl, 0, 350,
                  "destinationConfig.onFailure.destination");
        if (dl > 0 && dl <= 350 && !matches(ARN_POSIX, d->valuestring)) {
            vlist_add(&v,
                      "Value '%.*s' at 'destinationConfig.onFailure.destination' failed to satisfy "
                      "constraint: Member must satisfy regular expression pattern: ^$|" ARN_PATTERN,
                      p_cut(dl, 300), d->valuestring);
        }
    }
    ddb_error_t e;
    if (vlist_finish(&v, &e)) return ddbd_rest_error_set(r->err, 400, E_INVALID, "%s", e.msg);
    return 0;
}

/* The service field of an ARN ("dynamodb" in arn:aws:dynamodb:...). */
static bool arn_service_is(const char *arn, const char *svc) {
    const char *p = strchr(arn, ':');
    p = p ? strchr(p + 1, ':') : NULL;
    if (!p) return false;
    size_t n = strlen(svc);
    return strncmp(p + 1, svc, n) == 0 && p[1 + n] == ':';
}

static int check_filters(ddbd_rest_req_t *r, const members_t *mb, esm_t *m) {
    if (!mb->filters_obj) return 0; /* not given: as it was */
    size_t n = (size_t)cJSON_GetArraySize(mb->filters);
    if (n > ESM_MAX_FILTERS) {
        return ddbd_rest_error_set(r->err, 400, E_PARAM,
                                   "The number of filters in FilterCriteria exceeds the limit of "
                                   "%d.",
                                   ESM_MAX_FILTERS);
    }
    m->nfilters = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, mb->filters) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "Pattern");
        if (!cJSON_IsString(p) || !p->valuestring[0]) {
            return ddbd_rest_error_set(r->err, 400, E_PARAM, "Invalid filter pattern definition.");
        }
        size_t len = strlen(p->valuestring);
        ddb_filter_t *compiled = NULL;
        ddb_error_t e;
        if (ddb_filter_compile(p->valuestring, len, &compiled, &e)) {
            return ddbd_rest_error_set(r->err, 400, E_PARAM, "%s", e.msg);
        }
        ddb_filter_free(compiled);
        m->filters[m->nfilters++] = ddb_arena_strndup(r->arena, p->valuestring, len);
    }
    return 0;
}

/* DestinationConfig.OnFailure.Destination: "" or absent removes it; an
 * SQS queue or SNS topic ARN needs ddbd's --sqs-endpoint / --sns-endpoint
 * to be delivered, and ddbd refuses what it could never deliver rather
 * than drop failure records later. */
static int check_destination(ddbd_rest_req_t *r, const members_t *mb, esm_t *m) {
    if (!mb->dest) return 0;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(mb->dest, "OnFailure"), "Destination");
    if (!cJSON_IsString(d) || !d->valuestring[0]) {
        m->on_failure = NULL;
        return 0;
    }
    const char *arn = d->valuestring;
    if (!fn_destination_ok(r->srv->functions, arn)) {
        bool sqs = arn_service_is(arn, "sqs"), sns = arn_service_is(arn, "sns");
        if (sqs || sns) {
            return ddbd_rest_error_set(r->err, 400, E_PARAM,
                                       "The OnFailure destination %s cannot be reached: start "
                                       "ddbd with --%s-endpoint URL.",
                                       arn, sqs ? "sqs" : "sns");
        }
        return ddbd_rest_error_set(r->err, 400, E_PARAM,
                                   "Unsupported OnFailure destination %s: ddbd delivers failure "
                                   "records to SQS queues and SNS topics.",
                                   arn);
    }
    m->on_failure = ddb_arena_strndup(r->arena, arn, strlen(arn));
    return 0;
}

/* The event source must be a stream of this server (ddbd hosts no Kinesis
 * stream and no SQS queue: those answer as Lambda does for a missing one). */
static int check_source(ddbd_rest_req_t *r, const char *arn, size_t len) {
    if (arn_service_is(arn, "dynamodb")) {
        ddb_error_t e;
        ddb_stream_desc_t d;
        sapi_ctx_t c = {.engine = r->srv->engine,
                        .arena = r->arena,
                        .region = r->region,
                        .ns = ddbd_region_ns(r->srv, r->region),
                        .shared_regions = r->srv->shared_regions,
                        .account = DDBD_ACCOUNT,
                        .err = &e};
        if (!sapi_find_stream(&c, arn, len, &d)) return 0;
        if (e.code != DDB_ERR_RESOURCE_NOT_FOUND) return ddbd_rest_error_from(r->err, &e);
        return ddbd_rest_error_set(r->err, 400, E_PARAM, "Stream not found: %s", arn);
    }
    if (arn_service_is(arn, "kinesis")) {
        return ddbd_rest_error_set(r->err, 400, E_PARAM, "Stream not found: %s", arn);
    }
    if (arn_service_is(arn, "sqs")) {
        return ddbd_rest_error_set(r->err, 400, E_PARAM,
                                   "Error occurred while ReceiveMessage. SQS Error Code: "
                                   "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: "
                                   "The specified queue does not exist.");
    }
    return ddbd_rest_error_set(r->err, 400, E_PARAM,
                               "Unrecognized event source, must be kinesis, dynamodb stream or "
                               "sqs. Unsupported source arn : %s",
                               arn);
}

static void apply_numbers(const members_t *mb, esm_t *m) {
    if (mb->has_batch) m->batch_size = (int)mb->batch;
    if (mb->has_window) m->window_s = (int)mb->window;
    if (mb->has_par) m->parallelization = (int)mb->par;
    if (mb->has_age) m->max_age_s = (int)mb->age;
    if (mb->has_retries) m->max_retries = (int)mb->retries;
    if (mb->has_tumbling) m->tumbling_s = (int)mb->tumbling;
    if (mb->has_bisect) m->bisect = mb->bisect;
    if (mb->has_enabled) m->enabled = mb->enabled;
    if (mb->types) m->report_item_failures = cJSON_GetArraySize(mb->types) > 0;
}

int lesm_parse(ddbd_rest_req_t *r, bool create, esm_t *m, lesm_asked_t *asked) {
    const cJSON *in = r->body;
    memset(asked, 0, sizeof *asked);
    if (in && !cJSON_IsObject(in)) {
        return ddbd_rest_error_set(r->err, 400, "InvalidRequestContentException",
                                   "Could not parse request body into json: the body is not a "
                                   "JSON object");
    }
    members_t mb;
    int rc = read_members(r, in, create, &mb);
    if (!rc) rc = check_model(r, create, &mb);
    if (rc) return rc;
    if (mb.dest && present(mb.dest, "OnSuccess")) {
        return ddbd_rest_error_set(r->err, 400, E_PARAM,
                                   "Unsupported DestinationConfig parameter for given event "
                                   "source mapping type.");
    }
    if (create && !mb.arn)
        return ddbd_rest_error_set(r->err, 400, E_PARAM, "Unrecognized event source.");
    if (create && !mb.start) {
        return ddbd_rest_error_set(r->err, 400, E_PARAM,
                                   "1 validation error detected: Value null at 'startingPosition' "
                                   "failed to satisfy constraint: Member must not be null.");
    }
    if (create && strcmp(mb.start, "AT_TIMESTAMP") == 0) {
        return ddbd_rest_error_set(r->err, 400, E_PARAM,
                                   "Unsupported starting position for arn type: %s", mb.arn);
    }
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
        if (present(in, foreign[i][0])) {
            return ddbd_rest_error_set(r->err, 400, E_PARAM,
                                       "Unsupported '%s' parameter for given event source "
                                       "mapping type.",
                                       foreign[i][1]);
        }
    }
    if (mb.has_age && mb.age >= 0 && mb.age < 60) {
        return ddbd_rest_error_set(r->err, 400, E_PARAM,
                                   "MaximumRecordAgeInSeconds must be either -1 (forever) or "
                                   "between 60 and 604800 (inclusive)");
    }
    rc = check_filters(r, &mb, m);
    if (!rc) rc = check_destination(r, &mb, m);
    if (rc) return rc;
    if (mb.fn) {
        char arn[512];
        if (!fn_resolve(r->srv->functions, mb.fn, arn, sizeof arn)) {
            return ddbd_rest_error_set(r->err, 400, E_PARAM, "Function does not exist");
        }
        m->function_arn = ddb_arena_strndup(r->arena, arn, strlen(arn));
        asked->function_given = true;
        asked->function = mb.fn;
    }
    if (create) {
        rc = check_source(r, mb.arn, mb.arn_len);
        if (rc) return rc;
        m->event_source_arn = ddb_arena_strndup(r->arena, mb.arn, mb.arn_len);
        m->start = strcmp(mb.start, "LATEST") == 0 ? ESM_LATEST : ESM_TRIM_HORIZON;
    }
    apply_numbers(&mb, m);
    asked->enabled_present = mb.has_enabled;
    return 0;
}
