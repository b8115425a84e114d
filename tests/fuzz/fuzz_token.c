/* libFuzzer target: EAR token verification (compact JWS parsing, header and claim checks) against a
 * fixed JWKS, and the reference value and policy parsers on the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "uattest/uattest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char jwks[] =
    "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES256\",\"use\":\"sig\",\"kid\":\"k1\","
    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    char *claims = NULL;
    if (uat_token_verify(text, jwks, 1751328000, &claims) == UAT_OK) {
        abort(); /* nothing here is signed by the key above */
    }
    uat_refvals *rv = NULL;
    if (uat_refvals_new(&rv) == UAT_OK) {
        (void)!uat_refvals_add_json(rv, text, size);
        uat_refvals_free(rv);
    }
    uat_policy *p = NULL;
    if (size > 0 && text[0] == '{' && uat_policy_parse(text, size, &p) == UAT_OK) {
        uat_policy_free(p);
    }
    free(text);
    return 0;
}
