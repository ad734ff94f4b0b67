# Benchmarks and the constant-time check (filled in below as they land).
.PHONY: bench bench-count ct-test ct-bins
ct-bins:
