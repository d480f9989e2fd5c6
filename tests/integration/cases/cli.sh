# cli: the subcommands and the errors for bad input.

test_version() {
	expect_exit 0 "$ZCCACHE" --version
	expect_contains "$T/.cap/last.out" zccache
	expect_match "$T/.cap/last.out" '[0-9]+\.[0-9]+'
}

test_help() {
	expect_exit 0 "$ZCCACHE" --help
	local w
	for w in stats clear trim config; do
		expect_contains "$T/.cap/last.out" "$w"
	done
}

# expect_one_line_error CMD...: CMD fails with one "zccache: error: " line.
expect_one_line_error() {
	expect_nonzero "$@"
	expect_lines "$T/.cap/last.err" 1
	expect_match "$T/.cap/last.err" '^zccache: error: '
}

test_unknown_compiler() {
	warning_c_source >a.c
	expect_one_line_error "$ZCCACHE" no-such-compiler-zc -c a.c
	expect_missing a.o
}

test_unknown_compiler_absolute_path() {
	warning_c_source >a.c
	expect_one_line_error "$ZCCACHE" "$T/no/such/gcc" -c a.c
}

test_unknown_option() {
	expect_nonzero "$ZCCACHE" --nonsense-option
	expect_match "$T/.cap/last.err" '^zccache: error'
}

test_bogus_double_dash() {
	expect_nonzero "$ZCCACHE" --bogus
	expect_match "$T/.cap/last.err" 'zccache'
}

test_stats_bad_option() {
	expect_nonzero "$ZCCACHE" stats --nonsense
	expect_match "$T/.cap/last.err" 'zccache'
}

test_no_arguments() {
	expect_nonzero "$ZCCACHE"
}

test_compiler_that_is_not_executable() {
	warning_c_source >a.c
	echo 'not a program' >notexec
	expect_nonzero "$ZCCACHE" "$T/notexec" -c a.c
	expect_match "$T/.cap/last.err" 'zccache'
}

# zccache named as its own compiler must not recurse.
test_zccache_as_compiler() {
	warning_c_source >a.c
	expect_nonzero timeout 10 "$ZCCACHE" "$ZCCACHE" -c a.c
	[ "$(cat "$T/.cap/last.rc")" != 124 ] || fail "zccache zccache hung"
}

# Subcommands work with the cache dir not yet created.
test_subcommands_on_missing_cache() {
	expect_exit 0 "$ZCCACHE" stats
	expect_exit 0 "$ZCCACHE" stats --json
	expect_exit 0 "$ZCCACHE" stats --zero
	expect_exit 0 "$ZCCACHE" trim
	expect_exit 0 "$ZCCACHE" clear
	expect_exit 0 "$ZCCACHE" config
}
