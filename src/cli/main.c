/* flexmac command-line tool: dispatches to one file per sub-command. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} command;

static const command commands[] = {
    {"info", fm_cli_info, "layers, shapes, MACs and parameters of a model"},
    {"eval", fm_cli_eval, "accuracy of a model on a data set under arithmetic configurations"},
    {"compare", fm_cli_compare, "the main job: embedded model in float, FxP8, FxP6, FxP4 (one table)"},
    {"train", fm_cli_train, "train the embedded LeNet on Fashion-MNIST and export it as ONNX"},
    {"sweep", fm_cli_sweep, "accuracy over a grid of uniform Ax-BxP / ASM configurations"},
    {"hw", fm_cli_hw, "accelerator cycles, traffic and energy of a network and configuration"},
};

static void usage(FILE *f)
{
    fputs("usage: flexmac COMMAND [options]   (flexmac COMMAND --help for its options)\n\ncommands:\n", f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return FM_CLI_USAGE_ERR;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    cli_error("unknown command '%s'", argv[1]);
    usage(stderr);
    return FM_CLI_USAGE_ERR;
}
