/* admin.h: ddbc's administration statements — SHOW TABLES, DESCRIBE t, and running a parsed
 * CREATE / ALTER / DROP TABLE (ddl.h) through the API, waiting where DynamoDB needs the table
 * ACTIVE first. Each returns 0, or -1 with the error printed. */
#ifndef DDBC_ADMIN_H
#define DDBC_ADMIN_H

#include "tools/ddbc/ddl.h"
#include "tools/ddbc/session.h"

int ad_show_tables(session_t *s);
int ad_describe(session_t *s, const char *table);
int ad_ddl(session_t *s, const ddl_plan_t *d);
/* Lists the tables into s->tables (for completion); quiet on failure. */
void ad_list_tables(session_t *s);

#endif
