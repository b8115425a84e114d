/* The compatibility front-ends' session table (session.h): a fixed array under one mutex. A scan
 * of UAT_SESSION_MAX slots costs microseconds, far below one verification. */
#include "service/session.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "crypto/crypto.h"

#define CHECK "session"

typedef struct slot {
    char kind[UAT_SESSION_MAX_KIND];
    char id[UAT_SESSION_ID_LEN + 1];
    int64_t expires_at;
    json_t *state; /* NULL: free slot */
} slot;

struct uat_sessions {
    pthread_mutex_t lock;
    slot slots[UAT_SESSION_MAX];
};

uat_err uat_sessions_new(uat_sessions **out)
{
    uat_sessions *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return UAT_NOMEM(CHECK);
    }
    pthread_mutex_init(&t->lock, NULL);
    *out = t;
    return UAT_OK;
}

void uat_sessions_free(uat_sessions *t)
{
    if (t == NULL) {
        return;
    }
    for (size_t i = 0; i < UAT_SESSION_MAX; i++) {
        json_decref(t->slots[i].state);
    }
    pthread_mutex_destroy(&t->lock);
    free(t);
}

uat_err uat_session_id(char out[UAT_SESSION_ID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t r[UAT_SESSION_ID_LEN / 2];
    UAT_TRY(uat_random(r, sizeof(r)));
    for (size_t i = 0; i < sizeof(r); i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[UAT_SESSION_ID_LEN] = '\0';
    return UAT_OK;
}

static int same(const slot *s, const char *kind, const char *id)
{
    return s->state != NULL && strcmp(s->kind, kind) == 0 && strcmp(s->id, id) == 0;
}

static void drop(slot *s)
{
    json_decref(s->state);
    memset(s, 0, sizeof(*s));
}

/* The slot of (kind, id), else a free or expired one (dropped), else NULL. Under the lock. */
static slot *find(uat_sessions *t, const char *kind, const char *id, int64_t now, int for_put)
{
    slot *spare = NULL;
    for (size_t i = 0; i < UAT_SESSION_MAX; i++) {
        slot *s = &t->slots[i];
        if (same(s, kind, id)) {
            return s;
        }
        if (s->state != NULL && s->expires_at <= now) {
            drop(s);
        }
        if (for_put && s->state == NULL && spare == NULL) {
            spare = s;
        }
    }
    return spare;
}

uat_err uat_sessions_put(uat_sessions *t, const char *kind, const char *id, const json_t *state,
                         int64_t expires_at, int64_t now)
{
    UAT_ENSURE(strlen(kind) < UAT_SESSION_MAX_KIND && strlen(id) <= UAT_SESSION_ID_LEN,
               UAT_ERR_USAGE_INVALID_ARGUMENT, CHECK, "id", -1);
    json_t *copy = json_deep_copy(state);
    if (copy == NULL) {
        return UAT_NOMEM(CHECK);
    }
    pthread_mutex_lock(&t->lock);
    slot *s = find(t, kind, id, now, 1);
    if (s != NULL) {
        json_decref(s->state);
        snprintf(s->kind, sizeof(s->kind), "%s", kind);
        snprintf(s->id, sizeof(s->id), "%s", id);
        s->expires_at = expires_at;
        s->state = copy;
    }
    pthread_mutex_unlock(&t->lock);
    if (s == NULL) {
        json_decref(copy);
        return UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, CHECK, "sessions", -1,
                         "%u sessions are open: try again later", UAT_SESSION_MAX);
    }
    return UAT_OK;
}

uat_err uat_sessions_get(uat_sessions *t, const char *kind, const char *id, int64_t now,
                         json_t **state, int64_t *expires_at)
{
    json_t *copy = NULL;
    int64_t exp = 0;
    pthread_mutex_lock(&t->lock);
    slot *s = find(t, kind, id, now, 0);
    if (s != NULL && same(s, kind, id) && s->expires_at > now) {
        copy = json_deep_copy(s->state);
        exp = s->expires_at;
    }
    pthread_mutex_unlock(&t->lock);
    if (copy == NULL) {
        return UAT_FAILF(UAT_ERR_USAGE_UNAUTHENTICATED, CHECK, "id", -1,
                         "no %s session \"%.40s\" (unknown or expired)", kind, id);
    }
    *state = copy;
    *expires_at = exp;
    return UAT_OK;
}

uat_err uat_sessions_del(uat_sessions *t, const char *kind, const char *id)
{
    pthread_mutex_lock(&t->lock);
    slot *s = find(t, kind, id, INT64_MIN, 0);
    int found = s != NULL && same(s, kind, id);
    if (found) {
        drop(s);
    }
    pthread_mutex_unlock(&t->lock);
    return found ? UAT_OK
                 : UAT_FAILF(UAT_ERR_USAGE_NOT_FOUND, CHECK, "id", -1, "no %s session \"%.40s\"",
                             kind, id);
}
