/* partiql_lex.h: the tokens of DynamoDB's PartiQL (internal to partiql*.c).
 *
 * The lexer only splits text into tokens with their byte offsets; keywords
 * are bare identifiers matched case-insensitively by the parser. Pure. */
#ifndef DDB_PARTIQL_LEX_H
#define DDB_PARTIQL_LEX_H

#include <stdbool.h>
#include <stddef.h>

#include "query/partiql.h"

typedef enum pq_tok_kind {
    PQ_T_EOF,
    PQ_T_IDENT,  /* bare word: a keyword or an attribute name */
    PQ_T_QIDENT, /* "quoted identifier" (text unescaped lazily: "" is ") */
    PQ_T_STRING, /* 'string' ('' is ') */
    PQ_T_NUMBER, /* 12, -1.5e3 (sign handled by the parser) */
    PQ_T_PARAM,  /* ? */
    PQ_T_PUNCT,  /* . , ( ) [ ] { } : * ; + - */
    PQ_T_OP,     /* = <> != < <= > >= */
    PQ_T_LBAG,   /* << */
    PQ_T_RBAG,   /* >> */
    PQ_T_BAD     /* unterminated quote or a stray character */
} pq_tok_kind_t;

typedef struct pq_tok {
    pq_tok_kind_t kind;
    size_t pos;    /* byte offset in the statement */
    const char *p; /* the token's text (quotes included for quoted kinds) */
    size_t len;    /* length of p */
} pq_tok_t;

/* The token at text[pos..len) after white space and comments. */
pq_tok_t pq__lex(const char *text, size_t len, size_t pos);

/* True when t is the bare word kw (case-insensitive). */
bool pq__is_kw(const pq_tok_t *t, const char *kw);

/* True when t is the punctuation or operator text s. */
bool pq__is(const pq_tok_t *t, const char *s);

/* True when t is a comparison operator, and which (<> and != are both NE). */
bool pq__cmp_op(const pq_tok_t *t, pq_cmp_t *op);

/* True for words that cannot be bare attribute names (DynamoDB's PartiQL
 * reserves them where a term or a path step is expected). */
bool pq__is_reserved(const pq_tok_t *t);

/* Characters (UTF-8 code points) in s[0..len): DynamoDB counts these. */
size_t pq__chars(const char *s, size_t len);

/* DynamoDB's rule for table names: 3-255 of a-z A-Z 0-9 - _ . */
bool pq__table_name_ok(const char *s, size_t len);

#endif
