/*
 * c-types: a test plugin exercising every field type and every way a plugin
 * can break the contract, for the host's tests. Built several times with
 * different -D flags:
 *
 *   (none)                   a valid plugin; behaviour chosen by config {"mode": "..."}
 *   -DMQA_TEST_ABI_MAJOR=N   declares ABI major N
 *   -DMQA_TEST_ABI_MINOR=N   declares ABI minor N
 *   -DMQA_TEST_NO_ENTRY      exports no entry symbol at all
 *   -DMQA_TEST_ENTRY_V2      exports mqa_plugin_entry_v2 instead of _v1
 *   -DMQA_TEST_BAD_TYPE      declares a field with type code 9
 *   -DMQA_TEST_NULL_DESC     the entry returns NULL
 *
 * Modes: ok, error, open-error, wrong-type, few-columns, bad-offsets,
 * bad-utf8, bad-bool, empty-key, null-values, offset-text (text offsets that
 * start past 0, a missing value whose slot holds bytes, multi-byte UTF-8).
 */
#include "mqa_plugin.h"

#include <stdlib.h>
#include <string.h>

#ifndef MQA_TEST_ABI_MAJOR
#define MQA_TEST_ABI_MAJOR MQA_ABI_MAJOR
#endif
#ifndef MQA_TEST_ABI_MINOR
#define MQA_TEST_ABI_MINOR MQA_ABI_MINOR
#endif
#ifdef MQA_TEST_BAD_TYPE
#define INT_CODE 9
#else
#define INT_CODE MQA_TYPE_INT
#endif

static const MqaFieldDesc FIELDS[] = {
    { MQA_STR_LIT("label"), MQA_TYPE_TEXT },
    { MQA_STR_LIT("count"), INT_CODE },
    { MQA_STR_LIT("ratio"), MQA_TYPE_NUMBER },
    { MQA_STR_LIT("flag"), MQA_TYPE_BOOL },
    { MQA_STR_LIT("seen"), MQA_TYPE_TIME },
};

typedef struct Handle { char mode[32]; } Handle;

/* Static data: a batch needs no allocation, so free_batch has nothing to free. */
static const uint64_t ACCOUNT_OFFSETS[] = {0, 2, 4, 6};
static const uint64_t BAD_OFFSETS[] = {0, 4, 2, 6};
static const uint64_t EMPTY_KEY_OFFSETS[] = {0, 2, 2, 4};
static const uint8_t ACCOUNT_DATA[] = "k1k2k3";
static const int64_t AT[] = {10, 20, 30};
static const uint64_t LABEL_OFFSETS[] = {0, 1, 1, 3};
static const uint8_t LABEL_DATA[] = "a\xc3\xbc";     /* "a", "", "ü" */
static const uint8_t BAD_LABEL_DATA[] = "a\xff\xfe"; /* not UTF-8 */
static const uint8_t LABEL_VALID[] = {1, 0, 1};
/* offset-text: keys "k1", "k2", "é" after 2 unused bytes; labels "a",
 * missing (its slot holds "skip"), "日本" after 3 unused bytes. */
static const uint64_t SHIFTED_ACCOUNT_OFFSETS[] = {2, 4, 6, 8};
static const uint8_t SHIFTED_ACCOUNT_DATA[] = "--k1k2" "\xc3\xa9";
static const uint64_t SHIFTED_LABEL_OFFSETS[] = {3, 4, 8, 14};
static const uint8_t SHIFTED_LABEL_DATA[] = "abca" "skip" "\xe6\x97\xa5" "\xe6\x9c\xac";
static const int64_t COUNT[] = {1, 2, 0};
static const uint8_t COUNT_VALID[] = {1, 1, 0};
static const double RATIO[] = {0.5, 0, -1};
static const uint8_t RATIO_VALID[] = {1, 0, 1};
static const uint8_t FLAG[] = {1, 0, 0};
static const uint8_t BAD_FLAG[] = {1, 2, 0};
static const uint8_t FLAG_VALID[] = {1, 1, 0};
static const int64_t SEEN[] = {1000000, 0, 3000000};
static const uint8_t SEEN_VALID[] = {1, 0, 1};
static const MqaReject REJECTS[] = {
    { 0, MQA_STR_LIT("api page 2"), MQA_STR_LIT("{\"id\":null}"), MQA_STR_LIT("no account id") },
};

static MqaStr message(const char *s) {
    size_t n = strlen(s);
    uint8_t *p = malloc(n);
    MqaStr m = { p, p ? n : 0 };
    if (p) memcpy(p, s, n);
    return m;
}

static int has(MqaStr config, const char *word) {
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= config.len; i++)
        if (memcmp(config.ptr + i, word, n) == 0) return 1;
    return 0;
}

static int32_t t_open(MqaStr config, void **handle_out, MqaStr *error_out) {
    static const char *modes[] = {"\"open-error\"", "\"wrong-type\"", "\"few-columns\"",
                                  "\"bad-offsets\"", "\"bad-utf8\"", "\"bad-bool\"",
                                  "\"empty-key\"", "\"null-values\"", "\"offset-text\"",
                                  "\"error\"", "\"ok\""};
    Handle *h = calloc(1, sizeof *h);
    if (!h) return MQA_STATUS_ERROR;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (has(config, modes[i])) {
            size_t n = strlen(modes[i]) - 2;
            memcpy(h->mode, modes[i] + 1, n);
            break;
        }
    }
    if (strcmp(h->mode, "open-error") == 0 || h->mode[0] == 0) {
        *error_out = message(h->mode[0] ? "open refused on purpose" : "unknown mode");
        free(h);
        return MQA_STATUS_ERROR;
    }
    *handle_out = h;
    return MQA_STATUS_OK;
}

static MqaColumn COLUMNS[5];

static int32_t t_fetch(void *handle, const MqaRequest *req, MqaBatch *out, MqaStr *error_out) {
    const char *mode = ((Handle *)handle)->mode;
    (void)req;
    if (strcmp(mode, "error") == 0) {
        *error_out = message("the vendor API said 503");
        return MQA_STATUS_ERROR;
    }
    int shifted = strcmp(mode, "offset-text") == 0;
    MqaColumn c[5];
    memset(c, 0, sizeof c);
    c[0].type_code = MQA_TYPE_TEXT;
    c[0].validity = LABEL_VALID;
    c[0].text.offsets = shifted ? SHIFTED_LABEL_OFFSETS : LABEL_OFFSETS;
    c[0].text.data = shifted                        ? SHIFTED_LABEL_DATA
                   : strcmp(mode, "bad-utf8") == 0 ? BAD_LABEL_DATA
                                                   : LABEL_DATA;
    c[0].text.data_len = shifted ? 14 : 3;
    c[1].type_code = strcmp(mode, "wrong-type") == 0 ? MQA_TYPE_NUMBER : MQA_TYPE_INT;
    c[1].validity = COUNT_VALID;
    c[1].ints = strcmp(mode, "null-values") == 0 ? NULL : COUNT;
    c[2].type_code = MQA_TYPE_NUMBER;
    c[2].validity = RATIO_VALID;
    c[2].numbers = RATIO;
    c[3].type_code = MQA_TYPE_BOOL;
    c[3].validity = FLAG_VALID;
    c[3].bools = strcmp(mode, "bad-bool") == 0 ? BAD_FLAG : FLAG;
    c[4].type_code = MQA_TYPE_TIME;
    c[4].validity = SEEN_VALID;
    c[4].ints = SEEN;
    memcpy(COLUMNS, c, sizeof c); /* one handle at a time: thread_safe is 0 */

    out->rows = 3;
    out->account.offsets = strcmp(mode, "bad-offsets") == 0 ? BAD_OFFSETS
                         : strcmp(mode, "empty-key") == 0   ? EMPTY_KEY_OFFSETS
                         : shifted                          ? SHIFTED_ACCOUNT_OFFSETS
                                                            : ACCOUNT_OFFSETS;
    out->account.data = shifted ? SHIFTED_ACCOUNT_DATA : ACCOUNT_DATA;
    out->account.data_len = shifted ? 8 : 6;
    out->at = AT;
    out->columns = COLUMNS;
    out->column_count = strcmp(mode, "few-columns") == 0 ? 4 : 5;
    out->rejects = REJECTS;
    out->reject_count = 1;
    out->private_data = NULL;
    return MQA_STATUS_OK;
}

static void t_free_batch(MqaBatch *batch) { memset(batch, 0, sizeof *batch); }
static void t_close(void *handle) { free(handle); }
static void t_free_error(MqaStr m) { free((void *)m.ptr); }

static const MqaPluginDescriptor DESCRIPTOR = {
    sizeof(MqaPluginDescriptor),
    MQA_TEST_ABI_MAJOR,
    MQA_TEST_ABI_MINOR,
    MQA_STR_LIT("c-types"),
    MQA_STR_LIT("0.1.0"),
    MQA_STR_LIT("mqa tests"),
    MQA_JOIN_ID,
    0,
    FIELDS,
    5,
    t_open,
    t_fetch,
    t_free_batch,
    t_close,
    t_free_error,
};

#if defined(MQA_TEST_NO_ENTRY)
MQA_EXPORT const MqaPluginDescriptor *some_other_function(void) { return &DESCRIPTOR; }
#elif defined(MQA_TEST_ENTRY_V2)
MQA_EXPORT const MqaPluginDescriptor *mqa_plugin_entry_v2(void) { return &DESCRIPTOR; }
#elif defined(MQA_TEST_NULL_DESC)
MQA_EXPORT const MqaPluginDescriptor *mqa_plugin_entry_v1(void) { return 0 ? &DESCRIPTOR : NULL; }
#else
MQA_EXPORT const MqaPluginDescriptor *mqa_plugin_entry_v1(void) { return &DESCRIPTOR; }
#endif
