"""The deployment files: the nginx config passes ``nginx -t`` and really proxies (TLS, request ids,
the unbuffered SSE location); the Prometheus alert rules parse and use only metrics we expose."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[3]
NGINX_CONF = ROOT / "deploy" / "nginx" / "ggzy.conf"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
HOST = "ggzy.example.gov.cn"


def nginx_binary() -> str:
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI 必须测试 nginx 配置，但没有安装 nginx（apt-get install nginx-light）")
        pytest.skip("NGINX CONFIG NOT TESTED: nginx is not installed (apt-get install nginx-light)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = dt.datetime.now(tz=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    crt, pem = folder / "fullchain.pem", folder / "privkey.pem"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return crt, pem


def local_config(tmp: Path, *, upstream: str, https_port: int, http_port: int) -> Path:
    """The shipped config with only site-specific values replaced (ports, paths, upstream)."""
    crt, key = self_signed(tmp)
    (tmp / "static").mkdir()
    text = NGINX_CONF.read_text()
    replacements = {
        "/etc/ssl/ggzy/fullchain.pem": str(crt),
        "/etc/ssl/ggzy/privkey.pem": str(key),
        "/var/log/nginx/": f"{tmp}/",
        "/srv/ggzy/var/static/": f"{tmp}/static/",
        "/var/www/acme": str(tmp),
        "server 127.0.0.1:8000": f"server {upstream}",
        "listen 443 ssl": f"listen 127.0.0.1:{https_port} ssl",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
    }
    for old, new in replacements.items():
        assert old in text, f"{old} no longer in deploy/nginx/ggzy.conf: update this test"
        text = text.replace(old, new)
    text = "\n".join(line for line in text.splitlines() if "listen [::]" not in line)
    site = tmp / "ggzy.conf"
    site.write_text(text)
    main = tmp / "nginx.conf"
    main.write_text(
        f"worker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\n"
        f"events {{ worker_connections 64; }}\n"
        f"http {{\n  access_log {tmp}/access.log;\n"
        f"  client_body_temp_path {tmp}/body;\n  proxy_temp_path {tmp}/proxy;\n"
        f"  fastcgi_temp_path {tmp}/fastcgi;\n  uwsgi_temp_path {tmp}/uwsgi;\n  scgi_temp_path {tmp}/scgi;\n"
        f"  include {site};\n}}\n"
    )
    return main


def test_nginx_config_passes_nginx_t(tmp_path: Path) -> None:
    nginx = nginx_binary()
    conf = local_config(tmp_path, upstream="127.0.0.1:8000", https_port=free_port(), http_port=free_port())
    proc = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    assert "test is successful" in proc.stderr


def test_nginx_config_has_an_unbuffered_sse_location() -> None:
    from django.urls import reverse

    text = NGINX_CONF.read_text()
    match = re.search(r"location ~ (\S+) \{([^}]*)\}", text[text.index("event stream") :])
    assert match, "no SSE location for the opening hall's event stream"
    pattern, block = match.groups()
    assert "proxy_buffering off;" in block
    assert "proxy_read_timeout 1h;" in block
    # The location matches the real URL of the opening hall's event stream, and nothing else.
    url = reverse("opening:events", kwargs={"code": "E6404000001001"})
    assert re.search(pattern, url), (pattern, url)
    assert not re.search(pattern, "/opening/E6404000001001/")


@pytest.fixture
def running_nginx(tmp_path: Path, live_server: Any) -> Iterator[int]:
    nginx = nginx_binary()
    https_port, http_port = free_port(), free_port()
    upstream = live_server.url.removeprefix("http://")
    conf = local_config(tmp_path, upstream=upstream, https_port=https_port, http_port=http_port)
    proc = subprocess.Popen(
        [nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", https_port)) == 0:
                    break
            if proc.poll() is not None:
                pytest.fail(f"nginx exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            time.sleep(0.05)
        yield https_port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_nginx_proxies_with_tls_and_request_ids(running_nginx: int, settings: Any) -> None:
    settings.ALLOWED_HOSTS = [HOST]
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", running_nginx, context=context, timeout=10)
    conn.request("GET", "/healthz", headers={"Host": HOST, "X-Request-ID": "from-client-7"})
    response = conn.getresponse()
    assert response.status == 200
    assert json.loads(response.read()) == {"status": "ok"}
    assert response.getheader("X-Request-ID") == "from-client-7"
    # Without one, nginx's own $request_id (32 hex digits) reaches Django and comes back.
    conn.request("GET", "/healthz", headers={"Host": HOST})
    response = conn.getresponse()
    response.read()
    assert re.fullmatch(r"[0-9a-f]{32}", response.getheader("X-Request-ID") or "")
    conn.close()


# ---------------------------------------------------------------- alert rules


def load_alerts() -> dict[str, Any]:
    """The rule file is YAML in JSON-compatible flow style with # comment lines (no YAML library
    in the project); also parsed with PyYAML when it happens to be installed."""
    text = ALERTS.read_text()
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    data = json.loads(body)
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        return data
    assert yaml.safe_load(text) == data
    return data


def exposed_metric_names() -> set[str]:
    from ggzy.platform import monitoring

    source = Path(monitoring.__file__).read_text()
    names = set(re.findall(r'family\(\s*"([a-z0-9_]+)"', source))
    return (
        names | {f"{n}_bucket" for n in names} | {f"{n}_sum" for n in names} | {f"{n}_count" for n in names}
    )


def test_alert_rules_parse_and_cover_the_promise() -> None:
    data = load_alerts()
    rules = [rule for group in data["groups"] for rule in group["rules"]]
    names = {rule["alert"] for rule in rules}
    assert {
        "GgzySiteDown",
        "GgzyNotReady",
        "GgzyTaskQueueBacklog",
        "GgzyAuditHeadStale",
        "GgzyFailedLoginSpike",
        "GgzyBackupDrillOverdue",
    } <= names
    for rule in rules:
        assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert re.fullmatch(r"\d+[smhd]", rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in {"page", "ticket"}
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]
    site_down = next(r for r in rules if r["alert"] == "GgzySiteDown")
    assert site_down["for"] == "1m"  # site down > 1 minute pages


def test_alert_rules_use_only_metrics_we_expose() -> None:
    exposed = exposed_metric_names()
    for group in load_alerts()["groups"]:
        for rule in group["rules"]:
            for name in re.findall(r"\b(ggzy_[a-z0-9_]+)", rule["expr"]):
                assert name in exposed, f"{rule['alert']} uses {name}, which /metrics does not expose"
