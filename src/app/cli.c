#include "app/cli.h"

#include <stdio.h>
#include <string.h>

#define SC_VERSION "0.1.0"

static void print_help(FILE *f) {
    fprintf(f,
            "scalper %s: Bitcoin-only scalping engine for Binance USD-M futures\n\n"
            "usage: scalper COMMAND [OPTIONS]\n\n"
            "commands:\n"
            "  replay-check FILE...  replay captures through decoder, book and tape;\n"
            "                        report gaps, crossed books and BBO agreement\n"
            "  features --input FILE...\n"
            "                        one CSV row of features per closed candle, from kline\n"
            "                        CSVs or captures (--timeframe, --out; every column in\n"
            "                        'scalper features --help')\n"
            "  signals --input FILE...\n"
            "                        the strategy layer on captures or kline CSVs: every\n"
            "                        decision with its reasons, regime changes, SMC counts\n"
            "                        ('scalper signals --help')\n"
            "  params SUBCOMMAND     parameter versions: list, show, diff, set, activate,\n"
            "                        rollback, history ('scalper params --help')\n"
            "  config check FILE     check a configuration file ('scalper config --help')\n"
            "  kill --reason TEXT    trip the kill switch: no entries, cancel all, flatten;\n"
            "                        persisted until 'kill --reset --reason TEXT'; --status\n"
            "                        shows it ('scalper kill --help': every trigger)\n"
            "  simulate --seed N --seconds S --out FILE\n"
            "                        write a synthetic capture (seeded, calibrated; --stress\n"
            "                        crash,blowout,freeze,gap; 'scalper simulate --help')\n"
            "  backtest --data FILE...\n"
            "                        the whole engine over captures: audit database, blunder\n"
            "                        labels, report.json and report.md ('scalper backtest\n"
            "                        --help')\n"
            "  demo                  a simulated session through the whole engine, offline:\n"
            "                        simulate, backtest, print the report ('scalper demo\n"
            "                        --help')\n"
            "  report DIR|DB         a stored run's report again, trades filtered by blunder\n"
            "                        label, regime, side, UTC hour ('scalper report --help')\n"
            "  version               print the version\n"
            "  help                  this text ('scalper COMMAND --help' for a command)\n\n"
            "exit codes: 0 ok, 1 findings (e.g. gaps or BBO mismatches), 2 bad usage,\n"
            "            3 input unreadable or malformed, 4 internal error; engine runs\n"
            "            (backtest): 5 shut down on a signal NOT flat, 6 second Ctrl-C\n",
            SC_VERSION);
}

int sc_cli_main(int argc, char **argv) {
    if (argc < 2) {
        print_help(stderr);
        return SC_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        print_help(stdout);
        return SC_EXIT_OK;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("scalper %s\n", SC_VERSION);
        return SC_EXIT_OK;
    }
    if (strcmp(cmd, "replay-check") == 0) {
        return sc_cmd_replay_check(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "config") == 0) {
        return sc_cmd_config(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "features") == 0) {
        return sc_cmd_features(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "signals") == 0) {
        return sc_cmd_signals(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "params") == 0) {
        return sc_cmd_params(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "kill") == 0) {
        return sc_cmd_kill(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "simulate") == 0) {
        return sc_cmd_simulate(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "backtest") == 0) {
        return sc_cmd_backtest(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "demo") == 0) {
        return sc_cmd_demo(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "report") == 0) {
        return sc_cmd_report(argc - 1, argv + 1);
    }
    fprintf(stderr, "scalper: unknown command '%s' (try 'scalper help')\n", cmd);
    return SC_EXIT_USAGE;
}
