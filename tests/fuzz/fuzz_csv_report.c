/* libFuzzer target: Hygon CSV parsing (pure): the trustee evidence JSON, the 4096-byte report page
 * (v1 and v2), the 2084-byte CEK/PEK and 832-byte HRK/HSK certificates and hsk_cek.cert. */
#include <stdlib.h>
#include <string.h>

#include "tee/csv/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A parsed certificate written as serde JSON parses back to the same bytes. */
static void cert_roundtrip(uat_span in, int ca)
{
    json_t *j = NULL;
    uint8_t back[UAT_CSV_CERT_SIZE];
    uat_err rc = ca ? uat_csv_ca_cert_to_json(in, &j) : uat_csv_cert_to_json(in, &j);
    if (rc != UAT_OK) {
        abort();
    }
    rc = ca ? uat_csv_ca_cert_from_json(j, back) : uat_csv_cert_from_json(j, back);
    if (rc != UAT_OK || memcmp(back, in.p, in.len) != 0) {
        abort();
    }
    json_decref(j);
}

static void binary(uat_span in)
{
    uat_csv_report r;
    for (int v = 1; v <= 2; v++) {
        if (uat_csv_report_parse(in, v, &r) == UAT_OK) {
            json_t *o = json_object();
            /* every parsed report can be described; the signed part lies inside the input */
            if (uat_csv_report_describe(&r, o) != UAT_OK || r.signed_part.p != in.p ||
                r.signed_part.len > in.len) {
                abort();
            }
            json_decref(o);
        }
    }
    uat_csv_cert c;
    uat_csv_ca_cert ca;
    if (uat_csv_cert_parse(in, &c) == UAT_OK) {
        cert_roundtrip(in, 0);
    }
    if (uat_csv_ca_cert_parse(in, &ca) == UAT_OK) {
        cert_roundtrip(in, 1);
    }
    if (uat_csv_hsk_cek_parse(in, &ca, &c) == UAT_OK && in.len != UAT_CSV_HSK_CEK_SIZE) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span in = uat_span_of(data, size);
    binary(in);
    uat_csv_evidence *e = malloc(sizeof(*e));
    if (e == NULL) {
        return 0;
    }
    uat_err parsed = uat_csv_evidence_parse(in, e);
    /* well-formed evidence is always recognised as CSV evidence */
    if (parsed == UAT_OK && !uat_csv_sniff(in)) {
        abort();
    }
    if (parsed == UAT_OK) {
        binary(uat_span_of(e->data, sizeof(e->data)));
        binary(uat_span_of(e->pek, sizeof(e->pek)));
        if (strlen(e->chip_id) == 0 || strchr(e->chip_id, '/') != NULL) {
            abort(); /* the chip ID names a collateral folder */
        }
    }
    json_t *fields = json_object();
    uat_err inspected = uat_csv_inspect(in, fields);
    /* inspection needs well-formed evidence */
    if (inspected == UAT_OK && parsed != UAT_OK) {
        abort();
    }
    json_decref(fields);
    free(e);
    return 0;
}
