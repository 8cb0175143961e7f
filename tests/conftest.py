import pytest
import time_machine
from django.core.cache import cache
from pytest_django.plugin import blocking_manager_key

from org.models import Role
from tests.clock import PINNED_NOW
from tests.factories import EmployeeFactory, TeamFactory, UserFactory

PASSWORD = "pw-for-tests"


@pytest.fixture(autouse=True)
def _pinned_clock():
    """Every test runs at the suite's pinned instant (see ``tests.clock``); the clock ticks on
    from there, so durations and timeouts still pass."""
    with time_machine.travel(PINNED_NOW, tick=True):
        yield


@pytest.fixture(autouse=True)
def _ledger_head(tmp_path_factory, settings):
    """Each test keeps the ledger's head (written outside the database) in a folder of its own
    (not in ``tmp_path``, which tests list): a head left by another test would name entries this
    test's database never had."""
    settings.PERF_LEDGER_HEAD_FILE = tmp_path_factory.mktemp("ledger") / "head.json"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Tests share one cache (Redis in CI): start each from an empty one."""
    cache.clear()
    yield
    cache.clear()


# Set on a transactional test once its database is set up: its end empties every table.
EMPTIES_TABLES = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def _transactional_tests_marked(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        request.node.stash[EMPTIES_TABLES] = True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Transactional tests (browser tests, on-commit tasks, processes) empty every table when
    they end, the reference data the migrations wrote included (roles, the indicator catalog,
    the default schemes): write it again once the emptying is done, so whatever test runs next
    on this worker finds it (with several workers, any test may follow a transactional one).
    Django's serialized rollback would, but its copy is kept on the connection object, which
    Playwright's event loop replaces."""
    result = yield
    # After the last test the test database itself is gone.
    if item.stash.get(EMPTIES_TABLES, False) and nextitem is not None:
        from demo.reference import reference_data_restore
        from indicators.models import IndicatorDefinition

        with item.config.stash[blocking_manager_key].unblock():
            if not IndicatorDefinition.objects.exists():  # emptied indeed
                reference_data_restore()
    return result


@pytest.fixture
def every_day_works(settings):
    """Node deadlines in plain clock hours: every day a working day, no public holidays. For
    tests about what a deadline means (late, overdue, which period) whose hand-worked numbers
    must not move with the weekday of the pinned clock; working time itself is tested in
    tests/ingest/test_node_due.py."""
    settings.PERF_WORKING_DAYS = tuple(range(7))
    settings.PERF_HOLIDAY_CALENDAR = "none"


@pytest.fixture
def org_chart(db):
    """Two teams under a department, each with a manager and two merchandisers, plus HR and admin.

    Returns a dict of users and employees by a short name.
    """
    department = TeamFactory(name="运营中心", is_scored=False)
    east = TeamFactory(name="华东跟单一组", parent=department)
    south = TeamFactory(name="华南跟单二组", parent=department)
    hr_team = TeamFactory(name="人力资源部", is_scored=False)
    people = {}
    for key, team, role, name in [
        ("east_manager", east, Role.MANAGER, "陈主管"),
        ("east_a", east, Role.MERCHANDISER, "王芳"),
        ("east_b", east, Role.MERCHANDISER, "李强"),
        ("south_manager", south, Role.MANAGER, "赵主管"),
        ("south_a", south, Role.MERCHANDISER, "刘洋"),
        ("hr", hr_team, Role.HR, "周人事"),
    ]:
        user = UserFactory(username=key, role=role.value)
        people[key] = EmployeeFactory(user=user, team=team, name=name)
    east.manager = people["east_manager"]
    east.save()
    south.manager = people["south_manager"]
    south.save()
    people["admin"] = UserFactory(
        username="admin",
        first_name="系统管理员",
        role=Role.ADMIN.value,
        is_staff=True,
        is_superuser=True,
    )
    people["teams"] = {"east": east, "south": south, "department": department, "hr": hr_team}
    return people


@pytest.fixture
def as_user(client, org_chart):
    """Sign the test client in as one of the org chart's people (by key, "admin" included)."""

    def sign_in(key: str):
        person = org_chart[key]
        client.force_login(person if key == "admin" else person.user)
        return client

    return sign_in
