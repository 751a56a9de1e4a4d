"""Draw each add-on's icon, static/description/icon.png (128 x 128, as OCA's).

The icons are drawn here with Pillow (it comes with Odoo's requirements), so
that no image of anyone else's is shipped: an envelope with a clock on a
coloured tile, the bridges with the mark of what they bridge to.

    python scripts/gen_icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
SIZE = 128
# add-on: tile colour, mark in the corner (None, "sms" or "queue")
ICONS = {
    "invoice_reminders": ((0x71, 0x4B, 0x67), None),
    "invoice_reminders_sms": ((0x01, 0x7E, 0x84), "sms"),
    "invoice_reminders_queue": ((0x2B, 0x5F, 0x9E), "queue"),
}
WHITE = (255, 255, 255)
ACCENT = (0xF0, 0xA5, 0x00)


def _envelope(draw):
    draw.rectangle((22, 38, 92, 88), fill=WHITE)
    draw.line((22, 38, 57, 66, 92, 38), fill=(0x55, 0x55, 0x55), width=4)


def _clock(draw, centre, radius):
    x, y = centre
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=ACCENT, outline=WHITE,
                 width=4)
    draw.line((x, y, x, y - radius + 8), fill=WHITE, width=4)
    draw.line((x, y, x + radius - 10, y), fill=WHITE, width=4)


def _mark(draw, kind):
    if kind == "sms":  # a speech bubble
        draw.rounded_rectangle((12, 92, 56, 118), radius=8, fill=WHITE)
        draw.polygon(((20, 116), (18, 126), (32, 116)), fill=WHITE)
        for x in (24, 34, 44):
            draw.ellipse((x - 3, 102, x + 3, 108), fill=(0x01, 0x7E, 0x84))
    elif kind == "queue":  # three stacked jobs
        for n in range(3):
            top = 96 + n * 9
            draw.rectangle((12 + n * 6, top, 52 + n * 6, top + 6), fill=WHITE)


def draw_icon(colour, mark):
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, SIZE - 1, SIZE - 1), radius=20, fill=colour)
    _envelope(draw)
    _clock(draw, (94, 86), 24)
    _mark(draw, mark)
    return image


def main():
    for addon, (colour, mark) in ICONS.items():
        path = ROOT / addon / "static" / "description" / "icon.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        draw_icon(colour, mark).save(path, optimize=True)
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
