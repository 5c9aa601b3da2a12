/* test_stream_record.c: the record codec of streams/record.c. The Streams
 * form must be byte for byte what ddbd's GetRecords answered before the
 * codec moved to streams/ (captured from it: every view type, INSERT,
 * MODIFY, REMOVE, a TTL deletion); the Lambda form follows the example
 * event of AWS Lambda's DynamoDB documentation; both read back into the
 * same record. Links ddbstreamwire alone, as a client would. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "query/json.h"
#include "streams/record.h"

static ddb_arena_t *arena;

/* An item from its DynamoDB JSON text; NULL for NULL. */
static const ddb_value_t *item(const char *json) {
    if (!json) return NULL;
    cJSON *j = cJSON_Parse(json);
    ddb_value_t parsed, *v = ddb_arena_alloc(arena, sizeof *v);
    ddb_error_t err;
    ddb_error_clear(&err);
    int rc = json_to_item(arena, j, &parsed, &err);
    if (!rc) ddb_value_clone(arena, &parsed, v); /* parsed borrows from j */
    cJSON_Delete(j);
    CHECK(rc == 0);
    return rc ? NULL : v;
}

/* b's bytes as a NUL-terminated string (b keeps them). */
static const char *text(buf_t *b) {
    buf_putc(b, '\0');
    b->len--;
    return b->data;
}

/* Writes r in form, reads the text back, and checks that writing the read
 * record gives the same bytes again and the same fields. */
static void check_roundtrip(const sw_record_t *r, sw_form_t form) {
    buf_t b, again;
    buf_init(&b);
    buf_init(&again);
    sw_record_put(&b, r, form);
    cJSON *j = cJSON_Parse(text(&b));
    CHECK(j != NULL);
    sw_record_t back;
    ddb_error_t err;
    ddb_error_clear(&err);
    CHECK(sw_record_parse(arena, j, &back, &err) == 0);
    cJSON_Delete(j); /* the parsed record must not point into the tree */
    sw_record_put(&again, &back, form);
    CHECK_STR(text(&again), text(&b));
    CHECK_STR(back.event_id, r->event_id);
    CHECK(back.event == r->event && back.seq == r->seq && back.size == r->size);
    CHECK(back.view == r->view && back.by_ttl == r->by_ttl && back.time_s == r->time_s);
    CHECK(back.region_len == r->region_len && memcmp(back.region, r->region, r->region_len) == 0);
    CHECK(ddb_value_equal(back.keys, r->keys));
    CHECK(!back.new_image == !r->new_image);
    CHECK(!back.old_image == !r->old_image);
    if (r->new_image && back.new_image) CHECK(ddb_value_equal(back.new_image, r->new_image));
    if (r->old_image && back.old_image) CHECK(ddb_value_equal(back.old_image, r->old_image));
    if (form == SW_FORM_LAMBDA) {
        CHECK(back.source_arn_len == r->source_arn_len &&
              memcmp(back.source_arn, r->source_arn, r->source_arn_len) == 0);
    } else {
        CHECK(back.source_arn == NULL);
    }
    buf_free(&b);
    buf_free(&again);
}

/* ---- the Streams API form: what ddbd answers ----------------------------------------- */

static const struct {
    uint32_t stream;
    uint64_t seq;
    sw_event_t event;
    int64_t time_s;
    const char *keys, *new_image, *old_image;
    size_t size;
    sw_view_t view;
    bool by_ttl;
    const char *want;
} streams_cases[] = {
    {2, 1, SW_EV_INSERT, 1796156061, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}", NULL, NULL, 7,
     SW_VIEW_KEYS_ONLY, false,
     "{\"eventID\":\"f5a9d870c9f8cac60c6b9ab1ae822b5a\",\"eventName\":\"INSERT\",\"eventVersion\":"
     "\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
     "\"ApproximateCreationDateTime\":1796156061,\"Keys\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":"
     "\"1\"}},\"SequenceNumber\":\"000000000000000000001\",\"SizeBytes\":7,\"StreamViewType\":"
     "\"KEYS_ONLY\"}}"},
    {2, 2, SW_EV_MODIFY, 1796156061, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}", NULL, NULL, 7,
     SW_VIEW_KEYS_ONLY, false,
     "{\"eventID\":\"3228d982e9daed21d1f198e4748662e5\",\"eventName\":\"MODIFY\",\"eventVersion\":"
     "\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
     "\"ApproximateCreationDateTime\":1796156061,\"Keys\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":"
     "\"1\"}},\"SequenceNumber\":\"000000000000000000002\",\"SizeBytes\":7,\"StreamViewType\":"
     "\"KEYS_ONLY\"}}"},
    {2, 3, SW_EV_REMOVE, 1796156061, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}", NULL, NULL, 7,
     SW_VIEW_KEYS_ONLY, false,
     "{\"eventID\":\"44b59d588a9b4f948792b2df1a8bad46\",\"eventName\":\"REMOVE\",\"eventVersion\":"
     "\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
     "\"ApproximateCreationDateTime\":1796156061,\"Keys\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":"
     "\"1\"}},\"SequenceNumber\":\"000000000000000000003\",\"SizeBytes\":7,\"StreamViewType\":"
     "\"KEYS_ONLY\"}}"},
    {4, 4, SW_EV_INSERT, 1796156061, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}",
     "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"x\"}}", NULL, 16, SW_VIEW_NEW_IMAGE,
     false,
     "{\"eventID\":\"973de9dc66a05697bf8cad3d1e134fbd\",\"eventName\":\"INSERT\",\"eventVersion\":"
     "\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
     "\"ApproximateCreationDateTime\":1796156061,\"Keys\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":"
     "\"1\"}},\"NewImage\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"x\"}},"
     "\"SequenceNumber\":\"000000000000000000004\",\"SizeBytes\":16,\"StreamViewType\":\"NEW_"
     "IMAGE\"}}"},
    {4, 5, SW_EV_MODIFY, 1796156061, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}",
     "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"N\":\"2\"}}", NULL, 17, SW_VIEW_NEW_IMAGE,
     false,
     "{\"eventID\":\"d84c53ccc720b85d2760378b1608fdd0\",\"eventName\":\"MODIFY\",\"eventVersion\":"
     "\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
     "\"ApproximateCreationDateTime\":1796156061,\"Keys\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":"
     "\"1\"}},\"NewImage\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"N\":\"2\"}},"
     "\"SequenceNumber\":\"000000000000000000005\",\"SizeBytes\":17,\"StreamViewType\":\"NEW_"
     "IMAGE\"}}"},
    {4, 6, SW_EV_REMOVE, 1796156061, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}", NULL, NULL, 7,
     SW_VIEW_NEW_IMAGE, false,
     "{\"eventID\":\"fcfcc929986a2d82b956fbcebd334183\",\"eventName\":\"REMOVE\",\"eventVersion\":"
     "\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
     "\"ApproximateCreationDateTime\":1796156061,\"Keys\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":"
     "\"1\"}},\"SequenceNumber\":\"000000000000000000006\",\"SizeBytes\":7,\"StreamViewType\":"
     "\"NEW_IMAGE\"}}"},
    {6, 7, SW_EV_INSERT, 1796156061, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}", NULL, NULL, 7,
     SW_VIEW_OLD_IMAGE, false,
     "{\"eventID\":\"fe221f75d765f1c97891380381146d8e\",\"eventName\":\"INSERT\",\"eventVersion\":"
     "\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
     "\"ApproximateCreationDateTime\":1796156061,\"Keys\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":"
     "\"1\"}},\"SequenceNumber\":\"000000000000000000007\",\"SizeBytes\":7,\"StreamViewType\":"
     "\"OLD_IMAGE\"}}"},
    {6, 8, SW_EV_MODIFY, 1796156061, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}", NULL,
     "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"x\"}}", 16, SW_VIEW_OLD_IMAGE,
     false,
     "{\"eventID\":\"966c77778b0838157ed88a430447e187\",\"eventName\":\"MODIFY\",\"eventVersion\":"
     "\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
     "\"ApproximateCreationDateTime\":1796156061,\"Keys\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":"
     "\"1\"}},\"OldImage\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"x\"}},"
     "\"SequenceNumber\":\"000000000000000000008\",\"SizeBytes\":16,\"StreamViewType\":\"OLD_"
     "IMAGE\"}}"},
    {6, 9, SW_EV_REMOVE, 1796156061, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}", NULL,
     "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"N\":\"2\"}}", 17, SW_VIEW_OLD_IMAGE,
     false,
     "{\"eventID\":\"fe4c064d5513499dc8d052daabe2aa5d\",\"eventName\":\"REMOVE\",\"eventVersion\":"
     "\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
     "\"ApproximateCreationDateTime\":1796156061,\"Keys\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":"
     "\"1\"}},\"OldImage\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"N\":\"2\"}},"
     "\"SequenceNumber\":\"000000000000000000009\",\"SizeBytes\":17,\"StreamViewType\":\"OLD_"
     "IMAGE\"}}"},
    {8, 10, SW_EV_INSERT, 1796156061, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}",
     "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"x\"}}", NULL, 16,
     SW_VIEW_NEW_AND_OLD_IMAGES, false,
     "{\"eventID\":\"3721bb2c341640fd71aa2cbec9d18110\",\"eventName\":\"INSERT\",\"eventVersion\":"
     "\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
     "\"ApproximateCreationDateTime\":1796156061,\"Keys\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":"
     "\"1\"}},\"NewImage\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"x\"}},"
     "\"SequenceNumber\":\"000000000000000000010\",\"SizeBytes\":16,\"StreamViewType\":\"NEW_AND_"
     "OLD_IMAGES\"}}"},
    {8, 11, SW_EV_MODIFY, 1796156061, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}",
     "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"N\":\"2\"}}",
     "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"x\"}}", 26,
     SW_VIEW_NEW_AND_OLD_IMAGES, false,
     "{\"eventID\":\"94ebe0e440e1c7548b0b65ccdc02b743\",\"eventName\":\"MODIFY\",\"eventVersion\":"
     "\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
     "\"ApproximateCreationDateTime\":1796156061,\"Keys\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":"
     "\"1\"}},\"NewImage\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"N\":\"2\"}},"
     "\"OldImage\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"x\"}},"
     "\"SequenceNumber\":\"000000000000000000011\",\"SizeBytes\":26,\"StreamViewType\":\"NEW_AND_"
     "OLD_IMAGES\"}}"},
    {8, 12, SW_EV_REMOVE, 1796156061, "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}", NULL,
     "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"N\":\"2\"}}", 17,
     SW_VIEW_NEW_AND_OLD_IMAGES, false,
     "{\"eventID\":\"c94cae80eb190268aeb0a775d4bd7c8d\",\"eventName\":\"REMOVE\",\"eventVersion\":"
     "\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
     "\"ApproximateCreationDateTime\":1796156061,\"Keys\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":"
     "\"1\"}},\"OldImage\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"N\":\"2\"}},"
     "\"SequenceNumber\":\"000000000000000000012\",\"SizeBytes\":17,\"StreamViewType\":\"NEW_AND_"
     "OLD_IMAGES\"}}"},
    {8, 13, SW_EV_INSERT, 1796156061, "{\"pk\":{\"S\":\"t\"},\"sk\":{\"N\":\"2\"}}",
     "{\"pk\":{\"S\":\"t\"},\"sk\":{\"N\":\"2\"},\"exp\":{\"N\":\"1796156001\"}}", NULL, 23,
     SW_VIEW_NEW_AND_OLD_IMAGES, false,
     "{\"eventID\":\"e334d508f85807f8d970507605d947d6\",\"eventName\":\"INSERT\",\"eventVersion\":"
     "\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
     "\"ApproximateCreationDateTime\":1796156061,\"Keys\":{\"pk\":{\"S\":\"t\"},\"sk\":{\"N\":"
     "\"2\"}},\"NewImage\":{\"pk\":{\"S\":\"t\"},\"sk\":{\"N\":\"2\"},\"exp\":{\"N\":"
     "\"1796156001\"}},\"SequenceNumber\":\"000000000000000000013\",\"SizeBytes\":23,"
     "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}"},
    {8, 14, SW_EV_REMOVE, 1796156061, "{\"pk\":{\"S\":\"t\"},\"sk\":{\"N\":\"2\"}}", NULL,
     "{\"pk\":{\"S\":\"t\"},\"sk\":{\"N\":\"2\"},\"exp\":{\"N\":\"1796156001\"}}", 23,
     SW_VIEW_NEW_AND_OLD_IMAGES, true,
     "{\"eventID\":\"c91ee9418c35b49e1dba140b775675a7\",\"eventName\":\"REMOVE\",\"eventVersion\":"
     "\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
     "\"ApproximateCreationDateTime\":1796156061,\"Keys\":{\"pk\":{\"S\":\"t\"},\"sk\":{\"N\":"
     "\"2\"}},\"OldImage\":{\"pk\":{\"S\":\"t\"},\"sk\":{\"N\":\"2\"},\"exp\":{\"N\":"
     "\"1796156001\"}},\"SequenceNumber\":\"000000000000000000014\",\"SizeBytes\":23,"
     "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},\"userIdentity\":{\"PrincipalId\":\"dynamodb."
     "amazonaws.com\",\"Type\":\"Service\"}}"},
};

static void test_streams_form(void) {
    for (size_t i = 0; i < sizeof streams_cases / sizeof streams_cases[0]; i++) {
        sw_record_t r = {0};
        sw_event_id(r.event_id, streams_cases[i].stream, streams_cases[i].seq);
        r.event = streams_cases[i].event;
        r.region = "us-east-1";
        r.region_len = 9;
        r.time_s = streams_cases[i].time_s;
        r.keys = item(streams_cases[i].keys);
        r.new_image = item(streams_cases[i].new_image);
        r.old_image = item(streams_cases[i].old_image);
        r.seq = streams_cases[i].seq;
        r.size = streams_cases[i].size;
        r.view = streams_cases[i].view;
        r.by_ttl = streams_cases[i].by_ttl;
        /* the ARN is the Lambda form's alone */
        r.source_arn = "arn:aws:dynamodb:us-east-1:000000000000:table/x/stream/y";
        r.source_arn_len = strlen(r.source_arn);
        buf_t b;
        buf_init(&b);
        sw_record_put(&b, &r, SW_FORM_STREAMS);
        CHECK_STR(text(&b), streams_cases[i].want);
        buf_free(&b);
        check_roundtrip(&r, SW_FORM_STREAMS);
        check_roundtrip(&r, SW_FORM_LAMBDA);
    }
}

/* ---- the Lambda event form: AWS's documented example ---------------------------------- */

#define EXAMPLE_ARN                                                                                \
    "arn:aws:dynamodb:eu-central-1:123456789012:table/ExampleTableWithStream/stream/"              \
    "2015-06-27T00:48:05.899"

static const struct {
    const char *event_id;
    sw_event_t event;
    const char *new_image, *old_image;
    uint64_t seq;
    size_t size;
    bool by_ttl;
    const char *want;
} lambda_cases[] = {
    {"c4ca4238a0b923820dcc509a6f75849b", SW_EV_INSERT,
     "{\"Message\":{\"S\":\"New item!\"},\"Id\":{\"N\":\"101\"}}", NULL, 111, 26, false,
     "{\"eventID\":\"c4ca4238a0b923820dcc509a6f75849b\",\"eventName\":\"INSERT\","
     "\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"eu-central-1\","
     "\"dynamodb\":{\"ApproximateCreationDateTime\":1428537600.0,\"Keys\":{\"Id\":{\"N\":\"101\"}},"
     "\"NewImage\":{\"Message\":{\"S\":\"New item!\"},\"Id\":{\"N\":\"101\"}},"
     "\"SequenceNumber\":\"000000000000000000111\",\"SizeBytes\":26,"
     "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},\"eventSourceARN\":\"" EXAMPLE_ARN "\"}"},
    {"c81e728d9d4c2f636f067f89cc14862c", SW_EV_MODIFY,
     "{\"Message\":{\"S\":\"This item has changed\"},\"Id\":{\"N\":\"101\"}}",
     "{\"Message\":{\"S\":\"New item!\"},\"Id\":{\"N\":\"101\"}}", 222, 59, false,
     "{\"eventID\":\"c81e728d9d4c2f636f067f89cc14862c\",\"eventName\":\"MODIFY\","
     "\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"eu-central-1\","
     "\"dynamodb\":{\"ApproximateCreationDateTime\":1428537600.0,\"Keys\":{\"Id\":{\"N\":\"101\"}},"
     "\"NewImage\":{\"Message\":{\"S\":\"This item has changed\"},\"Id\":{\"N\":\"101\"}},"
     "\"OldImage\":{\"Message\":{\"S\":\"New item!\"},\"Id\":{\"N\":\"101\"}},"
     "\"SequenceNumber\":\"000000000000000000222\",\"SizeBytes\":59,"
     "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},\"eventSourceARN\":\"" EXAMPLE_ARN "\"}"},
    {"eccbc87e4b5ce2fe28308fd9f2a7baf3", SW_EV_REMOVE, NULL,
     "{\"Message\":{\"S\":\"This item has changed\"},\"Id\":{\"N\":\"101\"}}", 333, 38, false,
     "{\"eventID\":\"eccbc87e4b5ce2fe28308fd9f2a7baf3\",\"eventName\":\"REMOVE\","
     "\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"eu-central-1\","
     "\"dynamodb\":{\"ApproximateCreationDateTime\":1428537600.0,\"Keys\":{\"Id\":{\"N\":\"101\"}},"
     "\"OldImage\":{\"Message\":{\"S\":\"This item has changed\"},\"Id\":{\"N\":\"101\"}},"
     "\"SequenceNumber\":\"000000000000000000333\",\"SizeBytes\":38,"
     "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},\"eventSourceARN\":\"" EXAMPLE_ARN "\"}"},
    /* a TTL deletion: Lambda writes userIdentity in lower camel case */
    {"eccbc87e4b5ce2fe28308fd9f2a7baf3", SW_EV_REMOVE, NULL,
     "{\"Message\":{\"S\":\"This item has changed\"},\"Id\":{\"N\":\"101\"}}", 333, 38, true,
     "{\"eventID\":\"eccbc87e4b5ce2fe28308fd9f2a7baf3\",\"eventName\":\"REMOVE\","
     "\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"eu-central-1\","
     "\"dynamodb\":{\"ApproximateCreationDateTime\":1428537600.0,\"Keys\":{\"Id\":{\"N\":\"101\"}},"
     "\"OldImage\":{\"Message\":{\"S\":\"This item has changed\"},\"Id\":{\"N\":\"101\"}},"
     "\"SequenceNumber\":\"000000000000000000333\",\"SizeBytes\":38,"
     "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},\"eventSourceARN\":\"" EXAMPLE_ARN "\","
     "\"userIdentity\":{\"principalId\":\"dynamodb.amazonaws.com\",\"type\":\"Service\"}}"},
};

static void test_lambda_form(void) {
    for (size_t i = 0; i < sizeof lambda_cases / sizeof lambda_cases[0]; i++) {
        sw_record_t r = {0};
        strcpy(r.event_id, lambda_cases[i].event_id);
        r.event = lambda_cases[i].event;
        r.region = "eu-central-1";
        r.region_len = 12;
        r.source_arn = EXAMPLE_ARN;
        r.source_arn_len = strlen(EXAMPLE_ARN);
        r.time_s = 1428537600;
        r.keys = item("{\"Id\":{\"N\":\"101\"}}");
        r.new_image = item(lambda_cases[i].new_image);
        r.old_image = item(lambda_cases[i].old_image);
        r.seq = lambda_cases[i].seq;
        r.size = lambda_cases[i].size;
        r.view = SW_VIEW_NEW_AND_OLD_IMAGES;
        r.by_ttl = lambda_cases[i].by_ttl;
        buf_t b;
        buf_init(&b);
        sw_record_put(&b, &r, SW_FORM_LAMBDA);
        CHECK_STR(text(&b), lambda_cases[i].want);
        buf_free(&b);
        check_roundtrip(&r, SW_FORM_LAMBDA);
    }
}

/* A record as AWS's Lambda documentation prints it (its member order, its
 * short sequence number, its casing) reads as well as ours. */
static void test_parse_documented_event(void) {
    static const char doc[] =
        "{\"eventID\":\"1\",\"eventVersion\":\"1.0\",\"dynamodb\":{\"Keys\":{\"Id\":{\"N\":\"101\"}"
        "},"
        "\"NewImage\":{\"Message\":{\"S\":\"New item!\"},\"Id\":{\"N\":\"101\"}},"
        "\"ApproximateCreationDateTime\":1693997155.0,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\","
        "\"SequenceNumber\":\"111\",\"SizeBytes\":26},\"awsRegion\":\"us-west-2\","
        "\"eventName\":\"INSERT\",\"eventSourceARN\":\"" EXAMPLE_ARN "\","
        "\"eventSource\":\"aws:dynamodb\","
        "\"userIdentity\":{\"principalId\":\"dynamodb.amazonaws.com\",\"type\":\"Service\"}}";
    cJSON *j = cJSON_Parse(doc);
    sw_record_t r;
    ddb_error_t err;
    ddb_error_clear(&err);
    CHECK(sw_record_parse(arena, j, &r, &err) == 0);
    cJSON_Delete(j);
    CHECK_STR(r.event_id, "1");
    CHECK(r.event == SW_EV_INSERT && r.seq == 111 && r.size == 26 && r.time_s == 1693997155);
    CHECK(r.view == SW_VIEW_NEW_AND_OLD_IMAGES && r.by_ttl && !r.old_image);
    CHECK(r.region_len == 9 && memcmp(r.region, "us-west-2", 9) == 0);
    CHECK_STR(r.source_arn, EXAMPLE_ARN);
    const ddb_value_t *msg = ddb_map_get(r.new_image, "Message", 7);
    CHECK(msg && msg->type == DDB_T_S && msg->u.str.len == 9 &&
          memcmp(msg->u.str.ptr, "New item!", 9) == 0);
    const ddb_value_t *id = ddb_map_get(r.keys, "Id", 2);
    CHECK(id && id->type == DDB_T_N && id->u.str.len == 3);
}

/* Records that are not records: each refused with a SerializationException. */
static void test_parse_rejects(void) {
    static const char *const good =
        "{\"eventID\":\"e\",\"eventName\":\"INSERT\",\"awsRegion\":\"r\",\"dynamodb\":{"
        "\"ApproximateCreationDateTime\":1,\"Keys\":{\"k\":{\"S\":\"v\"}},"
        "\"SequenceNumber\":\"000000000000000000001\",\"SizeBytes\":3,"
        "\"StreamViewType\":\"KEYS_ONLY\"}}";
    static const struct {
        const char *from, *to;
    } edits[] = {
        {"\"eventID\":\"e\"", "\"eventID\":7"},
        {"\"eventID\":\"e\"", "\"eventID\":\"000000000000000000000000000000000\""}, /* 33 */
        {"\"eventName\":\"INSERT\"", "\"eventName\":\"UPSERT\""},
        {"\"awsRegion\":\"r\",", ""},
        {"\"ApproximateCreationDateTime\":1", "\"ApproximateCreationDateTime\":-1"},
        {"\"ApproximateCreationDateTime\":1", "\"ApproximateCreationDateTime\":\"1\""},
        {"\"Keys\":{\"k\":{\"S\":\"v\"}},", ""},
        {"\"Keys\":{\"k\":{\"S\":\"v\"}}", "\"Keys\":[]"},
        {"\"SequenceNumber\":\"000000000000000000001\"", "\"SequenceNumber\":1"},
        {"\"SequenceNumber\":\"000000000000000000001\"", "\"SequenceNumber\":\"0x1\""},
        {"\"SequenceNumber\":\"000000000000000000001\"",
         "\"SequenceNumber\":\"99999999999999999999\""},
        {"\"SizeBytes\":3", "\"SizeBytes\":3.5"},
        {"\"StreamViewType\":\"KEYS_ONLY\"", "\"StreamViewType\":\"ALL\""},
    };
    cJSON *j = cJSON_Parse(good);
    sw_record_t r;
    ddb_error_t err;
    ddb_error_clear(&err);
    CHECK(sw_record_parse(arena, j, &r, &err) == 0);
    cJSON_Delete(j);
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        char bad[1024];
        const char *at = strstr(good, edits[i].from);
        CHECK(at != NULL);
        if (!at) continue;
        snprintf(bad, sizeof bad, "%.*s%s%s", (int)(at - good), good, edits[i].to,
                 at + strlen(edits[i].from));
        j = cJSON_Parse(bad);
        CHECK(j != NULL);
        ddb_error_clear(&err);
        int rc = sw_record_parse(arena, j, &r, &err);
        cJSON_Delete(j);
        if (rc != DDB_ERR_SERIALIZATION) fprintf(stderr, "accepted: %s\n", bad);
        CHECK(rc == DDB_ERR_SERIALIZATION);
    }
}

int main(void) {
    arena = ddb_arena_create(0);
    test_streams_form();
    test_lambda_form();
    test_parse_documented_event();
    test_parse_rejects();
    ddb_arena_destroy(arena);
    return check_summary();
}
