/* error.c: formatting of ddb_error_t and the wire shape of statuses: the
 * `__type`, the key the message travels under and the HTTP status of each
 * DynamoDB error. Pure. */
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

/* The wire shape of each status, as AWS DynamoDB answers it (bodies
 * recorded from the service: dynalite's AWS-checked tests, SDK issue
 * reports). Validation errors come from the Coral validation layer
 * (com.amazon.coral.validate), the request-level ones from the Coral
 * service framework (com.amazon.coral.service), the rest from DynamoDB
 * itself. The message key is "message" except where the exception's model
 * names it Message: SerializationException, UnknownOperationException,
 * AccessDeniedException and TransactionCanceledException. */
#define DDB_NS "com.amazonaws.dynamodb.v20120810#"
#define CORAL  "com.amazon.coral.service#"
static const struct {
    const char *type;    /* `__type` on the wire */
    const char *msg_key; /* key of the message in the body */
    int status;          /* HTTP status */
} error_types[DDB_ERR__COUNT] = {
    [DDB_ERR_VALIDATION] = {"com.amazon.coral.validate#ValidationException", "message", 400},
    [DDB_ERR_SERIALIZATION] = {CORAL "SerializationException", "Message", 400},
    [DDB_ERR_RESOURCE_NOT_FOUND] = {DDB_NS "ResourceNotFoundException", "message", 400},
    [DDB_ERR_RESOURCE_IN_USE] = {DDB_NS "ResourceInUseException", "message", 400},
    [DDB_ERR_CONDITIONAL_CHECK] = {DDB_NS "ConditionalCheckFailedException", "message", 400},
    [DDB_ERR_LIMIT_EXCEEDED] = {DDB_NS "LimitExceededException", "message", 400},
    [DDB_ERR_UNKNOWN_OPERATION] = {CORAL "UnknownOperationException", "Message", 400},
    [DDB_ERR_MISSING_AUTH] = {CORAL "MissingAuthenticationTokenException", "message", 400},
    [DDB_ERR_INCOMPLETE_SIGNATURE] = {CORAL "IncompleteSignatureException", "message", 400},
    [DDB_ERR_ACCESS_DENIED] = {CORAL "AccessDeniedException", "Message", 400},
    [DDB_ERR_UNRECOGNIZED_CLIENT] = {CORAL "UnrecognizedClientException", "message", 400},
    [DDB_ERR_INVALID_SIGNATURE] = {CORAL "InvalidSignatureException", "message", 400},
    [DDB_ERR_REQUEST_TOO_LARGE] = {CORAL "RequestEntityTooLargeException", "message", 413},
    [DDB_ERR_TRANSACTION_CANCELED] = {DDB_NS "TransactionCanceledException", "Message", 400},
    [DDB_ERR_TRANSACTION_CONFLICT] = {DDB_NS "TransactionConflictException", "message", 400},
    [DDB_ERR_IDEMPOTENT_MISMATCH] = {DDB_NS "IdempotentParameterMismatchException", "message", 400},
    [DDB_ERR_EXPIRED_ITERATOR] = {DDB_NS "ExpiredIteratorException", "message", 400},
    [DDB_ERR_TRIMMED_DATA] = {DDB_NS "TrimmedDataAccessException", "message", 400},
    [DDB_ERR_BACKUP_NOT_FOUND] = {DDB_NS "BackupNotFoundException", "message", 400},
    [DDB_ERR_BACKUP_IN_USE] = {DDB_NS "BackupInUseException", "message", 400},
    [DDB_ERR_TABLE_NOT_FOUND] = {DDB_NS "TableNotFoundException", "message", 400},
    [DDB_ERR_TABLE_ALREADY_EXISTS] = {DDB_NS "TableAlreadyExistsException", "message", 400},
    [DDB_ERR_TABLE_IN_USE] = {DDB_NS "TableInUseException", "message", 400},
    [DDB_ERR_PITR_UNAVAILABLE] = {DDB_NS "PointInTimeRecoveryUnavailableException", "message", 400},
    [DDB_ERR_INVALID_RESTORE_TIME] = {DDB_NS "InvalidRestoreTimeException", "message", 400},
    [DDB_ERR_CONTINUOUS_BACKUPS_UNAVAILABLE] = {DDB_NS "ContinuousBackupsUnavailableException",
                                                "message", 400},
    [DDB_ERR_INTERNAL] = {DDB_NS "InternalServerError", "message", 500},
    [DDB_ERR_DUPLICATE_ITEM] = {DDB_NS "DuplicateItemException", "message", 400},
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

const char *ddb_error_message_key(ddb_status_t code) {
    return error_types[known(code)].msg_key;
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
