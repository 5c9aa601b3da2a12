/* lang.c: ddbc's lexer, statement splitter and classifier (lang.h). It knows only enough of
 * PartiQL's quoting and comments to find where a statement ends and what it starts with; the
 * statements themselves are parsed by query/partiql.h and ddl.c. Pure: no I/O. */
#include "tools/ddbc/lang.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool word_char(char c) {
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-' ||
           (unsigned char)c >= 0x80;
}

/* The offset after white space and comments from pos; an unterminated block comment runs to
 * the end. */
static size_t skip_space(const char *s, size_t len, size_t pos) {
    for (;;) {
        while (pos < len && isspace((unsigned char)s[pos]))
            pos++;
        if (pos + 1 < len && s[pos] == '-' && s[pos + 1] == '-') {
            while (pos < len && s[pos] != '\n')
                pos++;
            continue;
        }
        if (pos + 1 < len && s[pos] == '/' && s[pos + 1] == '*') {
            const char *e = NULL;
            for (size_t i = pos + 2; i + 1 < len; i++)
                if (s[i] == '*' && s[i + 1] == '/') {
                    e = s + i;
                    break;
                }
            pos = e ? (size_t)(e - s) + 2 : len;
            continue;
        }
        return pos;
    }
}

/* The end of a quoted run starting at s[pos] (the quote), doubled quotes included; 0 when
 * it is not closed. */
static size_t quoted_end(const char *s, size_t len, size_t pos) {
    char q = s[pos];
    for (size_t i = pos + 1; i < len; i++) {
        if (s[i] != q) continue;
        if (i + 1 < len && s[i + 1] == q) {
            i++;
            continue;
        }
        return i + 1;
    }
    return 0;
}

lx_tok_t lx_next(const char *s, size_t len, size_t pos) {
    pos = skip_space(s, len, pos);
    lx_tok_t t = {LX_EOF, pos, s + pos, 0};
    if (pos >= len) return t;
    char c = s[pos];
    if (c == '"' || c == '\'') {
        size_t e = quoted_end(s, len, pos);
        t.kind = e ? (c == '"' ? LX_QUOTED : LX_STRING) : LX_BAD;
        t.len = (e ? e : len) - pos;
        return t;
    }
    if (word_char(c)) {
        size_t e = pos;
        while (e < len && word_char(s[e]) && !(s[e] == '-' && e + 1 < len && s[e + 1] == '-'))
            e++;
        t.kind = LX_WORD;
        t.len = e - pos;
        return t;
    }
    t.kind = LX_PUNCT;
    t.len = 1;
    return t;
}

bool lx_is(const lx_tok_t *t, const char *kw) {
    size_t n = strlen(kw);
    return t->kind == LX_WORD && t->len == n && strncasecmp(t->p, kw, n) == 0;
}

bool lx_punct(const lx_tok_t *t, char c) {
    return t->kind == LX_PUNCT && t->p[0] == c;
}

void lx_name(const lx_tok_t *t, char *out, size_t cap) {
    size_t o = 0;
    if (!cap) return;
    if (t->kind == LX_QUOTED || t->kind == LX_STRING) {
        for (size_t i = 1; i + 1 < t->len && o + 1 < cap; i++) {
            out[o++] = t->p[i];
            if (t->p[i] == t->p[0]) i++; /* a doubled quote is one */
        }
    } else {
        for (size_t i = 0; i < t->len && o + 1 < cap; i++)
            out[o++] = t->p[i];
    }
    out[o] = '\0';
}

size_t lx_statement_end(const char *s, size_t len, bool *blank) {
    size_t pos = skip_space(s, len, 0);
    *blank = pos >= len;
    if (*blank) return 0;
    if (s[pos] == '\\') {
        const char *nl = memchr(s + pos, '\n', len - pos);
        return nl ? (size_t)(nl - s) + 1 : 0;
    }
    while (pos < len) {
        lx_tok_t t = lx_next(s, len, pos);
        if (t.kind == LX_EOF || t.kind == LX_BAD) return 0;
        if (lx_punct(&t, ';')) return t.pos + 1;
        pos = t.pos + t.len;
    }
    return 0;
}

static const struct {
    const char *word;
    lang_kind_t kind;
} LEADS[] = {
    {"SELECT", LK_PARTIQL}, {"INSERT", LK_PARTIQL},    {"UPDATE", LK_PARTIQL},
    {"DELETE", LK_PARTIQL}, {"EXISTS", LK_PARTIQL},    {"EXPLAIN", LK_EXPLAIN},
    {"CREATE", LK_DDL},     {"ALTER", LK_DDL},         {"DROP", LK_DDL},
    {"SHOW", LK_SHOW},      {"DESCRIBE", LK_DESCRIBE}, {"DESC", LK_DESCRIBE},
    {"BEGIN", LK_BEGIN},    {"COMMIT", LK_COMMIT},     {"ROLLBACK", LK_ROLLBACK},
    {"TAIL", LK_TAIL},
};

lang_kind_t lang_classify(const char *s, size_t len, size_t *rest) {
    size_t pos = skip_space(s, len, 0);
    *rest = pos;
    if (pos >= len || (s[pos] == ';' && lang_trim_end(s, len) <= pos)) return LK_EMPTY;
    if (s[pos] == '\\') {
        *rest = pos + 1;
        return LK_META;
    }
    lx_tok_t t = lx_next(s, len, pos);
    for (size_t i = 0; i < sizeof LEADS / sizeof LEADS[0]; i++) {
        if (!lx_is(&t, LEADS[i].word)) continue;
        /* PartiQL statements are handed over whole; the others after their keyword */
        *rest = LEADS[i].kind == LK_PARTIQL || LEADS[i].kind == LK_DDL ? t.pos : t.pos + t.len;
        return LEADS[i].kind;
    }
    return LK_UNKNOWN;
}

size_t lang_trim_end(const char *s, size_t len) {
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len && s[len - 1] == ';') len--;
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    return len;
}

bool lang_strip_limit(const char *s, size_t len, size_t *cut, long *limit) {
    len = lang_trim_end(s, len);
    lx_tok_t prev2 = {LX_EOF, 0, s, 0}, prev = prev2;
    for (size_t pos = 0;;) {
        lx_tok_t t = lx_next(s, len, pos);
        if (t.kind == LX_EOF || t.kind == LX_BAD) break;
        prev2 = prev;
        prev = t;
        pos = t.pos + t.len;
    }
    if (!lx_is(&prev2, "LIMIT") || prev.kind != LX_WORD) return false;
    char num[24];
    lx_name(&prev, num, sizeof num);
    char *end;
    long n = strtol(num, &end, 10);
    if (*end || n < 0 || prev.len >= sizeof num) return false;
    *cut = prev2.pos;
    *limit = n;
    return true;
}
