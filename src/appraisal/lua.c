/* Sandboxed Lua 5.4 appraisal policies; lua.h is the contract.
 *
 * Every run gets a fresh lua_State. Its allocator counts bytes against max_memory and its count
 * hook charges max_instructions; a refusal from either is an ordinary Lua error, so the state
 * survives it, and we report it from flags kept here rather than from whatever the script made of
 * the error. Everything that can raise a Lua error runs under one lua_pcall; the returned table is
 * read afterwards with calls that neither allocate nor run metamethods.
 *
 * Why the sandbox is shaped the way it is:
 * - Base functions are exactly those lua.h lists. setmetatable, getmetatable and the raw* functions
 *   are removed: a metatable is the only way to register a __gc finalizer, and Lua runs finalizers
 *   with hooks off (lgc.c GCTM), so a looping finalizer would escape the budget. Without user
 *   metatables no error object has a __tostring, and the read-only proxies cannot be unwrapped.
 * - Once the budget is spent the hook fires on every instruction, so a script that catches the
 *   budget error with pcall is stopped again at its next instruction, all the way out; xpcall
 *   handlers no longer run then (Lua would run them with hooks off).
 * - Work inside one C call is invisible to the count hook. The pattern functions (backtracking is
 *   exponential in the pattern) and table.move (a loop over any integer range) are charged their
 *   worst case before they run. Other library calls are linear in data the memory cap bounds, but
 *   repeating them (or comparing two long strings, which is one instruction) multiplies that, so a
 *   time guard also stops a run that uses more than 0.25 s of CPU time plus 1 us per budgeted
 *   instruction: about a hundred times the VM's speed, which no honest policy meets.
 */
#include "appraisal/appraisal_int.h"
#include "appraisal/lua.h"

#include <lua5.4/lauxlib.h>
#include <lua5.4/lua.h>
#include <lua5.4/lualib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK_ARGS "lua.args"
#define CHECK_RUN "lua.run"
#define CHECK_RESULT "lua.result"

#define MAX_INPUT_DEPTH 64u       /* nesting of the claims and reference values given to a script */
#define MAX_REASON_BYTES 1024u    /* the reason a script returns */
#define HOOK_STEP 1000            /* instructions between two calls of the count hook */
#define TIME_BASE_S 0.25          /* time guard: this much CPU time, */
#define TIME_PER_INSTRUCTION 1e-6 /* plus this much per budgeted instruction */

enum stop_reason { RUNNING, STOP_BUDGET, STOP_TIME };
enum phase { PHASE_SETUP, PHASE_LOAD, PHASE_CHUNK, PHASE_DEFINE, PHASE_INPUT, PHASE_APPRAISE };
enum cost_kind { COST_FIND, COST_MATCH, COST_GMATCH, COST_MOVE };

typedef struct sandbox {
    size_t used; /* bytes the state holds */
    size_t max_memory;
    uint64_t budget; /* max_instructions */
    uint64_t left;   /* instructions not yet spent */
    int step;        /* instructions per hook call */
    double deadline; /* CLOCK_THREAD_CPUTIME_ID seconds */
    int refused;     /* an allocation was refused for the cap */
    int host_oom;    /* malloc itself failed */
    int too_deep;    /* the input nests deeper than MAX_INPUT_DEPTH */
    enum stop_reason stopped;
    enum phase phase;
} sandbox;

struct run_args {
    const char *script;
    size_t len;
    const json_t *claims;
    const json_t *refvals;
    int check_only;
};

/* the AR4SI names: uat_tw_names (policy.c) */
#define tw_names uat_tw_names
static const char *const statuses[4] = {"affirming", "warning", "contraindicated", "none"};
static const char *const allowed_globals[] = {
    "assert",   "error",        "ipairs",       "next",          "pairs",        "pcall",
    "select",   "tonumber",     "tostring",     "type",          "xpcall",       "_G",
    "_VERSION", LUA_STRLIBNAME, LUA_TABLIBNAME, LUA_MATHLIBNAME, LUA_UTF8LIBNAME};

/* ---- limits: memory, instructions, time ---- */

static void *sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    sandbox *sb = ud;
    size_t old = ptr != NULL ? osize : 0; /* with ptr NULL, osize is a type tag */
    if (nsize == 0) {
        free(ptr);
        sb->used -= old;
        return NULL;
    }
    if (nsize > old && nsize - old > sb->max_memory - sb->used) {
        sb->refused = 1;
        return NULL; /* Lua collects garbage, retries, then raises a memory error */
    }
    void *p = realloc(ptr, nsize);
    if (p == NULL) {
        sb->host_oom = 1;
        return NULL;
    }
    sb->used = sb->used - old + nsize;
    return p;
}

static sandbox *sandbox_of(lua_State *L)
{
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: a loaded machine stops no one */
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void count_hook(lua_State *L, lua_Debug *ar);

static int stop_run(lua_State *L, sandbox *sb, enum stop_reason why)
{
    if (sb->stopped == RUNNING) {
        sb->stopped = why;
        sb->step = 1;
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 1); /* no pcall outlives the next instruction */
    }
    return luaL_error(L, "the policy was stopped");
}

/* Spends instructions (or the worst-case cost of a C call, before it runs) from the budget. */
static void spend(lua_State *L, double amount)
{
    sandbox *sb = sandbox_of(L);
    if (sb->stopped != RUNNING || amount > (double)sb->left) {
        stop_run(L, sb, STOP_BUDGET);
    }
    sb->left -= (uint64_t)amount;
    if (now_s() > sb->deadline) {
        stop_run(L, sb, STOP_TIME);
    }
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    spend(L, (double)sandbox_of(L)->step);
}

/* ---- worst-case cost of the pattern functions (lstrlib.c match()) ---- */

/* The end of the set that starts at p[i] == '[' (lstrlib.c classEnd). */
static size_t set_end(const char *p, size_t plen, size_t i)
{
    size_t j = i + 1;
    if (j < plen && p[j] == '^') {
        j++;
    }
    do {
        if (j >= plen) {
            return plen;
        }
        if (p[j++] == '%' && j < plen) {
            j++;
        }
    } while (j < plen && p[j] != ']');
    return j + 1;
}

enum item_kind { ITEM_FIXED, ITEM_SCAN, ITEM_SINGLE };

/* The end of the pattern item at p[i], and its kind: a single character class (which a quantifier
 * may follow), an item that scans the subject (%b, a back-reference) or one that does not. */
static size_t item_end(const char *p, size_t plen, size_t i, enum item_kind *kind)
{
    *kind = ITEM_FIXED;
    char next = i + 1 < plen ? p[i + 1] : '\0';
    if (p[i] == '(' || p[i] == ')' || (p[i] == '$' && i + 1 == plen)) {
        return i + 1;
    }
    if (p[i] == '%' && next == 'f') {
        return i + 2 < plen && p[i + 2] == '[' ? set_end(p, plen, i + 2) : i + 3;
    }
    if (p[i] == '%' && (next == 'b' || (next >= '0' && next <= '9'))) {
        *kind = ITEM_SCAN;
        return next == 'b' ? i + 4 : i + 2;
    }
    *kind = ITEM_SINGLE;
    return p[i] == '%' ? i + 2 : p[i] == '[' ? set_end(p, plen, i) : i + 1;
}

/* What follows a quantifier: 0 more items, 1 only ')', 2 only ')' and a final '$'. */
static int rest_kind(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] == ')') {
        i++;
    }
    return i == n ? 1 : i + 1 == n && p[i] == '$' ? 2 : 0;
}

struct pattern_shape {
    double repeats;  /* '*', '+' and '-' items with more items after them */
    double optional; /* '?' items */
    double scans;    /* items that scan the subject, once per arrival */
    double tails;    /* '*', '+' and '-' items followed by nothing but ')' */
};

static void pattern_shape(const char *p, size_t plen, size_t i, struct pattern_shape *sh)
{
    while (i < plen) {
        enum item_kind kind = ITEM_FIXED;
        i = item_end(p, plen, i, &kind);
        sh->scans += kind == ITEM_SCAN ? 1.0 : 0.0;
        if (kind != ITEM_SINGLE || i >= plen) {
            continue;
        }
        if (p[i] == '?') {
            sh->optional += 1.0;
            i++;
        } else if (p[i] == '*' || p[i] == '+' || p[i] == '-') {
            i++;
            /* A tail scans only what a successful match consumes: once per subject in all. Before
             * a final '$' the item scans the subject once per arrival and chooses nothing. */
            int rest = rest_kind(p + i, plen - i);
            *(rest == 1 ? &sh->tails : rest == 2 ? &sh->scans : &sh->repeats) += 1.0;
        }
    }
}

/* Worst-case steps of lstrlib.c match() over a subject of n - 1 bytes: every start position, times
 * the ways the repeated items can share the subject (C(n + r, r)), times two per '?', times one
 * pass over the pattern and the scanning items; plus one subject length per tail. */
static double pattern_cost(const char *p, size_t plen, double n, int anchorable)
{
    struct pattern_shape sh = {0, 0, 0, 0};
    int anchored = anchorable && plen > 0 && p[0] == '^';
    pattern_shape(p, plen, anchored ? 1 : 0, &sh);
    double cost = (anchored ? 1.0 : n) * ((double)plen + 1.0 + n * sh.scans);
    for (double j = 1.0; j <= sh.repeats && cost < 1e30; j += 1.0) {
        cost = cost * (n + j) / j;
    }
    for (double j = 1.0; j <= sh.optional && cost < 1e30; j += 1.0) {
        cost *= 2.0;
    }
    return cost + n * sh.tails;
}

static int has_specials(const char *p, size_t plen)
{
    for (size_t i = 0; i < plen; i++) {
        if (p[i] != '\0' && strchr("^$*+?.([%-", p[i]) != NULL) {
            return 1;
        }
    }
    return 0;
}

static double match_cost(lua_State *L, enum cost_kind kind)
{
    int ts = lua_type(L, 1), tp = lua_type(L, 2);
    if ((ts != LUA_TSTRING && ts != LUA_TNUMBER) || (tp != LUA_TSTRING && tp != LUA_TNUMBER)) {
        return 1.0; /* the function itself reports the bad argument */
    }
    size_t slen = 0, plen = 0;
    lua_tolstring(L, 1, &slen); /* what luaL_checklstring would do to a number anyway */
    const char *p = lua_tolstring(L, 2, &plen);
    double n = (double)slen + 1.0;
    if (kind == COST_FIND && (lua_toboolean(L, 4) || !has_specials(p, plen))) {
        return n * ((double)plen + 1.0); /* plain search */
    }
    return pattern_cost(p, plen, n, kind != COST_GMATCH);
}

static double move_cost(lua_State *L)
{
    int okf = 0, oke = 0;
    lua_Integer f = lua_tointegerx(L, 2, &okf), e = lua_tointegerx(L, 3, &oke);
    return okf && oke && e >= f ? (double)e - (double)f + 1.0 : 1.0;
}

/* Upvalue 1: the library's C function; upvalue 2: its cost_kind. Calling the original directly
 * (not through lua_call) keeps its error messages naming the function the script called. */
static int charged_call(lua_State *L)
{
    lua_CFunction orig = lua_tocfunction(L, lua_upvalueindex(1));
    enum cost_kind kind = (enum cost_kind)lua_tointeger(L, lua_upvalueindex(2));
    spend(L, kind == COST_MOVE ? move_cost(L) : match_cost(L, kind));
    return orig(L);
}

static void wrap_charged(lua_State *L, const char *name, enum cost_kind kind)
{
    lua_getfield(L, -1, name);
    lua_pushinteger(L, kind);
    lua_pushcclosure(L, charged_call, 2);
    lua_setfield(L, -2, name);
}

/* Lua calls a message handler with hooks off when the error comes from a hook (ldo.c luaD_hook,
 * ldebug.c luaG_errormsg), so a script's xpcall handler must not run once the run is stopped. */
static int guarded_handler(lua_State *L)
{
    if (sandbox_of(L)->stopped != RUNNING) {
        return 1; /* the error object, unchanged */
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* Upvalue 1: the base library's xpcall. */
static int guarded_xpcall(lua_State *L)
{
    lua_CFunction orig = lua_tocfunction(L, lua_upvalueindex(1));
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, guarded_handler, 1);
    lua_replace(L, 2);
    return orig(L);
}

/* ---- read-only proxies over the input ---- */

static int ro_newindex(lua_State *L)
{
    return luaL_error(L, "the claims and reference values are read-only");
}

/* Replaces the proxy at idx by the table behind it; leaves any other value alone. */
static void unwrap_proxy(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (!lua_getmetatable(L, idx)) {
        return;
    }
    lua_getfield(L, -1, "__newindex");
    int is_proxy = lua_tocfunction(L, -1) == ro_newindex;
    lua_pop(L, 1);
    if (is_proxy) {
        lua_getfield(L, -1, "__index");
        lua_replace(L, idx);
    }
    lua_pop(L, 1);
}

static int ro_len(lua_State *L)
{
    unwrap_proxy(L, 1);
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, 1));
    return 1;
}

/* The global next, which also walks proxies (pairs finds it through __pairs). */
static int ro_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    unwrap_proxy(L, 1);
    if (lua_next(L, 1) != 0) {
        return 2;
    }
    lua_pushnil(L);
    return 1;
}

static int ro_pairs(lua_State *L)
{
    lua_pushcfunction(L, ro_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* Replaces the table on top by an empty proxy whose metatable reads through to it. */
static void push_proxy(lua_State *L)
{
    static const luaL_Reg meta[] = {
        {"__newindex", ro_newindex}, {"__len", ro_len}, {"__pairs", ro_pairs}, {NULL, NULL}};
    lua_createtable(L, 0, 0);
    lua_createtable(L, 0, 5);
    luaL_setfuncs(L, meta, 0);
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_remove(L, -2);
}

static void push_json(lua_State *L, const json_t *j, unsigned depth);

static void push_object(lua_State *L, const json_t *j, unsigned depth)
{
    json_t *o = (json_t *)j; /* jansson's iterators take a non-const object; they do not write */
    size_t n = json_object_size(o);
    lua_createtable(L, 0, n < 4096u ? (int)n : 4096);
    for (void *it = json_object_iter(o); it != NULL; it = json_object_iter_next(o, it)) {
        json_t *v = json_object_iter_value(it);
        if (json_is_null(v)) {
            continue;
        }
        lua_pushlstring(L, json_object_iter_key(it), json_object_iter_key_len(it));
        push_json(L, v, depth);
        lua_rawset(L, -3);
    }
}

static void push_array(lua_State *L, const json_t *j, unsigned depth)
{
    size_t n = json_array_size(j);
    lua_createtable(L, n < 4096u ? (int)n : 4096, 0);
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(j, i);
        if (!json_is_null(v)) {
            push_json(L, v, depth);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
    }
}

static void push_json(lua_State *L, const json_t *j, unsigned depth)
{
    if (json_is_object(j) || json_is_array(j)) {
        if (depth >= MAX_INPUT_DEPTH) {
            sandbox_of(L)->too_deep = 1;
            luaL_error(L, "the input nests too deep");
        }
        luaL_checkstack(L, 8, "the input nests too deep");
        json_is_object(j) ? push_object(L, j, depth + 1) : push_array(L, j, depth + 1);
        push_proxy(L);
    } else if (json_is_string(j)) {
        lua_pushlstring(L, json_string_value(j), json_string_length(j));
    } else if (json_is_integer(j)) {
        lua_pushinteger(L, (lua_Integer)json_integer_value(j));
    } else if (json_is_real(j)) {
        lua_pushnumber(L, (lua_Number)json_real_value(j));
    } else if (json_is_boolean(j)) {
        lua_pushboolean(L, json_is_true(j));
    } else {
        lua_pushnil(L);
    }
}

/* ---- the sandboxed run ---- */

static int is_allowed_global(const char *name)
{
    for (size_t i = 0; i < sizeof(allowed_globals) / sizeof(allowed_globals[0]); i++) {
        if (strcmp(allowed_globals[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Removes every global not on the allow list: safer than naming what to remove. */
static void drop_globals(lua_State *L)
{
    lua_pushglobaltable(L);
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING || !is_allowed_global(lua_tostring(L, -1))) {
            lua_pushvalue(L, -1);
            lua_pushnil(L);
            lua_rawset(L, -4); /* clearing a field during the traversal is allowed */
        }
    }
    lua_pop(L, 1);
}

static void open_sandbox(lua_State *L)
{
    static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base},
                                    {LUA_STRLIBNAME, luaopen_string},
                                    {LUA_TABLIBNAME, luaopen_table},
                                    {LUA_MATHLIBNAME, luaopen_math},
                                    {LUA_UTF8LIBNAME, luaopen_utf8}};
    for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
        luaL_requiref(L, libs[i].name, libs[i].func, 1);
        lua_pop(L, 1);
    }
    drop_globals(L);
    lua_pushcfunction(L, ro_next);
    lua_setglobal(L, "next");
    lua_getglobal(L, "xpcall");
    lua_pushcclosure(L, guarded_xpcall, 1);
    lua_setglobal(L, "xpcall");
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    wrap_charged(L, "find", COST_FIND);
    wrap_charged(L, "match", COST_MATCH);
    wrap_charged(L, "gsub", COST_MATCH);
    wrap_charged(L, "gmatch", COST_GMATCH);
    lua_getglobal(L, LUA_TABLIBNAME);
    wrap_charged(L, "move", COST_MOVE);
    lua_pop(L, 2);
}

/* The protected body of a run: light userdata run_args at 1. */
static int run_main(lua_State *L)
{
    const struct run_args *a = lua_touserdata(L, 1);
    sandbox *sb = sandbox_of(L);
    open_sandbox(L);
    sb->phase = PHASE_LOAD;
    if (luaL_loadbufferx(L, a->script, a->len, "=policy", "t") != LUA_OK) {
        return lua_error(L);
    }
    sb->phase = PHASE_CHUNK;
    lua_call(L, 0, 0);
    sb->phase = PHASE_DEFINE;
    if (lua_getglobal(L, "appraise") != LUA_TFUNCTION) {
        return luaL_error(L, "the script does not define a function appraise(claims, refvals)");
    }
    if (a->check_only) {
        return 0;
    }
    sb->phase = PHASE_INPUT;
    push_json(L, a->claims, 0);
    push_json(L, a->refvals, 0);
    sb->phase = PHASE_APPRAISE;
    lua_call(L, 2, 1);
    return 1;
}

/* Never runs script code: a non-string error object is named by its type, not its __tostring. */
static int message_handler(lua_State *L)
{
    int t = lua_type(L, 1);
    if (t == LUA_TSTRING || t == LUA_TNUMBER) {
        lua_settop(L, 1);
        lua_tolstring(L, 1, NULL);
        return 1;
    }
    lua_pushfstring(L, "error object is a %s", lua_typename(L, t));
    return 1;
}

/* Printable ASCII only, truncated: the text goes to logs and HTTP answers. */
static void clean_text(char *dst, size_t cap, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (o + 4 >= cap && n > o) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
}

/* Indexed by enum phase. */
static const char *const phase_prefix[] = {"",
                                           "the script does not compile: ",
                                           "the script's top-level code failed: ",
                                           "",
                                           "the claims do not fit in the script's limits: ",
                                           "appraise failed: "};

static uat_err run_failure(lua_State *L, const sandbox *sb, int status)
{
    size_t n = 0;
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : "";
    int out_of_memory =
        status == LUA_ERRMEM || status == LUA_ERRERR || strstr(msg, "not enough memory") != NULL;
    if (out_of_memory && sb->host_oom) {
        return UAT_NOMEM(CHECK_RUN);
    }
    if (sb->too_deep) {
        return UAT_FAILF(UAT_ERR_PARSE_TOO_DEEP, CHECK_RUN, "", -1,
                         "the claims or reference values nest deeper than %u levels",
                         MAX_INPUT_DEPTH);
    }
    if (sb->stopped == STOP_BUDGET) {
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_RUN, "", -1,
                         "the script used up its budget of %llu instructions",
                         (unsigned long long)sb->budget);
    }
    if (sb->stopped == STOP_TIME) {
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_RUN, "", -1,
                         "the script ran past its time limit of %.2f s of CPU time",
                         TIME_BASE_S + (double)sb->budget * TIME_PER_INSTRUCTION);
    }
    if (out_of_memory && sb->refused) {
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_RUN, "", -1,
                         "the script exceeded its memory limit of %zu bytes", sb->max_memory);
    }
    char text[200];
    clean_text(text, sizeof(text), msg, n);
    return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_RUN, "", -1, "%s%s", phase_prefix[sb->phase],
                     text[0] != '\0' ? text : "no error message");
}

/* ---- the returned table; no call below allocates in Lua or runs a metamethod ---- */

/* Only the read-only input proxies have a metatable. */
static int plain_table(lua_State *L, int idx)
{
    int has_meta = lua_type(L, idx) == LUA_TTABLE && lua_getmetatable(L, idx);
    lua_pop(L, has_meta);
    return lua_type(L, idx) == LUA_TTABLE && !has_meta;
}

/* What a value that is not a plain table is, for a message: "... not <kind_of>". */
static const char *kind_of(lua_State *L, int idx)
{
    static const char *const kinds[] = {"nil",        "a boolean",  "a light userdata",
                                        "a number",   "a string",   "one of the read-only inputs",
                                        "a function", "a userdata", "a thread"};
    int t = lua_type(L, idx);
    return t >= 0 && t < (int)(sizeof(kinds) / sizeof(kinds[0])) ? kinds[t] : "nil";
}

static int key_is(const char *k, size_t n, const char *name)
{
    return n == strlen(name) && memcmp(k, name, n) == 0;
}

static uat_err put_status(lua_State *L, json_t *res)
{
    size_t n = 0;
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
    for (size_t i = 0; s != NULL && i < 4; i++) {
        if (key_is(s, n, statuses[i])) {
            return json_object_set_new(res, "status", json_string(statuses[i])) == 0
                       ? UAT_OK
                       : UAT_NOMEM(CHECK_RESULT);
        }
    }
    return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_RESULT, "status", -1,
                     "status must be \"affirming\", \"warning\", \"contraindicated\" or \"none\"");
}

static uat_err put_reason(lua_State *L, json_t *res)
{
    size_t n = 0;
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
    if (s == NULL || n > MAX_REASON_BYTES) {
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_RESULT, "reason", -1,
                         "reason must be a string of at most %u bytes", MAX_REASON_BYTES);
    }
    json_t *j = json_stringn(s, n);
    if (j == NULL) {
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_RESULT, "reason", -1,
                         "reason is not valid UTF-8 text");
    }
    return json_object_set_new(res, "reason", j) == 0 ? UAT_OK : UAT_NOMEM(CHECK_RESULT);
}

/* Key at -2, value at -1 of one trustworthiness entry. */
static uat_err put_claim(lua_State *L, json_t *tw)
{
    size_t n = 0;
    if (lua_type(L, -2) != LUA_TSTRING) {
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_RESULT, "trustworthiness", -1,
                         "trustworthiness has a key that is not a string");
    }
    const char *k = lua_tolstring(L, -2, &n);
    size_t i = 0;
    while (i < 8 && !key_is(k, n, tw_names[i])) {
        i++;
    }
    if (i == 8) {
        char text[72];
        clean_text(text, sizeof(text), k, n);
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_RESULT, "trustworthiness", -1,
                         "trustworthiness has a key \"%s\" that is not an AR4SI claim name", text);
    }
    int isint = 0;
    lua_Integer v = lua_type(L, -1) == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint) : 0;
    if (!isint || v < -128 || v > 127) {
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_RESULT, "trustworthiness", -1,
                         "trustworthiness.%s must be an integer from -128 to 127", tw_names[i]);
    }
    return json_object_set_new(tw, tw_names[i], json_integer((json_int_t)v)) == 0
               ? UAT_OK
               : UAT_NOMEM(CHECK_RESULT);
}

static uat_err put_vector(lua_State *L, json_t *tw)
{
    int t = lua_absindex(L, -1);
    if (!plain_table(L, t)) {
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_RESULT, "trustworthiness", -1,
                         "trustworthiness must be a table, not %s", kind_of(L, t));
    }
    uat_err rc = UAT_OK;
    lua_pushnil(L);
    while (rc == UAT_OK && lua_next(L, t) != 0) {
        rc = put_claim(L, tw);
        lua_pop(L, 1);
    }
    return rc;
}

/* Key at -2, value at -1 of one field of the result. */
static uat_err put_field(lua_State *L, json_t *res, json_t *tw)
{
    size_t n = 0;
    if (lua_type(L, -2) != LUA_TSTRING) {
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_RESULT, "", -1,
                         "the result has a key that is not a string");
    }
    const char *k = lua_tolstring(L, -2, &n);
    if (key_is(k, n, "status")) {
        return put_status(L, res);
    }
    if (key_is(k, n, "reason")) {
        return put_reason(L, res);
    }
    if (key_is(k, n, "trustworthiness")) {
        return put_vector(L, tw);
    }
    char text[72];
    clean_text(text, sizeof(text), k, n);
    return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_RESULT, "", -1,
                     "the result has a field \"%s\" other than status, trustworthiness and reason",
                     text);
}

static uat_err read_result(lua_State *L, int idx, json_t **result)
{
    if (!plain_table(L, idx)) {
        return UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_RESULT, "", -1,
                         "appraise must return a table, not %s", kind_of(L, idx));
    }
    json_t *res = json_object();
    json_t *tw = json_object();
    uat_err rc = res != NULL && tw != NULL && json_object_set(res, "trustworthiness", tw) == 0
                     ? UAT_OK
                     : UAT_NOMEM(CHECK_RESULT);
    lua_pushnil(L);
    while (rc == UAT_OK && lua_next(L, idx) != 0) {
        rc = put_field(L, res, tw);
        lua_pop(L, 1);
    }
    json_decref(tw);
    if (rc != UAT_OK) {
        json_decref(res);
        return rc;
    }
    *result = res;
    return UAT_OK;
}

static uat_err run(struct run_args *a, const uat_lua_limits *lim, json_t **result)
{
    sandbox sb = {0};
    sb.max_memory = lim->max_memory;
    sb.budget = sb.left = lim->max_instructions;
    sb.step = lim->max_instructions < HOOK_STEP ? (int)lim->max_instructions : HOOK_STEP;
    sb.deadline = now_s() + TIME_BASE_S + (double)lim->max_instructions * TIME_PER_INSTRUCTION;
    lua_State *L = lua_newstate(sandbox_alloc, &sb);
    if (L == NULL) {
        return sb.host_oom ? UAT_NOMEM(CHECK_RUN)
                           : UAT_FAILF(UAT_ERR_VERIFY_POLICY, CHECK_RUN, "", -1,
                                       "the memory limit of %zu bytes cannot hold a Lua state",
                                       sb.max_memory);
    }
    lua_sethook(L, count_hook, LUA_MASKCOUNT, sb.step);
    lua_pushcfunction(L, message_handler); /* none of these three pushes allocates */
    lua_pushcfunction(L, run_main);
    lua_pushlightuserdata(L, a);
    int status = lua_pcall(L, 1, a->check_only ? 0 : 1, 1);
    uat_err rc = status != LUA_OK ? run_failure(L, &sb, status)
                 : a->check_only  ? UAT_OK
                                  : read_result(L, 2, result);
    lua_close(L);
    return rc;
}

static uat_err check_args(const char *script, const uat_lua_limits *lim)
{
    UAT_ENSURE(script != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_ARGS, "script", -1);
    UAT_ENSURE(lim != NULL && lim->max_instructions > 0 && lim->max_memory > 0,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK_ARGS, "limits", -1);
    return UAT_OK;
}

uat_err uat_lua_check(const char *script, size_t len, const uat_lua_limits *lim)
{
    UAT_TRY(check_args(script, lim));
    struct run_args a = {script, len, NULL, NULL, 1};
    return run(&a, lim, NULL);
}

uat_err uat_lua_appraise(const char *script, size_t len, const json_t *claims,
                         const json_t *refvals, const uat_lua_limits *lim, json_t **result)
{
    UAT_TRY(check_args(script, lim));
    UAT_ENSURE(claims != NULL && refvals != NULL && result != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT,
               CHECK_ARGS, "", -1);
    struct run_args a = {script, len, claims, refvals, 0};
    return run(&a, lim, result);
}
