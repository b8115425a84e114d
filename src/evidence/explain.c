/* The explanation of one verification as JSON (docs/explain.md, docs/explain.schema.json). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"
#include "evidence/explain.h"
#include "uattest/verifier.h"

/* A JSON string of s; bytes that are not UTF-8 (a value read from evidence) become '?'. */
static json_t *str_or_null(const char *s)
{
    if (s == NULL) {
        return json_null();
    }
    json_t *j = json_string(s);
    if (j == NULL) {
        char *c = strdup(s);
        for (size_t i = 0; c != NULL && c[i] != '\0'; i++) {
            c[i] = (unsigned char)c[i] < 0x20 || (unsigned char)c[i] > 0x7e ? '?' : c[i];
        }
        j = c != NULL ? json_string(c) : NULL;
        free(c);
    }
    return j != NULL ? j : json_null();
}

static json_t *time_or_null(uat_time t)
{
    char out[32];
    return t != 0 && uat_time_format(t, out) == UAT_OK ? json_string(out) : json_null();
}

static const char *result_name(enum uat_step_result r)
{
    return r == UAT_STEP_PASS ? "pass" : r == UAT_STEP_FAIL ? "fail" : "skipped";
}

static json_t *render_steps(const uat_trace *t)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < t->nsteps; i++) {
        const uat_trace_rec *s = &t->steps[i];
        json_array_append_new(
            a, json_pack("{s:o, s:s, s:o, s:o, s:o, s:o}", "check", str_or_null(s->check), "result",
                         result_name(s->result), "found", str_or_null(s->found), "required",
                         str_or_null(s->required), "remedy",
                         s->result == UAT_STEP_FAIL ? json_string(uat_err_remedy(s->err))
                                                    : json_null(),
                         "source", str_or_null(s->source)));
    }
    return a;
}

static json_t *render_certs(const uat_trace *t)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < t->ncerts; i++) {
        const uat_trace_cert *c = &t->certs[i];
        json_array_append_new(
            a, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "role", str_or_null(c->role), "subject",
                         str_or_null(c->subject), "issuer", str_or_null(c->issuer), "serial",
                         str_or_null(c->serial), "not_before", time_or_null(c->not_before),
                         "not_after", time_or_null(c->not_after), "source",
                         str_or_null(c->source)));
    }
    return a;
}

static json_t *render_collateral(const uat_trace *t)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < t->ncolls; i++) {
        const uat_trace_coll *c = &t->colls[i];
        json_array_append_new(
            a, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "kind", str_or_null(c->kind), "issuer",
                         str_or_null(c->issuer), "issued", time_or_null(c->issued), "next_update",
                         time_or_null(c->next_update), "source", str_or_null(c->source), "sha256",
                         str_or_null(c->sha256[0] != '\0' ? c->sha256 : NULL)));
    }
    return a;
}

static json_t *render_error(uat_err rc)
{
    if (rc == UAT_OK) {
        return json_null();
    }
    const uat_error_detail *d = uat_last_error();
    return json_pack("{s:s, s:o, s:o, s:o, s:s, s:s}", "error", uat_err_name(rc), "check",
                     str_or_null(d->check), "field",
                     d->field[0] != '\0' ? str_or_null(d->field) : json_null(), "detail",
                     d->message[0] != '\0' ? str_or_null(d->message) : json_null(), "message",
                     uat_err_message(rc), "remedy", uat_err_remedy(rc));
}

char *uat_explain_render(const uat_trace *t, uat_err rc, uat_time at)
{
    json_t *doc = json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:o}", "tee",
                            t->tee[0] != '\0' ? json_string(t->tee) : json_null(), "result",
                            rc == UAT_OK ? "pass" : "fail", "evaluated_at", time_or_null(at),
                            "error", render_error(rc), "checks", render_steps(t), "certificates",
                            render_certs(t), "collateral", render_collateral(t));
    if (doc != NULL && t->dropped > 0) {
        json_object_set_new(doc, "dropped", json_integer((json_int_t)t->dropped));
    }
    char *out = doc != NULL ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    return out;
}

/* ---- text for people -------------------------------------------------------------------------- */

static const char *get_str(const json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));
    return s != NULL ? s : "";
}

static void text_checks(FILE *f, const json_t *checks)
{
    size_t i;
    const json_t *c;
    fprintf(f, "\nchecks\n");
    json_array_foreach(checks, i, c)
    {
        const char *r = get_str(c, "result");
        fprintf(f, "  %-4s  %s\n", strcmp(r, "pass") == 0   ? "ok"
                                   : strcmp(r, "fail") == 0 ? "FAIL"
                                                            : "skip",
                get_str(c, "check"));
        if (json_is_string(json_object_get(c, "found"))) {
            fprintf(f, "          found     %s\n", get_str(c, "found"));
        }
        if (json_is_string(json_object_get(c, "required"))) {
            fprintf(f, "          required  %s\n", get_str(c, "required"));
        }
        if (json_is_string(json_object_get(c, "source"))) {
            fprintf(f, "          source    %s\n", get_str(c, "source"));
        }
        if (json_is_string(json_object_get(c, "remedy"))) {
            fprintf(f, "          remedy    %s\n", get_str(c, "remedy"));
        }
    }
}

static void text_items(FILE *f, const json_t *items, const char *title, const char *kind)
{
    size_t i;
    const json_t *c;
    if (json_array_size(items) == 0) {
        return;
    }
    fprintf(f, "\n%s\n", title);
    json_array_foreach(items, i, c)
    {
        fprintf(f, "  %-12s  %s\n", get_str(c, kind),
                json_is_string(json_object_get(c, "subject")) ? get_str(c, "subject")
                                                               : get_str(c, "issuer"));
        if (json_is_string(json_object_get(c, "subject"))) {
            fprintf(f, "                issuer  %s\n", get_str(c, "issuer"));
        }
        if (json_is_string(json_object_get(c, "serial"))) {
            fprintf(f, "                serial  %s\n", get_str(c, "serial"));
        }
        const char *from = json_object_get(c, "not_before") ? "not_before" : "issued";
        const char *to = json_object_get(c, "not_after") ? "not_after" : "next_update";
        fprintf(f, "                valid   %s .. %s\n",
                json_is_string(json_object_get(c, from)) ? get_str(c, from) : "?",
                json_is_string(json_object_get(c, to)) ? get_str(c, to) : "(no end)");
        fprintf(f, "                source  %s\n", get_str(c, "source"));
    }
}

uat_err uat_explanation_format_text(const char *json, char **out)
{
    UAT_ENSURE(json != NULL && out != NULL, UAT_ERR_USAGE_INVALID_ARGUMENT, "explain.text", "",
               -1);
    json_t *doc = json_loads(json, 0, NULL);
    if (!json_is_object(doc) || !json_is_array(json_object_get(doc, "checks"))) {
        json_decref(doc);
        return UAT_FAIL(UAT_ERR_PARSE_BAD_JSON, "explain.text", "", -1);
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL) {
        json_decref(doc);
        return UAT_NOMEM("explain.text");
    }
    const json_t *err = json_object_get(doc, "error");
    fprintf(f, "%s evidence: %s (evaluated at %s)\n",
            json_is_string(json_object_get(doc, "tee")) ? get_str(doc, "tee") : "unrecognised",
            strcmp(get_str(doc, "result"), "pass") == 0 ? "VERIFIED" : "NOT VERIFIED",
            get_str(doc, "evaluated_at"));
    if (json_is_object(err)) {
        fprintf(f, "  error   %s in check %s%s%s: %s\n", get_str(err, "error"),
                get_str(err, "check"), json_is_string(json_object_get(err, "field")) ? ", field " : "",
                get_str(err, "field"),
                json_is_string(json_object_get(err, "detail")) ? get_str(err, "detail")
                                                               : get_str(err, "message"));
        fprintf(f, "  remedy  %s\n", get_str(err, "remedy"));
    }
    text_checks(f, json_object_get(doc, "checks"));
    text_items(f, json_object_get(doc, "certificates"), "certificates and CRLs", "role");
    text_items(f, json_object_get(doc, "collateral"), "collateral", "kind");
    int bad = fclose(f) != 0;
    json_decref(doc);
    if (bad || text == NULL) {
        free(text);
        return UAT_NOMEM("explain.text");
    }
    *out = text;
    return UAT_OK;
}
