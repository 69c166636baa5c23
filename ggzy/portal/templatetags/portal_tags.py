"""Template filters of the public site."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def yuan(value: object) -> str:
    """¥1,234,567.89 for an amount in yuan; empty for None."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


@register.filter
def wan_yuan(value: object) -> str:
    """The same amount in 万元, as Chinese notices often state it (e.g. 123.46万元)."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)) / Decimal(10000)
    except InvalidOperation:
        return ""
    return f"{amount:,.2f}万元"


@register.filter
def bytes_cn(value: object) -> str:
    """A file size for people: 812 字节, 35.2 KB, 4.1 MB."""
    try:
        size = int(str(value))
    except ValueError:
        return ""
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    if size < 1024**3:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{size / 1024**3:.2f} GB"
