/* flexmac command-line tool: dispatches to one file per sub-command. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

int main(int argc, char **argv)
{
    /* TEMPORARY (h/hw branch): only `hw` is wired; the lead reconciles. */
    if (argc >= 2 && strcmp(argv[1], "hw") == 0)
        return fm_cli_hw(argc - 1, argv + 1);
    fprintf(stderr, "flexmac: no command yet\n");
    return 2;
}
