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
	strvec_clear(&d->skipped);
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
	for (size_t i = 0; i < d->skipped.nr; i++)
		strbuf_addf(out, "=%s\n", d->skipped.v[i]);
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
		else if (*p == '=')
			strvec_push(&d->skipped, s);
		else {
			free(s);
			return -1;
		}
		free(s);
		p = nl + 1;
	}
	return 0;
}


/* dir without a leading "./" and trailing slashes, into sb. */
static void clean_dir(struct strbuf *sb, const char *dir)
{
	const char *clean = path_skip_dot_slash(dir);
	size_t len = strlen(clean);

	while (len > 1 && clean[len - 1] == '/')
		len--;
	strbuf_reset(sb);
	strbuf_add(sb, clean, len);
}

void search_dirs_add_skipped(struct search_dirs *d, char *const *given, size_t nr_given)
{
	struct strset known = STRSET_INIT;
	struct strbuf dir = STRBUF_INIT;
	const struct strvec *lists[2] = { &d->chain, &d->missing };

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->nr; i++) {
			clean_dir(&dir, lists[l]->v[i]);
			strset_add(&known, dir.buf, dir.len);
		}
	for (size_t i = 0; i < nr_given; i++) {
		clean_dir(&dir, given[i]);
		if (strset_add(&known, dir.buf, dir.len))
			strvec_push(&d->skipped, given[i]);
	}
	strset_clear(&known);
	strbuf_release(&dir);
}

/* If path is dir/rel, returns rel; else NULL. */
static const char *under_dir(const char *path, const char *dir)
{
	size_t dl;

	path = path_skip_dot_slash(path);
	dir = path_skip_dot_slash(dir);
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
	strbuf_release(&s->calls);
	strbuf_release(&s->wraps);
	s->computed = false;
	s->facts = 0;
}

void include_scan_copy(struct include_scan *dst, const struct include_scan *src)
{
	strvec_pushv(&dst->quoted, src->quoted.v, src->quoted.nr);
	strvec_pushv(&dst->angled, src->angled.v, src->angled.nr);
	strvec_pushv(&dst->probed, src->probed.v, src->probed.nr);
	strbuf_add(&dst->calls, src->calls.buf, src->calls.len);
	strbuf_add(&dst->wraps, src->wraps.buf, src->wraps.len);
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
	strvec_push_len(close == '"' ? quoted : angled, p + 1, (size_t)(q - p - 1));
	return true;
}

static bool is_ident(char c, bool first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (!first && c >= '0' && c <= '9');
}

/* At p: a header name ("x" or <x>) and the ')' that closes the call;
 * sets *name and returns what follows, or NULL. */
static const char *header_name_arg(const char *p, const char *end, struct strbuf *name)
{
	char close = *p == '"' ? '"' : *p == '<' ? '>' : 0;
	const char *q;

	if (!close || p + 1 >= end || !(q = memchr(p + 1, close, (size_t)(end - p - 1))))
		return NULL;
	const char *after = skip_blanks(q + 1, end);
	if (after >= end || *after != ')')
		return NULL;
	strbuf_reset(name);
	strbuf_add(name, p + 1, (size_t)(q - p - 1));
	return after + 1;
}

/* Adds the line "a\tb\n" to list. */
static void add_pair(struct strbuf *list, const char *a, size_t al, const char *b, size_t bl)
{
	strbuf_add(list, a, al);
	strbuf_addch(list, '\t');
	strbuf_add(list, b, bl);
	strbuf_addch(list, '\n');
}

/* One logical directive line (continuations joined): its NAME(arg) calls. */
static void scan_directive_calls(const char *p, const char *end, struct include_scan *scan)
{
	struct strbuf name = STRBUF_INIT;
	const char *macro = NULL;
	size_t macro_len = 0;

	p = skip_blanks(p, end);
	if (end - p >= 6 && !memcmp(p, "define", 6) && p + 6 < end && !is_ident(p[6], false)) {
		const char *m = skip_blanks(p + 6, end), *e = m;
		while (e < end && is_ident(*e, e == m))
			e++;
		if (e > m && e < end && *e == '(') { /* function-like: no blank before '(' */
			macro = m;
			macro_len = (size_t)(e - m);
		} else if (e > m) {
			/* `#define HAS __has_include`: an alias */
			const char *b = skip_blanks(e, end), *be = b;
			while (be < end && is_ident(*be, be == b))
				be++;
			if (be > b && skip_blanks(be, end) == end)
				add_pair(&scan->wraps, m, (size_t)(e - m), b, (size_t)(be - b));
		}
	}
	while (p < end) {
		if (*p == '"' || *p == '\'') { /* a literal: no identifiers inside */
			const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));
			p = q ? q + 1 : end;
			continue;
		}
		if (!is_ident(*p, true)) {
			p++;
			continue;
		}
		const char *id = p;
		while (p < end && is_ident(*p, false))
			p++;
		size_t id_len = (size_t)(p - id);
		const char *open = skip_blanks(p, end);
		if (open >= end || *open != '(' || (id_len == 7 && !memcmp(id, "defined", 7)))
			continue; /* `defined` is an operator: never a wrapper */
		const char *arg = skip_blanks(open + 1, end), *after;
		if ((after = header_name_arg(arg, end, &name))) {
			add_pair(&scan->calls, id, id_len, name.buf, name.len);
			p = after;
		} else if (macro) {
			add_pair(&scan->wraps, macro, macro_len, id, id_len);
		} else {
			add_pair(&scan->calls, id, id_len, "", 0);
		}
	}
	strbuf_release(&name);
}

/* Every directive line, for resolve_probe_wrappers. */
static void scan_calls(const char *data, size_t len, struct include_scan *scan)
{
	const char *end = data + len;
	struct strbuf logical = STRBUF_INIT;

	for (const char *line = data; line < end;) {
		const char *p = skip_blanks(line, end), *nl;
		const char *after = p < end ? next_introducer(p, p + 2 < end ? p + 2 : end) : NULL;
		if (!after || (after != p + 1 && !(after == p + 2 && *p == '%'))) {
			nl = memchr(line, '\n', (size_t)(end - line));
			line = nl ? nl + 1 : end;
			continue;
		}
		nl = memchr(after, '\n', (size_t)(end - after));
		const char *eol = nl ? nl : end;
		if (eol == after || eol[-1] != '\\') {
			/* One physical line, the usual case: no copy. Only a
			 * call or a #define (an alias) matters. */
			const char *word = skip_blanks(after, eol);
			if (memchr(after, '(', (size_t)(eol - after)) ||
			    (eol - word >= 6 && !memcmp(word, "define", 6)))
				scan_directive_calls(after, eol, scan);
			line = nl ? nl + 1 : end;
			continue;
		}
		strbuf_reset(&logical);
		for (p = after;;) {
			nl = memchr(p, '\n', (size_t)(end - p));
			eol = nl ? nl : end;
			bool more = eol > p && eol[-1] == '\\';
			strbuf_add(&logical, p, (size_t)(eol - p) - more);
			p = nl ? nl + 1 : end;
			if (!more || !nl)
				break;
		}
		line = p;
		scan_directive_calls(logical.buf, logical.buf + logical.len, scan);
	}
	strbuf_release(&logical);
}

/* The next "a\tb\n" line of list at *pos: a = [*a, *tab), b = (tab, *nl). */
static bool next_pair(const struct strbuf *list, size_t *pos, const char **a, const char **tab,
		      const char **nl)
{
	if (*pos >= list->len)
		return false;
	*a = list->buf + *pos;
	*nl = memchr(*a, '\n', list->len - *pos);
	*tab = memchr(*a, '\t', (size_t)(*nl - *a));
	*pos = (size_t)(*nl - list->buf) + 1;
	return true;
}

int resolve_probe_wrappers(struct include_scan *scans, size_t n)
{
	struct strset wrappers = STRSET_INIT;
	const char *a, *tab, *nl;
	int ret = 0;
	bool grew = true;

	strset_add(&wrappers, "__has_include", 13);
	strset_add(&wrappers, "__has_include_next", 18);
	/* A macro that hands something else than a header name to a wrapper
	 * is one too (its parameter, or a name it builds). */
	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++)
			for (size_t pos = 0; next_pair(&scans[i].wraps, &pos, &a, &tab, &nl);)
				if (strset_contains(&wrappers, tab + 1, (size_t)(nl - tab - 1)) &&
				    strset_add(&wrappers, a, (size_t)(tab - a)))
					grew = true;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		struct include_scan *sc = &scans[i];
		for (size_t pos = 0; next_pair(&sc->calls, &pos, &a, &tab, &nl);) {
			if (!strset_contains(&wrappers, a, (size_t)(tab - a)))
				continue;
			if (nl == tab + 1) {
				ret = -1; /* HAS(NAME): the name is the preprocessor's */
				break;
			}
			char *name = xstrndup(tab + 1, (size_t)(nl - tab - 1));
			strvec_push(&sc->probed, name);
			free(name);
		}
	}
	strset_clear(&wrappers);
	return ret;
}

/* The length of a line splice at p: a backslash (or its trigraph "??/"),
 * blanks (gcc and clang accept them, with a warning) and a newline; or 0. */
static size_t splice_at(const char *p, const char *end)
{
	const char *q = p;

	if (*q == '\\')
		q++;
	else if (end - q >= 3 && q[0] == '?' && q[1] == '?' && q[2] == '/')
		q += 3;
	else
		return 0;
	while (q < end && (*q == ' ' || *q == '\t' || *q == '\f' || *q == '\v' || *q == '\r'))
		q++;
	return q < end && *q == '\n' ? (size_t)(q + 1 - p) : 0;
}

bool splice_lines(const char *data, size_t len, struct strbuf *out)
{
	const char *end = data + len, *copied = data;
	bool any = false;

	for (const char *p = data; p < end; p++) {
		size_t n = (*p == '\\' || *p == '?') ? splice_at(p, end) : 0;
		if (!n)
			continue;
		if (!any)
			strbuf_grow(out, len);
		any = true;
		strbuf_add(out, copied, (size_t)(p - copied));
		p += n - 1;
		copied = p + 1;
	}
	if (any)
		strbuf_add(out, copied, (size_t)(end - copied));
	return any;
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
	scan_calls(data, len, scan);
}

/* The candidate sets are built in a scratch buffer: no printf, no
 * allocation per path (a miss adds a few thousand of them). */
struct candidates {
	struct strset *set; /* the caller's */
	struct strbuf scratch;
};

/* Sets sb to where `name` is looked for from dir: dir/name, or name alone
 * when it is absolute or dir is the current directory (unless exactly). */
static void join_path(struct strbuf *sb, const char *dir, const char *name, const char *suffix,
		      bool exactly)
{
	strbuf_reset(sb);
	if (exactly || (name[0] != '/' && strcmp(dir, "."))) {
		strbuf_addstr(sb, dir);
		strbuf_addch(sb, '/');
	}
	strbuf_addstr(sb, name);
	strbuf_addstr(sb, suffix);
}

/* Adds dir/name exactly so. */
static void add_joined(struct candidates *cs, const char *dir, const char *name,
		       const char *suffix)
{
	join_path(&cs->scratch, dir, name, suffix, true);
	strset_add(cs->set, cs->scratch.buf, cs->scratch.len);
}

/* Adds where `name` is looked for from dir. */
static void add_path(struct candidates *cs, const char *dir, const char *name, const char *suffix)
{
	join_path(&cs->scratch, dir, name, suffix, false);
	strset_add(cs->set, cs->scratch.buf, cs->scratch.len);
}

/* Adds name in every directory the compiler did not search: it may hold
 * any header later. */
static void add_unsearched(struct candidates *cs, const struct search_dirs *d, const char *name,
			   const char *suffix, bool exactly)
{
	const struct strvec *lists[2] = { &d->missing, &d->skipped };

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->nr; i++) {
			join_path(&cs->scratch, lists[l]->v[i], name, suffix, exactly);
			strset_add(cs->set, cs->scratch.buf, cs->scratch.len);
		}
}

static void candidates_release(struct candidates *cs)
{
	strbuf_release(&cs->scratch);
}

void shadow_candidates(const struct search_dirs *d, char *const *inputs,
		       const struct include_scan *scans, size_t nr_inputs,
		       char *const *forced, size_t nr_forced, struct strset *out)
{
	struct candidates cs = { out, STRBUF_INIT };
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
			add_unsearched(&cs, d, rel, "", true);
			for (size_t e = 0; e < c; e++)
				if (strcmp(d->chain.v[e], d->chain.v[c]))
					add_joined(&cs, d->chain.v[e], rel, "");
		}
	}
	for (size_t f = 0; f < nr_forced; f++)
		strset_add(cs.set, forced[f], strlen(forced[f]));
	for (const char *dir = NULL; (dir = strset_next(&includer_dirs, dir));)
		for (const char *rel = NULL; (rel = strset_next(&rels, rel));)
			add_path(&cs, dir, rel, "");

	for (size_t i = 0; i < nr_inputs; i++) {
		char *dir = path_dirname(inputs[i]);
		/* #include "name" looks beside the includer first. */
		for (size_t n = 0; n < scans[i].quoted.nr; n++)
			add_path(&cs, dir, scans[i].quoted.v[n], "");
		free(dir);
	}
	candidates_release(&cs);
	strset_clear(&rels);
	strset_clear(&includer_dirs);
}

/* Is every input (after the source) a name some file includes: <dir>/name
 * for a search dir, or a quoted name beside its includer? */
static bool inputs_all_named(const struct search_dirs *d, char *const *inputs,
			     const struct include_scan *scans, size_t nr_inputs)
{
	struct strset names = STRSET_INIT;
	struct strbuf beside = STRBUF_INIT;
	bool all = true;

	for (size_t i = 0; i < nr_inputs; i++) {
		char *dir = path_dirname(inputs[i]);
		const struct strvec *lists[2] = { &scans[i].quoted, &scans[i].angled };
		for (int l = 0; l < 2; l++)
			for (size_t n = 0; n < lists[l]->nr; n++) {
				const char *name = lists[l]->v[n];
				strset_add(&names, name, strlen(name));
				if (l == 1)
					continue;
				join_path(&beside, dir, name, "", false);
				const char *clean = path_skip_dot_slash(beside.buf);
				strset_add(&names, clean, strlen(clean));
			}
		free(dir);
	}
	for (size_t i = 1; i < nr_inputs && all; i++) {
		const char *clean = path_skip_dot_slash(inputs[i]);
		bool named = strset_contains(&names, clean, strlen(clean));
		for (size_t c = 0; c < d->chain.nr && !named; c++) {
			const char *rel = under_dir(inputs[i], d->chain.v[c]);
			named = rel && strset_contains(&names, rel, strlen(rel));
		}
		all = named;
	}
	strset_clear(&names);
	strbuf_release(&beside);
	return all;
}

void unexplained_names(const struct search_dirs *d, char *const *inputs,
			const struct include_scan *scans, size_t nr_inputs, struct strvec *out)
{
	struct strbuf place = STRBUF_INIT;
	struct strset rels = STRSET_INIT, have = STRSET_INIT, asked = STRSET_INIT;

	/* The usual case, and then no name was read under another one (a
	 * header read through a symlinked name is listed by its target, which
	 * is no name of an include: gcc's -fcanonical-system-headers). */
	if (inputs_all_named(d, inputs, scans, nr_inputs))
		goto out;
	for (size_t i = 0; i < nr_inputs; i++) {
		const char *clean = path_skip_dot_slash(inputs[i]);
		strset_add(&have, clean, strlen(clean));
		for (size_t c = 0; c < d->chain.nr; c++) {
			const char *rel = under_dir(inputs[i], d->chain.v[c]);
			if (rel)
				strset_add(&rels, rel, strlen(rel));
		}
	}
	for (size_t i = 0; i < nr_inputs; i++) {
		char *dir = path_dirname(inputs[i]);
		const struct strvec *lists[2] = { &scans[i].quoted, &scans[i].angled };
		for (int l = 0; l < 2; l++) {
			for (size_t n = 0; n < lists[l]->nr; n++) {
				const char *name = lists[l]->v[n];
				const char *clean;
				if (name[0] != '/' && strset_contains(&rels, name, strlen(name)))
					continue;
				/* The question, once: where a quoted name is looked
				 * for depends on its includer's directory. */
				strbuf_reset(&place);
				if (l == 0)
					strbuf_addf(&place, "%s/", dir);
				strbuf_addf(&place, "\n%s", name);
				if (!strset_add(&asked, place.buf, place.len))
					continue;
				if (l == 0 || name[0] == '/') {
					join_path(&place, dir, name, "", false);
					clean = path_skip_dot_slash(place.buf);
					if (strset_contains(&have, clean, strlen(clean)))
						continue;
					strvec_push(out, place.buf);
				}
				for (size_t c = 0; c < d->chain.nr && name[0] != '/'; c++) {
					join_path(&place, d->chain.v[c], name, "", false);
					strvec_push(out, place.buf);
				}
				strvec_push(out, "");
			}
		}
		free(dir);
	}
out:
	strbuf_release(&place);
	strset_clear(&asked);
	strset_clear(&have);
	strset_clear(&rels);
}

long unexplained_input(const struct search_dirs *d, char *const *inputs,
		       const struct include_scan *scans, size_t nr_inputs, char *const *forced,
		       size_t nr_forced)
{
	struct strset named_set = STRSET_INIT;
	struct candidates named = { &named_set, STRBUF_INIT };
	struct strset dirs = STRSET_INIT;
	long found = -1;

	for (size_t c = 0; c < d->chain.nr; c++) {
		const char *clean = path_skip_dot_slash(d->chain.v[c]);
		size_t len = strlen(clean);
		while (len > 1 && clean[len - 1] == '/')
			len--;
		strset_add(&dirs, clean, len);
	}
	/* The names a quoted include or a probe gives, beside its file; a file
	 * whose includes are computed may reach anything below its own. */
	for (size_t i = 0; i < nr_inputs; i++) {
		char *dir = path_dirname(inputs[i]);
		const struct strvec *lists[2] = { &scans[i].quoted, &scans[i].probed };
		for (int l = 0; l < 2; l++)
			for (size_t n = 0; n < lists[l]->nr; n++)
				add_path(&named, dir, lists[l]->v[n], "");
		for (size_t n = 0; n < scans[i].angled.nr; n++)
			if (scans[i].angled.v[n][0] == '/')
				strset_add(named.set, scans[i].angled.v[n], strlen(scans[i].angled.v[n]));
		if (scans[i].computed) {
			const char *clean = path_skip_dot_slash(dir);
			strset_add(&dirs, clean, strlen(clean));
		}
		free(dir);
	}
	for (size_t f = 0; f < nr_forced; f++)
		strset_add(named.set, forced[f], strlen(forced[f]));
	for (size_t i = 1; i < nr_inputs && found < 0; i++) {
		const char *p = path_skip_dot_slash(inputs[i]);
		size_t len = strlen(p);
		bool ok = strset_contains(named.set, inputs[i], strlen(inputs[i])) ||
			  strset_contains(named.set, p, len) ||
			  (p[0] != '/' && strset_contains(&dirs, "", 0));
		/* Below a search directory: any of its ancestors is one. */
		while (!ok && len > 0) {
			while (len > 0 && p[len - 1] != '/')
				len--;
			while (len > 1 && p[len - 1] == '/')
				len--;
			if (len == 0)
				break;
			ok = strset_contains(&dirs, p, len);
			if (len == 1)
				break; /* "/" */
		}
		if (!ok)
			found = (long)i;
	}
	strset_clear(&dirs);
	strset_clear(&named_set);
	strbuf_release(&named.scratch);
	return found;
}

void probe_candidates(const struct search_dirs *d, char *const *inputs,
		      const struct include_scan *scans, size_t nr_inputs, struct strset *out)
{
	struct candidates cs = { out, STRBUF_INIT };

	for (size_t i = 0; i < nr_inputs; i++) {
		if (!scans[i].probed.nr)
			continue;
		char *dir = path_dirname(inputs[i]);
		for (size_t n = 0; n < scans[i].probed.nr; n++) {
			const char *name = scans[i].probed.v[n];
			add_path(&cs, dir, name, "");
			for (size_t c = 0; c < d->chain.nr; c++)
				add_path(&cs, d->chain.v[c], name, "");
			add_unsearched(&cs, d, name, "", false);
		}
		free(dir);
	}
	candidates_release(&cs);
}

void pch_candidates(const struct search_dirs *d, const char *source,
		    const struct include_scan *source_scan, char *const *forced, size_t nr_forced,
		    struct strset *out)
{
	char *source_dir = path_dirname(source);
	struct candidates cs = { out, STRBUF_INIT };
	const struct strvec *lists[2] = { &source_scan->quoted, &source_scan->angled };

	for (size_t f = 0; f < nr_forced; f++) {
		/* -include looks in the current directory first. */
		strbuf_reset(&cs.scratch);
		strbuf_addf(&cs.scratch, "%s.gch", forced[f]);
		strset_add(cs.set, cs.scratch.buf, cs.scratch.len);
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
			add_unsearched(&cs, d, name, ".gch", false);
		}
	}
	candidates_release(&cs);
	free(source_dir);
}
