"""统一社会信用代码 (unified social credit code, GB 32100-2015): 18 characters with a check character.

Pure: no Django. The alphabet omits I, O, S, V, Z. Position weights are 3^i mod 31.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th character for the first 17."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """None when ``code`` is a valid credit code, otherwise the reason in Chinese."""
    if len(code) != 18:
        return "统一社会信用代码应为18位"
    code = code.upper()
    bad = [c for c in code if c not in ALPHABET]
    if bad:
        return f"统一社会信用代码含有非法字符：{''.join(sorted(set(bad)))}"
    if not code[8:17].isalnum():
        return "统一社会信用代码第9-17位应为组织机构代码"
    if credit_code_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确"
    return None


def make_credit_code(body17: str) -> str:
    """Append the check character (used by demo data and tests to build valid codes)."""
    return body17 + credit_code_check_char(body17)
