/* streams.h: streams and TTL at the protocol level (ops_streams.c,
 * ops_ttl.c): StreamSpecification, the stream members of table
 * descriptions, and the DynamoDB Streams API operations. */
#ifndef DDB_STREAMS_H
#define DDB_STREAMS_H

#include "server/ddbd.h"

const char *ddbd_view_name(ddb_stream_view_t v);
ddb_stream_view_t ddbd_view_parse(const char *s, size_t len);

/* A stream's label: its creation time as 2026-11-25T08:27:01.775 (UTC). */
void ddbd_stream_label(char out[32], int64_t created_ms);

/* Parses and checks a StreamSpecification. */
int ddbd_parse_stream_spec(ddbd_req_t *r, const cJSON *spec, bool *enabled, ddb_stream_view_t *view);

/* Writes ,"StreamSpecification":...,"LatestStreamLabel":...,"LatestStreamArn":... for t. */
void ddbd_put_stream_desc(ddbd_req_t *r, const ddb_table_info_t *t);

#endif
