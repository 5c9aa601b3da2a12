/* test_rc_slot.c: the cluster client's pure part: hash slots (the values
 * were read from `redis-cli cluster keyslot` of Redis 7) and cluster URLs. */
#include "storage/redis/rc.h"

#include "check.h"

static void test_slots(void) {
    static const struct {
        const char *key;
        unsigned slot;
    } cases[] = {
        {"123456789", 12739},
        {"foo", 12182},
        {"{user1000}.following", 3443},
        {"{user1000}.followers", 3443},
        {"foo{}{bar}", 8363},
        {"foo{{bar}}zap", 4015},
        {"foo{bar}{zap}", 5061},
        {"{bar", 4015},
        {"", 0},
        {"{t:17}x", 15088},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned got = rc_key_slot(cases[i].key, strlen(cases[i].key));
        if (got != cases[i].slot)
            fprintf(stderr, "slot of '%s': %u, want %u\n", cases[i].key, got, cases[i].slot);
        CHECK(got == cases[i].slot);
    }
    /* a hash tag confines a key to its tag's slot whatever follows */
    CHECK(rc_key_slot("{t:17}", 6) == rc_key_slot("t:17", 4));
    CHECK(rc_key_slot("{t:17}\x00\xff", 8) == rc_key_slot("t:17", 4));
}

static void test_urls(void) {
    rc_addr_t a[4];
    size_t n;
    ddb_error_t err;
    CHECK(rc_url_parse("redis-cluster://127.0.0.1:7000,localhost:7001", a, 4, &n, &err) == 0);
    CHECK(n == 2);
    CHECK_STR(a[0].host, "127.0.0.1");
    CHECK(a[0].port == 7000);
    CHECK_STR(a[1].host, "localhost");
    CHECK(a[1].port == 7001);
    CHECK(rc_url_parse("redis-cluster://h:1", a, 4, &n, &err) == 0 && n == 1 && a[0].port == 1);
    static const char *bad[] = {
        "redis://h:1",
        "redis-cluster://",
        "redis-cluster://h",
        "redis-cluster://h:",
        "redis-cluster://:1",
        "redis-cluster://h:0",
        "redis-cluster://h:65536",
        "redis-cluster://h:1x",
        "redis-cluster://h:1,",
        "redis-cluster://h:1,,h:2",
        "redis-cluster://a:1,b:2,c:3,d:4,e:5",
        "redis-cluster://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = rc_url_parse(bad[i], a, 4, &n, &err);
        if (rc != DDB_ERR_VALIDATION) fprintf(stderr, "'%s' was accepted\n", bad[i]);
        CHECK(rc == DDB_ERR_VALIDATION);
        CHECK(err.msg[0] != '\0');
    }
}

int main(void) {
    test_slots();
    test_urls();
    return check_summary();
}
