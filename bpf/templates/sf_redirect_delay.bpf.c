// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* sf_redirect_delay.bpf.o: tc-redirect with a busy loop per packet. */
#define CBOX_SF_DELAY
#define CBOX_PROG_NAME cbox_sf_redirect_delay
#include "sf_redirect.bpf.h"
