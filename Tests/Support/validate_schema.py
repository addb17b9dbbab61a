"""Validate YAML specs against mimicc's JSON Schema; used by SchemaTests.

Prints 'ok PATH' or 'invalid PATH' (then the reasons) for each file. Exit status 3 when
jsonschema or PyYAML is missing, so the Swift test can skip and say why.
"""
import json
import sys

try:
    import jsonschema
    import yaml
except ImportError as error:  # pragma: no cover - depends on the machine
    print(f"missing Python package: {error.name}")
    sys.exit(3)


def main() -> int:
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
        errors = list(validator.iter_errors(document))
        print(("invalid " if errors else "ok ") + path)
        for error in errors:
            print(f"  {list(error.absolute_path)}: {error.message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
