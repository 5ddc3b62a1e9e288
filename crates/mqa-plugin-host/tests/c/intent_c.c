/*
 * intent-c: an mqa signal plugin written in C from plugins/include/mqa_plugin.h
 * alone -- the proof that the header is enough for a vendor. It reads the
 * same weekly intent export as the Rust intent-csv plugin
 * (`domain,topic,score,week`, in that order) and serves `topic: text,
 * score: number` joined on `domain`, `at` = the week's date at 00:00:00Z.
 *
 * Limits (fine for a test plugin): no quoted fields (a row with a quote is
 * rejected), lines up to 64 KiB, the config parser only understands
 * {"path": "..."} with \" and \\ escapes.
 *
 * Build: cc -shared -fPIC -std=c11 -I plugins/include intent_c.c -o libintent_c.so
 */
#define _POSIX_C_SOURCE 200809L
#include "mqa_plugin.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers --------------------------------------------------- */

typedef struct Buf {
    uint8_t *p;
    size_t len, cap;
} Buf;

static int buf_reserve(Buf *b, size_t extra) {
    if (b->len + extra <= b->cap) return 1;
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + extra) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) return 0;
    b->p = p;
    b->cap = cap;
    return 1;
}

static int buf_push(Buf *b, const void *data, size_t n) {
    if (!buf_reserve(b, n)) return 0;
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
    return 1;
}

/* An error message the host frees with plugin_free_error. */
static void set_error(MqaStr *error_out, const char *fmt, ...) {
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof tmp) n = sizeof tmp - 1;
    uint8_t *p = malloc((size_t)n + 1);
    if (!p) { error_out->ptr = NULL; error_out->len = 0; return; }
    memcpy(p, tmp, (size_t)n);
    error_out->ptr = p;
    error_out->len = (size_t)n;
}

static MqaStr dup_str(const char *s, size_t n) {
    MqaStr out = { NULL, 0 };
    uint8_t *p = malloc(n ? n : 1);
    if (!p) return out;
    memcpy(p, s, n);
    out.ptr = p;
    out.len = n;
    return out;
}

/* Days since 1970-01-01 (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Parses YYYY-MM-DD into microseconds at 00:00:00Z; 0 on failure. */
static int parse_week(const char *s, size_t n, int64_t *out) {
    if (n != 10 || s[4] != '-' || s[7] != '-') return 0;
    for (size_t i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return 0;
    int y = (s[0]-'0')*1000 + (s[1]-'0')*100 + (s[2]-'0')*10 + (s[3]-'0');
    unsigned m = (unsigned)((s[5]-'0')*10 + (s[6]-'0'));
    unsigned d = (unsigned)((s[8]-'0')*10 + (s[9]-'0'));
    static const unsigned mdays[] = {31,28,31,30,31,30,31,31,30,31,30,31};
    if (m < 1 || m > 12 || d < 1) return 0;
    unsigned max = mdays[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) max = 29;
    if (d > max) return 0;
    *out = days_from_civil(y, m, d) * 86400LL * 1000000LL;
    return 1;
}

/* ---- the plugin ------------------------------------------------------- */

typedef struct Handle {
    char *path;
} Handle;

/* Everything a batch owns, freed by plugin_free_batch. */
typedef struct Owned {
    Buf account_offsets, account_data, at;
    Buf topic_offsets, topic_data, topic_valid;
    Buf score, score_valid;
    Buf rejects; /* MqaReject[], each with malloc'd strings */
    MqaColumn columns[2];
} Owned;

static const MqaFieldDesc FIELDS[] = {
    { MQA_STR_LIT("topic"), MQA_TYPE_TEXT },
    { MQA_STR_LIT("score"), MQA_TYPE_NUMBER },
};

static int32_t plugin_open(MqaStr config, void **handle_out, MqaStr *error_out) {
    /* Find "path" then its string value. */
    const char *c = (const char *)config.ptr;
    size_t n = config.len, i = 0;
    const char *key = "\"path\"";
    size_t klen = strlen(key);
    while (i + klen <= n && memcmp(c + i, key, klen) != 0) i++;
    if (i + klen > n) {
        set_error(error_out, "the setting `path` is missing");
        return MQA_STATUS_ERROR;
    }
    i += klen;
    while (i < n && (c[i] == ' ' || c[i] == ':' || c[i] == '\t')) i++;
    if (i >= n || c[i] != '"') {
        set_error(error_out, "the setting `path` must be a text");
        return MQA_STATUS_ERROR;
    }
    i++;
    Buf path = {0};
    while (i < n && c[i] != '"') {
        if (c[i] == '\\' && i + 1 < n) i++;
        if (!buf_push(&path, c + i, 1)) { free(path.p); return MQA_STATUS_ERROR; }
        i++;
    }
    if (!buf_push(&path, "", 1)) { free(path.p); return MQA_STATUS_ERROR; }
    FILE *f = fopen((char *)path.p, "rb");
    if (!f) {
        set_error(error_out, "cannot open intent file `%s`: %s", (char *)path.p, strerror(errno));
        free(path.p);
        return MQA_STATUS_ERROR;
    }
    fclose(f);
    Handle *h = malloc(sizeof *h);
    if (!h) { free(path.p); set_error(error_out, "out of memory"); return MQA_STATUS_ERROR; }
    h->path = (char *)path.p;
    *handle_out = h;
    return MQA_STATUS_OK;
}

static int add_reject(Owned *o, const char *path, uint64_t line, const char *raw, size_t raw_len,
                      const char *reason) {
    MqaReject r;
    r.line = line;
    r.origin = dup_str(path, strlen(path));
    r.raw = dup_str(raw, raw_len);
    r.reason = dup_str(reason, strlen(reason));
    return buf_push(&o->rejects, &r, sizeof r);
}

static int wanted_key(const MqaRequest *req, const char *s, size_t n) {
    if (req->account_key_count == 0) return 1;
    for (size_t k = 0; k < req->account_key_count; k++) {
        MqaStr key = req->account_keys[k];
        if (key.len == n && memcmp(key.ptr, s, n) == 0) return 1;
    }
    return 0;
}

static void free_owned(Owned *o) {
    MqaReject *r = (MqaReject *)o->rejects.p;
    size_t nr = o->rejects.len / sizeof(MqaReject);
    for (size_t i = 0; i < nr; i++) {
        free((void *)r[i].origin.ptr);
        free((void *)r[i].raw.ptr);
        free((void *)r[i].reason.ptr);
    }
    Buf *bufs[] = {&o->account_offsets, &o->account_data, &o->at, &o->topic_offsets,
                   &o->topic_data, &o->topic_valid, &o->score, &o->score_valid, &o->rejects};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]->p);
    free(o);
}

static int32_t plugin_fetch(void *handle, const MqaRequest *req, MqaBatch *out, MqaStr *error_out) {
    Handle *h = handle;
    if (!h || !req || !out) {
        set_error(error_out, "fetch called with a NULL pointer");
        return MQA_STATUS_INVALID_ARGUMENT;
    }
    FILE *f = fopen(h->path, "rb");
    if (!f) {
        set_error(error_out, "cannot read intent file `%s`: %s", h->path, strerror(errno));
        return MQA_STATUS_ERROR;
    }
    Owned *o = calloc(1, sizeof *o);
    if (!o) { fclose(f); set_error(error_out, "out of memory"); return MQA_STATUS_ERROR; }
    uint64_t zero = 0;
    int ok = buf_push(&o->account_offsets, &zero, sizeof zero) &&
             buf_push(&o->topic_offsets, &zero, sizeof zero);
    size_t rows = 0;
    static char line[65536];
    uint64_t lineno = 0;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (lineno == 1 || n == 0) continue; /* header, blank line */
        const char *field[8];
        size_t flen[8], nf = 0;
        const char *start = line;
        for (size_t i = 0; i <= n; i++) {
            if (i == n || line[i] == ',') {
                if (nf < 8) { field[nf] = start; flen[nf] = (size_t)(line + i - start); }
                nf++;
                start = line + i + 1;
            }
        }
        char reason[256];
        int64_t at = 0;
        double score = 0;
        int has_score = 0;
        if (memchr(line, '"', n)) {
            snprintf(reason, sizeof reason, "quoted fields are not supported");
        } else if (nf != 4) {
            snprintf(reason, sizeof reason, "expected 4 fields, found %zu", nf);
        } else if (flen[0] == 0) {
            snprintf(reason, sizeof reason, "empty domain");
        } else if (flen[3] == 0) {
            snprintf(reason, sizeof reason, "empty week");
        } else if (!parse_week(field[3], flen[3], &at)) {
            snprintf(reason, sizeof reason, "week is not a date (YYYY-MM-DD)");
        } else {
            reason[0] = 0;
            if (flen[2] > 0) {
                char tmp[64];
                char *end = NULL;
                size_t l = flen[2] < 63 ? flen[2] : 63;
                memcpy(tmp, field[2], l);
                tmp[l] = 0;
                score = strtod(tmp, &end);
                has_score = 1;
                if (end == tmp || *end != 0 || flen[2] > 63 || !(score >= 0 && score <= 100))
                    snprintf(reason, sizeof reason, "score is not a number in 0-100");
            }
        }
        if (reason[0]) {
            ok = add_reject(o, h->path, lineno, line, n, reason);
            continue;
        }
        if (!(req->from_micros < at && at <= req->to_micros)) continue;
        if (!wanted_key(req, field[0], flen[0])) continue;
        uint64_t off;
        uint8_t topic_valid = flen[1] > 0, score_valid = (uint8_t)has_score;
        ok = buf_push(&o->account_data, field[0], flen[0]) &&
             (off = o->account_data.len, buf_push(&o->account_offsets, &off, sizeof off)) &&
             buf_push(&o->at, &at, sizeof at) &&
             buf_push(&o->topic_data, field[1], flen[1]) &&
             (off = o->topic_data.len, buf_push(&o->topic_offsets, &off, sizeof off)) &&
             buf_push(&o->topic_valid, &topic_valid, 1) &&
             buf_push(&o->score, &score, sizeof score) &&
             buf_push(&o->score_valid, &score_valid, 1);
        rows++;
    }
    int read_failed = ferror(f);
    fclose(f);
    if (!ok || read_failed) {
        free_owned(o);
        set_error(error_out, "%s while reading `%s`", ok ? "I/O error" : "out of memory", h->path);
        return MQA_STATUS_ERROR;
    }
    MqaColumn *topic = &o->columns[0], *scores = &o->columns[1];
    memset(o->columns, 0, sizeof o->columns);
    topic->type_code = MQA_TYPE_TEXT;
    topic->validity = o->topic_valid.p;
    topic->text.offsets = (const uint64_t *)o->topic_offsets.p;
    topic->text.data = o->topic_data.p;
    topic->text.data_len = o->topic_data.len;
    scores->type_code = MQA_TYPE_NUMBER;
    scores->validity = o->score_valid.p;
    scores->numbers = (const double *)o->score.p;

    out->rows = rows;
    out->account.offsets = (const uint64_t *)o->account_offsets.p;
    out->account.data = o->account_data.p;
    out->account.data_len = o->account_data.len;
    out->at = (const int64_t *)o->at.p;
    out->columns = o->columns;
    out->column_count = 2;
    out->rejects = (const MqaReject *)o->rejects.p;
    out->reject_count = o->rejects.len / sizeof(MqaReject);
    out->private_data = o;
    return MQA_STATUS_OK;
}

static void plugin_free_batch(MqaBatch *batch) {
    if (batch && batch->private_data) free_owned(batch->private_data);
    if (batch) memset(batch, 0, sizeof *batch);
}

static void plugin_close(void *handle) {
    Handle *h = handle;
    if (h) { free(h->path); free(h); }
}

static void plugin_free_error(MqaStr message) { free((void *)message.ptr); }

static const MqaPluginDescriptor DESCRIPTOR = {
    sizeof(MqaPluginDescriptor),
    MQA_ABI_MAJOR,
    MQA_ABI_MINOR,
    MQA_STR_LIT("intent-c"),
    MQA_STR_LIT("1.0.0"),
    MQA_STR_LIT("Example C Vendor"),
    MQA_JOIN_DOMAIN,
    0, /* uses a static line buffer: handles must not run in parallel */
    FIELDS,
    sizeof FIELDS / sizeof FIELDS[0],
    plugin_open,
    plugin_fetch,
    plugin_free_batch,
    plugin_close,
    plugin_free_error,
};

MQA_EXPORT const MqaPluginDescriptor *mqa_plugin_entry_v1(void) { return &DESCRIPTOR; }
