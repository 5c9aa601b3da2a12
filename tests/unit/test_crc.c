/* test_crc.c: x-amz-crc32, which every SDK checks on every response: the
 * carry-less-multiplication folding (where the CPU has it) and the
 * slicing-by-8 tables must both equal the bit-at-a-time IEEE CRC-32 for
 * every length and alignment. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "query/crc32.h"

static uint32_t crc_bitwise(const unsigned char *p, size_t len) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

int main(void) {
    CHECK(ddb_crc32("123456789", 9) == 0xCBF43926u); /* the standard check value */
    CHECK(ddb_crc32("", 0) == 0);
    CHECK(ddb_crc32("{}", 2) == crc_bitwise((const unsigned char *)"{}", 2));
    static unsigned char buf[5000];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (unsigned char)(x >> 16);
    }
    int bad = 0;
    for (size_t off = 0; off < 17; off++) {
        for (size_t len = 0; off + len <= sizeof buf; len += len < 600 ? 1 : 37) {
            uint32_t want = crc_bitwise(buf + off, len);
            if (ddb_crc32(buf + off, len) != want) bad++;
            if (ddb_crc32_tables(buf + off, len) != want) bad++;
        }
    }
    CHECK(bad == 0);
    /* the lanes are folded 64 bytes at a time: runs of equal bytes, where a
     * lane mixed up with another would go unnoticed, must not hide anything */
    memset(buf, 0xA5, sizeof buf);
    buf[4321] = 0;
    CHECK(ddb_crc32(buf, sizeof buf) == crc_bitwise(buf, sizeof buf));
    return check_summary();
}
