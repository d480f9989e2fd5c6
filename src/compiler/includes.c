#include "../util/compat.h"
#include "includes.h"
#include "../util/fs.h"
#include "../util/log.h"

#include <search.h>
#include <stdlib.h>
#include <string.h>

void search_dirs_release(struct search_dirs *d)
{
	strvec_clear(&d->chain);
	strvec_clear(&d->missing);
}

static void push_unique(struct strvec *sv, const char *s)
{
	for (size_t i = 0; i < sv->nr; i++)
		if (!strcmp(sv->v[i], s))
			return;
	strvec_push(sv, s);
}

int parse_cpp_search_output(const char *text, struct search_dirs *d)
{
	static const char missing_prefix[] = "ignoring nonexistent directory \"";
	bool in_list = false, saw_end = false;
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char *l = xstrndup(line, len);

		if (!strncmp(l, missing_prefix, sizeof(missing_prefix) - 1)) {
			char *name = l + sizeof(missing_prefix) - 1;
			char *q = strrchr(name, '"');
			if (q) {
				*q = '\0';
				push_unique(&d->missing, name);
			}
		} else if (strstr(l, "search starts here:")) {
			in_list = true;
		} else if (!strcmp(l, "End of search list.")) {
			in_list = false;
			saw_end = true;
		} else if (in_list && l[0] == ' ') {
			char *dir = l + 1;
			/* clang marks framework dirs with " (framework directory)". */
			char *fw = strstr(dir, " (framework directory)");
			if (fw)
				*fw = '\0';
			strvec_push(&d->chain, dir);
		}
		free(l);
		line += len + (nl ? 1 : 0);
	}
	return saw_end ? 0 : error("no include search list in the compiler's output");
}

void search_dirs_serialize(const struct search_dirs *d, struct strbuf *out)
{
	for (size_t i = 0; i < d->missing.nr; i++)
		strbuf_addf(out, "-%s\n", d->missing.v[i]);
	for (size_t i = 0; i < d->chain.nr; i++)
		strbuf_addf(out, "+%s\n", d->chain.v[i]);
}

int search_dirs_deserialize(const char *text, size_t len, struct search_dirs *d)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || nl == p)
			return -1;
		char *s = xstrndup(p + 1, (size_t)(nl - p - 1));
		if (*p == '-')
			strvec_push(&d->missing, s);
		else if (*p == '+')
			strvec_push(&d->chain, s);
		else {
			free(s);
			return -1;
		}
		free(s);
		p = nl + 1;
	}
	return 0;
}

/* A small string set over a hash table (hsearch_r), for de-duplication. */
struct strset {
	struct hsearch_data table;
	struct strvec *items;
};

static void strset_init(struct strset *set, struct strvec *items, size_t expect)
{
	memset(&set->table, 0, sizeof(set->table));
	if (!hcreate_r(expect * 2 + 64, &set->table))
		die("out of memory");
	set->items = items;
}

/* Adds s to the vector when it is new. */
static void strset_add(struct strset *set, const char *s)
{
	ENTRY e = { .key = (char *)s, .data = NULL }, *found;

	if (hsearch_r(e, FIND, &found, &set->table))
		return;
	strvec_push(set->items, s);
	e.key = set->items->v[set->items->nr - 1];
	if (!hsearch_r(e, ENTER, &found, &set->table))
		die("out of memory");
}

static void strset_release(struct strset *set)
{
	hdestroy_r(&set->table);
}

/* If path is dir/rel, returns rel; else NULL. */
static const char *under_dir(const char *path, const char *dir)
{
	size_t dl = strlen(dir);

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if (strncmp(path, dir, dl) || path[dl] != '/')
		return NULL;
	return path + dl + 1;
}

void shadow_candidates(const struct search_dirs *d, char *const *inputs, size_t nr_inputs,
		       struct strvec *out)
{
	struct strvec includer_dirs = STRVEC_INIT;
	struct strvec seen = STRVEC_INIT;
	struct strset set, dirset;

	/* Quote includes search the includer's own directory first. */
	strset_init(&dirset, &includer_dirs, nr_inputs);
	for (size_t i = 0; i < nr_inputs; i++) {
		char *dir = path_dirname(inputs[i]);
		strset_add(&dirset, dir);
		free(dir);
	}
	strset_init(&set, &seen, nr_inputs * 8);

	for (size_t h = 1; h < nr_inputs; h++) {
		const char *header = inputs[h];
		struct strbuf cand = STRBUF_INIT;

		for (size_t c = 0; c < d->chain.nr; c++) {
			const char *rel = under_dir(header, d->chain.v[c]);
			if (!rel)
				continue;
			/* Found through chain dir c: everything before it was
			 * probed, and dirs that did not exist may appear anywhere. */
			for (size_t e = 0; e < d->missing.nr; e++) {
				strbuf_reset(&cand);
				strbuf_addf(&cand, "%s/%s", d->missing.v[e], rel);
				strset_add(&set, cand.buf);
			}
			for (size_t e = 0; e < c; e++) {
				if (!strcmp(d->chain.v[e], d->chain.v[c]))
					continue;
				strbuf_reset(&cand);
				strbuf_addf(&cand, "%s/%s", d->chain.v[e], rel);
				strset_add(&set, cand.buf);
			}
			for (size_t q = 0; q < includer_dirs.nr; q++) {
				strbuf_reset(&cand);
				if (!strcmp(includer_dirs.v[q], "."))
					strbuf_addstr(&cand, rel);
				else
					strbuf_addf(&cand, "%s/%s", includer_dirs.v[q], rel);
				if (strcmp(cand.buf, header))
					strset_add(&set, cand.buf);
			}
		}
		strbuf_release(&cand);
	}
	/* A precompiled header is only used for the first include. */
	if (nr_inputs > 1) {
		char *gch = xasprintf("%s.gch", inputs[1]);
		char *pch = xasprintf("%s.pch", inputs[1]);
		strset_add(&set, gch);
		strset_add(&set, pch);
		free(gch);
		free(pch);
	}
	for (size_t i = 0; i < seen.nr; i++)
		strvec_push(out, seen.v[i]);
	strset_release(&set);
	strset_release(&dirset);
	strvec_clear(&seen);
	strvec_clear(&includer_dirs);
}
