/* SPDX-License-Identifier: Apache-2.0 */
/* PostQ SDK umbrella header: include this one. */
#ifndef POSTQ_POSTQ_H
#define POSTQ_POSTQ_H

#include <postq/attest.h>
#include <postq/client.h>
#include <postq/err.h>
#include <postq/hybrid.h>
#include <postq/mldsa.h>
#include <postq/verify.h>

#define POSTQ_VERSION "0.1.0"

#endif
