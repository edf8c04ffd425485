"""``{% capture name %}…{% endcapture %}``: render once, use twice, as text.

base.html writes a page's title and description into <title> and <meta name="description">,
and again into the Open Graph tags; a block may appear only once in a template, so the block is
rendered inside ``capture`` and the result reused. Blocks inside stay overridable (the node
keeps them in ``nodelist``, where {% extends %} looks for them).
"""

import html

from django import template
from django.utils.html import strip_tags

register = template.Library()


class CaptureNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str):
        self.nodelist = nodelist
        self.name = name

    def render(self, context) -> str:
        # Kept as plain text, escaped again wherever it is written: tags are dropped (an
        # <i lang="id"> has no place in an attribute) and entities read back, so that a quote
        # in a template's literal text cannot end an attribute.
        text = " ".join(html.unescape(strip_tags(self.nodelist.render(context))).split())
        context[self.name] = text
        return ""


@register.tag
def capture(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% capture name %} takes one name")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[1])
