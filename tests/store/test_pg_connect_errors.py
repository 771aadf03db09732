"""Each way a PostgreSQL connection fails is one line that names what to fix, and never shows
the password. Real asyncpg connects each time: to a closed port, to a tiny server on
127.0.0.1 that speaks just enough of the wire protocol to refuse a password, and (with
MOCKPANEL_TEST_PG) to the test server with a database that does not exist."""

from __future__ import annotations

import asyncio
import secrets
import socket
import struct
from collections.abc import AsyncIterator

import pytest

from bot.core.errors import MockpanelError
from bot.storage import pg_schema

SSL_REQUEST, GSS_REQUEST = 80877103, 80877104


async def _refuse_password(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A server that asks for a cleartext password and refuses it, as PostgreSQL does."""
    try:
        while True:
            (length,) = struct.unpack("!i", await reader.readexactly(4))
            body = await reader.readexactly(length - 4)
            if struct.unpack("!i", body[:4])[0] not in (SSL_REQUEST, GSS_REQUEST):
                break
            writer.write(b"N")  # no TLS here: asyncpg goes on in plain text
        words = body[4:].split(b"\0")
        user = dict(zip(words[0::2], words[1::2], strict=False)).get(b"user", b"").decode()
        writer.write(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
        await reader.readexactly(1)
        (length,) = struct.unpack("!i", await reader.readexactly(4))
        await reader.readexactly(length - 4)
        message = f'password authentication failed for user "{user}"'.encode()
        fields = b"SFATAL\0VFATAL\0C28P01\0M" + message + b"\0\0"
        writer.write(b"E" + struct.pack("!i", len(fields) + 4) + fields)
        await writer.drain()
    finally:
        writer.close()


@pytest.fixture
async def password_server() -> AsyncIterator[int]:
    server = await asyncio.start_server(_refuse_password, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def _failure(url: str) -> str:
    with pytest.raises(MockpanelError) as failed:
        conn = await pg_schema.connect(url, timeout=10)
        await conn.close()
    return str(failed.value)


async def test_a_wrong_password(password_server: int) -> None:
    message = await _failure(f"postgresql://bob:n0tright@127.0.0.1:{password_server}/mockpanel")
    assert message == "PostgreSQL refused the password for user bob: fix the password in the URL"


async def test_a_server_that_is_down() -> None:
    with socket.socket() as closed:  # bound, never listening: connections to it are refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        message = await _failure(f"postgresql://bob:n0tright@127.0.0.1:{port}/mockpanel")
    assert message == f"cannot reach PostgreSQL at 127.0.0.1:{port} (connection refused): is the server running?"


async def test_a_database_that_does_not_exist(pg_server_url: str) -> None:
    name = f"mockpanel_missing_{secrets.token_hex(4)}"
    base, _, query = pg_server_url.partition("?")
    url = f"{base.rsplit('/', 1)[0]}/{name}{'?' + query if query else ''}"
    message = await _failure(url)
    at = pg_schema.server_address(url)
    assert message == f"database {name} does not exist on {at}: create it (createdb {name}) or fix the URL"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mysql://bob:n0tright@db.example/mockpanel", "scheme is expected to be"),
        ("postgresql://bob:n0tright@127.0.0.1:fivefour/mockpanel", "invalid literal for int()"),
        ("postgresql://bob:n0tright@127.0.0.1/mockpanel?sslmode=sometimes", "sslmode"),
        ("postgresql://bob:n0tright@127.0.0.1/mockpanel?password", "bad query field"),
    ],
)
async def test_a_malformed_url(url: str, reason: str) -> None:
    message = await _failure(url)
    assert message.startswith(f"not a PostgreSQL URL: {pg_schema.safe_url(url)} (")
    assert reason in message and "n0tright" not in message


def test_other_failures_read_as_one_line() -> None:
    url = "postgresql://bob:n0tright@db.internal:6543/mockpanel"
    unknown = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    assert pg_schema.describe_connect_error(url, unknown) == (
        "cannot reach PostgreSQL at db.internal:6543 (unknown host): fix the host name in the URL"
    )
    assert pg_schema.describe_connect_error(url, TimeoutError()) == (
        "cannot reach PostgreSQL at db.internal:6543 (timed out): is the server running and its port open?"
    )
    for exc in (unknown, TimeoutError(), ConnectionResetError(104, "Connection reset by peer"), RuntimeError("x")):
        line = pg_schema.describe_connect_error(url, exc)
        assert "\n" not in line and "n0tright" not in line


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("postgresql://bob:n0t%40right@db:5432/mp", "postgresql://bob:***@db:5432/mp"),
        ("postgres://bob@db/mp?search_path=t_1", "postgres://bob@db/mp?search_path=t_1"),
        ("postgresql://db/mp?user=bob&password=n0tright&x=1", "postgresql://db/mp?user=bob&password=***&x=1"),
        (
            "postgresql://bob:pw@h1:5432,h2:5433/mp?sslpassword=k",
            "postgresql://bob:***@h1:5432,h2:5433/mp?sslpassword=***",
        ),
        ("not a url", "not a url"),
    ],
)
def test_safe_url_hides_the_password(url: str, safe: str) -> None:
    assert pg_schema.safe_url(url) == safe


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("postgresql://bob@db.internal/mp", "db.internal:5432"),
        ("postgresql://bob:pw@10.0.0.5:6543/mp", "10.0.0.5:6543"),
        ("postgresql://[::1]/mp", "[::1]:5432"),
        ("postgresql://[::1]:6000/mp", "[::1]:6000"),
        ("postgresql:///mp", "localhost:5432"),
    ],
)
def test_server_address(url: str, address: str) -> None:
    assert pg_schema.server_address(url) == address
