/* decision_logger.c: see decision_logger.h.
 *
 * The queue is a ring of slots: the producer fills slots[tail % n] outside
 * the lock (the writer never touches a slot past head + count), then
 * publishes it by taking the lock to bump count. The writer copies nothing:
 * it writes slots[head % n] outside the lock and only then frees it.
 */
#include "store/decision_logger.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"

struct sc_dlog {
    sc_dlog_config cfg;
    FILE *jsonl;
    sc_dlog_entry *slots;
    uint32_t n;
    /* under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv_work; /* the writer waits for entries or stop */
    pthread_cond_t cv_done; /* flush waits for the queue to drain */
    uint64_t head;          /* next slot the writer writes */
    uint32_t count;         /* committed, not yet written */
    bool stop;
    bool failed;
    sc_err fail_code;
    sc_errinfo fail_info;
    sc_dlog_stats st;
    /* producer side */
    uint64_t tail;
    bool reserved;
    bool thread_started;
    pthread_t thread;
};

/* ---- writing one entry -------------------------------------------------------- */

static void seterr(sc_errinfo *err, const char *field, const char *expected, const char *got) {
    if (err != NULL) {
        sc_errinfo_set(err, field, expected, got, strlen(got));
    }
}

static void jsonl_str(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\') {
            fprintf(f, "\\%c", *c);
        } else if (*c < 0x20) {
            fprintf(f, "\\u%04x", *c);
        } else {
            fputc(*c, f);
        }
    }
    fputc('"', f);
}

static sc_err write_jsonl(sc_dlog *l, const sc_dlog_entry *e, int64_t id, sc_errinfo *err) {
    FILE *f = l->jsonl;
    fprintf(f, "{\"run_id\":%lld,\"decision_id\":%lld,\"ts_ns\":%lld,\"request_id\":%lld,",
            (long long)l->cfg.run_id, (long long)id, (long long)e->ts_ns, (long long)e->request_id);
    fprintf(f, "\"params_version\":%lld,\"rulebook_hash\":", (long long)e->params_version);
    jsonl_str(f, e->rulebook_hash);
    fputs(",\"action\":", f);
    jsonl_str(f, e->action);
    fputs(",\"reason\":", f);
    jsonl_str(f, e->reason);
    fprintf(f, ",\"latency_ns\":%lld,\"context\":", (long long)e->latency_ns);
    fwrite(e->context, 1, e->context_len, f);
    if (fputs("}\n", f) == EOF || ferror(f)) {
        seterr(err, "jsonl", "a line written to the JSONL file", strerror(errno));
        return SC_ERR_IO;
    }
    return SC_OK;
}

static sc_err write_entry(sc_dlog *l, const sc_dlog_entry *e, int64_t *id_out, sc_errinfo *err) {
    SC_ASSERT(e->context_len <= SC_DLOG_CONTEXT_MAX && e->context[e->context_len] == '\0');
    sc_decision_rec d = {e->ts_ns,  e->request_id, e->params_version, e->rulebook_hash,
                         e->action, e->reason,     e->latency_ns,     e->context};
    int64_t id = 0;
    sc_err rc = sc_trade_store_record_decision(l->cfg.store, l->cfg.run_id, &d, &id, err);
    if (rc == SC_OK && e->has_verdict) {
        int64_t vid = 0;
        rc = sc_trade_store_record_verdict(l->cfg.store, l->cfg.run_id, id, e->ts_ns, &e->verdict,
                                           &vid, err);
    }
    if (rc == SC_OK && l->jsonl != NULL) {
        rc = write_jsonl(l, e, id, err);
    }
    *id_out = rc == SC_OK ? id : 0;
    return rc;
}

static void set_failed(sc_dlog *l, sc_err rc, const sc_errinfo *ei) {
    if (!l->failed) {
        l->failed = true;
        l->fail_code = rc;
        l->fail_info = *ei;
    }
}

/* ---- the writer thread ------------------------------------------------------ */

static void *writer_main(void *arg) {
    sc_dlog *l = arg;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        while (l->count == 0 && !l->stop) {
            pthread_cond_wait(&l->cv_work, &l->mu);
        }
        if (l->count == 0) {
            break; /* stop, and nothing left */
        }
        const sc_dlog_entry *e = &l->slots[l->head % l->n];
        bool failed = l->failed;
        pthread_mutex_unlock(&l->mu);
        sc_errinfo ei;
        sc_errinfo_clear(&ei);
        int64_t id = 0;
        sc_err rc = failed ? SC_OK : write_entry(l, e, &id, &ei);
        if (rc == SC_OK && !failed && l->jsonl != NULL && fflush(l->jsonl) != 0) {
            seterr(&ei, "jsonl", "the JSONL file flushed", strerror(errno));
            rc = SC_ERR_IO;
        }
        pthread_mutex_lock(&l->mu);
        if (rc != SC_OK) {
            set_failed(l, rc, &ei);
        }
        l->st.written += rc == SC_OK && !failed ? 1 : 0;
        l->head++;
        l->count--;
        pthread_cond_broadcast(&l->cv_done);
    }
    pthread_cond_broadcast(&l->cv_done);
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

/* ---- API ------------------------------------------------------------------------- */

static bool config_ok(const sc_dlog_config *c) {
    return c != NULL && c->store != NULL && c->run_id > 0 &&
           (c->mode == SC_DLOG_INLINE || c->mode == SC_DLOG_THREAD) &&
           c->queue_slots <= SC_DLOG_QUEUE_MAX;
}

static sc_err start(sc_dlog *l, sc_errinfo *err) {
    if (l->cfg.jsonl_path != NULL) {
        l->jsonl = fopen(l->cfg.jsonl_path, "w");
        if (l->jsonl == NULL) {
            char got[SC_ERRINFO_TEXT_MAX];
            snprintf(got, sizeof(got), "%s: %s", l->cfg.jsonl_path, strerror(errno));
            seterr(err, "jsonl", "a file that can be created", got);
            return SC_ERR_IO;
        }
    }
    l->n = l->cfg.mode == SC_DLOG_INLINE
               ? 1
               : (l->cfg.queue_slots == 0 ? (uint32_t)SC_DLOG_QUEUE_DEFAULT : l->cfg.queue_slots);
    l->st.queue_slots = l->n;
    l->slots = calloc(l->n, sizeof(*l->slots));
    if (l->slots == NULL) {
        return SC_ERR_NOMEM;
    }
    if (l->cfg.mode == SC_DLOG_THREAD) {
        if (pthread_create(&l->thread, NULL, writer_main, l) != 0) {
            return SC_ERR_NOMEM; /* no thread: the system's resources */
        }
        l->thread_started = true;
    }
    return SC_OK;
}

sc_err sc_dlog_create(const sc_dlog_config *cfg, sc_dlog **out, sc_errinfo *err) {
    if (!config_ok(cfg) || out == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    sc_dlog *l = calloc(1, sizeof(*l));
    if (l == NULL) {
        return SC_ERR_NOMEM;
    }
    l->cfg = *cfg;
    l->cfg.jsonl_path = NULL; /* the caller's string is not kept */
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv_work, NULL);
    pthread_cond_init(&l->cv_done, NULL);
    l->cfg.jsonl_path = cfg->jsonl_path;
    sc_err rc = start(l, err);
    l->cfg.jsonl_path = NULL;
    if (rc != SC_OK) {
        sc_dlog_destroy(l);
        return rc;
    }
    *out = l;
    return SC_OK;
}

void sc_dlog_destroy(sc_dlog *l) {
    if (l == NULL) {
        return;
    }
    if (l->thread_started) {
        pthread_mutex_lock(&l->mu);
        l->stop = true;
        pthread_cond_signal(&l->cv_work);
        pthread_mutex_unlock(&l->mu);
        pthread_join(l->thread, NULL);
    }
    if (l->jsonl != NULL) {
        fclose(l->jsonl);
    }
    pthread_cond_destroy(&l->cv_done);
    pthread_cond_destroy(&l->cv_work);
    pthread_mutex_destroy(&l->mu);
    free(l->slots);
    free(l);
}

sc_dlog_entry *sc_dlog_reserve(sc_dlog *l) {
    SC_ASSERT(l != NULL && !l->reserved);
    pthread_mutex_lock(&l->mu);
    bool failed = l->failed;
    bool full = l->count == l->n;
    l->st.refused_failed += failed ? 1 : 0;
    l->st.refused_full += !failed && full ? 1 : 0;
    pthread_mutex_unlock(&l->mu);
    if (failed || full) {
        return NULL;
    }
    sc_dlog_entry *e = &l->slots[l->tail % l->n];
    e->ts_ns = 0;
    e->request_id = 0;
    e->params_version = 0;
    e->rulebook_hash[0] = '\0';
    e->action[0] = '\0';
    e->reason[0] = '\0';
    e->latency_ns = -1;
    e->has_verdict = false;
    memset(&e->verdict, 0, sizeof(e->verdict));
    e->context_len = 0;
    e->context[0] = '\0';
    l->reserved = true;
    return e;
}

static sc_err commit_inline(sc_dlog *l, sc_dlog_entry *e, int64_t *id_out, sc_errinfo *err) {
    int64_t id = 0;
    sc_err rc = write_entry(l, e, &id, err);
    pthread_mutex_lock(&l->mu);
    if (rc != SC_OK) {
        set_failed(l, rc, err);
    }
    l->st.written += rc == SC_OK ? 1 : 0;
    pthread_mutex_unlock(&l->mu);
    if (id_out != NULL) {
        *id_out = id;
    }
    return rc;
}

sc_err sc_dlog_commit(sc_dlog *l, int64_t *decision_id_out, sc_errinfo *err) {
    SC_ASSERT(l != NULL && l->reserved);
    sc_dlog_entry *e = &l->slots[l->tail % l->n];
    SC_ASSERT(e->context_len > 0 && e->context_len <= SC_DLOG_CONTEXT_MAX);
    SC_ASSERT(e->context[e->context_len] == '\0');
    l->reserved = false;
    l->st.taken++;
    if (l->cfg.mode == SC_DLOG_INLINE) {
        return commit_inline(l, e, decision_id_out, err);
    }
    pthread_mutex_lock(&l->mu);
    SC_ASSERT(l->count < l->n);
    l->tail++;
    l->count++;
    l->st.high_water = l->count > l->st.high_water ? l->count : l->st.high_water;
    pthread_cond_signal(&l->cv_work);
    pthread_mutex_unlock(&l->mu);
    if (decision_id_out != NULL) {
        *decision_id_out = 0;
    }
    return SC_OK;
}

sc_err sc_dlog_flush(sc_dlog *l, sc_errinfo *err) {
    SC_ASSERT(l != NULL);
    pthread_mutex_lock(&l->mu);
    while (l->count > 0 && l->thread_started) {
        pthread_cond_wait(&l->cv_done, &l->mu);
    }
    sc_err rc = l->failed ? l->fail_code : SC_OK;
    if (l->failed && err != NULL) {
        *err = l->fail_info;
    }
    pthread_mutex_unlock(&l->mu);
    if (rc == SC_OK && l->jsonl != NULL && l->cfg.mode == SC_DLOG_INLINE && fflush(l->jsonl) != 0) {
        seterr(err, "jsonl", "the JSONL file flushed", strerror(errno));
        rc = SC_ERR_IO;
    }
    return rc;
}

void sc_dlog_stats_get(sc_dlog *l, sc_dlog_stats *out) {
    SC_ASSERT(l != NULL && out != NULL);
    pthread_mutex_lock(&l->mu);
    *out = l->st;
    out->failed = l->failed;
    pthread_mutex_unlock(&l->mu);
}
