from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ counts|get_item:code }}: a dictionary value by a variable key."""
    return mapping.get(key) if mapping else None
