"""The HTML pages. They are shells; the ES modules in /static fetch the JSON API."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "web" / "templates")

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "index.html")


@router.get("/history", response_class=HTMLResponse)
async def history(request: Request) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "history.html")


@router.get("/progress", response_class=HTMLResponse)
async def progress(request: Request) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "progress.html")


@router.get("/practice", response_class=HTMLResponse)
async def practice(request: Request) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "practice.html")


@router.get("/score", response_class=HTMLResponse)
async def score(request: Request) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "score.html")


@router.get("/interviews/{interview_id}", response_class=HTMLResponse)
async def review(request: Request, interview_id: str) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "review.html", {"interview_id": interview_id})
