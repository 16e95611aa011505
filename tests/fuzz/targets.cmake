# The libFuzzer targets of tests/fuzz, one source file and one seed corpus folder (corpus/<target>/) each. Read by
# the fuzz project and by tests/CMakeLists.txt, which runs each one under the ctest label `fuzz`.
set(TESSERA_FUZZ_TARGETS
  fuzz_csv             # CsvReader: RFC 4180 records, BOM, quotes, line breaks
  fuzz_csv_import      # labels and find-information CSV import into a real project store
  fuzz_filename_pattern  # find-id patterns typed by users, "re:" regular expressions included
  fuzz_header_probe    # JPEG/PNG/TIFF/BMP/WebP headers and EXIF
  fuzz_model_bundle    # .tessera-model zip: entries, sizes, CRCs, manifest.json
  fuzz_unpickler       # the restricted pickle unpickler (PyTorch checkpoints' data.pkl)
  fuzz_runcard         # run card JSON (runcard.json of a run or a bundle)
  fuzz_safetensors     # safetensors weights: header JSON, dtypes, shapes, data offsets (LibTorch)
  fuzz_torchzip        # PyTorch zip checkpoints: zip, data.pkl, storages, sizes/strides/offsets (LibTorch)
)
# The targets above that link LibTorch (the official build, uninstrumented).
set(TESSERA_FUZZ_TORCH_TARGETS fuzz_safetensors fuzz_torchzip)
