R_FROM = "deep"
