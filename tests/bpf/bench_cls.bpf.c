// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Bench build of the classifier (flow cache on) in the TC harness. */
#include "classifier.bpf.h"
#define BENCH_TC_STAGE cbox_cls_run
#include "bench_harness.h"
