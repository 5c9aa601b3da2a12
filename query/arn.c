/* arn.c: writing and parsing DynamoDB table, index and stream ARNs.
 * Pure: no I/O; parsing points into the caller's text and never allocates. */
#include <string.h>

#include "query/arn.h"

bool ddb_qname_split(const char *q, size_t ql, const char **region, size_t *region_len,
                     const char **name, size_t *name_len) {
    *region = q;
    *region_len = 0;
    *name = q;
    *name_len = ql;
    if (ql < 3 || q[0] != DDB_QNAME_MARK) return false;
    /* a plain name holds no '~': the last one ends the region */
    const char *end = q + ql, *m = end;
    while (m > q + 1 && m[-1] != DDB_QNAME_MARK)
        m--;
    if (m == q + 1) return false;
    *region = q + 1;
    *region_len = (size_t)(m - 1 - (q + 1));
    *name = m;
    *name_len = (size_t)(end - m);
    return true;
}

const char *ddb_qname_plain(const char *q, size_t ql, size_t *len) {
    const char *rg, *n;
    size_t rl;
    ddb_qname_split(q, ql, &rg, &rl, &n, len);
    return n;
}

void ddb_qname_put(buf_t *b, const char *region, size_t region_len, const char *name,
                   size_t name_len) {
    if (region && region_len) {
        buf_putc(b, DDB_QNAME_MARK);
        buf_put(b, region, region_len);
        buf_putc(b, DDB_QNAME_MARK);
    }
    buf_put(b, name, name_len);
}

void ddb_arn_put_table(buf_t *b, const char *region, const char *account, const char *table,
                       size_t table_len) {
    const char *qr;
    size_t qrl;
    buf_puts(b, "arn:aws:dynamodb:");
    if (ddb_qname_split(table, table_len, &qr, &qrl, &table, &table_len)) {
        buf_put(b, qr, qrl);
    } else {
        buf_puts(b, region);
    }
    buf_putc(b, ':');
    buf_puts(b, account);
    buf_puts(b, ":table/");
    buf_put(b, table, table_len);
}

void ddb_arn_put_index(buf_t *b, const char *region, const char *account, const char *table,
                       size_t table_len, const char *index, size_t index_len) {
    ddb_arn_put_table(b, region, account, table, table_len);
    buf_puts(b, "/index/");
    buf_put(b, index, index_len);
}

void ddb_arn_put_stream(buf_t *b, const char *region, const char *account, const char *table,
                        size_t table_len, const char *label) {
    ddb_arn_put_table(b, region, account, table, table_len);
    buf_puts(b, "/stream/");
    buf_puts(b, label);
}

/* True when s[0..len) starts with the NUL-terminated prefix p. */
static bool arn__starts(const char *s, size_t len, const char *p) {
    size_t pl = strlen(p);
    return len >= pl && memcmp(s, p, pl) == 0;
}

bool ddb_arn_parse_resource(const char *s, size_t len, ddb_arn_t *out) {
    if (!arn__starts(s, len, "table/")) return false;
    const char *p = s + 6, *end = s + len;
    const char *slash = memchr(p, '/', (size_t)(end - p));
    out->table = p;
    out->table_len = (size_t)((slash ? slash : end) - p);
    if (out->table_len == 0) return false;
    out->kind = DDB_ARN_TABLE;
    out->sub = NULL;
    out->sub_len = 0;
    if (!slash) return true;
    size_t rest = (size_t)(end - slash);
    /* a name after /index/ or /stream/ makes it that kind; any other tail
     * (or an empty name) is kept as OTHER for callers that only want the table */
    out->kind = DDB_ARN_OTHER;
    out->sub = slash;
    out->sub_len = rest;
    if (arn__starts(slash, rest, "/index/") && rest > 7) {
        out->kind = DDB_ARN_INDEX;
        out->sub = slash + 7;
        out->sub_len = rest - 7;
    } else if (arn__starts(slash, rest, "/stream/") && rest > 8) {
        out->kind = DDB_ARN_STREAM;
        out->sub = slash + 8;
        out->sub_len = rest - 8;
    }
    return true;
}

bool ddb_arn_parse(const char *s, size_t len, ddb_arn_t *out) {
    if (!arn__starts(s, len, "arn:")) return false;
    const char *p = s + 4, *end = s + len;
    const char *field[4];
    size_t flen[4];
    for (int i = 0; i < 4; i++) {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        if (!colon) return false;
        field[i] = p;
        flen[i] = (size_t)(colon - p);
        p = colon + 1;
    }
    if (!ddb_arn_parse_resource(p, (size_t)(end - p), out)) return false;
    out->partition = field[0];
    out->partition_len = flen[0];
    out->service = field[1];
    out->service_len = flen[1];
    out->region = field[2];
    out->region_len = flen[2];
    out->account = field[3];
    out->account_len = flen[3];
    return true;
}
