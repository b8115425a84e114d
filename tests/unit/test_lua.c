/* Unit tests for the Lua appraisal sandbox (src/appraisal/lua.c): a normal policy, nested claims,
 * the result checks, and one test per escape attempt. Every escape must end in VERIFY_POLICY with a
 * message that says what happened; the bomb tests use a small budget (1e6 instructions, 8 MiB) so
 * each runs in milliseconds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "appraisal/lua.h"

static const uat_lua_limits normal_limits = {10000000u, 16u * 1024u * 1024u};
static const uat_lua_limits bomb_limits = {1000000u, 8u * 1024u * 1024u};

static const char claims_text[] =
    "{\"tee\":\"sgx\",\"measurement\":\"aa11\",\"debug\":false,\"svn\":3,"
    "\"tee_claims\":{\"mr_enclave\":\"aa11\",\"mr_signer\":\"bb22\",\"isv_prod_id\":1,"
    "\"attributes\":{\"flags\":[\"init\",\"mode64bit\"]}},"
    "\"tcb\":{\"status\":\"SWHardeningNeeded\",\"advisory_ids\":[\"INTEL-SA-00334\","
    "\"INTEL-SA-00615\"],\"date\":null}}";
static const char refvals_text[] = "{\"measurement\":\"aa11\",\"allowed_advisories\":"
                                   "[\"INTEL-SA-00334\",\"INTEL-SA-00615\"]}";

static json_t *load(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    assert_non_null(j);
    return j;
}

static uat_err run_with(const char *script, const char *refvals, const uat_lua_limits *lim,
                        json_t **res)
{
    json_t *claims = load(claims_text);
    json_t *rv = load(refvals);
    *res = NULL;
    uat_err rc = uat_lua_appraise(script, strlen(script), claims, rv, lim, res);
    json_decref(claims);
    json_decref(rv);
    return rc;
}

/* Runs the script, expects VERIFY_POLICY with needle in the message (the limit that stopped it).
 * The time taken is printed, not asserted: a shared or sanitized machine may be slow. */
static void expect_contained(const char *what, const char *script, const uat_lua_limits *lim,
                             const char *needle)
{
    json_t *res = NULL;
    clock_t t0 = clock();
    uat_err rc = run_with(script, refvals_text, lim, &res);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    const char *msg = uat_last_error()->message;
    print_message("  %-28s %.3f s  %s\n", what, secs, msg);
    assert_int_equal(rc, UAT_ERR_VERIFY_POLICY);
    assert_null(res);
    if (strstr(msg, needle) == NULL) {
        fail_msg("%s: message \"%s\" does not contain \"%s\"", what, msg, needle);
    }
}

#define POLICY(body) "function appraise(claims, refvals)\n" body "\nend\n"

static const char measurement_policy[] =
    POLICY("if claims.measurement == refvals.measurement then\n"
           "  return { status = 'affirming', trustworthiness = { executables = 2 } }\n"
           "end\n"
           "return { status = 'contraindicated', trustworthiness = { executables = 96 },\n"
           "         reason = 'measurement ' .. claims.measurement .. ' is not the reference' }");

static void test_normal_policy_affirming(void **state)
{
    (void)state;
    json_t *res = NULL;
    assert_int_equal(run_with(measurement_policy, refvals_text, &normal_limits, &res), UAT_OK);
    assert_string_equal(json_string_value(json_object_get(res, "status")), "affirming");
    json_t *tw = json_object_get(res, "trustworthiness");
    assert_int_equal(json_object_size(tw), 1);
    assert_int_equal(json_integer_value(json_object_get(tw, "executables")), 2);
    assert_null(json_object_get(res, "reason"));
    json_decref(res);
}

static void test_normal_policy_contraindicated(void **state)
{
    (void)state;
    json_t *res = NULL;
    assert_int_equal(
        run_with(measurement_policy, "{\"measurement\":\"cc33\"}", &normal_limits, &res), UAT_OK);
    assert_string_equal(json_string_value(json_object_get(res, "status")), "contraindicated");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(res, "trustworthiness"), "executables")),
        96);
    assert_string_equal(json_string_value(json_object_get(res, "reason")),
                        "measurement aa11 is not the reference");
    json_decref(res);
}

/* tee_claims, nested arrays, #, ipairs, pairs, next, table functions on the read-only inputs. */
static void test_nested_claims(void **state)
{
    (void)state;
    static const char script[] =
        POLICY("local t = claims.tee_claims\n"
               "assert(t.mr_signer == 'bb22' and t.isv_prod_id == 1)\n"
               "assert(math.type(claims.svn) == 'integer')\n"
               "assert(t.attributes.flags[2] == 'mode64bit' and #t.attributes.flags == 2)\n"
               "assert(claims.debug == false and claims.tcb.date == nil and next(claims) ~= nil)\n"
               "local allowed = {}\n"
               "for _, id in ipairs(refvals.allowed_advisories) do allowed[id] = true end\n"
               "local n = 0\n"
               "for _, id in ipairs(claims.tcb.advisory_ids) do\n"
               "  if not allowed[id] then return { status = 'contraindicated', reason = id } end\n"
               "  n = n + 1\n"
               "end\n"
               "local keys = 0\n"
               "for k, v in pairs(claims.tee_claims) do keys = keys + 1 end\n"
               "local joined = table.concat(claims.tcb.advisory_ids, ',')\n"
               "local major = string.match(claims.tcb.advisory_ids[1], '^INTEL%-SA%-(%d+)$')\n"
               "return { status = 'warning', reason = joined .. ' ' .. major,\n"
               "  trustworthiness = { hardware = 32 + n, configuration = keys,\n"
               "                      ['instance-identity'] = -1 } }");
    json_t *res = NULL;
    assert_int_equal(run_with(script, refvals_text, &normal_limits, &res), UAT_OK);
    assert_string_equal(json_string_value(json_object_get(res, "status")), "warning");
    json_t *tw = json_object_get(res, "trustworthiness");
    assert_int_equal(json_integer_value(json_object_get(tw, "hardware")), 34);
    assert_int_equal(json_integer_value(json_object_get(tw, "configuration")), 4);
    assert_int_equal(json_integer_value(json_object_get(tw, "instance-identity")), -1);
    assert_string_equal(json_string_value(json_object_get(res, "reason")),
                        "INTEL-SA-00334,INTEL-SA-00615 00334");
    json_decref(res);
}

/* An honest policy that uses most of the default budget finishes, and quickly. */
static void test_busy_policy_within_budget(void **state)
{
    (void)state;
    json_t *res = NULL;
    clock_t t0 = clock();
    assert_int_equal(run_with(POLICY("local n = 0\nfor i = 1, 2500000 do n = n + i % 7 end\n"
                                     "return { reason = tostring(n) }"),
                              refvals_text, &normal_limits, &res),
                     UAT_OK);
    print_message("  7.5e6 instructions in %.3f s\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
    assert_string_equal(json_string_value(json_object_get(res, "reason")), "7500003");
    json_decref(res);
}

/* Everyday patterns on long subjects stay well inside the budget their worst case is charged. */
static void test_patterns_within_budget(void **state)
{
    (void)state;
    static const char script[] =
        POLICY("local csv = string.rep('abcdefgh,', 1000)\n"
               "local n = 0\n"
               "for field in csv:gmatch('[^,]+') do n = n + 1 end\n"
               "local text = string.rep('x', 100000) .. 'INTEL-SA-00615'\n"
               "local at = text:find('SA%-%d+')\n"
               "local trimmed = (string.rep(' ', 50) .. 'v1.2' .. string.rep(' ', "
               "50)):match('^%s*(.-)%s*$')\n"
               "local squeezed = ('a  b   c'):gsub('%s+', ' ')\n"
               "return { reason = n .. ' ' .. at .. ' ' .. trimmed .. ' ' .. squeezed }");
    json_t *res = NULL;
    assert_int_equal(run_with(script, refvals_text, &normal_limits, &res), UAT_OK);
    assert_string_equal(json_string_value(json_object_get(res, "reason")),
                        "1000 100007 v1.2 a b c");
    json_decref(res);
}

/* All eight AR4SI names at the ends of the range; an xpcall handler still runs normally. */
static void test_full_vector_and_xpcall(void **state)
{
    (void)state;
    static const char script[] =
        POLICY("local function h(m) return 'h:' .. m end\n"
               "local ok, e = xpcall(function() error('x', 0) end, h)\n"
               "return { status = 'none', reason = e, trustworthiness = {\n"
               "  ['instance-identity'] = -128, configuration = 127, executables = 0,\n"
               "  ['file-system'] = 1, hardware = 2.0, ['runtime-opaque'] = 33,\n"
               "  ['storage-opaque'] = 96, ['sourced-data'] = -1 } }");
    json_t *res = NULL;
    assert_int_equal(run_with(script, refvals_text, &normal_limits, &res), UAT_OK);
    assert_string_equal(json_string_value(json_object_get(res, "reason")), "h:x");
    json_t *tw = json_object_get(res, "trustworthiness");
    assert_int_equal(json_object_size(tw), 8);
    assert_int_equal(json_integer_value(json_object_get(tw, "instance-identity")), -128);
    assert_int_equal(json_integer_value(json_object_get(tw, "configuration")), 127);
    assert_int_equal(json_integer_value(json_object_get(tw, "hardware")), 2);
    json_decref(res);
}

static void test_status_optional_and_empty_result(void **state)
{
    (void)state;
    json_t *res = NULL;
    assert_int_equal(run_with(POLICY("return {}"), refvals_text, &normal_limits, &res), UAT_OK);
    assert_null(json_object_get(res, "status"));
    assert_true(json_is_object(json_object_get(res, "trustworthiness")));
    assert_int_equal(json_object_size(json_object_get(res, "trustworthiness")), 0);
    json_decref(res);
}

/* A refused allocation is an ordinary error: the script may catch it and carry on. */
static void test_memory_refusal_survivable(void **state)
{
    (void)state;
    json_t *res = NULL;
    static const char script[] =
        POLICY("local ok, e = pcall(string.rep, 'x', 1e9)\n"
               "return { status = 'none', reason = tostring(ok) .. ' ' .. e }");
    assert_int_equal(run_with(script, refvals_text, &bomb_limits, &res), UAT_OK);
    assert_string_equal(json_string_value(json_object_get(res, "reason")),
                        "false not enough memory");
    json_decref(res);
}

static void test_escape_os_io_package(void **state)
{
    (void)state;
    expect_contained("os.execute", POLICY("os.execute('touch /tmp/pwned')"), &normal_limits,
                     "global 'os'");
    expect_contained("io.open", POLICY("io.open('/etc/passwd')"), &normal_limits, "global 'io'");
    expect_contained("require", POLICY("require('os')"), &normal_limits, "global 'require'");
    expect_contained("package.loadlib", POLICY("package.loadlib('libc.so.6', 'system')"),
                     &normal_limits, "global 'package'");
    expect_contained("debug.sethook", POLICY("debug.sethook()"), &normal_limits, "global 'debug'");
    expect_contained("coroutine", POLICY("coroutine.wrap(print)"), &normal_limits,
                     "global 'coroutine'");
    expect_contained("print", POLICY("print('x')"), &normal_limits, "global 'print'");
    expect_contained("_G.os", POLICY("_G.os.exit()"), &normal_limits, "field 'os'");
}

static void test_escape_loading(void **state)
{
    (void)state;
    expect_contained("string.dump", POLICY("return string.dump(appraise)"), &normal_limits,
                     "field 'dump'");
    expect_contained(
        "load bytecode",
        POLICY("return load('\\27Lua\\84\\0\\25\\147\\r\\n\\26\\n\\4\\8\\8', 'x', 'b')()"),
        &normal_limits, "global 'load'");
    expect_contained("load text", POLICY("return load('return 1')()"), &normal_limits,
                     "global 'load'");
    expect_contained("loadstring", POLICY("return loadstring('return 1')()"), &normal_limits,
                     "global 'loadstring'");
    expect_contained("dofile", POLICY("dofile('/etc/passwd')"), &normal_limits, "global 'dofile'");
    expect_contained("loadfile", POLICY("loadfile('/etc/passwd')"), &normal_limits,
                     "global 'loadfile'");
    expect_contained("collectgarbage", POLICY("collectgarbage('stop')"), &normal_limits,
                     "global 'collectgarbage'");
}

/* The script itself as a binary chunk: refused by the loader (mode "t"). */
static void test_bytecode_script_rejected(void **state)
{
    (void)state;
    static const char chunk[] = "\x1bLua\x54\x00\x19\x93\r\n\x1a\n\x04\x08\x08\x78\x56\0\0";
    assert_int_equal(uat_lua_check(chunk, sizeof(chunk) - 1, &normal_limits),
                     UAT_ERR_VERIFY_POLICY);
    assert_non_null(strstr(uat_last_error()->message, "binary chunk"));
    json_t *claims = load(claims_text), *res = NULL;
    assert_int_equal(
        uat_lua_appraise(chunk, sizeof(chunk) - 1, claims, claims, &normal_limits, &res),
        UAT_ERR_VERIFY_POLICY);
    assert_null(res);
    json_decref(claims);
}

static void test_escape_memory_bombs(void **state)
{
    (void)state;
    expect_contained("string.rep 1e9", POLICY("return string.rep('x', 1e9)"), &bomb_limits,
                     "memory limit");
    expect_contained("table growth",
                     POLICY("local t, i = {}, 0\n"
                            "while true do i = i + 1; t[i] = string.rep('x', 4096) .. i end"),
                     &bomb_limits, "memory limit");
    expect_contained("concat doubling", POLICY("local s = 'x'\nwhile true do s = s .. s end"),
                     &bomb_limits, "memory limit");
}

static void test_escape_cpu(void **state)
{
    (void)state;
    expect_contained("while true", POLICY("while true do end"), &bomb_limits, "budget");
    expect_contained("pcall around loop",
                     POLICY("while true do pcall(function() while true do end end) end"),
                     &bomb_limits, "budget");
    expect_contained("xpcall handler loop",
                     POLICY("while true do xpcall(function() while true do end end,\n"
                            "  function() while true do end end) end"),
                     &bomb_limits, "budget");
    expect_contained("top-level loop", "while true do end\nfunction appraise() return {} end",
                     &bomb_limits, "budget");
    expect_contained("pattern backtracking",
                     POLICY("return string.rep('a', 5000):find('.-.-.-.-.-.-b')"), &bomb_limits,
                     "budget");
    expect_contained("plain find quadratic",
                     POLICY("local s = string.rep('a', 1000000)\n"
                            "return s:find(string.rep('a', 500000) .. 'b', 1, true)"),
                     &bomb_limits, "budget");
    const uat_lua_limits small = {100000u, 16u * 1024u * 1024u}; /* time guard: 0.35 s CPU */
    expect_contained("long string compares",
                     POLICY("local a, b = string.rep('x', 4e6), string.rep('x', 4e6)\n"
                            "while true do local _ = (a == b) end"),
                     &small, "time limit");
    expect_contained("table.move range", POLICY("table.move({}, 1, math.maxinteger - 1, 1, {})"),
                     &bomb_limits, "budget");
}

static void test_escape_recursion(void **state)
{
    (void)state;
    expect_contained("deep recursion", POLICY("local function f() return f() + 1 end\nreturn f()"),
                     &bomb_limits, "memory limit");
    const uat_lua_limits roomy = {10000000u, 128u * 1024u * 1024u}; /* room for Lua's stack limit */
    expect_contained("deep recursion (128 MiB)",
                     POLICY("local function f() return f() + 1 end\nreturn f()"), &roomy,
                     "stack overflow");
    expect_contained("C stack recursion",
                     POLICY("local function f() return string.gsub('x', 'x', f) end\nreturn f()"),
                     &normal_limits, "stack overflow");
    expect_contained("handler recursion",
                     POLICY("local function h(e) error(e) end\n"
                            "local ok, e = xpcall(error, h, 'x')\nerror(e, 0)"),
                     &normal_limits, "appraise failed: error in error handling");
}

static void test_escape_error_objects(void **state)
{
    (void)state;
    expect_contained(
        "error table with __tostring",
        POLICY("error(setmetatable({}, { __tostring = function() while true do end end }))"),
        &bomb_limits, "global 'setmetatable'");
    expect_contained("error table", POLICY("error({ 'x' })"), &bomb_limits,
                     "error object is a table");
    expect_contained("error input proxy", POLICY("error(claims)"), &bomb_limits,
                     "error object is a table");
    expect_contained("error nil", POLICY("error()"), &bomb_limits, "error object is a nil");
    expect_contained("error number", POLICY("error(42)"), &bomb_limits, "appraise failed: 42");
    expect_contained("error control chars", POLICY("error('a\\nb\\0c', 0)"), &bomb_limits,
                     "appraise failed: a?b?c");
}

static void test_escape_read_only_inputs(void **state)
{
    (void)state;
    expect_contained("setmetatable(claims)", POLICY("setmetatable(claims, nil)"), &normal_limits,
                     "global 'setmetatable'");
    expect_contained("getmetatable(claims)", POLICY("getmetatable(claims).__index = {}"),
                     &normal_limits, "global 'getmetatable'");
    expect_contained("getmetatable('')", POLICY("getmetatable('').__index = {}"), &normal_limits,
                     "global 'getmetatable'");
    expect_contained("rawset(claims)", POLICY("rawset(claims, 'measurement', 'x')"), &normal_limits,
                     "global 'rawset'");
    expect_contained("rawget(claims)", POLICY("return rawget(claims, 'measurement')"),
                     &normal_limits, "global 'rawget'");
    expect_contained("overwrite claim", POLICY("claims.measurement = refvals.measurement"),
                     &normal_limits, "read-only");
    expect_contained("add claim", POLICY("claims.tee_claims.extra = 1"), &normal_limits,
                     "read-only");
    expect_contained("table.insert on input", POLICY("table.insert(claims.tcb.advisory_ids, 'x')"),
                     &normal_limits, "read-only");
    expect_contained("table.sort on input",
                     POLICY("table.sort(claims.tcb.advisory_ids, function(a, b) return a > b end)"),
                     &normal_limits, "read-only");
    expect_contained("return claims", POLICY("return claims"), &normal_limits,
                     "not one of the read-only inputs");
    expect_contained("return input as vector", POLICY("return { trustworthiness = claims.tcb }"),
                     &normal_limits, "trustworthiness must be a table");
}

static void test_bad_results(void **state)
{
    (void)state;
    expect_contained("return number", POLICY("return 42"), &normal_limits,
                     "must return a table, not a number");
    expect_contained("return nothing", POLICY("return"), &normal_limits,
                     "must return a table, not nil");
    expect_contained("trustworthiness 500",
                     POLICY("return { trustworthiness = { executables = 500 } }"), &normal_limits,
                     "trustworthiness.executables must be an integer from -128 to 127");
    expect_contained("trustworthiness 1.5",
                     POLICY("return { trustworthiness = { hardware = 1.5 } }"), &normal_limits,
                     "trustworthiness.hardware must be an integer");
    expect_contained("trustworthiness string",
                     POLICY("return { trustworthiness = { hardware = '2' } }"), &normal_limits,
                     "trustworthiness.hardware must be an integer");
    expect_contained("trustworthiness unknown key",
                     POLICY("return { trustworthiness = { firmware = 2 } }"), &normal_limits,
                     "key \"firmware\" that is not an AR4SI claim name");
    expect_contained("trustworthiness array", POLICY("return { trustworthiness = { 2 } }"),
                     &normal_limits, "trustworthiness has a key that is not a string");
    expect_contained("bad status", POLICY("return { status = 'ok' }"), &normal_limits,
                     "status must be");
    expect_contained("status with NUL", POLICY("return { status = 'none\\0x' }"), &normal_limits,
                     "status must be");
    expect_contained("long reason", POLICY("return { reason = string.rep('x', 1025) }"),
                     &normal_limits, "reason must be a string of at most 1024 bytes");
    expect_contained("reason not UTF-8", POLICY("return { reason = '\\255' }"), &normal_limits,
                     "not valid UTF-8");
    expect_contained("array result", POLICY("return { 'affirming' }"), &normal_limits,
                     "the result has a key that is not a string");
    expect_contained("unknown field", POLICY("return { verdict = 'ok' }"), &normal_limits,
                     "field \"verdict\"");
}

static void test_script_errors(void **state)
{
    (void)state;
    expect_contained("no appraise", "local x = 1", &normal_limits,
                     "does not define a function appraise");
    expect_contained("appraise not a function", "appraise = 42", &normal_limits,
                     "does not define a function appraise");
    expect_contained("syntax error", "function appraise(claims return {} end", &normal_limits,
                     "does not compile: policy:1:");
    expect_contained("runtime error", POLICY("return claims.nope.deeper"), &normal_limits,
                     "appraise failed: policy:2: attempt to index a nil value (field 'nope')");
    expect_contained("top-level error", "error('boom')", &normal_limits,
                     "top-level code failed: policy:1: boom");
}

static void test_check(void **state)
{
    (void)state;
    assert_int_equal(uat_lua_check(measurement_policy, strlen(measurement_policy), &normal_limits),
                     UAT_OK);
    static const char *const bad[] = {
        "function appraise(",
        "local x = 1",
        "appraise = 1",
        "while true do end",
        "local s = 'x' while true do s = s .. s end",
        "os.exit(1)",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(uat_lua_check(bad[i], strlen(bad[i]), &bomb_limits),
                         UAT_ERR_VERIFY_POLICY);
        print_message("  check %-42s %s\n", bad[i], uat_last_error()->message);
    }
    assert_int_equal(uat_lua_check("function appraise() end", 23, NULL),
                     UAT_ERR_USAGE_INVALID_ARGUMENT);
    uat_lua_limits tiny = {1000u, 1024u};
    assert_int_equal(uat_lua_check("function appraise() end", 23, &tiny), UAT_ERR_VERIFY_POLICY);
}

static void test_input_depth(void **state)
{
    (void)state;
    char deep[2 * 70 + 1];
    memset(deep, '[', 70);
    memset(deep + 70, ']', 70);
    deep[140] = '\0';
    json_t *claims = load(deep), *rv = load("{}"), *res = NULL;
    const char *script = POLICY("return {}");
    assert_int_equal(uat_lua_appraise(script, strlen(script), claims, rv, &normal_limits, &res),
                     UAT_ERR_PARSE_TOO_DEEP);
    assert_null(res);
    json_decref(claims);
    json_decref(rv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_policy_affirming),
        cmocka_unit_test(test_normal_policy_contraindicated),
        cmocka_unit_test(test_nested_claims),
        cmocka_unit_test(test_busy_policy_within_budget),
        cmocka_unit_test(test_patterns_within_budget),
        cmocka_unit_test(test_full_vector_and_xpcall),
        cmocka_unit_test(test_status_optional_and_empty_result),
        cmocka_unit_test(test_memory_refusal_survivable),
        cmocka_unit_test(test_escape_os_io_package),
        cmocka_unit_test(test_escape_loading),
        cmocka_unit_test(test_bytecode_script_rejected),
        cmocka_unit_test(test_escape_memory_bombs),
        cmocka_unit_test(test_escape_cpu),
        cmocka_unit_test(test_escape_recursion),
        cmocka_unit_test(test_escape_error_objects),
        cmocka_unit_test(test_escape_read_only_inputs),
        cmocka_unit_test(test_bad_results),
        cmocka_unit_test(test_script_errors),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_input_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
