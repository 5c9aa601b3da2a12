/* crc32.h: CRC32 (IEEE 802.3, as zlib's crc32) of a buffer: the value of the
 * x-amz-crc32 header of DynamoDB responses. Pure; safe from any thread. */
#ifndef DDB_QUERY_CRC32_H
#define DDB_QUERY_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* CRC32 of buf[0..len), by carry-less multiplication folding where the CPU
 * has PCLMULQDQ, else by slicing-by-8 tables. */
uint32_t ddb_crc32(const void *buf, size_t len);

/* The same through the tables only (the fallback where the CPU lacks
 * carry-less multiplication; for tests). */
uint32_t ddb_crc32_tables(const void *buf, size_t len);

#endif
