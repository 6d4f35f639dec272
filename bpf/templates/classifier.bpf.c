// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* classifier.bpf.o: the classifier stage (see classifier.bpf.h). */
#include "classifier.bpf.h"

SEC("tc")
int cbox_classify(struct __sk_buff *skb)
{
	return cbox_cls_run(skb);
}
