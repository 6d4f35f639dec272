// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cbox: applies a compiled bundle on a host (load, seed, attach), removes
 * it again, and reports what is attached and what it counted. Nothing stays
 * running: the kernel holds the programs, bpffs the maps, and a small state
 * record under /run/cbox what apply created.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "cbox.h"

int cbox_verbose;
bool cbox_json;
cJSON *cbox_warnings;

static char errbuf[1024];
static int errcode;

int cbox_err(int code, const char *fmt, ...)
{
	va_list ap;

	if (errcode)
		return code;
	errcode = code;
	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return code;
}

const char *cbox_errmsg(void)
{
	return errcode ? errbuf : NULL;
}

void cbox_err_clear(void)
{
	errcode = 0;
	errbuf[0] = 0;
}

void pr_warn(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!cbox_warnings)
		cbox_warnings = cJSON_CreateArray();
	cJSON_AddItemToArray(cbox_warnings, cJSON_CreateString(buf));
	fprintf(stderr, "cbox: warning: %s\n", buf);
}

/* A message shown from verbosity level `level` (-v 1, -vv 2) on. */
static void vlog(int level, const char *fmt, va_list ap)
{
	if (cbox_verbose < level)
		return;
	fprintf(stderr, "cbox: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
}

void pr_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(1, fmt, ap);
	va_end(ap);
}

void pr_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(2, fmt, ap);
	va_end(ap);
}

/*
 * libbpf's own messages are demoted one level: its warnings (often about
 * probing) show with -v, its info and debug with -vv.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	int need = level == LIBBPF_WARN ? 1 : level == LIBBPF_INFO ? 2 : 3;

	if (cbox_verbose < need)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cbox [-j] [-v] COMMAND ...\n"
		"  cbox apply BUNDLE_DIR [--host NAME] [--fix-mtu]\n"
		"             [--xdp-mode auto|native|generic]\n"
		"  cbox detach BUNDLE_DIR | --all [--host NAME]\n"
		"  cbox status [--host NAME]\n"
		"  cbox stats [--host NAME] [--watch [SECS]]\n"
		"Options: -j JSON output, -v more messages (-vv libbpf debug),\n"
		"         -h this help.\n"
		"Exit: 0 ok, 1 bad bundle, 2 usage, 3 system error.\n");
}

static int usage_err(const char *msg)
{
	cbox_err(CBOX_EXIT_USAGE, "%s", msg);
	return CBOX_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "host", required_argument, NULL, 'H' },
		{ "fix-mtu", no_argument, NULL, 'M' },
		{ "all", no_argument, NULL, 'a' },
		{ "watch", optional_argument, NULL, 'w' },
		{ "xdp-mode", required_argument, NULL, 'X' },
		{ 0 },
	};
	const char *host = NULL, *cmd = NULL, *arg = NULL;
	bool fix_mtu = false, all = false, xdp_mode_set = false;
	enum cbox_xdp_mode xdp_mode = CBOX_XDP_AUTO;
	int watch = 0, c, rc, nargs = 0;

	/* Options may come before or after the command (bpftool style). */
	while (optind < argc) {
		c = getopt_long(argc, argv, "+jvhH:", opts, NULL);
		if (c == -1) {
			if (nargs == 0)
				cmd = argv[optind];
			else if (nargs == 1)
				arg = argv[optind];
			else {
				rc = usage_err("too many arguments");
				goto out;
			}
			nargs++;
			optind++;
			continue;
		}
		switch (c) {
		case 'j':
			cbox_json = true;
			break;
		case 'v':
			cbox_verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'H':
			host = optarg;
			break;
		case 'M':
			fix_mtu = true;
			break;
		case 'a':
			all = true;
			break;
		case 'X':
			if (!strcmp(optarg, "auto"))
				xdp_mode = CBOX_XDP_AUTO;
			else if (!strcmp(optarg, "native"))
				xdp_mode = CBOX_XDP_NATIVE;
			else if (!strcmp(optarg, "generic"))
				xdp_mode = CBOX_XDP_GENERIC;
			else {
				rc = usage_err("--xdp-mode: give auto, native or generic");
				goto out;
			}
			xdp_mode_set = true;
			break;
		case 'w':
			/* --watch [SECS]: a following number is its value */
			if (optarg)
				watch = atoi(optarg);
			else if (optind < argc && argv[optind][0] >= '1' &&
				 argv[optind][0] <= '9')
				watch = atoi(argv[optind++]);
			else
				watch = 1;
			if (watch <= 0) {
				rc = usage_err("--watch: SECS must be a positive number");
				goto out;
			}
			break;
		default:
			rc = usage_err("unknown option (see cbox -h)");
			goto out;
		}
	}
	libbpf_set_print(libbpf_print);

	if (!cmd) {
		usage(stderr);
		rc = usage_err("missing command");
	} else if (xdp_mode_set && strcmp(cmd, "apply")) {
		rc = usage_err("--xdp-mode: only for apply");
	} else if (!strcmp(cmd, "apply")) {
		rc = arg ? cmd_apply(arg, host, fix_mtu, xdp_mode) :
			   usage_err("apply: missing BUNDLE_DIR");
	} else if (!strcmp(cmd, "detach")) {
		if (!arg == !all)
			rc = usage_err("detach: give BUNDLE_DIR or --all");
		else
			rc = cmd_detach(arg, host, all);
	} else if (!strcmp(cmd, "status")) {
		rc = arg ? usage_err("status: no argument expected") :
			   cmd_status(host);
	} else if (!strcmp(cmd, "stats")) {
		rc = arg ? usage_err("stats: no argument expected") :
			   cmd_stats(host, watch);
	} else if (!strcmp(cmd, "help")) {
		usage(stdout);
		rc = 0;
	} else {
		rc = usage_err("unknown command (apply, detach, status, stats)");
	}
out:
	if (rc && !cbox_errmsg())
		cbox_err(rc, "failed");
	if (rc) {
		if (cbox_json) {
			cJSON *e = cJSON_CreateObject();
			char *s;

			cJSON_AddStringToObject(e, "error", cbox_errmsg());
			s = cJSON_PrintUnformatted(e);
			printf("%s\n", s);
			free(s);
			cJSON_Delete(e);
		} else {
			fprintf(stderr, "cbox: error: %s\n", cbox_errmsg());
		}
	}
	return rc;
}
