// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Bench build of Dec: the stage inside the XDP live-frames harness. */
#include "dec.bpf.h"
#define BENCH_XDP
#define BENCH_XDP_STAGE cbox_dec_run
#include "bench_harness.h"
