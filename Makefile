# The README's two commands are `make demo` and `make test`; each sets up a
# fresh machine itself (scripts/setup.sh is idempotent and fast when warm).
.PHONY: demo test bench setup stop package
demo:
	bash scripts/demo.sh
test:
	bash scripts/test.sh
bench:
	bash scripts/bench.sh
setup:
	bash scripts/setup.sh
stop:
	bash -c 'source scripts/lib.sh; stop_all_clusters'
# Release tarballs for PG15 and PG18 (+ SHA256SUMS) in $CARGO_TARGET_DIR/packages
# (default target/packages); docs/deploy.md says how to install them.
package: setup
	bash scripts/package.sh
