/* flexmac command-line tool: dispatches to one file per sub-command. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "flexmac: no command yet\n");
    return 2;
}
