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

#endif
