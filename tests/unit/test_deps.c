/* Dependency files, include search chains and shadowing candidates. */
#include "unit.h"
#include "compiler/depfile.h"
#include "compiler/includes.h"

static void test_prerequisites(void **state)
{
	struct strvec v = STRVEC_INIT;
	const char *text = "out/a.o: src/a.c /usr/include/stdio.h \\\n"
			   " inc/with\\ space.h money$$.h hash\\#.h\n"
			   "/usr/include/stdio.h:\n";
	(void)state;

	assert_int_equal(depfile_prerequisites(text, strlen(text), &v), 0);
	assert_int_equal(v.nr, 5);
	assert_string_equal(v.v[0], "src/a.c");
	assert_string_equal(v.v[1], "/usr/include/stdio.h");
	assert_string_equal(v.v[2], "inc/with space.h");
	assert_string_equal(v.v[3], "money$.h");
	assert_string_equal(v.v[4], "hash#.h");
	strvec_clear(&v);
	assert_int_equal(depfile_prerequisites("garbage", 7, &v), -1);
	strvec_clear(&v);
}

static void test_retarget(void **state)
{
	struct strbuf out = STRBUF_INIT;
	const char *text = "old.o: a.c a.h\n";
	(void)state;

	assert_int_equal(depfile_retarget(text, strlen(text), "old.o", "dir/new.o", DEPFILE_WRAP_GCC,
					  &out), 0);
	assert_string_equal(out.buf, "dir/new.o: a.c a.h\n");
	strbuf_reset(&out);
	/* Not written for that target: refuse rather than guess. */
	assert_int_equal(depfile_retarget(text, strlen(text), "other.o", "n.o", DEPFILE_WRAP_GCC, &out),
			 -1);
	strbuf_reset(&out);
	assert_int_equal(depfile_retarget("a b.o: x\n", 9, "a b.o", "c.o", DEPFILE_WRAP_GCC, &out), -1);
	assert_int_equal(depfile_retarget("a\\ b.o: x\n", 10, "a b.o", "c d.o", DEPFILE_WRAP_CLANG,
					  &out), 0);
	assert_string_equal(out.buf, "c\\ d.o: x\n");
	strbuf_release(&out);
}

static void test_parse_search_output(void **state)
{
	struct search_dirs d = SEARCH_DIRS_INIT, back = SEARCH_DIRS_INIT;
	struct strbuf ser = STRBUF_INIT;
	const char *text =
		"ignoring nonexistent directory \"gen\"\n"
		"#include \"...\" search starts here:\n"
		" q\n"
		"#include <...> search starts here:\n"
		" a\n"
		" b\n"
		" /usr/include\n"
		"End of search list.\n";
	(void)state;

	assert_int_equal(parse_cpp_search_output(text, &d), 0);
	assert_int_equal(d.chain.nr, 4);
	assert_string_equal(d.chain.v[0], "q");
	assert_string_equal(d.chain.v[3], "/usr/include");
	assert_int_equal(d.missing.nr, 1);
	search_dirs_serialize(&d, &ser);
	assert_int_equal(search_dirs_deserialize(ser.buf, ser.len, &back), 0);
	assert_int_equal(back.chain.nr, 4);
	assert_string_equal(back.missing.v[0], "gen");
	assert_int_equal(parse_cpp_search_output("no list here\n", &back), -1);
	/* Named on the command line, and neither searched nor missing. */
	char *given[] = { "./a/", "gen", "c", "q", "/abs/a", "c" };
	search_dirs_add_skipped(&d, given, 6);
	assert_int_equal(d.skipped.nr, 2);
	assert_string_equal(d.skipped.v[0], "c");
	assert_string_equal(d.skipped.v[1], "/abs/a");
	strbuf_reset(&ser);
	search_dirs_release(&back);
	search_dirs_serialize(&d, &ser);
	assert_int_equal(search_dirs_deserialize(ser.buf, ser.len, &back), 0);
	assert_int_equal(back.skipped.nr, 2);
	assert_string_equal(back.skipped.v[1], "/abs/a");
	search_dirs_release(&d);
	search_dirs_release(&back);
	strbuf_release(&ser);
}

static bool contains(const struct strvec *v, const char *s)
{
	for (size_t i = 0; i < v->nr; i++)
		if (!strcmp(v->v[i], s))
			return true;
	return false;
}

static bool in_set(const struct strset *set, const char *s)
{
	return strset_contains(set, s, strlen(s));
}

static void test_shadow_candidates(void **state)
{
	struct search_dirs d = SEARCH_DIRS_INIT;
	struct strset out = STRSET_INIT;
	(void)state;

	strvec_push(&d.chain, "a");
	strvec_push(&d.chain, "b");
	strvec_push(&d.chain, "/usr/include");
	strvec_push(&d.chain, "after");
	strvec_push(&d.missing, "gen");
	char *inputs[] = { "src/main.c", "b/x.h", "/usr/include/stdio.h", "b/sub/y.h", "a/first.h" };
	struct include_scan scans[5] = { INCLUDE_SCAN_INIT, INCLUDE_SCAN_INIT, INCLUDE_SCAN_INIT,
					 INCLUDE_SCAN_INIT, INCLUDE_SCAN_INIT };
	const char *main_c = "#include \"x.h\"\n #  include <stdio.h>\n#include \"sub/y.h\"\n"
			     "#if __has_include(<opt.h>)\n#endif\n";
	scan_includes(main_c, strlen(main_c), &scans[0]);
	assert_int_equal(scans[0].quoted.nr, 2);
	assert_false(scans[0].computed);
	const char *first_h = "#include MACRO_NAME\n";
	scan_includes(first_h, strlen(first_h), &scans[4]);
	assert_true(scans[4].computed);
	char *forced_names[] = { "forced.h" };
	shadow_candidates(&d, inputs, scans, 5, forced_names, 1, &out);
	assert_true(in_set(&out, "forced.h"));
	/* x.h was found in b: a/x.h would have been found first. */
	assert_true(in_set(&out, "a/x.h"));
	/* ... and so would the includer's directory, and a missing dir. */
	assert_true(in_set(&out, "src/x.h"));
	assert_true(in_set(&out, "gen/x.h"));
	assert_true(in_set(&out, "a/sub/y.h"));
	assert_true(in_set(&out, "a/stdio.h"));
	assert_true(in_set(&out, "b/stdio.h"));
	/* __has_include probes every directory: candidates of their own (what
	 * exists there is an input, not a path passed over). */
	assert_false(in_set(&out, "after/opt.h"));
	struct strset probes = STRSET_INIT;
	probe_candidates(&d, inputs, scans, 5, &probes);
	assert_true(in_set(&probes, "after/opt.h"));
	assert_true(in_set(&probes, "src/opt.h"));
	assert_true(in_set(&probes, "gen/opt.h"));
	assert_true(in_set(&probes, "a/opt.h"));
	assert_false(in_set(&probes, "a/x.h"));
	strset_clear(&probes);
	/* A computed include in a/first.h may quote-include anything. */
	assert_true(in_set(&out, "a/stdio.h"));
	/* Nobody quote-includes stdio.h from b/sub. */
	assert_false(in_set(&out, "b/sub/stdio.h"));
	/* Never the header itself, nor a directory searched after it. */
	assert_false(in_set(&out, "b/x.h"));
	assert_false(in_set(&out, "after/x.h"));
	assert_false(in_set(&out, "after/first.h"));
	assert_false(in_set(&out, "/usr/include/stdio.h"));
	/* Precompiled variants of what the source includes. */
	struct strset pch = STRSET_INIT;
	char *forced[] = { "pre.h" };
	pch_candidates(&d, inputs[0], &scans[0], forced, 1, &pch);
	assert_true(in_set(&pch, "src/x.h.gch"));
	assert_true(in_set(&pch, "b/x.h.gch"));
	assert_true(in_set(&pch, "a/stdio.h.gch"));
	assert_false(in_set(&pch, "src/stdio.h.gch")); /* <> skips the source dir */
	assert_true(in_set(&pch, "pre.h.gch"));
	assert_true(in_set(&pch, "gen/sub/y.h.gch"));
	strset_clear(&pch);
	for (int i = 0; i < 5; i++)
		include_scan_release(&scans[i]);
	strset_clear(&out);
	search_dirs_release(&d);
}

/* Names no input accounts for: gcc listed a symlinked system header by its
 * target, or an #if skipped them. Each comes with its places, in order. */
static void test_unexplained_names(void **state)
{
	struct search_dirs d = SEARCH_DIRS_INIT;
	struct strvec out = STRVEC_INIT;
	(void)state;

	strvec_push(&d.chain, "s0");
	strvec_push(&d.chain, "/sys");
	char *inputs[] = { "src/main.c", "/sys/wrap.h", "/sys/term.h", "src/local.h" };
	struct include_scan scans[4] = { INCLUDE_SCAN_INIT, INCLUDE_SCAN_INIT, INCLUDE_SCAN_INIT,
					 INCLUDE_SCAN_INIT };
	const char *main_c = "#include <wrap.h>\n#include \"local.h\"\n#include \"gone.h\"\n";
	const char *wrap_h = "#include <ncursesw/term.h>\n#include <wrap.h>\n";
	scan_includes(main_c, strlen(main_c), &scans[0]);
	scan_includes(wrap_h, strlen(wrap_h), &scans[1]);
	unexplained_names(&d, inputs, scans, 4, &out);
	/* wrap.h is found through /sys, local.h beside its includer. */
	assert_false(contains(&out, "s0/wrap.h"));
	assert_false(contains(&out, "src/local.h"));
	/* A quoted name is looked for beside its includer first. */
	assert_int_equal(out.nr, 7);
	assert_string_equal(out.v[0], "src/gone.h");
	assert_string_equal(out.v[1], "s0/gone.h");
	assert_string_equal(out.v[2], "/sys/gone.h");
	assert_string_equal(out.v[3], "");
	assert_string_equal(out.v[4], "s0/ncursesw/term.h");
	assert_string_equal(out.v[5], "/sys/ncursesw/term.h");
	assert_string_equal(out.v[6], "");
	/* Every input a name that is included: nothing to look up. */
	strvec_clear(&out);
	const char *wrap_direct = "#include <ncursesw/term.h>\n#include <term.h>\n";
	include_scan_release(&scans[1]);
	scan_includes(wrap_direct, strlen(wrap_direct), &scans[1]);
	strvec_push(&scans[0].angled, "wrap.h");
	unexplained_names(&d, inputs, scans, 3, &out);
	assert_int_equal(out.nr, 0);
	for (int i = 0; i < 4; i++)
		include_scan_release(&scans[i]);
	strvec_clear(&out);
	search_dirs_release(&d);
}

/* Spellings of a directive the preprocessor accepts: comments and form
 * feeds between '#' and the name, the "%:" digraph. */
static void test_scan_spellings(void **state)
{
	struct include_scan scan = INCLUDE_SCAN_INIT;
	const char *text = "#/**/include \"a.h\"\n"
			   "# /* c */ include /* d */ <b.h>\n"
			   "#\f\vinclude \"c.h\"\n"
			   "%:include \"d.h\"\n"
			   "  %: /**/ include_next <e.h>\n"
			   "int x = 10 % 3; /* not a directive: % then space */\n";
	(void)state;

	scan_includes(text, strlen(text), &scan);
	assert_int_equal(scan.quoted.nr, 3);
	assert_string_equal(scan.quoted.v[0], "a.h");
	assert_string_equal(scan.quoted.v[1], "c.h");
	assert_string_equal(scan.quoted.v[2], "d.h");
	assert_int_equal(scan.angled.nr, 2);
	assert_string_equal(scan.angled.v[0], "b.h");
	assert_string_equal(scan.angled.v[1], "e.h");
	assert_false(scan.computed);
	include_scan_release(&scan);

	/* A comment that runs past the line may hide a directive. */
	text = "# /* a comment\n   that ends here */ include \"f.h\"\n";
	scan_includes(text, strlen(text), &scan);
	assert_true(scan.computed);
	include_scan_release(&scan);

	/* Line splices go first, even inside a word; blanks may follow the
	 * backslash, and "??/" is a backslash. */
	struct strbuf spliced = STRBUF_INIT;
	text = "#inc\\\nlude \"g.h\"\n#if __has_\\ \t\r\ninclude(<h.h>)\n#in?" "?/\nclude <i.h>\n"
	       "char *s = \"\\n\"; /* no splice */\n";
	assert_true(splice_lines(text, strlen(text), &spliced));
	assert_string_equal(spliced.buf, "#include \"g.h\"\n#if __has_include(<h.h>)\n"
					 "#include <i.h>\nchar *s = \"\\n\"; /* no splice */\n");
	strbuf_reset(&spliced);
	assert_false(splice_lines("a\\b\n", 4, &spliced));
	assert_int_equal(spliced.len, 0);
	strbuf_release(&spliced);
}

/* Macros that wrap __has_include: their header-name calls are probes. */
static void test_probe_wrappers(void **state)
{
	struct include_scan scans[3] = { INCLUDE_SCAN_INIT, INCLUDE_SCAN_INIT, INCLUDE_SCAN_INIT };
	const char *cfg = "#define HAS(x) __has_include(x)\n"
			  "#  define HAS2(y, \\\n z) (HAS(y) && 1)\n"
			  "#define ALIAS __has_include\n"
			  "#define NOT_A_PROBE(x) foo(x)\n";
	const char *src = "#include \"cfg.h\"\n"
			  "#if HAS(\"opt.h\") || defined(X)\n#endif\n"
			  "#if ALIAS(<alias.h>)\n#endif\n"
			  "%:if NOT_A_PROBE(\"nope.h\")\n#endif\n"
			  "int f(void) { return HAS(\"code.h\"); } /* not a directive */\n";
	(void)state;

	scan_includes(cfg, strlen(cfg), &scans[1]);
	scan_includes(src, strlen(src), &scans[0]);
	assert_int_equal(resolve_probe_wrappers(scans, 2), 0);
	assert_true(contains(&scans[0].probed, "opt.h"));
	assert_true(contains(&scans[0].probed, "alias.h"));
	assert_false(contains(&scans[0].probed, "nope.h"));
	assert_false(contains(&scans[0].probed, "code.h"));
	include_scan_release(&scans[0]);

	/* A two-argument call is no header name: the probe is unknown. */
	const char *two = "#if HAS2(<sys/opt2.h>, 1)\n#endif\n";
	scan_includes(two, strlen(two), &scans[0]);
	assert_int_equal(resolve_probe_wrappers(scans, 2), -1);
	include_scan_release(&scans[0]);

	/* The name is a macro's: only the preprocessor knows it. */
	const char *named = "#define NAME \"opt.h\"\n#if __has_include(NAME)\n#endif\n";
	scan_includes(named, strlen(named), &scans[2]);
	assert_int_equal(resolve_probe_wrappers(&scans[2], 1), -1);
	for (int i = 0; i < 3; i++)
		include_scan_release(&scans[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prerequisites),
		cmocka_unit_test(test_retarget),
		cmocka_unit_test(test_parse_search_output),
		cmocka_unit_test(test_shadow_candidates),
		cmocka_unit_test(test_unexplained_names),
		cmocka_unit_test(test_scan_spellings),
		cmocka_unit_test(test_probe_wrappers),
	};
	return cmocka_run_group_tests_name("deps", tests, NULL, NULL);
}
