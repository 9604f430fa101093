"""Face 1:1 with the embedded dlib backend: comparisons per second on this
machine, single-threaded, and where the time goes (decode, detect, embed).

Photos are real ones shipped by installed packages (scikit-image's astronaut,
matplotlib's Grace Hopper). Scenarios:

* kiosk: the ID card chip photo (102x126 JPEG) against a 1280x720 camera frame;
* 512 px: two 512x512 pictures (PNG against JPEG);
* 12 MP: a 4000x3000 phone-camera JPEG against the chip photo, where JPEG
  draft decoding (libjpeg scaling at decode time) pays off; its ratio to a full
  decode of the same file is printed.
"""

from __future__ import annotations

import base64
import io
import logging
import time
from collections.abc import Callable

from matplotlib import cbook
from PIL import Image, ImageOps
from skimage import data

from identity.face import compare_faces, get_backend
from identity.face.images import decode_photo

BUDGET_SECONDS = 0.6  # per measurement; the whole module stays ~15 s


def _b64(image: Image.Image, fmt: str, **options) -> str:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _photos() -> dict[str, tuple[str, str]]:
    astronaut = Image.fromarray(data.astronaut())
    with cbook.get_sample_data("grace_hopper.jpg") as handle:
        grace = Image.open(handle).convert("RGB")
    chip = astronaut.crop((140, 30, 310, 240)).resize((102, 126), Image.Resampling.LANCZOS)
    frame = Image.new("RGB", (1280, 720), (90, 100, 110))
    frame.paste(astronaut.resize((620, 620)), (330, 50))
    phone = astronaut.resize((3000, 3000), Image.Resampling.BICUBIC)
    big = Image.new("RGB", (4000, 3000), (90, 100, 110))
    big.paste(phone, (500, 0))
    return {
        "kiosk": (_b64(chip, "JPEG", quality=90), _b64(frame, "JPEG", quality=85)),
        "512 px": (_b64(astronaut, "PNG"), _b64(ImageOps.mirror(astronaut), "JPEG", quality=90)),
        "12 MP": (_b64(chip, "JPEG", quality=90), _b64(big, "JPEG", quality=85)),
        "mismatch": (_b64(astronaut, "PNG"), _b64(grace, "JPEG", quality=90)),
    }


def _mean_seconds(fn: Callable[[], object], budget: float = BUDGET_SECONDS) -> float:
    fn()  # warm up
    count, started = 0, time.perf_counter()
    while True:
        fn()
        count += 1
        elapsed = time.perf_counter() - started
        if elapsed >= budget and count >= 3:
            return elapsed / count


def run() -> dict:
    # One INFO line per comparison would drown the figures.
    quiet = logging.getLogger("identity.face")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        return _run()
    finally:
        quiet.setLevel(level)


def _run() -> dict:
    started = time.perf_counter()
    backend = get_backend("identity.face.backends.dlib_local.DlibBackend")
    load = time.perf_counter() - started
    photos = _photos()
    side = backend.max_side
    print(f"model load (first use, once per process): {load * 1000:.0f} ms")
    print(
        f"  {'scenario':<9} {'compares/s':>10} {'ms/compare':>10}"
        f" {'decode ms':>10} {'detect ms':>10} {'embed ms':>9}  result"
    )
    figures: dict = {"model_load_ms": round(load * 1000)}
    for name, (id_b64, live_b64) in photos.items():
        result = compare_faces(id_b64, live_b64)
        total = _mean_seconds(lambda a=id_b64, b=live_b64: compare_faces(a, b))
        pair = [
            decode_photo(id_b64, field="idPhoto", max_side=side),
            decode_photo(live_b64, field="livePhoto", max_side=side),
        ]
        faces = [backend.find_face(p.pixels, field=p.field) for p in pair]
        decode = _mean_seconds(
            lambda a=id_b64, b=live_b64: (
                decode_photo(a, field="idPhoto", max_side=side),
                decode_photo(b, field="livePhoto", max_side=side),
            )
        )
        detect = _mean_seconds(
            lambda pair=pair: [backend.find_face(p.pixels, field=p.field) for p in pair]
        )
        embed = _mean_seconds(
            lambda pair=pair, faces=faces: [
                backend.describe(p.pixels, f) for p, f in zip(pair, faces, strict=True)
            ]
        )
        outcome = f"{'match' if result.match else 'mismatch'} d={result.distance:.3f}"
        print(
            f"  {name:<9} {1 / total:>10.1f} {total * 1000:>10.0f}"
            f" {decode * 1000:>10.1f} {detect * 1000:>10.1f} {embed * 1000:>9.1f}  {outcome}"
        )
        figures[name] = {
            "compares_per_second": round(1 / total, 2),
            "decode_ms": round(decode * 1000, 1),
            "detect_ms": round(detect * 1000, 1),
            "embed_ms": round(embed * 1000, 1),
        }

    big = base64.b64decode(photos["12 MP"][1])
    full = _mean_seconds(lambda: Image.open(io.BytesIO(big)).convert("RGB"))
    draft = _mean_seconds(lambda: decode_photo(photos["12 MP"][1], field="x", max_side=side))
    print(
        f"12 MP JPEG: full decode {full * 1000:.0f} ms, draft decode to {side} px"
        f" {draft * 1000:.0f} ms ({full / draft:.1f}x faster)"
    )
    figures["draft_speedup"] = round(full / draft, 1)
    return figures


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    django.setup()
    run()
