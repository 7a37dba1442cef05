"""What the tests share besides fixtures (those are in tests/conftest.py): the project's
processes as a test starts them (`processes`), links to the servers that a test can cut
(`links`), and Chromium (`browser`)."""
