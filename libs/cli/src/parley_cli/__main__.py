from parley_cli.main import run

run()
