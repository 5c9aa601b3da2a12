/* test_dds_record.c: libddbstreams' GetRecords parser and its batch, record and value
 * accessors (streams/dds_record.c): every field of a record, both forms of images (text and
 * values: B decoded, sets, nested maps and lists), TTL deletions, times in exponent form,
 * closed and open shards, and malformed bodies (DDS_ESERVICE, never a crash). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "streams/dds_int.h"
#include "check.h"

#define REC_INSERT                                                                                 \
    "{\"awsRegion\":\"ddblocal\",\"dynamodb\":{\"ApproximateCreationDateTime\":1.7648E9,"          \
    "\"Keys\":{\"pk\":{\"S\":\"a\"}},\"NewImage\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"42\"}},"    \
    "\"SequenceNumber\":\"000000000000000000042\",\"SizeBytes\":26,"                               \
    "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},\"eventID\":\"e-1\",\"eventName\":\"INSERT\","     \
    "\"eventSource\":\"aws:dynamodb\",\"eventVersion\":\"1.1\"}"

#define REC_MODIFY                                                                                 \
    "{\"eventID\":\"e\\u00e9\\\"2\",\"eventName\":\"MODIFY\",\"dynamodb\":{"                       \
    "\"ApproximateCreationDateTime\":1700000000.123,\"Keys\":{\"pk\":{\"S\":\"b\"}},"              \
    "\"OldImage\":{\"pk\":{\"S\":\"b\"},\"v\":{\"N\":\"1\"}},"                                     \
    "\"NewImage\":{\"pk\":{\"S\":\"b\"},\"bin\":{\"B\":\"AQID\"},\"ns\":{\"NS\":[\"1\",\"2.5\"]}," \
    "\"ss\":{\"SS\":[\"x\",\"y\"]},\"bs\":{\"BS\":[\"AA==\"]},\"ok\":{\"BOOL\":true},"             \
    "\"nil\":{\"NULL\":true},\"z\":{\"S\":\"a\\u0000b\"},"                                         \
    "\"m\":{\"M\":{\"l\":{\"L\":[{\"N\":\"7\"},{\"M\":{\"deep\":{\"S\":\"yes\"}}}]}}}},"           \
    "\"SequenceNumber\":\"43\",\"SizeBytes\":80,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}"

/* a deletion by TTL, as the Streams API writes its identity */
#define REC_TTL                                                                                    \
    "{\"eventID\":\"e3\",\"eventName\":\"REMOVE\",\"dynamodb\":{"                                  \
    "\"ApproximateCreationDateTime\":1700000001,\"Keys\":{\"pk\":{\"S\":\"c\"}},"                  \
    "\"SequenceNumber\":\"44\",\"SizeBytes\":5,\"StreamViewType\":\"KEYS_ONLY\"},"                 \
    "\"userIdentity\":{\"PrincipalId\":\"dynamodb.amazonaws.com\",\"Type\":\"Service\"}}"

static dds_batch *parse(const char *body, char **next) {
    dds_batch *b = NULL;
    dds_error err;
    int rc = dds__parse_records(body, strlen(body), "shardId-00000001", &b, next, &err);
    if (rc) fprintf(stderr, "unexpected: %s\n", err.message);
    CHECK(rc == 0 && b);
    return b;
}

static void test_fields(void) {
    char *next;
    dds_batch *b = parse("{\"Records\":[" REC_INSERT "," REC_MODIFY "," REC_TTL
                         "],\"NextShardIterator\":\"it-\\/2\"}",
                         &next);
    if (!b) return;
    CHECK_STR(next, "it-/2");
    free(next);
    CHECK(dds_batch_len(b) == 3);
    CHECK_STR(dds_batch_shard_id(b), "shardId-00000001");
    CHECK(dds_batch_shard_end(b) == 0);
    CHECK(dds_batch_at(b, 3) == NULL);

    const dds_record *r = dds_batch_at(b, 0);
    CHECK_STR(dds_record_event_id(r), "e-1");
    CHECK(dds_record_event(r) == DDS_INSERT);
    CHECK_STR(dds_record_event_name(r), "INSERT");
    CHECK_STR(dds_record_seq(r), "000000000000000000042");
    CHECK(dds_record_time_ms(r) == INT64_C(1764800000000));
    CHECK(dds_record_size(r) == 26);
    CHECK_STR(dds_record_view(r), "NEW_AND_OLD_IMAGES");
    CHECK(dds_record_is_ttl(r) == 0);
    CHECK_STR(dds_record_shard_id(r), "shardId-00000001");
    size_t len;
    const char *j = dds_record_json(r, &len);
    CHECK(len == strlen(REC_INSERT) && strcmp(j, REC_INSERT) == 0);
    CHECK_STR(dds_record_keys_json(r, &len), "{\"pk\":{\"S\":\"a\"}}");
    CHECK(len == strlen("{\"pk\":{\"S\":\"a\"}}"));
    CHECK_STR(dds_record_new_json(r, NULL), "{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"42\"}}");
    CHECK(dds_record_old_json(r, &len) == NULL && len == 0);
    CHECK(dds_record_old(r) == NULL);
    const dds_value *k = dds_record_keys(r);
    CHECK(dds_value_type(k) == DDS_M && dds_value_len(k) == 1);
    CHECK_STR(dds_value_name_at(k, 0, &len), "pk");
    CHECK_STR(dds_value_bytes(dds_value_get(k, "pk"), &len), "a");
    CHECK(dds_record_keys(r) == k); /* built once */
    CHECK_STR(dds_value_bytes(dds_value_get(dds_record_new(r), "n"), NULL), "42");

    r = dds_batch_at(b, 1);
    CHECK_STR(dds_record_event_id(r), "e\xc3\xa9\"2");
    CHECK(dds_record_event(r) == DDS_MODIFY);
    CHECK_STR(dds_record_event_name(r), "MODIFY");
    CHECK(dds_record_time_ms(r) == INT64_C(1700000000123));
    CHECK_STR(dds_record_seq(r), "43");
    CHECK_STR(dds_value_bytes(dds_value_get(dds_record_old(r), "v"), NULL), "1");
    const dds_value *n = dds_record_new(r);
    CHECK(dds_value_type(n) == DDS_M && dds_value_len(n) == 9);
    const dds_value *bin = dds_value_get(n, "bin");
    CHECK(dds_value_type(bin) == DDS_B);
    const char *bytes = dds_value_bytes(bin, &len);
    CHECK(len == 3 && bytes && memcmp(bytes, "\1\2\3", 3) == 0);
    const dds_value *ns = dds_value_get(n, "ns");
    CHECK(dds_value_type(ns) == DDS_NS && dds_value_len(ns) == 2);
    CHECK_STR(dds_value_bytes(dds_value_at(ns, 1), NULL), "2.5");
    CHECK(dds_value_at(ns, 2) == NULL);
    CHECK(dds_value_type(dds_value_get(n, "ss")) == DDS_SS);
    const dds_value *bs = dds_value_get(n, "bs");
    CHECK(dds_value_type(bs) == DDS_BS && dds_value_len(bs) == 1);
    bytes = dds_value_bytes(dds_value_at(bs, 0), &len);
    CHECK(len == 1 && bytes[0] == 0);
    CHECK(dds_value_type(dds_value_get(n, "ok")) == DDS_BOOL);
    CHECK(dds_value_bool(dds_value_get(n, "ok")) == 1);
    CHECK(dds_value_type(dds_value_get(n, "nil")) == DDS_NULL);
    bytes = dds_value_bytes(dds_value_get(n, "z"), &len);
    CHECK(len == 3 && memcmp(bytes, "a\0b", 3) == 0);
    const dds_value *l = dds_value_get(dds_value_get(n, "m"), "l");
    CHECK(dds_value_type(l) == DDS_L && dds_value_len(l) == 2);
    CHECK_STR(dds_value_bytes(dds_value_at(l, 0), NULL), "7");
    const dds_value *deep = dds_value_get(dds_value_at(l, 1), "deep");
    CHECK_STR(dds_value_bytes(deep, NULL), "yes");
    CHECK(dds_value_get(n, "absent") == NULL);
    CHECK(dds_value_bytes(l, &len) == NULL && len == 0);
    CHECK(dds_value_len(deep) == 0 && dds_value_at(deep, 0) == NULL);
    CHECK(dds_value_name_at(l, 0, NULL) == NULL);

    r = dds_batch_at(b, 2);
    CHECK(dds_record_event(r) == DDS_REMOVE);
    CHECK(dds_record_is_ttl(r) == 1);
    CHECK(dds_record_time_ms(r) == INT64_C(1700000001000));
    CHECK_STR(dds_record_view(r), "KEYS_ONLY");
    CHECK(dds_record_new_json(r, NULL) == NULL && dds_record_new(r) == NULL);
    CHECK(dds_record_old(r) == NULL);
    CHECK(dds_record_keys(r) != NULL);
    dds_batch_free(b);
}

/* Lambda's casing of the identity, a user's deletion, and identities that are not TTL's. */
static void test_identity(void) {
    static const struct {
        const char *identity;
        int ttl;
    } cases[] = {
        {"{\"principalId\":\"dynamodb.amazonaws.com\",\"type\":\"Service\"}", 1},
        {"{\"principalId\":\"someone\",\"type\":\"Service\"}", 0},
        {"{\"principalId\":\"dynamodb.amazonaws.com\",\"type\":\"User\"}", 0},
        {"{\"type\":\"Service\"}", 0},
        {"null", 0},
        {"{}", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[512];
        snprintf(body, sizeof body,
                 "{\"Records\":[{\"eventName\":\"REMOVE\",\"dynamodb\":{\"SequenceNumber\":\"9\"},"
                 "\"userIdentity\":%s}]}",
                 cases[i].identity);
        char *next;
        dds_batch *b = parse(body, &next);
        if (!b) continue;
        CHECK(dds_record_is_ttl(dds_batch_at(b, 0)) == cases[i].ttl);
        dds_batch_free(b);
    }
}

static void test_times(void) {
    static const struct {
        const char *text;
        int64_t ms;
    } cases[] = {
        {"1700000000", INT64_C(1700000000000)},
        {"1.7648E9", INT64_C(1764800000000)},
        {"1.7648e+9", INT64_C(1764800000000)},
        {"17648000000E-1", INT64_C(1764800000000)},
        {"1700000000.5", INT64_C(1700000000500)},
        {"1700000000.12345", INT64_C(1700000000123)},
        {"0", 0},
        {"1e-9", 0},
        {"1.7000000000000000001E9", INT64_C(1700000000000)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"1\","
                 "\"ApproximateCreationDateTime\":%s}}]}",
                 cases[i].text);
        char *next;
        dds_batch *b = parse(body, &next);
        if (!b) continue;
        int64_t got = dds_record_time_ms(dds_batch_at(b, 0));
        if (got != cases[i].ms) fprintf(stderr, "%s: got %" PRId64 "\n", cases[i].text, got);
        CHECK(got == cases[i].ms);
        dds_batch_free(b);
    }
}

/* The end of a closed shard (no iterator), an open shard with nothing new, and a record whose
 * image is JSON but not a DynamoDB item (its text is there; its value is not). */
static void test_shapes(void) {
    char *next = (char *)"unset";
    dds_batch *b = parse("{\"Records\":[],\"NextShardIterator\":\"abc\"}", &next);
    if (b) {
        CHECK(dds_batch_len(b) == 0 && dds_batch_at(b, 0) == NULL);
        CHECK(dds_batch_shard_end(b) == 0);
        CHECK_STR(next, "abc");
        free(next);
        dds_batch_free(b);
    }
    b = parse(" {\"Records\":[ " REC_TTL " ]}\n", &next);
    if (b) {
        CHECK(next == NULL && dds_batch_shard_end(b) == 1 && dds_batch_len(b) == 1);
        dds_batch_free(b);
    }
    b = parse("{\"NextShardIterator\":null,\"Records\":[]}", &next);
    if (b) {
        CHECK(next == NULL && dds_batch_shard_end(b) == 1);
        dds_batch_free(b);
    }
    b = parse("{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"1\","
              "\"NewImage\":{\"a\":{\"X\":\"1\"}},\"Keys\":null}}]}",
              &next);
    if (b) {
        const dds_record *r = dds_batch_at(b, 0);
        CHECK_STR(dds_record_new_json(r, NULL), "{\"a\":{\"X\":\"1\"}}");
        CHECK(dds_record_new(r) == NULL);
        CHECK(dds_record_keys_json(r, NULL) == NULL && dds_record_keys(r) == NULL);
        CHECK_STR(dds_record_event_id(r), "");
        CHECK_STR(dds_record_view(r), "");
        CHECK(dds_record_time_ms(r) == 0 && dds_record_size(r) == 0);
        dds_batch_free(b);
    }
}

/* A batch holds copies of all it hands out: the body (the transport's buffer) may go at once,
 * values built afterwards included. */
static void test_owns_copies(void) {
    const char *text = "{\"Records\":[" REC_MODIFY "],\"NextShardIterator\":\"n\"}";
    char *body = strdup(text);
    dds_batch *b;
    char *next;
    dds_error err;
    CHECK(dds__parse_records(body, strlen(body), "s", &b, &next, &err) == 0);
    memset(body, 'x', strlen(body));
    free(body);
    const dds_record *r = dds_batch_at(b, 0);
    CHECK_STR(dds_record_json(r, NULL), REC_MODIFY);
    CHECK_STR(dds_record_seq(r), "43");
    CHECK_STR(dds_value_bytes(dds_value_get(dds_record_keys(r), "pk"), NULL), "b");
    CHECK(dds_value_len(dds_record_new(r)) == 9);
    free(next);
    dds_batch_free(b);
}

static void test_malformed(void) {
    static const char *const bodies[] = {
        "",
        "   ",
        "[]",
        "{}",
        "{\"Records\":{}}",
        "{\"Records\":[]",
        "{\"Records\":[]}x",
        "{\"Records\":[],}",
        "{\"Records\":[1]}",
        "{\"Records\":[{}]}",
        "{\"Records\":[{\"eventName\":\"INSERT\"}]}",
        "{\"Records\":[{\"eventName\":\"UPSERT\",\"dynamodb\":{\"SequenceNumber\":\"1\"}}]}",
        "{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":1}}]}",
        "{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"1x\"}}]}",
        "{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"\"}}]}",
        "{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":[]}]}",
        "{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"1\","
        "\"ApproximateCreationDateTime\":\"now\"}}]}",
        "{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"1\","
        "\"ApproximateCreationDateTime\":1e30}}]}",
        "{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"1\","
        "\"SizeBytes\":-1}}]}",
        "{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"1\","
        "\"Keys\":[]}}]}",
        "{\"Records\":[{\"eventName\":\"INSERT\",\"eventID\":7,\"dynamodb\":{\"SequenceNumber\":"
        "\"1\"}}]}",
        "{\"Records\":[{\"eventName\":\"INSERT\",\"userIdentity\":\"x\",\"dynamodb\":{"
        "\"SequenceNumber\":\"1\"}}]}",
        "{\"Records\":[],\"NextShardIterator\":5}",
        "{\"Records\":[],\"NextShardIterator\":\"a\\x\"}",
        "{\"Records\":[],\"NextShardIterator\":\"a\\u12\"}",
        "{\"Records\":[],\"NextShardIterator\":\"\xff\"}",
        "{\"Records\":[],\"NextShardIterator\":\"a\nb\"}",
        "{\"Records\":[],\"x\":01}",
        "{\"Records\":[],\"x\":1.}",
        "{\"Records\":[],\"x\":tru}",
        "{\"Records\":[],\"x\":[1,]}",
        "{\"Records\" [] }",
        "{\"Records\":[],\"x\":\"unterminated}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        dds_batch *b = (dds_batch *)1;
        char *next = (char *)1;
        dds_error err;
        int rc = dds__parse_records(bodies[i], strlen(bodies[i]), "s", &b, &next, &err);
        if (rc != DDS_ESERVICE) fprintf(stderr, "accepted: %s\n", bodies[i]);
        CHECK(rc == DDS_ESERVICE && err.code == DDS_ESERVICE);
        CHECK(b == NULL && next == NULL);
        CHECK(strstr(err.message, "malformed GetRecords response") != NULL);
    }
    /* nesting past any item's depth */
    size_t depth = 100000;
    char *deep = malloc(depth * 2 + 32);
    strcpy(deep, "{\"Records\":[],\"x\":");
    size_t o = strlen(deep);
    memset(deep + o, '[', depth);
    memset(deep + o + depth, ']', depth);
    strcpy(deep + o + 2 * depth, "}");
    dds_batch *b;
    char *next;
    dds_error err;
    CHECK(dds__parse_records(deep, strlen(deep), "s", &b, &next, &err) == DDS_ESERVICE);
    CHECK(strstr(err.message, "nesting") != NULL);
    free(deep);
    CHECK(dds__parse_records(NULL, 0, "s", &b, &next, &err) == DDS_ESERVICE);
}

/* A full batch (1000 records, ~1 MB) parses in a few milliseconds: the library's throughput
 * target (50,000 records/s from one worker) leaves it well under 20. */
static void test_speed(void) {
    buf_t body;
    buf_init(&body);
    buf_puts(&body, "{\"Records\":[");
    for (int i = 0; i < 1000; i++) {
        if (i) buf_putc(&body, ',');
        buf_printf(&body,
                   "{\"awsRegion\":\"ddblocal\",\"dynamodb\":{\"ApproximateCreationDateTime\":"
                   "1764800000,\"Keys\":{\"pk\":{\"S\":\"user#%06d\"},\"sk\":{\"S\":\"order\"}},"
                   "\"NewImage\":{",
                   i);
        for (int a = 0; a < 12; a++) {
            buf_printf(&body, "%s\"attr%02d\":{\"S\":\"%-28s\"},\"num%02d\":{\"N\":\"%d\"}",
                       a ? "," : "", a, "some text of the item", a, i * a);
        }
        buf_printf(&body,
                   "},\"SequenceNumber\":\"%021d\",\"SizeBytes\":900,\"StreamViewType\":"
                   "\"NEW_AND_OLD_IMAGES\"},\"eventID\":\"%032d\",\"eventName\":\"INSERT\","
                   "\"eventSource\":\"aws:dynamodb\",\"eventVersion\":\"1.1\"}",
                   i + 1, i);
    }
    buf_puts(&body, "],\"NextShardIterator\":\"next\"}");
    double best = 1e9;
    for (int round = 0; round < 5; round++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        dds_batch *b;
        char *next;
        dds_error err;
        int rc = dds__parse_records(body.data, body.len, "s", &b, &next, &err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        CHECK(rc == 0 && dds_batch_len(b) == 1000);
        double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        if (ms < best) best = ms;
        if (round == 0) {
            /* values are built on first access only: what that costs, for the record */
            CHECK_STR(dds_record_seq(dds_batch_at(b, 999)), "000000000000000001000");
            clock_gettime(CLOCK_MONOTONIC, &t0);
            size_t attrs = 0;
            for (size_t i = 0; i < dds_batch_len(b); i++)
                attrs += dds_value_len(dds_record_new(dds_batch_at(b, i)));
            clock_gettime(CLOCK_MONOTONIC, &t1);
            CHECK(attrs == 24000);
            printf("its 1000 NewImage values build in %.2f ms\n",
                   (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
        }
        free(next);
        dds_batch_free(b);
    }
    printf("a batch of 1000 records (%zu bytes) parses in %.2f ms\n", body.len, best);
    CHECK(best < 50); /* a few ms; generous for sanitizers and a loaded machine */
    buf_free(&body);
}

int main(void) {
    test_fields();
    test_identity();
    test_times();
    test_shapes();
    test_owns_copies();
    test_malformed();
    test_speed();
    return check_summary();
}
