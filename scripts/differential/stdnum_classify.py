"""Classify identifier values with python-stdnum, for scripts/differential/run.ts.

Reads JSON lines {"kind": "resident_id" | "uscc", "value": str} on stdin and writes one JSON
line per input, in order: {"valid": bool, "error": exception class name or null,
"compact": stdnum's compact form or null}. Uses stdnum.cn.ric and stdnum.cn.uscc.
"""
import json
import sys

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

MODULES = {"resident_id": ric, "uscc": uscc}


def ric_component_detail(value: str) -> str:
    """Why stdnum.cn.ric raised InvalidComponent: the birth date, or the county (unknown, or not in force in the birth year)."""
    from stdnum import numdb

    number = ric.compact(value)
    try:
        ric.get_birth_date(number)
    except ValidationError:
        return "birth date"
    info = {k: v for part, props in numdb.get("cn/loc").info(number[:6]) for k, v in props.items()}
    if "county" not in info:
        return "county unknown"
    return "county not in force in the birth year"


def judge(kind: str, value: str) -> dict:
    module = MODULES[kind]
    try:
        return {"valid": True, "error": None, "compact": module.validate(value)}
    except ValidationError as error:
        name = type(error).__name__
        if kind == "resident_id" and name == "InvalidComponent":
            name = f"{name} ({ric_component_detail(value)})"
        return {"valid": False, "error": name, "compact": None}
    except Exception as error:  # noqa: BLE001 - an exception of another kind is itself a finding
        return {"valid": False, "error": f"crash:{type(error).__name__}", "compact": None}


def main() -> None:
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        item = json.loads(line)
        out.write(json.dumps(judge(item["kind"], item["value"])) + "\n")


if __name__ == "__main__":
    main()
