"""The frozen program's entry point: PyInstaller needs a script, Writer has main()."""

import multiprocessing
import sys

from writer_app.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen child process must not start Writer again
    sys.exit(main())
