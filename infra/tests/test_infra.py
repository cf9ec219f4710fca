"""Offline checks of the deployment: the SAM template (cfn-lint, checkov), its environment
variables against the Lambda's, the bot's Dockerfile, and the arm64 package."""

import json
import os
import platform
import re
import shutil
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


def test_the_api_has_time_and_cpu_for_songs_files():
    t = load_template()
    fn = t["Resources"]["HitcastFunction"]["Properties"]
    env = fn["Environment"]["Variables"]
    # the opt-in remote analysis ends (a note, not an error) well before the function is cut off,
    # which happens before API Gateway's 29 s integration limit answers 504
    remote = int(env["HITCAST_REMOTE_TIMEOUT_SECS"])
    assert remote + 10 <= fn["Timeout"] < 29, (remote, fn["Timeout"])
    # the deployer can turn the third-party analysis off: "off" is what the Lambda reads as off
    assert env["HITCAST_RECCOBEATS_URL"] == {"Fn::If": ["RemoteOff", "off", ""]}
    assert t["Conditions"]["RemoteOff"] == {"Fn::Equals": [{"Ref": "RemoteAnalysis"}, "off"]}
    # CPU comes with memory: the default gives analysis more than half a vCPU (1769 MB = one)
    assert fn["MemorySize"] == {"Ref": "ApiMemorySize"}
    assert int(t["Parameters"]["ApiMemorySize"]["Default"]) >= 1024


def test_the_discord_function_is_public_verified_and_least_privileged():
    t = load_template()
    res = t["Resources"]
    fn = res["InteractionsFunction"]["Properties"]
    assert fn["Runtime"] == "provided.al2023" and fn["Architectures"] == ["arm64"] and fn["Handler"] == "bootstrap"
    assert fn["CodeUri"] == "../target/lambda/hitcast-interactions.zip"
    assert fn["FunctionUrlConfig"]["AuthType"] == "NONE"  # Discord signs with Ed25519, not IAM
    # the job invocation: no retry (an edit is not repeated), dropped inside the token's 15 minutes
    invoke = fn["EventInvokeConfig"]
    assert invoke["MaximumRetryAttempts"] == 0 and invoke["MaximumEventAgeInSeconds"] <= 15 * 60
    assert fn["DeadLetterQueue"]["Type"] == "SQS"
    # the public half of a function URL's permissions holds only through the URL
    perm = res["InteractionsUrlInvokePermission"]["Properties"]
    assert perm["Action"] == "lambda:InvokeFunction" and perm["InvokedViaFunctionUrl"] is True
    public = [r for r in res.values() if r["Type"] == "AWS::Lambda::Permission" and r["Properties"].get("Principal") == "*"]
    assert all(r["Properties"].get("InvokedViaFunctionUrl") is True or r["Properties"].get("FunctionUrlAuthType") == "NONE"
               for r in public)
    assert fn["LoggingConfig"]["LogFormat"] == "JSON"
    assert res["InteractionsLogGroup"]["Properties"]["RetentionInDays"]
    # secrets: never template parameters; only an SSM path reaches the environment
    for name, p in t["Parameters"].items():
        if name != "SecretsPrefix":  # the SSM path, not a secret
            assert not re.search(r"secret|token|password|publickey", name, re.I), f"{name}: secrets live in SSM"
        assert not p.get("NoEcho"), f"{name}: secrets live in SSM, not in template parameters"
    env = fn["Environment"]["Variables"]
    assert set(env) == {"HITCAST_SSM_PREFIX", "HITCAST_LOG_FORMAT"}
    src = (ROOT / "bot/src/config.rs").read_text()
    block = re.search(r"pub const INTERACTIONS_ENV_VARS: \[&str; \d+\] = \[(.*?)\];", src, re.S).group(1)
    assert set(env) <= set(re.findall(r'"([A-Z0-9_]+)"', block))
    # least privilege: invoke itself only, read three named parameters (not the bot token), decrypt via SSM
    stmts = {s["Sid"]: s for s in fn["Policies"][0]["Statement"]}
    assert set(stmts) == {"InvokeItselfForDeferredWork", "ReadTheBotsSecrets", "DecryptTheSecrets"}
    assert stmts["InvokeItselfForDeferredWork"]["Action"] == "lambda:InvokeFunction"
    assert "function:${AWS::StackName}-interactions" in json.dumps(stmts["InvokeItselfForDeferredWork"]["Resource"])
    assert fn["FunctionName"] == {"Fn::Sub": "${AWS::StackName}-interactions"}
    assert stmts["ReadTheBotsSecrets"]["Action"] == "ssm:GetParameters"
    params = json.dumps(stmts["ReadTheBotsSecrets"]["Resource"])
    names = re.findall(r"parameter\$\{SecretsPrefix\}([a-z-]+)", params)
    consts = re.search(r"pub const SSM_SECRETS: .*?= \[(.*?)\];", src, re.S).group(1)
    assert sorted(names) == sorted(re.findall(r'\("([a-z-]+)", "[A-Z_]+"\)', consts))
    assert "discord-token" not in params and "*" not in params
    assert "ssm." in json.dumps(stmts["DecryptTheSecrets"]["Condition"])
    assert {"InteractionsUrl"} <= set(t["Outputs"])
    # the scripts store SecureStrings from stdin and print the URL for the developer portal
    secrets = (INFRA / "secrets.sh").read_text()
    assert '"Type": "SecureString"' in secrets and "file:///dev/stdin" in secrets
    assert "InteractionsUrl" in (INFRA / "deploy.sh").read_text()


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


PACKAGES = ("hitcast-lambda", "hitcast-interactions")


@pytest.fixture(scope="module")
def packages():
    if os.environ.get("HITCAST_SKIP_ARM64_PACKAGE") == "1":
        pytest.skip("HITCAST_SKIP_ARM64_PACKAGE=1: the arm64 package build is skipped")
    subprocess.run([INFRA / "package.sh"], check=True)
    return {name: ROOT / "target/lambda" / name for name in PACKAGES}


def test_arm64_packages(packages):
    for name in PACKAGES:
        zpath = ROOT / f"target/lambda/{name}.zip"
        size = zpath.stat().st_size
        assert size <= 20 * 1024 * 1024, f"{name}: {size} bytes zipped"
        with zipfile.ZipFile(zpath) as z:
            assert sorted(z.namelist()) == ["bootstrap", "libonnxruntime.so"]
            boot = z.read("bootstrap")
            lib = z.read("libonnxruntime.so")
            assert (z.getinfo("bootstrap").external_attr >> 16) & 0o111, "bootstrap is executable"
        assert elf_machine(boot) == AARCH64
        assert elf_machine(lib) == AARCH64
        # Amazon Linux 2023 has glibc 2.34: nothing newer may be required
        versions = {tuple(map(int, v.decode().split("."))) for v in re.findall(rb"GLIBC_(2\.\d+)", boot)}
        assert max(versions) <= (2, 34), sorted(versions)[-3:]
        print(f"{name}: {size} bytes zipped; bootstrap {len(boot)}, libonnxruntime.so {len(lib)} bytes")


# --- the arm64 packages, run under qemu-user -------------------------------------------------
# ONNX Runtime's CPU detection reads /proc/cpuinfo and /sys/devices/system/cpu; under qemu-user
# those are the x86 host's, and it crashes. In a private mount namespace (`unshare -m`) an
# aarch64 cpuinfo (two Neoverse-N1 cores, as on Graviton2) and a matching cpu directory are
# bind-mounted over them, so the emulated bootstrap sees an arm64 machine.

SYSROOT = Path("/usr/aarch64-linux-gnu")
CPUINFO_CORE = """processor\t: {n}
BogoMIPS\t: 243.75
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs
CPU implementer\t: 0x41
CPU architecture: 8
CPU variant\t: 0x3
CPU part\t: 0xd0c
CPU revision\t: 1

"""


def fake_arm64_cpu(tmp: Path):
    tmp.mkdir(parents=True, exist_ok=True)
    cpuinfo = tmp / "cpuinfo"
    cpuinfo.write_text("".join(CPUINFO_CORE.format(n=n) for n in range(2)))
    sysdir = tmp / "cpu"
    for f in ("possible", "present", "online"):
        (sysdir / f).parent.mkdir(parents=True, exist_ok=True)
        (sysdir / f).write_text("0-1\n")
    for n in range(2):
        core = sysdir / f"cpu{n}"
        (core / "topology").mkdir(parents=True)
        (core / "topology/core_id").write_text(f"{n}\n")
        (core / "topology/physical_package_id").write_text("0\n")
        (core / "topology/core_siblings_list").write_text("0-1\n")
        (core / "topology/thread_siblings_list").write_text(f"{n}\n")
        (core / "regs/identification").mkdir(parents=True)
        (core / "regs/identification/midr_el1").write_text("0x00000000413fd0c1\n")
        (core / "cpufreq").mkdir()
        (core / "cpufreq/cpuinfo_max_freq").write_text("2500000\n")
    return cpuinfo, sysdir


class Emulator:
    """The Lambda Runtime API (one queue of events) and a stub of Discord's webhook routes."""

    def __init__(self, events):
        import http.server
        import threading

        self.events = list(events)
        self.results = {}
        self.discord = []
        self.done = threading.Event()
        emu = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def body(self):
                n = int(self.headers.get("content-length") or 0)
                return self.rfile.read(n)

            def send(self, status, body=b"", ctype="application/json", headers=()):
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(body)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path == "/2018-06-01/runtime/invocation/next":
                    if not emu.events:
                        emu.done.wait(120)
                        return self.send(500)
                    rid, event = emu.events.pop(0)
                    deadline = str(int((__import__("time").time() + 100) * 1000))
                    return self.send(200, event.encode(), headers=[
                        ("lambda-runtime-aws-request-id", rid),
                        ("lambda-runtime-deadline-ms", deadline),
                        ("lambda-runtime-invoked-function-arn", "arn:aws:lambda:eu-west-1:123456789012:function:f"),
                        ("lambda-runtime-trace-id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1"),
                    ])
                self.send(404)

            def do_POST(self):
                body = self.body()
                parts = self.path.split("/")
                if self.path.startswith("/2018-06-01/runtime/invocation/"):
                    emu.results[parts[4]] = (parts[5], body)
                    if not emu.events:
                        emu.done.set()
                    return self.send(202)
                if self.path.startswith("/2018-06-01/runtime/init/error"):
                    emu.results["init"] = ("error", body)
                    emu.done.set()
                    return self.send(202)
                self.send(404)

            def do_PATCH(self):
                emu.discord.append((self.path, self.headers.get("content-type"), self.body()))
                self.send(200, b'{"id": "1"}')

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def run_emulated(bootstrap: Path, events, env, tmp: Path):
    emu = Emulator(events)
    cpuinfo, sysdir = fake_arm64_cpu(tmp)
    script = ('mount --bind "$1" /proc/cpuinfo && mount --bind "$2" /sys/devices/system/cpu && '
              'exec "$3" -L "$4" "$5"')
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{emu.port}",
            "AWS_LAMBDA_FUNCTION_NAME": "f", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "secret", "AWS_EC2_METADATA_DISABLED": "true", "HITCAST_LOG_FORMAT": "json", **env}
    full = {k: v.replace("{port}", str(emu.port)) for k, v in full.items()}
    proc = subprocess.Popen(["unshare", "-m", "--", "sh", "-c", script, "sh", cpuinfo, sysdir,
                             shutil.which("qemu-aarch64"), SYSROOT, bootstrap],
                            env=full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    finished = emu.done.wait(240)
    proc.kill()
    _, err = proc.communicate()
    emu.server.shutdown()
    assert finished, f"no answer within 240 s (exit {proc.returncode}): {err.decode(errors='replace')[-2000:]}"
    return emu, err.decode(errors="replace")


def emulation_available():
    return (platform.machine() == "x86_64" and shutil.which("qemu-aarch64") and shutil.which("unshare")
            and (SYSROOT / "lib/ld-linux-aarch64.so.1").exists() and (SYSROOT / "lib/libstdc++.so.6").exists())


@pytest.mark.skipif(not emulation_available(), reason="qemu-user and the aarch64 runtime are missing (scripts/setup-qemu.sh)")
def test_the_arm64_packages_predict_under_emulation(packages, tmp_path):
    import time

    # the HTTP API: an API Gateway event, answered with a prediction
    event = (ROOT / "lambda/tests/fixtures/apigw-v2-predict.json").read_text()
    started = time.time()
    emu, log = run_emulated(packages["hitcast-lambda"] / "bootstrap", [("req-1", event)], {}, tmp_path / "api")
    kind, body = emu.results.get("req-1", ("missing", log.encode()))
    assert kind == "response", body.decode(errors="replace")[-2000:]
    resp = json.loads(body)
    assert resp["statusCode"] == 200, resp
    prediction = json.loads(resp["body"])["prediction"]
    assert len(prediction["band_probs"]) == 4 and abs(sum(prediction["band_probs"]) - 1) < 1e-4
    assert 0 <= prediction["expected_popularity"] <= 100
    print(f"hitcast-lambda (arm64, emulated): expected popularity {prediction['expected_popularity']:.1f} in {time.time() - started:.1f} s")

    # the Discord function: a job event (a /predict described by its options) whose answer
    # edits the original response through the (stub) Discord API, with the chart
    options = {"danceability": 0.71, "energy": 0.64, "key": 5, "loudness": -6.2, "mode": 1, "speechiness": 0.05,
               "acousticness": 0.12, "instrumentalness": 0.0, "liveness": 0.11, "valence": 0.56, "tempo": 118.0,
               "time_signature": 4, "duration_ms": 201000, "artist_popularity": 62, "genre": 0}
    job = {"hitcast_job": {"application_id": "1100000000000000001", "token": "aW50ZXJhY3Rpb24",
                           # the job carries the command parsed (bot/src/interactions/mod.rs, `Job`)
                           "command": {"kind": "predict", "link": None, "name": None, "overrides": options},
                           "received_ms": int(time.time() * 1000)}}
    env = {"DISCORD_PUBLIC_KEY": "67c6bd767ca099e79efac9fcce4d2022a63bf7dea780e7f3d813f694c1597089",
           "SPOTIFY_CLIENT_ID": "x", "SPOTIFY_CLIENT_SECRET": "y",
           "DISCORD_API_BASE_URL": "http://127.0.0.1:{port}/api/v10/"}
    started = time.time()
    emu, log = run_emulated(packages["hitcast-interactions"] / "bootstrap", [("job-1", json.dumps(job))], env,
                            tmp_path / "bot")
    kind, body = emu.results.get("job-1", ("missing", log.encode()))
    assert (kind, body) == ("response", b'{"done":true}'), log[-2000:]
    assert len(emu.discord) == 1, (emu.discord, log[-2000:])
    path, ctype, body = emu.discord[0]
    assert path == "/api/v10/webhooks/1100000000000000001/aW50ZXJhY3Rpb24/messages/@original"
    assert ctype.startswith("multipart/form-data")
    assert b"Expected popularity" in body and b"\x89PNG\r\n\x1a\n" in body
    print(f"hitcast-interactions (arm64, emulated): edit with embed and PNG in {time.time() - started:.1f} s")
