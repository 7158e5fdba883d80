"""OTP: a one-time code through an approved authentication template, at critical priority.

The code itself is never kept: the message (and every event about it) shows ``******``.
"""

from __future__ import annotations

from ccx.mock._errors import MockAPIError
from ccx.mock._registry import HandlerResult, RequestContext, handles

from .messages import send_message

MASKED_CODE = "******"


@handles("otp.send")
def send(ctx: RequestContext) -> HandlerResult:
    body = ctx.body
    name: str = body["template_name"]
    template = ctx.workspace.templates.get(name)
    if template is not None and template.category != "authentication":
        raise MockAPIError(
            422,
            "unprocessable_error",
            "template_category_mismatch",
            f"Template {name!r} is a {template.category} template; OTPs go through an "
            "authentication template.",
            param="template_name",
        )
    template_input = {"name": name, "variables": {"1": MASKED_CODE}}
    if body.get("language") is not None:
        template_input["language"] = body["language"]
    message = send_message(
        ctx,
        {"to": body["to"], "channel": "whatsapp", "template": template_input},
        priority="critical",
    )
    return ctx.success_status, message.payload()
