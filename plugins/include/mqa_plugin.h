/*
 * mqa_plugin.h -- the mqa signal-plugin ABI, version 1.0, for C (and any
 * language that can export C functions).
 *
 * This header is the whole contract: a vendor needs nothing else to write a
 * plugin. It mirrors the Rust crate `mqa-plugin-sdk` (module `abi`) field for
 * field; a test in `mqa-plugin-host` compiles it and compares every size,
 * alignment and offset with the Rust definitions.
 *
 * A plugin is a shared library (`lib<name>.so`, `lib<name>.dylib`,
 * `<name>.dll`, with `-` in the name written `_`) exporting one function:
 *
 *     const MqaPluginDescriptor *mqa_plugin_entry_v1(void);
 *
 * It returns a descriptor that stays valid, unchanged, for the life of the
 * process (a `static const` object is the usual choice), or NULL if the
 * plugin cannot describe itself.
 *
 * Conventions:
 *  - Strings are MqaStr: pointer + byte length, UTF-8, NOT NUL-terminated.
 *    `ptr` may be NULL only when `len` is 0.
 *  - Times are int64_t microseconds since 1970-01-01T00:00:00Z.
 *  - Whoever allocates frees. The host copies every string and array it
 *    receives, then hands the original back: batches to `free_batch`, error
 *    messages to `free_error`. What the host passes in (config, request) is
 *    borrowed for the duration of the call only.
 *  - Functions returning int32_t return a status (MQA_STATUS_OK on success).
 *    On failure they write a message to `*error_out` and leave every other
 *    out-parameter untouched; the host copies the message, passes it to
 *    `free_error`, and does not call `free_batch`.
 *  - Threads: the host calls a handle from one thread at a time, though not
 *    always the same thread. If `thread_safe` is 0 the host also never calls
 *    two handles of the plugin at the same time.
 *  - The library is never unloaded.
 *  - Bad input rows are reported as rejects (MqaReject), never skipped.
 */
#ifndef MQA_PLUGIN_H
#define MQA_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MQA_ABI_MAJOR 1
#define MQA_ABI_MINOR 0
#define MQA_ENTRY_SYMBOL "mqa_plugin_entry_v1"

/* Status codes. */
#define MQA_STATUS_OK 0
#define MQA_STATUS_ERROR 1            /* the plugin failed; *error_out says why */
#define MQA_STATUS_PANIC 2            /* the plugin crashed in a way it caught */
#define MQA_STATUS_INVALID_ARGUMENT 3 /* NULL pointer or non-UTF-8 text from the host */

/* Field type codes, and the MqaColumn array each one uses. */
#define MQA_TYPE_TEXT 1   /* text                      */
#define MQA_TYPE_INT 2    /* ints                      */
#define MQA_TYPE_NUMBER 3 /* numbers                   */
#define MQA_TYPE_BOOL 4   /* bools (one byte, 0 or 1)  */
#define MQA_TYPE_TIME 5   /* ints (microseconds, UTC)  */

/* Join key codes: which account column the records' keys match. */
#define MQA_JOIN_ID 1     /* the account's built-in id */
#define MQA_JOIN_DOMAIN 2 /* the account's domain      */

/* A UTF-8 string: pointer + byte length, not NUL-terminated. */
typedef struct MqaStr {
    const uint8_t *ptr;
    size_t len;
} MqaStr;

/* One declared signal field. */
typedef struct MqaFieldDesc {
    MqaStr name;
    uint32_t type_code; /* MQA_TYPE_* */
} MqaFieldDesc;

/*
 * `rows` strings stored end to end: string i is data[offsets[i] .. offsets[i+1]].
 * `offsets` has rows + 1 entries, never decreasing, the last at most data_len.
 */
typedef struct MqaText {
    const uint64_t *offsets;
    const uint8_t *data;
    size_t data_len;
} MqaText;

/*
 * One column, `rows` values long. Exactly one value array is used, chosen by
 * type_code (see MQA_TYPE_*); leave the others NULL. `validity` is NULL when
 * every value is present, else `rows` bytes where 0 marks a missing value
 * (the value slot is then ignored; for text, give it an empty range).
 */
typedef struct MqaColumn {
    uint32_t type_code;
    const uint8_t *validity;
    const int64_t *ints;
    const double *numbers;
    const uint8_t *bools;
    MqaText text;
} MqaColumn;

/* An input row the plugin could not read. */
typedef struct MqaReject {
    uint64_t line;  /* 1-based line number in origin, 0 if not line-based */
    MqaStr origin;  /* where the row came from: a file path, an API page   */
    MqaStr raw;     /* the row as read, untouched                          */
    MqaStr reason;  /* why it was rejected                                 */
} MqaReject;

/*
 * What fetch returns. The host zero-fills it before the call; the plugin
 * fills it on success; the host passes the same struct to free_batch.
 * `columns` has one entry per schema field, in schema order. Every account
 * key is non-empty (report a row without a key as a reject).
 */
typedef struct MqaBatch {
    size_t rows;
    MqaText account;        /* the join key of each record */
    const int64_t *at;      /* the time of each record     */
    const MqaColumn *columns;
    size_t column_count;
    const MqaReject *rejects;
    size_t reject_count;
    void *private_data;     /* the plugin's own, for free_batch */
} MqaBatch;

/*
 * What the host asks for: records of these accounts whose `at` lies in
 * (from_micros, to_micros]. No keys means every account. A plugin may return
 * more than asked (the engine filters), never fewer.
 */
typedef struct MqaRequest {
    uint32_t struct_size; /* sizeof(MqaRequest) as the host knows it */
    const MqaStr *account_keys;
    size_t account_key_count;
    int64_t from_micros;  /* exclusive */
    int64_t to_micros;    /* inclusive */
} MqaRequest;

/* Parses the configuration (a JSON object, already expanded by the engine)
 * and creates a handle. */
typedef int32_t (*MqaOpenFn)(MqaStr config_json, void **handle_out, MqaStr *error_out);
/* Fills *batch_out with the records asked for, plus every rejected row. */
typedef int32_t (*MqaFetchFn)(void *handle, const MqaRequest *request, MqaBatch *batch_out,
                              MqaStr *error_out);
/* Releases everything a successful fetch put in the batch. */
typedef void (*MqaFreeBatchFn)(MqaBatch *batch);
/* Destroys a handle made by open. */
typedef void (*MqaCloseFn)(void *handle);
/* Releases a message written to an error_out. */
typedef void (*MqaFreeErrorFn)(MqaStr message);

/* The first three fields of every descriptor version: the host reads these first. */
typedef struct MqaDescriptorHeader {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;
} MqaDescriptorHeader;

typedef struct MqaPluginDescriptor {
    uint32_t struct_size; /* sizeof(MqaPluginDescriptor)       */
    uint16_t abi_major;   /* MQA_ABI_MAJOR                     */
    uint16_t abi_minor;   /* MQA_ABI_MINOR                     */
    MqaStr name;          /* ASCII letters, digits, '-', '_', '.' */
    MqaStr version;
    MqaStr vendor;
    uint32_t join_key;    /* MQA_JOIN_*                        */
    uint32_t thread_safe; /* 1 if distinct handles may run in parallel, else 0 */
    const MqaFieldDesc *fields; /* the schema, besides account and at */
    size_t field_count;
    MqaOpenFn open;
    MqaFetchFn fetch;
    MqaFreeBatchFn free_batch;
    MqaCloseFn close;
    MqaFreeErrorFn free_error;
} MqaPluginDescriptor;

typedef const MqaPluginDescriptor *(*MqaEntryFn)(void);

/* Builds an MqaStr from a string literal. */
#define MQA_STR_LIT(s) { (const uint8_t *)(s), sizeof(s) - 1 }

#if defined(_WIN32)
#define MQA_EXPORT __declspec(dllexport)
#else
#define MQA_EXPORT __attribute__((visibility("default")))
#endif

/* The entry point every plugin defines. */
MQA_EXPORT const MqaPluginDescriptor *mqa_plugin_entry_v1(void);

#ifdef __cplusplus
}
#endif

#endif /* MQA_PLUGIN_H */
