// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Bench build of the classifier without its flow cache: every packet is a
 * flow's first, so the rule lookup itself is timed. */
#define CBOX_CLS_NO_CACHE
#include "classifier.bpf.h"
#define BENCH_TC_STAGE cbox_cls_run
#include "bench_harness.h"
