/* replay_report.h: prints a replay summary for people or as one JSON line. */
#ifndef SC_APP_REPLAY_REPORT_H
#define SC_APP_REPLAY_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/replay.h"

/* Prints to stdout; returns SC_EXIT_OK when there were no gaps, crossed
 * books, BBO mismatches or malformed lines, SC_EXIT_FINDINGS otherwise. */
int sc_replay_report(const sc_replay *rp, bool json, uint32_t book_depth, uint32_t problems_shown,
                     size_t n_files, double seconds);

#endif
