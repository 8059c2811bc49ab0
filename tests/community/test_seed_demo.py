import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from community import demo, roles
from community.models import User


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_its_logins_work(client):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (User.objects.count(), EmailAddress.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert (User.objects.count(), EmailAddress.objects.count()) == counts
    assert counts[0] == len(demo.DEMO_MEMBERS)
    response = client.post(
        "/accounts/login/", {"login": "maya@example.org", "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    moderator = User.objects.get(email="rosa@example.org")
    assert moderator.is_staff
    assert roles.is_moderator(moderator)
    assert all(address.verified for address in EmailAddress.objects.all())
