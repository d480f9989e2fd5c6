/*
 * gcc.c - the gcc and clang family: gcc, g++, cc, c++, clang, clang++ and
 * their versioned names. Both drivers share one option grammar; where they
 * differ (colour flag, diagnostics file) the family says so.
 *
 * The option table lists every option whose handling is not "hash it as it
 * is": options that take a separate argument (so the argument is not taken
 * for a source), that name outputs, that shape include search, or that make
 * the compile uncacheable. It is sorted for bsearch (a unit test checks).
 */
#include "../util/compat.h"
#include "compiler.h"
#include "gcc.h"
#include "includes.h"
#include "../util/fs.h"
#include "../util/log.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const struct gcc_option gcc_options[] = {
	{ "--config", TAKES_ARG | TOO_HARD },
	{ "--coverage", 0 },
	{ "--gcc-toolchain=", JOINED | SEARCH },
	{ "--help", NOT_COMPILE },
	{ "--param", TAKES_ARG },
	{ "--serialize-diagnostics", TAKES_ARG },
	{ "--sysroot", TAKES_ARG | JOINED | SEARCH },
	{ "--target", JOINED | SEARCH },
	{ "--version", NOT_COMPILE },
	{ "-A", TAKES_ARG | JOINED },
	{ "-B", TAKES_ARG | JOINED | SEARCH | TOO_HARD },
	{ "-D", TAKES_ARG | JOINED },
	{ "-E", 0 },
	{ "-F", TAKES_ARG | JOINED | SEARCH },
	{ "-G", TAKES_ARG | JOINED },
	{ "-I", TAKES_ARG | JOINED | SEARCH },
	{ "-L", TAKES_ARG | JOINED | LINK_ONLY },
	{ "-M", 0 },
	{ "-MD", 0 },
	{ "-MF", TAKES_ARG | JOINED },
	{ "-MJ", TAKES_ARG | JOINED | TOO_HARD },
	{ "-MM", 0 },
	{ "-MMD", 0 },
	{ "-MQ", TAKES_ARG | JOINED },
	{ "-MT", TAKES_ARG | JOINED },
	{ "-P", 0 },
	{ "-S", 0 },
	{ "-T", TAKES_ARG | JOINED | LINK_ONLY },
	{ "-U", TAKES_ARG | JOINED },
	{ "-V", TAKES_ARG | JOINED | TOO_HARD },
	{ "-Xassembler", TAKES_ARG },
	{ "-Xclang", TAKES_ARG },
	{ "-Xlinker", TAKES_ARG | LINK_ONLY },
	{ "-Xpreprocessor", TAKES_ARG | TOO_HARD },
	{ "-ansi", 0 },
	{ "-arch", TAKES_ARG | SEARCH },
	{ "-aux-info", TAKES_ARG | TOO_HARD },
	{ "-b", TAKES_ARG | SEARCH },
	{ "-c", 0 },
	{ "-dumpbase", TAKES_ARG | TOO_HARD },
	{ "-dumpbase-ext", TAKES_ARG | TOO_HARD },
	{ "-dumpdir", TAKES_ARG | TOO_HARD },
	{ "-dumpmachine", NOT_COMPILE },
	{ "-dumpspecs", NOT_COMPILE },
	{ "-dumpversion", NOT_COMPILE },
	{ "-e", TAKES_ARG | LINK_ONLY },
	{ "-fmodules", TOO_HARD },
	{ "-fmodules-ts", TOO_HARD },
	{ "-fplugin=", JOINED | TOO_HARD },
	{ "-gcc-toolchain", TAKES_ARG | SEARCH },
	{ "-idirafter", TAKES_ARG | JOINED | SEARCH },
	{ "-iframework", TAKES_ARG | JOINED | SEARCH },
	{ "-imacros", TAKES_ARG | JOINED },
	{ "-imultilib", TAKES_ARG | JOINED | SEARCH },
	{ "-include", TAKES_ARG | JOINED },
	{ "-include-pch", TAKES_ARG },
	{ "-iprefix", TAKES_ARG | JOINED | TOO_HARD },
	{ "-iquote", TAKES_ARG | JOINED | SEARCH },
	{ "-isysroot", TAKES_ARG | JOINED | SEARCH },
	{ "-isystem", TAKES_ARG | JOINED | SEARCH },
	{ "-ivfsoverlay", TAKES_ARG | TOO_HARD },
	{ "-iwithprefix", TAKES_ARG | JOINED | TOO_HARD },
	{ "-iwithprefixbefore", TAKES_ARG | JOINED | TOO_HARD },
	{ "-l", TAKES_ARG | JOINED | LINK_ONLY },
	{ "-nostdinc", SEARCH },
	{ "-nostdinc++", SEARCH },
	{ "-nostdlibinc", SEARCH },
	{ "-o", TAKES_ARG | JOINED },
	{ "-print-file-name=", JOINED | NOT_COMPILE },
	{ "-print-libgcc-file-name", NOT_COMPILE },
	{ "-print-prog-name=", JOINED | NOT_COMPILE },
	{ "-print-search-dirs", NOT_COMPILE },
	{ "-specs", TAKES_ARG | JOINED | TOO_HARD },
	{ "-stdlib=", JOINED | SEARCH },
	{ "-target", TAKES_ARG | SEARCH },
	{ "-u", TAKES_ARG | JOINED | LINK_ONLY },
	{ "-undef", 0 },
	{ "-v", NOT_COMPILE },
	{ "-x", TAKES_ARG | JOINED },
	{ "-z", TAKES_ARG | LINK_ONLY },
};
const size_t gcc_options_nr = ZC_ARRAY_SIZE(gcc_options);

static int cmp_option(const void *key, const void *elem)
{
	return strcmp(key, ((const struct gcc_option *)elem)->name);
}

/* The first option of the table whose name sorts at or after arg's first
 * two characters: the options that could be a prefix of arg begin there. */
static size_t first_sharing_two(const char *arg)
{
	size_t lo = 0, hi = gcc_options_nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strncmp(gcc_options[mid].name, arg, 2) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct gcc_option *gcc_find_option(const char *arg, const char **joined_value)
{
	const struct gcc_option *o, *best = NULL;

	*joined_value = NULL;
	o = bsearch(arg, gcc_options, gcc_options_nr, sizeof(*o), cmp_option);
	if (o)
		return o;
	/* The longest option that arg starts with and that takes joined
	 * values. Every name is two characters or more, so it shares arg's
	 * first two: a run of the sorted table (a hit asks this for every
	 * -W and -f of a command line). */
	for (size_t i = first_sharing_two(arg);
	     i < gcc_options_nr && !strncmp(gcc_options[i].name, arg, 2); i++) {
		size_t n = strlen(gcc_options[i].name);
		if (!(gcc_options[i].flags & JOINED) || strncmp(arg, gcc_options[i].name, n))
			continue;
		if (!best || n > strlen(best->name))
			best = &gcc_options[i];
	}
	if (best) {
		const char *v = arg + strlen(best->name);
		/* "--sysroot=/x": the '=' belongs to the syntax, not the value. */
		if (*v == '=' && best->name[strlen(best->name) - 1] != '=')
			v++;
		*joined_value = v;
	}
	return best;
}

/* Source languages by file name suffix. */
static const struct {
	const char *suffix;
	const char *language;
} suffix_languages[] = {
	{ ".c", "c" },         { ".cc", "c++" },     { ".cp", "c++" },    { ".cxx", "c++" },
	{ ".cpp", "c++" },     { ".CPP", "c++" },    { ".c++", "c++" },   { ".C", "c++" },
	{ ".S", "assembler-with-cpp" },              { ".sx", "assembler-with-cpp" },
	{ ".s", "assembler" }, { ".i", "cpp-output" }, { ".ii", "c++-cpp-output" },
	{ ".h", "c-header" },  { ".hh", "c++-header" }, { ".H", "c++-header" },
	{ ".hp", "c++-header" }, { ".hxx", "c++-header" }, { ".hpp", "c++-header" },
	{ ".HPP", "c++-header" }, { ".h++", "c++-header" }, { ".tcc", "c++-header" },
	{ ".m", "objective-c" }, { ".mm", "objective-c++" }, { ".M", "objective-c++" },
	{ ".cu", "cuda" },
};

static const char *language_of_file(const char *path)
{
	const char *dot = strrchr(path_basename(path), '.');

	if (!dot)
		return NULL;
	for (size_t i = 0; i < ZC_ARRAY_SIZE(suffix_languages); i++)
		if (!strcmp(dot, suffix_languages[i].suffix))
			return suffix_languages[i].language;
	return NULL;
}

static const char *const cacheable_languages[] = { "c", "c++", "assembler-with-cpp" };
static const char *const header_languages[] = { "c-header", "c++-header",
						"objective-c-header", "objective-c++-header" };

static const char *in_list(const char *lang, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(lang, list[i]))
			return list[i];
	return NULL;
}

/* Environment variables that gcc and clang read while compiling. */
static const char *const hashed_env[] = {
	"CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH", "OBJC_INCLUDE_PATH",
	"SOURCE_DATE_EPOCH", "GCC_EXEC_PREFIX", "COMPILER_PATH", "GCC_COMPARE_DEBUG",
	"LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LANGUAGE", "GCC_COLORS",
	"GCC_URLS", "TERM_URLS", "COLUMNS", "GCC_EXTRA_DIAGNOSTIC_OUTPUT",
	"MACOSX_DEPLOYMENT_TARGET", "SDKROOT",
};
/* Variables that make the compiler write or read files we cannot follow. */
static const char *const unsupported_env[] = {
	"DEPENDENCIES_OUTPUT", "SUNPRO_DEPENDENCIES", "CCC_OVERRIDE_OPTIONS",
	/* clang: extra output on stderr or in files */
	"CC_PRINT_HEADERS", "CC_PRINT_OPTIONS", "CC_LOG_DIAGNOSTICS", "CC_PRINT_PROC_STAT",
	"CC_PRINT_HEADERS_FILE", "CC_PRINT_OPTIONS_FILE", "CC_LOG_DIAGNOSTICS_FILE",
	"CC_PRINT_PROC_STAT_FILE",
};

/* "dir/name.ext" -> "dir/name" (the stem auxiliary outputs are named by). */
static char *output_stem(const char *path)
{
	const char *base = path_basename(path);
	const char *dot = strrchr(base, '.');

	return dot && dot != base ? xstrndup(path, (size_t)(dot - path)) : xstrdup(path);
}

/* State of one pass over the arguments. */
struct parse {
	struct invocation *inv;
	bool is_clang;
	bool compile_only, assemble_only, preprocess_only, dep_only;
	bool md, mmd, split_dwarf, coverage, profile_arcs, stack_usage, debug_info;
	bool seen_mt, seen_sdate;
	bool relative_system_dir; /* -isystem and friends not given absolute */
	bool absolute_diagnostics; /* clang names files by absolute path */
	bool cxx_driver;           /* g++, c++, clang++: a .c file is C++ */
	struct strbuf macros;     /* the -D values, a line each: scanned like a file */
	const char *output, *depfile, *diagnostics, *xlang, *source_lang;
	int nr_sources;
	struct strvec prefix_maps; /* "old=new" of debug/file prefix maps */
};

static void uncacheable(struct parse *p, enum counter reason)
{
	if (!p->inv->uncacheable)
		p->inv->uncacheable = reason;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Does the option name an existing file after '=' (a file it reads that
 * nothing else follows)? */
static bool names_a_file(const char *a)
{
	const char *eq = strchr(a, '=');
	struct stat st;

	return eq && eq[1] && stat(eq + 1, &st) == 0 && S_ISREG(st.st_mode) &&
	       !starts_with(a, "-fdebug-prefix-map=") && !starts_with(a, "-ffile-prefix-map=") &&
	       !starts_with(a, "-fmacro-prefix-map=");
}

/* Options the table does not know: hash them, unless they may name a file
 * we cannot follow (an existing file after '='). */
static void unknown_option(struct parse *p, const char *a)
{
	/* gcc's long spellings (--include-directory= is -I, --prefix= is -B,
	 * --specs= is -specs, ...) name files and directories in ways of their
	 * own: none is followed. */
	if (starts_with(a, "--") || names_a_file(a))
		uncacheable(p, STAT_UNC_UNSUPPORTED_OPTION);
	strvec_push(&p->inv->key_args, a);
}

/* gcc's -d<letters>: all but the preprocessor's (D, I, M, N, U) and the
 * assembly annotations (A, p, P) write dump files next to the output. */
static bool writes_dumps(const char *a)
{
	if (a[0] != '-' || a[1] != 'd' || !a[2] || starts_with(a, "-dump"))
		return false;
	for (const char *c = a + 2; *c; c++)
		if (!strchr("DIMNUApP", *c))
			return true;
	return false;
}

/* The CPU model and feature flags that -march=native resolves from. */
static void add_native_cpu(struct invocation *inv)
{
	struct strbuf info = STRBUF_INIT;
	static const char *const fields[] = { "vendor_id", "model name", "flags" };

	if (read_file("/proc/cpuinfo", &info, 1 << 20) < 0) {
		strvec_push(&inv->key_args, "native-cpu=unknown");
		goto out;
	}
	for (size_t i = 0; i < ZC_ARRAY_SIZE(fields); i++) {
		const char *line = strstr(info.buf, fields[i]);
		if (line)
			strvec_pushf(&inv->key_args, "native-cpu:%.*s", (int)strcspn(line, "\n"), line);
	}
out:
	strbuf_release(&info);
}

/* One pass over the environment for both lists (a hit pays for it): the
 * first value of each hashed variable, in hashed_env's order. */
static void hash_environment(struct parse *p)
{
	struct invocation *inv = p->inv;
	const char *value[ZC_ARRAY_SIZE(hashed_env)] = { NULL };

	for (size_t e = 0; e < inv->env.nr; e++) {
		const char *var = inv->env.v[e];
		size_t len = strcspn(var, "=");
		if (!var[len])
			continue;
		for (size_t i = 0; i < ZC_ARRAY_SIZE(unsupported_env); i++)
			if (!strncmp(var, unsupported_env[i], len) && !unsupported_env[i][len])
				uncacheable(p, STAT_UNC_UNSUPPORTED_ENVIRONMENT);
		for (size_t i = 0; i < ZC_ARRAY_SIZE(hashed_env); i++)
			if (!value[i] && !strncmp(var, hashed_env[i], len) && !hashed_env[i][len])
				value[i] = var + len + 1;
	}
	for (size_t i = 0; i < ZC_ARRAY_SIZE(hashed_env); i++)
		if (value[i])
			strvec_pushf(&inv->key_env, "%s=%s", hashed_env[i], value[i]);
}

/* Options handled by name: flags that are not arguments-with-values. */
static bool handle_flag(struct parse *p, const char *a)
{
	struct invocation *inv = p->inv;

	/* The -W forms first: a command line is mostly warnings, and none of
	 * the other forms below begins with -W. */
	if (starts_with(a, "-Wp,")) {
		/* The kernel's -Wp,-MD,file: a depfile we would have to track;
		 * -Wp,-I..., -Wp,-include,...: a search the query does not see;
		 * -Wp,@file: options cc1 reads from a file. */
		if (strstr(a, ",-M") || strstr(a, ",-I") || strstr(a, ",-i") ||
		    strstr(a, ",-nostdinc") || strstr(a, ",@"))
			uncacheable(p, STAT_UNC_UNSUPPORTED_OPTION);
	} else if (starts_with(a, "-Wa,")) {
		/* Assembler listings (-Wa,-adhln=file) and dependency lists
		 * (-Wa,--MD,file) are outputs we do not know; -Wa,@file reads
		 * options from a file. */
		if (strstr(a, ",-a") || strchr(a, '=') || strstr(a, "MD") || strstr(a, ",@"))
			uncacheable(p, STAT_UNC_UNSUPPORTED_OPTION);
		/* -Wa,-g, -Wa,--gdwarf-5: the assembler records the cwd. */
		if (strstr(a, ",-g") || strstr(a, ",--g"))
			p->debug_info = true;
	} else if (starts_with(a, "-Wl,")) {
		return true; /* linker only: not in the key */
	} else if (starts_with(a, "-W")) {
		if (!strstr(a, "missing-include-dirs"))
			return false; /* a plain warning */
		/* -Wno-error=... still warns: only this one turns it off. */
		inv->dirs_warned = strcmp(a, "-Wno-missing-include-dirs") != 0;
	} else if (!strcmp(a, "-c")) {
		p->compile_only = true;
	} else if (!strcmp(a, "-S"))
		p->assemble_only = true;
	else if (!strcmp(a, "-E"))
		p->preprocess_only = true;
	else if (!strcmp(a, "-M") || !strcmp(a, "-MM"))
		p->dep_only = true;
	else if (!strcmp(a, "-MD"))
		p->md = true;
	else if (!strcmp(a, "-MMD"))
		p->mmd = true;
	else if (starts_with(a, "-save-temps") || starts_with(a, "-fdump-") ||
		 starts_with(a, "-fcallgraph-info") || starts_with(a, "-fsave-optimization-record") ||
		 !strcmp(a, "-ftime-report") || starts_with(a, "-fopt-info") ||
		 starts_with(a, "-ftime-trace") || !strcmp(a, "-emit-pch") ||
		 starts_with(a, "-fprofile-list=") || writes_dumps(a) ||
		 /* clang's statistics and reports: files we do not know */
		 starts_with(a, "-save-stats") || starts_with(a, "-fproc-stat-report") ||
		 starts_with(a, "-foptimization-record-file") ||
		 /* the object would hold the command line: the output's
		  * name, and the dependency options added on a miss */
		 !strcmp(a, "-frecord-gcc-switches") || !strcmp(a, "-frecord-command-line") ||
		 /* modules read files the dependency list does not name */
		 starts_with(a, "-fmodule") || starts_with(a, "-fprebuilt-module") ||
		 starts_with(a, "-fimplicit-module") || !strcmp(a, "-fcxx-modules"))
		uncacheable(p, starts_with(a, "-save-temps") ? STAT_UNC_SAVE_TEMPS
							      : STAT_UNC_UNSUPPORTED_OPTION);
	else if (starts_with(a, "-fprofile-use") || starts_with(a, "-fauto-profile") ||
		 !strcmp(a, "-fbranch-probabilities") ||
		 starts_with(a, "-fprofile-instr-use") || starts_with(a, "-fprofile-sample-use"))
		uncacheable(p, STAT_UNC_PROFILE_USE);
	else if (starts_with(a, "-gsplit-dwarf"))
		p->split_dwarf = true;
	else if (!strcmp(a, "--coverage") || !strcmp(a, "-ftest-coverage"))
		p->coverage = true;
	else if (!strcmp(a, "-fprofile-arcs") || starts_with(a, "-fprofile-generate") ||
		 starts_with(a, "-fprofile-instr-generate"))
		p->profile_arcs = true;
	else if (!strcmp(a, "-fstack-usage"))
		p->stack_usage = true;
	else if (starts_with(a, "-fdiagnostics-color") || starts_with(a, "-fno-diagnostics-color") ||
		 !strcmp(a, "-fcolor-diagnostics") || !strcmp(a, "-fno-color-diagnostics"))
		/* The last one decides; "auto" asks the terminal, as we do. */
		inv->color_explicit = strcmp(a, "-fdiagnostics-color=auto") != 0;
	else if (starts_with(a, "-fdebug-prefix-map=") || starts_with(a, "-ffile-prefix-map="))
		strvec_push(&p->prefix_maps, strchr(a, '=') + 1);
	else if (!strcmp(a, "-fdiagnostics-absolute-paths"))
		p->absolute_diagnostics = true;
	else if (starts_with(a, "-g")) {
		/* Any -g form may record the cwd; -g0 turns debug info off. */
		p->debug_info = strcmp(a, "-g0") != 0;
		/* clang records its own command line, with what a miss adds
		 * (gcc's record leaves out what it does not pass to cc1). */
		if (p->is_clang && (starts_with(a, "-grecord-command-line") ||
				    starts_with(a, "-grecord-gcc-switches")))
			uncacheable(p, STAT_UNC_UNSUPPORTED_OPTION);
	} else if (!strcmp(a, "-march=native") || !strcmp(a, "-mcpu=native") ||
		   !strcmp(a, "-mtune=native")) {
		/* The code depends on this machine's CPU: put it in the key. */
		add_native_cpu(inv);
	} else {
		return false;
	}
	strvec_push(&inv->key_args, a);
	return true;
}

/* Options with a value (from the table). i is advanced past a separate value. */
static void handle_valued(struct parse *p, const struct gcc_option *o, const char *value)
{
	struct invocation *inv = p->inv;
	const char *name = o->name;

	if (!strcmp(name, "-o")) {
		/* Two: the last wins, but the -MD a miss adds would name a
		 * depfile after each, and cc1 refuses two. */
		if (p->output)
			uncacheable(p, STAT_UNC_UNSUPPORTED_OPTION);
		p->output = value;
		return; /* not in the key unless the object embeds it (below) */
	}
	if (!strcmp(name, "-MF")) {
		p->depfile = value;
		return;
	}
	if (!strcmp(name, "--serialize-diagnostics")) {
		p->diagnostics = value;
		return;
	}
	if (!strcmp(name, "-x")) {
		p->xlang = !strcmp(value, "none") ? NULL : value;
	} else if (!strcmp(name, "-MT") || !strcmp(name, "-MQ")) {
		p->seen_mt = true;
	} else if (!strcmp(name, "-include-pch")) {
		strvec_push(&inv->key_files, value);
		/* clang refuses a PCH whose headers' mtimes changed since: a
		 * check by stat data that a key by content cannot make. */
		if (p->is_clang)
			uncacheable(p, STAT_UNC_UNSUPPORTED_OPTION);
	} else if (!strcmp(name, "-imacros")) {
		strvec_push(&inv->forced_includes, value);
	} else if (!strcmp(name, "-include")) {
		strvec_push(&inv->forced_includes, value);
		/* A precompiled variant next to it would be used instead. */
		static const char *const pch_suffixes[] = { ".gch", ".pch" };
		for (size_t k = 0; k < ZC_ARRAY_SIZE(pch_suffixes); k++) {
			char *pch = xasprintf("%s%s", value, pch_suffixes[k]);
			struct stat st;
			if (stat(pch, &st) == 0) {
				if (S_ISREG(st.st_mode))
					strvec_push(&inv->key_files, pch);
				else
					uncacheable(p, STAT_UNC_UNSUPPORTED_OPTION);
			}
			free(pch);
		}
	} else if (!strcmp(name, "-D")) {
		strbuf_addstr(&p->macros, value);
		strbuf_addch(&p->macros, '\n');
	} else if (!strcmp(name, "-isystem") || !strcmp(name, "-idirafter") ||
		   !strcmp(name, "-isysroot") || !strcmp(name, "--sysroot")) {
		/* "=dir" is below the sysroot. */
		if (value[0] != '/' && value[0] != '=')
			p->relative_system_dir = true;
	} else if (!strcmp(name, "-Xclang")) {
		/* -I and every -i... (include, isystem, internal-isystem...):
		 * a search the query does not see. */
		static const char *const hard[] = { "-I", "-i", "-nostdinc", "-nobuiltininc",
						    "-fmodule", "-fprebuilt-module", "-load",
						    "-plugin", "-add-plugin", "-emit-pch",
						    "-dependency-file", "-MT", "-ast-dump",
						    "-stats-file", "-fprofile-instrument-use-path",
						    "-fprofile-sample-use", "-mlink-bitcode-file",
						    "-mlink-builtin-bitcode" };
		struct stat st;
		for (size_t k = 0; k < ZC_ARRAY_SIZE(hard); k++)
			if (starts_with(value, hard[k]))
				uncacheable(p, STAT_UNC_UNSUPPORTED_OPTION);
		/* A file cc1 reads that nothing follows (profile data, say). */
		if (names_a_file(value) || (stat(value, &st) == 0 && S_ISREG(st.st_mode)))
			uncacheable(p, STAT_UNC_UNSUPPORTED_OPTION);
		if (starts_with(value, "-debug-info-kind") || starts_with(value, "-dwarf-version"))
			p->debug_info = true;
	} else if (!strcmp(name, "-Xassembler")) {
		/* As -Wa, above: listings and dependency lists are outputs. */
		if (starts_with(value, "-a") || strchr(value, '=') || strstr(value, "MD"))
			uncacheable(p, STAT_UNC_UNSUPPORTED_OPTION);
		if (starts_with(value, "-g") || starts_with(value, "--g"))
			p->debug_info = true;
	}
	if (o->flags & NOT_COMPILE)
		uncacheable(p, STAT_UNC_NOT_A_COMPILE);
	if (o->flags & TOO_HARD)
		uncacheable(p, STAT_UNC_UNSUPPORTED_OPTION);
	if (o->flags & LINK_ONLY)
		return;
	strvec_push(&inv->key_args, name);
	strvec_push(&inv->key_args, value);
}

static void add_input(struct parse *p, const char *a)
{
	struct invocation *inv = p->inv;
	const char *lang = p->xlang ? p->xlang : language_of_file(a);

	if (!p->xlang && p->cxx_driver && lang && !strcmp(lang, "c"))
		lang = "c++";
	else if (!p->xlang && p->cxx_driver && lang && !strcmp(lang, "c-header"))
		lang = "c++-header";
	if (!lang) {
		/* Objects and libraries: only a link reads them. */
		uncacheable(p, STAT_UNC_LINKING);
		return;
	}
	if (p->nr_sources++ == 0) {
		inv->source = xstrdup(a);
		p->source_lang = lang;
	}
	strvec_push(&inv->key_args, a);
}

/* The directory the compiler records: like getpwd(), $PWD when it names
 * the current directory (a path through a symlink), else getcwd(). */
static const char *compiler_cwd(const struct invocation *inv)
{
	const char *pwd = invocation_getenv(inv, "PWD");
	struct stat a, b;

	if (pwd && pwd[0] == '/' && stat(pwd, &a) == 0 && stat(inv->cwd, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return pwd;
	return inv->cwd;
}

/* cwd as debug info records it, after -fdebug-prefix-map and friends: gcc
 * tries the map given last first and matches a plain string prefix. clang
 * orders several maps its own way: then the key keeps the raw cwd. */
static char *mapped_cwd(const struct parse *p)
{
	const char *cwd = compiler_cwd(p->inv);

	if (p->is_clang && p->prefix_maps.nr > 1)
		return xstrdup(cwd);
	for (size_t i = p->prefix_maps.nr; i-- > 0;) {
		const char *m = p->prefix_maps.v[i];
		const char *eq = strchr(m, '=');
		if (!eq)
			continue;
		size_t ol = (size_t)(eq - m);
		if (!strncmp(cwd, m, ol))
			return xasprintf("%s%s", eq + 1, cwd + ol);
	}
	return xstrdup(cwd);
}

/* Does path lead to a process's own files (-o /dev/stdout, /dev/fd/1, a
 * link to /proc/self/fd/1)? What it names there is the caller's process's,
 * not ours: never looked at, never replaced. Links are followed by hand, since
 * the kernel would resolve "self" as this process. */
static bool is_process_path(const char *path)
{
	return starts_with(path, "/proc/") || starts_with(path, "/dev/fd/") ||
	       starts_with(path, "/dev/std");
}

static bool leads_to_process_files(const char *path)
{
	char buf[2][PATH_MAX];
	const char *cur = path;

	for (int hops = 0; hops < 16; hops++) {
		struct stat st;
		if (is_process_path(cur))
			return true;
		if (lstat(cur, &st) < 0 || !S_ISLNK(st.st_mode))
			return false;
		char *next = buf[hops % 2];
		ssize_t n = readlink(cur, next, sizeof(buf[0]) - 1);
		if (n < 0)
			return false;
		next[n] = '\0';
		if (next[0] != '/') {
			/* relative to the link's directory */
			char joined[PATH_MAX];
			const char *slash = strrchr(cur, '/');
			int len = slash ? snprintf(joined, sizeof(joined), "%.*s/%s",
						   (int)(slash - cur), cur, next)
					: snprintf(joined, sizeof(joined), "%s", next);
			if (len < 0 || (size_t)len >= sizeof(joined))
				return true; /* cannot tell: assume the worst */
			memcpy(next, joined, (size_t)len + 1);
		}
		cur = next;
	}
	return true; /* a loop, or too deep: assume the worst */
}

static void plan_outputs(struct parse *p)
{
	struct invocation *inv = p->inv;
	char *stem_src = output_stem(path_basename(inv->source));
	char *object = p->output ? xstrdup(p->output)
				 : xasprintf("%s%s", stem_src, p->assemble_only ? ".s" : ".o");
	char *stem = output_stem(object);
	bool object_embeds_path = p->split_dwarf || p->coverage || p->profile_arcs;

	if (!strcmp(object, "-")) {
		uncacheable(p, STAT_UNC_OUTPUT_TO_STDOUT);
		goto out;
	}
	invocation_add_output(inv, OUT_OBJECT, object);
	if (object_embeds_path) {
		/* The object names its .dwo/.gcda by path: keep the path in the key. */
		strvec_push(&inv->key_args, "-o");
		strvec_push(&inv->key_args, object);
		p->debug_info = true;
	}
	if (p->split_dwarf && !p->assemble_only && p->debug_info) {
		char *dwo = xasprintf("%s.dwo", stem);
		invocation_add_output(inv, OUT_DWO, dwo);
		free(dwo);
	}
	if (p->coverage) {
		char *gcno = xasprintf("%s.gcno", stem);
		invocation_add_output(inv, OUT_GCNO, gcno);
		free(gcno);
	}
	if (p->stack_usage) {
		char *su = xasprintf("%s.su", stem);
		invocation_add_output(inv, OUT_STACK_USAGE, su);
		free(su);
	}
	if (p->diagnostics)
		invocation_add_output(inv, OUT_DIAGNOSTICS, p->diagnostics);

	if (p->md || p->mmd) {
		char *dep = p->depfile ? xstrdup(p->depfile) : xasprintf("%s.d", p->output ? stem : stem_src);
		invocation_add_output(inv, OUT_DEPFILE, dep);
		inv->user_depfile = dep;
		/* With both, gcc and clang leave system headers out whatever
		 * the order: -MMD wins. */
		inv->depfile_partial = p->mmd;
		/* The default target is the object's name, also for -S without
		 * -o (a.o, not a.s); gcc drops leading "./"s from it. */
		if (!p->seen_mt) {
			const char *target = p->output ? object : NULL;
			char *made = target ? NULL : xasprintf("%s.o", stem_src);
			if (!target)
				target = made;
			while (!p->is_clang && target[0] == '.' && target[1] == '/') {
				target += 2;
				while (*target == '/')
					target++;
			}
			inv->dep_target = xstrdup(target);
			free(made);
		}
	}
	if (p->debug_info || p->absolute_diagnostics) {
		inv->cwd_matters = true;
		/* The prefix maps change debug info, not the .gcda path in the
		 * object, the .gcno's cwd, or the diagnostics' paths. */
		inv->key_cwd = p->coverage || p->profile_arcs || p->absolute_diagnostics
				       ? xstrdup(compiler_cwd(inv))
				       : mapped_cwd(p);
	}
	/* gcc names a system header by its absolute path when that is shorter
	 * (-fcanonical-system-headers): for a directory given relative, that
	 * depends on the length of the cwd, and shows in __FILE__ and in the
	 * dependency list. */
	if (p->relative_system_dir && !p->is_clang) {
		strvec_push(&inv->key_args, "cwd-of-relative-system-dirs");
		strvec_push(&inv->key_args, inv->cwd);
	}
	/* cc1 writes these with fopen(); GNU as replaces an object unless it
	 * is empty; clang writes its .dwo in place and its -S output and
	 * diagnostics file as new files. */
	for (int i = 0; i < inv->nr_outputs; i++) {
		enum output_kind k = inv->outputs[i].kind;
		struct output *o = &inv->outputs[i];
		o->in_place = k == OUT_DEPFILE || k == OUT_GCNO || k == OUT_STACK_USAGE ||
			      (p->is_clang ? k == OUT_DWO
					   : (k == OUT_OBJECT && p->assemble_only) ||
						     k == OUT_DIAGNOSTICS);
		o->in_place_when_empty = !p->is_clang && (k == OUT_DWO ||
							  (k == OUT_OBJECT && !p->assemble_only));
	}
	/* One lstat per output on this path, which every hit takes. */
	struct stat st, src;
	for (int i = 0; i < inv->nr_outputs; i++) {
		const char *path = inv->outputs[i].path;
		bool exists = lstat(path, &st) == 0;
		bool link = exists && S_ISLNK(st.st_mode);
		/* -MF /dev/null and friends: left to the compiler, never
		 * replaced. */
		bool process_file = is_process_path(path) || (link && leads_to_process_files(path));
		if (link && !process_file)
			exists = stat(path, &st) == 0;
		if (process_file || (exists && !S_ISREG(st.st_mode))) {
			uncacheable(p, STAT_UNC_NON_REGULAR_OUTPUT);
			continue;
		}
		/* -o a.c: the compiler refuses; a hit would replace the source. */
		if (!strcmp(path_skip_dot_slash(path), path_skip_dot_slash(inv->source)) ||
		    (exists && stat(inv->source, &src) == 0 && st.st_dev == src.st_dev &&
		     st.st_ino == src.st_ino))
			uncacheable(p, STAT_UNC_OUTPUT_IS_INPUT);
	}
out:
	free(stem);
	free(object);
	free(stem_src);
}

static void gcc_scan_input(const char *data, size_t len, struct include_scan *scan);
static enum counter gcc_input_verdict(const struct invocation *inv, const struct include_scan *scan);

/* -DBUILD_TIME=__TIME__ and -DHAS_X=__has_include(<x.h>) use in the compile
 * what a file would: judged like one. */
static void command_line_macros(struct parse *p)
{
	struct include_scan scan = INCLUDE_SCAN_INIT;

	/* Its probes belong to no file: candidates are made per file. */
	if (strstr(p->macros.buf, "__has_include"))
		uncacheable(p, STAT_UNC_COMPUTED_HAS_INCLUDE);
	gcc_scan_input(p->macros.buf, p->macros.len, &scan);
	enum counter verdict = gcc_input_verdict(p->inv, &scan);
	if (verdict)
		uncacheable(p, verdict);
	include_scan_release(&scan);
}

static int gcc_analyse(struct invocation *inv)
{
	struct parse p = { .inv = inv, .prefix_maps = STRVEC_INIT, .macros = STRBUF_INIT };
	const char *name = path_basename(inv->compiler);

	p.is_clang = inv->family == &clang_family || strstr(name, "clang") != NULL;
	p.cxx_driver = strstr(name, "++") != NULL;
	/* The name the driver was run by: clang takes its target and mode
	 * from it (aarch64-linux-gnu-clang is a cross compiler). */
	strvec_pushf(&inv->key_args, "driver-name=%s", name);
	/* Programs the driver would find first in these directories, were
	 * they put there later: where it finds them is asked every time. */
	inv->helpers_unstable = invocation_getenv(inv, "COMPILER_PATH") ||
				invocation_getenv(inv, "GCC_EXEC_PREFIX");
	for (size_t i = 1; i < inv->args.nr; i++) {
		const char *a = inv->args.v[i];
		const char *value;

		if (!strcmp(a, "-")) {
			uncacheable(&p, STAT_UNC_STDIN_SOURCE);
			continue;
		}
		if (a[0] != '-') {
			add_input(&p, a);
			continue;
		}
		const struct gcc_option *o = gcc_find_option(a, &value);
		if (o && !value && (o->flags & TAKES_ARG)) {
			if (i + 1 >= inv->args.nr) {
				uncacheable(&p, STAT_UNC_UNSUPPORTED_OPTION);
				break;
			}
			value = inv->args.v[++i];
		}
		if (o && value) {
			handle_valued(&p, o, value);
		} else if (o) {
			/* A plain flag from the table. */
			if (o->flags & TOO_HARD)
				uncacheable(&p, STAT_UNC_UNSUPPORTED_OPTION);
			if (o->flags & NOT_COMPILE)
				uncacheable(&p, STAT_UNC_NOT_A_COMPILE);
			if (!handle_flag(&p, a) && !(o->flags & LINK_ONLY))
				strvec_push(&inv->key_args, a);
		} else if (!handle_flag(&p, a)) {
			unknown_option(&p, a);
		}
	}

	if (p.nr_sources && !p.preprocess_only && !p.dep_only &&
	    in_list(p.source_lang, header_languages, ZC_ARRAY_SIZE(header_languages)))
		uncacheable(&p, STAT_UNC_PCH_CREATION);
	else if (p.preprocess_only)
		uncacheable(&p, STAT_UNC_PREPROCESSING);
	else if (p.dep_only)
		uncacheable(&p, STAT_UNC_DEPENDENCY_ONLY);
	else if (!p.compile_only && !p.assemble_only)
		uncacheable(&p, p.nr_sources ? STAT_UNC_LINKING : STAT_UNC_NO_SOURCE);
	else if (p.nr_sources == 0)
		uncacheable(&p, STAT_UNC_NO_SOURCE);
	else if (p.nr_sources > 1)
		uncacheable(&p, STAT_UNC_MULTIPLE_SOURCES);
	/* gcc hands cc1 its options quoted in one environment variable, which
	 * the kernel limits to 128 KiB: near it, the -MD -MF a miss adds could
	 * make a compile that works fail (in any language the error is said). */
	size_t options_len = 0;
	for (size_t i = 1; i < inv->args.nr; i++)
		options_len += strlen(inv->args.v[i]) + 3;
	if (!p.is_clang && options_len > 128 * 1024 - 8192)
		uncacheable(&p, STAT_UNC_UNSUPPORTED_OPTION);
	if (inv->uncacheable)
		goto out;
	/* /dev/stdin, a pipe: reading it to hash it would take it from the
	 * compiler. */
	struct stat st;
	if (stat(inv->source, &st) == 0 && !S_ISREG(st.st_mode)) {
		uncacheable(&p, STAT_UNC_STDIN_SOURCE);
		goto out;
	}
	inv->language = in_list(p.source_lang, cacheable_languages,
				ZC_ARRAY_SIZE(cacheable_languages));
	if (!inv->language) {
		uncacheable(&p, STAT_UNC_UNSUPPORTED_LANGUAGE);
		goto out;
	}
	hash_environment(&p);
	if (p.macros.len)
		command_line_macros(&p);
	strvec_pushf(&inv->key_args, "-x%s", inv->language);
	plan_outputs(&p);
out:
	strvec_clear(&p.prefix_maps);
	strbuf_release(&p.macros);
	return 0;
}

static void gcc_miss_argv(const struct invocation *inv, const char *depfile,
			  struct strvec *out)
{
	strvec_pushv(out, inv->orig_argv.v, inv->orig_argv.nr);
	/* Appended last so they win; the user's own depfile, when complete,
	 * already lists what was read. */
	if (depfile) {
		strvec_push(out, "-MD");
		strvec_push(out, "-MF");
		strvec_push(out, depfile);
	}
	if (!inv->color_explicit)
		strvec_push(out, "-fdiagnostics-color=always");
}

/* For -MMD: a preprocessing pass that lists every file read. */
static void gcc_full_deps_argv(const struct invocation *inv, const char *depfile,
			       struct strvec *out)
{
	strvec_push(out, inv->orig_argv.v[0]);
	for (size_t i = 1; i < inv->args.nr; i++) {
		const char *a = inv->args.v[i];
		const char *value;
		const struct gcc_option *o = gcc_find_option(a, &value);
		bool drop = !strcmp(a, "-c") || !strcmp(a, "-S") || !strcmp(a, "-MD") ||
			    !strcmp(a, "-MMD") || !strcmp(a, "-MP") || starts_with(a, "-gsplit-dwarf") ||
			    !strcmp(a, "--coverage") || !strcmp(a, "-ftest-coverage") ||
			    !strcmp(a, "-fstack-usage");
		bool has_sep = o && !value && (o->flags & TAKES_ARG);
		if (o && (!strcmp(o->name, "-o") || !strcmp(o->name, "-MF") || !strcmp(o->name, "-MT") ||
			  !strcmp(o->name, "-MQ") || !strcmp(o->name, "--serialize-diagnostics")))
			drop = true;
		if (!drop)
			strvec_push(out, a);
		if (has_sep && i + 1 < inv->args.nr) {
			if (!drop)
				strvec_push(out, inv->args.v[i + 1]);
			i++;
		}
	}
	strvec_push(out, "-M");
	strvec_push(out, "-MF");
	strvec_push(out, depfile);
}

static void gcc_search_query_argv(const struct invocation *inv, struct strvec *out)
{
	strvec_push(out, inv->orig_argv.v[0]);
	for (size_t i = 1; i < inv->args.nr; i++) {
		const char *a = inv->args.v[i];
		const char *value;
		const struct gcc_option *o = gcc_find_option(a, &value);
		bool has_sep = o && !value && (o->flags & TAKES_ARG);

		if (o && (o->flags & SEARCH)) {
			strvec_push(out, a);
			if (has_sep && i + 1 < inv->args.nr)
				strvec_push(out, inv->args.v[i + 1]);
		} else if (!o && (starts_with(a, "-m") || starts_with(a, "--sysroot=") ||
				  starts_with(a, "-std="))) {
			strvec_push(out, a);
		}
		if (has_sep)
			i++;
	}
	strvec_pushf(out, "-x%s", inv->language);
	strvec_push(out, "-E");
	strvec_push(out, "-v");
	strvec_push(out, "/dev/null");
	strvec_push(out, "-o");
	strvec_push(out, "/dev/null");
}

static void gcc_helper_queries(const struct invocation *inv, struct strvec *out)
{
	static const struct {
		const char *language, *program;
	} compilers_proper[] = {
		{ "c", "cc1" },
		{ "c-header", "cc1" },
		{ "assembler-with-cpp", "cc1" },
		{ "c++", "cc1plus" },
		{ "c++-header", "cc1plus" },
		{ "objective-c-header", "cc1obj" },
		{ "objective-c++-header", "cc1objplus" },
	};

	/* clang is one program, with its assembler built in unless told. */
	if (inv->family == &clang_family) {
		for (size_t i = 1; i < inv->args.nr; i++)
			if (!strcmp(inv->args.v[i], "-fno-integrated-as") ||
			    !strcmp(inv->args.v[i], "-no-integrated-as")) {
				strvec_push(out, "-print-prog-name=as");
				break;
			}
		return;
	}
	for (size_t i = 0; i < ZC_ARRAY_SIZE(compilers_proper); i++)
		if (!strcmp(inv->language, compilers_proper[i].language))
			strvec_pushf(out, "-print-prog-name=%s", compilers_proper[i].program);
	strvec_push(out, "-print-prog-name=as");
}

/* The chain from `cc -E -v`, and which of the include dirs the command line
 * names the compiler left out of it without calling them missing. */
static int gcc_parse_search_output(const struct invocation *inv, const char *text,
				   struct search_dirs *dirs)
{
	static const char *const dir_options[] = { "-I", "-idirafter", "-iquote", "-isystem" };
	struct strvec given = STRVEC_INIT;

	if (parse_cpp_search_output(text, dirs) < 0)
		return -1;
	for (size_t i = 1; i < inv->args.nr; i++) {
		const char *value;
		const struct gcc_option *o = gcc_find_option(inv->args.v[i], &value);
		if (!o)
			continue;
		if (!value && (o->flags & TAKES_ARG) && i + 1 < inv->args.nr)
			value = inv->args.v[++i];
		for (size_t k = 0; value && k < ZC_ARRAY_SIZE(dir_options); k++)
			if (!strcmp(o->name, dir_options[k]) && strcmp(value, "-"))
				strvec_push(&given, value);
	}
	search_dirs_add_skipped(dirs, given.v, given.nr);
	strvec_clear(&given);
	return 0;
}

/* Where a C/C++ lexer is at one byte of a file. */
enum lex_state { LEX_CODE, LEX_STRING, LEX_CHAR, LEX_LINE_COMMENT, LEX_BLOCK_COMMENT };

static bool is_ident(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * Whether word occurs as a token of code (in_strings: or inside a string
 * literal), not in a comment. Used only after a plain search found word,
 * so the common case costs one memmem. Raw strings R"d(...)d" are skipped
 * whole, so a quote inside one cannot hide code from us.
 */
static bool occurs_as_token(const char *data, size_t len, const char *word, bool in_strings)
{
	size_t wl = strlen(word);
	enum lex_state st = LEX_CODE;

	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		switch (st) {
		case LEX_CODE:
			if (c == '/' && i + 1 < len && data[i + 1] == '/') {
				st = LEX_LINE_COMMENT;
			} else if (c == '/' && i + 1 < len && data[i + 1] == '*') {
				st = LEX_BLOCK_COMMENT;
				i++;
			} else if (c == 'R' && i + 1 < len && data[i + 1] == '"' &&
				   (i == 0 || !is_ident(data[i - 1]) || data[i - 1] == '8' ||
				    data[i - 1] == 'u' || data[i - 1] == 'U' || data[i - 1] == 'L')) {
				/* R"delim( ... )delim" */
				const char *open = memchr(data + i + 2, '(', len - i - 2);
				if (!open || open - (data + i + 2) > 16)
					break;
				char close[20];
				int cl = snprintf(close, sizeof(close), ")%.*s\"",
						  (int)(open - (data + i + 2)), data + i + 2);
				const char *end = memmem(open, (size_t)(data + len - open), close, (size_t)cl);
				if (in_strings && memmem(data + i, (size_t)((end ? end : data + len) - (data + i)), word, wl))
					return true;
				if (!end)
					return false;
				i = (size_t)(end - data) + (size_t)cl - 1;
			} else if (c == '"') {
				st = LEX_STRING;
			} else if (c == '\'') {
				st = LEX_CHAR;
			} else if (c == word[0] && (i == 0 || !is_ident(data[i - 1])) && i + wl <= len &&
				   !memcmp(data + i, word, wl) && (i + wl == len || !is_ident(data[i + wl]))) {
				return true;
			}
			break;
		case LEX_STRING:
		case LEX_CHAR:
			if (c == '\\')
				i++;
			else if (c == (st == LEX_STRING ? '"' : '\'') || c == '\n')
				st = LEX_CODE;
			else if (in_strings && c == word[0] && i + wl <= len && !memcmp(data + i, word, wl))
				return true;
			break;
		case LEX_LINE_COMMENT:
			if (c == '\n' && (i == 0 || data[i - 1] != '\\'))
				st = LEX_CODE;
			break;
		case LEX_BLOCK_COMMENT:
			if (c == '*' && i + 1 < len && data[i + 1] == '/') {
				st = LEX_CODE;
				i++;
			}
			break;
		}
	}
	return false;
}

static bool uses(const char *data, size_t len, const char *word, bool in_strings)
{
	return memmem(data, len, word, strlen(word)) && occurs_as_token(data, len, word, in_strings);
}

/* The pragma: "GCC" then "dependency", in code (or, with _Pragma, in a
 * string); comments do not count. */
static bool has_pragma_dependency(const char *data, size_t len)
{
	const char *end = data + len;

	if (!memmem(data, len, "dependency", 10) ||
	    !occurs_as_token(data, len, "dependency", occurs_as_token(data, len, "_Pragma", false)))
		return false;
	for (const char *p = data; (p = memmem(p, (size_t)(end - p), "dependency", 10)); p += 10) {
		const char *q = p;
		/* Back over blanks and comments ("GCC / * c * / dependency"). */
		for (;;) {
			while (q > data && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\f' ||
					    q[-1] == '\v'))
				q--;
			if (q - data < 2 || q[-1] != '/' || q[-2] != '*')
				break;
			const char *open = q - 2;
			while (open - data >= 2 && !(open[-2] == '/' && open[-1] == '*'))
				open--;
			if (open - data < 2)
				break;
			q = open - 2;
		}
		if (q < p && q - data >= 3 && !memcmp(q - 3, "GCC", 3))
			return true;
	}
	return false;
}

/* What gcc_scan_input finds; gcc_input_verdict judges it per compile. */
enum {
	FACT_TIMESTAMP = 1 << 0,  /* __TIMESTAMP__ */
	FACT_DATE_TIME = 1 << 1,  /* __DATE__ or __TIME__ */
	FACT_PRAGMA_DEP = 1 << 2, /* #pragma GCC dependency */
	FACT_ASM_READS = 1 << 3,  /* an assembler directive that reads a file */
};

static void gcc_scan_input(const char *data, size_t len, struct include_scan *scan)
{
	struct strbuf spliced = STRBUF_INIT;

	if (splice_lines(data, len, &spliced)) {
		data = spliced.buf;
		len = spliced.len;
	}
	scan_includes(data, len, scan);
	if (uses(data, len, "__TIMESTAMP__", false))
		scan->facts |= FACT_TIMESTAMP;
	if (uses(data, len, "__DATE__", false) || uses(data, len, "__TIME__", false))
		scan->facts |= FACT_DATE_TIME;
	/* That pragma compares timestamps with another file. */
	if (has_pragma_dependency(data, len))
		scan->facts |= FACT_PRAGMA_DEP;
	/* Assembler directives that read files: in .S code, or in the string
	 * of an asm statement (a file without an asm keyword cannot hand a
	 * string to the assembler). Spelled in pieces so this file does not
	 * match itself. */
	static const char *const asm_reads[] = { "." "incbin", "." "include" };
	for (size_t i = 0; i < ZC_ARRAY_SIZE(asm_reads); i++) {
		if (!memmem(data, len, asm_reads[i], strlen(asm_reads[i])))
			continue;
		bool has_asm = occurs_as_token(data, len, "asm", false) ||
			       occurs_as_token(data, len, "__asm__", false) ||
			       occurs_as_token(data, len, "__asm", false);
		if (occurs_as_token(data, len, asm_reads[i], has_asm))
			scan->facts |= FACT_ASM_READS;
	}
	strbuf_release(&spliced);
}

static enum counter gcc_input_verdict(const struct invocation *inv, const struct include_scan *scan)
{
	if (scan->facts & FACT_TIMESTAMP)
		return STAT_UNC_TIME_MACROS;
	if (scan->facts & FACT_DATE_TIME) {
		/* SOURCE_DATE_EPOCH pins both (and is in the key), for gcc:
		 * clang reads it from version 16 on only. */
		bool pinned = false;
		for (size_t i = 0; inv->family != &clang_family && i < inv->key_env.nr; i++)
			if (starts_with(inv->key_env.v[i], "SOURCE_DATE_EPOCH="))
				pinned = true;
		if (!pinned)
			return STAT_UNC_TIME_MACROS;
	}
	if (scan->facts & FACT_PRAGMA_DEP)
		return STAT_UNC_PRAGMA_DEPENDENCY;
	if (scan->facts & FACT_ASM_READS)
		return STAT_UNC_INCBIN;
	return 0;
}

/* gcc and clang share the grammar; the name keeps their stats apart. */
#define GCC_LIKE_FAMILY(family_name, wrap, config)       \
	{                                                \
		.name = family_name,                     \
		.config_suffix = config,                 \
		.depfile_wrap = wrap,                    \
		.analyse = gcc_analyse,                  \
		.miss_argv = gcc_miss_argv,              \
		.full_deps_argv = gcc_full_deps_argv,    \
		.helper_queries = gcc_helper_queries,    \
		.search_query_argv = gcc_search_query_argv, \
		.parse_search_output = gcc_parse_search_output, \
		.scan_input = gcc_scan_input,            \
		.input_verdict = gcc_input_verdict,      \
	}

const struct compiler_family gcc_family = GCC_LIKE_FAMILY("gcc", DEPFILE_WRAP_GCC, NULL);
const struct compiler_family clang_family = GCC_LIKE_FAMILY("clang", DEPFILE_WRAP_CLANG, ".cfg");
