/* sigv4_parse.c: AWS Signature Version 4, the receiving side's input: parsing the
 * Authorization header and the presigned query string into a ddb_sigv4_auth_t, the request
 * dates (YYYYMMDD'T'HHMMSS'Z' and HTTP's IMF-fixdate) and the clock-skew check. Pure: never
 * does I/O or reads the clock (now is a parameter); decoded values live in the caller's arena. */
#include "query/sigv4.h"

#include <stdio.h>
#include <string.h>

#include "query/sigv4_internal.h"

/* ---- dates ---- */

static int64_t sv4_days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void ddb_sigv4_format_date(int64_t epoch, char out[17]) {
    int64_t days = epoch >= 0 ? epoch / 86400 : (epoch - 86399) / 86400;
    int64_t secs = epoch - days * 86400;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
    /* every field reduced to its width, so the compiler sees 16 characters */
    snprintf(out, 17, "%04u%02u%02uT%02u%02u%02uZ", (unsigned)(y % 10000), m % 100, d % 100,
             (unsigned)(secs / 3600 % 100), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

static int sv4_digits(const char *s, size_t n, unsigned *out) {
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 1;
}

static int sv4_leap(unsigned y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int sv4_valid_civil(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                           unsigned s) {
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return 0;
    return d <= mdays[mo - 1] + (mo == 2 && sv4_leap(y));
}

ddb_sigv4_status_t ddb_sigv4_parse_date(const char *s, size_t len, int64_t *epoch) {
    unsigned y, mo, d, h, mi, sec;
    if (len != 16 || s[8] != 'T' || s[15] != 'Z' || !sv4_digits(s, 4, &y) ||
        !sv4_digits(s + 4, 2, &mo) || !sv4_digits(s + 6, 2, &d) || !sv4_digits(s + 9, 2, &h) ||
        !sv4_digits(s + 11, 2, &mi) || !sv4_digits(s + 13, 2, &sec) ||
        !sv4_valid_civil(y, mo, d, h, mi, sec))
        return DDB_SIGV4_ERR_DATE_FORM;
    *epoch = sv4_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    return DDB_SIGV4_OK;
}

/* IMF-fixdate ("Sun, 30 Aug 2015 12:36:00 GMT"), the only Date form HTTP/1.1 senders use. */
static ddb_sigv4_status_t sv4_parse_http_date(const char *s, size_t n, char out[17]) {
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    unsigned d, y, h, mi, sec, mo = 0;
    if (n != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
        s[19] != ':' || s[22] != ':' || memcmp(s + 25, " GMT", 4) != 0)
        return DDB_SIGV4_ERR_DATE_FORM;
    for (unsigned k = 0; k < 12; k++)
        if (memcmp(s + 8, months + 3 * k, 3) == 0) mo = k + 1;
    if (!mo || !sv4_digits(s + 5, 2, &d) || !sv4_digits(s + 12, 4, &y) ||
        !sv4_digits(s + 17, 2, &h) || !sv4_digits(s + 20, 2, &mi) || !sv4_digits(s + 23, 2, &sec) ||
        !sv4_valid_civil(y, mo, d, h, mi, sec))
        return DDB_SIGV4_ERR_DATE_FORM;
    ddb_sigv4_format_date(sv4_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec, out);
    return DDB_SIGV4_OK;
}

/* ---- parsing ---- */

/* Names the offending part for the error message and returns st. */
static ddb_sigv4_status_t sv4_bad(ddb_sigv4_auth_t *auth, const char *p, size_t n,
                                  ddb_sigv4_status_t st) {
    auth->bad = p;
    auth->bad_len = n;
    return st;
}

static void sv4_auth_init(ddb_sigv4_auth_t *auth) {
    memset(auth, 0, sizeof *auth);
    auth->expires = -1;
}

/* Splits "AKID/date/region/service/aws4_request" into the auth's scope fields. */
static ddb_sigv4_status_t sv4_parse_credential(const char *s, size_t n, ddb_sigv4_auth_t *auth) {
    sv4__span_t part[6];
    size_t np = 0;
    for (size_t i = 0; np < 6 && i <= n; np++) {
        size_t j = sv4__find(s, i, n, '/');
        part[np] = (sv4__span_t){s + i, j - i};
        i = j + 1;
    }
    if (np != 5) return sv4_bad(auth, s, n, DDB_SIGV4_ERR_CREDENTIAL_FORM);
    auth->access_key_id = part[0].p, auth->access_key_id_len = part[0].n;
    auth->date = part[1].p, auth->date_len = part[1].n;
    auth->region = part[2].p, auth->region_len = part[2].n;
    auth->service = part[3].p, auth->service_len = part[3].n;
    auth->terminator = part[4].p, auth->terminator_len = part[4].n;
    if (!sv4__eq(part[4].p, part[4].n, SV4__TERMINATOR))
        return sv4_bad(auth, part[4].p, part[4].n, DDB_SIGV4_ERR_TERMINATOR);
    return DDB_SIGV4_OK;
}

/* The common tail of both parsers: which parts are missing, then the credential. */
static ddb_sigv4_status_t sv4_parse_finish(ddb_sigv4_auth_t *auth, const char *cred,
                                           size_t cred_len) {
    if (!cred) auth->missing |= DDB_SIGV4_MISSING_CREDENTIAL;
    if (!auth->signed_headers) auth->missing |= DDB_SIGV4_MISSING_SIGNED_HEADERS;
    if (!auth->signature) auth->missing |= DDB_SIGV4_MISSING_SIGNATURE;
    if (!auth->amz_date[0]) auth->missing |= DDB_SIGV4_MISSING_DATE;
    if (auth->missing & DDB_SIGV4_MISSING_CREDENTIAL) return DDB_SIGV4_ERR_NO_CREDENTIAL;
    if (auth->missing & DDB_SIGV4_MISSING_SIGNED_HEADERS) return DDB_SIGV4_ERR_NO_SIGNED_HEADERS;
    if (auth->missing & DDB_SIGV4_MISSING_SIGNATURE) return DDB_SIGV4_ERR_NO_SIGNATURE;
    if (auth->missing & DDB_SIGV4_MISSING_DATE) return DDB_SIGV4_ERR_NO_DATE;
    return sv4_parse_credential(cred, cred_len, auth);
}

static ddb_sigv4_status_t sv4_take_date(ddb_sigv4_auth_t *auth, const char *v, size_t n) {
    int64_t t;
    if (ddb_sigv4_parse_date(v, n, &t) != DDB_SIGV4_OK)
        return sv4_bad(auth, v, n, DDB_SIGV4_ERR_DATE_FORM);
    memcpy(auth->amz_date, v, 16);
    auth->amz_date[16] = '\0';
    return DDB_SIGV4_OK;
}

/* X-Amz-Date wins over Date, as at AWS. */
static ddb_sigv4_status_t sv4_header_date(ddb_sigv4_auth_t *auth, const ddb_sigv4_header_t *h,
                                          size_t n) {
    const ddb_sigv4_header_t *date = NULL;
    for (size_t i = 0; i < n; i++) {
        if (sv4__ieq(h[i].name, h[i].name_len, "x-amz-date", 10))
            return sv4_take_date(auth, h[i].value, h[i].value_len);
        if (sv4__ieq(h[i].name, h[i].name_len, "date", 4)) date = &h[i];
    }
    if (date && sv4_parse_http_date(date->value, date->value_len, auth->amz_date))
        return sv4_bad(auth, date->value, date->value_len, DDB_SIGV4_ERR_DATE_FORM);
    return DDB_SIGV4_OK;
}

ddb_sigv4_status_t ddb_sigv4_parse_header(const char *value, size_t value_len,
                                          const ddb_sigv4_header_t *headers, size_t n_headers,
                                          ddb_sigv4_auth_t *auth) {
    sv4_auth_init(auth);
    size_t i = 0, n = value_len;
    while (i < n && sv4__space(value[i]))
        i++;
    if (i == n) return DDB_SIGV4_ERR_NO_AUTH;
    size_t alg = i;
    while (i < n && !sv4__space(value[i]))
        i++;
    if (!sv4__eq(value + alg, i - alg, SV4__ALGORITHM))
        return sv4_bad(auth, value + alg, i - alg, DDB_SIGV4_ERR_ALGORITHM);
    const char *cred = NULL;
    size_t cred_len = 0;
    while (i < n) {
        while (i < n && (sv4__space(value[i]) || value[i] == ','))
            i++;
        /* memchr: the parts are long (a signature is 64 bytes), scanned byte by byte they
         * were a tenth of a verification */
        size_t start = i, eq = 0;
        const char *comma = memchr(value + i, ',', n - i);
        i = comma ? (size_t)(comma - value) : n;
        const char *eqp = memchr(value + start, '=', i - start);
        if (eqp) eq = (size_t)(eqp - value);
        size_t end = i;
        while (end > start && sv4__space(value[end - 1]))
            end--;
        if (end == start) continue;
        if (!eq) return sv4_bad(auth, value + start, end - start, DDB_SIGV4_ERR_KEY_VALUE);
        const char *k = value + start, *v = value + eq + 1;
        size_t kn = eq - start, vn = end - eq - 1;
        if (sv4__eq(k, kn, "Credential")) cred = v, cred_len = vn;
        if (sv4__eq(k, kn, "SignedHeaders"))
            auth->signed_headers = v, auth->signed_headers_len = vn;
        if (sv4__eq(k, kn, "Signature")) auth->signature = v, auth->signature_len = vn;
    }
    ddb_sigv4_status_t st = sv4_header_date(auth, headers, n_headers);
    if (st) return st;
    for (size_t k = 0; k < n_headers; k++) {
        if (!sv4__ieq(headers[k].name, headers[k].name_len, "x-amz-security-token", 20)) continue;
        auth->security_token = headers[k].value;
        auth->security_token_len = headers[k].value_len;
    }
    return sv4_parse_finish(auth, cred, cred_len);
}

/* Percent-decodes a query value into the arena ('+' stays '+'). */
static const char *sv4_decode(ddb_arena_t *arena, const char *s, size_t n, size_t *out_len) {
    char *d = ddb_arena_alloc(arena, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && sv4__hexval(s[i + 1]) >= 0 && sv4__hexval(s[i + 2]) >= 0) {
            d[o++] = (char)(sv4__hexval(s[i + 1]) << 4 | sv4__hexval(s[i + 2]));
            i += 2;
        } else {
            d[o++] = s[i];
        }
    }
    d[o] = '\0';
    *out_len = o;
    return d;
}

ddb_sigv4_status_t ddb_sigv4_parse_query(ddb_arena_t *arena, const char *query, size_t query_len,
                                         ddb_sigv4_auth_t *auth) {
    sv4_auth_init(auth);
    auth->presigned = 1;
    const char *alg = NULL, *cred = NULL, *date = NULL, *exp = NULL;
    size_t alg_len = 0, cred_len = 0, date_len = 0, exp_len = 0;
    for (size_t i = 0; query && i <= query_len;) {
        size_t j = i, eq;
        while (j < query_len && query[j] != '&')
            j++;
        for (eq = i; eq < j && query[eq] != '='; eq++)
            continue;
        const char *k = query + i;
        size_t kn = eq - i, vn;
        const char *v =
            sv4_decode(arena, query + (eq < j ? eq + 1 : j), j - (eq < j ? eq + 1 : j), &vn);
        if (sv4__eq(k, kn, "X-Amz-Algorithm")) alg = v, alg_len = vn;
        if (sv4__eq(k, kn, "X-Amz-Credential")) cred = v, cred_len = vn;
        if (sv4__eq(k, kn, "X-Amz-Date")) date = v, date_len = vn;
        if (sv4__eq(k, kn, "X-Amz-Expires")) exp = v, exp_len = vn;
        if (sv4__eq(k, kn, "X-Amz-SignedHeaders"))
            auth->signed_headers = v, auth->signed_headers_len = vn;
        if (sv4__eq(k, kn, "X-Amz-Signature")) auth->signature = v, auth->signature_len = vn;
        if (sv4__eq(k, kn, "X-Amz-Security-Token"))
            auth->security_token = v, auth->security_token_len = vn;
        i = j + 1;
    }
    if (!alg && !cred && !auth->signature) return DDB_SIGV4_ERR_NO_AUTH;
    if (!alg || !sv4__eq(alg, alg_len, SV4__ALGORITHM))
        return sv4_bad(auth, alg, alg_len, DDB_SIGV4_ERR_ALGORITHM);
    if (date) {
        ddb_sigv4_status_t st = sv4_take_date(auth, date, date_len);
        if (st) return st;
    }
    if (exp) {
        unsigned e = 0;
        if (exp_len < 1 || exp_len > 6 || !sv4_digits(exp, exp_len, &e) || e < 1 ||
            e > DDB_SIGV4_MAX_EXPIRES)
            return sv4_bad(auth, exp, exp_len, DDB_SIGV4_ERR_EXPIRES);
        auth->expires = e;
    }
    return sv4_parse_finish(auth, cred, cred_len);
}

ddb_sigv4_status_t ddb_sigv4_check_time(const ddb_sigv4_auth_t *auth, int64_t now, int64_t skew) {
    int64_t t;
    if (ddb_sigv4_parse_date(auth->amz_date, strlen(auth->amz_date), &t))
        return DDB_SIGV4_ERR_DATE_FORM;
    if (t > now + skew) return DDB_SIGV4_ERR_NOT_YET_CURRENT;
    if (auth->presigned && auth->expires >= 0)
        return now > t + auth->expires ? DDB_SIGV4_ERR_EXPIRED : DDB_SIGV4_OK;
    return t < now - skew ? DDB_SIGV4_ERR_EXPIRED : DDB_SIGV4_OK;
}
