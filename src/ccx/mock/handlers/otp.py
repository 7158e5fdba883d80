"""OTP: a one-time code through an authentication template, at critical priority."""

from __future__ import annotations

from ccx.mock._registry import HandlerResult, RequestContext, handles

from .messages import send_message


@handles("otp.send")
async def send(ctx: RequestContext) -> HandlerResult:
    body = ctx.body
    template = {"name": body["template_name"], "variables": {"1": body["code"]}}
    if body.get("language") is not None:
        template["language"] = body["language"]
    message = send_message(
        ctx,
        {"to": body["to"], "channel": body.get("channel", "whatsapp"), "template": template},
        priority="critical",
    )
    return ctx.success_status, message.payload()
