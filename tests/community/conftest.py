import pytest


@pytest.fixture(params=["member", "visitor"])
def viewer(request, client, member):
    """The client, signed in as Maya or not signed in at all."""
    if request.param == "member":
        client.force_login(member)
    return client
