// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Reads and verifies a bundle's manifest.json (compiler/BUNDLE.md) before
 * anything on the host is touched: format and ABI versions, the host name,
 * the sha256 of every listed file, no missing and no unlisted file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cbox.h"

#define MANIFEST_MAX (4 << 20)

int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
			 &b[3], &b[4], &b[5], &tail) != 6 ||
	    strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

void format_mac(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

/* Names used in paths and netns names: no separators, no dot-dot. */
bool safe_name(const char *s)
{
	if (!s || !*s || strlen(s) > 64 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static bool safe_relpath(const char *s)
{
	char buf[PATH_MAX], *tok, *save;

	if (!s || !*s || s[0] == '/' || strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	for (tok = strtok_r(buf, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save))
		if (!safe_name(tok))
			return false;
	return true;
}

static bool valid_ifname(const char *s)
{
	return s && *s && strlen(s) < IFNAMSIZ && safe_name(s);
}

int sha256_file(const char *path, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		err = -ENOMEM;
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, n);
	if (n < 0)
		err = -errno;
	else
		EVP_DigestFinal_ex(ctx, md, &mdlen);
	for (unsigned int i = 0; i < mdlen; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	hex[64] = 0;
out:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return err;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(MANIFEST_MAX + 1);
	n = buf ? fread(buf, 1, MANIFEST_MAX + 1, f) : 0;
	fclose(f);
	if (!buf || n > MANIFEST_MAX) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

/* Field readers: all report "manifest: <where>: <what>". */
static int get_str(const cJSON *o, const char *name, const char *where,
		   bool required, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			return cbox_err(CBOX_EXIT_BUNDLE,
					"manifest: %s: missing \"%s\"", where, name);
		return 0;
	}
	if (!cJSON_IsString(v))
		return cbox_err(CBOX_EXIT_BUNDLE,
				"manifest: %s: \"%s\" must be a string", where, name);
	*out = v->valuestring;
	return 0;
}

static int get_u32(const cJSON *o, const char *name, const char *where,
		   bool required, uint32_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!v) {
		if (required)
			return cbox_err(CBOX_EXIT_BUNDLE,
					"manifest: %s: missing \"%s\"", where, name);
		return 0;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > 4294967295.0 ||
	    v->valuedouble != (double)(uint32_t)v->valuedouble)
		return cbox_err(CBOX_EXIT_BUNDLE,
				"manifest: %s: \"%s\" must be an unsigned integer",
				where, name);
	*out = (uint32_t)v->valuedouble;
	return 0;
}

static bool get_bool(const cJSON *o, const char *name)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, name));
}

static int get_mac(const cJSON *o, const char *name, const char *where,
		   bool required, uint8_t mac[6], bool *has)
{
	const char *s;
	int rc = get_str(o, name, where, required, &s);

	if (has)
		*has = false;
	if (rc || !s)
		return rc;
	if (parse_mac(s, mac))
		return cbox_err(CBOX_EXIT_BUNDLE,
				"manifest: %s: \"%s\": bad MAC '%s'", where, name, s);
	if (has)
		*has = true;
	return 0;
}

static int get_ifname(const cJSON *o, const char *name, const char *where,
		      bool required, const char **out)
{
	int rc = get_str(o, name, where, required, out);

	if (!rc && *out && !valid_ifname(*out))
		return cbox_err(CBOX_EXIT_BUNDLE,
				"manifest: %s: \"%s\": bad interface name '%s'",
				where, name, *out);
	return rc;
}

static int get_netns(const cJSON *o, const char *name, const char *where,
		     const char **out)
{
	int rc = get_str(o, name, where, false, out);

	if (!rc && *out && !safe_name(*out))
		return cbox_err(CBOX_EXIT_BUNDLE,
				"manifest: %s: \"%s\": bad netns name '%s'",
				where, name, *out);
	return rc;
}

static int parse_maps(const cJSON *o, const char *where, struct mf_mapcfg *maps,
		      int *n)
{
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(o, "maps"), *it;
	char w[256];
	int rc;

	*n = 0;
	if (!ms)
		return 0;
	if (!cJSON_IsObject(ms))
		return cbox_err(CBOX_EXIT_BUNDLE,
				"manifest: %s: \"maps\" must be an object", where);
	cJSON_ArrayForEach(it, ms) {
		struct mf_mapcfg *mc;

		if (*n >= MF_MAX_MAPS)
			return cbox_err(CBOX_EXIT_BUNDLE,
					"manifest: %s: too many maps", where);
		mc = &maps[(*n)++];
		snprintf(w, sizeof(w), "%s/maps/%s", where, it->string);
		mc->name = it->string;
		if (!safe_name(mc->name))
			return cbox_err(CBOX_EXIT_BUNDLE,
					"manifest: %s: bad map name", w);
		rc = get_u32(it, "max_entries", w, false, &mc->max_entries);
		if (!rc)
			rc = get_str(it, "seed", w, false, &mc->seed);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_prog(const cJSON *p, const char *where, struct mf_prog *pr)
{
	int rc;

	if ((rc = get_str(p, "stage", where, true, &pr->stage)) ||
	    (rc = get_str(p, "object", where, true, &pr->object)) ||
	    (rc = get_str(p, "program", where, true, &pr->program)) ||
	    (rc = get_str(p, "hook", where, true, &pr->hook)) ||
	    (rc = get_ifname(p, "iface", where, true, &pr->iface)) ||
	    (rc = get_ifname(p, "redirect_to", where, false, &pr->redirect_to)))
		return rc;
	if (strcmp(pr->hook, "xdp") && strcmp(pr->hook, "tc-ingress") &&
	    strcmp(pr->hook, "tc-egress"))
		return cbox_err(CBOX_EXIT_BUNDLE,
				"manifest: %s: unknown hook '%s' (xdp, tc-ingress, tc-egress)",
				where, pr->hook);
	if (!safe_name(pr->stage))
		return cbox_err(CBOX_EXIT_BUNDLE, "manifest: %s: bad stage name",
				where);
	return 0;
}

static int parse_box(const cJSON *b, int idx, struct mf_box *box)
{
	const cJSON *progs, *p;
	char where[64], w[96];
	int rc;

	snprintf(where, sizeof(where), "boxes[%d]", idx);
	if (!cJSON_IsObject(b))
		return cbox_err(CBOX_EXIT_BUNDLE, "manifest: %s: not an object",
				where);
	if ((rc = get_str(b, "tag", where, true, &box->tag)) ||
	    (rc = get_u32(b, "box_id", where, true, &box->box_id)) ||
	    (rc = get_str(b, "type", where, false, &box->type)) ||
	    (rc = get_netns(b, "netns", where, &box->netns)) ||
	    (rc = get_ifname(b, "iface", where, true, &box->iface)) ||
	    (rc = get_ifname(b, "egress_iface", where, false, &box->egress_iface)) ||
	    (rc = get_mac(b, "mac", where, false, box->mac, &box->has_mac)) ||
	    (rc = parse_maps(b, where, box->maps, &box->n_maps)))
		return rc;
	if (!safe_name(box->tag))
		return cbox_err(CBOX_EXIT_BUNDLE, "manifest: %s: bad tag '%s'",
				where, box->tag);
	if (!box->egress_iface)
		box->egress_iface = box->iface;
	if (box->box_id == 0)
		return cbox_err(CBOX_EXIT_BUNDLE,
				"manifest: %s: box_id must be 1 or more", where);
	box->set_mac = get_bool(b, "set_mac");
	box->nsh_aware = get_bool(b, "nsh_aware");
	if (box->set_mac && !box->has_mac)
		return cbox_err(CBOX_EXIT_BUNDLE,
				"manifest: %s: set_mac without a mac", where);
	progs = cJSON_GetObjectItemCaseSensitive(b, "programs");
	if (!cJSON_IsArray(progs))
		return cbox_err(CBOX_EXIT_BUNDLE,
				"manifest: %s: \"programs\" must be an array", where);
	cJSON_ArrayForEach(p, progs) {
		if (box->n_progs >= MF_MAX_PROGS)
			return cbox_err(CBOX_EXIT_BUNDLE,
					"manifest: %s: too many programs", where);
		snprintf(w, sizeof(w), "%s/programs[%d]", where, box->n_progs);
		rc = parse_prog(p, w, &box->progs[box->n_progs]);
		if (rc)
			return rc;
		for (int i = 0; i < box->n_progs; i++)
			if (!strcmp(box->progs[i].stage,
				    box->progs[box->n_progs].stage))
				return cbox_err(CBOX_EXIT_BUNDLE,
						"manifest: %s: stage '%s' twice",
						w, box->progs[i].stage);
		box->n_progs++;
	}
	return 0;
}

static int parse_dlink(const cJSON *d, int idx, struct mf_dlink *dl)
{
	char where[64];
	int rc;

	snprintf(where, sizeof(where), "dlinks[%d]", idx);
	if ((rc = get_ifname(d, "name", where, true, &dl->name)) ||
	    (rc = get_netns(d, "netns", where, &dl->netns)) ||
	    (rc = get_mac(d, "mac", where, true, dl->mac, NULL)) ||
	    (rc = get_ifname(d, "peer_name", where, true, &dl->peer_name)) ||
	    (rc = get_netns(d, "peer_netns", where, &dl->peer_netns)) ||
	    (rc = get_mac(d, "peer_mac", where, true, dl->peer_mac, NULL)) ||
	    (rc = get_str(d, "from", where, true, &dl->from)) ||
	    (rc = get_str(d, "to", where, true, &dl->to)))
		return rc;
	return 0;
}

static int parse_cls(const cJSON *c, int idx, struct mf_cls *cl)
{
	char where[64];
	int rc;

	snprintf(where, sizeof(where), "classifiers[%d]", idx);
	if ((rc = get_str(c, "tag", where, true, &cl->tag)) ||
	    (rc = get_netns(c, "netns", where, &cl->netns)) ||
	    (rc = get_ifname(c, "iface", where, true, &cl->iface)) ||
	    (rc = get_str(c, "direction", where, false, &cl->direction)) ||
	    (rc = get_str(c, "object", where, true, &cl->object)) ||
	    (rc = get_str(c, "program", where, true, &cl->program)) ||
	    (rc = parse_maps(c, where, cl->maps, &cl->n_maps)))
		return rc;
	if (!safe_name(cl->tag))
		return cbox_err(CBOX_EXIT_BUNDLE, "manifest: %s: bad tag", where);
	if (!cl->direction)
		cl->direction = "ingress";
	if (strcmp(cl->direction, "ingress") && strcmp(cl->direction, "egress"))
		return cbox_err(CBOX_EXIT_BUNDLE,
				"manifest: %s: direction must be ingress or egress",
				where);
	return 0;
}

static int parse_array(const cJSON *root, const char *name, bool required,
		       const cJSON **out, int *n)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, name);

	*out = NULL;
	*n = 0;
	if (!a || cJSON_IsNull(a)) {
		if (required)
			return cbox_err(CBOX_EXIT_BUNDLE,
					"manifest: missing \"%s\"", name);
		return 0;
	}
	if (!cJSON_IsArray(a))
		return cbox_err(CBOX_EXIT_BUNDLE,
				"manifest: \"%s\" must be an array", name);
	*out = a;
	*n = cJSON_GetArraySize(a);
	return 0;
}

static int parse(struct manifest *m, const char *dir)
{
	const cJSON *root, *boxes, *dls, *cls, *it;
	const char *fmt;
	uint32_t ver = 0, abi = 0;
	char path[PATH_MAX];
	size_t len;
	char *text;
	int rc, i;

	memset(m, 0, sizeof(*m));
	m->dir = strdup(dir);
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	text = read_file(path, &len);
	if (!text)
		return cbox_err(CBOX_EXIT_BUNDLE, "%s: %s", path, strerror(errno));
	if (sha256_file(path, m->sha256)) {
		free(text);
		return cbox_err(CBOX_EXIT_BUNDLE, "%s: cannot hash", path);
	}
	m->root = cJSON_ParseWithLength(text, len);
	free(text);
	if (!m->root || !cJSON_IsObject(m->root))
		return cbox_err(CBOX_EXIT_BUNDLE, "%s: not a JSON object", path);
	root = m->root;
	if ((rc = get_str(root, "format", "top", true, &fmt)))
		return rc;
	if (strcmp(fmt, "cbox-bundle"))
		return cbox_err(CBOX_EXIT_BUNDLE,
				"manifest: format '%s' is not cbox-bundle", fmt);
	if ((rc = get_u32(root, "format_version", "top", true, &ver)))
		return rc;
	if (ver != 1)
		return cbox_err(CBOX_EXIT_BUNDLE,
				"manifest: format_version %u not supported (this cbox reads 1)",
				ver);
	if ((rc = get_u32(root, "abi_version", "top", true, &abi)))
		return rc;
	if (abi != CBOX_ABI_VERSION)
		return cbox_err(CBOX_EXIT_BUNDLE,
				"manifest: abi_version %u, this cbox speaks %u: recompile the bundle",
				abi, CBOX_ABI_VERSION);
	m->inner_mtu = CBOX_DEFAULT_INNER_MTU;
	if ((rc = get_str(root, "host", "top", true, &m->host)) ||
	    (rc = get_u32(root, "proxy_entries", "top", false, &m->proxy_entries)) ||
	    (rc = get_u32(root, "inner_mtu", "top", false, &m->inner_mtu)))
		return rc;
	if (!safe_name(m->host))
		return cbox_err(CBOX_EXIT_BUNDLE, "manifest: bad host name '%s'",
				m->host);
	if (m->inner_mtu < 68 || m->inner_mtu > 65535 - CBOX_ENCAP_LEN)
		return cbox_err(CBOX_EXIT_BUNDLE, "manifest: inner_mtu %u out of range",
				m->inner_mtu);

	if ((rc = parse_array(root, "boxes", true, &boxes, &m->n_boxes)) ||
	    (rc = parse_array(root, "dlinks", false, &dls, &m->n_dlinks)) ||
	    (rc = parse_array(root, "classifiers", false, &cls, &m->n_cls)))
		return rc;
	m->boxes = calloc(m->n_boxes + 1, sizeof(*m->boxes));
	m->dlinks = calloc(m->n_dlinks + 1, sizeof(*m->dlinks));
	m->cls = calloc(m->n_cls + 1, sizeof(*m->cls));
	if (!m->boxes || !m->dlinks || !m->cls)
		return cbox_err(CBOX_EXIT_SYS, "out of memory");
	i = 0;
	cJSON_ArrayForEach(it, boxes) {
		if ((rc = parse_box(it, i, &m->boxes[i])))
			return rc;
		for (int j = 0; j < i; j++)
			if (!strcmp(m->boxes[j].tag, m->boxes[i].tag) ||
			    m->boxes[j].box_id == m->boxes[i].box_id)
				return cbox_err(CBOX_EXIT_BUNDLE,
						"manifest: boxes[%d]: tag or box_id repeats boxes[%d]",
						i, j);
		i++;
	}
	i = 0;
	if (dls)
		cJSON_ArrayForEach(it, dls) {
			if ((rc = parse_dlink(it, i, &m->dlinks[i])))
				return rc;
			i++;
		}
	i = 0;
	if (cls)
		cJSON_ArrayForEach(it, cls) {
			if ((rc = parse_cls(it, i, &m->cls[i])))
				return rc;
			for (int j = 0; j < m->n_boxes; j++)
				if (!strcmp(m->boxes[j].tag, m->cls[i].tag))
					return cbox_err(CBOX_EXIT_BUNDLE,
							"manifest: classifiers[%d]: tag '%s' is also a box",
							i, m->cls[i].tag);
			i++;
		}
	return 0;
}

/* Walks the bundle dir: every regular file must be listed (or the manifest). */
static int check_unlisted(const struct manifest *m, const cJSON *files,
			  const char *rel)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct dirent *de;
	int rc = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s%s%s", m->dir, *rel ? "/" : "", rel);
	d = opendir(path);
	if (!d)
		return cbox_err(CBOX_EXIT_BUNDLE, "%s: %s", path, strerror(errno));
	while (!rc && (de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
			 de->d_name);
		if (snprintf(path, sizeof(path), "%s/%s", m->dir, sub) >=
		    (int)sizeof(path))
			rc = cbox_err(CBOX_EXIT_BUNDLE, "%s: path too long", sub);
		else if (lstat(path, &st))
			rc = cbox_err(CBOX_EXIT_BUNDLE, "%s: %s", path,
				      strerror(errno));
		else if (S_ISDIR(st.st_mode))
			rc = check_unlisted(m, files, sub);
		else if (!strcmp(sub, "manifest.json"))
			continue;
		else if (!cJSON_GetObjectItemCaseSensitive(files, sub))
			rc = cbox_err(CBOX_EXIT_BUNDLE,
				      "bundle: file '%s' is not listed in the manifest",
				      sub);
	}
	closedir(d);
	return rc;
}

static int need_listed(const cJSON *files, const char *rel, const char *what)
{
	if (rel && !cJSON_GetObjectItemCaseSensitive(files, rel))
		return cbox_err(CBOX_EXIT_BUNDLE,
				"manifest: %s '%s' is not in \"files\"", what, rel);
	return 0;
}

static int verify_files(const struct manifest *m)
{
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(m->root, "files");
	const cJSON *it;
	char path[PATH_MAX], hex[65];
	int rc;

	if (!cJSON_IsObject(files))
		return cbox_err(CBOX_EXIT_BUNDLE, "manifest: missing \"files\"");
	cJSON_ArrayForEach(it, files) {
		if (!safe_relpath(it->string) || !strcmp(it->string, "manifest.json"))
			return cbox_err(CBOX_EXIT_BUNDLE,
					"manifest: files: bad path '%s'", it->string);
		if (!cJSON_IsString(it) || strlen(it->valuestring) != 64)
			return cbox_err(CBOX_EXIT_BUNDLE,
					"manifest: files: '%s': not a sha256 hex digest",
					it->string);
		snprintf(path, sizeof(path), "%s/%s", m->dir, it->string);
		rc = sha256_file(path, hex);
		if (rc)
			return cbox_err(CBOX_EXIT_BUNDLE, "bundle: file '%s': %s",
					it->string, strerror(-rc));
		if (strcasecmp(hex, it->valuestring))
			return cbox_err(CBOX_EXIT_BUNDLE,
					"bundle: file '%s': sha256 mismatch (file changed or corrupted)",
					it->string);
	}
	for (int i = 0; i < m->n_boxes; i++) {
		const struct mf_box *b = &m->boxes[i];

		for (int j = 0; j < b->n_progs; j++)
			if ((rc = need_listed(files, b->progs[j].object, "object")))
				return rc;
		for (int j = 0; j < b->n_maps; j++)
			if ((rc = need_listed(files, b->maps[j].seed, "seed")))
				return rc;
	}
	for (int i = 0; i < m->n_cls; i++) {
		if ((rc = need_listed(files, m->cls[i].object, "object")))
			return rc;
		for (int j = 0; j < m->cls[i].n_maps; j++)
			if ((rc = need_listed(files, m->cls[i].maps[j].seed, "seed")))
				return rc;
	}
	return check_unlisted(m, files, "");
}

int manifest_parse_only(struct manifest *m, const char *dir)
{
	return parse(m, dir);
}

int manifest_load(struct manifest *m, const char *dir, const char *host_override)
{
	struct utsname u;
	int rc;

	rc = parse(m, dir);
	if (rc)
		return rc;
	if (host_override) {
		if (strcmp(host_override, m->host))
			return cbox_err(CBOX_EXIT_BUNDLE,
					"bundle is for host '%s', not '%s' (--host)",
					m->host, host_override);
	} else {
		if (uname(&u))
			return cbox_err(CBOX_EXIT_SYS, "uname: %s", strerror(errno));
		if (strcmp(u.nodename, m->host))
			return cbox_err(CBOX_EXIT_BUNDLE,
					"bundle is for host '%s', this is '%s' (use --host to override)",
					m->host, u.nodename);
	}
	return verify_files(m);
}

void manifest_free(struct manifest *m)
{
	cJSON_Delete(m->root);
	free(m->boxes);
	free(m->dlinks);
	free(m->cls);
	free(m->dir);
	memset(m, 0, sizeof(*m));
}
