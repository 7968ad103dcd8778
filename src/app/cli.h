/* cli.h: the scalper command line. Exit codes (documented in --help):
 *   0 success; 1 the command ran and found a problem (e.g. replay-check saw
 *   gaps or mismatches); 2 bad usage; 3 input could not be read or parsed. */
#ifndef SC_APP_CLI_H
#define SC_APP_CLI_H

enum {
    SC_EXIT_OK = 0,
    SC_EXIT_FINDINGS = 1,
    SC_EXIT_USAGE = 2,
    SC_EXIT_INPUT = 3,
    SC_EXIT_INTERNAL = 4
};

int sc_cli_main(int argc, char **argv);
int sc_cmd_replay_check(int argc, char **argv);
int sc_cmd_config(int argc, char **argv);
int sc_cmd_params(int argc, char **argv);
int sc_cmd_features(int argc, char **argv);
int sc_cmd_signals(int argc, char **argv);
int sc_cmd_kill(int argc, char **argv);
int sc_cmd_simulate(int argc, char **argv);

#endif
