/* test_stream_wire.c: the names and numbers of streams/wire.c and the ARNs
 * of query/arn.c: each written as ddbd writes it, read back, and malformed
 * input refused. Links ddbstreamwire alone, as a client would. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "query/arn.h"
#include "streams/wire.h"

/* b's bytes as a NUL-terminated string (b keeps them). */
static const char *text(buf_t *b) {
    buf_putc(b, '\0');
    b->len--;
    return b->data;
}

static void test_views_and_events(void) {
    static const char *const views[] = {"KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE",
                                        "NEW_AND_OLD_IMAGES"};
    for (int v = SW_VIEW_KEYS_ONLY; v <= SW_VIEW_NEW_AND_OLD_IMAGES; v++) {
        CHECK_STR(sw_view_name((sw_view_t)v), views[v - 1]);
        CHECK(sw_view_parse(views[v - 1], strlen(views[v - 1])) == (sw_view_t)v);
    }
    CHECK_STR(sw_view_name((sw_view_t)0), "KEYS_ONLY");
    CHECK_STR(sw_view_name((sw_view_t)9), "KEYS_ONLY");
    CHECK(sw_view_parse("KEYS_ONL", 8) == 0);
    CHECK(sw_view_parse("keys_only", 9) == 0);
    CHECK(sw_view_parse("KEYS_ONLYX", 10) == 0);
    CHECK_STR(sw_event_name(SW_EV_INSERT), "INSERT");
    CHECK_STR(sw_event_name(SW_EV_MODIFY), "MODIFY");
    CHECK_STR(sw_event_name(SW_EV_REMOVE), "REMOVE");
    CHECK_STR(sw_event_name((sw_event_t)7), "INSERT");
    CHECK(sw_event_parse("REMOVE", 6) == SW_EV_REMOVE);
    CHECK(sw_event_parse("DELETE", 6) == 0);
}

static void test_labels_and_stream_arns(void) {
    char label[SW_LABEL_SIZE];
    sw_stream_label(label, 1796156037959);
    CHECK_STR(label, "2026-12-01T20:13:57.959");
    sw_stream_label(label, 1435366085899);
    CHECK_STR(label, "2015-06-27T00:48:05.899");
    sw_stream_label(label, 0);
    CHECK_STR(label, "1970-01-01T00:00:00.000");

    buf_t b;
    buf_init(&b);
    sw_put_stream_arn(&b, "us-east-1", "000000000000", "t_keys_only", 11, 1796156037959);
    CHECK_STR(text(&b), "arn:aws:dynamodb:us-east-1:000000000000:table/t_keys_only/stream/"
                        "2026-12-01T20:13:57.959");
    ddb_arn_t a;
    CHECK(ddb_arn_parse(b.data, b.len, &a));
    CHECK(a.kind == DDB_ARN_STREAM);
    CHECK(a.table_len == 11 && memcmp(a.table, "t_keys_only", 11) == 0);
    CHECK(a.sub_len == 23 && memcmp(a.sub, "2026-12-01T20:13:57.959", 23) == 0);
    CHECK(a.region_len == 9 && memcmp(a.region, "us-east-1", 9) == 0);
    CHECK(a.account_len == 12 && memcmp(a.account, "000000000000", 12) == 0);
    buf_free(&b);
}

static void test_arns(void) {
    buf_t b;
    buf_init(&b);
    ddb_arn_put_table(&b, "eu-west-1", "123456789012", "Music", 5);
    CHECK_STR(text(&b), "arn:aws:dynamodb:eu-west-1:123456789012:table/Music");
    ddb_arn_t a;
    CHECK(ddb_arn_parse(b.data, b.len, &a));
    CHECK(a.kind == DDB_ARN_TABLE && a.sub == NULL);
    CHECK(a.partition_len == 3 && memcmp(a.partition, "aws", 3) == 0);
    CHECK(a.service_len == 8 && memcmp(a.service, "dynamodb", 8) == 0);
    CHECK(a.table_len == 5 && memcmp(a.table, "Music", 5) == 0);
    buf_reset(&b);
    ddb_arn_put_index(&b, "eu-west-1", "123456789012", "Music", 5, "byArtist", 8);
    CHECK_STR(text(&b), "arn:aws:dynamodb:eu-west-1:123456789012:table/Music/index/byArtist");
    CHECK(ddb_arn_parse(b.data, b.len, &a));
    CHECK(a.kind == DDB_ARN_INDEX && a.sub_len == 8 && memcmp(a.sub, "byArtist", 8) == 0);
    buf_free(&b);

    /* any other tail after the table is kept (TagResource names the table) */
    const char *other = "arn:aws:dynamodb:r:a:table/T/backup/01";
    CHECK(ddb_arn_parse(other, strlen(other), &a));
    CHECK(a.kind == DDB_ARN_OTHER && a.table_len == 1 && a.sub_len == 10);
    const char *empty_index = "arn:aws:dynamodb:r:a:table/T/index/";
    CHECK(ddb_arn_parse(empty_index, strlen(empty_index), &a) && a.kind == DDB_ARN_OTHER);
    /* empty region and account are fields too; the caller decides */
    const char *bare = "arn:aws:dynamodb:::table/T";
    CHECK(ddb_arn_parse(bare, strlen(bare), &a) && a.region_len == 0 && a.account_len == 0);

    static const char *const bad[] = {
        "",
        "arn",
        "arn:aws:dynamodb:us-east-1:000000000000",      /* no resource */
        "arn:aws:dynamodb:us-east-1:table/T",           /* one field short */
        "arn:aws:dynamodb:us-east-1:0:table/",          /* empty table name */
        "arn:aws:dynamodb:us-east-1:0:table//stream/x", /* empty table name */
        "arn:aws:dynamodb:us-east-1:0:tables/T",        /* not table/ */
        "ARN:aws:dynamodb:us-east-1:0:table/T",         /* case matters */
        "urn:aws:dynamodb:us-east-1:0:table/T",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(!ddb_arn_parse(bad[i], strlen(bad[i]), &a));
    }
    /* the length bounds the parse: a valid ARN cut short is not read past its end */
    const char *full = "arn:aws:dynamodb:r:a:table/T";
    CHECK(!ddb_arn_parse(full, strlen(full) - 1, &a));
}

/* Region-qualified table names: split, plain, and the ARNs they make. */
static void test_qualified_names(void) {
    buf_t b;
    buf_init(&b);
    ddb_qname_put(&b, "us-west-2", 9, "Music", 5);
    CHECK_STR(text(&b), "~us-west-2~Music");
    const char *rg, *n;
    size_t rl, nl;
    CHECK(ddb_qname_split(b.data, b.len, &rg, &rl, &n, &nl));
    CHECK(rl == 9 && !memcmp(rg, "us-west-2", 9) && nl == 5 && !memcmp(n, "Music", 5));
    CHECK(ddb_qname_plain(b.data, b.len, &nl) == b.data + 11 && nl == 5);
    buf_t arn;
    buf_init(&arn);
    ddb_arn_put_stream(&arn, "us-east-1", "0", b.data, b.len, "L");
    CHECK_STR(text(&arn), "arn:aws:dynamodb:us-west-2:0:table/Music/stream/L");
    /* plain names (the default namespace) stay whole; the region given names them */
    CHECK(!ddb_qname_split("Music", 5, &rg, &rl, &n, &nl) && rl == 0 && nl == 5);
    buf_reset(&arn);
    ddb_arn_put_table(&arn, "us-east-1", "0", "Music", 5);
    CHECK_STR(text(&arn), "arn:aws:dynamodb:us-east-1:0:table/Music");
    buf_reset(&b);
    ddb_qname_put(&b, NULL, 0, "Music", 5);
    CHECK_STR(text(&b), "Music");
    /* no second mark: not qualified */
    CHECK(!ddb_qname_split("~abc", 4, &rg, &rl, &n, &nl) && nl == 4);
    buf_free(&arn);
    buf_free(&b);
}

static void test_shard_ids(void) {
    char id[SW_SHARD_ID_LEN + 1];
    sw_shard_id(id, 1796156037959, 0);
    CHECK_STR(id, "shardId-00000001796156037959-00000000");
    sw_shard_id(id, 1796156037959, 0xbeef);
    CHECK_STR(id, "shardId-00000001796156037959-0000beef");
    int64_t created;
    uint32_t index;
    CHECK(sw_shard_id_parse(id, strlen(id), &created, &index));
    CHECK(created == 1796156037959 && index == 0xbeef);
    sw_shard_id(id, INT64_MAX, UINT32_MAX);
    CHECK_STR(id, "shardId-09223372036854775807-ffffffff");
    CHECK(sw_shard_id_parse(id, strlen(id), &created, &index));
    CHECK(created == INT64_MAX && index == UINT32_MAX);
    CHECK(sw_shard_id_parse("shardId-00000001796156037959-0000BEEF", 37, &created, &index) &&
          index == 0xbeef);

    static const char *const bad[] = {
        "shardId-00000001796156037959-000000000", /* too long */
        "shardId-0000001796156037959-00000000",   /* too short */
        "shardid-00000001796156037959-00000000",  /* prefix */
        "shardId-00000001796156037959_00000000",  /* separator */
        "shardId-0000000179615603795x-00000000",  /* non-digit */
        "shardId-+0000001796156037959-00000000",  /* sign */
        "shardId- 0000001796156037959-00000000",  /* space */
        "shardId-09223372036854775808-00000000",  /* over INT64_MAX */
        "shardId-99999999999999999999-00000000",  /* over UINT64_MAX */
        "shardId-00000001796156037959-0000beeg",  /* non-hex */
        "shardId-00000001796156037959-0x00beef",  /* hex prefix */
        "shardId-00000001796156037959- 000beef",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(!sw_shard_id_parse(bad[i], strlen(bad[i]), &created, &index));
    }
}

static void test_sequence_numbers(void) {
    char s[SW_SEQ_MAX + 1];
    CHECK(sw_seq_format(s, 1) == 21);
    CHECK_STR(s, "000000000000000000001");
    CHECK(sw_seq_format(s, 0) == 21);
    CHECK_STR(s, "000000000000000000000");
    CHECK(sw_seq_format(s, UINT64_MAX) == 21);
    CHECK_STR(s, "018446744073709551615");
    buf_t b;
    buf_init(&b);
    sw_put_seq(&b, 42);
    CHECK_STR(text(&b), "\"000000000000000000042\"");
    buf_free(&b);

    static const uint64_t round[] = {0, 1, 14, 1000000007, 1844674407370955160ull};
    for (size_t i = 0; i < sizeof round / sizeof round[0]; i++) {
        uint64_t v = 0;
        size_t n = sw_seq_format(s, round[i]);
        CHECK(sw_seq_parse(s, n, &v) && v == round[i]);
    }
    uint64_t v;
    CHECK(sw_seq_parse("111", 3, &v) && v == 111); /* AWS's example numbers are short */
    const char *forty = "0000000000000000000000000000000000000007";
    CHECK(sw_seq_parse(forty, 40, &v) && v == 7);

    static const char *const bad[] = {
        "",
        "00000000000000000000000000000000000000007", /* 41 digits */
        "00000000000000000000a",                     /* non-digit */
        "-00000000000000000001",
        "+00000000000000000001",
        " 0000000000000000001",
        "18446744073709551616",         /* UINT64_MAX + 1 */
        "99999999999999999999",         /* overflow */
        "4421584500000000017450439091", /* AWS's, past 64 bits */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(!sw_seq_parse(bad[i], strlen(bad[i]), &v));
    }
}

static void test_event_ids(void) {
    /* what ddbd answered for the first records of its first streams (a
     * fresh in-memory engine: stream ids 2, 4, ..., sequence numbers 1, 2, ...) */
    static const struct {
        uint32_t stream;
        uint64_t seq;
        const char *id;
    } cases[] = {
        {2, 1, "f5a9d870c9f8cac60c6b9ab1ae822b5a"},  {2, 2, "3228d982e9daed21d1f198e4748662e5"},
        {2, 3, "44b59d588a9b4f948792b2df1a8bad46"},  {4, 4, "973de9dc66a05697bf8cad3d1e134fbd"},
        {8, 14, "c91ee9418c35b49e1dba140b775675a7"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char id[SW_EVENT_ID_LEN + 1];
        sw_event_id(id, cases[i].stream, cases[i].seq);
        CHECK_STR(id, cases[i].id);
    }
}

int main(void) {
    test_views_and_events();
    test_labels_and_stream_arns();
    test_arns();
    test_qualified_names();
    test_shard_ids();
    test_sequence_numbers();
    test_event_ids();
    return check_summary();
}
