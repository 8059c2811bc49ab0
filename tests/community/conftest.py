import pytest


@pytest.fixture(params=["member", "visitor"])
def viewer(request, client, member):
    """The client, signed in as Maya or not signed in at all (a visitor reads only
    what is open to visitors: the list of spaces, and spaces a moderator opened)."""
    if request.param == "member":
        client.force_login(member)
    return client
