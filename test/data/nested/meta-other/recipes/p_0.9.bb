R_FROM = "other"
