"""The baseline for bench/scale_benchmark.py: a bare Flask endpoint, served by the same gunicorn."""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/", methods=["GET", "POST"])
def hello():
    if request.method == "POST":
        request.get_json(silent=True)
    return jsonify(ok=True)
