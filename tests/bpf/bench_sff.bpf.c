// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Bench build of Fwd alone (cbox_sff) inside the TC bpf_loop harness. */
#define CBOX_WITH_FWD
#define CBOX_PROG_NAME cbox_sff
#include "egress.bpf.h"
#define BENCH_TC_STAGE cbox_egress_run
#include "bench_harness.h"
