import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpResponse
from django.test import RequestFactory

from community.permissions import verified_member_required


@verified_member_required
def write_something(request):
    return HttpResponse("written")


def request_for(user):
    request = RequestFactory().post("/write/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.django_db
def test_a_verified_member_may_write(member):
    assert write_something(request_for(member)).content == b"written"


@pytest.mark.django_db
def test_an_unverified_member_is_asked_to_confirm_their_address_first(unverified_member):
    response = write_something(request_for(unverified_member))

    assert response.status_code == 302
    assert response.url == "/accounts/email/"


@pytest.mark.django_db
def test_a_suspended_member_may_not_write(member):
    member.is_active = False

    assert write_something(request_for(member)).status_code == 302


def test_a_visitor_is_asked_to_log_in():
    response = write_something(request_for(AnonymousUser()))

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
