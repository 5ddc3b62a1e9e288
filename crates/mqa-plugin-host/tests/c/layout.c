/*
 * Prints the layout of every type and the value of every constant in
 * mqa_plugin.h, one per line, for tests/header_layout.rs to compare with
 * the Rust definitions in mqa-plugin-sdk:
 *
 *   size <Type> <sizeof> <alignof>
 *   field <Type>.<field> <offsetof>
 *   const <NAME> <value>
 */
#include "mqa_plugin.h"

#include <stdalign.h>
#include <stdio.h>

#define SIZE(T) printf("size %s %zu %zu\n", #T, sizeof(T), alignof(T))
#define FIELD(T, f) printf("field %s.%s %zu\n", #T, #f, offsetof(T, f))
#define CONST(C) printf("const %s %lld\n", #C, (long long)(C))

int main(void) {
    SIZE(MqaStr);
    FIELD(MqaStr, ptr);
    FIELD(MqaStr, len);

    SIZE(MqaFieldDesc);
    FIELD(MqaFieldDesc, name);
    FIELD(MqaFieldDesc, type_code);

    SIZE(MqaText);
    FIELD(MqaText, offsets);
    FIELD(MqaText, data);
    FIELD(MqaText, data_len);

    SIZE(MqaColumn);
    FIELD(MqaColumn, type_code);
    FIELD(MqaColumn, validity);
    FIELD(MqaColumn, ints);
    FIELD(MqaColumn, numbers);
    FIELD(MqaColumn, bools);
    FIELD(MqaColumn, text);

    SIZE(MqaReject);
    FIELD(MqaReject, line);
    FIELD(MqaReject, origin);
    FIELD(MqaReject, raw);
    FIELD(MqaReject, reason);

    SIZE(MqaBatch);
    FIELD(MqaBatch, rows);
    FIELD(MqaBatch, account);
    FIELD(MqaBatch, at);
    FIELD(MqaBatch, columns);
    FIELD(MqaBatch, column_count);
    FIELD(MqaBatch, rejects);
    FIELD(MqaBatch, reject_count);
    FIELD(MqaBatch, private_data);

    SIZE(MqaRequest);
    FIELD(MqaRequest, struct_size);
    FIELD(MqaRequest, account_keys);
    FIELD(MqaRequest, account_key_count);
    FIELD(MqaRequest, from_micros);
    FIELD(MqaRequest, to_micros);

    SIZE(MqaDescriptorHeader);
    FIELD(MqaDescriptorHeader, struct_size);
    FIELD(MqaDescriptorHeader, abi_major);
    FIELD(MqaDescriptorHeader, abi_minor);

    SIZE(MqaPluginDescriptor);
    FIELD(MqaPluginDescriptor, struct_size);
    FIELD(MqaPluginDescriptor, abi_major);
    FIELD(MqaPluginDescriptor, abi_minor);
    FIELD(MqaPluginDescriptor, name);
    FIELD(MqaPluginDescriptor, version);
    FIELD(MqaPluginDescriptor, vendor);
    FIELD(MqaPluginDescriptor, join_key);
    FIELD(MqaPluginDescriptor, thread_safe);
    FIELD(MqaPluginDescriptor, fields);
    FIELD(MqaPluginDescriptor, field_count);
    FIELD(MqaPluginDescriptor, open);
    FIELD(MqaPluginDescriptor, fetch);
    FIELD(MqaPluginDescriptor, free_batch);
    FIELD(MqaPluginDescriptor, close);
    FIELD(MqaPluginDescriptor, free_error);

    CONST(MQA_ABI_MAJOR);
    CONST(MQA_ABI_MINOR);
    CONST(MQA_STATUS_OK);
    CONST(MQA_STATUS_ERROR);
    CONST(MQA_STATUS_PANIC);
    CONST(MQA_STATUS_INVALID_ARGUMENT);
    CONST(MQA_TYPE_TEXT);
    CONST(MQA_TYPE_INT);
    CONST(MQA_TYPE_NUMBER);
    CONST(MQA_TYPE_BOOL);
    CONST(MQA_TYPE_TIME);
    CONST(MQA_JOIN_ID);
    CONST(MQA_JOIN_DOMAIN);
    printf("entry %s\n", MQA_ENTRY_SYMBOL);
    return 0;
}
