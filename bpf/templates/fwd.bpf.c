// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fwd.bpf.o: Fwd alone (the SFF), for frames that already carry NSH. */
#define CBOX_WITH_FWD
/* not cbox_fwd: that is the name of the forwarding map */
#define CBOX_PROG_NAME cbox_sff
#include "egress.bpf.h"
