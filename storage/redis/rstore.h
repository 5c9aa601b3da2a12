/* rstore.h: a table's items on the Redis Cluster, bucket by bucket (the data
 * layout of the cluster backend): items are spread over a table's fixed
 * number of buckets by a hash of their partition key's encoding, and every
 * key of a bucket carries the bucket's hash tag "{t<table>:<bucket>}", so a
 * partition always lives in one slot. Writes go through the ddb_apply
 * function (storage/redis/ddb.lua): conditional on the versions the caller
 * read, atomic over several items of one bucket, with their TTL entries,
 * local index entries and change records. Item keys and bodies are opaque
 * bytes here (the codec's memcmp-ordered keys and item encoding). */
#ifndef DDB_RSTORE_H
#define DDB_RSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/redis/rc.h"

#define RS_LIBRARY_VERSION 9  /* ddb_version of storage/redis/ddb.lua */
#define RS_TXID_LEN        32 /* a transaction id's length at most */

/* A key set: the prefix of its keys, which starts with the hash tag of its
 * slot: a table's bucket "{t17:5}", or local index 42's entries in that
 * bucket "{t17:5}l42." (the same slot, so written in one step with the
 * items). */
typedef struct rs_bucket {
    char tag[40];
    size_t len;
} rs_bucket_t;

void rs_bucket_name(rs_bucket_t *b, uint32_t table, uint32_t bucket);
void rs_bucket_local(rs_bucket_t *b, uint32_t table, uint32_t bucket, uint32_t index);
/* Whether two key sets are in one slot (share their hash tag). */
bool rs_same_slot(const rs_bucket_t *a, const rs_bucket_t *b);

/* A key set's keys, after its prefix, in ddb.lua's KEYS order. */
#define RS_BUCKET_KEYS 10
extern const char *const rs_bucket_suffix[RS_BUCKET_KEYS];

/* Makes every master run this build's ddb function library: loads it
 * (FUNCTION LOAD REPLACE) where ddb_version is missing or older; fails
 * (DDB_ERR_INTERNAL) where it is newer (a newer ddbd owns the cluster). */
int rs_load_functions(rc_conn_t *k, ddb_error_t *err);

/* An item's body (*body, the caller's to freeReplyObject; NULL when the
 * item does not exist), version (0 when it does not exist) and, in holder
 * (may be NULL), the id of the transaction holding it ("" when none; then
 * its state may be about to change: see rtx.h). */
int rs_get(rc_conn_t *k, const rs_bucket_t *b, const void *key, size_t klen, redisReply **body,
           uint64_t *version, char holder[RS_TXID_LEN + 1], ddb_error_t *err);

typedef enum rs_op { RS_PUT, RS_DELETE, RS_CHECK } rs_op_t;

/* One item of an rs_apply or rs_prepare. */
typedef struct rs_write {
    size_t set;      /* the call's key set it is in (an index into sets) */
    const void *key; /* the item's key (its sorted-set member) */
    size_t klen;
    uint64_t expect; /* the version the caller read (0: absent) */
    bool blind;      /* any version will do (an index entry, which follows its item) */
    rs_op_t op;      /* put body, delete, or only check the version (transactions) */
    const void *body;
    size_t blen;
    int64_t expiry_s;   /* TTL: expiry time in seconds; < 0: none */
    const void *record; /* its change record (NULL: none) */
    size_t rlen;
    int64_t dsize;      /* how its key set's size in bytes changes with it */
    bool hist;          /* its item's state before goes to the key set's history (PITR) */
    uint64_t version;   /* out: the item's new version */
    char stream_id[48]; /* out: its change record's stream id ("" when none) */
} rs_write_t;

/* Writes w[0..n), each in its key set of sets[0..nsets) (all of one slot),
 * all or none. stream_keep_ms trims the key sets' change records older
 * than that many ms, roughly (0: no trim). Fails with DDB_ERR_TRANSACTION_CONFLICT, writing
 * nothing, when an item is at another version than w[i].expect or a transaction holds it: *conflict
 * = i (may be NULL) and holder (may be NULL) the transaction's id ("" for a version mismatch): the
 * caller reads again and retries (after rtx_resolve, for a holder). */
int rs_apply(rc_conn_t *k, const rs_bucket_t *sets, size_t nsets, rs_write_t *w, size_t n,
             size_t stream_keep_ms, size_t *conflict, char *holder, ddb_error_t *err);

/* Phase one of transaction txid in one slot: checks w[0..n) as rs_apply
 * does (same failures) and holds the items for txid, keeping the writes
 * (with their versions still unassigned) in sets[0] for rs_finish. */
int rs_prepare(rc_conn_t *k, const rs_bucket_t *sets, size_t nsets, const char *txid,
               const rs_write_t *w, size_t n, size_t *conflict, char *holder, ddb_error_t *err);

/* Phase two in one slot, given the key sets it was prepared with (in the
 * same order): applies txid's prepared writes (commit) or drops them
 * (abort), releasing its items. *done: txid held something here (else it
 * was finished before: finishing is idempotent). With commit and w (the n
 * writes prepared here), their versions and stream ids are filled. */
int rs_finish(rc_conn_t *k, const rs_bucket_t *sets, size_t nsets, const char *txid, bool commit,
              size_t stream_keep_ms, rs_write_t *w, size_t n, bool *done, ddb_error_t *err);

/* Item keys of a bucket in [lo, hi] (lo/hi NULL: unbounded; *_incl: the
 * bound itself included) in key order, or reverse order, at most limit of
 * them (0: all): *out is an array reply of the keys, or with bodies of
 * {key, body} pairs flattened (2 elements an item), the caller's to free. */
int rs_range(rc_conn_t *k, const rs_bucket_t *b, const void *lo, size_t lolen, bool lo_incl,
             const void *hi, size_t hilen, bool hi_incl, bool reverse, size_t limit, bool bodies,
             redisReply **out, ddb_error_t *err);

/* A bucket's item count and total size in bytes (the sizes its writes gave). */
int rs_stats(rc_conn_t *k, const rs_bucket_t *b, uint64_t *count, int64_t *bytes, ddb_error_t *err);

#endif
