import pytest

from comms.models import EmailTemplate
from comms.services.defaults import load_defaults


@pytest.fixture
def default_templates(db):
    """The shipped templates (a transactional test's flush removes what the migration loaded)."""
    load_defaults(EmailTemplate)
    return EmailTemplate.objects.filter(is_default=True)
