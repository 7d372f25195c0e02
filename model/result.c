/*
 * model/result.c: names and messages of the error codes declared once in
 * model/result.h (see there). Both tables are expanded from MODEL_ERR_TABLE,
 * so a code can never lack a name or a message.
 */
#include "model/result.h"

#include <stddef.h>

static const char *const model_err_names[MODEL_ERR_COUNT] = {
#define MODEL_ERR_NAME(name, msg) #name,
    MODEL_ERR_TABLE(MODEL_ERR_NAME)
#undef MODEL_ERR_NAME
};

static const char *const model_err_messages[MODEL_ERR_COUNT] = {
#define MODEL_ERR_MESSAGE(name, msg) msg,
    MODEL_ERR_TABLE(MODEL_ERR_MESSAGE)
#undef MODEL_ERR_MESSAGE
};

/* err may come from a cast of untrusted data: range-check, never assert. */
static int model_err_in_range(model_err err) {
  return (unsigned)err < (unsigned)MODEL_ERR_COUNT;
}

const char *model_err_name(model_err err) {
  if (!model_err_in_range(err))
    return "?";
  return model_err_names[err];
}

const char *model_err_message(model_err err) {
  if (!model_err_in_range(err))
    return "unknown error";
  return model_err_messages[err];
}
