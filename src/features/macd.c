#include "features/macd.h"

#include <math.h>
#include <stddef.h>

#include "core/assert.h"

sc_err sc_macd_init(sc_macd *m, const sc_macd_config *cfg) {
    if (m == NULL || cfg == NULL || cfg->fast_period < 1 || cfg->slow_period < 2 ||
        cfg->slow_period > SC_EMA_PERIOD_MAX || cfg->fast_period >= cfg->slow_period) {
        return SC_ERR_INVALID_ARG;
    }
    sc_ema signal;
    if (sc_ema_init(&signal, cfg->signal_period) != SC_OK) {
        return SC_ERR_INVALID_ARG;
    }
    *m = (sc_macd){
        .cfg = *cfg,
        .fast_alpha = 2.0 / ((double)cfg->fast_period + 1.0),
        .slow_alpha = 2.0 / ((double)cfg->slow_period + 1.0),
        .signal = signal,
    };
    return SC_OK;
}

/* Warm-up: the slow seed sums every input, the fast seed only the last
 * fast_period of the first slow_period inputs (TA-Lib's alignment). */
static void macd_seed(sc_macd *m, double x) {
    m->slow += x;
    if (m->count >= m->cfg.slow_period - m->cfg.fast_period) {
        m->fast += x;
    }
    m->count++;
    if (m->count == m->cfg.slow_period) {
        m->slow /= (double)m->cfg.slow_period;
        m->fast /= (double)m->cfg.fast_period;
        m->line = m->fast - m->slow;
        sc_ema_update(&m->signal, m->line);
    }
}

void sc_macd_update(sc_macd *m, double x) {
    SC_ASSERT(m != NULL && m->cfg.fast_period < m->cfg.slow_period);
    SC_ASSERT(isfinite(x));
    if (m->count < m->cfg.slow_period) {
        macd_seed(m, x);
        return;
    }
    m->fast = (x - m->fast) * m->fast_alpha + m->fast;
    m->slow = (x - m->slow) * m->slow_alpha + m->slow;
    m->line = m->fast - m->slow;
    SC_ASSERT(isfinite(m->line));
    sc_ema_update(&m->signal, m->line);
}

bool sc_macd_line_get(const sc_macd *m, double *out) {
    SC_ASSERT(m != NULL && out != NULL);
    SC_ASSERT(m->count <= m->cfg.slow_period);
    if (m->count < m->cfg.slow_period) {
        return false;
    }
    *out = m->line;
    return true;
}

bool sc_macd_get(const sc_macd *m, sc_macd_value *out) {
    SC_ASSERT(m != NULL && out != NULL);
    double signal;
    if (m->count < m->cfg.slow_period || !sc_ema_get(&m->signal, &signal)) {
        return false;
    }
    *out = (sc_macd_value){.line = m->line, .signal = signal, .hist = m->line - signal};
    return true;
}
