R_TWO = "two"
