import pytest
import time_machine

from tests.factories import ConsentFactory


@pytest.fixture
def consented(member):
    """Maya, who agreed to keeping her check-ins."""
    ConsentFactory(member=member)
    return member


@pytest.fixture
def at_now(request):
    """Runs the test at its module's NOW (so logins are fresh then); steps travel from it."""
    with time_machine.travel(request.module.NOW, tick=False):
        yield
