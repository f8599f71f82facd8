# bench/: benchmarks, never part of `make check`. Each has a README line in bench/README.md.
