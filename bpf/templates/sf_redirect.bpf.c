// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* sf_redirect.bpf.o: the thesis tc-redirect sample SF. */
#define CBOX_PROG_NAME cbox_sf_redirect
#include "sf_redirect.bpf.h"
