/* iterator.c: shard iterators written and checked (see iterator.h). The
 * format and seed are what every ddbd has issued: changing either
 * invalidates iterators clients hold. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "query/json.h"
#include "streams/iterator.h"

#define SAPI_ITERATOR_SEED 0x64646273u /* "ddbs" */

void sapi_iterator_put(buf_t *b, const char *arn, size_t arn_len, uint32_t shard, uint64_t pos,
                       int64_t now_ms) {
    buf_t s;
    buf_init(&s);
    buf_put(&s, arn, arn_len);
    buf_printf(&s, "|%x|%" PRIu64 "|%" PRId64, shard, pos, now_ms);
    uint64_t h = XXH3_64bits_withSeed(s.data, s.len, SAPI_ITERATOR_SEED);
    buf_printf(&s, "|%016" PRIx64, h);
    json_put_str(b, s.data, s.len);
    buf_free(&s);
}

bool sapi_iterator_parse(const char *s, size_t len, sapi_iterator_t *it) {
    /* ARN|shard|pos|issued|check: split from the right, whatever the ARN holds */
    const char *bar[4];
    int nb = 0;
    for (size_t i = len; i-- > 0 && nb < 4;) {
        if (s[i] == '|') bar[nb++] = s + i;
    }
    if (nb < 4 || len > SAPI_ITERATOR_MAX) return false;
    const char *check = bar[0] + 1;
    size_t signed_len = (size_t)(bar[0] - s);
    if (s + len - check != 16) return false;
    char hx[17];
    memcpy(hx, check, 16);
    hx[16] = '\0';
    if (strtoull(hx, NULL, 16) != XXH3_64bits_withSeed(s, signed_len, SAPI_ITERATOR_SEED)) {
        return false;
    }
    /* the fields between the ARN and the checksum are ours (it matched) */
    char tmp[80];
    size_t l = (size_t)(bar[0] - bar[3] - 1);
    if (l >= sizeof tmp) return false;
    memcpy(tmp, bar[3] + 1, l);
    tmp[l] = '\0';
    unsigned shard;
    if (sscanf(tmp, "%x|%" SCNu64 "|%" SCNd64, &shard, &it->pos, &it->issued_ms) != 3) {
        return false;
    }
    it->shard = shard;
    it->arn = s;
    it->arn_len = (size_t)(bar[3] - s);
    return true;
}
