/* flexmac command-line tool: dispatches to one file per sub-command. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

int main(int argc, char **argv)
{
    /* TEMPORARY (h/train): only `train` is dispatched here; the lead
     * reconciles main.c with the other sub-commands. */
    if (argc >= 2 && strcmp(argv[1], "train") == 0)
        return fm_cli_train(argc - 1, argv + 1);
    fprintf(stderr, "flexmac: no command yet\n");
    return 2;
}
