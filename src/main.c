#include "util/compat.h"
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return zc_main(argc, argv);
}
