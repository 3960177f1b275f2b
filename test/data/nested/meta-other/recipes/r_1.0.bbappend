R_ORDER .= " other"
