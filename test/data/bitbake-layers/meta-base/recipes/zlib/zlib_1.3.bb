SUMMARY = "zlib"
