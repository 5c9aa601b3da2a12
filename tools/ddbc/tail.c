/* tail.c: TAIL (tail.h). One libddbstreams consumer with no lease table reads every shard
 * of the table's stream in order; each record is printed as it arrives (a line a change:
 * readable in the table format, a JSON object otherwise) and flushed, until Ctrl-C. */
#include "tools/ddbc/tail.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "query/buf.h"
#include "streams/dds.h"
#include "tools/ddbc/lang.h"

/* One image (DynamoDB JSON text) as plain JSON into b; "null" when absent. */
static void image(buf_t *b, const char *json, size_t len, bool readable) {
    cJSON *item = json ? cJSON_ParseWithLength(json, len) : NULL;
    if (!item) {
        buf_puts(b, "null");
        return;
    }
    if (readable) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddItemToObject(m, "M", item);
        out_value_text(m, false, b);
        cJSON_Delete(m);
        return;
    }
    out_item_json(item, b);
    cJSON_Delete(item);
}

static void print_record(session_t *s, const dds_record *r) {
    buf_t b;
    buf_init(&b);
    size_t kl = 0, nl = 0, ol = 0;
    const char *k = dds_record_keys_json(r, &kl), *n = dds_record_new_json(r, &nl),
               *o = dds_record_old_json(r, &ol);
    if (s->format == OUT_TABLE) {
        char when[32] = "";
        time_t t = (time_t)(dds_record_time_ms(r) / 1000);
        struct tm tm;
        if (gmtime_r(&t, &tm)) strftime(when, sizeof when, "%H:%M:%S", &tm);
        buf_printf(&b, "%s %-6s%s ", when, dds_record_event_name(r),
                   dds_record_is_ttl(r) ? " (TTL)" : "");
        image(&b, k, kl, true);
        if (o) {
            buf_puts(&b, "  old: ");
            image(&b, o, ol, true);
        }
        if (n) {
            buf_puts(&b, "  new: ");
            image(&b, n, nl, true);
        }
    } else {
        buf_printf(&b, "{\"event\":\"%s\",\"seq\":\"%s\",\"time_ms\":%lld,\"keys\":",
                   dds_record_event_name(r), dds_record_seq(r), (long long)dds_record_time_ms(r));
        image(&b, k, kl, false);
        buf_puts(&b, ",\"old\":");
        image(&b, o, ol, false);
        buf_puts(&b, ",\"new\":");
        image(&b, n, nl, false);
        buf_putc(&b, '}');
    }
    buf_putc(&b, '\n');
    ss_print(b.data, b.len);
    buf_free(&b);
}

int tail_run(session_t *s, const char *text, size_t len, size_t rest) {
    lx_tok_t t = lx_next(text, len, rest);
    char table[256];
    if (t.kind != LX_WORD && t.kind != LX_QUOTED) {
        ss_error_at(text, len, t.pos, NULL, "expected a table name after TAIL");
        return -1;
    }
    lx_name(&t, table, sizeof table);
    dds_config cfg = {0};
    cfg.endpoint = *s->endpoint ? s->endpoint : NULL;
    cfg.region = *s->region ? s->region : NULL;
    cfg.profile = *s->profile ? s->profile : NULL;
    cfg.table = table;
    cfg.start = DDS_LATEST;
    t = lx_next(text, len, t.pos + t.len);
    if (lx_is(&t, "FROM")) {
        t = lx_next(text, len, t.pos + t.len);
        if (lx_is(&t, "TRIM_HORIZON"))
            cfg.start = DDS_TRIM_HORIZON;
        else if (!lx_is(&t, "LATEST")) {
            ss_error_at(text, len, t.pos, NULL, "expected TRIM_HORIZON or LATEST");
            return -1;
        }
        t = lx_next(text, len, t.pos + t.len);
    }
    if (t.kind != LX_EOF) {
        ss_error_at(text, len, t.pos, NULL, "expected FROM TRIM_HORIZON|LATEST or the end");
        return -1;
    }
    dds_error err = {0};
    dds_consumer *c = dds_open(&cfg, &err);
    if (!c) {
        ss_error(err.type, "%s", err.message);
        return -1;
    }
    if (s->tty) fprintf(stderr, "-- following %s (Ctrl-C stops)\n", dds_stream_arn(c));
    int rc = 0;
    while (!atomic_load(&s->stop)) {
        dds_batch *b = NULL;
        int got = dds_next(c, &b, 200);
        if (got == 1) {
            for (size_t i = 0; i < dds_batch_len(b); i++)
                print_record(s, dds_batch_at(b, i));
            dds_batch_free(b);
        } else if (got < 0) {
            const dds_error *e = dds_last_error(c);
            if (got == DDS_ENOSTREAM || got == DDS_ECLOSED || got == DDS_EAUTH) {
                ss_error(e->type, "%s", e->message);
                rc = -1;
                break;
            }
            fprintf(stderr, "-- %s: %s\n", dds_code_name(got), e->message);
        }
    }
    dds_close(c);
    if (s->tty && atomic_load(&s->stop)) fputc('\n', stdout); /* past the terminal's ^C */
    return rc;
}
