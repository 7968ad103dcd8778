/* libFuzzer target: the market-data decoder on arbitrary bytes, for each
 * venue's rules. Checks, beyond "no crash": a failed decode never yields an
 * event, a good one is of a known kind and within the level limit. */
#include <stdint.h>
#include <stdlib.h>

#include "core/assert.h"
#include "market/decoder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const names[] = {"usdm:BTCUSDT", "spot:BTCUSDT", "coinm:BTCUSD_PERP"};
    enum { FUZZ_LEVELS_MAX = 64 };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        sc_decoder *d = NULL;
        sc_decoder_config cfg = {sc_instrument_find(names[i]), FUZZ_LEVELS_MAX};
        SC_ASSERT(sc_decoder_create(&cfg, &d) == SC_OK);
        sc_event ev;
        sc_errinfo ei = {0};
        sc_err e = sc_decoder_decode(d, (const char *)data, size, 7, &ev, &ei);
        if (e != SC_OK) {
            SC_ASSERT(ev.kind == SC_EV_NONE);
            SC_ASSERT(ei.expected[0] != '\0');
        } else {
            SC_ASSERT(ev.kind > SC_EV_NONE && (int)ev.kind < (int)SC_EV_KIND_COUNT);
            SC_ASSERT(ev.ts_local_ns == 7);
            if (ev.kind == SC_EV_DEPTH) {
                SC_ASSERT(ev.u.depth.n_bids <= FUZZ_LEVELS_MAX);
                SC_ASSERT(ev.u.depth.first_id <= ev.u.depth.final_id);
            }
        }
        (void)sc_decoder_sniff_instrument((const char *)data, size);
        sc_decoder_destroy(d);
    }
    return 0;
}
