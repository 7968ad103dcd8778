/* hash.h: SHA-256 (OpenSSL's libcrypto), as lower-case hex.
 *
 * Used for content hashes that people compare: parameter versions and the
 * rulebook. Thread: any. Allocates: nothing of ours.
 */
#ifndef SC_CORE_HASH_H
#define SC_CORE_HASH_H

#include <stddef.h>

#include "core/err.h"

enum { SC_SHA256_HEX_LEN = 64 };

/* hex must hold SC_SHA256_HEX_LEN + 1 bytes. */
sc_err sc_sha256_hex(const void *data, size_t len, char hex[SC_SHA256_HEX_LEN + 1]);

#endif
