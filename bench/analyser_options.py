"""The Korean analyser's memory, speed and mapping accuracy under Kiwi's options (issue 16,
"small workers"); `python -m bench.analyser_options`. Each option runs in a fresh process.
`python -m bench.analyser_options --remote`: the analyser process (integrations/analyser_process.py)
against Kiwi in this process — the same mapping on every sentence, and ms per map_free_text.

Corpus: every Korean string literal of the finder's and the free-text mapping's tests and the
synonym table's examples (what the finder's mapping must get right), mapped with
welfare.free_text.map_free_text and household_facts; accuracy = the share of sentences whose
mapping equals the one of Kiwi's default options, and how many of the tests' own sentences
change. Danger screening (welfare/danger.py) does not use the analyser.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["tests/welfare/test_free_text.py", *sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("tests/test_finder_*.py")),
           "tests/test_free_text_properties.py", "tests/test_report_transcripts.py"]
OPTIONS = {
    "default": {},
    "num_workers=0": {"num_workers": 0},
    "no multi/typo dict": {"num_workers": 0, "load_multi_dict": False, "load_typo_dict": False},
    "no default/multi/typo dict": {"num_workers": 0, "load_default_dict": False, "load_multi_dict": False,
                                   "load_typo_dict": False},
    "model_type=none": {"num_workers": 0, "model_type": "none"},
    "model_type=largest": {"num_workers": 0, "model_type": "largest"},
    "model_type=knlm": {"num_workers": 0, "model_type": "knlm"},
    "model_type=sbg": {"num_workers": 0, "model_type": "sbg"},
    "model_type=cong-global": {"num_workers": 0, "model_type": "cong-global"},
}


def corpus() -> list[str]:
    found: set[str] = set()
    for rel in SOURCES:
        path = ROOT / rel
        if not path.exists():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and any("가" <= ch <= "힣" for ch in node.value):
                if 2 <= len(node.value) <= 300:
                    found.add(node.value)
    import tomllib
    synonyms = tomllib.loads((ROOT / "welfare/data/synonyms.toml").read_text(encoding="utf-8"))
    for entry in synonyms.get("entry", []) + synonyms.get("fact", []):
        found.update(t for t in entry.get("terms", []) if len(t) >= 2)
    return sorted(found)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure_one(name: str) -> dict:
    """In this process: load Kiwi with the option, map the corpus, report."""
    from welfare import free_text
    from kiwipiepy import Kiwi
    sentences = corpus()
    base = _rss_mb()
    started = time.perf_counter()
    try:
        kiwi = Kiwi(**OPTIONS[name])
    except Exception as exc:  # noqa: BLE001 - an option this build does not have
        return {"option": name, "error": f"{exc.__class__.__name__}: {exc}"[:200]}
    load_s = time.perf_counter() - started
    free_text._KIWI._kiwi = kiwi
    free_text.map_free_text("월세가 밀렸어요")
    loaded = _rss_mb()
    started = time.perf_counter()
    out = {s: [list(free_text.map_free_text(s).ids), sorted(free_text.household_facts(s).items())] for s in sentences}
    per_sentence_ms = 1000 * (time.perf_counter() - started) / len(sentences)
    return {"option": name, "load_s": round(load_s, 2), "rss_mb_process_after_load": round(loaded, 1),
            "rss_mb_analyser": round(loaded - base, 1), "ms_per_sentence": round(per_sentence_ms, 3),
            "sentences": len(sentences), "mapping": out}


def compare_remote(rounds: int = 3) -> dict:
    """Map the corpus through the analyser process and with Kiwi in this process: same mapping?
    ms per map_free_text each way (the best of `rounds` passes, both warm)."""
    import tempfile
    from integrations.analyser_client import AnalyserClient
    from welfare import free_text
    sentences = corpus()

    def mapped() -> dict:
        return {s: [list(free_text.map_free_text(s).ids), sorted(free_text.household_facts(s).items())]
                for s in sentences}

    def best_ms() -> float:
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            for s in sentences:
                free_text.map_free_text(s)
            times.append(1000 * (time.perf_counter() - started) / len(sentences))
        return min(times)

    with tempfile.TemporaryDirectory(prefix="salpim-an-") as tmp:
        path = Path(tmp) / "analyser.sock"
        server = subprocess.Popen([sys.executable, "-m", "integrations.analyser_process", "--socket", str(path)],
                                  cwd=ROOT)
        try:
            client = AnalyserClient(path)
            if not client.wait_ready(120):
                return {"error": "the analyser process did not answer"}
            free_text.use_lemma_source(None)
            free_text.warm_up()
            local, local_ms = mapped(), best_ms()
            free_text.use_lemma_source(client.lemmas)
            remote, remote_ms = mapped(), best_ms()
            free_text.use_lemma_source(None)
        finally:
            server.terminate()
            server.wait(10)
    same = sum(remote[s] == local[s] for s in sentences)
    return {"sentences": len(sentences), "same": same, "ms_in_process": round(local_ms, 3),
            "ms_remote": round(remote_ms, 3), "differ": [s for s in sentences if remote[s] != local[s]][:3]}


def main() -> int:
    if sys.argv[1:] == ["--remote"]:
        r = compare_remote()
        if "error" in r:
            print(r["error"])
            return 1
        print(f"map_free_text, {r['sentences']} sentences, best of 3 passes: in-process {r['ms_in_process']} ms, "
              f"analyser process {r['ms_remote']} ms a sentence; same mapping {r['same']}/{r['sentences']}"
              f"{' e.g. ' + repr(r['differ']) if r['differ'] else ''}")
        return 0 if r["same"] == r["sentences"] else 1
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(measure_one(sys.argv[2]), ensure_ascii=False))
        return 0
    results = []
    for name in OPTIONS:
        proc = subprocess.run([sys.executable, "-m", "bench.analyser_options", "--one", name], cwd=ROOT,
                              capture_output=True, text=True, timeout=600)
        line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else json.dumps(
            {"option": name, "error": proc.stderr.strip().splitlines()[-1:] or "failed"})
        results.append(json.loads(line))
    reference = next((r["mapping"] for r in results if r["option"] == "default" and "mapping" in r), None)
    print("| Kiwi option | load s | process RSS MB | analyser MB | ms/sentence | same mapping as default |")
    print("|---|---|---|---|---|---|")
    for r in results:
        if "error" in r:
            print(f"| {r['option']} | – | – | – | – | not available: {r['error']} |")
            continue
        same = sum(r["mapping"][s] == reference[s] for s in reference) if reference else 0
        differ = [s for s in reference if r["mapping"][s] != reference[s]][:3] if reference else []
        print(f"| {r['option']} | {r['load_s']} | {r['rss_mb_process_after_load']} | {r['rss_mb_analyser']} | "
              f"{r['ms_per_sentence']} | {same}/{r['sentences']}{' e.g. ' + repr(differ) if differ else ''} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
