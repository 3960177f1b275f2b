# A filtered-out override as part of a combined one: skipped too.
R_A:board:soc = "a"
