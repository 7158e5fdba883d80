"""``ccx templates``: list, create and sync message templates, and review them in the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import click

from ccx import PermissionDeniedError
from ccx.types.enums import TemplateCategory, TemplateStatus
from ccx.types.shared import Template

from ._context import client
from ._options import choice_of, first, given, idempotency_key_option, json_option, limit_option
from ._output import print_json, print_listing, print_model, to_json

__all__ = ["templates"]

_LIST_COLUMNS: Final = {
    "NAME": "name",
    "LANGUAGE": "language",
    "CATEGORY": "category",
    "STATUS": "status",
    "VARIABLES": "variables",
    "CREATED": "created_at",
}
_SYNC_COLUMNS: Final = {"NAME": "name", "LANGUAGE": "language", "STATUS": "status"}
_SANDBOX_ONLY: Final = "sandbox_only"
_REVIEW_HELP: Final = (
    "A sandbox test helper: it needs a sandbox token (ccx_test_…) and is refused (403) with a "
    "live one, where the carrier reviews every template."
)


@click.group()
def templates() -> None:
    """List, create and sync templates, and (in the sandbox) review them."""


@templates.command("list")
@click.option("--status", type=choice_of(TemplateStatus), help="Only templates in this status.")
@click.option(
    "--category", type=choice_of(TemplateCategory), help="Only templates of this category."
)
@limit_option("templates")
@json_option("a list of templates")
@click.pass_context
def list_templates(
    context: click.Context,
    status: TemplateStatus | None,
    category: TemplateCategory | None,
    limit: int,
    as_json: bool,
) -> None:
    """List templates, newest first, with their review status."""
    api = client(context)
    found = first(
        lambda page_size: api.templates.list(
            limit=page_size, status=given(status), category=given(category)
        ),
        limit,
    )
    print_listing(found, as_json, _LIST_COLUMNS)


@templates.command()
@click.option(
    "--name", required=True, help="Lowercase letters, digits and underscores: order_shipped."
)
@click.option("--language", required=True, help="The template's language, such as pt_BR.")
@click.option("--category", required=True, type=choice_of(TemplateCategory))
@click.option(
    "--body",
    required=True,
    help="The text, with placeholders {{1}}, {{2}}, … that sends fill with --var.",
)
@idempotency_key_option()
@json_option("the template")
@click.pass_context
def create(  # noqa: PLR0917 (click passes every option positionally)
    context: click.Context,
    name: str,
    language: str,
    category: TemplateCategory,
    body: str,
    idempotency_key: str | None,
    as_json: bool,
) -> None:
    """Submit a template for review; it starts `pending`."""
    template = client(context).templates.create(
        name=name,
        language=language,
        category=category,
        body=body,
        idempotency_key=given(idempotency_key),
    )
    print_model(template, as_json)


@templates.command()
@click.argument("names", nargs=-1)
@idempotency_key_option()
@json_option("the sync result")
@click.pass_context
def sync(
    context: click.Context, names: tuple[str, ...], idempotency_key: str | None, as_json: bool
) -> None:
    """Refresh template statuses from the carrier (all templates, or only NAMES).

    Run it after a template was reviewed or paused outside CCX, in WhatsApp Manager. It lists
    the templates whose status changed; each one also emits its webhook event.
    """
    result = client(context).templates.sync(
        names=given(list(names) or None), idempotency_key=given(idempotency_key)
    )
    if as_json:
        print_json(to_json(result))
        return
    changed = [to_json(template) for template in result.changed]
    click.echo(f"Checked {result.checked} templates; {len(changed)} changed.")
    if changed:
        print_listing(changed, as_json=False, columns=_SYNC_COLUMNS)


@templates.command(
    help=f"Approve a pending template, as the carrier's review would.\n\n{_REVIEW_HELP}"
)
@click.argument("name")
@idempotency_key_option()
@json_option("the template")
@click.pass_context
def approve(context: click.Context, name: str, idempotency_key: str | None, as_json: bool) -> None:
    review = client(context).test_helpers.templates.approve
    _print_review(lambda: review(name, idempotency_key=given(idempotency_key)), "approve", as_json)


@templates.command(
    help=f"Reject a pending template, as the carrier's review would.\n\n{_REVIEW_HELP}"
)
@click.argument("name")
@click.option("--reason", help="The rejection reason to record (default: the API's).")
@idempotency_key_option()
@json_option("the template")
@click.pass_context
def reject(
    context: click.Context,
    name: str,
    reason: str | None,
    idempotency_key: str | None,
    as_json: bool,
) -> None:
    review = client(context).test_helpers.templates.reject
    _print_review(
        lambda: review(name, reason=given(reason), idempotency_key=given(idempotency_key)),
        "reject",
        as_json,
    )


@templates.command(
    help="Pause an approved template, as the carrier does after poor quality feedback; it is "
    f"approved again after 3 hours on the sandbox clock.\n\n{_REVIEW_HELP}"
)
@click.argument("name")
@idempotency_key_option()
@json_option("the template")
@click.pass_context
def pause(context: click.Context, name: str, idempotency_key: str | None, as_json: bool) -> None:
    review = client(context).test_helpers.templates.pause
    _print_review(lambda: review(name, idempotency_key=given(idempotency_key)), "pause", as_json)


def _print_review(review: Callable[[], Template], action: str, as_json: bool) -> None:
    """Run a review helper; a token outside the sandbox gets what to do instead."""
    try:
        template = review()
    except PermissionDeniedError as error:
        if error.code != _SANDBOX_ONLY:
            raise
        raise click.ClickException(_sandbox_only(error, action)) from error
    print_model(template, as_json)


def _sandbox_only(error: PermissionDeniedError, action: str) -> str:
    """The API's refusal with advice for this command in place of the SDK's generic hint."""
    advice = (
        f"ccx templates {action} is a sandbox test helper: run it with a ccx_test_… token; with "
        "a live token the carrier reviews templates, and ccx templates list --status approved "
        "shows the approved ones"
    )
    request = f" [request_id: {error.request_id}]" if error.request_id else ""
    return f"{error.status_code} {error.code}: {error.message} — {advice}{request}"
