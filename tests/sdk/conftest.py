"""Generated-client tests: openapi-generator's Python client against pytest-django's live server.

The client is generated from the schema of this checkout by the `openapi-generator-cli` package
(requirements-dev.txt), which runs openapi-generator's jar with Java. The tests are skipped, with the
reason, when Java or the generator is missing, so that `make test` passes on a bare machine;
`.ci/run` sets REQUIRE_SDK_TESTS=1, which turns the skip into a failure.
"""

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GENERATOR = Path(sys.executable).parent / "openapi-generator-cli"
PACKAGE = "ess_portal_client"
# The library only: no docs, no test stubs, no packaging files (the tests import it from its folder).
GENERATOR_OPTIONS = [
    "--global-property",
    "apiTests=false,modelTests=false,apiDocs=false,modelDocs=false",
    "--additional-properties",
    "library=urllib3,generateSourceCodeOnly=true",
]


def _missing_tools() -> str:
    missing = []
    if shutil.which("java") is None:
        missing.append("Java (apt-get install -y openjdk-17-jre-headless)")
    if not GENERATOR.exists():
        missing.append("openapi-generator-cli (pip install -r requirements-dev.txt)")
    return ", ".join(missing)


def pytest_collection_modifyitems(config, items):
    """Mark every test of this folder `sdk`, with a transactional database, or a skip."""
    missing = _missing_tools()
    required = os.environ.get("REQUIRE_SDK_TESTS") == "1"
    here = Path(__file__).parent
    for item in items:
        if here not in Path(str(item.path)).parents:
            continue
        item.add_marker(pytest.mark.sdk)
        # The live server runs in another thread and only sees committed rows; serialized rollback
        # restores the reference data of the migrations (communes, sectors…) that the flush removes.
        item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))
        if missing and not required:
            item.add_marker(pytest.mark.skip(reason=f"generated-client tests need {missing}"))


@pytest.fixture(scope="session", autouse=True)
def _sdk_tools_present():
    """Under CI, a missing generator is an error rather than a silent skip."""
    missing = _missing_tools()
    if missing and os.environ.get("REQUIRE_SDK_TESTS") == "1":
        pytest.fail(f"REQUIRE_SDK_TESTS=1 but these are missing: {missing}")


def generate_client(schema: Path, output: Path) -> None:
    """Run openapi-generator's Python generator on `schema`, writing the package under `output`."""
    command = [str(GENERATOR), "generate", "-g", "python", "-i", str(schema), "-o", str(output)]
    command += ["--package-name", PACKAGE, *GENERATOR_OPTIONS]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        pytest.fail(
            f"openapi-generator failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )


def shared_client(tmp_path_factory) -> Path:
    """The folder of the generated client, generated once for all test processes (pytest-xdist).

    The first process to take the lock writes the schema and runs the generator (a JVM, some
    seconds); the others wait for it and import the same package.
    """
    from django.core.management import call_command

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder = root / "ess-portal-sdk"
    folder.mkdir(exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "generated").exists():
            schema = folder / "schema.yaml"
            call_command("spectacular", file=str(schema), validate=True, fail_on_warn=True)
            generate_client(schema, folder / "client")
            (folder / "generated").touch()
    return folder / "client"


@pytest.fixture(scope="session")
def sdk(tmp_path_factory):
    """The generated package `ess_portal_client`, imported from its temporary folder."""
    client_folder = str(shared_client(tmp_path_factory))
    sys.path.insert(0, client_folder)
    try:
        import ess_portal_client

        yield ess_portal_client
    finally:
        sys.path.remove(client_folder)
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, django_db_setup):
    """pytest-django's live server, on plain HTTP, with an empty static root for WhiteNoise.

    The server reads these settings when it starts, before any function-scoped `settings` change,
    so they are made here for its lifetime, then put back.
    """
    from django.conf import settings as django_settings
    from pytest_django.live_server_helper import LiveServer

    overrides = {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "STATIC_ROOT": tmp_path_factory.mktemp("staticfiles"),
    }
    previous = {name: getattr(django_settings, name) for name in overrides}
    for name, value in overrides.items():
        setattr(django_settings, name, value)
    server = LiveServer(os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"))
    yield server
    server.stop()
    for name, value in previous.items():
        setattr(django_settings, name, value)
