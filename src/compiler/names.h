/*
 * names.h - which program names are compilers zccache knows: a masquerade
 * symlink's name, or the first word after `zccache`. Its own module so that
 * the small client, which links no compiler family, can tell too.
 */
#ifndef ZC_NAMES_H
#define ZC_NAMES_H

#include "../util/compat.h"

/* Whether a program name is one zccache can masquerade as: gcc, g++, cc,
 * c++, clang, clang++, with an optional target prefix and version suffix
 * ("x86_64-linux-gnu-gcc-12"). */
bool is_compiler_name(const char *name);

#endif
