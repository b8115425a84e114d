/* XML signatures (W3C XML-DSig 1.1) verified with xmlsec1 over OpenSSL: the key comes from the
 * caller (a certificate it has already verified with its own chain rules), never from KeyInfo,
 * and only the enveloped-signature profile NVIDIA RIMs use is enabled (docs/nvgpu.md):
 * one Reference with URI="" (the whole document), transforms enveloped-signature and C14N 1.0/1.1
 * (inclusive or exclusive), digests SHA-256/384/512, signatures ECDSA or RSA with those digests.
 * No URI other than "" is dereferenced, so nothing is fetched or read from disk.
 *
 * spec: W3C XML Signature Syntax and Processing 1.1 §3.2 (core validation: reference digests,
 *       then SignatureValue over the canonical SignedInfo), §6.6.4 (enveloped signature).
 */
#include <pthread.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/err.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/keys.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/openssl/evp.h>

#include "core/check.h"
#include "crypto/ossl.h"
#include "crypto/xmldsig.h"

#define CHECK "xmldsig.verify"

static pthread_once_t xmlsec_once = PTHREAD_ONCE_INIT;
static int xmlsec_ready;

static void xmlsec_init(void)
{
    xmlInitParser();
    if (xmlSecInit() < 0) {
        return;
    }
    /* xmlsec writes every failure to stderr by default; errors are reported through uat_err */
    xmlSecErrorsDefaultCallbackEnableOutput(0);
    if (xmlSecCheckVersion() != 1 || xmlSecOpenSSLAppInit(NULL) < 0 || xmlSecOpenSSLInit() < 0) {
        return;
    }
    xmlsec_ready = 1;
}

static uat_err enable_profile(xmlSecDSigCtxPtr c)
{
    const xmlSecTransformId refs[] = {
        xmlSecTransformEnvelopedId,     xmlSecTransformInclC14N11Id,
        xmlSecTransformInclC14NId,      xmlSecTransformExclC14NId,
        xmlSecOpenSSLTransformSha256Id, xmlSecOpenSSLTransformSha384Id,
        xmlSecOpenSSLTransformSha512Id,
    };
    const xmlSecTransformId sigs[] = {
        xmlSecTransformInclC14N11Id,         xmlSecTransformInclC14NId,
        xmlSecTransformExclC14NId,           xmlSecOpenSSLTransformEcdsaSha256Id,
        xmlSecOpenSSLTransformEcdsaSha384Id, xmlSecOpenSSLTransformEcdsaSha512Id,
        xmlSecOpenSSLTransformRsaSha256Id,   xmlSecOpenSSLTransformRsaSha384Id,
        xmlSecOpenSSLTransformRsaSha512Id,
    };
    for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
        if (xmlSecDSigCtxEnableReferenceTransform(c, refs[i]) < 0) {
            return UAT_FAIL(UAT_ERR_INTERNAL, CHECK, "transform", -1);
        }
    }
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        if (xmlSecDSigCtxEnableSignatureTransform(c, sigs[i]) < 0) {
            return UAT_FAIL(UAT_ERR_INTERNAL, CHECK, "transform", -1);
        }
    }
    c->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
    return UAT_OK;
}

/* The one ds:Signature, a child of the document element (enveloped), and no other anywhere. */
static uat_err find_signature(xmlDocPtr doc, xmlNodePtr *out)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr sig = root != NULL ? xmlSecFindChild(root, xmlSecNodeSignature, xmlSecDSigNs) : NULL;
    if (sig == NULL) {
        return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "Signature", -1,
                         "the document element has no enveloped ds:Signature");
    }
    for (xmlNodePtr n = sig->next; n != NULL; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && xmlSecCheckNodeName(n, xmlSecNodeSignature,
                                                               xmlSecDSigNs)) {
            return UAT_FAILF(UAT_ERR_PARSE_BAD_VALUE, CHECK, "Signature", -1,
                             "the document carries more than one ds:Signature");
        }
    }
    *out = sig;
    return UAT_OK;
}

/* What was verified must be the whole document: exactly one Reference, URI="". */
static uat_err check_references(xmlSecDSigCtxPtr c)
{
    xmlSecSize n = xmlSecPtrListGetSize(&c->signedInfoReferences);
    if (n != 1) {
        return UAT_FAILF(UAT_ERR_VERIFY_SIGNATURE, CHECK, "Reference", -1,
                         "the signature has %u references; one over the whole document is "
                         "required",
                         (unsigned)n);
    }
    xmlSecDSigReferenceCtxPtr r = xmlSecPtrListGetItem(&c->signedInfoReferences, 0);
    if (r == NULL || r->uri == NULL || r->uri[0] != '\0') {
        return UAT_FAILF(UAT_ERR_VERIFY_SIGNATURE, CHECK, "Reference", -1,
                         "the signature's reference is not URI=\"\" (the whole document)");
    }
    return UAT_OK;
}

static uat_err run_verify(xmlNodePtr sig, xmlSecKeyPtr key)
{
    xmlSecDSigCtxPtr c = xmlSecDSigCtxCreate(NULL);
    if (c == NULL) {
        xmlSecKeyDestroy(key);
        return UAT_NOMEM(CHECK);
    }
    c->signKey = key; /* owned by the context from here */
    uat_err rc = enable_profile(c);
    if (rc == UAT_OK && xmlSecDSigCtxVerify(c, sig) < 0) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_SIGNATURE, CHECK, "Signature", -1,
                       "the XML signature cannot be processed (an algorithm outside the "
                       "accepted profile, a malformed element, or a key of the wrong type)");
    } else if (rc == UAT_OK && c->status != xmlSecDSigStatusSucceeded) {
        rc = UAT_FAILF(UAT_ERR_VERIFY_SIGNATURE, CHECK, "Signature", -1,
                       "the XML signature does not verify: a reference digest or the "
                       "SignatureValue does not match");
    }
    if (rc == UAT_OK) {
        rc = check_references(c);
    }
    if (rc == UAT_OK) {
        uat_step(CHECK, "the enveloped signature over the whole document verifies with the "
                        "chained signer's key",
                 "one enveloped XML signature (URI=\"\"), C14N, SHA-256/384/512, ECDSA or RSA");
    }
    xmlSecDSigCtxDestroy(c);
    ERR_clear_error();
    return rc;
}

uat_err uat_xmldsig_verify(struct _xmlDoc *doc, const uat_key *k)
{
    pthread_once(&xmlsec_once, xmlsec_init);
    if (!xmlsec_ready) {
        return UAT_FAILF(UAT_ERR_INTERNAL, CHECK, "", -1, "xmlsec1 failed to initialise");
    }
    xmlNodePtr sig = NULL;
    if (doc == NULL || k == NULL) {
        return UAT_FAIL(UAT_ERR_INTERNAL, CHECK, "", -1);
    }
    UAT_TRY(find_signature(doc, &sig));
    if (EVP_PKEY_up_ref(k->pkey) != 1) {
        return UAT_FAIL(UAT_ERR_INTERNAL, CHECK, "", -1);
    }
    xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(k->pkey);
    if (data == NULL) {
        EVP_PKEY_free(k->pkey);
        return UAT_OSSL_FAIL(UAT_ERR_CRYPTO_BAD_KEY, CHECK);
    }
    xmlSecKeyPtr key = xmlSecKeyCreate();
    if (key == NULL || xmlSecKeySetValue(key, data) < 0) {
        xmlSecKeyDataDestroy(data);
        xmlSecKeyDestroy(key);
        return UAT_NOMEM(CHECK);
    }
    return run_verify(sig, key);
}
