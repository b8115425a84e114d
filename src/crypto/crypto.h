/* The crypto layer: the only code that includes OpenSSL headers.
 * Everything above it sees opaque keys, byte spans and uat_err. */
#ifndef UAT_CRYPTO_H
#define UAT_CRYPTO_H

#include "core/buf.h"
#include "core/codec.h"

enum uat_hash_alg {
    UAT_HASH_SHA1,
    UAT_HASH_SHA256,
    UAT_HASH_SHA384,
    UAT_HASH_SHA512,
    UAT_HASH_SM3,
};
#define UAT_HASH_MAX 64u

size_t uat_hash_len(enum uat_hash_alg alg);
const char *uat_hash_name(enum uat_hash_alg alg); /* "sha256" */
/* Hash of the concatenation of parts. out must hold uat_hash_len(alg) bytes. */
UAT_MUST_USE uat_err uat_hash(enum uat_hash_alg alg, const uat_span *parts, size_t nparts,
                              uint8_t *out);
UAT_MUST_USE uat_err uat_random(void *out, size_t n);

typedef struct uat_key uat_key;

enum uat_key_kind {
    UAT_KEY_EC_P256,
    UAT_KEY_EC_P384,
    UAT_KEY_EC_P521,
    UAT_KEY_RSA,
    UAT_KEY_ED25519,
    UAT_KEY_OTHER,
};

/* Imports: PEM (SPKI public key, PKCS#1 RSA public key, private key or certificate), DER SPKI,
 * raw EC point, JWK. */
UAT_MUST_USE uat_err uat_key_from_pem(uat_span pem, uat_key **out);
UAT_MUST_USE uat_err uat_key_from_spki_der(uat_span der, uat_key **out);
/* Uncompressed point coordinates x and y, each the curve's field size. */
UAT_MUST_USE uat_err uat_key_from_ec_point(enum uat_key_kind curve, uat_span x, uat_span y,
                                           uat_key **out);
/* A JWK (RFC 7517/7518/8037): kty EC (P-256/384/521, public or with "d"), RSA or OKP Ed25519. */
UAT_MUST_USE uat_err uat_key_from_jwk(uat_span json, uat_key **out);
UAT_MUST_USE uat_err uat_key_generate(enum uat_key_kind kind, uat_key **out);
void uat_key_free(uat_key *k);
enum uat_key_kind uat_key_kind_of(const uat_key *k);
int uat_key_is_private(const uat_key *k);
/* provider.c: a private key held by a token (a TPM) and used through its OpenSSL provider: the
 * provider is loaded with param=value (e.g. tcti=swtpm:...) into a library context of the key's
 * own, next to the default provider; the key is loaded from the provider's store at uri (e.g.
 * handle:0x81000100); propq steers the key's operations (and TLS contexts made with the key) to
 * the provider. uat_key_free unloads the provider. */
typedef struct uat_provider_key_spec {
    const char *provider; /* "tpm2" */
    const char *param;    /* "tcti" */
    const char *value;
    /* NULL, or an environment variable the provider reads value from at its initialisation
     * instead of param (set only meanwhile, under a lock, then restored) */
    const char *env;
    const char *propq;
} uat_provider_key_spec;
UAT_MUST_USE uat_err uat_key_from_provider(const uat_provider_key_spec *spec, const char *uri,
                                           uat_key **out);
/* True when k lives in a token's provider (its private part cannot be exported). */
int uat_key_in_provider(const uat_key *k);
/* DER SubjectPublicKeyInfo, appended to out. */
UAT_MUST_USE uat_err uat_key_spki_der(const uat_key *k, uat_buf *out);
/* DER SubjectPublicKeyInfo of a public JWK, appended to out, the key checked as
 * uat_key_from_jwk checks it; a NIST EC point is checked on its curve and written without making
 * a key (the cost of a token's bound key, EAR key-attestation). */
UAT_MUST_USE uat_err uat_jwk_spki_der(uat_span json, uat_buf *out);
UAT_MUST_USE uat_err uat_ec_point_spki_der(enum uat_key_kind curve, uat_span x, uat_span y,
                                           uat_buf *out);
/* PEM text appended to out (NUL-terminated). */
UAT_MUST_USE uat_err uat_key_public_pem(const uat_key *k, uat_buf *out);
UAT_MUST_USE uat_err uat_key_private_pem(const uat_key *k, uat_buf *out);
/* Public JWK as compact JSON text appended to out (EC, RSA and Ed25519). */
UAT_MUST_USE uat_err uat_key_public_jwk(const uat_key *k, uat_buf *out);

enum uat_sig_alg {
    UAT_SIG_ES256,     /* ECDSA P-256 SHA-256, raw r||s (32+32) */
    UAT_SIG_ES384,     /* ECDSA P-384 SHA-384, raw r||s (48+48) */
    UAT_SIG_ES512,     /* ECDSA P-521 SHA-512, raw r||s (66+66) */
    UAT_SIG_ES256_DER, /* same algorithms, DER ECDSA-Sig-Value */
    UAT_SIG_ES384_DER,
    UAT_SIG_ES512_DER,
    UAT_SIG_RS256,     /* RSASSA-PKCS1-v1_5 */
    UAT_SIG_RS384,
    UAT_SIG_RS512,
    UAT_SIG_PS256,     /* RSASSA-PSS, MGF1 with the same hash, salt = hash length */
    UAT_SIG_PS384,
    UAT_SIG_PS512,
    UAT_SIG_EDDSA,     /* Ed25519 */
};

/* Fails with VERIFY_SIGNATURE (recording check) when the signature does not verify. */
UAT_MUST_USE uat_err uat_sig_verify(const uat_key *k, enum uat_sig_alg alg, uat_span msg,
                                    uat_span sig, const char *check);
/* Signs msg; appends the signature in alg's encoding to out. */
UAT_MUST_USE uat_err uat_sig_sign(const uat_key *k, enum uat_sig_alg alg, uat_span msg,
                                  uat_buf *out);

/* X.509: certificates and CRLs as DER, verified at a given time. */
typedef struct uat_der_list {
    uat_buf *items;
    size_t n;
    size_t cap;
} uat_der_list;

void uat_der_list_free(uat_der_list *l);
UAT_MUST_USE uat_err uat_der_list_add(uat_der_list *l, uat_span der);
/* Appends every PEM block of the given label ("CERTIFICATE", "X509 CRL") as DER. */
UAT_MUST_USE uat_err uat_pem_decode_all(uat_span text, const char *label, uat_der_list *out);
/* Strict PEM certificate bundle from untrusted input: only "-----BEGIN CERTIFICATE-----" blocks of
 * base64 lines, separated by line breaks; trailing whitespace and NUL bytes are allowed, nothing else.
 * Blocks are base64-decoded strictly; the DER is decoded by uat_cert_parse (once) where it is used. */
UAT_MUST_USE uat_err uat_pem_certs_strict(uat_span text, uat_der_list *out);
/* Appends certificates from a file holding DER or PEM (one or several). */
UAT_MUST_USE uat_err uat_der_list_load_certs(uat_span file_bytes, uat_der_list *out);
UAT_MUST_USE uat_err uat_der_list_load_crls(uat_span file_bytes, uat_der_list *out);

typedef struct uat_chain_args {
    uat_span leaf;                    /* DER certificate to verify */
    const uat_der_list *intermediates; /* untrusted, may be NULL */
    const uat_der_list *anchors;       /* trusted roots (or trusted intermediates) */
    const uat_der_list *crls;          /* may be NULL */
    int require_crls;                  /* every CA in the chain must have a CRL */
    uat_time at;                       /* evaluation time */
    const char *check;                 /* name for errors, e.g. "sim.chain" */
} uat_chain_args;

/* VERIFY_CHAIN, VERIFY_REVOKED or VERIFY_EXPIRED on failure; PARSE_BAD_CERT on bad DER. */
UAT_MUST_USE uat_err uat_x509_verify_chain(const uat_chain_args *a);
UAT_MUST_USE uat_err uat_x509_public_key(uat_span cert_der, uat_key **out);
/* Without decoding the certificate (a shallow DER walk, RFC 5280 §4.1): the DER of its issuer and
 * subject names and its validity. For choosing among certificates before decoding any. */
UAT_MUST_USE uat_err uat_x509_peek(uat_span der, uat_span *issuer, uat_span *subject,
                                   uat_time *not_before, uat_time *not_after);
/* notBefore / notAfter of a certificate as seconds since the epoch. */
UAT_MUST_USE uat_err uat_x509_validity(uat_span cert_der, uat_time *not_before,
                                       uat_time *not_after);

/* A parsed certificate: decoded once, with its subject CN, validity and public key at hand.
 * (OpenSSL 3 decodes certificates slowly: code that checks a certificate more than once keeps one.) */
typedef struct uat_cert uat_cert;
UAT_MUST_USE uat_err uat_cert_parse(uat_span der, uat_cert **out);
void uat_cert_free(uat_cert *c);
uat_span uat_cert_der(const uat_cert *c);
const char *uat_cert_cn(const uat_cert *c); /* subject commonName, "" when absent */
uat_time uat_cert_not_before(const uat_cert *c);
uat_time uat_cert_not_after(const uat_cert *c);
const uat_key *uat_cert_key(const uat_cert *c);
/* The DER value of the extension with the dotted OID (see uat_x509_extension). */
UAT_MUST_USE uat_err uat_cert_extension(const uat_cert *c, const char *oid, uat_buf *out);

/* Trust anchors and CRLs decoded once, for many chain verifications at different times. */
typedef struct uat_x509_store uat_x509_store;
UAT_MUST_USE uat_err uat_x509_store_new(uat_cert *const *anchors, size_t nanchors,
                                        const uat_der_list *crls, uat_x509_store **out);
void uat_x509_store_free(uat_x509_store *s);
/* As uat_x509_verify_chain, with a parsed leaf and intermediates. */
/* depth: the number of certificates the verified path must hold, leaf and anchor included
 * (VERIFY_CHAIN otherwise: a vendor leaf signed straight by the root is not a vendor chain);
 * 0 accepts any length. */
UAT_MUST_USE uat_err uat_x509_store_verify(const uat_x509_store *s, const uat_cert *leaf,
                                           uat_cert *const *intermediates, size_t n,
                                           int require_crls, size_t depth, uat_time at,
                                           const char *check);
/* As uat_x509_store_verify; on success also adds the CRLs the verification consulted to *used
 * (when not NULL): what a cached verdict records again when it is reused (uat_coll_memo). */
UAT_MUST_USE uat_err uat_x509_store_verify_used(const uat_x509_store *s, const uat_cert *leaf,
                                                uat_cert *const *intermediates, size_t n,
                                                int require_crls, size_t depth, uat_time at,
                                                const char *check, uat_coll_memo *used);

/* The DER value (contents of the extnValue OCTET STRING) of the extension with the dotted OID.
 * PARSE_BAD_CERT when the certificate has no such extension or has it twice. Appends to out. */
UAT_MUST_USE uat_err uat_x509_extension(uat_span cert_der, const char *oid, uat_buf *out);
/* The subject's / issuer's commonName, NUL-terminated, into out (cap bytes). */
UAT_MUST_USE uat_err uat_x509_subject_cn(uat_span cert_der, char *out, size_t cap);
/* thisUpdate and nextUpdate (0 when absent) by a shallow DER walk that also checks the
 * CertificateList shape and exact length; nothing is decoded by OpenSSL. */
UAT_MUST_USE uat_err uat_crl_peek(uat_span der, uat_time *this_update, uat_time *next_update);
/* A CRL's issuer commonName, thisUpdate and nextUpdate (0 when absent). */
UAT_MUST_USE uat_err uat_crl_info(uat_span crl_der, char *issuer_cn, size_t cap,
                                  uat_time *this_update, uat_time *next_update);
/* True when the certificate (DER) is the issuer of the CRL and the CRL's signature verifies. */
int uat_crl_signed_by(uat_span crl_der, uat_span issuer_cert_der);

/* x509_make.c: self-signed certificates (RA-TLS). An extension value is the DER that goes inside
 * extnValue's OCTET STRING. Serial: 16 random bytes; subject = issuer = CN; signed with SHA-256
 * (P-256, RSA), SHA-384 (P-384), SHA-512 (P-521) or Ed25519. key must hold the private key. */
typedef struct uat_x509_ext_spec {
    const char *oid; /* dotted */
    int critical;
    uat_span value;
} uat_x509_ext_spec;
UAT_MUST_USE uat_err uat_x509_self_signed(const uat_key *key, const char *cn, uat_time not_before,
                                          uat_time not_after, const uat_x509_ext_spec *exts,
                                          size_t n, uat_buf *cert_der);
/* A certificate for subject's public key, issued (signed) by issuer_key as the subject of
 * issuer_der; is_ca adds a critical basicConstraints CA:TRUE, else CA:FALSE. Test CAs, AK and EK
 * certificates for tests. */
UAT_MUST_USE uat_err uat_x509_issue(const uat_key *issuer_key, uat_span issuer_der,
                                    const uat_key *subject, const char *cn, int is_ca,
                                    uat_time not_before, uat_time not_after, uat_buf *cert_der);

/* x509_fields.c: fields exactly as the certificate's DER holds them (nothing re-encoded). */
/* The DER SubjectPublicKeyInfo, appended to out. */
UAT_MUST_USE uat_err uat_cert_spki(const uat_cert *c, uat_buf *out);
/* The extnValue contents of the extension with the dotted OID (a view into uat_cert_der(c)) and
 * how many times the extension occurs (0: *value is empty). */
UAT_MUST_USE uat_err uat_cert_ext_find(const uat_cert *c, const char *oid, uat_span *value,
                                       size_t *count);
/* PKCS#1 RSAPublicKey DER of an RSA key, appended to out (CRYPTO_BAD_KEY for other keys). */
UAT_MUST_USE uat_err uat_key_rsa_pkcs1(const uat_key *k, uat_buf *out);

/* tls.c: TLS 1.3 contexts whose peer verification is a caller-given check of the peer's leaf
 * certificate (DER) instead of X.509 path building; a check that fails aborts the handshake and
 * its error is what accept/connect return. Blocking sockets; the caller owns and closes fd. */
typedef uat_err (*uat_tls_peer_check)(void *user, const uat_cert *leaf);
typedef struct uat_tls_ctx uat_tls_ctx;
typedef struct uat_tls_conn uat_tls_conn;
/* Server: cert_der and key_pem required; check NULL = no client certificate requested,
 * require_peer_cert = the client must present one. Client: check required (the server's leaf);
 * cert_der/key_pem optional (empty spans = no client certificate). */
UAT_MUST_USE uat_err uat_tls_ctx_new(int is_server, uat_span cert_der, uat_span key_pem,
                                     uat_tls_peer_check check, void *user, int require_peer_cert,
                                     uat_tls_ctx **out);
/* As uat_tls_ctx_new with a key object (a token's key: provider.c); key must outlive the context. */
UAT_MUST_USE uat_err uat_tls_ctx_new_key(int is_server, uat_span cert_der, const uat_key *key,
                                         uat_tls_peer_check check, void *user,
                                         int require_peer_cert, uat_tls_ctx **out);
void uat_tls_ctx_free(uat_tls_ctx *c);
/* Handshakes on a connected fd. conn_user, when not NULL, replaces the context's user in this
 * connection's peer check (per-connection results such as the peer's claims). */
UAT_MUST_USE uat_err uat_tls_accept(uat_tls_ctx *ctx, int fd, void *conn_user, uat_tls_conn **out);
UAT_MUST_USE uat_err uat_tls_connect(uat_tls_ctx *ctx, int fd, void *conn_user, uat_tls_conn **out);
/* *n = 0 when the peer closed the connection cleanly. */
UAT_MUST_USE uat_err uat_tls_read(uat_tls_conn *c, void *buf, size_t cap, size_t *n);
UAT_MUST_USE uat_err uat_tls_write(uat_tls_conn *c, const void *buf, size_t n);
/* Sends close_notify and frees the connection (not the fd). */
void uat_tls_close(uat_tls_conn *c);
/* RFC 8446 §7.5 exporter (SSL_export_keying_material with a context): n bytes for label and
 * context from this connection's exporter_master_secret into out. */
UAT_MUST_USE uat_err uat_tls_export(uat_tls_conn *c, const char *label, uat_span context,
                                    uint8_t *out, size_t n);
/* Sends close_notify without closing: the peer's remaining data can still be read (TLS 1.3 half
 * close, RFC 8446 §6.1). */
UAT_MUST_USE uat_err uat_tls_shutdown_write(uat_tls_conn *c);
/* Decrypted application bytes buffered inside the TLS layer (readable without the socket). */
size_t uat_tls_pending(const uat_tls_conn *c);

/* mac.c: HMAC (RFC 2104) with alg over the concatenation of parts; out holds uat_hash_len(alg)
 * bytes. Compare MACs with uat_ct_equal. */
UAT_MUST_USE uat_err uat_hmac(enum uat_hash_alg alg, uat_span key, const uat_span *parts,
                              size_t nparts, uint8_t *out);

/* HKDF (RFC 5869) with HMAC-SHA-256: extract with salt (empty: 32 zero bytes) over ikm, then
 * expand with info to n bytes (n <= 255 * 32). */
UAT_MUST_USE uat_err uat_hkdf_sha256(uat_span salt, uat_span ikm, uat_span info, uint8_t *out,
                                     size_t n);

/* sm2.c: SM2 signatures (GB/T 32918.2) with SM3 and the signer's distinguishing ID (at least one
 * byte), as Hygon CSV certificates and reports use them. x, y, r, s are 32 bytes big-endian.
 * VERIFY_SIGNATURE (recording check) when the signature does not verify; CRYPTO_BAD_KEY when
 * (x, y) is not a point of the SM2 curve. */
UAT_MUST_USE uat_err uat_sm2_verify(const uint8_t x[32], const uint8_t y[32], uat_span id,
                                    uat_span msg, const uint8_t r[32], const uint8_t s[32],
                                    const char *check);
/* SM2 over a digest the signer was given (e = digest, no Z_A prefix): how a TPM signs with an SM2
 * key (TPM 2.0 Part 1 rev 1.59 §C.5: the TPM signs the digest of the attestation structure).
 * digest is 32 bytes (SM3). Same errors as uat_sm2_verify. */
UAT_MUST_USE uat_err uat_sm2_verify_digest(const uint8_t x[32], const uint8_t y[32],
                                           const uint8_t digest[32], const uint8_t r[32],
                                           const uint8_t s[32], const char *check);
/* The affine coordinates (32 bytes big-endian each) of a key on the SM2 curve (a certificate's
 * id-ecPublicKey with the SM2 curve OID 1.2.156.10197.1.301); CRYPTO_BAD_KEY for other keys. */
UAT_MUST_USE uat_err uat_key_sm2_point(const uat_key *k, uint8_t x[32], uint8_t y[32],
                                       const char *check);

/* enc.c: RSAES-OAEP (RFC 8017 §7.1) with h for OAEP and MGF1 (RFC 7518 §4.3 RSA-OAEP-256: SHA-256),
 * and AES-GCM with a 16-, 24- or 32-byte key, a 12-byte IV and a 16-byte tag (NIST SP 800-38D).
 * Outputs are appended. A decryption that fails authentication is VERIFY_SIGNATURE. */
UAT_MUST_USE uat_err uat_rsa_oaep_encrypt(const uat_key *k, enum uat_hash_alg h, uat_span pt,
                                          uat_buf *out);
UAT_MUST_USE uat_err uat_rsa_oaep_decrypt(const uat_key *k, enum uat_hash_alg h, uat_span ct,
                                          uat_buf *out);
UAT_MUST_USE uat_err uat_aes_gcm_encrypt(uat_span key, uat_span iv, uat_span aad, uat_span pt,
                                         uat_buf *ct, uint8_t tag[16]);
UAT_MUST_USE uat_err uat_aes_gcm_decrypt(uat_span key, uat_span iv, uat_span aad, uat_span ct,
                                         const uint8_t tag[16], uat_buf *pt);

/* kdf.c: the TPM's key derivations and credential protection (enrolment by credential activation).
 * spec: TPM 2.0 Library Part 1 rev 1.59 §11.4.10.2 KDFa (SP 800-108 counter mode, HMAC),
 * §11.4.10.3 KDFe (SP 800-56A concatenation KDF), §24 (credential protection), Part 4 CryptSym
 * (AES-CFB with a full-block feedback). label is a C string: its terminating NUL is part of the
 * input, as the TPM adds one. bits is a multiple of 8; out holds bits / 8 bytes. */
UAT_MUST_USE uat_err uat_kdfa(enum uat_hash_alg h, uat_span key, const char *label,
                              uat_span context_u, uat_span context_v, size_t bits, uint8_t *out);
UAT_MUST_USE uat_err uat_kdfe(enum uat_hash_alg h, uat_span z, const char *label,
                              uat_span party_u, uat_span party_v, size_t bits, uint8_t *out);
/* AES-128/192/256 in CFB mode with 128-bit feedback (SP 800-38A §6.3); out holds in.len bytes. */
UAT_MUST_USE uat_err uat_aes_cfb_encrypt(uat_span key, uat_span iv, uat_span in, uint8_t *out);
UAT_MUST_USE uat_err uat_aes_cfb_decrypt(uat_span key, uat_span iv, uat_span in, uint8_t *out);
/* RSAES-OAEP with h for OAEP and MGF1 and a label (the TPM: "IDENTITY\0", "DUPLICATE\0"...,
 * label.len counts the NUL). Appended to out; a failed decryption is VERIFY_SIGNATURE. */
UAT_MUST_USE uat_err uat_rsa_oaep_label_encrypt(const uat_key *k, enum uat_hash_alg h,
                                                uat_span label, uat_span pt, uat_buf *out);
UAT_MUST_USE uat_err uat_rsa_oaep_label_decrypt(const uat_key *k, enum uat_hash_alg h,
                                                uat_span label, uat_span ct, uat_buf *out);
/* ECDH (SP 800-56A C(1e, 1s)): a fresh key on peer's curve; appends the shared x coordinate Z
 * and the ephemeral public point (x, y), each the curve's field size, to z, x and y. */
UAT_MUST_USE uat_err uat_ecdh_ephemeral(const uat_key *peer, uat_buf *z, uat_buf *x, uat_buf *y);
/* ECDH with a private key: appends Z (the field size). */
UAT_MUST_USE uat_err uat_ecdh(const uat_key *priv, const uat_key *peer, uat_buf *z);
/* The uncompressed point of an EC key: x and y, each *len (the field size) bytes; cap per buffer. */
UAT_MUST_USE uat_err uat_key_ec_point(const uat_key *k, uint8_t *x, uint8_t *y, size_t cap,
                                      size_t *len);
/* Modulus or field size in bits; 0 for other keys. */
size_t uat_key_bits(const uat_key *k);

/* TPM 2.0 keys and signature schemes (the TPM verifier, src/tee/tpm/). */
/* An RSA public key from its modulus and public exponent, unsigned big-endian (TPMT_PUBLIC's
 * unique.rsa and parameters.exponent). CRYPTO_BAD_KEY below 1024 bits or for an even exponent. */
UAT_MUST_USE uat_err uat_key_from_rsa(uat_span n, uat_span e, uat_key **out);
/* An RSA key's modulus, unsigned big-endian without leading zeros, appended to n; its exponent. */
UAT_MUST_USE uat_err uat_key_rsa_public(const uat_key *k, uat_buf *n, uint64_t *e);
/* True when both hold the same public key. */
int uat_key_equal(const uat_key *a, const uat_key *b);
/* A signature scheme whose hash is chosen apart from the key, as a TPM signs: any supported hash
 * with RSASSA-PKCS1-v1_5, RSASSA-PSS (MGF1 with the same hash) or ECDSA on any curve (P-256 with
 * SHA-384 included). ECDSA signatures are raw r || s, each the curve's field size. RSASSA-PSS
 * verifies with a salt of the digest's length or of the largest length the key allows, the two
 * salts a TPM uses (Part 1 rev 1.59 §B.7 and earlier revisions); signing uses the digest length. */
enum uat_sig_scheme {
    UAT_SCHEME_RSASSA,
    UAT_SCHEME_RSAPSS,
    UAT_SCHEME_ECDSA,
};
/* VERIFY_SIGNATURE (recording check) when the signature does not verify. */
UAT_MUST_USE uat_err uat_sig_verify_scheme(const uat_key *k, enum uat_sig_scheme s,
                                           enum uat_hash_alg h, uat_span msg, uat_span sig,
                                           const char *check);
UAT_MUST_USE uat_err uat_sig_sign_scheme(const uat_key *k, enum uat_sig_scheme s,
                                         enum uat_hash_alg h, uat_span msg, uat_buf *out);

#endif
