"""``python3 -m egress_analysis COMMAND ...``

Commands:
  report RESULT.h5 -o DIR [--baseline BASE.h5] [--format png svg pdf]
      figures and a summary table of a run (or of a merged sweep file)
  plot RESULT.h5 [-o OUT.png]
      the quick amounts-per-species plot of ``egress_analysis.plot``
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "report":
        from .report import main as report

        return report(rest)
    if command == "plot":
        from .plot import main as plot

        return plot(rest)
    print(f"python3 -m egress_analysis: unknown command {command!r}\n\n{__doc__.strip()}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
