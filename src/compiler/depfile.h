/*
 * depfile.h - Make-style dependency files, as gcc, clang (and later rustc
 * and emcc) write them.
 *
 * The grammar is Make's: "target...: prerequisite..." with backslash-newline
 * continuations, "\ " for a space in a name, "$$" for '$' and "\#" for '#'.
 * Only the first rule carries prerequisites (-MP adds empty phony rules).
 */
#ifndef ZC_DEPFILE_H
#define ZC_DEPFILE_H

#include "../util/compat.h"
#include "../util/strbuf.h"

/* Appends the prerequisites of the first rule of text to out. Returns -1 on
 * text that is not a dependency rule. */
int depfile_prerequisites(const char *text, size_t len, struct strvec *out);

/* Escapes a path the way the compilers write a target. */
void depfile_escape_target(const char *path, struct strbuf *out);

/* How a compiler wraps the prerequisites of its rule: by column, so the
 * length of the target moves every line break after it. */
enum depfile_wrap {
	DEPFILE_WRAP_GCC,   /* a break when a name would pass column 72 */
	DEPFILE_WRAP_CLANG, /* a break when a name would pass column 75 */
};

/*
 * Rewrites a dependency file that was written for old_target (one target)
 * into what the compiler writes for new_target: the target replaced, and
 * the first rule's prerequisites wrapped again the compiler's way; what
 * follows the rule (-MP's phony rules) is kept. Returns -1 when the text
 * does not start with old_target (the caller then treats the entry as
 * unusable rather than deliver a wrong file).
 */
int depfile_retarget(const char *text, size_t len, const char *old_target,
		     const char *new_target, enum depfile_wrap wrap, struct strbuf *out);

#endif
