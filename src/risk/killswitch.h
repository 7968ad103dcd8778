/* killswitch.h: the KillSwitch, level 1 of the risk hierarchy (design.md §6).
 *
 * A tripped kill switch vetoes every new entry, and asks the engine to cancel
 * every open order and flatten the position (reduce-only, never blocked by
 * min hold). It is tripped by an operator or by one of the automatic triggers
 * below, and stays tripped, across restarts (the app persists the canonical
 * text of this module), until an operator resets it with a reason. The one
 * exception is a daily-loss trip, which clears at the next UTC day.
 *
 * Each trigger has its own slot: a trip records trigger, reason, two values
 * (what was observed and the limit it crossed), the event time and a sequence
 * number. The switch is tripped while any slot is active. A trigger that
 * trips again while its slot is active changes nothing (the first trip, its
 * time and its reason stand). A reset clears every slot at once.
 *
 * Triggers and their clearing rules (values: observed / limit, with unit):
 *
 *   manual          an operator ('scalper kill --reason TEXT', the dashboard
 *                   later). Never clears by itself.
 *   daily_loss      loss of the UTC day >= max_daily_loss_bps (limits.h: 2 %
 *                   of start-of-day equity). bps / bps. Clears at the first
 *                   UTC midnight after the trip, by event time: with the trip
 *                   at t, is_tripped(ts) is false from ts = day_start(t) + 1
 *                   day on. It is the only self-clearing trigger: the limit
 *                   itself is per UTC day, so the new day restores the budget.
 *   drawdown        drawdown from peak equity >= max_drawdown_bps (limits.h:
 *                   5 %). bps / bps. Never clears by itself: the peak does not
 *                   move, so nothing but a human decision can make it safe.
 *   consec_losses   losing trades in a row >= max_consecutive_losses
 *                   (limits.h: 5). trades / trades. Never clears by itself.
 *                   Why: the streak can only end with a winning trade, and no
 *                   trade happens while tripped, so any automatic clearing
 *                   would be a timer that re-arms the very strategy that just
 *                   lost five times in a row, in the same conditions. A day
 *                   boundary says nothing about the market regime either.
 *   data_integrity  market data out of order (book out of sync, stale
 *                   stream) for longer than integrity_heal_max_ns, i.e. a
 *                   failure that did not heal. ns / ns. Never clears by
 *                   itself: short failures are the forbidden-conditions
 *                   level's (entries pause, resume on healing); one that
 *                   outlives the bound is a fault a human must look at.
 *   error_burst     error_burst_count errors within error_burst_window_ns
 *                   (order rejects, gateway and I/O errors the engine
 *                   reports). errors / errors. Never clears by itself: a
 *                   burst means something the engine cannot see (revoked key,
 *                   exchange maintenance, a bug); resuming would repeat it.
 *   latency         latency_samples_max samples in a row above
 *                   latency_bound_ns (the engine chooses the sample: event
 *                   age at receive, order acknowledgement time). ns / ns (the
 *                   last sample / the bound). Never clears by itself, for the
 *                   reason of error_burst; brief spikes are the forbidden-
 *                   conditions level's.
 *   corrupt_state   the persisted state could not be read or parsed (fail
 *                   closed). 0 / 0. Never clears by itself.
 *
 * Actions are outputs: the module never talks to orders. While tripped,
 * SC_KS_ACT_BLOCK_ENTRIES is always set. A trip (and a load of a tripped
 * state: the previous process may have died before it was done) latches
 * SC_KS_ACT_CANCEL_ALL | SC_KS_ACT_FLATTEN until the engine acknowledges
 * them with sc_killswitch_ack once it has verified them done.
 *
 * Thresholds are named constants below (SC_KS_*), gathered in
 * sc_killswitch_config; they are not yet parameters (core/params.h). A
 * config may tighten the limits of limits.h, never loosen them.
 *
 * Canonical text (what the app persists; every line ends with '\n'):
 *
 *   scalper-killswitch 1
 *   seq N                        the last sequence number used (>= 0)
 *   trip TRIGGER TS OBS LIM SEQ REASON...   one per active slot, trigger order
 *   fnv1a64 HEX                  16 hex digits: FNV-1a 64 of every byte
 *                                before this line
 *
 * REASON is the rest of the line. Text that does not parse exactly (wrong
 * header, unknown trigger, bad number, checksum mismatch, missing line,
 * anything after the checksum) loads as tripped by corrupt_state: fail
 * closed. The checksum catches truncation and flipped bits; it is not a
 * defence against someone who may write the file (its permissions are). It is
 * FNV-1a, not SHA-256 (core/hash.h), because OpenSSL's digest allocates and
 * this module allocates nothing after create.
 *
 * Thread: the engine thread (or one app thread at a time). Deterministic:
 * reads no clock, does no I/O; time is the caller's event time. Allocates:
 * the switch in create, freed in destroy; nothing afterwards.
 */
#ifndef SC_RISK_KILLSWITCH_H
#define SC_RISK_KILLSWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/time.h"

/* Error burst: this many errors within the window trip the switch. */
#define SC_KS_ERROR_BURST_COUNT 10
#define SC_KS_ERROR_BURST_WINDOW_NS (10 * SC_NS_PER_S)
/* The ring of error times holds at most this many (a config may not ask
 * for more). */
#define SC_KS_ERROR_BURST_COUNT_MAX 64
/* Latency: this many samples in a row above the bound trip the switch. */
#define SC_KS_LATENCY_BOUND_NS (1 * SC_NS_PER_S)
#define SC_KS_LATENCY_SAMPLES_MAX 5
/* Data integrity: a failure still unhealed after this long trips it. */
#define SC_KS_INTEGRITY_HEAL_MAX_NS (60 * SC_NS_PER_S)

enum {
    SC_KS_REASON_MAX = 200, /* bytes of a reason: printable ASCII, not blank */
    SC_KS_TEXT_MAX = 4096   /* canonical text, all slots full: well inside */
};

typedef enum {
    SC_KS_TRIG_MANUAL = 0,
    SC_KS_TRIG_DAILY_LOSS = 1,
    SC_KS_TRIG_DRAWDOWN = 2,
    SC_KS_TRIG_CONSEC_LOSSES = 3,
    SC_KS_TRIG_DATA_INTEGRITY = 4,
    SC_KS_TRIG_ERROR_BURST = 5,
    SC_KS_TRIG_LATENCY = 6,
    SC_KS_TRIG_CORRUPT_STATE = 7,
    SC_KS_TRIG_COUNT = 8
} sc_ks_trigger;

/* Required actions, a bit set. */
enum {
    SC_KS_ACT_NONE = 0,
    SC_KS_ACT_BLOCK_ENTRIES = 1 << 0,
    SC_KS_ACT_CANCEL_ALL = 1 << 1,
    SC_KS_ACT_FLATTEN = 1 << 2
};
typedef unsigned sc_ks_actions;

typedef enum { SC_KS_EVENT_TRIP = 0, SC_KS_EVENT_RESET = 1 } sc_ks_event_kind;

/* What was observed and the limit it crossed, in the trigger's unit. */
typedef struct {
    int64_t observed;
    int64_t limit;
} sc_ks_values;

/* One trip or reset, for the audit trail. A reset has trigger MANUAL and
 * zero values. */
typedef struct {
    sc_ks_event_kind kind;
    sc_ks_trigger trigger;
    sc_ks_values values;
    sc_ns ts_ns;
    int64_t seq;           /* from 1, never reused, persisted */
    sc_ks_actions actions; /* required by this event */
    char reason[SC_KS_REASON_MAX + 1];
} sc_ks_event;

/* An active slot, for display. */
typedef struct {
    sc_ks_trigger trigger;
    sc_ks_values values;
    sc_ns ts_ns;
    int64_t seq;
    char reason[SC_KS_REASON_MAX + 1];
} sc_ks_trip;

typedef struct {
    int64_t daily_loss_bps_max;   /* <= SC_LIMIT_MAX_DAILY_LOSS_BPS */
    int64_t drawdown_bps_max;     /* <= SC_LIMIT_MAX_DRAWDOWN_BPS */
    int64_t consec_losses_max;    /* <= SC_LIMIT_MAX_CONSECUTIVE_LOSSES */
    uint32_t error_burst_count;   /* 1..SC_KS_ERROR_BURST_COUNT_MAX */
    sc_ns error_burst_window_ns;  /* > 0 */
    sc_ns latency_bound_ns;       /* > 0 */
    uint32_t latency_samples_max; /* >= 1 */
    sc_ns integrity_heal_max_ns;  /* >= 0 */
} sc_killswitch_config;

typedef struct sc_killswitch sc_killswitch;

/* The named constants and the limits of limits.h. */
void sc_killswitch_config_default(sc_killswitch_config *cfg);
/* SC_ERR_RANGE when a field is out of its range (a looser limit included). */
sc_err sc_killswitch_create(const sc_killswitch_config *cfg, sc_killswitch **out);
void sc_killswitch_destroy(sc_killswitch *ks);

/* Trips by trigger (any but CORRUPT_STATE, which only a failed load sets).
 * reason: 1..SC_KS_REASON_MAX printable ASCII bytes, not blank, else
 * SC_ERR_INVALID_ARG and nothing changes. Returns SC_OK; *tripped_now tells
 * whether this was a new trip (then ev, when not NULL, gets the event), or
 * the trigger's slot was already active (nothing changed). */
sc_err sc_killswitch_trip(sc_killswitch *ks, sc_ks_trigger trigger, const char *reason, sc_ns ts_ns,
                          sc_ks_values values, bool *tripped_now, sc_ks_event *ev);

/* Whether any slot is active at event time ts_ns (daily_loss clearing
 * applied). */
bool sc_killswitch_is_tripped(const sc_killswitch *ks, sc_ns ts_ns);
/* The trip that governs at ts_ns: the earliest active one. false when none. */
bool sc_killswitch_cause(const sc_killswitch *ks, sc_ns ts_ns, sc_ks_trip *out);
/* Active slots (expired daily_loss included, for display), in trigger order;
 * returns how many (<= SC_KS_TRIG_COUNT). */
size_t sc_killswitch_trips(const sc_killswitch *ks, sc_ks_trip out[SC_KS_TRIG_COUNT]);
/* When a trip of this trigger at ts_ns clears by itself; false: never. */
bool sc_killswitch_clears_at(sc_ks_trigger trigger, sc_ns trip_ns, sc_ns *clear_ns);

/* Operator reset: clears every slot and the trigger helpers' state. reason
 * as for trip (SC_ERR_INVALID_ARG, nothing changes). SC_ERR_STATE when no
 * slot is active (an expired daily_loss slot counts as active here, so it
 * can be tidied away). */
sc_err sc_killswitch_reset(sc_killswitch *ks, const char *reason, sc_ns ts_ns, sc_ks_event *ev);

/* The actions the engine must take at ts_ns (see the top comment). */
sc_ks_actions sc_killswitch_actions(const sc_killswitch *ks, sc_ns ts_ns);
/* The engine has done (and verified) these latched actions. */
void sc_killswitch_ack(sc_killswitch *ks, sc_ks_actions done);

/* ---- automatic triggers: each returns true when it tripped now (ev filled
 * when not NULL) ---- */

bool sc_killswitch_on_daily_loss(sc_killswitch *ks, sc_ns ts_ns, int64_t loss_bps, sc_ks_event *ev);
bool sc_killswitch_on_drawdown(sc_killswitch *ks, sc_ns ts_ns, int64_t drawdown_bps,
                               sc_ks_event *ev);
bool sc_killswitch_on_consec_losses(sc_killswitch *ks, sc_ns ts_ns, int64_t losses,
                                    sc_ks_event *ev);
/* One error at ts_ns. Times earlier than the newest recorded count as the
 * newest (the window never runs backwards). */
bool sc_killswitch_on_error(sc_killswitch *ks, sc_ns ts_ns, sc_ks_event *ev);
/* One latency sample; one at or below the bound ends the run. */
bool sc_killswitch_on_latency(sc_killswitch *ks, sc_ns ts_ns, sc_ns latency_ns, sc_ks_event *ev);
/* The data's integrity at ts_ns (call on every event that can change it). */
bool sc_killswitch_on_integrity(sc_killswitch *ks, sc_ns ts_ns, bool ok, sc_ks_event *ev);

/* ---- persistence (text only; the app does the I/O) ---- */

/* The canonical text into buf (cap >= SC_KS_TEXT_MAX); its length. */
size_t sc_killswitch_serialize(const sc_killswitch *ks, char *buf, size_t cap);
/* Replaces the state with the one in text. On any error (SC_ERR_PARSE, err
 * says where) the state becomes tripped by corrupt_state at ts_ns with a
 * reason naming the problem: fail closed. Latches cancel and flatten when the
 * loaded state has an active slot. */
sc_err sc_killswitch_load(sc_killswitch *ks, const char *text, size_t len, sc_ns ts_ns,
                          sc_errinfo *err);
/* Fail closed for a state that could not even be read (the app's I/O
 * error): tripped by corrupt_state with reason. */
void sc_killswitch_fail_closed(sc_killswitch *ks, const char *reason, sc_ns ts_ns);

const char *sc_ks_trigger_name(sc_ks_trigger t);
/* By name; false when unknown. */
bool sc_ks_trigger_parse(const char *name, size_t len, sc_ks_trigger *out);
/* One line on what the trigger does and how it clears, for --help. */
const char *sc_ks_trigger_help(sc_ks_trigger t);
/* The unit of the trigger's values ("bps", "trades", "ns", ...). */
const char *sc_ks_trigger_unit(sc_ks_trigger t);
/* True for 1..SC_KS_REASON_MAX printable ASCII bytes, not all spaces. */
bool sc_ks_reason_valid(const char *reason);

#endif
