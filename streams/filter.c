/* filter.c: Lambda event-filter patterns (FilterCriteria.Filters[].Pattern)
 * compiled into flat tables, and matched against Lambda-form DynamoDB
 * stream records. Owns the pattern grammar, its validation and the match
 * rules below; it never allocates while matching, never recurses deeper
 * than its bounds, and never touches the record it is given.
 *
 * The rules, as Lambda documents them (invocation-eventfiltering,
 * with-ddb-filtering: "Lambda supports the same set of syntax and rules as
 * Amazon EventBridge"), and where ddb had to choose:
 *
 *   pattern        a JSON object; its members name fields of the record
 *                  (eventName, awsRegion, dynamodb, dynamodb.Keys.PK.S, ...)
 *                  and are either objects (nest one level into the record)
 *                  or arrays of conditions (a leaf). Any other member value
 *                  is invalid. Every field named must match (AND); a leaf
 *                  matches when any of its conditions does (OR). A mapping
 *                  takes a record when any of its filters matches (OR, up
 *                  to 5 filters, 10 with a raised quota: esm.h's business).
 *                  Metadata fields (eventName, ...) are accepted beside
 *                  "dynamodb", as CDK's own examples filter on eventName.
 *   record values  a field's values are the leaves found at its path: the
 *                  record's arrays are looked through at every level (the
 *                  members of "SS", the elements of "L"), objects are not
 *                  leaves. A condition matches when it matches any value.
 *   "s"            the value is the string s, byte for byte (no folding).
 *   ""             the value is the empty string.
 *   5              the value is a JSON number equal to 5 (compared as
 *                  doubles: 5 matches 5.0; Lambda's guide says it compares
 *                  the text, but a cJSON record keeps no text). A string
 *                  "5" never matches 5, nor 5 "5": DynamoDB's N values are
 *                  strings, so {"N": ["5"]} is how to match one.
 *   true / false   the value is that JSON boolean (e.g. "BOOL": [true]).
 *   null           the value is JSON null; a missing field is not null.
 *   {"prefix": "p"} / {"suffix": "s"}   a string value starting / ending so.
 *   {"equals-ignore-case": "s"}          a string equal to s, ASCII letters
 *                  folded (EventBridge folds Unicode; ddb folds ASCII only).
 *   {"anything-but": v | [v, ...]}        a value (any type) equal to none of
 *                  the strings or numbers listed; a missing field does not
 *                  match. {"anything-but": {"prefix"|"suffix"|
 *                  "equals-ignore-case": "s"}}: a string value that does not
 *                  start / end with / equal (folded) s.
 *   {"numeric": [op, n (, op, n)]}       a JSON number value in the range:
 *                  "=" alone, or one lower bound (">", ">=") and/or one
 *                  upper bound ("<", "<="), lower < upper. Never a string,
 *                  so never a DynamoDB N value ("N": "5").
 *   {"exists": true|false}               whether the field has any leaf
 *                  value. On dynamodb.NewImage.x (an object) exists:true
 *                  never matches and exists:false always does: name the
 *                  type, dynamodb.NewImage.x.S, as Lambda's guide says.
 *
 * Invalid (DDB_ERR_VALIDATION, "Invalid filter pattern definition."): text
 * that is not one JSON object in UTF-8 (trailing text included); a leaf
 * that is not an array; an empty array or object; nested arrays; an
 * operator object with other than exactly one known operator ("wildcard",
 * "cidr", "$or" are not Lambda's); an operand of the wrong type (prefix,
 * suffix, equals-ignore-case: a string; exists: a boolean; anything-but:
 * a string, a number, a non-empty array of those, or one of the three
 * string operators); a numeric list not of the shapes above; nesting deeper
 * than DDB_FILTER_MAX_DEPTH objects (ddb's bound: a 32-level DynamoDB item
 * needs 67). A pattern over 4096 bytes breaks the API's length constraint.
 *
 * Compiled form: segments (one per pattern member: parent, key), leaves
 * (one per array: its segment, its conditions), conditions, anything-but
 * values and one text buffer, all O(pattern length); a leaf's path is read
 * back through the parent links when it is matched. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query/json.h"
#include "streams/filter.h"

/* How deep arrays may nest inside the record along one path before its
 * values stop being looked at (cJSON's parser already stops at 1000). */
#define FILTER_MAX_ARRAYS 64

typedef enum fcond_kind {
    FC_STR = 1, /* exact string (text, len) */
    FC_NUM,     /* exact number (num) */
    FC_BOOL,    /* exact boolean (flag) */
    FC_NULL,    /* JSON null */
    FC_PREFIX,  /* string prefix (text, len) */
    FC_SUFFIX,  /* string suffix */
    FC_ICASE,   /* equals-ignore-case */
    FC_BUT,     /* anything-but values: vals[first .. first+count) */
    FC_BUT_PREFIX,
    FC_BUT_SUFFIX,
    FC_BUT_ICASE,
    FC_NUMERIC, /* num..hi with lo_op/hi_op */
    FC_EXISTS   /* exists: flag */
} fcond_kind_t;

typedef enum fbound { FB_NONE = 0, FB_INCL, FB_EXCL } fbound_t;

typedef struct fcond {
    uint8_t kind;
    bool flag;
    uint8_t lo_op, hi_op; /* FC_NUMERIC: fbound_t of each end */
    uint32_t text, len;   /* strings: offset in ->text and length; FC_BUT: first value, count */
    double num, hi;       /* FC_NUM: the number; FC_NUMERIC: lower and upper bound */
} fcond_t;

typedef struct fseg {
    uint32_t parent; /* index + 1 of the enclosing member; 0 at the top */
    uint32_t key;    /* offset of its NUL-terminated name in ->text */
} fseg_t;

typedef struct fleaf {
    uint32_t seg;         /* the member whose array this is */
    uint32_t cond, ncond; /* its conditions in ->conds */
} fleaf_t;

struct ddb_filter {
    fseg_t *segs;
    fleaf_t *leaves;
    fcond_t *conds, *vals;
    char *text;
    size_t nsegs, nleaves, nconds, nvals, ntext;
    size_t csegs, cleaves, cconds, cvals, ctext; /* capacities while compiling */
};

/* ---- compiling ---- */

/* Grows *p (capacity *cap elements of size sz) to hold n + 1. */
static int grow(void **p, size_t *cap, size_t n, size_t sz) {
    if (n < *cap) return 0;
    size_t c = *cap ? *cap * 2 : 8;
    void *q = realloc(*p, c * sz);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* Appends s[0..len) and a NUL to the text; its offset in *off. */
static int add_text(ddb_filter_t *f, const char *s, size_t len, uint32_t *off) {
    while (f->ntext + len + 1 > f->ctext) {
        if (grow((void **)&f->text, &f->ctext, f->ctext, 1)) return -1;
    }
    memcpy(f->text + f->ntext, s, len);
    f->text[f->ntext + len] = '\0';
    *off = (uint32_t)f->ntext;
    f->ntext += len + 1;
    return 0;
}

/* Result of the compile helpers: 0, or one of these. */
enum { C_INVALID = 1, C_NOMEM };

static int add_cond(ddb_filter_t *f, const fcond_t *c) {
    if (grow((void **)&f->conds, &f->cconds, f->nconds, sizeof *c)) return C_NOMEM;
    f->conds[f->nconds++] = *c;
    return 0;
}

/* A string operand into c (kind k). */
static int string_operand(ddb_filter_t *f, const cJSON *v, fcond_kind_t k, fcond_t *c) {
    if (!cJSON_IsString(v)) return C_INVALID;
    size_t len = strlen(v->valuestring);
    c->kind = (uint8_t)k;
    c->len = (uint32_t)len;
    return add_text(f, v->valuestring, len, &c->text) ? C_NOMEM : 0;
}

/* An exact value (string, number, boolean, null) into c. */
static int exact_value(ddb_filter_t *f, const cJSON *v, fcond_t *c) {
    if (cJSON_IsString(v)) return string_operand(f, v, FC_STR, c);
    if (cJSON_IsNumber(v)) {
        c->kind = FC_NUM;
        c->num = v->valuedouble;
        return 0;
    }
    if (cJSON_IsBool(v)) {
        c->kind = FC_BOOL;
        c->flag = cJSON_IsTrue(v);
        return 0;
    }
    if (cJSON_IsNull(v)) {
        c->kind = FC_NULL;
        return 0;
    }
    return C_INVALID;
}

/* One anything-but value (a string or a number) appended to ->vals. */
static int add_but_value(ddb_filter_t *f, const cJSON *v) {
    if (!cJSON_IsString(v) && !cJSON_IsNumber(v)) return C_INVALID;
    fcond_t c = {0};
    int rc = exact_value(f, v, &c);
    if (rc) return rc;
    if (grow((void **)&f->vals, &f->cvals, f->nvals, sizeof c)) return C_NOMEM;
    f->vals[f->nvals++] = c;
    return 0;
}

static int anything_but(ddb_filter_t *f, const cJSON *v, fcond_t *c) {
    if (cJSON_IsObject(v)) {
        const cJSON *op = v->child;
        if (!op || op->next) return C_INVALID;
        if (strcmp(op->string, "prefix") == 0) return string_operand(f, op, FC_BUT_PREFIX, c);
        if (strcmp(op->string, "suffix") == 0) return string_operand(f, op, FC_BUT_SUFFIX, c);
        if (strcmp(op->string, "equals-ignore-case") == 0)
            return string_operand(f, op, FC_BUT_ICASE, c);
        return C_INVALID;
    }
    c->kind = FC_BUT;
    c->text = (uint32_t)f->nvals;
    if (!cJSON_IsArray(v)) {
        c->len = 1;
        return add_but_value(f, v);
    }
    for (const cJSON *e = v->child; e; e = e->next) {
        int rc = add_but_value(f, e);
        if (rc) return rc;
        c->len++;
    }
    return c->len ? 0 : C_INVALID;
}

/* {"numeric": [op, n, (op, n)]}: "=" alone, or at most one lower and one
 * upper bound with lower < upper. */
static int numeric(const cJSON *v, fcond_t *c) {
    c->kind = FC_NUMERIC;
    int pairs = 0;
    bool eq = false;
    if (!cJSON_IsArray(v)) return C_INVALID;
    for (const cJSON *op = v->child; op; op = op->next->next) {
        const cJSON *n = op->next;
        if (!cJSON_IsString(op) || !n || !cJSON_IsNumber(n) || ++pairs > 2) return C_INVALID;
        const char *s = op->valuestring;
        double x = n->valuedouble;
        if (strcmp(s, "=") == 0) {
            eq = true;
            c->lo_op = c->hi_op = FB_INCL;
            c->num = c->hi = x;
        } else if ((strcmp(s, ">") == 0 || strcmp(s, ">=") == 0) && c->lo_op == FB_NONE) {
            c->lo_op = s[1] ? FB_INCL : FB_EXCL;
            c->num = x;
        } else if ((strcmp(s, "<") == 0 || strcmp(s, "<=") == 0) && c->hi_op == FB_NONE) {
            c->hi_op = s[1] ? FB_INCL : FB_EXCL;
            c->hi = x;
        } else {
            return C_INVALID;
        }
    }
    if (pairs == 0 || (eq && pairs != 1)) return C_INVALID;
    if (!eq && c->lo_op && c->hi_op && !(c->num < c->hi)) return C_INVALID;
    return 0;
}

/* One element of a leaf's array: an exact value or an operator object. */
static int condition(ddb_filter_t *f, const cJSON *e, fcond_t *c) {
    if (!cJSON_IsObject(e)) return exact_value(f, e, c);
    const cJSON *op = e->child;
    if (!op || op->next) return C_INVALID;
    const char *name = op->string;
    if (strcmp(name, "prefix") == 0) return string_operand(f, op, FC_PREFIX, c);
    if (strcmp(name, "suffix") == 0) return string_operand(f, op, FC_SUFFIX, c);
    if (strcmp(name, "equals-ignore-case") == 0) return string_operand(f, op, FC_ICASE, c);
    if (strcmp(name, "anything-but") == 0) return anything_but(f, op, c);
    if (strcmp(name, "numeric") == 0) return numeric(op, c);
    if (strcmp(name, "exists") == 0) {
        if (!cJSON_IsBool(op)) return C_INVALID;
        c->kind = FC_EXISTS;
        c->flag = cJSON_IsTrue(op);
        return 0;
    }
    return C_INVALID;
}

static int compile_leaf(ddb_filter_t *f, const cJSON *arr, uint32_t seg) {
    fleaf_t leaf = {.seg = seg, .cond = (uint32_t)f->nconds};
    for (const cJSON *e = arr->child; e; e = e->next) {
        fcond_t c = {0};
        int rc = condition(f, e, &c);
        if (!rc) rc = add_cond(f, &c);
        if (rc) return rc;
        leaf.ncond++;
    }
    if (!leaf.ncond) return C_INVALID;
    if (grow((void **)&f->leaves, &f->cleaves, f->nleaves, sizeof leaf)) return C_NOMEM;
    f->leaves[f->nleaves++] = leaf;
    return 0;
}

/* The members of one pattern object, below segment parent (index + 1, 0 at
 * the top), depth objects deep. Recursion is bounded by the depth check. */
static int compile_object(ddb_filter_t *f, const cJSON *obj, uint32_t parent, int depth) {
    if (depth > DDB_FILTER_MAX_DEPTH || !obj->child) return C_INVALID;
    for (const cJSON *m = obj->child; m; m = m->next) {
        fseg_t s = {.parent = parent};
        if (add_text(f, m->string, strlen(m->string), &s.key)) return C_NOMEM;
        if (grow((void **)&f->segs, &f->csegs, f->nsegs, sizeof s)) return C_NOMEM;
        f->segs[f->nsegs++] = s;
        uint32_t me = (uint32_t)f->nsegs; /* index + 1 */
        int rc = cJSON_IsArray(m)    ? compile_leaf(f, m, me - 1)
                 : cJSON_IsObject(m) ? compile_object(f, m, me, depth + 1)
                                     : C_INVALID;
        if (rc) return rc;
    }
    return 0;
}

int ddb_filter_compile(const char *pattern, size_t len, ddb_filter_t **out, ddb_error_t *err) {
    *out = NULL;
    if (len > DDB_FILTER_MAX_PATTERN)
        return ddb_error_set(err, DDB_ERR_VALIDATION,
                             "Member must have length less than or equal to %d",
                             DDB_FILTER_MAX_PATTERN);
    cJSON *root = NULL;
    ddb_error_t perr;
    if (json_parse_request(pattern, len, &root, &perr))
        return ddb_error_set(err, DDB_ERR_VALIDATION, DDB_FILTER_INVALID);
    ddb_filter_t *f = calloc(1, sizeof *f);
    int rc = f ? compile_object(f, root, 0, 1) : C_NOMEM;
    cJSON_Delete(root);
    if (rc) {
        ddb_filter_free(f);
        return rc == C_NOMEM ? ddb_error_set(err, DDB_ERR_INTERNAL, "out of memory")
                             : ddb_error_set(err, DDB_ERR_VALIDATION, DDB_FILTER_INVALID);
    }
    *out = f;
    return 0;
}

void ddb_filter_free(ddb_filter_t *f) {
    if (!f) return;
    free(f->segs);
    free(f->leaves);
    free(f->conds);
    free(f->vals);
    free(f->text);
    free(f);
}

/* ---- matching ---- */

static bool ieq(const char *a, const char *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z') x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (unsigned char)(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

/* Whether exact value c (FC_STR/FC_NUM/FC_BOOL/FC_NULL) equals leaf v. */
static bool equals(const ddb_filter_t *f, const fcond_t *c, const cJSON *v) {
    switch (c->kind) {
    case FC_STR:
        return cJSON_IsString(v) && strlen(v->valuestring) == c->len &&
               memcmp(v->valuestring, f->text + c->text, c->len) == 0;
    case FC_NUM:
        return cJSON_IsNumber(v) && v->valuedouble == c->num;
    case FC_BOOL:
        return cJSON_IsBool(v) && cJSON_IsTrue(v) == c->flag;
    case FC_NULL:
        return cJSON_IsNull(v);
    default:
        return false;
    }
}

/* Whether string condition c (prefix/suffix/ignore-case) holds for s. */
static bool string_test(const ddb_filter_t *f, fcond_kind_t k, const fcond_t *c, const char *s,
                        size_t n) {
    const char *p = f->text + c->text;
    switch (k) {
    case FC_PREFIX:
        return n >= c->len && memcmp(s, p, c->len) == 0;
    case FC_SUFFIX:
        return n >= c->len && memcmp(s + n - c->len, p, c->len) == 0;
    default: /* FC_ICASE */
        return n == c->len && ieq(s, p, n);
    }
}

static bool in_range(const fcond_t *c, double x) {
    if (c->lo_op == FB_INCL && !(x >= c->num)) return false;
    if (c->lo_op == FB_EXCL && !(x > c->num)) return false;
    if (c->hi_op == FB_INCL && !(x <= c->hi)) return false;
    if (c->hi_op == FB_EXCL && !(x < c->hi)) return false;
    return true;
}

/* Whether one value condition holds for leaf v (exists is decided apart). */
static bool cond_test(const ddb_filter_t *f, const fcond_t *c, const cJSON *v) {
    bool str = cJSON_IsString(v);
    size_t n = str ? strlen(v->valuestring) : 0;
    switch (c->kind) {
    case FC_PREFIX:
    case FC_SUFFIX:
    case FC_ICASE:
        return str && string_test(f, c->kind, c, v->valuestring, n);
    case FC_BUT_PREFIX:
    case FC_BUT_SUFFIX:
    case FC_BUT_ICASE:
        return str && !string_test(f, c->kind - (FC_BUT_PREFIX - FC_PREFIX), c, v->valuestring, n);
    case FC_BUT:
        for (uint32_t i = 0; i < c->len; i++) {
            if (equals(f, &f->vals[c->text + i], v)) return false;
        }
        return true;
    case FC_NUMERIC:
        return cJSON_IsNumber(v) && in_range(c, v->valuedouble);
    case FC_EXISTS:
        return false;
    default:
        return equals(f, c, v);
    }
}

/* One leaf being matched: its conditions, and what was seen so far. */
typedef struct leaf_run {
    const ddb_filter_t *f;
    const fleaf_t *leaf;
    const char *const *path; /* the member names from the top */
    size_t n;
    bool found;   /* a leaf value is at the path */
    bool matched; /* a value condition held for one */
} leaf_run_t;

static void test_value(leaf_run_t *r, const cJSON *v) {
    r->found = true;
    for (uint32_t i = 0; i < r->leaf->ncond && !r->matched; i++) {
        if (cond_test(r->f, &r->f->conds[r->leaf->cond + i], v)) r->matched = true;
    }
}

/* Walks v from path element i on, looking through arrays (at most
 * FILTER_MAX_ARRAYS nested along the way): recursion depth <= n + that. */
static void visit(leaf_run_t *r, const cJSON *v, size_t i, int arrays) {
    if (cJSON_IsArray(v)) {
        if (arrays >= FILTER_MAX_ARRAYS) return;
        for (const cJSON *e = v->child; e && !r->matched; e = e->next)
            visit(r, e, i, arrays + 1);
        return;
    }
    if (i == r->n) {
        if (!cJSON_IsObject(v)) test_value(r, v);
        return;
    }
    if (!cJSON_IsObject(v)) return;
    const cJSON *child = cJSON_GetObjectItemCaseSensitive(v, r->path[i]);
    if (child) visit(r, child, i + 1, arrays);
}

static bool leaf_matches(const ddb_filter_t *f, const fleaf_t *leaf, const cJSON *record) {
    const char *path[DDB_FILTER_MAX_DEPTH];
    size_t n = 0;
    for (uint32_t s = leaf->seg + 1; s && n < DDB_FILTER_MAX_DEPTH; s = f->segs[s - 1].parent)
        path[n++] = f->text + f->segs[s - 1].key;
    for (size_t i = 0; i < n / 2; i++) { /* collected leaf first: reverse */
        const char *t = path[i];
        path[i] = path[n - 1 - i];
        path[n - 1 - i] = t;
    }
    leaf_run_t r = {.f = f, .leaf = leaf, .path = path, .n = n};
    visit(&r, record, 0, 0);
    if (r.matched) return true;
    for (uint32_t i = 0; i < leaf->ncond; i++) {
        const fcond_t *c = &f->conds[leaf->cond + i];
        if (c->kind == FC_EXISTS && c->flag == r.found) return true;
    }
    return false;
}

bool ddb_filter_match(const ddb_filter_t *f, const cJSON *record) {
    for (size_t i = 0; i < f->nleaves; i++) {
        if (!leaf_matches(f, &f->leaves[i], record)) return false;
    }
    return true;
}

bool ddb_filter_match_any(const ddb_filter_t *const *fs, size_t n, const cJSON *record) {
    if (!n) return true;
    for (size_t i = 0; i < n; i++) {
        if (ddb_filter_match(fs[i], record)) return true;
    }
    return false;
}
