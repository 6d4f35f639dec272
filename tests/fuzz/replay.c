// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Replays inputs through a fuzz target without libFuzzer: every file named
 * on the command line, or found (one level deep) in a directory named there,
 * is read and passed once to LLVMFuzzerTestOneInput. Built with ASan+UBSan
 * (findings abort) for the regression suite, or plain for valgrind.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		perror(path);
		return -1;
	}
	do {
		if (len == cap) {
			uint8_t *nb;

			cap = cap ? 2 * cap : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				fclose(f);
				free(buf);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);
	/* an exact-size copy, so ASan catches a read one past the end */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (!exact) {
			free(buf);
			return -1;
		}
		memcpy(exact, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i, n = 0, err = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st)) {
			perror(argv[i]);
			err = 1;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			struct dirent **ents;
			int k, m = scandir(argv[i], &ents, NULL, alphasort);

			for (k = 0; k < m; k++) {
				char p[4096];

				if (ents[k]->d_name[0] != '.') {
					snprintf(p, sizeof(p), "%s/%s", argv[i],
						 ents[k]->d_name);
					if (!stat(p, &st) && S_ISREG(st.st_mode)) {
						err |= run_file(p) != 0;
						n++;
					}
				}
				free(ents[k]);
			}
			free(ents);
		} else {
			err |= run_file(argv[i]) != 0;
			n++;
		}
	}
	printf("replayed %d inputs\n", n);
	return err;
}
