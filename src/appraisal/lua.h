/* Sandboxed Lua 5.4 appraisal policies.
 *
 * A policy script defines a global function `appraise(claims, refvals)` and returns nothing else.
 * `claims` is the normalized claims document and `refvals` the reference values document, both as
 * read-only Lua tables (JSON objects → tables, arrays → sequences from 1, null → nil). It returns a
 * table: { status = "affirming"|"warning"|"contraindicated"|"none" (optional: derived from the
 * vector when absent), trustworthiness = { ["instance-identity"] = n, configuration = n,
 * executables = n, ["file-system"] = n, hardware = n, ["runtime-opaque"] = n,
 * ["storage-opaque"] = n, ["sourced-data"] = n } (AR4SI codes -128..127, each optional),
 * reason = "text" (optional) }.
 *
 * Sandbox: only the base functions assert error ipairs next pairs pcall select tonumber tostring
 * type xpcall, and the string (without string.dump), table, math and utf8 libraries; no io, os,
 * package, require, load/loadstring/dofile/loadfile, debug, collectgarbage, coroutine, setmetatable
 * on shared tables, print. Only text chunks are loaded (mode "t"). An instruction budget and a
 * memory cap bound every run.
 */
#ifndef UAT_APPRAISAL_LUA_H
#define UAT_APPRAISAL_LUA_H

#include <jansson.h>

#include "core/buf.h"

typedef struct uat_lua_limits {
    uint64_t max_instructions; /* e.g. 10 000 000 */
    size_t max_memory;         /* bytes, e.g. 16 MiB */
} uat_lua_limits;

/* Checks that the script compiles (text only) and defines appraise(); VERIFY_POLICY with the Lua
 * message otherwise. */
UAT_MUST_USE uat_err uat_lua_check(const char *script, size_t len, const uat_lua_limits *lim);

/* Runs appraise(claims, refvals) in a fresh sandboxed state. On success *result is a JSON object
 * {"status"?: s, "trustworthiness": {...}, "reason"?: s} checked for types and ranges.
 * Any script error, budget or memory exhaustion, or malformed return value fails with
 * UAT_ERR_VERIFY_POLICY and a one-sentence detail (uat_last_error()->message) — never a crash. */
UAT_MUST_USE uat_err uat_lua_appraise(const char *script, size_t len, const json_t *claims,
                                      const json_t *refvals, const uat_lua_limits *lim,
                                      json_t **result);

#endif
