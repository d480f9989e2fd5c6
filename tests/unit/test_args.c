/* Argument analysis of the gcc/clang family: a table of real command lines
 * and the decision each must get. */
#include "unit.h"
#include "compiler/compiler.h"
#include "compiler/gcc.h"
#include "compiler/includes.h"
#include "compiler/rspfile.h"
#include "util/strbuf.h"

struct args_case {
	const char *cmdline;       /* split on spaces; argv[0] is the compiler */
	enum counter reason;       /* 0 = cacheable */
	const char *object;        /* expected object path when cacheable */
	const char *depfile;       /* expected user depfile, or NULL */
	bool cwd_matters;
};

static const struct args_case cases[] = {
	{ "gcc -c a.c", 0, "a.o", NULL, false },
	{ "gcc -c a.c -o out/x.o", 0, "out/x.o", NULL, false },
	{ "gcc -c -oout.o a.c", 0, "out.o", NULL, false },
	{ "g++ -O2 -Wall -DX=1 -Iinc -c src/a.cpp -o a.o", 0, "a.o", NULL, false },
	{ "gcc -c a.c -MD -MF a.d", 0, "a.o", "a.d", false },
	{ "gcc -c a.c -o o/a.o -MD", 0, "o/a.o", "o/a.d", false },
	{ "gcc -c a.c -MMD", 0, "a.o", "a.d", false },
	{ "gcc -g -c a.c", 0, "a.o", NULL, true },
	{ "gcc -g0 -c a.c", 0, "a.o", NULL, false },
	{ "gcc -S a.c", 0, "a.s", NULL, false },
	{ "gcc -c x.S", 0, "x.o", NULL, false },
	{ "gcc -x c -c prog.txt", 0, "prog.o", NULL, false },
	{ "clang -c a.c --serialize-diagnostics a.dia", 0, "a.o", NULL, false },
	{ "gcc -c a.c --coverage", 0, "a.o", NULL, true },
	{ "gcc a.c -o a", STAT_UNC_LINKING, NULL, NULL, false },
	{ "gcc a.o b.o -o prog", STAT_UNC_LINKING, NULL, NULL, false },
	{ "gcc -E a.c", STAT_UNC_PREPROCESSING, NULL, NULL, false },
	{ "gcc -c a.c b.c", STAT_UNC_MULTIPLE_SOURCES, NULL, NULL, false },
	{ "gcc -c", STAT_UNC_NO_SOURCE, NULL, NULL, false },
	{ "gcc -x c -c -", STAT_UNC_STDIN_SOURCE, NULL, NULL, false },
	{ "gcc -M a.c", STAT_UNC_DEPENDENCY_ONLY, NULL, NULL, false },
	{ "gcc -MM -c a.c", STAT_UNC_DEPENDENCY_ONLY, NULL, NULL, false },
	{ "gcc -save-temps -c a.c", STAT_UNC_SAVE_TEMPS, NULL, NULL, false },
	{ "gcc -fprofile-use -c a.c", STAT_UNC_PROFILE_USE, NULL, NULL, false },
	{ "gcc -c a.h", STAT_UNC_PCH_CREATION, NULL, NULL, false },
	{ "g++ -x c++-header -c a.hpp", STAT_UNC_PCH_CREATION, NULL, NULL, false },
	{ "gcc -c a.s", STAT_UNC_UNSUPPORTED_LANGUAGE, NULL, NULL, false },
	{ "gcc -c a.c -o -", STAT_UNC_OUTPUT_TO_STDOUT, NULL, NULL, false },
	{ "gcc -c a.c -o /dev/null", STAT_UNC_NON_REGULAR_OUTPUT, NULL, NULL, false },
	{ "gcc --version", STAT_UNC_NOT_A_COMPILE, NULL, NULL, false },
	{ "gcc -v -c a.c", STAT_UNC_NOT_A_COMPILE, NULL, NULL, false },
	{ "gcc -c a.c -Wp,-MD,a.d", STAT_UNC_UNSUPPORTED_OPTION, NULL, NULL, false },
	{ "gcc -specs=x.specs -c a.c", STAT_UNC_UNSUPPORTED_OPTION, NULL, NULL, false },
	{ "gcc -c a.c -o", STAT_UNC_UNSUPPORTED_OPTION, NULL, NULL, false },
	{ "clang -fmodules -c a.c", STAT_UNC_UNSUPPORTED_OPTION, NULL, NULL, false },
};

static void analyse_cmdline(const char *cmdline, struct invocation *inv)
{
	invocation_init(inv);
	split_response_text(cmdline, &inv->args);
	inv->compiler = strdup(inv->args.v[0]);
	inv->cwd = strdup("/work/dir");
	strvec_pushv(&inv->orig_argv, inv->args.v, inv->args.nr);
	inv->family = family_for(inv->args.v[0], inv->args.v[0]);
	assert_int_equal(inv->family->analyse(inv), 0);
}

static void test_decision_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct args_case *c = &cases[i];
		struct invocation inv;
		analyse_cmdline(c->cmdline, &inv);
		if (inv.uncacheable != c->reason)
			fail_msg("'%s': expected reason %d, got %d", c->cmdline, c->reason,
				 inv.uncacheable);
		if (!c->reason) {
			assert_string_equal(invocation_output(&inv, OUT_OBJECT), c->object);
			if (c->depfile)
				assert_string_equal(inv.user_depfile, c->depfile);
			else
				assert_null(inv.user_depfile);
			if (inv.cwd_matters != c->cwd_matters)
				fail_msg("'%s': cwd_matters should be %d", c->cmdline, c->cwd_matters);
		}
		invocation_release(&inv);
	}
}

static void test_outputs_of_aux_options(void **state)
{
	struct invocation inv;
	(void)state;

	analyse_cmdline("gcc -c src/a.c -o out/a.o -g -gsplit-dwarf --coverage -fstack-usage", &inv);
	assert_int_equal(inv.uncacheable, 0);
	assert_string_equal(invocation_output(&inv, OUT_DWO), "out/a.dwo");
	assert_string_equal(invocation_output(&inv, OUT_GCNO), "out/a.gcno");
	assert_string_equal(invocation_output(&inv, OUT_STACK_USAGE), "out/a.su");
	invocation_release(&inv);

	analyse_cmdline("clang -c a.c --serialize-diagnostics d/a.dia", &inv);
	assert_string_equal(invocation_output(&inv, OUT_DIAGNOSTICS), "d/a.dia");
	invocation_release(&inv);
}

/* The output path and depfile path are not in the key: the same compile
 * into another file must hit. Arguments that change code are in it. */
static void test_key_args(void **state)
{
	struct invocation a, b;
	(void)state;

	analyse_cmdline("gcc -O2 -c a.c -o x.o -MD -MF x.d", &a);
	analyse_cmdline("gcc -O2 -c a.c -o y.o -MD -MF y.d", &b);
	assert_int_equal(a.key_args.nr, b.key_args.nr);
	for (size_t i = 0; i < a.key_args.nr; i++)
		assert_string_equal(a.key_args.v[i], b.key_args.v[i]);
	assert_string_equal(a.dep_target, "x.o");
	invocation_release(&a);
	invocation_release(&b);

	/* Split DWARF: the object names its .dwo, so the path is in the key. */
	analyse_cmdline("gcc -g -gsplit-dwarf -c a.c -o x.o", &a);
	analyse_cmdline("gcc -g -gsplit-dwarf -c a.c -o y.o", &b);
	bool differ = a.key_args.nr != b.key_args.nr;
	for (size_t i = 0; !differ && i < a.key_args.nr; i++)
		differ = strcmp(a.key_args.v[i], b.key_args.v[i]) != 0;
	assert_true(differ);
	invocation_release(&a);
	invocation_release(&b);

	/* -MT names the target: in the key, and no retargeting. */
	analyse_cmdline("gcc -c a.c -MD -MT foo", &a);
	assert_null(a.dep_target);
	invocation_release(&a);
}

static void test_debug_prefix_map(void **state)
{
	struct invocation inv;
	(void)state;

	analyse_cmdline("gcc -g -fdebug-prefix-map=/work=/src -c a.c", &inv);
	assert_true(inv.cwd_matters);
	assert_string_equal(inv.key_cwd, "/src/dir");
	invocation_release(&inv);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(((const struct gcc_option *)a)->name, ((const struct gcc_option *)b)->name);
}

static void test_option_table_sorted(void **state)
{
	(void)state;
	for (size_t i = 1; i < gcc_options_nr; i++)
		if (cmp_names(&gcc_options[i - 1], &gcc_options[i]) >= 0)
			fail_msg("option table not sorted at '%s'", gcc_options[i].name);
}

static void test_find_option(void **state)
{
	const char *v;
	(void)state;

	assert_string_equal(gcc_find_option("-Iinc", &v)->name, "-I");
	assert_string_equal(v, "inc");
	assert_string_equal(gcc_find_option("-include-pch", &v)->name, "-include-pch");
	assert_null(v);
	assert_string_equal(gcc_find_option("--sysroot=/x", &v)->name, "--sysroot");
	assert_string_equal(v, "/x");
	assert_string_equal(gcc_find_option("-undef", &v)->name, "-undef");
	assert_null(gcc_find_option("-O2", &v));
}

/* The longest joined option that arg starts with, by a scan of the whole
 * table: what gcc_find_option must agree with. */
static const struct gcc_option *longest_joined_prefix(const char *arg)
{
	const struct gcc_option *best = NULL;

	for (size_t i = 0; i < gcc_options_nr; i++) {
		const struct gcc_option *o = &gcc_options[i];
		if (!strcmp(arg, o->name))
			return o;
		if ((o->flags & JOINED) && !strncmp(arg, o->name, strlen(o->name)) &&
		    (!best || strlen(o->name) > strlen(best->name)))
			best = o;
	}
	return best;
}

static void test_find_option_agrees_with_full_scan(void **state)
{
	static const char *const suffixes[] = { "", "x", "=1", "/usr/include", "-foo", "p" };
	char arg[128];
	const char *v;
	(void)state;

	for (size_t i = 0; i < gcc_options_nr; i++) {
		assert_true(strlen(gcc_options[i].name) >= 2);
		for (size_t k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++) {
			snprintf(arg, sizeof(arg), "%s%s", gcc_options[i].name, suffixes[k]);
			if (gcc_find_option(arg, &v) != longest_joined_prefix(arg))
				fail_msg("gcc_find_option(\"%s\") is not the full scan's", arg);
		}
	}
	assert_string_equal(gcc_find_option("-isystem/x", &v)->name, "-isystem");
	assert_string_equal(gcc_find_option("-imultilibx", &v)->name, "-imultilib");
	assert_null(gcc_find_option("-Wall", &v));
	assert_null(gcc_find_option("-", &v));
}

static void test_family_names(void **state)
{
	(void)state;
	assert_true(is_compiler_name("gcc"));
	assert_true(is_compiler_name("g++-12"));
	assert_true(is_compiler_name("clang++-14"));
	assert_true(is_compiler_name("x86_64-linux-gnu-gcc-12"));
	assert_false(is_compiler_name("zccache"));
	assert_false(is_compiler_name("gccx"));
	assert_string_equal(family_for("cc", "/usr/lib/llvm-14/bin/clang")->name, "clang");
	assert_string_equal(family_for("cc", "/usr/bin/gcc-12")->name, "gcc");
}

static void test_response_files(void **state)
{
	char *dir = unit_scratch_dir();
	char path[512], inner[512], arg[600];
	struct strvec out = STRVEC_INIT;
	(void)state;

	snprintf(inner, sizeof(inner), "%s/inner.rsp", dir);
	snprintf(path, sizeof(path), "%s/outer.rsp", dir);
	unit_write(inner, "-DINNER 'two words' \"q\\\"x\"\n");
	snprintf(arg, sizeof(arg), "-O2 @%s -c", inner);
	unit_write(path, arg);
	snprintf(arg, sizeof(arg), "@%s", path);
	char *argv[] = { "gcc", arg, "a.c" };
	assert_int_equal(expand_response_files(argv, 3, &out), 0);
	assert_int_equal(out.nr, 7);
	assert_string_equal(out.v[1], "-O2");
	assert_string_equal(out.v[2], "-DINNER");
	assert_string_equal(out.v[3], "two words");
	assert_string_equal(out.v[4], "q\"x");
	assert_string_equal(out.v[5], "-c");
	strvec_clear(&out);

	char *bad[] = { "gcc", "@/nonexistent/zccache.rsp" };
	assert_int_equal(expand_response_files(bad, 2, &out), -1);
	strvec_clear(&out);

	/* A last backslash escaping nothing: gcc drops it, clang keeps it. */
	unit_write(inner, "-DS=a\\");
	snprintf(arg, sizeof(arg), "@%s", inner);
	char *lone[] = { "gcc", arg };
	assert_int_equal(expand_response_files(lone, 2, &out), -1);
	strvec_clear(&out);
	assert_int_equal(split_response_text("-DS=a\\\\ x", &out), 0);
	assert_string_equal(out.v[0], "-DS=a\\");
	strvec_clear(&out);
	unit_rm_rf(dir);
	free(dir);
}

/* Time macros and .incbin: in code they make a compile uncacheable; in a
 * comment or (for the macros) a string literal they do not. */
static void test_scan_input(void **state)
{
	struct invocation inv;
	static const struct {
		const char *text;
		enum counter reason;
	} scans[] = {
		{ "const char *d = __DATE__;", STAT_UNC_TIME_MACROS },
		{ "int t = sizeof(__TIME__);", STAT_UNC_TIME_MACROS },
		{ "#define STAMP __TIMESTAMP__\n", STAT_UNC_TIME_MACROS },
		{ "const char *s = \"__DATE__\";", 0 },
		{ "// __TIME__ in a comment\nint x;", 0 },
		{ "/* __DATE__ */ int y;", 0 },
		{ "int MY__DATE__X;", 0 },
		{ "const char *r = R\"x(\")x\"; const char *d = __DATE__;", STAT_UNC_TIME_MACROS },
		{ "asm(\".incbin \\\"blob\\\"\");", STAT_UNC_INCBIN },
		{ "\t.incbin \"data.bin\"\n", STAT_UNC_INCBIN },
		{ "/* .incbin */ int z;", 0 },
		{ "const char *label = \".incbin directive\";", 0 },
		{ "\t.include \"inc.s\"\n", STAT_UNC_INCBIN },
		{ "int x = cfg.include;", 0 },
		{ "#pragma GCC dependency \"parse.y\"\n", STAT_UNC_PRAGMA_DEPENDENCY },
		{ "_Pragma(\"GCC dependency \\\"x.y\\\"\")\n", STAT_UNC_PRAGMA_DEPENDENCY },
		{ "/* see GCC dependency docs */ int x;", 0 },
	};
	struct invocation pinned;
	(void)state;

	analyse_cmdline("gcc -c a.c", &inv);
	for (size_t i = 0; i < sizeof(scans) / sizeof(scans[0]); i++) {
		struct include_scan scan = INCLUDE_SCAN_INIT;
		inv.family->scan_input(scans[i].text, strlen(scans[i].text), &scan);
		enum counter got = inv.family->input_verdict(&inv, &scan);
		if (got != scans[i].reason)
			fail_msg("'%s': expected %d, got %d", scans[i].text, scans[i].reason, got);
		include_scan_release(&scan);
	}
	invocation_release(&inv);

	/* The scan is the content's alone; SOURCE_DATE_EPOCH decides per compile. */
	analyse_cmdline("gcc -c a.c", &pinned);
	strvec_push(&pinned.key_env, "SOURCE_DATE_EPOCH=1");
	struct include_scan scan = INCLUDE_SCAN_INIT;
	pinned.family->scan_input(scans[0].text, strlen(scans[0].text), &scan);
	assert_int_equal(pinned.family->input_verdict(&pinned, &scan), 0);
	include_scan_release(&scan);
	invocation_release(&pinned);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decision_table),
		cmocka_unit_test(test_outputs_of_aux_options),
		cmocka_unit_test(test_key_args),
		cmocka_unit_test(test_debug_prefix_map),
		cmocka_unit_test(test_option_table_sorted),
		cmocka_unit_test(test_find_option_agrees_with_full_scan),
		cmocka_unit_test(test_find_option),
		cmocka_unit_test(test_family_names),
		cmocka_unit_test(test_response_files),
		cmocka_unit_test(test_scan_input),
	};
	return cmocka_run_group_tests_name("args", tests, NULL, NULL);
}
