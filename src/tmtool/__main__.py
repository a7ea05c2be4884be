from tmtool.cli import cli

cli(prog_name="tmtool")
