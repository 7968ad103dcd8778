#include <stdio.h>

#include "app/cli.h"

/* Being written: the replay engine lands with the decoder and book. */
int sc_cmd_replay_check(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "scalper: replay-check is not built yet\n");
    return SC_EXIT_INTERNAL;
}
