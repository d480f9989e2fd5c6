/* names.c - the program names zccache answers to (see names.h). */
#include "../util/compat.h"
#include "names.h"

#include <ctype.h>
#include <string.h>

/* Names zccache answers to as a masquerade symlink, with an optional
 * version suffix ("gcc-12", "clang++-14"). */
static const char *const known_compilers[] = { "gcc", "g++", "cc", "c++", "clang", "clang++" };

/* Strips "-<version>" and a target prefix ("x86_64-linux-gnu-gcc-12"). */
static bool name_matches(const char *name, const char *compiler)
{
	size_t n = strlen(name), c = strlen(compiler);

	for (size_t start = 0; start + c <= n; start++) {
		if (start && name[start - 1] != '-')
			continue;
		if (strncmp(name + start, compiler, c))
			continue;
		const char *rest = name + start + c;
		if (!*rest)
			return true;
		if (*rest == '-' && isdigit((unsigned char)rest[1])) {
			bool ok = true;
			for (const char *p = rest + 1; *p; p++)
				if (!isdigit((unsigned char)*p) && *p != '.')
					ok = false;
			if (ok)
				return true;
		}
	}
	return false;
}

bool is_compiler_name(const char *name)
{
	for (size_t i = 0; i < ZC_ARRAY_SIZE(known_compilers); i++)
		if (name_matches(name, known_compilers[i]))
			return true;
	return false;
}
