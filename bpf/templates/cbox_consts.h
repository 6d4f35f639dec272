/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Build-time tunables of the BPF stages. Every one has a default here and can
 * be overridden with -D when an object is built; per-deployment values (MACs,
 * box id, ...) are not here but const volatile globals in .rodata, so that
 * the compiler can bake them into prebuilt objects.
 */
#ifndef CBOX_CONSTS_H
#define CBOX_CONSTS_H

#include "common_kern_user.h"

/* Default size of the host's proxy LRU; the loader resizes it from the
 * manifest's proxy_entries before load. */
#ifndef CBOX_PROXY_ENTRIES
#define CBOX_PROXY_ENTRIES 16384
#endif

/* Default size of a box's forwarding table (the loader sizes it exactly). */
#ifndef CBOX_FWD_ENTRIES
#define CBOX_FWD_ENTRIES 256
#endif

/*
 * Per-CPU cache of cbox_fwd entries in front of the hash lookup (slots,
 * direct-mapped, a power of 2; 0 turns it off). A hash lookup is a kernel
 * call, and calls are what a stage's time goes to on a machine with return
 * thunks (SRSO Safe RET, retpolines): about 18 ns each, against about 3 ns
 * for the inlined array lookup of the cache. An entry serves only within
 * the jiffy it was filled in, so a change to cbox_fwd (apply, upgrade,
 * rollback) reaches a running program within one tick (4 ms at HZ=250).
 */
#ifndef CBOX_FWD_CACHE_SLOTS
#define CBOX_FWD_CACHE_SLOTS 64
#endif

/*
 * Cache of the host's cbox_proxy entries in front of the LRU hash (slots,
 * direct-mapped, a power of 2; 0 turns it off), one array shared by every
 * box and every CPU of the host. With it a steady flow costs Dec and the
 * egress no kernel call for the proxy table: Dec skips rewriting an entry
 * it wrote or checked in this jiffy, and the egress copies the entry from
 * the slot (a sequence lock guards against a writer on another CPU). Dec
 * trusts a slot only within the jiffy it was filled in, so it checks the
 * table at least once a tick per flow; the egress also in the next jiffy.
 * Memory: slots x 96 B per host.
 */
#ifndef CBOX_PROXY_CACHE_SLOTS
#define CBOX_PROXY_CACHE_SLOTS 4096
#endif

/*
 * Per-CPU direct-mapped cache in front of the classifier's LRU flow cache
 * (slots, a power of 2; 0 turns it off): a cached flow then costs no kernel
 * call before the push. Private to the loaded program like the LRU, so it
 * needs no expiry: a new rule set comes with a new load.
 */
#ifndef CBOX_CLS_FRONT_SLOTS
#define CBOX_CLS_FRONT_SLOTS 1024
#endif

/* Upper bound of cbox_cls_n_rules: the scan loop is bounded by this. */
#ifndef CBOX_CLS_MAX_RULES
#define CBOX_CLS_MAX_RULES 4096
#endif

/* Flow -> rule cache of the classifier: one scan per flow, not per packet. */
#ifndef CBOX_CLS_CACHE_ENTRIES
#define CBOX_CLS_CACHE_ENTRIES 65536
#endif

/* IPv6 extension headers skipped before giving up on finding the L4 header;
 * beyond this the flow is keyed with ports 0 (still consistent at both ends). */
#ifndef CBOX_IPV6_EXT_MAX
#define CBOX_IPV6_EXT_MAX 6
#endif

/* Largest frame the NSH strip in TC can shift (jumbo frames included). */
#ifndef CBOX_STRIP_MAX_LEN
#define CBOX_STRIP_MAX_LEN 9216
#endif

/* Default busy-loop length of the tc-redirect-delay sample SF. */
#ifndef CBOX_DELAY_ITERS
#define CBOX_DELAY_ITERS 10000
#endif

#define CBOX_ETH_P_IP		0x0800
#define CBOX_ETH_P_IPV6		0x86DD
#define CBOX_ETH_P_8021Q	0x8100
#define CBOX_ETH_P_8021AD	0x88A8

#define CBOX_VLAN_HLEN		4
#define CBOX_VLAN_VID_MASK	0x0fff

#define CBOX_IPPROTO_ICMP	1
#define CBOX_IPPROTO_TCP	6
#define CBOX_IPPROTO_UDP	17
#define CBOX_IPPROTO_DCCP	33
#define CBOX_IPPROTO_ICMPV6	58
#define CBOX_IPPROTO_SCTP	132
#define CBOX_IPPROTO_UDPLITE	136

#define CBOX_IPV6_HOPOPTS	0
#define CBOX_IPV6_ROUTING	43
#define CBOX_IPV6_FRAGMENT	44
#define CBOX_IPV6_ESP		50
#define CBOX_IPV6_AH		51
#define CBOX_IPV6_NONE		59
#define CBOX_IPV6_DSTOPTS	60

#define CBOX_IP_MF		0x2000
#define CBOX_IP_OFFMASK		0x1FFF

#define CBOX_ICMP_ECHOREPLY	0
#define CBOX_ICMP_ECHO		8
#define CBOX_ICMPV6_ECHO	128
#define CBOX_ICMPV6_ECHOREPLY	129

/* TC verdicts, from linux/pkt_cls.h (kept here so the BPF side needs no
 * kernel-internal header). */
#define CBOX_TC_ACT_UNSPEC	(-1)
#define CBOX_TC_ACT_OK		0
#define CBOX_TC_ACT_SHOT	2
#define CBOX_TC_ACT_REDIRECT	7

#endif /* CBOX_CONSTS_H */
