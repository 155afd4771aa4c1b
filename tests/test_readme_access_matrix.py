"""README.md's access matrix is the one xero_timesync/tests/test_access.py proves.

The addon test runs every cell as each role (ORM and JSON-RPC) and fails unless both equal the expected
outcome; this repository check renders those expected outcomes and finds them in the README."""

from pathlib import Path

from odoo.addons.xero_timesync.tests.test_access import MATRIX, ROLES, render_markdown

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_access_matrix_is_the_proven_one():
    proven = {op.key: {role: (op.expect(role), op.expect(role)) for role in ROLES} for op in MATRIX}
    table = render_markdown(proven)
    assert table in README.read_text(), "README.md's access matrix is out of date: paste this table\n" + table
