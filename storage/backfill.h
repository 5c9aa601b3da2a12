/* backfill.h: building added indexes from a table's existing items, a
 * bounded step at a time (run by the maintenance thread). Internal. */
#ifndef DDB_STORAGE_BACKFILL_H
#define DDB_STORAGE_BACKFILL_H

#include "storage/engine.h"

/* One round over the catalog: a step of every unfinished backfill. *more
 * is set while some backfill has more to do. */
int ddb__backfill_round(rk_engine_t *e, bool *more, ddb_error_t *err);

#endif
