"""Provider classes of the toolchain probe: imported (pickled by reference), never defined in __main__."""
