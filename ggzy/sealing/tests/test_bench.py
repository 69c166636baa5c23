"""The envelope benchmark runs and reports its figures (no timing assertions)."""

from __future__ import annotations

from ggzy.sealing.bench import bench_envelope


def test_bench_envelope_reports_throughput_ratio_and_constant_memory():
    result = bench_envelope(size_mb=4, chunk_size=1 << 18)
    assert result["size_mb"] == 4
    for key in (
        "seal_mb_s",
        "verify_no_key_mb_s",
        "open_and_verify_mb_s",
        "raw_aes_256_gcm_mb_s",
        "open_vs_raw_ratio",
    ):
        assert result[key] > 0
    # opening holds a few chunk buffers, never the 4 MiB bid
    assert result["open_peak_python_heap_bytes"] < 4 * (1 << 18) + (1 << 20)
