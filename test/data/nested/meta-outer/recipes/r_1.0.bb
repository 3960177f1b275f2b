R_FROM = "outer"
R_ORDER = "outer"
