/*
 * includes.h - what include resolution depended on, for C-preprocessor
 * families (gcc, clang, emcc).
 *
 * A compile read the headers its dependency list names. It also depended on
 * files NOT existing: `#include "x.h"` found in the second -I directory
 * means x.h was absent from the first. ccache's direct mode forgets this, so
 * a header created later in an earlier directory gives a stale hit. Here the
 * manifest records those would-be-shadowing paths, and a lookup only hits
 * while every one of them is still absent.
 *
 * The candidates are a superset, never a subset, of what the compiler probed:
 * for a header found as <dir>/<rel> through a search directory, every
 * directory searched before <dir> combined with <rel>; for each `#include
 * "name"` in a file, the file's own directory combined with name (searched
 * first); for each __has_include(name), every place name could be found
 * (probe_candidates), including names probed through macros that wrap
 * __has_include. A directory the compiler did not search (missing, or
 * skipped) may hold any header later. A file whose includes are computed (`#include MACRO`) may
 * include anything with quotes: its directory is combined with every header's
 * <rel>.
 */
#ifndef ZC_INCLUDES_H
#define ZC_INCLUDES_H

#include "../util/compat.h"
#include "../util/strbuf.h"
#include "../util/strset.h"

struct search_dirs {
	struct strvec chain;   /* in search order: quote-only dirs, then <...> dirs */
	struct strvec missing; /* dirs the compiler skipped as nonexistent */
	/* Dirs the user named that are in neither list: duplicates of a
	 * searched dir under another name (b -> a), or no directory (gcc: "not
	 * a directory"). Either may become a directory of its own later. */
	struct strvec skipped;
};
#define SEARCH_DIRS_INIT { STRVEC_INIT, STRVEC_INIT, STRVEC_INIT }

void search_dirs_release(struct search_dirs *d);

/* Parses the "#include ... search starts here:" block of `cc -E -v`. */
int parse_cpp_search_output(const char *text, struct search_dirs *d);

/* Puts the given include dirs (the -I, -isystem... of the command line)
 * that d names neither as searched nor as missing on d->skipped. The
 * compilers do not say which name of a duplicate they dropped (clang names
 * the one it kept). */
void search_dirs_add_skipped(struct search_dirs *d, char *const *given, size_t nr_given);

/* Serialisation for the cache of queries (one dir per line). */
void search_dirs_serialize(const struct search_dirs *d, struct strbuf *out);
int search_dirs_deserialize(const char *text, size_t len, struct search_dirs *d);

/* What one input file says about its includes (see scan_includes). */
struct include_scan {
	struct strvec quoted;  /* names of #include "name" */
	struct strvec angled;  /* names of #include <name> */
	struct strvec probed;  /* names of __has_include("name") / (<name>) */
	bool computed;         /* an #include whose name is a macro */
	unsigned facts;        /* the family's bits: what else the content uses */
	/* For macros that wrap __has_include (resolve_probe_wrappers), one
	 * line each: every NAME(arg) on a directive line, as "NAME\tname" when
	 * arg is a header name ("x" or <x>) and "NAME\t" when it is anything
	 * else; and "MACRO\tNAME" when the body of function-like MACRO calls
	 * NAME with anything but a header name (its parameter, say), or when
	 * object-like MACRO is NAME. One buffer each: a scan is copied per
	 * compile. */
	struct strbuf calls;
	struct strbuf wraps;
};
#define INCLUDE_SCAN_INIT \
	{ STRVEC_INIT, STRVEC_INIT, STRVEC_INIT, false, 0, STRBUF_INIT, STRBUF_INIT }

void include_scan_release(struct include_scan *s);
void include_scan_copy(struct include_scan *dst, const struct include_scan *src);
/* Appends data to out without its line splices (backslash-newline): the
 * preprocessor removes them before it reads anything, even inside a word.
 * Returns false, and leaves out alone, when there are none. */
bool splice_lines(const char *data, size_t len, struct strbuf *out);
/* Reads the include directives of a C/C++ source or header. */
void scan_includes(const char *data, size_t len, struct include_scan *scan);

/*
 * Finds the header names that macros wrapping __has_include (as in
 * `#define HAS(x) __has_include(x)` ... `#if HAS(<opt.h>)`) probe, in any
 * of the n scans of one compile, and adds each to the probed names of the
 * file that calls it. Returns -1 when a probe's name is not written out
 * (`__has_include(NAME)`, `HAS(NAME)`): only the preprocessor knows it.
 */
int resolve_probe_wrappers(struct include_scan *scans, size_t n);

/*
 * Appends to out every path whose appearance could change how the headers
 * in inputs (in the order the compiler read them; inputs[0] is the source)
 * were resolved; scans[i] is what inputs[i] says; forced are the names of
 * -include/-imacros files (looked for in the current directory first).
 * Added to the set out: no duplicates, in a deterministic order.
 */
void shadow_candidates(const struct search_dirs *d, char *const *inputs,
		       const struct include_scan *scans, size_t nr_inputs,
		       char *const *forced, size_t nr_forced, struct strset *out);

/*
 * The index of the first input (from 1) that no search directory, no file's
 * own directory (a quoted include) and no whole name (`#include "/abs"`, a
 * forced include) accounts for, or -1. gcc writes a system header's
 * resolved path in its dependency list when that is shorter
 * (-fcanonical-system-headers, on by default in Debian): what would be
 * recorded is then not the name gcc looked up (a symlink re-pointed later
 * goes unseen) and no shadowing candidate can be made for it.
 */
long unexplained_input(const struct search_dirs *d, char *const *inputs,
		       const struct include_scan *scans, size_t nr_inputs, char *const *forced,
		       size_t nr_forced);

/*
 * The include names of the compile's files that no input accounts for: no
 * input is <search dir>/name, nor (for a quoted include) beside its file.
 * Most were skipped by an #if; some were read under another name than the
 * dependency list gives: gcc writes a system header's resolved path, so a
 * symlinked header file (Debian's ncursesw/term.h -> ../term.h) is listed
 * as its target. For each such name, the places the compiler looks for it,
 * in search order, are appended to out, followed by an empty string. The
 * caller finds which place is an input under another name: that place is
 * the name the compiler used. When every input is a name some file
 * includes (the usual case), nothing was read under another name: out
 * stays as it is.
 */
void unexplained_names(const struct search_dirs *d, char *const *inputs,
		       const struct include_scan *scans, size_t nr_inputs, struct strvec *out);

/*
 * Where each __has_include(name) of inputs could have found name: beside
 * its file, and in every search directory. gcc's dependency list does not
 * name a file a __has_include found, so the caller records those that
 * exist as inputs (their disappearance changes the answer) and requires
 * the others to stay absent.
 */
void probe_candidates(const struct search_dirs *d, char *const *inputs,
		      const struct include_scan *scans, size_t nr_inputs, struct strset *out);

/*
 * Precompiled headers gcc would use instead of a header: "<dir>/<name>.gch"
 * for every name the source includes directly (or is forced to include,
 * -include) and every directory searched for it. gcc's dependency file does
 * not mention a precompiled header it used, so the caller hashes those that
 * exist and requires the others to stay absent.
 */
void pch_candidates(const struct search_dirs *d, const char *source,
		    const struct include_scan *source_scan, char *const *forced, size_t nr_forced,
		    struct strset *out);

#endif
