SUMMARY = "zlib, newer"
