/* expr_lex.h: what the expression parser (expr_parse.c) takes from its
 * front (expr_lex.c): tokens, the parser state, and the shared pieces of
 * every expression kind. Internal to query/expr_*.c. */
#ifndef DDB_EXPR_LEX_H
#define DDB_EXPR_LEX_H

#include <stdbool.h>
#include <stddef.h>

#include "query/error.h"
#include "query/expr.h"

#define MAX_IN_OPERANDS 100
#define MAX_EXPR_BYTES  4096
/* parser recursion guard (parentheses, NOT chains), well within the stack:
 * past it a text has too many operators or redundant parentheses, since 300
 * operators can give at most 301 levels a reason to exist */
#define MAX_DEPTH      1000
#define MAX_OPERATORS  300 /* DynamoDB's limit on operators and functions */
#define MAX_PATH_DEPTH 32  /* DynamoDB's limit on the steps of a document path */

typedef enum tok_kind {
    T_EOF,
    T_NAME,   /* bare identifier */
    T_HNAME,  /* #name */
    T_VALUE,  /* :value */
    T_NUMBER, /* digits (list index) */
    T_LPAREN,
    T_RPAREN,
    T_LBRACK,
    T_RBRACK,
    T_COMMA,
    T_DOT,
    T_EQ,
    T_NE,
    T_LT,
    T_LE,
    T_GT,
    T_GE,
    T_PLUS,
    T_MINUS,
    T_BAD /* a character that starts no token */
} tok_kind_t;

typedef struct tok {
    tok_kind_t kind;
    size_t start, len; /* span in the text */
} tok_t;

typedef struct parser {
    expr_ctx_t *ctx;
    const char *what; /* "ConditionExpression", ... */
    const char *s;
    size_t len;
    tok_t *toks;
    size_t ntoks, pos;
    int depth;
    ddb_error_t *err;
    /* DynamoDB reports these only once the whole text has parsed, ahead of
     * (redundant) or in place of (deferred) its other findings */
    size_t operators;  /* operator and function nodes made */
    bool redundant;    /* a parenthesised group directly inside another */
    bool has_deferred; /* deferred holds the first semantic error found */
    ddb_error_t deferred;
} parser_t;

/* Checks the text's size, splits it into tokens (T_BAD for a character that
 * starts none) and sets up p; DynamoDB's error for an empty, oversized or
 * untokenizable expression. */
int expr__begin(parser_t *p, expr_ctx_t *ctx, const char *what, const char *text, size_t len,
                ddb_error_t *err);

/* Tokenizes p->s into p->toks (ending with T_EOF). */
void expr__lex(parser_t *p);

/* The current token; whether it is keyword kw (case-insensitive). */
const tok_t *expr__peek(const parser_t *p);
bool expr__is_kw(const parser_t *p, const tok_t *t, const char *kw);

/* DynamoDB's "Syntax error; token: ..." at the current token. */
int expr__syntax_error(parser_t *p);

/* "Invalid <what>: <fmt with a[0..alen)>". */
int expr__invalid(parser_t *p, const char *fmt, const char *a, size_t alen);

/* Records "Invalid <what>: <fmt...>" unless an earlier error was recorded;
 * expr__finish reports it after the text has parsed. */
void expr__defer(parser_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* After a successful parse: the too-many-operators error, else the
 * redundant-parentheses one, else the first deferred one, else 0. */
int expr__finish(parser_t *p);

/* The error for nesting past MAX_DEPTH: too many operators when there are,
 * else redundant parentheses. */
int expr__too_deep(parser_t *p);

/* Consumes a token of kind k: accept says whether it did, expect fails with
 * the syntax error when it cannot. */
bool expr__accept(parser_t *p, tok_kind_t k);
int expr__expect(parser_t *p, tok_kind_t k);

/* A document path (names, #names, [n] and . steps), with its names
 * substituted and marked used. */
int expr__parse_path(parser_t *p, expr_path_t *out);

/* A new node of kind in the context's arena. */
expr_node_t *expr__node(parser_t *p, expr_kind_t kind);

/* A :value reference, resolved and marked used. */
int expr__value_ref(parser_t *p, expr_node_t **out);

#endif
