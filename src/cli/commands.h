/* Sub-commands of the flexmac CLI: each takes the arguments after its name
 * (argv[0] is the sub-command's name) and returns the process exit status
 * (0 success, 1 failure, 2 bad usage). */
#ifndef FLEXMAC_CLI_COMMANDS_H
#define FLEXMAC_CLI_COMMANDS_H

int fm_cli_train(int argc, char **argv);

#endif
