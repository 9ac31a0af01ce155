/*
 * main.c - command line: flags and subcommands; wiring only.
 */
#include <stdio.h>
#include <string.h>

#include "dw.h"

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("drainwatch %s\n", DW_VERSION);
		return 0;
	}
	fprintf(stderr, "drainwatch: not yet wired\n");
	return 2;
}
