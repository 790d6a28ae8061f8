/* Sub-commands of the flexmac tool, one file each (src/cli/cmd_*.c). Each
 * takes the arguments after its name (argv[0] = the sub-command) and
 * returns the process exit status: 0 ok, 1 error, 2 usage error. */
#ifndef FLEXMAC_CLI_COMMANDS_H
#define FLEXMAC_CLI_COMMANDS_H

int fm_cli_hw(int argc, char **argv);

#endif
