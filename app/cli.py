"""The `viva` command: serve, migrate, score, questions, export, import-unsaved, set-password,
bench."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

from app.settings import Settings, get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="viva", description="Voice-first mock interviews.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the web app (migrates the database first)")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)

    commands.add_parser("migrate", help="bring the database to the newest schema")

    score = commands.add_parser("score", help="score one answer without voice")
    score.add_argument("--question", required=True, help="question id, see `viva questions`")
    source = score.add_mutually_exclusive_group(required=True)
    source.add_argument("--text")
    source.add_argument("--file", type=Path, help="a text file with the answer")
    source.add_argument("--audio", type=Path, help="a recording (wav, flac, ogg, mp3, webm)")
    score.add_argument("--json", action="store_true", help="print the report as JSON")

    questions = commands.add_parser("questions", help="list roles and questions")
    questions.add_argument("--role")
    questions.add_argument("--json", action="store_true")

    export = commands.add_parser("export", help="export an interview")
    export.add_argument("id")
    export.add_argument("--format", choices=("md", "json"), default="md")

    set_password = commands.add_parser(
        "set-password",
        help="accounts mode, for an operator: give an account a new password (read from "
        "standard input) and end all its sign-ins; there is no e-mail reset",
    )
    set_password.add_argument("username")

    commands.add_parser(
        "import-unsaved",
        help="store answers a server kept in VIVA_DATA_DIR/unsaved when it stopped during a "
        "database outage (serve does this at startup too)",
    )

    bench = commands.add_parser("bench", help="measure latency, captions, speed and memory")
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--answers", type=int, default=6, help="answers to stream")
    bench.add_argument("--out", type=Path, help="also write the JSON report here")
    bench.add_argument(
        "--load",
        help="load test: candidates at once, e.g. 1,2,4,8 (each gives --answers answers)",
    )
    bench.add_argument(
        "--end",
        choices=("done", "silence"),
        default="done",
        help="how candidates end answers: Done 0.3 s after the last word (default), or by "
        "falling silent (replies timed from the server's end-of-answer decision)",
    )
    bench.add_argument(
        "--stagger",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="load test: spread the candidates' starts over this many seconds (default 0: all "
        "at once, so they also finish answers together)",
    )
    bench.add_argument(
        "--asr",
        nargs="?",
        const="2,4,8",
        metavar="SIZES",
        help="the recognizer alone: one segment per call against batches of SIZES (2,4,8)",
    )

    args = parser.parse_args(argv)
    settings = get_settings()
    handler = {
        "serve": _serve,
        "migrate": _migrate,
        "score": _score,
        "questions": _questions,
        "export": _export,
        "import-unsaved": _import_unsaved,
        "set-password": _set_password,
        "bench": _bench,
    }[args.command]
    return handler(args, settings)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from app.logs import configure_logging
    from app.main import create_app
    from app.security import is_loopback_address

    host = args.host or settings.host
    port = args.port or settings.port
    if not is_loopback_address(host) and settings.auth != "accounts":
        print(
            f"error: {host} is reachable from other machines, and Viva without accounts "
            "would show everyone's interviews to anyone who can reach it.\n"
            "  Serve with accounts:  VIVA_AUTH=accounts viva serve --host "
            f"{host}  (then register at /register)\n"
            "  or only on this machine:  viva serve --host 127.0.0.1",
            file=sys.stderr,
        )
        return 2
    settings = settings.model_copy(update={"host": host, "port": port})
    try:
        level = configure_logging(settings)
    except ValueError as error:
        print(f"error: VIVA_LOG_LEVEL: {error}", file=sys.stderr)
        return 2
    logging.getLogger("viva").info("loading models and serving on http://%s:%s", host, port)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_config=None,  # configure_logging routes uvicorn's loggers through its handler
        log_level=level,
        ws_max_size=1 << 20,
        # On SIGTERM, answers in progress are transcribed and committed before exit.
        timeout_graceful_shutdown=30,
    )
    return 0


def _migrate(_args: argparse.Namespace, settings: Settings) -> int:
    from app.db.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.sqlalchemy_url)
    print(f"database at newest schema: {settings.sqlalchemy_url}")
    return 0


def _score(args: argparse.Namespace, settings: Settings) -> int:
    from app.runtime import load_content
    from app.scoring import score_text

    content = load_content(settings)
    try:
        question = content.bank.get(args.question)
    except KeyError:
        print(f"error: unknown question {args.question!r}; see `viva questions`", file=sys.stderr)
        return 2
    words: list[dict[str, Any]] = []
    if args.audio is not None:
        from app.scoring import transcribe_file

        text, words = transcribe_file(args.audio, question, settings)
    elif args.file is not None:
        text = args.file.read_text(encoding="utf-8")
    else:
        text = args.text
    report = score_text(content, question, text, words)
    if args.audio is not None:
        report = {**report, "transcript": text, "words": words}
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(f"{question.id}: {report['overall']}/100")
        for criterion in report["criteria"]:
            mark = "✓" if criterion["met"] else "·"
            print(f"  {mark} {criterion['label']}")
        for suggestion in report.get("suggestions", []):
            print(f"  → {suggestion}")
    return 0


def _questions(args: argparse.Namespace, settings: Settings) -> int:
    from interviewer.bank import load_banks

    bank = load_banks(settings.banks_dir)
    roles = bank.roles()
    if args.role and args.role not in {r.id for r in roles}:
        print(f"error: unknown role {args.role!r}", file=sys.stderr)
        return 2
    chosen = [r for r in roles if not args.role or r.id == args.role]
    if args.json:
        out = [
            {
                "role": r.id,
                "title": r.title,
                "questions": [
                    {
                        "id": q.id,
                        "text": q.text,
                        "type": q.type,
                        "difficulty": q.difficulty,
                        "tags": list(q.tags),
                        "rubric": q.rubric,
                    }
                    for q in bank.questions(r.id)
                ],
            }
            for r in chosen
        ]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    for role in chosen:
        print(f"{role.title} ({role.id})")
        for q in bank.questions(role.id):
            print(f"  {q.id:<40} {q.type:<13} {q.text}")
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from app.export import export_interview

    output = asyncio.run(export_interview(settings, args.id, args.format))
    if output is None:
        print(f"error: no interview {args.id!r}", file=sys.stderr)
        return 1
    print(output)
    return 0


def _set_password(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    from app.auth.passwords import password_problem
    from app.auth.reset import set_password
    from app.db.migrate import upgrade

    if sys.stdin.isatty():
        password = getpass.getpass(f"New password for {args.username}: ")
        if getpass.getpass("Again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    problem = password_problem(password)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    upgrade(settings.sqlalchemy_url)
    if not asyncio.run(set_password(settings, args.username, password)):
        print(f"error: no account {args.username!r}", file=sys.stderr)
        return 1
    print(f"password of {args.username} set; every sign-in of it ended")
    return 0


def _import_unsaved(_args: argparse.Namespace, settings: Settings) -> int:
    from app.db.migrate import upgrade
    from app.live.unsaved import import_unsaved_for

    folder = settings.data_dir / "unsaved"
    upgrade(settings.sqlalchemy_url)
    report = asyncio.run(import_unsaved_for(settings))
    for name in report.imported:
        print(f"imported {name}")
    print(
        f"{len(report.imported)} file(s) imported from {folder}: {report.writes} write(s) stored "
        f"(or already there), {report.dropped} dropped (see the log)"
    )
    for name in report.unreadable:
        print(f"error: {name} is not a file of unsaved writes; left in place", file=sys.stderr)
    if report.waiting:
        print(
            f"error: the database did not answer; {len(report.waiting)} file(s) left for the "
            "next try",
            file=sys.stderr,
        )
    return 1 if report.waiting or report.unreadable else 0


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    report: Any
    if args.asr:
        from app.asrbench import run_asr_bench

        report = run_asr_bench(settings, [int(n) for n in args.asr.split(",") if n.strip()])
    elif args.load:
        from app.loadtest import run_load

        levels = [int(n) for n in args.load.split(",") if n.strip()]
        report = run_load(
            settings, levels, answers_each=args.answers, end=args.end, stagger_s=args.stagger
        )
    else:
        from app.bench import run_bench

        report = run_bench(settings, answers=args.answers, end=args.end)
    text = json.dumps(report, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    if args.json or isinstance(report, list):
        print(text)
    else:
        for key, value in report.items():
            print(f"{key:<32} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
