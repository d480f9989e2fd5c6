/*
 * family.c - which family handles a compiler, and the invocation's life.
 */
#include "../util/compat.h"
#include "compiler.h"
#include "gcc.h"
#include "../util/fs.h"

#include <stdlib.h>
#include <string.h>

static int unknown_analyse(struct invocation *inv)
{
	inv->uncacheable = STAT_UNC_UNSUPPORTED_LANGUAGE;
	return 0;
}

static const struct compiler_family unknown_family = {
	.name = "other",
	.analyse = unknown_analyse,
};

const struct compiler_family *family_for(const char *called_name, const char *real_path)
{
	const char *names[2] = { path_basename(real_path), path_basename(called_name) };

	/* The file that really runs decides ("cc" may be clang). */
	for (int i = 0; i < 2; i++) {
		if (strstr(names[i], "clang") && is_compiler_name(names[i]))
			return &clang_family;
		if (is_compiler_name(names[i]))
			return &gcc_family;
	}
	return &unknown_family;
}

void invocation_init(struct invocation *inv)
{
	memset(inv, 0, sizeof(*inv));
}

void invocation_release(struct invocation *inv)
{
	strvec_clear(&inv->orig_argv);
	strvec_clear(&inv->env);
	strvec_clear(&inv->args);
	strvec_clear(&inv->key_args);
	strvec_clear(&inv->key_files);
	strvec_clear(&inv->key_env);
	strvec_clear(&inv->forced_includes);
	for (int i = 0; i < inv->nr_outputs; i++)
		free(inv->outputs[i].path);
	free(inv->compiler);
	free(inv->real_compiler);
	free(inv->cwd);
	free(inv->source);
	free(inv->key_cwd);
	free(inv->user_depfile);
	free(inv->dep_target);
	memset(inv, 0, sizeof(*inv));
}

void invocation_add_output(struct invocation *inv, enum output_kind kind, const char *path)
{
	if (inv->nr_outputs >= MAX_OUTPUTS)
		return;
	inv->outputs[inv->nr_outputs].kind = kind;
	inv->outputs[inv->nr_outputs].path = xstrdup(path);
	inv->nr_outputs++;
}

const char *invocation_output(const struct invocation *inv, enum output_kind kind)
{
	for (int i = 0; i < inv->nr_outputs; i++)
		if (inv->outputs[i].kind == kind)
			return inv->outputs[i].path;
	return NULL;
}

const char *invocation_getenv(const struct invocation *inv, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < inv->env.nr; i++)
		if (!strncmp(inv->env.v[i], name, n) && inv->env.v[i][n] == '=')
			return inv->env.v[i] + n + 1;
	return NULL;
}
