/* test_trigger.c: the trigger dispatcher's core semantics against a real
 * engine and an in-process function: the event's shape, batching (size,
 * window), starting positions, retries, bisection, OnFailure records,
 * record age, partial batch failures, status and stopping. The rest
 * (parallelization, windows, restarts, rollover, trimming, filters) is in
 * test_trigger_more.c. */
#include "trig_harness.h"

#define U1 "11111111-1111-4111-8111-111111111111"
#define U2 "22222222-2222-4222-8222-222222222222"

static ddb_engine_t *open_mem(void) {
    ddb_engine_opts_t o = {.in_memory = true};
    ddb_engine_t *e = NULL;
    ddb_error_t err;
    CHECK(ddb_open(&o, &e, &err) == 0);
    return e;
}

/* Lambda's DynamoDB event: every member of the developer guide's example
 * (INSERT, MODIFY, REMOVE), nothing else, with this stream's ARN. */
static void test_event_shape(void) {
    h_reset();
    ddb_engine_t *e = open_mem();
    ddb_table_info_t tb = h_table(e, "shape");
    char arn[256];
    h_arn(arn, &tb);
    trig_t *t = h_start(e);
    esm_t m = h_mapping(U1, arn);
    h_write(e, &tb, "101", "New item!");
    h_write(e, &tb, "101", "This item has changed");
    h_write(e, &tb, "101", NULL);
    h_store(e, t, &m);
    WAIT_UNTIL(h_ncalls() >= 1, 3000);
    CHECK(h_ncalls() == 1);
    cJSON *ev = h_event(0);
    CHECK(h_records(ev) == 3);
    CHECK(cJSON_GetArraySize(ev) == 1); /* {"Records":[...]} alone */
    const char *names[] = {"INSERT", "MODIFY", "REMOVE"};
    /* the guide's records with what varies (ids, times, sequence numbers)
     * blanked out */
    const char *golden[] = {
        "{\"eventID\":\"\",\"eventName\":\"INSERT\",\"eventVersion\":\"1.1\",\"eventSource\":"
        "\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
        "\"ApproximateCreationDateTime\":"
        "0,\"Keys\":{\"pk\":{\"S\":\"101\"}},\"NewImage\":{\"pk\":{\"S\":\"101\"},\"v\":{\"S\":"
        "\"New "
        "item!\"}},\"SequenceNumber\":\"\",\"SizeBytes\":20,\"StreamViewType\":\"NEW_AND_OLD_"
        "IMAGES\"},\"eventSourceARN\":\"ARN\"}",
        "{\"eventID\":\"\",\"eventName\":\"MODIFY\",\"eventVersion\":\"1.1\",\"eventSource\":"
        "\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
        "\"ApproximateCreationDateTime\":"
        "0,\"Keys\":{\"pk\":{\"S\":\"101\"}},\"NewImage\":{\"pk\":{\"S\":\"101\"},\"v\":{\"S\":"
        "\"This "
        "item has changed\"}},\"OldImage\":{\"pk\":{\"S\":\"101\"},\"v\":{\"S\":\"New item!\"}},"
        "\"SequenceNumber\":\"\",\"SizeBytes\":47,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},"
        "\"eventSourceARN\":\"ARN\"}",
        "{\"eventID\":\"\",\"eventName\":\"REMOVE\",\"eventVersion\":\"1.1\",\"eventSource\":"
        "\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
        "\"ApproximateCreationDateTime\":"
        "0,\"Keys\":{\"pk\":{\"S\":\"101\"}},\"OldImage\":{\"pk\":{\"S\":\"101\"},\"v\":{\"S\":"
        "\"This "
        "item has "
        "changed\"}},\"SequenceNumber\":\"\",\"SizeBytes\":32,\"StreamViewType\":\"NEW_AND_"
        "OLD_IMAGES\"},\"eventSourceARN\":\"ARN\"}"};
    uint64_t prev = 0;
    for (int i = 0; i < 3 && ev; i++) {
        cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ev, "Records"), i);
        CHECK_STR(cJSON_GetObjectItemCaseSensitive(r, "eventName")->valuestring, names[i]);
        CHECK_STR(cJSON_GetObjectItemCaseSensitive(r, "eventSourceARN")->valuestring, arn);
        CHECK(strlen(cJSON_GetObjectItemCaseSensitive(r, "eventID")->valuestring) == 32);
        uint64_t seq = h_seq(ev, i);
        CHECK(seq > prev);
        prev = seq;
        cJSON *d = cJSON_GetObjectItemCaseSensitive(r, "dynamodb");
        cJSON *ts = cJSON_GetObjectItemCaseSensitive(d, "ApproximateCreationDateTime");
        CHECK(cJSON_IsNumber(ts) && ts->valuedouble > 1.7e9 &&
              ts->valuedouble <= (double)ddb_now_ms() / 1000);
        cJSON_SetValuestring(cJSON_GetObjectItemCaseSensitive(r, "eventID"), "");
        cJSON_SetValuestring(cJSON_GetObjectItemCaseSensitive(d, "SequenceNumber"), "");
        cJSON_SetNumberValue(ts, 0);
        cJSON_SetValuestring(cJSON_GetObjectItemCaseSensitive(r, "eventSourceARN"), "ARN");
        char *text = cJSON_PrintUnformatted(r);
        CHECK_STR(text, golden[i]);
        free(text);
    }
    cJSON_Delete(ev);
    char last[256];
    CHECK(h_state(t, U1, last, sizeof last) == ESM_ENABLED);
    CHECK_STR(last, "OK");
    CHECK(h_logged("batch=3"));
    CHECK(trig_status(t, "00000000-0000-4000-8000-000000000000", NULL, last, sizeof last) == -1);
    trig_stop(t);
    ddb_close(e);
}

/* BatchSize splits what is there; MaximumBatchingWindowInSeconds waits to
 * fill a batch; with no window a record is delivered at once. */
static void test_batching(void) {
    h_reset();
    ddb_engine_t *e = open_mem();
    ddb_table_info_t tb = h_table(e, "batches");
    char arn[256];
    h_arn(arn, &tb);
    trig_t *t = h_start(e);
    for (int i = 0; i < 7; i++) {
        char v[8];
        snprintf(v, sizeof v, "r%d", i);
        h_write(e, &tb, v, v);
    }
    esm_t m = h_mapping(U1, arn);
    m.batch_size = 3;
    h_store(e, t, &m);
    WAIT_UNTIL(h_ncalls() >= 3, 3000);
    CHECK(h_ncalls() == 3);
    size_t sizes[3] = {0};
    for (size_t i = 0; i < 3; i++) {
        cJSON *ev = h_event(i);
        sizes[i] = h_records(ev);
        cJSON_Delete(ev);
    }
    CHECK(sizes[0] == 3 && sizes[1] == 3 && sizes[2] == 1);
    /* no window: one record reaches the function within a few ms */
    int64_t t0 = ddb_now_ms();
    h_write(e, &tb, "now", "now");
    WAIT_UNTIL(h_ncalls() >= 4, 3000);
    CHECK(h_ncalls() == 4);
    CHECK(ddb_now_ms() - t0 < 250);
    /* a 1 s window: two records wait for it, then go together */
    m.batch_size = 100;
    m.window_s = 1;
    h_store(e, t, &m);
    h_sleep(50);
    t0 = ddb_now_ms();
    h_write(e, &tb, "w1", "w1");
    h_write(e, &tb, "w2", "w2");
    h_sleep(500);
    CHECK(h_ncalls() == 4);
    WAIT_UNTIL(h_ncalls() >= 5, 3000);
    CHECK(h_ncalls() == 5);
    CHECK(ddb_now_ms() - t0 >= 950);
    cJSON *ev = h_event(4);
    CHECK(h_records(ev) == 2);
    cJSON_Delete(ev);
    buf_t b;
    buf_init(&b);
    h_delivered(&b);
    CHECK_STR(b.data, "r0,r1,r2,r3,r4,r5,r6,now,w1,w2");
    buf_free(&b);
    trig_stop(t);
    ddb_close(e);
}

/* LATEST starts after what was committed when the mapping started;
 * TRIM_HORIZON at the oldest record. Two mappings each see every record. */
static void test_starting_position(void) {
    h_reset();
    ddb_engine_t *e = open_mem();
    ddb_table_info_t tb = h_table(e, "positions");
    char arn[256];
    h_arn(arn, &tb);
    trig_t *t = h_start(e);
    h_write(e, &tb, "a", "old1");
    h_write(e, &tb, "b", "old2");
    esm_t m = h_mapping(U1, arn);
    m.start = ESM_LATEST;
    h_store(e, t, &m);
    WAIT_UNTIL(h_state(t, U1, NULL, 0) == ESM_ENABLED, 3000);
    CHECK(h_state(t, U1, NULL, 0) == ESM_ENABLED);
    h_sleep(50);
    CHECK(h_ncalls() == 0);
    h_write(e, &tb, "c", "new");
    WAIT_UNTIL(h_ncalls() >= 1, 3000);
    buf_t b;
    buf_init(&b);
    h_delivered(&b);
    CHECK_STR(b.data, "new");
    esm_t m2 = h_mapping(U2, arn);
    h_store(e, t, &m2);
    WAIT_UNTIL(h_ncalls() >= 2, 3000);
    h_write(e, &tb, "d", "both");
    WAIT_UNTIL(h_ncalls() >= 4, 3000);
    h_sleep(50);
    h_delivered(&b);
    /* U1: new, both; U2: old1, old2, new (one batch), both */
    CHECK(h_ncalls() == 4);
    CHECK(strstr(b.data, "old1,old2,new") != NULL);
    size_t boths = 0;
    for (const char *p = b.data; (p = strstr(p, "both")); p++)
        boths++;
    CHECK(boths == 2);
    buf_free(&b);
    trig_stop(t);
    ddb_close(e);
}

static cJSON *dest(size_t i) {
    pthread_mutex_lock(&H.mu);
    cJSON *o = i < H.ndests ? cJSON_Parse(H.dests[i]) : NULL;
    pthread_mutex_unlock(&H.mu);
    return o;
}

static const char *str_at(const cJSON *o, const char *a, const char *b) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static double num_at(const cJSON *o, const char *a, const char *b) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* A failing batch is retried MaximumRetryAttempts times, then its OnFailure
 * record (Lambda's shape) goes to the destination and delivery goes on. */
static void test_retries_and_on_failure(void) {
    h_reset();
    ddb_engine_t *e = open_mem();
    ddb_table_info_t tb = h_table(e, "retries");
    char arn[256];
    h_arn(arn, &tb);
    trig_t *t = h_start(e);
    H.poison = "bad";
    h_write(e, &tb, "k1", "bad");
    esm_t m = h_mapping(U1, arn);
    m.max_retries = 2;
    m.on_failure = "arn:aws:sqs:us-east-1:000000000000:dlq";
    h_store(e, t, &m);
    WAIT_UNTIL(h_ndests() >= 1, 3000);
    CHECK(h_ncalls() == 3); /* the first call and two retries */
    char last[256];
    CHECK(h_state(t, U1, last, sizeof last) == ESM_ENABLED);
    CHECK_STR(last, "PROBLEM: Function call failed");
    cJSON *d = dest(0);
    cJSON *ev = h_event(0);
    CHECK(d != NULL);
    CHECK_STR(str_at(d, "requestContext", "condition"), "RetryAttemptsExhausted");
    CHECK_STR(str_at(d, "requestContext", "functionArn"), m.function_arn);
    CHECK(strlen(str_at(d, "requestContext", "requestId")) == 36);
    CHECK(num_at(d, "requestContext", "approximateInvokeCount") == 3);
    CHECK(num_at(d, "responseContext", "statusCode") == 200);
    CHECK_STR(str_at(d, "responseContext", "executedVersion"), "$LATEST");
    CHECK_STR(str_at(d, "responseContext", "functionError"), "Unhandled");
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(d, "version")->valuestring, "1.0");
    CHECK(strlen(cJSON_GetObjectItemCaseSensitive(d, "timestamp")->valuestring) == 24);
    CHECK_STR(str_at(d, "DDBStreamBatchInfo", "streamArn"), arn);
    CHECK(strncmp(str_at(d, "DDBStreamBatchInfo", "shardId"), "shardId-", 8) == 0);
    char seq[SW_SEQ_MAX + 1];
    sw_seq_format(seq, h_seq(ev, 0));
    CHECK_STR(str_at(d, "DDBStreamBatchInfo", "startSequenceNumber"), seq);
    CHECK_STR(str_at(d, "DDBStreamBatchInfo", "endSequenceNumber"), seq);
    CHECK(num_at(d, "DDBStreamBatchInfo", "batchSize") == 1);
    CHECK(strlen(str_at(d, "DDBStreamBatchInfo", "approximateArrivalOfFirstRecord")) == 20);
    CHECK(strlen(str_at(d, "DDBStreamBatchInfo", "approximateArrivalOfLastRecord")) == 20);
    CHECK(cJSON_GetArraySize(d) == 5);
    cJSON_Delete(d);
    cJSON_Delete(ev);
    /* the shard goes on past the discarded batch */
    h_write(e, &tb, "k2", "good");
    WAIT_UNTIL(h_ncalls() >= 4, 3000);
    buf_t b;
    buf_init(&b);
    h_delivered(&b);
    CHECK_STR(b.data, "bad,bad,bad,good");
    buf_free(&b);
    CHECK(h_state(t, U1, last, sizeof last) == ESM_ENABLED);
    CHECK_STR(last, "OK");
    trig_stop(t);
    ddb_close(e);
}

/* BisectBatchOnFunctionError halves the failing batch down to the one
 * poisoned record; everything else is delivered. */
static void test_bisect(void) {
    h_reset();
    ddb_engine_t *e = open_mem();
    ddb_table_info_t tb = h_table(e, "bisect");
    char arn[256];
    h_arn(arn, &tb);
    trig_t *t = h_start(e);
    const char *vals[] = {"a0", "a1", "a2", "a3", "a4", "POISON", "a6", "a7"};
    for (int i = 0; i < 8; i++)
        h_write(e, &tb, vals[i], vals[i]);
    H.poison = "POISON";
    esm_t m = h_mapping(U1, arn);
    m.batch_size = 8;
    m.bisect = true;
    m.max_retries = 1;
    m.on_failure = "arn:aws:sqs:us-east-1:000000000000:dlq";
    h_store(e, t, &m);
    WAIT_UNTIL(h_ndests() >= 1, 3000);
    h_sleep(100);
    cJSON *d = dest(0);
    CHECK(h_ndests() == 1);
    CHECK(num_at(d, "DDBStreamBatchInfo", "batchSize") == 1);
    CHECK(num_at(d, "requestContext", "approximateInvokeCount") == 2);
    /* 8 fails; 0-3 ok; 4-7 fails; 4-5 fails; 4 ok; 5 fails twice; 6-7 ok */
    buf_t b;
    buf_init(&b);
    h_delivered(&b);
    CHECK_STR(b.data, "a0,a1,a2,a3,a4,POISON,a6,a7,a0,a1,a2,a3,a4,POISON,a6,a7,a4,POISON,a4,"
                      "POISON,POISON,a6,a7");
    size_t n = h_ncalls();
    CHECK(n == 8);
    cJSON *ev = h_event(6); /* the poisoned record alone, retried */
    CHECK(h_records(ev) == 1);
    char seq[SW_SEQ_MAX + 1];
    sw_seq_format(seq, h_seq(ev, 0));
    CHECK_STR(str_at(d, "DDBStreamBatchInfo", "startSequenceNumber"), seq);
    cJSON_Delete(ev);
    cJSON_Delete(d);
    buf_free(&b);
    trig_stop(t);
    ddb_close(e);
}

/* MaximumRecordAgeInSeconds: a failing batch whose oldest record is older
 * is discarded with RecordAgeExceeded (the dispatcher's clock is run ahead). */
static void test_record_age(void) {
    h_reset();
    ddb_engine_t *e = open_mem();
    ddb_table_info_t tb = h_table(e, "aged");
    char arn[256];
    h_arn(arn, &tb);
    trig_t *t = h_start(e);
    H.fail_always = true;
    h_write(e, &tb, "k", "old");
    esm_t m = h_mapping(U1, arn);
    m.max_age_s = 60;
    m.on_failure = "arn:aws:sns:us-east-1:000000000000:topic";
    h_store(e, t, &m);
    WAIT_UNTIL(h_ncalls() >= 2, 3000);
    CHECK(h_ndests() == 0);
    atomic_store(&H.clock_ofs, 61000);
    WAIT_UNTIL(h_ndests() >= 1, 3000);
    cJSON *d = dest(0);
    CHECK_STR(str_at(d, "requestContext", "condition"), "RecordAgeExceeded");
    CHECK(num_at(d, "requestContext", "approximateInvokeCount") >= 2);
    cJSON_Delete(d);
    /* a record already too old when it is read is not invoked at all */
    H.fail_always = false;
    size_t calls = h_ncalls();
    h_write(e, &tb, "k", "stale");
    WAIT_UNTIL(h_ndests() >= 2, 3000);
    CHECK(h_ndests() == 2);
    d = dest(1);
    CHECK(num_at(d, "requestContext", "approximateInvokeCount") == 0);
    CHECK(cJSON_GetObjectItemCaseSensitive(d, "responseContext") == NULL);
    cJSON_Delete(d);
    CHECK(h_ncalls() == calls);
    atomic_store(&H.clock_ofs, 0);
    h_write(e, &tb, "k", "fresh");
    WAIT_UNTIL(h_ncalls() > calls, 3000);
    CHECK(h_ncalls() == calls + 1);
    trig_stop(t);
    ddb_close(e);
}

/* ReportBatchItemFailures: the batch is checkpointed before the lowest
 * failure and retried from it; an unknown id fails the whole batch. */
static void test_partial_failures(void) {
    h_reset();
    ddb_engine_t *e = open_mem();
    ddb_table_info_t tb = h_table(e, "partial");
    char arn[256];
    h_arn(arn, &tb);
    trig_t *t = h_start(e);
    for (int i = 0; i < 5; i++) {
        char v[8];
        snprintf(v, sizeof v, "p%d", i);
        h_write(e, &tb, v, v);
    }
    /* the first answer reports p3 and p2 failed (out of order) */
    H.delay_ms = 1;
    esm_t m = h_mapping(U1, arn);
    m.report_item_failures = true;
    m.enabled = false;
    m.state = ESM_DISABLED;
    h_store(e, t, &m);
    WAIT_UNTIL(h_state(t, U1, NULL, 0) == ESM_DISABLED, 3000);
    CHECK(h_state(t, U1, NULL, 0) == ESM_DISABLED);
    /* sequence numbers are those of the records: read them from the stream */
    ddb_arena_t *a = ddb_arena_create(0);
    ddb_stream_record_t *recs;
    size_t n;
    uint64_t next;
    bool done;
    ddb_error_t err;
    CHECK(ddb_stream_read(e, tb.stream.id, 0, 0, 100, 1 << 20, a, &recs, &n, &next, &done, &err) ==
          0);
    CHECK(n == 5);
    char s2[SW_SEQ_MAX + 1], s3[SW_SEQ_MAX + 1], body[256];
    sw_seq_format(s2, recs[2].seq);
    sw_seq_format(s3, recs[3].seq);
    snprintf(body, sizeof body,
             "{\"batchItemFailures\":[{\"itemIdentifier\":\"%s\"},{\"itemIdentifier\":\"%s\"}]}",
             s3, s2);
    H.respond_once = strdup(body);
    m.enabled = true;
    m.state = ESM_ENABLED;
    h_store(e, t, &m);
    WAIT_UNTIL(h_ncalls() >= 2, 3000);
    h_sleep(50);
    buf_t b;
    buf_init(&b);
    h_delivered(&b);
    CHECK_STR(b.data, "p0,p1,p2,p3,p4,p2,p3,p4");
    CHECK(h_ncalls() == 2);
    /* a malformed id (not a record of the batch) fails the whole batch */
    H.respond_once = strdup("{\"batchItemFailures\":[{\"itemIdentifier\":\"nope\"}]}");
    h_write(e, &tb, "q0", "q0");
    h_write(e, &tb, "q1", "q1");
    WAIT_UNTIL(h_ncalls() >= 4, 3000);
    h_sleep(50);
    h_delivered(&b);
    CHECK(strstr(b.data, "p4,p2,p3,p4,") != NULL);
    const char *tail = strstr(b.data, "p4,p2,p3,p4,") + strlen("p4,p2,p3,p4,");
    /* q0 (and maybe q1) failed together, then were retried together */
    CHECK(strcmp(tail, "q0,q1,q0,q1") == 0 || strcmp(tail, "q0,q0,q1") == 0);
    /* an empty list, null or {} is success */
    H.respond_once = strdup("{\"batchItemFailures\":[]}");
    size_t calls = h_ncalls();
    h_write(e, &tb, "q2", "q2");
    WAIT_UNTIL(h_ncalls() > calls, 3000);
    h_sleep(50);
    CHECK(h_ncalls() == calls + 1);
    buf_free(&b);
    ddb_arena_destroy(a);
    trig_stop(t);
    ddb_close(e);
}

static int count_kv(void *ctx, const char *key, size_t klen, const char *val, size_t vlen) {
    (void)key, (void)klen, (void)val, (void)vlen;
    (*(int *)ctx)++;
    return 0;
}

/* Enabled false stops delivery and keeps the checkpoint; a deleted mapping
 * stops and its checkpoints go. */
static void test_disable_and_delete(void) {
    h_reset();
    ddb_engine_t *e = open_mem();
    ddb_table_info_t tb = h_table(e, "toggled");
    char arn[256];
    h_arn(arn, &tb);
    trig_t *t = h_start(e);
    esm_t m = h_mapping(U1, arn);
    h_write(e, &tb, "a", "one");
    h_store(e, t, &m);
    WAIT_UNTIL(h_ncalls() >= 1, 3000);
    m.enabled = false;
    m.state = ESM_DISABLED;
    h_store(e, t, &m);
    WAIT_UNTIL(h_state(t, U1, NULL, 0) == ESM_DISABLED, 3000);
    CHECK(h_state(t, U1, NULL, 0) == ESM_DISABLED);
    h_write(e, &tb, "b", "two");
    h_sleep(150);
    CHECK(h_ncalls() == 1);
    m.enabled = true;
    m.state = ESM_ENABLED;
    h_store(e, t, &m);
    WAIT_UNTIL(h_ncalls() >= 2, 3000);
    h_sleep(50);
    buf_t b;
    buf_init(&b);
    h_delivered(&b);
    CHECK_STR(b.data, "one,two");
    buf_free(&b);
    ddb_error_t err;
    CHECK(ddb_kv_delete(e, DDB_KV_MAPPINGS, U1, strlen(U1), &err) == 0);
    trig_reload(t, U1);
    WAIT_UNTIL(trig_status(t, U1, NULL, NULL, 0) == -1, 3000);
    CHECK(trig_status(t, U1, NULL, NULL, 0) == -1);
    h_sleep(20);
    int count = 0;
    CHECK(ddb_kv_scan(e, DDB_KV_CHECKPOINTS, U1, strlen(U1), count_kv, &count, &err) == 0);
    CHECK(count == 0);
    trig_stop(t);
    ddb_close(e);
}

/* A timed-out invocation is a failure of its own name in
 * LastProcessingResult, retried like an error. */
static void test_timeout_result(void) {
    h_reset();
    ddb_engine_t *e = open_mem();
    ddb_table_info_t tb = h_table(e, "timeouts");
    char arn[256];
    h_arn(arn, &tb);
    trig_t *t = h_start(e);
    H.fail_next = 1;
    H.fail_as = FN_TIMEOUT;
    h_write(e, &tb, "a", "slow");
    esm_t m = h_mapping(U1, arn);
    m.max_retries = 0;
    h_store(e, t, &m);
    WAIT_UNTIL(h_ncalls() >= 1, 3000);
    h_sleep(50);
    char last[256];
    CHECK(h_state(t, U1, last, sizeof last) == ESM_ENABLED);
    CHECK_STR(last, "PROBLEM: Function timed out");
    CHECK(h_logged("outcome=Timeout"));
    CHECK(h_logged("discarded (RetryAttemptsExhausted)")); /* no destination: dropped */
    h_write(e, &tb, "b", "next");
    WAIT_UNTIL(h_ncalls() >= 2, 3000);
    CHECK(h_ncalls() == 2);
    trig_stop(t);
    ddb_close(e);
}

/* trig_stop returns promptly even while a batch is being retried. */
static void test_stop_prompt(void) {
    h_reset();
    ddb_engine_t *e = open_mem();
    ddb_table_info_t tb = h_table(e, "stopping");
    char arn[256];
    h_arn(arn, &tb);
    trig_opts_t o = {.engine = e,
                     .invoke = h_invoke,
                     .send_destination = h_dest,
                     .log = h_log,
                     .retry_base_ms = 5000};
    trig_t *t = NULL;
    ddb_error_t err;
    CHECK(trig_start(&o, &t, &err) == 0);
    H.fail_always = true;
    h_write(e, &tb, "a", "x");
    esm_t m = h_mapping(U1, arn);
    h_store(e, t, &m);
    esm_t m2 = h_mapping(U2, arn);
    h_store(e, t, &m2);
    WAIT_UNTIL(h_ncalls() >= 2, 3000);
    h_sleep(20);
    int64_t t0 = ddb_now_ms();
    trig_stop(t);
    CHECK(ddb_now_ms() - t0 < 400);
    ddb_close(e);
}

int main(void) {
    test_event_shape();
    test_batching();
    test_starting_position();
    test_retries_and_on_failure();
    test_bisect();
    test_record_age();
    test_partial_failures();
    test_disable_and_delete();
    test_timeout_result();
    test_stop_prompt();
    h_reset();
    return check_summary();
}
