/* scalper simulate: writes a synthetic BTCUSDT USD-M capture made by the
 * engine's seeded market simulator (engine/market_sim.h) with the capture
 * writer. The same seed and options give the same file, byte for byte. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"
#include "engine/market_sim.h"
#include "market/capture.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: scalper simulate --seed N --seconds S --out FILE [--stress LIST]\n\n"
            "Writes a synthetic BTCUSDT USD-M session in the capture format ('<ns> <raw JSON>';\n"
            "zstd when FILE ends in .zst): depth@0ms diffs with a pu chain, a REST snapshot,\n"
            "bookTickers matching the book, trades and a mark price every second, with\n"
            "spreads, sizes, rates and volatility calibrated on real captures and seeded\n"
            "regime switches. 'scalper replay-check FILE' accepts it.\n\n"
            "options:\n"
            "  --seed N        random seed (default 1)\n"
            "  --seconds S     session length, 1..604800 (default 300)\n"
            "  --out FILE      the capture to write (required)\n"
            "  --stress LIST   comma-separated stress events (sessions of >= 20 s):\n"
            "                    crash    mid -10.5 %% within 0.6 s at 40 %% of the session,\n"
            "                             spread blown out for 3 s\n"
            "                    blowout  spread 5-50 USDT for 3 s at 20 %%\n"
            "                    freeze   no message for 5 s at 60 %%\n"
            "                    gap      one diff dropped at 80 %% (replay-check then\n"
            "                             reports a gap and exits 1), then a new snapshot\n"
            "  -h, --help      this text\n\n"
            "exit status: 0 written; 2 bad usage; 3 the file could not be written.\n");
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out) {
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max) {
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

/* Schedules the named stress events at fixed shares of the session. */
static int parse_stress(const char *list, sc_market_sim_config *c) {
    char buf[128];
    if (strlen(list) >= sizeof(buf) || c->seconds < 20) {
        return -1;
    }
    snprintf(buf, sizeof(buf), "%s", list);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "crash") == 0) {
            c->stress.crash_at_s = c->seconds * 2 / 5;
        } else if (strcmp(t, "blowout") == 0) {
            c->stress.blowout_at_s = c->seconds / 5;
            c->stress.blowout_s = 3;
        } else if (strcmp(t, "freeze") == 0) {
            c->stress.freeze_at_s = c->seconds * 3 / 5;
            c->stress.freeze_s = 5;
        } else if (strcmp(t, "gap") == 0) {
            c->stress.gap_at_s = c->seconds * 4 / 5;
        } else {
            return -1;
        }
    }
    return 0;
}

static int parse_opts(int argc, char **argv, sc_market_sim_config *c, const char **out) {
    const char *stress = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        uint64_t v = 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(a, "--seed") == 0 && has_val) {
            if (parse_u64(argv[++i], UINT64_MAX, &c->seed) != 0) {
                fprintf(stderr, "scalper simulate: --seed: expected 0..2^64-1, got '%s'\n",
                        argv[i]);
                return SC_EXIT_USAGE;
            }
        } else if (strcmp(a, "--seconds") == 0 && has_val) {
            if (parse_u64(argv[++i], SC_MARKET_SIM_SECONDS_MAX, &v) != 0 || v == 0) {
                fprintf(stderr, "scalper simulate: --seconds: expected 1..%d, got '%s'\n",
                        SC_MARKET_SIM_SECONDS_MAX, argv[i]);
                return SC_EXIT_USAGE;
            }
            c->seconds = (uint32_t)v;
        } else if (strcmp(a, "--out") == 0 && has_val) {
            *out = argv[++i];
        } else if (strcmp(a, "--stress") == 0 && has_val) {
            stress = argv[++i];
        } else {
            fprintf(stderr, "scalper simulate: unknown or incomplete option '%s'\n", a);
            return SC_EXIT_USAGE;
        }
    }
    if (*out == NULL) {
        usage(stderr);
        return SC_EXIT_USAGE;
    }
    if (stress != NULL && parse_stress(stress, c) != 0) {
        fprintf(stderr,
                "scalper simulate: --stress: expected a list of crash, blowout, freeze, gap "
                "on a session of >= 20 s, got '%s'\n",
                stress);
        return SC_EXIT_USAGE;
    }
    return 0;
}

static sc_err write_line(void *ctx, sc_ns ts_local_ns, const char *json, size_t len) {
    return sc_capture_writer_write(ctx, ts_local_ns, json, len);
}

int sc_cmd_simulate(int argc, char **argv) {
    sc_market_sim_config cfg;
    sc_market_sim_config_default(&cfg);
    const char *out = NULL;
    int rc = parse_opts(argc, argv, &cfg, &out);
    if (rc != 0) {
        return rc < 0 ? SC_EXIT_OK : rc;
    }
    sc_market_sim *sim = NULL;
    sc_err e = sc_market_sim_create(&cfg, &sim);
    if (e != SC_OK) {
        fprintf(stderr, "scalper simulate: %s\n", sc_err_str(e));
        return e == SC_ERR_INVALID_ARG ? SC_EXIT_USAGE : SC_EXIT_INTERNAL;
    }
    sc_capture_writer *w = NULL;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    e = sc_capture_writer_open(out, &w, &ei);
    if (e == SC_OK) {
        e = sc_market_sim_run(sim, write_line, w);
        sc_err ec = sc_capture_writer_close(w);
        e = e != SC_OK ? e : ec;
    }
    if (e != SC_OK) {
        fprintf(stderr, "scalper simulate: %s: %s\n", out, sc_err_str(e));
        sc_market_sim_destroy(sim);
        return SC_EXIT_INPUT;
    }
    sc_market_sim_stats st;
    sc_market_sim_get_stats(sim, &st);
    printf("wrote %s: %llu lines (%llu depth, %llu snapshots, %llu bookTicker, %llu trades, "
           "%llu markPrice; %llu diffs dropped), seed %llu, %u s, %llu regime switches\n",
           out, (unsigned long long)st.lines, (unsigned long long)st.depth,
           (unsigned long long)st.snapshots, (unsigned long long)st.book_ticker,
           (unsigned long long)st.trades, (unsigned long long)st.mark_price,
           (unsigned long long)st.depth_dropped, (unsigned long long)cfg.seed, cfg.seconds,
           (unsigned long long)st.regime_switches);
    sc_market_sim_destroy(sim);
    return SC_EXIT_OK;
}
