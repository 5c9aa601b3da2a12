/* client_int.h: what the files of the client transport (streams/client*.c) share and its
 * callers never use: error setting, the profile files' locations and their sections, curl's
 * one-time set-up. */
#ifndef DDB_STREAMS_CLIENT_INT_H
#define DDB_STREAMS_CLIENT_INT_H

#include "streams/client.h"

/* Sets *err (when not NULL: zeroed, code, formatted message) and returns code. */
int dc__fail(dc_error_t *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The profile in effect: profile when given and not empty, else AWS_PROFILE, else "default". */
const char *dc__profile_name(const char *profile);

/* A setting of the config file's profile section only (region, endpoint_url, services,
 * ca_bundle live there); as dc_profile_get otherwise. */
int dc__config_get(const char *profile, const char *key, char *out, size_t cap);

/* The paths of the shared credentials and config files (AWS_SHARED_CREDENTIALS_FILE and
 * AWS_CONFIG_FILE, "~/" expanded, else ~/.aws/credentials and ~/.aws/config). */
void dc__credentials_path(char *out, size_t cap);
void dc__config_path(char *out, size_t cap);

/* Sets *out to copies of the given credentials (token NULL or "": none); DC_ECONFIG when
 * memory runs out. */
int dc__credentials_set(dc_credentials_t *out, const char *akid, const char *secret,
                        const char *token, int64_t expires, const char *source, dc_error_t *err);

/* curl_global_init, once per process (thread-safe). */
void dc__curl_global(void);

#endif
