/* jinzhao-attest compatibility (libuattest-jinzhao): the C API of jinzhao's libual, on uattest.
 * Compile with -I<includedir>/uattest/jinzhao (pkg-config uattest-jinzhao) so jinzhao's own
 * include paths ("attestation/generation/unified_attestation_generation.h", ...) resolve here,
 * and link with -luattest-jinzhao instead of -lual_u / -lual. docs/compat.md. */
#ifndef UATTEST_JINZHAO_UNIFIED_ATTESTATION_H
#define UATTEST_JINZHAO_UNIFIED_ATTESTATION_H

#include "attestation/common/error.h"
#include "attestation/generation/unified_attestation_generation.h"
#include "attestation/verification/unified_attestation_verification.h"

#endif
