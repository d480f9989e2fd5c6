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

# -M SIZE (--max-size), as ccache's: the limit goes into the config file,
# the other lines stay; a size that is no size is refused.
test_max_size_sets_config() {
	expect_exit 0 "$ZCCACHE" -M 200M
	grep -qx 'max_size = 200M' "$ZCCACHE_DIR/zccache.conf" || fail "no max_size line"
	echo '# mine' >>"$ZCCACHE_DIR/zccache.conf"
	expect_exit 0 "$ZCCACHE" --max-size=1G
	grep -qx 'max_size = 1G' "$ZCCACHE_DIR/zccache.conf" || fail "max_size not replaced"
	grep -qx '# mine' "$ZCCACHE_DIR/zccache.conf" || fail "another line was lost"
	[ "$(grep -c max_size "$ZCCACHE_DIR/zccache.conf")" = 1 ] || fail "two max_size lines"
	"$ZCCACHE" config | grep -q 'max_size = 1.0 GiB\|max_size = 953\|max_size = 1' ||
		fail "config does not show the new limit: $("$ZCCACHE" config | grep max_size)"
	local bad
	for bad in nan inf 0x10 1e30 0.5 -1 12Q; do
		expect_exit 2 "$ZCCACHE" -M "$bad"
	done
	grep -qx 'max_size = 1G' "$ZCCACHE_DIR/zccache.conf" || fail "a refused size changed the file"
}
