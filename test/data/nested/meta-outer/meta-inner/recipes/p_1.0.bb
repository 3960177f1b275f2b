R_FROM = "inner"
