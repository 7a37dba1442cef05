"""What an attacker's probe tried, on the server as deployed (voting_site/serve.py):
memory, the log, slow clients and bodies, each against a real web process."""

from __future__ import annotations

import asyncio
import secrets
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import psutil
import pytest
import websockets
from django.contrib.auth.models import User
from websockets.typing import Origin

from tests.support.pages import csrf_token
from tests.support.processes import WebProcess, web_process

pytestmark = pytest.mark.django_db(transaction=True)  # the server process must see the poll

MB = 1024 * 1024


@pytest.fixture(scope="module")
def _deployed(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebProcess]:
    log = tmp_path_factory.mktemp("deployed") / "web.log"
    # Each test makes its poll anew (the same slug, a new row): no copy of a poll is kept.
    with web_process(server="uvicorn", log=log, VOTING_BALLOT_CACHE_SECONDS="0") as web:
        yield web


@pytest.fixture
def deployed(_deployed: WebProcess, transactional_db: None) -> WebProcess:
    """The server as deployed, with the project's settings: shared by this module's tests
    that change none (those that do start their own)."""
    return _deployed


def resident_memory(pid: int) -> int:
    return psutil.Process(pid).memory_info().rss


def test_unknown_slugs_do_not_grow_the_web_process(deployed, poll, redis_db):
    long_slug = 60_000
    with httpx.Client(base_url=deployed.url) as client:

        def ask_for_made_up_polls(count: int) -> None:
            for _ in range(count):
                slug = secrets.token_hex(long_slug // 2)
                headers = {"Accept-Language": f"{secrets.token_hex(2000)},es"}
                assert client.get(f"/polls/{slug}/", headers=headers).status_code == 404
                assert client.post(f"/polls/{slug}/").status_code in (403, 404)

        ask_for_made_up_polls(50)  # what the process allocates once, it has by now
        before = resident_memory(deployed.process.pid)
        ask_for_made_up_polls(250)  # kept, they would be 250 x 64 KB: 16 MB and more
        grown = resident_memory(deployed.process.pid) - before

    # It grows about 1.5 MB over 1,000 (the allocator's own): some 0.4 MB over these.
    assert grown < 8 * MB, f"grew by {grown / MB:.0f} MB"


@pytest.mark.parametrize(
    "path", ["/polls/cats-vs-dogs/", "/i18n/setlang/", "/admin/login/", "/polls/no-such/"]
)
def test_a_form_that_is_not_utf8_gets_400_and_one_line_of_log(deployed, poll, redis_db, path):
    logged_before = len(deployed.log_text().splitlines())
    answer = httpx.post(
        deployed.url + path,
        content=b"csrfmiddlewaretoken=abcdefghijklmnopqrstuvwxyzABCDEF&option=cats",
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=latin-1",
            "Cookie": "csrftoken=abcdefghijklmnopqrstuvwxyzABCDEF",
        },
    )
    time.sleep(0.2)  # the log line is written as the answer goes
    logged = deployed.log_text().splitlines()[logged_before:]

    assert answer.status_code == 400
    assert "nothing was recorded" in answer.text
    assert len(logged) <= 2, "\n".join(logged)


def test_a_host_not_served_gets_400_and_one_line_of_log(deployed, redis_db):
    logged_before = len(deployed.log_text().splitlines())
    answer = httpx.get(deployed.url + "/", headers={"Host": "evil.example"})
    time.sleep(0.2)
    logged = deployed.log_text().splitlines()[logged_before:]

    assert answer.status_code == 400
    assert len(logged) <= 2, "\n".join(logged)


def _closed_within(connection: socket.socket, seconds: float) -> bool:
    """Whether the server closes the connection within `seconds` (reading what it says)."""
    connection.settimeout(seconds)
    try:
        while connection.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


def forged(n: int) -> dict[str, str]:
    """Headers naming another client each time, as a proxy would: believed from no one here."""
    return {
        "X-Forwarded-For": f"192.0.2.{n}",
        "X-Real-IP": f"192.0.2.{n}",
        "Forwarded": f"for=192.0.2.{n}",
    }


def test_a_client_naming_other_addresses_is_still_one_client_to_the_limits(poll, redis_db):
    with web_process(server="uvicorn", VOTING_RATE_NEW_VOTERS="2/m") as web:
        answers = [
            httpx.get(f"{web.url}/polls/cats-vs-dogs/", headers=forged(n)).status_code
            for n in range(3)
        ]

    assert answers == [200, 200, 429]


def test_a_client_naming_other_addresses_opens_no_more_sockets(poll, redis_db):
    async def open_three(url: str) -> list[int]:
        socket_url = url.replace("http://", "ws://") + "/ws/polls/cats-vs-dogs/"
        answers, opened = [], []
        for n in range(3):
            try:
                opened.append(
                    await websockets.connect(
                        socket_url, origin=Origin(url), additional_headers=forged(n)
                    )
                )
                answers.append(101)
            except websockets.InvalidStatus as refused:
                answers.append(refused.response.status_code)
        for socket_ in opened:
            await socket_.close()
        return answers

    with web_process(server="uvicorn", VOTING_RATE_SOCKETS="2/m") as web:
        answers = asyncio.run(open_three(web.url))

    assert answers == [101, 101, 429]


def test_a_client_naming_other_addresses_is_still_locked_out_of_signing_in(deployed, redis_db):
    User.objects.create_superuser("teacher", "t@example.com", "a long pass phrase")
    with httpx.Client(base_url=deployed.url) as browser:

        def sign_in(password: str, n: int) -> int:
            page = browser.get("/admin/login/").text
            token = csrf_token(page)
            form = {"csrfmiddlewaretoken": token, "username": "teacher", "password": password}
            headers = {**forged(n), "Referer": f"{deployed.url}/admin/login/"}
            return browser.post("/admin/login/", data=form, headers=headers).status_code

        failures = [sign_in(f"guess {n}", n) for n in range(5)]
        right = sign_in("a long pass phrase", 99)

    assert failures == [200] * 4 + [429]
    assert right == 429


def test_metrics_through_a_proxy_on_this_machine_need_the_token(deployed, redis_db):
    direct = httpx.get(f"{deployed.url}/metrics").status_code
    proxied = [
        httpx.get(f"{deployed.url}/metrics", headers={name: "203.0.113.7"}).status_code
        for name in ("X-Forwarded-For", "X-Real-IP", "Forwarded", "Via")
    ]

    assert direct == 200
    assert proxied == [403] * 4


def test_slow_clients_are_dropped(redis_db):
    def held_open(send_slowly) -> bool:
        """Whether the server still holds a connection that sends as `send_slowly` does."""
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            send_slowly(connection)
            return not _closed_within(connection, 10)

    def idle_in_the_head(connection: socket.socket) -> None:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")

    def a_byte_a_second(connection: socket.socket) -> None:
        for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: slow":
            connection.sendall(bytes([byte]))
            if _closed_within(connection, 0.5):
                return

    def a_body_that_stops(connection: socket.socket) -> None:
        connection.sendall(
            b"POST /polls/cats-vs-dogs/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\nop"
        )

    with web_process(server="uvicorn", WEB_HEAD_TIMEOUT="2", WEB_BODY_TIMEOUT="3") as web:
        port = int(web.url.rsplit(":", 1)[1])
        with ThreadPoolExecutor() as pool:
            held = list(pool.map(held_open, [idle_in_the_head, a_byte_a_second, a_body_that_stops]))
        still_serving = httpx.get(f"{web.url}/healthz").status_code

    assert held == [False, False, False]
    assert still_serving == 200


@pytest.mark.parametrize(
    ("frame", "closed_with"),
    [
        ("[" * 100_000 + "]" * 100_000, 1009),  # too big: refused unread by the server
        (b"\x00" * 15 * MB, 1009),
        ('{"type": "hello"}', 1008),  # small, but nothing is expected: closed unread
        (b"\x00\x01", 1008),
    ],
    ids=["nested", "binary", "text", "small binary"],
)
def test_a_frame_from_a_client_closes_its_socket_and_nothing_else(
    deployed, poll, redis_db, frame, closed_with
):
    async def send(url: str) -> tuple[int | None, int]:
        socket_url = url.replace("http://", "ws://") + "/ws/polls/cats-vs-dogs/"
        async with websockets.connect(socket_url, origin=Origin(url), max_size=None) as viewer:
            await viewer.recv()  # the poll's state
            try:
                await viewer.send(frame)
                while True:
                    await viewer.recv()
            except websockets.ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
        async with httpx.AsyncClient() as client:
            health = (await client.get(f"{url}/healthz")).status_code
        return code, health

    logged_before = len(deployed.log_text().splitlines())
    code, health = asyncio.run(asyncio.wait_for(send(deployed.url), 30))
    logged = deployed.log_text().splitlines()[logged_before:]

    assert code == closed_with
    assert health == 200
    assert len(logged) <= 2, "\n".join(logged)


def answer_to_head(url: str, head: str, body: bytes = b"") -> str:
    """Send a request's head (and `body`), then read the answer's status line, without
    sending the rest of the body the head announces."""
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"{head}\r\nHost: 127.0.0.1\r\n\r\n".encode() + body)
        return connection.recv(4096).decode().split("\r\n")[0]


@pytest.mark.parametrize(
    "head",
    [
        "PUT /polls/load/ HTTP/1.1\r\nContent-Length: 200000000",
        "GET / HTTP/1.1\r\nContent-Length: 200000000",
        "POST /admin/login/ HTTP/1.1\r\nContent-Length: 200000000",
        "DELETE /polls/cats-vs-dogs/ HTTP/1.1\r\nContent-Length: 5000",
        "PATCH /admin/ HTTP/1.1\r\nContent-Length: 70000000",  # over the images' 64 MB
    ],
    ids=["put", "get", "admin", "delete", "admin patch"],
)
def test_any_body_over_its_limit_is_refused_before_it_is_sent(deployed, poll, redis_db, head):
    assert answer_to_head(deployed.url, head).startswith("HTTP/1.1 413")  # and none was sent


def test_a_chunked_body_over_the_limit_is_refused_as_it_grows(deployed, poll, redis_db):
    chunk = b"x" * 5000
    status = answer_to_head(
        deployed.url,
        "GET /hits/ HTTP/1.1\r\nTransfer-Encoding: chunked",
        b"%x\r\n%s\r\n" % (len(chunk), chunk),  # and never a last chunk
    )

    assert status.startswith("HTTP/1.1 413")


@pytest.mark.parametrize("size", [10_000, 3 * MB], ids=["form", "form with images"])
def test_the_admins_forms_may_be_larger_than_a_vote(deployed, redis_db, size):
    form = b"username=teacher&password=" + b"x" * size
    status = answer_to_head(
        deployed.url,
        "POST /admin/login/ HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(form)}",
        form,
    )

    assert status.startswith("HTTP/1.1 403")  # read, and refused for its missing CSRF token


def test_an_admin_body_in_chunks_keeps_the_smaller_limit(deployed, redis_db):
    chunk = b"x" * (256 * 1024)
    status = answer_to_head(
        deployed.url,
        "POST /admin/login/ HTTP/1.1\r\nTransfer-Encoding: chunked",
        b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5)),  # 1.25 MB, no end
    )

    assert status.startswith("HTTP/1.1 413")
