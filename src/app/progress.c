#include "app/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct sc_progress {
    const char *label;
    uint64_t total;
    double started_s;
    double last_draw_s;
    bool drawn;
};

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

sc_progress *sc_progress_create(const char *label, uint64_t total, bool enabled) {
    if (!enabled || total == 0 || !isatty(STDERR_FILENO)) {
        return NULL;
    }
    sc_progress *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return NULL; /* no bar is not an error */
    }
    p->label = label;
    p->total = total;
    p->started_s = mono_s();
    return p;
}

static void draw(sc_progress *p, uint64_t done) {
    enum { BAR_WIDTH = 30 };
    double frac = p->total ? (double)done / (double)p->total : 1.0;
    if (frac > 1.0) {
        frac = 1.0;
    }
    int fill = (int)(frac * BAR_WIDTH);
    char bar[BAR_WIDTH + 1];
    for (int i = 0; i < BAR_WIDTH; i++) {
        bar[i] = i < fill ? '#' : '.';
    }
    bar[BAR_WIDTH] = '\0';
    double el = mono_s() - p->started_s;
    double eta = frac > 0.0 ? el / frac - el : 0.0;
    fprintf(stderr, "\r%s [%s] %5.1f%%  %.1f s elapsed, ~%.1f s left ", p->label, bar, frac * 100.0,
            el, eta);
    fflush(stderr);
    p->drawn = true;
}

void sc_progress_update(sc_progress *p, uint64_t done) {
    if (p == NULL) {
        return;
    }
    double now = mono_s();
    if (now - p->last_draw_s < 0.2) {
        return;
    }
    p->last_draw_s = now;
    draw(p, done);
}

void sc_progress_done(sc_progress *p) {
    if (p == NULL || !p->drawn) {
        return;
    }
    draw(p, p->total);
    fputc('\n', stderr);
    p->drawn = false;
}

void sc_progress_destroy(sc_progress *p) {
    free(p);
}
