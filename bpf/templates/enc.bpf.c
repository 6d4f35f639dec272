// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* enc.bpf.o: Enc alone, thesis style: returns TC_ACT_UNSPEC so that a Fwd
 * filter (fwd.bpf.o) after it decrements TTL and rewrites the outer header. */
#define CBOX_WITH_ENC
#define CBOX_PROG_NAME cbox_enc
#include "egress.bpf.h"
