/* NVIDIA RIM parsing (rim.h): the SWID tag's Meta, its Measurement resources and the signer
 * certificates of its KeyInfo. Pure: no signature or chain check here (rim_verify.c).
 *
 * The document is untrusted until its signature verifies, so libxml2 runs with no network
 * access, and a document with a DTD (the only way to declare entities) is refused.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/check.h"
#include "core/codec.h"
#include "tee/nvgpu/rim.h"

#define CHECK "nvidia-gpu.rim.parse"

/* spec: ISO/IEC 19770-2:2015 schema namespace; nvtrust rim/__init__.py */
static const char NS_SWID[] = "http://standards.iso.org/iso/19770/-2/2015/schema.xsd";
static const char NS_SHA384[] = "http://www.w3.org/2001/04/xmlenc#sha384";
static const char NS_DSIG[] = "http://www.w3.org/2000/09/xmldsig#";

static int is_elem(const xmlNode *n, const char *name, const char *ns)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
           strcmp((const char *)n->name, name) == 0 && strcmp((const char *)n->ns->href, ns) == 0;
}

static const xmlNode *child(const xmlNode *parent, const char *name, const char *ns)
{
    for (const xmlNode *n = parent != NULL ? parent->children : NULL; n != NULL; n = n->next) {
        if (is_elem(n, name, ns)) {
            return n;
        }
    }
    return NULL;
}

/* An attribute without namespace (ns NULL) or in ns, copied into out (cap bytes). */
static uat_err attr(const xmlNode *n, const char *name, const char *ns, char *out, size_t cap)
{
    xmlChar *v = ns != NULL ? xmlGetNsProp(n, (const xmlChar *)name, (const xmlChar *)ns)
                            : xmlGetNoNsProp(n, (const xmlChar *)name);
    if (v == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, name, -1,
                         "the %s element has no %s attribute", (const char *)n->name, name);
    }
    size_t len = strlen((const char *)v);
    if (len >= cap) {
        xmlFree(v);
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, name, -1,
                         "the %s attribute is %zu characters long (at most %zu)", name, len,
                         cap - 1);
    }
    memcpy(out, v, len + 1);
    xmlFree(v);
    return UAT_OK;
}

static uat_err attr_uint(const xmlNode *n, const char *name, unsigned max, unsigned *out)
{
    char s[16];
    UAT_TRY(attr(n, name, NULL, s, sizeof(s)));
    char *end = NULL;
    unsigned long v = s[0] >= '0' && s[0] <= '9' ? strtoul(s, &end, 10) : 0;
    if (end == NULL || *end != '\0' || v > max) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, name, -1,
                         "the %s attribute \"%s\" is not a number in 0..%u", name, s, max);
    }
    *out = (unsigned)v;
    return UAT_OK;
}

static uat_err parse_meta(const xmlNode *root, uat_nvgpu_rim *r)
{
    const xmlNode *meta = child(root, "Meta", NS_SWID);
    if (meta == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "Meta", -1, "the RIM has no Meta");
    }
    UAT_TRY(attr(meta, "colloquialVersion", NULL, r->version, sizeof(r->version)));
    UAT_TRY(attr(meta, "product", NULL, r->product, sizeof(r->product)));
    return attr(root, "tagId", NULL, r->tag_id, sizeof(r->tag_id));
}

static uat_err parse_alternatives(const xmlNode *n, uat_nvgpu_rim_meas *m)
{
    UAT_TRY(attr_uint(n, "alternatives", UAT_MAX_RIM_ALTERNATIVES, &m->nalt));
    if (m->nalt == 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "alternatives", -1,
                         "index %u has no golden value", m->index);
    }
    for (unsigned i = 0; i < m->nalt; i++) {
        char name[16], hex[2 * UAT_NVGPU_RIM_HASH_LEN + 2];
        snprintf(name, sizeof(name), "Hash%u", i);
        UAT_TRY(attr(n, name, NS_SHA384, hex, sizeof(hex)));
        UAT_TRY(uat_hex_decode_fixed(hex, strlen(hex), m->alt[i], UAT_NVGPU_RIM_HASH_LEN));
    }
    return UAT_OK;
}

static uat_err parse_resource(const xmlNode *n, uat_nvgpu_rim *r)
{
    char type[32], active[8];
    UAT_TRY(attr(n, "type", NULL, type, sizeof(type)));
    if (strcmp(type, "Measurement") != 0) {
        return UAT_OK; /* other resource types carry no golden value */
    }
    if (r->nmeas == UAT_MAX_RIM_MEASUREMENTS) {
        return UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, CHECK, "Resource", -1,
                         "more than %u measurements", UAT_MAX_RIM_MEASUREMENTS);
    }
    uat_nvgpu_rim_meas *m = &r->meas[r->nmeas];
    unsigned size = 0;
    /* golden index i is SPDM block i+1, and block indices end at 254 (DSP0274 Table 44) */
    UAT_TRY(attr_uint(n, "index", UAT_MAX_RIM_MEASUREMENTS - 1, &m->index));
    for (size_t i = 0; i < r->nmeas; i++) {
        if (r->meas[i].index == m->index) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "index", -1,
                             "index %u appears twice", m->index);
        }
    }
    UAT_TRY(attr(n, "active", NULL, active, sizeof(active)));
    if (strcasecmp(active, "true") != 0 && strcasecmp(active, "false") != 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "active", -1,
                         "index %u: active is \"%s\", not True or False", m->index, active);
    }
    m->active = strcasecmp(active, "true") == 0;
    UAT_TRY(attr_uint(n, "size", 1024, &size));
    if (size != UAT_NVGPU_RIM_HASH_LEN) {
        return UAT_FAILF(UAT_ERR_UNSUPPORTED_ALGORITHM, CHECK, "size", -1,
                         "index %u: golden values of %u bytes (only SHA-384, 48)", m->index, size);
    }
    UAT_TRY(parse_alternatives(n, m));
    r->nmeas++;
    return UAT_OK;
}

static uat_err parse_payload(const xmlNode *root, uat_nvgpu_rim *r)
{
    const xmlNode *payload = child(root, "Payload", NS_SWID);
    if (payload == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "Payload", -1, "the RIM has no Payload");
    }
    for (const xmlNode *n = payload->children; n != NULL; n = n->next) {
        if (is_elem(n, "Resource", NS_SWID)) {
            UAT_TRY(parse_resource(n, r));
        }
    }
    if (r->nmeas == 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "Payload", -1,
                         "the RIM has no Measurement resource");
    }
    return UAT_OK;
}

/* base64Binary allows whitespace; the strict decoder does not */
static uat_err add_cert(const xmlNode *n, uat_der_list *certs)
{
    xmlChar *text = xmlNodeGetContent(n);
    if (text == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_buf b64, der;
    uat_buf_init(&b64, UAT_MAX_FILE_BYTES);
    uat_buf_init(&der, UAT_MAX_FILE_BYTES);
    uat_err rc = UAT_OK;
    for (const xmlChar *p = text; rc == UAT_OK && *p != '\0'; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
            rc = uat_buf_put_u8(&b64, *p);
        }
    }
    xmlFree(text);
    if (rc == UAT_OK) {
        rc = uat_b64_decode((const char *)b64.p, b64.len, UAT_B64_STD, &der);
    }
    if (rc == UAT_OK && certs->n == UAT_MAX_CERT_CHAIN) {
        rc = UAT_FAILF(UAT_ERR_RESOURCE_LIMIT, CHECK, "X509Certificate", -1,
                       "more than %u certificates", UAT_MAX_CERT_CHAIN);
    }
    if (rc == UAT_OK) {
        rc = uat_der_list_add(certs, uat_buf_span(&der));
    }
    uat_buf_free(&b64);
    uat_buf_free(&der);
    return rc;
}

static uat_err parse_certs(const xmlNode *root, uat_nvgpu_rim *r)
{
    const xmlNode *x509 = child(child(child(root, "Signature", NS_DSIG), "KeyInfo", NS_DSIG),
                                "X509Data", NS_DSIG);
    for (const xmlNode *n = x509 != NULL ? x509->children : NULL; n != NULL; n = n->next) {
        if (is_elem(n, "X509Certificate", NS_DSIG)) {
            UAT_TRY(add_cert(n, &r->certs));
        }
    }
    if (r->certs.n == 0) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "X509Data", -1,
                         "the RIM's signature carries no signer certificate");
    }
    return UAT_OK;
}

static uat_err parse_doc(uat_span xml, uat_nvgpu_rim *r)
{
    if (xml.len == 0 || xml.len > UAT_MAX_RIM_BYTES) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_LENGTH, CHECK, "", -1,
                         "a RIM of %zu bytes (1..%u)", xml.len, UAT_MAX_RIM_BYTES);
    }
    /* no XML_PARSE_NOENT (entity substitution) and no DTD loading; never the network */
    r->doc = xmlReadMemory((const char *)xml.p, (int)xml.len, "rim.xml", NULL,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (r->doc == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "", -1, "the RIM is not well-formed XML");
    }
    if (r->doc->intSubset != NULL || r->doc->extSubset != NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "DOCTYPE", -1,
                         "the RIM has a document type declaration");
    }
    const xmlNode *root = xmlDocGetRootElement(r->doc);
    if (!is_elem(root, "SoftwareIdentity", NS_SWID)) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "SoftwareIdentity", -1,
                         "the document element is not an ISO 19770-2 SoftwareIdentity");
    }
    UAT_TRY(parse_meta(root, r));
    UAT_TRY(parse_payload(root, r));
    return parse_certs(root, r);
}

uat_err uat_nvgpu_rim_parse(uat_span xml, uat_nvgpu_rim **out)
{
    uat_nvgpu_rim *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return UAT_NOMEM(CHECK);
    }
    uat_err rc = parse_doc(xml, r);
    if (rc != UAT_OK) {
        uat_nvgpu_rim_free(r);
        return rc;
    }
    *out = r;
    return UAT_OK;
}

void uat_nvgpu_rim_free(uat_nvgpu_rim *r)
{
    if (r == NULL) {
        return;
    }
    xmlFreeDoc(r->doc);
    uat_der_list_free(&r->certs);
    free(r);
}
