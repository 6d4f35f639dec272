// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* egress.bpf.o: Enc + Fwd in one pass, the default the planner emits; with
 * cbox_enc_enabled = 0 the same object is the Fwd stage of an NSH-aware SF. */
#define CBOX_WITH_ENC
#define CBOX_WITH_FWD
#define CBOX_PROG_NAME cbox_egress
#include "egress.bpf.h"
