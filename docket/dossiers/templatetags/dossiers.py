"""`{% load dossiers %}`: whether the reader may download dossiers (take records out)."""

from typing import Any

from django import template

from docket.accounts.permissions import may_take_out as _may_take_out

register = template.Library()


@register.filter
def may_take_out(user: Any) -> bool:
    return bool(_may_take_out(user))
