/* scalper: command-line entry. Only main chooses the exit code. */
#include <stdio.h>
#include <string.h>

#include "app/cli.h"

int main(int argc, char **argv) {
    return sc_cli_main(argc, argv);
}
