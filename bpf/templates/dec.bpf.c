// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* dec.bpf.o: the Dec stage (see dec.bpf.h). */
#include "dec.bpf.h"

SEC("xdp")
int cbox_dec(struct xdp_md *ctx)
{
	return cbox_dec_run(ctx);
}
