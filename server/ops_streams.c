/* ops_streams.c: the server's side of DynamoDB Streams: the stream members
 * of table descriptions (StreamSpecification, LatestStreamArn/Label), the
 * parsing of a StreamSpecification, and the DynamoDB Streams API operations
 * (X-Amz-Target DynamoDBStreams_20120810.*), which hand the request body to
 * streams/api.c with what it needs of the request. No stream logic here. */
#include <string.h>

#include "query/params.h"
#include "server/streams.h"
#include "streams/api.h"

void ddbd_put_stream_desc(ddbd_req_t *r, const ddb_table_info_t *t) {
    buf_t *b = r->out;
    if (t->stream.enabled) {
        buf_printf(b, ",\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"%s\"}",
                   ddbd_view_name(t->stream.view));
    }
    if (t->stream.id) {
        char label[SW_LABEL_SIZE];
        sw_stream_label(label, t->stream.created_ms);
        buf_printf(b, ",\"LatestStreamLabel\":\"%s\",\"LatestStreamArn\":\"", label);
        sw_put_stream_arn(b, r->region, DDBD_ACCOUNT, t->name, t->name_len, t->stream.created_ms);
        buf_putc(b, '"');
    }
}

int ddbd_parse_stream_spec(ddbd_req_t *r, const cJSON *spec, bool *enabled,
                           ddb_stream_view_t *view) {
    bool en = false, present = false;
    const char *vt;
    size_t vl;
    int rc = p_bool(spec, "StreamEnabled", &en, &present, r->err);
    if (!rc) rc = p_str(spec, "StreamViewType", &vt, &vl, r->err);
    if (rc) return rc;
    if (!present) {
        return p_error_not_null(r->err, "streamSpecification.streamEnabled");
    }
    *view = 0;
    if (vt) {
        *view = ddbd_view_parse(vt, vl);
        if (!*view) {
            return ddb_error_set(r->err, DDB_ERR_VALIDATION, "Invalid StreamViewType: %.*s",
                                 (int)(vl > 100 ? 100 : vl), vt);
        }
    }
    if (en && !vt) {
        return ddb_error_set(
            r->err, DDB_ERR_VALIDATION,
            "Invalid StreamViewType: Stream ViewType must not be null or empty when "
            "enabling streams.");
    }
    if (!en && vt) {
        return ddb_error_set(r->err, DDB_ERR_VALIDATION,
                             "Invalid StreamViewType: Stream StreamEnabled was false but a "
                             "StreamViewType was present.");
    }
    *enabled = en;
    return 0;
}

/* ---- the Streams API: streams/api.c, given what it needs of the request ---------- */

static sapi_ctx_t stream_ctx(const ddbd_req_t *r) {
    return (sapi_ctx_t){.engine = r->srv->engine,
                        .arena = r->arena,
                        .region = r->region,
                        .ns = ddbd_region_ns(r->srv, r->region),
                        .shared_regions = r->srv->shared_regions,
                        .account = DDBD_ACCOUNT,
                        .iterator_ttl_ms = r->srv->iterator_ttl_ms,
                        .err = r->err};
}

int op_list_streams(ddbd_req_t *r) {
    sapi_ctx_t c = stream_ctx(r);
    return sapi_list_streams(&c, r->in, r->out);
}

int op_describe_stream(ddbd_req_t *r) {
    sapi_ctx_t c = stream_ctx(r);
    return sapi_describe_stream(&c, r->in, r->out);
}

int op_get_shard_iterator(ddbd_req_t *r) {
    sapi_ctx_t c = stream_ctx(r);
    return sapi_get_shard_iterator(&c, r->in, r->out);
}

int op_get_records(ddbd_req_t *r) {
    sapi_ctx_t c = stream_ctx(r);
    return sapi_get_records(&c, r->in, r->out);
}
