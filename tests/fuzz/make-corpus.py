#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target into tests/fuzz/corpus/<target>/ (small, valid inputs the fuzzer mutates
from). Run with the project's venv (.venv/bin/python3: Pillow and torch). The files are committed; rerun after a
format change."""
import io
import json
import os
import pickle
import struct
import sys
import zipfile
from collections import OrderedDict

here = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    folder = os.path.join(here, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def csv_seeds():
    put("fuzz_csv", "labels.csv", "file,label\na/1.jpg,Plain\r\n\"x,y.jpg\",\"Painted \"\"band\"\"\"\n")
    put("fuzz_csv", "bom-multiline.csv", "\ufefffile,label\n\"b/3.png\",\"two\nlines\"\n\n  c.jpg , Incised \n")
    put("fuzz_csv_import", "labels.csv", "file,label\na/1.jpg,Plain\nb/3.png,Painted\n4.tif,Incised\nnothere.jpg,X\n")
    put("fuzz_csv_import", "noheader.csv", "a/2.jpg,Dotted\n\"x,y.jpg\",Plain\n")
    put("fuzz_csv_import", "finds.csv", "file,find_id,site,context\na/1.jpg,F1,Tell-B,L12\nété.jpg,F2,,\n")


def pattern_seeds():
    put("fuzz_filename_pattern", "placeholders", "{site}_{context}_{find}_{view}.jpg\nTell-B_L12_F003_a.jpg\nx.jpg\n")
    put("fuzz_filename_pattern", "path", "{site}/{context}/{find}-*.tif\nTell-B/L12/F3-a.tif\nTell-B/F3.tif\n")
    put("fuzz_filename_pattern", "regex", "re:(?<site>[A-Z]+)-(?P<find>\\d+)(?:_(?<context>\\w+))?\\.jpg\nAB-12_su3.jpg\n")
    put("fuzz_filename_pattern", "wildcards", "{find}?*.{any}\nF12b-x.png\n")


def image_seeds():
    from PIL import Image
    rgb = Image.new("RGB", (9, 7), (200, 120, 40))
    for fmt, name, kw in [("JPEG", "plain.jpg", {}), ("JPEG", "progressive.jpg", {"progressive": True}),
                          ("PNG", "rgb.png", {}), ("TIFF", "rgb.tif", {}), ("BMP", "rgb.bmp", {}),
                          ("WEBP", "rgb.webp", {"lossless": True})]:
        b = io.BytesIO()
        rgb.save(b, fmt, **kw)
        put("fuzz_header_probe", name, b.getvalue())
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90
    b = io.BytesIO()
    rgb.save(b, "JPEG", exif=exif.tobytes())
    put("fuzz_header_probe", "exif-orientation6.jpg", b.getvalue())
    b = io.BytesIO()
    rgb.convert("CMYK").save(b, "JPEG")
    put("fuzz_header_probe", "cmyk.jpg", b.getvalue())
    b = io.BytesIO()
    Image.new("I;16", (5, 4), 1000).save(b, "PNG")
    put("fuzz_header_probe", "gray16.png", b.getvalue())
    b = io.BytesIO()
    rgb.save(b, "TIFF", compression="tiff_deflate", exif=exif.tobytes())
    put("fuzz_header_probe", "deflate-exif.tif", b.getvalue())


def bundle_seed():
    manifest = OrderedDict([
        ("format", "tessera-model"), ("format_version", 1), ("arch", "resnet18"),
        ("class_names", ["impressed dots", "incised lines", "painted bands", "plain"]),
        ("preprocessing", {"input_size": 112, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
                           "resize_policy": "canvas_then_center_crop", "canvas_size": 128}),
        ("created", "2026-12-06T12:00:00Z"), ("tessera_version", "0.1.0")])
    b = io.BytesIO()
    def entry(name, compress):  # fixed time stamps: the same bytes on every run
        return zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), compress
    with zipfile.ZipFile(b, "w") as z:
        for (info, compress), data in [(entry("manifest.json", zipfile.ZIP_DEFLATED), json.dumps(manifest, indent=2)),
                                       (entry("runcard.json", zipfile.ZIP_DEFLATED),
                                        json.dumps({"classes": manifest["class_names"], "history": []})),
                                       (entry("model.safetensors", zipfile.ZIP_STORED),
                                        b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")]:
            info.compress_type = compress
            z.writestr(info, data)
    put("fuzz_model_bundle", "small.tessera-model", b.getvalue())
    put("fuzz_model_bundle", "manifest.json", json.dumps(manifest, indent=2))


def pickle_seeds():
    import torch
    b = io.BytesIO()
    torch.save(OrderedDict([("fc.weight", torch.zeros(2, 3)), ("fc.bias", torch.ones(2)),
                            ("bn.num_batches_tracked", torch.tensor(3))]), b)
    with zipfile.ZipFile(io.BytesIO(b.getvalue())) as z:
        data_pkl = next(n for n in z.namelist() if n.endswith("data.pkl"))
        put("fuzz_unpickler", "state_dict.pkl", z.read(data_pkl))
    put("fuzz_unpickler", "values.pkl", pickle.dumps({"a": [1, 2.5, None, True], "b": ("x", b"y")}, protocol=2))


def safetensors_bytes(tensors, metadata=None):
    """A .safetensors file in plain Python: tensors is a list of (name, dtype, shape, raw little-endian bytes)."""
    header, offset = OrderedDict(), 0
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = OrderedDict([("dtype", dtype), ("shape", shape), ("data_offsets", [offset, offset + len(raw)])])
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * (-len(text) % 8)  # the data section starts 8-byte aligned, as the reference writer does
    return struct.pack("<Q", len(text)) + text.encode("utf-8") + b"".join(raw for _, _, _, raw in tensors)


def safetensors_seeds():
    put("fuzz_safetensors", "dtypes.safetensors", safetensors_bytes([
        ("conv.weight", "F32", [2, 1, 2], struct.pack("<4f", 0.5, -1.0, 2.0, 3.25)),
        ("bn.running_var", "F64", [2], struct.pack("<2d", 1.0, 0.25)),
        ("half", "F16", [3], struct.pack("<3e", 1.0, -2.0, 0.5)),
        ("brain", "BF16", [2], bytes([0x80, 0x3f, 0x00, 0xc0])),
        ("bn.num_batches_tracked", "I64", [], struct.pack("<q", 7)),
        ("ints", "I32", [2], struct.pack("<2i", -3, 40000)),
        ("bytes", "U8", [1, 3], bytes([0, 128, 255])),
        ("mask", "BOOL", [2], bytes([1, 0])),
        ("empty", "F32", [0, 4], b""),
    ], metadata={"format": "pt", "arch": "resnet18"}))
    put("fuzz_safetensors", "one.safetensors", safetensors_bytes([("fc.bias", "F32", [2], struct.pack("<2f", 1, 2))]))
    put("fuzz_safetensors", "empty.safetensors", safetensors_bytes([]))


def torch_save_bytes(obj):
    import torch
    torch.manual_seed(0)  # torch.save's serialization id comes from torch's generator: the same bytes on every run
    b = io.BytesIO()
    torch.save(obj, b)
    return b.getvalue()


def recipe_of(checkpoint, order):
    """fuzz_torchzip's recipe form of a checkpoint (see fuzz_torchzip.cpp): a byte-order byte, then data.pkl and the
    storages archive/data/0, 1, ... separated by kSeparator."""
    with zipfile.ZipFile(io.BytesIO(checkpoint)) as z:
        names = z.namelist()
        prefix = next(n for n in names if n.endswith("/data.pkl"))[:-len("data.pkl")]
        parts = [z.read(prefix + "data.pkl")]
        i = 0
        while prefix + "data/%d" % i in names:
            parts.append(z.read(prefix + "data/%d" % i))
            i += 1
    return bytes([order]) + b"\n#storage#\n".join(parts)


def torchzip_seeds():
    import torch
    base = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    state = OrderedDict([
        ("fc.weight", base),
        ("fc.weight_t", base.t()),                  # a strided view of the same storage
        ("fc.row", base[1]),                        # a view at a storage offset
        ("fc.bias", torch.nn.Parameter(torch.ones(2))),  # _rebuild_parameter
        ("half", torch.tensor([1.0, -2.0], dtype=torch.half)),
        ("brain", torch.tensor([0.5], dtype=torch.bfloat16)),
        ("f64", torch.tensor([0.25], dtype=torch.float64)),
        ("i32", torch.tensor([-3, 4], dtype=torch.int32)),
        ("u8", torch.tensor([0, 255], dtype=torch.uint8)),
        ("mask", torch.tensor([True, False])),
        ("empty", torch.zeros(0, 3)),
        ("bn.num_batches_tracked", torch.tensor(3)),
    ])
    plain = torch_save_bytes(state)
    put("fuzz_torchzip", "state_dict.pth", plain)
    wrapped = torch_save_bytes({"state_dict": OrderedDict([("w", torch.ones(2, 2))]), "epoch": 3})
    put("fuzz_torchzip", "checkpoint.pth", wrapped)
    put("fuzz_torchzip", "state_dict.recipe", recipe_of(plain, 1))
    put("fuzz_torchzip", "checkpoint.recipe", recipe_of(wrapped, 0))
    # Once made the reader build 2.5 GB from 1.5 KB: one tensor expanded 1024 times over a deflated 64 KB storage
    # (the per-tensor limit), named under 40 keys (pickle's memo). The whole file is now held to that limit.
    view = torch.zeros(16384).expand(1024, 16384)
    many = torch_save_bytes(OrderedDict(("k%d" % i, view) for i in range(40)))
    b = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(many)) as src, zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), src.read(name), zipfile.ZIP_DEFLATED)
    put("fuzz_torchzip", "many-views-of-one-storage.pth", b.getvalue())


def runcard_seed():
    epoch = {"epoch": 1, "epochs": 2, "trainLoss": 1.2, "trainAcc": 0.5, "valLoss": 1.1, "valAcc": 0.6,
             "precision": [0.5, 0.7], "recall": [0.6, 0.6], "confusion": [[3, 1], [2, 4]],
             "imagesPerSecond": 80.5, "etaSeconds": 12.0, "best": True}
    put("fuzz_runcard", "runcard.json", json.dumps({"classes": ["a", "b"], "history": [epoch, dict(epoch, epoch=2)],
                                                     "options": {"arch": "resnet18"}}, indent=1))


if __name__ == "__main__":
    csv_seeds()
    pattern_seeds()
    image_seeds()
    bundle_seed()
    pickle_seeds()
    runcard_seed()
    safetensors_seeds()
    torchzip_seeds()
    sys.exit(0)
