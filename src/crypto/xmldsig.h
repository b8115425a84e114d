/* XML signatures through xmlsec1 (src/crypto/xmldsig.c). */
#ifndef UAT_CRYPTO_XMLDSIG_H
#define UAT_CRYPTO_XMLDSIG_H

#include "crypto/crypto.h"

/* XML-DSig (xmlsec1): verifies the one enveloped ds:Signature of doc (a libxml2 xmlDoc) with k,
 * which the caller has chained to its trust anchor; KeyInfo is never used to find the key. Only
 * a single Reference URI="" over the whole document with enveloped-signature and C14N transforms
 * is accepted. VERIFY_SIGNATURE when a digest or the signature value does not verify. */
struct _xmlDoc;
UAT_MUST_USE uat_err uat_xmldsig_verify(struct _xmlDoc *doc, const uat_key *k);

#endif
