/* The kill switch's state file and audit log. Every failure is reported with
 * the path and errno text; nothing here decides an exit code. */
#include "app/killswitch_file.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/assert.h"

static sc_err io_fail(sc_errinfo *err, const char *path, const char *what) {
    int e = errno;
    if (err != NULL) {
        err->source = path;
        err->line = 0;
        const char *msg = strerror(e);
        sc_errinfo_set(err, "file", what, msg, strlen(msg));
    }
    return SC_ERR_IO;
}

static sc_err set_path(char *dst, size_t cap, const char *base, const char *suffix) {
    int n = snprintf(dst, cap, "%s%s", base, suffix);
    return n >= 0 && (size_t)n < cap ? SC_OK : SC_ERR_RANGE;
}

/* The state path next to the database: DB with ".db" replaced by ".kill". */
static sc_err state_from_db(const char *db, char *dst, size_t cap) {
    size_t n = strlen(db);
    const char *slash = strrchr(db, '/');
    const char *base = slash != NULL ? slash + 1 : db;
    bool has_db = n >= 3 && strcmp(db + n - 3, ".db") == 0 && strlen(base) > 3;
    int w = snprintf(dst, cap, "%.*s.kill", (int)(has_db ? n - 3 : n), db);
    return w >= 0 && (size_t)w < cap ? SC_OK : SC_ERR_RANGE;
}

sc_err sc_ks_paths_resolve(const char *state_opt, const char *db_opt, sc_ks_paths *out,
                           sc_errinfo *err) {
    SC_ASSERT(out != NULL);
    memset(out, 0, sizeof(*out));
    const char *env_state = getenv("SCALPER_KILL_FILE");
    const char *env_db = getenv("SCALPER_DB");
    const char *db = db_opt != NULL                     ? db_opt
                     : env_db != NULL && env_db[0] != 0 ? env_db
                                                        : "./scalper.db";
    const char *state = state_opt != NULL                        ? state_opt
                        : env_state != NULL && env_state[0] != 0 ? env_state
                                                                 : NULL;
    sc_err e = SC_OK;
    if ((state != NULL && state[0] == '\0') || db[0] == '\0') {
        e = SC_ERR_INVALID_ARG;
    } else if (state != NULL) {
        e = set_path(out->state, sizeof(out->state), state, "");
    } else {
        e = state_from_db(db, out->state, sizeof(out->state));
    }
    e = e == SC_OK ? set_path(out->audit, sizeof(out->audit), out->state, ".jsonl") : e;
    e = e == SC_OK ? set_path(out->lock, sizeof(out->lock), out->state, ".lock") : e;
    e = e == SC_OK ? set_path(out->temp, sizeof(out->temp), out->state, ".tmp") : e;
    e = e == SC_OK ? set_path(out->corrupt, sizeof(out->corrupt), out->state, ".corrupt") : e;
    if (e != SC_OK && err != NULL) {
        const char *got = state != NULL ? state : db;
        sc_errinfo_set(err, "state path", "a path of 1..1000 bytes", got, strlen(got));
    }
    return e;
}

/* Reads at most SC_KS_TEXT_MAX + 1 bytes (one more tells "too long"). */
static sc_ks_file_status read_text(const char *path, char *buf, size_t cap, size_t *len,
                                   sc_errinfo *err) {
    SC_ASSERT(cap > SC_KS_TEXT_MAX);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        if (errno == ENOENT) {
            return SC_KS_FILE_ABSENT;
        }
        io_fail(err, path, "a readable state file");
        return SC_KS_FILE_UNREADABLE;
    }
    *len = 0;
    while (*len < SC_KS_TEXT_MAX + 1) {
        ssize_t n = read(fd, buf + *len, SC_KS_TEXT_MAX + 1 - *len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            io_fail(err, path, "a readable state file");
            close(fd);
            return SC_KS_FILE_UNREADABLE;
        }
        if (n == 0) {
            break;
        }
        *len += (size_t)n;
    }
    close(fd);
    return SC_KS_FILE_OK;
}

sc_ks_file_status sc_ks_file_read(const sc_ks_paths *p, sc_killswitch *ks, sc_ns now_ns,
                                  sc_errinfo *err) {
    SC_ASSERT(p != NULL && ks != NULL);
    char buf[SC_KS_TEXT_MAX + 2];
    size_t len = 0;
    sc_errinfo local;
    sc_errinfo *ei = err != NULL ? err : &local;
    sc_errinfo_clear(ei);
    sc_ks_file_status st = read_text(p->state, buf, sizeof(buf), &len, ei);
    if (st == SC_KS_FILE_ABSENT) {
        return st;
    }
    if (st == SC_KS_FILE_UNREADABLE) {
        char reason[SC_KS_REASON_MAX + 1];
        snprintf(reason, sizeof(reason), "state file unreadable: %.150s", ei->got);
        sc_killswitch_fail_closed(ks, reason, now_ns);
        return st;
    }
    sc_err e = sc_killswitch_load(ks, buf, len, now_ns, ei);
    ei->source = p->state;
    SC_ASSERT(e == SC_OK || sc_killswitch_is_tripped(ks, now_ns));
    return e == SC_OK ? SC_KS_FILE_OK : SC_KS_FILE_CORRUPT;
}

static bool write_all(int fd, const char *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        done += (size_t)n;
    }
    return true;
}

/* fsync of the folder holding path, so a rename or a new file survives a
 * power cut. */
static sc_err sync_dir(const char *path, sc_errinfo *err) {
    char dir[SC_KS_PATH_MAX + 16];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) {
        snprintf(dir, sizeof(dir), ".");
    } else if (slash == dir) {
        dir[1] = '\0';
    } else {
        *slash = '\0';
    }
    int fd = open(dir, O_RDONLY);
    if (fd < 0) {
        return io_fail(err, path, "its folder to open for fsync");
    }
    int rc = fsync(fd);
    /* Some file systems refuse fsync on a folder (EINVAL): nothing to do. */
    if (rc != 0 && errno != EINVAL) {
        io_fail(err, path, "its folder to fsync");
        close(fd);
        return SC_ERR_IO;
    }
    close(fd);
    return SC_OK;
}

sc_err sc_ks_file_write(const sc_ks_paths *p, const sc_killswitch *ks, sc_errinfo *err) {
    SC_ASSERT(p != NULL && ks != NULL);
    char buf[SC_KS_TEXT_MAX];
    size_t len = sc_killswitch_serialize(ks, buf, sizeof(buf));
    SC_ASSERT(len > 0 && len < sizeof(buf));
    int fd = open(p->temp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        return io_fail(err, p->temp, "a temp file to create");
    }
    if (!write_all(fd, buf, len) || fsync(fd) != 0) {
        io_fail(err, p->temp, "the temp file written and synced");
        close(fd);
        unlink(p->temp);
        return SC_ERR_IO;
    }
    if (close(fd) != 0) {
        io_fail(err, p->temp, "the temp file closed");
        unlink(p->temp);
        return SC_ERR_IO;
    }
    if (rename(p->temp, p->state) != 0) {
        io_fail(err, p->state, "the temp file renamed over it");
        unlink(p->temp);
        return SC_ERR_IO;
    }
    return sync_dir(p->state, err);
}

sc_err sc_ks_file_keep_corrupt(const sc_ks_paths *p, sc_errinfo *err) {
    SC_ASSERT(p != NULL);
    if (rename(p->state, p->corrupt) != 0 && errno != ENOENT) {
        return io_fail(err, p->corrupt, "the corrupt state file moved here");
    }
    return sync_dir(p->state, err);
}

/* The event as one compact JSON line, keys in a fixed order. */
static char *audit_line(const sc_ks_event *ev, const char *source) {
    char t[40];
    json_t *o = json_object();
    if (o == NULL) {
        return NULL;
    }
    const char *user = getenv("USER");
    int bad = 0;
    bad |= json_object_set_new(o, "seq", json_integer(ev->seq));
    bad |= json_object_set_new(o, "event",
                               json_string(ev->kind == SC_KS_EVENT_TRIP ? "trip" : "reset"));
    bad |= json_object_set_new(o, "trigger", json_string(sc_ks_trigger_name(ev->trigger)));
    bad |= json_object_set_new(o, "time", json_string(sc_ns_format_utc(ev->ts_ns, t, sizeof(t))));
    bad |= json_object_set_new(o, "ts_ns", json_integer(ev->ts_ns));
    bad |= json_object_set_new(o, "observed", json_integer(ev->values.observed));
    bad |= json_object_set_new(o, "limit", json_integer(ev->values.limit));
    bad |= json_object_set_new(o, "unit", json_string(sc_ks_trigger_unit(ev->trigger)));
    bad |= json_object_set_new(o, "reason", json_string(ev->reason));
    bad |= json_object_set_new(o, "source", json_string(source));
    bad |= json_object_set_new(o, "user", json_string(user != NULL ? user : "?"));
    char *s = bad == 0 ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return s;
}

sc_err sc_ks_audit_append(const sc_ks_paths *p, const sc_ks_event *ev, const char *source,
                          sc_errinfo *err) {
    SC_ASSERT(p != NULL && ev != NULL && source != NULL);
    SC_ASSERT(ev->seq >= 1);
    char *s = audit_line(ev, source);
    if (s == NULL) {
        errno = ENOMEM;
        return io_fail(err, p->audit, "the audit line built");
    }
    char line[SC_KS_AUDIT_LINE_MAX];
    int n = snprintf(line, sizeof(line), "%s\n", s);
    free(s);
    SC_ASSERT(n > 0 && (size_t)n < sizeof(line)); /* reasons are bounded */
    int fd = open(p->audit, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0) {
        return io_fail(err, p->audit, "the audit log to open for appending");
    }
    if (!write_all(fd, line, (size_t)n) || fsync(fd) != 0) {
        io_fail(err, p->audit, "the audit line appended and synced");
        close(fd);
        return SC_ERR_IO;
    }
    close(fd);
    return sync_dir(p->audit, err);
}

sc_err sc_ks_file_lock(const sc_ks_paths *p, int *fd_out, sc_errinfo *err) {
    SC_ASSERT(p != NULL && fd_out != NULL);
    *fd_out = -1;
    int fd = open(p->lock, O_RDWR | O_CREAT, 0644);
    if (fd < 0) {
        return io_fail(err, p->lock, "the lock file to open");
    }
    struct flock fl;
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    for (int i = 0; i < SC_KS_LOCK_TRIES; i++) {
        if (fcntl(fd, F_SETLK, &fl) == 0) {
            *fd_out = fd;
            return SC_OK;
        }
        if (errno != EACCES && errno != EAGAIN && errno != EINTR) {
            break;
        }
        struct timespec ts = {0, SC_KS_LOCK_WAIT_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    io_fail(err, p->lock, "the lock (another scalper holds it?)");
    close(fd);
    return SC_ERR_IO;
}

void sc_ks_file_unlock(int fd) {
    if (fd >= 0) {
        close(fd); /* closing releases the fcntl lock */
    }
}
