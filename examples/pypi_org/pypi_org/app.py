import os

import flask

import pypi_org.data.db_session as db_session

app = flask.Flask(__name__)


def setup_db():
    db_file = os.path.join(os.path.dirname(__file__), "db", "pypi.sqlite")
    db_session.global_init(db_file)


@app.route("/")
def index():
    return "Hello from pypi_org"


if __name__ == "__main__":
    setup_db()
    app.run(debug=True)
