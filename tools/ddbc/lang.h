/* lang.h: ddbc's statement language below PartiQL: a small lexer (words, quoted names,
 * strings, numbers, punctuation, with byte offsets), the splitter that finds where a
 * statement ends (';' outside quotes and comments; a meta-command at its line's end), and the
 * classification of a statement by its leading words. Pure: no I/O. */
#ifndef DDBC_LANG_H
#define DDBC_LANG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum lx_kind {
    LX_EOF,
    LX_WORD,   /* bare word: [A-Za-z0-9_.-]+ (keywords, names, plain numbers) */
    LX_QUOTED, /* "name" ("" is ") */
    LX_STRING, /* 'text' ('' is ') */
    LX_PUNCT,  /* any other single character: ( ) , ; * = ... */
    LX_BAD     /* an unterminated quote */
} lx_kind_t;

typedef struct lx_tok {
    lx_kind_t kind;
    size_t pos;    /* byte offset in the text */
    const char *p; /* the token's text (quotes included for quoted kinds) */
    size_t len;    /* length of p */
} lx_tok_t;

/* The token at s[pos..len) after white space and comments (-- to line end, / * * /). */
lx_tok_t lx_next(const char *s, size_t len, size_t pos);
/* True when t is the bare word kw (case-insensitive). */
bool lx_is(const lx_tok_t *t, const char *kw);
/* True when t is the single punctuation character c. */
bool lx_punct(const lx_tok_t *t, char c);
/* A word's or quoted name's text, unquoted, into out (NUL-terminated, truncated to cap). */
void lx_name(const lx_tok_t *t, char *out, size_t cap);

/* Where the first statement of s[0..len) ends: the offset just past its ';' (a meta-command,
 * one starting with '\', ends at its newline), or 0 when it is not complete yet. Text that is
 * only white space and comments is reported through *blank. */
size_t lx_statement_end(const char *s, size_t len, bool *blank);

typedef enum lang_kind {
    LK_EMPTY,
    LK_PARTIQL,  /* SELECT, INSERT, UPDATE, DELETE, EXISTS */
    LK_EXPLAIN,  /* EXPLAIN <statement> */
    LK_DDL,      /* CREATE TABLE, ALTER TABLE, DROP TABLE */
    LK_SHOW,     /* SHOW TABLES */
    LK_DESCRIBE, /* DESCRIBE t, DESC t */
    LK_BEGIN,    /* BEGIN [TRANSACTION] */
    LK_COMMIT,   /* COMMIT */
    LK_ROLLBACK, /* ROLLBACK */
    LK_TAIL,     /* TAIL t [FROM TRIM_HORIZON|LATEST] */
    LK_META,     /* \command args */
    LK_UNKNOWN
} lang_kind_t;

/* What s[0..len) is, and the offset of what follows its leading keyword(s) in *rest (for
 * EXPLAIN: the statement explained). */
lang_kind_t lang_classify(const char *s, size_t len, size_t *rest);

/* A SELECT's trailing `LIMIT n` (ddbc's own clause, not DynamoDB's): when present, the
 * statement's length without it in *cut and n in *limit, and true. */
bool lang_strip_limit(const char *s, size_t len, size_t *cut, long *limit);

/* The statement without a trailing ';' and white space: its length. */
size_t lang_trim_end(const char *s, size_t len);

#endif
