SUMMARY = "same, overlaid"
