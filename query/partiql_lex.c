/* partiql_lex.c: PartiQL's tokenizer. Splits a statement into tokens and
 * nothing else: no keyword table (the parser matches words in context, so a
 * keyword stays usable as a quoted name) and no unescaping (the parser copies
 * what it keeps). Never reads past len; pure. */
#include "query/partiql_lex.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_word_start(unsigned char c) {
    return isalpha(c) || c == '_' || c == '$' || c >= 0x80;
}

static bool is_word(unsigned char c) {
    return is_word_start(c) || isdigit(c);
}

/* Skips white space, -- line comments and block comments; an unterminated
 * block comment sets *bad (DynamoDB cannot read the statement at all). */
static size_t skip_space(const char *s, size_t len, size_t i, bool *bad) {
    for (;;) {
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        if (i + 1 < len && s[i] == '-' && s[i + 1] == '-') {
            while (i < len && s[i] != '\n')
                i++;
            continue;
        }
        if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
            const char *end = NULL;
            for (size_t j = i + 2; j + 1 < len; j++) {
                if (s[j] == '*' && s[j + 1] == '/') {
                    end = s + j;
                    break;
                }
            }
            if (!end) {
                *bad = true;
                return i;
            }
            i = (size_t)(end - s) + 2;
            continue;
        }
        return i;
    }
}

/* End of a quoted token starting at i (quote q; a doubled q is literal);
 * 0 if it is not terminated. A NUL byte ends it badly: the request the
 * plan becomes is cJSON's, whose strings stop at a NUL, so a statement
 * holding one could not be translated faithfully. */
static size_t quoted_end(const char *s, size_t len, size_t i, char q) {
    for (size_t j = i + 1; j < len; j++) {
        if (s[j] == 0) return 0;
        if (s[j] != q) continue;
        if (j + 1 < len && s[j + 1] == q) {
            j++;
            continue;
        }
        return j + 1;
    }
    return 0;
}

static size_t number_end(const char *s, size_t len, size_t i) {
    while (i < len && isdigit((unsigned char)s[i]))
        i++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && isdigit((unsigned char)s[i]))
            i++;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < len && (s[j] == '+' || s[j] == '-')) j++;
        if (j < len && isdigit((unsigned char)s[j])) {
            while (j < len && isdigit((unsigned char)s[j]))
                j++;
            i = j;
        }
    }
    return i;
}

static pq_tok_t tok(pq_tok_kind_t k, const char *s, size_t start, size_t end) {
    pq_tok_t t = {k, start, s + start, end - start};
    return t;
}

pq_tok_t pq__lex(const char *s, size_t len, size_t pos) {
    bool bad = false;
    size_t i = skip_space(s, len, pos, &bad);
    if (bad) return tok(PQ_T_BAD, s, i, len);
    if (i >= len) return tok(PQ_T_EOF, s, len, len);
    unsigned char c = (unsigned char)s[i];
    char n = i + 1 < len ? s[i + 1] : 0;
    if (c == '"' || c == '\'') {
        size_t e = quoted_end(s, len, i, (char)c);
        if (!e) return tok(PQ_T_BAD, s, i, len);
        return tok(c == '"' ? PQ_T_QIDENT : PQ_T_STRING, s, i, e);
    }
    if (is_word_start(c)) {
        size_t j = i;
        while (j < len && is_word((unsigned char)s[j]))
            j++;
        return tok(PQ_T_IDENT, s, i, j);
    }
    if (isdigit(c) || (c == '.' && isdigit((unsigned char)n)))
        return tok(PQ_T_NUMBER, s, i, number_end(s, len, i));
    if (c == '?') return tok(PQ_T_PARAM, s, i, i + 1);
    if (c == '<' && n == '<') return tok(PQ_T_LBAG, s, i, i + 2);
    if (c == '>' && n == '>') return tok(PQ_T_RBAG, s, i, i + 2);
    if ((c == '<' && (n == '=' || n == '>')) || (c == '>' && n == '=') || (c == '!' && n == '='))
        return tok(PQ_T_OP, s, i, i + 2);
    if (c == '=' || c == '<' || c == '>') return tok(PQ_T_OP, s, i, i + 1);
    if (strchr(".,()[]{}:*;+-", c) && c) return tok(PQ_T_PUNCT, s, i, i + 1);
    return tok(PQ_T_BAD, s, i, i + 1);
}

bool pq__is_kw(const pq_tok_t *t, const char *kw) {
    return t->kind == PQ_T_IDENT && strlen(kw) == t->len && strncasecmp(t->p, kw, t->len) == 0;
}

bool pq__is(const pq_tok_t *t, const char *s) {
    if (t->kind != PQ_T_PUNCT && t->kind != PQ_T_OP && t->kind != PQ_T_LBAG && t->kind != PQ_T_RBAG)
        return false;
    return strlen(s) == t->len && memcmp(t->p, s, t->len) == 0;
}

/* Words that cannot be bare attribute names: the words AWS DynamoDB Local
 * refuses as `WHERE word = 1` (PartiQL's SQL-92 heritage plus its own), and
 * the literals. Sorted (C locale) for bsearch. */
static const char *const RESERVED[] = {
    "absolute",
    "action",
    "add",
    "all",
    "allocate",
    "alter",
    "and",
    "any",
    "are",
    "as",
    "asc",
    "assertion",
    "at",
    "authorization",
    "avg",
    "bag",
    "begin",
    "between",
    "bit",
    "bit_length",
    "blob",
    "bool",
    "boolean",
    "by",
    "cascade",
    "cascaded",
    "case",
    "cast",
    "catalog",
    "char",
    "char_length",
    "character",
    "character_length",
    "check",
    "clob",
    "close",
    "coalesce",
    "collate",
    "collation",
    "column",
    "commit",
    "conflict",
    "connect",
    "connection",
    "constraint",
    "constraints",
    "continue",
    "convert",
    "corresponding",
    "count",
    "create",
    "cross",
    "current",
    "current_date",
    "current_time",
    "current_timestamp",
    "current_user",
    "cursor",
    "date",
    "date_add",
    "date_diff",
    "deallocate",
    "dec",
    "decimal",
    "declare",
    "default",
    "deferrable",
    "deferred",
    "delete",
    "desc",
    "describe",
    "descriptor",
    "diagnostics",
    "disconnect",
    "distinct",
    "do",
    "domain",
    "double",
    "drop",
    "else",
    "end",
    "escape",
    "except",
    "exception",
    "exec",
    "execute",
    "exists",
    "external",
    "extract",
    "false",
    "fetch",
    "first",
    "float",
    "for",
    "foreign",
    "found",
    "from",
    "full",
    "get",
    "global",
    "go",
    "goto",
    "grant",
    "group",
    "having",
    "identity",
    "immediate",
    "in",
    "index",
    "indicator",
    "initially",
    "inner",
    "input",
    "insensitive",
    "insert",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isolation",
    "join",
    "key",
    "language",
    "last",
    "left",
    "let",
    "level",
    "like",
    "limit",
    "list",
    "local",
    "lower",
    "match",
    "max",
    "min",
    "missing",
    "modified",
    "module",
    "names",
    "national",
    "natural",
    "nchar",
    "new",
    "next",
    "no",
    "not",
    "nothing",
    "null",
    "nullif",
    "numeric",
    "octet_length",
    "of",
    "old",
    "on",
    "only",
    "open",
    "option",
    "or",
    "order",
    "outer",
    "output",
    "overlaps",
    "pad",
    "partial",
    "pivot",
    "position",
    "precision",
    "prepare",
    "preserve",
    "primary",
    "prior",
    "privileges",
    "procedure",
    "public",
    "read",
    "real",
    "references",
    "relative",
    "remove",
    "restrict",
    "returning",
    "revoke",
    "right",
    "rollback",
    "rows",
    "schema",
    "scroll",
    "section",
    "select",
    "session",
    "session_user",
    "set",
    "sexp",
    "size",
    "smallint",
    "some",
    "space",
    "sql",
    "sqlcode",
    "sqlerror",
    "sqlstate",
    "string",
    "struct",
    "substring",
    "sum",
    "symbol",
    "system_user",
    "table",
    "temporary",
    "then",
    "time",
    "timestamp",
    "to",
    "transaction",
    "translate",
    "translation",
    "trim",
    "true",
    "tuple",
    "union",
    "unique",
    "unknown",
    "unpivot",
    "update",
    "upper",
    "usage",
    "user",
    "using",
    "value",
    "values",
    "varchar",
    "varying",
    "view",
    "when",
    "whenever",
    "where",
    "with",
    "work",
    "write",
    "zone",
};

static int word_cmp(const void *key, const void *elem) {
    const pq_tok_t *t = key;
    const char *w = *(const char *const *)elem;
    size_t n = strlen(w);
    int c = strncasecmp(t->p, w, t->len < n ? t->len : n);
    if (c) return c;
    return (t->len > n) - (t->len < n);
}

bool pq__is_reserved(const pq_tok_t *t) {
    if (t->kind != PQ_T_IDENT) return false;
    return bsearch(t, RESERVED, sizeof RESERVED / sizeof RESERVED[0], sizeof RESERVED[0],
                   word_cmp) != NULL;
}

size_t pq__chars(const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

bool pq__table_name_ok(const char *s, size_t len) {
    if (len < 3 || len > 255) return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i])) return false;
    return true;
}

bool pq__cmp_op(const pq_tok_t *t, pq_cmp_t *op) {
    static const struct {
        const char *s;
        pq_cmp_t op;
    } ops[] = {{"=", PQ_EQ},  {"<>", PQ_NE}, {"!=", PQ_NE}, {"<", PQ_LT},
               {"<=", PQ_LE}, {">", PQ_GT},  {">=", PQ_GE}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (pq__is(t, ops[i].s)) {
            *op = ops[i].op;
            return true;
        }
    }
    return false;
}
