/*
 * rspfile.h - @file response files, as gcc/clang (libiberty) read them.
 *
 * Expansion is for analysis only: the compiler is always run with the argv
 * the user gave. Arguments are separated by white space; single and double
 * quotes group, a backslash escapes the next character. Nested @files are
 * expanded too (relative to the current directory), to a bounded depth.
 */
#ifndef ZC_RSPFILE_H
#define ZC_RSPFILE_H

#include "../util/compat.h"
#include "../util/strbuf.h"

/* Appends argv[0..argc) to out with every @file expanded. Returns -1 when a
 * response file cannot be read (the caller decides what that means). */
int expand_response_files(char *const *argv, size_t argc, struct strvec *out);

/* Splits the text of one response file into arguments. Returns -1 when it
 * ends in a backslash that escapes nothing: gcc drops it, clang keeps it. */
int split_response_text(const char *text, struct strvec *out);

#endif
