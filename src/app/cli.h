/* cli.h: the scalper command line. Exit codes (documented in --help):
 *   0 success; 1 the command ran and found a problem (e.g. replay-check saw
 *   gaps or mismatches); 2 bad usage; 3 input could not be read or parsed;
 *   4 internal error; for commands that run the engine (backtest now, paper and
 *   live later; engine/shutdown.h): 5 shut down (signal or kill switch) NOT
 *   flat: a position or an order may be left; 6 exited at once on a second
 *   SIGINT, flat not verified. */
#ifndef SC_APP_CLI_H
#define SC_APP_CLI_H

enum {
    SC_EXIT_OK = 0,
    SC_EXIT_FINDINGS = 1,
    SC_EXIT_USAGE = 2,
    SC_EXIT_INPUT = 3,
    SC_EXIT_INTERNAL = 4,
    SC_EXIT_SHUTDOWN_NOT_FLAT = 5,
    SC_EXIT_SHUTDOWN_IMMEDIATE = 6
};

int sc_cli_main(int argc, char **argv);
int sc_cmd_replay_check(int argc, char **argv);
int sc_cmd_config(int argc, char **argv);
int sc_cmd_params(int argc, char **argv);
int sc_cmd_features(int argc, char **argv);
int sc_cmd_signals(int argc, char **argv);
int sc_cmd_kill(int argc, char **argv);
int sc_cmd_simulate(int argc, char **argv);
int sc_cmd_backtest(int argc, char **argv);
int sc_cmd_demo(int argc, char **argv);
int sc_cmd_report(int argc, char **argv);

#endif
