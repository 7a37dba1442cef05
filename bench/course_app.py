"""The course's vote app, as the course runs it, for `make bench`'s figure 1: Flask behind
gunicorn with 4 workers, each vote one RPUSH of JSON to a Redis list, and the page again.

    gunicorn --workers 4 --bind 127.0.0.1:PORT bench.course_app:app
"""

import json
import os
import random
import socket

import redis
from flask import Flask, make_response, request

app = Flask(__name__)
client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
PAGE = (
    "<!doctype html><title>Cats vs Dogs!</title><form method=post>"
    "<button name=vote value=a>Cats</button><button name=vote value=b>Dogs</button></form>"
    "<p>Processed by container ID {host}</p><p>{vote}</p>"
)


@app.route("/", methods=["POST", "GET"])
def hello():  # type: ignore[no-untyped-def]
    voter_id = request.cookies.get("voter_id") or hex(random.getrandbits(64))[2:]
    vote = None
    if request.method == "POST":
        vote = request.form["vote"]
        client.rpush("votes", json.dumps({"voter_id": voter_id, "vote": vote}))
    response = make_response(PAGE.format(host=socket.gethostname(), vote=vote or ""))
    response.set_cookie("voter_id", voter_id)
    return response
