/* scalper config: check a configuration file, print the example. The
 * parsing and every rule live in engine/config; this file only chooses what
 * to print and the exit code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"
#include "engine/config.h"

static void usage(FILE *f) {
    fprintf(f, "usage: scalper config check FILE\n"
               "       scalper config example\n\n"
               "  check FILE   read FILE (one INI file) and report every error in it as\n"
               "               'FILE:LINE: section.key: expected ..., got ...'; when there is\n"
               "               none, print 'FILE: ok' and the effective value of every key\n"
               "  example      print the example configuration, every key at its default\n"
               "               with its meaning (the text of config/scalper.ini)\n"
               "  -h, --help   this text and the list of keys\n\n"
               "Rules: unknown sections or keys, repeated keys, malformed or out-of-range values\n"
               "are errors, and nothing is applied unless the whole file is valid. [risk] may\n"
               "only tighten the compiled hard limits. Secrets never go in the file: name the\n"
               "environment variables that hold them (api_key_env, api_secret_env). Comments are\n"
               "lines starting with ';' or '#'; after a value only ' ;' starts a comment.\n"
               "mode = live also needs NODE_ENV=live in the environment.\n\n"
               "exit status: 0 valid; 2 bad usage; 3 the file is unreadable or has errors.\n");
}

static int check(const char *path) {
    sc_config cfg;
    sc_config_errors errs;
    sc_err e = sc_config_load(path, &cfg, &errs);
    if (e != SC_OK) {
        char line[512];
        for (size_t i = 0; i < errs.count; i++) {
            fprintf(stderr, "%s\n", sc_errinfo_format(&errs.items[i], line, sizeof(line)));
        }
        if (errs.total > errs.count) {
            fprintf(stderr, "... and %zu more (only the first %d are shown)\n",
                    errs.total - errs.count, SC_CONFIG_ERRORS_MAX);
        }
        fprintf(stderr, "%s: %zu error%s, nothing applied\n", path, errs.total,
                errs.total == 1 ? "" : "s");
        return SC_EXIT_INPUT;
    }
    char *text = malloc(SC_CONFIG_CANONICAL_MAX);
    if (text == NULL) {
        fprintf(stderr, "scalper config: out of memory\n");
        return SC_EXIT_INTERNAL;
    }
    size_t n = sc_config_canonical(&cfg, text, SC_CONFIG_CANONICAL_MAX);
    if (n >= SC_CONFIG_CANONICAL_MAX) {
        fprintf(stderr, "scalper config: canonical text longer than %d bytes\n",
                SC_CONFIG_CANONICAL_MAX);
        free(text);
        return SC_EXIT_INTERNAL;
    }
    printf("%s: ok\n\n%s", path, text);
    free(text);
    const char *node_env = getenv("NODE_ENV");
    if (cfg.exchange.mode == SC_CONFIG_MODE_LIVE &&
        (node_env == NULL || strcmp(node_env, "live") != 0)) {
        fprintf(stderr, "note: mode = live also needs NODE_ENV=live in the environment to "
                        "trade (it is not set here)\n");
    }
    return SC_EXIT_OK;
}

int sc_cmd_config(int argc, char **argv) {
    const char *sub = argc >= 2 ? argv[1] : NULL;
    if (sub != NULL && (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0)) {
        usage(stdout);
        printf("\nkeys:\n");
        sc_config_write_keys(stdout);
        return SC_EXIT_OK;
    }
    if (sub != NULL && strcmp(sub, "example") == 0 && argc == 2) {
        sc_config_write_example(stdout);
        return SC_EXIT_OK;
    }
    if (sub != NULL && strcmp(sub, "check") == 0 && argc == 3 && argv[2][0] != '-') {
        return check(argv[2]);
    }
    if (sub != NULL && strcmp(sub, "check") == 0 && argc == 3 &&
        (strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "--help") == 0)) {
        usage(stdout);
        return SC_EXIT_OK;
    }
    if (sub == NULL) {
        fprintf(stderr, "scalper config: expected a subcommand (check or example)\n");
    } else {
        fprintf(stderr, "scalper config: unknown subcommand or wrong arguments '%s'\n", sub);
    }
    usage(stderr);
    return SC_EXIT_USAGE;
}
