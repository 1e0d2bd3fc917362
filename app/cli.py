"""The `viva` command: serve, migrate, score, questions, export, bench."""

from __future__ import annotations

import argparse
import asyncio
import json
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

    bench = commands.add_parser("bench", help="measure latency, captions, speed and memory")
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--answers", type=int, default=6, help="answers to stream")
    bench.add_argument("--out", type=Path, help="also write the JSON report here")
    bench.add_argument(
        "--load",
        help="load test: candidates at once, e.g. 1,2,4,8 (each gives --answers answers)",
    )

    args = parser.parse_args(argv)
    settings = get_settings()
    handler = {
        "serve": _serve,
        "migrate": _migrate,
        "score": _score,
        "questions": _questions,
        "export": _export,
        "bench": _bench,
    }[args.command]
    return handler(args, settings)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

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
    print(f"Viva: loading models and serving on http://{host}:{port}", file=sys.stderr)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
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


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    report: Any
    if args.load:
        from app.loadtest import run_load

        levels = [int(n) for n in args.load.split(",") if n.strip()]
        report = run_load(settings, levels, answers_each=args.answers)
    else:
        from app.bench import run_bench

        report = run_bench(settings, answers=args.answers)
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
