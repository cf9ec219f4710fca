"""Offline checks of the deployment: the SAM template (cfn-lint, checkov), its environment
variables against the Lambda's, the bot's Dockerfile, and the arm64 package."""

import json
import os
import re
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest

INFRA = Path(__file__).resolve().parents[1]
ROOT = INFRA.parent
TEMPLATE = INFRA / "template.yaml"
BIN = INFRA / ".venv" / "bin"


def load_template():
    from cfnlint.decode import decode

    tpl, matches = decode(str(TEMPLATE))
    assert not matches, matches
    return tpl


def test_cfn_lint_finds_no_errors():
    r = subprocess.run([BIN / "cfn-lint", "--format", "json", str(TEMPLATE)], capture_output=True, text=True)
    findings = json.loads(r.stdout or "[]")
    errors = [f for f in findings if f["Level"] == "Error"]
    assert errors == [], json.dumps(errors, indent=1)
    assert r.returncode in (0, 4, 8), r.stderr  # 4/8: warnings/informational only


def test_checkov_has_no_failed_check_and_every_skip_is_justified():
    r = subprocess.run(
        [BIN / "checkov", "-f", str(TEMPLATE), "--framework", "cloudformation", "-o", "json", "--compact",
         "--skip-download"],
        capture_output=True,
        text=True,
    )
    out = json.loads(r.stdout)
    reports = out if isinstance(out, list) else [out]
    failed = [c for rep in reports for c in rep.get("results", {}).get("failed_checks", [])]
    assert failed == [], [(c["check_id"], c["resource"]) for c in failed]
    summary = reports[0]["summary"]
    assert summary["failed"] == 0 and summary["parsing_errors"] == 0, summary
    assert summary["passed"] > 10, summary
    for name, res in load_template()["Resources"].items():
        for skip in res.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert len(skip.get("comment", "")) > 30, f"{name}: skip {skip['id']} needs a reason"


def test_template_shape():
    t = load_template()
    res = t["Resources"]
    fn = res["HitcastFunction"]["Properties"]
    assert fn["Runtime"] == "provided.al2023" and fn["Architectures"] == ["arm64"] and fn["Handler"] == "bootstrap"
    assert fn["LoggingConfig"]["LogFormat"] == "JSON"
    # least privilege: GetObject on the models/ prefix only
    stmts = fn["Policies"][0]["Statement"]
    s3 = [s for s in stmts if any(a.startswith("s3:") for a in [s["Action"]] if isinstance(a, str))]
    assert [s["Action"] for s in s3] == ["s3:GetObject"]
    assert "/models/*" in json.dumps(s3[0]["Resource"])
    bucket = res["ModelBucket"]["Properties"]
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert "BucketEncryption" in bucket
    policy = json.dumps(res["ModelBucketPolicy"]["Properties"]["PolicyDocument"])
    assert "aws:SecureTransport" in policy and '"Deny"' in policy
    api = res["HitcastApi"]["Properties"]
    assert api["Auth"]["ApiKeyRequired"] is True
    plan = api["Auth"]["UsagePlan"]
    assert {"Throttle", "Quota"} <= set(plan) and plan["Quota"]["Period"] == "MONTH"
    open_paths = {
        e["Properties"]["Path"]
        for e in res["HitcastFunction"]["Properties"]["Events"].values()
        if e["Properties"].get("Auth", {}).get("ApiKeyRequired") is False
    }
    assert open_paths == {"/", "/health", "/openapi.yaml"}
    assert {"ApiUrl", "ApiKeyId"} <= set(t["Outputs"])
    assert res["FunctionLogGroup"]["Properties"]["RetentionInDays"]


def test_environment_variables_are_the_ones_the_lambda_reads():
    src = (ROOT / "lambda/src/config.rs").read_text()
    block = re.search(r"pub const ENV_VARS: \[&str; \d+\] = \[(.*?)\];", src, re.S).group(1)
    reads = set(re.findall(r'"([A-Z0-9_]+)"', block))
    env = set(load_template()["Resources"]["HitcastFunction"]["Properties"]["Environment"]["Variables"])
    assert env <= reads, env - reads
    assert {"HITCAST_MODEL_S3_URI", "HITCAST_MODEL_SHA256", "HITCAST_MODEL_FALLBACK"} <= env


def test_bot_dockerfile():
    text = (ROOT / "bot/Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert len(stages) >= 2, "multi-stage"
    user = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert user and not user[-1].startswith(("root", "0")), "runs as a non-root user"
    assert "libonnxruntime.so" in text and "setup-ort.sh" in text
    assert re.search(r'^ENTRYPOINT \["/app/hitcast-bot"\]', text, re.M)


def elf_machine(data: bytes) -> int:
    assert data[:4] == b"\x7fELF", "not an ELF file"
    return struct.unpack_from("<H", data, 18)[0]


AARCH64 = 183


@pytest.mark.skipif(os.environ.get("HITCAST_SKIP_ARM64_PACKAGE") == "1",
                    reason="HITCAST_SKIP_ARM64_PACKAGE=1: the arm64 package build is skipped")
def test_arm64_package():
    subprocess.run([INFRA / "package.sh"], check=True)
    zpath = ROOT / "target/lambda/hitcast-lambda.zip"
    size = zpath.stat().st_size
    assert size <= 20 * 1024 * 1024, f"{size} bytes zipped"
    with zipfile.ZipFile(zpath) as z:
        assert sorted(z.namelist()) == ["bootstrap", "libonnxruntime.so"]
        boot = z.read("bootstrap")
        lib = z.read("libonnxruntime.so")
        assert (z.getinfo("bootstrap").external_attr >> 16) & 0o111, "bootstrap is executable"
    assert elf_machine(boot) == AARCH64
    assert elf_machine(lib) == AARCH64
    # Amazon Linux 2023 has glibc 2.34: nothing newer may be required
    versions = {tuple(map(int, v.split("."))) for v in re.findall(rb"GLIBC_(2\.\d+)", boot) for v in [v.decode()]}
    assert max(versions) <= (2, 34), sorted(versions)[-3:]
    print(f"package: {size} bytes zipped; bootstrap {len(boot)}, libonnxruntime.so {len(lib)} bytes")
