"""``python -m argos_addon``: the command line (same as the ``argos-addon`` script)."""

from ._cli import entry

entry()
