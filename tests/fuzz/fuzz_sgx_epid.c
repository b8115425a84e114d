/* libFuzzer target: SGX EPID / IAS evidence (pure parsing, no signature or chain checks): the
 * evidence JSON object, the IAS report JSON inside it (and the input itself as a report), the
 * 432-byte quote body (the input itself as a body) and inspection. */
#include <stdlib.h>

#include "tee/intel/epid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_report(uat_span text)
{
    uat_epid_report r;
    if (uat_epid_report_parse(text, &r) != UAT_OK) {
        return;
    }
    json_t *fields = json_object();
    /* a parsed report always describes itself */
    if (fields == NULL || uat_epid_describe(&r, fields) != UAT_OK) {
        abort();
    }
    const char *tcb = NULL;
    if (uat_epid_status_tcb(r.status, &tcb) == UAT_OK && tcb == NULL) {
        abort();
    }
    json_decref(fields);
    uat_epid_report_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uat_span in = uat_span_of(data, size);
    uat_epid_evidence ev;
    if (uat_epid_evidence_parse(in, &ev) == UAT_OK) {
        /* whatever parses as evidence is recognised as evidence */
        if (!uat_epid_sniff(in) || ev.certs.n == 0) {
            abort();
        }
        parse_report(uat_buf_span(&ev.report));
        uat_epid_evidence_free(&ev);
    } else {
        (void)uat_epid_sniff(in);
    }
    parse_report(in);
    uat_epid_quote q;
    uat_err quote_rc = uat_epid_quote_parse(in, &q);
    json_t *fields = json_object();
    uat_err inspect_rc = fields != NULL ? uat_epid_inspect(in, fields) : UAT_OK;
    json_decref(fields);
    (void)quote_rc;
    (void)inspect_rc;
    return 0;
}
