/* iterator.c: shard iterators written and checked (see iterator.h). The
 * format, the mac's domain string and the key are what a data directory's
 * ddbd issues: changing any invalidates the iterators clients hold (which
 * then get "Invalid ShardIterator" and ask for a new one). Pure: the key is
 * the caller's. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "query/json.h"
#include "streams/iterator.h"

/* Prefixed to the signed text: a mac of an iterator is never valid as the
 * mac of anything else the secret may sign later. */
static const char mac_domain[] = "ddb shard iterator v2\n";

#define MAC_LEN 32
#define MAC_HEX (2 * MAC_LEN)

static bool mac_of(const uint8_t key[SAPI_ITERATOR_KEY_LEN], const char *s, size_t len,
                   uint8_t mac[MAC_LEN]) {
    buf_t m;
    buf_init(&m);
    buf_put(&m, mac_domain, sizeof mac_domain - 1);
    buf_put(&m, s, len);
    unsigned int n = 0;
    bool ok = HMAC(EVP_sha256(), key, SAPI_ITERATOR_KEY_LEN, (const unsigned char *)m.data, m.len,
                   mac, &n) != NULL &&
              n == MAC_LEN;
    buf_free(&m);
    return ok;
}

static void hex_of(const uint8_t *p, size_t n, char *out) {
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
}

void sapi_iterator_put(buf_t *b, const uint8_t key[SAPI_ITERATOR_KEY_LEN], const char *arn,
                       size_t arn_len, uint32_t shard, uint64_t pos, int64_t now_ms) {
    buf_t s;
    buf_init(&s);
    buf_put(&s, arn, arn_len);
    buf_printf(&s, "|%" PRIx32 "|%" PRIu64 "|%" PRId64 "|", shard, pos, now_ms);
    uint8_t mac[MAC_LEN];
    char hex[MAC_HEX];
    if (!mac_of(key, s.data, s.len - 1, mac)) {
        /* libcrypto failed (out of memory): an iterator nobody accepts,
         * rather than one signed with nothing */
        memset(mac, 0, sizeof mac);
    }
    hex_of(mac, MAC_LEN, hex);
    buf_put(&s, hex, MAC_HEX);
    json_put_str(b, s.data, s.len);
    buf_free(&s);
}

/* Reads p[0..n) as a number in base 10 or 16 no greater than max: digits
 * only (no sign, no space), at least one. */
static bool parse_uint(const char *p, size_t n, int base, uint64_t max, uint64_t *out) {
    if (n == 0 || n > 20) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d;
        char c = p[i];
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return false;
        if (v > (max - d) / (uint64_t)base) return false;
        v = v * (uint64_t)base + d;
    }
    *out = v;
    return true;
}

bool sapi_iterator_parse(const char *s, size_t len, const uint8_t key[SAPI_ITERATOR_KEY_LEN],
                         int64_t now_ms, sapi_iterator_t *it) {
    if (len > SAPI_ITERATOR_MAX) return false;
    /* ARN|shard|pos|issued|mac: split from the right, whatever the ARN holds */
    const char *bar[4];
    int nb = 0;
    for (size_t i = len; i-- > 0 && nb < 4;) {
        if (s[i] == '|') bar[nb++] = s + i;
    }
    if (nb < 4 || bar[3] == s) return false;
    const char *hex = bar[0] + 1;
    if (s + len - hex != MAC_HEX) return false;
    uint8_t want[MAC_LEN];
    char want_hex[MAC_HEX];
    if (!mac_of(key, s, (size_t)(bar[0] - s), want)) return false;
    hex_of(want, MAC_LEN, want_hex);
    if (CRYPTO_memcmp(want_hex, hex, MAC_HEX) != 0) return false;
    /* signed by us, and still every field is checked: a bug or an old
     * format must not reach the caller's arithmetic */
    uint64_t shard, pos, issued;
    if (!parse_uint(bar[3] + 1, (size_t)(bar[2] - bar[3] - 1), 16, UINT32_MAX, &shard) ||
        !parse_uint(bar[2] + 1, (size_t)(bar[1] - bar[2] - 1), 10, UINT64_MAX, &pos) ||
        !parse_uint(bar[1] + 1, (size_t)(bar[0] - bar[1] - 1), 10, INT64_MAX, &issued)) {
        return false;
    }
    int64_t latest =
        now_ms > INT64_MAX - SAPI_ITERATOR_SKEW_MS ? INT64_MAX : now_ms + SAPI_ITERATOR_SKEW_MS;
    if ((int64_t)issued > latest) return false;
    it->shard = (uint32_t)shard;
    it->pos = pos;
    it->issued_ms = (int64_t)issued;
    it->arn = s;
    it->arn_len = (size_t)(bar[3] - s);
    return true;
}
