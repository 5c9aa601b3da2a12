/* partiql_write.c: the writes of PartiQL planned (query/partiql.h):
 * INSERT as PutItem with attribute_not_exists on the partition key, UPDATE,
 * DELETE and EXISTS keyed by the full primary key from WHERE's equalities,
 * the rest of WHERE as their ConditionExpression, SET/REMOVE/set_add/
 * set_delete as the UpdateExpression, RETURNING as ReturnValues. Pure. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "query/partiql_internal.h"

/* The full primary key of a write from `key = literal` conjuncts into key
 * (a JSON object); each key attribute exactly once. */
static int write_key(planner_t *p, cJSON *key) {
    const char *names[2] = {p->keys->hash, p->keys->range};
    ddb_type_t types[2] = {p->keys->hash_type, p->keys->range_type};
    for (int k = 0; k < 2 && names[k]; k++) {
        const pq_node_t *v = NULL;
        for (size_t i = 0; i < p->w.n; i++) {
            const pq_node_t *x = pq__eq_on(p->w.v[i], names[k]);
            if (!x) continue;
            if (v)
                return ddb_error_set(p->c.err, DDB_ERR_VALIDATION,
                                     "Multiple conditions on same key %s. Only single item "
                                     "Update/Insert/Delete are supported",
                                     names[k]);
            v = x;
            p->w.used[i] = true;
        }
        if (!v)
            return pq__fail(p, "Where clause does not contain a mandatory equality on all key "
                               "attributes");
        ddb_value_t val;
        int rc = pq__key_value(p, v, names[k], types[k], &val);
        if (rc) return rc;
        pq__add_json_value(key, names[k], &val);
    }
    return 0;
}

static bool same_path(const pq_node_t *a, const pq_node_t *b) {
    if (a->kind != PQ_N_PATH || b->kind != PQ_N_PATH || a->nelems != b->nelems) return false;
    for (size_t i = 0; i < a->nelems; i++) {
        const pq_elem_t *x = &a->elems[i], *y = &b->elems[i];
        if (x->index != y->index || x->len != y->len) return false;
        if (x->len && memcmp(x->name, y->name, x->len) != 0) return false;
    }
    return true;
}

static int at(planner_t *p, const pq_node_t *n, const char *fmt, const char *arg) {
    char where[48], msg[128];
    pq__at(p->c.text, n->pos, pq__node_toklen(p->c.text, p->c.text_len, n), where);
    snprintf(msg, sizeof msg, fmt, arg);
    return ddb_error_set(p->c.err, DDB_ERR_VALIDATION, "%s at %s", msg, where);
}

static bool is_fn(const pq_node_t *n, const char *name) {
    return n->kind == PQ_N_CALL && n->len == strlen(name) &&
           strncasecmp(n->text, name, n->len) == 0;
}

/* set_add(path, <<...>>) / set_delete(...) as ADD / DELETE path :v into b. */
static int emit_set_fn(planner_t *p, buf_t *b, const pq_action_t *act, const char *upper) {
    const pq_node_t *f = act->value;
    if (f->nkids != 2) return at(p, f, "%s must have exactly two arguments", upper);
    if (!same_path(f->kids[0], act->path))
        return at(p, f, "The first argument to %s must equal the assignment value", upper);
    if (f->kids[1]->kind == PQ_N_SET && f->kids[1]->nkids == 0) /* AWS: no position here */
        return pq__fail(p, "Empty bags are not supported");
    ddb_value_t v;
    int rc = pq__value(&p->c, f->kids[1], &v);
    if (rc) return rc;
    if (!ddb_type_is_set(v.type))
        return at(p, f->kids[0], "The second argument to %s must be a value with type SET", upper);
    if (b->len) buf_puts(b, ", ");
    pq__emit_path(&p->c, b, act->path);
    buf_putc(b, ' ');
    return pq__emit_value(&p->c, b, f->kids[1]);
}

/* An operand of SET's value: a path, a literal, or if_not_exists(path, v). */
static int emit_set_operand(planner_t *p, buf_t *b, const pq_node_t *n) {
    if (n->kind == PQ_N_PATH) {
        pq__emit_path(&p->c, b, n);
        return 0;
    }
    if (pq__is_literal(n)) return pq__emit_value(&p->c, b, n);
    if (is_fn(n, "if_not_exists") || is_fn(n, "list_append")) {
        bool ine = is_fn(n, "if_not_exists");
        if (n->nkids != 2)
            return ddb_error_set(p->c.err, DDB_ERR_VALIDATION,
                                 "Incorrect number of operands for operator or function; operator "
                                 "or function: %s, number of operands: %zu",
                                 ine ? "if_not_exists" : "list_append", n->nkids);
        if (ine && n->kids[0]->kind != PQ_N_PATH)
            return pq__fail(p, "Operator or function requires a document path; operator or "
                               "function: if_not_exists");
        buf_puts(b, ine ? "if_not_exists(" : "list_append(");
        int rc = emit_set_operand(p, b, n->kids[0]);
        buf_puts(b, ", ");
        if (!rc) rc = emit_set_operand(p, b, n->kids[1]);
        buf_putc(b, ')');
        return rc;
    }
    if (n->kind == PQ_N_CALL) {
        char name[32];
        size_t l = n->len < 31 ? n->len : 31;
        for (size_t i = 0; i < l; i++)
            name[i] = (char)tolower((unsigned char)n->text[i]);
        name[l] = 0;
        return at(p, n, "Unrecognized function: %s", name);
    }
    if (n->kind == PQ_N_MISSING) return pq__fail(p, "MISSING must be compared using IS operator");
    return pq__fail(p, "Unsupported operation in SET clause");
}

/* UPDATE's actions as an UpdateExpression into r. */
static int update_expression(planner_t *p, cJSON *r) {
    buf_t set, rem, add, del, all;
    buf_init(&set);
    buf_init(&rem);
    buf_init(&add);
    buf_init(&del);
    int rc = 0;
    for (size_t i = 0; i < p->st->nacts && !rc; i++) {
        const pq_action_t *act = &p->st->acts[i];
        const pq_node_t *v = act->value;
        const pq_elem_t *e = &act->path->elems[0];
        const char *key = p->keys->hash;
        if (p->keys->range && strlen(p->keys->range) == e->len &&
            memcmp(p->keys->range, e->name, e->len) == 0)
            key = p->keys->range;
        if (strlen(key) == e->len && memcmp(key, e->name, e->len) == 0) { /* Local */
            rc = ddb_error_set(p->c.err, DDB_ERR_VALIDATION,
                               "One or more parameter values were invalid: Cannot update attribute "
                               "%s. This attribute is part of the key",
                               key);
            break;
        }
        if (act->remove) {
            if (rem.len) buf_puts(&rem, ", ");
            pq__emit_path(&p->c, &rem, act->path);
        } else if (is_fn(v, "set_add")) {
            rc = emit_set_fn(p, &add, act, "SET_ADD");
        } else if (is_fn(v, "set_delete")) {
            rc = emit_set_fn(p, &del, act, "SET_DELETE");
        } else {
            if (set.len) buf_puts(&set, ", ");
            pq__emit_path(&p->c, &set, act->path);
            buf_puts(&set, " = ");
            if (v->kind == PQ_N_ADD || v->kind == PQ_N_SUB) {
                rc = emit_set_operand(p, &set, v->kids[0]);
                buf_puts(&set, v->kind == PQ_N_ADD ? " + " : " - ");
                if (!rc) rc = emit_set_operand(p, &set, v->kids[1]);
            } else {
                rc = emit_set_operand(p, &set, v);
            }
        }
    }
    buf_init(&all);
    const char *kw[4] = {"SET ", "REMOVE ", "ADD ", "DELETE "};
    buf_t *parts[4] = {&set, &rem, &add, &del};
    for (int k = 0; k < 4; k++) {
        if (!parts[k]->len) continue;
        if (all.len) buf_putc(&all, ' ');
        buf_puts(&all, kw[k]);
        buf_put(&all, parts[k]->data, parts[k]->len);
        buf_free(parts[k]);
    }
    if (!rc) pq__add_str(r, "UpdateExpression", &all);
    buf_free(&all);
    return rc;
}

static const char *const RET_VALUES[] = {NULL, "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"};
static const char *const RET_TEXT[] = {NULL, "ALL OLD", "MODIFIED OLD", "ALL NEW", "MODIFIED NEW"};

/* UPDATE, DELETE and EXISTS: the full key, the rest of WHERE as the
 * condition (after attribute_exists(hash) when the item must exist). */
int pq__plan_keyed(planner_t *p, const pq_schema_t *schema, pq_plan_t *plan) {
    const pq_stmt_t *st = p->st->kind == PQ_EXISTS ? p->st->inner : p->st;
    pq_kind_t kind = p->st->kind;
    if (st->index) return pq__fail(p, "This operation is not supported on an index");
    if (kind == PQ_DELETE && st->ret != PQ_RET_NONE && st->ret != PQ_RET_ALL_OLD)
        return ddb_error_set(p->c.err, DDB_ERR_VALIDATION,
                             "Invalid returning clause: RETURNING %s *. Only RETURNING ALL OLD * "
                             "is allowed in DELETE statements.",
                             RET_TEXT[st->ret]);
    p->keys = &schema->keys;
    pq__split_and(p, st->where);
    cJSON *r = pq__table_request(p, false);
    pq__new_request(p);
    cJSON *key = cJSON_AddObjectToObject(r, "Key");
    int rc = write_key(p, key);
    bool rest = false;
    for (size_t i = 0; i < p->w.n; i++)
        rest |= !p->w.used[i];
    if (!rc && kind == PQ_EXISTS && !rest)
        rc = pq__fail(p, "EXISTS() must contain a single item read with additional condition");
    if (!rc && kind == PQ_UPDATE) rc = update_expression(p, r);
    buf_t cond;
    buf_init(&cond);
    if (!rc && kind != PQ_DELETE) {
        buf_puts(&cond, "attribute_exists(");
        pq__emit_attr(p, &cond, p->keys->hash);
        buf_putc(&cond, ')');
    }
    bool any = false;
    if (!rc) rc = pq__emit_rest(p, &cond, &any);
    if (!rc && cond.len) pq__add_str(r, "ConditionExpression", &cond);
    buf_free(&cond);
    if (rc) {
        pq__drop_request(p, r);
        return rc;
    }
    pq__finish_request(p, r);
    if (st->ret != PQ_RET_NONE) cJSON_AddStringToObject(r, "ReturnValues", RET_VALUES[st->ret]);
    plan->op = kind == PQ_UPDATE   ? PQ_OP_UPDATE_ITEM
               : kind == PQ_DELETE ? PQ_OP_DELETE_ITEM
                                   : PQ_OP_CONDITION_CHECK;
    plan->req = ddb_arena_alloc(p->c.a, sizeof *plan->req);
    plan->req[0] = r;
    plan->nreq = 1;
    return 0;
}

int pq__plan_insert(planner_t *p, const pq_schema_t *schema, pq_plan_t *plan) {
    const pq_stmt_t *st = p->st;
    if (st->index) return pq__fail(p, "This operation is not supported on an index");
    if (st->ret != PQ_RET_NONE) return pq__fail(p, "RETURNING is not supported in INSERT");
    if (st->value->kind != PQ_N_MAP)
        return at(p, st->value, "%s",
                  "Unsupported format in item expression. Please use struct format {...} to "
                  "express item values for insert statement.");
    ddb_value_t item;
    int rc = pq__item(&p->c, st->value, &item);
    if (rc) return rc;
    const pq_keys_t *k = &schema->keys;
    const char *names[2] = {k->hash, k->range};
    ddb_type_t types[2] = {k->hash_type, k->range_type};
    for (int i = 0; i < 2 && names[i]; i++) {
        const ddb_value_t *v = ddb_map_get(&item, names[i], strlen(names[i]));
        if (!v)
            return ddb_error_set(p->c.err, DDB_ERR_VALIDATION,
                                 "Key attribute should be present in the item: Key %s", names[i]);
        if (v->type != types[i])
            return ddb_error_set(p->c.err, DDB_ERR_VALIDATION,
                                 "Key attribute's data type should match its data type in table's "
                                 "schema: Key %s",
                                 names[i]);
    }
    p->keys = k;
    cJSON *r = pq__table_request(p, false);
    cJSON *m = pq__value_json(&item); /* {"M":{...}}: the item is what M holds */
    cJSON_AddItemToObject(r, "Item", cJSON_DetachItemFromObject(m, "M"));
    cJSON_Delete(m);
    pq__new_request(p);
    buf_t cond;
    buf_init(&cond);
    buf_puts(&cond, "attribute_not_exists(");
    pq__emit_attr(p, &cond, k->hash);
    buf_putc(&cond, ')');
    pq__add_str(r, "ConditionExpression", &cond);
    buf_free(&cond);
    pq__finish_request(p, r);
    plan->op = PQ_OP_PUT_ITEM;
    plan->insert = true;
    plan->req = ddb_arena_alloc(p->c.a, sizeof *plan->req);
    plan->req[0] = r;
    plan->nreq = 1;
    return 0;
}
