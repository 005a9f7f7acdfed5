"""The hexray command: annotated dumps of Python objects, and type layouts."""

import argparse
import builtins
import importlib
import re
import sys

import hexray

EXAMPLES = """\
examples:
  hexray dump 1000
  hexray dump "2**120 - 1"
  hexray dump "[1, 2, 'aaaaaaa']" --follow
  hexray dump "{'key': 'value'}" --depth 2 --bytes
  hexray dump "array.array('Q', [2**64 - 1] * 2)" --follow --no-color
  hexray dump "'héllo'" --json
  hexray layout dict
  hexray layout array.array

EXPR is evaluated in a fresh namespace; a name that is not defined there is
imported as a module if it can be (array, collections, ...).
"""


class UsageError(Exception):
    """An argument the command cannot work with; printed in one line."""


def _undefined_name(error):
    name = getattr(error, "name", None)         # 3.10+
    if name is None:
        match = re.search(r"name '(\w+)' is not defined", str(error))
        name = match.group(1) if match else None
    return name


def evaluate(expression):
    """The value of expression, evaluated in a fresh namespace."""
    namespace = {"__builtins__": builtins}
    try:
        code = compile(expression, "<EXPR>", "eval")
    except SyntaxError as error:
        raise UsageError("invalid expression %r: %s" % (expression, error.msg))
    while True:
        try:
            return eval(code, namespace)
        except NameError as error:
            name = _undefined_name(error)
            if name is None or name in namespace:
                raise UsageError("cannot evaluate %r: %s" % (expression, error))
            try:
                namespace[name] = importlib.import_module(name)
            except ImportError:
                raise UsageError("cannot evaluate %r: %s" % (expression, error))
        except Exception as error:
            raise UsageError("cannot evaluate %r: %s: %s"
                             % (expression, type(error).__name__, error))


def _parser():
    parser = argparse.ArgumentParser(
        prog="hexray",
        description="See the memory under Python objects.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version",
        version="hexray %s (CPython %s)"
        % (hexray.__version__, sys.version.split()[0]))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    dump = commands.add_parser(
        "dump", help="annotated hexdump of the value of a Python expression",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    dump.add_argument("expression", metavar="EXPR")
    dump.add_argument("--follow", action="store_true",
                      help="also dump what it points to (item arrays, dict "
                           "keys, string data) and the objects held there")
    dump.add_argument("--depth", type=int, metavar="N",
                      help="follow N steps from object to object")
    dump.add_argument("--bytes", action="store_true",
                      help="16 single bytes per row instead of 8-byte words")
    dump.add_argument("--json", action="store_true", help="print JSON")
    dump.add_argument("--no-color", action="store_true",
                      help="no colours, even in a terminal")
    dump.add_argument("--rows", type=int, default=64, metavar="N",
                      help="rows shown per dump (default 64; 0: all)")
    layout = commands.add_parser(
        "layout", help="the fields of a type's instances, without an instance",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    layout.add_argument("type", metavar="TYPE",
                        help="an expression naming a type, e.g. dict or "
                             "array.array")
    layout.add_argument("--json", action="store_true", help="print JSON")
    layout.add_argument("--no-color", action="store_true",
                        help="no colours, even in a terminal")
    return parser


def _color(args):
    return not args.no_color and not args.json and hexray._dump._wants_color(
        sys.stdout)


def run(argv=None):
    """Run the command; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        value = evaluate(args.expression if args.command == "dump"
                         else args.type)
        if args.command == "dump":
            hexray.dump(value, follow=args.follow, depth=args.depth,
                        bytes=args.bytes, color=_color(args),
                        format="json" if args.json else "text",
                        rows=args.rows or None)
            return 0
        if not isinstance(value, type):
            raise UsageError("%r is not a type but a %s"
                             % (args.type, type(value).__name__))
        schema = hexray.schema(value)
        if args.json:
            import json
            print(json.dumps(schema.to_dict(), indent=2))
        else:
            sys.stdout.write(schema.render(color=_color(args)))
        return 0
    except UsageError as error:
        print("hexray: %s" % error, file=sys.stderr)
        return 2
    except hexray.HexrayError as error:
        print("hexray: %s" % error, file=sys.stderr)
        return 1


def main():
    """Entry point of the hexray command."""
    sys.exit(run())
