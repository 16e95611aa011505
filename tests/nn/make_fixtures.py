#!/usr/bin/env python3
"""Fixtures for Tessera's nn tests, written into OUTDIR (argv[1]).

For resnet18/34/50 with seeded random weights (BN running stats randomised too, so that eval-mode parity means
something): the state dict saved the way torchvision's official files are (torch.save, zip format), a variant whose
floating-point values are Parameters (as in some official checkpoints), a hand-written safetensors file, the
key list, and the eval logits for one shared input as raw little-endian float32. Also hostile and broken
checkpoints for the security tests. Needs Debian's /usr/bin/python3 (torch 1.13, torchvision 0.14).
"""
import collections
import io
import json
import os
import struct
import sys
import zipfile

import torch
import torchvision

OUT = sys.argv[1]
MARKER = sys.argv[2] if len(sys.argv) > 2 else "/tmp/tessera_pwned_marker"
# Which groups to write (each test binary asks only for what it uses; resnet50 files are ~100 MB each):
# resnet18 / resnet34 / resnet50 (parity files), params (Parameter variants), safetensors, extra (10-class head,
# newer torch layout), keys (names and shapes of all four architectures), bad (hostile and broken files).
SETS = set((sys.argv[3] if len(sys.argv) > 3 else "resnet18,resnet34,resnet50,params,safetensors,extra,bad").split(","))
os.makedirs(OUT, exist_ok=True)
torch.set_num_threads(2)

SAFE_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
               torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL"}


def write_safetensors(path, sd, metadata=None):
    header, blobs, offset = {}, [], 0
    for k, v in sd.items():
        raw = v.detach().contiguous().cpu().numpy().tobytes()
        header[k] = {"dtype": SAFE_DTYPES[v.dtype], "shape": list(v.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def f32(path, t):
    with open(path, "wb") as f:
        f.write(t.detach().contiguous().float().numpy().astype("<f4").tobytes())


torch.manual_seed(1234)
x = torch.randn(2, 3, 64, 64)
f32(os.path.join(OUT, "input.f32"), x)

for i, arch in enumerate(["resnet18", "resnet34", "resnet50"]):
    if arch not in SETS:
        continue
    torch.manual_seed(100 + i)
    m = getattr(torchvision.models, arch)(weights=None)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.normal_(0.0, 0.2)
                mod.running_var.uniform_(0.5, 2.0)
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.normal_(0.0, 0.2)
                mod.num_batches_tracked.fill_(7)
        m.fc.weight.normal_(0.0, 0.05)
    m.eval()
    with torch.no_grad():
        logits = m(x)
    sd = m.state_dict()
    torch.save(sd, os.path.join(OUT, arch + ".pth"), _use_new_zipfile_serialization=True)
    if "params" in SETS and arch != "resnet34":
        # Parameters instead of tensors (torch._utils._rebuild_parameter), _metadata kept as state_dict() has it.
        params = collections.OrderedDict(
            (k, torch.nn.Parameter(v, requires_grad=False) if v.is_floating_point() else v) for k, v in sd.items())
        params._metadata = sd._metadata
        torch.save(params, os.path.join(OUT, arch + "_params.pth"), _use_new_zipfile_serialization=True)
    if "safetensors" in SETS and arch == "resnet18":
        write_safetensors(os.path.join(OUT, arch + ".safetensors"), sd, {"format": "pt", "arch": arch})
    f32(os.path.join(OUT, arch + "_logits.f32"), logits)
    with open(os.path.join(OUT, arch + "_keys.txt"), "w") as f:
        f.write("\n".join(sd.keys()) + "\n")
    with open(os.path.join(OUT, arch + "_shape.txt"), "w") as f:
        f.write("%d %d\n" % tuple(logits.shape))

if "keys" in SETS:
    # torchvision's state_dict names and shapes, "name d0,d1,...", for the naming test (no weights written).
    for arch in ["resnet18", "resnet34", "resnet50", "resnet101"]:
        sd = getattr(torchvision.models, arch)(weights=None).state_dict()
        with open(os.path.join(OUT, arch + "_names.txt"), "w") as f:
            for k, v in sd.items():
                f.write("%s %s\n" % (k, ",".join(str(d) for d in v.shape)))

if "extra" in SETS:
    # A 10-class resnet18 (the fine-tuning case: the head differs from the model's).
    torch.manual_seed(7)
    m10 = torchvision.models.resnet18(weights=None, num_classes=10)
    torch.save(m10.state_dict(), os.path.join(OUT, "resnet18_10class.pth"))


    NEWER_ENTRIES = {"byteorder": "little", ".data/serialization_id": "1234567890123456789012345678901234567890",
                     ".format_version": "1", ".storage_alignment": "64"}

    def repack(src, dst, prefix, newer_entries):
        """Rewrites a torch zip with another top folder, with or without the entries torch.save added after 1.13
        (the torch that writes `src` may or may not have written them already)."""
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
            for info in zin.infolist():
                rest = info.filename.split("/", 1)[1]
                if rest in NEWER_ENTRIES:
                    continue
                zout.writestr(prefix + "/" + rest, zin.read(info.filename))
            if newer_entries:
                for name, data in NEWER_ENTRIES.items():
                    zout.writestr(prefix + "/" + name, data)


    # torch >= 2.x layout: "archive/" prefix, byteorder, .data/serialization_id, .format_version, .storage_alignment.
    repack(os.path.join(OUT, "resnet18.pth"), os.path.join(OUT, "resnet18_newformat.pth"), "archive", True)
    # torch 1.13 layout (what older checkpoints in the wild look like): the file's own top folder, none of those.
    repack(os.path.join(OUT, "resnet18.pth"), os.path.join(OUT, "resnet18_legacyformat.pth"), "resnet18", False)


# ---- hand-assembled pickles for hostile and broken files ----
def s(text):
    b = text.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def glob(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def integer(v):
    if 0 <= v < 256:
        return b"K" + bytes([v])
    if -(2 ** 31) <= v < 2 ** 31:
        return b"J" + struct.pack("<i", v)
    raw = v.to_bytes(9, "little", signed=True).rstrip(b"\x00") or b"\x00"
    if raw[-1] & 0x80 and v > 0:
        raw += b"\x00"
    return b"\x8a" + bytes([len(raw)]) + raw


def tup(items):
    return b"(" + b"".join(items) + b"t"


def tensor_pickle(sizes, strides, numel, offset=0, key="w"):
    pid = tup([s("storage"), glob("torch", "FloatStorage"), s("0"), s("cpu"), integer(numel)])
    args = tup([pid + b"Q", integer(offset), tup([integer(v) for v in sizes]), tup([integer(v) for v in strides]),
                b"\x89", glob("collections", "OrderedDict") + b")R"])
    return (b"\x80\x02" + glob("collections", "OrderedDict") + b")R" + s(key) +
            glob("torch._utils", "_rebuild_tensor_v2") + args + b"R" + b"s" + b".")


def torch_zip(path, pkl, storage=b"", prefix="evil"):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(prefix + "/data.pkl", pkl)
        z.writestr(prefix + "/data/0", storage)
        z.writestr(prefix + "/version", "3\n")


def evil_call(module, name, arg):
    # (module.name)(arg) through REDUCE: what a malicious __reduce__ pickles.
    return b"\x80\x02" + glob(module, name) + s(arg) + b"\x85R."


if "bad" in SETS:
    cmd = "touch " + MARKER
    torch_zip(os.path.join(OUT, "evil_os_system.pth"), evil_call("os", "system", cmd))
    torch_zip(os.path.join(OUT, "evil_eval.pth"), evil_call("builtins", "eval", "__import__('os').system('%s')" % cmd))


    class Evil:
        def __reduce__(self):
            return (os.system, (cmd,))


    # What pickle itself emits for os.system on Linux ("posix system"), hidden as a state dict value.
    torch_zip(os.path.join(OUT, "evil_reduce.pth"), __import__("pickle").dumps(collections.OrderedDict(w=Evil()), protocol=2))

    four = struct.pack("<16f", *range(16))
    torch_zip(os.path.join(OUT, "ok_small.pth"), tensor_pickle([4, 4], [4, 1], 16), four)
    torch_zip(os.path.join(OUT, "short_storage.pth"), tensor_pickle([4, 4], [4, 1], 16), four[:20])
    torch_zip(os.path.join(OUT, "view_past_storage.pth"), tensor_pickle([4, 4], [4, 1], 16, offset=4), four)
    torch_zip(os.path.join(OUT, "absurd_sizes.pth"), tensor_pickle([2 ** 40, 2 ** 40], [2 ** 40, 1], 16), four)
    torch_zip(os.path.join(OUT, "negative_size.pth"), tensor_pickle([-4, 4], [4, 1], 16), four)
    torch_zip(os.path.join(OUT, "absurd_numel.pth"), tensor_pickle([4, 4], [4, 1], 2 ** 62), four)

    # A 64 KiB checkpoint cut in half: the zip directory at the end is gone.
    buf = io.BytesIO()
    torch.save(collections.OrderedDict(w=torch.randn(128, 128)), buf, _use_new_zipfile_serialization=True)
    with open(os.path.join(OUT, "truncated.pth"), "wb") as f:
        f.write(buf.getvalue()[: len(buf.getvalue()) // 2])

print("fixtures written to", OUT)
