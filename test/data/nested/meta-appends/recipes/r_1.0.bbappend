R_APPENDED = "yes"
R_ORDER .= " extra"
