/* pump.c: capture lines from a reader thread through a bounded chunk queue.
 *
 * A chunk holds records back to back, each a header followed by its payload
 * (the JSON bytes of a line, or an sc_errinfo for a reader error), aligned
 * to 8 bytes. The reader queues a chunk once it holds SC_PUMP_CHUNK_SOFT_BYTES
 * (small, so the threads overlap); every chunk has room beyond that for one
 * longest possible record. The last chunk carries the end
 * flag. One mutex and two condition variables: simple, and the lock is taken
 * once per chunk (thousands of lines), not per line.
 */
#include "app/pump.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"

typedef struct {
    int32_t status;
    uint32_t len; /* payload bytes */
    sc_ns ts;
    int64_t line_no;
    size_t file_index;
    const char *path;
} rec_hdr;

enum { REC_ALIGN = 8 };
#define REC_MAX (sizeof(rec_hdr) + SC_PUMP_LINE_MAX + sizeof(sc_errinfo) + REC_ALIGN)
_Static_assert(SC_PUMP_CHUNK_SOFT_BYTES + REC_MAX <= SC_PUMP_CHUNK_BYTES,
               "a chunk under its soft size takes any record");

typedef struct {
    char *buf;
    size_t used;
    bool last;           /* no chunk follows */
    uint64_t bytes_done; /* reader progress when the chunk was queued */
} chunk;

struct sc_pump {
    sc_capture_reader *rd;
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv_full;
    pthread_cond_t cv_free;
    chunk chunks[SC_PUMP_CHUNKS];
    int full[SC_PUMP_CHUNKS]; /* FIFO of filled chunk indices */
    int n_full;
    int free_list[SC_PUMP_CHUNKS];
    int n_free;
    bool stop;
    int cur;    /* chunk being read by the consumer, -1 none */
    size_t off; /* read offset in it */
    bool ended; /* consumer saw the last chunk through */
    uint64_t bytes_done;
    uint64_t bytes_total;
};

static size_t align_up(size_t n) {
    return (n + REC_ALIGN - 1) & ~(size_t)(REC_ALIGN - 1);
}

static void append(chunk *c, sc_err st, const sc_capture_line *ln, const sc_errinfo *ei) {
    rec_hdr h;
    memset(&h, 0, sizeof(h));
    h.status = (int32_t)st;
    const void *payload;
    if (st == SC_OK) {
        SC_ASSERT(ln->json_len <= SC_PUMP_LINE_MAX);
        h.len = (uint32_t)ln->json_len;
        h.ts = ln->ts_local_ns;
        h.line_no = ln->line_no;
        h.file_index = ln->file_index;
        h.path = ln->path;
        payload = ln->json;
    } else {
        h.len = (uint32_t)sizeof(*ei);
        h.line_no = ei->line;
        h.path = ei->source;
        payload = ei;
    }
    size_t need = align_up(sizeof(h) + h.len);
    SC_ASSERT(c->used + need <= SC_PUMP_CHUNK_BYTES);
    memcpy(c->buf + c->used, &h, sizeof(h));
    memcpy(c->buf + c->used + sizeof(h), payload, h.len);
    c->used += need;
}

/* Waits for a free chunk; -1 when stopping. */
static int take_free(sc_pump *p) {
    pthread_mutex_lock(&p->mu);
    while (p->n_free == 0 && !p->stop) {
        pthread_cond_wait(&p->cv_free, &p->mu);
    }
    int idx = p->stop ? -1 : p->free_list[--p->n_free];
    pthread_mutex_unlock(&p->mu);
    return idx;
}

static void push_full(sc_pump *p, int idx) {
    pthread_mutex_lock(&p->mu);
    SC_ASSERT(p->n_full < SC_PUMP_CHUNKS);
    p->chunks[idx].bytes_done = sc_capture_reader_bytes_done(p->rd);
    p->full[p->n_full++] = idx;
    pthread_cond_signal(&p->cv_full);
    pthread_mutex_unlock(&p->mu);
}

static void *reader_main(void *arg) {
    sc_pump *p = arg;
    bool done = false;
    while (!done) {
        int idx = take_free(p);
        if (idx < 0) {
            return NULL;
        }
        chunk *c = &p->chunks[idx];
        c->used = 0;
        c->last = false;
        /* Ship small chunks so the consumer starts at once and the two
         * threads overlap; an empty chunk still has room for a longest line. */
        while (c->used < SC_PUMP_CHUNK_SOFT_BYTES) {
            sc_capture_line ln;
            sc_errinfo ei;
            memset(&ei, 0, sizeof(ei));
            sc_err e = sc_capture_reader_next(p->rd, &ln, &ei);
            if (e == SC_ERR_EOF) {
                done = true;
                c->last = true;
                break;
            }
            append(c, e, &ln, &ei);
        }
        push_full(p, idx);
    }
    return NULL;
}

static sc_err alloc_chunks(sc_pump *p) {
    for (int i = 0; i < SC_PUMP_CHUNKS; i++) {
        p->chunks[i].buf = malloc(SC_PUMP_CHUNK_BYTES);
        if (p->chunks[i].buf == NULL) {
            return SC_ERR_NOMEM;
        }
        p->free_list[p->n_free++] = i;
    }
    return SC_OK;
}

sc_err sc_pump_start(const char *const *paths, size_t n_paths, sc_pump **out, sc_errinfo *err) {
    SC_ASSERT(out != NULL);
    sc_pump *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return SC_ERR_NOMEM;
    }
    p->cur = -1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_full, NULL);
    pthread_cond_init(&p->cv_free, NULL);
    sc_capture_reader_config rc = {SC_PUMP_LINE_MAX};
    sc_err e = sc_capture_reader_open(&rc, paths, n_paths, &p->rd, err);
    if (e == SC_OK) {
        e = alloc_chunks(p);
    }
    if (e == SC_OK) {
        p->bytes_total = sc_capture_reader_bytes_total(p->rd);
        e = pthread_create(&p->thread, NULL, reader_main, p) == 0 ? SC_OK : SC_ERR_NOMEM;
        p->thread_started = e == SC_OK;
    }
    if (e != SC_OK) {
        sc_pump_stop(p);
        return e;
    }
    *out = p;
    return SC_OK;
}

/* Gives the consumer's chunk back and waits for the next filled one. */
static bool next_chunk(sc_pump *p) {
    pthread_mutex_lock(&p->mu);
    if (p->cur >= 0) {
        bool was_last = p->chunks[p->cur].last;
        p->free_list[p->n_free++] = p->cur;
        p->cur = -1;
        pthread_cond_signal(&p->cv_free);
        if (was_last) {
            p->ended = true;
            pthread_mutex_unlock(&p->mu);
            return false;
        }
    }
    while (p->n_full == 0) {
        pthread_cond_wait(&p->cv_full, &p->mu);
    }
    p->cur = p->full[0];
    memmove(p->full, p->full + 1, (size_t)(--p->n_full) * sizeof(int));
    p->bytes_done = p->chunks[p->cur].bytes_done;
    p->off = 0;
    pthread_mutex_unlock(&p->mu);
    return true;
}

sc_err sc_pump_next(sc_pump *p, sc_pump_item *item) {
    SC_ASSERT(p != NULL && item != NULL);
    while (!p->ended && (p->cur < 0 || p->off >= p->chunks[p->cur].used)) {
        if (!next_chunk(p)) {
            break;
        }
    }
    if (p->ended) {
        return SC_ERR_EOF;
    }
    const chunk *c = &p->chunks[p->cur];
    rec_hdr h;
    memcpy(&h, c->buf + p->off, sizeof(h));
    const char *payload = c->buf + p->off + sizeof(h);
    p->off += align_up(sizeof(h) + h.len);
    SC_ASSERT(p->off <= c->used);
    item->status = (sc_err)h.status;
    if (item->status == SC_OK) {
        item->line = (sc_capture_line){h.ts, payload, h.len, h.path, h.line_no, h.file_index};
    } else {
        SC_ASSERT(h.len == sizeof(item->err));
        memcpy(&item->err, payload, sizeof(item->err));
    }
    return SC_OK;
}

uint64_t sc_pump_bytes_done(const sc_pump *p) {
    return p->bytes_done;
}

uint64_t sc_pump_bytes_total(const sc_pump *p) {
    return p->bytes_total;
}

void sc_pump_stop(sc_pump *p) {
    if (p == NULL) {
        return;
    }
    if (p->thread_started) {
        pthread_mutex_lock(&p->mu);
        p->stop = true;
        pthread_cond_broadcast(&p->cv_free);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
    }
    for (int i = 0; i < SC_PUMP_CHUNKS; i++) {
        free(p->chunks[i].buf);
    }
    sc_capture_reader_close(p->rd);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_full);
    pthread_cond_destroy(&p->cv_free);
    free(p);
}
