/* rc.h: ddbd's Redis Cluster client, on top of hiredis (whose Debian version
 * has no cluster support): hash slots, the slot map, routing of commands to
 * the master of their key's slot, MOVED/ASK redirections, TRYAGAIN and
 * CLUSTERDOWN waits across a failover, reconnects, pipelining across nodes,
 * and WAIT after writes (the replica acknowledgement of the durability rule).
 *
 * Two objects: an rc_cluster_t (shared by every thread: the seed addresses
 * and the slot map, behind a mutex) and an rc_conn_t (one thread's
 * connections, one per node). Calls block the calling thread on the network;
 * an rc_conn_t belongs to one thread at a time.
 *
 * The pure part (rc_key_slot, rc_url_parse) needs no server. */
#ifndef DDB_RC_H
#define DDB_RC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "query/error.h"

#define RC_SLOTS     16384
#define RC_NODES_MAX 64 /* nodes of a cluster the client knows at most */

/* One node's address. */
typedef struct rc_addr {
    char host[64];
    int port;
} rc_addr_t;

/* The hash slot of a key: CRC16 (XMODEM) of the key, or of its hash tag
 * (the bytes between the first '{' and the next '}', when not empty), mod
 * 16384. */
uint16_t rc_key_slot(const void *key, size_t len);

/* Parses "redis-cluster://HOST:PORT[,HOST:PORT...]" into out[0..*n). Fails
 * (DDB_ERR_VALIDATION, a sentence) on another scheme, an empty list, a bad
 * port, a host longer than 63 bytes or more than cap addresses. */
int rc_url_parse(const char *url, rc_addr_t *out, size_t cap, size_t *n, ddb_error_t *err);

typedef struct rc_opts {
    int connect_timeout_ms; /* per connection attempt (0: 1000) */
    int command_timeout_ms; /* per reply (0: 5000) */
    int failover_wait_ms;   /* how long a command keeps retrying through CLUSTERDOWN,
                             * TRYAGAIN and unreachable masters (0: 15000) */
    int wait_replicas;      /* replicas WAIT must see after a write (0: none) */
    int wait_timeout_ms;    /* WAIT's timeout (0: 1000) */
} rc_opts_t;

typedef struct rc_cluster rc_cluster_t;

/* Connects to the seeds of url and reads the slot map. Fails
 * (DDB_ERR_INTERNAL) when no seed answers CLUSTER SLOTS with a map covering
 * every slot. */
int rc_cluster_open(const char *url, const rc_opts_t *opts, rc_cluster_t **out, ddb_error_t *err);

/* Reads the slot map again from any node that answers (after a MOVED, a
 * failover). */
int rc_cluster_refresh(rc_cluster_t *c, ddb_error_t *err);

/* The address of the master serving a slot now (copied out). */
void rc_cluster_master(rc_cluster_t *c, uint16_t slot, rc_addr_t *out);

/* The masters as the slot map names them, in slot order (at most cap). */
size_t rc_cluster_masters(rc_cluster_t *c, rc_addr_t *out, size_t cap);

/* Frees the cluster; no rc_conn_t of it may be in use. NULL is fine. */
void rc_cluster_close(rc_cluster_t *c);

typedef struct rc_conn rc_conn_t;

rc_conn_t *rc_conn_create(rc_cluster_t *c);
void rc_conn_destroy(rc_conn_t *k);

/* One command of a batch. key chooses the slot (it need not be an argument);
 * argv/argvlen are the command's words. After rc_exec, reply is the
 * command's own reply (an error reply included, e.g. a script's error), the
 * caller's to freeReplyObject; NULL when the command could not be run. */
typedef struct rc_cmd {
    const void *key; /* routing key */
    size_t klen;
    int argc;
    const char **argv;
    const size_t *argvlen;
    bool write;      /* followed by WAIT (opts.wait_replicas > 0) */
    bool idempotent; /* may be sent again when its connection broke before its reply */
    redisReply *reply;
} rc_cmd_t;

/* Runs cmds[0..n): all of them pipelined, every node's share sent before any
 * reply is read, following MOVED/ASK and retrying through failovers (up to
 * failover_wait_ms). Fails with DDB_ERR_INTERNAL when a command could not be
 * run (its reply stays NULL): no node serves its slot within the wait, or its
 * connection broke after it was sent and it is not idempotent (it may or may
 * not have been applied: the message says so), or a write's WAIT saw fewer
 * replicas than asked (applied on the master, not yet acknowledged by a
 * replica). Commands that did run keep their replies either way. */
int rc_exec(rc_conn_t *k, rc_cmd_t *cmds, size_t n, ddb_error_t *err);

/* rc_exec of one command given as words; *reply as in rc_cmd_t. */
int rc_command(rc_conn_t *k, const void *key, size_t klen, bool write, int argc, const char **argv,
               const size_t *argvlen, redisReply **reply, ddb_error_t *err);

/* One command to one node, not routed or retried (administration: FUNCTION
 * LOAD, INFO); *reply as in rc_cmd_t. Fails (DDB_ERR_INTERNAL) when the node
 * cannot be reached or its connection breaks. */
int rc_node_command(rc_conn_t *k, const rc_addr_t *node, int argc, const char **argv,
                    const size_t *argvlen, redisReply **reply, ddb_error_t *err);

/* The cluster a connection set belongs to. */
rc_cluster_t *rc_conn_cluster(rc_conn_t *k);

/* Sends one command to every master (FUNCTION LOAD, FLUSHALL in tests);
 * fails on the first master that cannot run it or answers an error (its
 * message copied into err). */
int rc_each_master(rc_conn_t *k, int argc, const char **argv, const size_t *argvlen,
                   ddb_error_t *err);

#endif
