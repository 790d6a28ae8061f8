/* Sub-commands of the flexmac tool: each returns the process exit status
 * (0 success, 1 failure, 2 usage error). */
#ifndef FLEXMAC_CLI_COMMANDS_H
#define FLEXMAC_CLI_COMMANDS_H

int fm_cli_info(int argc, char **argv);
int fm_cli_eval(int argc, char **argv);
int fm_cli_compare(int argc, char **argv);
int fm_cli_hw(int argc, char **argv);
int fm_cli_train(int argc, char **argv);
int fm_cli_sweep(int argc, char **argv);

#endif
