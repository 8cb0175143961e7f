"""Lists written as the active language writes them."""

from collections.abc import Iterable

from django.utils.translation import get_language


def list_join(items: Iterable[object]) -> str:
    """The items as one list in the active language: 订单准确率、客户满意度 in Chinese, "Order
    accuracy, Customer satisfaction" in English."""
    chinese = (get_language() or "zh-hans").lower().startswith("zh")
    return ("、" if chinese else ", ").join(str(item) for item in items)
