include b.inc
R_Y = "plain"
R_Y:layer-two = "two"
