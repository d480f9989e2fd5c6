/* Settings: precedence, origins, sizes, and errors that name file:line. */
#include "unit.h"
#include "config/config.h"
#include "util/log.h"

static void test_sizes(void **state)
{
	uint64_t v;
	(void)state;

	assert_int_equal(parse_size("5Gi", &v), 0);
	assert_int_equal(v, 5ULL << 30);
	assert_int_equal(parse_size("500M", &v), 0);
	assert_int_equal(v, 500000000ULL);
	assert_int_equal(parse_size("1.5KiB", &v), 0);
	assert_int_equal(v, 1536);
	assert_int_equal(parse_size("1024", &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(parse_size("12X", &v), -1);
	assert_int_equal(parse_size("", &v), -1);
	assert_int_equal(parse_size("-1", &v), -1);
}

static void test_precedence_and_errors(void **state)
{
	char *dir = unit_scratch_dir();
	char conf[600];
	struct config cfg;
	struct strbuf dump = STRBUF_INIT;
	(void)state;

	setenv("ZCCACHE_DIR", dir, 1);
	unsetenv("ZCCACHE_MAXSIZE");
	unsetenv("ZCCACHE_COMPRESSION_LEVEL");
	snprintf(conf, sizeof(conf), "%s/zccache.conf", dir);
	unit_write(conf, "# comment\nmax_size = 10M\ncompression_level = 5\n");
	setenv("ZCCACHE_COMPRESSION_LEVEL", "0", 1);
	assert_int_equal(config_load(&cfg), 0);
	assert_int_equal(cfg.max_size, 10000000);
	assert_int_equal(cfg.compression_level, 0);
	assert_int_equal(cfg.origin[CONF_MAX_SIZE], ORIGIN_FILE);
	assert_int_equal(cfg.origin[CONF_COMPRESSION_LEVEL], ORIGIN_ENV);
	assert_int_equal(cfg.origin[CONF_DISABLE], ORIGIN_DEFAULT);
	config_dump(&cfg, &dump);
	assert_non_null(strstr(dump.buf, "(file) max_size = 9.5 MiB"));
	assert_non_null(strstr(dump.buf, "(environment) compression_level = 0"));
	config_release(&cfg);

	unit_write(conf, "max_size = 10M\nno_such_key = 1\n");
	assert_int_equal(config_load(&cfg), -1);
	assert_non_null(strstr(last_error(), "zccache.conf:2: unknown setting 'no_such_key'"));
	config_release(&cfg);
	unit_write(conf, "max_size = lots\n");
	assert_int_equal(config_load(&cfg), -1);
	assert_non_null(strstr(last_error(), ":1: bad value 'lots'"));
	config_release(&cfg);
	unit_write(conf, "just words\n");
	assert_int_equal(config_load(&cfg), -1);
	assert_non_null(strstr(last_error(), ":1: expected 'key = value'"));
	config_release(&cfg);

	setenv("ZCCACHE_DISABLE", "maybe", 1);
	unit_write(conf, "");
	assert_int_equal(config_load(&cfg), -1);
	assert_non_null(strstr(last_error(), "ZCCACHE_DISABLE"));
	config_release(&cfg);
	unsetenv("ZCCACHE_DISABLE");
	unsetenv("ZCCACHE_COMPRESSION_LEVEL");

	/* No ZCCACHE_DIR and no HOME: no cache dir, but no crash. */
	unsetenv("ZCCACHE_DIR");
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	char *xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
	unsetenv("HOME");
	unsetenv("XDG_CACHE_HOME");
	assert_int_equal(config_load(&cfg), 0);
	assert_null(cfg.cache_dir);
	config_release(&cfg);
	if (home)
		setenv("HOME", home, 1);
	if (xdg)
		setenv("XDG_CACHE_HOME", xdg, 1);
	free(home);
	free(xdg);
	strbuf_release(&dump);
	unit_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_precedence_and_errors),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
