"""A password hasher for the tests: Django's own PBKDF2, a thousand rounds rather than a
million, so that the hundreds of presenters the tests make cost milliseconds. A web process
on the project's settings checks these passwords all the same (the rounds are part of the
hash) and hashes them anew, with its own rounds, when one signs in."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1000
