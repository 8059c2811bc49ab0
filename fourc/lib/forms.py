from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Renders every form field with 4C's markup: label, errors, input, help."""

    form_template_name = "forms/div.html"
    field_template_name = "forms/field.html"
