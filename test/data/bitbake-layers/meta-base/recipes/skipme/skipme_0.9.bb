SUMMARY = "skipme"
