import logging

from voting_site.logs import CLIENT_LINE_MAX, ExpectedErrorsInOneLine


def _line(name: str, status: int, path: str) -> str:
    record = logging.LogRecord(name, logging.WARNING, __file__, 1, "Not Found: %s", (path,), None)
    record.status_code = status
    assert ExpectedErrorsInOneLine().filter(record)
    return record.getMessage()


def test_a_clients_line_is_cut_short_however_long_the_path_it_asked_for():
    line = _line("django.request", 404, "/polls/" + "ab" * 30_000 + "/")

    assert len(line) == CLIENT_LINE_MAX
    assert line.startswith("Not Found: /polls/abab") and line.endswith("…")


def test_a_short_line_is_kept_whole():
    assert _line("django.request", 404, "/polls/no-such/") == "Not Found: /polls/no-such/"
