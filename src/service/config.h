/* uattestd configuration: defaults, then the --config JSON file, then flags. */
#ifndef UAT_SERVICE_CONFIG_H
#define UAT_SERVICE_CONFIG_H

#include "service/service.h"

/* 0: run; -1: --help or --version was printed (exit 0); else the exit code of a usage error
 * (already reported on stderr). */
int uat_config_parse(int argc, char **argv, uat_svc_config *cfg);
void uat_config_free(uat_svc_config *cfg);

#endif
