"""The forms on a page, read from its HTML as a browser would: where each sends, with
which method, and what it sends (inputs, selects, textareas, named buttons)."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# What a browser sends for these input types: nothing, or only when clicked.
_NEVER_SENT = {"file", "image", "reset", "button"}


@dataclass
class Field:
    name: str
    kind: str  # an input's type, or "select", "textarea", "submit" (a named button)
    value: str = ""  # what the page filled in (the first checked or selected option)
    options: list[str] = field(default_factory=list)  # radios, checkboxes, selects, buttons
    multiple: bool = False  # checkboxes of one name, <select multiple>


@dataclass
class HtmlForm:
    method: str  # "get" or "post"
    action: str  # a path, resolved against the page's own
    fields: dict[str, Field] = field(default_factory=dict)

    @property
    def signature(self) -> tuple:
        """What tells two forms apart for a test: where they send and what."""
        return (self.method, self.action, tuple(sorted(self.fields)))


class _Parser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[HtmlForm] = []
        self.form: HtmlForm | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None
        self.textarea_opened = False

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "form":
            action = urlsplit(urljoin(self.page, attrs.get("action") or self.page))
            path = action.path + (f"?{action.query}" if action.query else "")
            self.form = HtmlForm(method=attrs.get("method", "get").lower(), action=path)
            self.forms.append(self.form)
            return
        if tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            self.select.options.append(value)
            if "selected" in attrs or len(self.select.options) == 1:
                self.select.value = value
            return
        name = attrs.get("name")
        if self.form is None or not name or "disabled" in attrs:
            return
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in _NEVER_SENT:
                return
            if kind in {"radio", "checkbox", "submit"}:
                self._option(name, kind, attrs.get("value", "on"), "checked" in attrs)
            else:
                self.form.fields[name] = Field(name, kind, attrs.get("value", ""))
        elif tag == "button" and attrs.get("type", "submit").lower() == "submit":
            self._option(name, "submit", attrs.get("value", ""), False)
        elif tag == "select":
            self.select = self.form.fields[name] = Field(
                name, "select", multiple="multiple" in attrs
            )
        elif tag == "textarea":
            self.textarea = self.form.fields[name] = Field(name, "textarea")
            self.textarea_opened = True

    def _option(self, name, kind, value, checked):
        found = self.form.fields.setdefault(name, Field(name, kind))
        found.options.append(value)
        found.multiple = found.multiple or (kind == "checkbox" and len(found.options) > 1)
        if checked and not found.value:
            found.value = value

    def handle_data(self, data):
        if self.textarea is not None:
            # A browser drops the line break that follows <textarea> at once.
            if self.textarea_opened and data.startswith("\n"):
                data = data[1:]
            self.textarea_opened = False
            self.textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def forms_on(page: str, html: str) -> list[HtmlForm]:
    """Every form in `html`, the page at path `page`, in the order it shows them."""
    parser = _Parser(page)
    parser.feed(html)
    parser.close()
    return parser.forms
