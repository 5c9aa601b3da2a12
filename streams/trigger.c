/* trigger.c: the trigger dispatcher. SKELETON: being written; mappings are
 * accepted and nothing is delivered yet. */
#include <stdio.h>
#include <stdlib.h>

#include "streams/trigger.h"

struct trig {
    trig_opts_t o;
};

int trig_start(const trig_opts_t *o, trig_t **out, ddb_error_t *err) {
    (void)err;
    *out = calloc(1, sizeof **out);
    (*out)->o = *o;
    return 0;
}

void trig_reload(trig_t *t, const char *uuid) {
    (void)t, (void)uuid;
}

int trig_status(trig_t *t, const char *uuid, esm_state_t *state, char *last_result, size_t n) {
    (void)t, (void)uuid, (void)state, (void)last_result, (void)n;
    return -1;
}

void trig_stop(trig_t *t) {
    free(t);
}
