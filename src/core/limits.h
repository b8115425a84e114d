/* Every cap on untrusted input and every growable buffer, in one place. */
#ifndef UAT_CORE_LIMITS_H
#define UAT_CORE_LIMITS_H

#define UAT_MAX_EVIDENCE_BYTES (4u * 1024u * 1024u)   /* one piece of evidence */
#define UAT_MAX_CMW_TEXT_BYTES (8u * 1024u * 1024u)   /* a CMW document, JSON or CBOR */
#define UAT_MAX_CMW_DEPTH 8u                          /* nested CMW collections */
#define UAT_MAX_CMW_ENTRIES 64u                       /* entries in one CMW collection */
#define UAT_MAX_MEDIA_TYPE_LEN 256u                   /* RFC 6838 allows 127/127 + params */
#define UAT_MAX_LABEL_LEN 256u                        /* a CMW collection label */
#define UAT_MAX_FILE_BYTES (16u * 1024u * 1024u)      /* any file the library reads */
#define UAT_MAX_TRUST_FILES 256u                      /* files in one trust directory */
#define UAT_MAX_PATH_LEN 4096u
#define UAT_MAX_CERT_CHAIN 16u                        /* certificates in one chain */
#define UAT_MAX_JZ_NESTED 256u  /* jinzhao nested (group) results in one report */
#define UAT_MAX_OPTIONS 32u                           /* key=value options on an attester */
#define UAT_MAX_EVIDENCE_NONCE 64u                   /* a nonce field of evidence (IAS: 32) */
#define UAT_MAX_HCL_VAR_DATA (64u * 1024u)           /* runtime claims JSON of an Azure HCL report */
#define UAT_REPORT_DATA_LEN 64u                       /* report_data everywhere (DESIGN.md 4) */
#define UAT_MAX_EVENTLOG_BYTES (8u * 1024u * 1024u)   /* a TCG PC Client / CCEL event log */
#define UAT_MAX_EVENTLOG_EVENTS 65536u                /* events in one TCG event log */
#define UAT_MAX_EVENT_DATA_BYTES (1024u * 1024u)      /* eventSize of one TCG event */
#define UAT_MAX_IMALOG_BYTES (16u * 1024u * 1024u)    /* an IMA measurement list, binary or ASCII */
#define UAT_MAX_IMALOG_ENTRIES (1024u * 1024u)        /* entries in one IMA list */
#define UAT_MAX_IMA_TEMPLATE_BYTES (1024u * 1024u)    /* template data of one IMA entry */
#define UAT_MAX_ITRUSTEE_PARAMS 32u                  /* ra_params in one iTrustee report / ak_cert */
#define UAT_MAX_ITRUSTEE_JSON_DEPTH 16u              /* nesting of an iTrustee JSON payload */
#define UAT_MAX_SPDM_OPAQUE_ITEMS 64u                /* NVIDIA opaque-data TLVs in one SPDM response */
#define UAT_MAX_RIM_BYTES (1024u * 1024u)              /* one NVIDIA RIM (signed SWID tag, ~21 KB) */
#define UAT_MAX_RIM_MEASUREMENTS 254u                /* Resource elements of one RIM (golden index < 254) */
#define UAT_MAX_RIM_ALTERNATIVES 16u                 /* golden values of one RIM index */
#define UAT_MAX_RIM_FILES 64u                        /* RIM files considered in one collateral folder */

#define UAT_MAX_BUNDLE_FILES 4096u                   /* files in one signed collateral bundle */
#define UAT_MAX_BUNDLE_DEPTH 8u                      /* directory nesting in a bundle */
#define UAT_MAX_BUNDLE_FILE (64u * 1024u * 1024u)    /* one file of a bundle */
#define UAT_MAX_BUNDLE_MANIFEST (4u * 1024u * 1024u) /* manifest.json, and manifest.jws */
#define UAT_MAX_BUNDLE_JWK (16u * 1024u)             /* the operator's private JWK */
#define UAT_MAX_TRACE_STEPS 512u                     /* checks one explanation lists */
#define UAT_MAX_TRACE_ITEMS 64u                      /* certificates, and collateral, it lists */
#define UAT_MAX_TRACE_TEXT 1024u                     /* one value in it (longer ones are cut) */
#define UAT_MAX_COLL_MEMO 8u                         /* collateral one cached verdict used */

#endif
