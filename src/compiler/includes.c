#include "../util/compat.h"
#include "includes.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/strset.h"

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

/* Skips leading "./" (and "." alone): "-I./B" finds headers the
 * dependency file calls "B/x.h". */
static const char *skip_dot_slash(const char *p)
{
	for (;;) {
		if (p[0] == '.' && p[1] == '/') {
			p += 2;
			while (*p == '/')
				p++;
		} else if (p[0] == '.' && p[1] == '\0') {
			return p + 1;
		} else {
			return p;
		}
	}
}

/* If path is dir/rel, returns rel; else NULL. */
static const char *under_dir(const char *path, const char *dir)
{
	size_t dl;

	path = skip_dot_slash(path);
	dir = skip_dot_slash(dir);
	dl = strlen(dir);
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if (dl == 0) /* the current directory: any relative path is below it */
		return path[0] == '/' ? NULL : path;
	if (strncmp(path, dir, dl) || path[dl] != '/')
		return NULL;
	return path + dl + 1;
}

void include_scan_release(struct include_scan *s)
{
	strvec_clear(&s->quoted);
	strvec_clear(&s->angled);
	strvec_clear(&s->probed);
	s->computed = false;
	s->facts = 0;
}

void include_scan_copy(struct include_scan *dst, const struct include_scan *src)
{
	strvec_pushv(&dst->quoted, src->quoted.v, src->quoted.nr);
	strvec_pushv(&dst->angled, src->angled.v, src->angled.nr);
	strvec_pushv(&dst->probed, src->probed.v, src->probed.nr);
	dst->computed = src->computed;
	dst->facts = src->facts;
}

/* Skips blanks and block comments (a comment is a blank to the
 * preprocessor); one that does not end before `end` leaves p at end. */
static const char *skip_blanks(const char *p, const char *end)
{
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\f' || *p == '\v' || *p == '\r'))
			p++;
		if (end - p < 2 || p[0] != '/' || p[1] != '*')
			return p;
		const char *close = memmem(p + 2, (size_t)(end - p - 2), "*/", 2);
		p = close ? close + 2 : end;
	}
}

/* The next directive introducer of [p, eol): '#' or the digraph "%:";
 * returns what follows it, or NULL. */
static const char *next_introducer(const char *p, const char *eol)
{
	for (; p < eol; p++) {
		if (*p == '#')
			return p + 1;
		if (*p == '%' && p + 1 < eol && p[1] == ':')
			return p + 2;
	}
	return NULL;
}

/* At p: "name" or <name>. Pushes name; returns false when neither. */
static bool take_name(const char *p, const char *end, struct strvec *quoted, struct strvec *angled)
{
	char close = *p == '"' ? '"' : *p == '<' ? '>' : 0;
	const char *q;

	if (!close || p + 1 >= end)
		return false;
	q = memchr(p + 1, close, (size_t)(end - p - 1));
	if (!q || memchr(p + 1, '\n', (size_t)(q - p - 1)))
		return false;
	char *name = xstrndup(p + 1, (size_t)(q - p - 1));
	strvec_push(close == '"' ? quoted : angled, name);
	free(name);
	return true;
}

void scan_includes(const char *data, size_t len, struct include_scan *scan)
{
	static const char *const directives[] = { "include_next", "include", "import" };
	const char *end = data + len;

	for (const char *line = data; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *eol = nl ? nl : end;
		/* Any '#' of the line, not only the first: a comment may come
		 * before a directive. Extra names only add candidates. */
		for (const char *p = line; (p = next_introducer(p, eol)); ) {
			const char *after = p;
			p = skip_blanks(p, eol);
			if (p == eol && after < eol && memmem(after, (size_t)(eol - after), "/*", 2)) {
				/* A comment runs on past the line: what it hides may
				 * be a directive. */
				scan->computed = true;
				break;
			}
			for (size_t i = 0; i < ZC_ARRAY_SIZE(directives); i++) {
				size_t n = strlen(directives[i]);
				if ((size_t)(eol - p) < n || memcmp(p, directives[i], n))
					continue;
				const char *q = skip_blanks(p + n, eol);
				if (!take_name(q, eol, &scan->quoted, &scan->angled))
					scan->computed = true;
				break;
			}
		}
		line = eol + 1;
	}
	/* __has_include may appear anywhere in a #if expression. */
	for (const char *p = data; (p = memmem(p, (size_t)(end - p), "__has_include", 13));) {
		p += 13;
		if (p + 5 < end && !memcmp(p, "_next", 5))
			p += 5;
		p = skip_blanks(p, end);
		if (p < end && *p == '(') {
			p = skip_blanks(p + 1, end);
			if (!take_name(p, end, &scan->probed, &scan->probed))
				scan->computed = true;
		}
	}
}

/* The candidate sets are built in a scratch buffer: no printf, no
 * allocation per path (a miss adds a few thousand of them). */
struct candidates {
	struct strset set;
	struct strbuf scratch;
};

/* Adds dir/name exactly so. */
static void add_joined(struct candidates *cs, const char *dir, const char *name,
		       const char *suffix)
{
	strbuf_reset(&cs->scratch);
	strbuf_addstr(&cs->scratch, dir);
	strbuf_addch(&cs->scratch, '/');
	strbuf_addstr(&cs->scratch, name);
	strbuf_addstr(&cs->scratch, suffix);
	strset_add(&cs->set, cs->scratch.buf, cs->scratch.len);
}

/* Adds where `name` is looked for from dir: name alone when it is absolute
 * or dir is the current directory. */
static void add_path(struct candidates *cs, const char *dir, const char *name, const char *suffix)
{
	if (name[0] != '/' && strcmp(dir, ".")) {
		add_joined(cs, dir, name, suffix);
		return;
	}
	strbuf_reset(&cs->scratch);
	strbuf_addstr(&cs->scratch, name);
	strbuf_addstr(&cs->scratch, suffix);
	strset_add(&cs->set, cs->scratch.buf, cs->scratch.len);
}

static void candidates_move(struct candidates *cs, struct strvec *out)
{
	for (const char *p = NULL; (p = strset_next(&cs->set, p));)
		strvec_push(out, p);
	strset_clear(&cs->set);
	strbuf_release(&cs->scratch);
}

void shadow_candidates(const struct search_dirs *d, char *const *inputs,
		       const struct include_scan *scans, size_t nr_inputs,
		       char *const *forced, size_t nr_forced, struct strvec *out)
{
	struct candidates cs = { STRSET_INIT, STRBUF_INIT };
	struct strset includer_dirs = STRSET_INIT, rels = STRSET_INIT;

	/* Files with computed includes may quote-include any header. */
	for (size_t i = 0; i < nr_inputs; i++) {
		if (!scans[i].computed)
			continue;
		char *dir = path_dirname(inputs[i]);
		strset_add(&includer_dirs, dir, strlen(dir));
		free(dir);
	}

	for (size_t h = 1; h < nr_inputs; h++) {
		const char *header = inputs[h];

		for (size_t c = 0; c < d->chain.nr; c++) {
			const char *rel = under_dir(header, d->chain.v[c]);
			if (!rel)
				continue;
			strset_add(&rels, rel, strlen(rel));
			/* Found through chain dir c: everything before it was
			 * probed, and dirs that did not exist may appear anywhere. */
			for (size_t e = 0; e < d->missing.nr; e++)
				add_joined(&cs, d->missing.v[e], rel, "");
			for (size_t e = 0; e < c; e++)
				if (strcmp(d->chain.v[e], d->chain.v[c]))
					add_joined(&cs, d->chain.v[e], rel, "");
		}
	}
	for (size_t f = 0; f < nr_forced; f++)
		strset_add(&cs.set, forced[f], strlen(forced[f]));
	for (const char *dir = NULL; (dir = strset_next(&includer_dirs, dir));)
		for (const char *rel = NULL; (rel = strset_next(&rels, rel));)
			add_path(&cs, dir, rel, "");

	for (size_t i = 0; i < nr_inputs; i++) {
		char *dir = path_dirname(inputs[i]);
		/* #include "name" looks beside the includer first. */
		for (size_t n = 0; n < scans[i].quoted.nr; n++)
			add_path(&cs, dir, scans[i].quoted.v[n], "");
		/* __has_include(name): wherever name could be found. */
		for (size_t n = 0; n < scans[i].probed.nr; n++) {
			const char *name = scans[i].probed.v[n];
			add_path(&cs, dir, name, "");
			for (size_t c = 0; c < d->chain.nr; c++)
				add_path(&cs, d->chain.v[c], name, "");
			for (size_t e = 0; e < d->missing.nr; e++)
				add_path(&cs, d->missing.v[e], name, "");
		}
		free(dir);
	}
	candidates_move(&cs, out);
	strset_clear(&rels);
	strset_clear(&includer_dirs);
}

void pch_candidates(const struct search_dirs *d, const char *source,
		    const struct include_scan *source_scan, char *const *forced, size_t nr_forced,
		    struct strvec *out)
{
	char *source_dir = path_dirname(source);
	struct candidates cs = { STRSET_INIT, STRBUF_INIT };
	const struct strvec *lists[2] = { &source_scan->quoted, &source_scan->angled };

	for (size_t f = 0; f < nr_forced; f++) {
		/* -include looks in the current directory first. */
		strbuf_reset(&cs.scratch);
		strbuf_addf(&cs.scratch, "%s.gch", forced[f]);
		strset_add(&cs.set, cs.scratch.buf, cs.scratch.len);
		for (size_t c = 0; c < d->chain.nr; c++)
			add_joined(&cs, d->chain.v[c], forced[f], ".gch");
	}
	for (int l = 0; l < 2; l++) {
		for (size_t n = 0; n < lists[l]->nr; n++) {
			const char *name = lists[l]->v[n];
			if (l == 0)
				add_path(&cs, source_dir, name, ".gch");
			for (size_t c = 0; c < d->chain.nr; c++)
				add_path(&cs, d->chain.v[c], name, ".gch");
			for (size_t e = 0; e < d->missing.nr; e++)
				add_path(&cs, d->missing.v[e], name, ".gch");
		}
	}
	candidates_move(&cs, out);
	free(source_dir);
}
