import os
import sys

import flask

# As in the course: the folders have no __init__.py (namespace packages); the app makes the project
# folder importable so that `pypi_org.data...` resolves however it is started.
folder = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, folder)

import pypi_org.data.db_session as db_session  # noqa: E402

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
