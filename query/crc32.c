/* crc32.c: CRC32 (IEEE 802.3, as zlib's crc32), the value of x-amz-crc32 on
 * every DynamoDB response and what clients check it against. Pure: no I/O;
 * the tables are built once (pthread_once) and then only read. */
#include "query/crc32.h"

#include <pthread.h>
#include <stdbool.h>

/* Slicing-by-8: eight bytes per step through eight tables (t[0] is the
 * classic byte-at-a-time table of the reflected polynomial 0xEDB88320). */
static void crc_init(uint32_t t[8][256]) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        for (int k = 1; k < 8; k++)
            t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
    }
}

static uint32_t crc_tables[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_setup(void) {
    crc_init(crc_tables);
}

/* The raw (uninverted) CRC register c carried over len bytes, through the
 * tables. */
static uint32_t crc_tables_run(uint32_t c, const unsigned char *p, size_t len) {
    pthread_once(&crc_once, crc_setup);
    uint32_t(*t)[256] = crc_tables;
    while (len >= 8) {
        uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                           (uint32_t)p[3] << 24);
        uint32_t hi =
            (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        c = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
            t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--)
        c = t[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    return c;
}

uint32_t ddb_crc32_tables(const void *buf, size_t len) {
    return crc_tables_run(0xFFFFFFFFu, buf, len) ^ 0xFFFFFFFFu;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CRC_FOLDING 1

/* Carry-less multiplication folding (Intel's "Fast CRC Computation for
 * Generic Polynomials Using PCLMULQDQ"): four 128-bit lanes are folded
 * forward 64 bytes at a time, then into one lane, then reduced to 32 bits
 * with a Barrett reduction. The constants are x^k mod P(x) for the
 * reflected IEEE polynomial, bit-reflected. len >= 64, a multiple of 16;
 * c is the raw CRC register. */
__attribute__((target("pclmul,sse2"))) static uint32_t crc_fold(uint32_t c, const unsigned char *p,
                                                                size_t len) {
    const __m128i k1k2 = _mm_set_epi64x(0x1c6e41596, 0x154442bd4); /* x^(4*128+32), x^(4*128-32) */
    const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0); /* x^(128+32), x^(128-32) */
    const __m128i k5 = _mm_set_epi64x(0, 0x163cd6124);             /* x^64 */
    const __m128i poly_mu = _mm_set_epi64x(0x1f7011641, 0x1db710641);
    const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
    __m128i x1 = _mm_loadu_si128((const __m128i *)p);
    __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i x4 = _mm_loadu_si128((const __m128i *)(p + 48));
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)c));
    p += 64;
    len -= 64;
#define FOLD(x, k, next)                                                                           \
    _mm_xor_si128(                                                                                 \
        _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)), next)
    while (len >= 64) {
        x1 = FOLD(x1, k1k2, _mm_loadu_si128((const __m128i *)p));
        x2 = FOLD(x2, k1k2, _mm_loadu_si128((const __m128i *)(p + 16)));
        x3 = FOLD(x3, k1k2, _mm_loadu_si128((const __m128i *)(p + 32)));
        x4 = FOLD(x4, k1k2, _mm_loadu_si128((const __m128i *)(p + 48)));
        p += 64;
        len -= 64;
    }
    x1 = FOLD(x1, k3k4, x2);
    x1 = FOLD(x1, k3k4, x3);
    x1 = FOLD(x1, k3k4, x4);
    while (len >= 16) {
        x1 = FOLD(x1, k3k4, _mm_loadu_si128((const __m128i *)p));
        p += 16;
        len -= 16;
    }
#undef FOLD
    /* 128 -> 64 bits */
    x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x10), _mm_srli_si128(x1, 8));
    /* 64 -> 32 bits */
    x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k5, 0x00),
                       _mm_srli_si128(x1, 4));
    /* Barrett reduction */
    __m128i t = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), poly_mu, 0x10);
    t = _mm_clmulepi64_si128(_mm_and_si128(t, mask32), poly_mu, 0x00);
    x1 = _mm_xor_si128(x1, t);
    return (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(x1, 4));
}

static bool crc_has_clmul;
static pthread_once_t clmul_once = PTHREAD_ONCE_INIT;

static void clmul_setup(void) {
    __builtin_cpu_init();
    crc_has_clmul = __builtin_cpu_supports("pclmul");
}
#endif

uint32_t ddb_crc32(const void *buf, size_t len) {
    const unsigned char *p = buf;
    uint32_t c = 0xFFFFFFFFu;
#ifdef CRC_FOLDING
    pthread_once(&clmul_once, clmul_setup);
    if (crc_has_clmul && len >= 64) {
        size_t n = len & ~(size_t)15;
        c = crc_fold(c, p, n);
        p += n;
        len -= n;
    }
#endif
    return crc_tables_run(c, p, len) ^ 0xFFFFFFFFu;
}
