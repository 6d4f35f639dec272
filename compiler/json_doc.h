/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The positioned document: one tree shape for JSON, YAML and the TOSCA
 * profile, so that the schema validator and the model builder see one thing
 * and every value still knows its LINE:COL in the user's file.
 */
#ifndef CBOX_JSON_DOC_H
#define CBOX_JSON_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "hidx.h"
#include "model.h"

/*
 * Limits that keep hostile input from exhausting the stack or memory, sized
 * by what a real spec needs: a 100k-chain spec (8 functions a chain) is
 * 9 MiB of compact JSON, 20 MiB pretty-printed, and about 1.2 million
 * values. A value takes at least two bytes of text (itself and a separator),
 * so the byte cap already bounds what the text can hold; the value cap
 * bounds the tree (about 120 bytes a value, so < 0.5 GiB) for text that is
 * nothing but tiny values. YAML aliases copy values without text of their
 * own: copies may grow a document to at most twice the values its text
 * holds, or to CBOX_DOC_ALIAS_FLOOR for a small one, never past the cap.
 */
#define CBOX_DOC_MAX_DEPTH	64
#define CBOX_DOC_MAX_NODES	4000000
#define CBOX_DOC_ALIAS_FLOOR	200000
#define CBOX_DOC_MAX_BYTES	(32u << 20)

enum cbox_jtype {
	CJ_NULL,
	CJ_BOOL,
	CJ_NUMBER,
	CJ_STRING,
	CJ_ARRAY,
	CJ_OBJECT,
};

struct cbox_jnode {
	enum cbox_jtype type;
	struct cbox_loc loc;		/* where the value starts */
	struct cbox_loc key_loc;	/* object member: where its key starts */
	char *key;			/* object member: its name, else NULL */
	size_t key_len;			/* names may hold NUL (\u0000) */
	bool boolean;
	double num;
	char *str;			/* NUL-terminated; len excludes it */
	size_t len;
	struct cbox_jnode **kids;	/* array items / object members */
	size_t n_kids;
	size_t cap;
	/* Path in the user's file when it differs from the tree path (the
	 * TOSCA profile is mapped onto this tree); NULL otherwise. */
	char *opath;
};

/* Parses JSON text; NULL with errors in d on bad input. */
struct cbox_jnode *cbox_json_parse(const char *buf, size_t len,
				   struct cbox_diags *d);

struct cbox_jnode *cbox_jnode_new(enum cbox_jtype type, struct cbox_loc loc);
/* Appends kid; returns -1 on allocation failure (kid is then freed). */
int cbox_jnode_append(struct cbox_jnode *parent, struct cbox_jnode *kid);
void cbox_jnode_free(struct cbox_jnode *n);
/* Deep copy; NULL on allocation failure. */
struct cbox_jnode *cbox_jnode_copy(const struct cbox_jnode *n);

/* Object member by (NUL-free) name, NULL when absent or n is no object. */
struct cbox_jnode *cbox_jnode_get(const struct cbox_jnode *n, const char *key);
/*
 * Member of object obj named key (kl bytes, may hold NUL): a scan while obj
 * is small, a hash index in *ki once it grows, so that checking each new
 * member of a huge object for a duplicate costs O(1), not O(members). ki
 * starts zeroed, follows obj's members as they are appended (obj must only
 * grow while ki is in use) and is released with cbox_hidx_free.
 */
struct cbox_jnode *cbox_jnode_find_key(const struct cbox_jnode *obj,
				       struct cbox_hidx *ki, const char *key,
				       size_t kl);
/* RFC 6901 pointer look-up ("" is n itself); NULL when absent. */
struct cbox_jnode *cbox_jnode_at(const struct cbox_jnode *root,
				 const char *pointer);
/* JSON Schema equality: numbers by value, objects unordered. */
bool cbox_jnode_equal(const struct cbox_jnode *a, const struct cbox_jnode *b);
const char *cbox_jtype_name(enum cbox_jtype t);

/* Appends "/" + escaped token (~0, ~1) to a path held in a malloc'ed
 * buffer; returns the new path or NULL on allocation failure. */
char *cbox_path_join(const char *base, const char *token, size_t token_len);
char *cbox_path_index(const char *base, size_t idx);

#endif /* CBOX_JSON_DOC_H */
