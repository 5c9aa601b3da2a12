/* streams.h: streams and TTL at the protocol level (ops_streams.c,
 * ops_ttl.c): StreamSpecification, the stream members of table
 * descriptions, and the DynamoDB Streams API operations (whose logic is
 * streams/api.c; names and labels are streams/wire.h's). */
#ifndef DDB_STREAMS_H
#define DDB_STREAMS_H

#include "server/ddbd.h"
#include "streams/wire.h"

/* The server's names for streams/wire.h's view names and labels. */
static inline const char *ddbd_view_name(ddb_stream_view_t v) {
    return sw_view_name((sw_view_t)v);
}

static inline ddb_stream_view_t ddbd_view_parse(const char *s, size_t len) {
    return (ddb_stream_view_t)sw_view_parse(s, len);
}

/* A stream's label: its creation time as 2026-11-25T08:27:01.775 (UTC). */
static inline void ddbd_stream_label(char out[32], int64_t created_ms) {
    sw_stream_label(out, created_ms);
}

/* Parses and checks a StreamSpecification. */
int ddbd_parse_stream_spec(ddbd_req_t *r, const cJSON *spec, bool *enabled,
                           ddb_stream_view_t *view);

/* Writes ,"StreamSpecification":...,"LatestStreamLabel":...,"LatestStreamArn":... for t. */
void ddbd_put_stream_desc(ddbd_req_t *r, const ddb_table_info_t *t);

#endif
