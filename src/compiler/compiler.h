/*
 * compiler.h - the compiler-family interface and the invocation it fills.
 *
 * A family (gcc/clang today; rustc and emcc later) is the only code that
 * knows compiler flags by name. Given an argv it decides whether the compile
 * is cacheable (or why not), names the files the compile writes, lists what
 * goes into the key, and says how to make the compiler report the files it
 * read. Everything else (cache, store, client, daemon) works on the generic
 * plan below and never looks at a flag.
 *
 * Calling sequence:
 *   invocation_init(&inv, argv, argc, compiler_path, cwd)
 *   family = family_for(compiler_path); family->analyse(&inv)
 *   ... cache lookup / run / record use inv and the family's hooks ...
 *   invocation_release(&inv)
 */
#ifndef ZC_COMPILER_H
#define ZC_COMPILER_H

#include "../util/compat.h"
#include "../util/strbuf.h"
#include "../stats/stats.h"
#include "../hash/hash.h"
#include "depfile.h"
#include "names.h"

/* The files a compile writes, by role. The number is stored in entries:
 * append only. */
enum output_kind {
	OUT_OBJECT = 1,     /* -o (or the default name); .s with -S */
	OUT_DEPFILE = 2,    /* the user's dependency file */
	OUT_DWO = 3,        /* split DWARF */
	OUT_GCNO = 4,       /* coverage notes */
	OUT_STACK_USAGE = 5,
	OUT_DIAGNOSTICS = 6 /* serialized diagnostics */
};

#define MAX_OUTPUTS 8

struct output {
	enum output_kind kind;
	char *path; /* as the compiler will write it, relative to cwd or absolute */
	/* The compiler opens an existing file and writes it (fopen "w"):
	 * through a link, into every name of it, keeping its mode, and
	 * failing when it is read-only. Else it makes a new file. */
	bool in_place;
	bool in_place_when_empty; /* so, when it exists and is empty (GNU as) */
};

struct invocation {
	/* What the user ran. */
	struct strvec orig_argv; /* argv[0] is the real compiler's path */
	char *compiler;          /* absolute path of the real compiler */
	char *real_compiler;     /* compiler after symlinks (NULL: unknown) */
	char *cwd;
	struct strvec env;       /* the caller's environment, "NAME=value" */
	unsigned umask;          /* the caller's umask, for the outputs' mode */
	const struct compiler_family *family;

	/* The plan, filled by family->analyse(). */
	enum counter uncacheable;   /* STAT_HIT (0) when cacheable, else a reason */
	struct strvec args;      /* argv after @file expansion (analysis only) */
	const char *language;    /* "c", "c++", "assembler-with-cpp" */
	char *source;
	struct output outputs[MAX_OUTPUTS];
	int nr_outputs;
	struct strvec key_args;  /* the arguments that go into the key */
	struct strvec key_files; /* files whose contents go into the key */
	struct strvec key_env;   /* "NAME=value" of variables the compiler reads */
	struct strvec forced_includes; /* files included before the source (-include) */
	bool cwd_matters;        /* cwd goes into the key (debug info, coverage) */
	char *key_cwd;           /* cwd after prefix maps, when cwd_matters */

	/* Dependency discovery: where the compile reports what it read. */
	char *user_depfile;      /* the user's depfile, or NULL */
	bool depfile_partial;    /* user's depfile omits system headers (-MMD) */
	char *dep_target;        /* target the compiler writes when none is given,
				    NULL when the user named targets */
	bool color_explicit;     /* the user chose diagnostics colour */
	bool helpers_unstable;   /* where the driver finds its programs may
				    change unseen: asked on every compile */
	bool dirs_warned;        /* the compiler says which include dirs are
				    missing (-Wmissing-include-dirs) */
};

struct search_dirs;
struct include_scan;

struct compiler_family {
	const char *name; /* "gcc", "clang": also the stats prefix */
	enum depfile_wrap depfile_wrap; /* how its dependency lists are wrapped */
	/* The suffix of the configuration files the driver reads from its
	 * binary's directory (clang: ".cfg"), or NULL. */
	const char *config_suffix;

	/* Fills the plan of inv from inv->args; sets inv->uncacheable when the
	 * compile cannot be cached. Returns -1 only on internal errors. */
	int (*analyse)(struct invocation *inv);

	/* The argv to run on a miss: the user's argv plus what makes the
	 * compiler write its dependency list to depfile (when the user asked
	 * for none) and colour its diagnostics unless the command line says
	 * (color_explicit): what is stored is coloured, and the colours are
	 * taken out where the terminal would not have had them. */
	void (*miss_argv)(const struct invocation *inv, const char *depfile,
			  struct strvec *out);

	/* When the user's depfile is partial: the argv of a pass that writes
	 * the full dependency list to depfile. NULL if never needed. */
	void (*full_deps_argv)(const struct invocation *inv, const char *depfile,
			       struct strvec *out);

	/* The programs the driver runs for this compile (gcc: cc1, as). The
	 * output is theirs, and the driver's own content does not pin them (a
	 * toolchain rebuilt in place; `as` found through PATH). Appends one
	 * argument per program that makes the driver print where it finds
	 * it: a path, or a bare name it looks for in PATH. */
	void (*helper_queries)(const struct invocation *inv, struct strvec *out);

	/* The argv that makes the compiler print its include search chain
	 * (run on misses only; cached by the caller). */
	void (*search_query_argv)(const struct invocation *inv, struct strvec *out);
	/* Parses that query's stderr into the ordered chain, and finds the
	 * include dirs of the command line the compiler skipped. */
	int (*parse_search_output)(const struct invocation *inv, const char *text,
				   struct search_dirs *dirs);

	/* Looks at the content of an input file: fills scan with what it
	 * includes and with the family's facts about it (scan->facts). A
	 * function of the content alone: the daemon remembers the scan of
	 * each content it has seen. */
	void (*scan_input)(const char *data, size_t len, struct include_scan *scan);
	/* A reason (STAT_UNC_...) when an input with those facts makes this
	 * compile uncacheable, else 0. */
	enum counter (*input_verdict)(const struct invocation *inv, const struct include_scan *scan);
};

/* The family that handles a compiler, from the name of the file that runs
 * (after symlinks) and the name it was called by. Never NULL: unknown
 * compilers get a family whose analyse() marks everything uncacheable. */
const struct compiler_family *family_for(const char *called_name, const char *real_path);


void invocation_init(struct invocation *inv);
void invocation_release(struct invocation *inv);
/* Adds an output; paths are copied. */
void invocation_add_output(struct invocation *inv, enum output_kind kind, const char *path);
const char *invocation_output(const struct invocation *inv, enum output_kind kind);
/* A variable of the caller's environment (not zccache's own: the daemon
 * serves many callers), or NULL. */
const char *invocation_getenv(const struct invocation *inv, const char *name);

#endif
