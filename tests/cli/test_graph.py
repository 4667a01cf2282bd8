"""`egress graph`: the pathway as a Graphviz diagram, to standard output or a file."""
import os
import pathlib
import shutil
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
EGRESS = os.environ.get("EGRESS_BIN", str(ROOT / "build/release/bin/egress"))


def test_graph_names_every_species_route_and_perturbation(tmp_path):
    proc = subprocess.run([EGRESS, "graph", str(ROOT / "examples/sec23a_copii_defect.toml")],
                          capture_output=True, text=True, check=True)
    dot = proc.stdout
    assert dot.startswith('digraph "secretory_core" {') and dot.rstrip().endswith("}")
    for name in ("cargo_ER", "cargo_ERGIC", "cargo_cis", "cargo_TGN", "cargo_secreted", 'cluster_ER', "COPII (vesicles)", "post_Golgi (vesicles)"):
        assert name in dot, name
    assert '"cargo_ER" -> "cargo_ERGIC" [style=dashed' in dot
    assert "perturbed: Sec23A loss of function" in dot
    out = tmp_path / "pathway.dot"
    subprocess.run([EGRESS, "graph", str(ROOT / "params/default.toml"), "-o", str(out)], check=True)
    assert out.read_text().startswith("digraph")
    if shutil.which("dot"):  # Graphviz itself, when installed, must accept the file
        subprocess.run(["dot", "-Tsvg", str(out), "-o", str(tmp_path / "pathway.svg")], check=True)


def test_graph_of_a_bad_file_is_an_input_error():
    proc = subprocess.run([EGRESS, "graph", str(ROOT / "tests/bad_inputs/eq_no_arrow.toml")], capture_output=True, text=True)
    assert proc.returncode == 2 and "error:" in proc.stderr and proc.stdout == ""
