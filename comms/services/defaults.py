"""The shipped templates: files under templates/comms/emails/, `<stage>.<audience>.txt|html`."""

from pathlib import Path

from django.conf import settings

from ..choices import Audience, Stage

__all__ = ["EMAIL_DIR", "default_templates", "load_defaults"]

EMAIL_DIR = Path(settings.BASE_DIR) / "templates" / "comms" / "emails"


def default_templates():
    """Yield dicts of the shipped templates; the text file's first line is `Subject: ...`."""
    for text_path in sorted(EMAIL_DIR.glob("*.txt")):
        stage, audience = text_path.stem.split(".")
        head, _, body_text = text_path.read_text().partition("\n\n")
        yield {
            "name": f"{Stage(stage).label} – {Audience(audience).label}",
            "stage": stage,
            "audience": audience,
            "subject": head.removeprefix("Subject:").strip(),
            "body_text": body_text,
            "body_html": text_path.with_suffix(".html").read_text(),
        }


def load_defaults(model):
    """Create the shipped templates that are missing (by name); never overwrite an admin's edits."""
    created = 0
    for fields in default_templates():
        _, made = model.objects.get_or_create(name=fields["name"], defaults={**fields, "is_default": True})
        created += made
    return created
