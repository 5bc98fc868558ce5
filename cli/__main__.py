"""``python -m cli``: the same as the ``banquan`` command."""

from cli.main import main

main()
