/* error.h: the error value every ddb layer returns.
 *
 * Functions return 0 on success or a ddb_status_t; the human message and the
 * DynamoDB exception it maps to travel in a caller-supplied ddb_error_t.
 * Pure: no I/O. ddb_error_type/ddb_error_http_status map a status to the
 * wire's `__type`, message key and HTTP status (and ddb_error_from_type back, for clients). */
#ifndef DDB_ERROR_H
#define DDB_ERROR_H

#include <stddef.h>

typedef enum ddb_status {
    DDB_OK = 0,
    DDB_ERR_VALIDATION,           /* ValidationException, 400 */
    DDB_ERR_SERIALIZATION,        /* SerializationException (bad JSON shape), 400 */
    DDB_ERR_RESOURCE_NOT_FOUND,   /* ResourceNotFoundException, 400 */
    DDB_ERR_RESOURCE_IN_USE,      /* ResourceInUseException, 400 */
    DDB_ERR_CONDITIONAL_CHECK,    /* ConditionalCheckFailedException, 400 */
    DDB_ERR_LIMIT_EXCEEDED,       /* LimitExceededException, 400 */
    DDB_ERR_UNKNOWN_OPERATION,    /* UnknownOperationException, 400 */
    DDB_ERR_MISSING_AUTH,         /* MissingAuthenticationTokenException, 400 */
    DDB_ERR_INCOMPLETE_SIGNATURE, /* IncompleteSignatureException, 400 */
    DDB_ERR_ACCESS_DENIED,        /* AccessDeniedException, 400 */
    DDB_ERR_UNRECOGNIZED_CLIENT,  /* UnrecognizedClientException (unknown access key), 400 */
    DDB_ERR_INVALID_SIGNATURE,    /* InvalidSignatureException (mismatch, clock), 400 */
    DDB_ERR_REQUEST_TOO_LARGE,    /* request body over the limit, 413 */
    DDB_ERR_TRANSACTION_CANCELED, /* TransactionCanceledException, 400 */
    DDB_ERR_TRANSACTION_CONFLICT, /* TransactionConflictException, 400 */
    DDB_ERR_IDEMPOTENT_MISMATCH,  /* IdempotentParameterMismatchException, 400 */
    DDB_ERR_EXPIRED_ITERATOR,     /* ExpiredIteratorException, 400 */
    DDB_ERR_TRIMMED_DATA,         /* TrimmedDataAccessException, 400 */
    DDB_ERR_BACKUP_NOT_FOUND,     /* BackupNotFoundException, 400 */
    DDB_ERR_BACKUP_IN_USE,        /* BackupInUseException, 400 */
    DDB_ERR_TABLE_NOT_FOUND,      /* TableNotFoundException (backup/restore APIs), 400 */
    DDB_ERR_TABLE_ALREADY_EXISTS, /* TableAlreadyExistsException (restores), 400 */
    DDB_ERR_TABLE_IN_USE,         /* TableInUseException (backup/restore APIs), 400 */
    DDB_ERR_PITR_UNAVAILABLE,     /* PointInTimeRecoveryUnavailableException, 400 */
    DDB_ERR_INVALID_RESTORE_TIME, /* InvalidRestoreTimeException, 400 */
    DDB_ERR_CONTINUOUS_BACKUPS_UNAVAILABLE, /* ContinuousBackupsUnavailableException, 400 */
    DDB_ERR_INTERNAL,                       /* InternalServerError, 500 */
    DDB_ERR_DUPLICATE_ITEM, /* DuplicateItemException (PartiQL INSERT of an existing key), 400 */
    DDB_ERR__COUNT
} ddb_status_t;

typedef struct ddb_error {
    ddb_status_t code;
    char msg[1024];
} ddb_error_t;

/* Sets err (when not NULL) and returns code, so callers can write
 * `return ddb_error_set(err, DDB_ERR_VALIDATION, "...%s", x);`. */
int ddb_error_set(ddb_error_t *err, ddb_status_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears err to DDB_OK with an empty message. */
void ddb_error_clear(ddb_error_t *err);

/* The `__type` of a status on the wire, e.g.
 * "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException" (unknown codes:
 * InternalServerError's). */
const char *ddb_error_type(ddb_status_t code);

/* The key DynamoDB sends the message of a status under: "message" for
 * most, "Message" for the few whose model spells it so. */
const char *ddb_error_message_key(ddb_status_t code);

/* The HTTP status DynamoDB answers a status with (400, 413 or 500). */
int ddb_error_http_status(ddb_status_t code);

/* The status a `__type` names (with or without its namespace before '#');
 * DDB_ERR_INTERNAL for a type ddb does not know. For clients. */
ddb_status_t ddb_error_from_type(const char *type, size_t len);

#endif
