/* Runs a fuzz target over files and folders of inputs, the way CI replays the
 * committed corpus without needing clang's libFuzzer. Exit 0 when every
 * input ran (a crash aborts), 1 when a path could not be read. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { REPLAY_INPUT_MAX = 4 << 20, REPLAY_PATH_MAX = 4096 };

static int run_file(const char *path, long *count) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "fuzz replay: cannot open %s\n", path);
        return 1;
    }
    uint8_t *buf = malloc(REPLAY_INPUT_MAX);
    if (buf == NULL) {
        fclose(f);
        return 1;
    }
    size_t n = fread(buf, 1, REPLAY_INPUT_MAX, f);
    fclose(f);
    /* Copy to an exact-size block so ASan sees reads past the input. */
    uint8_t *exact = malloc(n > 0 ? n : 1);
    if (exact == NULL) {
        free(buf);
        return 1;
    }
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    (*count)++;
    return 0;
}

static int run_path(const char *path, long *count) {
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "fuzz replay: no such path %s\n", path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        return run_file(path, count);
    }
    DIR *d = opendir(path);
    if (d == NULL) {
        return 1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char sub[REPLAY_PATH_MAX];
        snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
        rc |= run_path(sub, count);
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv) {
    long count = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        rc |= run_path(argv[i], &count);
    }
    printf("fuzz replay: %ld inputs ran without a crash\n", count);
    return rc != 0 || count == 0;
}
