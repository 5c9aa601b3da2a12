/* shim.h: a thin C layer between the C++ Google Benchmark driver (micro.cc)
 * and libddb's C API, so the benchmark never includes ddb's C headers. Each
 * function performs one operation on state prepared by shim_open. */
#ifndef DDB_BENCH_SHIM_H
#define DDB_BENCH_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opens an in-memory engine with one PK/SK table holding users x 10 items
 * of ~200 bytes. Returns 0 on success. */
int shim_open(int users);
void shim_close(void);

size_t shim_key_encode(uint64_t i); /* encodes the key of item i, returns its length */
int shim_key_decode(uint64_t i);    /* decodes it back (0 on success) */
int shim_num_parse(uint64_t i);     /* parses a 20-digit decimal */
int shim_num_cmp(uint64_t i);       /* compares two parsed numbers */
int shim_expr_parse(void);          /* parses a typical condition expression */
int shim_expr_eval(void);           /* evaluates it against an item */
int shim_put(uint64_t i);           /* PutItem of item i (a new value each time) */
int shim_get(uint64_t i);           /* GetItem of item i */
size_t shim_query(uint64_t user);   /* one user's 10 items with begins_with; returns the count */

#ifdef __cplusplus
}
#endif
#endif
