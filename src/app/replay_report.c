#include "app/replay_report.h"

#include <inttypes.h>
#include <stdio.h>

#include "app/cli.h"

typedef unsigned long long ull;

static void print_side(const sc_replay *rp, sc_side side, uint32_t depth) {
    const sc_instrument *ins = sc_replay_instrument(rp);
    sc_level levels[SC_BOOK_TOP_MAX]; /* 16 KiB on the stack, bounded by the constant */
    uint32_t n = 0;
    if (sc_book_top(sc_replay_book(rp), side, depth, levels, &n) != SC_OK) {
        n = 0;
    }
    fputc('[', stdout);
    for (uint32_t i = 0; i < n; i++) {
        char px[40];
        char qty[40];
        sc_px_format(ins, levels[i].px, px, sizeof(px));
        sc_qty_format(ins, levels[i].qty, qty, sizeof(qty));
        printf("%s[\"%s\",\"%s\"]", i ? "," : "", px, qty);
    }
    fputc(']', stdout);
}

static void print_json(const sc_replay *rp, const sc_replay_summary *s, uint32_t depth,
                       double secs) {
    double rate = secs > 0 ? (double)s->messages / secs : 0.0;
    printf("{\"instrument\":\"%s\",\"messages\":%llu,\"depth_updates\":%llu,"
           "\"book_ticker\":%llu,\"trades\":%llu,\"agg_trades\":%llu,\"mark_price\":%llu,"
           "\"klines\":%llu,\"snapshots\":%llu,\"snapshots_applied\":%llu,"
           "\"snapshots_rejected\":%llu,\"resyncs\":%llu,\"gaps\":%llu,\"stale_dropped\":%llu,"
           "\"crossed\":%llu,\"bbo_checked\":%llu,\"bbo_mismatch\":%llu,\"bbo_unsynced\":%llu,"
           "\"bbo_unmatched\":%llu,\"malformed\":%llu,\"unknown\":%llu,"
           "\"missing_trades\":%llu,\"book_synced\":%s,\"seconds\":%.6f,"
           "\"messages_per_sec\":%.0f",
           sc_replay_instrument(rp)->name, (ull)s->messages, (ull)s->depth_updates,
           (ull)s->book_ticker, (ull)s->trades, (ull)s->agg_trades, (ull)s->mark_price,
           (ull)s->klines, (ull)s->snapshots, (ull)s->book.snapshots_applied,
           (ull)s->book.snapshots_rejected, (ull)s->book.resyncs, (ull)s->book.gaps,
           (ull)s->book.stale_dropped, (ull)s->book.crossed, (ull)s->bbo_checked,
           (ull)s->bbo_mismatch, (ull)s->bbo_unsynced, (ull)s->bbo_unmatched, (ull)s->malformed,
           (ull)s->unknown, (ull)s->missing_trades, s->book_synced ? "true" : "false", secs, rate);
    if (depth > 0) {
        printf(",\"final_book\":{\"bids\":");
        print_side(rp, SC_SIDE_BUY, depth);
        printf(",\"asks\":");
        print_side(rp, SC_SIDE_SELL, depth);
        printf("}");
    }
    printf("}\n");
}

static void print_best(const sc_replay *rp, sc_side side) {
    const sc_instrument *ins = sc_replay_instrument(rp);
    sc_level l;
    if (sc_book_best(sc_replay_book(rp), side, &l) != SC_OK) {
        printf("(none)");
        return;
    }
    char px[40];
    char qty[40];
    sc_px_format(ins, l.px, px, sizeof(px));
    sc_qty_format(ins, l.qty, qty, sizeof(qty));
    printf("%s x %s", px, qty);
}

static void print_human(const sc_replay *rp, const sc_replay_summary *s, size_t n_files,
                        double secs) {
    char t0[40] = "-";
    char t1[40] = "-";
    if (s->first_exch_ns > 0) {
        sc_ns_format_utc(s->first_exch_ns, t0, sizeof(t0));
        sc_ns_format_utc(s->last_exch_ns, t1, sizeof(t1));
    }
    printf("replay-check: %s, %zu file%s, %llu messages, exchange time %s .. %s\n",
           sc_replay_instrument(rp)->name, n_files, n_files == 1 ? "" : "s", (ull)s->messages, t0,
           t1);
    printf("  depth updates  %10llu   snapshots %llu (applied %llu, rejected %llu), resyncs %llu\n",
           (ull)s->depth_updates, (ull)s->snapshots, (ull)s->book.snapshots_applied,
           (ull)s->book.snapshots_rejected, (ull)s->book.resyncs);
    printf("  book tickers   %10llu   BBO checked %llu, mismatches %llu (not checkable: %llu "
           "while out of sync, %llu with no diff of the same u)\n",
           (ull)s->book_ticker, (ull)s->bbo_checked, (ull)s->bbo_mismatch, (ull)s->bbo_unsynced,
           (ull)s->bbo_unmatched);
    printf("  trades         %10llu   aggregates %llu, missing trade ids %llu\n", (ull)s->trades,
           (ull)s->agg_trades, (ull)s->missing_trades);
    printf("  mark price     %10llu   klines %llu, other streams skipped %llu\n",
           (ull)s->mark_price, (ull)s->klines, (ull)s->unknown);
    printf("  sequence gaps %llu, stale diffs dropped %llu, crossed %llu, malformed lines %llu\n",
           (ull)s->book.gaps, (ull)s->book.stale_dropped, (ull)s->book.crossed, (ull)s->malformed);
    printf("  final book: %s, best bid ", s->book_synced ? "in sync" : "OUT OF SYNC");
    print_best(rp, SC_SIDE_BUY);
    printf(", best ask ");
    print_best(rp, SC_SIDE_SELL);
    printf("\n  %.3f s, %.0f messages/s\n", secs, secs > 0 ? (double)s->messages / secs : 0.0);
}

int sc_replay_report(const sc_replay *rp, bool json, uint32_t book_depth, uint32_t problems_shown,
                     size_t n_files, double seconds) {
    sc_replay_summary s;
    sc_replay_get_summary(rp, &s);
    bool findings = s.book.gaps > 0 || s.book.crossed > 0 || s.bbo_mismatch > 0 || s.malformed > 0;
    if (json) {
        print_json(rp, &s, book_depth, seconds);
    } else {
        print_human(rp, &s, n_files, seconds);
    }
    uint32_t np = sc_replay_problem_count(rp);
    for (uint32_t i = 0; i < np && i < problems_shown; i++) {
        fprintf(json ? stderr : stdout, "  problem: %s\n", sc_replay_problem(rp, i));
    }
    if (!json) {
        printf("result: %s\n", findings ? "PROBLEMS FOUND (see above)"
                                        : "OK: no gaps, no crossed book, no BBO mismatch, "
                                          "no malformed line");
    }
    return findings ? SC_EXIT_FINDINGS : SC_EXIT_OK;
}
