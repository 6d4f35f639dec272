// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Bench build of the merged egress (Enc+Fwd; Fwd only with
 * cbox_enc_enabled = 0) inside the TC bpf_loop harness. */
#define CBOX_WITH_ENC
#define CBOX_WITH_FWD
#define CBOX_PROG_NAME cbox_egress
/* a push the harness can undo (see bench_harness.h) */
#define CBOX_PUSH_HEAD(skb, len) \
	bpf_skb_adjust_room(skb, len, BPF_ADJ_ROOM_MAC, 0)
#include "egress.bpf.h"
#define BENCH_TC_STAGE cbox_egress_run
#include "bench_harness.h"
