SUMMARY = "same"
