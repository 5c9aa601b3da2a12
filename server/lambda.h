/* lambda.h: the Lambda API's event-source-mapping operations served on
 * ddbd's port (REST under /2015-03-31/event-source-mappings/): the
 * handlers (ops_lambda.c) and the validation of a Create/Update request
 * into a mapping (lambda_params.c), with Lambda's error types and
 * messages. Handlers run on a loop thread: engine reads and the small
 * ddb_kv writes only, never a function invocation. */
#ifndef DDB_SERVER_LAMBDA_H
#define DDB_SERVER_LAMBDA_H

#include <stdbool.h>

#include "server/ddbd.h"
#include "streams/esm.h"

/* The operations (ops_lambda.c); each returns 0 or the status set in r->err. */
int op_lambda_create_esm(ddbd_rest_req_t *r); /* POST   /2015-03-31/event-source-mappings/ */
int op_lambda_list_esms(ddbd_rest_req_t *r);  /* GET    /2015-03-31/event-source-mappings/ */
int op_lambda_get_esm(ddbd_rest_req_t *r);    /* GET    /2015-03-31/event-source-mappings/{UUID} */
int op_lambda_update_esm(ddbd_rest_req_t *r); /* PUT    /2015-03-31/event-source-mappings/{UUID} */
int op_lambda_delete_esm(ddbd_rest_req_t *r); /* DELETE /2015-03-31/event-source-mappings/{UUID} */

/* What a request asked besides the mapping's own fields. */
typedef struct lesm_asked {
    bool enabled_present; /* Enabled was given */
    bool function_given;  /* FunctionName was given (always on Create) */
    const char *function; /* FunctionName as given (arena), for messages */
} lesm_asked_t;

/* Validates the body of a Create (create true) or Update request and
 * applies it to m: on Create m holds the defaults, on Update the stored
 * mapping; members the request gives replace m's (strings in r->arena).
 * Checks, in Lambda's order: member types (InvalidRequestContentException),
 * the model's constraints (ValidationException, "N validation errors
 * detected: ..."), then Lambda's own rules for a DynamoDB-stream mapping
 * (InvalidParameterValueException): destination, event source, starting
 * position, parameters that do not apply, record age, filters, function.
 * The duplicate-mapping check is the caller's. 0 or the status in r->err. */
int lesm_parse(ddbd_rest_req_t *r, bool create, esm_t *m, lesm_asked_t *asked);

#endif
