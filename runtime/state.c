// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The state record, /run/cbox/<host>.json: every thing apply created or
 * changed (pins, dirs, veths, qdiscs, attachments, MAC/MTU/offload changes
 * with the values before), each written BEFORE the thing is created. A
 * kill -9 at any point thus leaves a record that names a superset of what
 * exists, and detach or the next apply converge from it. Written aside and
 * renamed, so a crash never leaves half a file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cbox.h"

static void state_path(const char *host, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.json", CBOX_STATE_DIR, host);
}

bool state_exists(const char *host)
{
	char path[PATH_MAX];

	state_path(host, path, sizeof(path));
	return !access(path, F_OK);
}

cJSON *state_load(const char *host)
{
	char path[PATH_MAX], *text = NULL;
	cJSON *st = NULL;
	long len;
	FILE *f;

	state_path(host, path, sizeof(path));
	f = fopen(path, "rb");
	if (f) {
		if (!fseek(f, 0, SEEK_END) && (len = ftell(f)) > 0 &&
		    !fseek(f, 0, SEEK_SET) && (text = malloc(len + 1)) &&
		    fread(text, 1, len, f) == (size_t)len) {
			text[len] = 0;
			st = cJSON_Parse(text);
		}
		free(text);
		fclose(f);
		if (!st)
			pr_warn("state record %s unreadable, starting afresh", path);
	}
	if (!st || !cJSON_IsObject(st)) {
		cJSON_Delete(st);
		st = cJSON_CreateObject();
		cJSON_AddStringToObject(st, "host", host);
	}
	if (!cJSON_IsArray(cJSON_GetObjectItem(st, "items"))) {
		cJSON_DeleteItemFromObject(st, "items");
		cJSON_AddItemToObject(st, "items", cJSON_CreateArray());
	}
	return st;
}

int state_save(const char *host, cJSON *st)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	char *text = cJSON_Print(st);
	size_t len;
	int fd, err = 0;

	if (!text)
		return -ENOMEM;
	if (mkdir(CBOX_STATE_DIR, 0700) && errno != EEXIST) {
		free(text);
		return -errno;
	}
	state_path(host, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(text);
		return -errno;
	}
	len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd))
		err = -errno ? -errno : -EIO;
	close(fd);
	free(text);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int state_remove_file(const char *host)
{
	char path[PATH_MAX];

	state_path(host, path, sizeof(path));
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

cJSON *state_items(cJSON *st)
{
	return cJSON_GetObjectItem(st, "items");
}

const char *jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

long long jnum(const cJSON *o, const char *name, long long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : dflt;
}

cJSON *state_find(cJSON *st, const char *key)
{
	cJSON *it;

	cJSON_ArrayForEach(it, state_items(st)) {
		const char *k = jstr(it, "key");

		if (k && !strcmp(k, key))
			return it;
	}
	return NULL;
}

int state_add(const char *host, cJSON *st, cJSON *item)
{
	const char *key = jstr(item, "key");
	int err;

	if (key)
		state_drop(st, key);
	cJSON_AddItemToArray(state_items(st), item);
	err = state_save(host, st);
	if (err)
		return cbox_err(CBOX_EXIT_SYS, "state record: %s", strerror(-err));
	return 0;
}

void state_drop(cJSON *st, const char *key)
{
	cJSON *it = state_find(st, key);

	if (it)
		cJSON_Delete(cJSON_DetachItemViaPointer(state_items(st), it));
}

int state_hosts(char ***hosts, int *n)
{
	DIR *d = opendir(CBOX_STATE_DIR);
	struct dirent *de;

	*hosts = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **nh;

		if (len <= 5 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		nh = realloc(*hosts, (*n + 1) * sizeof(char *));
		if (!nh)
			break;
		*hosts = nh;
		(*hosts)[*n] = strndup(de->d_name, len - 5);
		(*n)++;
	}
	closedir(d);
	/* stable order for output */
	for (int i = 0; i < *n; i++)
		for (int j = i + 1; j < *n; j++)
			if (strcmp((*hosts)[i], (*hosts)[j]) > 0) {
				char *t = (*hosts)[i];

				(*hosts)[i] = (*hosts)[j];
				(*hosts)[j] = t;
			}
	return 0;
}
