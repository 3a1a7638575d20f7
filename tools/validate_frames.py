#!/usr/bin/env python3
"""Validate the charge point's side of a dev CS frames log against the
official OCPP 1.6J JSON schemas.

    python3 tools/validate_frames.py FILE.jsonl [FILE2.jsonl ...]
        [--summary-json OUT] [--allow-empty]

Every ``"dir": "cp->cs"`` frame is checked:

* CALL ``[2, id, action, payload]``: payload against ``<action>.json``;
* CALLRESULT ``[3, id, payload]``: payload against ``<action>Response.json``,
  where the action comes from the CS->CP CALL with the same id and cp_id
  earlier in the same file;
* CALLERROR ``[4, id, code, description, details]``: structure and an OCPP 1.6
  error code;
* anything else (non-JSON, binary, wrong shape) is a failure.

The schemas are loaded from the installed ``ocpp`` package (ocpp/v16/schemas).
Importable: ``validate_file(path) -> (n, failures)``.
"""

from __future__ import annotations

import argparse
import decimal
import importlib.resources
import json
import re
import sys
from datetime import datetime
from functools import lru_cache
from typing import Any, Iterable

from jsonschema import Draft4Validator, FormatChecker

# OCPP-J 1.6 section 4.2.3 (spelling as in the spec, including its typos).
OCPP16_ERROR_CODES = frozenset({
    "NotImplemented", "NotSupported", "InternalError", "ProtocolError",
    "SecurityError", "FormationViolation", "PropertyConstraintViolation",
    "OccurenceConstraintViolation", "TypeConstraintViolation", "GenericError",
})
MAX_UNIQUE_ID_LEN = 36  # OCPP-J 1.6 section 4.1.3

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


def _is_date_time(value: Any) -> bool:
    """RFC 3339 date-time (what JSON schema 'date-time' means), range-checked.

    Implemented here rather than relying on jsonschema's optional
    rfc3339-validator dependency, which silently disables the check when absent.
    """
    if not isinstance(value, str):
        return True  # formats only constrain strings
    m = _RFC3339.match(value)
    if not m:
        return False
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    try:
        datetime(year, month, day, hour, minute, min(second, 59))  # allow leap second 60
    except ValueError:
        return False
    if second > 60:
        return False
    offset = m.group(8)
    if offset not in ("Z", "z"):
        oh, om = int(offset[1:3]), int(offset[4:6])
        if oh > 23 or om > 59:
            return False
    return True


_FORMAT_CHECKER = FormatChecker(formats=())
_FORMAT_CHECKER.checks("date-time")(_is_date_time)


def _schema_dir():
    return importlib.resources.files("ocpp.v16").joinpath("schemas")


@lru_cache(maxsize=None)
def get_validator(schema_name: str) -> Draft4Validator | None:
    """Draft-04 validator for e.g. "BootNotification" or "ResetResponse",
    or None if the package has no such schema (i.e. not an OCPP 1.6 action)."""
    res = _schema_dir().joinpath(f"{schema_name}.json")
    if not res.is_file():
        return None
    # Decimal floats: several schemas use "multipleOf": 0.1, which fails for
    # binary floats (21.4 / 0.1 != 214).  Payloads are parsed the same way.
    schema = json.loads(res.read_text(encoding="utf-8-sig"), parse_float=decimal.Decimal)
    return Draft4Validator(schema, format_checker=_FORMAT_CHECKER)


def _schema_errors(schema_name: str, payload: Any) -> list[str]:
    validator = get_validator(schema_name)
    if validator is None:
        return [f"no OCPP 1.6 schema {schema_name}.json"]
    errors = sorted(validator.iter_errors(payload), key=lambda e: list(e.absolute_path))
    return [
        f"{schema_name}: {'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
        for e in errors
    ]


def _check_unique_id(uid: Any) -> list[str]:
    if not isinstance(uid, str):
        return [f"unique id must be a string, got {type(uid).__name__}"]
    if len(uid) > MAX_UNIQUE_ID_LEN:
        return [f"unique id longer than {MAX_UNIQUE_ID_LEN} characters"]
    return []


def validate_records(records: Iterable[tuple[int, Any]], source: str = "") -> tuple[int, list[dict]]:
    """Validate (line_number, record) pairs from one log; see module doc.

    Returns (number of CP->CS frames validated, list of failure dicts with keys
    file, line, cp_id, frame, errors).
    """
    n = 0
    failures: list[dict] = []
    # (cp_id, unique id) -> action of CS->CP CALLs not yet answered
    pending: dict[tuple[str, str], str] = {}
    answered: set[tuple[str, str]] = set()

    def fail(line, cp_id, frame, errors):
        failures.append({"file": source, "line": line, "cp_id": cp_id, "frame": frame,
                         "errors": errors})

    for line_no, rec in records:
        if not isinstance(rec, dict) or not isinstance(rec.get("frame"), str) \
                or rec.get("dir") not in ("cp->cs", "cs->cp"):
            fail(line_no, None, rec, ["malformed log record (need dir and frame)"])
            continue
        cp_id, direction, frame = rec.get("cp_id"), rec["dir"], rec["frame"]
        try:
            msg = json.loads(frame, parse_float=decimal.Decimal)
        except ValueError:
            msg = None

        if direction == "cs->cp":
            # Only used to pair CALLRESULTs with their action.
            if isinstance(msg, list) and len(msg) == 4 and msg[0] == 2 \
                    and isinstance(msg[2], str):
                key = (cp_id, json.dumps(msg[1], default=str))
                pending[key] = msg[2]
                answered.discard(key)
            continue

        n += 1
        if rec.get("binary"):
            fail(line_no, cp_id, frame, ["binary websocket frame (OCPP-J requires text frames)"])
            continue
        if msg is None:
            fail(line_no, cp_id, frame, ["frame is not valid JSON"])
            continue
        if not isinstance(msg, list) or not msg or type(msg[0]) is not int \
                or msg[0] not in (2, 3, 4):
            fail(line_no, cp_id, frame, ["not an OCPP-J message array with MessageTypeId 2, 3 or 4"])
            continue

        errors: list[str] = []
        kind = msg[0]
        if kind == 2:
            if len(msg) != 4:
                errors.append(f"CALL must have 4 elements, has {len(msg)}")
            else:
                _, uid, action, payload = msg
                errors += _check_unique_id(uid)
                if not isinstance(action, str):
                    errors.append("CALL action must be a string")
                elif not isinstance(payload, dict):
                    errors.append("CALL payload must be an object")
                else:
                    errors += _schema_errors(action, payload)
        elif kind == 3:
            if len(msg) != 3:
                errors.append(f"CALLRESULT must have 3 elements, has {len(msg)}")
            else:
                _, uid, payload = msg
                errors += _check_unique_id(uid)
                key = (cp_id, json.dumps(uid, default=str))
                action = pending.pop(key, None)
                if action is None:
                    errors.append(
                        "duplicate CALLRESULT for an already answered CALL" if key in answered
                        else "CALLRESULT does not match any CS->CP CALL id"
                    )
                elif not isinstance(payload, dict):
                    errors.append("CALLRESULT payload must be an object")
                else:
                    answered.add(key)
                    errors += _schema_errors(action + "Response", payload)
        else:
            if len(msg) != 5:
                errors.append(f"CALLERROR must have 5 elements, has {len(msg)}")
            else:
                _, uid, code, description, details = msg
                errors += _check_unique_id(uid)
                if code not in OCPP16_ERROR_CODES:
                    errors.append(f"CALLERROR code {code!r} is not an OCPP 1.6 error code")
                if not isinstance(description, str):
                    errors.append("CALLERROR description must be a string")
                if not isinstance(details, dict):
                    errors.append("CALLERROR details must be an object")
                key = (cp_id, json.dumps(uid, default=str))
                if pending.pop(key, None) is not None:
                    answered.add(key)
        if errors:
            fail(line_no, cp_id, frame, errors)
    return n, failures


def _read_records(path: str):
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield line_no, json.loads(line)
            except ValueError:
                yield line_no, line.rstrip("\n")  # reported as a malformed record


def validate_file(path: str) -> tuple[int, list[dict]]:
    """Validate one frames log; returns (frames validated, failures)."""
    return validate_records(_read_records(str(path)), source=str(path))


def _format_failure(f: dict) -> str:
    where = f"{f['file']}:{f['line']}" + (f" [{f['cp_id']}]" if f.get("cp_id") else "")
    lines = [f"FAIL {where}", f"  frame: {f['frame']}"]
    lines += [f"  - {e}" for e in f["errors"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="+", metavar="FILE.jsonl")
    p.add_argument("--summary-json", metavar="OUT", help='write {"validated": N, "failures": M}')
    p.add_argument("--allow-empty", action="store_true", help="exit 0 even if no frames were validated")
    args = p.parse_args(argv)

    total, failures = 0, []
    for path in args.files:
        try:
            n, fails = validate_file(path)
        except OSError as e:
            n, fails = 0, [{"file": path, "line": 0, "cp_id": None, "frame": "",
                            "errors": [f"cannot read: {e}"]}]
        total += n
        failures += fails

    for f in failures:
        print(_format_failure(f))
    print(f"schema-validated {total} frames, {len(failures)} failures")
    if args.summary_json:
        with open(args.summary_json, "w", encoding="utf-8") as out:
            json.dump({"validated": total, "failures": len(failures)}, out)
            out.write("\n")
    if failures or (total == 0 and not args.allow_empty):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
