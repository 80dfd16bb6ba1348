"""``argos-addon``: the ARGOS Add-On API from a shell, for people who operate it.

Every command goes through the public Python API. Output is a readable table, or JSON with
``--json``. Exit codes tell error kinds apart (see ``EXIT_CODES``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple, Type

from . import (
    APIConnectionError,
    APIStatusError,
    ArgosError,
    AuthenticationError,
    Client,
    ConfigurationError,
    IPNotAllowedError,
    NotFoundError,
    RateLimitError,
    ResponseInfo,
    ServerError,
    ValidationError,
    WebhookError,
    decrypt_query,
    parse_webhook,
)
from ._client import DEFAULT_PAGE_SIZE, DEFAULT_RATE_LIMIT, DEFAULT_TIMEOUT

# Most specific first: the first class the error is an instance of decides the code.
EXIT_CODES: List[Tuple[Type[ArgosError], int]] = [
    (ConfigurationError, 3),
    (ValidationError, 4),
    (WebhookError, 5),
    (AuthenticationError, 6),
    (IPNotAllowedError, 6),
    (NotFoundError, 7),
    (RateLimitError, 9),
    (ServerError, 10),
    (APIStatusError, 8),
    (APIConnectionError, 11),
    (ArgosError, 1),
]


def _exit_code(err: ArgosError) -> int:
    return next(code for cls, code in EXIT_CODES if isinstance(err, cls))


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _print(args: argparse.Namespace, value: Any, rows: Optional[Callable[[], Iterable[Sequence[str]]]] = None) -> None:
    if args.json:
        print(json.dumps(_plain(value), indent=2, ensure_ascii=False))
    elif rows is not None:
        table = [list(r) for r in rows()]
        widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))] if table else []
        for row in table:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    elif isinstance(value, dict):
        width = max((len(k) for k in value), default=0)
        for key, item in value.items():
            shown = json.dumps(_plain(item), ensure_ascii=False) if isinstance(item, (dict, list)) else _plain(item)
            print(f"{key.ljust(width)}  {shown}")
    else:
        print(value)


def _client(args: argparse.Namespace) -> Client:
    return Client(
        api_key=args.api_key,
        base_url=args.base_url,
        timeout=args.timeout,
        ca_cert=args.ca_cert,
        rate_limit=args.rate_limit,
        daily_quota=args.daily_quota,
        budget_url=args.budget_url,
    )


def _answered(args: argparse.Namespace, response: ResponseInfo) -> None:
    """With ``--verbose``, what ARGOS support asks for: the call's request id (with its status
    and attempts), on stderr so that the output stays the result alone."""
    if args.verbose:
        attempts = f"{response.attempts} attempt{'' if response.attempts == 1 else 's'}"
        print(f"request-id: {response.request_id or '-'} ({response.status_code}, {attempts})", file=sys.stderr)


def cmd_submit(args: argparse.Namespace) -> None:
    result = _client(args).face_auth.submit(
        args.submission_id, args.image, user_id=args.user_id, cf1=args.cf1, cf2=args.cf2, cf3=args.cf3
    )
    _answered(args, result.response)
    _print(args, result.to_dict())


def cmd_get(args: argparse.Namespace) -> None:
    record = _client(args).face_auth.get(args.auth_id)
    _answered(args, record.response)
    _print(args, record.to_dict())


def cmd_list(args: argparse.Namespace) -> None:
    # Page by page (what `list` does), so that --verbose shows every call.
    face_auth = _client(args).face_auth
    page_size = DEFAULT_PAGE_SIZE if args.page_size is None else args.page_size
    records = []
    for page in face_auth._pages(args.since, args.until, page_size):
        _answered(args, page.response)
        records += [r.to_dict() for r in page.records]

    def rows() -> Iterable[Sequence[str]]:
        yield ("AUTH ID", "STATUS", "CREATED (UTC)", "SUBMISSION", "DELETED")
        for r in records:
            created = r["create_time"].strftime("%Y-%m-%d %H:%M:%S") if r["create_time"] else "-"
            yield (r["auth_id"], r["auth_status"], created, r["kyc_submission_id"] or "-", "yes" if r["deleted"] else "")

    _print(args, records, rows)


def cmd_image(args: argparse.Namespace) -> None:
    image, response = _client(args).face_auth.with_response.image(args.auth_id)
    _answered(args, response)
    if args.output == "-":
        sys.stdout.buffer.write(image)
        return
    with open(args.output, "wb") as out:
        out.write(image)
    _print(args, {"auth_id": args.auth_id, "file": args.output, "bytes": len(image)})


def cmd_delete(args: argparse.Namespace) -> None:
    _, response = _client(args).face_auth.with_response.delete(args.auth_id)
    _answered(args, response)
    _print(args, {"auth_id": args.auth_id, "deleted": True})


def cmd_url(args: argparse.Namespace) -> None:
    url = _client(args).face_auth_url(
        args.project_id, args.submission_id, user_id=args.user_id, cf1=args.cf1, cf2=args.cf2, cf3=args.cf3, token=args.token
    )
    _print(args, {"url": url} if args.json else url)


def _shown(value: Any) -> str:
    """A budget value as the listing shows it: true/false, none, whole numbers without ``.0``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(_plain(value))


def cmd_budget(args: argparse.Namespace) -> None:
    status = _client(args).budget_status().to_dict()
    if args.json:
        _print(args, status)
    else:
        _print(args, status, lambda: [(key, _shown(value)) for key, value in status.items()])
    if not status["healthy"]:
        print(
            "argos-addon: warning: the budget store could not be reached in time (healthy false); the "
            "counts shown are this process's own",
            file=sys.stderr,
        )


def _rate(text: str) -> Optional[float]:
    """``--rate-limit``: requests per second, or ``none`` for no limit."""
    if text.strip().lower() in ("none", "off"):
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or 'none': {text!r}") from None


def _key(args: argparse.Namespace) -> str:
    key = args.api_key or os.environ.get("ARGOS_API_KEY")
    if not key:
        raise ConfigurationError("no API key: pass --api-key or set ARGOS_API_KEY")
    return key


def cmd_decrypt(args: argparse.Namespace) -> None:
    _print(args, decrypt_query(args.ciphertext, _key(args)))


def cmd_webhook(args: argparse.Namespace) -> None:
    if args.file == "-":
        body = sys.stdin.buffer.read()
    else:
        with open(args.file, "rb") as f:
            body = f.read()
    key = args.api_key or os.environ.get("ARGOS_API_KEY")
    _print(args, parse_webhook(body, api_key=key).to_dict())


def cmd_mock(args: argparse.Namespace) -> None:
    from .testing import main as run_mock

    argv = ["--port", str(args.port)]
    if args.ca_out:
        argv += ["--ca-out", args.ca_out]
    for seed in args.seed:
        argv += ["--seed", seed]
    if args.request_log_limit is not None:
        argv += ["--request-log-limit", str(args.request_log_limit)]
    run_mock(argv)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--api-key", help="Add-On project key (default: $ARGOS_API_KEY)")
    common.add_argument("--base-url", help="default: $ARGOS_BASE_URL, else the public API")
    common.add_argument("--ca-cert", help="extra trusted CA certificate (PEM file)")
    common.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"seconds per attempt (default {DEFAULT_TIMEOUT:g})"
    )
    common.add_argument("--json", action="store_true", help="print JSON instead of a table")
    common.add_argument(
        "-v", "--verbose", action="store_true", help="print each call's request id, status and attempts to stderr"
    )
    budget = common.add_argument_group("fleet budget")
    budget.add_argument(
        "--budget-url",
        metavar="URL",
        help="redis:// or rediss:// URL (a Redis Cluster: node URLs, comma-separated) of the budget shared "
        "by every client of the key (default: $ARGOS_BUDGET_URL, else none)",
    )
    budget.add_argument("--daily-quota", type=int, metavar="N", help="the key's daily cap (default: none)")
    budget.add_argument(
        "--rate-limit",
        type=_rate,
        default=DEFAULT_RATE_LIMIT,
        metavar="PER_SECOND",
        help=f"requests per second, shared by the fleet with a budget URL, or none (default {DEFAULT_RATE_LIMIT:g})",
    )

    parser = argparse.ArgumentParser(
        prog="argos-addon",
        description="The ARGOS Identity Add-On (FaceAuth) API from the command line.",
        epilog="exit codes: 0 ok, 2 usage, 3 configuration, 4 invalid input, 5 webhook/decrypt, "
        "6 key or IP refused, 7 not found, 8 other API error, 9 rate limit or quota, "
        "10 server error, 11 connection or timeout",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Callable[[argparse.Namespace], None], help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help, description=help)
        sub.set_defaults(run=run)
        return sub

    def target_fields(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--user-id")
        for cf in ("--cf1", "--cf2", "--cf3"):
            sub.add_argument(cf)

    sub = command("submit", cmd_submit, "compare a face image with an approved ID Check submission")
    sub.add_argument("submission_id")
    sub.add_argument("image", help="JPEG or PNG file")
    target_fields(sub)
    command("get", cmd_get, "show one FaceAuth record").add_argument("auth_id")
    sub = command("list", cmd_list, "list every FaceAuth record, newest first (all pages)")
    sub.add_argument("--since", help="start date, YYYY-MM-DD (with --until)")
    sub.add_argument("--until", help="end date, YYYY-MM-DD (with --since)")
    sub.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE)
    sub = command("image", cmd_image, "download the image of a FaceAuth record")
    sub.add_argument("auth_id")
    sub.add_argument("-o", "--output", required=True, help="file to write, or - for stdout")
    command("delete", cmd_delete, "erase a record's image and personal data").add_argument("auth_id")
    sub = command("url", cmd_url, "build an encrypted hosted Face Auth URL")
    sub.add_argument("project_id")
    sub.add_argument("submission_id")
    target_fields(sub)
    sub.add_argument("--token")
    command("decrypt", cmd_decrypt, "decrypt an encrypted query value").add_argument("ciphertext")
    command("webhook", cmd_webhook, "parse a faceAuth webhook body").add_argument("file", help="file, or - for stdin")
    command("budget", cmd_budget, "show today's budget of the key: the fleet's, from the budget store, else this client's")
    sub = command("mock", cmd_mock, "run the mock ARGOS server until Ctrl-C or stdin closes")
    sub.add_argument("--port", type=int, default=0)
    sub.add_argument("--ca-out", help="write the CA certificate here")
    sub.add_argument("--seed", action="append", default=[], metavar="ID:STATUS[:SELFIE]")
    sub.add_argument(
        "--request-log-limit", type=int, metavar="N", help="keep only the last N requests in memory (default 10000)"
    )
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        args.run(args)
    except ArgosError as err:
        print(f"argos-addon: {type(err).__name__}: {err}", file=sys.stderr)
        return _exit_code(err)
    except OSError as err:
        print(f"argos-addon: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def entry() -> None:
    """The console script."""
    sys.exit(main())

