/* output.c: the formatters of output.h. Values are rendered from their wire text (numbers
 * never pass through a double); widths count UTF-8 code points. Pure: no I/O. */
#include "tools/ddbc/output.h"

#include <stdlib.h>
#include <string.h>

#include "query/json.h"

static const char *const FORMATS[] = {"table", "json", "jsonl", "ddbjson", "csv"};

bool out_format_parse(const char *name, out_format_t *f) {
    for (size_t i = 0; i < sizeof FORMATS / sizeof FORMATS[0]; i++)
        if (strcmp(name, FORMATS[i]) == 0) {
            *f = (out_format_t)i;
            return true;
        }
    return false;
}

const char *out_format_name(out_format_t f) {
    return FORMATS[f];
}

bool out_streams(out_format_t f) {
    return f == OUT_JSONL || f == OUT_DDBJSON;
}

/* The AttributeValue's type and its payload node. */
static const char *av_type(const cJSON *av, const cJSON **payload) {
    const cJSON *c = av ? av->child : NULL;
    *payload = c;
    return c && c->string ? c->string : "";
}

static void put_text(buf_t *b, const cJSON *s) {
    if (cJSON_IsString(s)) buf_puts(b, s->valuestring);
}

void out_value_json(const cJSON *av, buf_t *b) {
    const cJSON *v, *e;
    const char *t = av_type(av, &v);
    if (!strcmp(t, "S") || !strcmp(t, "B")) {
        json_put_str(b, v->valuestring ? v->valuestring : "",
                     v->valuestring ? strlen(v->valuestring) : 0);
    } else if (!strcmp(t, "N")) {
        put_text(b, v);
    } else if (!strcmp(t, "BOOL")) {
        buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
    } else if (!strcmp(t, "SS") || !strcmp(t, "NS") || !strcmp(t, "BS") || !strcmp(t, "L")) {
        bool first = true;
        buf_putc(b, '[');
        cJSON_ArrayForEach(e, v) {
            if (!first) buf_putc(b, ',');
            first = false;
            if (!strcmp(t, "L"))
                out_value_json(e, b);
            else if (!strcmp(t, "NS"))
                put_text(b, e);
            else
                json_put_str(b, e->valuestring, strlen(e->valuestring));
        }
        buf_putc(b, ']');
    } else if (!strcmp(t, "M")) {
        out_item_json(v, b);
    } else {
        buf_puts(b, "null");
    }
}

void out_item_json(const cJSON *item, buf_t *b) {
    const cJSON *a;
    bool first = true;
    buf_putc(b, '{');
    cJSON_ArrayForEach(a, item) {
        if (!first) buf_putc(b, ',');
        first = false;
        json_put_str(b, a->string, strlen(a->string));
        buf_putc(b, ':');
        out_value_json(a, b);
    }
    buf_putc(b, '}');
}

static void put_quoted(buf_t *b, const char *s) {
    buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'') buf_putc(b, '\'');
        buf_putc(b, *s);
    }
    buf_putc(b, '\'');
}

void out_value_text(const cJSON *av, bool top, buf_t *b) {
    const cJSON *v, *e;
    const char *t = av_type(av, &v);
    bool first = true;
    if (!strcmp(t, "S") || !strcmp(t, "B")) {
        if (top)
            put_text(b, v);
        else
            put_quoted(b, v->valuestring ? v->valuestring : "");
    } else if (!strcmp(t, "N")) {
        put_text(b, v);
    } else if (!strcmp(t, "BOOL")) {
        buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
    } else if (!strcmp(t, "NULL")) {
        buf_puts(b, "null");
    } else if (!strcmp(t, "SS") || !strcmp(t, "NS") || !strcmp(t, "BS")) {
        buf_puts(b, "<<");
        cJSON_ArrayForEach(e, v) {
            if (!first) buf_puts(b, ", ");
            first = false;
            if (!strcmp(t, "NS"))
                put_text(b, e);
            else
                put_quoted(b, e->valuestring);
        }
        buf_puts(b, ">>");
    } else if (!strcmp(t, "L")) {
        buf_putc(b, '[');
        cJSON_ArrayForEach(e, v) {
            if (!first) buf_puts(b, ", ");
            first = false;
            out_value_text(e, false, b);
        }
        buf_putc(b, ']');
    } else if (!strcmp(t, "M")) {
        buf_putc(b, '{');
        cJSON_ArrayForEach(e, v) {
            if (!first) buf_puts(b, ", ");
            first = false;
            put_quoted(b, e->string);
            buf_puts(b, ": ");
            out_value_text(e, false, b);
        }
        buf_putc(b, '}');
    }
}

void out_csv_field(const char *s, size_t len, buf_t *b) {
    bool quote = false;
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        buf_put(b, s, len);
        return;
    }
    buf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') buf_putc(b, '"');
        buf_putc(b, s[i]);
    }
    buf_putc(b, '"');
}

/* ---- columns ---- */

typedef struct columns {
    const char **names;
    size_t n, cap;
} columns_t;

static void col_add(columns_t *c, const char *name) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->names[i], name) == 0) return;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->names = realloc(c->names, c->cap * sizeof *c->names);
        if (!c->names) abort();
    }
    c->names[c->n++] = name;
}

/* The union of the items' attributes: the `first` ones present, then in order of appearance. */
static columns_t columns_of(const out_opts_t *o, cJSON *const *items, size_t n) {
    columns_t c = {NULL, 0, 0};
    for (size_t f = 0; f < o->nfirst; f++)
        for (size_t i = 0; i < n; i++)
            if (cJSON_GetObjectItemCaseSensitive(items[i], o->first[f])) {
                col_add(&c, o->first[f]);
                break;
            }
    for (size_t i = 0; i < n; i++) {
        const cJSON *a;
        cJSON_ArrayForEach(a, items[i]) {
            col_add(&c, a->string);
        }
    }
    return c;
}

/* ---- the table ---- */

static size_t width_of(const char *s, size_t len) {
    size_t w = 0;
    for (size_t i = 0; i < len; i++)
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    return w;
}

/* A cell's text: control characters as spaces, cut to max code points with "…". */
static char *cell_text(const cJSON *av, size_t max) {
    buf_t t;
    buf_init(&t);
    if (av) out_value_text(av, true, &t);
    buf_t o;
    buf_init(&o);
    size_t w = 0;
    for (size_t i = 0; i < t.len; i++) {
        unsigned char c = (unsigned char)t.data[i];
        bool start = (c & 0xC0) != 0x80;
        if (start && max && w == max) {
            /* cut: drop the last code point for the ellipsis */
            while (o.len && ((unsigned char)o.data[o.len - 1] & 0xC0) == 0x80)
                o.len--;
            if (o.len) o.len--;
            buf_puts(&o, "\xE2\x80\xA6");
            break;
        }
        w += start;
        buf_putc(&o, c < 0x20 ? ' ' : (char)c);
    }
    buf_free(&t);
    buf_cstr(&o);
    if (!o.data) return strdup("");
    return o.data;
}

static void pad(buf_t *b, size_t n) {
    while (n--)
        buf_putc(b, ' ');
}

static bool is_number(const cJSON *av) {
    const cJSON *v;
    return av && !strcmp(av_type(av, &v), "N");
}

static void rows_footer(buf_t *b, size_t n) {
    buf_printf(b, "(%zu row%s)\n", n, n == 1 ? "" : "s");
}

static void table_expanded(const columns_t *c, cJSON *const *items, size_t n, buf_t *b) {
    size_t w = 0;
    for (size_t j = 0; j < c->n; j++) {
        size_t cw = width_of(c->names[j], strlen(c->names[j]));
        if (cw > w) w = cw;
    }
    for (size_t i = 0; i < n; i++) {
        buf_printf(b, "-[ RECORD %zu ]-\n", i + 1);
        for (size_t j = 0; j < c->n; j++) {
            const cJSON *av = cJSON_GetObjectItemCaseSensitive(items[i], c->names[j]);
            if (!av) continue;
            buf_puts(b, c->names[j]);
            pad(b, w - width_of(c->names[j], strlen(c->names[j])));
            buf_puts(b, " | ");
            out_value_text(av, true, b);
            buf_putc(b, '\n');
        }
    }
    rows_footer(b, n);
}

static void table_plain(const columns_t *c, cJSON *const *items, size_t n, size_t max, buf_t *b) {
    char **cells = calloc(n * c->n + 1, sizeof *cells);
    size_t *w = calloc(c->n + 1, sizeof *w);
    if (!cells || !w) abort();
    for (size_t j = 0; j < c->n; j++)
        w[j] = width_of(c->names[j], strlen(c->names[j]));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < c->n; j++) {
            char *s = cell_text(cJSON_GetObjectItemCaseSensitive(items[i], c->names[j]), max);
            cells[i * c->n + j] = s;
            size_t cw = width_of(s, strlen(s));
            if (cw > w[j]) w[j] = cw;
        }
    for (size_t j = 0; j < c->n; j++) {
        size_t hw = width_of(c->names[j], strlen(c->names[j]));
        buf_puts(b, j ? " | " : " ");
        pad(b, (w[j] - hw) / 2);
        buf_puts(b, c->names[j]);
        if (j + 1 < c->n) pad(b, w[j] - hw - (w[j] - hw) / 2);
    }
    buf_putc(b, '\n');
    for (size_t j = 0; j < c->n; j++) {
        if (j) buf_putc(b, '+');
        for (size_t k = 0; k < w[j] + 2; k++)
            buf_putc(b, '-');
    }
    buf_putc(b, '\n');
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < c->n; j++) {
            const char *s = cells[i * c->n + j];
            size_t sw = width_of(s, strlen(s));
            bool right = is_number(cJSON_GetObjectItemCaseSensitive(items[i], c->names[j]));
            buf_puts(b, j ? " | " : " ");
            if (right) pad(b, w[j] - sw);
            buf_puts(b, s);
            if (!right && j + 1 < c->n) pad(b, w[j] - sw);
        }
        buf_putc(b, '\n');
    }
    rows_footer(b, n);
    for (size_t i = 0; i < n * c->n; i++)
        free(cells[i]);
    free(cells);
    free(w);
}

static void csv(const columns_t *c, cJSON *const *items, size_t n, buf_t *b) {
    for (size_t j = 0; j < c->n; j++) {
        if (j) buf_putc(b, ',');
        out_csv_field(c->names[j], strlen(c->names[j]), b);
    }
    buf_puts(b, "\r\n");
    buf_t f;
    buf_init(&f);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < c->n; j++) {
            const cJSON *av = cJSON_GetObjectItemCaseSensitive(items[i], c->names[j]), *v;
            const char *t = av ? av_type(av, &v) : "";
            buf_reset(&f);
            if (!strcmp(t, "S") || !strcmp(t, "N") || !strcmp(t, "B"))
                put_text(&f, v);
            else if (av)
                out_value_json(av, &f);
            if (j) buf_putc(b, ',');
            out_csv_field(f.data ? f.data : "", f.len, b);
        }
        buf_puts(b, "\r\n");
    }
    buf_free(&f);
}

/* The item's attributes with o->first's names first (as the table puts its columns). */
static void put_attr(const cJSON *a, bool typed, bool *first, buf_t *b) {
    if (!*first) buf_putc(b, ',');
    *first = false;
    json_put_str(b, a->string, strlen(a->string));
    buf_putc(b, ':');
    if (!typed) {
        out_value_json(a, b);
        return;
    }
    char *s = cJSON_PrintUnformatted(a);
    buf_puts(b, s);
    free(s);
}

static void put_ordered(const out_opts_t *o, const cJSON *item, bool typed, buf_t *b) {
    const cJSON *a;
    bool first = true;
    buf_putc(b, '{');
    for (size_t f = 0; f < o->nfirst; f++) {
        a = cJSON_GetObjectItemCaseSensitive(item, o->first[f]);
        if (a) put_attr(a, typed, &first, b);
    }
    cJSON_ArrayForEach(a, item) {
        bool lead = false;
        for (size_t f = 0; f < o->nfirst && !lead; f++)
            lead = strcmp(a->string, o->first[f]) == 0;
        if (!lead) put_attr(a, typed, &first, b);
    }
    buf_putc(b, '}');
}

void out_items(const out_opts_t *o, cJSON *const *items, size_t n, buf_t *b) {
    switch (o->format) {
    case OUT_JSON:
        buf_putc(b, '[');
        for (size_t i = 0; i < n; i++) {
            if (i) buf_putc(b, ',');
            put_ordered(o, items[i], false, b);
        }
        buf_puts(b, "]\n");
        return;
    case OUT_JSONL:
    case OUT_DDBJSON:
        for (size_t i = 0; i < n; i++) {
            put_ordered(o, items[i], o->format == OUT_DDBJSON, b);
            buf_putc(b, '\n');
        }
        return;
    case OUT_CSV:
    case OUT_TABLE:
        break;
    }
    columns_t c = columns_of(o, items, n);
    if (o->format == OUT_CSV)
        csv(&c, items, n, b);
    else if (o->expanded)
        table_expanded(&c, items, n, b);
    else
        table_plain(&c, items, n, o->max_width ? o->max_width : 40, b);
    free(c.names);
}
