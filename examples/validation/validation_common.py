"""Shared by the validation figure script and tests/library/test_validation.py: published targets
and the measures computed from egress result files (docs/validation.md, V1, V2 and V5)."""
from __future__ import annotations

import pathlib

import h5py
import numpy as np

# Hirschberg et al. 1998 (J Cell Biol 143:1485): fractions derived from k = 2.8, 3.0, 0.25 %/min
# for ER / Golgi / post-Golgi (PM + degraded) at 30, 60 and 120 min.
HIRSCHBERG = {30: (0.43, 0.35, 0.22), 60: (0.19, 0.30, 0.52), 120: (0.035, 0.10, 0.86)}
GOLGI_PEAK = (34.5, 0.355)  # min, fraction of the load (derived: ln(k2/k1)/(k2-k1))
K_GOLGI_EXIT = 5.0e-4       # 1/s, 3.0 %/min
# Albumin secretion by rat hepatocytes (scilit.net/publications/506d336971ac106515219e6a225ae299):
# (lag, t1/2) in minutes at each temperature; at 16 C nothing is secreted in 270 min.
ALBUMIN_SECRETION = {37: (10.0, 20.0), 20: (60.0, 200.0)}
ALBUMIN_NONE_UNTIL_16C = 270.0  # min
# Brefeldin A (Sciaky et al. 1997 J Cell Biol 139:1137): Golgi markers stay for 5-10 min after the
# addition, then move into the ER within 15-30 s.
BFA_TUBULE_PHASE_MIN = (5.0, 10.0)
BFA_COLLAPSE_S = (15.0, 30.0)
# Insulin granules of a beta cell after a glucose step (Rorsman & Renstrom 2003 as quoted in
# JGP 2004;124:623): a first phase of 40-80 granules that ends within 10-15 min, then ~5 per min.
INSULIN_STEP_MIN = 10.0
INSULIN_FIRST_PHASE = (40.0, 80.0)  # granules
INSULIN_SECOND_PHASE = 5.0          # granules per cell per min


# The Golgi's cargo species: the standard model's cis, medial and trans cisternae and TGN
# (models/secretory_core.toml), or the chain's single pool (models/hirschberg_chain.toml).
GOLGI_SPECIES = ("cargo_Golgi", "cargo_cis", "cargo_medial", "cargo_trans", "cargo_TGN")


def read(path: str | pathlib.Path) -> dict:
    with h5py.File(path, "r") as f:
        species = [s.decode() for s in f["species"][()]]
        amounts, transit = f["amounts"][()], f["vesicles/cargo_in_transit"][()]
        return {"t_min": f["time"][()] / 60.0,
                "amount": {s: amounts[:, :, i] for i, s in enumerate(species)},
                "transit": {s: transit[:, :, i] for i, s in enumerate(species)}}


def hirschberg_fractions(r: dict) -> np.ndarray:
    """ER, Golgi and post-Golgi fractions of the total, shape (replicate, time, 3). Works for the
    chain (cargo_Golgi; cargo_PM, cargo_degraded) and the standard model (ERGIC and the four
    cisternal pools; cargo_secreted); cargo in a carrier counts with the compartment it goes to:
    pre-Golgi carriers with the Golgi, post-Golgi carriers with the post-Golgi fraction. The ERGIC
    counts with the Golgi, as in Hirschberg et al. 1998's two-region imaging."""
    a, tr = r["amount"], r["transit"]
    zero = np.zeros_like(a["cargo_ER"])
    er = a["cargo_ER"]
    golgi = sum(a.get(s, zero) + tr.get(s, zero) for s in ("cargo_ERGIC",) + GOLGI_SPECIES)
    post = sum(a.get(s, zero) + tr.get(s, zero) for s in ("cargo_PM", "cargo_secreted", "cargo_degraded"))
    total = er + golgi + post
    return np.stack([er / total, golgi / total, post / total], axis=-1)


def exponential_fit(t_s: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Fit y = A exp(-k t) by least squares on log y; returns (k [1/s], A, R^2 of the fit on y)."""
    keep = y > 0
    slope, intercept = np.polyfit(t_s[keep], np.log(y[keep]), 1)
    fitted = np.exp(intercept + slope * t_s)
    r2 = 1.0 - np.sum((y - fitted) ** 2) / np.sum((y - y.mean()) ** 2)
    return -slope, float(np.exp(intercept)), float(r2)


# A conveyor Golgi for V2's counter-case: four cisternae in series, each left at 4k, so the mean
# residence is the same 1/k but nothing leaves before it has passed them all (cisternal
# progression without exchange).
CONVEYOR_PARAMS = """
[model]
name = "golgi_conveyor"
compartments = { Golgi = {}, extracellular = {} }
[model.species]
cis = { compartment = "Golgi", initial = 10000 }
medial = { compartment = "Golgi", initial = 0 }
trans = { compartment = "Golgi", initial = 0 }
tgn = { compartment = "Golgi", initial = 0 }
cargo_secreted = { compartment = "extracellular", initial = 0 }
[model.parameters]
k_step = { value = 2.0e-3, units = "1/s", source = "4 x 5.0e-4 /s: the same mean Golgi residence as Hirschberg et al. 1998" }
[[model.reactions]]
name = "cis_to_medial"
equation = "cis -> medial"
k = "k_step"
[[model.reactions]]
name = "medial_to_trans"
equation = "medial -> trans"
k = "k_step"
[[model.reactions]]
name = "trans_to_tgn"
equation = "trans -> tgn"
k = "k_step"
[[model.reactions]]
name = "tgn_exit"
equation = "tgn -> cargo_secreted"
k = "k_step"
[simulation]
method = "ode"
t_end = 7200.0
output_interval = 60.0
"""


def golgi_content(r: dict) -> np.ndarray:
    """The Golgi's cargo per replicate and time: the standard model's four cisternal pools (or the
    chain's cargo_Golgi), or the conveyor's four cisternae."""
    a = r["amount"]
    if "cis" in a:
        return a["cis"] + a["medial"] + a["trans"] + a["tgn"]
    return sum(a[s] for s in GOLGI_SPECIES if s in a)


def secreted_fraction(r: dict, load: float = 10000.0) -> np.ndarray:
    """The replicate-mean fraction of a pulse of `load` molecules secreted, by time."""
    return r["amount"]["cargo_secreted"].mean(axis=0) / load


def lag_and_half_time(t_min: np.ndarray, fraction: np.ndarray) -> tuple[float, float]:
    """The published form "a lag, then t1/2": 1 - S(t)/N = 2^-((t - lag) / t1/2) once secretion is
    under way, fitted by least squares on log(1 - S/N) where 20 % to 80 % is secreted. Returns
    (lag, t1/2) in minutes."""
    window = (fraction > 0.2) & (fraction < 0.8)
    if window.sum() <= 10:
        raise ValueError("the run does not reach 80 % secreted with more than 10 samples between 20 and 80 %")
    slope, intercept = np.polyfit(t_min[window], np.log(1.0 - fraction[window]), 1)
    return intercept / -slope, float(np.log(2.0) / -slope)


def insulin_phases(t_min: np.ndarray, fused: np.ndarray) -> tuple[float, float]:
    """(first phase, second phase) of a cumulative fusion curve after the glucose step at 10 min:
    the second phase is the mean rate over 40-60 min (granules/min); the first is what fused
    over 10-25 min above that line (granules)."""
    at = lambda m: fused[int(np.argmin(np.abs(t_min - m)))]
    second = (at(60) - at(40)) / 20.0
    return (at(25) - at(10)) - second * 15.0, second


def collapse_timing(t_min: np.ndarray, golgi: np.ndarray, added_min: float) -> tuple[float, float]:
    """(delay, width) of the Golgi's collapse after BFA added at `added_min`: the delay (min) is
    when the content has fallen by half of its drop from the addition to 5 min after the
    steepest fall; the width (s) is the time from 10 % to 90 % of that drop (linear interpolation
    between samples)."""
    start = int(np.argmin(np.abs(t_min - added_min)))
    steepest = start + int(np.argmin(np.diff(golgi[start:])))
    end = int(np.argmin(np.abs(t_min - (t_min[steepest] + 5.0))))
    high, low = golgi[steepest], golgi[end]
    def crossing(level):
        i = steepest
        while golgi[i + 1] > level:
            i += 1
        return t_min[i] + (t_min[i + 1] - t_min[i]) * (golgi[i] - level) / (golgi[i] - golgi[i + 1])
    drop = lambda fraction: high - fraction * (high - low)
    return crossing(drop(0.5)) - added_min, 60.0 * (crossing(drop(0.9)) - crossing(drop(0.1)))


def lag_then_exponential(t_min: np.ndarray, lag: float, half_time: float) -> np.ndarray:
    """The secreted fraction of the published form (0 before the lag)."""
    return np.where(t_min > lag, 1.0 - 2.0 ** (-(t_min - lag) / half_time), 0.0)
