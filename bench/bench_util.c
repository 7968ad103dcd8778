#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

uint64_t sc_bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

uint64_t sc_bench_quantile(uint64_t *v, size_t n, double q) {
    if (n == 0) {
        return 0;
    }
    qsort(v, n, sizeof(*v), cmp_u64);
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

char *sc_bench_load(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *raw = malloc((size_t)sz + 1);
    if (raw == NULL || fread(raw, 1, (size_t)sz, f) != (size_t)sz) {
        fclose(f);
        free(raw);
        return NULL;
    }
    fclose(f);
    size_t n = strlen(path);
    if (n > 4 && strcmp(path + n - 4, ".zst") == 0) {
        unsigned long long full = ZSTD_getFrameContentSize(raw, (size_t)sz);
        if (full == ZSTD_CONTENTSIZE_ERROR || full == ZSTD_CONTENTSIZE_UNKNOWN) {
            free(raw);
            return NULL;
        }
        char *out = malloc((size_t)full + 1);
        size_t got = out ? ZSTD_decompress(out, (size_t)full, raw, (size_t)sz) : 0;
        free(raw);
        if (out == NULL || ZSTD_isError(got)) {
            free(out);
            return NULL;
        }
        out[got] = '\0';
        *len_out = got;
        return out;
    }
    raw[sz] = '\0';
    *len_out = (size_t)sz;
    return raw;
}

int sc_bench_shared(const char *rel, char *buf, size_t cap) {
    snprintf(buf, cap, "%s/%s", SC_SHARED_DATA_DIR, rel);
    return access(buf, R_OK) == 0;
}

void sc_bench_print_machine(void) {
    char model[256] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f != NULL) {
        char line[512];
        while (fgets(line, sizeof(line), f) != NULL) {
            if (strncmp(line, "model name", 10) == 0) {
                char *c = strchr(line, ':');
                if (c != NULL) {
                    snprintf(model, sizeof(model), "%s", c + 2);
                    model[strcspn(model, "\n")] = '\0';
                }
                break;
            }
        }
        fclose(f);
    }
    printf("machine: %s, %ld cores online\n", model, sysconf(_SC_NPROCESSORS_ONLN));
}
