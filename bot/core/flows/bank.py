"""Question-bank management: browse, export, import, disable and enable questions, and the
queue of questions members suggest, which organisers approve into the community's own bank."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import yaml

from bot.core.bank_limits import load_off_loop
from bot.core.banks import Library, dump_library
from bot.core.errors import NotFound, UsageError
from bot.core.flows.context import Context, Libraries
from bot.core.messages import Attachment
from bot.core.ports import Store
from bot.core.text import user_text

SUGGESTED_BANK = "suggested"
SUGGESTION_FOLLOW_UP = "Which part of your answer would you strengthen with more detail, and how?"


async def import_bank(
    store: Store, libraries: Libraries, tenant: str, text: str, source: str, now: datetime
) -> tuple[str, int]:
    """Validate a bank against the shipped ones and store it for one community (chat or CLI)."""
    imported = await load_off_loop(text, source, libraries.shipped)
    if len(imported.banks) != 1:
        raise UsageError("Import one bank at a time.")
    bank_id = next(iter(imported.banks))
    await store.save_community_bank(tenant, bank_id, text, now)
    libraries.forget(tenant)
    return bank_id, len(imported.questions)


def export_text(library: Library, bank_ids: list[str]) -> str:
    return "\n---\n".join(dump_library(library, b) for b in bank_ids)


async def handle(ctx: Context, name: str, args: Mapping[str, Any], attachment: str | None) -> None:
    library = await ctx.library()
    disabled = await ctx.disabled()
    if name == "bank list":
        lines = [f"**{b.name}** (`{b.id}`, {b.licence})" for b in library.banks.values()]
        for category in library.categories.values():
            count = len(library.pick(category=category.id, exclude=disabled))
            lines.append(f"- {category.name} (`{category.id}`): {count} questions")
        lines.append(f"{len(library.questions) - len(disabled & set(library.questions))} questions in all.")
        ctx.reply("\n".join(lines), title="Question banks")
    elif name == "bank show":
        question = library.questions.get(args["id"])
        if question is None:
            raise NotFound(f"No question has the id `{args['id']}`.")
        follow = "\n".join(f"- {f}" for f in question.follow_ups)
        state = " (disabled here)" if question.id in disabled else ""
        ctx.reply(f"{question.text}\n**Follow-ups:**\n{follow}", title=f"{question.id}{state}",
                  footer=f"{question.category} · difficulty {question.difficulty} · {', '.join(question.tags)}")  # fmt: skip
    elif name == "bank export":
        own = [b for b, _ in await ctx.store.community_banks(ctx.tenant)]
        bank_ids = own or sorted({q.bank for q in library.questions.values()})
        ctx.reply(
            f"Exported {', '.join(bank_ids)}.",
            attachment=Attachment("mockpanel-bank.yaml", export_text(library, bank_ids)),
        )
    elif name == "bank import":
        ctx.require_organiser("import a question bank")
        if not attachment:
            raise UsageError("Attach a YAML bank file to `/mock bank import` (format: question_banks/SCHEMA.md).")
        bank_id, count = await import_bank(
            ctx.store, ctx.libraries, ctx.tenant, attachment, "the attached file", ctx.now
        )
        ctx.reply(f"Imported bank `{bank_id}`: {count} questions.")
    elif name in ("bank disable", "bank enable"):
        ctx.require_organiser("enable or disable questions")
        if args["id"] not in library.questions:
            raise NotFound(f"No question has the id `{args['id']}`.")
        await ctx.store.set_question_disabled(ctx.tenant, args["id"], name == "bank disable")
        ctx.libraries.forget(ctx.tenant)
        ctx.reply(f"Question `{args['id']}` is {'disabled' if name == 'bank disable' else 'enabled'} here.")
    elif name == "bank suggest":
        text = args["text"].strip()
        if not 10 <= len(text) <= 500:
            raise UsageError("A suggested question is 10 to 500 characters.")
        number = await ctx.store.add_suggestion(ctx.tenant, ctx.actor.user_id, text, ctx.now)
        ctx.reply(f"Thanks! Your question is queued (#{number}) for the organisers to review.")
    elif name == "bank suggestions":
        ctx.require_organiser("review suggested questions")
        pending = await ctx.store.suggestions(ctx.tenant)
        lines = [f"#{n} from <@{user}>: {user_text(text, 500)}" for n, user, text in pending]
        ctx.reply("\n".join(lines) or "No suggestions are waiting.", title="Suggested questions",
                  footer="/mock bank approve <#> <category> [difficulty] or /mock bank reject <#>")  # fmt: skip
    elif name == "bank approve":
        ctx.require_organiser("approve suggested questions")
        await _approve(ctx, library, args)
    elif name == "bank reject":
        ctx.require_organiser("reject suggested questions")
        await _take_suggestion(ctx, args["number"])
        ctx.reply(f"Suggestion #{args['number']} rejected.")


async def _take_suggestion(ctx: Context, number: int) -> str:
    pending = {n: text for n, _, text in await ctx.store.suggestions(ctx.tenant)}
    if number not in pending:
        raise NotFound(f"No pending suggestion #{number}. See /mock bank suggestions.")
    await ctx.store.close_suggestion(ctx.tenant, number, "done")
    return pending[number]


async def _approve(ctx: Context, library: Library, args: Mapping[str, Any]) -> None:
    """Add the suggestion to the community's `suggested` bank. Its guidance comes from the
    category: what a 5 looks like on each rubric dimension, and the category's tips."""
    library.require_category(args["category"])
    category = library.categories[args["category"]]
    own = dict(await ctx.store.community_banks(ctx.tenant))
    data: dict[str, Any] = yaml.safe_load(own[SUGGESTED_BANK]) if SUGGESTED_BANK in own else {
        "bank": {"id": SUGGESTED_BANK, "name": "Suggested by members", "licence": "CC-BY-4.0",
                 "description": "Questions members suggested and organisers approved."},
        "questions": [],
    }  # fmt: skip
    pending = {n: text for n, _, text in await ctx.store.suggestions(ctx.tenant)}
    number = args["number"]
    if number not in pending:
        raise NotFound(f"No pending suggestion #{number}. See /mock bank suggestions.")
    question_id = f"sug-{number}"
    data["questions"].append({
        "id": question_id, "text": pending[number], "category": category.id,
        "difficulty": args.get("difficulty", 2), "tags": ["suggested"], "follow_ups": [SUGGESTION_FOLLOW_UP],
        "signals": [d.levels[5] for d in category.rubric][:5],
        "tips": list(category.tips[:2]) or [f"Use the {category.name} rubric as a checklist."],
    })  # fmt: skip
    await import_bank(ctx.store, ctx.libraries, ctx.tenant, yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                      "the suggested bank", ctx.now)  # fmt: skip
    await ctx.store.close_suggestion(ctx.tenant, number, "approved")
    ctx.reply(f"Suggestion #{number} is now question `{question_id}` in {category.name}.")
