/* error.c: formatting of ddb_error_t and the wire names of statuses (the
 * `__type` and HTTP status of each DynamoDB error). Pure. */
#include "query/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ddb_error_set(ddb_error_t *err, ddb_status_t code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return (int)code;
}

void ddb_error_clear(ddb_error_t *err) {
    if (!err) return;
    err->code = DDB_OK;
    err->msg[0] = '\0';
}

static const struct {
    const char *type;
    int status;
} error_types[DDB_ERR__COUNT] = {
    [DDB_ERR_VALIDATION] = {"com.amazonaws.dynamodb.v20120810#ValidationException", 400},
    [DDB_ERR_SERIALIZATION] = {"com.amazon.coral.service#SerializationException", 400},
    [DDB_ERR_RESOURCE_NOT_FOUND] = {"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
                                    400},
    [DDB_ERR_RESOURCE_IN_USE] = {"com.amazonaws.dynamodb.v20120810#ResourceInUseException", 400},
    [DDB_ERR_CONDITIONAL_CHECK] =
        {"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", 400},
    [DDB_ERR_LIMIT_EXCEEDED] = {"com.amazonaws.dynamodb.v20120810#LimitExceededException", 400},
    [DDB_ERR_UNKNOWN_OPERATION] = {"com.amazon.coral.service#UnknownOperationException", 400},
    [DDB_ERR_MISSING_AUTH] = {"com.amazon.coral.service#MissingAuthenticationTokenException", 400},
    [DDB_ERR_INCOMPLETE_SIGNATURE] = {"com.amazon.coral.service#IncompleteSignatureException", 400},
    [DDB_ERR_ACCESS_DENIED] = {"com.amazon.coral.service#AccessDeniedException", 400},
    [DDB_ERR_UNRECOGNIZED_CLIENT] = {"com.amazon.coral.service#UnrecognizedClientException", 400},
    [DDB_ERR_INVALID_SIGNATURE] = {"com.amazon.coral.service#InvalidSignatureException", 400},
    [DDB_ERR_REQUEST_TOO_LARGE] = {"com.amazon.coral.service#RequestEntityTooLargeException", 413},
    [DDB_ERR_TRANSACTION_CANCELED] =
        {"com.amazonaws.dynamodb.v20120810#TransactionCanceledException", 400},
    [DDB_ERR_TRANSACTION_CONFLICT] =
        {"com.amazonaws.dynamodb.v20120810#TransactionConflictException", 400},
    [DDB_ERR_IDEMPOTENT_MISMATCH] =
        {"com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException", 400},
    [DDB_ERR_EXPIRED_ITERATOR] = {"com.amazonaws.dynamodb.v20120810#ExpiredIteratorException", 400},
    [DDB_ERR_TRIMMED_DATA] = {"com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException", 400},
    [DDB_ERR_BACKUP_NOT_FOUND] = {"com.amazonaws.dynamodb.v20120810#BackupNotFoundException", 400},
    [DDB_ERR_BACKUP_IN_USE] = {"com.amazonaws.dynamodb.v20120810#BackupInUseException", 400},
    [DDB_ERR_TABLE_NOT_FOUND] = {"com.amazonaws.dynamodb.v20120810#TableNotFoundException", 400},
    [DDB_ERR_TABLE_ALREADY_EXISTS] =
        {"com.amazonaws.dynamodb.v20120810#TableAlreadyExistsException", 400},
    [DDB_ERR_TABLE_IN_USE] = {"com.amazonaws.dynamodb.v20120810#TableInUseException", 400},
    [DDB_ERR_PITR_UNAVAILABLE] =
        {"com.amazonaws.dynamodb.v20120810#PointInTimeRecoveryUnavailableException", 400},
    [DDB_ERR_INVALID_RESTORE_TIME] =
        {"com.amazonaws.dynamodb.v20120810#InvalidRestoreTimeException", 400},
    [DDB_ERR_CONTINUOUS_BACKUPS_UNAVAILABLE] =
        {"com.amazonaws.dynamodb.v20120810#ContinuousBackupsUnavailableException", 400},
    [DDB_ERR_INTERNAL] = {"com.amazonaws.dynamodb.v20120810#InternalServerError", 500},
    [DDB_ERR_DUPLICATE_ITEM] = {"com.amazonaws.dynamodb.v20120810#DuplicateItemException", 400},
};

/* An unknown or out-of-range code is reported as InternalServerError. */
static ddb_status_t known(ddb_status_t code) {
    if (code <= DDB_OK || code >= DDB_ERR__COUNT || !error_types[code].type)
        return DDB_ERR_INTERNAL;
    return code;
}

const char *ddb_error_type(ddb_status_t code) {
    return error_types[known(code)].type;
}

int ddb_error_http_status(ddb_status_t code) {
    return error_types[known(code)].status;
}

ddb_status_t ddb_error_from_type(const char *type, size_t len) {
    /* the part after '#' names the exception, whatever the namespace */
    const char *hash = memchr(type, '#', len);
    if (hash) {
        len -= (size_t)(hash + 1 - type);
        type = hash + 1;
    }
    for (int c = 1; c < DDB_ERR__COUNT; c++) {
        const char *t = error_types[c].type;
        if (!t) continue;
        const char *name = strchr(t, '#') + 1;
        if (strlen(name) == len && memcmp(name, type, len) == 0) return (ddb_status_t)c;
    }
    return DDB_ERR_INTERNAL;
}
