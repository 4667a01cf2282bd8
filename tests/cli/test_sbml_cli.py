"""`egress import` and `egress export` (docs/sbml.md) from the command line."""
import os
import pathlib
import subprocess

import h5py
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
EGRESS = os.environ.get("EGRESS_BIN", str(ROOT / "build/release/bin/egress"))
CASES = ROOT / "tests/sbml/cases"


def run(*args, **kw):
    return subprocess.run([EGRESS, *map(str, args)], capture_output=True, text=True, **kw)


def test_import_writes_a_model_file_that_runs_like_the_sbml(tmp_path):
    xml = CASES / "stochastic/00030/00030-sbml-l3v2.xml"  # dimerisation: an expression law
    model = tmp_path / "dimer.toml"
    run("import", xml, "-o", model, check=True)
    text = model.read_text()
    assert 'law = "expression"' in text and 'law = "mass_action"' in text
    runs = {}
    for name, ref in (("toml", model), ("xml", xml)):
        params = tmp_path / f"{name}.toml"
        params.write_text(f'model = "{ref}"\n[simulation]\nmethod = "ssa"\nt_end = 10.0\noutput_interval = 1.0\n'
                          'replicates = 20\nseed = 5\n')
        run("run", params, "-o", tmp_path / f"{name}.h5", "-q", check=True)
        with h5py.File(tmp_path / f"{name}.h5") as h:
            runs[name] = h["amounts"][...]
            if name == "xml":
                assert h["input/model"][()].decode().startswith("<?xml")
    assert np.array_equal(runs["toml"], runs["xml"])  # the same model, so the same trajectories


def test_import_refusal_names_the_element_and_line(tmp_path):
    proc = run("import", CASES / "stochastic/00001/00001-sbml-l3v2.xml", "-o", tmp_path / "ok.toml")
    assert proc.returncode == 0
    xml = tmp_path / "event.xml"
    src = (CASES / "stochastic/00001/00001-sbml-l3v2.xml").read_text()
    event = ('    <listOfEvents>\n      <event id="boom" useValuesFromTriggerTime="true">\n'
             '        <trigger initialValue="false" persistent="true"><math xmlns="http://www.w3.org/1998/Math/MathML">'
             '<apply><gt/><ci> X </ci><cn> 30 </cn></apply></math></trigger>\n'
             '        <listOfEventAssignments>\n          <eventAssignment variable="Cell">'
             '<math xmlns="http://www.w3.org/1998/Math/MathML"><cn> 2 </cn></math></eventAssignment>\n'
             '        </listOfEventAssignments>\n      </event>\n    </listOfEvents>\n')
    xml.write_text(src.replace("  </model>", event + "  </model>"))
    line = xml.read_text()[: xml.read_text().index("<eventAssignment ")].count("\n") + 1
    proc = run("import", xml)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith(f"{xml}:{line}:"), proc.stderr
    assert "SBML eventAssignment 'Cell': an event that changes the size of compartment 'Cell' is not supported" in proc.stderr


def test_export_writes_sbml_l3v2_with_annotated_routes(tmp_path):
    out = tmp_path / "default.xml"
    run("export", ROOT / "params/default.toml", "-o", out, check=True)
    text = out.read_text()
    assert 'level="3" version="2"' in text
    assert "egress:meanFlux" in text and 'route="COPII"' in text
    # and it reads back
    proc = run("import", out)
    assert proc.returncode == 0 and "COPII_bud_cargo_ER" in proc.stdout
