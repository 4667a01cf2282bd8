"""The README's pathway diagram is the standard model's: docs/secretory_core.dot is what
`egress graph params/default.toml` writes now (regenerate it and docs/secretory_core.svg with the
commands in the README when the model changes), and graphviz, when installed, renders it."""
import shutil
import subprocess

from conftest import EGRESS, ROOT


def test_the_committed_diagram_is_current(tmp_path):
    out = tmp_path / "pathway.dot"
    subprocess.run([str(EGRESS), "graph", str(ROOT / "params/default.toml"), "-o", str(out)], check=True,
                   capture_output=True)
    assert out.read_text() == (ROOT / "docs/secretory_core.dot").read_text()
    svg = (ROOT / "docs/secretory_core.svg").read_text()
    for route in ("COPII", "ERGIC_to_Golgi", "COPI", "post_Golgi", "post_Golgi_vesicles", "endocytosis", "endosome_to_Golgi",
                  "endosome_to_lysosome"):
        assert route in svg
    if shutil.which("dot"):
        subprocess.run(["dot", "-Tsvg", str(out), "-o", str(tmp_path / "pathway.svg")], check=True)
