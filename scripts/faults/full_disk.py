#!/usr/bin/env python
"""Fault drill: the file store fills up during uploads (a small tmpfs as the file store).

    .venv/bin/python scripts/faults/full_disk.py [--size-mb 8] [--database-url URL] [...]

Needs root (``mount -t tmpfs``). What it does (issue 9 §6):

1. Mounts a ``--size-mb`` tmpfs and makes it the instance's file store (``GGZY_MEDIA_ROOT`` and,
   beside it, the bid upload area); the database stays on the ordinary disk (SQLite file in a temp
   folder, or a scratch PostgreSQL database from ``--database-url``).
2. Starts the real ``ggzy serve``; builds a section open for bids with a bidder, and a tenderer's
   draft section.
3. API: the bidder uploads sealed envelopes of ``--bid-mb`` MiB through the resumable upload API
   until the server refuses one; the client then retries the refused step once more, as a real
   client would. Page: the tenderer uploads tender files (PDF, ``--file-mb`` MiB) through the
   section page's form until refused.
4. Checks: every refusal is a clear one — the API answers structured JSON
   ``{"error": {"code", "message"}}`` with a Chinese message, the page answers HTML with the Chinese
   message on it, never a 5xx or a traceback; no row points at a missing or partial file; no
   partial file under its final name in the store; no stray temporary file; every open upload's
   part is exactly as long as the server says it received; the site still answers reads, and
   ``/readyz`` reports the storage check. Unmounts in ``finally`` (also on SIGTERM).

Prints one JSON document; exit 0 only when every check passes. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Client, ConnectionLost, Instance, Report, cleanup_on_signal, pg_create
from _workload import Inflight, Stats, Upload, describe, seal_bid

HAN = re.compile(r"[\u4e00-\u9fff]")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Fill a small tmpfs file store with uploads: the client must get a clear error "
        "(structured JSON in the API, a Chinese message on the page), nothing half-written. Needs "
        "root (mount). JSON on stdout.",
    )
    p.add_argument("--size-mb", type=int, default=8, help="tmpfs size in MiB (default 8)")
    p.add_argument("--bid-mb", type=float, default=1.5, help="envelope size in MiB (default 1.5)")
    p.add_argument("--file-mb", type=float, default=1.0, help="tender file size in MiB (default 1.0)")
    p.add_argument("--max-uploads", type=int, default=40, help="stop after this many per client (default 40)")
    p.add_argument("--database-url", default=None, help="scratch database (default SQLite in a temp folder)")
    p.add_argument(
        "--keep", action="store_true", help="keep the scratch folder and database (unmounts anyway)"
    )
    return p.parse_args(argv)


def mount_tmpfs(path: Path, size_mb: int) -> None:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - fixed argv
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0755", "tmpfs", str(path)],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    )


def unmount(path: Path) -> bool:
    for attempt in range(10):
        proc = subprocess.run(["umount", str(path)], capture_output=True, text=True, check=False)  # noqa: S603, S607
        if proc.returncode == 0:
            return True
        time.sleep(0.5 * (attempt + 1))
    proc = subprocess.run(["umount", "-l", str(path)], capture_output=True, text=True, check=False)  # noqa: S603, S607
    return proc.returncode == 0


def is_mounted(path: Path) -> bool:
    target = str(path.resolve())
    with open("/proc/mounts") as fh:
        return any(line.split()[1] == target for line in fh)


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = "----ggzyfault" + secrets.token_hex(8)
    out = bytearray()
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for name, (filename, data, ctype) in files.items():
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {ctype}\r\n\r\n"
        ).encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def clear_api_error(info: dict[str, object]) -> bool:
    """Structured JSON error with a code and a Chinese message — a 4xx, or 507 Insufficient
    Storage — never a bare 500 with a page or a traceback."""
    status = int(info.get("status", 0) or 0)  # type: ignore[call-overload]
    body = info.get("json")
    if status in (0, 500) or not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return False
    message = str(body["error"].get("message", ""))
    return bool(body["error"].get("code")) and bool(HAN.search(message))


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    report = Report("full_disk", vars(args))
    if os.geteuid() != 0:
        report.check("running_as_root", False, why="mount -t tmpfs needs root")
        return report.finish()
    root = Path(tempfile.mkdtemp(prefix="ggzy-fault-disk-"))
    store = root / "store"
    mounted = False
    inst: Instance | None = None
    error = None
    with cleanup_on_signal():
        try:
            mount_tmpfs(store, args.size_mb)
            mounted = True
            inst = Instance(database_url=args.database_url, root=root, media_root=store / "files")
            report.facts["store"] = {"mount": str(store), "size_mb": args.size_mb}
            if inst.is_postgres:
                pg_create(inst.database_url)
            report.note(
                f"tmpfs of {args.size_mb} MiB at {store}; migrating {inst.database_url.split('@')[-1]}"
            )
            inst.migrate()
            world = inst.child("setup_world", {"uploaders": 1, "tender_uploads": True, "report_year": 2025})
            web = inst.server()
            report.note(f"ggzy serve ready in {web.start():.1f} s")
            stats, inflight = Stats(), Inflight()
            rng = random.Random(7)  # noqa: S311
            info = world["uploaders"][0]
            bidder = Client(lambda: web.port, info["session"])

            # ---- API: envelopes until the server refuses one
            api: list[dict[str, object]] = []
            refusal = None
            for _ in range(args.max_uploads):
                data = seal_bid(info, int(args.bid_mb * 1048576), rng)
                up = Upload(
                    bidder,
                    info["section_pk"],
                    data,
                    chunk=CHUNK,
                    stats=stats,
                    inflight=inflight,
                    retry_server_errors=False,
                    give_up_after=60,
                )
                result = up.run()
                api.append(
                    {k: v for k, v in result.items() if k in ("outcome", "step", "status", "json", "text")}
                )
                if result["outcome"] != "acked":
                    refusal = result
                    # a real client tries the refused step once more
                    if up.token:
                        report.check("api_retry_after_refusal_is_clean", retry_once(report, bidder, up, data))
                    break
            # one more envelope while the store is full: refused at a chunk (the upload area) or at
            # its finalise, the same clear way, and its part keeps only what was received
            if refusal is not None:
                data = seal_bid(info, int(args.bid_mb * 1048576), rng)
                more = Upload(
                    bidder,
                    info["section_pk"],
                    data,
                    chunk=CHUNK,
                    stats=stats,
                    inflight=inflight,
                    retry_server_errors=False,
                    give_up_after=60,
                ).run()
                api.append(
                    {k: v for k, v in more.items() if k in ("outcome", "step", "status", "json", "text")}
                )
                report.check(
                    "api_second_refusal_is_structured_json_in_chinese",
                    more["outcome"] == "refused" and clear_api_error(more),
                    refusal=describe_refusal(more),
                )
            report.facts["api_uploads"] = api
            acked = [r for r in api if r["outcome"] == "acked"]
            report.check("api_store_filled_up", refusal is not None, uploads=len(api), acked=len(acked))
            if refusal is not None:
                info_ = describe_refusal(refusal)
                report.check(
                    "api_refusal_is_structured_json_in_chinese",
                    clear_api_error(refusal) and not [e for e in stats.server_errors if e["status"] == 500],
                    refusal=info_,
                    server_errors=stats.server_errors[:5],
                )

            # ---- page: tender files through the section page's form until refused
            tenderer = Client(lambda: web.port, world["tenderer_session"])
            page: list[dict[str, object]] = []
            page_refusal = None
            for i in range(args.max_uploads):
                pdf = b"%PDF-1.4\n" + os.urandom(int(args.file_mb * 1048576)) + b"\n%%EOF\n"
                body, ctype = multipart(
                    {"upload-title": f"招标文件第{i + 1}版"},
                    {"upload-file": (f"招标文件{i + 1}.pdf", pdf, "application/pdf")},
                )
                try:
                    resp = tenderer.request(
                        "POST",
                        f"/manage/trading/sections/{world['draft_section_pk']}/upload/",
                        body,
                        {"Content-Type": ctype},
                    )
                except ConnectionLost as exc:
                    page_refusal = {"status": 0, "text": str(exc)}
                    break
                page.append({"status": resp.status})
                if resp.status != 302:
                    page_refusal = {"status": resp.status, "text": resp.text}
                    break
            report.facts["page_uploads"] = page
            report.check("page_store_filled_up", page_refusal is not None, uploads=len(page))
            if page_refusal is not None:
                text = str(page_refusal["text"])
                message = chinese_error_message(text)
                report.check(
                    "page_refusal_is_a_chinese_message",
                    int(page_refusal["status"]) not in (0, 500)  # type: ignore[call-overload]
                    and "Traceback" not in text
                    and bool(message),
                    status=page_refusal["status"],
                    message=message,
                )

            # ---- the site still reads; readiness reports the storage
            status_home = Client(lambda: web.port).request("GET", "/").status
            ready = Client(lambda: web.port).request("GET", "/readyz")
            report.facts["readyz"] = describe(ready)
            report.check("site_still_serves_reads", status_home == 200, home=status_home)
            usage = shutil.disk_usage(store)
            report.facts["store_usage"] = {"total": usage.total, "used": usage.used, "free": usage.free}
            web.stop()
            state = inst.child("open_uploads", None)
            report.facts["uploads"] = state
            result = inst.child("verify", {"acked_bids": list(stats.acked_bids)})
            result.pop("facts", None)
            temporary = result["temporary_writes_left"]
            report.check("no_temporary_file_left", temporary["count"] == 0, files=temporary["files"])
            for name in (
                "rows_point_at_complete_files",
                "no_partial_file_in_store",
                "no_stray_file_in_store",
                "every_blob_referenced",
                "no_stray_upload_parts",
            ):
                check = result[name]
                report.check(name, check.pop("ok"), **check)
            parts = inst.child("upload_parts", None)
            report.check(
                "open_upload_parts_hold_exactly_what_was_received",
                not parts["mismatch"],
                **parts,
            )
            ok, text = inst.audit_verify()
            report.check("audit_chain_intact", ok, output=text)
        except Exception as exc:  # noqa: BLE001 - the report says what broke
            error = f"{type(exc).__name__}: {exc}"
            report.facts["traceback"] = traceback.format_exc()[-3000:]
            if inst is not None:
                for p in inst.procs:
                    report.facts[f"{p.name}_log_tail"] = p.log_tail(3000)
        finally:
            if inst is not None:
                inst.stop_all()
                if inst.is_postgres and not args.keep:
                    from _common import pg_drop

                    pg_drop(inst.database_url)
            if mounted:
                report.check("tmpfs_unmounted", unmount(store) and not is_mounted(store), mount=str(store))
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)
    return report.finish(error)


CHUNK = 512 * 1024


def retry_once(report: Report, client: Client, up: Upload, data: bytes) -> bool:
    """The refused step again: finalise if everything was received, else the next chunk. It must
    succeed (space came back) or be refused the same clear way."""
    st = up.status() or {}
    received = int(st.get("received", 0))
    try:
        if st.get("status") == "open" and received == len(data):
            resp = client.request("POST", f"/trading/bid-uploads/{up.token}/finalise/")
        else:
            end = min(len(data), received + CHUNK)
            resp = client.request(
                "PUT",
                f"/trading/bid-uploads/{up.token}/",
                data[received:end],
                {
                    "Content-Range": f"bytes {received}-{end - 1}/{len(data)}",
                    "Content-Type": "application/octet-stream",
                },
            )
    except ConnectionLost as exc:
        report.facts["api_retry_after_refusal"] = str(exc)
        return False
    report.facts["api_retry_after_refusal"] = describe(resp)
    return resp.status in (200, 201) or clear_api_error(describe(resp))


def describe_refusal(refusal: dict[str, object]) -> dict[str, object]:
    return {k: refusal.get(k) for k in ("step", "status", "content_type", "json", "text") if k in refusal}


def chinese_error_message(html: str) -> str:
    """The page's error text (the form's error list or the error page's message)."""
    for pattern in (
        r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>',
        r'class="[^"]*(?:error|alert)[^"]*"[^>]*>(.*?)</',
        r"<main[^>]*>(.*?)</main>",
    ):
        for m in re.finditer(pattern, html, re.S):
            text = re.sub(r"<[^>]+>", " ", m.group(1))
            text = re.sub(r"\s+", " ", text).strip()
            if ("存储" in text or "空间" in text or "磁盘" in text) and HAN.search(text):
                return text[:300]
    return ""


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
