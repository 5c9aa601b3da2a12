/* tablerec.h: the table record's encoding (see tablerec.c), shared by the
 * RocksDB catalog, the cluster's catalog and backups. Pure. */
#ifndef DDB_STORAGE_TABLEREC_H
#define DDB_STORAGE_TABLEREC_H

#include "storage/codec.h"

/* A table record's value and back: everything of ddb_table_info_t but the
 * name and statistics; decoded strings point into the arena or p. */
void ddb__encode_table(bytes_t *out, const ddb_table_info_t *t);
int ddb__decode_table(const uint8_t *p, size_t len, ddb_arena_t *a, ddb_table_info_t *t,
                      ddb_error_t *err);

#endif
