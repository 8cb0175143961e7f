"""Texts kept in both languages (names, descriptions, anchors), read in the active one."""

from django.utils.translation import get_language


def in_language(zh: str, en: str) -> str:
    """The Chinese or the English text, by the active language (Chinese by default)."""
    return en if (get_language() or "").startswith("en") and en else zh
