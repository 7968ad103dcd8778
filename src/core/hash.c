#include "core/hash.h"

#include <openssl/evp.h>

#include "core/assert.h"

sc_err sc_sha256_hex(const void *data, size_t len, char hex[SC_SHA256_HEX_LEN + 1]) {
    SC_ASSERT(hex != NULL);
    SC_ASSERT(data != NULL || len == 0);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32) {
        return SC_ERR_UNSUPPORTED;
    }
    static const char digits[] = "0123456789abcdef";
    for (unsigned int i = 0; i < md_len; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 0x0F];
    }
    hex[SC_SHA256_HEX_LEN] = '\0';
    return SC_OK;
}
