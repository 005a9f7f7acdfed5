# hexray's daily habits.  `make test` and `make demo` set up everything they
# need (a virtual environment per CPython, filled by pip) on first use.
#
#   make test            build and test on every CPython 3.9-3.13 found
#   make test PY=3.12    ... on one (or several: PY="3.9 3.13")
#   make demo            build and run the demo
#   make bench           benchmark against ctypes and the libraries hexray replaces
#   make clean           remove builds and virtual environments

PY ?=

.PHONY: test demo bench clean

test:
	@tools/dev test $(PY)

demo:
	@tools/dev demo $(PY)

bench:
	@tools/dev bench $(PY)

clean:
	rm -rf .venv build dist src/*.egg-info src/hexray/*.so
