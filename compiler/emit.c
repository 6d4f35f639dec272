// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Bundle emitter (see emit.h and compiler/BUNDLE.md). Every file is written
 * from memory with its sha256 taken on the way, so the manifest needs no
 * second read; the whole tree goes to a temporary sibling of OUTDIR and is
 * swapped in at the end.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "cbox_consts.h"
#include "elfpatch.h"
#include "emit.h"

#define BUNDLE_FORMAT_VERSION 1

enum tmpl {
	T_DEC,
	T_EGRESS,
	T_CLS,
	T_SF,
	T_SF_DELAY,
	T_MAX,
};

static const char *const tmpl_file[T_MAX] = {
	"dec.bpf.o", "egress.bpf.o", "classifier.bpf.o", "sf_redirect.bpf.o",
	"sf_redirect_delay.bpf.o",
};

struct file_ent {
	char *path;		/* relative to the host directory */
	char sha[65];
};

struct emitter {
	const struct cbox_plan *plan;
	const char *templates;
	struct cbox_elf tmpl[T_MAX];
	bool loaded[T_MAX];
	const char *prog[T_MAX];
	uint8_t *buf;		/* patch buffer, as large as the largest */
	size_t buf_size;
	char root[PATH_MAX];	/* the temporary tree */
	char host_dir[PATH_MAX];
	struct file_ent *files;
	size_t n_files, cap_files;
	char *err;
	size_t errlen;
};

static int efail(struct emitter *em, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int efail(struct emitter *em, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(em->err, em->errlen, fmt, ap);
	va_end(ap);
	return code;
}

/* snprintf that reports truncation instead of writing a cut path. */
#define PJOIN(buf, ...) (snprintf(buf, sizeof(buf), __VA_ARGS__) >= (int)sizeof(buf))

static void mac_str(const uint8_t *m, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
}

static int tmpl_get(struct emitter *em, enum tmpl t)
{
	char path[PATH_MAX], msg[512];
	int ret;

	if (em->loaded[t])
		return 0;
	snprintf(path, sizeof(path), "%s/%s", em->templates, tmpl_file[t]);
	ret = elf_load(&em->tmpl[t], path, msg, sizeof(msg));
	if (ret)
		return efail(em, 3,
			     "template %s: %s (build them with make, or give --templates DIR)",
			     tmpl_file[t], msg);
	em->prog[t] = elf_program_name(&em->tmpl[t], msg, sizeof(msg));
	if (!em->prog[t])
		return efail(em, 3, "template: %s", msg);
	em->loaded[t] = true;
	if (em->tmpl[t].size > em->buf_size) {
		uint8_t *b = realloc(em->buf, em->tmpl[t].size);

		if (!b)
			return efail(em, 3, "out of memory");
		em->buf = b;
		em->buf_size = em->tmpl[t].size;
	}
	memcpy(em->buf, em->tmpl[t].data, em->tmpl[t].size);
	return 0;
}

/* Starts a patch of template t: em->buf holds a fresh copy. */
static int tmpl_begin(struct emitter *em, enum tmpl t)
{
	int ret = tmpl_get(em, t);

	if (ret)
		return ret;
	memcpy(em->buf, em->tmpl[t].data, em->tmpl[t].size);
	return 0;
}

static int write_file(struct emitter *em, const char *rel, const void *data,
		      size_t len)
{
	char path[PATH_MAX];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct file_ent *fe;
	int fd;

	if (PJOIN(path, "%s/%s", em->host_dir, rel))
		return efail(em, 3, "%s/%s: path too long", em->host_dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return efail(em, 3, "%s: %s", path, strerror(errno));
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, (const char *)data + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return efail(em, 3, "%s: %s", path, strerror(errno));
		}
		off += (size_t)n;
	}
	if (close(fd))
		return efail(em, 3, "%s: %s", path, strerror(errno));
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL))
		return efail(em, 3, "%s: sha256 failed", path);
	if (em->n_files == em->cap_files) {
		size_t c = em->cap_files ? em->cap_files * 2 : 64;
		struct file_ent *f = realloc(em->files, c * sizeof(*f));

		if (!f)
			return efail(em, 3, "out of memory");
		em->files = f;
		em->cap_files = c;
	}
	fe = &em->files[em->n_files];
	fe->path = strdup(rel);
	if (!fe->path)
		return efail(em, 3, "out of memory");
	for (unsigned int i = 0; i < mdlen && i < 32; i++)
		snprintf(fe->sha + 2 * i, 3, "%02x", md[i]);
	em->n_files++;
	return 0;
}

/* A growing text buffer for seeds, rules.txt and the DOT output. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL,
			      b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t c = b->cap ? b->cap : 256;

		while (c <= b->len + (size_t)n)
			c *= 2;
		char *p = realloc(b->s, c);

		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = c;
	}
}

static int write_sbuf(struct emitter *em, const char *rel, struct sbuf *b)
{
	int ret;

	if (b->oom)
		ret = efail(em, 3, "out of memory");
	else
		ret = write_file(em, rel, b->s ? b->s : "", b->len);
	free(b->s);
	memset(b, 0, sizeof(*b));
	return ret;
}

static int patch(struct emitter *em, enum tmpl t, const char *sym,
		 const void *val, size_t size)
{
	char msg[512];

	if (elf_patch(&em->tmpl[t], em->buf, sym, val, size, msg, sizeof(msg)))
		return efail(em, 3, "template: %s", msg);
	return 0;
}

static int patch_uint(struct emitter *em, enum tmpl t, const char *sym,
		      uint64_t val)
{
	char msg[512];

	if (elf_patch_uint(&em->tmpl[t], em->buf, sym, val, msg, sizeof(msg)))
		return efail(em, 3, "template: %s", msg);
	return 0;
}

static const uint8_t zero6[6];

static int emit_box_objects(struct emitter *em, const struct cbox_plan_box *b)
{
	const struct cbox_function *f = b->fn;
	char rel[PATH_MAX];
	int ret;

	if (b->dec) {
		uint8_t hops[CBOX_MAX_PREV_HOPS][6] = { { 0 } };

		memcpy(hops, b->prev_hops, (size_t)b->n_prev_hops * 6);
		if ((ret = tmpl_begin(em, T_DEC)) ||
		    (ret = patch(em, T_DEC, "cbox_mac", f->mac, 6)) ||
		    (ret = patch_uint(em, T_DEC, "cbox_box_id", b->box_id)) ||
		    (ret = patch(em, T_DEC, "cbox_prev_hops", hops,
				 sizeof(hops))) ||
		    (ret = patch_uint(em, T_DEC, "cbox_n_prev_hops",
				      b->n_prev_hops)))
			return ret;
		snprintf(rel, sizeof(rel), "%s/dec.bpf.o", f->tag);
		if ((ret = write_file(em, rel, em->buf, em->tmpl[T_DEC].size)))
			return ret;
	}
	if ((ret = tmpl_begin(em, T_EGRESS)) ||
	    (ret = patch_uint(em, T_EGRESS, "cbox_box_id", b->box_id)) ||
	    (ret = patch_uint(em, T_EGRESS, "cbox_enc_enabled", b->enc)) ||
	    (ret = patch(em, T_EGRESS, "cbox_mac", f->mac, 6)) ||
	    (ret = patch(em, T_EGRESS, "cbox_egress_mac",
			 f->egress_mac_known ? f->egress_mac : zero6, 6)))
		return ret;
	snprintf(rel, sizeof(rel), "%s/egress.bpf.o", f->tag);
	if ((ret = write_file(em, rel, em->buf, em->tmpl[T_EGRESS].size)))
		return ret;
	if (b->sf != CBOX_SF_NONE) {
		enum tmpl t = b->sf == CBOX_SF_REDIRECT ? T_SF : T_SF_DELAY;

		/* the sample SFs have no per-box constant: a plain copy */
		if ((ret = tmpl_begin(em, t)))
			return ret;
		snprintf(rel, sizeof(rel), "%s/sf.bpf.o", f->tag);
		if ((ret = write_file(em, rel, em->buf, em->tmpl[t].size)))
			return ret;
	}
	return 0;
}

static int emit_fwd_seed(struct emitter *em, const struct cbox_plan_box *b)
{
	struct sbuf s = { 0 };
	char rel[PATH_MAX], mac[18];

	sb_printf(&s, "# cbox_fwd of box %u (%s): key (SPI, SI after this box's proxy)\n",
		  b->box_id, b->fn->tag);
	sb_printf(&s, "# spi\tsi\taction\tmac\t\t\tiface\t\tpeer_box\n");
	for (size_t i = 0; i < b->n_rules; i++) {
		const struct cbox_plan_rule *r = &b->rules[i];

		mac_str(r->mac, mac);
		switch (r->action) {
		case CBOX_ACT_END:
			sb_printf(&s, "%u\t%u\tend\n", r->spi, r->si);
			break;
		case CBOX_ACT_FWD:
			sb_printf(&s, "%u\t%u\tfwd\t%s\n", r->spi, r->si, mac);
			break;
		case CBOX_ACT_DLINK:
			sb_printf(&s, "%u\t%u\tdlink\t%s\t%s\t%u\n", r->spi,
				  r->si, mac, r->dlink->name,
				  r->next->box_id);
			break;
		}
	}
	snprintf(rel, sizeof(rel), "%s/fwd.seed", b->fn->tag);
	return write_sbuf(em, rel, &s);
}

static void proto_str(int proto, char *buf, size_t len)
{
	switch (proto) {
	case -1:
		snprintf(buf, len, "any");
		break;
	case CBOX_IPPROTO_TCP:
		snprintf(buf, len, "tcp");
		break;
	case CBOX_IPPROTO_UDP:
		snprintf(buf, len, "udp");
		break;
	case CBOX_IPPROTO_ICMP:
		snprintf(buf, len, "icmp");
		break;
	case CBOX_IPPROTO_ICMPV6:
		snprintf(buf, len, "icmpv6");
		break;
	default:
		snprintf(buf, len, "%d", proto);
	}
}

static void prefix_str(const struct cbox_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!p->set) {
		snprintf(buf, len, "any");
		return;
	}
	inet_ntop(p->family == 6 ? AF_INET6 : AF_INET, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
}

static void ports_str(const struct cbox_port_range *r, char *buf, size_t len)
{
	if (!r->set)
		snprintf(buf, len, "any");
	else
		snprintf(buf, len, "%u-%u", r->lo, r->hi);
}

static int emit_classifier(struct emitter *em, const struct cbox_plan_cls *c)
{
	struct sbuf s = { 0 };
	char rel[PATH_MAX], mac[18], proto[16], src[64], dst[64], sp[16],
		dp[16];
	int ret;

	if ((ret = tmpl_begin(em, T_CLS)) ||
	    (ret = patch_uint(em, T_CLS, "cbox_cls_n_rules", c->n_rules)))
		return ret;
	snprintf(rel, sizeof(rel), "%s/classifier.bpf.o", c->cls->tag);
	if ((ret = write_file(em, rel, em->buf, em->tmpl[T_CLS].size)))
		return ret;
	sb_printf(&s, "# cbox_cls_rules of classifier %s: first match wins\n",
		  c->cls->tag);
	sb_printf(&s, "# idx\tproto\tsrc\t\tdst\t\tsport\tdport\tspi\tnext_mac\n");
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct cbox_plan_cls_rule *r = &c->rules[i];

		proto_str(r->match->proto, proto, sizeof(proto));
		prefix_str(&r->match->src, src, sizeof(src));
		prefix_str(&r->match->dst, dst, sizeof(dst));
		ports_str(&r->match->sport, sp, sizeof(sp));
		ports_str(&r->match->dport, dp, sizeof(dp));
		mac_str(r->first->fn->mac, mac);
		sb_printf(&s, "%zu\t%s\t%s\t%s\t%s\t%s\t%u\t%s\n", i, proto, src,
			  dst, sp, dp, r->spi, mac);
	}
	snprintf(rel, sizeof(rel), "%s/cls.seed", c->cls->tag);
	return write_sbuf(em, rel, &s);
}

static const char *corner_text(enum cbox_corner c)
{
	switch (c) {
	case CBOX_CORNER_59A:
		return "corner case 5.9a: entered over a direct link, leaves over the underlay; the upstream egress hands this box the flow's NSH (proxy entry) for any flow";
	case CBOX_CORNER_59B:
		return "corner case 5.9b: entered over a direct link, ends the chain; the upstream egress hands this box the flow's NSH (proxy entry) for any flow";
	default:
		return NULL;
	}
}

static const char *sf_name(enum cbox_sf_kind k)
{
	return k == CBOX_SF_REDIRECT ? "tc-redirect" :
	       k == CBOX_SF_REDIRECT_DELAY ? "tc-redirect-delay" : NULL;
}

static void rules_box(struct sbuf *s, const struct cbox_plan_box *b)
{
	const struct cbox_function *f = b->fn;
	char mac[18];

	mac_str(f->mac, mac);
	sb_printf(s, "\n%s (box %u, type %s)\n", f->tag, b->box_id,
		  f->type ? f->type : "-");
	sb_printf(s, "  netns %s, iface %s, egress_iface %s, mac %s%s\n",
		  f->netns ? f->netns : "-", f->iface, f->egress_iface, mac,
		  f->mac_given ? "" : " (assigned, set by cbox apply)");
	sb_printf(s, "  stages:%s%s%s%s\n", b->dec ? " dec" : "",
		  b->enc ? " egress(enc+fwd)" : " egress(fwd only, NSH-aware SF)",
		  b->sf ? " sf:" : "", b->sf ? sf_name(b->sf) : "");
	if (b->dec && b->n_prev_hops) {
		sb_printf(s, "  anti-spoofing: NSH accepted from");
		for (uint32_t i = 0; i < b->n_prev_hops; i++) {
			mac_str(b->prev_hops[i], mac);
			sb_printf(s, " %s", mac);
		}
		sb_printf(s, "\n");
	} else if (b->dec) {
		sb_printf(s, "  anti-spoofing: OFF, %s%s%s\n",
			  cbox_prev_off_reason(b->prev_off),
			  b->prev_off_detail ? ": " : "",
			  b->prev_off_detail ? b->prev_off_detail : "");
	}
	if (!b->n_rules) {
		sb_printf(s, "  (in no chain)\n");
		return;
	}
	sb_printf(s, "  SPH (SPI,SI)      Next hop MAC address + Flags\n");
	for (size_t i = 0; i < b->n_rules; i++) {
		const struct cbox_plan_rule *r = &b->rules[i];
		char sph[32];
		const char *c;

		snprintf(sph, sizeof(sph), "(%u,%u)", r->spi, r->si);
		mac_str(r->mac, mac);
		switch (r->action) {
		case CBOX_ACT_END:
			sb_printf(s, "  %-17s ZERO %-40s %d\n", sph, "",
				  CBOX_FWD_END);
			break;
		case CBOX_ACT_FWD:
			sb_printf(s, "  %-17s %s MAC %-*s %d\n", sph,
				  r->next->fn->tag,
				  (int)(40 - strlen(r->next->fn->tag)), mac, 0);
			break;
		case CBOX_ACT_DLINK:
			sb_printf(s, "  %-17s %s MAC %s via direct link %s %d\n",
				  sph, r->next->fn->tag, mac, r->dlink->name,
				  CBOX_FWD_DLINK);
			break;
		}
		c = corner_text(r->corner);
		if (c)
			sb_printf(s, "      # %s\n", c);
		else if (r->in_dlink)
			sb_printf(s, "      # entered over a direct link\n");
	}
}

static int emit_rules(struct emitter *em, const struct cbox_plan_host *h)
{
	struct sbuf s = { 0 };

	sb_printf(&s, "# Chaining-Box forwarding rules of host %s, in the form of thesis Figure 5.10.\n",
		  h->name);
	sb_printf(&s, "# SI is the key the box's egress looks up: the index after its proxy\n"
		      "# decremented it. Flags: 0 next hop over the underlay, 1 end of chain,\n"
		      "# 2 next hop over a direct link (veth pair).\n");
	for (size_t i = 0; i < h->n_boxes; i++)
		rules_box(&s, h->boxes[i]);
	if (h->n_dlinks)
		sb_printf(&s, "\ndirect links\n");
	for (size_t i = 0; i < h->n_dlinks; i++) {
		const struct cbox_plan_dlink *l = h->dlinks[i];
		char m1[18], m2[18];

		mac_str(l->mac, m1);
		mac_str(l->peer_mac, m2);
		sb_printf(&s, "  %s -> %s: %s (%s) in %s, %s (%s) in %s, %zu chain%s\n",
			  l->from->fn->tag, l->to->fn->tag, l->name, m1,
			  l->from->fn->netns, l->peer_name, m2,
			  l->to->fn->netns, l->n_chains,
			  l->n_chains == 1 ? "" : "s");
	}
	for (size_t i = 0; i < h->n_classifiers; i++) {
		const struct cbox_plan_cls *c = h->classifiers[i];

		sb_printf(&s, "\nclassifier %s: %zu rule%s", c->cls->tag,
			  c->n_rules, c->n_rules == 1 ? "" : "s");
		for (size_t j = 0; j < c->n_rules; j++)
			sb_printf(&s, "%s%u -> %s", j ? ", " : " (SPI ",
				  c->rules[j].spi, c->rules[j].first->fn->tag);
		sb_printf(&s, "%s\n", c->n_rules ? ")" : "");
	}
	return write_sbuf(em, "rules.txt", &s);
}

/*
 * cbox_fwd is sized with headroom (a power of two, at least 64) so that an
 * upgrade that adds a few rules still fits the pinned map and the loader
 * updates its entries in place; a map cannot be resized, so an exact size
 * would make nearly every chain change recreate it.
 */
static double fwd_capacity(size_t n_rules)
{
	size_t cap = 64;

	while (cap < n_rules)
		cap <<= 1;
	return (double)cap;
}

static cJSON *add_obj(cJSON *parent, const char *key)
{
	cJSON *o = cJSON_CreateObject();

	if (key)
		cJSON_AddItemToObject(parent, key, o);
	else
		cJSON_AddItemToArray(parent, o);
	return o;
}

static void add_str_or_null(cJSON *o, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

static void add_prog(struct emitter *em, cJSON *arr, const char *tag,
		     const char *stage, const char *file, enum tmpl t,
		     const char *hook, const char *iface)
{
	cJSON *p = add_obj(arr, NULL);
	char obj[PATH_MAX];

	snprintf(obj, sizeof(obj), "%s/%s", tag, file);
	cJSON_AddStringToObject(p, "stage", stage);
	cJSON_AddStringToObject(p, "object", obj);
	cJSON_AddStringToObject(p, "program", em->prog[t]);
	cJSON_AddStringToObject(p, "hook", hook);
	cJSON_AddStringToObject(p, "iface", iface);
}

static cJSON *box_json(struct emitter *em, const struct cbox_plan_box *b)
{
	const struct cbox_function *f = b->fn;
	cJSON *o = cJSON_CreateObject(), *progs, *maps, *fwd, *as, *hops;
	char mac[18], seed[PATH_MAX];

	cJSON_AddStringToObject(o, "tag", f->tag);
	cJSON_AddNumberToObject(o, "box_id", b->box_id);
	cJSON_AddStringToObject(o, "type", f->type ? f->type : "");
	add_str_or_null(o, "netns", f->netns);
	cJSON_AddStringToObject(o, "iface", f->iface);
	cJSON_AddStringToObject(o, "egress_iface", f->egress_iface);
	mac_str(f->mac, mac);
	cJSON_AddStringToObject(o, "mac", mac);
	cJSON_AddBoolToObject(o, "set_mac", !f->mac_given);
	if (f->egress_mac_known) {
		mac_str(f->egress_mac, mac);
		cJSON_AddStringToObject(o, "egress_mac", mac);
	} else {
		cJSON_AddNullToObject(o, "egress_mac");
	}
	cJSON_AddBoolToObject(o, "nsh_aware", f->nsh_aware);
	progs = cJSON_AddArrayToObject(o, "programs");
	if (b->dec)
		add_prog(em, progs, f->tag, "dec", "dec.bpf.o", T_DEC, "xdp",
			 f->iface);
	add_prog(em, progs, f->tag, "egress", "egress.bpf.o", T_EGRESS,
		 "tc-egress", f->egress_iface);
	if (b->sf != CBOX_SF_NONE) {
		enum tmpl t = b->sf == CBOX_SF_REDIRECT ? T_SF : T_SF_DELAY;

		add_prog(em, progs, f->tag, "sf", "sf.bpf.o", t, "tc-ingress",
			 f->iface);
		cJSON_AddStringToObject(
			cJSON_GetArrayItem(progs, cJSON_GetArraySize(progs) - 1),
			"redirect_to", f->egress_iface);
	}
	maps = add_obj(o, "maps");
	fwd = add_obj(maps, "cbox_fwd");
	cJSON_AddNumberToObject(fwd, "max_entries", fwd_capacity(b->n_rules));
	snprintf(seed, sizeof(seed), "%s/fwd.seed", f->tag);
	cJSON_AddStringToObject(fwd, "seed", seed);
	as = add_obj(o, "anti_spoofing");
	cJSON_AddBoolToObject(as, "enabled", b->dec && b->n_prev_hops > 0);
	hops = cJSON_AddArrayToObject(as, "prev_hops");
	for (uint32_t i = 0; i < b->n_prev_hops && b->dec; i++) {
		mac_str(b->prev_hops[i], mac);
		cJSON_AddItemToArray(hops, cJSON_CreateString(mac));
	}
	if (!b->dec)
		cJSON_AddStringToObject(as, "reason", "no dec stage");
	else if (!b->n_prev_hops) {
		char why[256];

		snprintf(why, sizeof(why), "%s%s%s",
			 cbox_prev_off_reason(b->prev_off),
			 b->prev_off_detail ? ": " : "",
			 b->prev_off_detail ? b->prev_off_detail : "");
		cJSON_AddStringToObject(as, "reason", why);
	}
	return o;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct file_ent *)a)->path,
		      ((const struct file_ent *)b)->path);
}

static int emit_manifest(struct emitter *em, const struct cbox_plan_host *h)
{
	cJSON *m = cJSON_CreateObject(), *arr, *files;
	char path[PATH_MAX], mac[18];
	char *text;
	FILE *f;
	int ret = 0;

	cJSON_AddStringToObject(m, "format", "cbox-bundle");
	cJSON_AddNumberToObject(m, "format_version", BUNDLE_FORMAT_VERSION);
	cJSON_AddNumberToObject(m, "abi_version", CBOX_ABI_VERSION);
	cJSON_AddStringToObject(m, "host", h->name);
	cJSON_AddNumberToObject(m, "proxy_entries", CBOX_PROXY_ENTRIES);
	arr = cJSON_AddArrayToObject(m, "boxes");
	for (size_t i = 0; i < h->n_boxes; i++)
		cJSON_AddItemToArray(arr, box_json(em, h->boxes[i]));
	arr = cJSON_AddArrayToObject(m, "dlinks");
	for (size_t i = 0; i < h->n_dlinks; i++) {
		const struct cbox_plan_dlink *l = h->dlinks[i];
		cJSON *o = add_obj(arr, NULL);

		cJSON_AddStringToObject(o, "name", l->name);
		cJSON_AddStringToObject(o, "netns", l->from->fn->netns);
		mac_str(l->mac, mac);
		cJSON_AddStringToObject(o, "mac", mac);
		cJSON_AddStringToObject(o, "peer_name", l->peer_name);
		cJSON_AddStringToObject(o, "peer_netns", l->to->fn->netns);
		mac_str(l->peer_mac, mac);
		cJSON_AddStringToObject(o, "peer_mac", mac);
		cJSON_AddStringToObject(o, "from", l->from->fn->tag);
		cJSON_AddStringToObject(o, "to", l->to->fn->tag);
	}
	arr = cJSON_AddArrayToObject(m, "classifiers");
	for (size_t i = 0; i < h->n_classifiers; i++) {
		const struct cbox_plan_cls *c = h->classifiers[i];
		cJSON *o = add_obj(arr, NULL), *maps, *r;
		char obj[PATH_MAX];
		bool eg = c->cls->direction == CBOX_DIR_EGRESS;

		cJSON_AddStringToObject(o, "tag", c->cls->tag);
		add_str_or_null(o, "netns", c->cls->netns);
		cJSON_AddStringToObject(o, "iface", c->cls->iface);
		cJSON_AddStringToObject(o, "direction",
					eg ? "egress" : "ingress");
		cJSON_AddStringToObject(o, "hook",
					eg ? "tc-egress" : "tc-ingress");
		if (c->cls->mac_known) {
			mac_str(c->cls->mac, mac);
			cJSON_AddStringToObject(o, "mac", mac);
		} else {
			cJSON_AddNullToObject(o, "mac");
		}
		snprintf(obj, sizeof(obj), "%s/classifier.bpf.o", c->cls->tag);
		cJSON_AddStringToObject(o, "object", obj);
		cJSON_AddStringToObject(o, "program", em->prog[T_CLS]);
		maps = add_obj(o, "maps");
		r = add_obj(maps, "cbox_cls_rules");
		cJSON_AddNumberToObject(r, "max_entries",
					c->n_rules ? (double)c->n_rules : 1);
		snprintf(obj, sizeof(obj), "%s/cls.seed", c->cls->tag);
		cJSON_AddStringToObject(r, "seed", obj);
	}
	if (em->n_files)
		qsort(em->files, em->n_files, sizeof(*em->files), cmp_file);
	files = add_obj(m, "files");
	for (size_t i = 0; i < em->n_files; i++)
		cJSON_AddStringToObject(files, em->files[i].path,
					em->files[i].sha);
	text = cJSON_Print(m);
	cJSON_Delete(m);
	if (!text)
		return efail(em, 3, "out of memory");
	if (PJOIN(path, "%s/manifest.json", em->host_dir)) {
		free(text);
		return efail(em, 3, "%s: path too long", em->host_dir);
	}
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fputc('\n', f) < 0)
		ret = efail(em, 3, "%s: %s", path, strerror(errno));
	if (f && fclose(f) && !ret)
		ret = efail(em, 3, "%s: %s", path, strerror(errno));
	free(text);
	return ret;
}

static int mkdir_rel(struct emitter *em, const char *rel)
{
	char path[PATH_MAX];

	if (PJOIN(path, "%s/%s", em->host_dir, rel))
		return efail(em, 3, "%s/%s: path too long", em->host_dir, rel);
	if (mkdir(path, 0755) && errno != EEXIST)
		return efail(em, 3, "%s: %s", path, strerror(errno));
	return 0;
}

static int emit_host(struct emitter *em, const struct cbox_plan_host *h)
{
	int ret;

	for (size_t i = 0; i < em->n_files; i++)
		free(em->files[i].path);
	em->n_files = 0;
	if (PJOIN(em->host_dir, "%s/%s", em->root, h->name))
		return efail(em, 3, "%s/%s: path too long", em->root, h->name);
	if (mkdir(em->host_dir, 0755))
		return efail(em, 3, "%s: %s", em->host_dir, strerror(errno));
	/* templates first: the manifest needs the program names */
	if (h->n_classifiers && (ret = tmpl_get(em, T_CLS)))
		return ret;
	for (size_t i = 0; i < h->n_boxes; i++) {
		const struct cbox_plan_box *b = h->boxes[i];

		if ((ret = mkdir_rel(em, b->fn->tag)) ||
		    (ret = emit_box_objects(em, b)) ||
		    (ret = emit_fwd_seed(em, b)))
			return ret;
	}
	for (size_t i = 0; i < h->n_classifiers; i++) {
		if ((ret = mkdir_rel(em, h->classifiers[i]->cls->tag)) ||
		    (ret = emit_classifier(em, h->classifiers[i])))
			return ret;
	}
	if ((ret = emit_rules(em, h)))
		return ret;
	return emit_manifest(em, h);
}

static int rm_rf_at(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					     O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	int ret = 0;

	if (fd < 0)
		return unlinkat(dfd, name, 0) && errno != ENOENT ? -errno : 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (rm_rf_at(dirfd(d), de->d_name))
			ret = -1;
	}
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR))
		ret = -errno;
	return ret;
}

static int rm_rf(const char *path)
{
	return rm_rf_at(AT_FDCWD, path);
}

/* OUTDIR may be replaced when it is absent, empty, or ours (marker). */
static int check_outdir(struct emitter *em, const char *outdir, bool *exists)
{
	struct stat st;
	char marker[PATH_MAX];
	DIR *d;
	struct dirent *de;
	bool empty = true;

	*exists = false;
	if (lstat(outdir, &st)) {
		if (errno == ENOENT)
			return 0;
		return efail(em, 3, "%s: %s", outdir, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return efail(em, 1,
			     "%s: exists and is not a directory; not replacing it",
			     outdir);
	*exists = true;
	snprintf(marker, sizeof(marker), "%s/%s", outdir, CBOX_OUT_MARKER);
	if (!access(marker, F_OK))
		return 0;
	d = opendir(outdir);
	if (!d)
		return efail(em, 3, "%s: %s", outdir, strerror(errno));
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = false;
	closedir(d);
	if (!empty)
		return efail(em, 1,
			     "%s: not empty and not written by cboxc (no %s in it); refusing to replace it, give another -o or remove it",
			     outdir, CBOX_OUT_MARKER);
	return 0;
}

int cbox_emit(const struct cbox_plan *plan, const char *outdir,
	      const char *templates, char *err, size_t errlen)
{
	struct emitter em = { .plan = plan, .templates = templates,
			      .err = err, .errlen = errlen };
	char *dup = strdup(outdir), *slash;
	const char *parent, *base;
	bool exists;
	int ret;

	if (!dup)
		return efail(&em, 3, "out of memory");
	while (strlen(dup) > 1 && dup[strlen(dup) - 1] == '/')
		dup[strlen(dup) - 1] = 0;
	slash = strrchr(dup, '/');
	if (slash == dup) {
		parent = "/";
		base = dup + 1;
	} else if (slash) {
		*slash = 0;
		parent = dup;
		base = slash + 1;
	} else {
		parent = ".";
		base = dup;
	}
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		free(dup);
		return efail(&em, 2, "%s: name a directory of its own for -o",
			     outdir);
	}
	ret = check_outdir(&em, outdir, &exists);
	if (ret)
		goto out;
	snprintf(em.root, sizeof(em.root), "%s/.%s.cboxc-XXXXXX", parent,
		 base);
	if (!mkdtemp(em.root)) {
		ret = efail(&em, 3, "%s: cannot create a directory next to it: %s",
			    outdir, strerror(errno));
		goto out;
	}
	chmod(em.root, 0755);
	/* Box objects are written host by host; the templates stay loaded. */
	for (size_t i = 0; i < plan->n_hosts; i++) {
		ret = emit_host(&em, &plan->hosts[i]);
		if (ret)
			goto fail;
	}
	{
		char marker[PATH_MAX];
		FILE *f;

		if (PJOIN(marker, "%s/%s", em.root, CBOX_OUT_MARKER)) {
			ret = efail(&em, 3, "%s: path too long", em.root);
			goto fail;
		}
		f = fopen(marker, "w");
		if (!f || fputs("cboxc bundle tree: every <host>/ here is replaced by the next compile\n", f) < 0 ||
		    fclose(f)) {
			ret = efail(&em, 3, "%s: %s", marker, strerror(errno));
			goto fail;
		}
	}
	if (!exists) {
		if (rename(em.root, outdir)) {
			ret = efail(&em, 3, "%s: %s", outdir, strerror(errno));
			goto fail;
		}
	} else {
		if (renameat2(AT_FDCWD, em.root, AT_FDCWD, outdir,
			      RENAME_EXCHANGE)) {
			ret = efail(&em, 3, "%s: cannot swap in the new tree: %s",
				    outdir, strerror(errno));
			goto fail;
		}
		/* em.root now holds the old tree */
		if (rm_rf(em.root))
			fprintf(stderr,
				"cboxc: warning: %s: could not remove the previous output\n",
				em.root);
	}
	ret = 0;
	goto out;
fail:
	rm_rf(em.root);
out:
	for (size_t i = 0; i < em.n_files; i++)
		free(em.files[i].path);
	free(em.files);
	for (int t = 0; t < T_MAX; t++)
		if (em.loaded[t])
			elf_free(&em.tmpl[t]);
	free(em.buf);
	free(dup);
	return ret;
}

const char *cbox_default_templates(const char *argv0, char *buf, size_t len)
{
	const char *env = getenv("CBOX_TEMPLATES");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		/* no /proc: fall back to the path we were started by */
		snprintf(exe, sizeof(exe), "%s", argv0 ? argv0 : "./cboxc");
	} else {
		exe[n] = 0;
	}
	slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(exe, sizeof(exe), ".");
	snprintf(buf, len, "%s/bpf", exe);
	return buf;
}
