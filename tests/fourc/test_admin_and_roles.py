import time

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.auth.models import Group, Permission

from community import roles
from community.models import CrisisLine


def enrol_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.mark.django_db
def test_the_admin_login_goes_through_allauths_login(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db
def test_a_staff_member_without_two_factor_is_sent_to_set_it_up(client, moderator, password):
    client.force_login(moderator)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.url == "/accounts/2fa/totp/activate/"
    # With no login recorded in this session (force_login), setting up two-factor asks
    # for the password first, then shows the code form.
    step = client.get(response.url)
    assert step.url.startswith("/accounts/reauthenticate/")
    client.post(step.url, {"password": password})
    activate = client.get("/accounts/2fa/totp/activate/")
    assert activate.status_code == 200
    assert 'name="code"' in activate.content.decode()


@pytest.mark.django_db
def test_a_staff_member_with_two_factor_logs_in_with_a_code_and_reaches_the_admin(
    client, moderator, password
):
    secret = enrol_totp(moderator)

    login = client.post("/accounts/login/", {"login": moderator.email, "password": password})
    assert login.status_code == 302
    assert login.url.startswith("/accounts/2fa/authenticate/")
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 400
    right = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert right.status_code == 302

    admin = client.get("/admin/")
    assert admin.status_code == 200
    assert b"4C moderation" in admin.content


@pytest.mark.django_db
def test_members_who_are_not_staff_are_refused_the_admin(client, member):
    client.force_login(member)

    assert client.get("/admin/").status_code in (302, 403)
    assert client.get("/admin/login/").status_code == 403


@pytest.mark.django_db
def test_a_moderator_can_edit_the_help_page_in_the_admin(client, moderator):
    enrol_totp(moderator)
    client.force_login(moderator)
    line = CrisisLine.objects.get(name="Samaritans")

    response = client.post(
        f"/admin/community/crisisline/{line.pk}/change/",
        {
            "name": "Samaritans",
            "region": "UK and Ireland",
            "how_to_reach": "Call 116 123, any time",
            "phone": "116123",
            "sms": "",
            "url": "https://www.samaritans.org",
            "hours": "24 hours, every day",
            "description": "",
            "order": 10,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert b"Call 116 123, any time" in client.get("/help/").content


@pytest.mark.django_db
def test_roles_exist_with_their_permissions_and_never_reach_health_data():
    moderators = Group.objects.get(name=roles.MODERATORS)
    link_workers = Group.objects.get(name=roles.LINK_WORKERS)

    codenames = set(moderators.permissions.values_list("codename", flat=True))
    assert {"change_crisisline", "view_user"} <= codenames
    # The crisis phrases: kept (added, retired) and tested, never deleted.
    assert {"view_crisisphrase", "add_crisisphrase", "change_crisisphrase"} <= codenames
    assert "delete_crisisphrase" not in codenames
    # The activity catalogue and the nudge log (kinds and statuses), yes; check-ins,
    # consents and prescriptions (health data), never.
    prescriptions = set(
        moderators.permissions.filter(content_type__app_label="prescriptions").values_list(
            "content_type__model", flat=True
        )
    )
    assert prescriptions == {"activity", "nudgelog"}
    assert not moderators.permissions.filter(codename__in=["change_user", "delete_user"]).exists()
    assert link_workers.permissions.filter(codename="view_crisisline").exists()
    assert Permission.objects.filter(content_type__app_label="community").exists()


@pytest.mark.django_db
def test_role_helpers_read_group_membership(member, moderator, link_worker):
    assert roles.is_moderator(moderator)
    assert not roles.is_moderator(member)
    assert roles.is_link_worker(link_worker)
    assert not roles.is_link_worker(moderator)


@pytest.mark.django_db
def test_roles_read_with_the_member_are_the_roles_asked_apart(member):
    """community.backends reads a member with a flag per role (roles.with_roles): for
    every mix of roles, the same answers as asking apart; a role given is seen at once."""
    from community import services
    from community.backends import MEMBER_BY_ID

    for role in (None, roles.HOSTS, roles.LINK_WORKERS, roles.MODERATORS):
        if role:
            services.assign_role(member=member, role=role)
        (read,) = MEMBER_BY_ID.objects(id=member.pk)
        asked = type(member).objects.get(pk=member.pk)
        assert roles._names(read) == roles._names(asked), role
        for check in (roles.is_moderator, roles.is_link_worker, roles.can_host):
            assert check(read) == check(asked), (role, check.__name__)
    assert roles._names(read) == {roles.HOSTS, roles.LINK_WORKERS, roles.MODERATORS}

    member.groups.clear()
    (fresh,) = MEMBER_BY_ID.objects(id=member.pk)
    assert not roles.is_moderator(fresh)
    services.assign_role(member=fresh, role=roles.LINK_WORKERS)
    assert roles.is_link_worker(fresh)  # forgotten when given, not kept from the read
    assert not roles.is_moderator(fresh)


@pytest.mark.django_db
def test_assigning_the_moderator_role_opens_the_admin_with_two_factor(client, member):
    from community import services

    assert services.assign_role(member=member, role=roles.MODERATORS)
    assert not services.assign_role(member=member, role=roles.MODERATORS)
    member.refresh_from_db()
    assert member.is_staff
    enrol_totp(member)
    client.force_login(member)

    assert client.get("/admin/").status_code == 200
