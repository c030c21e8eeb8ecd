"""The README is where non-developers read who may do what: it must say what the code does."""

from pathlib import Path

from resolvers.permissions import markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_permission_table_matches_the_code():
    # given the README's permission section
    text = README.read_text()
    start = text.index("<!-- permissions:start -->\n") + len("<!-- permissions:start -->\n")
    end = text.index("\n<!-- permissions:end -->")
    # then it is exactly the table the code enforces
    assert text[start:end] == markdown_table(), "update the README table from resolvers.permissions.markdown_table()"
