/* The CCA token collection (tag 399 or CMW tag 907) and its two COSE_Sign1 tokens, parsed through
 * the bounded reader: every offset in an error is an offset in the evidence. Pure. */
#include <string.h>

#include "tee/cca/cca.h"

/* A reader over a COSE payload, with offsets in the outer input. */
static void payload_reader(const uat_cose_sign1 *m, const char *check, uat_reader *pr)
{
    pr->p = m->payload.p;
    pr->len = m->payload.len;
    pr->off = 0;
    pr->base = m->payload_off;
    pr->check = check;
}

/* One token of the collection: a byte string holding a COSE_Sign1 (tag 399), or a CMW record
 * [263, bstr] (tag 907). */
static uat_err entry(uat_reader *r, uint64_t form, const char *check, uat_cose_sign1 *m)
{
    if (form == UAT_CCA_TAG_CMW) {
        size_t n = 0;
        uint64_t cf = 0;
        int64_t at = uat_rd_pos(r);
        UAT_TRY(uat_cose_rd_count(r, UAT_CBOR_ARRAY, "cmw record", &n));
        UAT_ENSURE(n == 2, UAT_ERR_PARSE_BAD_CBOR, r->check, "cmw record", at);
        at = uat_rd_pos(r);
        UAT_TRY(uat_cbor_expect(r, UAT_CBOR_UINT, "content-format", &cf));
        if (cf != UAT_CCA_CMW_CF) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, "content-format", at,
                             "content-format %llu where %u (a COSE_Sign1 EAT) is expected",
                             (unsigned long long)cf, UAT_CCA_CMW_CF);
        }
    }
    uat_reader sub;
    UAT_TRY(uat_cose_rd_bstr_sub(r, "token", &sub));
    sub.check = check;
    UAT_TRY(uat_cose_sign1_read(&sub, m));
    return uat_rd_end(&sub);
}

static uat_err realm_claims(uat_cca_token *t, enum uat_cca_flavor flavor, const char *check)
{
    uat_reader pr;
    payload_reader(&t->realm_cose, check, &pr);
    if (flavor == UAT_CCA_VIRTCCA) {
        /* virtCCA wraps the claims map in one more byte string (secGear ccatoken.rs
         * CvmToken::decode); nothing may follow it */
        uat_reader inner;
        UAT_TRY(uat_cose_rd_bstr_sub(&pr, "payload", &inner));
        UAT_TRY(uat_rd_end(&pr));
        UAT_TRY(uat_cca_realm_parse(&inner, flavor, &t->realm));
        return uat_rd_end(&inner);
    }
    unsigned major = 0;
    UAT_TRY(uat_cose_rd_peek(&pr, "payload", &major));
    if (major == UAT_CBOR_BSTR) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_CBOR, check, "payload", uat_rd_pos(&pr),
                         "the realm token's payload is wrapped twice, as Huawei virtCCA CVM "
                         "tokens are: verify it as TEE virtcca (with its device certificate)");
    }
    UAT_TRY(uat_cca_realm_parse(&pr, flavor, &t->realm));
    return uat_rd_end(&pr);
}

static uat_err platform_claims(uat_cca_token *t, const char *check)
{
    uat_reader pr;
    payload_reader(&t->platform_cose, check, &pr);
    UAT_TRY(uat_cca_platform_parse(&pr, &t->platform));
    return uat_rd_end(&pr);
}

static uat_err collection_tag(uat_reader *r, enum uat_cca_flavor flavor, uint64_t *form)
{
    int64_t at = uat_rd_pos(r);
    unsigned major = 0;
    UAT_TRY(uat_cose_rd_peek(r, "tag", &major));
    UAT_ENSURE(major == UAT_CBOR_TAG, UAT_ERR_PARSE_BAD_CBOR, r->check, "tag", at);
    UAT_TRY(uat_cbor_expect(r, UAT_CBOR_TAG, "tag", form));
    if (*form == UAT_CCA_TAG_COLLECTION || (flavor == UAT_CCA_ARM && *form == UAT_CCA_TAG_CMW)) {
        return UAT_OK;
    }
    return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, "tag", at,
                     "CBOR tag %llu where a CCA token collection (tag 399%s) is expected",
                     (unsigned long long)*form, flavor == UAT_CCA_ARM ? " or 907" : "");
}

static uat_err collection(uat_reader *r, enum uat_cca_flavor flavor, uat_cca_token *t,
                          int *has_realm)
{
    size_t n = 0;
    int64_t at = uat_rd_pos(r);
    UAT_TRY(uat_cose_rd_count(r, UAT_CBOR_MAP, "collection", &n));
    UAT_ENSURE(n <= 2, UAT_ERR_PARSE_BAD_VALUE, r->check, "collection", at);
    for (size_t i = 0; i < n; i++) {
        int64_t key = 0;
        at = uat_rd_pos(r);
        UAT_TRY(uat_cose_rd_int(r, "collection key", &key));
        int platform = key == UAT_CCA_KEY_PLATFORM;
        if (!platform && key != UAT_CCA_KEY_REALM) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, r->check, "collection key", at,
                             "unknown collection key %lld (44234 platform, 44241 realm)",
                             (long long)key);
        }
        UAT_ENSURE(platform ? !t->has_platform : !*has_realm, UAT_ERR_PARSE_BAD_CBOR, r->check,
                   platform ? "platform token" : "realm token", at);
        if (platform) {
            UAT_TRY(entry(r, t->form, "cca.platform", &t->platform_cose));
            t->has_platform = 1;
        } else {
            UAT_TRY(entry(r, t->form, flavor == UAT_CCA_ARM ? "cca.realm" : "virtcca.cvm",
                          &t->realm_cose));
            *has_realm = 1;
        }
    }
    return UAT_OK;
}

uat_err uat_cca_token_parse(uat_span in, enum uat_cca_flavor flavor, const char *check,
                            uat_cca_token *out)
{
    uat_reader r;
    int has_realm = 0;
    memset(out, 0, sizeof(*out));
    uat_rd_init(&r, in, check);
    UAT_TRY(collection_tag(&r, flavor, &out->form));
    UAT_TRY(collection(&r, flavor, out, &has_realm));
    UAT_TRY(uat_rd_end(&r));
    if (!has_realm) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, check, "realm token", 0,
                         "the collection has no realm token (44241)");
    }
    if (!out->has_platform && flavor == UAT_CCA_ARM) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, check, "platform token", 0,
                         "the collection has no platform token (44234)");
    }
    if (out->has_platform) {
        UAT_TRY(platform_claims(out, "cca.platform"));
    }
    return realm_claims(out, flavor, flavor == UAT_CCA_ARM ? "cca.realm" : "virtcca.cvm");
}

int uat_cca_sniff(uat_span in)
{
    /* tag 399 or 907 around a map: what the collection's first bytes say; the verifier names what
     * is wrong with anything after them */
    static const uint8_t t399[] = {0xd9, 0x01, 0x8f}, t907[] = {0xd9, 0x03, 0x8b};
    return in.p != NULL && in.len > 3 && (in.p[3] >> 5) == UAT_CBOR_MAP &&
           (memcmp(in.p, t399, 3) == 0 || memcmp(in.p, t907, 3) == 0);
}

static uat_err describe_cose(const uat_cose_sign1 *m, json_t *o)
{
    UAT_TRY(uat_json_set_str(o, "alg", uat_cose_alg_name(m->alg)));
    UAT_TRY(uat_json_set_int(o, "payload_size", (int64_t)m->payload.len));
    return uat_json_set_hex(o, "signature", m->signature.p, m->signature.len);
}

uat_err uat_cca_inspect(uat_span in, json_t *fields)
{
    uat_cca_token t;
    UAT_TRY(uat_cca_token_parse(in, UAT_CCA_ARM, "cca.token", &t));
    json_t *p = json_object(), *r = json_object(), *pc = json_object(), *rc = json_object();
    UAT_TRY(uat_json_set_int(fields, "collection_tag", (int64_t)t.form));
    UAT_TRY(uat_json_set(fields, "platform", p));
    UAT_TRY(uat_json_set(fields, "realm", r));
    UAT_TRY(uat_json_set(fields, "platform_cose", pc));
    UAT_TRY(uat_json_set(fields, "realm_cose", rc));
    UAT_TRY(describe_cose(&t.platform_cose, pc));
    UAT_TRY(describe_cose(&t.realm_cose, rc));
    UAT_TRY(uat_cca_platform_describe(&t.platform, p));
    return uat_cca_realm_describe(&t.realm, r);
}
